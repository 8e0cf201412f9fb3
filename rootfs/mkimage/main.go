// Command mkimage builds the cmeos initramfs for the qemuvirt board: a
// gzip-compressed newc cpio archive holding the cmeos binary as /init, the
// /dev/console node the kernel opens before starting init, the mount points,
// and the kernel modules the board needs from the Debian kernel cached by
// scripts/deps (resolved with their dependencies from the modules'
// .modinfo sections: Debian's kernel packages ship no modules.dep until
// depmod runs). With -flash it also creates the empty flash disk image if
// the file does not exist (an existing one holds a configuration).
//
//	go run ./rootfs/mkimage -arch arm64 -binary bin/cmeos-linux-arm64 \
//	    -o bin/initramfs-arm64.cpio.gz -flash bin/flash.img
package main

import (
	"flag"
	"fmt"
	"os"

	"cmeos/rootfs/image"
	"cmeos/rootfs/vm"
)

func main() {
	arch := flag.String("arch", "arm64", "arm64 or arm")
	binary := flag.String("binary", "", "the cmeos binary for the architecture (becomes /init)")
	out := flag.String("o", "", "output initramfs (.cpio.gz)")
	flash := flag.String("flash", "", "flash disk image to create if missing")
	boardName := flag.String("board", "qemuvirt", "board whose kernel modules go into the image (qemuvirt, rpi4)")
	flag.Parse()
	a, ok := vm.Arches[*arch]
	if !ok || *binary == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	mods, err := image.BoardModules(*boardName)
	if err != nil {
		fail(err)
	}
	if err := vm.BuildInitramfsWith(a, *binary, *out, mods); err != nil {
		fail(err)
	}
	fi, _ := os.Stat(*out)
	fmt.Printf("%s: %d bytes\n", *out, fi.Size())
	if *flash != "" {
		if _, err := os.Stat(*flash); err == nil {
			fmt.Printf("%s: kept (holds flash: and nvram:; delete it for an empty one)\n", *flash)
			return
		}
		if err := vm.MakeFlash(*flash); err != nil {
			fail(err)
		}
		fmt.Printf("%s: %d MB ext4 with flash/ and nvram/\n", *flash, vm.FlashSizeMB)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mkimage:", err)
	os.Exit(1)
}
