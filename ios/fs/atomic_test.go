package fs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// setHook installs testHookBeforeRename for the duration of a test; such
// tests must not run in parallel.
func setHook(t *testing.T, hook func(tmp string) error) {
	t.Helper()
	testHookBeforeRename = hook
	t.Cleanup(func() { testHookBeforeRename = nil })
}

func TestWriteFileFailureKeepsOld(t *testing.T) {
	s, flash, nvram := testStore(t)
	injected := errors.New("injected: no space left")
	for _, tt := range []struct{ url, host string }{
		{"flash:dir/config.txt", filepath.Join(flash, "dir", "config.txt")},
		{"nvram:startup-config", filepath.Join(nvram, "startup-config")},
	} {
		t.Run(tt.url, func(t *testing.T) {
			p := mustParse(t, s, tt.url)
			if tt.url == "flash:dir/config.txt" {
				if err := s.Mkdir(p.Dir()); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.WriteFile(p, []byte("old")); err != nil {
				t.Fatal(err)
			}
			var sawTemp bool
			setHook(t, func(tmp string) error {
				// The new data is in a temporary file next to the target.
				_, err := os.Stat(filepath.Join(filepath.Dir(tt.host), filepath.Base(tmp)))
				sawTemp = err == nil
				return injected
			})
			err := s.WriteFile(p, []byte("new content"))
			if !errors.Is(err, injected) {
				t.Fatalf("WriteFile = %v; want the injected error", err)
			}
			if !sawTemp {
				t.Error("temporary file was not in the target's directory")
			}
			if b, err := os.ReadFile(tt.host); err != nil || string(b) != "old" {
				t.Errorf("after failure: %q, %v; want old content", b, err)
			}
			if left := tempFiles(t, filepath.Dir(tt.host)); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
			// A failing source in Copy/WriteFrom behaves the same.
			testHookBeforeRename = nil
			if _, err := s.WriteFrom(p, failingReader{}); !errors.Is(err, errRead) {
				t.Errorf("WriteFrom(failing reader) = %v", err)
			}
			if b, _ := os.ReadFile(tt.host); string(b) != "old" {
				t.Errorf("after failing reader: %q", b)
			}
			if left := tempFiles(t, filepath.Dir(tt.host)); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

var errRead = errors.New("connection reset")

type failingReader struct{}

func (failingReader) Read(p []byte) (int, error) { return 0, errRead }

func TestWriteFileAtomicHost(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "leases")
	old := syscall.Umask(0o077) // the mode must not depend on the umask
	defer syscall.Umask(old)
	for _, perm := range []os.FileMode{0o644, 0o600} {
		if err := WriteFileAtomic(name, []byte(perm.String()), perm); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("mode = %v; want %v", fi.Mode().Perm(), perm)
		}
		if b, _ := os.ReadFile(name); string(b) != perm.String() {
			t.Errorf("content = %q", b)
		}
	}

	setHook(t, func(string) error { return errors.New("injected") })
	if err := WriteFileAtomic(name, []byte("new"), 0o600); err == nil {
		t.Fatal("WriteFileAtomic succeeded despite the failure")
	}
	if b, _ := os.ReadFile(name); string(b) != "-rw-------" {
		t.Errorf("after failure: %q", b)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o600); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

// A directory the process cannot write to makes the write fail early.
// Root ignores permissions, so this only runs unprivileged; the hook
// covers the same path for root.
func TestWriteFileReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root")
	}
	s, flash, _ := testStore(t)
	p := mustParse(t, s, "flash:f")
	if err := s.WriteFile(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(flash, 0o555)
	defer os.Chmod(flash, 0o755)
	if err := s.WriteFile(p, []byte("new")); !errors.Is(err, os.ErrPermission) {
		t.Errorf("WriteFile = %v; want permission denied", err)
	}
	if b, _ := os.ReadFile(filepath.Join(flash, "f")); string(b) != "old" {
		t.Errorf("content = %q", b)
	}
}

func TestWriteFileModes(t *testing.T) {
	s, flash, nvram := testStore(t)
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	for _, tt := range []struct {
		url, host string
		perm      os.FileMode
	}{
		{"flash:f", filepath.Join(flash, "f"), 0o644},
		{"nvram:startup-config", filepath.Join(nvram, "startup-config"), 0o600},
	} {
		if err := s.WriteFile(mustParse(t, s, tt.url), []byte("x")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(tt.host)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != tt.perm {
			t.Errorf("%s: mode %v; want %v", tt.url, fi.Mode().Perm(), tt.perm)
		}
	}
}

// Concurrent writers to one file never produce a torn file: every read,
// and the final content, is exactly one of the written values.
func TestWriteFileConcurrent(t *testing.T) {
	s, flash, _ := testStore(t)
	p := mustParse(t, s, "flash:vlan.dat")
	const writers, size = 16, 64 << 10
	values := make(map[string]bool)
	var wg sync.WaitGroup
	for i := range writers {
		v := bytes.Repeat([]byte(fmt.Sprintf("%x", i%16)), size)
		values[string(v)] = true
		wg.Go(func() {
			for range 5 {
				if err := s.WriteFile(p, v); err != nil {
					t.Error(err)
				}
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := s.ReadFile(p)
			if errors.Is(err, ErrNotFound) {
				continue // before the first rename
			}
			if err != nil {
				t.Error(err)
				return
			}
			if !values[string(b)] {
				t.Errorf("torn read: %d bytes", len(b))
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	b, err := s.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !values[string(b)] {
		t.Errorf("final content is not one of the written values (%d bytes)", len(b))
	}
	if left := tempFiles(t, flash); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
