package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// The syntax language of Command.Syntax:
//
//	keyword          a literal, matched case-insensitively by any unambiguous prefix
//	TYPE             an argument: WORD, LINE (rest of the line), A.B.C.D, A.B.C.D/nn,
//	                 H.H.H (MAC), HEX, or an integer range such as <1-1825> or <-23-23>
//	name:TYPE        the same argument, retrieved by name (Context.String("name"))
//	TYPE...          one or more of that argument
//	[ a b | c ]      optional group of alternatives
//	{ a | b c }      required choice
//	{ a | b }...     one or more of the choices, in any order
//	name:{ a | b }   a choice whose keyword is retrieved by name (Context.String("name") == "a")
//
// Help texts are looked up in Command.Help by argument name, then by the token
// as written (keyword or TYPE).

type tokenKind int

const (
	tkKeyword tokenKind = iota
	tkWord
	tkLine
	tkRange
	tkIPv4
	tkPrefix
	tkMAC
	tkHex
)

// node is one token of a compiled command graph.
type node struct {
	kind     tokenKind
	text     string // keyword, or the type as shown in help ("WORD", "<1-1825>")
	name     string // argument name ("" for keywords)
	alias    string // for keywords of a named group: the group's name
	min, max int64
	help     string
	next     []*node
	end      bool // the command may end after this token
	cmd      *command
}

// follow is the set of tokens that may come next, and whether the command may end.
type follow struct {
	nodes []*node
	end   bool
}

type elem struct {
	tok    string   // a token ("" for a group)
	repeat bool     // TYPE...
	alts   [][]elem // group alternatives
	opt    bool     // [ ] rather than { }
	name   string   // name:{ ... }
}

func parseSyntax(s string) ([]elem, error) {
	toks := lexSyntax(s)
	p := &syntaxParser{toks: toks}
	seq, err := p.seq()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("cli: syntax %q: unexpected %q", s, p.toks[p.pos])
	}
	return seq, nil
}

func lexSyntax(s string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '[' || c == ']' || c == '{' || c == '}' || c == '|':
			flush()
			out = append(out, string(c))
		case c == '<':
			// a range is one token even though it contains '-'
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				cur.WriteString(s[i:])
				i = len(s)
				continue
			}
			cur.WriteString(s[i : i+j+1])
			i += j
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

type syntaxParser struct {
	toks []string
	pos  int
}

func (p *syntaxParser) seq() ([]elem, error) {
	var seq []elem
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		switch t {
		case "]", "}", "|":
			return seq, nil
		case "[", "{":
			name := ""
			if len(seq) > 0 && seq[len(seq)-1].alts == nil && strings.HasSuffix(seq[len(seq)-1].tok, ":") {
				name = strings.TrimSuffix(seq[len(seq)-1].tok, ":")
				seq = seq[:len(seq)-1]
			}
			p.pos++
			var alts [][]elem
			for {
				alt, err := p.seq()
				if err != nil {
					return nil, err
				}
				if len(alt) == 0 {
					return nil, fmt.Errorf("cli: empty alternative")
				}
				alts = append(alts, alt)
				if p.pos >= len(p.toks) {
					return nil, fmt.Errorf("cli: unclosed %s", t)
				}
				c := p.toks[p.pos]
				p.pos++
				if c == "|" {
					continue
				}
				if (t == "[" && c != "]") || (t == "{" && c != "}") {
					return nil, fmt.Errorf("cli: %s closed by %s", t, c)
				}
				break
			}
			e := elem{alts: alts, opt: t == "[", name: name}
			if p.pos < len(p.toks) && p.toks[p.pos] == "..." {
				e.repeat = true
				p.pos++
			}
			seq = append(seq, e)
		default:
			p.pos++
			e := elem{tok: t}
			if strings.HasSuffix(t, "...") {
				e.tok = strings.TrimSuffix(t, "...")
				e.repeat = true
			}
			seq = append(seq, e)
		}
	}
	return seq, nil
}

// compile turns a sequence into graph nodes; f is what follows the sequence.
func (c *command) compileSeq(seq []elem, f follow) (follow, error) {
	var err error
	for i := len(seq) - 1; i >= 0; i-- {
		f, err = c.compileElem(seq[i], f)
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

func (c *command) compileElem(e elem, f follow) (follow, error) {
	if e.alts != nil {
		if e.name != "" {
			saved := c.alias
			c.alias = e.name
			defer func() { c.alias = saved }()
		}
		inner := f
		var loop *node
		if e.repeat {
			// Alternatives first end at a placeholder that is replaced by
			// "the group again, or what follows" once the group's start is known.
			loop = &node{}
			inner = follow{nodes: []*node{loop}}
			c.created = nil
		}
		var out follow
		for _, alt := range e.alts {
			s, err := c.compileSeq(alt, inner)
			if err != nil {
				return out, err
			}
			out.nodes = append(out.nodes, s.nodes...)
			out.end = out.end || s.end
		}
		if e.repeat {
			again := append(append([]*node{}, out.nodes...), f.nodes...)
			for _, n := range c.created {
				for i, x := range n.next {
					if x == loop {
						n.next = append(append(append([]*node{}, n.next[:i]...), again...), n.next[i+1:]...)
						n.end = f.end
						break
					}
				}
			}
			c.created = nil
			out.end = false
		}
		if e.opt {
			out.nodes = append(out.nodes, f.nodes...)
			out.end = out.end || f.end
		}
		return out, nil
	}
	n, err := c.newNode(e.tok)
	if err != nil {
		return f, err
	}
	n.next = f.nodes
	n.end = f.end
	if e.repeat {
		if n.kind == tkKeyword || n.kind == tkLine {
			return f, fmt.Errorf("cli: %q cannot repeat", e.tok)
		}
		n.next = append(append([]*node{}, f.nodes...), n)
	}
	if n.kind == tkLine && (len(n.next) > 0 || !n.end) {
		return f, fmt.Errorf("cli: LINE must be last")
	}
	return follow{nodes: []*node{n}}, nil
}

func (c *command) newNode(tok string) (*node, error) {
	n := &node{cmd: c}
	c.created = append(c.created, n)
	name, typ := "", tok
	if i := strings.IndexByte(tok, ':'); i > 0 && i < len(tok)-1 && !strings.HasPrefix(tok, "<") {
		name, typ = tok[:i], tok[i+1:]
	}
	n.text = typ
	switch {
	case typ == "WORD":
		n.kind = tkWord
	case typ == "LINE":
		n.kind = tkLine
	case typ == "A.B.C.D":
		n.kind = tkIPv4
	case typ == "A.B.C.D/nn":
		n.kind = tkPrefix
	case typ == "H.H.H":
		n.kind = tkMAC
	case typ == "HEX":
		n.kind = tkHex
	case strings.HasPrefix(typ, "<") && strings.HasSuffix(typ, ">"):
		n.kind = tkRange
		body := typ[1 : len(typ)-1]
		j := strings.IndexByte(body[1:], '-')
		if j < 0 {
			return nil, fmt.Errorf("cli: bad range %q", typ)
		}
		j++
		lo, err1 := strconv.ParseInt(body[:j], 10, 64)
		hi, err2 := strconv.ParseInt(body[j+1:], 10, 64)
		if err1 != nil || err2 != nil || lo > hi {
			return nil, fmt.Errorf("cli: bad range %q", typ)
		}
		n.min, n.max = lo, hi
	default:
		if name != "" {
			return nil, fmt.Errorf("cli: unknown type %q", typ)
		}
		if typ != strings.ToLower(typ) || typ == "" {
			return nil, fmt.Errorf("cli: bad keyword %q", typ)
		}
		n.kind = tkKeyword
	}
	if n.kind == tkKeyword {
		n.alias = c.alias
	}
	if n.kind != tkKeyword {
		n.name = name
		if n.name == "" {
			n.name = typ
		}
	}
	n.help = c.Help[n.name]
	if n.help == "" {
		n.help = c.Help[typ]
	}
	if n.help == "" && n.kind == tkKeyword {
		n.help = defaultKeywordHelp[typ]
	}
	return n, nil
}

// defaultKeywordHelp holds help texts for keywords shared by many commands, so
// that `?` shows the IOS text whichever command registered the keyword first.
var defaultKeywordHelp = map[string]string{
	"no":      "Negate a command or set its defaults",
	"default": "Set a command to its defaults",
	"exit":    "Exit from configure mode",
	"end":     "Exit from configure mode",
	"do":      "To run exec commands in config mode",
	"show":    "Show running system information",
	"ip":      "Global IP configuration subcommands",
}
