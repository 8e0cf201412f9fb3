// Package srtp holds SRTP key material and per-leg SRTP contexts.
//
// A Key is one direction's master key and salt for one suite, drawn from
// crypto/rand; it travels to SCCP phones in the MediaEncryptionKeyInfo
// block of OpenReceiveChannel/StartMediaTransmission (reference
// protocols.md §6.8: key and salt separately, algorithm IDs 1, 2, 5) and
// to SIP peers as an SDES inline key (RFC 4568: base64 of key‖salt). The
// only place a key is ever rendered as text is Key.Inline, which
// `show ephone offhook` and `show sip-ua calls` call (seed 004); String
// and Format redact it so that a key printed by mistake shows nothing.
//
// Context wraps github.com/pion/srtp/v3 for one direction of one leg:
// Protect and Unprotect work in place on caller buffers and do not
// allocate on the hot path.
package srtp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/pion/rtp"
	pion "github.com/pion/srtp/v3"
)

// Suite is an SRTP crypto suite, numbered as the SCCP algorithmID of the
// key block (protocols.md §6.8, §10).
type Suite uint32

// Suites by their SCCP algorithm IDs. F8 (3, 4) and AES-256-GCM (6, which
// does not fit the block's 16-byte key field) are not offered.
const (
	NoEncryption        Suite = 0
	AESCM128HMACSHA1_32 Suite = 1
	AESCM128HMACSHA1_80 Suite = 2
	AEADAES128GCM       Suite = 5
)

// Default is the suite offered to encrypted phones (the reference's
// advice, §11: algorithm 2, which phones of every generation accept).
const Default = AESCM128HMACSHA1_80

const (
	maxKeyLen    = 16
	maxSaltLen   = 14
	aesCMSaltLen = 14
	gcmSaltLen   = 12
)

var suiteNames = map[Suite]string{
	NoEncryption:        "NONE",
	AESCM128HMACSHA1_32: "AES_CM_128_HMAC_SHA1_32",
	AESCM128HMACSHA1_80: "AES_CM_128_HMAC_SHA1_80",
	AEADAES128GCM:       "AEAD_AES_128_GCM",
}

// String is the suite's SDES name, as `show ephone offhook` prints it.
func (s Suite) String() string {
	if n, ok := suiteNames[s]; ok {
		return n
	}
	return fmt.Sprintf("SUITE_%d", uint32(s))
}

// ParseSuite reads an SDES suite name (RFC 4568 §6.2, RFC 7714).
func ParseSuite(name string) (Suite, error) {
	for s, n := range suiteNames {
		if n == name && s != NoEncryption {
			return s, nil
		}
	}
	return NoEncryption, fmt.Errorf("srtp: unsupported crypto suite %q", name)
}

// Valid reports whether s is a suite this package can key.
func (s Suite) Valid() bool {
	return s == AESCM128HMACSHA1_32 || s == AESCM128HMACSHA1_80 || s == AEADAES128GCM
}

// KeyLen and SaltLen are the master key and salt sizes in bytes (§10).
func (s Suite) KeyLen() int {
	if !s.Valid() {
		return 0
	}
	return 16
}

// SaltLen is the master salt size in bytes: 14 for AES-CM, 12 for GCM.
func (s Suite) SaltLen() int {
	switch s {
	case AESCM128HMACSHA1_32, AESCM128HMACSHA1_80:
		return aesCMSaltLen
	case AEADAES128GCM:
		return gcmSaltLen
	}
	return 0
}

func (s Suite) profile() (pion.ProtectionProfile, error) {
	switch s {
	case AESCM128HMACSHA1_32:
		return pion.ProtectionProfileAes128CmHmacSha1_32, nil
	case AESCM128HMACSHA1_80:
		return pion.ProtectionProfileAes128CmHmacSha1_80, nil
	case AEADAES128GCM:
		return pion.ProtectionProfileAeadAes128Gcm, nil
	}
	return 0, fmt.Errorf("srtp: no context for suite %v", s)
}

// Key is one direction's master key and salt. The zero Key means "no
// encryption" (plain RTP).
type Key struct {
	Suite Suite
	key   [maxKeyLen]byte
	salt  [maxSaltLen]byte
}

// NewKey draws a fresh master key and salt for suite s from crypto/rand.
func NewKey(s Suite) (Key, error) {
	if !s.Valid() {
		return Key{}, fmt.Errorf("srtp: cannot key suite %v", s)
	}
	k := Key{Suite: s}
	if _, err := rand.Read(k.key[:s.KeyLen()]); err != nil {
		return Key{}, fmt.Errorf("srtp: drawing a master key: %w", err)
	}
	if _, err := rand.Read(k.salt[:s.SaltLen()]); err != nil {
		return Key{}, fmt.Errorf("srtp: drawing a master salt: %w", err)
	}
	return k, nil
}

// ErrKeyLength reports a key or salt whose length does not fit the suite.
var ErrKeyLength = errors.New("srtp: key or salt length does not match the suite")

// FromParts builds a Key from the separate key and salt of an SCCP key
// block (protocols.md §6.8), checking their lengths against the suite.
func FromParts(s Suite, key, salt []byte) (Key, error) {
	if s == NoEncryption {
		return Key{}, nil
	}
	if !s.Valid() {
		return Key{}, fmt.Errorf("srtp: unsupported algorithm %d", uint32(s))
	}
	if len(key) != s.KeyLen() || len(salt) != s.SaltLen() {
		return Key{}, ErrKeyLength
	}
	k := Key{Suite: s}
	copy(k.key[:], key)
	copy(k.salt[:], salt)
	return k, nil
}

// Enabled reports whether the key encrypts (a zero Key is plain RTP).
func (k Key) Enabled() bool { return k.Suite != NoEncryption }

// MasterKey and MasterSalt return the key and salt bytes, for the SCCP
// key block (which carries them separately).
func (k Key) MasterKey() []byte { return append([]byte(nil), k.key[:k.Suite.KeyLen()]...) }

// MasterSalt returns the salt bytes (14 for AES-CM, 12 for GCM).
func (k Key) MasterSalt() []byte { return append([]byte(nil), k.salt[:k.Suite.SaltLen()]...) }

// Inline is the key as SDES inline text: base64 of key‖salt (RFC 4568
// §6.1). This is the form `show ephone offhook` and `show sip-ua calls`
// print (seed 004) and SDP `a=crypto` carries; nothing else may call it.
func (k Key) Inline() string {
	if !k.Enabled() {
		return ""
	}
	b := make([]byte, 0, 32)
	b = append(b, k.key[:k.Suite.KeyLen()]...)
	b = append(b, k.salt[:k.Suite.SaltLen()]...)
	return base64.StdEncoding.EncodeToString(b)
}

// ParseInline reads an SDES inline key (base64 of key‖salt) for suite s.
// Lifetime and MKI parameters (`|2^31|1:1`) are not supported and refused.
func ParseInline(s Suite, inline string) (Key, error) {
	if !s.Valid() {
		return Key{}, fmt.Errorf("srtp: unsupported suite %v", s)
	}
	if len(inline) > 64 {
		return Key{}, ErrKeyLength
	}
	b, err := base64.StdEncoding.DecodeString(inline)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(inline)
	}
	if err != nil {
		return Key{}, fmt.Errorf("srtp: inline key: %w", err)
	}
	if len(b) != s.KeyLen()+s.SaltLen() {
		return Key{}, ErrKeyLength
	}
	return FromParts(s, b[:s.KeyLen()], b[s.KeyLen():])
}

// String redacts the key: only the suite is shown.
func (k Key) String() string {
	if !k.Enabled() {
		return "srtp.Key{none}"
	}
	return "srtp.Key{" + k.Suite.String() + " <redacted>}"
}

// GoString redacts the key as String does (for %#v).
func (k Key) GoString() string { return k.String() }

// Format makes every fmt verb print the redacted form, so that %x or %v
// of a Key (or a struct holding one) never leaks key bytes.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// Context protects or unprotects one direction of one media leg. It is
// not safe for concurrent use: each leg's receive and send paths own one.
type Context struct {
	ctx    *pion.Context
	suite  Suite
	header rtp.Header
}

// NewContext makes a context for key k. Replay protection (a 64-packet
// window, RFC 3711 §3.3.2) is on for unprotecting.
func NewContext(k Key) (*Context, error) {
	p, err := k.Suite.profile()
	if err != nil {
		return nil, err
	}
	c, err := pion.CreateContext(k.key[:k.Suite.KeyLen()], k.salt[:k.Suite.SaltLen()], p,
		pion.SRTPReplayProtection(64), pion.SRTCPReplayProtection(64))
	if err != nil {
		return nil, fmt.Errorf("srtp: %w", err)
	}
	return &Context{ctx: c, suite: k.Suite}, nil
}

// Overhead is the number of bytes Protect adds to an RTP packet.
func (c *Context) Overhead() int {
	switch c.suite {
	case AESCM128HMACSHA1_32:
		return 4
	case AESCM128HMACSHA1_80:
		return 10
	case AEADAES128GCM:
		return 16
	}
	return 0
}

// Protect encrypts and authenticates the RTP packet pkt into dst (which
// may be pkt[:0] when cap(pkt) leaves room for Overhead bytes) and
// returns the SRTP packet.
func (c *Context) Protect(dst, pkt []byte) ([]byte, error) {
	if _, err := c.header.Unmarshal(pkt); err != nil {
		return nil, fmt.Errorf("srtp: protect: %w", err)
	}
	return c.ctx.EncryptRTP(dst, pkt, &c.header)
}

// Unprotect authenticates and decrypts the SRTP packet pkt into dst and
// returns the RTP packet. A forged, tampered, truncated or replayed
// packet is an error.
func (c *Context) Unprotect(dst, pkt []byte) ([]byte, error) {
	if _, err := c.header.Unmarshal(pkt); err != nil {
		return nil, fmt.Errorf("srtp: unprotect: %w", err)
	}
	return c.ctx.DecryptRTP(dst, pkt, &c.header)
}

// ProtectRTCP and UnprotectRTCP do the same for RTCP (SRTCP, RFC 3711 §3.4).
func (c *Context) ProtectRTCP(dst, pkt []byte) ([]byte, error) {
	return c.ctx.EncryptRTCP(dst, pkt, nil)
}

// UnprotectRTCP authenticates and decrypts an SRTCP packet.
func (c *Context) UnprotectRTCP(dst, pkt []byte) ([]byte, error) {
	return c.ctx.DecryptRTCP(dst, pkt, nil)
}
