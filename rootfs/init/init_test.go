package init

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct{ ram, mem, want int64 }{
		{128 << 20, 0, 64 << 20},         // board RAM only
		{256 << 20, 120 << 20, 60 << 20}, // less memory than the board says: MemTotal wins
		{0, 1 << 30, 512 << 20},          // unknown board RAM
		{1 << 30, 4 << 30, 512 << 20},    // more memory than declared: the board wins
	} {
		if got := MemoryLimit(c.ram, c.mem); got != c.want {
			t.Errorf("MemoryLimit(%d, %d) = %d, want %d", c.ram, c.mem, got, c.want)
		}
	}
}

func TestLoadModulesMissingList(t *testing.T) {
	dir := t.TempDir()
	if w := LoadModules(dir, filepath.Join(dir, "order")); w != nil {
		t.Fatalf("no list: %v", w)
	}
	// A listed module that is not there is a warning, not a failure.
	os.WriteFile(filepath.Join(dir, "order"), []byte("# comment\nnone.ko\n"), 0o644)
	if w := LoadModules(dir, filepath.Join(dir, "order")); len(w) != 1 {
		t.Fatalf("warnings = %v", w)
	}
}
