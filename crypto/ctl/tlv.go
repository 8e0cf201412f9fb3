package ctl

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// The TLV primitive (protocols.md §2.1): tag u8, length u16 big-endian,
// value. Tag 13 in the header is the exception, a lone byte; the header
// decoder handles it before calling the scanner.

// A SyntaxError reports input that is not a well-formed CTL/ITL or .sgn
// file. Offset is the position in the input of the element at fault.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "ctl: offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// element is one decoded TLV. offset is the position of its tag byte in the
// whole input, so that errors and signature removal can refer to it.
type element struct {
	tag    uint8
	value  []byte
	offset int
}

// scanner walks the elements of b[off:end]. Containers are decoded by
// scanning their value with a new scanner over the same input.
type scanner struct {
	b        []byte
	off, end int
	what     string // "header", "SIGNER_INFO", "record 3", ... for errors
}

func (s *scanner) more() bool { return s.off < s.end }

func (s *scanner) next() (element, error) {
	left := s.end - s.off
	if left < 3 {
		return element{}, &SyntaxError{s.off, fmt.Sprintf("%s: truncated element: %d bytes left, need 3 for tag and length", s.what, left)}
	}
	tag := s.b[s.off]
	n := int(binary.BigEndian.Uint16(s.b[s.off+1:]))
	if n > left-3 {
		return element{}, &SyntaxError{s.off, fmt.Sprintf("%s: tag %d: length %d exceeds the %d bytes left", s.what, tag, n, left-3)}
	}
	el := element{tag: tag, value: s.b[s.off+3 : s.off+3+n], offset: s.off}
	s.off += 3 + n
	return el, nil
}

// sub returns a scanner over the value of container element el.
func (s *scanner) sub(el element, what string) *scanner {
	return &scanner{b: s.b, off: el.offset + 3, end: el.offset + 3 + len(el.value), what: what}
}

// seen rejects a second occurrence of a tag within one structure. certutils
// silently keeps the last value; refusing is safer because two SERIAL_NUMBER
// or ROLE elements could make different readers see different files.
type seen map[uint8]bool

func (m seen) add(el element, what string) error {
	if m[el.tag] {
		return &SyntaxError{el.offset, fmt.Sprintf("%s: duplicate tag %d", what, el.tag)}
	}
	m[el.tag] = true
	return nil
}

// fixedLen checks the length of an element whose value has a fixed size.
func fixedLen(el element, n int, what string) error {
	if len(el.value) != n {
		return &SyntaxError{el.offset, fmt.Sprintf("%s: tag %d: length %d, want %d", what, el.tag, len(el.value), n)}
	}
	return nil
}

// str0 decodes a NUL-terminated text value (§2.2 "str0"). Exactly one
// trailing NUL is removed, so that any other bytes survive a round trip; a
// value without the NUL is accepted as it stands (certutils would drop its
// last character instead).
func str0(v []byte) string {
	if n := len(v); n > 0 && v[n-1] == 0 {
		v = v[:n-1]
	}
	return string(v)
}

// cloneBytes copies a value out of the input. Empty values become nil: the
// format gives a zero-length element no meaning, and this keeps decoded
// files comparable with the ones the encoder produces.
func cloneBytes(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	return bytes.Clone(v)
}

// encoder appends elements to buf and keeps the first error, so a whole
// structure can be written and checked once.
type encoder struct {
	buf []byte
	err error
}

func (e *encoder) tlv(tag uint8, v []byte) {
	if len(v) > math.MaxUint16 {
		if e.err == nil {
			e.err = fmt.Errorf("ctl: tag %d: value of %d bytes does not fit the 16-bit length", tag, len(v))
		}
		return
	}
	e.buf = append(e.buf, tag, byte(len(v)>>8), byte(len(v)))
	e.buf = append(e.buf, v...)
}

func (e *encoder) str0(tag uint8, s string) {
	v := make([]byte, 0, len(s)+1)
	e.tlv(tag, append(append(v, s...), 0))
}

func (e *encoder) u8(tag, v uint8) { e.tlv(tag, []byte{v}) }

func (e *encoder) u16(tag uint8, v uint16) { e.tlv(tag, binary.BigEndian.AppendUint16(nil, v)) }

func (e *encoder) u32(tag uint8, v uint32) { e.tlv(tag, binary.BigEndian.AppendUint32(nil, v)) }

func (e *encoder) version(tag uint8, v Version) { e.tlv(tag, []byte{v.Major, v.Minor}) }

// container writes a container element whose value is whatever fill
// appends, and returns the length it patched in.
func (e *encoder) container(tag uint8, fill func()) int {
	start := len(e.buf)
	e.buf = append(e.buf, tag, 0, 0)
	fill()
	n := len(e.buf) - start - 3
	if n > math.MaxUint16 {
		if e.err == nil {
			e.err = fmt.Errorf("ctl: tag %d: container of %d bytes does not fit the 16-bit length", tag, n)
		}
		return n
	}
	binary.BigEndian.PutUint16(e.buf[start+1:], uint16(n))
	return n
}
