package pwtype

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Type 6 format
//
// This is the real IOS type 6 format as published by Cisco in
// github.com/CiscoDevNet/Type-6-Password-Encode (ios_encrypt_password.c,
// convert_bitstring.c, encode6.py), so cmeos interoperates with IOS devices
// that share the same master key:
//
//	K    = AES-128 key MD5(master key)
//	salt = 8 random bytes
//	Ka   = AES_K(salt || 00*8)                 (integrity key)
//	Ke   = AES_K(salt || 00*7 || 01)           (encryption key)
//	ks_j = AES_Ke(00 00 00 j 00*12)            (keystream block j, counter in byte 3)
//	ct   = password XOR keystream
//	mac  = HMAC-SHA1(Ka, ct)[:4]
//	text = base41(salt || ct || mac)
//
// base41 writes each big-endian 16-bit word as three digits of
// "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghi" (most significant first) and
// ends with one more triple: the word 0x0001 after an even number of bytes,
// or the last byte followed by 0x00 after an odd number.
//
// IOS routers write ct without a terminator (the router-generated sample in
// encode6.py decodes to an 8-byte ciphertext for an 8-character password);
// Cisco's C encoder also encrypts the C string's terminating NUL. Encrypt
// writes the router form; Decrypt accepts both, ending the password at its
// first NUL as C code does.

// MaxType6Len is the longest password, in bytes, that Encrypt accepts: 256
// keystream blocks, as far as the one-byte block counter reaches.
const MaxType6Len = 256 * aes.BlockSize

// MinMasterKeyLen is the minimum length, in characters, of the key given to
// "key config-key password-encrypt".
const MinMasterKeyLen = 8

const (
	type6SaltLen = 8
	type6MACLen  = 4
	// maxType6Raw bounds the decoded size Decrypt accepts (a C-encoder
	// string of the longest password, with its NUL).
	maxType6Raw  = type6SaltLen + MaxType6Len + 1 + type6MACLen
	base41Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghi"
)

// Errors returned by the type 6 functions.
var (
	// ErrMasterKeyTooShort rejects a master key shorter than
	// MinMasterKeyLen characters. Its text is the console message cmeos
	// prints; the exact IOS wording could not be confirmed from public
	// sources.
	ErrMasterKeyTooShort = errors.New("% Master key must be at least 8 characters")
	ErrType6Format       = errors.New("type 6: malformed encrypted password")
	ErrType6Auth         = errors.New("type 6: authentication failed (wrong master key or corrupted data)")
	ErrType6TooLong      = errors.New("type 6: password too long")
	ErrType6NUL          = errors.New("type 6: password contains a NUL byte")
	ErrNoMasterKey       = errors.New("type 6: no master key configured")
)

// MasterKey encrypts and decrypts type 6 passwords. It is derived from the
// string configured with "key config-key password-encrypt" and holds only
// the derived AES key, never the string itself. Its String and GoString
// methods print no key material. A MasterKey is safe for concurrent use.
// Create one with NewMasterKey; a nil or zero MasterKey fails every
// operation with [ErrNoMasterKey].
type MasterKey struct {
	block cipher.Block // AES-128 keyed by MD5(master key)
}

// NewMasterKey derives the type 6 master key from the config-key string. The
// key must be at least 8 characters long ([ErrMasterKeyTooShort]).
func NewMasterKey(key string) (*MasterKey, error) {
	if utf8.RuneCountInString(key) < MinMasterKeyLen {
		return nil, ErrMasterKeyTooShort
	}
	k := md5.Sum([]byte(key))
	block, err := aes.NewCipher(k[:])
	clear(k[:])
	if err != nil {
		return nil, fmt.Errorf("type 6: %w", err)
	}
	return &MasterKey{block: block}, nil
}

// Equal reports whether key is this master key; a nil MasterKey equals nothing.
func (k *MasterKey) Equal(key string) bool {
	if k == nil {
		return false
	}
	o, err := NewMasterKey(key)
	if err != nil {
		return false
	}
	// Compare the ciphers by their image of a fixed block: the derived key
	// itself is not kept outside the cipher.
	var zero, a, b [aes.BlockSize]byte
	k.block.Encrypt(a[:], zero[:])
	o.block.Encrypt(b[:], zero[:])
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// String returns a fixed text so that printing a MasterKey never reveals
// key material.
func (k *MasterKey) String() string { return "pwtype.MasterKey{redacted}" }

// GoString is like String, for the %#v verb.
func (k *MasterKey) GoString() string { return k.String() }

// Encrypt returns the type 6 text that IOS prints after "6 " in the
// running-config for plain, using a fresh random salt, so encrypting the
// same password twice gives different texts.
func (k *MasterKey) Encrypt(plain string) (string, error) {
	if k == nil || k.block == nil {
		return "", ErrNoMasterKey
	}
	if len(plain) > MaxType6Len {
		return "", ErrType6TooLong
	}
	if strings.IndexByte(plain, 0) >= 0 {
		return "", ErrType6NUL
	}
	var salt [type6SaltLen]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", fmt.Errorf("type 6: %w", err)
	}
	return base41Encode(k.seal([]byte(plain), salt)), nil
}

// Decrypt recovers the password from a type 6 text. It fails with
// [ErrType6Format] if enc is not well-formed and with [ErrType6Auth] if the
// integrity check fails, which is what a wrong master key gives (the check
// is IOS's 32-bit truncated HMAC, so a wrong key goes unnoticed with
// probability 2^-32).
func (k *MasterKey) Decrypt(enc string) (string, error) {
	if k == nil || k.block == nil {
		return "", ErrNoMasterKey
	}
	if len(enc) > 3*(maxType6Raw/2+1) {
		return "", ErrType6Format
	}
	raw, ok := base41Decode(enc)
	if !ok || len(raw) < type6SaltLen+type6MACLen {
		return "", ErrType6Format
	}
	salt := [type6SaltLen]byte(raw[:type6SaltLen])
	ct := raw[type6SaltLen : len(raw)-type6MACLen]
	mac := raw[len(raw)-type6MACLen:]

	ka, ke := k.subkeys(salt)
	if !hmac.Equal(type6MAC(ka[:], ct), mac) {
		return "", ErrType6Auth
	}
	pt := type6XOR(ke[:], ct)
	// The password is a C string: it ends at the first NUL, if any.
	if i := bytes.IndexByte(pt, 0); i >= 0 {
		pt = pt[:i]
	}
	if len(pt) > MaxType6Len {
		return "", ErrType6Format
	}
	return string(pt), nil
}

// Verify reports whether stored is a type 6 encryption of plain under k.
func (k *MasterKey) Verify(stored, plain string) bool {
	dec, err := k.Decrypt(stored)
	return err == nil && constEq(dec, plain)
}

// subkeys derives the integrity and encryption keys for salt.
func (k *MasterKey) subkeys(salt [type6SaltLen]byte) (ka, ke [aes.BlockSize]byte) {
	var in [aes.BlockSize]byte
	copy(in[:], salt[:])
	k.block.Encrypt(ka[:], in[:])
	in[aes.BlockSize-1] = 0x01
	k.block.Encrypt(ke[:], in[:])
	return ka, ke
}

// seal returns salt || ct || mac for plain, unencoded.
func (k *MasterKey) seal(plain []byte, salt [type6SaltLen]byte) []byte {
	ka, ke := k.subkeys(salt)
	ct := type6XOR(ke[:], plain)
	out := make([]byte, 0, type6SaltLen+len(ct)+type6MACLen)
	out = append(out, salt[:]...)
	out = append(out, ct...)
	return append(out, type6MAC(ka[:], ct)...)
}

// type6XOR XORs in with the type 6 keystream of ke: block j is the AES
// encryption of a zero block whose byte 3 is j (mod 256, as in Cisco's C
// code).
func type6XOR(ke, in []byte) []byte {
	block, err := aes.NewCipher(ke)
	if err != nil {
		panic("pwtype: AES-128 key of wrong size") // unreachable: ke is 16 bytes
	}
	out := make([]byte, len(in))
	var ctr, ks [aes.BlockSize]byte
	for i := range in {
		if i%aes.BlockSize == 0 {
			ctr[3] = byte(i / aes.BlockSize)
			block.Encrypt(ks[:], ctr[:])
		}
		out[i] = in[i] ^ ks[i%aes.BlockSize]
	}
	return out
}

func type6MAC(ka, ct []byte) []byte {
	m := hmac.New(sha1.New, ka)
	m.Write(ct)
	return m.Sum(nil)[:type6MACLen]
}

// base41Encode armors b as IOS does for type 6 (see the format notes above).
func base41Encode(b []byte) string {
	var sb strings.Builder
	sb.Grow(3 * (len(b)/2 + 1))
	put := func(v int) {
		sb.WriteByte(base41Digits[v/(41*41)])
		sb.WriteByte(base41Digits[v/41%41])
		sb.WriteByte(base41Digits[v%41])
	}
	for len(b) >= 2 {
		put(int(b[0])<<8 | int(b[1]))
		b = b[2:]
	}
	if len(b) == 1 {
		put(int(b[0]) << 8)
	} else {
		put(1)
	}
	return sb.String()
}

// base41Words decodes triples of base41 digits into big-endian 16-bit words
// without interpreting a terminator.
func base41Words(s string) ([]byte, bool) {
	if len(s)%3 != 0 {
		return nil, false
	}
	out := make([]byte, 0, len(s)/3*2)
	for i := 0; i < len(s); i += 3 {
		v := 0
		for _, c := range []byte(s[i : i+3]) {
			if c < 'A' || c > 'i' {
				return nil, false
			}
			v = v*41 + int(c-'A')
		}
		if v > 0xffff {
			return nil, false
		}
		out = append(out, byte(v>>8), byte(v))
	}
	return out, true
}

// base41Decode reverses base41Encode, checking the final terminator triple.
func base41Decode(s string) ([]byte, bool) {
	w, ok := base41Words(s)
	if !ok || len(w) < 2 {
		return nil, false
	}
	hi, lo := w[len(w)-2], w[len(w)-1]
	switch {
	case hi == 0 && lo == 1: // even length
		return w[:len(w)-2], true
	case lo == 0: // odd length: last byte, then 0x00
		return w[:len(w)-1], true
	}
	return nil, false
}
