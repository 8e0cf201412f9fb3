package tftpd

import (
	"fmt"
	"testing"
)

// BenchmarkTransfer downloads a 4 MiB file over loopback with the raw test
// client at the two block sizes phones use (512 and 1428 bytes).
func BenchmarkTransfer(b *testing.B) {
	data := randomBytes(4 << 20)
	tab := NewTable(nil)
	tab.Publish("image.bin", data)
	s, err := New(Config{Files: tab})
	if err != nil {
		b.Fatal(err)
	}
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, blk := range []int{512, 1428} {
		b.Run(fmt.Sprintf("blksize=%d", blk), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				c := newRaw(b, addr)
				c.send(rq(1, "image.bin", "blksize", fmt.Sprint(blk)))
				if got := fetchRaw(b, c); len(got) != len(data) {
					b.Fatalf("got %d bytes", len(got))
				}
				c.conn.Close()
			}
		})
	}
}
