package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"cmeos/crypto/srtp"
)

// Ptime is the packetization interval of every leg.
const Ptime = 20 * time.Millisecond

// Config configures an Engine.
type Config struct {
	// Addr is the local address legs bind their RTP sockets to.
	Addr netip.Addr
	// MaxSessions bounds the sessions open at once (0: 256).
	MaxSessions int
	// Log receives the engine's notices (a leg's SRTP failures are counted,
	// not logged per packet). Nil discards them.
	Log *slog.Logger
}

// Engine runs transcoding sessions: one goroutine per leg reads packets,
// and one clock goroutine moves a 20 ms frame through every session's two
// directions per tick. Build it with New, start it with Run.
type Engine struct {
	cfg Config

	// mu guards sessions.
	mu       sync.Mutex
	sessions map[*Session]struct{}
	closed   bool

	tickBuf []*Session // the clock's snapshot, reused

	framesOut, framesLate atomic.Uint64
}

// ErrTooManySessions is returned when MaxSessions sessions are open.
var ErrTooManySessions = errors.New("media: no free transcoding session")

// New validates cfg and returns an engine.
func New(cfg Config) (*Engine, error) {
	if !cfg.Addr.IsValid() {
		return nil, errors.New("media: no local address")
	}
	if cfg.MaxSessions < 0 {
		return nil, fmt.Errorf("media: MaxSessions %d", cfg.MaxSessions)
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = 256
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg, sessions: map[*Session]struct{}{}}, nil
}

// Run drives the media clock until ctx ends, then closes every session.
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTicker(Ptime)
	defer t.Stop()
	next := time.Now().Add(Ptime)
	for {
		select {
		case <-ctx.Done():
			e.mu.Lock()
			e.closed = true
			all := make([]*Session, 0, len(e.sessions))
			for s := range e.sessions {
				all = append(all, s)
			}
			e.mu.Unlock()
			for _, s := range all {
				s.Close()
			}
			return nil
		case now := <-t.C:
			deadline := next.Add(Ptime)
			next = now.Add(Ptime)
			e.tick(deadline)
		}
	}
}

// tick moves one frame through every session, and counts the frames that
// left after the next tick was due (late).
func (e *Engine) tick(deadline time.Time) {
	e.mu.Lock()
	e.tickBuf = e.tickBuf[:0]
	for s := range e.sessions {
		e.tickBuf = append(e.tickBuf, s)
	}
	e.mu.Unlock()
	var out uint64
	for _, s := range e.tickBuf {
		out += uint64(s.forward(0, 1))
		out += uint64(s.forward(1, 0))
	}
	e.framesOut.Add(out)
	if time.Now().After(deadline) {
		e.framesLate.Add(out)
	}
}

// EngineStats are the engine's counters.
type EngineStats struct {
	Sessions              int
	FramesOut, FramesLate uint64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() EngineStats {
	e.mu.Lock()
	n := len(e.sessions)
	e.mu.Unlock()
	return EngineStats{Sessions: n, FramesOut: e.framesOut.Load(), FramesLate: e.framesLate.Load()}
}

// Session joins two legs; what arrives on one is sent out of the other,
// transcoded and re-keyed.
type Session struct {
	e    *Engine
	legs [2]*Leg
	once sync.Once
}

// NewSession opens a session with no legs yet.
func (e *Engine) NewSession() (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errors.New("media: engine stopped")
	}
	if len(e.sessions) >= e.cfg.MaxSessions {
		return nil, ErrTooManySessions
	}
	s := &Session{e: e}
	e.sessions[s] = struct{}{}
	return s, nil
}

// Close closes both legs and removes the session; it waits for the legs'
// receive goroutines.
func (s *Session) Close() {
	s.once.Do(func() {
		s.e.mu.Lock()
		delete(s.e.sessions, s)
		s.e.mu.Unlock()
		for i := range s.legs {
			if l := s.leg(i); l != nil {
				l.close()
			}
		}
	})
}

func (s *Session) leg(i int) *Leg {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.legs[i]
}

// Open opens leg i (0 or 1) for codec c: it binds an RTP socket (and
// RTCP on the next port) on addr (the zero Addr: the engine's address)
// and returns the address the far end must send to
// (OpenReceiveChannelAck). rx decrypts what arrives (the far end's
// transmit key; the zero Key for plain RTP).
func (s *Session) Open(i int, c Codec, rx srtp.Key, addr netip.Addr) (netip.AddrPort, error) {
	if i != 0 && i != 1 {
		return netip.AddrPort{}, fmt.Errorf("media: leg %d", i)
	}
	if !addr.IsValid() {
		addr = s.e.cfg.Addr
	}
	l, err := newLeg(addr, c, rx)
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.e.mu.Lock()
	old := s.legs[i]
	s.legs[i] = l
	s.e.mu.Unlock()
	if old != nil {
		old.close()
	}
	l.wg.Add(2)
	go l.receive()
	go l.receiveRTCP()
	return l.local, nil
}

// Start points leg i at the far end (StartMediaTransmission): frames
// coming from the other leg are sent to remote, encrypted with tx.
func (s *Session) Start(i int, remote netip.AddrPort, tx srtp.Key) error {
	l := s.leg(i)
	if l == nil {
		return fmt.Errorf("media: leg %d is not open", i)
	}
	return l.start(remote, tx)
}

// LegStats are one leg's counters (show dspfarm / sdspfarm output).
type LegStats struct {
	Codec                                  Codec
	Local, Remote                          netip.AddrPort
	Secure                                 bool
	Received, Sent, Late, Lost, Duplicate  uint64
	AuthFailures, UnexpectedSource, Errors uint64
	RTCPReceived                           uint64
}

// Stats returns leg i's counters (zero if it is not open).
func (s *Session) Stats(i int) LegStats {
	l := s.leg(i)
	if l == nil {
		return LegStats{}
	}
	return l.stats()
}

// forward moves one frame from leg in to leg out; it returns 1 if a
// packet was sent.
func (s *Session) forward(in, out int) int {
	s.e.mu.Lock()
	src, dst := s.legs[in], s.legs[out]
	s.e.mu.Unlock()
	if src == nil || dst == nil {
		return 0
	}
	src.mu.Lock()
	payload, lost := src.jb.pop()
	var pcm []int16
	switch {
	case payload != nil:
		pcm = src.dec.decode(src.pcm[:0], payload)
		src.plc = 0
	case lost:
		// Packet loss concealment: the last frame once at half level,
		// then nothing.
		if src.plc == 0 && len(src.last) > 0 {
			pcm = src.pcm[:0]
			for _, v := range src.last {
				pcm = append(pcm, v/2)
			}
		}
		src.plc++
	}
	if pcm != nil {
		src.last = append(src.last[:0], pcm...)
	}
	src.mu.Unlock()
	if pcm == nil {
		return 0
	}
	return dst.send(pcm, src.codec.SampleRate())
}

// Leg is one RTP endpoint of a session.
type Leg struct {
	codec Codec
	conn  *net.UDPConn
	rtcp  *net.UDPConn
	local netip.AddrPort
	done  chan struct{}
	wg    sync.WaitGroup

	// mu guards everything below (the receive goroutine and the clock).
	mu      sync.Mutex
	rx      *srtp.Context
	tx      *srtp.Context
	remote  netip.AddrPort
	source  netip.AddrPort // the far end's latched source address
	started bool
	jb      jitterBuffer
	dec     decoder
	enc     encoder
	up      Upsampler
	down    Downsampler
	pcm     []int16 // decoded frame
	last    []int16 // last decoded frame (loss concealment)
	plc     int
	rs      []int16 // resampled frame
	seq     uint16
	ts      uint32
	ssrc    uint32
	pkt     []byte // outgoing packet being built
	sbuf    []byte // protected outgoing packet

	sent, authFail, unexpected, errs, rtcpIn uint64
}

func newLeg(addr netip.Addr, c Codec, rx srtp.Key) (*Leg, error) {
	dec, err := newDecoder(c)
	if err != nil {
		return nil, err
	}
	enc, err := newEncoder(c)
	if err != nil {
		return nil, err
	}
	l := &Leg{codec: c, dec: dec, enc: enc, done: make(chan struct{}),
		pcm: make([]int16, 0, 2*maxPayload), last: make([]int16, 0, 2*maxPayload),
		rs: make([]int16, 0, 4*maxPayload), pkt: make([]byte, 0, 12+maxPayload+32),
		sbuf: make([]byte, 0, 12+maxPayload+32)}
	l.jb.depth = 2
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	l.ssrc = binary.BigEndian.Uint32(rnd[:4])
	l.seq = binary.BigEndian.Uint16(rnd[4:])
	if rx.Enabled() {
		if l.rx, err = srtp.NewContext(rx); err != nil {
			return nil, err
		}
	}
	if err := l.bind(addr); err != nil {
		return nil, err
	}
	return l, nil
}

// bind opens the leg's RTP/RTCP socket pair.
func (l *Leg) bind(addr netip.Addr) error {
	var err error
	l.conn, l.rtcp, l.local, err = bindPair(addr)
	return err
}

// bindPair opens an RTP socket on an even port and RTCP on the port above
// (RFC 3550 §11), retrying a few times when the pair is not free.
func bindPair(addr netip.Addr) (rtp, rtcp *net.UDPConn, local netip.AddrPort, err error) {
	for try := 0; try < 16; try++ {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
		if err != nil {
			return nil, nil, netip.AddrPort{}, fmt.Errorf("media: rtp socket: %w", err)
		}
		p := c.LocalAddr().(*net.UDPAddr).AddrPort().Port()
		if p%2 != 0 || p == 65535 {
			c.Close()
			continue
		}
		r, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, p+1)))
		if err != nil {
			c.Close()
			continue
		}
		return c, r, netip.AddrPortFrom(addr, p), nil
	}
	return nil, nil, netip.AddrPort{}, errors.New("media: no free RTP/RTCP port pair")
}

func (l *Leg) start(remote netip.AddrPort, tx srtp.Key) error {
	var ctx *srtp.Context
	if tx.Enabled() {
		var err error
		if ctx, err = srtp.NewContext(tx); err != nil {
			return err
		}
	}
	l.mu.Lock()
	l.remote, l.tx, l.started = remote, ctx, true
	l.mu.Unlock()
	return nil
}

func (l *Leg) close() {
	select {
	case <-l.done:
		return
	default:
	}
	close(l.done)
	l.conn.Close()
	l.rtcp.Close()
	l.wg.Wait()
}

// receive reads RTP until the leg closes.
func (l *Leg) receive() {
	defer l.wg.Done()
	buf := make([]byte, 1500)
	plain := make([]byte, 0, 1500)
	for {
		n, from, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			l.mu.Lock()
			l.errs++
			l.mu.Unlock()
			continue
		}
		l.packet(buf[:n], from, plain)
	}
}

// packet handles one received datagram.
func (l *Leg) packet(b []byte, from netip.AddrPort, plain []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started {
		// Media comes from the far end's address; its source port is
		// latched on the first packet (phones send from the port they
		// receive on, but that is not promised), and others are dropped.
		if from.Addr().Unmap() != l.remote.Addr().Unmap() || (l.source.IsValid() && from != l.source) {
			l.unexpected++
			return
		}
	}
	if len(b) < 12 || b[0]>>6 != 2 {
		l.errs++
		return
	}
	if l.rx != nil {
		p, err := l.rx.Unprotect(plain[:0], b)
		if err != nil {
			l.authFail++
			return
		}
		b = p
	}
	hdr := 12 + 4*int(b[0]&0x0F)
	if b[0]&0x10 != 0 { // header extension
		if len(b) < hdr+4 {
			l.errs++
			return
		}
		hdr += 4 + 4*int(binary.BigEndian.Uint16(b[hdr+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > hdr { // padding
		end -= int(b[end-1])
	}
	if hdr > end {
		l.errs++
		return
	}
	if b[1]&0x7F != l.codec.PayloadType() {
		// RFC 2833 events or comfort noise: not transcoded here.
		return
	}
	if l.jb.push(binary.BigEndian.Uint16(b[2:]), b[hdr:end]) && l.started && !l.source.IsValid() {
		l.source = from
	}
}

// receiveRTCP reads RTCP (SRTCP on a secure leg) and counts what
// authenticates; reports are not acted upon.
func (l *Leg) receiveRTCP() {
	defer l.wg.Done()
	readRTCP(l.rtcp, func(b, plain []byte) {
		l.mu.Lock()
		defer l.mu.Unlock()
		countRTCP(l.rx, b, plain, &l.rtcpIn, &l.authFail)
	})
}

// readRTCP reads RTCP datagrams from conn until it is closed.
func readRTCP(conn *net.UDPConn, got func(b, plain []byte)) {
	buf := make([]byte, 1500)
	plain := make([]byte, 0, 1500)
	for {
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		got(buf[:n], plain)
	}
}

// countRTCP counts one RTCP datagram: in when it is RTCP (and, with rx,
// authenticates as SRTCP), authFail when it does not authenticate.
func countRTCP(rx *srtp.Context, b, plain []byte, in, authFail *uint64) {
	if len(b) < 8 || b[0]>>6 != 2 {
		return
	}
	if rx != nil {
		if _, err := rx.UnprotectRTCP(plain[:0], b); err != nil {
			*authFail++
			return
		}
	}
	*in++
}

// send encodes pcm (at rate Hz) for this leg and sends it to the far end.
func (l *Leg) send(pcm []int16, rate int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		return 0
	}
	switch want := l.codec.SampleRate(); {
	case rate == want:
	case rate == 8000 && want == 16000:
		pcm = l.up.Upsample(l.rs[:0], pcm)
	case rate == 16000 && want == 8000:
		pcm = l.down.Downsample(l.rs[:0], pcm)
	default:
		return 0
	}
	p := l.pkt[:12]
	p[0], p[1] = 0x80, l.codec.PayloadType()
	binary.BigEndian.PutUint16(p[2:], l.seq)
	binary.BigEndian.PutUint32(p[4:], l.ts)
	binary.BigEndian.PutUint32(p[8:], l.ssrc)
	p = l.enc.encode(p, pcm)
	l.seq++
	l.ts += uint32(len(p) - 12) // an 8 kHz clock: one tick per payload byte for all three codecs
	if l.tx != nil {
		var err error
		if p, err = l.tx.Protect(l.sbuf[:0], p); err != nil {
			l.errs++
			return 0
		}
	}
	if _, err := l.conn.WriteToUDPAddrPort(p, l.remote); err != nil {
		l.errs++
		return 0
	}
	l.sent++
	return 1
}

func (l *Leg) stats() LegStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LegStats{Codec: l.codec, Local: l.local, Remote: l.remote, Secure: l.rx != nil || l.tx != nil,
		Received: l.jb.received, Sent: l.sent, Late: l.jb.late, Lost: l.jb.lost, Duplicate: l.jb.duplicate,
		AuthFailures: l.authFail, UnexpectedSource: l.unexpected, Errors: l.errs, RTCPReceived: l.rtcpIn}
}
