// Package init is what cmeos does when the kernel starts it as PID 1
// (/init of the initramfs): mount the kernel file systems, load the board's
// kernel modules, mount the storage holding flash: and nvram:, set the host
// name and memory limit, reap orphaned processes, and reboot or power off
// for `reload`.
package init

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"cmeos/board"
)

// FlashImage is the empty flash file system (gzip) that `format flash:`
// writes on the storage device.
const FlashImage = "/lib/cmeos/flash.img.gz"

var storageFailed bool

// StorageFailed reports whether Setup could not mount the storage.
func StorageFailed() bool { return storageFailed }

// FormatStorage writes the empty file system image on the board's storage
// device (whatever was mounted at StorageMount is detached first) and mounts
// it. The file systems opened before keep pointing at the old directories:
// the caller reloads.
func FormatStorage(b board.Board) error {
	if b.Storage == "" {
		return errors.New("no storage device")
	}
	src, err := os.Open(FlashImage)
	if err != nil {
		return err
	}
	defer src.Close()
	zr, err := gzip.NewReader(src)
	if err != nil {
		return err
	}
	unix.Unmount(b.StorageMount, unix.MNT_DETACH)
	dst, err := os.OpenFile(b.Storage, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, zr); err != nil {
		dst.Close()
		return fmt.Errorf("writing %s: %w", b.Storage, err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	if err := mountStorage(b); err != nil {
		return err
	}
	for _, d := range []string{b.FlashDir, b.NVRAMDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	unix.Sync()
	storageFailed = false
	return nil
}

// ModuleDir holds the kernel modules the image builder copied, and
// ModuleOrder lists their file names in load order (dependencies first).
const (
	ModuleDir   = "/lib/modules/cmeos"
	ModuleOrder = ModuleDir + "/order"
)

// IsInit reports whether this process is PID 1.
func IsInit() bool { return os.Getpid() == 1 }

// Setup prepares the system for board b. Problems that still let the
// console come up (a module that does not load, a missing or corrupt storage
// disk) are returned as warnings to print on the console; b's FlashDir and
// NVRAMDir exist afterwards in any case (in RAM if the storage failed).
func Setup(b board.Board) (warnings []string) {
	warn := func(format string, a ...any) { warnings = append(warnings, fmt.Sprintf(format, a...)) }
	warnings = append(warnings, MountKernelFS()...)
	unix.Sethostname([]byte("Router"))
	setMemoryLimit(b.RAM)
	warnings = append(warnings, LoadModules(ModuleDir, ModuleOrder)...)
	if err := linkUp("lo"); err != nil {
		warn("%%INIT-4-LOOPBACK: %v", err)
	}
	if b.Storage != "" {
		if err := mountStorage(b); err != nil {
			warn("%%Error: flash storage %s could not be mounted (%v).", b.Storage, err)
			warn("%%Error: flash: and nvram: are kept in RAM and lost at reload; use format flash: to write an empty file system on %s.", b.Storage)
			storageFailed = true
			os.MkdirAll(b.StorageMount, 0o755)
			unix.Mount("tmpfs", b.StorageMount, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755")
		}
	}
	for _, d := range []string{b.FlashDir, b.NVRAMDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			warn("%%INIT-3-STORAGE: %v", err)
		}
	}
	go reap()
	return warnings
}

var mounted sync.Once

// MountKernelFS mounts /proc, /sys, /dev, /tmp and /run (once; main calls it
// before detecting the board from /proc/device-tree).
func MountKernelFS() (warnings []string) {
	mounted.Do(func() { warnings = mountKernelFS() })
	return warnings
}

func mountKernelFS() (warnings []string) {
	for _, m := range []struct {
		src, dir, typ string
		flags         uintptr
		data          string
	}{
		{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"sysfs", "/sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"devtmpfs", "/dev", "devtmpfs", unix.MS_NOSUID, "mode=0755"},
		{"tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
		{"tmpfs", "/run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755"},
	} {
		os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.src, m.dir, m.typ, m.flags, m.data); err != nil && !errors.Is(err, unix.EBUSY) {
			warnings = append(warnings, fmt.Sprintf("%%INIT-3-MOUNT: %s on %s: %v", m.typ, m.dir, err))
		}
	}
	return warnings
}

// LoadModules loads the modules listed in order (one file name per line,
// relative to dir); a missing list means none. Already-loaded modules are
// not an error.
func LoadModules(dir, order string) (warnings []string) {
	f, err := os.Open(order)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		if err := loadModule(filepath.Join(dir, name)); err != nil {
			warnings = append(warnings, fmt.Sprintf("%%INIT-4-MODULE: %s: %v", name, err))
		}
	}
	return warnings
}

func loadModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = unix.FinitModule(int(f.Fd()), "", 0)
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}

// mountStorage waits for the storage device (probed asynchronously after
// its driver loads) and mounts it.
func mountStorage(b board.Board) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(b.Storage); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no device %s", b.Storage)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.MkdirAll(b.StorageMount, 0o755); err != nil {
		return err
	}
	return unix.Mount(b.Storage, b.StorageMount, b.StorageType, unix.MS_NOATIME|unix.MS_NODEV|unix.MS_NOSUID, "")
}

// setMemoryLimit sets the Go runtime's soft memory limit to half of the
// board's RAM (or of MemTotal, whichever is lower), leaving the rest to the
// kernel, its page cache and the network buffers. A GOMEMLIMIT in the
// environment wins.
func setMemoryLimit(ram int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if limit := MemoryLimit(ram, memTotal()); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}

// MemoryLimit is the Go memory limit for a board with ram bytes (0:
// unknown) on a kernel reporting memTotal bytes (0: unknown).
func MemoryLimit(ram, memTotal int64) int64 {
	if memTotal > 0 && (ram == 0 || memTotal < ram) {
		ram = memTotal
	}
	return ram / 2
}

func memTotal() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// reap waits for orphaned processes re-parented to init so that they do not
// stay zombies.
func reap() {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.ECHILD) {
			time.Sleep(time.Second)
		}
	}
}

// Reboot syncs and unmounts the storage and restarts the machine; poweroff
// halts it instead. It does not return unless the reboot call fails.
func Reboot(b board.Board, poweroff bool) error {
	unix.Sync()
	if b.StorageMount != "" {
		unix.Unmount(b.StorageMount, 0)
	}
	unix.Sync()
	cmd := unix.LINUX_REBOOT_CMD_RESTART
	if poweroff {
		cmd = unix.LINUX_REBOOT_CMD_POWER_OFF
	}
	return unix.Reboot(cmd)
}
