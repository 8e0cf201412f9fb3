package pwtype

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// type7Key is the fixed table every IOS release uses for type 7. Byte i of
// the plain text is XORed with type7Key[(seed+i) % 53].
const type7Key = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

// Type7MaxSeed is the largest seed IOS uses when it encodes; [Type7Encode]
// accepts 0..Type7MaxSeed.
const Type7MaxSeed = 15

// Errors returned by the type 7 functions.
var (
	ErrType7Seed   = errors.New("type 7: seed out of range")
	ErrType7Format = errors.New("type 7: malformed encoded password")
)

// Type7Encode obfuscates plain with the type 7 algorithm starting at table
// offset seed (0..15; IOS picks one at random, see [NewType7]). The result is
// the seed as two decimal digits followed by two upper-case hex digits per
// byte of plain, e.g. Type7Encode("cisco", 8) == "0822455D0A16".
func Type7Encode(plain string, seed int) (string, error) {
	if seed < 0 || seed > Type7MaxSeed {
		return "", ErrType7Seed
	}
	const hexdig = "0123456789ABCDEF"
	out := make([]byte, 2, 2+2*len(plain))
	out[0] = byte('0' + seed/10)
	out[1] = byte('0' + seed%10)
	for i := 0; i < len(plain); i++ {
		c := plain[i] ^ type7Key[(seed+i)%len(type7Key)]
		out = append(out, hexdig[c>>4], hexdig[c&0x0f])
	}
	return string(out), nil
}

// NewType7 encodes plain as [Type7Encode] does with a random seed in 0..15,
// as IOS does for "service password-encryption".
func NewType7(plain string) (string, error) {
	var b [1]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("type 7: %w", err)
	}
	return Type7Encode(plain, int(b[0]&0x0f))
}

// Type7Decode recovers the plain text from a type 7 string. The two leading
// decimal digits are the seed; IOS itself writes 00..15, but any seed below
// 53 is a valid table offset and is accepted. Hex digits may be in either
// case. An odd number of hex digits, a non-decimal seed, a seed of 53 or
// more, or a non-hex digit is an error.
func Type7Decode(enc string) (string, error) {
	if len(enc) < 2 || len(enc)%2 != 0 {
		return "", ErrType7Format
	}
	d0, d1 := enc[0], enc[1]
	if d0 < '0' || d0 > '9' || d1 < '0' || d1 > '9' {
		return "", ErrType7Format
	}
	seed := int(d0-'0')*10 + int(d1-'0')
	if seed >= len(type7Key) {
		return "", ErrType7Format
	}
	hexpart := enc[2:]
	out := make([]byte, len(hexpart)/2)
	for i := range out {
		hi, ok1 := unhex(hexpart[2*i])
		lo, ok2 := unhex(hexpart[2*i+1])
		if !ok1 || !ok2 {
			return "", ErrType7Format
		}
		out[i] = (hi<<4 | lo) ^ type7Key[(seed+i)%len(type7Key)]
	}
	return string(out), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
