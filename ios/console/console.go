// Package console runs one IOS console session on a line discipline: it shows
// the banner, asks for the login the line requires, reads lines at the mode's
// prompt, runs them through the command engine with paged output, answers
// questions from the same line, applies the exec-timeout, and copies log
// messages to the terminal. Serial, stdio and SSH consoles all use it.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/line"
	"cmeos/ios/system"
	"cmeos/ios/term"
)

// Options of one console session.
type Options struct {
	// Name is the line name: "console" for the console line, "vty N" for SSH.
	Name string
	// Console marks the console line: log messages go to it as `logging
	// console` says, and after logout or exec-timeout it waits for RETURN.
	Console bool
	// Line is the line's registry entry (show users, clear line); nil for none.
	Line *line.Session
	// LineConfig returns the line's configuration (login, exec-timeout,
	// privilege level); it is read again at each login. Nil: no login, no
	// timeout.
	LineConfig func() line.Config
	// Authenticated is set when the transport already authenticated the
	// user (SSH): no login prompt is shown.
	Authenticated *aaa.Login
	// ExitOnLogout ends Run when the user logs out of the console line,
	// instead of waiting for RETURN: cmeos on a development host's terminal
	// stops at `exit`, a board's serial console starts over.
	ExitOnLogout bool
}

// Session is a console session attached to a terminal.
type Session struct {
	sys  *config.System
	t    *term.Terminal
	cli  *cli.Session
	opts Options
	ctx  context.Context

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
	if opts.Name == "" {
		opts.Name = "console"
	}
	s := &Session{sys: sys, t: t, opts: opts, ctx: ctx}
	s.newCLI()
	if opts.Console {
		s.SetMonitor(true)
	}
	return s
}

func (s *Session) newCLI() {
	s.cli = s.sys.NewSession(s.opts.Name, cli.PrivUser, s.t, termInput{s.ctx, s.t})
	s.cli.Values["terminal"] = s.t
	s.cli.Values["monitor"] = s
	if s.opts.Line != nil {
		s.cli.Values["line"] = s.opts.Line
	}
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

// Errors that end a session.
var (
	ErrClosed      = errors.New("console: session closed")
	ErrLoginFailed = errors.New("console: login failed")
)

// Run serves the session until the input ends (io.EOF), the user logs out
// (ErrClosed), login fails, the exec-timeout expires (term.ErrTimeout), or
// ctx is cancelled. The console line instead starts over after a logout or
// timeout, as a router console does ("Press RETURN to get started.").
func (s *Session) Run(ctx context.Context) error {
	defer s.SetMonitor(false)
	for {
		err := s.runOnce(ctx)
		if !s.opts.Console || errors.Is(err, io.EOF) || ctx.Err() != nil {
			return err
		}
		// A console in line mode (the host board's pipe or cooked
		// terminal) still starts over after an exec-timeout: ending Run
		// there stopped the whole process (issue 15 item 12).
		if !s.t.Interactive() && !errors.Is(err, term.ErrTimeout) {
			return err
		}
		if !errors.Is(err, ErrClosed) && !errors.Is(err, term.ErrTimeout) && !errors.Is(err, ErrLoginFailed) {
			return err
		}
		if errors.Is(err, ErrClosed) && s.opts.ExitOnLogout {
			return err
		}
		fmt.Fprintf(s.t, "\n%s con0 is now available\n\n\n\n\n\nPress RETURN to get started.\n\n", s.sys.Hostname())
		s.t.SetIdleTimeout(0)
		if _, err := s.t.ReadLine(ctx, "", nil); err != nil {
			return err
		}
		s.newCLI()
	}
}

// lineConfig returns the line's configuration with the login method that
// applies (line.EffectiveLogin).
func (s *Session) lineConfig() line.Config {
	if s.opts.LineConfig == nil {
		return line.Config{}
	}
	cfg := s.opts.LineConfig()
	s.sys.Lock()
	defer s.sys.Unlock()
	cfg.Login = line.EffectiveLogin(s.sys, cfg, s.opts.Console)
	return cfg
}

func (s *Session) runOnce(ctx context.Context) error {
	s.sys.Lock()
	motd := system.Banner(s.sys, "motd")
	loginBanner := system.Banner(s.sys, "login")
	s.sys.Unlock()
	if motd != "" {
		fmt.Fprintf(s.t, "%s\n", strings.TrimPrefix(motd, "\n"))
	}
	if err := s.login(ctx, loginBanner); err != nil {
		return err
	}
	for {
		if s.cli.Closed() {
			return ErrClosed
		}
		s.t.SetIdleTimeout(s.lineConfig().ExecTimeout)
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
		default:
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.opts.Line != nil {
			s.opts.Line.Touch(s.sys.Now())
		}
		pg := s.t.Pager()
		s.cli.Out = pg
		s.cli.Execute(line)
		s.cli.Out = s.t
	}
}

// login asks for what the line's `login` setting requires and sets the
// starting privilege.
func (s *Session) login(ctx context.Context, banner string) error {
	cfg := s.lineConfig()
	priv := cli.PrivUser
	if cfg.Privilege > 0 {
		priv = cfg.Privilege
	}
	if a := s.opts.Authenticated; a != nil {
		if a.Priv > priv {
			priv = a.Priv
		}
		s.setPriv(priv)
		return nil
	}
	if cfg.Login == "" {
		s.setPriv(priv)
		return nil
	}
	if banner != "" {
		fmt.Fprintf(s.t, "%s\n", strings.TrimPrefix(banner, "\n"))
	}
	if cfg.Login == "line" {
		if cfg.Password == nil {
			if s.opts.Console {
				s.setPriv(priv)
				return nil
			}
			fmt.Fprintf(s.t, "\nPassword required, but none set\n")
			return ErrLoginFailed
		}
		fmt.Fprintf(s.t, "\nUser Access Verification\n\n")
		for range 3 {
			pw, err := s.t.ReadSecret(ctx, "Password: ")
			if err != nil {
				return err
			}
			if pw == cfg.Password.Plain() {
				s.setPriv(priv)
				return nil
			}
		}
		fmt.Fprintf(s.t, "%% Bad passwords\n")
		return ErrLoginFailed
	}
	// login local, or an aaa method list (local methods only).
	fmt.Fprintf(s.t, "\nUser Access Verification\n\n")
	for range 3 {
		user, err := s.t.ReadLine(ctx, "Username: ", nil)
		if err != nil {
			return err
		}
		pw, err := s.t.ReadSecret(ctx, "Password: ")
		if err != nil {
			return err
		}
		l, err := aaa.CheckLocal(s.sys, strings.TrimSpace(user), pw, s.opts.Name)
		if err == nil {
			if s.opts.Line != nil {
				line.FromSystem(s.sys).SetUser(s.opts.Line, l.User)
			}
			if l.Priv > priv {
				priv = l.Priv
			}
			s.setPriv(priv)
			return nil
		}
		if d := aaa.FailureDelay(s.sys); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		fmt.Fprintf(s.t, "%% Login invalid\n\n")
	}
	fmt.Fprintf(s.t, "%% Bad passwords\n")
	return ErrLoginFailed
}

func (s *Session) setPriv(p int) {
	if p >= cli.PrivMax {
		s.cli.Priv = cli.PrivMax
	} else {
		s.cli.Priv = cli.PrivUser
	}
}
