// Package loadproc starts a benchmark's load process: the benchmark's own
// binary again with -role load, on its own CPUs (taskset when present)
// with GOMAXPROCS=1, talking to the measured side over its stdin and
// stdout.
package loadproc

import (
	"bufio"
	"io"
	"os"
	"os/exec"
)

// Proc is a running load process.
type Proc struct {
	cmd *exec.Cmd
	In  io.WriteCloser // its stdin
	Out *bufio.Scanner // its stdout, by lines
}

// Start runs this executable with -role load on cpus ("" or no taskset:
// anywhere).
func Start(cpus string) (*Proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{self, "-role", "load"}
	if _, err := exec.LookPath("taskset"); err == nil && cpus != "" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	out := bufio.NewScanner(stdout)
	out.Buffer(make([]byte, 1<<16), 1<<16)
	return &Proc{cmd: cmd, In: stdin, Out: out}, nil
}

// Kill stops the load process.
func (p *Proc) Kill() { p.cmd.Process.Kill() }
