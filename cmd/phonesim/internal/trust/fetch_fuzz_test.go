package trust

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// FuzzFetch is the simulator's TFTP client (issue 15 item 13): a server
// on a real socket on 127.0.0.1 answers the read request with the fuzz
// input as its first packet (from a new port, as TFTP servers do). No
// answer panics the client or makes it hang.
func FuzzFetch(f *testing.F) {
	f.Add([]byte("\x00\x03\x00\x01hello"))                       // DATA 1, last block
	f.Add([]byte("\x00\x05\x00\x01File not found\x00"))          // ERROR
	f.Add([]byte("\x00\x06tsize\x0012\x00blksize\x00512\x00"))   // OACK
	f.Add([]byte("\x00\x06blksize\x0099999999999999999999\x00")) // OACK, absurd option
	f.Add(append([]byte("\x00\x03\x00\x01"), bytes.Repeat([]byte{'x'}, 512)...))
	f.Fuzz(func(t *testing.T, reply []byte) {
		srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			buf := make([]byte, 1500)
			srv.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, peer, err := srv.ReadFromUDP(buf)
			if err != nil {
				return
			}
			tid, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				return
			}
			defer tid.Close()
			tid.WriteToUDP(reply, peer)
			// Drain what the client sends back (ACKs, errors) without answering.
			tid.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			for {
				if _, _, err := tid.ReadFromUDP(buf); err != nil {
					return
				}
			}
		}()
		start := time.Now()
		b, err := fetch(srv.LocalAddr().String(), "CTLFile.tlv", 20*time.Millisecond, 1)
		if err == nil && len(b) > MaxFetch {
			t.Fatalf("%d bytes past MaxFetch", len(b))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("fetch took %v", d)
		}
		<-done
	})
}
