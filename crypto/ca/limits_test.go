package ca_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/ca"
	"cmeos/crypto/pki"
	"cmeos/ios/fs"
)

// TestRequestTableBounded is issue 15 item 6: pending requests lived in
// memory forever. A request leaves the table after `lifetime
// enrollment-request` (168 hours by default), and the table holds at most
// ca.MaxRequests: then a new request is refused until requests are
// granted, rejected or age out.
func TestRequestTableBounded(t *testing.T) {
	dir := t.TempDir()
	st, err := fs.New("flash", fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, _ := ca.NewCACertificate(k, pkix.Name{CommonName: "limits"}, now, 365, "")
	a, err := ca.Open(st, clock, cert, k, ca.Settings{Name: "limits", DBURL: "flash:", Level: ca.LevelNames, Lifetime: 30, CRLHours: 24})
	if err != nil {
		t.Fatal(err)
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr := func(i int) *x509.CertificateRequest {
		der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: fmt.Sprintf("r%d", i)}}, ek)
		c, _ := x509.ParseCertificateRequest(der)
		return c
	}
	for i := range ca.MaxRequests {
		if _, err := a.Submit(fmt.Sprintf("t%d", i), csr(i)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := a.Submit("one-too-many", csr(-1)); !errors.Is(err, ca.ErrTableFull) {
		t.Fatalf("request past the bound: %v", err)
	}
	// Granting makes room: finished requests give way to new ones.
	if _, err := a.Grant(1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Submit("after-grant", csr(-2)); err != nil {
		t.Fatalf("request after a grant: %v", err)
	}
	if n := len(a.Requests()); n != ca.MaxRequests {
		t.Fatalf("%d requests in the table", n)
	}
	// A week later they are all gone.
	now = now.Add(ca.DefaultRequestHours*time.Hour + time.Minute)
	if _, err := a.Submit("next-week", csr(-3)); err != nil {
		t.Fatal(err)
	}
	if n := len(a.Requests()); n != 1 {
		t.Fatalf("%d requests after the lifetime, want 1", n)
	}
	if _, ok := a.Lookup("t5"); ok {
		t.Fatal("an aged request still answers polls")
	}
	// The index is appended to: one line per certificate.
	b, _ := st.ReadFile(fs.Path{Prefix: "flash", Name: "limits.cnm"})
	if n := bytes.Count(b, []byte("\n")); n != 1 {
		t.Fatalf("index holds %d lines, want 1:\n%s", n, b)
	}
}

// TestPKIOperationRateLimited: one source gets a burst of ca.SourceBurst
// PKIOperation messages, then 503 until its bucket refills; GetCACert
// stays available.
func TestPKIOperationRateLimited(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("")
	url := "http://" + r.addr + pki.SCEPPath + "?operation=PKIOperation"
	codes := map[int]int{}
	for range ca.SourceBurst + 10 {
		resp, err := http.Post(url, "application/x-pki-message", strings.NewReader("not a pkiMessage"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[http.StatusBadRequest] != ca.SourceBurst || codes[http.StatusServiceUnavailable] != 10 {
		t.Fatalf("answers %v, want %d x 400 then 10 x 503", codes, ca.SourceBurst)
	}
	resp, err := http.Get("http://" + r.addr + pki.SCEPPath + "?operation=GetCACert")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GetCACert after the flood: %v %v", err, resp)
	}
	resp.Body.Close()
}
