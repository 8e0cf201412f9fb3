package fs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPrivate(t *testing.T) {
	s, _, nvram := testStore(t)
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)

	if names, err := s.PrivateList(); err != nil || len(names) != 0 {
		t.Errorf("PrivateList before any write = %v, %v", names, err)
	}
	for _, name := range []string{"ssh-rsa.key", "ca_db", "b"} {
		if err := s.PrivateWrite(name, []byte("secret "+name)); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(nvram, privateDir)
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("private dir: %v, %v; want 0700", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "ca_db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private file: %v, %v; want 0600", fi, err)
	}
	if b, err := s.PrivateRead("ca_db"); err != nil || string(b) != "secret ca_db" {
		t.Errorf("PrivateRead = %q, %v", b, err)
	}
	writeHost(t, filepath.Join(dir, tmpPrefix+"x"), nil, mtime)
	names, err := s.PrivateList()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b", "ca_db", "ssh-rsa.key"}, names); diff != "" {
		t.Errorf("PrivateList mismatch (-want +got):\n%s", diff)
	}
	if err := s.PrivateRemove("b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PrivateRead("b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("PrivateRead after remove: %v", err)
	}
	if err := s.PrivateRemove("b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("PrivateRemove twice: %v", err)
	}
	// A loosened directory mode is repaired on the next write.
	os.Chmod(dir, 0o755)
	if err := s.PrivateWrite("b", nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("private dir mode = %v after write", fi.Mode().Perm())
	}

	for _, name := range []string{"", ".", "..", "../x", "a/b", "a\\b", "a b", "/etc/passwd", tmpPrefix + "x", "ключ"} {
		if err := s.PrivateWrite(name, nil); !errors.Is(err, ErrBadPath) {
			t.Errorf("PrivateWrite(%q) = %v; want ErrBadPath", name, err)
		}
		if _, err := s.PrivateRead(name); !errors.Is(err, ErrBadPath) {
			t.Errorf("PrivateRead(%q) = %v; want ErrBadPath", name, err)
		}
	}

	// Not reachable through console URLs.
	for _, url := range []string{"nvram:.private/ca_db", "nvram:/.private/ca_db", "nvram:x/../.private/ca_db", "nvram:.private"} {
		p, err := s.Parse(url)
		if !errors.Is(err, ErrPrivate) {
			t.Errorf("Parse(%s) = %v; want ErrPrivate", url, err)
		}
		if _, err := s.ReadFile(p); !errors.Is(err, ErrPrivate) {
			t.Errorf("ReadFile(%v) = %v; want ErrPrivate", p, err)
		}
		if _, err := s.Copy(p, Path{"flash", "x"}); !errors.Is(err, ErrPrivate) {
			t.Errorf("Copy(%v) = %v; want ErrPrivate", p, err)
		}
		if err := s.WriteFile(p, nil); !errors.Is(err, ErrPrivate) {
			t.Errorf("WriteFile(%v) = %v; want ErrPrivate", p, err)
		}
		if _, err := s.List(p); !errors.Is(err, ErrPrivate) {
			t.Errorf("List(%v) = %v; want ErrPrivate", p, err)
		}
		if err := s.Remove(p); !errors.Is(err, ErrPrivate) {
			t.Errorf("Remove(%v) = %v; want ErrPrivate", p, err)
		}
	}
	if err := s.Rename(Path{"nvram", "x"}, Path{"nvram", ".private/x"}); !errors.Is(err, ErrPrivate) {
		t.Errorf("Rename into the private area = %v", err)
	}
	ents, err := s.List(Path{"nvram", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("List(nvram:) = %v", ents)
	}

	// A private area that is a symbolic link is refused.
	os.RemoveAll(dir)
	if err := os.Symlink(t.TempDir(), dir); err != nil {
		t.Fatal(err)
	}
	if err := s.PrivateWrite("k", nil); err == nil {
		t.Error("PrivateWrite through a symbolic link succeeded")
	}

	// Without nvram there is no private area.
	s2, err := New("flash", Mount{Prefix: "flash", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.PrivateWrite("k", nil); !errors.Is(err, ErrUnknownFS) {
		t.Errorf("PrivateWrite without nvram = %v", err)
	}
}
