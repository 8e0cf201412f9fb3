// Package configtest builds Systems for tests: real file systems in a
// temporary directory, configuration loaded through the command engine.
package configtest

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
)

// NewStore gives a test its own flash: (16 MiB) and nvram: (1 MiB) under
// t.TempDir(), closed at cleanup.
func NewStore(t testing.TB) *fs.Store {
	t.Helper()
	return StoreAt(t, t.TempDir())
}

// StoreAt is NewStore on a given root, so that a second System can boot
// from what the first one saved.
func StoreAt(t testing.TB, root string) *fs.Store {
	t.Helper()
	store, err := fs.New("flash",
		fs.Mount{Prefix: "flash", Dir: filepath.Join(root, "flash"), Kind: fs.KindDisk, Size: 1 << 24},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(root, "nvram"), Kind: fs.KindNVRAM, Size: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// NewSystem creates a System on store (NewStore when nil) with the features
// linked into the test binary, loads cfg as startup configuration would,
// fails the test if a line is rejected, and starts the services. now may be
// nil for the real clock.
func NewSystem(t testing.TB, store *fs.Store, now func() time.Time, cfg string) *config.System {
	t.Helper()
	if store == nil {
		store = NewStore(t)
	}
	sys := config.New(config.Options{FS: store, Now: now})
	t.Cleanup(func() { sys.Close() })
	var out bytes.Buffer
	if n := sys.Load(cfg, &out); n != 0 {
		t.Fatalf("%d configuration lines rejected:\n%s", n, out.String())
	}
	sys.Start()
	return sys
}

// Configure types lines in global configuration mode on a console session,
// as a person would (actions such as crypto pki enroll run, unlike during a
// load), and returns what the session printed. Questions get ErrNoInput.
func Configure(sys *config.System, lines string) string {
	var out bytes.Buffer
	s := sys.NewSession("console", cli.PrivMax, &out, nil)
	s.Execute("configure terminal")
	for _, l := range strings.Split(lines, "\n") {
		s.Execute(l)
	}
	s.Execute("end")
	return out.String()
}

// Exec runs EXEC commands (one per line) on a privileged console session
// and returns what it printed.
func Exec(sys *config.System, lines string) string {
	var out bytes.Buffer
	s := sys.NewSession("console", cli.PrivMax, &out, nil)
	for _, l := range strings.Split(lines, "\n") {
		s.Execute(l)
	}
	return out.String()
}

// SyncBuffer is a bytes.Buffer safe for a writer goroutine (a console, a
// logger, a child process's output) and a reader.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
