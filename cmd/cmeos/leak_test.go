package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"cmeos/board"
	"cmeos/ios/config"
)

// TestNoGoroutineLeak boots, reloads and shuts down twice and checks that
// the goroutines started go away. Not parallel: it counts goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	b, err := board.Lookup("host", board.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for range 2 {
		in := "enable\nconfigure terminal\nhostname L\nend\nreload\nyes\n\nshow clock\n"
		if err := run(t.Context(), b, consoleIO{in: strings.NewReader(in), out: &bytes.Buffer{}, now: fixedClock()}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// FuzzLoad feeds arbitrary startup-config text to the loader: it must never
// panic, and what it renders must load again without errors.
func FuzzLoad(f *testing.F) {
	for _, r := range config.Registered() {
		f.Add(r.Examples)
	}
	f.Add("interface GigabitEthernet0/0\n ip address 1.2.3.4 255.255.255.0\nbanner motd ^C\nunterminated")
	f.Add("hostname \xff\nclock timezone X 99\n\x00\x01")
	f.Fuzz(func(t *testing.T, text string) {
		sys := config.New(config.Options{Now: fixedClock(), FS: newStore(t)})
		defer sys.Close()
		sys.Load(text, &bytes.Buffer{})
		sys.Lock()
		first := sys.RenderFeatures()
		sys.Unlock()
		again := config.New(config.Options{Now: fixedClock(), FS: newStore(t)})
		defer again.Close()
		var out bytes.Buffer
		if n := again.Load(first, &out); n != 0 {
			t.Fatalf("rendered config does not load (%d errors):\n%s\n--- rendered:\n%s", n, out.String(), first)
		}
	})
}
