// Package iproute is static IPv4 routing: `ip route` and `ip
// default-gateway` lines, their installation in the kernel through
// drivers/netif on boards with real interfaces, and `show ip route`.
package iproute

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"cmeos/drivers/netif"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/interfaces"
)

func init() {
	config.Register(config.Registration{Name: "ip-route", Order: config.OrderIPRoute, New: newFeature, Examples: `ip default-gateway 10.13.32.1
ip route 0.0.0.0 0.0.0.0 10.13.32.1
ip route 192.168.10.0 255.255.255.0 10.13.32.254 5
ip route 10.255.0.0 255.255.0.0 GigabitEthernet0/1
`})
}

// Route is one `ip route` line.
type Route struct {
	Dst      netip.Prefix
	Gateway  netip.Addr // or
	Iface    string     // IOS interface name
	Distance int        // 1 by default (not rendered)
}

// Routes is the feature state.
type Routes struct {
	sys     *config.System
	routes  []Route
	gateway netip.Addr // ip default-gateway
}

func newFeature(sys *config.System) config.Feature {
	f := &Routes{sys: sys}
	h := map[string]string{"ip": "Global IP configuration subcommands", "route": "Establish static routes",
		"prefix": "Destination prefix", "mask": "Destination prefix mask",
		"next": "Forwarding router's address or interface (GigabitEthernet0/0)", "distance": "Distance metric for this route",
		"default-gateway": "Specify default gateway (if not routing IP)", "gw": "IP address of default gateway"}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip route prefix:A.B.C.D mask:A.B.C.D next:WORD [ distance:<1-255> ]", Help: h, Owner: "ip-route", No: true,
		Run: func(c *cli.Context) error {
			dst, ip := netip.MustParseAddr(c.String("prefix")), netip.MustParseAddr(c.String("mask"))
			bits, ok := interfaces.MaskBits(ip)
			if !ok {
				return c.InvalidInput("mask")
			}
			p := netip.PrefixFrom(dst, bits)
			if p.Masked() != p {
				return fmt.Errorf("%%Inconsistent address and mask")
			}
			r := Route{Dst: p, Distance: c.Int("distance", 1)}
			next := c.String("next")
			if gw, err := netip.ParseAddr(next); err == nil {
				if !gw.Is4() {
					return c.InvalidInput("next")
				}
				r.Gateway = gw
			} else {
				name, err := interfaces.CanonicalName(next, "")
				if err != nil {
					return c.InvalidInput("next")
				}
				r.Iface = name
			}
			f.remove(r)
			if !c.Negate {
				f.routes = append(f.routes, r)
				sort.SliceStable(f.routes, func(i, j int) bool { return less(f.routes[i], f.routes[j]) })
			}
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip default-gateway gw:A.B.C.D", Help: h, Owner: "ip-route", No: true,
		Run: func(c *cli.Context) error {
			f.gateway = netip.Addr{}
			if !c.Negate {
				f.gateway = netip.MustParseAddr(c.String("gw"))
			}
			return nil
		}})
	registerShow(f)
	interfaces.OnApplied(sys, func() { f.Reconcile(context.Background()) })
	return f
}

func less(a, b Route) bool {
	if a.Dst.Addr() != b.Dst.Addr() {
		return a.Dst.Addr().Less(b.Dst.Addr())
	}
	if a.Dst.Bits() != b.Dst.Bits() {
		return a.Dst.Bits() < b.Dst.Bits()
	}
	if a.Gateway != b.Gateway {
		return a.Gateway.Less(b.Gateway)
	}
	return a.Iface < b.Iface
}

// remove drops the route to the same prefix through the same next hop.
func (f *Routes) remove(r Route) {
	var keep []Route
	for _, x := range f.routes {
		if x.Dst == r.Dst && x.Gateway == r.Gateway && x.Iface == r.Iface {
			continue
		}
		keep = append(keep, x)
	}
	f.routes = keep
}

// Render writes ip default-gateway and the ip route lines.
func (f *Routes) Render(r *config.Renderer) {
	if f.gateway.IsValid() {
		r.Line("ip default-gateway " + f.gateway.String())
	}
	for _, x := range f.routes {
		s := "ip route " + x.Dst.Addr().String() + " " + maskString(x.Dst.Bits()) + " "
		if x.Gateway.IsValid() {
			s += x.Gateway.String()
		} else {
			s += x.Iface
		}
		if x.Distance != 1 {
			s += " " + strconv.Itoa(x.Distance)
		}
		r.Line(s)
	}
	if f.gateway.IsValid() || len(f.routes) > 0 {
		r.Bang()
	}
}

func maskString(bits int) string {
	v := uint32(0)
	if bits > 0 {
		v = ^uint32(0) << (32 - bits)
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// effective is the routes including the default gateway (lock held).
func (f *Routes) effective() []Route {
	rs := append([]Route(nil), f.routes...)
	if f.gateway.IsValid() {
		def := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		has := false
		for _, r := range rs {
			has = has || r.Dst == def
		}
		if !has {
			rs = append([]Route{{Dst: def, Gateway: f.gateway, Distance: 1}}, rs...)
		}
	}
	return rs
}

// Reconcile installs the static routes on boards with real interfaces.
// Routes whose next hop is not reachable yet are installed when the
// interfaces change (interfaces.OnApplied).
func (f *Routes) Reconcile(ctx context.Context) error {
	d, err := interfaces.Driver(f.sys)
	if d == nil || err != nil {
		return err
	}
	f.sys.Lock()
	var rs []netif.Route
	var bad []string
	for _, r := range f.effective() {
		nr := netif.Route{Dst: r.Dst, Gateway: r.Gateway, Metric: r.Distance}
		if r.Iface != "" {
			if nr.Dev = interfaces.LinuxName(f.sys, r.Iface); nr.Dev == "" {
				bad = append(bad, r.Iface)
				continue
			}
		}
		rs = append(rs, nr)
	}
	f.sys.Unlock()
	err = d.ApplyRoutes(rs)
	if len(bad) > 0 {
		err = fmt.Errorf("no such interface: %s; %v", strings.Join(bad, ", "), err)
	}
	return err
}
