package media

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/srtp/v3"
)

// MaxAudio bounds the received audio a Stream keeps (60 s at 8 kHz).
const MaxAudio = 60 * 8000

// Stats are a stream's figures.
type Stats struct {
	Codec     string `json:"codec,omitempty"`
	Local     string `json:"local"`
	Remote    string `json:"remote,omitempty"`
	TxPackets int    `json:"tx_packets"`
	RxPackets int    `json:"rx_packets"`
	Lost      int    `json:"lost"`
	Late      int    `json:"late"` // arrived after a later sequence number
	Bad       int    `json:"bad"`  // not RTP, or an undecodable payload
	// AuthFailures counts SRTP packets that failed authentication or
	// replay checks (dropped).
	AuthFailures int      `json:"srtp_auth_failures,omitempty"`
	Freq         float64  `json:"freq_hz"`
	SNR          float64  `json:"snr_db"`
	RxKey        KeyBlock `json:"rx_key"`
	TxKey        KeyBlock `json:"tx_key"`
	Error        string   `json:"error,omitempty"`
}

// Stream is one media leg of a call: a UDP socket that receives RTP (opened
// on OpenReceiveChannel) and, once StartMediaTransmission names the far
// end, sends RTP from the same socket, a tone or silence every packet
// interval.
type Stream struct {
	conn *net.UDPConn
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex // guards everything below
	rxCodec Codec
	rxSRTP  *srtp.Context // nil: clear RTP
	audio   []int16       // received, decoded, at most MaxAudio
	stats   Stats
	started bool // highest sequence seen is valid
	highest uint16
	txStop  chan struct{}
	tone    Tone
}

// Listen opens a receive port on ip (port chosen by the system).
func Listen(ip netip.Addr) (*Stream, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return nil, err
	}
	s := &Stream{conn: c, done: make(chan struct{})}
	s.stats.Local = c.LocalAddr().String()
	s.wg.Add(1)
	go s.receive()
	return s, nil
}

// Port is the local RTP port.
func (s *Stream) Port() uint16 { return uint16(s.conn.LocalAddr().(*net.UDPAddr).Port) }

// SetReceive sets the codec expected from the far end and its key block.
// A key block the phone cannot use is recorded as the stream's error and
// everything received is then dropped as unauthenticated.
func (s *Stream) SetReceive(c Codec, key KeyBlock) {
	ctx, err := key.context()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rxCodec = c
	s.rxSRTP = ctx
	if err != nil {
		s.stats.Error = err.Error()
		s.rxSRTP = refuseAll
	}
	s.stats.RxKey = key
	if c != nil {
		s.stats.Codec = c.Name()
	}
}

// SetTone sets what the stream sends: a sine of freq Hz, or silence (0).
func (s *Stream) SetTone(freq float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tone.Freq = freq
}

// StartTransmit starts sending RTP (SRTP when key has an algorithm) to
// remote with codec c, one packet per packetMs milliseconds (20 when 0).
// A second call restarts it. A key block the phone cannot use stops
// nothing but sends nothing either: it is the stream's error.
func (s *Stream) StartTransmit(remote netip.AddrPort, c Codec, packetMs int, key KeyBlock) {
	s.StopTransmit()
	tx, err := key.context()
	if err != nil {
		s.SetError(err)
		return
	}
	if packetMs <= 0 || packetMs > 120 {
		packetMs = 20
	}
	s.mu.Lock()
	stop := make(chan struct{})
	s.txStop = stop
	s.stats.Remote = remote.String()
	s.stats.TxKey = key
	s.stats.Codec = c.Name()
	s.mu.Unlock()
	s.wg.Add(1)
	go s.transmit(remote, c, packetMs, stop, tx)
}

// StopTransmit stops sending.
func (s *Stream) StopTransmit() {
	s.mu.Lock()
	stop := s.txStop
	s.txStop = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
	}
}

// Close stops the stream and releases its socket.
func (s *Stream) Close() {
	s.StopTransmit()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.conn.Close()
	s.wg.Wait()
}

func (s *Stream) transmit(remote netip.AddrPort, c Codec, packetMs int, stop chan struct{}, tx *srtp.Context) {
	defer s.wg.Done()
	samples := c.SampleRate() * packetMs / 1000
	pcm := make([]int16, samples)
	var hdr [12]byte
	var r [8]byte
	rand.Read(r[:])
	seq, ts, ssrc := binary.BigEndian.Uint16(r[0:]), binary.BigEndian.Uint32(r[2:]), binary.BigEndian.Uint32(r[4:])
	hdr[0] = 0x80 // version 2, no padding, extension or CSRC
	// Packets are paced by the wall clock, not by ticks: on a loaded
	// machine a late wake-up sends the packets that fell due (up to
	// half a second of them), so the stream keeps its rate as a phone's
	// DSP does.
	interval := time.Duration(packetMs) * time.Millisecond
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	first := true
	buf := make([]byte, 0, 12+samples)
	var enc []byte
	sent := int64(0)
	for {
		select {
		case <-stop:
			return
		case <-s.done:
			return
		case <-timer.C:
		}
		due := int64(time.Since(start)/interval) + 1
		if due-sent > int64(500*time.Millisecond/interval) {
			skip := due - sent - int64(500*time.Millisecond/interval)
			sent += skip
			seq += uint16(skip)
			ts += uint32(skip) * uint32(samples)
		}
		for ; sent < due; sent++ {
			s.mu.Lock()
			s.tone.Fill(pcm)
			s.mu.Unlock()
			hdr[1] = c.PayloadType()
			if first {
				hdr[1] |= 0x80 // marker on the first packet of a talkspurt
				first = false
			}
			binary.BigEndian.PutUint16(hdr[2:], seq)
			binary.BigEndian.PutUint32(hdr[4:], ts)
			binary.BigEndian.PutUint32(hdr[8:], ssrc)
			buf = c.Encode(append(buf[:0], hdr[:]...), pcm)
			out := buf
			if tx != nil {
				var err error
				if enc, err = tx.EncryptRTP(enc[:0], buf, nil); err != nil {
					continue
				}
				out = enc
			}
			if _, err := s.conn.WriteToUDPAddrPort(out, remote); err == nil {
				s.mu.Lock()
				s.stats.TxPackets++
				s.mu.Unlock()
			}
			seq++
			ts += uint32(samples)
		}
		timer.Reset(time.Until(start.Add(time.Duration(due) * interval)))
	}
}

// refuseAll stands for a receive key block the phone could not use.
var refuseAll = new(srtp.Context)

// ErrNotRTP reports a datagram that is not RTP version 2.
var ErrNotRTP = errors.New("media: not an RTP packet")

// ParseRTP returns the payload type, sequence number and payload of an
// RTP packet (RFC 3550 §5.1: CSRCs, extension and padding skipped).
func ParseRTP(b []byte) (pt uint8, seq uint16, payload []byte, err error) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return 0, 0, nil, ErrNotRTP
	}
	off := 12 + 4*int(b[0]&0x0F)
	if b[0]&0x10 != 0 {
		if len(b) < off+4 {
			return 0, 0, nil, ErrNotRTP
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > 0 {
		end -= int(b[end-1])
	}
	if off > end {
		return 0, 0, nil, ErrNotRTP
	}
	return b[1] & 0x7F, binary.BigEndian.Uint16(b[2:]), b[off:end], nil
}

func (s *Stream) receive() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	var pcm []int16
	var clear []byte
	for {
		n, _, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		pkt := buf[:n]
		s.mu.Lock()
		rx := s.rxSRTP
		s.mu.Unlock()
		if rx != nil {
			if rx == refuseAll {
				err = ErrKeyBlock
			} else {
				clear, err = rx.DecryptRTP(clear[:0], pkt, nil)
			}
			if err != nil {
				s.mu.Lock()
				s.stats.AuthFailures++
				s.mu.Unlock()
				continue
			}
			pkt = clear
		}
		pt, seq, payload, err := ParseRTP(pkt)
		s.mu.Lock()
		c := s.rxCodec
		switch {
		case err != nil:
			s.stats.Bad++
		case pt == 0:
			c = Ulaw{}
		case pt == 8:
			c = Alaw{}
		}
		if err != nil || c == nil {
			if err == nil {
				s.stats.Bad++
			}
			s.mu.Unlock()
			continue
		}
		s.stats.RxPackets++
		s.sequence(seq)
		pcm = c.Decode(pcm[:0], payload)
		s.audio = append(s.audio, pcm...)
		if over := len(s.audio) - MaxAudio; over > 0 {
			s.audio = append(s.audio[:0], s.audio[over:]...)
		}
		s.mu.Unlock()
	}
}

// sequence counts losses and late packets; s.mu is held.
func (s *Stream) sequence(seq uint16) {
	if !s.started {
		s.started, s.highest = true, seq
		return
	}
	d := int16(seq - s.highest)
	switch {
	case d > 0:
		s.stats.Lost += int(d) - 1
		s.highest = seq
	case d < 0:
		s.stats.Late++
		if s.stats.Lost > 0 {
			s.stats.Lost-- // it was counted lost when the gap opened
		}
	}
}

// Recent returns a copy of the last d of received audio (less if less
// arrived).
func (s *Stream) Recent(d time.Duration) []int16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(len(s.audio), int(d.Seconds()*8000))
	return append([]int16(nil), s.audio[len(s.audio)-n:]...)
}

// Stats returns the stream's figures; Freq and SNR come from the
// strongest half-second window of everything received.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	st := s.stats
	audio := append([]int16(nil), s.audio...)
	s.mu.Unlock()
	const win = 4096
	best := Analysis{SNR: -1000}
	for off := 0; off+win <= len(audio); off += win {
		a := Analyse(audio[off:off+win], 8000)
		if a.Level > -60 && a.SNR > best.SNR {
			best = a
		}
	}
	if best.SNR > -1000 {
		st.Freq, st.SNR = round(best.Freq, 1), round(best.SNR, 1)
	}
	return st
}

// SetError records why the stream could not do its job (e.g. an
// unsupported codec).
func (s *Stream) SetError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Error = err.Error()
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5*sign(v))) / p
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// Packets returns the packet counters and whether the stream transmits,
// without analysing the audio.
func (s *Stream) Packets() (tx, rx int, transmitting bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.TxPackets, s.stats.RxPackets, s.txStop != nil
}
