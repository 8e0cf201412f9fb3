package tvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// TVS wire format (reference protocols.md §5, after usecallmanagernz
// tvsd): a 10-byte header, then elements.
//
//	proto u8 = 0x57 | version u8 = 1 | command u8 | reserved u8 = 0 |
//	session id u32 BE | body length u16 BE | elements
//	element: tag u8 | length u16 BE | value
const (
	Proto      = 0x57
	Version    = 1
	HeaderSize = 10

	// Commands (§5.2).
	CmdNone           = 0
	CmdVerifyRequest  = 1
	CmdVerifyResponse = 2
	CmdQueryRequest   = 3
	CmdQueryResponse  = 4

	// Element tags (§5.3).
	TagDeviceName  = 1 // 0x01 prefix byte, then the name (no NUL)
	TagCertificate = 2 // DER certificate to verify
	TagStatus      = 7 // u8: 0 valid, 1 invalid
	TagRoles       = 8 // one u8 role code per role
	TagTTL         = 9 // u32 BE seconds

	StatusValid   = 0
	StatusInvalid = 1

	// DefaultPort is the TVS port (seed 003).
	DefaultPort = 2445
	// DefaultTTL is how long a phone may cache an answer (tvsd README).
	DefaultTTL = 86400
)

// Element is one TLV of a message body.
type Element struct {
	Tag   uint8
	Value []byte
}

// Message is one TVS message.
type Message struct {
	Command  uint8
	Session  uint32
	Elements []Element
}

// Get returns the value of the first element with tag, and whether there is one.
func (m *Message) Get(tag uint8) ([]byte, bool) {
	for _, e := range m.Elements {
		if e.Tag == tag {
			return e.Value, true
		}
	}
	return nil, false
}

// MarshalBinary encodes m.
func (m *Message) MarshalBinary() ([]byte, error) {
	var body []byte
	for _, e := range m.Elements {
		if len(e.Value) > 0xffff {
			return nil, fmt.Errorf("tvs: element %d of %d bytes is too long", e.Tag, len(e.Value))
		}
		body = append(body, e.Tag)
		body = binary.BigEndian.AppendUint16(body, uint16(len(e.Value)))
		body = append(body, e.Value...)
	}
	if len(body) > 0xffff {
		return nil, errors.New("tvs: message body over 64 KB")
	}
	b := []byte{Proto, Version, m.Command, 0}
	b = binary.BigEndian.AppendUint32(b, m.Session)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...), nil
}

// UnmarshalBinary decodes one complete message.
func (m *Message) UnmarshalBinary(b []byte) error {
	if len(b) < HeaderSize {
		return errors.New("tvs: short header")
	}
	if b[0] != Proto {
		return fmt.Errorf("tvs: protocol byte %#x, want %#x", b[0], Proto)
	}
	if b[1] != Version {
		return fmt.Errorf("tvs: version %d, want %d", b[1], Version)
	}
	n := int(binary.BigEndian.Uint16(b[8:]))
	if len(b) != HeaderSize+n {
		return fmt.Errorf("tvs: body length %d, have %d bytes", n, len(b)-HeaderSize)
	}
	m.Command, m.Session, m.Elements = b[2], binary.BigEndian.Uint32(b[4:]), nil
	body := b[HeaderSize:]
	for len(body) > 0 {
		if len(body) < 3 {
			return errors.New("tvs: truncated element header")
		}
		l := int(binary.BigEndian.Uint16(body[1:]))
		if len(body) < 3+l {
			return fmt.Errorf("tvs: element %d length %d exceeds the body", body[0], l)
		}
		m.Elements = append(m.Elements, Element{body[0], body[3 : 3+l]})
		body = body[3+l:]
	}
	return nil
}

// ReadMessage reads one message from r.
func ReadMessage(r io.Reader) (*Message, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	if h[0] != Proto || h[1] != Version {
		return nil, fmt.Errorf("tvs: not a TVS message (%#x %#x)", h[0], h[1])
	}
	n := int(binary.BigEndian.Uint16(h[8:]))
	b := make([]byte, HeaderSize+n)
	copy(b, h[:])
	if _, err := io.ReadFull(r, b[HeaderSize:]); err != nil {
		return nil, err
	}
	m := &Message{}
	return m, m.UnmarshalBinary(b)
}

// DeviceName decodes a DEVICE_NAME value (prefix byte 0x01, then the name).
func DeviceName(v []byte) (string, error) {
	if len(v) < 2 || v[0] != 1 {
		return "", errors.New("tvs: malformed DEVICE_NAME")
	}
	return string(v[1:]), nil
}
