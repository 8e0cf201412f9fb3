package pwtype

import (
	"crypto/rand"
	"crypto/subtle"
	"strconv"
)

// Type is the number IOS prints in front of an encoded password, as in
// "username admin secret 9 $9$..." or "password 7 0822455D0A16".
type Type int

// The password types defined by IOS.
const (
	Type0 Type = 0 // clear text
	Type5 Type = 5 // MD5-crypt
	Type6 Type = 6 // AES, keyed by the config-key master key
	Type7 Type = 7 // reversible XOR obfuscation
	Type8 Type = 8 // PBKDF2-HMAC-SHA256
	Type9 Type = 9 // scrypt
)

// Valid reports whether t is one of the types this package implements.
func (t Type) Valid() bool {
	switch t {
	case Type0, Type5, Type6, Type7, Type8, Type9:
		return true
	}
	return false
}

// String returns the decimal number of the type, as IOS prints it.
func (t Type) String() string { return strconv.Itoa(int(t)) }

// ciscoAlphabet is the 64-character alphabet IOS uses for salts and digests
// of types 5, 8 and 9.
const ciscoAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Verify reports whether plain is the password that stored encodes, stored
// being the text IOS prints after the type number.
//
// Types 5, 8 and 9 are recomputed with the salt taken from stored and
// compared in constant time; type 7 is decoded and compared; type 0 is
// compared directly (also in constant time). Type 6 needs the master key and
// so always yields false here: use [MasterKey.Verify]. Malformed stored
// values and unknown types yield false.
func Verify(t Type, stored, plain string) bool {
	var want string
	switch t {
	case Type0:
		want = stored
	case Type7:
		dec, err := Type7Decode(stored)
		if err != nil {
			return false
		}
		want = dec
	case Type5:
		salt, ok := splitCrypt(stored, "$1$")
		if !ok {
			return false
		}
		return constEq(Type5Hash(plain, salt), stored)
	case Type8:
		salt, ok := splitCrypt(stored, "$8$")
		if !ok || !validHashSalt(salt) {
			return false
		}
		return constEq(Type8Hash(plain, salt), stored)
	case Type9:
		salt, ok := splitCrypt(stored, "$9$")
		if !ok || !validHashSalt(salt) {
			return false
		}
		got, err := Type9Hash(plain, salt)
		if err != nil {
			return false
		}
		return constEq(got, stored)
	default:
		return false
	}
	return constEq(want, plain)
}

// constEq compares two strings in time that depends only on their lengths.
func constEq(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// splitCrypt checks that s is "<prefix><salt>$<digest>" with a non-empty
// salt and digest and returns the salt.
func splitCrypt(s, prefix string) (salt string, ok bool) {
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return "", false
	}
	rest := s[len(prefix):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '$' {
			if i == 0 || i == len(rest)-1 {
				return "", false
			}
			return rest[:i], true
		}
	}
	return "", false
}

// randomSalt returns n characters drawn uniformly from ciscoAlphabet.
func randomSalt(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	for i, b := range buf {
		buf[i] = ciscoAlphabet[b&0x3f] // 256 is a multiple of 64: no bias
	}
	return string(buf), nil
}

// ciscoBase64 encodes src with ciscoAlphabet, taking 6 bits at a time from
// the most significant end and zero-filling the last character, without
// padding. 32 bytes become 43 characters.
func ciscoBase64(src []byte) string {
	out := make([]byte, 0, (len(src)*8+5)/6)
	var acc uint32
	var bits uint
	for _, b := range src {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 6 {
			bits -= 6
			out = append(out, ciscoAlphabet[(acc>>bits)&0x3f])
		}
	}
	if bits > 0 {
		out = append(out, ciscoAlphabet[(acc<<(6-bits))&0x3f])
	}
	return string(out)
}
