package provision

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
)

// OptionTFTPServers is Cisco's option 150: a list of IPv4 TFTP servers
// in order of preference (RFC 5859).
const OptionTFTPServers = 150

// DHCP runs DISCOVER/OFFER/REQUEST/ACK on iface (with the interface's
// MAC as chaddr) asking for options 150 and 66, and returns the lease:
// the TFTP servers from option 150, else option 66, else siaddr (§8).
func DHCP(ctx context.Context, iface string, timeout time.Duration) (*Lease, error) {
	return DHCPAs(ctx, iface, nil, timeout)
}

// DHCPAs is DHCP with the phone's own MAC as chaddr (nil: the
// interface's).
func DHCPAs(ctx context.Context, iface string, mac net.HardwareAddr, timeout time.Duration) (*Lease, error) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	opts := []nclient4.ClientOpt{nclient4.WithTimeout(timeout / 3), nclient4.WithRetry(3)}
	if mac != nil {
		opts = append(opts, nclient4.WithHWAddr(mac))
	}
	c, err := nclient4.New(iface, opts...)
	if err != nil {
		return nil, fmt.Errorf("provision: DHCP on %s: %w", iface, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lease, err := c.Request(ctx, dhcpv4.WithRequestedOptions(dhcpv4.GenericOptionCode(OptionTFTPServers), dhcpv4.OptionTFTPServerName,
		dhcpv4.OptionRouter, dhcpv4.OptionSubnetMask))
	if err != nil {
		return nil, fmt.Errorf("provision: DHCP on %s: %w", iface, err)
	}
	return leaseOf(lease.ACK)
}

// leaseOf reads a DHCPACK.
func leaseOf(ack *dhcpv4.DHCPv4) (*Lease, error) {
	addr, ok := netip.AddrFromSlice(ack.YourIPAddr.To4())
	if !ok || !addr.IsValid() || addr.IsUnspecified() {
		return nil, fmt.Errorf("provision: DHCPACK without an address")
	}
	bits := 32
	if m := ack.SubnetMask(); m != nil {
		bits, _ = m.Size()
	}
	l := &Lease{Addr: netip.PrefixFrom(addr, bits)}
	if r := ack.Router(); len(r) > 0 {
		l.Router, _ = netip.AddrFromSlice(r[0].To4())
	}
	l.TFTP = TFTPServers(ack.Options)
	if len(l.TFTP) == 0 && ack.ServerIPAddr != nil && !ack.ServerIPAddr.IsUnspecified() {
		l.TFTP = []string{ack.ServerIPAddr.String()}
	}
	return l, nil
}

// TFTPServers reads option 150 (a list of IPv4 addresses; a length that
// is not a multiple of 4 is ignored) or, without it, option 66 (a name).
func TFTPServers(o dhcpv4.Options) []string {
	var out []string
	if v := o.Get(dhcpv4.GenericOptionCode(OptionTFTPServers)); len(v) > 0 && len(v)%4 == 0 {
		for i := 0; i < len(v); i += 4 {
			out = append(out, netip.AddrFrom4([4]byte(v[i:i+4])).String())
		}
		return out
	}
	if v := o.Get(dhcpv4.OptionTFTPServerName); len(v) > 0 {
		name := strings.TrimRight(string(v), "\x00")
		if name != "" && !strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return []string{name}
		}
	}
	return nil
}

// ParseMAC reads 12 hex digits (dots, colons and dashes allowed).
func ParseMAC(s string) (net.HardwareAddr, error) {
	s = strings.NewReplacer(".", "", ":", "", "-", "").Replace(strings.TrimPrefix(strings.ToUpper(s), "SEP"))
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 6 {
		return nil, fmt.Errorf("provision: MAC %q is not 12 hex digits", s)
	}
	return b, nil
}
