package pwtype

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// HashSaltLen is the salt length IOS generates for types 8 and 9: 14
// characters of [./0-9A-Za-z] (CiscoDevNet/Type-6-Password-Encode,
// select_salt.h, AUTOGEN_SALT_LENGTH; every published IOS $8$ and $9$ string
// has a 14-character salt).
const HashSaltLen = 14

// Parameters of the type 8 and type 9 hashes, as used by IOS and by Cisco's
// reference encoder (CiscoDevNet/Type-6-Password-Encode, ios_hash_password.c).
const (
	type8Iterations = 20000
	type9N          = 16384
	type9R          = 1
	type9P          = 1
	hashLen         = 32 // bytes of digest; 43 characters once encoded
)

// ErrHashSalt reports a type 8 or type 9 salt that is empty or contains '$',
// a space or a non-printable character.
var ErrHashSalt = errors.New("type 8/9: invalid salt")

// validHashSalt applies the rule of Cisco's reference encoder: a salt is one
// or more printable ASCII characters other than space and '$'.
func validHashSalt(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '$' {
			return false
		}
	}
	return true
}

// Type8Hash returns the type 8 hash "$8$<salt>$<43 chars>" of plain: the
// 32-byte PBKDF2-HMAC-SHA256 of plain with the salt's ASCII text as salt and
// 20000 iterations, encoded in Cisco's alphabet.
//
// Type8Hash returns the empty string if salt is invalid (empty, or holding
// '$', a space or a non-printable character) or, only when the Go runtime
// runs in FIPS 140-3 "only" mode, if that mode refuses the parameters.
// [NewType8] reports these as errors.
func Type8Hash(plain, salt string) string {
	s, err := type8(plain, salt)
	if err != nil {
		return ""
	}
	return s
}

func type8(plain, salt string) (string, error) {
	if !validHashSalt(salt) {
		return "", ErrHashSalt
	}
	dk, err := pbkdf2.Key(sha256.New, plain, []byte(salt), type8Iterations, hashLen)
	if err != nil {
		return "", fmt.Errorf("type 8: pbkdf2: %w", err)
	}
	return "$8$" + salt + "$" + ciscoBase64(dk), nil
}

// NewType8 hashes plain as [Type8Hash] does with a random 14-character salt,
// as IOS does for "algorithm-type sha256 secret".
func NewType8(plain string) (string, error) {
	salt, err := randomSalt(HashSaltLen)
	if err != nil {
		return "", fmt.Errorf("type 8: %w", err)
	}
	return type8(plain, salt)
}

// Type9Hash returns the type 9 hash "$9$<salt>$<43 chars>" of plain: the
// 32-byte scrypt (N=16384, r=1, p=1) of plain with the salt's ASCII text as
// salt, encoded in Cisco's alphabet. It fails with [ErrHashSalt] if salt is
// empty or holds '$', a space or a non-printable character.
func Type9Hash(plain, salt string) (string, error) {
	if !validHashSalt(salt) {
		return "", ErrHashSalt
	}
	dk, err := scrypt.Key([]byte(plain), []byte(salt), type9N, type9R, type9P, hashLen)
	if err != nil {
		return "", fmt.Errorf("type 9: scrypt: %w", err)
	}
	return "$9$" + salt + "$" + ciscoBase64(dk), nil
}

// NewType9 hashes plain as [Type9Hash] does with a random 14-character salt,
// as IOS does for "algorithm-type scrypt secret".
func NewType9(plain string) (string, error) {
	salt, err := randomSalt(HashSaltLen)
	if err != nil {
		return "", fmt.Errorf("type 9: %w", err)
	}
	return Type9Hash(plain, salt)
}
