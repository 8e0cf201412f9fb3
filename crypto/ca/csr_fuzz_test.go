package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"testing"
)

// FuzzParseCSR: the PKCS#10 request pasted at `crypto pki server NAME
// request pkcs10 terminal` (PEM or base64) never panics the parser.
func FuzzParseCSR(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "r1"}}, k)
	f.Add(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})))
	f.Add(base64.StdEncoding.EncodeToString(der))
	f.Add("MIIB\n  quit")
	f.Fuzz(func(t *testing.T, text string) {
		csr, err := parseCSR(text)
		if err == nil && csr == nil {
			t.Fatal("nil request without an error")
		}
		if err == nil {
			subjectOf(csr) // shown by info requests: must not panic either
		}
	})
}
