package capf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
)

// DecryptConfig opens a SEP<MAC>.cnf.xml.enc.sgn with the phone's LSC key
// (reference/protocols.md §3.2, §3.3): it walks the header TLVs (tag 13 is
// one byte without a length; containers 3, 7, 9, 16, 17, 21 are stepped
// into), unwraps the AES-128 key with RSA PKCS#1 v1.5, decrypts the
// AES-CBC payload after HEADER_LENGTH, strips the padding and checks the
// digest. The signature is the caller's business (trust.VerifySigned).
func DecryptConfig(file []byte, key *rsa.PrivateKey) ([]byte, error) {
	var (
		headerLen         = -1
		iv, wrapped, hash []byte
		pad               = -1
		hashAlg           byte
	)
	containers := map[byte]bool{3: true, 7: true, 9: true, 16: true, 17: true, 21: true}
	i := 0
	for headerLen < 0 || i < headerLen {
		if i >= len(file) {
			return nil, errors.New("enc.sgn: header runs past the file")
		}
		tag := file[i]
		if tag == 13 {
			i++
			continue
		}
		if i+3 > len(file) {
			return nil, errors.New("enc.sgn: truncated TLV")
		}
		l := int(binary.BigEndian.Uint16(file[i+1:]))
		i += 3
		if containers[tag] {
			continue
		}
		if i+l > len(file) {
			return nil, fmt.Errorf("enc.sgn: tag %d past the file", tag)
		}
		v := file[i : i+l]
		i += l
		switch tag {
		case 2:
			if l != 2 {
				return nil, errors.New("enc.sgn: HEADER_LENGTH")
			}
			headerLen = int(binary.BigEndian.Uint16(v))
		case 19:
			iv = v
		case 20:
			if l == 2 {
				pad = int(binary.BigEndian.Uint16(v))
			}
		case 25:
			wrapped = v
		case 26:
			if l == 1 {
				hashAlg = v[0]
			}
		case 27:
			hash = v
		}
		if headerLen < 0 && i > 8 {
			return nil, errors.New("enc.sgn: no HEADER_LENGTH")
		}
	}
	if len(iv) != aes.BlockSize || wrapped == nil || pad < 1 || pad > aes.BlockSize {
		return nil, errors.New("enc.sgn: encryption elements missing")
	}
	//lint:ignore SA1019 the format wraps the key with PKCS#1 v1.5 (protocols.md §3.3)
	aesKey, err := rsa.DecryptPKCS1v15(nil, key, wrapped)
	if err != nil {
		return nil, fmt.Errorf("enc.sgn: unwrapping the key: %w", err)
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	body := bytes.Clone(file[headerLen:])
	if len(body) == 0 || len(body)%aes.BlockSize != 0 || len(body) < pad {
		return nil, errors.New("enc.sgn: payload is not whole AES blocks")
	}
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(body, body)
	plain := body[:len(body)-pad]
	var sum []byte
	switch hashAlg {
	case 1:
		s := sha1.Sum(plain)
		sum = s[:]
	case 3:
		s := sha512.Sum512(plain)
		sum = s[:]
	default:
		return nil, fmt.Errorf("enc.sgn: hash algorithm %d", hashAlg)
	}
	if !bytes.Equal(sum, hash) {
		return nil, errors.New("enc.sgn: digest of the decrypted configuration does not match")
	}
	return plain, nil
}
