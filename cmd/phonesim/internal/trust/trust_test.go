package trust_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"cmeos/cmd/phonesim/internal/trust"
	"cmeos/crypto/ctl" // the box's encoder, only to produce inputs
)

var now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func newCert(t testing.TB, name pkix.Name, serial int64, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: name,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type fixture struct {
	sast1, sast2, tftp *x509.Certificate
	key1, keyTFTP      *rsa.PrivateKey
	records            []ctl.Record
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	k1, _ := rsa.GenerateKey(rand.Reader, 1024)
	k2, _ := rsa.GenerateKey(rand.Reader, 1024)
	kt, _ := rsa.GenerateKey(rand.Reader, 1024)
	ke, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := &fixture{key1: k1, keyTFTP: kt}
	f.sast1 = newCert(t, pkix.Name{CommonName: "cmeserver", Organization: []string{"Example, Inc."}, Country: []string{"NZ"}}, 0x1234, k1)
	f.sast2 = newCert(t, pkix.Name{CommonName: "sast2"}, 2, k2)
	f.tftp = newCert(t, pkix.Name{CommonName: "cme-tftp", OrganizationalUnit: []string{"+voice;"}}, 3, kt)
	ec := newCert(t, pkix.Name{CommonName: "ec-app"}, 4, ke)
	for _, x := range []struct {
		c    *x509.Certificate
		role ctl.Role
	}{{f.sast1, ctl.RoleSAST}, {f.sast2, ctl.RoleSAST}, {f.tftp, ctl.RoleTFTP}, {f.sast1, ctl.RoleCCM}, {ec, ctl.RoleAppServer}} {
		r, err := ctl.RecordFromCertificate(x.c, x.role)
		if err != nil {
			t.Fatal(err)
		}
		f.records = append(f.records, r)
	}
	return f
}

func (f *fixture) sign(t testing.TB, h crypto.Hash) []byte {
	t.Helper()
	b, err := ctl.Sign(&ctl.File{Records: f.records}, f.key1, f.sast1, h, "CTLFile.tlv", now)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyList(t *testing.T) {
	f := newFixture(t)
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA512} {
		b := f.sign(t, h)
		l, err := trust.ParseList(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Verify(); err != nil {
			t.Fatalf("%v: %v", h, err)
		}
		if err := l.Verify(f.sast1); err != nil {
			t.Errorf("verify with the installed SAST: %v", err)
		}
		if err := l.Verify(f.sast2); !errors.Is(err, trust.ErrNoSigner) {
			t.Errorf("signed by a SAST the phone does not have: %v", err)
		}
		if len(l.Records) != 5 || l.Header.Filename != "CTLFile.tlv" || l.Header.Timestamp != uint32(now.Unix()) {
			t.Errorf("decoded %d records, filename %q, time %d", len(l.Records), l.Header.Filename, l.Header.Timestamp)
		}
		_, signer, _ := l.Signer()
		if !signer.Equal(f.sast1) {
			t.Errorf("signer %v", signer.Subject)
		}
		tftp, _ := l.Certificates(trust.RoleTFTP, trust.RoleCCMTFTP)
		if len(tftp) != 1 || !tftp[0].Equal(f.tftp) {
			t.Errorf("TFTP certificates %v", tftp)
		}
		// Any changed byte of the file breaks the signature or the structure.
		for i := 0; i < len(b); i += 7 {
			bad := bytes.Clone(b)
			bad[i] ^= 0x20
			if l, err := trust.ParseList(bad); err == nil && l.Verify() == nil {
				t.Fatalf("%v: byte %d changed, file still verifies", h, i)
			}
		}
	}
}

// TestSHA256 re-signs a file with hash code 2, which the builder never
// writes but the header defines.
func TestSHA256(t *testing.T) {
	f := newFixture(t)
	b := f.sign(t, crypto.SHA1)
	i := bytes.Index(b, []byte{8, 0, 1, 1}) // HASH_ALGORITHM SHA-1
	b[i+3] = trust.HashSHA256
	l, _ := trust.ParseList(b)
	signed, _ := l.Header.SignedBytes(b)
	d := sha256.Sum256(signed)
	sig, err := rsa.SignPKCS1v15(nil, f.key1, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	copy(b[bytes.Index(b, l.Header.Signature):], sig)
	l, _ = trust.ParseList(b)
	if err := l.Verify(); err != nil {
		t.Errorf("SHA-256: %v", err)
	}
}

// TestRecordChecks signs lists whose records contradict their
// certificates: the signature is fine, the records are not.
func TestRecordChecks(t *testing.T) {
	f := newFixture(t)
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	sum := sha256.Sum256(f.tftp.Raw)
	cases := map[string]func(r *ctl.Record){
		"subject":   func(r *ctl.Record) { r.SubjectName = "CN=cme-tftq" },
		"issuer":    func(r *ctl.Record) { r.IssuerName = "CN=someone" },
		"serial":    func(r *ctl.Record) { r.SerialNumber = []byte{4} },
		"key":       func(r *ctl.Record) { r.PublicKey = x509.MarshalPKCS1PublicKey(&other.PublicKey) },
		"signature": func(r *ctl.Record) { r.Signature = bytes.Clone(f.sast1.Signature) },
		"hash":      func(r *ctl.Record) { r.CertificateHash, r.HashAlgorithm = sum[:20], ctl.HashSHA1 },
		"cert":      func(r *ctl.Record) { r.Certificate = r.Certificate[:len(r.Certificate)-1] },
	}
	for name, mutate := range cases {
		recs := append([]ctl.Record(nil), f.records...)
		mutate(&recs[2])
		b, err := ctl.Sign(&ctl.File{Records: recs}, f.key1, f.sast1, crypto.SHA1, "CTLFile.tlv", now)
		if err != nil {
			t.Fatal(err)
		}
		l, err := trust.ParseList(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Verify(); !errors.Is(err, trust.ErrRecord) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A right certificate hash passes.
	recs := append([]ctl.Record(nil), f.records...)
	recs[2].CertificateHash, recs[2].HashAlgorithm = sum[:], ctl.HashSHA256
	b, _ := ctl.Sign(&ctl.File{Records: recs}, f.key1, f.sast1, crypto.SHA1, "CTLFile.tlv", now)
	if l, err := trust.ParseList(b); err != nil || l.Verify() != nil {
		t.Errorf("SHA-256 certificate hash: %v", err)
	}
	// Three SAST records: a fourth record (a SAST copy of the TFTP one)
	// appended to a good file, which is then signed again.
	good := f.sign(t, crypto.SHA1)
	l, _ := trust.ParseList(good)
	tftpRec := good[l.Records[2].Offset:l.Records[3].Offset]
	extra := bytes.Clone(tftpRec)
	i := bytes.Index(extra, []byte{4, 0, 2, 0, 3}) // ROLE TFTP
	extra[i+4] = 0
	if l, _ := trust.ParseList(resign(t, append(bytes.Clone(good), extra...), f.key1)); l == nil || !errors.Is(l.Verify(), trust.ErrRecord) {
		t.Error("three SAST records accepted")
	}
	// Signed by a certificate that has no SAST record: SAST1's record cut out.
	cut := append(bytes.Clone(good[:l.Records[0].Offset]), good[l.Records[1].Offset:]...)
	if l, _ := trust.ParseList(resign(t, cut, f.key1)); l == nil || !errors.Is(l.Verify(), trust.ErrNoSigner) {
		t.Error("signer without a SAST record accepted")
	}
}

// resign replaces the signature of a SHA-1 signed file, written by hand
// from §2.4.
func resign(t *testing.T, b []byte, key *rsa.PrivateKey) []byte {
	t.Helper()
	l, err := trust.ParseList(b)
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := l.Header.SignedBytes(b)
	d := sha1.Sum(signed)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA1, d[:])
	if err != nil {
		t.Fatal(err)
	}
	copy(b[bytes.Index(b, l.Header.Signature):], sig)
	return b
}

func TestVerifySigned(t *testing.T) {
	f := newFixture(t)
	content := []byte("<device><deviceSecurityMode>2</deviceSecurityMode></device>")
	b, err := ctl.SignFile(content, "SEP001122334455.cnf.xml.sgn", f.keyTFTP, f.tftp, crypto.SHA512, now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := trust.VerifySigned(b, "SEP001122334455.cnf.xml.sgn", f.sast1, f.tftp)
	if err != nil || !bytes.Equal(s.Content, content) || s.Header.Version != [2]byte{1, 0} {
		t.Fatalf("verify: %v", err)
	}
	if _, err := trust.VerifySigned(b, "", f.sast1, f.sast2); !errors.Is(err, trust.ErrNoSigner) {
		t.Errorf("untrusted signer: %v", err)
	}
	if _, err := trust.VerifySigned(b, "SEP665544332211.cnf.xml.sgn", f.tftp); err == nil {
		t.Error("file signed for another name accepted")
	}
	bad := bytes.Clone(b)
	bad[len(bad)-3] ^= 1
	if _, err := trust.VerifySigned(bad, "", f.tftp); !errors.Is(err, trust.ErrSignature) {
		t.Errorf("changed content: %v", err)
	}

	if _, err := trust.VerifySigned(b[:4], "", f.tftp); !errors.Is(err, trust.ErrFormat) {
		t.Errorf("truncated: %v", err)
	}
}

func TestMatchName(t *testing.T) {
	f := newFixture(t)
	for _, s := range []string{
		"C=NZ,O=Example\\, Inc.,CN=cmeserver",
		"CN=cmeserver;O=Example\\2C Inc.;C=NZ", // CUCM separator, RFC 4514 order
		"c=NZ, o=Example\\, Inc., cn=cmeserver",
	} {
		if err := trust.MatchName(s, f.sast1.RawSubject); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"CN=cmeserver", "C=NZ,O=Example, Inc.,CN=cmeserver", "C=NZ,O=Example\\, Inc.,CN=cmeserver,OU=x", "garbage"} {
		if trust.MatchName(s, f.sast1.RawSubject) == nil {
			t.Errorf("%q matched", s)
		}
	}
	if err := trust.MatchName("OU=\\+voice\\;,CN=cme-tftp", f.tftp.RawSubject); err != nil {
		t.Errorf("escaped: %v", err)
	}
}

func TestTVSMessages(t *testing.T) {
	req, err := trust.EncodeVerifyRequest(0x01020304, "CP-7975-SEP000CCE3A817C", []byte{0x30, 0})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x57, 1, 1, 0, 1, 2, 3, 4, 0, 32, 1, 0, 24, 1}
	want = append(want, "CP-7975-SEP000CCE3A817C"...)
	want = append(want, 2, 0, 2, 0x30, 0)
	if !bytes.Equal(req, want) {
		t.Errorf("request\n got %x\nwant %x", req, want)
	}
	a, err := trust.DecodeVerifyResponse([]byte{0x57, 1, 2, 0, 0, 0, 0, 9, 0, 15, 7, 0, 1, 0, 8, 0, 1, 4, 9, 0, 4, 0, 1, 0x51, 0x80})
	if err != nil || !a.Valid || len(a.Roles) != 1 || a.Roles[0] != trust.RoleCAPF || a.TTL != 86400 || a.Session != 9 {
		t.Errorf("response %+v %v", a, err)
	}
	for _, bad := range [][]byte{{0x57, 1, 2, 0, 0, 0, 0, 9, 0, 0}, {0x57, 1, 2, 0, 0, 0, 0, 9, 0, 4, 7, 0, 2, 0}, {0x57, 1, 1, 0, 0, 0, 0, 9, 0, 4, 7, 0, 1, 0}} {
		if _, err := trust.DecodeVerifyResponse(bad); err == nil {
			t.Errorf("%x accepted", bad)
		}
	}
}

func FuzzParseList(fz *testing.F) {
	f := newFixture(fz)
	fz.Add(f.sign(fz, crypto.SHA1))
	fz.Add([]byte{1, 0, 2, 1, 2, 2, 0, 2, 0, 10})
	fz.Fuzz(func(t *testing.T, b []byte) {
		l, err := trust.ParseList(b)
		if err != nil {
			if !errors.Is(err, trust.ErrFormat) {
				t.Fatalf("error not ErrFormat: %v", err)
			}
			return
		}
		if l.Header.Length > len(b) {
			t.Fatalf("header length %d beyond %d bytes", l.Header.Length, len(b))
		}
		if sb, err := l.Header.SignedBytes(b); err == nil && len(sb)+3+len(l.Header.Signature) != len(b) {
			t.Fatalf("signed bytes %d + signature %d != %d", len(sb), len(l.Header.Signature), len(b))
		}
		_ = l.Verify()
	})
}

func FuzzParseSigned(fz *testing.F) {
	f := newFixture(fz)
	b, _ := ctl.SignFile([]byte("<x/>"), "a.sgn", f.keyTFTP, f.tftp, crypto.SHA1, now)
	fz.Add(b)
	fz.Fuzz(func(t *testing.T, b []byte) {
		s, err := trust.ParseSigned(b)
		if err == nil && len(s.Content) != len(b)-s.Header.Length {
			t.Fatal("content is not the bytes after the header")
		}
		_, _ = trust.VerifySigned(b, "", f.tftp)
	})
}

func FuzzTVSResponse(fz *testing.F) {
	fz.Add([]byte{0x57, 1, 2, 0, 0, 0, 0, 9, 0, 15, 7, 0, 1, 0, 8, 0, 1, 4, 9, 0, 4, 0, 1, 0x51, 0x80})
	fz.Fuzz(func(t *testing.T, b []byte) {
		if a, err := trust.DecodeVerifyResponse(b); err == nil && len(a.Roles) > len(b) {
			t.Fatal("more roles than bytes")
		}
	})
}

// TestCUCMStyleITL: an ITL laid out as seed 001's (ctl.ITLRecord: DNS_NAME,
// ";"-joined names, ROLE before ISSUER_NAME, CAPF and TVS records with a
// certificate hash instead of the certificate) verifies, and the hash-only
// records name their servers' certificates and no others.
func TestCUCMStyleITL(t *testing.T) {
	f := newFixture(t)
	var recs []ctl.Record
	for _, x := range []struct {
		c        *x509.Certificate
		role     ctl.Role
		withCert bool
	}{{f.sast1, ctl.RoleSAST, true}, {f.sast1, ctl.RoleCCMTFTP, true}, {f.tftp, ctl.RoleTVS, false}, {f.sast2, ctl.RoleCAPF, false}} {
		r, err := ctl.ITLRecord(x.c, x.role, x.withCert)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	b, err := ctl.Sign(&ctl.File{Records: recs}, f.key1, f.sast1, crypto.SHA1, "ITLFile.tlv", now)
	if err != nil {
		t.Fatal(err)
	}
	l, err := trust.ParseList(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	if strings.Trim(l.Records[0].DNSName, "\x00") != "" || len(l.Records[2].Certificate) != 0 || len(l.Records[2].CertHash) != sha1.Size {
		t.Errorf("records not in the CUCM form: %+v", l.Records[2])
	}
	if !l.Trusts(f.tftp.Raw, trust.RoleTVS) || l.Trusts(f.sast2.Raw, trust.RoleTVS) || !l.Trusts(f.sast2.Raw, trust.RoleCAPF) {
		t.Error("Trusts does not follow the certificate hashes")
	}
	if certs, err := l.Certificates(trust.RoleTVS); err != nil || len(certs) != 0 {
		t.Errorf("Certificates of hash-only records: %v %v", certs, err)
	}
	// A SAST record must carry its certificate.
	recs[1].Role = ctl.RoleSAST
	recs[1].Certificate, recs[1].CertificateHash, recs[1].HashAlgorithm = nil, bytes.Repeat([]byte{1}, 20), ctl.HashSHA1
	b, _ = ctl.Sign(&ctl.File{Records: recs}, f.key1, f.sast1, crypto.SHA1, "ITLFile.tlv", now)
	if l, err := trust.ParseList(b); err != nil || l.Verify() == nil {
		t.Errorf("hash-only SAST record accepted (%v)", err)
	}
}
