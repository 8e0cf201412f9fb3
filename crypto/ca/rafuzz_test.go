package ca_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/smallstep/scep"

	"cmeos/crypto/ca"
	"cmeos/crypto/keys"
)

// newRA makes a registration authority (manual grant: nothing is
// forwarded) whose RA certificate a issued.
func newRA(t testing.TB, a *ca.Authority) (*ca.RA, *x509.Certificate) {
	t.Helper()
	k, _ := keys.NewMemoryStore().GenerateRSA("ra", 1024, false)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "fuzz RA"}}, k.Signer)
	csr, _ := x509.ParseCertificateRequest(der)
	cert, err := a.Issue(csr, ca.ProfileServer)
	if err != nil {
		t.Fatal(err)
	}
	return ca.NewRA(context.Background(), "http://127.0.0.1:1", a.Cert(), cert, k.Signer, time.Now, false), cert
}

func raReq(t testing.TB, recipient *x509.Certificate) []byte {
	t.Helper()
	k, _ := keys.NewMemoryStore().GenerateRSA("c", 1024, false)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "fuzz-client"}}, k.Signer)
	csr, _ := x509.ParseCertificateRequest(der)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: csr.Subject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	sd, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Signer.Public(), k.Signer)
	signer, _ := x509.ParseCertificate(sd)
	msg, err := scep.NewCSRRequest(csr, &scep.PKIMessage{MessageType: scep.PKCSReq, Recipients: []*x509.Certificate{recipient}, SignerKey: k.Signer, SignerCert: signer})
	if err != nil {
		t.Fatal(err)
	}
	return msg.Raw
}

func TestRAPKIOperationDirect(t *testing.T) {
	a := newAuthority(t, true)
	ra, raCert := newRA(t, a)
	req := raReq(t, raCert)
	rep, err := ra.PKIOperation(req)
	if err != nil {
		t.Fatal(err)
	}
	m, err := scep.ParsePKIMessage(rep)
	if err != nil || m.PKIStatus != scep.PENDING {
		t.Fatalf("status %v err %v", m, err)
	}
	if a.LastSerial() != 2 || len(ra.Requests()) != 1 {
		t.Fatal("request forwarded before the RA granted it")
	}
	// Encrypted to the CA instead of the RA: badMessageCheck.
	rep, err = ra.PKIOperation(raReq(t, a.Cert()))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := scep.ParsePKIMessage(rep); err != nil || m.PKIStatus != scep.FAILURE || m.FailInfo != scep.BadMessageCheck {
		t.Fatalf("wrong recipient: %v %v", m, err)
	}
	bad := append([]byte(nil), req...)
	bad[len(bad)-10] ^= 0x55
	if _, err := ra.PKIOperation(bad); err == nil {
		t.Fatal("tampered message answered")
	}
}

// FuzzRAPKIOperation: arbitrary bodies sent to a registration authority,
// raw or through its HTTP handler, never panic.
func FuzzRAPKIOperation(f *testing.F) {
	a := newAuthority(f, true)
	ra, raCert := newRA(f, a)
	valid := raReq(f, raCert)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, body []byte) {
		ra.PKIOperation(body)
		r := httptest.NewRequest("GET", "/cgi-bin/pkiclient.exe?operation=PKIOperation&message="+url.QueryEscape(string(body)), nil)
		ra.ServeHTTP(httptest.NewRecorder(), r)
	})
}
