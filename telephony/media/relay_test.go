package media

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"cmeos/crypto/srtp"
)

func udpEnd(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func rtp(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	p := make([]byte, 12, 12+len(payload))
	p[0], p[1] = 0x80, pt
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], ts)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	return append(p, payload...)
}

func readPacket(t *testing.T, c *net.UDPConn, rx *srtp.Context) []byte {
	t.Helper()
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := c.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if rx == nil {
		return append([]byte(nil), buf[:n]...)
	}
	p, err := rx.Unprotect(nil, buf[:n])
	if err != nil {
		t.Fatalf("unprotect: %v", err)
	}
	return p
}

func newKey(t *testing.T) srtp.Key {
	k, err := srtp.NewKey(srtp.Default)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ctx(t *testing.T, k srtp.Key) *srtp.Context {
	c, err := srtp.NewContext(k)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRelay: SRTP from the phone side comes out of the trunk side under
// the trunk's key with the same payload and the relay's own SSRC; RTP
// from the trunk side reaches the phone side encrypted under its key; a
// packet from a stranger and one that does not authenticate are dropped
// and counted; a telephone-event goes out in RFC 4733 form.
func TestRelay(t *testing.T) {
	r, err := NewRelay(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	phone, far, stranger := udpEnd(t), udpEnd(t), udpEnd(t)
	phoneTx, phoneRx, farTx, farRx := newKey(t), newKey(t), newKey(t), newKey(t)
	if err := r.Start(0, addrOf(phone), phoneTx, phoneRx); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(1, addrOf(far), farTx, farRx); err != nil {
		t.Fatal(err)
	}
	pc, fc := ctx(t, phoneTx), ctx(t, farTx)
	payload := bytes.Repeat([]byte{0xd5}, 160)
	for seq := uint16(0); seq < 3; seq++ {
		p, _ := pc.Protect(nil, rtp(0, 100+seq, 1000+160*uint32(seq), 0x1234, payload))
		phone.WriteToUDPAddrPort(p, r.Local(0))
	}
	frx := ctx(t, farRx)
	var ssrc uint32
	for i := 0; i < 3; i++ {
		got := readPacket(t, far, frx)
		if !bytes.Equal(got[12:], payload) || got[1] != 0 {
			t.Fatalf("far end got %x", got[:16])
		}
		if ssrc = binary.BigEndian.Uint32(got[8:]); ssrc == 0x1234 {
			t.Error("the relay forwarded the phone's SSRC")
		}
	}
	// The far end sends; the phone decrypts under its receive key.
	p, _ := fc.Protect(nil, rtp(0, 7, 9, 0x9999, []byte("hello from far")))
	far.WriteToUDPAddrPort(p, r.Local(1))
	if got := readPacket(t, phone, ctx(t, phoneRx)); string(got[12:]) != "hello from far" {
		t.Fatalf("phone got %q", got[12:])
	}
	// A stranger, and a forgery from the far end's address, go nowhere.
	p, _ = ctx(t, farTx).Protect(nil, rtp(0, 8, 10, 0x9999, []byte("stranger")))
	stranger.WriteToUDPAddrPort(p, r.Local(1))
	forged := rtp(0, 9, 11, 0x9999, bytes.Repeat([]byte{1}, 30))
	far.WriteToUDPAddrPort(forged, r.Local(1))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s := r.Stats(1); s.UnexpectedSource == 1 && s.AuthFailures == 1 {
			break
		}
	}
	if s := r.Stats(1); s.UnexpectedSource != 1 || s.AuthFailures != 1 || s.Received != 1 || s.Sent != 3 {
		t.Errorf("trunk leg stats %+v", s)
	}
	phone.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := phone.ReadFromUDP(make([]byte, 1500)); err == nil {
		t.Errorf("a dropped packet reached the phone (%d bytes)", n)
	}
	// DTMF 5 toward the far end: three event packets, same timestamp,
	// marker on the first, end bit on the last two.
	if err := r.SendEvent(1, 5, 101); err != nil {
		t.Fatal(err)
	}
	var ts uint32
	for i := 0; i < 3; i++ {
		ev := readPacket(t, far, frx)
		if ev[1]&0x7F != 101 || ev[12] != 5 || (ev[1]&0x80 != 0) != (i == 0) || (ev[13]&0x80 != 0) != (i > 0) ||
			binary.BigEndian.Uint32(ev[8:]) != ssrc {
			t.Fatalf("event packet %d: %x", i, ev)
		}
		if i == 0 {
			ts = binary.BigEndian.Uint32(ev[4:])
		} else if binary.BigEndian.Uint32(ev[4:]) != ts {
			t.Fatalf("event packets' timestamps differ")
		}
	}
	if rx, tx := r.Keys(1); rx.Inline() != farTx.Inline() || tx.Inline() != farRx.Inline() {
		t.Error("Keys does not report the trunk leg's keys")
	}
}

// TestRelayNotStarted: what arrives before a leg is started is dropped,
// and Close returns with nothing running.
func TestRelayNotStarted(t *testing.T) {
	r, err := NewRelay(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	c := udpEnd(t)
	c.WriteToUDPAddrPort(rtp(0, 1, 1, 1, make([]byte, 160)), r.Local(0))
	time.Sleep(20 * time.Millisecond)
	if s := r.Stats(0); s.Received != 0 {
		t.Errorf("stats %+v", s)
	}
	r.Close()
	r.Close()
}

// FuzzRelayPacket: whatever arrives on a leg, plain or SRTP, is dropped
// or forwarded without a panic, and a forwarded packet is a whole RTP
// header with the relay's own SSRC.
func FuzzRelayPacket(f *testing.F) {
	f.Add(rtp(0, 1, 160, 7, make([]byte, 160)), false)
	f.Add([]byte{0x80}, true)
	f.Add(rtp(101, 2, 160, 7, []byte{5, 10, 0, 160}), false)
	f.Fuzz(func(t *testing.T, b []byte, secure bool) {
		in := &relayLeg{started: true, remote: netip.MustParseAddrPort("127.0.0.1:4000")}
		out := &relayLeg{ssrc: 0xfeedface, sbuf: make([]byte, 0, 1500)}
		if secure {
			k, _ := srtp.NewKey(srtp.Default)
			c, _ := srtp.NewContext(k)
			in.rx = c
		}
		p, ok := in.accept(b, netip.MustParseAddrPort("127.0.0.1:4000"), make([]byte, 0, 1500))
		if !ok {
			return
		}
		if len(p) < 12 {
			t.Fatalf("accepted a %d-byte packet", len(p))
		}
		out.forward(p) // not started: drops it
		if out.sent != 0 || out.errs != 0 {
			t.Fatal("a leg that is not started sent")
		}
	})
}
