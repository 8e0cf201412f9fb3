// Package keys is the router's key-pair store (the crypto-keys feature):
// RSA and EC key pairs by label, kept as PKCS#8 PEM files in the private
// nvram area, loaded at boot, and managed with `crypto key generate`,
// `crypto key zeroize`, `crypto key export`/`import` and
// `show crypto key mypubkey`. Private keys are never rendered in
// running-config, printed or logged.
//
// RSA moduli: IOS accepts 360 to 4096 bits. Go's crypto/rsa refuses keys
// below 1024 bits (GODEBUG rsa1024min), and such keys are unsafe anyway, so
// the console accepts the IOS range but refuses moduli below MinRSABits
// with an IOS-style error; the firmware does not weaken crypto/rsa.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/ios/system"
)

// MinRSABits is the smallest RSA modulus cmeos generates or imports.
const MinRSABits = 1024

// MaxRSABits is the largest modulus IOS offers.
const MaxRSABits = 4096

// Key usages.
const (
	UsageGeneral = "general" // general-keys: one pair for signing and encryption
	UsageSplit   = "usage"   // usage-keys
)

// Key is one key pair of the store.
type Key struct {
	Label      string
	Signer     crypto.Signer
	Exportable bool
	Usage      string // UsageGeneral or UsageSplit
	Created    time.Time
	// Encryption is the encryption key pair of usage keys (UsageSplit,
	// RSA): IOS makes two pairs under one label, Signer being the
	// signature key. Nil for general-purpose keys.
	Encryption crypto.Signer
}

// EncryptionPublicDER is the encryption public key of usage keys (nil otherwise).
func (k *Key) EncryptionPublicDER() []byte {
	if k.Encryption == nil {
		return nil
	}
	b, _ := x509.MarshalPKIXPublicKey(k.Encryption.Public())
	return b
}

// Type is "RSA" or "EC".
func (k *Key) Type() string {
	if _, ok := k.Signer.(*ecdsa.PrivateKey); ok {
		return "EC"
	}
	return "RSA"
}

// Bits is the modulus (RSA) or curve (EC) size.
func (k *Key) Bits() int {
	switch p := k.Signer.(type) {
	case *rsa.PrivateKey:
		return p.N.BitLen()
	case *ecdsa.PrivateKey:
		return p.Curve.Params().BitSize
	}
	return 0
}

// PublicDER is the DER SubjectPublicKeyInfo of the key.
func (k *Key) PublicDER() []byte {
	b, _ := x509.MarshalPKIXPublicKey(k.Signer.Public())
	return b
}

// Errors of the store.
var (
	ErrNotFound   = errors.New("keys: no such key")
	ErrBadLabel   = errors.New("keys: bad key label")
	ErrKeySize    = errors.New("keys: unsupported key size")
	ErrNoStorage  = errors.New("keys: no nvram")
	ErrNotAllowed = errors.New("keys: key is not exportable")
)

// Store holds the key pairs of one System. It is safe for concurrent use.
type Store struct {
	sys *config.System // for FS, Now and Publish; nil in a memory-only store

	mu   sync.Mutex // guards keys
	keys map[string]*Key
}

// NewMemoryStore returns a store that persists nothing (tests, tools).
func NewMemoryStore() *Store { return &Store{keys: map[string]*Key{}} }

// FromSystem returns the store of a running System.
func FromSystem(sys *config.System) *Store {
	f, _ := sys.Feature(FeatureName).(*feature)
	if f == nil {
		return nil
	}
	return f.store
}

// Get returns the key with the label.
func (s *Store) Get(label string) (*Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[label]
	return k, ok
}

// Labels returns the labels of all keys, sorted.
func (s *Store) Labels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for l := range s.keys {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// ValidLabel reports whether label can name a key: 1-64 printable
// characters without spaces.
func ValidLabel(label string) bool {
	if label == "" || len(label) > 64 {
		return false
	}
	for _, c := range []byte(label) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// GenerateRSA generates, stores and persists an RSA key pair, replacing any
// key with the label.
func (s *Store) GenerateRSA(label string, bits int, exportable bool) (*Key, error) {
	return s.GenerateRSAUsage(label, bits, exportable, UsageGeneral)
}

// GenerateRSAUsage is GenerateRSA with a usage (UsageGeneral or UsageSplit).
func (s *Store) GenerateRSAUsage(label string, bits int, exportable bool, usage string) (*Key, error) {
	if !ValidLabel(label) {
		return nil, ErrBadLabel
	}
	if bits < MinRSABits || bits > MaxRSABits {
		return nil, fmt.Errorf("%w: %d bits", ErrKeySize, bits)
	}
	pk, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("keys: generate RSA: %w", err)
	}
	k := &Key{Label: label, Signer: pk, Exportable: exportable, Usage: usage, Created: s.now()}
	if usage == UsageSplit {
		if k.Encryption, err = rsa.GenerateKey(rand.Reader, bits); err != nil {
			return nil, fmt.Errorf("keys: generate RSA: %w", err)
		}
	}
	return k, s.Put(k)
}

// GenerateEC generates a non-exportable P-256 or P-384 key pair.
func (s *Store) GenerateEC(label string, bits int) (*Key, error) {
	return s.GenerateECExportable(label, bits, false)
}

// GenerateECExportable is GenerateEC with the exportable flag.
func (s *Store) GenerateECExportable(label string, bits int, exportable bool) (*Key, error) {
	if !ValidLabel(label) {
		return nil, ErrBadLabel
	}
	var c elliptic.Curve
	switch bits {
	case 256:
		c = elliptic.P256()
	case 384:
		c = elliptic.P384()
	default:
		return nil, fmt.Errorf("%w: EC %d bits", ErrKeySize, bits)
	}
	pk, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: generate EC: %w", err)
	}
	k := &Key{Label: label, Signer: pk, Exportable: exportable, Usage: UsageGeneral, Created: s.now()}
	return k, s.Put(k)
}

// Put stores and persists a key (generated elsewhere or imported),
// replacing any key with its label. The store is unchanged if the key
// cannot be persisted.
func (s *Store) Put(k *Key) error {
	if !ValidLabel(k.Label) {
		return ErrBadLabel
	}
	if err := checkSigner(k.Signer); err != nil {
		return err
	}
	if k.Usage == "" {
		k.Usage = UsageGeneral
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sys != nil && s.sys.FS != nil {
		b, err := encodeKey(k)
		if err != nil {
			return err
		}
		if err := s.sys.FS.PrivateWrite(fileName(k.Label), b); err != nil {
			return fmt.Errorf("keys: save %s: %w", k.Label, err)
		}
	}
	s.keys[k.Label] = k
	s.publish()
	return nil
}

func checkSigner(sg crypto.Signer) error {
	switch p := sg.(type) {
	case *rsa.PrivateKey:
		if n := p.N.BitLen(); n < MinRSABits || n > 8192 {
			return fmt.Errorf("%w: RSA %d bits", ErrKeySize, n)
		}
	case *ecdsa.PrivateKey:
		if n := p.Curve.Params().BitSize; n != 256 && n != 384 && n != 521 {
			return fmt.Errorf("%w: EC %d bits", ErrKeySize, n)
		}
	default:
		return fmt.Errorf("%w: %T", ErrKeySize, sg)
	}
	return nil
}

// Remove deletes a key pair and its file.
func (s *Store) Remove(label string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[label]; !ok {
		return ErrNotFound
	}
	if s.sys != nil && s.sys.FS != nil {
		if err := s.sys.FS.PrivateRemove(fileName(label)); err != nil {
			return fmt.Errorf("keys: remove %s: %w", label, err)
		}
	}
	delete(s.keys, label)
	s.publish()
	return nil
}

func (s *Store) publish() {
	if s.sys != nil {
		s.sys.Publish(config.TopicKeys)
	}
}

func (s *Store) now() time.Time {
	if s.sys != nil {
		return s.sys.Now()
	}
	return time.Now()
}

// DefaultLabel is the name IOS gives general-purpose keys generated without
// a label: "<hostname>.<ip domain-name>". The lock must be held.
func DefaultLabel(sys *config.System) string { return system.FQDN(sys) }

// File layout: one private file per key, "key-<hex of label>.pem", holding
// a PKCS#8 "PRIVATE KEY" PEM block whose headers carry the metadata. The
// label is hex-encoded because private file names are restricted.
const filePrefix = "key-"

func fileName(label string) string { return filePrefix + hex.EncodeToString([]byte(label)) + ".pem" }

func encodeKey(k *Key) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
	if err != nil {
		return nil, fmt.Errorf("keys: encode %s: %w", k.Label, err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{
		"Label":      k.Label,
		"Exportable": strconv.FormatBool(k.Exportable),
		"Usage":      k.Usage,
		"Created":    k.Created.UTC().Format(time.RFC3339),
	}, Bytes: der})
	if k.Encryption != nil {
		// Usage keys: the encryption pair follows in a second block.
		der, err := x509.MarshalPKCS8PrivateKey(k.Encryption)
		if err != nil {
			return nil, fmt.Errorf("keys: encode %s: %w", k.Label, err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"Usage": "encryption"}, Bytes: der})...)
	}
	return out, nil
}

// DecodeKey parses a key file of the store.
func DecodeKey(b []byte) (*Key, error) {
	blk, rest := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("keys: not a PRIVATE KEY PEM block")
	}
	pk, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	sg, ok := pk.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keys: unsupported key %T", pk)
	}
	if err := checkSigner(sg); err != nil {
		return nil, err
	}
	k := &Key{Label: blk.Headers["Label"], Signer: sg, Exportable: blk.Headers["Exportable"] == "true", Usage: blk.Headers["Usage"]}
	if !ValidLabel(k.Label) {
		return nil, ErrBadLabel
	}
	if k.Usage != UsageSplit {
		k.Usage = UsageGeneral
	}
	k.Created, _ = time.Parse(time.RFC3339, blk.Headers["Created"])
	if k.Usage == UsageSplit {
		// The encryption pair (files written before usage keys had two
		// pairs have none: the signature key serves both, as before).
		if eb, _ := pem.Decode(rest); eb != nil && eb.Type == "PRIVATE KEY" && eb.Headers["Usage"] == "encryption" {
			ek, err := x509.ParsePKCS8PrivateKey(eb.Bytes)
			if err != nil {
				return nil, fmt.Errorf("keys: %w", err)
			}
			es, ok := ek.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("keys: unsupported encryption key %T", ek)
			}
			if err := checkSigner(es); err != nil {
				return nil, err
			}
			k.Encryption = es
		}
	}
	return k, nil
}

// load reads every key file of the private area. Damaged files are
// reported (without content) and skipped.
func (s *Store) load() {
	if s.sys == nil || s.sys.FS == nil {
		return
	}
	names, err := s.sys.FS.PrivateList()
	if err != nil {
		return
	}
	for _, n := range names {
		if !strings.HasPrefix(n, filePrefix) || !strings.HasSuffix(n, ".pem") {
			continue
		}
		b, err := s.sys.FS.PrivateRead(n)
		if err != nil {
			continue
		}
		k, err := DecodeKey(b)
		if err != nil || fileName(k.Label) != n {
			s.sys.Log.Logf(logging.Errors, "CRYPTO", "KEY_LOAD", "Cannot load key file %s", n)
			continue
		}
		s.keys[k.Label] = k
	}
}
