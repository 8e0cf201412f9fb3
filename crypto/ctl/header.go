package ctl

import (
	"crypto"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Header is the signed header shared by .tlv and .sgn files
// (protocols.md §2.2, §2.3). The HEADER_LENGTH element and the padding are
// not fields: the encoder computes them and the decoder checks them.
type Header struct {
	Version       Version // tag 1: 1.2 for .tlv, 1.0 for .sgn (§2.3); printed, not enforced
	SignerVersion Version // tag 28, .tlv only; the zero Version means the element is absent

	// SIGNER_INFO (tag 3) identifies the signing certificate. The names are
	// free text; see [DistinguishedName] for the form this package writes.
	SignerName   string // tag 4
	IssuerName   string // tag 6
	SerialNumber []byte // tag 5, big-endian, minimal length

	// SIGNATURE_INFO (tag 7).
	HashAlgorithm      HashAlgorithm // tag 8
	SignatureAlgorithm uint8         // tag 10, always 0 (RSA)
	SignatureModulus   uint8         // tag 11, index into 64, 128, 256, 512 bytes

	Signature []byte    // tag 12, the RSA signature (§2.4)
	Filename  string    // tag 14, the generic name the phone asked for (§2.8, §3.1)
	Timestamp time.Time // tag 15, whole seconds; the zero Time encodes as 0
}

// headerLayout is where the decoder found the parts of the header that the
// signature check needs.
type headerLayout struct {
	length         int // HEADER_LENGTH; the body starts here
	sigOff, sigEnd int // the SIGNATURE element is b[sigOff:sigEnd]; sigOff < 0 if absent
}

// encode appends the header to e, leaving out the SIGNATURE element, and
// returns the offset where that element belongs. sigLen is the length of
// the signature that will be inserted there (0 for none): HEADER_LENGTH
// and the padding already count its 3+sigLen bytes, which is what makes the
// bytes written here the signed bytes of §2.4 step 1. The element order is
// the certutils one of §2.3. extra, if not nil, appends elements after
// TIMESTAMP, before the padding: the encryption elements of .enc.sgn.
func (h *Header) encode(e *encoder, sigLen int, extra func(*encoder)) (sigOff int) {
	e.version(hdrVersion, h.Version)
	lengthAt := len(e.buf) + 3
	e.u16(hdrLength, 0)
	if h.SignerVersion != (Version{}) {
		e.version(hdrSignerVersion, h.SignerVersion)
	}
	e.container(hdrSignerInfo, func() {
		e.str0(hdrSignerName, h.SignerName)
		e.str0(hdrIssuerName, h.IssuerName)
		e.tlv(hdrSerialNumber, h.SerialNumber)
	})
	e.container(hdrSignatureInfo, func() {
		e.u8(hdrHashAlgorithm, uint8(h.HashAlgorithm))
		e.container(hdrSignatureAlgorithmInfo, func() {
			e.u8(hdrSignatureAlgorithm, h.SignatureAlgorithm)
			e.u8(hdrSignatureModulus, h.SignatureModulus)
		})
	})
	sigOff = len(e.buf)
	e.str0(hdrFilename, h.Filename)
	ts, err := encodeTimestamp(h.Timestamp)
	if err != nil && e.err == nil {
		e.err = err
	}
	e.u32(hdrTimestamp, ts)
	if extra != nil {
		extra(e)
	}

	sigTLV := 0
	if sigLen > 0 {
		sigTLV = 3 + sigLen
	}
	// §2.2 tag 13: pad until the header, signature included, is a multiple of 4.
	for (len(e.buf)+sigTLV)%4 != 0 {
		e.buf = append(e.buf, paddingByte)
	}
	n := len(e.buf) + sigTLV
	if n > math.MaxUint16 {
		if e.err == nil {
			e.err = fmt.Errorf("ctl: header of %d bytes does not fit HEADER_LENGTH", n)
		}
		return sigOff
	}
	binary.BigEndian.PutUint16(e.buf[lengthAt:], uint16(n))
	return sigOff
}

// insertSignature returns buf with the SIGNATURE element holding sig
// inserted at sigOff (§2.4 step 3). An empty sig inserts nothing.
func insertSignature(buf []byte, sigOff int, sig []byte) []byte {
	if len(sig) == 0 {
		return buf
	}
	out := make([]byte, 0, len(buf)+3+len(sig))
	out = append(out, buf[:sigOff]...)
	out = append(out, hdrSignature, byte(len(sig)>>8), byte(len(sig)))
	out = append(out, sig...)
	return append(out, buf[sigOff:]...)
}

func encodeTimestamp(t time.Time) (uint32, error) {
	if t.IsZero() {
		return 0, nil
	}
	s := t.Unix()
	if s < 0 || s > math.MaxUint32 {
		return 0, fmt.Errorf("ctl: timestamp %v does not fit the 32-bit TIMESTAMP", t)
	}
	return uint32(s), nil
}

func decodeTimestamp(v []byte) time.Time {
	s := binary.BigEndian.Uint32(v)
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// decodeHeader decodes the header at the start of b. It checks every length
// against HEADER_LENGTH, and every container length against its children.
func decodeHeader(b []byte) (Header, headerLayout, error) {
	var h Header
	l := headerLayout{sigOff: -1}
	s := &scanner{b: b, end: len(b), what: "header"}

	// VERSION then HEADER_LENGTH must come first (§2.2), as every reader
	// needs HEADER_LENGTH to know where the header ends.
	el, err := s.next()
	if err != nil {
		return h, l, err
	}
	if el.tag != hdrVersion {
		return h, l, &SyntaxError{el.offset, fmt.Sprintf("header: first element is tag %d, want VERSION (%d)", el.tag, hdrVersion)}
	}
	if err := fixedLen(el, 2, "header"); err != nil {
		return h, l, err
	}
	h.Version = Version{el.value[0], el.value[1]}

	if el, err = s.next(); err != nil {
		return h, l, err
	}
	if el.tag != hdrLength {
		return h, l, &SyntaxError{el.offset, fmt.Sprintf("header: second element is tag %d, want HEADER_LENGTH (%d)", el.tag, hdrLength)}
	}
	if err := fixedLen(el, 2, "header"); err != nil {
		return h, l, err
	}
	l.length = int(binary.BigEndian.Uint16(el.value))
	if l.length < s.off || l.length > len(b) {
		return h, l, &SyntaxError{el.offset, fmt.Sprintf("header: HEADER_LENGTH %d outside %d..%d", l.length, s.off, len(b))}
	}
	s.end = l.length

	// The header tags are distinct across nesting levels, so one set
	// catches duplicates everywhere.
	dup := seen{}
	for s.more() {
		if b[s.off] == paddingByte {
			s.off++
			continue
		}
		el, err := s.next()
		if err != nil {
			return h, l, err
		}
		if err := dup.add(el, "header"); err != nil {
			return h, l, err
		}
		switch el.tag {
		case hdrSignerVersion:
			if err := fixedLen(el, 2, "header"); err != nil {
				return h, l, err
			}
			h.SignerVersion = Version{el.value[0], el.value[1]}
		case hdrSignerInfo:
			if err := h.decodeSignerInfo(s.sub(el, "SIGNER_INFO"), dup); err != nil {
				return h, l, err
			}
		case hdrSignatureInfo:
			if err := h.decodeSignatureInfo(s.sub(el, "SIGNATURE_INFO"), dup); err != nil {
				return h, l, err
			}
		case hdrSignature:
			h.Signature = cloneBytes(el.value)
			l.sigOff, l.sigEnd = el.offset, el.offset+3+len(el.value)
		case hdrFilename:
			h.Filename = str0(el.value)
		case hdrTimestamp:
			if err := fixedLen(el, 4, "header"); err != nil {
				return h, l, err
			}
			h.Timestamp = decodeTimestamp(el.value)
		default:
			if el.tag >= 16 && el.tag <= 27 {
				return h, l, &SyntaxError{el.offset, fmt.Sprintf("header: tag %d is an .enc.sgn encryption element, not supported here", el.tag)}
			}
			return h, l, &SyntaxError{el.offset, fmt.Sprintf("header: unexpected tag %d", el.tag)}
		}
	}
	return h, l, nil
}

func (h *Header) decodeSignerInfo(s *scanner, dup seen) error {
	for s.more() {
		el, err := s.next()
		if err != nil {
			return err
		}
		if err := dup.add(el, s.what); err != nil {
			return err
		}
		switch el.tag {
		case hdrSignerName:
			h.SignerName = str0(el.value)
		case hdrIssuerName:
			h.IssuerName = str0(el.value)
		case hdrSerialNumber:
			h.SerialNumber = cloneBytes(el.value)
		default:
			return &SyntaxError{el.offset, fmt.Sprintf("%s: unexpected tag %d", s.what, el.tag)}
		}
	}
	return nil
}

func (h *Header) decodeSignatureInfo(s *scanner, dup seen) error {
	for s.more() {
		el, err := s.next()
		if err != nil {
			return err
		}
		if err := dup.add(el, s.what); err != nil {
			return err
		}
		switch el.tag {
		case hdrHashAlgorithm:
			if err := fixedLen(el, 1, s.what); err != nil {
				return err
			}
			h.HashAlgorithm = HashAlgorithm(el.value[0])
		case hdrSignatureAlgorithmInfo:
			sub := s.sub(el, "SIGNATURE_ALGORITHM_INFO")
			for sub.more() {
				el, err := sub.next()
				if err != nil {
					return err
				}
				if err := dup.add(el, sub.what); err != nil {
					return err
				}
				switch el.tag {
				case hdrSignatureAlgorithm:
					if err := fixedLen(el, 1, sub.what); err != nil {
						return err
					}
					h.SignatureAlgorithm = el.value[0]
				case hdrSignatureModulus:
					if err := fixedLen(el, 1, sub.what); err != nil {
						return err
					}
					h.SignatureModulus = el.value[0]
				default:
					return &SyntaxError{el.offset, fmt.Sprintf("%s: unexpected tag %d", sub.what, el.tag)}
				}
			}
		default:
			return &SyntaxError{el.offset, fmt.Sprintf("%s: unexpected tag %d", s.what, el.tag)}
		}
	}
	return nil
}

// Errors returned by the verification functions. They are wrapped, so test
// with errors.Is.
var (
	ErrUnsigned        = errors.New("ctl: file has no SIGNATURE element")
	ErrSignature       = errors.New("ctl: signature does not verify")
	ErrNoSigner        = errors.New("ctl: no signer certificate matches the header SERIAL_NUMBER")
	ErrUntrustedSigner = errors.New("ctl: signer certificate is not among the trusted certificates")
)

// verifySignature checks the signature of b, whose header h was decoded
// with layout l, against pub: the signed bytes are b without the SIGNATURE
// element (§2.4, "verification is the mirror").
func verifySignature(b []byte, h *Header, l headerLayout, pub crypto.PublicKey) error {
	if l.sigOff < 0 || len(h.Signature) == 0 {
		return ErrUnsigned
	}
	if h.SignatureAlgorithm != signatureAlgorithmRSA {
		return fmt.Errorf("ctl: unsupported SIGNATURE_ALGORITHM %d", h.SignatureAlgorithm)
	}
	// SHA-256 (code 2) is accepted although certutils neither writes nor
	// reads it: the code is defined (§2.2) and the hash is sound.
	hash := h.HashAlgorithm.Hash()
	if hash == 0 || !hash.Available() {
		return fmt.Errorf("ctl: unsupported HASH_ALGORITHM %d", h.HashAlgorithm)
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("ctl: signer key is %T, but the header only describes RSA signatures", pub)
	}
	d := hash.New()
	d.Write(b[:l.sigOff])
	d.Write(b[l.sigEnd:])
	if err := rsa.VerifyPKCS1v15(key, hash, d.Sum(nil), h.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}
