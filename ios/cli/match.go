package cli

import (
	"sort"
	"strings"
)

// word is one token of an input line and its byte offset.
type word struct {
	text string
	off  int
}

// splitWords splits a line on blanks. A word starting with '"' runs to the
// closing quote, so `import certificate 1 "my phone" flash:x` has four words
// after the keywords; the quotes stay part of the word.
func splitWords(line string) []word {
	var out []word
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		start := i
		if line[i] == '"' {
			j := strings.IndexByte(line[i+1:], '"')
			if j >= 0 {
				i += j + 2
				for i < len(line) && line[i] != ' ' && line[i] != '\t' {
					i++
				}
				out = append(out, word{line[start:i], start})
				continue
			}
		}
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		out = append(out, word{line[start:i], start})
	}
	return out
}

// argVal is one matched token.
type argVal struct {
	name  string // argument name, or the keyword
	value string // argument value, or the full keyword
	kw    bool
	off   int    // byte offset of the word in the line
	alias string // name of the keyword's group (name:{ a | b })
}

// state is one way the words so far can be read.
type state struct {
	cmd  *command
	node *node // last matched token
	args []argVal
}

func (s state) next() []*node {
	if s.node == nil {
		return s.cmd.start
	}
	return s.node.next
}

func (s state) canEnd() bool { return s.node != nil && s.node.end }

// errKind classifies a failed match.
type errKind int

const (
	errNone errKind = iota
	errInvalid
	errIncomplete
	errAmbiguous
)

// result of matching a line in one mode.
type result struct {
	states []state // complete (terminal) readings, best first
	live   []state // all readings after the last word
	kind   errKind
	pos    int // byte offset for the '^' marker
	word   int // index of the failing word
}

// visible reports whether a command takes part for a session at priv.
func (c *command) usable(priv int) bool {
	if c.mode.Name == ModeExec {
		return c.Priv <= priv
	}
	return true
}

// match reads words against the commands of a mode.
func (m *Mode) match(line string, words []word, priv int) result {
	var live []state
	for _, c := range m.cmds {
		if c.usable(priv) {
			live = append(live, state{cmd: c})
		}
	}
	// finished holds readings whose LINE argument took the rest of the line;
	// the other readings go on, and finish picks the best of all.
	var finished []state
	for i, w := range words {
		type cand struct {
			st    state
			n     *node
			value string
		}
		var exact, prefix, args []cand
		kwSeen := map[string]bool{}
		lw := strings.ToLower(w.text)
		furthest := 0
		for _, st := range live {
			for _, n := range st.next() {
				switch n.kind {
				case tkKeyword:
					if n.text == lw {
						exact = append(exact, cand{st, n, n.text})
					} else if strings.HasPrefix(n.text, lw) {
						prefix = append(prefix, cand{st, n, n.text})
						kwSeen[n.text] = true
					} else if k := commonPrefix(n.text, lw); k > furthest {
						furthest = k
					}
				case tkLine:
					rest := strings.TrimRight(line[w.off:], " \t")
					if v, ok := n.accepts(rest); ok {
						args = append(args, cand{st, n, v})
					}
				default:
					if v, ok := n.accepts(w.text); ok {
						args = append(args, cand{st, n, v})
					}
				}
			}
		}
		// Keywords and arguments are both kept: `copy run flash:x` reads "run"
		// as the running-config keyword in one command and as a URL in
		// another; finish prefers the reading with more keywords.
		var chosen []cand
		switch {
		case len(exact) > 0:
			chosen = append(exact, args...)
		case len(kwSeen) > 1 && len(args) == 0:
			if len(finished) > 0 {
				return finish(nil, finished, len(words))
			}
			return result{kind: errAmbiguous, pos: w.off, word: i, live: live}
		case len(kwSeen) > 1:
			chosen = args
		default:
			chosen = append(prefix, args...)
		}
		if len(chosen) == 0 {
			if len(finished) > 0 {
				return finish(nil, finished, len(words))
			}
			pos := w.off
			if furthest > 0 && furthest < len(w.text) {
				pos += furthest
			}
			return result{kind: errInvalid, pos: pos, word: i, live: live}
		}
		live = live[:0:0]
		for _, c := range chosen {
			args := append(append([]argVal(nil), c.st.args...), argVal{name: nameOf(c.n), value: c.value, kw: c.n.kind == tkKeyword, off: w.off, alias: c.n.alias})
			st := state{cmd: c.st.cmd, node: c.n, args: args}
			if c.n.kind == tkLine {
				finished = append(finished, st)
			} else {
				live = append(live, st)
			}
		}
	}
	return finish(live, finished, len(words))
}

func finish(live, finished []state, nwords int) result {
	done := append([]state(nil), finished...)
	for _, s := range live {
		if s.canEnd() {
			done = append(done, s)
		}
	}
	if len(done) == 0 {
		return result{kind: errIncomplete, live: live, word: nwords}
	}
	live = append(live, finished...)
	// Prefer readings with more keywords (more specific), then registration order.
	sort.SliceStable(done, func(i, j int) bool {
		ki, kj := countKW(done[i].args), countKW(done[j].args)
		if ki != kj {
			return ki > kj
		}
		return done[i].cmd.order < done[j].cmd.order
	})
	return result{states: done, live: live}
}

func countKW(a []argVal) int {
	n := 0
	for _, v := range a {
		if v.kw {
			n++
		}
	}
	return n
}

func nameOf(n *node) string {
	if n.kind == tkKeyword {
		return n.text
	}
	return n.name
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
