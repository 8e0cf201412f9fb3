package ctl

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // HASH_ALGORITHM 1
	_ "crypto/sha256"
	_ "crypto/sha512" // HASH_ALGORITHM 3
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// maxSAST is the most SAST records a file may hold (protocols.md §2.7).
const maxSAST = 2

// RecordFromCertificate returns the record certutils writes for cert in the
// given role (§2.5): subject and issuer names (see [DistinguishedName]),
// serial number, the public key (PKCS#1 for RSA, uncompressed X9.62 point
// for EC), the certificate's signature value and the certificate itself.
// It sets no DNS name, IP address or certificate hash; certutils writes
// none and the reference advises leaving them out (§11).
func RecordFromCertificate(cert *x509.Certificate, role Role) (Record, error) {
	subject, err := DistinguishedName(cert.RawSubject)
	if err != nil {
		return Record{}, fmt.Errorf("ctl: certificate subject: %w", err)
	}
	issuer, err := DistinguishedName(cert.RawIssuer)
	if err != nil {
		return Record{}, fmt.Errorf("ctl: certificate issuer: %w", err)
	}
	serial, err := serialBytes(cert)
	if err != nil {
		return Record{}, err
	}
	var pub []byte
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		pub = x509.MarshalPKCS1PublicKey(k)
	case *ecdsa.PublicKey:
		ek, err := k.ECDH()
		if err != nil {
			return Record{}, fmt.Errorf("ctl: certificate EC key: %w", err)
		}
		pub = ek.Bytes()
	default:
		return Record{}, fmt.Errorf("ctl: certificate key is %T, want RSA or EC", cert.PublicKey)
	}
	return Record{
		SubjectName:  subject,
		Role:         role,
		IssuerName:   issuer,
		SerialNumber: serial,
		PublicKey:    pub,
		Signature:    bytes.Clone(cert.Signature),
		Certificate:  bytes.Clone(cert.Raw),
	}, nil
}

// ITLRecord makes an ITL record of cert for role in the layout of the ITL
// files of seed 001 (CUCM): DNS_NAME, the names as [CUCMName] writes them,
// ROLE before ISSUER_NAME. With withCert the record carries the
// certificate (as the SAST and TFTP records of the seed do); without it,
// the SHA-1 hash of the certificate and HASH_ALGORITHM, as the seed's CAPF
// and TVS records do: the phone matches those servers' TLS certificates by
// hash.
func ITLRecord(cert *x509.Certificate, role Role, withCert bool) (Record, error) {
	r, err := RecordFromCertificate(cert, role)
	if err != nil {
		return r, err
	}
	if r.SubjectName, err = CUCMName(cert.RawSubject); err != nil {
		return Record{}, fmt.Errorf("ctl: certificate subject: %w", err)
	}
	if r.IssuerName, err = CUCMName(cert.RawIssuer); err != nil {
		return Record{}, fmt.Errorf("ctl: certificate issuer: %w", err)
	}
	r.CUCM = true
	if !withCert {
		sum := sha1.Sum(cert.Raw)
		r.Certificate, r.CertificateHash, r.HashAlgorithm = nil, sum[:], HashSHA1
	}
	return r, nil
}

// serialBytes is the SERIAL_NUMBER encoding: big-endian, minimal length,
// as certutils writes it (§2.2 tag 5).
func serialBytes(cert *x509.Certificate) ([]byte, error) {
	if cert.SerialNumber == nil || cert.SerialNumber.Sign() < 0 {
		return nil, errors.New("ctl: certificate serial number is missing or negative")
	}
	return cloneBytes(cert.SerialNumber.Bytes()), nil
}

// signerHeader fills the signer and signature fields of a header for cert,
// and returns the signature length the key will produce.
func signerHeader(signer crypto.Signer, cert *x509.Certificate, hash crypto.Hash, filename string, now time.Time) (Header, int, error) {
	var h Header
	alg, ok := hashAlgorithmFor(hash)
	if !ok {
		return h, 0, fmt.Errorf("ctl: hash %v not supported, want SHA-1 or SHA-512", hash)
	}
	// §2.2 tags 10 and 11 can only describe an RSA signature.
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return h, 0, fmt.Errorf("ctl: signer certificate key is %T, but the header can only describe RSA signatures", cert.PublicKey)
	}
	if !pub.Equal(signer.Public()) {
		return h, 0, errors.New("ctl: signer key does not match the signer certificate")
	}
	sigLen := pub.Size()
	modulus := -1
	for i, n := range modulusSizes {
		if n == sigLen {
			modulus = i
		}
	}
	if modulus < 0 {
		return h, 0, fmt.Errorf("ctl: RSA key of %d bits has no SIGNATURE_MODULUS code (512, 1024, 2048 or 4096 bits)", pub.N.BitLen())
	}
	if h.SignerName, ok = dn(cert.RawSubject); !ok {
		return h, 0, errors.New("ctl: signer certificate subject does not parse")
	}
	if h.IssuerName, ok = dn(cert.RawIssuer); !ok {
		return h, 0, errors.New("ctl: signer certificate issuer does not parse")
	}
	serial, err := serialBytes(cert)
	if err != nil {
		return h, 0, err
	}
	if _, err := encodeTimestamp(now); err != nil {
		return h, 0, err
	}
	h.SerialNumber = serial
	h.HashAlgorithm = alg
	h.SignatureAlgorithm = signatureAlgorithmRSA
	h.SignatureModulus = uint8(modulus)
	h.Filename = filename
	h.Timestamp = time.Unix(now.Unix(), 0).UTC() // what decoding gives back
	return h, sigLen, nil
}

func dn(raw []byte) (string, bool) {
	s, err := DistinguishedName(raw)
	return s, err == nil
}

// signBytes signs the §2.4 signed bytes with RSA PKCS#1 v1.5.
func signBytes(signer crypto.Signer, hash crypto.Hash, b []byte, sigLen int) ([]byte, error) {
	d := hash.New()
	d.Write(b)
	sig, err := signer.Sign(rand.Reader, d.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("ctl: signing: %w", err)
	}
	if len(sig) != sigLen {
		return nil, fmt.Errorf("ctl: signer returned %d bytes, want %d", len(sig), sigLen)
	}
	return sig, nil
}

// Sign builds the header of f for the signer certificate cert, signs f as
// protocols.md §2.4 describes, stores the result in f.Header and returns the
// encoded file.
//
// hash is crypto.SHA1 (what every phone accepts) or crypto.SHA512; the key
// must be RSA of 512, 1024, 2048 or 4096 bits (§2.2), and Go's crypto/rsa
// refuses 512-bit keys, for signing and verifying, unless the program runs
// with GODEBUG=rsa1024min=0. filename is the
// generic name the phone requests, "CTLFile.tlv" or "ITLFile.tlv", even for
// a per-phone file (§2.8). now is stored as TIMESTAMP, in whole seconds.
//
// f.Header.Version defaults to 1.2 (§2.3). f.Header.SignerVersion defaults to
// 1.1 when a record holds an EC key and to 1.0 otherwise (§2.7); other
// header fields are overwritten. f must hold a SAST record carrying cert,
// since that is where a phone finds the key (§2.4), and at most two SAST
// records (§2.7).
func Sign(f *File, signer crypto.Signer, cert *x509.Certificate, hash crypto.Hash, filename string, now time.Time) ([]byte, error) {
	h, sigLen, err := signerHeader(signer, cert, hash, filename, now)
	if err != nil {
		return nil, err
	}
	sast, found := 0, false
	for i := range f.Records {
		r := &f.Records[i]
		if r.Role != RoleSAST {
			continue
		}
		sast++
		if bytes.Equal(r.SerialNumber, h.SerialNumber) && bytes.Equal(r.Certificate, cert.Raw) {
			found = true
		}
	}
	if !found {
		return nil, errors.New("ctl: no SAST record holds the signer certificate")
	}
	if sast > maxSAST {
		return nil, fmt.Errorf("ctl: %d SAST records, at most %d allowed", sast, maxSAST)
	}

	h.Version = f.Header.Version
	if h.Version == (Version{}) {
		h.Version = versionTLV
	}
	h.SignerVersion = f.Header.SignerVersion
	if h.SignerVersion == (Version{}) {
		h.SignerVersion = signerVersionRSA
		if f.hasECKey() {
			h.SignerVersion = signerVersionEC
		}
	}
	g := File{Header: h, Records: f.Records}
	buf, sigOff, err := g.encode(sigLen)
	if err != nil {
		return nil, err
	}
	sig, err := signBytes(signer, hash, buf, sigLen)
	if err != nil {
		return nil, err
	}
	g.Header.Signature = sig
	f.Header = g.Header
	return insertSignature(buf, sigOff, sig), nil
}

// hasECKey reports whether a record holds an EC public key. An uncompressed
// X9.62 point starts with 4 and a PKCS#1 RSAPublicKey with a DER SEQUENCE
// (0x30), so the first byte tells them apart.
func (f *File) hasECKey() bool {
	for i := range f.Records {
		if k := f.Records[i].PublicKey; len(k) > 0 && k[0] == 4 {
			return true
		}
	}
	return false
}

// Verify decodes a CTL or ITL file and checks its signature with the
// certificate of a SAST record whose serial number equals the header
// SERIAL_NUMBER (§2.4).
//
// With no trusted certificates the file vouches for itself, as a phone
// trusts its first CTL or ITL (§2.7). Otherwise the signing certificate must
// be one of trusted (equal DER), as a phone accepts a replacement only when
// a SAST certificate it already holds signed it. A SAST record that carries
// no certificate (CUCM may write only a hash) is matched by serial number
// against trusted.
//
// When the file decodes but does not verify, Verify returns it with the
// error, so that it can still be shown (see [Dump]).
func Verify(b []byte, trusted ...*x509.Certificate) (*File, error) {
	f, l, err := decodeFile(b)
	if err != nil {
		return nil, err
	}
	if l.sigOff < 0 || len(f.Header.Signature) == 0 {
		return f, ErrUnsigned
	}
	err = ErrNoSigner
	for i := range f.Records {
		r := &f.Records[i]
		if r.Role != RoleSAST || !bytes.Equal(r.SerialNumber, f.Header.SerialNumber) {
			continue
		}
		cert, cerr := signerCertificate(r, trusted)
		if cerr == nil {
			cerr = verifySignature(b, &f.Header, l, cert.PublicKey)
		}
		if cerr == nil {
			return f, nil
		}
		err = fmt.Errorf("%w (SAST record %d)", cerr, i+1)
	}
	return f, err
}

// signerCertificate returns the certificate a SAST record stands for.
func signerCertificate(r *Record, trusted []*x509.Certificate) (*x509.Certificate, error) {
	if len(r.Certificate) == 0 {
		for _, t := range trusted {
			if s, err := serialBytes(t); err == nil && bytes.Equal(s, r.SerialNumber) && samePublicKey(r, t) {
				return t, nil
			}
		}
		return nil, fmt.Errorf("%w: the record has no CERTIFICATE and no trusted certificate matches it", ErrNoSigner)
	}
	cert, err := x509.ParseCertificate(r.Certificate)
	if err != nil {
		return nil, fmt.Errorf("ctl: signer CERTIFICATE: %w", err)
	}
	if len(trusted) == 0 {
		return cert, nil
	}
	for _, t := range trusted {
		if bytes.Equal(t.Raw, cert.Raw) {
			return cert, nil
		}
	}
	return nil, ErrUntrustedSigner
}

// samePublicKey reports whether the record's PUBLIC_KEY, if it has one, is
// the key of cert.
func samePublicKey(r *Record, cert *x509.Certificate) bool {
	if len(r.PublicKey) == 0 {
		return true
	}
	want, err := RecordFromCertificate(cert, r.Role)
	return err == nil && bytes.Equal(want.PublicKey, r.PublicKey)
}

// Certificates parses the certificates of the records that have one of the
// given roles, in file order, skipping records without a certificate. A
// phone uses it to find, say, the TFTP certificates that sign its
// configuration files (§2.4: RoleTFTP and RoleCCMTFTP). A certificate that
// does not parse is an error.
func (f *File) Certificates(roles ...Role) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i := range f.Records {
		r := &f.Records[i]
		if len(r.Certificate) == 0 || !slices.Contains(roles, r.Role) {
			continue
		}
		c, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			return nil, fmt.Errorf("ctl: record %d: CERTIFICATE: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}
