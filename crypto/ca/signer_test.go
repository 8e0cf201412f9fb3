package ca_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"github.com/smallstep/scep"

	"cmeos/crypto/pki"
)

// attackMessage is a PKCSReq for csr that lists listed (a certificate the
// CA issued: the CCM certificate is public in CTLFile.tlv) but is signed by
// the attacker's own self-signed certificate and key, which it lists second.
func attackMessage(t *testing.T, ca, listed *x509.Certificate, csr []byte) []byte {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	tmpl := &x509.Certificate{SerialNumber: listed.SerialNumber, Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := x509.ParseCertificate(der)
	env, err := pkcs7.Encrypt(csr, []*x509.Certificate{ca})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := pkcs7.NewSignedData(env)
	if err != nil {
		t.Fatal(err)
	}
	sd.AddCertificate(listed)
	nonce := make([]byte, 16)
	rand.Read(nonce)
	tid := make([]byte, 20)
	rand.Read(tid)
	attrs := []pkcs7.Attribute{
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 7}, Value: hex.EncodeToString(tid)},
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 2}, Value: scep.PKCSReq},
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 5}, Value: nonce},
	}
	if err := sd.AddSigner(self, key, pkcs7.SignerInfoConfig{ExtraSignedAttributes: attrs}); err != nil {
		t.Fatal(err)
	}
	msg, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestSCEPSignerSubstitution is issue 15 item 1: a pkiMessage listing a
// certificate the CA issued but signed by another key must not pass as a
// renewal by that certificate's holder. Under `grant auto rollover` it was
// granted at once; under manual grant it was held as pending. Both now
// answer FAILURE badMessageCheck and leave no request behind.
func TestSCEPSignerSubstitution(t *testing.T) {
	for _, grant := range []string{"auto rollover", ""} {
		t.Run("grant "+grant, func(t *testing.T) {
			r := newRig(t, t.TempDir())
			r.boot()
			r.setupCA(grant)
			ca := r.caCert()
			url := "http://" + r.addr

			// A legitimate router enrolls and is granted by hand.
			key, _ := rsa.GenerateKey(rand.Reader, 1024)
			csr := func(k *rsa.PrivateKey, cn string) []byte {
				der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, k)
				if err != nil {
					t.Fatal(err)
				}
				return der
			}
			if res, err := pki.SCEPEnroll(t.Context(), url, ca, csr(key, "cme"), key); err != nil || res.Status != scep.PENDING {
				t.Fatalf("enroll: %v %+v", err, res)
			}
			r.run("EXEC crypto pki server cme_root grant all")
			res, err := pki.SCEPEnroll(t.Context(), url, ca, csr(key, "cme"), key)
			if err != nil || res.Status != scep.SUCCESS {
				t.Fatalf("poll after grant: %v %+v", err, res)
			}
			issued := res.Cert
			before := r.run("EXEC crypto pki server cme_root info requests")

			attacker, _ := rsa.GenerateKey(rand.Reader, 1024)
			msg := attackMessage(t, ca, issued, csr(attacker, "evil"))
			resp, err := http.Post(url+pki.SCEPPath+"?operation=PKIOperation", "application/x-pki-message", bytes.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			rep, err := scep.ParsePKIMessage(body, scep.WithCACerts([]*x509.Certificate{ca}))
			if err != nil || rep.CertRepMessage == nil {
				t.Fatalf("reply is not a CertRep: %v (HTTP %d)", err, resp.StatusCode)
			}
			if rep.PKIStatus != scep.FAILURE || rep.FailInfo != scep.BadMessageCheck {
				t.Fatalf("substituted signer answered status %q failInfo %q, want FAILURE/badMessageCheck", string(rep.PKIStatus), string(rep.FailInfo))
			}
			after := r.run("EXEC crypto pki server cme_root info requests")
			if after != before || strings.Contains(after, "cn=evil") {
				t.Fatalf("the substituted request left a trace:\n%s", after)
			}
			// The legitimate holder's renewal still works under rollover.
			if grant == "auto rollover" {
				key2, _ := rsa.GenerateKey(rand.Reader, 1024)
				res, err := pki.SCEPRequest(t.Context(), url, ca, csr(key2, "cme"), issued, key)
				if err != nil || res.Status != scep.SUCCESS {
					t.Fatalf("genuine renewal: %v %+v", err, res)
				}
			}
		})
	}
}
