package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Input answers the questions commands ask: the next line typed at a console,
// or the next line of a config file being loaded.
type Input interface {
	Ask(prompt string) (string, error)
	AskSecret(prompt string) (string, error)
	Confirm(prompt string) (bool, error)
}

// ErrNoInput is returned by an Input that has nothing to answer with.
var ErrNoInput = errors.New("cli: no input")

type frame struct {
	mode  *Mode
	value any
}

// Session is one console (serial, stdio, SSH vty, or a config file being
// loaded): its mode stack, privilege and output.
type Session struct {
	tree  *Tree
	stack []frame

	// Priv is the privilege level (PrivUser or PrivMax).
	Priv int
	// Out receives command output and error messages.
	Out io.Writer
	// In answers questions; nil means every question gets ErrNoInput.
	In Input
	// Hostname gives the prompt's host name.
	Hostname func() string
	// Lock is the configuration lock, held while a command runs and released
	// while the command waits for an answer. Nil means no locking.
	Lock sync.Locker
	// Record is called with the Lock held, right after a config-mode
	// command of a feature succeeded (the change is noted before anything
	// else can take the lock, such as an event the command published);
	// Changed is called after, without the lock.
	Record  func(owner string)
	Changed func(owner string)
	// Name is the line name shown in `show users` ("con 0", "vty 0").
	Name string
	// PromptLen is the width of the prompt the current line was typed after;
	// the '^' marker of an error is indented by it.
	PromptLen int
	// After is called after every command, without the lock held.
	After func()
	// ConfigDone is called when the session leaves configuration mode.
	ConfigDone func()
	// Values lets features keep per-session settings (terminal monitor...).
	Values map[string]any

	closed    bool
	doing     bool
	inertSeen map[*command]bool // inert commands already noted
}

// NewSession starts a session in EXEC mode at the given privilege.
func (t *Tree) NewSession(priv int, out io.Writer) *Session {
	return &Session{tree: t, stack: []frame{{mode: t.modes[ModeExec]}}, Priv: priv, Out: out,
		Hostname: func() string { return "Router" }, Values: map[string]any{}}
}

// Tree returns the command tree the session runs on.
func (s *Session) Tree() *Tree { return s.tree }

// Mode returns the current mode.
func (s *Session) Mode() *Mode { return s.stack[len(s.stack)-1].mode }

// ModeValue returns the value the current sub-mode was entered with
// (the ephone being edited, say).
func (s *Session) ModeValue() any { return s.stack[len(s.stack)-1].value }

// Prompt renders the prompt: "Router>", "Router#", "Router(config)#".
func (s *Session) Prompt() string {
	m := s.Mode()
	h := s.Hostname()
	if m.Name == ModeExec && s.Priv < PrivMax {
		return h + ">"
	}
	return h + m.Prompt
}

// Closed reports whether the session ended (exit/logout in EXEC).
func (s *Session) Closed() bool { return s.closed }

// Close ends the session.
func (s *Session) Close() { s.closed = true }

// End returns to privileged EXEC (end, Ctrl-Z).
func (s *Session) End() {
	was := len(s.stack) > 1
	s.stack = s.stack[:1]
	if was && s.ConfigDone != nil && !s.doing {
		s.ConfigDone()
	}
}

// Exit leaves the current mode; in EXEC it ends the session.
func (s *Session) Exit() {
	if len(s.stack) == 1 {
		s.closed = true
		return
	}
	s.stack = s.stack[:len(s.stack)-1]
	if len(s.stack) == 1 && s.ConfigDone != nil && !s.doing {
		s.ConfigDone()
	}
}

// Enter pushes a sub-mode. From a sibling sub-mode it first pops back to the
// new mode's parent, as IOS does (`ephone 2` typed inside `ephone 1`).
func (s *Session) Enter(mode string, value any) {
	m := s.tree.modes[mode]
	if m == nil {
		panic("cli: enter unknown mode " + mode)
	}
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].mode == m.Parent {
			s.stack = append(s.stack[:i+1], frame{mode: m, value: value})
			return
		}
	}
	s.stack = append(s.stack, frame{mode: m, value: value})
}

// InConfig reports whether the session is in a configuration mode.
func (s *Session) InConfig() bool { return len(s.stack) > 1 }

// Do runs an EXEC command from a config mode (`do show running-config`).
func (s *Session) Do(line string) {
	saved := s.stack
	s.stack = []frame{saved[0]}
	s.doing = true
	defer func() { s.stack = saved; s.doing = false }()
	s.execute(line, false)
}

// Execute runs one line in the current mode and prints what it prints.
// It reports whether the line ran without error.
func (s *Session) Execute(line string) bool {
	return s.execute(line, true)
}

func (s *Session) execute(line string, fallThrough bool) bool {
	trimmed := strings.TrimLeft(line, " \t")
	if trimmed == "" || strings.HasPrefix(trimmed, "!") {
		return true
	}
	words := splitWords(line)
	cur := s.Mode()
	st, filt, res := s.resolve(cur, line, words)
	if res.kind != errNone && fallThrough && cur.Name != ModeExec {
		// A line valid in an enclosing config mode leaves the sub-modes (IOS rule).
		for i := len(s.stack) - 2; i >= 1; i-- {
			st2, filt2, res2 := s.resolve(s.stack[i].mode, line, words)
			if res2.kind == errNone {
				s.stack = s.stack[:i+1]
				st, filt, res = st2, filt2, res2
				break
			}
		}
	}
	if res.kind != errNone {
		s.printError(line, words, res, cur)
		return false
	}
	return s.run(st, line, filt)
}

// resolve matches a line in a mode, splitting off an output filter when the
// command allows one.
func (s *Session) resolve(m *Mode, line string, words []word) (state, *filter, result) {
	for i, w := range words {
		if w.text != "|" {
			continue
		}
		r := m.match(line[:w.off], words[:i], s.Priv)
		if r.kind == errNone && r.states[0].cmd.Pipe {
			f, err := parseFilter(line, words[i:])
			if err != nil {
				return state{}, nil, *err
			}
			return r.states[0], f, r
		}
		break
	}
	r := m.match(line, words, s.Priv)
	if r.kind != errNone {
		return state{}, nil, r
	}
	return r.states[0], nil, r
}

func (s *Session) printError(line string, words []word, r result, m *Mode) {
	switch r.kind {
	case errInvalid:
		if m.Name == ModeExec && r.word == 0 && !s.doing {
			fmt.Fprint(s.Out, "% Unknown command or computer name, or unable to find computer address\n")
			return
		}
		fmt.Fprintf(s.Out, "%s^\n%% Invalid input detected at '^' marker.\n\n", strings.Repeat(" ", s.PromptLen+r.pos))
	case errIncomplete:
		fmt.Fprint(s.Out, "% Incomplete command.\n\n")
	case errAmbiguous:
		w := words[r.word]
		fmt.Fprintf(s.Out, "%% Ambiguous command:  \"%s\"\n", strings.TrimLeft(line[:w.off+len(w.text)], " \t"))
	}
}

func (s *Session) run(st state, line string, filt *filter) bool {
	c := &Context{Session: s, cmd: st.cmd, args: st.args, line: line, Out: s.Out}
	c.Negate = st.cmd.negated
	if c.Negate && len(st.args) > 0 && st.args[0].value == "default" {
		c.Default = true
	}
	if filt != nil {
		filt.out = s.Out
		c.Out = filt
	}
	if s.Lock != nil {
		s.Lock.Lock()
		c.locked = true
	}
	err := st.cmd.Run(c)
	if err == nil && st.cmd.mode.Name != ModeExec && st.cmd.Owner != "" && s.Record != nil && c.locked {
		s.Record(st.cmd.Owner)
	}
	if c.locked {
		s.Lock.Unlock()
		c.locked = false
	}
	if filt != nil {
		filt.Close()
	}
	if s.After != nil {
		defer s.After()
	}
	var inv *InvalidInputError
	if errors.As(err, &inv) {
		fmt.Fprintf(s.Out, "%s^\n%% Invalid input detected at '^' marker.\n\n", strings.Repeat(" ", s.PromptLen+inv.Pos))
		return false
	}
	if err != nil {
		msg := err.Error()
		if !strings.HasSuffix(msg, "\n") {
			msg += "\n"
		}
		fmt.Fprint(s.Out, msg)
		return false
	}
	if st.cmd.Inert && !c.Negate && s.In != nil && s.Name != "startup" {
		if s.inertSeen == nil {
			s.inertSeen = map[*command]bool{}
		}
		if !s.inertSeen[st.cmd] {
			s.inertSeen[st.cmd] = true
			fmt.Fprint(s.Out, InertNote(st.cmd.Syntax))
		}
	}
	if st.cmd.mode.Name != ModeExec && st.cmd.Owner != "" && s.Changed != nil {
		s.Changed(st.cmd.Owner)
	}
	return true
}

// InertNote is what an interactive session prints, once, after a command
// that is accepted and saved but has no effect yet.
func InertNote(syntax string) string {
	return fmt.Sprintf("%% Note: \"%s\" is saved in the configuration but has no effect on cmeos yet.\n", leadingKeywords(syntax))
}

// leadingKeywords is the keywords a syntax starts with ("sdspfarm" of
// "sdspfarm { units ... }").
func leadingKeywords(syntax string) string {
	var kw []string
	for _, w := range strings.Fields(syntax) {
		if strings.ContainsAny(w, "[]{}|<>:") || w != strings.ToLower(w) {
			break
		}
		kw = append(kw, w)
	}
	return strings.Join(kw, " ")
}

// Context is what a command handler gets: the matched arguments, the output
// and the session.
type Context struct {
	Session *Session
	// Out is the command's output (filtered and paged as the user asked).
	Out io.Writer
	// Negate is set for the `no` and `default` forms; Default only for `default`.
	Negate, Default bool

	cmd    *command
	args   []argVal
	line   string
	locked bool
}

// Printf writes formatted output.
func (c *Context) Printf(format string, a ...any) { fmt.Fprintf(c.Out, format, a...) }

// Has reports whether the keyword was typed (by any abbreviation) or the
// named argument was given.
func (c *Context) Has(name string) bool {
	for _, a := range c.args {
		if a.name == name || a.alias == name {
			return true
		}
	}
	return false
}

// String returns the named argument's value ("" if absent). For a keyword
// it returns the keyword in full.
func (c *Context) String(name string) string {
	for _, a := range c.args {
		if a.name == name || a.alias == name {
			return a.value
		}
	}
	return ""
}

// Strings returns every value of a repeated argument.
func (c *Context) Strings(name string) []string {
	var out []string
	for _, a := range c.args {
		if a.name == name {
			out = append(out, a.value)
		}
	}
	return out
}

// Int returns the named integer argument, or def when absent.
func (c *Context) Int(name string, def int) int {
	v := c.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}

// InvalidInputError makes the engine print the IOS invalid-input error with
// the '^' marker at byte Pos of the line.
type InvalidInputError struct{ Pos int }

func (e *InvalidInputError) Error() string { return "% Invalid input detected at '^' marker." }

// InvalidInput reports that the named argument, though well-formed for its
// type, is not acceptable (an unknown interface type, say): the marker
// points at it.
func (c *Context) InvalidInput(name string) error {
	for _, a := range c.args {
		if a.name == name {
			return &InvalidInputError{Pos: a.off}
		}
	}
	return &InvalidInputError{}
}

// Line returns the line as typed.
func (c *Context) Line() string { return c.line }

// Canonical returns the line with every keyword spelled in full and single
// spaces, as running-config shows it ("sh run" -> "show running-config").
// For the no/default forms the leading keyword is included.
func (c *Context) Canonical() string {
	parts := make([]string, 0, len(c.args))
	for _, a := range c.args {
		parts = append(parts, a.value)
	}
	return strings.Join(parts, " ")
}

// CanonicalArgs is Canonical without a leading "no"/"default".
func (c *Context) CanonicalArgs() string {
	s := c.Canonical()
	if c.Negate {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "default "), "no ")
	}
	return s
}

// ModeValue is the value of the mode the command runs in.
func (c *Context) ModeValue() any { return c.Session.ModeValue() }

// Enter pushes a sub-mode.
func (c *Context) Enter(mode string, value any) { c.Session.Enter(mode, value) }

// unlocked runs f with the configuration lock released, so that one console
// waiting for an answer does not stop the others.
func (c *Context) unlocked(f func()) {
	if c.locked {
		c.Session.Lock.Unlock()
		defer c.Session.Lock.Lock()
	}
	f()
}

// Unlocked runs f with the configuration lock released: a command does its
// network I/O in f (never under the lock). What the command read before
// may have changed when f returns: re-check it.
func (c *Context) Unlocked(f func()) { c.unlocked(f) }

// Ask prints a prompt and reads one answer line. The configuration lock is
// released while waiting: re-check state after asking.
func (c *Context) Ask(prompt string) (ans string, err error) {
	if c.Session.In == nil {
		return "", ErrNoInput
	}
	c.unlocked(func() { ans, err = c.Session.In.Ask(prompt) })
	return ans, err
}

// AskSecret reads an answer without echo (Password:).
func (c *Context) AskSecret(prompt string) (ans string, err error) {
	if c.Session.In == nil {
		return "", ErrNoInput
	}
	c.unlocked(func() { ans, err = c.Session.In.AskSecret(prompt) })
	return ans, err
}

// Confirm asks a [confirm] question.
func (c *Context) Confirm(prompt string) (ok bool, err error) {
	if c.Session.In == nil {
		return false, ErrNoInput
	}
	c.unlocked(func() { ok, err = c.Session.In.Confirm(prompt) })
	return ok, err
}

// Interactive reports whether answers can come from a person or a script
// (false while a config file is being loaded).
func (c *Context) Interactive() bool { return c.Session.In != nil }
