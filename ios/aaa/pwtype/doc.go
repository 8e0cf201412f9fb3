// Package pwtype implements the Cisco IOS password encodings that appear in a
// running-config after a password or secret keyword, and the Cisco Unified
// CME password policy check.
//
// The encodings are identified by the number IOS prints before them:
//
//   - Type 0: the clear-text password itself.
//   - Type 5: MD5-crypt ("$1$<salt>$<hash>", Poul-Henning Kamp's FreeBSD
//     algorithm, 1000 rounds, salt of up to 8 characters; IOS picks 4).
//   - Type 6: reversible AES encryption keyed by the master key configured
//     with "key config-key password-encrypt". See [MasterKey].
//   - Type 7: the reversible Vigenère-style obfuscation that XORs each byte
//     with the well-known 53-byte "dsfd;kfoA,..." table, starting at a
//     decimal seed printed in front of the hex digits.
//   - Type 8: PBKDF2-HMAC-SHA256, 20000 iterations, 32-byte result
//     ("$8$<salt>$<hash>").
//   - Type 9: scrypt with N=16384, r=1, p=1, 32-byte result
//     ("$9$<salt>$<hash>").
//
// For types 8 and 9 the salt is used as its ASCII text (not decoded), IOS
// generates 14-character salts, and the 32-byte digest is written as 43
// characters of Cisco's 64-character alphabet "./0-9A-Za-z", filled
// most-significant bit first (the bit order of standard base64, not the
// little-endian order of crypt(3)), without padding. This is the layout of
// Cisco's own reference encoder, github.com/CiscoDevNet/Type-6-Password-Encode
// (ios_hash_password.c, convert_bitstring.c, select_salt.h).
//
// Types 5, 8 and 9 are one-way: [Verify] recomputes the hash and compares it
// in constant time. Types 6 and 7 can be decoded.
//
// Errors returned by this package describe what failed, never the secret
// that failed.
package pwtype
