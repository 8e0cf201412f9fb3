package capf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// CAPF wire format (reference/protocols.md §4, after usecallmanagernz
// capfd and capfc): an 8-byte header, then TLV elements. All integers are
// big-endian.
//
//	proto u8 = 0x55 | command u8 | session id u32 | body length u16 | elements
//	element: tag u8 | length u16 | value
const (
	ProtocolID      = 85 // 0x55
	ProtocolVersion = 3  // value of the VERSION element
	HeaderSize      = 8
	// MaxBody is the largest body the header can announce.
	MaxBody = math.MaxUint16
)

// Command is the second header byte (§4.2).
type Command uint8

// Commands (§4.2); names as in capfd.
const (
	CmdAuthRequest             Command = 1
	CmdAuthResponse            Command = 2
	CmdKeyGenRequest           Command = 3
	CmdKeyGenResponse          Command = 4
	CmdEncryptResponse         Command = 5
	CmdEncryptRequest          Command = 6
	CmdDecryptRequest          Command = 7
	CmdDecryptResponse         Command = 8
	CmdStoreCertRequest        Command = 9
	CmdStoreCertResponse       Command = 10
	CmdFetchCertRequest        Command = 11
	CmdFetchCertResponse       Command = 12
	CmdDeleteCertRequest       Command = 13
	CmdDeleteCertResponse      Command = 14
	CmdEndSession              Command = 15
	CmdRetryLater              Command = 16
	CmdRequestInProgress       Command = 17
	CmdStatusRequest           Command = 18
	CmdStatusResponse          Command = 19
	CmdAbortRequest            Command = 20
	CmdAbortResponse           Command = 21
	CmdSignCertificateRequest  Command = 22
	CmdSignCertificateResponse Command = 23
	maxCommand                         = CmdSignCertificateResponse
)

var commandNames = [...]string{"", "AUTH_REQUEST", "AUTH_RESPONSE", "KEY_GENERATE_REQUEST", "KEY_GENERATE_RESPONSE",
	"ENCRYPT_RESPONSE", "ENCRYPT_REQUEST", "DECRYPT_REQUEST", "DECRYPT_RESPONSE", "STORE_CERTIFICATE_REQUEST",
	"STORE_CERTIFICATE_RESPONSE", "FETCH_CERTIFICATE_REQUEST", "FETCH_CERTIFICATE_RESPONSE",
	"DELETE_CERTIFICATE_REQUEST", "DELETE_CERTIFICATE_RESPONSE", "END_SESSION", "RETRY_LATER",
	"REQUEST_IN_PROGRESS", "STATUS_REQUEST", "STATUS_RESPONSE", "ABORT_REQUEST", "ABORT_RESPONSE",
	"SIGN_CERTIFICATE_REQUEST", "SIGN_CERTIFICATE_RESPONSE"}

// String is the protocol name of the command (debug capf-server messages).
func (c Command) String() string {
	if c >= 1 && c <= maxCommand {
		return commandNames[c]
	}
	return fmt.Sprintf("COMMAND_%d", uint8(c))
}

// Tag is an element tag (§4.3).
type Tag uint8

// Element tags (§4.3).
const (
	TagReason          Tag = 1  // u8, Reason
	TagReasonInfo      Tag = 2  // text
	TagCertificateType Tag = 3  // u8, CertificateType
	TagCertificate     Tag = 4  // §4.5 wrapper around a DER certificate
	TagCertificateID   Tag = 5  // defined, unused
	TagSignedData      Tag = 6  // raw signature, SHA-1 (§4.6)
	TagVersion         Tag = 7  // u8, ProtocolVersion
	TagAuthType        Tag = 8  // u8, AuthType
	TagPublicKey       Tag = 9  // DER SubjectPublicKeyInfo
	TagKeySize         Tag = 10 // u16, RSA modulus bits
	TagPassword        Tag = 11 // str0 (auth string)
	TagRetryDelay      Tag = 12 // defined, unused
	TagDeviceName      Tag = 13 // str0, SEP<MAC>
	TagSUDIData        Tag = 16 // §4.7
	TagKeyType         Tag = 17 // u8, KeyType
	TagCurve           Tag = 18 // u8, Curve
	TagDigestType      Tag = 19 // defined, unused
	TagSHA2SignedData  Tag = 20 // hash id u8, length u16, signature
)

var tagNames = map[Tag]string{TagReason: "REASON", TagReasonInfo: "REASON_INFO", TagCertificateType: "CERTIFICATE_TYPE",
	TagCertificate: "CERTIFICATE", TagCertificateID: "CERTIFICATE_ID", TagSignedData: "SIGNED_DATA", TagVersion: "VERSION",
	TagAuthType: "AUTH_TYPE", TagPublicKey: "PUBLIC_KEY", TagKeySize: "KEY_SIZE", TagPassword: "PASSWORD",
	TagRetryDelay: "RETRY_DELAY", TagDeviceName: "DEVICE_NAME", TagSUDIData: "SUDI_DATA", TagKeyType: "KEY_TYPE",
	TagCurve: "CURVE", TagDigestType: "DIGEST_TYPE", TagSHA2SignedData: "SHA2_SIGNED_DATA"}

// String is the protocol name of the tag.
func (t Tag) String() string {
	if n, ok := tagNames[t]; ok {
		return n
	}
	return fmt.Sprintf("TAG_%d", uint8(t))
}

// Reason is the value of the REASON element (§4.4).
type Reason uint8

// Reasons (§4.4).
const (
	ReasonNone              Reason = 0 // nothing scheduled
	ReasonUpdateCertificate Reason = 1 // success in responses and END_SESSION
	ReasonInvalidElement    Reason = 7 // invalid element / operation failed
	ReasonUnknownDevice     Reason = 9
)

// AuthType is the value of the AUTH_TYPE element and of capfAuthMode in
// the cnf file (§4.4).
type AuthType uint8

// Authentication types (§4.4).
const (
	AuthNone     AuthType = 0
	AuthPassword AuthType = 1 // authentication string
	AuthNull     AuthType = 2 // empty password
	AuthLSC      AuthType = 3 // existing LSC, falling back to MIC
	AuthMIC      AuthType = 4
)

// CertificateType is the value of CERTIFICATE_TYPE and of the type byte
// in the CERTIFICATE wrapper.
type CertificateType uint8

// Certificate types (§4.3).
const (
	CertificateLSC CertificateType = 1
	CertificateMIC CertificateType = 2
)

// KeyType is the value of KEY_TYPE.
type KeyType uint8

// Key types (§4.3).
const (
	KeyRSA KeyType = 0
	KeyEC  KeyType = 1
)

// Curve is the value of CURVE.
type Curve uint8

// Curves (§4.3).
const (
	CurveP256 Curve = 0 // secp256r1
	CurveP384 Curve = 1 // secp384r1
	CurveP521 Curve = 2 // secp521r1
)

// Hash ids in SHA2_SIGNED_DATA and SUDI_DATA (§4.6, §4.7).
const (
	HashSHA1   = 1
	HashSHA512 = 3
	// SUDICertificate is the SUDI_DATA entry id of the SUDI certificate.
	SUDICertificate = 0
)

// Element is one TLV of a message body.
type Element struct {
	Tag   Tag
	Value []byte
}

// Message is one CAPF message.
type Message struct {
	Command  Command
	Session  uint32
	Elements []Element
}

// Errors of the codec; decoding errors wrap ErrMalformed.
var (
	ErrMalformed = errors.New("capf: malformed message")
	ErrMissing   = errors.New("capf: missing element")
)

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// MarshalBinary encodes m, header and body in one buffer: capfd writes a
// message in one write because a split "stalls the phone's CAPF client".
func (m *Message) MarshalBinary() ([]byte, error) {
	n := 0
	for _, e := range m.Elements {
		if len(e.Value) > math.MaxUint16 {
			return nil, fmt.Errorf("capf: element %v of %d bytes does not fit", e.Tag, len(e.Value))
		}
		n += 3 + len(e.Value)
	}
	if n > MaxBody {
		return nil, fmt.Errorf("capf: body of %d bytes does not fit", n)
	}
	b := make([]byte, 0, HeaderSize+n)
	b = append(b, ProtocolID, byte(m.Command))
	b = binary.BigEndian.AppendUint32(b, m.Session)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	for _, e := range m.Elements {
		b = append(b, byte(e.Tag))
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b, nil
}

// UnmarshalBinary decodes one complete message. Elements may come in any
// order (capfd and capfc write different orders); a known tag may appear
// only once.
func (m *Message) UnmarshalBinary(b []byte) error {
	if len(b) < HeaderSize {
		return malformed("short header (%d bytes)", len(b))
	}
	if b[0] != ProtocolID {
		return malformed("protocol id %#x", b[0])
	}
	n := binary.BigEndian.Uint16(b[6:])
	if uint64(len(b)-HeaderSize) != uint64(n) {
		return malformed("body length %d, have %d bytes", n, len(b)-HeaderSize)
	}
	m.Command, m.Session, m.Elements = Command(b[1]), binary.BigEndian.Uint32(b[2:]), nil
	body := b[HeaderSize:]
	var seen [256]bool
	for len(body) > 0 {
		if len(body) < 3 {
			return malformed("truncated element header")
		}
		t, l := Tag(body[0]), binary.BigEndian.Uint16(body[1:])
		if uint64(l) > uint64(len(body)-3) {
			return malformed("element %v length %d exceeds the body", t, l)
		}
		if seen[t] {
			return malformed("element %v twice", t)
		}
		seen[t] = true
		m.Elements = append(m.Elements, Element{t, body[3 : 3+int(l)]})
		body = body[3+int(l):]
	}
	return nil
}

// ReadMessage reads one message from r, refusing a body longer than
// maxBody before reading it.
func ReadMessage(r io.Reader, maxBody int) (*Message, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	if h[0] != ProtocolID {
		return nil, malformed("protocol id %#x", h[0])
	}
	n := binary.BigEndian.Uint16(h[6:])
	if maxBody < 0 || uint64(n) > uint64(maxBody) {
		return nil, malformed("body of %d bytes is over the limit of %d", n, maxBody)
	}
	b := make([]byte, HeaderSize+int(n))
	copy(b, h[:])
	if _, err := io.ReadFull(r, b[HeaderSize:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("capf: reading a %d-byte body: %w", n, err)
	}
	m := &Message{}
	return m, m.UnmarshalBinary(b)
}

// Get returns the value of the element with tag, and whether there is one.
func (m *Message) Get(tag Tag) ([]byte, bool) {
	for _, e := range m.Elements {
		if e.Tag == tag {
			return e.Value, true
		}
	}
	return nil, false
}

// Has reports whether m carries an element with tag.
func (m *Message) Has(tag Tag) bool {
	_, ok := m.Get(tag)
	return ok
}

// Uint8 decodes a one-byte element.
func (m *Message) Uint8(tag Tag) (uint8, error) {
	v, ok := m.Get(tag)
	if !ok {
		return 0, fmt.Errorf("%w %v", ErrMissing, tag)
	}
	if len(v) != 1 {
		return 0, malformed("%v of %d bytes, want 1", tag, len(v))
	}
	return v[0], nil
}

// Uint16 decodes a two-byte element.
func (m *Message) Uint16(tag Tag) (uint16, error) {
	v, ok := m.Get(tag)
	if !ok {
		return 0, fmt.Errorf("%w %v", ErrMissing, tag)
	}
	if len(v) != 2 {
		return 0, malformed("%v of %d bytes, want 2", tag, len(v))
	}
	return binary.BigEndian.Uint16(v), nil
}

// String0 decodes a NUL-terminated text element (DEVICE_NAME, PASSWORD):
// exactly one NUL, at the end.
func (m *Message) String0(tag Tag) (string, error) {
	v, ok := m.Get(tag)
	if !ok {
		return "", fmt.Errorf("%w %v", ErrMissing, tag)
	}
	if len(v) == 0 || v[len(v)-1] != 0 || bytes.IndexByte(v, 0) != len(v)-1 {
		return "", malformed("%v is not one NUL-terminated string", tag)
	}
	return string(v[:len(v)-1]), nil
}

// Certificate decodes the CERTIFICATE element (§4.5).
func (m *Message) Certificate() (CertificateType, []byte, error) {
	v, ok := m.Get(TagCertificate)
	if !ok {
		return 0, nil, fmt.Errorf("%w %v", ErrMissing, TagCertificate)
	}
	return DecodeCertificate(v)
}

// U8 is a one-byte element.
func U8(tag Tag, v uint8) Element { return Element{tag, []byte{v}} }

// U16 is a two-byte element.
func U16(tag Tag, v uint16) Element { return Element{tag, binary.BigEndian.AppendUint16(nil, v)} }

// Str0 is a NUL-terminated text element.
func Str0(tag Tag, s string) Element { return Element{tag, append([]byte(s), 0)} }

// EncodeCertificate is the value of the CERTIFICATE element (§4.5):
// 0x01, u16 length of what follows (DER + 2), 0x00, the type, the DER.
func EncodeCertificate(t CertificateType, der []byte) ([]byte, error) {
	if len(der)+2 > math.MaxUint16 {
		return nil, fmt.Errorf("capf: certificate of %d bytes does not fit", len(der))
	}
	b := []byte{1}
	b = binary.BigEndian.AppendUint16(b, uint16(len(der)+2))
	b = append(b, 0, byte(t))
	return append(b, der...), nil
}

// DecodeCertificate decodes a CERTIFICATE value; the DER is what follows
// offset 5 (capfd), and the inner length must agree with it.
func DecodeCertificate(v []byte) (CertificateType, []byte, error) {
	if len(v) < 5 || v[0] != 1 || v[3] != 0 {
		return 0, nil, malformed("CERTIFICATE wrapper")
	}
	if uint64(binary.BigEndian.Uint16(v[1:])) != uint64(len(v)-3) {
		return 0, nil, malformed("CERTIFICATE inner length %d, have %d", binary.BigEndian.Uint16(v[1:]), len(v)-3)
	}
	if len(v) == 5 {
		return 0, nil, malformed("empty CERTIFICATE")
	}
	return CertificateType(v[4]), v[5:], nil
}

// EncodeSHA2Signature is the value of SHA2_SIGNED_DATA: hash id, u16
// length, signature.
func EncodeSHA2Signature(hashID uint8, sig []byte) ([]byte, error) {
	if len(sig) > math.MaxUint16-3 {
		return nil, fmt.Errorf("capf: signature of %d bytes does not fit", len(sig))
	}
	b := binary.BigEndian.AppendUint16([]byte{hashID}, uint16(len(sig)))
	return append(b, sig...), nil
}

// DecodeSHA2Signature decodes a SHA2_SIGNED_DATA value.
func DecodeSHA2Signature(v []byte) (hashID uint8, sig []byte, err error) {
	if len(v) < 3 {
		return 0, nil, malformed("short SHA2_SIGNED_DATA")
	}
	if uint64(binary.BigEndian.Uint16(v[1:])) != uint64(len(v)-3) {
		return 0, nil, malformed("SHA2_SIGNED_DATA length")
	}
	return v[0], v[3:], nil
}

// SUDIEntry is one part of SUDI_DATA (§4.7): id 0 the certificate, 1 a
// SHA-1 signature, 3 a SHA-512 signature.
type SUDIEntry struct {
	ID    uint8
	Value []byte
}

// EncodeSUDI is the value of SUDI_DATA.
func EncodeSUDI(entries []SUDIEntry) ([]byte, error) {
	var b []byte
	for _, e := range entries {
		if len(e.Value) > math.MaxUint16 {
			return nil, fmt.Errorf("capf: SUDI entry %d of %d bytes does not fit", e.ID, len(e.Value))
		}
		b = append(b, e.ID)
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b, nil
}

// DecodeSUDI decodes a SUDI_DATA value.
func DecodeSUDI(v []byte) ([]SUDIEntry, error) {
	var out []SUDIEntry
	for len(v) > 0 {
		if len(v) < 3 {
			return nil, malformed("truncated SUDI_DATA entry")
		}
		l := binary.BigEndian.Uint16(v[1:])
		if uint64(l) > uint64(len(v)-3) {
			return nil, malformed("SUDI_DATA entry %d length %d", v[0], l)
		}
		out = append(out, SUDIEntry{v[0], v[3 : 3+int(l)]})
		v = v[3+int(l):]
	}
	return out, nil
}

// SignedInput is what SIGNED_DATA and SHA2_SIGNED_DATA sign (§4.6): the
// device name, one NUL, the DER of the authenticating certificate.
func SignedInput(device string, certDER []byte) []byte {
	b := append([]byte(device), 0)
	return append(b, certDER...)
}

// SUDIInput is what the SUDI signatures sign (§4.7): the session id as a
// little-endian u32 (Cisco's CAPF uses host byte order), then the SUDI
// certificate DER.
func SUDIInput(session uint32, certDER []byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, session), certDER...)
}

// digest hashes in with the hash of a hash id.
func digest(hashID uint8, in []byte) ([]byte, error) {
	switch hashID {
	case HashSHA1:
		d := sha1.Sum(in)
		return d[:], nil
	case HashSHA512:
		d := sha512.Sum512(in)
		return d[:], nil
	}
	return nil, fmt.Errorf("capf: unknown hash id %d", hashID)
}

// Sign makes a CAPF signature of in with key: for RSA the raw private-key
// operation over PKCS#1 type-1 padding and the bare digest, without the
// DigestInfo prefix (§4.6); for EC an ordinary ASN.1 ECDSA signature.
func Sign(rand io.Reader, key crypto.Signer, hashID uint8, in []byte) ([]byte, error) {
	d, err := digest(hashID, in)
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		// Hash 0: crypto/rsa signs the bytes as given, without a prefix.
		return rsa.SignPKCS1v15(rand, k, 0, d)
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand, k, d)
	}
	return nil, fmt.Errorf("capf: cannot sign with a %T", key)
}

// Verify checks a CAPF signature made by Sign.
func Verify(pub crypto.PublicKey, hashID uint8, in, sig []byte) error {
	d, err := digest(hashID, in)
	if err != nil {
		return err
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(k, 0, d, sig); err != nil {
			return fmt.Errorf("capf: RSA signature: %w", err)
		}
		return nil
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, d, sig) {
			return errors.New("capf: ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("capf: cannot verify with a %T", pub)
}

// Messages the server sends (§4.8).

// AuthRequest opens a session: VERSION 3 and AUTH_TYPE 0 (capfd always
// advertises none and applies its own policy).
func AuthRequest(session uint32) *Message {
	return &Message{CmdAuthRequest, session, []Element{U8(TagVersion, ProtocolVersion), U8(TagAuthType, uint8(AuthNone))}}
}

// KeyGenRequestRSA asks the phone for an RSA key of bits.
func KeyGenRequestRSA(session uint32, bits uint16) *Message {
	return &Message{CmdKeyGenRequest, session, []Element{U16(TagKeySize, bits), U8(TagKeyType, uint8(KeyRSA))}}
}

// KeyGenRequestEC asks the phone for an EC key on a curve.
func KeyGenRequestEC(session uint32, c Curve) *Message {
	return &Message{CmdKeyGenRequest, session, []Element{U8(TagKeyType, uint8(KeyEC)), U8(TagCurve, uint8(c))}}
}

// StoreCertRequest hands the phone its new LSC.
func StoreCertRequest(session uint32, der []byte) (*Message, error) {
	v, err := EncodeCertificate(CertificateLSC, der)
	if err != nil {
		return nil, err
	}
	return &Message{CmdStoreCertRequest, session, []Element{U8(TagCertificateType, uint8(CertificateLSC)), {TagCertificate, v}}}, nil
}

// FetchCertRequest asks the phone for its certificate.
func FetchCertRequest(session uint32) *Message {
	return &Message{Command: CmdFetchCertRequest, Session: session}
}

// DeleteCertRequest asks the phone to delete its LSC.
func DeleteCertRequest(session uint32) *Message {
	return &Message{Command: CmdDeleteCertRequest, Session: session}
}

// EndSession closes a session with a reason.
func EndSession(session uint32, r Reason) *Message {
	return &Message{CmdEndSession, session, []Element{U8(TagReason, uint8(r))}}
}
