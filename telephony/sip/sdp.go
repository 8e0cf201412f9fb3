// Package sip is the box's SIP trunk side. This file is the session
// description part: SDP (RFC 4566) for one audio stream with offer/answer
// (RFC 3264), static and dynamic payload types (RFC 3551), RFC 4733
// telephone-events, and SDES keys (RFC 4568 `a=crypto`) for SRTP with
// the policies of `srtp`, `srtp fallback` and no srtp on a dial-peer.
// Parsing is bounded (size, lines, counts) and never trusts a length.
package sip

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"cmeos/crypto/srtp"
)

// Codec is one RTP payload format.
type Codec struct {
	PT   uint8
	Name string // encoding name as in a=rtpmap (PCMU, PCMA, G722, G729, telephone-event)
	Rate int    // clock rate
}

// Static payload types (RFC 3551) the box speaks, and telephone-event.
var (
	PCMU = Codec{0, "PCMU", 8000}
	PCMA = Codec{8, "PCMA", 8000}
	G722 = Codec{9, "G722", 8000} // RFC 3551 §4.5.2: 8000 by the historic error
	G729 = Codec{18, "G729", 8000}
)

// TelephoneEventPT is the dynamic payload type the box offers for RFC
// 4733 DTMF.
const TelephoneEventPT = 101

// Crypto is one a=crypto line.
type Crypto struct {
	Tag int
	Key srtp.Key
}

// Media is the audio part of a session description.
type Media struct {
	Addr   netip.AddrPort // c= address and m= port (port 0: stream refused)
	Secure bool           // RTP/SAVP
	Codecs []Codec        // in preference order, telephone-event excluded
	DTMF   uint8          // telephone-event payload type, 0 none
	Ptime  int            // a=ptime, 0 unset
	Dir    string         // sendrecv (default), sendonly, recvonly, inactive
	Crypto []Crypto
}

// Bounds on what Parse reads.
const (
	MaxSDP     = 16 << 10
	maxLines   = 256
	maxFormats = 32
	maxCrypto  = 8
)

// Errors of parsing and negotiation; a trunk answers 488 Not Acceptable
// Here to the negotiation ones.
var (
	ErrSDP           = errors.New("sip: malformed session description")
	ErrNoAudio       = errors.New("sip: no audio stream")
	ErrNoCommonCodec = errors.New("sip: no common codec")
	ErrSRTPRequired  = errors.New("sip: the far end offers no usable SRTP crypto and srtp is required")
	ErrSRTPOnly      = errors.New("sip: the far end offers SRTP only and srtp is off")
)

// Marshal writes the session description. sessID and version are the
// o= line's numbers; user its user name.
func (m Media) Marshal(user string, sessID, version uint64) []byte {
	var b bytes.Buffer
	ip := m.Addr.Addr()
	fam := "IP4"
	if ip.Is6() && !ip.Is4In6() {
		fam = "IP6"
	}
	fmt.Fprintf(&b, "v=0\r\no=%s %d %d IN %s %s\r\ns=SIP Call\r\nc=IN %s %s\r\nt=0 0\r\n", user, sessID, version, fam, ip.Unmap(), fam, ip.Unmap())
	proto := "RTP/AVP"
	if m.Secure {
		proto = "RTP/SAVP"
	}
	fmt.Fprintf(&b, "m=audio %d %s", m.Addr.Port(), proto)
	for _, c := range m.Codecs {
		fmt.Fprintf(&b, " %d", c.PT)
	}
	if m.DTMF != 0 {
		fmt.Fprintf(&b, " %d", m.DTMF)
	}
	b.WriteString("\r\n")
	for _, c := range m.Crypto {
		fmt.Fprintf(&b, "a=crypto:%d %s inline:%s\r\n", c.Tag, c.Key.Suite, c.Key.Inline())
	}
	for _, c := range m.Codecs {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", c.PT, c.Name, c.Rate)
	}
	if m.DTMF != 0 {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", m.DTMF, m.DTMF)
	}
	if m.Ptime != 0 {
		fmt.Fprintf(&b, "a=ptime:%d\r\n", m.Ptime)
	}
	dir := m.Dir
	if dir == "" {
		dir = "sendrecv"
	}
	b.WriteString("a=" + dir + "\r\n")
	return b.Bytes()
}

// Parse reads the first audio stream of a session description.
func Parse(sdp []byte) (Media, error) {
	if len(sdp) > MaxSDP {
		return Media{}, fmt.Errorf("%w: %d bytes", ErrSDP, len(sdp))
	}
	lines := strings.Split(strings.ReplaceAll(string(sdp), "\r\n", "\n"), "\n")
	if len(lines) > maxLines {
		return Media{}, fmt.Errorf("%w: %d lines", ErrSDP, len(lines))
	}
	var m Media
	var sessionAddr, mediaAddr netip.Addr
	inAudio, seenAudio, seenV := false, false, false
	port := -1
	var formats []int
	names := map[int]Codec{}
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" {
			continue
		}
		if len(l) < 2 || l[1] != '=' {
			return Media{}, ErrSDP
		}
		typ, val := l[0], l[2:]
		switch typ {
		case 'v':
			if val != "0" {
				return Media{}, ErrSDP
			}
			seenV = true
		case 'c':
			f := strings.Fields(val)
			if len(f) != 3 || f[0] != "IN" {
				return Media{}, ErrSDP
			}
			a, err := netip.ParseAddr(strings.Split(f[2], "/")[0])
			if err != nil {
				return Media{}, fmt.Errorf("%w: connection address", ErrSDP)
			}
			if inAudio {
				mediaAddr = a
			} else if !seenAudio {
				sessionAddr = a
			}
		case 'm':
			if seenAudio {
				inAudio = false // only the first audio stream
				continue
			}
			f := strings.Fields(val)
			if len(f) < 3 {
				return Media{}, ErrSDP
			}
			if f[0] != "audio" {
				continue
			}
			p, err := strconv.Atoi(strings.Split(f[1], "/")[0])
			if err != nil || p < 0 || p > 65535 {
				return Media{}, fmt.Errorf("%w: port", ErrSDP)
			}
			switch f[2] {
			case "RTP/AVP":
			case "RTP/SAVP":
				m.Secure = true
			default:
				return Media{}, fmt.Errorf("%w: transport %q", ErrSDP, f[2])
			}
			if len(f)-3 > maxFormats {
				return Media{}, fmt.Errorf("%w: %d formats", ErrSDP, len(f)-3)
			}
			for _, s := range f[3:] {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 || n > 127 {
					return Media{}, fmt.Errorf("%w: payload type", ErrSDP)
				}
				formats = append(formats, n)
			}
			port, inAudio, seenAudio = p, true, true
		case 'a':
			if !inAudio && seenAudio {
				continue
			}
			name, arg, _ := strings.Cut(val, ":")
			switch name {
			case "rtpmap":
				pt, enc, ok := strings.Cut(arg, " ")
				n, err := strconv.Atoi(pt)
				if !ok || err != nil || n < 0 || n > 127 {
					return Media{}, fmt.Errorf("%w: rtpmap", ErrSDP)
				}
				en, rate, _ := strings.Cut(enc, "/")
				r, _ := strconv.Atoi(strings.Split(rate, "/")[0])
				names[n] = Codec{PT: uint8(n), Name: en, Rate: r}
			case "ptime":
				if n, err := strconv.Atoi(arg); err == nil && n > 0 && n <= 200 {
					m.Ptime = n
				}
			case "sendrecv", "sendonly", "recvonly", "inactive":
				m.Dir = name
			case "crypto":
				if !inAudio || len(m.Crypto) >= maxCrypto {
					continue
				}
				if c, err := parseCrypto(arg); err == nil {
					m.Crypto = append(m.Crypto, c)
				}
				// a crypto line the box cannot use is skipped (RFC 4568
				// §6.1: the answerer picks one it supports)
			}
		}
	}
	if !seenV {
		return Media{}, ErrSDP
	}
	if !seenAudio {
		return Media{}, ErrNoAudio
	}
	addr := mediaAddr
	if !addr.IsValid() {
		addr = sessionAddr
	}
	if !addr.IsValid() {
		return Media{}, fmt.Errorf("%w: no connection address", ErrSDP)
	}
	m.Addr = netip.AddrPortFrom(addr.Unmap(), uint16(port))
	for _, pt := range formats {
		c, ok := names[pt]
		if !ok {
			switch pt {
			case 0:
				c = PCMU
			case 8:
				c = PCMA
			case 9:
				c = G722
			case 18:
				c = G729
			default:
				continue // dynamic without rtpmap: unusable
			}
		}
		if strings.EqualFold(c.Name, "telephone-event") {
			m.DTMF = c.PT
			continue
		}
		m.Codecs = append(m.Codecs, c)
	}
	return m, nil
}

// parseCrypto reads `TAG SUITE inline:KEY[|lifetime][|MKI]`.
func parseCrypto(arg string) (Crypto, error) {
	f := strings.Fields(arg)
	if len(f) < 3 {
		return Crypto{}, ErrSDP
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > 999999999 {
		return Crypto{}, ErrSDP
	}
	suite, err := srtp.ParseSuite(f[1])
	if err != nil {
		return Crypto{}, err
	}
	inline, ok := strings.CutPrefix(f[2], "inline:")
	if !ok {
		return Crypto{}, ErrSDP
	}
	key, err := srtp.ParseInline(suite, inline)
	if err != nil {
		return Crypto{}, err
	}
	return Crypto{Tag: tag, Key: key}, nil
}

// SRTPPolicy is a dial-peer's srtp setting.
type SRTPPolicy int

const (
	SRTPOff      SRTPPolicy = iota // no srtp: RTP only
	SRTPRequired                   // srtp: SRTP or no call
	SRTPFallback                   // srtp fallback: SRTP when the far end can, else RTP
)

// Offer is the box's offer: local codecs in order, telephone-event, and a
// fresh key of the default suite when the policy asks for SRTP.
func Offer(addr netip.AddrPort, codecs []Codec, policy SRTPPolicy) (Media, error) {
	m := Media{Addr: addr, Codecs: codecs, DTMF: TelephoneEventPT, Ptime: 20}
	if policy != SRTPOff {
		// Both AES-CM suites, as IOS offers them: 80-bit tags first, the
		// 32-bit ones for peers that want less overhead. `srtp fallback`
		// still offers RTP/SAVP (seed 004: the far end that refuses
		// answers in RTP and the call falls back).
		m.Secure = true
		for i, suite := range []srtp.Suite{srtp.AESCM128HMACSHA1_80, srtp.AESCM128HMACSHA1_32} {
			k, err := srtp.NewKey(suite)
			if err != nil {
				return Media{}, err
			}
			m.Crypto = append(m.Crypto, Crypto{Tag: i + 1, Key: k})
		}
	}
	return m, nil
}

// Answer answers an offer with the first of the offer's codecs the box
// has (the offerer's preference, RFC 3264 §6.1), telephone-event if
// offered, and, for an SRTP offer the policy accepts, a fresh key of the
// first crypto suite the box supports. It returns the answer, the codec
// and the far end's key (its a=crypto: what it encrypts with; zero for
// RTP).
func Answer(offer Media, addr netip.AddrPort, local []Codec, policy SRTPPolicy) (Media, Codec, srtp.Key, error) {
	codec, ok := common(offer.Codecs, local)
	if !ok {
		return Media{}, Codec{}, srtp.Key{}, ErrNoCommonCodec
	}
	ans := Media{Addr: addr, Codecs: []Codec{codec}, DTMF: offer.DTMF, Ptime: offer.Ptime}
	if ans.Ptime == 0 {
		ans.Ptime = 20
	}
	switch offer.Dir {
	case "sendonly":
		ans.Dir = "recvonly"
	case "recvonly":
		ans.Dir = "sendonly"
	case "inactive":
		ans.Dir = "inactive"
	}
	if !offer.Secure {
		if policy == SRTPRequired {
			return Media{}, Codec{}, srtp.Key{}, ErrSRTPRequired
		}
		return ans, codec, srtp.Key{}, nil
	}
	if policy == SRTPOff {
		return Media{}, Codec{}, srtp.Key{}, ErrSRTPOnly
	}
	if len(offer.Crypto) == 0 {
		return Media{}, Codec{}, srtp.Key{}, ErrSRTPRequired
	}
	far := offer.Crypto[0]
	k, err := srtp.NewKey(far.Key.Suite)
	if err != nil {
		return Media{}, Codec{}, srtp.Key{}, err
	}
	ans.Secure, ans.Crypto = true, []Crypto{{Tag: far.Tag, Key: k}}
	return ans, codec, far.Key, nil
}

// Accept reads the far end's answer to the box's offer: the codec it
// chose (one of the offer's), and its key. An answer in RTP to an SRTP
// offer is accepted only with SRTPFallback.
func Accept(offer, answer Media, policy SRTPPolicy) (Codec, srtp.Key, error) {
	if answer.Addr.Port() == 0 {
		return Codec{}, srtp.Key{}, ErrNoCommonCodec // stream refused
	}
	codec, ok := common(answer.Codecs, offer.Codecs)
	if !ok {
		return Codec{}, srtp.Key{}, ErrNoCommonCodec
	}
	if !answer.Secure {
		if offer.Secure && policy != SRTPFallback {
			return Codec{}, srtp.Key{}, ErrSRTPRequired
		}
		return codec, srtp.Key{}, nil
	}
	if !offer.Secure || len(answer.Crypto) == 0 {
		return Codec{}, srtp.Key{}, ErrSDP
	}
	for _, c := range answer.Crypto {
		for _, o := range offer.Crypto {
			if c.Tag == o.Tag && c.Key.Suite == o.Key.Suite {
				return codec, c.Key, nil
			}
		}
	}
	return Codec{}, srtp.Key{}, fmt.Errorf("%w: the answer's crypto matches no offered tag", ErrSDP)
}

// HasCodec reports whether codecs has c (by payload type for static
// types, by name and rate otherwise).
func HasCodec(codecs []Codec, c Codec) bool {
	_, ok := common([]Codec{c}, codecs)
	return ok
}

// OurKey is the key of the box's offer that the answer's a=crypto chose
// (same tag and suite): what the box encrypts with. Zero when the answer
// is RTP.
func OurKey(offer, answer Media) srtp.Key {
	if !answer.Secure {
		return srtp.Key{}
	}
	for _, c := range answer.Crypto {
		for _, o := range offer.Crypto {
			if c.Tag == o.Tag && c.Key.Suite == o.Key.Suite {
				return o.Key
			}
		}
	}
	return srtp.Key{}
}

// common is the first codec of prefer that have also has (by payload type
// for static types, by name and rate otherwise).
func common(prefer, have []Codec) (Codec, bool) {
	for _, p := range prefer {
		for _, h := range have {
			if p.PT < 96 && p.PT == h.PT || strings.EqualFold(p.Name, h.Name) && p.Rate == h.Rate {
				return p, true
			}
		}
	}
	return Codec{}, false
}
