package ca_test

import (
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

// A certificate of one day warns at once; auto-enroll 50 renews it through
// SCEP once half its lifetime has passed (software clock moved forward).
func TestExpiryWarningAndAutoEnroll(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	r.run("crypto pki server cme_root", "shutdown", "lifetime certificate 1", "no shutdown", "exit")
	out := r.enrollTP("cme_tftp", "auto-enroll 50")
	first := r.cert("cme_tftp")
	if first == nil {
		t.Fatalf("enroll:\n%s", out)
	}
	if d := first.NotAfter.Sub(first.NotBefore); d > 25*time.Hour {
		t.Fatalf("lifetime %v, want 1 day", d)
	}
	f := pki.FromSystem(r.sys)
	f.CheckExpiry(t.Context())
	f.CheckExpiry(t.Context()) // warns once per threshold
	logs := strings.Join(r.sys.Log.Entries(), "\n")
	if n := strings.Count(logs, "%PKI-4-CERT_EXPIRY_WARNING: The router certificate of trustpoint cme_tftp"); n != 1 {
		t.Fatalf("%d expiry warnings:\n%s", n, logs)
	}
	if r.cert("cme_tftp").SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatal("renewed before half the lifetime")
	}
	r.sys.SetClock(time.Now().Add(13 * time.Hour))
	f.CheckExpiry(t.Context())
	second := r.cert("cme_tftp")
	if second.SerialNumber.Cmp(first.SerialNumber) <= 0 {
		t.Fatalf("not renewed: serial %v", second.SerialNumber)
	}
	logs = strings.Join(r.sys.Log.Entries(), "\n")
	if !strings.Contains(logs, "%PKI-6-CERTRENEWAUTO: Renewing the router certificate for trustpoint cme_tftp") ||
		!strings.Contains(logs, "%PKI-6-CERTRET: Certificate received from Certificate Authority") {
		t.Fatalf("logs:\n%s", logs)
	}
	// Expired: an error, once.
	r.sys.SetClock(time.Now().Add(30 * 24 * time.Hour))
	f.CheckExpiry(t.Context())
	f.CheckExpiry(t.Context())
	logs = strings.Join(r.sys.Log.Entries(), "\n")
	if !strings.Contains(logs, "%PKI-3-CERT_EXPIRED") {
		t.Fatalf("no expiry error:\n%s", logs)
	}
}

// crypto pki cert validate checks the chain and, with revocation-check
// crl, the CA's CRL fetched over SCEP GetCRL.
func TestValidateWithCRL(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	r.enrollTP("cme_tftp", "revocation-check crl")
	c := r.cert("cme_tftp")
	if c == nil {
		t.Fatal("no certificate")
	}
	out := r.run("EXEC crypto pki cert validate cme_tftp")
	if !strings.Contains(out, "Certificate chain for cme_tftp is valid") {
		t.Fatalf("validate:\n%s", out)
	}
	out = r.run("EXEC crypto pki server cme_root revoke "+pki.SerialHex(c), "EXEC crypto pki cert validate cme_tftp")
	if !strings.Contains(out, "is not valid") || !strings.Contains(out, "revoked") {
		t.Fatalf("validate after revoke:\n%s", out)
	}
	// revocation-check none accepts it.
	out = r.run("crypto pki trustpoint cme_tftp", "revocation-check none", "exit", "EXEC crypto pki cert validate cme_tftp")
	if !strings.Contains(out, "is valid") {
		t.Fatalf("validate with none:\n%s", out)
	}
}

// revocation-check ocsp asks the certificate server's OCSP responder.
func TestValidateWithOCSP(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	r.enrollTP("cme_tftp", "revocation-check ocsp")
	c := r.cert("cme_tftp")
	if c == nil {
		t.Fatal("no certificate")
	}
	openssl := func(want string) {
		t.Helper()
		path, err := exec.LookPath("openssl")
		if err != nil {
			t.Fatal("openssl missing (scripts/deps installs it)")
		}
		dir := t.TempDir()
		caf, cf := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "c.pem")
		os.WriteFile(caf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.caCert().Raw}), 0o644)
		os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
		o, err := exec.Command(path, "ocsp", "-issuer", caf, "-cert", cf, "-url", "http://"+r.addr+"/ocsp", "-CAfile", caf).CombinedOutput()
		if err != nil || !strings.Contains(string(o), cf+": "+want) || !strings.Contains(string(o), "Response verify OK") {
			t.Fatalf("openssl ocsp (want %s): %v\n%s", want, err, o)
		}
	}
	openssl("good")
	out := r.run("crypto pki trustpoint cme_tftp", "ocsp url http://"+r.addr+"/ocsp", "exit", "EXEC crypto pki cert validate cme_tftp")
	if !strings.Contains(out, "Certificate chain for cme_tftp is valid") {
		t.Fatalf("validate:\n%s", out)
	}
	out = r.run("EXEC crypto pki server cme_root revoke "+pki.SerialHex(c), "EXEC crypto pki cert validate cme_tftp")
	if !strings.Contains(out, "is not valid") || !strings.Contains(out, "revoked") {
		t.Fatalf("validate after revoke:\n%s", out)
	}
	openssl("revoked")
	// Responder down: ocsp fails, "ocsp none" falls through to none.
	out = r.run("crypto pki trustpoint cme_tftp", "ocsp url http://127.0.0.1:1/ocsp", "revocation-check ocsp none", "exit", "EXEC crypto pki cert validate cme_tftp")
	if !strings.Contains(out, "is valid") {
		t.Fatalf("validate with ocsp none:\n%s", out)
	}
}

// auto-enroll ... regenerate renews with a new key pair, which replaces the
// trustpoint's key only when the new certificate arrives.
func TestAutoEnrollRegenerate(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	r.run("crypto pki server cme_root", "shutdown", "lifetime certificate 1", "no shutdown", "exit")
	out := r.enrollTP("cme_tftp", "auto-enroll 50 regenerate")
	first := r.cert("cme_tftp")
	if first == nil {
		t.Fatalf("enroll:\n%s", out)
	}
	f := pki.FromSystem(r.sys)
	r.sys.SetClock(time.Now().Add(13 * time.Hour))
	f.CheckExpiry(t.Context())
	second := r.cert("cme_tftp")
	if second.SerialNumber.Cmp(first.SerialNumber) <= 0 {
		t.Fatal("not renewed")
	}
	if first.PublicKeyAlgorithm != second.PublicKeyAlgorithm || string(first.RawSubjectPublicKeyInfo) == string(second.RawSubjectPublicKeyInfo) {
		t.Fatal("renewed certificate has the old key")
	}
	r.sys.Lock()
	_, key, ok := f.Credentials("cme_tftp")
	r.sys.Unlock()
	if !ok {
		t.Fatal("no credentials after renewal")
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil || string(pub) != string(second.RawSubjectPublicKeyInfo) {
		t.Fatal("the trustpoint's key is not the key of the renewed certificate")
	}
}
