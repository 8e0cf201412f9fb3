package ca_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"

	"github.com/smallstep/scep"

	"cmeos/crypto/pki"
)

// TestGrantAutoRollover: under `grant auto rollover` a new enrollment waits
// for a manual grant, while a re-enrollment signed with a certificate the
// CA issued (the rollover of a subordinate CA, RA or router) is granted at
// once.
func TestGrantAutoRollover(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto rollover")
	ca := r.caCert()
	url := "http://" + r.addr

	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	csr := func(k *rsa.PrivateKey, cn string) []byte {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	res, err := pki.SCEPEnroll(t.Context(), url, ca, csr(key, "router-a"), key)
	if err != nil || res.Status != scep.PENDING {
		t.Fatalf("new request under grant auto rollover: %v %+v", err, res)
	}
	out := r.run("EXEC crypto pki server cme_root grant all")
	res, err = pki.SCEPEnroll(t.Context(), url, ca, csr(key, "router-a"), key)
	if err != nil || res.Status != scep.SUCCESS {
		t.Fatalf("after grant all: %v %+v\n%s", err, res, out)
	}
	issued := res.Cert

	// Rollover: a new key, the request signed with the issued certificate.
	key2, _ := rsa.GenerateKey(rand.Reader, 1024)
	res, err = pki.SCEPRequest(t.Context(), url, ca, csr(key2, "router-a"), issued, key)
	if err != nil || res.Status != scep.SUCCESS {
		t.Fatalf("re-enrollment signed by an issued certificate: %v %+v", err, res)
	}
	if res.Cert.PublicKey.(*rsa.PublicKey).N.Cmp(key2.N) != 0 {
		t.Fatal("renewed certificate is not for the new key")
	}
	// A request signed by a certificate the CA did not issue still waits.
	key3, _ := rsa.GenerateKey(rand.Reader, 1024)
	res, err = pki.SCEPEnroll(t.Context(), url, ca, csr(key3, "stranger"), key3)
	if err != nil || res.Status != scep.PENDING {
		t.Fatalf("stranger: %v %+v", err, res)
	}
	if info := r.run("EXEC crypto pki server cme_root info requests"); !strings.Contains(info, "pending") {
		t.Fatalf("info requests:\n%s", info)
	}
	// New requests wait for a manual grant, and the show says so (issue 15
	// item 12: it said "auto").
	if show := r.run("EXEC show crypto pki server cme_root"); !strings.Contains(show, "    Granting mode is: manual\n") {
		t.Fatalf("show crypto pki server under grant auto rollover:\n%s", show)
	}
}
