// Command qemu boots a cmeos image built by `make image` on the qemuvirt
// board with the serial console on this terminal (`make qemu`). Ctrl-A x
// quits QEMU, Ctrl-A c toggles its monitor.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"cmeos/rootfs/vm"
)

func main() {
	arch := flag.String("arch", "arm64", "arm64 or arm")
	dir := flag.String("dir", "bin", "directory holding initramfs-ARCH.cpio.gz and flash.img")
	mem := flag.Int("m", 0, "memory in MB (default: the board's)")
	boardConsole := flag.Bool("board-console", false, "serve the console on the board's /dev/ttyAMA0 through drivers/serial instead of cmeos's stdio (/dev/console on the same UART)")
	flag.Parse()
	a, ok := vm.Arches[*arch]
	if !ok {
		fail(fmt.Errorf("unknown arch %q", *arch))
	}
	k, _, err := vm.Kernel(a)
	if err != nil {
		fail(err)
	}
	disk := filepath.Join(*dir, "flash.img")
	if _, err := os.Stat(disk); err != nil {
		if err := vm.MakeFlash(disk); err != nil {
			fail(err)
		}
	}
	m := vm.Machine{Arch: a, Kernel: k, Initrd: filepath.Join(*dir, "initramfs-"+a.Name+".cpio.gz"), Disk: disk, MemMB: *mem, Quiet: true, Monitor: true}
	if !*boardConsole {
		m.InitArgs = []string{"--console=stdio"}
	}
	args := m.Args()
	fmt.Fprintln(os.Stderr, "booting:", args)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "qemu:", err)
	os.Exit(1)
}
