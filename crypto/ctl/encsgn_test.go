package ctl

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"encoding/binary"
	"testing"
)

// encElements walks the .enc.sgn header the way a phone does (protocols.md
// §3.2), independently of the encoder: it returns every leaf element's
// value by tag, and where the SIGNATURE element sits.
func encElements(t *testing.T, b []byte) (els map[byte][]byte, hdrLen, sigOff, sigEnd int) {
	t.Helper()
	els = map[byte][]byte{}
	hdrLen = int(binary.BigEndian.Uint16(b[8:10]))
	var walk func(off, end int)
	walk = func(off, end int) {
		for off < end {
			tag := b[off]
			if tag == hdrPadding {
				off++
				continue
			}
			n := int(binary.BigEndian.Uint16(b[off+1:]))
			v := b[off+3 : off+3+n]
			switch tag {
			case hdrSignerInfo, hdrSignatureInfo, hdrSignatureAlgorithmInfo, hdrEncInfo, hdrEncIVInfo, hdrEncKeyInfo:
				walk(off+3, off+3+n)
			case hdrSignature:
				sigOff, sigEnd = off, off+3+n
				fallthrough
			default:
				els[tag] = v
			}
			off += 3 + n
		}
	}
	walk(0, hdrLen)
	return els, hdrLen, sigOff, sigEnd
}

// TestEncryptFile: the phone's key unwraps the AES key, the body decrypts
// to the plain text plus 1-16 CRs, the hash of tag 27 matches, and the
// signature verifies over the file without the SIGNATURE element.
func TestEncryptFile(t *testing.T) {
	ids := identities(t)
	tftp, phone := ids["tftp"], ids["capf"] // capf: an RSA-1024 key standing in for a phone's
	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA512} {
		for _, n := range []int{0, 1, 15, 16, 17, 1000} {
			plain := bytes.Repeat([]byte("<device/>"), n)[:n]
			b, err := EncryptFile(plain, "SEP001122334455.cnf.xml.enc.sgn", phone.cert, tftp.key, tftp.cert, hash, signTime)
			if err != nil {
				t.Fatal(err)
			}
			els, hdrLen, sigOff, sigEnd := encElements(t, b)
			if hdrLen%4 != 0 || b[0] != hdrVersion || !bytes.Equal(els[hdrVersion], []byte{2, 0}) {
				t.Fatalf("header length %d, version %v", hdrLen, els[hdrVersion])
			}
			if got := string(els[hdrFilename]); got != "SEP001122334455.cnf.xml.enc.sgn\x00" {
				t.Errorf("FILENAME %q", got)
			}
			key, err := phone.key.(*rsa.PrivateKey).Decrypt(nil, els[hdrEncKey], nil)
			if err != nil {
				t.Fatalf("unwrapping the key: %v", err)
			}
			if bits := binary.BigEndian.Uint16(els[hdrEncKeySize]); int(bits) != 8*len(els[hdrEncKey]) {
				t.Errorf("key size %d bits", bits)
			}
			body := bytes.Clone(b[hdrLen:])
			if len(body)%aes.BlockSize != 0 {
				t.Fatalf("body of %d bytes", len(body))
			}
			blk, _ := aes.NewCipher(key)
			cipher.NewCBCDecrypter(blk, els[hdrEncIV]).CryptBlocks(body, body)
			pad := int(binary.BigEndian.Uint16(els[hdrEncPadding]))
			if pad < 1 || pad > 16 || !bytes.Equal(body[:len(body)-pad], plain) || !bytes.Equal(body[len(body)-pad:], bytes.Repeat([]byte("\r"), pad)) {
				t.Errorf("n=%d: decrypted %q, padding %d", n, body, pad)
			}
			d := hash.New()
			d.Write(plain)
			if !bytes.Equal(els[hdrEncHash], d.Sum(nil)) {
				t.Error("ENC_HASH is not the hash of the plain text")
			}
			d = hash.New()
			d.Write(b[:sigOff])
			d.Write(b[sigEnd:])
			if err := rsa.VerifyPKCS1v15(tftp.cert.PublicKey.(*rsa.PublicKey), hash, d.Sum(nil), els[hdrSignature]); err != nil {
				t.Errorf("signature: %v", err)
			}
		}
	}
}

func TestEncryptFileErrors(t *testing.T) {
	ids := identities(t)
	tk, cert := ids["tftp"].key, ids["tftp"].cert
	ek, ecCert := ids["https-ec"].key, ids["https-ec"].cert
	now := signTime
	if _, err := EncryptFile([]byte("x"), "a.enc.sgn", ecCert, tk, cert, crypto.SHA1, now); err == nil {
		t.Error("EC phone key accepted (cannot wrap with PKCS#1 v1.5)")
	}
	if _, err := EncryptFile([]byte("x"), "a.enc.sgn", nil, tk, cert, crypto.SHA1, now); err == nil {
		t.Error("nil phone certificate accepted")
	}
	if _, err := EncryptFile([]byte("x"), "a.enc.sgn", cert, tk, cert, crypto.SHA256, now); err == nil {
		t.Error("SHA-256 accepted (no header code is produced for it)")
	}
	if _, err := EncryptFile([]byte("x"), "a.enc.sgn", cert, ids["capf"].key, cert, crypto.SHA1, now); err == nil {
		t.Error("a key that is not the certificate's accepted")
	}
	if _, err := EncryptFile([]byte("x"), "a.enc.sgn", cert, ek, ecCert, crypto.SHA1, now); err == nil {
		t.Error("EC signer accepted (the header describes RSA signatures only)")
	}
	// Padding is always 1-16 bytes: 16 for a plaintext that is a multiple
	// of the block size, so the encrypted body grows by one block.
	for _, n := range []int{0, 1, 15, 16, 17, 32} {
		b, err := EncryptFile(make([]byte, n), "a.enc.sgn", cert, tk, cert, crypto.SHA1, now)
		if err != nil {
			t.Fatal(err)
		}
		hl := int(b[8])<<8 | int(b[9])
		if body := len(b) - hl; body != (n/16+1)*16 {
			t.Errorf("plaintext %d bytes: body %d bytes", n, body)
		}
		if hl%4 != 0 {
			t.Errorf("header length %d not a multiple of 4", hl)
		}
	}
}
