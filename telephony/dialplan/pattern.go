package dialplan

import (
	"errors"
	"strings"
)

// Destination patterns as IOS reads them (destination-pattern,
// incoming called-number): digits, * and # match themselves; `.` any one
// digit; `[...]` one digit of a set (ranges `1-5`, `^` negates); `T` at
// the end any number of further digits, the number completing on the
// interdigit timeout; `+`, `?` and `%` repeat the element before them
// (one or more, zero or one, zero or more), a leading `+` is the E.164
// plus sign itself; a leading `^` and a trailing `$` anchor (patterns are
// anchored at the start anyway and open at the end only with T).

// Pattern is a compiled destination pattern.
type Pattern struct {
	src      string
	elems    []elem
	timeout  bool // ends in T
	explicit int  // literal digits: more is a more specific (longer) match
}

type elem struct {
	set [16]bool // digits 0-9, * (10), # (11), + (12)
	min int      // repetitions
	max int      // -1: unbounded
}

// ErrPattern is returned for a pattern IOS would not accept.
var ErrPattern = errors.New("dialplan: invalid pattern")

func digitIndex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c == '*':
		return 10
	case c == '#':
		return 11
	case c == '+':
		return 12
	case c == 'A', c == 'B', c == 'C', c == 'D', c == 'a', c == 'b', c == 'c', c == 'd':
		return 13 + int((c|0x20)-'a')%3 // DTMF A-D share the last slots; rare
	}
	return -1
}

// ParsePattern compiles a destination pattern (at most 64 characters).
func ParsePattern(s string) (*Pattern, error) {
	if s == "" || len(s) > 64 {
		return nil, ErrPattern
	}
	p := &Pattern{src: s}
	i := 0
	if s[0] == '^' {
		i++
	}
	if i < len(s) && s[i] == '+' { // E.164 plus, a literal
		var e elem
		e.set[12], e.min, e.max = true, 1, 1
		p.elems = append(p.elems, e)
		i++
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '$' && i == len(s)-1:
			i++
			continue
		case (c == 'T' || c == 't') && i == len(s)-1:
			p.timeout = true
			i++
			continue
		case c == '.':
			var e elem
			for d := 0; d < 12; d++ {
				e.set[d] = true
			}
			e.min, e.max = 1, 1
			p.elems = append(p.elems, e)
			i++
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 2 {
				return nil, ErrPattern
			}
			e, err := parseSet(s[i+1 : i+j])
			if err != nil {
				return nil, err
			}
			p.elems = append(p.elems, e)
			i += j + 1
		case c == '+' || c == '?' || c == '%':
			if len(p.elems) == 0 || p.elems[len(p.elems)-1].min != 1 || p.elems[len(p.elems)-1].max != 1 {
				return nil, ErrPattern
			}
			e := &p.elems[len(p.elems)-1]
			switch c {
			case '+':
				e.max = -1
			case '?':
				e.min = 0
			case '%':
				e.min, e.max = 0, -1
			}
			i++
		default:
			d := digitIndex(c)
			if d < 0 {
				return nil, ErrPattern
			}
			var e elem
			e.set[d], e.min, e.max = true, 1, 1
			p.elems = append(p.elems, e)
			p.explicit++
			i++
		}
	}
	if len(p.elems) == 0 && !p.timeout || s == "+" || s == "^+" {
		return nil, ErrPattern
	}
	return p, nil
}

func parseSet(s string) (elem, error) {
	var e elem
	neg := false
	if s[0] == '^' {
		neg, s = true, s[1:]
	}
	for k := 0; k < len(s); k++ {
		a := digitIndex(s[k])
		if a < 0 || a > 11 {
			return e, ErrPattern
		}
		if k+2 < len(s) && s[k+1] == '-' {
			b := digitIndex(s[k+2])
			if a > 9 || b < 0 || b > 9 || b < a {
				return e, ErrPattern
			}
			for d := a; d <= b; d++ {
				e.set[d] = true
			}
			k += 2
			continue
		}
		e.set[a] = true
	}
	if neg {
		for d := 0; d < 12; d++ {
			e.set[d] = !e.set[d]
		}
	}
	e.min, e.max = 1, 1
	return e, nil
}

// String is the pattern as written.
func (p *Pattern) String() string { return p.src }

// Match says how number matches: complete (the number is a whole match;
// with T it completes on the interdigit timeout, see More) and more
// (further digits could still match, so a caller waiting for digits
// should wait).
func (p *Pattern) Match(number string) (complete, more bool) {
	if len(number) > 64 {
		return false, false
	}
	idx := make([]int, len(number))
	for i := range number {
		if idx[i] = digitIndex(number[i]); idx[i] < 0 {
			return false, false
		}
	}
	memo := make([]uint8, (len(p.elems)+1)*(len(idx)+1)) // 0 unknown, else 1|complete<<1|more<<2
	complete, more = p.match(0, idx, 0, memo)
	if p.timeout && complete {
		more = true // T: more digits may follow until the timeout
	}
	return complete, more
}

// match walks elems[e:] against digits[d:]; memo holds the answer per
// (e, d), so a pattern of many repeats costs at most elements × digits
// steps (each at most 64).
func (p *Pattern) match(e int, digits []int, d int, memo []uint8) (complete, more bool) {
	k := e*(len(digits)+1) + d
	if v := memo[k]; v != 0 {
		return v&2 != 0, v&4 != 0
	}
	complete, more = p.match1(e, digits, d, memo)
	memo[k] = 1
	if complete {
		memo[k] |= 2
	}
	if more {
		memo[k] |= 4
	}
	return complete, more
}

func (p *Pattern) match1(e int, digits []int, d int, memo []uint8) (complete, more bool) {
	if e == len(p.elems) {
		if d == len(digits) {
			return true, false
		}
		return p.timeout, false // T swallows the rest
	}
	el := p.elems[e]
	if d == len(digits) {
		// Out of digits: complete if the rest may be empty; more if any
		// element is still to come.
		c := true
		for _, x := range p.elems[e:] {
			if x.min > 0 {
				c = false
			}
		}
		return c, true
	}
	// Take 0..max repetitions of el.
	n := 0
	for {
		if n >= el.min {
			c, m := p.match(e+1, digits, d+n, memo)
			complete, more = complete || c, more || m
		}
		if (el.max >= 0 && n >= el.max) || d+n >= len(digits) || !el.set[digits[d+n]] {
			if d+n >= len(digits) && (el.max < 0 || n < el.max) {
				more = true // the element could take the next digit
			}
			return complete, more
		}
		n++
	}
}
