// Package host is the development board: cmeos as an ordinary process on a
// Linux host, console on stdio, flash: and nvram: as directories under --root.
package host

import (
	"path/filepath"

	"cmeos/board"
)

// Fixed capacities so that dir and show file systems print the same figures
// on every machine (a 256 MB flash and 1 MB of NVRAM, like a small router).
const (
	FlashSize = 256 << 20
	NVRAMSize = 1 << 20
)

func init() {
	board.Register("host", func(o board.Options) (board.Board, error) {
		root := o.Root
		if root == "" {
			root = "run"
		}
		return board.Board{
			Name: "host", Console: "stdio", Baud: 9600,
			FlashDir: filepath.Join(root, "flash"), NVRAMDir: filepath.Join(root, "nvram"),
			FlashSize: FlashSize, NVRAMSize: NVRAMSize,
		}, nil
	})
}
