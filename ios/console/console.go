// Package console runs one IOS console session on a line discipline: it shows
// the banner, reads lines at the mode's prompt, runs them through the command
// engine with paged output, answers questions from the same line, and copies
// log messages to the terminal. Serial, stdio and SSH consoles all use it.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/system"
	"cmeos/ios/term"
)

// Options of one console session.
type Options struct {
	Name string // line name: "con 0", "vty 0"
	// Priv is the starting privilege (cli.PrivUser, like an IOS console).
	Priv int
	// Console marks the console line: log messages go to it as `logging
	// console` says, from the start. Other lines need `terminal monitor`.
	Console bool
}

// Session is a console session attached to a terminal.
type Session struct {
	sys  *config.System
	t    *term.Terminal
	cli  *cli.Session
	opts Options

	// mu guards removeLog.
	mu        sync.Mutex
	removeLog func()
}

// termInput answers command questions from the terminal.
type termInput struct {
	ctx context.Context
	t   *term.Terminal
}

func (in termInput) Ask(prompt string) (string, error) { return in.t.ReadLine(in.ctx, prompt, nil) }
func (in termInput) AskSecret(prompt string) (string, error) {
	return in.t.ReadSecret(in.ctx, prompt)
}
func (in termInput) Confirm(prompt string) (bool, error) { return in.t.Confirm(in.ctx, prompt) }

// New attaches a session to a terminal.
func New(ctx context.Context, sys *config.System, t *term.Terminal, opts Options) *Session {
	if opts.Priv == 0 {
		opts.Priv = cli.PrivUser
	}
	if opts.Name == "" {
		opts.Name = "console"
	}
	s := &Session{sys: sys, t: t, opts: opts}
	s.cli = sys.NewSession(opts.Name, opts.Priv, t, termInput{ctx, t})
	s.cli.Values["terminal"] = t
	s.cli.Values["monitor"] = s
	if opts.Console {
		s.SetMonitor(true)
	}
	return s
}

// CLI returns the command session (its mode and privilege).
func (s *Session) CLI() *cli.Session { return s.cli }

// SetMonitor turns copying of log messages to this terminal on or off.
func (s *Session) SetMonitor(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removeLog != nil {
		s.removeLog()
		s.removeLog = nil
	}
	if on {
		s.removeLog = s.sys.Log.AddSink(func(line string) { s.t.Notify(line) }, !s.opts.Console)
	}
}

// MaxLine is the longest line a console accepts, in bytes.
const MaxLine = 4096

// ErrClosed is returned by Run when the user logged out.
var ErrClosed = errors.New("console: session closed")

// Run reads and executes lines until the input ends (io.EOF), the user logs
// out (ErrClosed), the idle timeout expires, or ctx is cancelled.
func (s *Session) Run(ctx context.Context) error {
	defer s.SetMonitor(false)
	s.sys.Lock()
	motd := system.Banner(s.sys, "motd")
	s.sys.Unlock()
	if motd != "" {
		fmt.Fprintf(s.t, "%s\n", strings.TrimPrefix(motd, "\n"))
	}
	for {
		if s.cli.Closed() {
			return ErrClosed
		}
		prompt := s.cli.Prompt()
		s.cli.PromptLen = len(prompt)
		line, err := s.t.ReadLine(ctx, prompt, s.cli)
		switch {
		case err == nil:
		case errors.Is(err, term.ErrCtrlZ), errors.Is(err, term.ErrInterrupt):
			if s.cli.InConfig() {
				s.cli.End()
			}
			continue
		case errors.Is(err, term.ErrLineTooLong):
			// The terminal kept the first MaxLine bytes; what follows is invalid.
			fmt.Fprintf(s.t, "%s^\n%% Invalid input detected at '^' marker.\n\n", strings.Repeat(" ", len(prompt)+MaxLine))
			continue
		case errors.Is(err, io.EOF):
			return io.EOF
		default:
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pg := s.t.Pager()
		s.cli.Out = pg
		s.cli.Execute(line)
		s.cli.Out = s.t
	}
}
