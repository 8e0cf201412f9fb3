package fs

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testStore returns a Store like a board's: system: (opaque), flash:
// (disk, capacity from a fake statfs matching the IOS documentation
// example) and nvram: (Size 262136), in show file systems order.
func testStore(t *testing.T) (*Store, string, string) {
	t.Helper()
	base := t.TempDir()
	flash, nvram := filepath.Join(base, "flash"), filepath.Join(base, "nvram")
	s, err := New("flash",
		Mount{Prefix: "system", Kind: KindOpaque},
		Mount{Prefix: "flash", Dir: flash, Kind: KindDisk},
		Mount{Prefix: "nvram", Dir: nvram, Kind: KindNVRAM, Size: 262136},
	)
	if err != nil {
		t.Fatal(err)
	}
	s.statfs = func(string) (int64, int64, error) { return 64016384, 40173568, nil }
	t.Cleanup(func() { s.Close() })
	return s, flash, nvram
}

func mustParse(t *testing.T, s *Store, url string) Path {
	t.Helper()
	p, err := s.Parse(url)
	if err != nil {
		t.Fatalf("Parse(%q): %v", url, err)
	}
	return p
}

func writeHost(t *testing.T, name string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(name, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// tempFiles returns the leftover temporary files under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var left []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if len(d.Name()) >= len(tmpPrefix) && d.Name()[:len(tmpPrefix)] == tmpPrefix {
			left = append(left, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return left
}
