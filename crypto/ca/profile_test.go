package ca_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/smallstep/scep"

	"cmeos/crypto/pki"
)

// TestCAPFNameGetsNoCA is issue 15 item 2: the certificate type follows the
// CA's configuration, not the subject a requester writes. An enrollment from
// the network named CN=CAPF-evil or hostname=capf under grant auto gets an
// end-entity certificate; the box's own CAPF trustpoint (its key is in the
// box's key store) still gets the CA:TRUE pathlen:0 certificate seed 000
// asks for, and `info requests` and `show crypto pki server NAME requests`
// file each request under what a grant would issue.
func TestCAPFNameGetsNoCA(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	ca := r.caCert()
	url := "http://" + r.addr
	hostname := pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 2}, Value: "capf"}
	for _, subj := range []pkix.Name{{CommonName: "CAPF-evil"}, {CommonName: "x", ExtraNames: []pkix.AttributeTypeAndValue{hostname}}} {
		key, _ := rsa.GenerateKey(rand.Reader, 1024)
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subj}, key)
		if err != nil {
			t.Fatal(err)
		}
		res, err := pki.SCEPEnroll(t.Context(), url, ca, der, key)
		if err != nil || res.Status != scep.SUCCESS {
			t.Fatalf("%v: %v %+v", subj, err, res)
		}
		c := res.Cert
		if c.IsCA || c.KeyUsage&x509.KeyUsageCertSign != 0 {
			t.Errorf("%v: a request from the network got a CA certificate (CA=%v ku=%v)", subj, c.IsCA, c.KeyUsage)
		}
		// Nothing it signs is accepted below our CA.
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Fatalf("%v: issued certificate does not verify: %v", subj, err)
		}
	}
	// The box's own CAPF trustpoint.
	out := r.enrollTP("capf", "subject-name cn=CAPF-508A3754,o=Example")
	c := r.cert("capf")
	if c == nil {
		t.Fatalf("no CAPF certificate:\n%s", out)
	}
	if !c.IsCA || !c.MaxPathLenZero || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("local CAPF trustpoint: CA=%v pathlen0=%v ku=%v", c.IsCA, c.MaxPathLenZero, c.KeyUsage)
	}
}

// TestRequestsShowWhatGrantIssues: under manual grant the pending requests
// are listed under the certificate a grant would give them.
func TestRequestsShowWhatGrantIssues(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("")
	ca := r.caCert()
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CAPF-evil"}}, key)
	if res, err := pki.SCEPEnroll(t.Context(), "http://"+r.addr, ca, der, key); err != nil || res.Status != scep.PENDING {
		t.Fatalf("%v %+v", err, res)
	}
	r.enrollTP("capf", "subject-name cn=CAPF-508A3754,o=Example")
	for _, cmd := range []string{"EXEC crypto pki server cme_root info requests", "EXEC show crypto pki server cme_root requests"} {
		out := r.run(cmd)
		sub, router, ok := strings.Cut(out, "Router certificates requests:")
		if !ok {
			t.Fatalf("%s:\n%s", cmd, out)
		}
		if !strings.Contains(sub, "cn=CAPF-508A3754") || strings.Contains(sub, "CAPF-evil") ||
			!strings.Contains(router, "cn=CAPF-evil") || strings.Contains(router, "CAPF-508A3754") {
			t.Errorf("%s: requests filed under the wrong kind:\n%s", cmd, out)
		}
	}
	// Granting them issues what was shown.
	r.run("EXEC crypto pki server cme_root grant all")
	res, err := pki.SCEPEnroll(t.Context(), "http://"+r.addr, ca, der, key)
	if err != nil || res.Status != scep.SUCCESS || res.Cert.IsCA {
		t.Fatalf("granted CAPF-evil: %v %+v", err, res)
	}
}

// TestRequestSubjectEscaped is issue 15 item 4 for the CA: a request's
// subject is the requester's, shown by `info requests` escaped so that it
// cannot drive the admin's terminal or forge lines.
func TestRequestSubjectEscaped(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("")
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "evil\x1b[2J\r\n1      granted    forged"}}, key)
	if res, err := pki.SCEPEnroll(t.Context(), "http://"+r.addr, r.caCert(), der, key); err != nil || res.Status != scep.PENDING {
		t.Fatalf("%v %+v", err, res)
	}
	out := r.run("EXEC crypto pki server cme_root info requests")
	if strings.ContainsAny(out, "\x1b\r") || !strings.Contains(out, `cn=evil\x1B[2J\r\n1      granted    forged`) {
		t.Fatalf("subject not escaped:\n%q", out)
	}
}
