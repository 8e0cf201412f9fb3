package trust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1" // hash codes 1..3 of the header
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Verification errors; test with errors.Is.
var (
	ErrUnsigned  = errors.New("trust: file has no signature")
	ErrNoSigner  = errors.New("trust: no certificate matches the signer of the header")
	ErrSignature = errors.New("trust: signature does not verify")
	ErrRecord    = errors.New("trust: record does not match its certificate")
)

// HashFor maps a HASH_ALGORITHM code to its hash (0 if unknown).
func HashFor(code uint8) crypto.Hash {
	switch code {
	case HashSHA1:
		return crypto.SHA1
	case HashSHA256:
		return crypto.SHA256
	case HashSHA512:
		return crypto.SHA512
	}
	return 0
}

func recordErr(r *Record, f string, a ...any) error {
	return fmt.Errorf("%w: record at offset %d (role %d): %s", ErrRecord, r.Offset, r.Role, fmt.Sprintf(f, a...))
}

// Cert parses the record's DER certificate.
func (r *Record) Cert() (*x509.Certificate, error) {
	if len(r.Certificate) == 0 {
		return nil, recordErr(r, "no CERTIFICATE element")
	}
	c, err := x509.ParseCertificate(r.Certificate)
	if err != nil {
		return nil, recordErr(r, "certificate does not parse: %v", err)
	}
	return c, nil
}

// Check compares every certificate-derived element of the record with the
// record's own DER certificate: subject, issuer, serial number, public key,
// certificate signature and certificate hash. It returns the certificate.
func (r *Record) Check() (*x509.Certificate, error) {
	c, err := r.Cert()
	if err != nil {
		return nil, err
	}
	if r.Subject != "" {
		if err := MatchName(r.Subject, c.RawSubject); err != nil {
			return nil, recordErr(r, "SUBJECT_NAME %q: %v", r.Subject, err)
		}
	}
	if r.Issuer != "" {
		if err := MatchName(r.Issuer, c.RawIssuer); err != nil {
			return nil, recordErr(r, "ISSUER_NAME %q: %v", r.Issuer, err)
		}
	}
	if r.Serial != nil && !sameSerial(r.Serial, c.SerialNumber) {
		return nil, recordErr(r, "SERIAL_NUMBER %X, certificate has %X", r.Serial, c.SerialNumber)
	}
	if r.PublicKey != nil && !samePublicKey(r.PublicKey, c.PublicKey) {
		return nil, recordErr(r, "PUBLIC_KEY differs from the certificate's key")
	}
	if r.CertSignature != nil && !bytes.Equal(r.CertSignature, c.Signature) {
		return nil, recordErr(r, "SIGNATURE differs from the certificate's signature")
	}
	if r.CertHash != nil {
		h := HashFor(r.HashAlgorithm)
		if r.HashAlgorithm == 0 { // the element is optional: guess from the size
			for _, cand := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
				if cand.Size() == len(r.CertHash) {
					h = cand
				}
			}
		}
		if h == 0 {
			return nil, recordErr(r, "CERTIFICATE_HASH with unknown HASH_ALGORITHM %d", r.HashAlgorithm)
		}
		d := h.New()
		d.Write(r.Certificate)
		if !bytes.Equal(d.Sum(nil), r.CertHash) {
			return nil, recordErr(r, "CERTIFICATE_HASH is not the %v of the certificate", h)
		}
	}
	return c, nil
}

func sameSerial(raw []byte, n *big.Int) bool {
	return n != nil && n.Sign() >= 0 && new(big.Int).SetBytes(raw).Cmp(n) == 0
}

// samePublicKey compares a PUBLIC_KEY element (PKCS#1 RSAPublicKey, or an
// uncompressed X9.62 point) with a certificate key.
func samePublicKey(el []byte, key crypto.PublicKey) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		p, err := x509.ParsePKCS1PublicKey(el)
		return err == nil && p.Equal(k)
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		return err == nil && bytes.Equal(e.Bytes(), el)
	}
	return false
}

// signerMatches reports whether cert is the one the header names.
func (h *Header) signerMatches(c *x509.Certificate) bool {
	if !sameSerial(h.SerialNumber, c.SerialNumber) || len(h.SerialNumber) == 0 {
		return false
	}
	if h.SignerName != "" && MatchName(h.SignerName, c.RawSubject) != nil {
		return false
	}
	if h.IssuerName != "" && MatchName(h.IssuerName, c.RawIssuer) != nil {
		return false
	}
	return true
}

// checkSignature verifies the header's signature over raw with cert's key:
// RSA PKCS#1 v1.5 with the hash of HASH_ALGORITHM (§2.4).
func (h *Header) checkSignature(raw []byte, c *x509.Certificate) error {
	signed, err := h.SignedBytes(raw)
	if err != nil {
		return err
	}
	if h.SigAlgorithm != 0 {
		return fmt.Errorf("%w: SIGNATURE_ALGORITHM %d is not RSA", ErrSignature, h.SigAlgorithm)
	}
	hash := HashFor(h.HashAlgorithm)
	if hash == 0 {
		return fmt.Errorf("%w: unknown HASH_ALGORITHM %d", ErrSignature, h.HashAlgorithm)
	}
	key, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: signer key is not RSA", ErrSignature)
	}
	if int(h.SigModulus) >= len(modulusBytes) || modulusBytes[h.SigModulus] != key.Size() || len(h.Signature) != key.Size() {
		return fmt.Errorf("%w: SIGNATURE_MODULUS %d and a %d-byte signature for a %d-byte key", ErrSignature, h.SigModulus, len(h.Signature), key.Size())
	}
	d := hash.New()
	d.Write(signed)
	if err := rsa.VerifyPKCS1v15(key, hash, d.Sum(nil), h.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}

// Signer returns the record and certificate that signed the list: the SAST
// record whose serial is the header SERIAL_NUMBER (§2.4, §2.7).
func (l *List) Signer() (*Record, *x509.Certificate, error) {
	for i := range l.Records {
		r := &l.Records[i]
		if r.Role != RoleSAST || !sameSerial(r.Serial, new(big.Int).SetBytes(l.Header.SerialNumber)) {
			continue
		}
		c, err := r.Cert()
		if err != nil {
			return nil, nil, err
		}
		if l.Header.signerMatches(c) {
			return r, c, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: no SAST record with serial %X", ErrNoSigner, l.Header.SerialNumber)
}

// Verify checks a CTL or ITL the way a phone without a trust list does on
// first download: every record agrees with its certificate, there are at
// most two SAST records, and the signature verifies with the SAST record
// named by the header. If trusted is not empty (a phone that already has a
// list), the signer must also be one of trusted.
func (l *List) Verify(trusted ...*x509.Certificate) error {
	sast := 0
	for i := range l.Records {
		r := &l.Records[i]
		if len(r.Certificate) == 0 && len(r.CertHash) > 0 {
			// A hash-only record (CAPF, TVS in seed 001): nothing to
			// compare its elements with, but it can never sign.
			if r.Role == RoleSAST {
				return recordErr(r, "SAST record without a certificate")
			}
			if r.certHash() == 0 {
				return recordErr(r, "CERTIFICATE_HASH of %d bytes", len(r.CertHash))
			}
			continue
		}
		if _, err := r.Check(); err != nil {
			return err
		}
		if l.Records[i].Role == RoleSAST {
			sast++
		}
	}
	if sast > 2 {
		return fmt.Errorf("%w: %d SAST records, at most 2 allowed", ErrRecord, sast)
	}
	_, c, err := l.Signer()
	if err != nil {
		return err
	}
	if len(trusted) > 0 {
		ok := false
		for _, t := range trusted {
			ok = ok || bytes.Equal(t.Raw, c.Raw)
		}
		if !ok {
			return fmt.Errorf("%w: signer %s is not a SAST of the installed list", ErrNoSigner, c.Subject)
		}
	}
	return l.Header.checkSignature(l.Raw, c)
}

// Trusts reports whether der, a DER certificate a server presented, is
// listed for one of roles: as the record's certificate, or as its
// CERTIFICATE_HASH (the CAPF and TVS records of CUCM's ITL, seed 001).
func (l *List) Trusts(der []byte, roles ...uint16) bool {
	for i := range l.Records {
		r := &l.Records[i]
		if !slices.Contains(roles, r.Role) {
			continue
		}
		if len(r.Certificate) > 0 && bytes.Equal(r.Certificate, der) {
			return true
		}
		if len(r.CertHash) > 0 {
			if h := r.certHash(); h != 0 {
				d := h.New()
				d.Write(der)
				if bytes.Equal(d.Sum(nil), r.CertHash) {
					return true
				}
			}
		}
	}
	return false
}

// certHash is the hash of CERTIFICATE_HASH: HASH_ALGORITHM, or guessed
// from the size when that element is absent or 0 (optional in §2.5).
func (r *Record) certHash() crypto.Hash {
	if h := HashFor(r.HashAlgorithm); h != 0 && h.Size() == len(r.CertHash) {
		return h
	}
	for _, cand := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		if cand.Size() == len(r.CertHash) {
			return cand
		}
	}
	return 0
}

// Certificates returns the certificates of the records holding any of
// roles; records that carry only a certificate hash have none to give.
func (l *List) Certificates(roles ...uint16) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i := range l.Records {
		r := &l.Records[i]
		if len(r.Certificate) == 0 && len(r.CertHash) > 0 {
			continue
		}
		for _, role := range roles {
			if r.Role == role {
				c, err := r.Cert()
				if err != nil {
					return nil, err
				}
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}

// VerifySigned decodes and verifies a .sgn file with one of trusted, which
// a phone takes from the TFTP (or CCM+TFTP) records of its CTL. If want is
// not empty, the header FILENAME must equal it: the signature binds the
// content to the name the phone asked for (§3.1).
func VerifySigned(b []byte, want string, trusted ...*x509.Certificate) (*Signed, error) {
	s, err := ParseSigned(b)
	if err != nil {
		return nil, err
	}
	return s.verify(b, want, trusted)
}

// VerifyEncrypted is VerifySigned for a .enc.sgn (§3.2): the signature
// covers the header with its encryption elements and the ciphertext.
func VerifyEncrypted(b []byte, want string, trusted ...*x509.Certificate) (*Signed, error) {
	s, err := ParseEncrypted(b)
	if err != nil {
		return nil, err
	}
	return s.verify(b, want, trusted)
}

func (s *Signed) verify(b []byte, want string, trusted []*x509.Certificate) (*Signed, error) {
	if s.Header.sigStart < 0 {
		return nil, ErrUnsigned
	}
	if want != "" && s.Header.Filename != want {
		return nil, fmt.Errorf("%w: FILENAME %q, requested %q", ErrSignature, s.Header.Filename, want)
	}
	err := fmt.Errorf("%w: none of %d trusted certificates has serial %X", ErrNoSigner, len(trusted), s.Header.SerialNumber)
	for _, c := range trusted {
		if !s.Header.signerMatches(c) {
			continue
		}
		if err = s.Header.checkSignature(b, c); err == nil {
			return s, nil
		}
	}
	return nil, err
}
