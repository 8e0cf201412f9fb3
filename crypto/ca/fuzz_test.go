package ca_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/smallstep/scep"

	"cmeos/crypto/ca"
	"cmeos/crypto/keys"
	"cmeos/ios/fs"
)

func newAuthority(t testing.TB, grant bool) *ca.Authority {
	t.Helper()
	dir := t.TempDir()
	st, err := fs.New("flash", fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k, err := keys.NewMemoryStore().GenerateRSA("ca", 1024, false)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.NewCACertificate(k.Signer, pkix.Name{CommonName: "fuzz"}, time.Now(), 365, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ca.Open(st, time.Now, cert, k.Signer, ca.Settings{Name: "fuzz", DBURL: "nvram:", Level: ca.LevelMinimal, Lifetime: 30, CRLHours: 24, GrantAuto: grant})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// pkcsReq builds a valid SCEP PKCSReq for a, as a client would.
func pkcsReq(t testing.TB, a *ca.Authority) []byte {
	t.Helper()
	k, _ := keys.NewMemoryStore().GenerateRSA("c", 1024, false)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "fuzz-client"}}, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := x509.ParseCertificateRequest(der)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: csr.Subject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	sd, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Signer.Public(), k.Signer)
	signer, _ := x509.ParseCertificate(sd)
	msg, err := scep.NewCSRRequest(csr, &scep.PKIMessage{MessageType: scep.PKCSReq, Recipients: []*x509.Certificate{a.Cert()}, SignerKey: k.Signer, SignerCert: signer})
	if err != nil {
		t.Fatal(err)
	}
	return msg.Raw
}

func TestPKIOperationDirect(t *testing.T) {
	a := newAuthority(t, false)
	req := pkcsReq(t, a)
	for range 2 { // a duplicate request polls the same transaction
		rep, err := a.PKIOperation(req)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scep.ParsePKIMessage(rep, scep.WithCACerts([]*x509.Certificate{a.Cert()}))
		if err != nil || m.PKIStatus != scep.PENDING {
			t.Fatalf("status %v err %v", m, err)
		}
	}
	if n := len(a.Requests()); n != 1 {
		t.Fatalf("%d requests after a duplicate, want 1", n)
	}
	// A tampered message is refused outright.
	bad := append([]byte(nil), req...)
	bad[len(bad)-10] ^= 0x55
	if _, err := a.PKIOperation(bad); err == nil {
		t.Fatal("tampered message answered")
	}
}

// FuzzPKIOperation: arbitrary bodies, raw or through the HTTP handler's
// GET form, never panic.
func FuzzPKIOperation(f *testing.F) {
	a := newAuthority(f, true)
	valid := pkcsReq(f, a)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("garbage"))
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02})
	f.Fuzz(func(t *testing.T, body []byte) {
		a.PKIOperation(body)
		a.OCSP(body)
		// The GET form of the same message through the HTTP handler.
		r := httptest.NewRequest("GET", "/cgi-bin/pkiclient.exe?operation=PKIOperation&message="+url.QueryEscape(string(body)), nil)
		a.ServeHTTP(httptest.NewRecorder(), r)
	})
}
