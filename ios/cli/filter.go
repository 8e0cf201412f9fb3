package cli

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Output filters: `show ... | {begin|include|exclude|section|count} REGEX`.
var filterKinds = []struct{ name, help string }{
	{"begin", "Begin with the line that matches"},
	{"count", "Count number of lines which match regular expression"},
	{"exclude", "Exclude lines that match"},
	{"include", "Include lines that match"},
	{"section", "Filter a section of output"},
}

// filter is a line-oriented writer applying one output filter.
type filter struct {
	kind   string
	re     *regexp.Regexp
	out    io.Writer
	buf    []byte
	begun  bool // begin: a line has matched
	inSect bool // section: inside a matching section
	count  int
}

// parseFilter reads `| kind regex` starting at the "|" word.
func parseFilter(line string, words []word) (*filter, *result) {
	if len(words) < 2 {
		return nil, &result{kind: errIncomplete}
	}
	kw := strings.ToLower(words[1].text)
	var kinds []string
	for _, k := range filterKinds {
		if strings.HasPrefix(k.name, kw) {
			kinds = append(kinds, k.name)
		}
	}
	switch {
	case len(kinds) == 0:
		return nil, &result{kind: errInvalid, pos: words[1].off, word: 1}
	case len(kinds) > 1:
		return nil, &result{kind: errAmbiguous, pos: words[1].off, word: 1}
	}
	f := &filter{kind: kinds[0]}
	expr := ""
	if len(words) > 2 {
		expr = strings.TrimRight(line[words[2].off:], " \t")
	}
	if expr == "" && f.kind != "count" {
		return nil, &result{kind: errIncomplete}
	}
	if expr != "" {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, &result{kind: errInvalid, pos: words[2].off, word: 2}
		}
		f.re = re
	}
	return f, nil
}

func (f *filter) Write(p []byte) (int, error) {
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			break
		}
		f.line(string(f.buf[:i]))
		f.buf = f.buf[i+1:]
	}
	return len(p), nil
}

func (f *filter) match(l string) bool { return f.re == nil || f.re.MatchString(l) }

func (f *filter) line(l string) {
	keep := false
	switch f.kind {
	case "include":
		keep = f.match(l)
	case "exclude":
		keep = !f.match(l)
	case "begin":
		if !f.begun && f.match(l) {
			f.begun = true
		}
		keep = f.begun
	case "section":
		// A section is a line that starts in column 0 and the indented lines under it.
		if l != "" && l[0] != ' ' {
			f.inSect = f.match(l)
		}
		keep = f.inSect && l != ""
	case "count":
		if f.match(l) {
			f.count++
		}
		return
	}
	if keep {
		fmt.Fprintln(f.out, l)
	}
}

// Close flushes a last unterminated line and prints the count.
func (f *filter) Close() {
	if len(f.buf) > 0 {
		f.line(string(f.buf))
		f.buf = nil
	}
	if f.kind == "count" {
		fmt.Fprintf(f.out, "Number of lines which match regexp = %d\n", f.count)
	}
}

// filterHelp answers `?` after a "|".
func (s *Session) filterHelp(before string, words []word, partial string) (string, bool) {
	bar := -1
	for i, w := range words {
		if w.text == "|" {
			bar = i
			break
		}
	}
	if bar < 0 {
		return "", false
	}
	r := s.Mode().match(before[:words[bar].off], words[:bar], s.Priv)
	if r.kind != errNone || !r.states[0].cmd.Pipe {
		return "", false
	}
	rest := words[bar+1:]
	switch {
	case len(rest) == 0 && partial == "":
		var b strings.Builder
		for _, k := range filterKinds {
			fmt.Fprintf(&b, "  %-7s  %s\n", k.name, k.help)
		}
		b.WriteString("\n")
		return b.String(), true
	case len(rest) == 0:
		var names []string
		for _, k := range filterKinds {
			if strings.HasPrefix(k.name, strings.ToLower(partial)) {
				names = append(names, k.name+"  ")
			}
		}
		if len(names) == 0 {
			return "% Unrecognized command\n", true
		}
		return strings.Join(names, "") + "\n\n", true
	default:
		return "  LINE  Regular Expression\n\n", true
	}
}
