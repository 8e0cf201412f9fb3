package sccp

import (
	"errors"
	"fmt"
	"io"
)

// Frame sizes (reference §6.1). The length field counts the message ID and
// the payload, not itself nor the header version.
const (
	// HeaderSize is the length, header version and message ID words.
	HeaderSize = 12
	// MaxFrameSize bounds the length field of a received frame. The
	// largest message the server reads is DeviceToUserData (2,020 bytes of
	// payload); anything larger is an error that ends the connection.
	MaxFrameSize = 4096
)

// ErrFrame reports a frame that cannot be read (bad length).
var ErrFrame = errors.New("sccp: bad frame")

// Message is one Skinny message. Each message type is a pointer to a struct
// named as in the protocol (*Register, *RegisterAck, ...); a message this
// package does not lay out decodes to *Unknown.
type Message interface {
	// ID is the message identifier.
	ID() MessageID
	// AppendPayload appends the payload as laid out at protocol version
	// ver (the negotiated version; 0 for "basic").
	AppendPayload(b []byte, ver uint32) []byte
	// DecodePayload fills the message from a payload laid out at version
	// ver (the received header version). Missing trailing fields are zero:
	// phones send shorter forms of many messages.
	DecodePayload(p []byte, ver uint32) error
}

// HeaderVersion is the header version word for sending message id at
// negotiated protocol version ver: always 0 on KeepAliveAck, RegisterAck
// and UnregisterAck, otherwise ver when it is at least 10, else 0
// (reference §6.1, per chan-sccp sccp_protocol.c).
func HeaderVersion(ver uint32, id MessageID) uint32 {
	switch id {
	case MsgKeepAliveAck, MsgRegisterAck, MsgUnregisterAck:
		return 0
	}
	if ver < MinHeaderVersion {
		return 0
	}
	return ver
}

// Frame is one received message before decoding.
type Frame struct {
	HeaderVersion uint32
	ID            MessageID
	Payload       []byte
}

// ReadFrame reads one frame. maxLen bounds the length field (values ≤ 0 or
// above MaxFrameSize mean MaxFrameSize); a length below 4 or above the bound
// is an ErrFrame, after which the stream cannot be resynchronised.
func ReadFrame(r io.Reader, maxLen int) (Frame, error) {
	var hdr [HeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:8]); err != nil {
		return Frame{}, err
	}
	limit := uint32(MaxFrameSize)
	if maxLen > 0 && maxLen < MaxFrameSize {
		limit = uint32(maxLen)
	}
	n := le.Uint32(hdr[0:]) // compared as uint32: never converted before it is bounded
	if n < 4 || n > limit {
		return Frame{}, fmt.Errorf("%w: length %d (allowed 4..%d)", ErrFrame, n, limit)
	}
	if _, err := io.ReadFull(r, hdr[8:12]); err != nil {
		return Frame{}, noEOF(err)
	}
	f := Frame{HeaderVersion: le.Uint32(hdr[4:]), ID: MessageID(le.Uint32(hdr[8:]))}
	f.Payload = make([]byte, int(n-4))
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		return Frame{}, noEOF(err)
	}
	return f, nil
}

// noEOF turns an EOF inside a frame into ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Decode decodes the frame's payload with the layout of its header version.
// An unknown ID yields *Unknown and no error.
func (f Frame) Decode() (Message, error) {
	m := New(f.ID)
	if err := m.DecodePayload(f.Payload, f.HeaderVersion); err != nil {
		return nil, fmt.Errorf("sccp: decoding %v: %w", f.ID, err)
	}
	return m, nil
}

// ReadMessage reads and decodes one message (see ReadFrame and
// Frame.Decode).
func ReadMessage(r io.Reader, maxLen int) (Message, error) {
	f, err := ReadFrame(r, maxLen)
	if err != nil {
		return nil, err
	}
	return f.Decode()
}

// AppendMessage appends the framed message for negotiated protocol version
// ver: length, header version (HeaderVersion), ID, payload padded with
// zeros to a multiple of 4 (as chan-sccp does).
func AppendMessage(b []byte, ver uint32, m Message) []byte {
	start := len(b)
	b = append(b, make([]byte, HeaderSize)...)
	b = m.AppendPayload(b, ver)
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	le.PutUint32(b[start:], uint32(len(b)-start-8))
	le.PutUint32(b[start+4:], HeaderVersion(ver, m.ID()))
	le.PutUint32(b[start+8:], uint32(m.ID()))
	return b
}

// Marshal returns the framed message (see AppendMessage).
func Marshal(ver uint32, m Message) []byte { return AppendMessage(nil, ver, m) }

// WriteMessage writes one framed message in a single Write.
func WriteMessage(w io.Writer, ver uint32, m Message) error {
	_, err := w.Write(Marshal(ver, m))
	return err
}

// Unknown is a message this package does not lay out; it keeps the raw
// payload. Servers log it (under debug) and ignore it.
type Unknown struct {
	MsgID MessageID
	Data  []byte
}

// ID implements Message.
func (m *Unknown) ID() MessageID { return m.MsgID }

// AppendPayload implements Message.
func (m *Unknown) AppendPayload(b []byte, _ uint32) []byte { return append(b, m.Data...) }

// DecodePayload implements Message.
func (m *Unknown) DecodePayload(p []byte, _ uint32) error {
	m.Data = append([]byte(nil), p...)
	return nil
}
