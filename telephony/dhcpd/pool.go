package dhcpd

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// OptionKind is how an `option N` line gives its value.
type OptionKind int

// Kinds of `option` values.
const (
	OptIP OptionKind = iota
	OptASCII
	OptHex
)

// Option is one `option N ...` line of a pool.
type Option struct {
	Code  int
	Kind  OptionKind
	IPs   []netip.Addr
	Text  string // ascii
	Bytes []byte // hex
}

// Value returns the option's wire value.
func (o Option) Value() []byte {
	switch o.Kind {
	case OptIP:
		var b []byte
		for _, a := range o.IPs {
			v := a.As4()
			b = append(b, v[:]...)
		}
		return b
	case OptASCII:
		return []byte(o.Text)
	}
	return o.Bytes
}

// Line renders the option as IOS shows it.
func (o Option) Line() string {
	switch o.Kind {
	case OptIP:
		return fmt.Sprintf("option %d ip %s", o.Code, joinAddrs(o.IPs))
	case OptASCII:
		return fmt.Sprintf("option %d ascii %s", o.Code, o.Text)
	}
	return fmt.Sprintf("option %d hex %s", o.Code, DottedHex(o.Bytes))
}

// DottedHex renders bytes as IOS does: groups of four hex digits separated
// by dots ("0100.1243.02a7.cc").
func DottedHex(b []byte) string {
	h := hex.EncodeToString(b)
	var parts []string
	for len(h) > 4 {
		parts = append(parts, h[:4])
		h = h[4:]
	}
	parts = append(parts, h)
	return strings.Join(parts, ".")
}

// ParseDottedHex accepts hex digits with optional dots ("0100.1243.02a7.cc",
// "01001243a7cc"); an odd number of digits is refused.
func ParseDottedHex(s string) ([]byte, bool) {
	h := strings.ReplaceAll(s, ".", "")
	if h == "" || len(h)%2 != 0 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return nil, false
	}
	b, err := hex.DecodeString(h)
	return b, err == nil
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, " ")
}

// Lease is a pool's lease time; Infinite overrides the duration.
type Lease struct {
	Days, Hours, Minutes int
	Infinite             bool
}

// DefaultLease is IOS's default: one day.
var DefaultLease = Lease{Days: 1}

// Duration returns the lease length (0 for infinite).
func (l Lease) Duration() time.Duration {
	if l.Infinite {
		return 0
	}
	return time.Duration(l.Days)*24*time.Hour + time.Duration(l.Hours)*time.Hour + time.Duration(l.Minutes)*time.Minute
}

// Pool is one `ip dhcp pool NAME` block.
type Pool struct {
	Name       string
	Network    netip.Prefix // automatic pool ("network"), or the invalid prefix
	Host       netip.Prefix // manual binding ("host"), or the invalid prefix
	ClientID   []byte       // "client-identifier" of a manual binding
	HWAddr     []byte       // "hardware-address" of a manual binding
	Routers    []netip.Addr
	DNS        []netip.Addr
	DomainName string
	Options    []Option // by code, in the order typed
	Lease      Lease
}

// SetOption adds or replaces an option.
func (p *Pool) SetOption(o Option) {
	for i := range p.Options {
		if p.Options[i].Code == o.Code {
			p.Options[i] = o
			return
		}
	}
	p.Options = append(p.Options, o)
}

// RemoveOption deletes an option.
func (p *Pool) RemoveOption(code int) {
	var keep []Option
	for _, o := range p.Options {
		if o.Code != code {
			keep = append(keep, o)
		}
	}
	p.Options = keep
}

// Clone returns a deep copy (the server keeps its own copies).
func (p *Pool) Clone() *Pool {
	c := *p
	c.ClientID = append([]byte(nil), p.ClientID...)
	c.HWAddr = append([]byte(nil), p.HWAddr...)
	c.Routers = append([]netip.Addr(nil), p.Routers...)
	c.DNS = append([]netip.Addr(nil), p.DNS...)
	c.Options = nil
	for _, o := range p.Options {
		o.IPs = append([]netip.Addr(nil), o.IPs...)
		o.Bytes = append([]byte(nil), o.Bytes...)
		c.Options = append(c.Options, o)
	}
	return &c
}

// Manual reports whether the pool is a manual (host) binding.
func (p *Pool) Manual() bool { return p.Host.IsValid() }

// Lines renders the pool's sub-mode lines in IOS order.
func (p *Pool) Lines() []string {
	var out []string
	if p.Network.IsValid() {
		out = append(out, "network "+p.Network.Addr().String()+" "+MaskString(p.Network.Bits()))
	}
	if p.Host.IsValid() {
		out = append(out, "host "+p.Host.Addr().String()+" "+MaskString(p.Host.Bits()))
	}
	if len(p.ClientID) > 0 {
		out = append(out, "client-identifier "+DottedHex(p.ClientID))
	}
	if len(p.HWAddr) > 0 {
		out = append(out, "hardware-address "+macDotted(p.HWAddr))
	}
	if p.DomainName != "" {
		out = append(out, "domain-name "+p.DomainName)
	}
	if len(p.DNS) > 0 {
		out = append(out, "dns-server "+joinAddrs(p.DNS))
	}
	if len(p.Routers) > 0 {
		out = append(out, "default-router "+joinAddrs(p.Routers))
	}
	for _, o := range p.Options {
		out = append(out, o.Line())
	}
	switch {
	case p.Lease.Infinite:
		out = append(out, "lease infinite")
	case p.Lease != DefaultLease:
		s := fmt.Sprintf("lease %d", p.Lease.Days)
		if p.Lease.Hours != 0 || p.Lease.Minutes != 0 {
			s += fmt.Sprintf(" %d", p.Lease.Hours)
		}
		if p.Lease.Minutes != 0 {
			s += fmt.Sprintf(" %d", p.Lease.Minutes)
		}
		out = append(out, s)
	}
	return out
}

// macDotted renders a hardware address as IOS does (0012.4302.a7cc).
func macDotted(b []byte) string {
	h := hex.EncodeToString(b)
	if len(h) != 12 {
		return DottedHex(b)
	}
	return h[0:4] + "." + h[4:8] + "." + h[8:12]
}

// MaskString renders a prefix length as a dotted mask.
func MaskString(bits int) string {
	var m uint32
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// Range is an `ip dhcp excluded-address` line.
type Range struct{ Low, High netip.Addr }

// Contains reports whether a is in the range.
func (r Range) Contains(a netip.Addr) bool {
	return r.Low.Compare(a) <= 0 && a.Compare(r.High) <= 0
}
