package sccp

import (
	"encoding/binary"
	"net/netip"
)

// pcapWriter builds a classic pcap file of raw IPv4 TCP segments (link type
// 101), enough for tshark to reassemble and dissect Skinny streams.
type pcapWriter struct {
	b   []byte
	seq map[uint16]uint32 // next sequence number per source port
	ts  uint32
}

func newPcap() *pcapWriter {
	w := &pcapWriter{seq: map[uint16]uint32{}}
	w.b = binary.LittleEndian.AppendUint32(w.b, 0xa1b2c3d4)
	w.b = binary.LittleEndian.AppendUint16(w.b, 2)
	w.b = binary.LittleEndian.AppendUint16(w.b, 4)
	w.b = binary.LittleEndian.AppendUint32(w.b, 0) // thiszone
	w.b = binary.LittleEndian.AppendUint32(w.b, 0) // sigfigs
	w.b = binary.LittleEndian.AppendUint32(w.b, 65535)
	w.b = binary.LittleEndian.AppendUint32(w.b, 101) // LINKTYPE_RAW
	return w
}

// segment appends one TCP segment carrying payload from src to dst.
func (w *pcapWriter) segment(src, dst netip.AddrPort, payload []byte) {
	for _, p := range []uint16{src.Port(), dst.Port()} {
		if _, ok := w.seq[p]; !ok {
			w.seq[p] = 1000
		}
	}
	seq := w.seq[src.Port()]
	w.seq[src.Port()] = seq + uint32(len(payload))
	pkt := make([]byte, 40, 40+len(payload))
	pkt[0] = 0x45
	binary.BigEndian.PutUint16(pkt[2:], uint16(40+len(payload)))
	pkt[8] = 64
	pkt[9] = 6
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(pkt[12:], s4[:])
	copy(pkt[16:], d4[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(pkt[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(pkt[10:], ^uint16(sum))
	tcp := pkt[20:]
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], w.seq[dst.Port()])
	tcp[12] = 5 << 4
	tcp[13] = 0x18 // PSH, ACK
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	pkt = append(pkt, payload...)
	w.ts++
	w.b = binary.LittleEndian.AppendUint32(w.b, w.ts)
	w.b = binary.LittleEndian.AppendUint32(w.b, 0)
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(pkt)))
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(pkt)))
	w.b = append(w.b, pkt...)
}
