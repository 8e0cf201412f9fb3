package cli

import "sort"

// CommandInfo describes one registered command for listings (`cmeos
// commands`, README): its mode, syntax and flags.
type CommandInfo struct {
	Mode   string // mode name, e.g. "exec", "config", "config-telephony"
	Prompt string // the mode's prompt suffix, e.g. "(config-telephony)#"
	Syntax string // the syntax as registered (no `no` form)
	Help   string // the `?` help of its first keyword
	Priv   int
	No     bool // has no/default forms
	Hidden bool
	Inert  bool // accepted and saved, no effect yet
}

// Commands lists every command of the tree (built-ins excluded), by mode
// name and then in registration order. The `no`/`default` forms are
// folded into their command (No).
func (t *Tree) Commands() []CommandInfo {
	names := make([]string, 0, len(t.modes))
	for n := range t.modes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		// EXEC first, then global configuration, then the sub-modes.
		rank := func(n string) int {
			switch n {
			case ModeExec:
				return 0
			case ModeConfig:
				return 1
			}
			return 2
		}
		if rank(names[i]) != rank(names[j]) {
			return rank(names[i]) < rank(names[j])
		}
		return names[i] < names[j]
	})
	var out []CommandInfo
	for _, n := range names {
		m := t.modes[n]
		seen := map[string]bool{}
		for _, c := range m.cmds {
			if c.negated && !c.NoOnly {
				continue
			}
			syntax := c.Syntax
			if c.NoOnly {
				syntax = "no " + c.NoSyntax
				if c.NoSyntax == "" {
					syntax = "no " + c.Syntax
				}
			}
			if (m.Name != ModeExec && builtins[syntax]) || seen[syntax] {
				continue
			}
			seen[syntax] = true
			first := leadingKeywords(syntax)
			if i := indexSpace(first); i > 0 {
				first = first[:i]
			}
			out = append(out, CommandInfo{Mode: m.Name, Prompt: m.Prompt, Syntax: syntax, Help: c.Help[first], Priv: c.Priv,
				No: c.No, Hidden: c.Hidden, Inert: c.Inert})
		}
	}
	return out
}

// builtins are the commands addBuiltins gives every config mode.
var builtins = map[string]bool{"end": true, "exit": true, "do LINE": true}

func indexSpace(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return i
		}
	}
	return -1
}
