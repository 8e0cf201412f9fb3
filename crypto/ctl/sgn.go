package ctl

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"time"
)

// The .sgn envelope (protocols.md §3.1): the §2.3 header with VERSION 1.0
// and no SIGNER_VERSION, followed by the unmodified original file. The same
// header is found on firmware files ending in .sgn or .sha512.

// SignFile wraps content in a .sgn envelope signed by the TFTP certificate
// cert (§3.1: a certificate with the TFTP or CCM+TFTP role in the phone's
// CTL/ITL, RSA only). filename is what the header's FILENAME carries: the
// name the phone requests, ".sgn" included, with any sub-directory (for
// example "SEP001122334455.cnf.xml.sgn" or "Desktops/320x196x4/List.xml.sgn").
// hash and now are as for [Sign].
func SignFile(content []byte, filename string, signer crypto.Signer, cert *x509.Certificate, hash crypto.Hash, now time.Time) ([]byte, error) {
	h, sigLen, err := signerHeader(signer, cert, hash, filename, now)
	if err != nil {
		return nil, err
	}
	h.Version = versionSGN
	e := &encoder{}
	sigOff := h.encode(e, sigLen, nil)
	if e.err != nil {
		return nil, e.err
	}
	e.buf = append(e.buf, content...)
	sig, err := signBytes(signer, hash, e.buf, sigLen)
	if err != nil {
		return nil, err
	}
	return insertSignature(e.buf, sigOff, sig), nil
}

// ParseSigned decodes the header of a .sgn file and returns it with the
// content that follows it, without checking the signature. Stripping a file
// this way is what certutils' stripsgn does (§3.1). content aliases b.
func ParseSigned(b []byte) (h Header, content []byte, err error) {
	h, l, err := decodeHeader(b)
	if err != nil {
		return Header{}, nil, err
	}
	return h, b[l.length:], nil
}

// VerifySigned checks the signature of a .sgn file and returns its header
// and content (aliasing b). The signature must verify with one of certs
// whose serial number equals the header SERIAL_NUMBER; a phone passes the
// certificates of its CTL/ITL records with the TFTP or CCM+TFTP role (see
// [File.Certificates]).
//
// The caller should also check h.Filename against the name it requested:
// the signature binds the content to that name, but only the caller knows
// which name it asked for (§3.1). Note that a signed .tlv file verifies as
// a .sgn envelope of its records, which is one more reason to check it.
func VerifySigned(b []byte, certs ...*x509.Certificate) (h Header, content []byte, err error) {
	h, l, err := decodeHeader(b)
	if err != nil {
		return Header{}, nil, err
	}
	if l.sigOff < 0 || len(h.Signature) == 0 {
		return Header{}, nil, ErrUnsigned
	}
	err = fmt.Errorf("%w: no certificate has serial number %X", ErrNoSigner, h.SerialNumber)
	for _, c := range certs {
		if s, serr := serialBytes(c); serr != nil || !bytes.Equal(s, h.SerialNumber) {
			continue
		}
		if err = verifySignature(b, &h, l, c.PublicKey); err == nil {
			return h, b[l.length:], nil
		}
	}
	return Header{}, nil, err
}
