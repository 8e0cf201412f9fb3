package ca_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/pki"
)

// scepclient is micromdm's SCEP client (Debian package scep).
func scepclient(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("scepclient")
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("scepclient missing (scripts/deps installs the scep package)")
		}
		t.Skip("scepclient not installed")
	}
	return p
}

func startSCEPClient(ctx context.Context, t *testing.T, bin, addr, cn string) (*exec.Cmd, string, *strings.Builder) {
	return startSCEPClientChallenge(ctx, t, bin, addr, cn, "pw123")
}

func startSCEPClientChallenge(ctx context.Context, t *testing.T, bin, addr, cn, challenge string) (*exec.Cmd, string, *strings.Builder) {
	dir := t.TempDir()
	out := &strings.Builder{}
	cmd := exec.CommandContext(ctx, bin, "-server-url", "http://"+addr+pki.SCEPPath,
		"-private-key", filepath.Join(dir, "key.pem"), "-certificate", filepath.Join(dir, "cert.pem"),
		"-keySize", "1024", "-cn", cn, "-challenge", challenge)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, filepath.Join(dir, "cert.pem"), out
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMicroMDMClientGrantAuto(t *testing.T) {
	bin := scepclient(t)
	t.Parallel()
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd, certPath, out := startSCEPClient(ctx, t, bin, r.addr, "phone1")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("scepclient: %v\n%s", err, out)
	}
	c := readCert(t, certPath)
	if c.Subject.CommonName != "phone1" || c.CheckSignatureFrom(r.caCert()) != nil {
		t.Fatalf("certificate %v", c.Subject)
	}
	verifyOpenSSL(t, r.caCert(), c)
}

// TestMicroMDMClientPending: manual granting leaves the request pending; the
// client retries (every 30 s, its own schedule) and gets the certificate
// after `crypto pki server cme_root grant all`.
func TestMicroMDMClientPending(t *testing.T) {
	bin := scepclient(t)
	t.Parallel()
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("manual")
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	cmd, certPath, out := startSCEPClient(ctx, t, bin, r.addr, "phone2")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var info string
	for i := 0; ; i++ {
		info = r.run("EXEC crypto pki server cme_root info requests")
		if strings.Contains(info, "1      pending") {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("scepclient ended before grant: %v\n%s", err, out)
		case <-time.After(50 * time.Millisecond):
		}
		if i > 600 {
			t.Fatalf("request never pending:\n%s\nclient:\n%s", info, out)
		}
	}
	if !strings.Contains(info, "cn=phone2") {
		t.Fatalf("info requests:\n%s", info)
	}
	r.run("EXEC crypto pki server cme_root grant all")
	if err := <-done; err != nil {
		t.Fatalf("scepclient: %v\n%s", err, out)
	}
	c := readCert(t, certPath)
	if c.Subject.CommonName != "phone2" {
		t.Fatalf("certificate %v", c.Subject)
	}
	verifyOpenSSL(t, r.caCert(), c)
}
