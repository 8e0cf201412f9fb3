// Package interfaces is the `interface` configuration mode: names, addresses,
// shutdown, description and the other per-interface lines of the seed
// configurations. It keeps the typed state and renders it; driving real Linux
// links through netlink is the job of drivers/netif on boards that have them.
package interfaces

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cmeos/board"
	"cmeos/drivers/netif"
	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// ModeInterface is the interface configuration mode.
const ModeInterface = "config-if"

func init() {
	config.Register(config.Registration{Name: "interface", Order: config.OrderInterface, New: newFeature, Examples: `interface GigabitEthernet0/0
 description uplink to the LAN
 ip address 10.13.32.11 255.255.255.0
 ip address 10.13.33.11 255.255.255.0 secondary
 duplex auto
 speed auto
 fair-queue 64 256 32
 h323-gateway voip interface
 h323-gateway voip id GK1 ipaddr 10.13.32.13 1719
 h323-gateway voip h323-id 2851-CiscoUnifiedCME
 h323-gateway voip tech-prefix 1#
 ip rsvp bandwidth 1000 100
 no cdp enable
interface GigabitEthernet0/1
 no ip address
 shutdown
 mtu 1400
interface GigabitEthernet0/1.100
 encapsulation dot1Q 100
 ip address 192.168.100.1 255.255.255.0
interface Serial1/0:15
 no ip address
 encapsulation hdlc
interface Loopback0
 ip address 10.255.255.1 255.255.255.255
`})
}

// Address is one `ip address` line.
type Address struct {
	IP, Mask  netip.Addr
	Secondary bool
}

// Interface is the configuration of one interface.
type Interface struct {
	Name        string // canonical IOS name: GigabitEthernet0/0
	Description string
	Addresses   []Address
	NoIPAddress bool // "no ip address" typed or no address configured
	Shutdown    bool
	Duplex      string
	Speed       string
	MTU         int
	Dot1Q       int
	Encap       string   // other encapsulations (hdlc, ppp) stored as typed
	Extra       []string // inert lines kept as typed (fair-queue, ip rsvp, no cdp enable, h323-gateway voip)
	// Method is how the address was set, for show ip interface brief:
	// "NVRAM" from startup-config, "manual" typed.
	Method string
}

// Interfaces is the feature state: every configured interface by name.
type Interfaces struct {
	byName map[string]*Interface
	sys    *config.System
	board  board.Board // with Interfaces == nil: nothing is applied

	drvMu  sync.Mutex
	drv    *netif.Driver
	hooks  []func()
	closed bool
}

// Types are the interface types IOS names, for abbreviation (gi0/0).
var Types = []string{"GigabitEthernet", "FastEthernet", "Ethernet", "Loopback", "Serial", "Vlan", "Tunnel", "Dialer", "Virtual-Template", "Port-channel", "BVI"}

// CanonicalName expands an interface name ("gi0/0", "GigabitEthernet 0/0",
// "lo0") to its IOS form ("GigabitEthernet0/0", "Loopback0").
func CanonicalName(typ, num string) (string, error) {
	s := typ + num
	i := strings.IndexAny(s, "0123456789")
	if i <= 0 {
		return "", fmt.Errorf("bad interface name")
	}
	prefix, unit := strings.ToLower(s[:i]), s[i:]
	var match []string
	for _, t := range Types {
		if strings.HasPrefix(strings.ToLower(t), prefix) {
			match = append(match, t)
		}
	}
	if len(match) != 1 {
		return "", fmt.Errorf("bad interface type")
	}
	// unit: digits, '/', '.', ':'
	for _, c := range unit {
		if !(c >= '0' && c <= '9') && c != '/' && c != '.' && c != ':' {
			return "", fmt.Errorf("bad interface unit")
		}
	}
	return match[0] + unit, nil
}

func newFeature(sys *config.System) config.Feature {
	f := &Interfaces{byName: map[string]*Interface{}, sys: sys}
	f.board, _ = board.Active(sys.Opts.Board)
	t := sys.Tree
	t.AddMode(ModeInterface, "(config-if)#", cli.ModeConfig)
	help := map[string]string{
		"interface": "Select an interface to configure", "type": "Interface type and number (GigabitEthernet0/0)",
		"unit": "Interface number", "ip": "Interface Internet Protocol config commands",
		"address": "Set the IP address of an interface", "secondary": "Make this IP address a secondary address",
		"ip-addr": "IP address", "mask": "IP subnet mask",
		"shutdown": "Shutdown the selected interface", "description": "Interface specific description",
		"LINE": "Up to 240 characters describing this interface", "duplex": "Configure duplex operation.",
		"auto": "Enable AUTO duplex configuration", "full": "Force full duplex operation", "half": "Force half-duplex operation",
		"speed": "Configure speed operation.", "mtu": "Set the interface Maximum Transmission Unit (MTU)",
		"bytes": "MTU size in bytes", "encapsulation": "Set encapsulation type for an interface",
		"dot1q": "IEEE 802.1Q Virtual LAN", "vlan": "IEEE 802.1Q VLAN ID", "hdlc": "Serial HDLC synchronous", "ppp": "Point-to-Point protocol",
		"10": "Force 10 Mbps operation", "100": "Force 100 Mbps operation", "1000": "Force 1000 Mbps operation",
		"fair-queue": "Enable Fair Queuing on an Interface", "cdt": "Congestive Discard Threshold",
		"queues": "Number Dynamic Conversation Queues", "rsv": "Number Reservable Conversation Queues",
		"rsvp": "RSVP Interface Commands", "bandwidth": "RSVP bandwidth", "kbps": "Maximum reservable bandwidth (KBPS)",
		"flow": "Largest reservable flow (KBPS)", "cdp": "CDP interface subcommands", "enable": "Enable CDP on interface",
		"h323-gateway": "Configure H323 Gateway", "voip": "Configure H323 Gateway for VoIP",
		"id": "Configure GateKeeper Identifier", "gk": "GateKeeper identifier", "ipaddr": "IP address of GateKeeper",
		"gkip": "GateKeeper IP address", "port": "GateKeeper port number", "h323-id": "Configure H323 Identifier",
		"h323id": "H323 identifier", "tech-prefix": "Configure technology prefix", "prefix": "Technology prefix",
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "interface type:WORD [ unit:WORD ]", Help: help, Owner: "interface", No: true,
		Run: func(c *cli.Context) error {
			name, err := CanonicalName(c.String("type"), c.String("unit"))
			if err != nil {
				return c.InvalidInput("type")
			}
			if c.Negate {
				if strings.HasPrefix(name, "Loopback") || strings.Contains(name, ".") {
					delete(f.byName, name)
					return nil
				}
				return fmt.Errorf("%% Removal of physical interfaces is not permitted")
			}
			if !f.exists(name) {
				if c.Has("unit") {
					return c.InvalidInput("unit")
				}
				return c.InvalidInput("type")
			}
			ifc := f.byName[name]
			if ifc == nil {
				ifc = &Interface{Name: name}
				f.byName[name] = ifc
			}
			c.Enter(ModeInterface, ifc)
			return nil
		}})
	cur := func(c *cli.Context) *Interface { return c.ModeValue().(*Interface) }
	add := func(syntax string, run func(c *cli.Context, ifc *Interface) error) {
		// duplex and speed are saved for the seed configurations; the
		// link settings are not applied (cli.Command.Inert).
		inert := strings.HasPrefix(syntax, "duplex ") || strings.HasPrefix(syntax, "speed ")
		t.Add(ModeInterface, cli.Command{Syntax: syntax, Help: help, Owner: "interface", No: true, Inert: inert,
			Run: func(c *cli.Context) error { return run(c, cur(c)) }})
	}
	add("ip address ip-addr:A.B.C.D mask:A.B.C.D [ secondary ]", func(c *cli.Context, ifc *Interface) error {
		if c.Negate {
			if !c.Has("ip-addr") {
				ifc.Addresses, ifc.NoIPAddress = nil, true
				return nil
			}
			ip := netip.MustParseAddr(c.String("ip-addr"))
			var keep []Address
			for _, a := range ifc.Addresses {
				if a.IP != ip {
					keep = append(keep, a)
				}
			}
			ifc.Addresses = keep
			return nil
		}
		ip := netip.MustParseAddr(c.String("ip-addr"))
		mask := netip.MustParseAddr(c.String("mask"))
		if _, ok := MaskBits(mask); !ok {
			b := mask.As4()
			return fmt.Errorf("Bad mask 0x%02X%02X%02X%02X for address %s", b[0], b[1], b[2], b[3], ip)
		}
		a := Address{IP: ip, Mask: mask, Secondary: c.Has("secondary")}
		var keep []Address
		for _, x := range ifc.Addresses {
			if x.IP == ip || (!a.Secondary && !x.Secondary) {
				continue // a new primary replaces the old primary
			}
			keep = append(keep, x)
		}
		ifc.Addresses = append(keep, a)
		ifc.Method = "manual"
		if sys.IsLoading() {
			ifc.Method = "NVRAM"
		}
		sort.SliceStable(ifc.Addresses, func(i, j int) bool { return !ifc.Addresses[i].Secondary && ifc.Addresses[j].Secondary })
		ifc.NoIPAddress = false
		return nil
	})
	add("shutdown", func(c *cli.Context, ifc *Interface) error { ifc.Shutdown = !c.Negate; return nil })
	add("description LINE", func(c *cli.Context, ifc *Interface) error {
		ifc.Description = c.String("LINE")
		if c.Negate {
			ifc.Description = ""
		}
		if len(ifc.Description) > 240 {
			ifc.Description = ifc.Description[:240]
		}
		return nil
	})
	add("duplex { auto | full | half }", func(c *cli.Context, ifc *Interface) error {
		ifc.Duplex = ""
		if !c.Negate {
			ifc.Duplex = pick(c, "auto", "full", "half")
		}
		return nil
	})
	add("speed { auto | 10 | 100 | 1000 }", func(c *cli.Context, ifc *Interface) error {
		ifc.Speed = ""
		if !c.Negate {
			ifc.Speed = pick(c, "auto", "10", "100", "1000")
		}
		return nil
	})
	// Lines of seed 004's E10 that have no effect on this box (queueing,
	// RSVP, CDP, the H.323 gateway's interface binding: there is no H.323
	// stack): kept as typed and rendered back (cli.Command.Inert).
	extra := func(syntax, key string) {
		t.Add(ModeInterface, cli.Command{Syntax: syntax, Help: help, Owner: "interface", No: true, Inert: true,
			Run: func(c *cli.Context) error {
				ifc := cur(c)
				line := c.CanonicalArgs()
				k := key
				if k == "" {
					k = line
				}
				var keep []string
				for _, e := range ifc.Extra {
					if !strings.HasPrefix(strings.TrimPrefix(e, "no "), k) {
						keep = append(keep, e)
					}
				}
				switch {
				case key == "cdp enable" && c.Negate && !c.Default:
					keep = append(keep, "no cdp enable") // CDP is on by default
				case !c.Negate && key != "cdp enable":
					keep = append(keep, line)
				}
				ifc.Extra = keep
				return nil
			}})
	}
	extra("fair-queue [ cdt:<1-4096> [ queues:<16-4096> [ rsv:<0-1000> ] ] ]", "fair-queue")
	extra("ip rsvp bandwidth [ kbps:<1-10000000> [ flow:<1-10000000> ] ]", "ip rsvp bandwidth")
	extra("cdp enable", "cdp enable")
	extra("h323-gateway voip { interface | id gk:WORD ipaddr gkip:A.B.C.D [ port:<1-65535> ] | h323-id h323id:WORD | tech-prefix prefix:WORD }", "")
	add("mtu bytes:<64-9216>", func(c *cli.Context, ifc *Interface) error {
		ifc.MTU = 0
		if !c.Negate {
			ifc.MTU = c.Int("bytes", 0)
		}
		return nil
	})
	add("encapsulation { dot1q vlan:<1-4094> | hdlc | ppp }", func(c *cli.Context, ifc *Interface) error {
		ifc.Dot1Q, ifc.Encap = 0, ""
		if c.Negate {
			return nil
		}
		if c.Has("dot1q") {
			ifc.Dot1Q = c.Int("vlan", 0)
		} else {
			ifc.Encap = pick(c, "hdlc", "ppp")
		}
		return nil
	})
	registerShow(f)
	return f
}

func pick(c *cli.Context, kws ...string) string {
	for _, k := range kws {
		if c.Has(k) {
			return k
		}
	}
	return ""
}

// MaskBits returns the prefix length of a contiguous IPv4 netmask
// (255.255.255.0: 24, true); false for anything else.
func MaskBits(m netip.Addr) (int, bool) {
	if !m.Is4() {
		return 0, false
	}
	ones, bits := net.IPMask(m.AsSlice()).Size()
	return ones, bits == 32
}

// Render writes interfaces sorted by type and unit, as IOS lists them.
func (f *Interfaces) Render(r *config.Renderer) {
	names := make([]string, 0, len(f.byName))
	for n := range f.byName {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return lessIf(names[i], names[j]) })
	for _, n := range names {
		ifc := f.byName[n]
		r.Line("interface " + n)
		if ifc.Description != "" {
			r.Sub("description " + ifc.Description)
		}
		if ifc.MTU != 0 {
			r.Subf("mtu %d", ifc.MTU)
		}
		if ifc.Dot1Q != 0 {
			r.Subf("encapsulation dot1Q %d", ifc.Dot1Q)
		}
		if len(ifc.Addresses) == 0 {
			r.Sub("no ip address")
		}
		for _, a := range ifc.Addresses {
			s := "ip address " + a.IP.String() + " " + a.Mask.String()
			if a.Secondary {
				s += " secondary"
			}
			r.Sub(s)
		}
		if ifc.Encap != "" {
			r.Sub("encapsulation " + ifc.Encap)
		}
		if ifc.Shutdown {
			r.Sub("shutdown")
		}
		if ifc.Duplex != "" {
			r.Sub("duplex " + ifc.Duplex)
		}
		if ifc.Speed != "" {
			r.Sub("speed " + ifc.Speed)
		}
		for _, e := range ifc.Extra {
			r.Sub(e)
		}
		r.Bang()
	}
}

// lessIf orders by type name then numerically by unit parts.
func lessIf(a, b string) bool {
	ta, ua := splitName(a)
	tb, ub := splitName(b)
	if ta != tb {
		return ta < tb
	}
	pa, pb := unitParts(ua), unitParts(ub)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func splitName(n string) (string, string) {
	i := strings.IndexAny(n, "0123456789")
	if i < 0 {
		return n, ""
	}
	return n[:i], n[i:]
}

func unitParts(u string) []int {
	var out []int
	for _, p := range strings.FieldsFunc(u, func(r rune) bool { return r == '/' || r == '.' || r == ':' }) {
		v, _ := strconv.Atoi(p)
		out = append(out, v)
	}
	return out
}

// Lookup returns an interface's configuration (lock held), or nil.
func Lookup(sys *config.System, name string) *Interface {
	f, _ := sys.Feature("interface").(*Interfaces)
	if f == nil {
		return nil
	}
	return f.byName[name]
}
