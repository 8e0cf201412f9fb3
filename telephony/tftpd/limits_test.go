package tftpd

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// rrqFrom sends a read request for name from source address src and returns
// the socket and the opcode of the first answer (0: none within wait). A
// DATA answer is acknowledged when ack is set.
func rrqFrom(t *testing.T, src string, to *net.UDPAddr, name string, wait time.Duration, ack bool) (*net.UDPConn, uint16) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(src)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	req := append([]byte{0, 1}, name...)
	req = append(req, 0)
	req = append(req, "octet"...)
	req = append(req, 0)
	if _, err := c.WriteToUDP(req, to); err != nil {
		t.Fatal(err)
	}
	if wait == 0 {
		return c, 0
	}
	buf := make([]byte, 1024)
	c.SetReadDeadline(time.Now().Add(wait))
	n, from, err := c.ReadFromUDP(buf)
	if err != nil || n < 4 {
		return c, 0
	}
	op := binary.BigEndian.Uint16(buf)
	if op == 3 && ack {
		c.WriteToUDP([]byte{0, 4, buf[2], buf[3]}, from)
	}
	return c, op
}

// TestSlotsPerSource: 70 read requests from one address that are never
// acknowledged (issue 15 item 9) take only that source's share of the
// transfer slots, so a phone at another address is served at once, and they
// give their slots back after the first-ACK timeout rather than the whole
// retransmission schedule, so the first source is served again soon.
func TestSlotsPerSource(t *testing.T) {
	tab := NewTable(nil)
	tab.Publish("SEP0012A7CC4302.cnf.xml", randomBytes(3000)) // several blocks
	s, _, addr := startServer(t, Config{Files: tab})
	for range 70 {
		rrqFrom(t, "127.0.0.1", addr, "SEP0012A7CC4302.cnf.xml", 0, false)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().ReadRequests < 70 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := s.Stats()
	if st.Active != DefaultMaxPerSource || st.Busy != 70-DefaultMaxPerSource {
		t.Errorf("one source holds %d slots (%d refused), want %d", st.Active, st.Busy, DefaultMaxPerSource)
	}
	if _, op := rrqFrom(t, "127.0.0.2", addr, "SEP0012A7CC4302.cnf.xml", 2*time.Second, true); op != 3 {
		t.Fatalf("another phone got opcode %d, want DATA", op)
	}
	if _, op := rrqFrom(t, "127.0.0.1", addr, "SEP0012A7CC4302.cnf.xml", 2*time.Second, false); op != 5 {
		t.Errorf("the flooding source got opcode %d, want ERROR (busy)", op)
	}
	time.Sleep(DefaultFirstAckTimeout + 500*time.Millisecond)
	if _, op := rrqFrom(t, "127.0.0.1", addr, "SEP0012A7CC4302.cnf.xml", 2*time.Second, true); op != 3 {
		t.Errorf("after the first-ACK timeout the source got opcode %d, want DATA", op)
	}
}
