// Package cli is the IOS command engine: a graph of command tokens per mode,
// keyword abbreviation, typed arguments, `?` help and Tab completion, `no` and
// `default` forms, output filters, and the IOS error messages. It knows nothing
// about any feature: features register their commands in a Tree.
package cli

import (
	"fmt"
	"strings"
)

// Privilege levels of EXEC commands.
const (
	PrivUser = 1  // user EXEC (Router>)
	PrivMax  = 15 // privileged EXEC (Router#)
)

// Built-in mode names.
const (
	ModeExec   = "exec"
	ModeConfig = "config"
)

// Command is one command a feature registers in a mode.
type Command struct {
	// Syntax in the language described in syntax.go, e.g.
	// "clock timezone zone:WORD hours:<-23-23> [minutes:<0-59>]".
	Syntax string
	// Help maps keywords, argument names and types to `?` help texts.
	Help map[string]string
	// Run executes the command. Returning an error prints it (see Error).
	Run func(c *Context) error
	// Priv is the privilege level an EXEC command needs (default PrivMax);
	// commands of config modes always need PrivMax.
	Priv int
	// No makes the command accept `no` and `default` forms in config modes.
	// Unless NoSyntax is set, every token after the leading keywords becomes optional.
	No       bool
	NoSyntax string
	// NoOnly registers only the `no`/`default` forms (for lines such as
	// `no logging console` whose positive form is another command).
	NoOnly bool
	// Pipe allows output filters (`| include ...`) after the command.
	Pipe bool
	// Owner names the feature that owns the command; the config system
	// reconciles that feature after the command changes the configuration.
	Owner string
	// Hidden commands work but are not offered by `?` or Tab.
	Hidden bool
	// Inert marks a command kept for compatibility (seed configurations
	// load) that has no effect yet: an interactive session says so once
	// (InertNote), so that a silent no-op cannot hide; Tree.Commands lists
	// them.
	Inert bool
}

// command is a compiled Command.
type command struct {
	Command
	mode     *Mode
	start    []*node
	negated  bool   // this graph is the no/default form (after the leading "no")
	compiled string // the syntax compiled (with "no "/"default " for those forms)
	order    int
	alias    string  // while compiling: the enclosing named group
	created  []*node // while compiling a repeated group: its nodes
}

// Mode is a CLI mode: its prompt and its commands.
type Mode struct {
	Name   string
	Prompt string // appended to the hostname: "(config)#"
	Parent *Mode
	cmds   []*command
}

// Tree holds the modes and commands of one system. Registration happens
// before any session runs; a Tree is not modified afterwards.
type Tree struct {
	modes map[string]*Mode
	count int
	// FilterHelp and the like could go here; keep the tree minimal.
}

// NewTree returns a tree with the EXEC and global configuration modes and the
// built-in commands every config mode has (end, exit, do, no/default).
func NewTree() *Tree {
	t := &Tree{modes: map[string]*Mode{}}
	t.modes[ModeExec] = &Mode{Name: ModeExec, Prompt: "#"}
	t.AddMode(ModeConfig, "(config)#", ModeExec)
	return t
}

// AddMode declares a mode entered from parent (a config mode). Its prompt is
// appended to the hostname.
func (t *Tree) AddMode(name, prompt, parent string) *Mode {
	if m, ok := t.modes[name]; ok {
		return m
	}
	p := t.modes[parent]
	if p == nil {
		panic(fmt.Sprintf("cli: mode %q: unknown parent %q", name, parent))
	}
	m := &Mode{Name: name, Prompt: prompt, Parent: p}
	t.modes[name] = m
	t.addBuiltins(m)
	return m
}

// Mode returns a mode by name, or nil.
func (t *Tree) Mode(name string) *Mode { return t.modes[name] }

// Add registers a command in a mode. A bad syntax is a programming error and panics.
func (t *Tree) Add(mode string, c Command) {
	m := t.modes[mode]
	if m == nil {
		panic(fmt.Sprintf("cli: command %q: unknown mode %q", c.Syntax, mode))
	}
	if c.Priv == 0 {
		c.Priv = PrivMax
	}
	if !c.NoOnly {
		t.compile(m, c, c.Syntax, false)
	}
	if (c.No || c.NoOnly) && mode != ModeExec {
		ns := c.NoSyntax
		if ns == "" {
			ns = defaultNoSyntax(c.Syntax)
		}
		for _, kw := range []string{"no", "default"} {
			t.compile(m, c, kw+" "+ns, true)
		}
	}
}

func (t *Tree) compile(m *Mode, c Command, syntax string, negated bool) {
	seq, err := parseSyntax(syntax)
	if err == nil && len(seq) == 0 {
		err = fmt.Errorf("empty syntax")
	}
	cmd := &command{Command: c, mode: m, negated: negated, order: t.count, compiled: syntax}
	t.count++
	var f follow
	if err == nil {
		f, err = cmd.compileSeq(seq, follow{end: true})
	}
	if err == nil && f.end {
		err = fmt.Errorf("the command may be empty")
	}
	if err != nil {
		panic(fmt.Sprintf("cli: command %q: %v", syntax, err))
	}
	cmd.start = f.nodes
	// A command with the same syntax replaces the earlier one, so a mode can
	// override a built-in such as exit.
	for i, x := range m.cmds {
		if x.compiled == syntax {
			m.cmds[i] = cmd
			return
		}
	}
	m.cmds = append(m.cmds, cmd)
}

// defaultNoSyntax makes every token after the leading keywords optional:
// "hostname WORD" -> "hostname [WORD]".
func defaultNoSyntax(s string) string {
	toks := lexSyntax(s)
	i := 0
	for i < len(toks) {
		tk := toks[i]
		if strings.ContainsAny(tk, "[]{}|<>:") || tk != strings.ToLower(tk) {
			break
		}
		i++
	}
	if i == len(toks) {
		return s
	}
	return strings.Join(toks[:i], " ") + " [ " + strings.Join(toks[i:], " ") + " ]"
}

func (t *Tree) addBuiltins(m *Mode) {
	t.Add(m.Name, Command{Syntax: "end", Help: map[string]string{"end": "Exit from configure mode"},
		Run: func(c *Context) error { c.Session.End(); return nil }})
	exitHelp := "Exit from configure mode"
	if m.Name != ModeConfig {
		exitHelp = "Exit from " + strings.TrimSuffix(strings.TrimPrefix(m.Prompt, "("), ")#") + " configuration mode"
	}
	t.Add(m.Name, Command{Syntax: "exit", Help: map[string]string{"exit": exitHelp},
		Run: func(c *Context) error { c.Session.Exit(); return nil }})
	t.Add(m.Name, Command{Syntax: "do LINE", Help: map[string]string{"do": "To run exec commands in config mode", "LINE": "Exec Command"},
		Run: func(c *Context) error {
			v := c.String("LINE")
			saved := c.Session.PromptLen
			c.Session.PromptLen += strings.LastIndex(c.line, v)
			defer func() { c.Session.PromptLen = saved }()
			// The EXEC command takes the lock itself.
			c.unlocked(func() { c.Session.Do(v) })
			return nil
		}})
}
