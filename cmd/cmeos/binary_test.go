package main

import (
	"bufio"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmeos as `make build` does, for GOOS/GOARCH given in env.
func buildBinary(t *testing.T, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cmeos")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0"}, env...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", env, err, out)
	}
	return bin
}

// TestBinaryPipe is the acceptance check, run on the real binary
// through a real pipe: configure, save, and start again as R1.
func TestBinaryPipe(t *testing.T) {
	bin := buildBinary(t)
	root := t.TempDir()
	run := func(input string) string {
		cmd := exec.Command(bin, "--root", root)
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cmeos: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run("enable\nconfigure terminal\nhostname R1\nend\nwrite memory\nshow running-config\n")
	for _, want := range []string{"R1#write memory\n", "[OK]\n", "\nhostname R1\n", "R1#show running-config\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("first run: output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "nvram", "startup-config")); err != nil {
		t.Errorf("startup-config not written: %v", err)
	}
	out = run("show clock\n")
	if !strings.HasPrefix(out, "R1>show clock\n") {
		t.Errorf("second run does not start as R1:\n%s", out)
	}
}

// TestBinarySignal checks that SIGTERM stops a running cmeos cleanly while
// its console waits for input.
func TestBinarySignal(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--root", t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "enable\n")
	r := bufio.NewReader(stdout)
	seen := ""
	for !strings.Contains(seen, "Router#") {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("reading console: %v (so far %q)", err, seen)
		}
		seen += string(b)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { io.Copy(io.Discard, r); done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cmeos exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("cmeos did not stop within 20s of SIGTERM")
	}
}

// TestCrossStatic checks what `make cross` promises: static linux/arm64 and
// linux/arm binaries with no dynamic loader and no shared libraries.
func TestCrossStatic(t *testing.T) {
	for _, tc := range []struct {
		env     []string
		machine elf.Machine
	}{
		{[]string{"GOOS=linux", "GOARCH=arm64"}, elf.EM_AARCH64},
		{[]string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}, elf.EM_ARM},
	} {
		bin := buildBinary(t, tc.env...)
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != tc.machine {
			t.Errorf("%v: machine %v, want %v", tc.env, f.Machine, tc.machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%v: binary is dynamically linked (%v)", tc.env, p.Type)
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("%v: needs shared libraries %v", tc.env, libs)
		}
		f.Close()
	}
}
