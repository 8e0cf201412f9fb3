package dialplan

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cmeos/ios/cli"
)

// Voice translation rules as IOS applies them: `rule N /MATCH/ /REPLACE/`
// with IOS's regular expressions (`\(` `\)` group, `\1` in the
// replacement refers to a group, `^` `$` `.` `*` `+` `?` `[..]` as
// usual), tried in rule order, the first that matches rewrites the
// number once. A translation profile names the rule set per number kind
// (`translate called N`); dial-peers use profiles (`translation-profile
// incoming|outgoing NAME`). `test voice translation-rule N NUMBER` shows
// what a rule set does.

// Rule is one compiled `rule`.
type Rule struct {
	N        int
	Match    *regexp.Regexp
	Replace  string // in Go's Expand syntax
	Src, Rep string // as typed, between the slashes
}

var errRule = errors.New("dialplan: translation rule")

// parseRule reads `/MATCH/ /REPLACE/` (the replacement may be empty: `//`).
func parseRule(n int, s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if len(s) > 200 || !strings.HasPrefix(s, "/") {
		return Rule{}, errRule
	}
	end := strings.Index(s[1:], "/")
	if end < 0 {
		return Rule{}, errRule
	}
	src := s[1 : 1+end]
	rest := strings.TrimSpace(s[2+end:])
	if len(rest) < 2 || rest[0] != '/' || rest[len(rest)-1] != '/' {
		return Rule{}, errRule
	}
	rep := rest[1 : len(rest)-1]
	if strings.Contains(rep, "/") {
		return Rule{}, errRule
	}
	// IOS groups are \( \); a bare ( ) is a literal there.
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		switch {
		case src[i] == '\\' && i+1 < len(src) && (src[i+1] == '(' || src[i+1] == ')'):
			b.WriteByte(src[i+1])
			i++
		case src[i] == '(' || src[i] == ')':
			b.WriteString(`\` + string(src[i]))
		default:
			b.WriteByte(src[i])
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return Rule{}, errRule
	}
	var r strings.Builder
	for i := 0; i < len(rep); i++ {
		if rep[i] == '\\' && i+1 < len(rep) && rep[i+1] >= '0' && rep[i+1] <= '9' {
			fmt.Fprintf(&r, "${%c}", rep[i+1])
			i++
			continue
		}
		if rep[i] == '$' {
			r.WriteString("$$")
			continue
		}
		r.WriteByte(rep[i])
	}
	return Rule{N: n, Match: re, Replace: r.String(), Src: src, Rep: rep}, nil
}

// Translate applies the first matching rule of rules to number; ok is
// false when none matches (the number is left as it is).
func Translate(rules []Rule, number string) (out string, rule int, ok bool) {
	for _, r := range rules {
		loc := r.Match.FindStringSubmatchIndex(number)
		if loc == nil {
			continue
		}
		var dst []byte
		dst = r.Match.ExpandString(dst, r.Replace, number, loc)
		return number[:loc[0]] + string(dst) + number[loc[1]:], r.N, true
	}
	return number, 0, false
}

// rulesOf returns the compiled rules of `voice translation-rule n`.
func (f *voice) rulesOf(n int) []Rule {
	s := f.rules[n]
	if s == nil {
		return nil
	}
	var out []Rule
	for _, e := range s.lines {
		w := strings.Fields(e.text) // rule N /a/ /b/
		if len(w) < 3 {
			continue
		}
		k, _ := strconv.Atoi(w[1])
		if r, err := parseRule(k, strings.Join(w[2:], " ")); err == nil {
			out = append(out, r)
		}
	}
	return out
}

func (f *voice) testCommand(t *cli.Tree) {
	t.Add(cli.ModeExec, cli.Command{Syntax: "test voice translation-rule n:<1-2147483647> number:WORD",
		Help: map[string]string{"test": "Test subsystems, memory, and interfaces", "voice": "Test voice",
			"translation-rule": "Test voice translation rule", "n": "Translation rule tag", "number": "Input number to translate"},
		Run: func(c *cli.Context) error {
			n := c.Int("n", 0)
			if f.rules[n] == nil {
				return fmt.Errorf("Translation rule %d does not exist", n)
			}
			in := c.String("number")
			out, rule, ok := Translate(f.rulesOf(n), in)
			if !ok {
				c.Printf("Didn't match with any of rules\n")
				return nil
			}
			c.Printf("Matched with rule %d\n", rule)
			c.Printf("Original number: %s\tTranslated number: %s\n", in, out)
			c.Printf("Original number type: none\tTranslated number type: none\n")
			c.Printf("Original number plan: none\tTranslated number plan: none\n")
			return nil
		}})
}
