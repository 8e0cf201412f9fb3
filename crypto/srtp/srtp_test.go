package srtp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// rtpPacket is a minimal RTP packet: version 2, payload type pt, the given
// sequence number, timestamp and SSRC, and payload.
func rtpPacket(pt byte, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12, 12+len(payload)+16)
	b[0] = 0x80
	b[1] = pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return append(b, payload...)
}

func TestRoundTrip(t *testing.T) {
	for _, s := range []Suite{AESCM128HMACSHA1_32, AESCM128HMACSHA1_80, AEADAES128GCM} {
		t.Run(s.String(), func(t *testing.T) {
			k, err := NewKey(s)
			if err != nil {
				t.Fatal(err)
			}
			tx, _ := NewContext(k)
			rx, _ := NewContext(k)
			payload := bytes.Repeat([]byte{0xd5}, 160)
			for i := 0; i < 5; i++ {
				pkt := rtpPacket(0, uint16(1000+i), uint32(160*i), 0x1234, payload)
				enc, err := tx.Protect(nil, pkt)
				if err != nil {
					t.Fatal(err)
				}
				if len(enc) != len(pkt)+tx.Overhead() {
					t.Fatalf("protected length %d, want %d", len(enc), len(pkt)+tx.Overhead())
				}
				if bytes.Contains(enc, payload[:32]) {
					t.Fatal("payload visible in the SRTP packet")
				}
				dec, err := rx.Unprotect(nil, enc)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(dec, pkt) {
					t.Fatal("unprotect did not give back the RTP packet")
				}
				// Replayed: refused.
				if _, err := rx.Unprotect(nil, enc); err == nil {
					t.Fatal("replayed packet accepted")
				}
				// Tampered: refused.
				bad := append([]byte(nil), enc...)
				bad[20] ^= 1
				bad[3]++ // another sequence number, so it is not a replay
				if _, err := rx.Unprotect(nil, bad); err == nil {
					t.Fatal("tampered packet accepted")
				}
			}
			// Truncated packets never panic.
			enc, _ := tx.Protect(nil, rtpPacket(0, 2000, 0, 0x1234, payload))
			for n := 0; n < len(enc); n += 3 {
				rx.Unprotect(nil, enc[:n])
			}
			// Wrong key: refused.
			other, _ := NewKey(s)
			wrong, _ := NewContext(other)
			if _, err := wrong.Unprotect(nil, enc); err == nil {
				t.Fatal("packet accepted under another key")
			}
		})
	}
}

func TestKeysAreFreshAndRedacted(t *testing.T) {
	a, _ := NewKey(Default)
	b, _ := NewKey(Default)
	if a.Inline() == b.Inline() {
		t.Fatal("two keys drawn alike")
	}
	if len(a.Inline()) != 40 { // base64 of 30 bytes, as seed 004 prints them
		t.Fatalf("inline key %q: want 40 characters", a.Inline())
	}
	hexKey := hex.EncodeToString(a.MasterKey())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
		out := fmt.Sprintf(verb, struct{ K Key }{a})
		if strings.Contains(out, a.Inline()) || strings.Contains(strings.ToLower(out), hexKey) {
			t.Errorf("%s printed the key: %s", verb, out)
		}
	}
}

func TestParts(t *testing.T) {
	k, _ := NewKey(AESCM128HMACSHA1_80)
	back, err := FromParts(k.Suite, k.MasterKey(), k.MasterSalt())
	if err != nil || back.Inline() != k.Inline() {
		t.Fatalf("FromParts: %v", err)
	}
	if _, err := FromParts(AESCM128HMACSHA1_80, k.MasterKey()[:15], k.MasterSalt()); err == nil {
		t.Error("short key accepted")
	}
	if _, err := FromParts(AESCM128HMACSHA1_80, k.MasterKey(), k.MasterSalt()[:12]); err == nil {
		t.Error("GCM-length salt accepted for AES-CM")
	}
	if _, err := FromParts(Suite(6), make([]byte, 16), make([]byte, 12)); err == nil {
		t.Error("AES-256-GCM accepted")
	}
	p, err := ParseInline(AESCM128HMACSHA1_32, k.Inline())
	if err != nil || p.Inline() != k.Inline() {
		t.Fatalf("ParseInline: %v", err)
	}
	if _, err := ParseInline(AESCM128HMACSHA1_80, "c2hvcnQ="); err == nil {
		t.Error("short inline key accepted")
	}
	if s, err := ParseSuite("AES_CM_128_HMAC_SHA1_32"); err != nil || s != AESCM128HMACSHA1_32 {
		t.Errorf("ParseSuite: %v %v", s, err)
	}
}

// TestLibsrtpInterop checks our packets against a second implementation:
// libsrtp 2 through Debian's python3-pylibsrtp unprotects what we
// protected, and we unprotect what it protected, with the same inline key.
func TestLibsrtpInterop(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import pylibsrtp").Run(); err != nil {
		t.Fatalf("python3-pylibsrtp not installed (scripts/deps installs it): %v", err)
	}
	for _, s := range []Suite{AESCM128HMACSHA1_32, AESCM128HMACSHA1_80, AEADAES128GCM} {
		t.Run(s.String(), func(t *testing.T) {
			k, _ := NewKey(s)
			tx, _ := NewContext(k)
			payload := bytes.Repeat([]byte("tone"), 40)
			ours, err := tx.Protect(nil, rtpPacket(0, 7, 160, 0xCAFE, payload))
			if err != nil {
				t.Fatal(err)
			}
			script := `
import sys, base64, pylibsrtp
suite, inline, pkt, plain = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
prof = {"AES_CM_128_HMAC_SHA1_32": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
        "AES_CM_128_HMAC_SHA1_80": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
        "AEAD_AES_128_GCM": pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM}[suite]
key = base64.b64decode(inline)
rx = pylibsrtp.Session(policy=pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND, srtp_profile=prof))
sys.stdout.write(rx.unprotect(pkt).hex() + "\n")
tx = pylibsrtp.Session(policy=pylibsrtp.Policy(key=key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND, srtp_profile=prof))
sys.stdout.write(tx.protect(plain).hex() + "\n")
`
			theirsPlain := rtpPacket(8, 99, 320, 0xBEEF, payload)
			cmd := exec.Command(py, "-c", script, s.String(), k.Inline(), hex.EncodeToString(ours), hex.EncodeToString(theirsPlain))
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("libsrtp: %v", err)
			}
			lines := strings.Fields(string(out))
			if len(lines) != 2 {
				t.Fatalf("libsrtp output %q", out)
			}
			got, _ := hex.DecodeString(lines[0])
			if !bytes.Equal(got, rtpPacket(0, 7, 160, 0xCAFE, payload)) {
				t.Fatal("libsrtp did not recover our RTP packet")
			}
			theirs, _ := hex.DecodeString(lines[1])
			rx, _ := NewContext(k)
			dec, err := rx.Unprotect(nil, theirs)
			if err != nil {
				t.Fatalf("unprotecting libsrtp's packet: %v", err)
			}
			if !bytes.Equal(dec, theirsPlain) {
				t.Fatal("libsrtp's packet decrypted to something else")
			}
		})
	}
}

func BenchmarkProtectUnprotect(b *testing.B) {
	for _, s := range []Suite{AESCM128HMACSHA1_80, AEADAES128GCM} {
		b.Run(s.String(), func(b *testing.B) {
			k, _ := NewKey(s)
			tx, _ := NewContext(k)
			rx, _ := NewContext(k)
			pkt := rtpPacket(0, 0, 0, 1, make([]byte, 160))
			enc := make([]byte, 0, 256)
			dec := make([]byte, 0, 256)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint16(pkt[2:], uint16(i))
				binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
				e, err := tx.Protect(enc[:0], pkt)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rx.Unprotect(dec[:0], e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
