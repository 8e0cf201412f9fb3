// Package trust is the phone side of Cisco's trust files: a decoder and
// verifier for CTLFile.tlv / ITLFile.tlv and for signed (.sgn) files, and a
// Trust Verification Service client, as a phone uses them.
//
// It is written from the public format description (reference
// protocols.md §2, §3.1 and §5) independently of crypto/ctl, which builds
// the files on the box: a bug shared by the encoder and the decoder of one
// codec would go unnoticed by round-trip tests, so the phone simulator
// reads the files with code of its own.
package trust

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Header tags (protocols.md §2.2).
const (
	tagVersion       = 1
	tagHeaderLength  = 2
	tagSignerInfo    = 3
	tagSignerName    = 4
	tagSerialNumber  = 5
	tagIssuerName    = 6
	tagSignatureInfo = 7
	tagHashAlgorithm = 8
	tagSigAlgInfo    = 9
	tagSigAlgorithm  = 10
	tagSigModulus    = 11
	tagSignature     = 12
	tagPadding       = 13
	tagFilename      = 14
	tagTimestamp     = 15
	tagSignerVersion = 28

	// .enc.sgn (§3.2): accepted so the signature can be checked; the
	// decryption (cmd/phonesim/internal/capf) reads them itself.
	tagEncInfo    = 16
	tagEncIVInfo  = 17
	tagEncUnk1    = 18
	tagEncIV      = 19
	tagEncPadding = 20
	tagEncKeyInfo = 21
	tagEncUnk2    = 22
	tagEncKeySize = 23
	tagEncKeyAlg  = 24
	tagEncKey     = 25
	tagEncHashAlg = 26
	tagEncHash    = 27
)

// Record tags (§2.5).
const (
	rtLength      = 1
	rtDNSName     = 2
	rtSubject     = 3
	rtRole        = 4
	rtIssuer      = 5
	rtSerial      = 6
	rtPublicKey   = 7
	rtSignature   = 8
	rtCertificate = 9
	rtIPAddress   = 10
	rtCertHash    = 11
	rtHashAlg     = 12
)

// Role codes (§2.6).
const (
	RoleSAST      uint16 = 0
	RoleCCM       uint16 = 1
	RoleCCMTFTP   uint16 = 2
	RoleTFTP      uint16 = 3
	RoleCAPF      uint16 = 4
	RoleAppServer uint16 = 7
	RoleTVS       uint16 = 21
)

// Hash codes of the HASH_ALGORITHM elements (§2.2 tag 8).
const (
	HashSHA1   = 1
	HashSHA256 = 2
	HashSHA512 = 3
)

// modulusBytes is the SIGNATURE_MODULUS table (§2.2 tag 11).
var modulusBytes = []int{64, 128, 256, 512}

// ErrFormat is wrapped by every decoding error.
var ErrFormat = errors.New("trust: malformed file")

func formatErr(off int, f string, a ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrFormat, off, fmt.Sprintf(f, a...))
}

// Header is the signed header of .tlv and .sgn files.
type Header struct {
	Version       [2]byte
	Length        int     // HEADER_LENGTH: where records or content start
	SignerVersion [2]byte // zero when absent
	SignerName    string
	IssuerName    string
	SerialNumber  []byte
	HashAlgorithm uint8
	SigAlgorithm  uint8
	SigModulus    uint8
	Signature     []byte
	Filename      string
	Timestamp     uint32

	sigStart, sigEnd int // the SIGNATURE TLV is raw[sigStart:sigEnd]; sigStart < 0 if absent
}

// Record is one certificate record of a CTL or ITL (§2.5).
type Record struct {
	Offset        int // of its RECORD_LENGTH element in the file
	DNSName       string
	Subject       string
	Role          uint16
	Issuer        string
	Serial        []byte
	PublicKey     []byte
	CertSignature []byte
	Certificate   []byte
	IPAddress     []byte
	CertHash      []byte
	HashAlgorithm uint8
}

// List is a decoded CTL or ITL file.
type List struct {
	Header  Header
	Records []Record
	Raw     []byte
}

// Signed is a decoded .sgn file.
type Signed struct {
	Header  Header
	Content []byte
	Raw     []byte
}

type tlv struct {
	tag   byte
	off   int // of the tag byte
	value []byte
}

// readTLV reads the element at b[off:limit].
func readTLV(b []byte, off, limit int) (tlv, error) {
	if limit-off < 3 {
		return tlv{}, formatErr(off, "element header truncated")
	}
	n := int(binary.BigEndian.Uint16(b[off+1:]))
	if off+3+n > limit {
		return tlv{}, formatErr(off, "tag %d: length %d overruns its enclosing structure", b[off], n)
	}
	return tlv{tag: b[off], off: off, value: b[off+3 : off+3+n]}, nil
}

func cstr(v []byte) string {
	if len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return string(v)
}

func clone(v []byte) []byte { return append([]byte(nil), v...) }

// parseHeader decodes the header of b. Containers (3, 7, 9; 16, 17, 21
// of .enc.sgn) are entered
// and their children parsed in line (§2.1); every child must end within
// its container, and the containers may only hold their own tags.
func parseHeader(b []byte, enc bool) (Header, error) {
	h := Header{sigStart: -1}
	v, err := readTLV(b, 0, len(b))
	if err != nil {
		return h, err
	}
	if v.tag != tagVersion || len(v.value) != 2 {
		return h, formatErr(0, "file does not start with VERSION")
	}
	copy(h.Version[:], v.value)
	l, err := readTLV(b, 5, len(b))
	if err != nil {
		return h, err
	}
	if l.tag != tagHeaderLength || len(l.value) != 2 {
		return h, formatErr(5, "second element is not HEADER_LENGTH")
	}
	h.Length = int(binary.BigEndian.Uint16(l.value))
	if h.Length < 10 || h.Length > len(b) {
		return h, formatErr(5, "HEADER_LENGTH %d out of range (file is %d bytes)", h.Length, len(b))
	}
	type frame struct {
		tag byte
		end int
	}
	allowed := map[byte][]byte{
		0:                {tagSignerInfo, tagSignatureInfo, tagSignature, tagFilename, tagTimestamp, tagSignerVersion},
		tagSignerInfo:    {tagSignerName, tagIssuerName, tagSerialNumber},
		tagSignatureInfo: {tagHashAlgorithm, tagSigAlgInfo},
		tagSigAlgInfo:    {tagSigAlgorithm, tagSigModulus},
		tagEncInfo:       {tagEncIVInfo, tagEncKeyInfo},
		tagEncIVInfo:     {tagEncUnk1, tagEncIV, tagEncPadding},
		tagEncKeyInfo:    {tagEncUnk2, tagEncKeySize, tagEncKeyAlg, tagEncKey},
	}
	if enc {
		allowed[0] = append(allowed[0], tagEncInfo, tagEncHashAlg, tagEncHash)
	}
	stack := []frame{{0, h.Length}}
	seen := map[byte]bool{}
	for off := 10; off < h.Length; {
		for len(stack) > 1 && off == stack[len(stack)-1].end {
			stack = stack[:len(stack)-1]
		}
		top := stack[len(stack)-1]
		if b[off] == tagPadding && top.tag == 0 {
			off++
			continue
		}
		e, err := readTLV(b, off, top.end)
		if err != nil {
			return h, err
		}
		ok := false
		for _, t := range allowed[top.tag] {
			ok = ok || t == e.tag
		}
		if !ok {
			return h, formatErr(off, "tag %d not allowed here", e.tag)
		}
		if seen[e.tag] {
			return h, formatErr(off, "tag %d repeated", e.tag)
		}
		seen[e.tag] = true
		fixed := map[byte]int{tagHashAlgorithm: 1, tagSigAlgorithm: 1, tagSigModulus: 1, tagTimestamp: 4, tagSignerVersion: 2,
			tagEncUnk1: 1, tagEncIV: 16, tagEncPadding: 2, tagEncUnk2: 1, tagEncKeySize: 2, tagEncKeyAlg: 1, tagEncHashAlg: 1}
		if n, ok := fixed[e.tag]; ok && len(e.value) != n {
			return h, formatErr(off, "tag %d: length %d, want %d", e.tag, len(e.value), n)
		}
		switch e.tag {
		case tagSignerInfo, tagSignatureInfo, tagSigAlgInfo, tagEncInfo, tagEncIVInfo, tagEncKeyInfo:
			stack = append(stack, frame{e.tag, off + 3 + len(e.value)})
			off += 3
			continue
		case tagSignerName:
			h.SignerName = cstr(e.value)
		case tagIssuerName:
			h.IssuerName = cstr(e.value)
		case tagSerialNumber:
			h.SerialNumber = clone(e.value)
		case tagHashAlgorithm:
			h.HashAlgorithm = e.value[0]
		case tagSigAlgorithm:
			h.SigAlgorithm = e.value[0]
		case tagSigModulus:
			h.SigModulus = e.value[0]
		case tagSignature:
			h.Signature = clone(e.value)
			h.sigStart, h.sigEnd = off, off+3+len(e.value)
		case tagFilename:
			h.Filename = cstr(e.value)
		case tagTimestamp:
			h.Timestamp = binary.BigEndian.Uint32(e.value)
		case tagSignerVersion:
			copy(h.SignerVersion[:], e.value)
		}
		off += 3 + len(e.value)
	}
	if len(stack) > 1 {
		// Only reachable when a container ends exactly at HEADER_LENGTH.
		for _, f := range stack[1:] {
			if f.end != h.Length {
				return h, formatErr(h.Length, "container %d not closed", f.tag)
			}
		}
	}
	return h, nil
}

// ParseList decodes a CTL or ITL file without verifying it.
func ParseList(b []byte) (*List, error) {
	h, err := parseHeader(b, false)
	if err != nil {
		return nil, err
	}
	l := &List{Header: h, Raw: b}
	for off := h.Length; off < len(b); {
		r, n, err := parseRecord(b, off)
		if err != nil {
			return nil, err
		}
		l.Records = append(l.Records, r)
		off += n
	}
	return l, nil
}

func parseRecord(b []byte, start int) (Record, int, error) {
	r := Record{Offset: start}
	e, err := readTLV(b, start, len(b))
	if err != nil {
		return r, 0, err
	}
	if e.tag != rtLength || len(e.value) != 2 {
		return r, 0, formatErr(start, "record does not start with RECORD_LENGTH")
	}
	size := int(binary.BigEndian.Uint16(e.value))
	if size < 5 || start+size > len(b) {
		return r, 0, formatErr(start, "RECORD_LENGTH %d out of range", size)
	}
	end := start + size
	seen := map[byte]bool{}
	for off := start + 5; off < end; {
		e, err := readTLV(b, off, end)
		if err != nil {
			return r, 0, err
		}
		if seen[e.tag] {
			return r, 0, formatErr(off, "record tag %d repeated", e.tag)
		}
		seen[e.tag] = true
		switch e.tag {
		case rtDNSName:
			r.DNSName = cstr(e.value)
		case rtSubject:
			r.Subject = cstr(e.value)
		case rtRole:
			if len(e.value) != 2 {
				return r, 0, formatErr(off, "ROLE length %d", len(e.value))
			}
			r.Role = binary.BigEndian.Uint16(e.value)
		case rtIssuer:
			r.Issuer = cstr(e.value)
		case rtSerial:
			r.Serial = clone(e.value)
		case rtPublicKey:
			r.PublicKey = clone(e.value)
		case rtSignature:
			r.CertSignature = clone(e.value)
		case rtCertificate:
			r.Certificate = clone(e.value)
		case rtIPAddress:
			r.IPAddress = clone(e.value)
		case rtCertHash:
			r.CertHash = clone(e.value)
		case rtHashAlg:
			if len(e.value) != 1 {
				return r, 0, formatErr(off, "HASH_ALGORITHM length %d", len(e.value))
			}
			r.HashAlgorithm = e.value[0]
		default:
			return r, 0, formatErr(off, "unknown record tag %d", e.tag)
		}
		off += 3 + len(e.value)
	}
	if !seen[rtRole] {
		// Role 0 is SAST: a record without ROLE must not become a signer.
		return r, 0, formatErr(start, "record has no ROLE")
	}
	return r, size, nil
}

// ParseSigned decodes a .sgn file without verifying it.
func ParseSigned(b []byte) (*Signed, error) {
	return parseSigned(b, false)
}

// ParseEncrypted decodes a .enc.sgn without verifying it: a .sgn header
// that may also hold the encryption elements of §3.2. Content is the
// ciphertext.
func ParseEncrypted(b []byte) (*Signed, error) {
	return parseSigned(b, true)
}

func parseSigned(b []byte, enc bool) (*Signed, error) {
	h, err := parseHeader(b, enc)
	if err != nil {
		return nil, err
	}
	return &Signed{Header: h, Content: b[h.Length:], Raw: b}, nil
}

// SignedBytes returns the bytes the signature covers: the whole file
// without the SIGNATURE element (§2.4).
func (h *Header) SignedBytes(raw []byte) ([]byte, error) {
	if h.sigStart < 0 {
		return nil, ErrUnsigned
	}
	out := make([]byte, 0, len(raw)-(h.sigEnd-h.sigStart))
	out = append(out, raw[:h.sigStart]...)
	return append(out, raw[h.sigEnd:]...), nil
}
