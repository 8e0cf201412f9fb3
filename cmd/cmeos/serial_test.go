package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cmeos/board"
	"cmeos/drivers/serial"
)

// socatPair starts socat with a connected pty pair linked at a and b.
func socatPair(t *testing.T, a, b string) *exec.Cmd {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Fatal("socat not found: scripts/deps installs it")
	}
	cmd := exec.Command("socat", "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if _, err1 := os.Stat(a); err1 == nil {
			if _, err2 := os.Stat(b); err2 == nil {
				return cmd
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("socat did not create the pty pair")
	return nil
}

// expect reads from r until want appears, within a bound.
func expect(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		var seen strings.Builder
		buf := make([]byte, 256)
		for {
			n, err := r.Read(buf)
			seen.Write(buf[:n])
			if strings.Contains(seen.String(), want) || err != nil {
				got <- seen.String()
				return
			}
		}
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, want) {
			t.Fatalf("serial line: want %q, got %q", want, s)
		}
		return s
	case <-time.After(20 * time.Second):
		t.Fatalf("serial line: %q did not arrive", want)
	}
	return ""
}

// TestSerialConsole runs the console on one end of a pty pair through
// tarm/serial, talks to it from the other end through tarm/serial as a
// terminal would, then disconnects the far end and reconnects.
func TestSerialConsole(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "ttyCME"), filepath.Join(dir, "ttyTERM")
	socat := socatPair(t, a, b)
	defer func() { socat.Process.Kill(); socat.Wait() }()

	bd, err := board.Lookup("host", board.Options{Root: filepath.Join(dir, "root")})
	if err != nil {
		t.Fatal(err)
	}
	bd.Console, bd.Baud = a, 9600
	in, out, interactive, restore, err := openConsole(bd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, bd, consoleIO{in: in, out: out, interactive: interactive, width: 80, length: 24, now: fixedClock()})
	}()
	defer func() {
		cancel()
		restore()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("console did not stop")
		}
	}()

	term, err := serial.Open(b, 9600)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(term, "\r")
	expect(t, term, "Router>")
	io.WriteString(term, "enable\rconf t\rhostname Serial\r\x1a")
	expect(t, term, "Serial#")
	io.WriteString(term, "show users\r")
	expect(t, term, "con 0")
	// `speed` on line con 0 sets the UART speed (stty reads the device).
	io.WriteString(term, "conf t\rline con 0\rspeed 19200\rend\r")
	expect(t, term, "Serial#")
	var st string
	for range 500 {
		out, _ := exec.Command("stty", "-F", a).CombinedOutput()
		if st = string(out); strings.Contains(st, "speed 19200 baud") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(st, "speed 19200 baud") {
		t.Errorf("console device after speed 19200: %s", st)
	}
	io.WriteString(term, "show clock\r")
	expect(t, term, "UTC Mon Nov 23 2026") // the console still answers after the speed change
	term.Close()

	// The far end goes away: socat exits, the pty pair is gone. A new pair
	// appears at the same paths (a terminal server reconnecting).
	socat.Process.Kill()
	socat.Wait()
	os.Remove(a)
	os.Remove(b)
	socat = socatPair(t, a, b)
	term, err = serial.Open(b, 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	// Keep pressing Enter until the console has reopened its device.
	got := make(chan struct{})
	go func() {
		for range 100 {
			select {
			case <-got:
				return
			case <-time.After(200 * time.Millisecond):
				io.WriteString(term, "\r")
			}
		}
	}()
	expect(t, term, "Serial#")
	close(got)
}
