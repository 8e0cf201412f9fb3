// Package qemuvirt is the QEMU `-M virt` machine (qemu-system-aarch64 and
// qemu-system-arm): PL011 console on ttyAMA0 at 115200, flash: and nvram:
// on an ext4 file system on the first virtio-blk disk (virtio-mmio
// transport), network interfaces on virtio-net devices.
package qemuvirt

import (
	"path/filepath"

	"cmeos/board"
)

// Facts of the machine as `make qemu` and rootfs/vmtest start it.
const (
	RAM       = 256 << 20 // -m 256
	FlashSize = 48 << 20  // flash: share of the 64 MB disk image
	NVRAMSize = 1 << 20
	Mount     = "/mnt/storage"
	Disk      = "/dev/vda"
)

// Modules are what the Debian kernels (linux-image-arm64,
// linux-image-armmp-lpae) need as modules for this board: the virtio
// transport, disk and NIC, ext4 (with the crc32c it asks the crypto API for),
// 802.1Q VLANs and dummy links for Loopback interfaces.
var Modules = []string{"virtio_mmio", "virtio_blk", "virtio_net", "crc32c_generic", "ext4", "8021q", "dummy"}

func init() {
	board.RegisterCompatible("qemuvirt", "linux,dummy-virt")
	board.Register("qemuvirt", func(board.Options) (board.Board, error) {
		return board.Board{
			Name: "qemuvirt", Console: "/dev/ttyAMA0", Baud: 115200,
			FlashDir: filepath.Join(Mount, "flash"), NVRAMDir: filepath.Join(Mount, "nvram"),
			FlashSize: FlashSize, NVRAMSize: NVRAMSize,
			Interfaces: map[string]string{
				"GigabitEthernet0/0": "eth0",
				"GigabitEthernet0/1": "eth1",
			},
			RAM:     RAM,
			Storage: Disk, StorageType: "ext4", StorageMount: Mount,
			Modules: Modules,
		}, nil
	})
}
