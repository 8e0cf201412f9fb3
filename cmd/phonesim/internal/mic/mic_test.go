package mic

import (
	"crypto/x509"
	"testing"
)

func TestIssueAndCache(t *testing.T) {
	dir := t.TempDir()
	ca, err := Load(dir, ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := ca.Issue("7970", "00124302a7cc")
	if err != nil {
		t.Fatal(err)
	}
	if c1.Leaf.Subject.CommonName != "CP-7970G-SEP00124302A7CC" {
		t.Errorf("CN %q", c1.Leaf.Subject.CommonName)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	if _, err := c1.Leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("MIC does not chain to the CA: %v", err)
	}
	// A second CA object over the same directory is the same CA, and the
	// MIC comes from the cache.
	ca2, err := Load(dir, ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	if !ca2.Cert.Equal(ca.Cert) {
		t.Fatal("reloaded CA differs")
	}
	c2, err := ca2.Issue("7970", "00124302A7CC")
	if err != nil {
		t.Fatal(err)
	}
	if !c2.Leaf.Equal(c1.Leaf) || len(c2.Certificate) != 2 {
		t.Errorf("MIC not cached: %v / %d certs", c2.Leaf.SerialNumber, len(c2.Certificate))
	}
	if _, err := Load(t.TempDir(), "dsa"); err == nil {
		t.Error("unknown key type accepted")
	}
}
