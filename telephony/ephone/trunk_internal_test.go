package ephone

import (
	"net"
	"testing"
	"time"
)

// TestSIPConnLimits: a SIP TCP connection that sends nothing is closed
// after sipFirstRead; connections beyond the per-source cap are closed
// at once, and a slot comes back when one closes.
func TestSIPConnLimits(t *testing.T) {
	old := sipFirstRead
	sipFirstRead = 200 * time.Millisecond
	defer func() { sipFirstRead = old }()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newLimitListener(inner)
	defer ln.Close()
	accepted := make(chan net.Conn, 2*maxSIPTLSPerSource)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
			go func() { // the SIP reader
				buf := make([]byte, 100)
				for {
					if _, err := c.Read(buf); err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	var clients []net.Conn
	for range maxSIPTLSPerSource + 1 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	// The one beyond the cap is closed by the listener at once; the
	// others, silent, when their first-read time is up.
	for i, c := range clients {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("client %d: read data", i)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("client %d: still open after 5 s", i)
		}
	}
	if n := len(accepted); n != maxSIPTLSPerSource {
		t.Errorf("%d connections accepted, want %d", n, maxSIPTLSPerSource)
	}
	// All slots are free again: a new connection is accepted.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ln.mu.Lock()
		total := ln.total
		ln.mu.Unlock()
		if total == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d slots still held", total)
		}
	}
}
