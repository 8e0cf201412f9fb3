package pwtype

import (
	"crypto/md5"
	"fmt"
	"strings"
)

// Type5MaxSalt is the longest salt MD5-crypt uses; longer salts are
// truncated.
const Type5MaxSalt = 8

const (
	md5CryptMagic = "$1$"
	type5SaltLen  = 4 // the salt length IOS generates
)

// Type5Hash returns the MD5-crypt hash "$1$<salt>$<22 chars>" of plain, as
// IOS prints after "secret 5". As with crypt(3), a leading "$1$" on salt is
// ignored, the salt ends at its first '$', and only its first 8 bytes are
// used. IOS salts are drawn from [./0-9A-Za-z]; other bytes are hashed as
// given, exactly as OpenSSL's "passwd -1" does.
func Type5Hash(plain, salt string) string {
	salt = strings.TrimPrefix(salt, md5CryptMagic)
	if i := strings.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > Type5MaxSalt {
		salt = salt[:Type5MaxSalt]
	}
	return md5CryptMagic + salt + "$" + md5Crypt([]byte(plain), []byte(salt))
}

// NewType5 hashes plain with a random 4-character salt, as IOS does for
// "enable secret" and "username ... secret 5".
func NewType5(plain string) (string, error) {
	salt, err := randomSalt(type5SaltLen)
	if err != nil {
		return "", fmt.Errorf("type 5: %w", err)
	}
	return Type5Hash(plain, salt), nil
}

// md5Crypt computes the 22-character digest part of the FreeBSD MD5-crypt
// algorithm (Poul-Henning Kamp, 1994).
func md5Crypt(pw, salt []byte) string {
	// Alternate sum: MD5(pw + salt + pw).
	h := md5.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(pw)
	alt := h.Sum(nil)

	h.Reset()
	h.Write(pw)
	h.Write([]byte(md5CryptMagic))
	h.Write(salt)
	for n := len(pw); n > 0; n -= md5.Size {
		h.Write(alt[:min(n, md5.Size)])
	}
	// The original code cleared the buffer it then read from here, so the
	// "odd bit" contributes a zero byte.
	for n := len(pw); n != 0; n >>= 1 {
		if n&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(pw[:1])
		}
	}
	sum := h.Sum(nil)

	// 1000 rounds to slow down brute force.
	for i := 0; i < 1000; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(pw)
		} else {
			h.Write(sum)
		}
		if i%3 != 0 {
			h.Write(salt)
		}
		if i%7 != 0 {
			h.Write(pw)
		}
		if i&1 != 0 {
			h.Write(sum)
		} else {
			h.Write(pw)
		}
		sum = h.Sum(sum[:0])
	}

	// Output: five 3-byte groups in a fixed permutation, then byte 11,
	// each group written least-significant 6 bits first.
	out := make([]byte, 0, 22)
	to64 := func(v uint32, n int) {
		for ; n > 0; n-- {
			out = append(out, ciscoAlphabet[v&0x3f])
			v >>= 6
		}
	}
	for _, g := range [5][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		to64(uint32(sum[g[0]])<<16|uint32(sum[g[1]])<<8|uint32(sum[g[2]]), 4)
	}
	to64(uint32(sum[11]), 2)
	return string(out)
}
