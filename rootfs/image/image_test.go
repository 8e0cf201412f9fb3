package image

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cmeos/board/qemuvirt"
)

// kernelModules returns the arm64 modules directory scripts/deps extracts.
func kernelModules(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("CMEOS_KERNELS")
	if cache == "" {
		cache = "/var/cache/cmeos-kernels"
	}
	ms, _ := filepath.Glob(filepath.Join(cache, "arm64", "lib", "modules", "*"))
	if len(ms) == 0 {
		t.Fatalf("no Debian arm64 kernel under %s (scripts/deps extracts it)", cache)
	}
	return ms[len(ms)-1]
}

func TestResolveModules(t *testing.T) {
	order, err := ResolveModules(kernelModules(t), qemuvirt.Modules)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, p := range order {
		pos[modName(filepath.Base(p))] = i
	}
	for _, c := range [][2]string{{"jbd2", "ext4"}, {"mbcache", "ext4"}, {"virtio_mmio", "virtio_blk"}, {"net_failover", "virtio_net"}, {"garp", "8021q"}, {"llc", "stp"}} {
		a, okA := pos[c[0]]
		b, okB := pos[c[1]]
		if !okA || !okB || a > b {
			t.Errorf("%s must be loaded before %s: order %v", c[0], c[1], order)
		}
	}
	if len(pos) != len(order) {
		t.Errorf("duplicates in %v", order)
	}
	if _, err := ResolveModules(kernelModules(t), []string{"no_such_module"}); err == nil {
		t.Error("a missing module was not reported")
	}
}

// TestBoardModules: every arm64 board's module list resolves in Debian's
// arm64 kernel.
func TestBoardModules(t *testing.T) {
	for _, name := range []string{"qemuvirt", "rpi4"} {
		mods, err := BoardModules(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ResolveModules(kernelModules(t), mods); err != nil {
			t.Errorf("board %s: %v", name, err)
		}
	}
}

// TestBuild builds an initramfs and lists it with busybox cpio.
func TestBuild(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "init")
	os.WriteFile(bin, []byte("\x7fELF fake"), 0o755)
	flash := filepath.Join(dir, "flash.img")
	os.WriteFile(flash, make([]byte, 4096), 0o644)
	var buf bytes.Buffer
	n, err := Build(&buf, Spec{Binary: bin, ModuleDir: kernelModules(t), Modules: []string{"dummy"}, FlashImage: flash})
	if err != nil || n != 1 {
		t.Fatalf("Build: %d modules, %v", n, err)
	}
	if _, err := exec.LookPath("busybox"); err != nil {
		t.Fatal("busybox not installed (scripts/deps installs busybox-static)")
	}
	cmd := exec.Command("busybox", "cpio", "-t", "-v")
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio: %v\n%s", err, out)
	}
	for _, want := range []string{"crw------- ", " dev/console", "-rwxr-xr-x", " init", "lib/modules/cmeos/dummy.ko", "lib/modules/cmeos/order", "lib/cmeos/flash.img.gz"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("archive lacks %q:\n%s", want, out)
		}
	}
}
