// Package capture is Embedded Packet Capture: the EXEC commands `monitor
// capture NAME interface IF {in|out|both}`, `match`, `access-list`, `buffer
// size`, `start`, `stop`, `clear`, `export URL` and `no monitor capture`,
// with `show monitor capture`. Captures run on the board's real links
// (drivers/capture); they are not part of the configuration.
package capture

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cmeos/board"
	dcap "cmeos/drivers/capture"
	"cmeos/ios/acl"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/interfaces"
)

func init() {
	config.Register(config.Registration{Name: "monitor-capture", Order: config.OrderControlPlane, New: newFeature, NoConfig: true})
}

// point is one capture point.
type point struct {
	name      string
	iface     string // IOS name
	dir       dcap.Direction
	match     *Filter
	acl       int
	bufferMB  int
	running   *dcap.Capture
	last      []dcap.Packet // packets of the stopped capture
	startedAt string
}

// Feature holds the capture points (its own lock: captures are not
// configuration, and the capture goroutines never take the config lock).
type Feature struct {
	sys    *config.System
	board  board.Board
	mu     sync.Mutex
	points map[string]*point
}

// Render writes nothing: captures are EXEC state.
func (f *Feature) Render(*config.Renderer) {}

// Close stops every running capture.
func (f *Feature) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.points {
		if p.running != nil {
			p.running.Stop()
			p.running.Wait()
			p.last, p.running = p.running.Packets(), nil
		}
	}
	return nil
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, points: map[string]*point{}}
	f.board, _ = board.Active(sys.Opts.Board)
	h := map[string]string{"monitor": "Monitoring different system events", "capture": "Monitor Capture",
		"name": "Name of the Capture", "interface": "Capture interface", "ifname": "Interface name (GigabitEthernet0/0)",
		"in": "Inbound direction", "out": "Outbound direction", "both": "Inbound and outbound directions",
		"match": "Describe filters inline", "any": "All packets", "ipv4": "IPv4 packets only", "spec": "[protocol tcp|udp|icmp] SRC [eq PORT] DST [eq PORT]; SRC/DST: any, host A.B.C.D, A.B.C.D/nn",
		"access-list": "Standard access list to filter the packets", "acl": "IP access list number",
		"buffer": "Buffer options", "size": "Total size of the buffer", "mb": "Size in MB",
		"start": "Enable Capture", "stop": "Disable Capture", "clear": "Clear capture buffer",
		"export": "Export captured packets", "url": "Destination (flash:FILE.pcap)",
		"show": "Show running system information", "brief": "Brief view of packets"}
	exec := func(syntax string, run func(c *cli.Context, p *point) error) {
		f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: syntax, Help: h, Run: func(c *cli.Context) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			name := c.String("name")
			p := f.points[name]
			if p == nil {
				p = &point{name: name, bufferMB: 10}
				if err := run(c, p); err != nil {
					return err
				}
				f.points[name] = p
				return nil
			}
			return run(c, p)
		}})
	}
	exec("monitor capture name:WORD interface ifname:WORD { in | out | both }", func(c *cli.Context, p *point) error {
		name, err := interfaces.CanonicalName(c.String("ifname"), "")
		if err != nil {
			return c.InvalidInput("ifname")
		}
		if interfaces.LinuxName(f.sys, name) == "" {
			return fmt.Errorf("%% Interface %s is not available for capture on this board", name)
		}
		if p.running != nil {
			return fmt.Errorf("%% Capture point %s is active; stop it first", p.name)
		}
		p.iface, p.dir = name, dcap.Both
		if c.Has("in") {
			p.dir = dcap.In
		} else if c.Has("out") {
			p.dir = dcap.Out
		}
		return nil
	})
	exec("monitor capture name:WORD match { any | ipv4 spec:LINE }", func(c *cli.Context, p *point) error {
		if c.Has("any") {
			p.match = nil
			return nil
		}
		m, err := ParseFilter(c.String("spec"))
		if err != nil {
			return c.InvalidInput("spec")
		}
		p.match, p.acl = m, 0
		return nil
	})
	exec("monitor capture name:WORD access-list acl:<1-99>", func(c *cli.Context, p *point) error {
		p.acl, p.match = c.Int("acl", 0), nil
		return nil
	})
	exec("monitor capture name:WORD buffer size mb:<1-100>", func(c *cli.Context, p *point) error {
		p.bufferMB = c.Int("mb", 10)
		return nil
	})
	exec("monitor capture name:WORD { start | stop | clear }", func(c *cli.Context, p *point) error {
		switch {
		case c.Has("start"):
			if p.iface == "" {
				return fmt.Errorf("%% Capture point %s: no interface attached (monitor capture %s interface ...)", p.name, p.name)
			}
			if p.running != nil {
				return fmt.Errorf("%% Capture point %s is already active", p.name)
			}
			cp, err := dcap.Start(dcap.Options{NetNS: f.board.NetNS, Link: interfaces.LinuxName(f.sys, p.iface),
				Direction: p.dir, Match: f.matcher(p), BufferBytes: p.bufferMB << 20})
			if err != nil {
				return fmt.Errorf("%% Capture point %s could not start: %v", p.name, err)
			}
			p.running, p.last = cp, nil
			p.startedAt = f.sys.Now().UTC().Format("15:04:05.000 UTC Jan 2 2006")
			c.Printf("Started capture point : %s\n", p.name)
		case c.Has("stop"):
			if p.running == nil {
				return fmt.Errorf("%% Capture point %s is not active", p.name)
			}
			p.running.Stop()
			p.last, p.running = p.running.Packets(), nil
			c.Printf("Stopped capture point : %s\n", p.name)
		default:
			if p.running != nil {
				return fmt.Errorf("%% Capture point %s is active; stop it first", p.name)
			}
			p.last = nil
		}
		return nil
	})
	exec("monitor capture name:WORD export url:WORD", func(c *cli.Context, p *point) error {
		dst, err := f.sys.FS.Parse(c.String("url"))
		if err != nil {
			return c.InvalidInput("url")
		}
		var buf bytes.Buffer
		if err := dcap.WritePcap(&buf, p.packets()); err != nil {
			return err
		}
		if err := f.sys.FS.WriteFile(dst, buf.Bytes()); err != nil {
			return errors.New(fs.IOSError("writing", dst, err))
		}
		c.Printf("Exported Successfully\n")
		return nil
	})
	h["no"] = "Negate a command or set its defaults"
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "no monitor capture name:WORD", Help: h, Run: func(c *cli.Context) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		p := f.points[c.String("name")]
		if p == nil {
			return fmt.Errorf("%% Capture point %s does not exist", c.String("name"))
		}
		if p.running != nil {
			p.running.Stop()
		}
		delete(f.points, p.name)
		return nil
	}})
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show monitor capture [ name:WORD [ buffer [ brief ] ] ]", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !c.Has("name") {
			names := make([]string, 0, len(f.points))
			for n := range f.points {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				f.showPoint(c, f.points[n])
			}
			return nil
		}
		p := f.points[c.String("name")]
		if p == nil {
			return fmt.Errorf("%% Capture point %s does not exist", c.String("name"))
		}
		if !c.Has("buffer") {
			f.showPoint(c, p)
			return nil
		}
		showBuffer(c, p.packets(), c.Has("brief"))
		return nil
	}})
	return f
}

func (p *point) packets() []dcap.Packet {
	if p.running != nil {
		return p.running.Packets()
	}
	return p.last
}

// matcher builds the packet filter of a capture point. Access lists are
// read under the configuration lock at start: the capture goroutine never
// takes it.
func (f *Feature) matcher(p *point) func([]byte) bool {
	if p.match != nil {
		m := p.match
		return m.Match
	}
	if p.acl != 0 {
		num := p.acl
		// Evaluate the list against each source address once, then cache.
		var mu sync.Mutex
		cache := map[netip.Addr]bool{}
		return func(data []byte) bool {
			src, ok := ipv4Src(data)
			if !ok {
				return false
			}
			mu.Lock()
			v, hit := cache[src]
			mu.Unlock()
			if !hit {
				f.sys.Lock()
				v = acl.Permits(f.sys, num, src)
				f.sys.Unlock()
				mu.Lock()
				cache[src] = v
				mu.Unlock()
			}
			return v
		}
	}
	return nil
}

func (f *Feature) showPoint(c *cli.Context, p *point) {
	status := "Inactive"
	if p.running != nil {
		status = "Active"
	}
	dir := map[dcap.Direction]string{dcap.Both: "both", dcap.In: "in", dcap.Out: "out"}[p.dir]
	c.Printf("Status Information for Capture %s\n", p.name)
	c.Printf("  Target Type: \n")
	if p.iface != "" {
		c.Printf("   Interface: %s, Direction: %s\n", p.iface, dir)
	}
	c.Printf("   Status : %s\n", status)
	c.Printf("  Filter Details: \n")
	switch {
	case p.match != nil:
		c.Printf("   IPv4\n    %s\n", p.match.Text)
	case p.acl != 0:
		c.Printf("   Access-list: %d\n", p.acl)
	default:
		c.Printf("   Capture all packets\n")
	}
	c.Printf("  Buffer Details: \n")
	c.Printf("   Buffer Type: LINEAR (default)\n")
	c.Printf("   Buffer Size (in MB): %d\n", p.bufferMB)
	c.Printf("  Packets captured: %d\n", len(p.packets()))
}

func showBuffer(c *cli.Context, pkts []dcap.Packet, brief bool) {
	if len(pkts) == 0 {
		c.Printf("No packets in buffer\n")
		return
	}
	t0 := pkts[0].Time
	if brief {
		rule := " " + strings.Repeat("-", 77) + "\n"
		c.Printf("%s", rule)
		c.Printf(" %4s %6s %11s   %-15s    %-15s  %s\n", "#", "size", "timestamp", "source", "destination", "protocol")
		c.Printf("%s", rule)
		for i, p := range pkts {
			src, dst, proto := dcap.Endpoints(p.Data)
			c.Printf(" %4d %6d %11.6f   %-15s -> %-15s  %s\n", i, p.Length, p.Time.Sub(t0).Seconds(), src, dst, proto)
		}
		return
	}
	for i, p := range pkts {
		c.Printf("%-4d %.6f  %d bytes  %s\n", i, p.Time.Sub(t0).Seconds(), p.Length, dcap.Summary(p.Data))
		hexdump(c, p.Data)
		c.Printf("\n")
	}
}

func hexdump(c *cli.Context, b []byte) {
	for off := 0; off < len(b); off += 16 {
		end := min(off+16, len(b))
		var hx strings.Builder
		for i := off; i < end; i++ {
			fmt.Fprintf(&hx, "%02X", b[i])
			if i%4 == 3 {
				hx.WriteByte(' ')
			}
		}
		c.Printf("  %08X:  %-36s\n", off, strings.TrimSpace(hx.String()))
	}
}

// Filter is an inline `match ipv4` filter.
type Filter struct {
	Text             string
	Proto            int // 0 any, 6 tcp, 17 udp, 1 icmp
	Src, Dst         netip.Prefix
	SrcPort, DstPort int // 0 any
}

// ParseFilter parses `[protocol tcp|udp|icmp|N] SRC [eq PORT] DST [eq PORT]`
// where SRC and DST are any, host A.B.C.D or A.B.C.D/nn.
func ParseFilter(s string) (*Filter, error) {
	w := strings.Fields(s)
	f := &Filter{Text: strings.Join(w, " ")}
	i := 0
	if i < len(w) && w[i] == "protocol" {
		if i+1 >= len(w) {
			return nil, errors.New("protocol")
		}
		switch w[i+1] {
		case "tcp":
			f.Proto = 6
		case "udp":
			f.Proto = 17
		case "icmp":
			f.Proto = 1
		default:
			n, err := strconv.Atoi(w[i+1])
			if err != nil || n < 0 || n > 255 {
				return nil, errors.New("protocol")
			}
			f.Proto = n
		}
		i += 2
	}
	addr := func() (netip.Prefix, int, error) {
		if i >= len(w) {
			return netip.Prefix{}, 0, errors.New("missing address")
		}
		var p netip.Prefix
		switch {
		case w[i] == "any":
			p = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			i++
		case w[i] == "host" && i+1 < len(w):
			a, err := netip.ParseAddr(w[i+1])
			if err != nil || !a.Is4() {
				return p, 0, errors.New("host")
			}
			p = netip.PrefixFrom(a, 32)
			i += 2
		default:
			pp, err := netip.ParsePrefix(w[i])
			if err != nil || !pp.Addr().Is4() {
				return p, 0, errors.New("prefix")
			}
			p = pp.Masked()
			i++
		}
		port := 0
		if i+1 < len(w) && w[i] == "eq" {
			n, err := strconv.Atoi(w[i+1])
			if err != nil || n < 1 || n > 65535 {
				return p, 0, errors.New("port")
			}
			port = n
			i += 2
		}
		return p, port, nil
	}
	var err error
	if f.Src, f.SrcPort, err = addr(); err != nil {
		return nil, err
	}
	if f.Dst, f.DstPort, err = addr(); err != nil {
		return nil, err
	}
	if i != len(w) {
		return nil, errors.New("trailing words")
	}
	if (f.SrcPort != 0 || f.DstPort != 0) && f.Proto != 6 && f.Proto != 17 {
		return nil, errors.New("ports need tcp or udp")
	}
	return f, nil
}

// Match reports whether an Ethernet frame passes the filter.
func (f *Filter) Match(data []byte) bool {
	ip, ok := ipv4Header(data)
	if !ok {
		return false
	}
	ihl := int(ip[0]&0x0f) * 4
	proto := int(ip[9])
	src := netip.AddrFrom4([4]byte(ip[12:16]))
	dst := netip.AddrFrom4([4]byte(ip[16:20]))
	if (f.Proto != 0 && proto != f.Proto) || !f.Src.Contains(src) || !f.Dst.Contains(dst) {
		return false
	}
	if f.SrcPort == 0 && f.DstPort == 0 {
		return true
	}
	if len(ip) < ihl+4 || ip[6]&0x1f|ip[7] != 0 { // need the ports: first fragment
		return false
	}
	sp := int(ip[ihl])<<8 | int(ip[ihl+1])
	dp := int(ip[ihl+2])<<8 | int(ip[ihl+3])
	return (f.SrcPort == 0 || sp == f.SrcPort) && (f.DstPort == 0 || dp == f.DstPort)
}

// ipv4Header returns the IPv4 packet of an Ethernet frame (with one
// optional 802.1Q tag).
func ipv4Header(data []byte) ([]byte, bool) {
	if len(data) < 14 {
		return nil, false
	}
	et, off := int(data[12])<<8|int(data[13]), 14
	if et == 0x8100 && len(data) >= 18 {
		et, off = int(data[16])<<8|int(data[17]), 18
	}
	ip := data[off:]
	if et != 0x0800 || len(ip) < 20 || ip[0]>>4 != 4 || int(ip[0]&0x0f)*4 < 20 || len(ip) < int(ip[0]&0x0f)*4 {
		return nil, false
	}
	return ip, true
}

func ipv4Src(data []byte) (netip.Addr, bool) {
	ip, ok := ipv4Header(data)
	if !ok {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte(ip[12:16])), true
}
