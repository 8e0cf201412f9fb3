package media

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"cmeos/crypto/srtp"
)

// Relay joins two RTP endpoints that speak the same codec: a packet that
// arrives on one leg is decrypted with that leg's receive key and sent out
// of the other, encrypted with that leg's transmit key (IOS's media
// flow-through for a SIP trunk: the phone's SRTP keys on one side, the
// trunk's SDES keys on the other). Packets are forwarded as they come
// (no clock, no jitter buffer, no decoding); RFC 4733 events pass
// through, and SendEvent adds the box's own. Each leg sends with its own
// SSRC and sequence numbers, so that the two SRTP contexts never see one
// stream's packets under another's index.
type Relay struct {
	legs [2]*relayLeg
	wg   sync.WaitGroup
	once sync.Once
}

type relayLeg struct {
	conn  *net.UDPConn
	rtcp  *net.UDPConn
	local netip.AddrPort

	mu      sync.Mutex
	rx, tx  *srtp.Context
	rxKey   srtp.Key // kept for show sip-ua calls
	txKey   srtp.Key
	remote  netip.AddrPort
	source  netip.AddrPort // latched first source
	started bool
	ssrc    uint32
	seq     uint16
	tsOff   uint32 // added to forwarded timestamps
	lastTS  uint32 // last timestamp sent
	pt      uint8  // last audio payload type sent
	sbuf    []byte

	received, sent, authFail, unexpected, errs, rtcpIn, notStarted uint64
}

// NewRelay binds both legs' RTP/RTCP socket pairs on addr.
func NewRelay(addr netip.Addr) (*Relay, error) {
	r := &Relay{}
	for i := range r.legs {
		l := &relayLeg{sbuf: make([]byte, 0, 1500)}
		conn, rtcp, local, err := bindPair(addr)
		if err != nil {
			r.closeSockets()
			return nil, err
		}
		l.conn, l.rtcp, l.local = conn, rtcp, local
		var rnd [10]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			conn.Close()
			rtcp.Close()
			r.closeSockets()
			return nil, err
		}
		l.ssrc = binary.BigEndian.Uint32(rnd[:4])
		l.seq = binary.BigEndian.Uint16(rnd[4:])
		l.tsOff = binary.BigEndian.Uint32(rnd[6:])
		r.legs[i] = l
	}
	for i := range r.legs {
		r.wg.Add(2)
		go r.receive(i)
		go r.receiveRTCP(i)
	}
	return r, nil
}

func (r *Relay) closeSockets() {
	for _, l := range r.legs {
		if l != nil {
			l.conn.Close()
			l.rtcp.Close()
		}
	}
}

// Close closes both legs and waits for their goroutines.
func (r *Relay) Close() {
	r.once.Do(func() {
		r.closeSockets()
		r.wg.Wait()
	})
}

// Local is leg i's RTP address (what its far end sends to).
func (r *Relay) Local(i int) netip.AddrPort { return r.legs[i&1].local }

// Start points leg i at its far end: what arrives from remote is
// decrypted with rx (the far end's transmit key), what leaves toward it
// is encrypted with tx (zero Keys: RTP). Start may be called again (a
// re-INVITE's new address or keys).
func (r *Relay) Start(i int, remote netip.AddrPort, rx, tx srtp.Key) error {
	if i != 0 && i != 1 {
		return fmt.Errorf("media: relay leg %d", i)
	}
	var rc, tc *srtp.Context
	var err error
	if rx.Enabled() {
		if rc, err = srtp.NewContext(rx); err != nil {
			return err
		}
	}
	if tx.Enabled() {
		if tc, err = srtp.NewContext(tx); err != nil {
			return err
		}
	}
	l := r.legs[i]
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.remote != remote {
		l.source = netip.AddrPort{}
	}
	l.remote, l.rx, l.tx, l.rxKey, l.txKey, l.started = remote, rc, tc, rx, tx, true
	return nil
}

// Keys are leg i's receive and transmit keys (show sip-ua calls).
func (r *Relay) Keys(i int) (rx, tx srtp.Key) {
	l := r.legs[i&1]
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rxKey, l.txKey
}

// Stats are leg i's counters: Received counts what arrived on it,
// Sent what left it.
func (r *Relay) Stats(i int) LegStats {
	l := r.legs[i&1]
	l.mu.Lock()
	defer l.mu.Unlock()
	return LegStats{Local: l.local, Remote: l.remote, Secure: l.rx != nil || l.tx != nil,
		Received: l.received, Sent: l.sent, AuthFailures: l.authFail, UnexpectedSource: l.unexpected,
		Errors: l.errs, RTCPReceived: l.rtcpIn}
}

func (r *Relay) receive(i int) {
	defer r.wg.Done()
	in, out := r.legs[i], r.legs[1-i]
	buf := make([]byte, 1500)
	plain := make([]byte, 0, 1500)
	for {
		n, from, err := in.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			in.mu.Lock()
			in.errs++
			in.mu.Unlock()
			continue
		}
		p, ok := in.accept(buf[:n], from, plain)
		if ok {
			out.forward(p)
		}
	}
}

// accept checks and decrypts one packet that arrived on l.
func (l *relayLeg) accept(b []byte, from netip.AddrPort, plain []byte) ([]byte, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		l.notStarted++
		return nil, false
	}
	if from.Addr().Unmap() != l.remote.Addr().Unmap() || (l.source.IsValid() && from != l.source) {
		l.unexpected++
		return nil, false
	}
	if len(b) < 12 || b[0]>>6 != 2 {
		l.errs++
		return nil, false
	}
	if l.rx != nil {
		p, err := l.rx.Unprotect(plain[:0], b)
		if err != nil {
			l.authFail++
			return nil, false
		}
		b = p
	}
	if !l.source.IsValid() {
		l.source = from
	}
	l.received++
	return b, true
}

// forward sends a plain packet from the other leg out of l, renumbered
// into l's own stream and encrypted with l's key.
func (l *relayLeg) forward(p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		return
	}
	binary.BigEndian.PutUint16(p[2:], l.seq)
	l.seq++
	ts := binary.BigEndian.Uint32(p[4:]) + l.tsOff
	binary.BigEndian.PutUint32(p[4:], ts)
	binary.BigEndian.PutUint32(p[8:], l.ssrc)
	if pt := p[1] & 0x7F; pt < 96 {
		l.pt = pt
	}
	l.lastTS = ts
	l.send(p)
}

// send encrypts and sends one packet (l.mu held).
func (l *relayLeg) send(p []byte) {
	if l.tx != nil {
		var err error
		if p, err = l.tx.Protect(l.sbuf[:0], p); err != nil {
			l.errs++
			return
		}
	}
	if _, err := l.conn.WriteToUDPAddrPort(p, l.remote); err != nil {
		l.errs++
		return
	}
	l.sent++
}

// SendEvent sends an RFC 4733 telephone-event (event 0-9 digits, 10 *,
// 11 #, 12-15 A-D) of 100 ms out of leg i with payload type pt: three
// packets with the same timestamp, the last two with the end bit, as
// RFC 4733 §2.5.1.4 asks for redundancy of the end.
func (r *Relay) SendEvent(i int, event uint8, pt uint8) error {
	l := r.legs[i&1]
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		return errors.New("media: relay leg not started")
	}
	ts := l.lastTS + 160
	const duration = 800 // 100 ms at 8 kHz
	for k, d := range []uint16{duration, duration, duration} {
		p := make([]byte, 16)
		p[0], p[1] = 0x80, pt&0x7F
		if k == 0 {
			p[1] |= 0x80 // marker on the event's first packet
		}
		binary.BigEndian.PutUint16(p[2:], l.seq)
		l.seq++
		binary.BigEndian.PutUint32(p[4:], ts)
		binary.BigEndian.PutUint32(p[8:], l.ssrc)
		p[12] = event
		p[13] = 10 // volume -10 dBm0
		if k > 0 {
			p[13] |= 0x80 // end
		}
		binary.BigEndian.PutUint16(p[14:], d)
		l.send(p)
	}
	l.lastTS = ts
	return nil
}

// receiveRTCP counts RTCP that authenticates on leg i; reports are not
// forwarded (each side's statistics are its own).
func (r *Relay) receiveRTCP(i int) {
	defer r.wg.Done()
	l := r.legs[i]
	readRTCP(l.rtcp, func(b, plain []byte) {
		l.mu.Lock()
		defer l.mu.Unlock()
		countRTCP(l.rx, b, plain, &l.rtcpIn, &l.authFail)
	})
}
