package ctl

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	ids := identities(t)
	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA512} {
		t.Run(hash.String(), func(t *testing.T) {
			f, b := signGolden(t, hash)

			wantHeader := Header{
				Version:            Version{1, 2},
				SignerVersion:      Version{1, 1}, // EC records present (§2.7)
				SignerName:         "CN=sast1-cme,OU=TAC,O=Cisco Systems,L=Boxborough,ST=MA,C=US",
				IssuerName:         "CN=sast1-cme,OU=TAC,O=Cisco Systems,L=Boxborough,ST=MA,C=US",
				SerialNumber:       ids["sast1"].cert.SerialNumber.Bytes(),
				HashAlgorithm:      map[crypto.Hash]HashAlgorithm{crypto.SHA1: HashSHA1, crypto.SHA512: HashSHA512}[hash],
				SignatureAlgorithm: 0,
				SignatureModulus:   2, // 2048 bits
				Signature:          f.Header.Signature,
				Filename:           "ITLFile.tlv",
				Timestamp:          signTime,
			}
			if diff := cmp.Diff(wantHeader, f.Header); diff != "" {
				t.Errorf("Sign header (-want +got):\n%s", diff)
			}
			if len(f.Header.Signature) != 256 {
				t.Errorf("signature is %d bytes, want 256", len(f.Header.Signature))
			}

			for _, trusted := range [][]*x509.Certificate{nil, {ids["sast1"].cert}, {ids["sast2"].cert, ids["sast1"].cert}} {
				got, err := Verify(b, trusted...)
				if err != nil {
					t.Fatalf("Verify(trusted=%d): %v", len(trusted), err)
				}
				if diff := cmp.Diff(f, got); diff != "" {
					t.Errorf("Verify (-signed +verified):\n%s", diff)
				}
			}

			var u File
			if err := u.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f, &u); diff != "" {
				t.Errorf("UnmarshalBinary (-signed +decoded):\n%s", diff)
			}
			m, err := u.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m, b) {
				t.Error("MarshalBinary of the decoded file differs from the signed bytes")
			}
		})
	}
}

func TestGolden(t *testing.T) {
	_, b := signGolden(t, crypto.SHA1)
	checkGolden(t, "golden.tlv", b)
	// Signing is deterministic (RSA PKCS#1 v1.5), so a second run agrees.
	if _, again := signGolden(t, crypto.SHA1); !bytes.Equal(again, b) {
		t.Error("Sign is not deterministic")
	}
}

// TestLayout checks the byte layout of protocols.md §2.3 on the golden file.
func TestLayout(t *testing.T) {
	f, b := signGolden(t, crypto.SHA1)
	hdrLen := int(b[8])<<8 | int(b[9])
	want := []byte{
		1, 0, 2, 1, 2, // VERSION 1.2
		2, 0, 2, b[8], b[9], // HEADER_LENGTH
		28, 0, 2, 1, 1, // SIGNER_VERSION 1.1
		3, // SIGNER_INFO ...
	}
	if !bytes.Equal(b[:len(want)], want) {
		t.Errorf("header starts % x, want % x", b[:len(want)], want)
	}
	if hdrLen%4 != 0 {
		t.Errorf("HEADER_LENGTH %d is not a multiple of 4", hdrLen)
	}
	// SIGNATURE_INFO is fixed: 07 000F 08 0001 01 09 0008 0A 0001 00 0B 0001 02,
	// followed by the signature.
	sigInfo := []byte{7, 0, 15, 8, 0, 1, 1, 9, 0, 8, 10, 0, 1, 0, 11, 0, 1, 2, 12, 1, 0}
	i := bytes.Index(b, sigInfo)
	if i < 0 {
		t.Fatalf("SIGNATURE_INFO + SIGNATURE not found")
	}
	sigEnd := i + len(sigInfo) + 256
	if !bytes.Equal(b[i+len(sigInfo):sigEnd], f.Header.Signature) {
		t.Error("signature bytes not right after SIGNATURE_MODULUS")
	}
	rest := b[sigEnd:hdrLen]
	wantRest := append([]byte{14, 0, 12}, "ITLFile.tlv\x00"...)
	wantRest = append(wantRest, 15, 0, 4, 0x69, 0xA4, 0x2A, 0x40) // 2026-03-01T12:00:00Z
	for len(wantRest) < len(rest) {
		wantRest = append(wantRest, 13)
	}
	if !bytes.Equal(rest, wantRest) {
		t.Errorf("after signature: % x\nwant % x", rest, wantRest)
	}
	// First record: RECORD_LENGTH, then the certutils order 3, 5, 6, 4, 7, 8, 9.
	var tags []uint8
	s := &scanner{b: b, off: hdrLen, end: hdrLen + (int(b[hdrLen+3])<<8 | int(b[hdrLen+4]))}
	for s.more() {
		el, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, el.tag)
	}
	if diff := cmp.Diff([]uint8{1, 3, 5, 6, 4, 7, 8, 9}, tags); diff != "" {
		t.Errorf("record tag order (-want +got):\n%s", diff)
	}
}

func TestRecordFromCertificate(t *testing.T) {
	ids := identities(t)
	r := record(t, ids["tftp-ec"], RoleTFTP)
	want := Record{
		SubjectName:  "CN=cme-tftp-EC,OU=TAC,O=Cisco Systems,L=Boxborough,ST=MA,C=US",
		Role:         RoleTFTP,
		IssuerName:   "CN=sast1-cme,OU=TAC,O=Cisco Systems,L=Boxborough,ST=MA,C=US",
		SerialNumber: []byte{0x53, 0xCC, 0x1D, 0x87, 0xBA, 0x6A, 0x28, 0xBD, 0xDA, 0x22, 0xB2, 0x49, 0x56, 0x8B, 0x51, 0x6C},
		PublicKey:    r.PublicKey,
		Signature:    ids["tftp-ec"].cert.Signature,
		Certificate:  ids["tftp-ec"].cert.Raw,
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A P-384 point is 97 bytes and RSA-2048 PKCS#1 270, as in seed 001.
	if len(r.PublicKey) != 97 || r.PublicKey[0] != 4 {
		t.Errorf("EC PUBLIC_KEY is %d bytes starting %#x, want 97 starting 0x04", len(r.PublicKey), r.PublicKey[0])
	}
	if n := len(record(t, ids["sast1"], RoleSAST).PublicKey); n != 270 {
		t.Errorf("RSA-2048 PUBLIC_KEY is %d bytes, want 270", n)
	}
	// The minimal serial of 0x00A1 is one byte.
	if s := record(t, ids["https-ec"], RoleAppServer).SerialNumber; !bytes.Equal(s, []byte{0xA1}) {
		t.Errorf("serial % x, want a1", s)
	}
}

var (
	oddKeyOnce sync.Once
	oddKey     *rsa.PrivateKey
)

func TestSignErrors(t *testing.T) {
	ids := identities(t)
	sast1, sast2 := ids["sast1"], ids["sast2"]
	tests := []struct {
		name   string
		file   func() *File
		id     identity
		signer crypto.Signer
		hash   crypto.Hash
		want   string
	}{
		{"sha256", goldenFileFn(t), sast1, nil, crypto.SHA256, "not supported"},
		{"md5", goldenFileFn(t), sast1, nil, crypto.MD5, "not supported"},
		{"ecdsa signer", func() *File {
			f := goldenFile(t)
			f.Records = append(f.Records, record(t, ids["tftp-ec"], RoleSAST))
			return f
		}, ids["tftp-ec"], nil, crypto.SHA1, "only describe RSA"},
		{"key mismatch", goldenFileFn(t), sast1, sast2.key, crypto.SHA1, "does not match"},
		{"signer not in a SAST record", goldenFileFn(t), ids["tftp"], nil, crypto.SHA1, "no SAST record"},
		{"signer only in another role", func() *File {
			f := goldenFile(t)
			f.Records = append(f.Records, record(t, ids["capf"], RoleTFTP))
			return f
		}, ids["capf"], nil, crypto.SHA1, "no SAST record"},
		{"three SAST records", func() *File {
			f := goldenFile(t)
			f.Records = append(f.Records, record(t, ids["tftp"], RoleSAST))
			return f
		}, sast1, nil, crypto.SHA1, "at most 2"},
		{"record too large", func() *File {
			f := goldenFile(t)
			f.Records[2].Certificate = make([]byte, 65536)
			return f
		}, sast1, nil, crypto.SHA1, "does not fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer := tt.signer
			if signer == nil {
				signer = tt.id.key
			}
			f := tt.file()
			before := f.Header
			_, err := Sign(f, signer, tt.id.cert, tt.hash, "ITLFile.tlv", signTime)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sign error = %v, want one containing %q", err, tt.want)
			}
			if diff := cmp.Diff(before, f.Header); diff != "" {
				t.Errorf("failed Sign changed the header:\n%s", diff)
			}
		})
	}

	t.Run("modulus without code", func(t *testing.T) {
		oddKeyOnce.Do(func() {
			var err error
			if oddKey, err = rsa.GenerateKey(rand.Reader, 1536); err != nil {
				panic(err)
			}
		})
		cert := *sast1.cert
		cert.PublicKey = &oddKey.PublicKey
		_, err := Sign(goldenFile(t), oddKey, &cert, crypto.SHA1, "ITLFile.tlv", signTime)
		if err == nil || !strings.Contains(err.Error(), "SIGNATURE_MODULUS") {
			t.Fatalf("Sign error = %v, want a SIGNATURE_MODULUS error", err)
		}
	})
}

func goldenFileFn(t *testing.T) func() *File {
	return func() *File { return goldenFile(t) }
}

func TestSignDefaults(t *testing.T) {
	ids := identities(t)
	// Without EC records the signer version is 1.0; explicit values stay.
	f := &File{Records: []Record{record(t, ids["sast1"], RoleSAST), record(t, ids["tftp"], RoleTFTP)}}
	b, err := Sign(f, ids["sast1"].key, ids["sast1"].cert, crypto.SHA1, "CTLFile.tlv", signTime)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.SignerVersion != (Version{1, 0}) || f.Header.Version != (Version{1, 2}) {
		t.Errorf("versions %v / %v, want 1.2 / 1.0", f.Header.Version, f.Header.SignerVersion)
	}
	if _, err := Verify(b); err != nil {
		t.Fatal(err)
	}

	f.Header = Header{SignerVersion: Version{1, 1}}
	if _, err := Sign(f, ids["sast1"].key, ids["sast1"].cert, crypto.SHA1, "CTLFile.tlv", signTime); err != nil {
		t.Fatal(err)
	}
	if f.Header.SignerVersion != (Version{1, 1}) {
		t.Errorf("SignerVersion %v, want the explicit 1.1", f.Header.SignerVersion)
	}

	// A 1024-bit signer gets SIGNATURE_MODULUS 1 and a 128-byte signature.
	capf := ids["capf"]
	f = &File{Records: []Record{record(t, capf, RoleSAST)}}
	b, err = Sign(f, capf.key, capf.cert, crypto.SHA512, "CTLFile.tlv", signTime)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.SignatureModulus != 1 || len(f.Header.Signature) != 128 {
		t.Errorf("modulus %d, signature %d bytes; want 1 and 128", f.Header.SignatureModulus, len(f.Header.Signature))
	}
	if _, err := Verify(b, capf.cert); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyErrors(t *testing.T) {
	ids := identities(t)
	_, golden := signGolden(t, crypto.SHA1)

	if _, err := Verify(golden, ids["sast2"].cert); !errors.Is(err, ErrUntrustedSigner) {
		t.Errorf("Verify with SAST2 trusted: %v, want ErrUntrustedSigner", err)
	}

	// A file signed by SAST2 does not verify against SAST1 alone.
	f := goldenFile(t)
	b, err := Sign(f, ids["sast2"].key, ids["sast2"].cert, crypto.SHA1, "ITLFile.tlv", signTime)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(b, ids["sast1"].cert); !errors.Is(err, ErrUntrustedSigner) {
		t.Errorf("SAST2-signed file with SAST1 trusted: %v, want ErrUntrustedSigner", err)
	}
	if _, err := Verify(b, ids["sast2"].cert); err != nil {
		t.Errorf("SAST2-signed file with SAST2 trusted: %v", err)
	}

	// Unsigned: MarshalBinary without a signature.
	f.Header.Signature = nil
	u, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Verify(u); !errors.Is(err, ErrUnsigned) || got == nil {
		t.Errorf("Verify(unsigned) = %v, %v; want the file and ErrUnsigned", got, err)
	}

	// A signature by the right serial but the wrong key.
	f, _ = signGolden(t, crypto.SHA1)
	f.Header.Signature = bytes.Repeat([]byte{0x5A}, 256)
	bad, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(bad)
	if !errors.Is(err, ErrSignature) {
		t.Errorf("Verify(bad signature) = %v, want ErrSignature", err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("Verify should return the decoded file with the error:\n%s", diff)
	}

	// No SAST record with the header serial.
	f, _ = signGolden(t, crypto.SHA1)
	f.Header.SerialNumber = []byte{1, 2, 3}
	nos, _ := f.MarshalBinary()
	if _, err := Verify(nos); !errors.Is(err, ErrNoSigner) {
		t.Errorf("Verify(unknown serial) = %v, want ErrNoSigner", err)
	}
}

// TestVerifyHashOnlySAST covers CUCM-style SAST records that carry the
// certificate hash instead of the certificate: the key then has to come
// from a trusted certificate with the same serial.
func TestVerifyHashOnlySAST(t *testing.T) {
	ids := identities(t)
	sast1 := ids["sast1"]
	r := record(t, sast1, RoleSAST)
	r.Certificate = nil
	r.DNSName = "cme"
	r.IPAddress = []byte{192, 0, 2, 1}
	r.CertificateHash = []byte("0123456789abcdefghij")
	r.HashAlgorithm = HashSHA1
	f := &File{Records: []Record{r, record(t, ids["tftp"], RoleTFTP)}}

	h, sigLen, err := signerHeader(sast1.key, sast1.cert, crypto.SHA1, "ITLFile.tlv", signTime)
	if err != nil {
		t.Fatal(err)
	}
	h.Version, h.SignerVersion = Version{1, 2}, Version{1, 0}
	f.Header = h
	buf, sigOff, err := f.encode(sigLen)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signBytes(sast1.key, crypto.SHA1, buf, sigLen)
	if err != nil {
		t.Fatal(err)
	}
	f.Header.Signature = sig
	b := insertSignature(buf, sigOff, sig)

	if _, err := Verify(b); !errors.Is(err, ErrNoSigner) {
		t.Errorf("Verify without trusted = %v, want ErrNoSigner", err)
	}
	if _, err := Verify(b, ids["sast2"].cert); !errors.Is(err, ErrNoSigner) {
		t.Errorf("Verify with an unrelated trusted certificate = %v, want ErrNoSigner", err)
	}
	got, err := Verify(b, ids["sast2"].cert, sast1.cert)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCertificates(t *testing.T) {
	ids := identities(t)
	f := goldenFile(t)
	certs, err := f.Certificates(RoleTFTP, RoleCCMTFTP)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || !certs[0].Equal(ids["tftp"].cert) || !certs[1].Equal(ids["tftp-ec"].cert) {
		t.Errorf("Certificates(TFTP, CCM+TFTP) = %d certificates, want tftp and tftp-ec", len(certs))
	}
	f.Records[0].Certificate = []byte("junk")
	if _, err := f.Certificates(RoleSAST); err == nil {
		t.Error("Certificates with a broken certificate: no error")
	}
}

// TestTamper flips every byte of the signed files: each change must make
// verification fail, and nothing may panic.
func TestTamper(t *testing.T) {
	ids := identities(t)
	_, tlv := signGolden(t, crypto.SHA1)
	sgn := signGoldenSGN(t, crypto.SHA1)
	for i := range tlv {
		b := bytes.Clone(tlv)
		b[i] ^= 0xFF
		if _, err := Verify(b); err == nil {
			t.Errorf(".tlv byte %d flipped: Verify succeeded", i)
		}
		if _, err := Verify(b, ids["sast1"].cert); err == nil {
			t.Errorf(".tlv byte %d flipped: Verify(SAST1) succeeded", i)
		}
	}
	for i := range sgn {
		b := bytes.Clone(sgn)
		b[i] ^= 0xFF
		if _, _, err := VerifySigned(b, ids["tftp"].cert); err == nil {
			t.Errorf(".sgn byte %d flipped: VerifySigned succeeded", i)
		}
	}
	// Every truncation fails too.
	for n := range len(tlv) {
		if _, err := Verify(tlv[:n]); err == nil {
			t.Errorf(".tlv truncated to %d bytes: Verify succeeded", n)
		}
	}
	for n := range len(sgn) {
		if _, _, err := VerifySigned(sgn[:n], ids["tftp"].cert); err == nil {
			t.Errorf(".sgn truncated to %d bytes: VerifySigned succeeded", n)
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	_, golden := signGolden(t, crypto.SHA1)
	hdrLen := int(golden[8])<<8 | int(golden[9])
	minimal := func(extra ...byte) []byte {
		// VERSION, HEADER_LENGTH (patched), then extra.
		b := append([]byte{1, 0, 2, 1, 2, 2, 0, 2, 0, 0}, extra...)
		b[9] = byte(len(b))
		return b
	}
	withRecord := func(rec ...byte) []byte {
		return append(minimal(13, 13), rec...)
	}
	tests := []struct {
		name   string
		in     []byte
		offset int
		msg    string
	}{
		{"empty", nil, 0, "truncated element"},
		{"not VERSION", []byte{2, 0, 2, 0, 0}, 0, "want VERSION"},
		{"VERSION length", []byte{1, 0, 3, 1, 2, 0}, 0, "length 3, want 2"},
		{"no HEADER_LENGTH", []byte{1, 0, 2, 1, 2, 3, 0, 0}, 5, "want HEADER_LENGTH"},
		{"HEADER_LENGTH past end", []byte{1, 0, 2, 1, 2, 2, 0, 2, 0, 11}, 5, "HEADER_LENGTH 11 outside 10..10"},
		{"HEADER_LENGTH too short", []byte{1, 0, 2, 1, 2, 2, 0, 2, 0, 4}, 5, "outside 10..10"},
		{"element past header", minimal(14, 0, 5, 'a'), 10, "length 5 exceeds the 1 bytes left"},
		{"unknown tag", minimal(99, 0, 0), 10, "unexpected tag 99"},
		{"enc.sgn tag", minimal(16, 0, 0), 10, ".enc.sgn"},
		{"duplicate FILENAME", minimal(14, 0, 1, 0, 14, 0, 1, 0), 14, "duplicate tag 14"},
		{"child outside container", minimal(3, 0, 2, 4, 0, 1, 0), 13, "SIGNER_INFO: truncated"},
		{"wrong child", minimal(3, 0, 3, 8, 0, 0), 13, "SIGNER_INFO: unexpected tag 8"},
		{"nested wrong child", minimal(7, 0, 6, 9, 0, 3, 8, 0, 0), 16, "SIGNATURE_ALGORITHM_INFO: unexpected tag 8"},
		{"HASH_ALGORITHM length", minimal(7, 0, 5, 8, 0, 2, 1, 1), 13, "length 2, want 1"},
		{"TIMESTAMP length", minimal(15, 0, 3, 1, 2, 3), 10, "length 3, want 4"},
		{"record not RECORD_LENGTH", withRecord(3, 0, 0), 12, "want RECORD_LENGTH"},
		{"RECORD_LENGTH short", withRecord(1, 0, 2, 0, 4, 4, 0, 2, 0, 0), 12, "RECORD_LENGTH 4 outside 5..10"},
		{"RECORD_LENGTH long", withRecord(1, 0, 2, 0, 11, 4, 0, 2, 0, 0), 12, "RECORD_LENGTH 11 outside 5..10"},
		{"record without ROLE", withRecord(1, 0, 2, 0, 5), 12, "record 1: no ROLE"},
		{"ROLE length", withRecord(1, 0, 2, 0, 9, 4, 0, 1, 0), 17, "length 1, want 2"},
		{"record duplicate", withRecord(1, 0, 2, 0, 15, 4, 0, 2, 0, 0, 4, 0, 2, 0, 0), 22, "record 1: duplicate tag 4"},
		{"record unknown tag", withRecord(1, 0, 2, 0, 13, 4, 0, 2, 0, 0, 13, 0, 0), 22, "record 1: unexpected tag 13"},
		{"second record truncated", append(bytes.Clone(golden), 1, 0), len(golden), "record 7: truncated"},
		{"record element past record", append(bytes.Clone(golden), 1, 0, 2, 0, 8, 4, 0, 2, 0, 0), len(golden) + 5, "record 7: tag 4: length 2 exceeds the 0 bytes left"},
		{"golden header cut", golden[:hdrLen-1], 5, "HEADER_LENGTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f File
			err := f.UnmarshalBinary(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("UnmarshalBinary error = %v, want a *SyntaxError", err)
			}
			if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("error = %q at %d, want %q at %d", se.Msg, se.Offset, tt.msg, tt.offset)
			}
		})
	}
}

// TestUnmarshalLenient covers inputs certutils accepts and so must we:
// elements in another order, padding anywhere in the header, text without
// its NUL, and CUCM's extra record elements.
func TestUnmarshalLenient(t *testing.T) {
	b := []byte{
		1, 0, 2, 1, 2,
		2, 0, 2, 0, 0, // patched
		13,
		15, 0, 4, 0, 0, 0, 1,
		14, 0, 3, 'a', 'b', 'c', // no NUL
		7, 0, 15, 9, 0, 8, 11, 0, 1, 3, 10, 0, 1, 0, 8, 0, 1, 3,
		3, 0, 13, 5, 0, 2, 1, 2, 4, 0, 1, 0, 6, 0, 1, 0,
		12, 0, 2, 0xAA, 0xBB,
		13, 13,
	}
	b[9] = byte(len(b))
	rec := []byte{
		1, 0, 2, 0, 0, // patched
		4, 0, 2, 0, 21,
		2, 0, 2, 0, 0, // DNSNAME "\0\0" as in seed 001
		10, 0, 4, 10, 48, 47, 153,
		11, 0, 3, 1, 2, 3,
		12, 0, 1, 0x2A,
		6, 0, 0, // empty serial
		3, 0, 3, 'x', 0, 'y',
	}
	rec[4] = byte(len(rec))
	b = append(b, rec...)
	var f File
	if err := f.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	want := File{
		Header: Header{
			Version:          Version{1, 2},
			SerialNumber:     []byte{1, 2},
			HashAlgorithm:    HashSHA512,
			SignatureModulus: 3,
			Signature:        []byte{0xAA, 0xBB},
			Filename:         "abc",
			Timestamp:        time.Unix(1, 0).UTC(),
		},
		Records: []Record{{
			DNSName:         "\x00",
			SubjectName:     "x\x00y",
			Role:            RoleTVS,
			IPAddress:       []byte{10, 48, 47, 153},
			CertificateHash: []byte{1, 2, 3},
			HashAlgorithm:   0x2A,
		}},
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
