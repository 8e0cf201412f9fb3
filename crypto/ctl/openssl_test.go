package ctl

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// openssl runs the openssl command line tool. Like every interop test in
// this repository it fails, rather than skips, when the tool is missing.
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl not found on PATH (scripts/deps installs it): %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// signedParts returns the bytes a .tlv or .sgn signature covers and the
// signature, cut out the way §2.4 describes.
func signedParts(t *testing.T, b []byte) (region, sig []byte) {
	t.Helper()
	_, l, err := decodeHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	region = append(bytes.Clone(b[:l.sigOff]), b[l.sigEnd:]...)
	return region, b[l.sigOff+3 : l.sigEnd]
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenSSLSignature checks both directions: openssl verifies our
// signatures over the §2.4 region, and openssl's own PKCS#1 v1.5 signature
// of that region is byte for byte the one we wrote.
func TestOpenSSLSignature(t *testing.T) {
	ids := identities(t)
	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA512} {
		_, tlv := signGolden(t, hash)
		sgn := signGoldenSGN(t, hash)
		for _, c := range []struct {
			name   string
			file   []byte
			signer string
		}{{"tlv", tlv, "sast1"}, {"sgn", sgn, "tftp"}} {
			t.Run(fmt.Sprintf("%s-%v", c.name, hash), func(t *testing.T) {
				dir := t.TempDir()
				region, sig := signedParts(t, c.file)
				spki, err := x509.MarshalPKIXPublicKey(ids[c.signer].cert.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				pub := writeFile(t, dir, "pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
				regionPath := writeFile(t, dir, "region.bin", region)
				sigPath := writeFile(t, dir, "sig.bin", sig)
				digest := "-" + strings.ToLower(strings.ReplaceAll(hash.String(), "-", ""))

				if out := openssl(t, "dgst", digest, "-verify", pub, "-signature", sigPath, regionPath); !strings.Contains(out, "Verified OK") {
					t.Errorf("openssl dgst -verify: %s", out)
				}
				osig := filepath.Join(dir, "openssl.sig")
				openssl(t, "dgst", digest, "-sign", filepath.Join("testdata", c.signer+".key"), "-out", osig, regionPath)
				got, err := os.ReadFile(osig)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, sig) {
					t.Error("openssl's signature of the signed region differs from ours")
				}
			})
		}
	}
}

// TestOpenSSLRecords checks the record elements openssl can read: RSA
// PUBLIC_KEY is a PKCS#1 RSAPublicKey, CERTIFICATE is DER, and the SHA-1
// fingerprint the dump prints is openssl's.
func TestOpenSSLRecords(t *testing.T) {
	f := goldenFile(t)
	dir := t.TempDir()
	for i, r := range f.Records {
		cert, err := r.ParseCertificate()
		if err != nil {
			t.Fatal(err)
		}
		certPath := writeFile(t, dir, fmt.Sprintf("cert%d.der", i), r.Certificate)
		sum := sha1.Sum(r.Certificate)
		// OpenSSL 3 says "sha1 Fingerprint=", 1.1 "SHA1 Fingerprint=".
		out := openssl(t, "x509", "-inform", "DER", "-in", certPath, "-noout", "-fingerprint", "-sha1")
		if _, got, _ := strings.Cut(strings.TrimSpace(out), "Fingerprint="); got != colonHex(sum[:]) {
			t.Errorf("record %d: openssl fingerprint %q, want %s", i+1, strings.TrimSpace(out), colonHex(sum[:]))
		}
		if out := openssl(t, "x509", "-inform", "DER", "-in", certPath, "-noout", "-serial"); strings.TrimSpace(out) != "serial="+fmt.Sprintf("%X", r.SerialNumber) {
			t.Errorf("record %d: openssl %q, record serial %X", i+1, strings.TrimSpace(out), r.SerialNumber)
		}
		k, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			continue
		}
		pkPath := writeFile(t, dir, fmt.Sprintf("pk%d.der", i), r.PublicKey)
		out = openssl(t, "rsa", "-RSAPublicKey_in", "-inform", "DER", "-in", pkPath, "-noout", "-modulus")
		if want := fmt.Sprintf("Modulus=%X", k.N); strings.TrimSpace(out) != want {
			t.Errorf("record %d: PUBLIC_KEY modulus %q, want %q", i+1, strings.TrimSpace(out), want)
		}
	}
}
