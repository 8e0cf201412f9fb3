package sshd

import "encoding/binary"

// Channel-request payloads (RFC 4254 section 6). Every length read from
// the wire is a uint32 compared with what is left before it is used: on a
// 32-bit board int(0xFFFFFFF0) is negative, and a check made after the
// conversion passes where it must fail.

// maxTermSize bounds the terminal width and height we accept.
const maxTermSize = 1000

// readString reads an SSH string (uint32 length, bytes) from b and returns
// it and the rest.
func readString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}

// parsePty reads a "pty-req" payload: TERM string, width and height in
// characters, width and height in pixels, encoded modes.
func parsePty(b []byte) (w, h int, ok bool) {
	_, b, ok = readString(b)
	if !ok || len(b) < 16 {
		return 0, 0, false
	}
	cols, rows := binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
	if cols == 0 || cols > maxTermSize || rows > maxTermSize {
		return 0, 0, false
	}
	return int(cols), int(rows), true
}

// parseExec reads an "exec" payload: the command string.
func parseExec(b []byte) (cmd string, ok bool) {
	s, _, ok := readString(b)
	return string(s), ok
}

// parseWindowChange reads a "window-change" payload: width and height in
// characters (then in pixels, ignored).
func parseWindowChange(b []byte) (w, h int, ok bool) {
	if len(b) < 8 {
		return 0, 0, false
	}
	cols, rows := binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
	if cols == 0 || cols > maxTermSize || rows > maxTermSize {
		return 0, 0, false
	}
	return int(cols), int(rows), true
}
