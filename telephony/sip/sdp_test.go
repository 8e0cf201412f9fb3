package sip

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"cmeos/crypto/srtp"
)

func fixedKey(t *testing.T, b byte) srtp.Key {
	t.Helper()
	k, err := srtp.FromParts(srtp.AESCM128HMACSHA1_80, bytes.Repeat([]byte{b}, 16), bytes.Repeat([]byte{b + 1}, 14))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestMarshalGolden(t *testing.T) {
	m := Media{Addr: netip.MustParseAddrPort("10.13.32.11:16384"), Secure: true, Codecs: []Codec{PCMU, G722},
		DTMF: TelephoneEventPT, Ptime: 20, Crypto: []Crypto{{Tag: 1, Key: fixedKey(t, 1)}}}
	want := "v=0\r\no=cmeos 7 1 IN IP4 10.13.32.11\r\ns=SIP Call\r\nc=IN IP4 10.13.32.11\r\nt=0 0\r\n" +
		"m=audio 16384 RTP/SAVP 0 9 101\r\n" +
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQEBAQEBAQEBAQEBAQEBAQICAgICAgICAgICAgIC\r\n" +
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n" +
		"a=ptime:20\r\na=sendrecv\r\n"
	if got := string(m.Marshal("cmeos", 7, 1)); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	back, err := Parse([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if back.Addr != m.Addr || !back.Secure || len(back.Codecs) != 2 || back.Codecs[1] != G722 || back.DTMF != 101 ||
		back.Ptime != 20 || len(back.Crypto) != 1 || back.Crypto[0].Key.Inline() != m.Crypto[0].Key.Inline() {
		t.Errorf("round trip: %+v", back)
	}
}

// A far end's offer in the style of a SIP phone or a CUBE: session-level
// connection, a dynamic codec without rtpmap (dropped), two crypto lines
// of which one has a suite the box does not do (skipped), a video stream
// (ignored).
const farOffer = "v=0\no=- 3 3 IN IP4 192.0.2.7\ns=-\nc=IN IP4 192.0.2.7\nt=0 0\n" +
	"m=audio 40000 RTP/SAVP 8 0 96 101\n" +
	"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n" +
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:BQUFBQUFBQUFBQUFBQUFBQYGBgYGBgYGBgYGBgYG\n" +
	"a=rtpmap:101 telephone-event/8000\na=sendrecv\n" +
	"m=video 40002 RTP/AVP 97\nc=IN IP4 192.0.2.99\n"

func TestParseOffer(t *testing.T) {
	m, err := Parse([]byte(farOffer))
	if err != nil {
		t.Fatal(err)
	}
	if m.Addr != netip.MustParseAddrPort("192.0.2.7:40000") || !m.Secure || len(m.Codecs) != 2 || m.Codecs[0] != PCMA ||
		m.DTMF != 101 || len(m.Crypto) != 1 || m.Crypto[0].Tag != 2 || m.Crypto[0].Key.Suite != srtp.AESCM128HMACSHA1_32 {
		t.Errorf("%+v", m)
	}
}

func TestNegotiation(t *testing.T) {
	local := []Codec{PCMU, PCMA}
	here := netip.MustParseAddrPort("10.0.0.1:20000")
	offer, _ := Parse([]byte(farOffer))
	// srtp: the answer takes the offer's codec order and its usable crypto
	// tag with a fresh key of the same suite.
	ans, c, far, err := Answer(offer, here, local, SRTPRequired)
	if err != nil || c != PCMA || far.Inline() != offer.Crypto[0].Key.Inline() || !ans.Secure ||
		ans.Crypto[0].Tag != 2 || ans.Crypto[0].Key.Suite != srtp.AESCM128HMACSHA1_32 || ans.Crypto[0].Key.Inline() == far.Inline() {
		t.Fatalf("answer %+v codec %v err %v", ans, c, err)
	}
	if _, _, _, err := Answer(offer, here, local, SRTPOff); !errors.Is(err, ErrSRTPOnly) {
		t.Errorf("SRTP-only offer with srtp off: %v", err)
	}
	plain := offer
	plain.Secure, plain.Crypto = false, nil
	if _, _, _, err := Answer(plain, here, local, SRTPRequired); !errors.Is(err, ErrSRTPRequired) {
		t.Errorf("RTP offer with srtp required: %v", err)
	}
	if a, _, k, err := Answer(plain, here, local, SRTPFallback); err != nil || a.Secure || k.Enabled() {
		t.Errorf("RTP offer with srtp fallback: %+v %v", a, err)
	}
	if _, _, _, err := Answer(offer, here, []Codec{G729}, SRTPFallback); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("no common codec: %v", err)
	}

	// The box's offer and the far end's answers.
	mine, err := Offer(here, local, SRTPFallback)
	if err != nil || !mine.Secure || len(mine.Crypto) != 2 || mine.Crypto[0].Key.Suite != srtp.AESCM128HMACSHA1_80 ||
		mine.Crypto[1].Key.Suite != srtp.AESCM128HMACSHA1_32 || mine.DTMF != TelephoneEventPT {
		t.Fatalf("offer %+v %v", mine, err)
	}
	farKey := fixedKey(t, 9)
	secureAns := Media{Addr: netip.MustParseAddrPort("192.0.2.7:40000"), Secure: true, Codecs: []Codec{PCMA}, Crypto: []Crypto{{Tag: 1, Key: farKey}}}
	if c, k, err := Accept(mine, secureAns, SRTPFallback); err != nil || c != PCMA || k.Inline() != farKey.Inline() {
		t.Errorf("secure answer: %v %v", c, err)
	}
	if k := OurKey(mine, secureAns); k.Inline() != mine.Crypto[0].Key.Inline() {
		t.Error("OurKey: not the offer's tag 1 key")
	}
	// A far end that picks the 32-bit suite (tag 2).
	far32 := fixedKey(t, 9)
	far32.Suite = srtp.AESCM128HMACSHA1_32
	ans32 := Media{Addr: secureAns.Addr, Secure: true, Codecs: []Codec{PCMU}, Crypto: []Crypto{{Tag: 2, Key: far32}}}
	if _, k, err := Accept(mine, ans32, SRTPRequired); err != nil || k.Suite != srtp.AESCM128HMACSHA1_32 {
		t.Errorf("32-bit answer: %v %v", k, err)
	}
	if k := OurKey(mine, ans32); k.Suite != srtp.AESCM128HMACSHA1_32 || k.Inline() != mine.Crypto[1].Key.Inline() {
		t.Error("OurKey: not the offer's tag 2 key")
	}
	rtpAns := Media{Addr: netip.MustParseAddrPort("192.0.2.7:40000"), Codecs: []Codec{PCMU}}
	if c, k, err := Accept(mine, rtpAns, SRTPFallback); err != nil || c != PCMU || k.Enabled() {
		t.Errorf("srtp fallback to RTP: %v %v", c, err)
	}
	if _, _, err := Accept(mine, rtpAns, SRTPRequired); !errors.Is(err, ErrSRTPRequired) {
		t.Errorf("RTP answer with srtp required: %v", err)
	}
	wrongTag := secureAns
	wrongTag.Crypto = []Crypto{{Tag: 5, Key: farKey}}
	if _, _, err := Accept(mine, wrongTag, SRTPRequired); err == nil {
		t.Error("an answer crypto tag that was not offered accepted")
	}
	refused := rtpAns
	refused.Addr = netip.AddrPortFrom(refused.Addr.Addr(), 0)
	if _, _, err := Accept(mine, refused, SRTPFallback); err == nil {
		t.Error("a refused stream (port 0) accepted")
	}
}

func TestParseBad(t *testing.T) {
	for _, s := range []string{
		"", "x", "v=1\nm=audio 1 RTP/AVP 0\nc=IN IP4 1.2.3.4\n", "v=0\nc=IN IP4 1.2.3.4\n",
		"v=0\nm=audio 70000 RTP/AVP 0\nc=IN IP4 1.2.3.4\n", "v=0\nm=audio 1 RTP/AVP 200\nc=IN IP4 1.2.3.4\n",
		"v=0\nm=audio 1 UDP/TLS/RTP/SAVPF 0\nc=IN IP4 1.2.3.4\n", "v=0\nm=audio 1 RTP/AVP 0\n",
		"v=0\nc=IN IP4 999.2.3.4\nm=audio 1 RTP/AVP 0\n",
		"v=0\nc=IN IP4 1.2.3.4\nm=audio 1 RTP/AVP" + strings.Repeat(" 0", 40) + "\n",
		strings.Repeat("a=x\n", 300), strings.Repeat("x", MaxSDP+1),
	} {
		if m, err := Parse([]byte(s)); err == nil {
			t.Errorf("%.40q parsed: %+v", s, m)
		}
	}
	// A crypto line with a bad key length is skipped, not fatal: the
	// stream then has no usable crypto.
	m, err := Parse([]byte("v=0\nc=IN IP4 1.2.3.4\nm=audio 1 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\n"))
	if err != nil || len(m.Crypto) != 0 {
		t.Errorf("short key: %+v %v", m, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(farOffer))
	f.Add([]byte("v=0\r\nc=IN IP6 ::1\r\nm=audio 5004 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		back, err := Parse(m.Marshal("f", 1, 1))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", m.Marshal("f", 1, 1), err)
		}
		if back.Addr != m.Addr || len(back.Codecs) != len(m.Codecs) || len(back.Crypto) != len(m.Crypto) {
			t.Fatalf("round trip %+v -> %+v", m, back)
		}
	})
}
