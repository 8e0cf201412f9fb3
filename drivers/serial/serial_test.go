package serial

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestIdleConsoleKeepsOutput: read timeouts on an idle line must not be
// taken for a hang-up (which would reopen the device and drop output).
func TestIdleConsoleKeepsOutput(t *testing.T) {
	if _, err := exec.LookPath("socat"); err != nil {
		t.Fatal("socat not found: scripts/deps installs it")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	socat := exec.Command("socat", "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	if err := socat.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { socat.Process.Kill(); socat.Wait() }()
	for range 200 {
		if _, err := os.Stat(b); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	c, err := OpenConsole(a, 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go io.Copy(io.Discard, c) // the console's reader, idle: only timeouts
	// The far end polls too, so that closing it never waits on a blocked read.
	far, err := open(b, 9600, pollInterval)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	defer func() { close(done); <-stopped; far.Close() }()
	got := make(chan byte, 16)
	go func() {
		defer close(stopped)
		buf := make([]byte, 1)
		for {
			select {
			case <-done:
				return
			default:
			}
			if n, _ := far.Read(buf); n == 1 {
				got <- buf[0]
			}
		}
	}()
	for i := range 4 {
		time.Sleep(3 * pollInterval / 2) // let at least one read time out
		c.Write([]byte{byte('0' + i)})
		select {
		case b := <-got:
			if b != byte('0'+i) {
				t.Fatalf("got %q, want %q", b, byte('0'+i))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("output %d written after an idle period never arrived", i)
		}
	}
}
