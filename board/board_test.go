package board_test

import (
	"testing"

	"cmeos/board"
	_ "cmeos/board/host"
	_ "cmeos/board/qemuvirt"
	_ "cmeos/board/rpi4"
)

func TestDetectFrom(t *testing.T) {
	for _, c := range []struct{ dt, want string }{
		{"linux,dummy-virt\x00", "qemuvirt"},
		{"raspberrypi,4-model-b\x00brcm,bcm2711\x00", "rpi4"},
		{"vendor,unknown\x00brcm,bcm2711\x00", "rpi4"},
		{"vendor,unknown\x00", "host"},
		{"", "host"},
	} {
		if got := board.DetectFrom([]byte(c.dt)); got != c.want {
			t.Errorf("DetectFrom(%q) = %q, want %q", c.dt, got, c.want)
		}
	}
}

func TestDetectNoDeviceTree(t *testing.T) {
	old := board.CompatiblePath
	board.CompatiblePath = t.TempDir() + "/none"
	defer func() { board.CompatiblePath = old }()
	if got := board.Detect(); got != "host" {
		t.Fatalf("Detect without a device tree = %q, want host", got)
	}
}

func TestBoardsComplete(t *testing.T) {
	for _, name := range board.Names() {
		b, err := board.Lookup(name, board.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if b.Name != name || b.Console == "" || b.FlashDir == "" || b.NVRAMDir == "" {
			t.Errorf("board %s incomplete: %+v", name, b)
		}
		if b.Storage != "" && (b.StorageType == "" || b.StorageMount == "") {
			t.Errorf("board %s: storage without type or mount point", name)
		}
		if a, ok := board.Active(name); !ok || a.Name != name {
			t.Errorf("board %s not active after Lookup", name)
		}
	}
}
