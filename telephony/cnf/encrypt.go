package cnf

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"cmeos/crypto/ctl"
)

// Encrypter is implemented by signers that can also build the encrypted
// configuration file of a phone whose certificate is known
// (reference/protocols.md §3.2-§3.4).
type Encrypter interface {
	// SignEncrypted returns SEP<MAC>.cnf.xml.enc.sgn: plain encrypted for
	// phone's public key and signed with the TFTP credentials. name is the
	// plain file's name.
	SignEncrypted(name string, plain []byte, phone *x509.Certificate) ([]byte, error)
}

// Header tags of the .enc.sgn envelope (protocols.md §2.2, §3.2).
const (
	tagVersion          = 1
	tagHeaderLength     = 2
	tagSignerInfo       = 3
	tagSignerName       = 4
	tagSerialNumber     = 5
	tagIssuerName       = 6
	tagSignatureInfo    = 7
	tagHashAlgorithm    = 8
	tagSigAlgorithmInfo = 9
	tagSigAlgorithm     = 10
	tagSigModulus       = 11
	tagSignature        = 12
	tagPadding          = 13
	tagFilename         = 14
	tagTimestamp        = 15
	tagEncInfo          = 16
	tagEncIVInfo        = 17
	tagEncUnknown1      = 18
	tagEncIV            = 19
	tagEncPadding       = 20
	tagEncKeyInfo       = 21
	tagEncUnknown2      = 22
	tagEncKeySize       = 23
	tagEncKeyAlgorithm  = 24
	tagEncKey           = 25
	tagEncHashAlgorithm = 26
	tagEncHash          = 27
	encKeyAlgorithmAES  = 1
	hashCodeSHA1        = 1
	hashCodeSHA512      = 3
	encPadByte          = '\r'
	aesKeySize          = 16
	encVersionMajor     = 2
	encVersionMinor     = 0
	sigAlgorithmRSA     = 0
	maxHeaderLength     = math.MaxUint16
)

var modulusSizes = [...]int{64, 128, 256, 512}

// EncryptFile builds the .enc.sgn file of §3.2-§3.3: plain is hashed (tag
// 27), padded with 1-16 carriage returns, encrypted with a random AES-128
// key in CBC mode; the key is wrapped with RSA PKCS#1 v1.5 for phone, and
// the whole file is signed by key/cert (the TFTP role) as §2.4 describes.
// filename is the FILENAME the header carries (SEP<MAC>.cnf.xml.enc.sgn).
// Only RSA phone keys can wrap the AES key.
func EncryptFile(plain []byte, filename string, phone *x509.Certificate, key crypto.Signer, cert *x509.Certificate, hash crypto.Hash, now time.Time) ([]byte, error) {
	return encryptFile(rand.Reader, plain, filename, phone, key, cert, hash, now)
}

func encryptFile(rnd io.Reader, plain []byte, filename string, phone *x509.Certificate, key crypto.Signer, cert *x509.Certificate, hash crypto.Hash, now time.Time) ([]byte, error) {
	var hashCode byte
	switch hash {
	case crypto.SHA1:
		hashCode = hashCodeSHA1
	case crypto.SHA512:
		hashCode = hashCodeSHA512
	default:
		return nil, fmt.Errorf("cnf: hash %v not supported, want SHA-1 or SHA-512", hash)
	}
	if phone == nil {
		return nil, errors.New("cnf: no phone certificate")
	}
	phoneKey, ok := phone.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("cnf: phone key is %T; only RSA keys can wrap the configuration key", phone.PublicKey)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("cnf: signer key is not the RSA key of the signer certificate")
	}
	sigLen := pub.Size()
	modulus := -1
	for i, n := range modulusSizes {
		if n == sigLen {
			modulus = i
		}
	}
	if modulus < 0 {
		return nil, fmt.Errorf("cnf: RSA signer key of %d bits has no SIGNATURE_MODULUS code", pub.N.BitLen())
	}
	subject, err := ctl.DistinguishedName(cert.RawSubject)
	if err != nil {
		return nil, err
	}
	issuer, err := ctl.DistinguishedName(cert.RawIssuer)
	if err != nil {
		return nil, err
	}
	if cert.SerialNumber == nil || cert.SerialNumber.Sign() < 0 {
		return nil, errors.New("cnf: signer certificate serial number is missing or negative")
	}
	ts := now.Unix()
	if ts < 0 || ts > math.MaxUint32 {
		return nil, fmt.Errorf("cnf: timestamp %v does not fit TIMESTAMP", now)
	}

	// §3.3 steps 1-5.
	d := hash.New()
	d.Write(plain)
	digest := d.Sum(nil)
	aesKey := make([]byte, aesKeySize)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rnd, aesKey); err != nil {
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
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, err
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(body, body)
	//lint:ignore SA1019 the phone unwraps the key with PKCS#1 v1.5 (§3.3 step 5); no other padding is understood
	wrapped, err := rsa.EncryptPKCS1v15(rnd, phoneKey, aesKey)
	if err != nil {
		return nil, fmt.Errorf("cnf: wrapping the key: %w", err)
	}

	// Header of §2.3 with the §3.2 elements, without the signature.
	var b []byte
	tlv := func(tag byte, v []byte) {
		b = append(b, tag, byte(len(v)>>8), byte(len(v)))
		b = append(b, v...)
	}
	str0 := func(tag byte, s string) { tlv(tag, append([]byte(s), 0)) }
	container := func(tag byte, fill func()) {
		at := len(b)
		b = append(b, tag, 0, 0)
		fill()
		binary.BigEndian.PutUint16(b[at+1:], uint16(len(b)-at-3))
	}
	tlv(tagVersion, []byte{encVersionMajor, encVersionMinor})
	lengthAt := len(b) + 3
	tlv(tagHeaderLength, []byte{0, 0})
	container(tagSignerInfo, func() {
		str0(tagSignerName, subject)
		str0(tagIssuerName, issuer)
		tlv(tagSerialNumber, cert.SerialNumber.Bytes())
	})
	container(tagSignatureInfo, func() {
		tlv(tagHashAlgorithm, []byte{hashCode})
		container(tagSigAlgorithmInfo, func() {
			tlv(tagSigAlgorithm, []byte{sigAlgorithmRSA})
			tlv(tagSigModulus, []byte{byte(modulus)})
		})
	})
	sigOff := len(b)
	str0(tagFilename, filename)
	tlv(tagTimestamp, binary.BigEndian.AppendUint32(nil, uint32(ts)))
	container(tagEncInfo, func() {
		container(tagEncIVInfo, func() {
			tlv(tagEncUnknown1, []byte{0})
			tlv(tagEncIV, iv)
			tlv(tagEncPadding, binary.BigEndian.AppendUint16(nil, uint16(pad)))
		})
		container(tagEncKeyInfo, func() {
			tlv(tagEncUnknown2, []byte{0})
			tlv(tagEncKeySize, binary.BigEndian.AppendUint16(nil, uint16(len(wrapped)*8)))
			tlv(tagEncKeyAlgorithm, []byte{encKeyAlgorithmAES})
			tlv(tagEncKey, wrapped)
		})
	})
	tlv(tagEncHashAlgorithm, []byte{hashCode})
	tlv(tagEncHash, digest)
	for (len(b)+3+sigLen)%4 != 0 {
		b = append(b, tagPadding)
	}
	n := len(b) + 3 + sigLen
	if n > maxHeaderLength {
		return nil, fmt.Errorf("cnf: header of %d bytes does not fit HEADER_LENGTH", n)
	}
	binary.BigEndian.PutUint16(b[lengthAt:], uint16(n))
	b = append(b, body...)

	// §2.4: sign everything but the signature element, then insert it.
	h := hash.New()
	h.Write(b)
	sig, err := key.Sign(rnd, h.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("cnf: signing: %w", err)
	}
	if len(sig) != sigLen {
		return nil, fmt.Errorf("cnf: signer returned %d bytes, want %d", len(sig), sigLen)
	}
	out := make([]byte, 0, len(b)+3+sigLen)
	out = append(out, b[:sigOff]...)
	out = append(out, tagSignature, byte(sigLen>>8), byte(sigLen))
	out = append(out, sig...)
	return append(out, b[sigOff:]...), nil
}

// CertHash is the certHash of the encrypted-config stub: the lower-case hex
// MD5 fingerprint of the phone certificate that wraps the key (§3.4).
func CertHash(phone *x509.Certificate) string {
	s := md5.Sum(phone.Raw)
	return hex.EncodeToString(s[:])
}

// stubXML is the SEP<MAC>.cnf.xml the phone gets signed when its real
// configuration is encrypted (§3.4): fullConfig false, the load, the CAPF
// settings, certHash and encrConfig true.
type stubXML struct {
	XMLName         xml.Name `xml:"device"`
	FullConfig      bool     `xml:"fullConfig"`
	LoadInformation string   `xml:"loadInformation"`
	CapfAuthMode    int      `xml:"capfAuthMode"`
	CapfList        *struct {
		Capf []capfElem `xml:"capf"`
	} `xml:"capfList,omitempty"`
	CertHash   string `xml:"certHash"`
	EncrConfig bool   `xml:"encrConfig"`
}

// Stub renders the companion stub of an encrypted configuration (§3.4).
func Stub(sys System, p Phone) []byte {
	full := device(sys, p)
	s := stubXML{LoadInformation: full.LoadInformation, CapfAuthMode: full.CapfAuthMode, CapfList: full.CapfList,
		EncrConfig: true}
	if p.Cert != nil {
		s.CertHash = CertHash(p.Cert)
	}
	b, _ := xml.MarshalIndent(s, "", "  ")
	return append(append([]byte(xml.Header), b...), '\n')
}
