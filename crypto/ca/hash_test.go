package ca_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cmeos/crypto/ca"
)

// opensslText runs `openssl x509|crl -text` on DER data.
func opensslText(t *testing.T, kind string, der []byte) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("openssl missing (scripts/deps installs it)")
		}
		t.Skip("openssl not installed")
	}
	f := filepath.Join(t.TempDir(), "in.der")
	os.WriteFile(f, der, 0o644)
	out, err := exec.Command(path, kind, "-inform", "DER", "-in", f, "-noout", "-text").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", kind, err, out)
	}
	return string(out)
}

// TestHash: `hash sha384|sha512` signs the CA certificate, issued
// certificates and CRLs with that digest (read back by openssl).
func TestHash(t *testing.T) {
	for _, tc := range []struct{ hash, want string }{{"sha384", "sha384WithRSAEncryption"}, {"sha512", "sha512WithRSAEncryption"}} {
		t.Run(tc.hash, func(t *testing.T) {
			r := newRig(t, t.TempDir())
			r.boot()
			out := r.run("hostname cme", "ip http server", "crypto key generate rsa label cme_root modulus 1024",
				"crypto pki server cme_root", "grant auto", "hash "+tc.hash, "no shutdown|Secret123|Secret123", "exit")
			if !strings.Contains(out, "% Certificate Server enabled.") {
				t.Fatalf("CA not enabled:\n%s", out)
			}
			if out := r.enrollTP("tp1", ""); r.cert("tp1") == nil {
				t.Fatalf("enroll:\n%s", out)
			}
			r.run("EXEC crypto pki server cme_root revoke 2")
			r.sys.Lock()
			crl, err := ca.FromSystem(r.sys).Authority("cme_root").CRL()
			r.sys.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{
				"CA certificate": opensslText(t, "x509", r.caCert().Raw),
				"certificate":    opensslText(t, "x509", r.cert("tp1").Raw),
				"CRL":            opensslText(t, "crl", crl),
			} {
				if !strings.Contains(text, "Signature Algorithm: "+tc.want) {
					t.Errorf("%s not signed with %s:\n%s", name, tc.want, text)
				}
			}
			verifyOpenSSL(t, r.caCert(), r.cert("tp1"))
			if !strings.Contains(r.run("do show running-config | section crypto pki server"), " hash "+tc.hash) {
				t.Error("hash not rendered")
			}
		})
	}
}
