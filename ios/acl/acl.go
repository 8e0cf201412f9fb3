// Package acl holds standard numbered access lists (access-list 1-99) and
// answers whether a source address is permitted, for access-class on vty
// lines and other source filters.
package acl

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
)

func init() {
	config.Register(config.Registration{Name: "access-list", Order: config.OrderACL, New: newFeature,
		Examples: "access-list 10 remark management hosts\naccess-list 10 permit 10.13.32.0 0.0.0.255\naccess-list 10 permit host 192.0.2.7\naccess-list 10 deny any\naccess-list 11 permit any\n"})
}

// Entry is one line of a standard access list.
type Entry struct {
	Permit   bool
	Remark   string // a remark line when not empty
	Any      bool
	Addr     netip.Addr
	Wildcard netip.Addr // 0.0.0.0 for host
}

func (e Entry) matches(ip netip.Addr) bool {
	if e.Remark != "" {
		return false
	}
	if e.Any {
		return true
	}
	if !ip.Is4() {
		return false
	}
	a, w, x := e.Addr.As4(), e.Wildcard.As4(), ip.As4()
	for i := range a {
		if (a[i]^x[i])&^w[i] != 0 {
			return false
		}
	}
	return true
}

func (e Entry) String() string {
	if e.Remark != "" {
		return "remark " + e.Remark
	}
	s := "deny   "
	if e.Permit {
		s = "permit "
	}
	switch {
	case e.Any:
		return s + "any"
	case e.Wildcard == netip.AddrFrom4([4]byte{}):
		return s + e.Addr.String()
	}
	return s + e.Addr.String() + " " + e.Wildcard.String()
}

type lists struct {
	byNum map[int][]Entry
}

func newFeature(sys *config.System) config.Feature {
	f := &lists{byNum: map[int][]Entry{}}
	help := map[string]string{"access-list": "Add an access list entry", "num": "IP standard access list",
		"permit": "Specify packets to forward", "deny": "Specify packets to reject", "any": "Any source host",
		"host": "A single host address", "addr": "Address to match", "wildcard": "Wildcard bits", "hostaddr": "Host address",
		"remark": "Access list entry comment", "LINE": "Comment up to 100 characters"}
	sys.Tree.Add(cli.ModeConfig, cli.Command{
		Syntax:   "access-list num:<1-99> { action:{ permit | deny } { any | host hostaddr:A.B.C.D | addr:A.B.C.D [ wildcard:A.B.C.D ] } | remark LINE }",
		NoSyntax: "access-list num:<1-99>", Help: help, Owner: "access-list", No: true,
		Run: func(c *cli.Context) error {
			n := c.Int("num", 0)
			if c.Negate {
				delete(f.byNum, n)
				return nil
			}
			e := Entry{Permit: c.String("action") == "permit"}
			switch {
			case c.Has("remark"):
				e.Remark = c.String("LINE")
				if len(e.Remark) > 100 {
					return c.InvalidInput("LINE")
				}
			case c.Has("any"):
				e.Any = true
			case c.Has("hostaddr"):
				e.Addr = netip.MustParseAddr(c.String("hostaddr"))
				e.Wildcard = netip.AddrFrom4([4]byte{})
			default:
				e.Addr = netip.MustParseAddr(c.String("addr"))
				e.Wildcard = netip.AddrFrom4([4]byte{})
				if c.Has("wildcard") {
					e.Wildcard = netip.MustParseAddr(c.String("wildcard"))
				}
				// IOS stores the address with the wildcard bits cleared.
				a, w := e.Addr.As4(), e.Wildcard.As4()
				for i := range a {
					a[i] &^= w[i]
				}
				e.Addr = netip.AddrFrom4(a)
			}
			for _, x := range f.byNum[n] {
				if x == e {
					return nil // IOS ignores a duplicate entry
				}
			}
			f.byNum[n] = append(f.byNum[n], e)
			return nil
		}})
	sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show access-lists [ num:<1-99> ]", Pipe: true,
		Help: map[string]string{"show": "Show running system information", "access-lists": "List access lists", "num": "ACL number"},
		Run: func(c *cli.Context) error {
			for _, n := range f.numbers() {
				if c.Has("num") && n != c.Int("num", 0) {
					continue
				}
				c.Printf("Standard IP access list %d\n", n)
				seq := 10
				for _, e := range f.byNum[n] {
					if e.Remark != "" {
						continue
					}
					c.Printf("    %d %s\n", seq, strings.TrimRight(e.String(), " "))
					seq += 10
				}
			}
			return nil
		}})
	return f
}

func (f *lists) numbers() []int {
	var ns []int
	for n := range f.byNum {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

func (f *lists) Render(r *config.Renderer) {
	for _, n := range f.numbers() {
		for _, e := range f.byNum[n] {
			r.Line("access-list " + strconv.Itoa(n) + " " + e.String())
		}
	}
	if len(f.byNum) > 0 {
		r.Bang()
	}
}

// Permits reports whether access list num permits src. A list that does
// not exist permits everything, as on IOS; an existing list ends with an
// implicit deny. The lock must be held.
func Permits(sys *config.System, num int, src netip.Addr) bool {
	f, _ := sys.Feature("access-list").(*lists)
	if f == nil {
		return true
	}
	entries, ok := f.byNum[num]
	if !ok {
		return true
	}
	src = src.Unmap()
	for _, e := range entries {
		if e.matches(src) {
			return e.Permit
		}
	}
	return false
}
