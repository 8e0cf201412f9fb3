package capf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tinyDER stands for a certificate in the golden messages: the codec does
// not look inside it.
var tinyDER = []byte{0x30, 0x03, 0x02, 0x01, 0x05}

func mustCert(t CertificateType) []byte {
	v, err := EncodeCertificate(t, tinyDER)
	if err != nil {
		panic(err)
	}
	return v
}

func mustStore() *Message {
	m, err := StoreCertRequest(3, tinyDER)
	if err != nil {
		panic(err)
	}
	return m
}

// goldenMessages are every message of the flows of §4.8, each with its
// bytes written out by hand from the layouts of §4.1, §4.3 and §4.5.
var goldenMessages = []struct {
	name string
	msg  *Message
	hex  string
}{
	{"AuthRequest", AuthRequest(1), "55 01 00000001 0008 070001 03 080001 00"},
	{"AuthResponse/password", &Message{CmdAuthResponse, 1, []Element{U8(TagReason, 1), U8(TagVersion, 3),
		Str0(TagDeviceName, "SEP001122334455"), Str0(TagPassword, "1234")}},
		"55 02 00000001 0023 010001 01 070001 03 0d0010 53455030303131323233333434353500 0b0005 3132333400"},
	{"AuthResponse/null-string", &Message{CmdAuthResponse, 1, []Element{U8(TagReason, 1), U8(TagVersion, 3),
		Str0(TagPassword, ""), Str0(TagDeviceName, "SEP0A")}},
		"55 02 00000001 0015 010001 01 070001 03 0b0001 00 0d0006 534550304100"},
	{"AuthResponse/certificate", &Message{CmdAuthResponse, 7, []Element{U8(TagCertificateType, uint8(CertificateMIC)),
		{TagCertificate, mustCert(CertificateMIC)}, {TagSignedData, []byte{0xab, 0xcd}},
		{TagSHA2SignedData, []byte{3, 0, 2, 0xef, 0x01}}, {TagSUDIData, []byte{0, 0, 1, 0xaa, 1, 0, 1, 0xbb}}}},
		"55 02 00000007 0029 030001 02 04000a 0100070002 3003020105 060002 abcd 140005 03 0002 ef01 100008 000001aa 010001bb"},
	{"KeyGenRequest/RSA", KeyGenRequestRSA(2, 1024), "55 03 00000002 0009 0a0002 0400 110001 00"},
	{"KeyGenRequest/EC", KeyGenRequestEC(2, CurveP256), "55 03 00000002 0008 110001 01 120001 00"},
	{"RequestInProgress", &Message{Command: CmdRequestInProgress, Session: 2}, "55 11 00000002 0000"},
	{"KeyGenResponse", &Message{CmdKeyGenResponse, 2, []Element{{TagPublicKey, []byte{0xaa, 0xbb, 0xcc}}}},
		"55 04 00000002 0006 090003 aabbcc"},
	{"StoreCertRequest", mustStore(), "55 09 00000003 0011 030001 01 04000a 0100070001 3003020105"},
	{"StoreCertResponse", &Message{CmdStoreCertResponse, 3, []Element{U8(TagReason, 1)}}, "55 0a 00000003 0004 010001 01"},
	{"FetchCertRequest", FetchCertRequest(4), "55 0b 00000004 0000"},
	{"FetchCertResponse", &Message{CmdFetchCertResponse, 4, []Element{U8(TagReason, 1), {TagCertificate, mustCert(CertificateLSC)}}},
		"55 0c 00000004 0011 010001 01 04000a 0100070001 3003020105"},
	{"FetchCertResponse/failed", &Message{CmdFetchCertResponse, 4, []Element{U8(TagReason, 7)}}, "55 0c 00000004 0004 010001 07"},
	{"DeleteCertRequest", DeleteCertRequest(5), "55 0d 00000005 0000"},
	{"DeleteCertResponse", &Message{CmdDeleteCertResponse, 5, []Element{U8(TagReason, 1)}}, "55 0e 00000005 0004 010001 01"},
	{"EndSession/success", EndSession(6, ReasonUpdateCertificate), "55 0f 00000006 0004 010001 01"},
	{"EndSession/unknown-device", EndSession(0xfffffffe, ReasonUnknownDevice), "55 0f fffffffe 0004 010001 09"},
	{"RetryLater", &Message{CmdRetryLater, 9, []Element{{TagReasonInfo, []byte("x")}, U16(TagRetryDelay, 30)}},
		"55 10 00000009 0009 020001 78 0c0002 001e"},
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenMessages(t *testing.T) {
	for _, tc := range goldenMessages {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			got, err := tc.msg.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("MarshalBinary\n got %x\nwant %x", got, want)
			}
			var m Message
			if err := m.UnmarshalBinary(want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.msg, &m); diff != "" {
				t.Errorf("UnmarshalBinary (-want +got):\n%s", diff)
			}
			// ReadMessage from a stream of two copies reads exactly one.
			r := bytes.NewReader(append(bytes.Clone(want), want...))
			rm, err := ReadMessage(r, MaxBody)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.msg, rm); diff != "" {
				t.Errorf("ReadMessage (-want +got):\n%s", diff)
			}
			if r.Len() != len(want) {
				t.Errorf("ReadMessage left %d bytes, want %d", r.Len(), len(want))
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	var m Message
	if err := m.UnmarshalBinary(unhex(t, goldenMessages[1].hex)); err != nil {
		t.Fatal(err)
	}
	if r, err := m.Uint8(TagReason); err != nil || r != 1 {
		t.Errorf("REASON %d, %v", r, err)
	}
	if d, err := m.String0(TagDeviceName); err != nil || d != "SEP001122334455" {
		t.Errorf("DEVICE_NAME %q, %v", d, err)
	}
	if p, err := m.String0(TagPassword); err != nil || p != "1234" {
		t.Errorf("PASSWORD %v", err)
	}
	if _, err := m.Uint16(TagKeySize); !errors.Is(err, ErrMissing) {
		t.Errorf("missing KEY_SIZE: %v", err)
	}
	if _, err := m.Uint16(TagReason); !errors.Is(err, ErrMalformed) {
		t.Errorf("one-byte REASON as u16: %v", err)
	}
	if err := m.UnmarshalBinary(unhex(t, goldenMessages[3].hex)); err != nil {
		t.Fatal(err)
	}
	ct, der, err := m.Certificate()
	if err != nil || ct != CertificateMIC || !bytes.Equal(der, tinyDER) {
		t.Errorf("CERTIFICATE %d %x %v", ct, der, err)
	}
	v, _ := m.Get(TagSHA2SignedData)
	if id, sig, err := DecodeSHA2Signature(v); err != nil || id != HashSHA512 || !bytes.Equal(sig, []byte{0xef, 1}) {
		t.Errorf("SHA2_SIGNED_DATA %d %x %v", id, sig, err)
	}
	v, _ = m.Get(TagSUDIData)
	s, err := DecodeSUDI(v)
	want := []SUDIEntry{{0, []byte{0xaa}}, {1, []byte{0xbb}}}
	if diff := cmp.Diff(want, s); err != nil || diff != "" {
		t.Errorf("SUDI_DATA %v %s", err, diff)
	}
	if b, _ := EncodeSUDI(want); !bytes.Equal(b, v) {
		t.Errorf("EncodeSUDI %x, want %x", b, v)
	}
	if b, _ := EncodeSHA2Signature(3, []byte{0xef, 1}); !bytes.Equal(b, []byte{3, 0, 2, 0xef, 1}) {
		t.Errorf("EncodeSHA2Signature %x", b)
	}
	if got := Command(9).String() + " " + Command(99).String() + " " + TagSUDIData.String() + " " + Tag(99).String(); got != "STORE_CERTIFICATE_REQUEST COMMAND_99 SUDI_DATA TAG_99" {
		t.Errorf("names: %s", got)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"short header", "55 01 00000001 00"},
		{"protocol id", "56 01 00000001 0000"},
		{"body longer than announced", "55 01 00000001 0000 00"},
		{"body shorter than announced", "55 01 00000001 0004 010001"},
		{"truncated element header", "55 01 00000001 0002 0100"},
		{"element past the body", "55 01 00000001 0004 010002 01"},
		{"element length 0xffff", "55 01 00000001 0004 01ffff 01"},
		{"duplicate tag", "55 01 00000001 0008 010001 01 010001 01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			if err := m.UnmarshalBinary(unhex(t, tc.hex)); !errors.Is(err, ErrMalformed) {
				t.Errorf("UnmarshalBinary: %v, want ErrMalformed", err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		v    []byte
	}{
		{"short", []byte{1, 0, 2, 0}}, {"tag", []byte{2, 0, 3, 0, 1, 5}}, {"pad", []byte{1, 0, 3, 1, 1, 5}},
		{"inner length", []byte{1, 0, 9, 0, 1, 5}}, {"empty DER", []byte{1, 0, 2, 0, 1}},
	} {
		if _, _, err := DecodeCertificate(tc.v); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeCertificate %s: %v", tc.name, err)
		}
	}
	for _, v := range [][]byte{{0}, {0, 0, 1}, {0, 0, 2, 0xaa}} {
		if _, err := DecodeSUDI(v); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeSUDI %x: %v", v, err)
		}
	}
	for _, v := range [][]byte{{3, 0}, {3, 0, 2, 1}} {
		if _, _, err := DecodeSHA2Signature(v); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeSHA2Signature %x: %v", v, err)
		}
	}
	for _, v := range []string{"", "1234", "12\x0034\x00"} {
		m := &Message{Elements: []Element{{TagPassword, []byte(v)}}}
		if _, err := m.String0(TagPassword); !errors.Is(err, ErrMalformed) {
			t.Errorf("String0 %q: %v", v, err)
		}
	}
}

func TestReadMessageBounds(t *testing.T) {
	// A header announcing 60000 bytes is refused before they are read.
	hdr := unhex(t, "55 02 00000001 ea60")
	if _, err := ReadMessage(bytes.NewReader(hdr), 4096); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("oversized: %v", err)
	}
	if _, err := ReadMessage(bytes.NewReader(append(hdr, 1, 2, 3)), MaxBody); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated body: %v", err)
	}
	if _, err := ReadMessage(bytes.NewReader(hdr[:5]), MaxBody); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated header: %v", err)
	}
	if _, err := ReadMessage(bytes.NewReader(nil), MaxBody); err != io.EOF {
		t.Errorf("clean EOF: %v", err)
	}
	big := &Message{Elements: []Element{{TagPublicKey, make([]byte, 0x10000)}}}
	if _, err := big.MarshalBinary(); err == nil {
		t.Error("a 64 KiB element encoded")
	}
	two := &Message{Elements: []Element{{TagPublicKey, make([]byte, 0x8000)}, {TagCertificate, make([]byte, 0x8000)}}}
	if _, err := two.MarshalBinary(); err == nil {
		t.Error("a body over 64 KiB encoded")
	}
}

func TestSignatures(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	in := SignedInput("SEP001122334455", tinyDER)
	if want := append([]byte("SEP001122334455\x00"), tinyDER...); !bytes.Equal(in, want) {
		t.Errorf("SignedInput %x", in)
	}
	// The RSA signature is the raw private-key operation over type-1
	// padding and the bare SHA-1 digest: check it by exponentiation.
	sig, err := Sign(rand.Reader, rk, HashSHA1, in)
	if err != nil {
		t.Fatal(err)
	}
	m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(rk.E)), rk.N).FillBytes(make([]byte, rk.Size()))
	d := sha1.Sum(in)
	pad := append([]byte{0, 1}, bytes.Repeat([]byte{0xff}, rk.Size()-3-len(d))...)
	if want := append(append(pad, 0), d[:]...); !bytes.Equal(m, want) {
		t.Errorf("RSA signature opens to\n%x\nwant\n%x", m, want)
	}
	for _, hid := range []uint8{HashSHA1, HashSHA512} {
		for _, k := range []struct {
			name string
			sign func() ([]byte, error)
			pub  any
		}{
			{"rsa", func() ([]byte, error) { return Sign(rand.Reader, rk, hid, in) }, &rk.PublicKey},
			{"ec", func() ([]byte, error) { return Sign(rand.Reader, ek, hid, in) }, &ek.PublicKey},
		} {
			sig, err := k.sign()
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(k.pub, hid, in, sig); err != nil {
				t.Errorf("%s hash %d: %v", k.name, hid, err)
			}
			if err := Verify(k.pub, hid, append(in, 0), sig); err == nil {
				t.Errorf("%s hash %d: a signature over other bytes verifies", k.name, hid)
			}
		}
	}
	if _, err := Sign(rand.Reader, rk, 2, in); err == nil {
		t.Error("hash id 2 accepted")
	}
	if got := SUDIInput(0x01020304, tinyDER); !bytes.Equal(got, append([]byte{4, 3, 2, 1}, tinyDER...)) {
		t.Errorf("SUDIInput %x", got)
	}
}
