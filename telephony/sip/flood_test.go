package sip

import (
	"net"
	"testing"
	"time"
)

// TestFloodGuard: a source gets its burst, then its rate; another source
// is not held back by the first; what is dropped is counted.
func TestFloodGuard(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	g := newFloodGuard(conn, false)
	clock := time.Unix(1000, 0)
	g.now = func() time.Time { return clock }
	send := func(from string, n int) {
		c, err := net.ListenPacket("udp", from+":0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for i := 0; i < n; i++ {
			c.WriteTo([]byte("OPTIONS sip:x SIP/2.0\r\n\r\n"), conn.LocalAddr())
		}
	}
	read := func() int {
		n := 0
		buf := make([]byte, 1500)
		for {
			conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if _, _, err := g.ReadFrom(buf); err != nil {
				return n
			}
			n++
		}
	}
	send("127.0.0.1", perSourceBurst+50)
	if got := read(); got != perSourceBurst {
		t.Errorf("first burst: %d datagrams through, want %d", got, perSourceBurst)
	}
	if d := g.dropped.Load(); d != 50 {
		t.Errorf("%d dropped, want 50", d)
	}
	send("127.0.0.2", 5) // another peer is not held back
	if got := read(); got != 5 {
		t.Errorf("second source: %d through, want 5", got)
	}
	clock = clock.Add(time.Second) // one second of refill
	send("127.0.0.1", perSourceRate+20)
	if got := read(); got != perSourceRate {
		t.Errorf("after a second: %d through, want %d", got, perSourceRate)
	}
}
