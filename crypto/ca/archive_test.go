package ca_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/pkcs12"
)

// TestDatabaseArchive: on the first `no shutdown` the CA key and
// certificate are archived in the database url (NAME.p12 / NAME.pem),
// protected by the passphrase or the archive password; openssl reads the
// archive back and the key matches the CA certificate.
func TestDatabaseArchive(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("openssl missing (scripts/deps installs it)")
		}
		t.Skip("openssl not installed")
	}
	for _, tc := range []struct{ archive, file, pass string }{
		{"pkcs12", "cme_root.p12", "Secret123"},
		{"pkcs12 password Arch1ve", "cme_root.p12", "Arch1ve"},
		{"pem", "cme_root.pem", "Secret123"},
		{"pem password Arch1ve", "cme_root.pem", "Arch1ve"},
	} {
		t.Run(strings.ReplaceAll(tc.archive, " ", "_"), func(t *testing.T) {
			dir := t.TempDir()
			r := newRig(t, dir)
			r.boot()
			out := r.run("hostname cme", "crypto key generate rsa label cme_root modulus 1024",
				"crypto pki server cme_root", "database url flash:", "database archive "+tc.archive, "no shutdown|Secret123|Secret123", "exit")
			if !strings.Contains(out, "% Exporting Certificate Server signing certificate and keys...") || !strings.Contains(out, "% Certificate Server enabled.") {
				t.Fatalf("no shutdown:\n%s", out)
			}
			ca := r.caCert()
			path := filepath.Join(dir, "flash", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			var keyPEM []byte
			if strings.HasPrefix(tc.archive, "pkcs12") {
				// openssl: MAC and decryption with the password; wrong password refused.
				info, err := exec.Command(openssl, "pkcs12", "-info", "-in", path, "-passin", "pass:"+tc.pass, "-nodes").CombinedOutput()
				if err != nil || !strings.Contains(string(info), "MAC: sha1") {
					t.Fatalf("openssl pkcs12 -info: %v\n%s", err, info)
				}
				if b, err := exec.Command(openssl, "pkcs12", "-info", "-in", path, "-passin", "pass:wrong", "-nodes").CombinedOutput(); err == nil {
					t.Fatalf("wrong password accepted:\n%s", b)
				}
				keyPEM = info
				// Go's decoder agrees.
				key, cert, err := pkcs12.Decode(data, tc.pass)
				if err != nil || !cert.Equal(ca) || !key.(interface{ Public() crypto.PublicKey }).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(ca.PublicKey) {
					t.Fatalf("x/crypto/pkcs12: %v", err)
				}
				// The certificate in the archive is the CA's.
				blk, _ := pem.Decode(info[strings.Index(string(info), "-----BEGIN CERTIFICATE"):])
				if blk == nil || !strings.Contains(string(info), "BEGIN CERTIFICATE") {
					t.Fatalf("no certificate in archive:\n%s", info)
				}
				if c, err := x509.ParseCertificate(blk.Bytes); err != nil || !c.Equal(ca) {
					t.Fatal("archived certificate is not the CA certificate")
				}
			} else {
				kf := filepath.Join(tmp, "key.pem")
				b, err := exec.Command(openssl, "pkey", "-in", path, "-passin", "pass:"+tc.pass, "-out", kf).CombinedOutput()
				if err != nil {
					t.Fatalf("openssl pkey: %v\n%s", err, b)
				}
				if b, err := exec.Command(openssl, "pkey", "-in", path, "-passin", "pass:wrong", "-noout").CombinedOutput(); err == nil {
					t.Fatalf("wrong password accepted:\n%s", b)
				}
				keyPEM, _ = os.ReadFile(kf)
				blk, _ := pem.Decode(data)
				if blk == nil || blk.Type != "CERTIFICATE" || !strings.Contains(string(data), "Proc-Type: 4,ENCRYPTED") {
					t.Fatalf("archive layout:\n%s", data)
				}
				if c, err := x509.ParseCertificate(blk.Bytes); err != nil || !c.Equal(ca) {
					t.Fatal("archived certificate is not the CA certificate")
				}
			}
			// The key openssl decrypted matches the CA certificate.
			kf := filepath.Join(tmp, "k.pem")
			os.WriteFile(kf, keyPEM, 0o600)
			pub, err := exec.Command(openssl, "pkey", "-in", kf, "-pubout").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl pkey -pubout: %v\n%s", err, pub)
			}
			spki, _ := x509.MarshalPKIXPublicKey(ca.PublicKey)
			if want := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}); string(pub) != string(want) {
				t.Fatalf("archived key does not match the CA certificate:\n%s\nwant:\n%s", pub, want)
			}
			if !strings.Contains(r.run("do show running-config | include database archive"), "database archive "+tc.archive) {
				t.Error("archive setting not rendered")
			}
		})
	}
}
