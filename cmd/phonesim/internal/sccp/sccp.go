// Package sccp is the phone side of Skinny (SCCP), written from the public
// description (reference protocols.md §6, Wireshark's packet-skinny.c and
// SkinnyProtocolOptimized.xml for the facts; no code taken from them): the
// framing, the messages a phone sends (Register, KeypadButton, OffHook,
// CapabilitiesRes, OpenReceiveChannelAck...) and decoders for the messages
// a call manager sends it (RegisterAck, CallState, OpenReceiveChannel,
// StartMediaTransmission...). It is deliberately separate from the box's
// telephony/sccp so that the two implementations check each other.
//
// Every integer is little-endian; IP addresses are raw network-order bytes,
// 4 of them below protocol 17 and ipType + 16 from 17 on (§6.1). Decoders
// trust the frame length, never a struct size: absent trailing fields read
// as zero.
package sccp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// MaxMessage bounds what ReadMessage accepts (Skinny messages are small;
// the largest, CallInfo and SoftKeyTemplateRes, are well under 1 KiB).
const MaxMessage = 64 << 10

// Message is one framed Skinny message.
type Message struct {
	Version uint32 // header version (0 basic, 0x0A.. protocol versions)
	ID      uint32
	Data    []byte
}

// MarshalBinary frames a message: length (ID + payload), header version,
// ID, payload; all little-endian (§6.1).
func (m Message) MarshalBinary() ([]byte, error) {
	if len(m.Data) > MaxMessage-4 {
		return nil, fmt.Errorf("sccp: %s payload of %d bytes", Name(m.ID), len(m.Data))
	}
	b := make([]byte, 12, 12+len(m.Data))
	binary.LittleEndian.PutUint32(b[0:], uint32(4+len(m.Data)))
	binary.LittleEndian.PutUint32(b[4:], m.Version)
	binary.LittleEndian.PutUint32(b[8:], m.ID)
	return append(b, m.Data...), nil
}

// Name is the message's name as Wireshark prints it, without "Message".
func (m Message) Name() string { return Name(m.ID) }

// ErrFrame reports a malformed frame.
var ErrFrame = errors.New("sccp: malformed frame")

// ReadMessage reads one framed message. The length is bounded before it is
// used (a hostile server cannot make the phone allocate more than
// MaxMessage).
func ReadMessage(r io.Reader) (Message, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Message{}, err
	}
	n := binary.LittleEndian.Uint32(hdr[0:])
	if n < 4 || n > MaxMessage {
		return Message{}, fmt.Errorf("%w: length %d", ErrFrame, n)
	}
	m := Message{Version: binary.LittleEndian.Uint32(hdr[4:]), ID: binary.LittleEndian.Uint32(hdr[8:]), Data: make([]byte, int(n)-4)}
	if _, err := io.ReadFull(r, m.Data); err != nil {
		return Message{}, fmt.Errorf("%w: %s truncated: %w", ErrFrame, Name(m.ID), err)
	}
	return m, nil
}

// HeaderVersion is the header version a phone puts on what it sends once
// protocol version v is negotiated: v itself from 10 on, else 0 (§6.1).
func HeaderVersion(v uint8) uint32 {
	if v < 10 {
		return 0
	}
	return uint32(v)
}

// wideIP reports whether messages with header version hv carry IP
// addresses as ipType + 16 bytes (protocol 17 and later, §6.1).
func wideIP(hv uint32) bool { return hv >= 0x11 }

// numberLen is the size of the variable directory-number fields: 25 bytes
// from protocol 18, else 24 (§6.1).
func numberLen(hv uint32) int {
	if hv >= 0x12 {
		return 25
	}
	return 24
}

// writer builds a payload.
type writer struct{ b []byte }

func (w *writer) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

// str writes s into a NUL-padded field of n bytes, always leaving room
// for the terminating NUL.
func (w *writer) str(s string, n int) {
	f := make([]byte, n)
	copy(f[:n-1], s)
	w.b = append(w.b, f...)
}

// ip writes an IPv4 or IPv6 address in the form header version hv uses.
func (w *writer) ip(a netip.Addr, hv uint32) {
	if !wideIP(hv) {
		if a.Is4() || a.Is4In6() {
			v := a.Unmap().As4()
			w.b = append(w.b, v[:]...)
		} else {
			w.b = append(w.b, 0, 0, 0, 0)
		}
		return
	}
	var f [16]byte
	if a.Is4() || a.Is4In6() {
		w.u32(0)
		v := a.Unmap().As4()
		copy(f[:], v[:])
	} else {
		w.u32(1)
		f = a.As16()
	}
	w.b = append(w.b, f[:]...)
}

// reader decodes a payload; reading past the end yields zeros (the
// trailing fields a sender left out).
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) []byte {
	if r.off >= len(r.b) {
		r.off += n
		return make([]byte, n)
	}
	end := r.off + n
	out := make([]byte, n)
	copy(out, r.b[r.off:min(end, len(r.b))])
	r.off = end
	return out
}

func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *reader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u8() uint8   { return r.take(1)[0] }
func (r *reader) str(n int) string {
	f := r.take(n)
	for i, c := range f {
		if c == 0 {
			return string(f[:i])
		}
	}
	return string(f)
}

// ip reads an address in the form header version hv uses.
func (r *reader) ip(hv uint32) netip.Addr {
	if !wideIP(hv) {
		return netip.AddrFrom4([4]byte(r.take(4)))
	}
	typ := r.u32()
	f := r.take(16)
	if typ == 1 {
		return netip.AddrFrom16([16]byte(f))
	}
	return netip.AddrFrom4([4]byte(f[:4]))
}

// need reports a payload shorter than the mandatory fields of a message.
func need(id uint32, b []byte, n int) error {
	if len(b) < n {
		return fmt.Errorf("%w: %s of %d bytes, want at least %d", ErrFrame, Name(id), len(b), n)
	}
	return nil
}
