package iproute

import (
	"fmt"
	"net/netip"
	"sort"

	"cmeos/ios/cli"
	"cmeos/ios/interfaces"
)

const codes = `Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area 
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP
       + - replicated route, % - next hop override

`

// entry is one line of show ip route.
type entry struct {
	code string
	dst  netip.Prefix
	text string
}

func registerShow(f *Routes) {
	h := map[string]string{"show": "Show running system information", "ip": "IP information", "route": "IP routing table"}
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show ip route", Help: h, Priv: cli.PrivUser, Pipe: true, Run: func(c *cli.Context) error {
		var es []entry
		// Connected and local routes of the interfaces that are up.
		for _, ifc := range interfaces.Configured(f.sys) {
			if ifc.Shutdown {
				continue
			}
			for _, a := range ifc.Addresses {
				bits, _ := interfaces.MaskBits(a.Mask)
				p := netip.PrefixFrom(a.IP, bits)
				es = append(es, entry{"C", p.Masked(), "is directly connected, " + ifc.Name})
				if bits < 32 {
					es = append(es, entry{"L", netip.PrefixFrom(a.IP, 32), "is directly connected, " + ifc.Name})
				}
			}
		}
		connected := map[netip.Prefix]bool{}
		for _, e := range es {
			connected[e.dst] = true
		}
		var last string
		for _, r := range f.effective() {
			if connected[r.Dst] {
				continue // a connected route (distance 0) wins over a static one
			}
			code := "S"
			if r.Dst.Bits() == 0 {
				code = "S*"
				if r.Gateway.IsValid() {
					last = fmt.Sprintf("Gateway of last resort is %s to network 0.0.0.0", r.Gateway)
				} else {
					last = "Gateway of last resort is 0.0.0.0 to network 0.0.0.0"
				}
			}
			text := fmt.Sprintf("[%d/0] via %s", r.Distance, r.Gateway)
			if r.Iface != "" {
				text = "is directly connected, " + r.Iface
			}
			es = append(es, entry{code, r.Dst, text})
		}
		c.Printf("%s", codes)
		if last == "" {
			last = "Gateway of last resort is not set"
		}
		c.Printf("%s\n\n", last)
		printGrouped(c, es)
		return nil
	}})
}

// printGrouped prints entries under their classful network, as IOS does:
// a default route alone, otherwise a header line per major network that
// has subnets ("is subnetted" / "is variably subnetted").
func printGrouped(c *cli.Context, es []entry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].dst.Addr() != es[j].dst.Addr() {
			return es[i].dst.Addr().Less(es[j].dst.Addr())
		}
		return es[i].dst.Bits() < es[j].dst.Bits()
	})
	type group struct {
		major   netip.Prefix
		entries []entry
	}
	var groups []*group
	byMajor := map[netip.Prefix]*group{}
	for _, e := range es {
		m := classful(e.dst.Addr())
		if e.dst.Bits() <= m.Bits() {
			m = e.dst // a supernet or the major net itself: its own group
		}
		g := byMajor[m]
		if g == nil {
			g = &group{major: m}
			byMajor[m] = g
			groups = append(groups, g)
		}
		g.entries = append(g.entries, e)
	}
	for _, g := range groups {
		if len(g.entries) == 1 && g.entries[0].dst == g.major {
			e := g.entries[0]
			c.Printf("%-2s    %s %s\n", e.code, e.dst, e.text)
			continue
		}
		masks := map[int]bool{}
		for _, e := range g.entries {
			masks[e.dst.Bits()] = true
		}
		n := len(g.entries)
		plural := func(n int, s string) string {
			if n == 1 {
				return fmt.Sprintf("%d %s", n, s)
			}
			return fmt.Sprintf("%d %ss", n, s)
		}
		if len(masks) == 1 {
			c.Printf("      %s is subnetted, %s\n", g.major, plural(n, "subnet"))
		} else {
			c.Printf("      %s is variably subnetted, %s, %s\n", g.major, plural(n, "subnet"), plural(len(masks), "mask"))
		}
		for _, e := range g.entries {
			c.Printf("%-2s       %s %s\n", e.code, e.dst, e.text)
		}
	}
}

// classful returns the class A/B/C network of an address.
func classful(a netip.Addr) netip.Prefix {
	b := a.As4()[0]
	switch {
	case b < 128:
		return netip.PrefixFrom(a, 8).Masked()
	case b < 192:
		return netip.PrefixFrom(a, 16).Masked()
	default:
		return netip.PrefixFrom(a, 24).Masked()
	}
}
