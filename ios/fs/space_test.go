package fs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSizeEnforced is issue 15 item 6: nvram has the size `dir nvram:`
// shows, and writes beyond it fail with IOS's error instead of going on
// while `dir` says 0 bytes free. The old content of a file that a refused
// write would have replaced stays, and no temporary file is left.
func TestSizeEnforced(t *testing.T) {
	dir := t.TempDir()
	s, err := New("nvram", Mount{Prefix: "nvram", Dir: dir, Kind: KindNVRAM, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := func(n string) Path { return Path{"nvram", n} }
	if err := s.WriteFile(p("a"), make([]byte, 600)); err != nil {
		t.Fatal(err)
	}
	// Replacing a file counts its old size as free.
	if err := s.WriteFile(p("a"), make([]byte, 900)); err != nil {
		t.Fatalf("replace within the size: %v", err)
	}
	err = s.WriteFile(p("b"), make([]byte, 101))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past the size: %v", err)
	}
	if got := IOSError("copying", p("b"), err); got != "%Error copying "+p("b").URL()+" (No space left on device)" {
		t.Errorf("IOS error %q", got)
	}
	if err := s.WriteFile(p("a"), make([]byte, 1001)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("replace past the size: %v", err)
	}
	if b, _ := s.ReadFile(p("a")); len(b) != 900 {
		t.Errorf("refused write changed the file: %d bytes", len(b))
	}
	// Appends too.
	if err := s.Append(p("log"), make([]byte, 100)); err != nil {
		t.Fatalf("append within the size: %v", err)
	}
	if err := s.Append(p("log"), []byte("x")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append past the size: %v", err)
	}
	if _, free, _ := s.Usage("nvram"); free != 0 {
		t.Errorf("free %d", free)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestAppend: Append adds at the end and creates the file.
func TestAppend(t *testing.T) {
	s, _, _ := testStore(t)
	p := Path{"flash", "idx"}
	for _, l := range []string{"1\n", "2\n"} {
		if err := s.Append(p, []byte(l)); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := s.ReadFile(p); string(b) != "1\n2\n" {
		t.Fatalf("%q", b)
	}
}

// TestTempFilesRemovedAtMount is issue 15 item 11: temporary files of
// atomic writes interrupted by a crash are removed when the file system
// is mounted again; other files stay.
func TestTempFilesRemovedAtMount(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{tmpPrefix + "A", filepath.Join("d", tmpPrefix+"B"), "keep", filepath.Join("d", "keep")} {
		writeHost(t, filepath.Join(dir, n), []byte("x"), time.Time{})
	}
	s, err := New("flash", Mount{Prefix: "flash", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range []string{tmpPrefix + "A", filepath.Join("d", tmpPrefix+"B")} {
		if _, err := os.Stat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived the mount: %v", n, err)
		}
	}
	for _, n := range []string{"keep", filepath.Join("d", "keep")} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
}
