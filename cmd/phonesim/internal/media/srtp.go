package media

import (
	"errors"
	"fmt"

	"github.com/pion/srtp/v3"
)

// SRTP (RFC 3711) as the phone does it, with the keys the call manager
// put in the key blocks of OpenReceiveChannel (what the phone decrypts
// with) and StartMediaTransmission (what it encrypts with), reference
// protocols.md §6.8. The cipher is pion/srtp's, independent of the box's
// key handling; only the algorithm and lengths are ever reported.

// Key-block algorithm IDs (§6.8).
const (
	AlgNone            = 0
	AlgAESCM128SHA1_32 = 1
	AlgAESCM128SHA1_80 = 2
	AlgAEADAES128GCM   = 5
)

// ErrKeyBlock reports a key block the phone cannot use: an algorithm it
// does not know, or key and salt lengths that do not fit the algorithm.
var ErrKeyBlock = errors.New("media: unusable SRTP key block")

// profile is the SRTP protection profile of a key block, with the key
// and salt lengths it needs.
func profile(alg uint32) (srtp.ProtectionProfile, int, int, error) {
	switch alg {
	case AlgAESCM128SHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, 16, 14, nil
	case AlgAESCM128SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, 16, 14, nil
	case AlgAEADAES128GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, 16, 12, nil
	}
	return 0, 0, 0, fmt.Errorf("%w: algorithm %d", ErrKeyBlock, alg)
}

// context makes the SRTP context of a key block; nil, nil for a block
// without encryption (algorithm 0).
func (k KeyBlock) context() (*srtp.Context, error) {
	if k.Algorithm == AlgNone {
		return nil, nil
	}
	p, kl, sl, err := profile(k.Algorithm)
	if err != nil {
		return nil, err
	}
	if len(k.Key) != kl || len(k.Salt) != sl || int(k.KeyLen) != kl || int(k.SaltLen) != sl {
		return nil, fmt.Errorf("%w: algorithm %d with a %d-byte key and a %d-byte salt", ErrKeyBlock, k.Algorithm, k.KeyLen, k.SaltLen)
	}
	return srtp.CreateContext(k.Key, k.Salt, p)
}
