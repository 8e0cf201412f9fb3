package cli

import (
	"fmt"
	"sort"
	"strings"
)

// Help returns what `?` prints for the text typed so far in the current mode.
func (s *Session) Help(before string) string {
	words := splitWords(before)
	partial := ""
	if len(words) > 0 && !strings.HasSuffix(before, " ") && !strings.HasSuffix(before, "\t") {
		partial = words[len(words)-1].text
		words = words[:len(words)-1]
	}
	// Help after "|" of a filterable command.
	if out, ok := s.filterHelp(before, words, partial); ok {
		return out
	}
	m := s.Mode()
	r := m.match(before, words, s.Priv)
	var live []state
	switch r.kind {
	case errNone:
		live = r.live
	case errIncomplete:
		live = r.live
	case errAmbiguous:
		w := words[r.word]
		return fmt.Sprintf("%% Ambiguous command:  \"%s\"\n", strings.TrimLeft(before[:w.off+len(w.text)], " "))
	default:
		if r.word == 0 {
			return "% Unrecognized command\n"
		}
		return fmt.Sprintf("%s^\n%% Invalid input detected at '^' marker.\n\n", strings.Repeat(" ", s.PromptLen+r.pos))
	}
	if partial != "" {
		return partialHelp(live, partial)
	}
	return fullHelp(live)
}

type helpEntry struct {
	text, help string
	arg        bool
	order      int
}

func nextEntries(live []state) (entries []helpEntry, cr bool) {
	seen := map[string]int{} // key -> index in entries
	for _, st := range live {
		if st.cmd.Hidden {
			continue
		}
		if st.canEnd() {
			cr = true
		}
		for _, n := range st.next() {
			key := n.text
			if n.kind != tkKeyword {
				key = n.text + "\x00" + n.help
			}
			if i, ok := seen[key]; ok {
				if entries[i].help == "" {
					entries[i].help = n.help // a later command may document a shared keyword
				}
				continue
			}
			seen[key] = len(entries)
			entries = append(entries, helpEntry{text: n.text, help: n.help, arg: n.kind != tkKeyword, order: len(entries)})
		}
	}
	// Arguments first in the order registered, then keywords alphabetically (IOS).
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.arg != b.arg {
			return a.arg
		}
		if a.arg {
			return a.order < b.order
		}
		return a.text < b.text
	})
	return entries, cr
}

func fullHelp(live []state) string {
	entries, cr := nextEntries(live)
	width := 0
	for _, e := range entries {
		width = max(width, len(e.text))
	}
	var b strings.Builder
	for _, e := range entries {
		line := fmt.Sprintf("  %-*s  %s", width, e.text, e.help)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if cr {
		b.WriteString("  <cr>\n")
	}
	if b.Len() == 0 {
		return "% Unrecognized command\n"
	}
	b.WriteString("\n")
	return b.String()
}

func partialHelp(live []state, partial string) string {
	entries, _ := nextEntries(live)
	lp := strings.ToLower(partial)
	var names []string
	for _, e := range entries {
		if !e.arg && strings.HasPrefix(e.text, lp) {
			names = append(names, e.text)
		}
	}
	if len(names) == 0 {
		for _, st := range live {
			for _, n := range st.next() {
				if n.kind != tkKeyword {
					if _, ok := n.accepts(partial); ok {
						names = append(names, n.text)
					}
				}
			}
		}
	}
	if len(names) == 0 {
		return "% Unrecognized command\n"
	}
	// IOS lists the matches side by side, wrapping at 80 columns.
	var b strings.Builder
	col := 0
	for _, n := range dedupe(names) {
		if col > 0 && col+len(n)+2 > 79 {
			b.WriteString("\n")
			col = 0
		}
		b.WriteString(n + "  ")
		col += len(n) + 2
	}
	b.WriteString("\n\n")
	return b.String()
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Complete implements Tab: it completes the last word when exactly one
// keyword can follow with that prefix.
func (s *Session) Complete(before string) (string, bool) {
	words := splitWords(before)
	if len(words) == 0 || strings.HasSuffix(before, " ") {
		return "", false
	}
	last := words[len(words)-1]
	r := s.Mode().match(before, words[:len(words)-1], s.Priv)
	if r.kind != errNone && r.kind != errIncomplete {
		return "", false
	}
	lp := strings.ToLower(last.text)
	var found []string
	for _, st := range r.live {
		if st.cmd.Hidden {
			continue
		}
		for _, n := range st.next() {
			if n.kind == tkKeyword && strings.HasPrefix(n.text, lp) {
				found = append(found, n.text)
			}
		}
	}
	found = dedupe(found)
	if len(found) != 1 {
		for _, f := range found {
			if f == lp {
				return before[:last.off] + f + " ", true
			}
		}
		return "", false
	}
	return before[:last.off] + found[0] + " ", true
}
