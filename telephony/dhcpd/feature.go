// Package dhcpd is the DHCP server of cmeos (insomniacslk/dhcp): `service
// dhcp`, `ip dhcp pool` with option 150 for the phones' TFTP server, manual
// bindings, excluded addresses, the show and clear commands, and a lease
// database in nvram:dhcp-bindings that survives restarts.
//
// Which interfaces it serves: a request is answered from the pool whose
// network contains an address of the Linux interface it arrived on (or the
// relay's giaddr), as IOS answers on interfaces whose address falls in a
// pool. The socket listens on UDP 67 of every interface; the hidden global
// command `ip dhcp bind-interface NAME` (repeatable) restricts it to named
// Linux interfaces (SO_BINDTODEVICE), for hosts and network-namespace tests.
package dhcpd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/interfaces"
	"cmeos/ios/logging"
	"cmeos/ios/service"
)

// Names and modes.
const (
	FeatureName = "dhcp"
	ModePool    = "dhcp-config"
)

// Database is where the lease database is kept.
var Database = fs.Path{Prefix: "nvram", Name: "dhcp-bindings"}

func init() {
	config.Register(config.Registration{Name: "dhcp-service", Order: config.OrderService + 10, New: newService,
		Examples: "no service dhcp\n"})
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderIP + 10, New: newFeature, Examples: `ip dhcp excluded-address 10.1.1.1 10.1.1.10
ip dhcp excluded-address 10.1.1.254
ip dhcp bind-interface veth-cme
ip dhcp pool phones
 network 10.1.1.0 255.255.255.0
 domain-name example.com
 dns-server 10.1.1.2 10.1.1.3
 default-router 10.1.1.1
 option 150 ip 10.1.1.1 10.1.1.2
 option 66 ascii cme.example.com
 option 43 hex 0104.0a01.0101
 lease 2 12 30
ip dhcp pool phone1
 host 10.1.1.50 255.255.255.0
 client-identifier 0100.1243.02a7.cc
 option 150 ip 10.1.1.1
 lease infinite
ip dhcp pool phone2
 host 10.1.1.51 255.255.255.0
 hardware-address 0017.94ca.9ccd
`})
}

// serviceFlag is `service dhcp` (on by default; IOS shows only the no form).
type serviceFlag struct{ off bool }

func newService(sys *config.System) config.Feature {
	f := &serviceFlag{}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "service dhcp", Owner: FeatureName, No: true,
		Help: map[string]string{"service": "Modify use of network based services", "dhcp": "Enable DHCP server and relay agent"},
		Run:  func(c *cli.Context) error { f.off = c.Negate && !c.Default; return nil }})
	return f
}

func (f *serviceFlag) Render(r *config.Renderer) {
	if f.off {
		r.Line("no service dhcp")
	}
}

// Feature is the DHCP configuration and server.
type Feature struct {
	sys *config.System

	// Configuration, guarded by the configuration lock.
	pools    map[string]*Pool
	excluded []Range
	ifaces   []string

	srv *Server

	mu      sync.Mutex                 // guards the service state below
	runners map[string]*service.Runner // per interface ("": all), under ios/service
	running string                     // the interface set the listeners serve ("" none)
	closed  bool
}

// FromSystem returns the DHCP feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

// Server returns the server state (bindings, counters).
func (f *Feature) Server() *Server { return f.srv }

type nvramStore struct{ fs *fs.Store }

func (s nvramStore) Load() ([]byte, error) { return s.fs.ReadFile(Database) }
func (s nvramStore) Save(b []byte) error   { return s.fs.WriteFile(Database, b) }

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, pools: map[string]*Pool{}}
	var store LeaseStore
	if sys.FS != nil {
		store = nvramStore{sys.FS}
	}
	f.srv, _ = New(Config{Now: sys.Now, Store: store, Logf: func(sev int, mn, format string, args ...any) {
		sys.Log.Logf(sev, "DHCPD", mn, format, args...)
	}})
	f.commands()
	return f
}

func (f *Feature) commands() {
	t := f.sys.Tree
	t.AddMode(ModePool, "(dhcp-config)#", cli.ModeConfig)
	help := map[string]string{
		"ip": "Global IP configuration subcommands", "dhcp": "Configure DHCP server and relay parameters",
		"pool": "Configure DHCP address pools", "name": "Pool name",
		"excluded-address": "Prevent DHCP from assigning certain addresses",
		"low":              "Low IP address", "high": "High IP address",
		"bind-interface": "Serve DHCP only on this Linux interface", "ifname": "Linux interface name",
		"network": "Network number and mask", "net": "Network number in dotted-decimal notation",
		"mask": "Network mask or prefix length", "prefix": "/nn or A.B.C.D  Network mask or prefix length",
		"host": "Client IP address and mask", "addr": "IP address in dotted-decimal notation",
		"client-identifier": "Client identifier", "id": "Dotted-hexadecimal string",
		"hardware-address": "Client hardware address", "mac": "Dotted-hexadecimal string",
		"default-router": "Default routers", "routers": "Router's IP address",
		"dns-server": "DNS servers", "servers": "Server's name or IP address",
		"domain-name": "Domain name", "domain": "Domain name",
		"option": "Raw DHCP options", "code": "DHCP option code",
		"ascii": "Data is an NVT ASCII string", "text": "NVT ASCII string",
		"hex": "Data is a hexadecimal string", "bytes": "Hexadecimal string",
		"lease": "Address lease time", "days": "Days", "hours": "Hours", "minutes": "Minutes",
		"infinite": "Infinite lease",
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ip dhcp pool name:WORD", Help: help, Owner: FeatureName, No: true,
		Run: func(c *cli.Context) error {
			name := c.String("name")
			if c.Negate {
				if f.pools[name] == nil {
					return fmt.Errorf("%% Pool %s does not exist.", name)
				}
				delete(f.pools, name)
				return nil
			}
			p := f.pools[name]
			if p == nil {
				p = &Pool{Name: name, Lease: DefaultLease}
				f.pools[name] = p
			}
			c.Enter(ModePool, p)
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ip dhcp excluded-address low:A.B.C.D [ high:A.B.C.D ]", Help: help, Owner: FeatureName, No: true,
		NoSyntax: "ip dhcp excluded-address low:A.B.C.D [ high:A.B.C.D ]",
		Run: func(c *cli.Context) error {
			low := netip.MustParseAddr(c.String("low"))
			high := low
			if c.Has("high") {
				high = netip.MustParseAddr(c.String("high"))
			}
			if high.Less(low) {
				return c.InvalidInput("high")
			}
			r := Range{low, high}
			var keep []Range
			for _, x := range f.excluded {
				if x != r {
					keep = append(keep, x)
				}
			}
			if !c.Negate {
				keep = append(keep, r)
			}
			f.excluded = keep
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ip dhcp bind-interface ifname:WORD", Help: help, Owner: FeatureName, No: true, Hidden: true,
		Run: func(c *cli.Context) error {
			name := c.String("ifname")
			if len(name) > 15 || strings.ContainsAny(name, "/ \t") {
				return c.InvalidInput("ifname")
			}
			var keep []string
			for _, x := range f.ifaces {
				if x != name {
					keep = append(keep, x)
				}
			}
			if !c.Negate {
				keep = append(keep, name)
			}
			f.ifaces = keep
			return nil
		}})
	cur := func(c *cli.Context) *Pool { return c.ModeValue().(*Pool) }
	add := func(syntax string, run func(c *cli.Context, p *Pool) error) {
		t.Add(ModePool, cli.Command{Syntax: syntax, Help: help, Owner: FeatureName, No: true,
			Run: func(c *cli.Context) error { return run(c, cur(c)) }})
	}
	prefix := func(c *cli.Context, addrArg string) (netip.Prefix, error) {
		a := netip.MustParseAddr(c.String(addrArg))
		m := c.String("prefix")
		if m == "" {
			return netip.PrefixFrom(a, 32), nil // IOS: natural mask; we require one for networks
		}
		var bits int
		if strings.HasPrefix(m, "/") {
			if _, err := fmt.Sscanf(m, "/%d", &bits); err != nil || bits < 0 || bits > 32 || fmt.Sprintf("/%d", bits) != m {
				return netip.Prefix{}, c.InvalidInput("prefix")
			}
		} else {
			ma, err := netip.ParseAddr(m)
			var ok bool
			if err == nil {
				bits, ok = interfaces.MaskBits(ma)
			}
			if !ok {
				return netip.Prefix{}, c.InvalidInput("prefix")
			}
		}
		return netip.PrefixFrom(a, bits), nil
	}
	add("network net:A.B.C.D [ prefix:WORD ]", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.Network = netip.Prefix{}
			return nil
		}
		if p.Host.IsValid() {
			return fmt.Errorf("%% A binding for this client already exists.")
		}
		pf, err := prefix(c, "net")
		if err != nil {
			return err
		}
		if !c.Has("prefix") || pf.Bits() < 8 || pf.Bits() > 30 {
			return fmt.Errorf("%% Invalid network mask")
		}
		if pf.Masked().Addr() != pf.Addr() {
			return fmt.Errorf("%% %s/%d is an invalid network.", pf.Addr(), pf.Bits())
		}
		for _, q := range f.pools {
			if q != p && q.Network.IsValid() && q.Network.Overlaps(pf) {
				return fmt.Errorf("%% %s/%d overlaps with pool %s", pf.Addr(), pf.Bits(), q.Name)
			}
		}
		p.Network = pf
		return nil
	})
	add("host addr:A.B.C.D [ prefix:WORD ]", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.Host = netip.Prefix{}
			return nil
		}
		if p.Network.IsValid() {
			return fmt.Errorf("%% Only one network or host is permitted per pool.")
		}
		pf, err := prefix(c, "addr")
		if err != nil {
			return err
		}
		if !c.Has("prefix") {
			pf = netip.PrefixFrom(pf.Addr(), 24)
		}
		p.Host = pf
		return nil
	})
	add("client-identifier id:WORD", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.ClientID = nil
			return nil
		}
		b, ok := ParseDottedHex(c.String("id"))
		if !ok || len(b) < 2 || len(b) > 64 {
			return c.InvalidInput("id")
		}
		p.ClientID = b
		return nil
	})
	add("hardware-address mac:H.H.H", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.HWAddr = nil
			return nil
		}
		b, _ := ParseDottedHex(strings.ToLower(c.String("mac")))
		p.HWAddr = b
		return nil
	})
	addrs := func(c *cli.Context, name string) []netip.Addr {
		var out []netip.Addr
		for _, s := range c.Strings(name) {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}
	add("default-router routers:A.B.C.D...", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.Routers = nil
			return nil
		}
		as := addrs(c, "routers")
		if len(as) > 8 {
			return c.InvalidInput("routers")
		}
		p.Routers = as
		return nil
	})
	add("dns-server servers:A.B.C.D...", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.DNS = nil
			return nil
		}
		as := addrs(c, "servers")
		if len(as) > 8 {
			return c.InvalidInput("servers")
		}
		p.DNS = as
		return nil
	})
	add("domain-name domain:WORD", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.DomainName = ""
			return nil
		}
		if len(c.String("domain")) > 255 {
			return c.InvalidInput("domain")
		}
		p.DomainName = c.String("domain")
		return nil
	})
	t.Add(ModePool, cli.Command{Syntax: "option code:<0-254> { ip ips:A.B.C.D... | ascii text:LINE | hex bytes:WORD }", Help: help,
		Owner: FeatureName, No: true, NoSyntax: "option code:<0-254> [ ip [ ips:A.B.C.D... ] | ascii [ text:LINE ] | hex [ bytes:WORD ] ]",
		Run: func(c *cli.Context) error {
			p := cur(c)
			code := c.Int("code", 0)
			if c.Negate {
				p.RemoveOption(code)
				return nil
			}
			switch code {
			case 0, 255, 53, 54, 50, 61:
				return c.InvalidInput("code") // framing and per-client options cannot be set
			}
			o := Option{Code: code}
			switch {
			case c.Has("ip"):
				o.Kind, o.IPs = OptIP, addrs(c, "ips")
				if len(o.IPs) > 63 {
					return c.InvalidInput("ips")
				}
			case c.Has("ascii"):
				o.Kind, o.Text = OptASCII, c.String("text")
				if len(o.Text) > 255 {
					return c.InvalidInput("text")
				}
			default:
				b, ok := ParseDottedHex(c.String("bytes"))
				if !ok || len(b) > 255 {
					return c.InvalidInput("bytes")
				}
				o.Kind, o.Bytes = OptHex, b
			}
			p.SetOption(o)
			return nil
		}})
	add("lease { days:<0-365> [ hours:<0-23> [ minutes:<0-59> ] ] | infinite }", func(c *cli.Context, p *Pool) error {
		if c.Negate {
			p.Lease = DefaultLease
			return nil
		}
		if c.Has("infinite") {
			p.Lease = Lease{Infinite: true}
			return nil
		}
		l := Lease{Days: c.Int("days", 0), Hours: c.Int("hours", 0), Minutes: c.Int("minutes", 0)}
		if l.Duration() == 0 {
			return fmt.Errorf("%% Lease time must be at least one minute")
		}
		p.Lease = l
		return nil
	})

	sh := map[string]string{"show": "Show running system information", "ip": "IP information",
		"dhcp": "Show items in the DHCP database", "binding": "DHCP address bindings", "pool": "DHCP pools information",
		"server": "Miscellaneous DHCP server information", "statistics": "DHCP server statistics",
		"conflict": "DHCP address conflicts", "addr": "IP address of the binding", "name": "Pool name",
		"clear": "Reset functions", "*": "Clear all bindings"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ip dhcp binding [ addr:A.B.C.D ]", Help: sh, Pipe: true, Run: f.showBinding})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ip dhcp pool [ name:WORD ]", Help: sh, Pipe: true, Run: f.showPool})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ip dhcp server statistics", Help: sh, Pipe: true, Run: f.showStats})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ip dhcp conflict", Help: sh, Pipe: true, Run: f.showConflict})
	t.Add(cli.ModeExec, cli.Command{Syntax: "clear ip dhcp binding { * | addr:A.B.C.D }", Help: sh, Run: func(c *cli.Context) error {
		if c.Has("addr") {
			a := netip.MustParseAddr(c.String("addr"))
			if !f.srv.Clear(a) {
				return fmt.Errorf("%% Address %s not in use.", a)
			}
			return nil
		}
		f.srv.Clear(netip.Addr{})
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "clear ip dhcp conflict { * | addr:A.B.C.D }", Help: sh, Run: func(c *cli.Context) error {
		a := netip.Addr{}
		if c.Has("addr") {
			a = netip.MustParseAddr(c.String("addr"))
		}
		f.srv.ClearConflicts(a)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "clear ip dhcp server statistics", Help: sh, Run: func(c *cli.Context) error {
		f.srv.mu.Lock()
		f.srv.stats = Stats{Received: map[dhcpv4.MessageType]uint64{}, Sent: map[dhcpv4.MessageType]uint64{}}
		f.srv.mu.Unlock()
		return nil
	}})
}

func (f *Feature) sortedPools() []*Pool {
	ps := make([]*Pool, 0, len(f.pools))
	for _, p := range f.pools {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

// Render writes excluded addresses then pools, as IOS does.
func (f *Feature) Render(r *config.Renderer) {
	if len(f.excluded) == 0 && len(f.pools) == 0 && len(f.ifaces) == 0 {
		return
	}
	for _, x := range f.excluded {
		if x.Low == x.High {
			r.Linef("ip dhcp excluded-address %s", x.Low)
		} else {
			r.Linef("ip dhcp excluded-address %s %s", x.Low, x.High)
		}
	}
	for _, n := range f.ifaces {
		r.Line("ip dhcp bind-interface " + n)
	}
	r.Bang()
	for _, p := range f.sortedPools() {
		r.Line("ip dhcp pool " + p.Name)
		for _, l := range p.Lines() {
			r.Sub(l)
		}
		r.Bang()
	}
}

// Reconcile hands the pools to the server and opens or closes the sockets.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	var pools []*Pool
	for _, p := range f.sortedPools() {
		pools = append(pools, p.Clone())
	}
	excluded := append([]Range(nil), f.excluded...)
	ifaces := append([]string(nil), f.ifaces...)
	svc, _ := f.sys.Feature("dhcp-service").(*serviceFlag)
	on := (svc == nil || !svc.off) && len(pools) > 0
	f.sys.Unlock()
	f.srv.SetPools(pools, excluded)

	want := ""
	if on {
		want = "*"
		if len(ifaces) > 0 {
			want = strings.Join(ifaces, ",")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || want == f.running {
		return nil
	}
	f.stopLocked()
	if want == "" {
		return nil
	}
	names := ifaces
	if len(names) == 0 {
		names = []string{""}
	}
	if f.runners == nil {
		f.runners = map[string]*service.Runner{}
	}
	for _, n := range names {
		r := &service.Runner{Name: "DHCP server", Facility: "DHCPD", Log: f.sys.Log, Quiet: true}
		err := r.Up(ctx, service.Config{Key: n,
			ListenPacket: func() (*net.UDPConn, error) {
				return server4.NewIPv4UDPConn(n, &net.UDPAddr{Port: dhcpv4.ServerPort})
			},
			Packet: func(ctx context.Context, conn *net.UDPConn) error {
				l, err := f.srv.NewListener(conn)
				if err != nil {
					return err
				}
				return l.Serve()
			}})
		if err != nil {
			where := "all interfaces"
			if n != "" {
				where = n
			}
			f.sys.Log.Logf(logging.Errors, "DHCPD", "SOCKET", "Cannot open the DHCP server socket on %s: %v", where, errors.Unwrap(err))
			continue
		}
		f.runners[n] = r
	}
	f.running = want
	return nil
}

// stopLocked closes every socket (f.mu held).
func (f *Feature) stopLocked() {
	for n, r := range f.runners {
		r.Close()
		delete(f.runners, n)
	}
	f.running = ""
}

// Close stops the sockets and writes the lease database.
func (f *Feature) Close() error {
	f.mu.Lock()
	f.closed = true
	f.stopLocked()
	f.mu.Unlock()
	f.srv.Flush()
	return nil
}

const timeLayout = "Jan 02 2006 03:04 PM"

func (f *Feature) showBinding(c *cli.Context) error {
	var only netip.Addr
	if c.Has("addr") {
		only = netip.MustParseAddr(c.String("addr"))
	}
	c.Printf("Bindings from all pools not associated with VRF:\n")
	c.Printf("IP address          Client-ID/              Lease expiration        Type\n")
	c.Printf("                    Hardware address/\n")
	c.Printf("                    User name\n")
	type row struct {
		ip         netip.Addr
		id, exp, t string
	}
	var rows []row
	for _, b := range f.srv.Bindings() {
		exp := "Infinite"
		if !b.Expires.IsZero() {
			exp = b.Expires.UTC().Format(timeLayout)
		}
		rows = append(rows, row{b.IP, DottedHex(b.ClientID), exp, "Automatic"})
	}
	for _, p := range f.sortedPools() {
		if !p.Host.IsValid() {
			continue
		}
		id := DottedHex(p.ClientID)
		if len(p.ClientID) == 0 {
			id = macDotted(p.HWAddr)
		}
		rows = append(rows, row{p.Host.Addr(), id, "Infinite", "Manual"})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ip.Less(rows[j].ip) })
	for _, r := range rows {
		if only.IsValid() && r.ip != only {
			continue
		}
		c.Printf("%-19s %-23s %-23s %s\n", r.ip, r.id, r.exp, r.t)
	}
	return nil
}

func (f *Feature) showPool(c *cli.Context) error {
	name := c.String("name")
	if name != "" && f.pools[name] == nil {
		return fmt.Errorf("%% Pool %s does not exist.", name)
	}
	for _, p := range f.sortedPools() {
		if name != "" && p.Name != name {
			continue
		}
		total, leased, next := f.srv.PoolUsage(p)
		c.Printf("\nPool %s :\n", p.Name)
		c.Printf(" Utilization mark (high/low)    : 100 / 0\n")
		c.Printf(" Subnet size (first/next)       : 0 / 0\n")
		c.Printf(" Total addresses                : %d\n", total)
		c.Printf(" Leased addresses               : %d\n", leased)
		c.Printf(" Pending event                  : none\n")
		if !p.Network.IsValid() {
			c.Printf(" 0 subnet is currently in the pool\n")
			continue
		}
		first, last := hostRange(p.Network)
		idx := "0.0.0.0"
		if next.IsValid() {
			idx = next.String()
		}
		c.Printf(" 1 subnet is currently in the pool :\n")
		c.Printf(" Current index        IP address range                    Leased addresses\n")
		c.Printf(" %-20s %-16s - %-16s %d\n", idx, first, last, leased)
	}
	return nil
}

func (f *Feature) showStats(c *cli.Context) error {
	st := f.srv.Stats()
	auto := len(f.srv.Bindings())
	manual := 0
	for _, p := range f.pools {
		if p.Host.IsValid() {
			manual++
		}
	}
	c.Printf("Memory usage         %d\n", 8192+auto*128)
	c.Printf("Address pools        %d\n", len(f.pools))
	c.Printf("Database agents      0\n")
	c.Printf("Automatic bindings   %d\n", auto)
	c.Printf("Manual bindings      %d\n", manual)
	c.Printf("Expired bindings     0\n")
	c.Printf("Malformed messages   %d\n", st.Malformed)
	c.Printf("Secure arp entries   0\n")
	c.Printf("\nMessage              Received\n")
	c.Printf("BOOTREQUEST          %d\n", st.BootReq)
	for _, m := range []dhcpv4.MessageType{dhcpv4.MessageTypeDiscover, dhcpv4.MessageTypeRequest, dhcpv4.MessageTypeDecline,
		dhcpv4.MessageTypeRelease, dhcpv4.MessageTypeInform} {
		c.Printf("%-20s %d\n", "DHCP"+strings.ToUpper(m.String()), st.Received[m])
	}
	c.Printf("\nMessage              Sent\n")
	c.Printf("BOOTREPLY            0\n")
	for _, m := range []dhcpv4.MessageType{dhcpv4.MessageTypeOffer, dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak} {
		c.Printf("%-20s %d\n", "DHCP"+strings.ToUpper(m.String()), st.Sent[m])
	}
	return nil
}

func (f *Feature) showConflict(c *cli.Context) error {
	c.Printf("IP address        Detection method   Detection time\n")
	for _, x := range f.srv.Conflicts() {
		c.Printf("%-17s %-18s %s\n", x.IP, "Gratuitous ARP", x.When.UTC().Format(timeLayout))
	}
	return nil
}
