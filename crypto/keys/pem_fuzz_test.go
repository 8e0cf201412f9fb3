package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// FuzzParseEncryptedPEM: a pasted or imported key (`crypto key import`,
// a CA archive) never panics the parser, and a key it returns is usable.
func FuzzParseEncryptedPEM(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, cipher := range []string{"3des", "aes128"} {
		if b, err := EncryptPEM(k, cipher, "pass1234"); err == nil {
			f.Add(b, "pass1234")
			f.Add(b, "wrong")
		}
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), "")
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0011223344556677\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"), "x")
	f.Fuzz(func(t *testing.T, b []byte, pass string) {
		key, err := ParseEncryptedPEM(b, pass)
		if err != nil {
			return
		}
		if key == nil || key.Signer == nil || key.Signer.Public() == nil {
			t.Fatal("ParseEncryptedPEM returned no usable key without an error")
		}
	})
}
