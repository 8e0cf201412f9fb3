package interfaces

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"cmeos/drivers/netif"
	"cmeos/ios/cli"
)

// status is what show commands print for an interface: administrative and
// line protocol state, from the link when the board has one.
type status struct {
	line, proto string
	st          netif.State
}

func (f *Interfaces) status(ifc *Interface, d *netif.Driver) status {
	s := status{line: "up", proto: "up"}
	if d != nil {
		if ln := f.linuxName(ifc.Name); ln != "" {
			s.st = d.Get(ln)
			if !s.st.Exists {
				s.line, s.proto = "down", "down"
			} else if !s.st.OperUp {
				s.proto = "down"
				if !s.st.AdminUp {
					s.line = "down"
				}
			}
		}
	}
	if ifc.Shutdown {
		s.line, s.proto = "administratively down", "down"
	}
	return s
}

// sorted returns the configured interfaces plus the board's unconfigured
// mapped ones, in IOS order (lock held).
func (f *Interfaces) sorted() []*Interface {
	all := map[string]*Interface{}
	for n, i := range f.byName {
		all[n] = i
	}
	for n := range f.board.Interfaces {
		if all[n] == nil {
			all[n] = &Interface{Name: n}
		}
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return lessIf(names[i], names[j]) })
	out := make([]*Interface, len(names))
	for i, n := range names {
		out[i] = all[n]
	}
	return out
}

func registerShow(f *Interfaces) {
	t := f.sys.Tree
	h := map[string]string{"show": "Show running system information", "ip": "IP information",
		"interface": "IP interface status and configuration", "brief": "Brief summary of IP status and configuration",
		"interfaces": "Interface status and configuration", "type": "Interface type and number", "unit": "Interface number"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ip interface brief", Help: h, Priv: cli.PrivUser, Pipe: true, Run: func(c *cli.Context) error {
		d, _ := f.optDriver()
		c.Printf("%-26s %-15s %-3s %-6s %-21s %s\n", "Interface", "IP-Address", "OK?", "Method", "Status", "Protocol")
		for _, ifc := range f.sorted() {
			s := f.status(ifc, d)
			addr, method := "unassigned", "unset"
			if len(ifc.Addresses) > 0 {
				addr, method = ifc.Addresses[0].IP.String(), ifc.Method
			} else if ifc.NoIPAddress {
				method = "manual"
			}
			c.Printf("%-26s %-15s %-3s %-6s %-21s %s\n", ifc.Name, addr, "YES", method, s.line, s.proto)
		}
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show interfaces [ type:WORD [ unit:WORD ] ]", Help: h, Priv: cli.PrivUser, Pipe: true, Run: func(c *cli.Context) error {
		d, _ := f.optDriver()
		list := f.sorted()
		if c.Has("type") {
			name, err := CanonicalName(c.String("type"), c.String("unit"))
			if err != nil || !f.exists(name) {
				return c.InvalidInput("type")
			}
			var one []*Interface
			for _, i := range list {
				if i.Name == name {
					one = append(one, i)
				}
			}
			if len(one) == 0 {
				one = []*Interface{{Name: name}}
			}
			list = one
		}
		for _, ifc := range list {
			showInterface(c, ifc, f.status(ifc, d))
		}
		return nil
	}})
}

// optDriver returns the driver on mapped boards, nil otherwise.
func (f *Interfaces) optDriver() (*netif.Driver, error) {
	if !f.mapped() {
		return nil, nil
	}
	return f.driver()
}

func showInterface(c *cli.Context, ifc *Interface, s status) {
	c.Printf("%s is %s, line protocol is %s \n", ifc.Name, s.line, s.proto)
	hw := "Hardware is " + hardware(ifc.Name)
	if mac := s.st.MAC; len(mac) == 6 {
		m := fmt.Sprintf("%02x%02x.%02x%02x.%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
		hw += ", address is " + m + " (bia " + m + ")"
	}
	c.Printf("  %s\n", hw)
	if ifc.Description != "" {
		c.Printf("  Description: %s\n", ifc.Description)
	}
	for i, a := range ifc.Addresses {
		bits, _ := MaskBits(a.Mask)
		if i == 0 {
			c.Printf("  Internet address is %s\n", netip.PrefixFrom(a.IP, bits))
		} else {
			c.Printf("  Secondary address %s\n", netip.PrefixFrom(a.IP, bits))
		}
	}
	mtu := ifc.MTU
	if s.st.Exists {
		mtu = s.st.MTU
	}
	if mtu == 0 {
		mtu = 1500
		if strings.HasPrefix(ifc.Name, "Loopback") {
			mtu = 1514
		}
	}
	bw, dly := "1000000", "10"
	if strings.HasPrefix(ifc.Name, "Loopback") {
		bw, dly = "8000000", "5000"
	}
	c.Printf("  MTU %d bytes, BW %s Kbit/sec, DLY %s usec, \n", mtu, bw, dly)
	c.Printf("     reliability 255/255, txload 1/255, rxload 1/255\n")
	switch {
	case ifc.Dot1Q != 0:
		c.Printf("  Encapsulation 802.1Q Virtual LAN, Vlan ID  %d.\n", ifc.Dot1Q)
	case strings.HasPrefix(ifc.Name, "Loopback"):
		c.Printf("  Encapsulation LOOPBACK, loopback not set\n")
	case ifc.Encap != "":
		c.Printf("  Encapsulation %s, loopback not set\n", strings.ToUpper(ifc.Encap))
	default:
		c.Printf("  Encapsulation ARPA, loopback not set\n")
	}
	st := s.st.Stats
	c.Printf("     %d packets input, %d bytes, 0 no buffer\n", st.RxPackets, st.RxBytes)
	c.Printf("     %d input errors, 0 CRC, 0 frame, %d overrun, %d ignored\n", st.RxErrors, st.RxOverErrors, st.RxDropped)
	c.Printf("     %d packets output, %d bytes, 0 underruns\n", st.TxPackets, st.TxBytes)
	c.Printf("     %d output errors, %d collisions, 0 interface resets\n", st.TxErrors, st.Collisions)
}

func hardware(name string) string {
	switch {
	case strings.HasPrefix(name, "Loopback"):
		return "Loopback"
	case strings.HasPrefix(name, "GigabitEthernet"):
		return "iGbE"
	case strings.HasPrefix(name, "FastEthernet"), strings.HasPrefix(name, "Ethernet"):
		return "Fast Ethernet"
	}
	return strings.TrimRight(name, "0123456789/.:")
}
