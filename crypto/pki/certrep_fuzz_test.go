package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"github.com/smallstep/scep"
)

// certRep builds a CertRep as a CA sends it (signed by ca/caKey), with a
// certificate encrypted to recipient on SUCCESS.
func certRep(t testing.TB, ca *x509.Certificate, caKey *rsa.PrivateKey, tid string, status scep.PKIStatus, issued, recipient *x509.Certificate) []byte {
	attrs := []pkcs7.Attribute{
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 7}, Value: tid},
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 3}, Value: status},
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 2}, Value: scep.CertRep},
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 5}, Value: []byte("0123456789abcdef")},
		{Type: []int{2, 16, 840, 1, 113733, 1, 9, 6}, Value: []byte("0123456789abcdef")},
	}
	if status == scep.FAILURE {
		attrs = append(attrs, pkcs7.Attribute{Type: []int{2, 16, 840, 1, 113733, 1, 9, 4}, Value: scep.BadRequest})
	}
	var content []byte
	if issued != nil {
		deg, err := scep.DegenerateCertificates([]*x509.Certificate{issued})
		if err != nil {
			t.Fatal(err)
		}
		if content, err = pkcs7.Encrypt(deg, []*x509.Certificate{recipient}); err != nil {
			t.Fatal(err)
		}
	}
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.AddSigner(ca, caKey, pkcs7.SignerInfoConfig{ExtraSignedAttributes: attrs}); err != nil {
		t.Fatal(err)
	}
	b, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzCertRep is the SCEP client's reply parser (issue 15 item 13): what
// `crypto pki enroll` and the RA (relaying an upstream CA's answers) read
// from the network. No reply panics it, and a SUCCESS always carries a
// certificate.
func FuzzCertRep(f *testing.F) {
	caKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, caKey.Public(), caKey)
	ca, _ := x509.ParseCertificate(der)
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	signer, err := selfSigned(key, pkix.Name{CommonName: "router"})
	if err != nil {
		f.Fatal(err)
	}
	const tid = "4F7A"
	f.Add(certRep(f, ca, caKey, tid, scep.SUCCESS, signer, signer))
	f.Add(certRep(f, ca, caKey, tid, scep.PENDING, nil, nil))
	f.Add(certRep(f, ca, caKey, tid, scep.FAILURE, nil, nil))
	f.Add(certRep(f, ca, caKey, tid, scep.SUCCESS, nil, nil))
	f.Add([]byte{0x30, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := parseCertRep(b, ca, tid, signer, key)
		if err == nil && res.Status == scep.SUCCESS && res.Cert == nil {
			t.Fatal("SUCCESS without a certificate")
		}
	})
}
