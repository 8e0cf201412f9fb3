package dhcpd

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"cmeos/ios/fs"
)

type fileStore struct{ path string }

func (f fileStore) Load() ([]byte, error) { return os.ReadFile(f.path) }
func (f fileStore) Save(b []byte) error   { return fs.WriteFileAtomic(f.path, b, 0o644) }

func testPool() *Pool {
	return &Pool{Name: "phones", Network: netip.MustParsePrefix("10.1.1.0/29"), Lease: DefaultLease,
		Routers: []netip.Addr{netip.MustParseAddr("10.1.1.1")},
		Options: []Option{{Code: 150, Kind: OptIP, IPs: []netip.Addr{netip.MustParseAddr("10.1.1.1")}}}}
}

var local = []netip.Prefix{netip.MustParsePrefix("10.1.1.1/29")}

func mac(i int) net.HardwareAddr { return net.HardwareAddr{0, 0x12, 0x43, 0, 0, byte(i)} }

func discover(t *testing.T, hw net.HardwareAddr) *dhcpv4.DHCPv4 {
	m, err := dhcpv4.NewDiscovery(hw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func request(t *testing.T, hw net.HardwareAddr, ip, sid netip.Addr) *dhcpv4.DHCPv4 {
	m, err := dhcpv4.New(dhcpv4.WithHwAddr(hw), dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip4(ip))))
	if err != nil {
		t.Fatal(err)
	}
	if sid.IsValid() {
		m.UpdateOption(dhcpv4.OptServerIdentifier(ip4(sid)))
	}
	return m
}

func TestLeaseCycleAndExhaustion(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	s, _ := New(Config{Now: func() time.Time { return now }})
	s.SetPools([]*Pool{testPool()}, []Range{{netip.MustParseAddr("10.1.1.2"), netip.MustParseAddr("10.1.1.2")}})
	sid := netip.MustParseAddr("10.1.1.1")
	// /29: hosts .1-.6; .1 is ours, .2 excluded: .3 .4 .5 .6 are given.
	var got []netip.Addr
	for i := range 4 {
		off, err := s.Handle(discover(t, mac(i)), local)
		if err != nil || off.MessageType() != dhcpv4.MessageTypeOffer {
			t.Fatalf("client %d: no offer (%v)", i, err)
		}
		ip, _ := netip.AddrFromSlice(off.YourIPAddr.To4())
		if got150 := off.GetOneOption(dhcpv4.GenericOptionCode(150)); !bytes.Equal(got150, []byte{10, 1, 1, 1}) {
			t.Fatalf("option 150 = %v", got150)
		}
		ack, _ := s.Handle(request(t, mac(i), ip, sid), local)
		if ack == nil || ack.MessageType() != dhcpv4.MessageTypeAck {
			t.Fatalf("client %d: no ACK for %s", i, ip)
		}
		got = append(got, ip)
	}
	want := []string{"10.1.1.3", "10.1.1.4", "10.1.1.5", "10.1.1.6"}
	for i, w := range want {
		if got[i].String() != w {
			t.Fatalf("addresses %v, want %v", got, want)
		}
	}
	// Exhausted: a new client gets no offer; asking for a taken address is NAKed.
	if r, err := s.Handle(discover(t, mac(9)), local); r != nil || err != ErrNoReply {
		t.Fatalf("offer from an exhausted pool: %v", r)
	}
	r, _ := s.Handle(request(t, mac(9), got[0], sid), local)
	if r == nil || r.MessageType() != dhcpv4.MessageTypeNak {
		t.Fatalf("REQUEST of a taken address: %v", r)
	}
	// Another server's identifier: silence.
	if r, _ := s.Handle(request(t, mac(9), got[0], netip.MustParseAddr("10.9.9.9")), local); r != nil {
		t.Fatal("answered a REQUEST for another server")
	}
	// Renewal by the owner keeps the address; a flood of MACs does not crash.
	if r, _ := s.Handle(request(t, mac(1), got[1], sid), local); r == nil || r.MessageType() != dhcpv4.MessageTypeAck {
		t.Fatal("renewal refused")
	}
	for i := range 2000 {
		s.Handle(discover(t, net.HardwareAddr{2, 0, 0, 0, byte(i >> 8), byte(i)}), local)
	}
	if st := s.Stats(); st.Exhausted < 2000 || st.Sent[dhcpv4.MessageTypeNak] != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Release frees the address; decline records a conflict.
	rel, _ := dhcpv4.New(dhcpv4.WithHwAddr(mac(0)), dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease), dhcpv4.WithClientIP(ip4(got[0])))
	s.Handle(rel, local)
	dec := request(t, mac(1), got[1], sid)
	dec.UpdateOption(dhcpv4.OptMessageType(dhcpv4.MessageTypeDecline))
	s.Handle(dec, local)
	if n := len(s.Bindings()); n != 2 {
		t.Fatalf("%d bindings after release and decline, want 2", n)
	}
	if c := s.Conflicts(); len(c) != 1 || c[0].IP != got[1] {
		t.Fatalf("conflicts %v", c)
	}
	// A request on a subnet without a pool is ignored.
	if r, _ := s.Handle(discover(t, mac(5)), []netip.Prefix{netip.MustParsePrefix("192.168.5.1/24")}); r != nil {
		t.Fatal("answered on an interface outside every pool")
	}
	// Expiry: a day later the leases are gone.
	now = now.Add(25 * time.Hour)
	if n := len(s.Bindings()); n != 0 {
		t.Fatalf("%d bindings after expiry", n)
	}
}

func TestManualBinding(t *testing.T) {
	s, _ := New(Config{})
	host := &Pool{Name: "phone1", Host: netip.MustParsePrefix("10.1.1.5/29"), ClientID: append([]byte{1}, mac(7)...), Lease: DefaultLease}
	s.SetPools([]*Pool{testPool(), host}, nil)
	off, _ := s.Handle(discover(t, mac(7)), local)
	if off == nil || off.YourIPAddr.String() != "10.1.1.5" {
		t.Fatalf("manual binding offer: %v", off)
	}
	if got := off.GetOneOption(dhcpv4.GenericOptionCode(150)); !bytes.Equal(got, []byte{10, 1, 1, 1}) {
		t.Fatalf("manual binding does not inherit option 150: %v", got)
	}
	// Nobody else gets the manual address.
	off2, _ := s.Handle(discover(t, mac(8)), local)
	if off2 == nil || off2.YourIPAddr.String() == "10.1.1.5" {
		t.Fatalf("other client offered %v", off2)
	}
}

func TestPersistence(t *testing.T) {
	st := fileStore{filepath.Join(t.TempDir(), "db")}
	s, _ := New(Config{Store: st, SaveInterval: time.Hour})
	s.SetPools([]*Pool{testPool()}, nil)
	sid := netip.MustParseAddr("10.1.1.1")
	for i := range 3 {
		off, _ := s.Handle(discover(t, mac(i)), local)
		ip, _ := netip.AddrFromSlice(off.YourIPAddr.To4())
		s.Handle(request(t, mac(i), ip, sid), local)
	}
	// Bounded write rate: the first change is written at once, the others
	// wait for the interval (an hour here) or for Flush.
	b, _ := os.ReadFile(st.path)
	if n := len(ParseDatabase(b)); n != 1 {
		t.Fatalf("database has %d bindings before the interval, want 1 (bounded write rate)", n)
	}
	s.Flush()
	s2, _ := New(Config{Store: st})
	s2.SetPools([]*Pool{testPool()}, nil)
	if got := len(s2.Bindings()); got != 3 {
		t.Fatalf("%d bindings after restart, want 3", got)
	}
	// The client gets its old address back.
	off, _ := s2.Handle(discover(t, mac(2)), local)
	if off.YourIPAddr.String() != s.Bindings()[2].IP.String() {
		t.Fatalf("after restart offered %s, want %s", off.YourIPAddr, s.Bindings()[2].IP)
	}
}

func TestListenerSurvivesMalformed(t *testing.T) {
	s, _ := New(Config{})
	s.SetPools([]*Pool{testPool()}, nil)
	l, err := s.Listen("", 0)
	if err != nil {
		t.Fatal(err)
	}
	l.LocalPrefixes = func(int) []netip.Prefix { return local }
	go l.Serve()
	defer func() { l.Close(); l.Wait() }()
	c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: l.Addr().(*net.UDPAddr).Port})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	good := discover(t, mac(1)).ToBytes()
	bad := [][]byte{{}, {1}, bytes.Repeat([]byte{0xff}, 300), append(append([]byte{}, good[:240]...), 53, 200, 1),
		bytes.Repeat([]byte{1}, 4000), append(append([]byte{}, good...), bytes.Repeat([]byte{0}, 2000)...)}
	for _, p := range bad {
		c.Write(p)
	}
	c.Write(good)
	for i := 0; s.Stats().Received[dhcpv4.MessageTypeDiscover] == 0; i++ {
		if i > 500 {
			t.Fatalf("server stopped after malformed packets: %+v", s.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := s.Stats(); st.Malformed < 3 || st.Sent[dhcpv4.MessageTypeOffer] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func FuzzHandle(f *testing.F) {
	d, _ := dhcpv4.NewDiscovery(mac(1))
	f.Add(d.ToBytes())
	r, _ := dhcpv4.New(dhcpv4.WithHwAddr(mac(1)), dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(net.IPv4(10, 1, 1, 3))), dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 2})))
	f.Add(r.ToBytes())
	f.Add([]byte{1, 1, 6, 0})
	s, _ := New(Config{})
	host := &Pool{Name: "h", Host: netip.MustParsePrefix("10.1.1.5/29"), HWAddr: mac(7), Lease: DefaultLease}
	s.SetPools([]*Pool{testPool(), host}, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dhcpv4.FromBytes(b)
		if err != nil {
			return
		}
		resp, err := s.Handle(m, local)
		if err == nil && resp != nil {
			if _, err := dhcpv4.FromBytes(resp.ToBytes()); err != nil {
				t.Fatalf("reply does not parse: %v", err)
			}
		}
	})
}

func FuzzParseDatabase(f *testing.F) {
	f.Add(MarshalDatabase([]Binding{{IP: netip.MustParseAddr("10.1.1.3"), ClientID: []byte{1, 2, 3}, HWAddr: mac(1), Pool: "p", Expires: time.Unix(1800000000, 0)}}))
	f.Add([]byte("10.1.1.3 zz 00 p 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		bs := ParseDatabase(b)
		var flat []Binding
		for _, x := range bs {
			flat = append(flat, *x)
		}
		again := ParseDatabase(MarshalDatabase(flat))
		if len(again) != len(bs) {
			t.Fatalf("round trip lost bindings: %d -> %d", len(bs), len(again))
		}
	})
}

func FuzzParseDottedHex(f *testing.F) {
	for _, s := range []string{"0100.1243.02a7.cc", "01", ".01", "0g", "0102.", "0102..03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, ok := ParseDottedHex(s)
		if !ok {
			return
		}
		if b2, ok := ParseDottedHex(DottedHex(b)); !ok || !bytes.Equal(b, b2) {
			t.Fatalf("%q -> %x -> %q does not round trip", s, b, DottedHex(b))
		}
	})
}
