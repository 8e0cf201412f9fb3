package ctl

import (
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// File is a CTL or ITL file: the signed header followed by certificate
// records (protocols.md §2). The two lists differ only in content and name.
type File struct {
	Header  Header
	Records []Record
}

// Record is one certificate record (§2.5). A certificate listed for several
// roles appears once per role (seed 001 lists the TFTP server's certificate
// as SAST and as TFTP).
//
// Every element except ROLE is optional: a field at its zero value is not
// written. Decoding maps an element to the zero value when its value is
// empty (a lone NUL for text, 0 for HASH_ALGORITHM), so such an element is
// dropped if the record is encoded again; the format gives it no meaning,
// and the signature is always checked on the original bytes. certutils
// writes SubjectName, IssuerName, SerialNumber, Role, PublicKey, Signature
// and Certificate (see [RecordFromCertificate]); DNSName, IPAddress,
// CertificateHash and HashAlgorithm appear in CUCM-made files, whose
// records may carry a certificate hash instead of the certificate.
type Record struct {
	// CUCM selects the layout CUCM writes into ITL files (seed 001): the
	// elements in tag order 1, 2, 3, 4, 5, 6, ..., with DNS_NAME always
	// present (two NULs when there is no name). Decoding sets it when a
	// record has DNS_NAME, which certutils never writes, and its elements
	// in tag order.
	CUCM            bool
	DNSName         string        // tag 2
	SubjectName     string        // tag 3
	Role            Role          // tag 4, required
	IssuerName      string        // tag 5
	SerialNumber    []byte        // tag 6, big-endian
	PublicKey       []byte        // tag 7, PKCS#1 RSAPublicKey DER or X9.62 uncompressed EC point
	Signature       []byte        // tag 8, the certificate's own signature value
	Certificate     []byte        // tag 9, DER
	IPAddress       []byte        // tag 10, raw: its encoding is unspecified (§11); CUCM writes 4 bytes
	CertificateHash []byte        // tag 11, raw digest (20 bytes in seed 001)
	HashAlgorithm   HashAlgorithm // tag 12, algorithm of CertificateHash
}

// ParseCertificate parses the record's CERTIFICATE element.
func (r *Record) ParseCertificate() (*x509.Certificate, error) {
	if len(r.Certificate) == 0 {
		return nil, errors.New("ctl: record has no CERTIFICATE element")
	}
	return x509.ParseCertificate(r.Certificate)
}

// MarshalBinary encodes f as it stands, including f.Header.Signature when it
// is set. It does not sign; see [Sign].
func (f *File) MarshalBinary() ([]byte, error) {
	buf, sigOff, err := f.encode(len(f.Header.Signature))
	if err != nil {
		return nil, err
	}
	return insertSignature(buf, sigOff, f.Header.Signature), nil
}

// encode writes f without its SIGNATURE element, sized for a signature of
// sigLen bytes (see [Header.encode]).
func (f *File) encode(sigLen int) (buf []byte, sigOff int, err error) {
	e := &encoder{}
	sigOff = f.Header.encode(e, sigLen, nil)
	for i := range f.Records {
		f.Records[i].encode(e, i+1)
	}
	return e.buf, sigOff, e.err
}

// encode appends the record in the certutils order 1, 3, 5, 6, 4, 7, 8, 9
// (§2.5), with the CUCM-only elements where CUCM puts them: DNS_NAME after
// RECORD_LENGTH, the rest at the end in tag order (seed 001).
func (r *Record) encode(e *encoder, n int) {
	start := len(e.buf)
	e.u16(recLength, 0)
	optional := func(tag uint8, v []byte) {
		if len(v) > 0 {
			e.tlv(tag, v)
		}
	}
	if r.CUCM {
		r.encodeCUCM(e, optional)
	} else {
		r.encodeCertutils(e, optional)
	}
	size := len(e.buf) - start
	if size > math.MaxUint16 {
		if e.err == nil {
			e.err = fmt.Errorf("ctl: record %d: %d bytes do not fit RECORD_LENGTH", n, size)
		}
		return
	}
	binary.BigEndian.PutUint16(e.buf[start+3:], uint16(size))
}

// encodeCUCM writes the elements after RECORD_LENGTH in tag order, as the
// ITL records of seed 001 are laid out.
func (r *Record) encodeCUCM(e *encoder, optional func(uint8, []byte)) {
	if r.DNSName != "" {
		e.str0(recDNSName, r.DNSName)
	} else {
		e.tlv(recDNSName, []byte{0, 0}) // "2 DNSNAME 2" in seed 001
	}
	if r.SubjectName != "" {
		e.str0(recSubjectName, r.SubjectName)
	}
	e.u16(recRole, uint16(r.Role))
	if r.IssuerName != "" {
		e.str0(recIssuerName, r.IssuerName)
	}
	optional(recSerialNumber, r.SerialNumber)
	optional(recPublicKey, r.PublicKey)
	optional(recSignature, r.Signature)
	optional(recCertificate, r.Certificate)
	optional(recIPAddress, r.IPAddress)
	optional(recCertificateHash, r.CertificateHash)
	if r.HashAlgorithm != 0 {
		e.u8(recHashAlgorithm, uint8(r.HashAlgorithm))
	}
}

// encodeCertutils writes the elements after RECORD_LENGTH in the
// certutils order.
func (r *Record) encodeCertutils(e *encoder, optional func(uint8, []byte)) {
	if r.DNSName != "" {
		e.str0(recDNSName, r.DNSName)
	}
	if r.SubjectName != "" {
		e.str0(recSubjectName, r.SubjectName)
	}
	if r.IssuerName != "" {
		e.str0(recIssuerName, r.IssuerName)
	}
	optional(recSerialNumber, r.SerialNumber)
	e.u16(recRole, uint16(r.Role))
	optional(recPublicKey, r.PublicKey)
	optional(recSignature, r.Signature)
	optional(recCertificate, r.Certificate)
	optional(recIPAddress, r.IPAddress)
	optional(recCertificateHash, r.CertificateHash)
	if r.HashAlgorithm != 0 {
		e.u8(recHashAlgorithm, uint8(r.HashAlgorithm))
	}
}

// UnmarshalBinary decodes a CTL or ITL file. It checks structure only; use
// [Verify] to check the signature.
func (f *File) UnmarshalBinary(b []byte) error {
	g, _, err := decodeFile(b)
	if err != nil {
		return err
	}
	*f = *g
	return nil
}

func decodeFile(b []byte) (*File, headerLayout, error) {
	h, l, err := decodeHeader(b)
	if err != nil {
		return nil, l, err
	}
	f := &File{Header: h}
	for off, n := l.length, 1; off < len(b); n++ {
		r, size, err := decodeRecord(b, off, n)
		if err != nil {
			return nil, l, err
		}
		f.Records = append(f.Records, r)
		off += size
	}
	return f, l, nil
}

// decodeRecord decodes record number n (from 1) starting at b[off], and
// returns its size.
func decodeRecord(b []byte, off, n int) (Record, int, error) {
	var r Record
	what := fmt.Sprintf("record %d", n)
	s := &scanner{b: b, off: off, end: len(b), what: what}
	el, err := s.next()
	if err != nil {
		return r, 0, err
	}
	if el.tag != recLength {
		return r, 0, &SyntaxError{el.offset, fmt.Sprintf("%s: first element is tag %d, want RECORD_LENGTH (%d)", what, el.tag, recLength)}
	}
	if err := fixedLen(el, 2, what); err != nil {
		return r, 0, err
	}
	size := int(binary.BigEndian.Uint16(el.value))
	if size < s.off-off || size > len(b)-off {
		return r, 0, &SyntaxError{el.offset, fmt.Sprintf("%s: RECORD_LENGTH %d outside %d..%d", what, size, s.off-off, len(b)-off)}
	}
	s.end = off + size

	dup := seen{}
	ascending, last := true, uint8(recLength)
	for s.more() {
		el, err := s.next()
		if err != nil {
			return r, 0, err
		}
		if err := dup.add(el, what); err != nil {
			return r, 0, err
		}
		ascending = ascending && el.tag > last
		last = el.tag
		switch el.tag {
		case recDNSName:
			r.DNSName = str0(el.value)
		case recSubjectName:
			r.SubjectName = str0(el.value)
		case recRole:
			if err := fixedLen(el, 2, what); err != nil {
				return r, 0, err
			}
			r.Role = Role(binary.BigEndian.Uint16(el.value))
		case recIssuerName:
			r.IssuerName = str0(el.value)
		case recSerialNumber:
			r.SerialNumber = cloneBytes(el.value)
		case recPublicKey:
			r.PublicKey = cloneBytes(el.value)
		case recSignature:
			r.Signature = cloneBytes(el.value)
		case recCertificate:
			r.Certificate = cloneBytes(el.value)
		case recIPAddress:
			r.IPAddress = cloneBytes(el.value)
		case recCertificateHash:
			r.CertificateHash = cloneBytes(el.value)
		case recHashAlgorithm:
			if err := fixedLen(el, 1, what); err != nil {
				return r, 0, err
			}
			r.HashAlgorithm = HashAlgorithm(el.value[0])
		default:
			return r, 0, &SyntaxError{el.offset, fmt.Sprintf("%s: unexpected tag %d", what, el.tag)}
		}
	}
	// Role 0 is SAST, the role that may sign: a record without ROLE must not
	// quietly become one. certutils treats it as having no role at all.
	if !dup[recRole] {
		return r, 0, &SyntaxError{off, what + ": no ROLE element"}
	}
	// CUCM's layout: DNS_NAME present and every element in tag order.
	r.CUCM = dup[recDNSName] && ascending
	return r, size, nil
}
