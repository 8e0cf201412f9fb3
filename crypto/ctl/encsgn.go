package ctl

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"
)

// The .enc.sgn envelope (protocols.md §3.2-§3.3): a phone's configuration
// file encrypted with a random AES-128 key wrapped for the phone's RSA
// key, in a header of VERSION 2.0 that adds the encryption elements (tags
// 16-27) after TIMESTAMP, signed like a .sgn file. The header is this
// package's one encoder (Header.encode); the decoder does not read the
// encryption elements (the phone simulator decrypts with its own code).

// Encryption element tags (§3.2).
const (
	hdrEncInfo          = 16 // ENCRYPTION_INFO: container of 17, 21
	hdrEncIVInfo        = 17 // container of 18, 19, 20
	hdrEncUnknown1      = 18 // u8 0
	hdrEncIV            = 19 // the AES-CBC IV
	hdrEncPadding       = 20 // u16: padding bytes appended to the plain text
	hdrEncKeyInfo       = 21 // container of 22, 23, 24, 25
	hdrEncUnknown2      = 22 // u8 0
	hdrEncKeySize       = 23 // u16: size of the wrapped key in bits
	hdrEncKeyAlgorithm  = 24 // u8: 1 = AES
	hdrEncKey           = 25 // the AES key wrapped with RSA PKCS#1 v1.5
	hdrEncHashAlgorithm = 26 // u8: hash of the plain text, as tag 8
	hdrEncHash          = 27 // that hash
)

const (
	encKeyAlgorithmAES = 1
	encPadByte         = '\r' // §3.3 step 2: the plain text is padded with CRs
	encKeySize         = 16   // AES-128
)

var versionEncSGN = Version{2, 0}

// EncryptFile builds the .enc.sgn file of §3.2-§3.3: plain is hashed (tag
// 27), padded with 1-16 carriage returns and encrypted with a random
// AES-128 key in CBC mode; the key is wrapped with RSA PKCS#1 v1.5 for the
// phone certificate's key, and the whole file is signed by signer/cert
// (the TFTP role) as §2.4 describes. filename is the FILENAME the header
// carries (SEP<MAC>.cnf.xml.enc.sgn); hash and now are as for [SignFile].
// Only RSA phone keys can wrap the AES key.
func EncryptFile(plain []byte, filename string, phone *x509.Certificate, signer crypto.Signer, cert *x509.Certificate, hash crypto.Hash, now time.Time) ([]byte, error) {
	return encryptFile(rand.Reader, plain, filename, phone, signer, cert, hash, now)
}

func encryptFile(rnd io.Reader, plain []byte, filename string, phone *x509.Certificate, signer crypto.Signer, cert *x509.Certificate, hash crypto.Hash, now time.Time) ([]byte, error) {
	if phone == nil {
		return nil, errors.New("ctl: no phone certificate")
	}
	phoneKey, ok := phone.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("ctl: phone key is %T; only RSA keys can wrap the configuration key", phone.PublicKey)
	}
	h, sigLen, err := signerHeader(signer, cert, hash, filename, now)
	if err != nil {
		return nil, err
	}
	h.Version = versionEncSGN

	// §3.3 steps 1-5.
	d := hash.New()
	d.Write(plain)
	digest := d.Sum(nil)
	key := make([]byte, encKeySize)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rnd, iv); err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	body := make([]byte, len(plain)+pad)
	copy(body, plain)
	for i := len(plain); i < len(body); i++ {
		body[i] = encPadByte
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(body, body)
	//lint:ignore SA1019 the phone unwraps the key with PKCS#1 v1.5 (§3.3 step 5); no other padding is understood
	wrapped, err := rsa.EncryptPKCS1v15(rnd, phoneKey, key)
	if err != nil {
		return nil, fmt.Errorf("ctl: wrapping the key: %w", err)
	}

	e := &encoder{}
	sigOff := h.encode(e, sigLen, func(e *encoder) {
		e.container(hdrEncInfo, func() {
			e.container(hdrEncIVInfo, func() {
				e.u8(hdrEncUnknown1, 0)
				e.tlv(hdrEncIV, iv)
				e.u16(hdrEncPadding, uint16(pad))
			})
			e.container(hdrEncKeyInfo, func() {
				e.u8(hdrEncUnknown2, 0)
				e.u16(hdrEncKeySize, uint16(len(wrapped)*8))
				e.u8(hdrEncKeyAlgorithm, encKeyAlgorithmAES)
				e.tlv(hdrEncKey, wrapped)
			})
		})
		e.u8(hdrEncHashAlgorithm, uint8(h.HashAlgorithm))
		e.tlv(hdrEncHash, digest)
	})
	if e.err != nil {
		return nil, e.err
	}
	e.buf = append(e.buf, body...)
	sig, err := signBytes(signer, hash, e.buf, sigLen)
	if err != nil {
		return nil, err
	}
	return insertSignature(e.buf, sigOff, sig), nil
}
