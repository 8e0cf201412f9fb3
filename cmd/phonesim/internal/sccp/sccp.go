// Package sccp is the phone side of Skinny (SCCP) as far as the phone
// simulator needs it today: message framing, the Register message a phone
// sends, and the RegisterAck / RegisterReject it gets back (reference
// protocols.md §6.1, §6.2, §6.5.1, §6.5.2). The server side lives with the
// SCCP server when it comes; this package is written from the public
// description so that the two can check each other.
package sccp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// Message IDs used here.
const (
	MsgRegister       = 0x0001
	MsgRegisterAck    = 0x0081
	MsgRegisterReject = 0x009D
)

// MaxMessage bounds what ReadMessage accepts (Skinny messages are small).
const MaxMessage = 64 << 10

// Message is one framed Skinny message.
type Message struct {
	Version uint32 // header version (0 basic, 0x0A.. protocol versions)
	ID      uint32
	Data    []byte
}

// MarshalBinary frames a message: length (ID + payload), header version,
// ID, payload; all little-endian.
func (m Message) MarshalBinary() ([]byte, error) {
	b := make([]byte, 12, 12+len(m.Data))
	binary.LittleEndian.PutUint32(b[0:], uint32(4+len(m.Data)))
	binary.LittleEndian.PutUint32(b[4:], m.Version)
	binary.LittleEndian.PutUint32(b[8:], m.ID)
	return append(b, m.Data...), nil
}

// ErrFrame reports a malformed frame.
var ErrFrame = errors.New("sccp: malformed frame")

// ReadMessage reads one framed message.
func ReadMessage(r io.Reader) (Message, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Message{}, err
	}
	n := binary.LittleEndian.Uint32(hdr[0:])
	if n < 4 || n > MaxMessage {
		return Message{}, fmt.Errorf("%w: length %d", ErrFrame, n)
	}
	m := Message{Version: binary.LittleEndian.Uint32(hdr[4:]), ID: binary.LittleEndian.Uint32(hdr[8:]), Data: make([]byte, n-4)}
	if _, err := io.ReadFull(r, m.Data); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Register is what a phone says when it registers.
type Register struct {
	DeviceName string     // SEP<MAC>
	IP         netip.Addr // the phone's IPv4 address
	DeviceType uint32     // e.g. 30006 for a 7970 (reference §6.6.1)
	MaxStreams uint32
	Protocol   uint8 // highest protocol version the phone supports
	MAC        [6]byte
}

// Marshal builds the Register payload in the long form (§6.5.1: fields up to
// the firmware load name), with the IP address in network order.
func (r Register) Marshal() []byte {
	b := make([]byte, 124)
	copy(b[0:24], r.DeviceName)
	if r.IP.Is4() {
		a := r.IP.As4()
		copy(b[24:28], a[:])
	}
	binary.LittleEndian.PutUint32(b[28:], r.DeviceType)
	binary.LittleEndian.PutUint32(b[32:], r.MaxStreams)
	b[40] = r.Protocol
	copy(b[52:58], r.MAC[:])
	binary.LittleEndian.PutUint32(b[68:], 1) // maxNumberOfLines
	return b
}

// RegisterAck is the server's acceptance (§6.5.2).
type RegisterAck struct {
	KeepAlive, SecondaryKeepAlive uint32
	DateTemplate                  string
	Protocol                      uint8
}

// ParseRegisterAck decodes a RegisterAck payload.
func ParseRegisterAck(b []byte) (RegisterAck, error) {
	if len(b) < 17 {
		return RegisterAck{}, fmt.Errorf("%w: RegisterAck of %d bytes", ErrFrame, len(b))
	}
	return RegisterAck{
		KeepAlive:          binary.LittleEndian.Uint32(b[0:]),
		DateTemplate:       strings.TrimRight(string(b[4:12]), "\x00"),
		SecondaryKeepAlive: binary.LittleEndian.Uint32(b[12:]),
		Protocol:           b[16],
	}, nil
}

// RejectError is a RegisterReject with its text.
type RejectError struct{ Text string }

func (e *RejectError) Error() string { return "sccp: registration rejected: " + e.Text }

// Do registers over an established connection (TCP 2000, or TLS 2443) and
// returns the RegisterAck, or a *RejectError.
func (r Register) Do(rw io.ReadWriter) (RegisterAck, error) {
	m := Message{Version: uint32(r.Protocol), ID: MsgRegister, Data: r.Marshal()}
	if r.Protocol < 0x0A {
		m.Version = 0
	}
	b, _ := m.MarshalBinary()
	if _, err := rw.Write(b); err != nil {
		return RegisterAck{}, err
	}
	for {
		reply, err := ReadMessage(rw)
		if err != nil {
			return RegisterAck{}, err
		}
		switch reply.ID {
		case MsgRegisterAck:
			return ParseRegisterAck(reply.Data)
		case MsgRegisterReject:
			return RegisterAck{}, &RejectError{Text: strings.TrimRight(string(reply.Data[:min(32, len(reply.Data))]), "\x00")}
		}
		// Other messages (capabilities requests, time...) come after the ack.
	}
}
