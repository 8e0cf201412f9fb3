package dhcpd

import (
	"net"
	"net/netip"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// BenchmarkDiscoverRequest measures one DORA exchange (DISCOVER, OFFER,
// REQUEST, ACK) through Handle on a /16 pool, each with a new client.
func BenchmarkDiscoverRequest(b *testing.B) {
	s, _ := New(Config{})
	p := &Pool{Name: "p", Network: netip.MustParsePrefix("10.1.0.0/16"), Lease: DefaultLease,
		Options: []Option{{Code: 150, Kind: OptIP, IPs: []netip.Addr{netip.MustParseAddr("10.1.0.1")}}}}
	s.SetPools([]*Pool{p}, nil)
	loc := []netip.Prefix{netip.MustParsePrefix("10.1.0.1/16")}
	sid := net.IPv4(10, 1, 0, 1)
	b.ReportAllocs()
	for i := range b.N {
		hw := net.HardwareAddr{2, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}
		d, _ := dhcpv4.NewDiscovery(hw)
		off, err := s.Handle(d, loc)
		if err != nil {
			s.Clear(netip.Addr{}) // pool full: start over
			continue
		}
		r, _ := dhcpv4.New(dhcpv4.WithHwAddr(hw), dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
			dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(off.YourIPAddr)), dhcpv4.WithOption(dhcpv4.OptServerIdentifier(sid)))
		if ack, _ := s.Handle(r, loc); ack == nil || ack.MessageType() != dhcpv4.MessageTypeAck {
			b.Fatal("no ACK")
		}
	}
}
