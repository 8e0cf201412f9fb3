package ca_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"path/filepath"
	"testing"
	"time"

	"cmeos/crypto/ca"
	"cmeos/ios/fs"
)

// benchIssue measures certificates issued per second from a CSR: signing,
// the serial-counter write (fsync'd atomic replace) and the index line of
// database level names, as `crypto pki server` does for every request.
func benchIssue(b *testing.B, caKey crypto.Signer, level string) {
	dir := b.TempDir()
	st, err := fs.New("flash", fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cert, err := ca.NewCACertificate(caKey, pkix.Name{CommonName: "bench"}, time.Now(), 365, "")
	if err != nil {
		b.Fatal(err)
	}
	a, err := ca.Open(st, time.Now, cert, caKey, ca.Settings{Name: "bench", DBURL: "flash:", Level: level, Lifetime: 365, CRLHours: 24})
	if err != nil {
		b.Fatal(err)
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "SEP001122334455"}}, ek)
	csr, _ := x509.ParseCertificateRequest(der)
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Issue(csr, ca.ProfilePhone); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

func BenchmarkIssueRSA2048(b *testing.B) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	benchIssue(b, k, ca.LevelMinimal)
}

func BenchmarkIssueP256(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	benchIssue(b, k, ca.LevelMinimal)
}

func BenchmarkIssueRSA2048Complete(b *testing.B) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	benchIssue(b, k, ca.LevelComplete)
}
