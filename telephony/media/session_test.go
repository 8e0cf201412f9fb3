package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/zaf/g711"

	"cmeos/crypto/srtp"
)

// endpoint is a test phone's media side: a UDP socket that sends a tone
// in codec c, 20 ms per packet, and collects what it receives.
type endpoint struct {
	t      *testing.T
	conn   *net.UDPConn
	codec  Codec
	tx, rx *srtp.Context
	seq    uint16
	n      int // samples sent so far
}

func newEndpoint(t *testing.T, c Codec, tx, rx srtp.Key) *endpoint {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e := &endpoint{t: t, conn: conn, codec: c}
	if tx.Enabled() {
		e.tx, _ = srtp.NewContext(tx)
	}
	if rx.Enabled() {
		e.rx, _ = srtp.NewContext(rx)
	}
	return e
}

func (e *endpoint) addr() netip.AddrPort { return e.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// sendTone sends frames packets of a freq Hz tone to to.
func (e *endpoint) sendTone(to netip.AddrPort, freq float64, frames int, enc encoder) {
	pcm := make([]int16, e.codec.FrameSamples())
	tick := time.NewTicker(Ptime) // a phone's media clock
	defer tick.Stop()
	for i := 0; i < frames; i++ {
		Tone(pcm, e.codec.SampleRate(), freq, 8000, e.n)
		e.n += len(pcm)
		p := make([]byte, 12, 200)
		p[0], p[1] = 0x80, e.codec.PayloadType()
		binary.BigEndian.PutUint16(p[2:], e.seq)
		binary.BigEndian.PutUint32(p[4:], uint32(i*TimestampStep))
		binary.BigEndian.PutUint32(p[8:], 0x5150)
		e.seq++
		p = enc.encode(p, pcm)
		if e.tx != nil {
			p, _ = e.tx.Protect(nil, p)
		}
		e.conn.WriteToUDPAddrPort(p, to)
		<-tick.C
	}
}

// collect receives for d and returns the decoded audio and the raw
// packets as they were on the wire.
func (e *endpoint) collect(d time.Duration, dec decoder) (pcm []int16, wire [][]byte) {
	e.conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1500)
	for {
		n, _, err := e.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		p := append([]byte(nil), buf[:n]...)
		wire = append(wire, p)
		if e.rx != nil {
			if p, err = e.rx.Unprotect(nil, p); err != nil {
				e.t.Errorf("unprotect: %v", err)
				continue
			}
		}
		if p[1]&0x7F != e.codec.PayloadType() {
			e.t.Errorf("payload type %d, want %d", p[1]&0x7F, e.codec.PayloadType())
		}
		pcm = dec.decode(pcm, p[12:])
	}
}

func newEngine(t *testing.T, max int) *Engine {
	e, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), MaxSessions: max})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithCancel(t)
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// TestSecureTranscode: phone A speaks G.711 µ-law with its own SRTP keys,
// phone B G.722 with other keys; a 1 kHz tone from each reaches the other
// transcoded and re-keyed, and no packet on the wire carries the tone in
// the clear.
func TestSecureTranscode(t *testing.T) {
	base := runtime.NumGoroutine()
	e := newEngine(t, 4)
	key := func() srtp.Key { k, _ := srtp.NewKey(srtp.AESCM128HMACSHA1_80); return k }
	aTx, aRx, bTx, bRx := key(), key(), key(), key()
	a := newEndpoint(t, G711Ulaw, aTx, aRx)
	b := newEndpoint(t, G722, bTx, bRx)

	s, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	la, err := s.Open(0, G711Ulaw, aTx, netip.Addr{}) // the farm decrypts what A sends
	if err != nil {
		t.Fatal(err)
	}
	lb, err := s.Open(1, G722, bTx, netip.Addr{})
	if err != nil {
		t.Fatal(err)
	}
	if la.Port()%2 != 0 || lb.Port()%2 != 0 {
		t.Errorf("RTP ports %v %v not even", la, lb)
	}
	s.Start(0, a.addr(), aRx) // what A receives, encrypted with A's receive key
	s.Start(1, b.addr(), bRx)

	type result struct {
		pcm  []int16
		wire [][]byte
	}
	gotB, gotA := make(chan result), make(chan result)
	go func() { p, w := b.collect(3*time.Second, g722dec{NewG722Decoder()}); gotB <- result{p, w} }()
	go func() { p, w := a.collect(3*time.Second, g711dec{}); gotA <- result{p, w} }()
	go a.sendTone(la, 1000, 100, g711enc{})
	go b.sendTone(lb, 1000, 100, g722enc{NewG722Encoder()})
	rb, ra := <-gotB, <-gotA

	for name, r := range map[string]struct {
		res  result
		rate int
	}{"A->B (u-law to G.722)": {rb, 16000}, "B->A (G.722 to u-law)": {ra, 8000}} {
		if len(r.res.pcm) < r.rate {
			t.Fatalf("%s: only %d samples arrived", name, len(r.res.pcm))
		}
		amp, snr := WindowedToneSNR(r.res.pcm[r.rate/5:], r.rate, 1000)
		t.Logf("%s: %d packets, tone amplitude %.0f, SNR %.1f dB", name, len(r.res.wire), amp, snr)
		// Each codec alone keeps this tone above 40 dB (TestG722Tones);
		// through both codecs and a resampler it stays above 30 dB, while
		// a broken stage (wrong rate or codec, wrong key, dropped frames)
		// falls below 20 dB.
		if snr < 30 {
			t.Errorf("%s: SNR %.1f dB", name, snr)
		}
		// The tone's clear payload never appears on the wire.
		clear := g711.EncodeUlaw(pcmBytes(tonePCM(8000, 160)))
		for _, w := range r.res.wire {
			if bytes.Contains(w, clear[40:72]) {
				t.Fatalf("%s: clear audio on the wire", name)
			}
		}
	}
	st := s.Stats(0)
	if st.Received < 90 || st.AuthFailures != 0 || !st.Secure {
		t.Errorf("leg A stats %+v", st)
	}

	// Tampered, replayed and foreign packets are counted and dropped.
	p := make([]byte, 172)
	p[0], p[1] = 0x80, 0
	a.conn.WriteToUDPAddrPort(p, la)
	stranger := newEndpoint(t, G711Ulaw, srtp.Key{}, srtp.Key{})
	stranger.conn.WriteToUDPAddrPort(p, la)
	time.Sleep(100 * time.Millisecond)
	st = s.Stats(0)
	if st.AuthFailures == 0 || st.UnexpectedSource == 0 {
		t.Errorf("bad packets not counted: %+v", st)
	}

	s.Close()
	if n := e.Stats().Sessions; n != 0 {
		t.Errorf("%d sessions after close", n)
	}
	waitGoroutines(t, base+2) // the engine's clock and the test's collectors are gone or going
}

func TestSessionLimitsAndG729(t *testing.T) {
	e := newEngine(t, 1)
	s, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.NewSession(); err != ErrTooManySessions {
		t.Errorf("second session: %v", err)
	}
	if _, err := s.Open(0, G729, srtp.Key{}, netip.Addr{}); err != ErrG729 {
		t.Errorf("G.729 leg: %v", err)
	}
	s.Close()
	if _, err := e.NewSession(); err != nil {
		t.Errorf("session after close: %v", err)
	}
}

func TestJitterBufferReorders(t *testing.T) {
	var j jitterBuffer
	j.depth = 2
	for _, seq := range []uint16{65534, 0, 65535, 2, 1} { // wraps and reorders
		j.push(seq, []byte{byte(seq)})
	}
	var got []byte
	for i := 0; i < 5; i++ {
		if p, _ := j.pop(); p != nil {
			got = append(got, p[0])
		}
	}
	if want := []byte{254, 255, 0, 1, 2}; !bytes.Equal(got, want) {
		t.Errorf("played %v, want %v", got, want)
	}
	if j.push(1, []byte{1}) || j.late != 1 {
		t.Error("late packet accepted")
	}
}

func FuzzLegPacket(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff})
	f.Add([]byte{0xbf, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		l := &Leg{codec: G711Ulaw, dec: g711dec{}}
		l.jb.depth = 1
		l.packet(b, netip.AddrPort{}, make([]byte, 0, 1500))
		l.mu.Lock()
		l.jb.pop()
		l.mu.Unlock()
	})
}

func tonePCM(rate, n int) []int16 {
	p := make([]int16, n)
	Tone(p, rate, 1000, 8000, 0)
	return p
}

func pcmBytes(p []int16) []byte {
	b := make([]byte, 2*len(p))
	for i, v := range p {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func waitGoroutines(t *testing.T, max int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if runtime.NumGoroutine() <= max {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%d goroutines, want at most %d", runtime.NumGoroutine(), max)
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
