package keys

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Export and import use the legacy encrypted PEM form IOS uses for
// `crypto key export ... pem`: "RSA PRIVATE KEY" (or "EC PRIVATE KEY") with
// Proc-Type and DEK-Info headers, openssl-compatible. The legacy
// encryption is what IOS and the tools that talk to it expect; the
// passphrase protects the key only in transit.

// ExportPEM returns the public key PEM and the encrypted private key PEM.
// cipher is "3des" or "aes".
func (k *Key) ExportPEM(cipher, passphrase string) (pub, priv []byte, err error) {
	if !k.Exportable {
		return nil, nil, ErrNotAllowed
	}
	priv, err = EncryptPEM(k.Signer, cipher, passphrase)
	if err != nil {
		return nil, nil, err
	}
	pub = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k.PublicDER()})
	return pub, priv, nil
}

// EncryptPEM returns signer's private key in the legacy encrypted PEM form
// (cipher "3des" or "aes"), whether or not the key is exportable: the
// certificate server archives its own key this way (`database archive
// pem`).
func EncryptPEM(signer any, cipher, passphrase string) ([]byte, error) {
	var err error
	alg := x509.PEMCipher3DES
	if cipher == "aes" {
		alg = x509.PEMCipherAES128
	}
	var typ string
	var der []byte
	switch p := signer.(type) {
	case *rsa.PrivateKey:
		typ, der = "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(p)
	case *ecdsa.PrivateKey:
		typ = "EC PRIVATE KEY"
		if der, err = x509.MarshalECPrivateKey(p); err != nil {
			return nil, err
		}
	default:
		return nil, ErrKeySize
	}
	//lint:ignore SA1019 IOS exports keys in the legacy encrypted PEM format.
	blk, err := x509.EncryptPEMBlock(rand.Reader, typ, der, []byte(passphrase), alg) //nolint:staticcheck
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(blk), nil
}

// ErrBadPassphrase is returned when an imported key does not decrypt.
var ErrBadPassphrase = errors.New("keys: wrong passphrase or damaged key")

// ParseEncryptedPEM decrypts a private key PEM (legacy encrypted, PKCS#1,
// SEC1 or unencrypted PKCS#8) and returns its key; label etc. are left to
// the caller.
func ParseEncryptedPEM(b []byte, passphrase string) (*Key, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("keys: no private key in PEM input")
		}
		der := blk.Bytes
		//lint:ignore SA1019 legacy encrypted PEM, as IOS exports it.
		if x509.IsEncryptedPEMBlock(blk) { //nolint:staticcheck
			var err error
			//lint:ignore SA1019 legacy encrypted PEM, as IOS exports it.
			der, err = x509.DecryptPEMBlock(blk, []byte(passphrase)) //nolint:staticcheck
			if err != nil {
				return nil, ErrBadPassphrase
			}
		}
		var k any
		var err error
		switch blk.Type {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(der)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(der)
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(der)
		default:
			continue
		}
		if err != nil {
			//lint:ignore SA1019 legacy encrypted PEM, as IOS exports it.
			if x509.IsEncryptedPEMBlock(blk) { //nolint:staticcheck
				return nil, ErrBadPassphrase
			}
			return nil, fmt.Errorf("keys: %w", err)
		}
		switch p := k.(type) {
		case *rsa.PrivateKey:
			if err := checkSigner(p); err != nil {
				return nil, err
			}
			return &Key{Signer: p, Usage: UsageGeneral}, nil
		case *ecdsa.PrivateKey:
			if err := checkSigner(p); err != nil {
				return nil, err
			}
			return &Key{Signer: p, Usage: UsageGeneral}, nil
		}
		return nil, fmt.Errorf("keys: unsupported key %T", k)
	}
}
