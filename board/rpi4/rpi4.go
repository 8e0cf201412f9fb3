// Package rpi4 is the Raspberry Pi 4 Model B (BCM2711) running Debian's
// arm64 kernel. UNTESTED ON HARDWARE: the facts below come from the
// board's documentation and Debian's raspi images, not from a boot.
//
// Console: the mini UART on GPIO 14/15 (pins 8/10), which Debian's kernel
// names ttyS1, at 115200. Network: the on-board GENET Gigabit Ethernet
// (eth0) as GigabitEthernet0/0. Storage: an ext4 partition on the SD card
// (the third, after the firmware and root partitions of a Debian raspi
// image) holding flash/ and nvram/.
package rpi4

import (
	"path/filepath"

	"cmeos/board"
)

// Mount is where init mounts the storage partition.
const Mount = "/mnt/storage"

func init() {
	board.RegisterCompatible("rpi4", "raspberrypi,4-model-b", "brcm,bcm2711")
	board.Register("rpi4", func(board.Options) (board.Board, error) {
		return board.Board{
			Name: "rpi4", Console: "/dev/ttyS1", Baud: 115200,
			FlashDir: filepath.Join(Mount, "flash"), NVRAMDir: filepath.Join(Mount, "nvram"),
			NVRAMSize:  1 << 20,
			Interfaces: map[string]string{"GigabitEthernet0/0": "eth0"},
			RAM:        1 << 30, // the smallest model; init uses the lower of this and MemTotal
			Storage:    "/dev/mmcblk0p3", StorageType: "ext4", StorageMount: Mount,
			Modules: []string{"crc32c_generic", "ext4", "8021q", "dummy", "genet", "sdhci_iproc", "mdio_bcm_unimac", "broadcom"},
		}, nil
	})
}
