// Package vm builds cmeos firmware images and the QEMU command lines that
// boot them on the qemuvirt board, for `make image`, `make qemu` and the
// boot tests in rootfs/vmtest.
package vm

import (
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"cmeos/board/qemuvirt"
	"cmeos/rootfs/image"
)

// Arch is one target architecture of the qemuvirt board.
type Arch struct {
	Name   string // arm64, arm
	GOARCH string
	GOARM  string
	Debian string // Debian architecture (the kernel cache subdirectory)
	QEMU   string // qemu-system-aarch64, qemu-system-arm
	CPU    string
}

// Arches are the supported targets.
var Arches = map[string]Arch{
	"arm64": {Name: "arm64", GOARCH: "arm64", Debian: "arm64", QEMU: "qemu-system-aarch64", CPU: "cortex-a53"},
	"arm":   {Name: "arm", GOARCH: "arm", GOARM: "7", Debian: "armhf", QEMU: "qemu-system-arm", CPU: "cortex-a15"},
}

// KernelCache is where scripts/deps extracts Debian's kernel packages
// (CMEOS_KERNELS overrides it).
func KernelCache() string {
	if d := os.Getenv("CMEOS_KERNELS"); d != "" {
		return d
	}
	return "/var/cache/cmeos-kernels"
}

// Kernel returns the kernel image and its lib/modules/VERSION directory.
func Kernel(a Arch) (vmlinuz, modules string, err error) {
	dir := filepath.Join(KernelCache(), a.Debian)
	ks, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	ms, _ := filepath.Glob(filepath.Join(dir, "lib", "modules", "*"))
	if len(ks) == 0 || len(ms) == 0 {
		return "", "", fmt.Errorf("no Debian %s kernel under %s (run scripts/deps)", a.Debian, dir)
	}
	return ks[len(ks)-1], ms[len(ms)-1], nil
}

// BuildBinary cross-compiles cmeos (static, stripped) for a into out.
func BuildBinary(a Arch, moduleRoot, out, version string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+version, "-o", out, "./cmd/cmeos")
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+a.GOARCH, "GOARM="+a.GOARM)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", a.Name, err, b)
	}
	return nil
}

// BuildInitramfs writes a gzip-compressed initramfs with binary as /init
// and the qemuvirt board's modules from the cached kernel.
func BuildInitramfs(a Arch, binary, out string) error {
	return BuildInitramfsWith(a, binary, out, qemuvirt.Modules)
}

// BuildInitramfsWith is BuildInitramfs with another board's modules.
func BuildInitramfsWith(a Arch, binary, out string, modules []string) error {
	_, mods, err := Kernel(a)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	empty := out + ".flash.img"
	if err := MakeFlash(empty); err != nil {
		f.Close()
		return err
	}
	defer os.Remove(empty)
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if _, err = image.Build(zw, image.Spec{Binary: binary, ModuleDir: mods, Modules: modules, FlashImage: empty}); err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// FlashSizeMB is the size of the flash disk image.
const FlashSizeMB = 64

// MakeFlash creates an empty flash disk image: ext4 with the flash/ and
// nvram/ directories, built with mkfs.ext4 -d (e2fsprogs).
func MakeFlash(out string) error {
	stage, err := os.MkdirTemp("", "cmeos-flash")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for _, d := range []string{"flash", "nvram"} {
		if err := os.Mkdir(filepath.Join(stage, d), 0o755); err != nil {
			return err
		}
	}
	os.Remove(out)
	cmd := exec.Command("mkfs.ext4", "-q", "-F", "-L", "cmeos", "-d", stage, out, strconv.Itoa(FlashSizeMB)+"M")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mkfs.ext4: %v\n%s", err, b)
	}
	return nil
}

// Machine is one QEMU boot.
type Machine struct {
	Arch   Arch
	Kernel string
	Initrd string
	Disk   string // flash disk image ("" for none)
	MemMB  int    // 0: the board's RAM
	// NoReboot makes QEMU exit when the guest reboots (tests restart it).
	NoReboot bool
	// Quiet passes "quiet" to the kernel (only warnings on the console).
	Quiet bool
	// NIC adds one virtio-net device (GigabitEthernet0/0) on QEMU's user-mode
	// network, which touches no host interface.
	NIC bool
	// InitArgs are passed to cmeos (after "--" on the kernel command line).
	InitArgs []string
	// Monitor multiplexes the QEMU monitor on stdio (Ctrl-A c), for people.
	Monitor bool
}

// Args returns the QEMU command line (program first).
func (m Machine) Args() []string {
	mem := m.MemMB
	if mem == 0 {
		mem = qemuvirt.RAM >> 20
	}
	app := "console=ttyAMA0,115200 panic=-1"
	if m.Quiet {
		app += " quiet"
	}
	if len(m.InitArgs) > 0 {
		app += " -- " + strings.Join(m.InitArgs, " ")
	}
	args := []string{m.Arch.QEMU, "-M", "virt", "-cpu", m.Arch.CPU, "-m", strconv.Itoa(mem), "-smp", "1",
		"-kernel", m.Kernel, "-initrd", m.Initrd, "-append", app,
		"-display", "none", "-no-user-config", "-nodefaults"}
	if m.NIC {
		args = append(args, "-netdev", "user,id=net0,restrict=on", "-device", "virtio-net-device,netdev=net0")
	} else {
		args = append(args, "-nic", "none")
	}
	if m.Monitor {
		args = append(args, "-serial", "mon:stdio")
	} else {
		args = append(args, "-serial", "stdio", "-monitor", "none")
	}
	if m.Disk != "" {
		args = append(args, "-drive", "file="+m.Disk+",format=raw,if=none,id=flash,cache=writeback",
			"-device", "virtio-blk-device,drive=flash")
	}
	if m.NoReboot {
		args = append(args, "-no-reboot")
	}
	return args
}
