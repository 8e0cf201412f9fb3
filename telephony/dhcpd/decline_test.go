package dhcpd

import (
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

func decline(t *testing.T, hw net.HardwareAddr, ip, sid netip.Addr) *dhcpv4.DHCPv4 {
	m := request(t, hw, ip, sid)
	m.UpdateOption(dhcpv4.OptMessageType(dhcpv4.MessageTypeDecline))
	return m
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestDeclineFlood is issue 15 item 5: each DECLINE added a conflict entry
// (duplicates too) and a log line; 845k of them took the box from 20 to
// 139 MB. Now only the client holding the lease may decline its address,
// there is one conflict per address, and the log is rate-limited: one
// million DECLINEs, from strangers for every address of the pool and from
// the holder again and again, leave the heap within 1 MiB of where it was
// (measured after GC), one conflict, and at most a burst of log lines.
func TestDeclineFlood(t *testing.T) {
	const n = 1_000_000
	if testing.Short() {
		t.Skip("one million DECLINEs")
	}
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	var lines atomic.Int64
	s, _ := New(Config{Now: func() time.Time { return now }, Logf: func(int, string, string, ...any) { lines.Add(1) }})
	pool := testPool()
	pool.Network = netip.MustParsePrefix("10.1.0.0/22")
	s.SetPools([]*Pool{pool}, nil)
	lan := []netip.Prefix{netip.MustParsePrefix("10.1.0.1/22")}
	sid := netip.MustParseAddr("10.1.0.1")

	// One real client holds a lease.
	off, _ := s.Handle(discover(t, mac(1)), lan)
	held, _ := netip.AddrFromSlice(off.YourIPAddr.To4())
	if ack, _ := s.Handle(request(t, mac(1), held, sid), lan); ack == nil || ack.MessageType() != dhcpv4.MessageTypeAck {
		t.Fatal("no lease")
	}
	// Strangers decline every address of the pool; the holder declines its own.
	var msgs []*dhcpv4.DHCPv4
	for i := range 1020 {
		ip := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		msgs = append(msgs, decline(t, net.HardwareAddr{2, 0, 0, 0, byte(i >> 8), byte(i)}, ip, sid))
	}
	msgs = append(msgs, decline(t, mac(1), held, sid))
	before := heap()
	start := time.Now()
	for i := range n {
		s.Handle(msgs[i%len(msgs)], lan)
	}
	elapsed := time.Since(start)
	after := heap()
	growth := int64(after) - int64(before)
	t.Logf("%d DECLINEs in %v; heap %d -> %d bytes (%+d); %d log lines", n, elapsed, before, after, growth, lines.Load())
	if growth > 1<<20 {
		t.Errorf("heap grew by %d bytes over %d DECLINEs (bound 1 MiB)", growth, n)
	}
	if c := s.Conflicts(); len(c) != 1 || c[0].IP != held {
		t.Errorf("conflicts %v, want only the holder's %s", c, held)
	}
	if l := lines.Load(); l > 2 {
		t.Errorf("%d log lines for one conflict", l)
	}
	// The declined address is not offered again; others still are.
	off, _ = s.Handle(discover(t, mac(2)), lan)
	if off == nil || off.YourIPAddr.String() == held.String() {
		t.Fatalf("offer after the flood: %v", off)
	}
}
