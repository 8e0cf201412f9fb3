package sshd

import (
	"encoding/binary"
	"testing"
)

func sshString(n uint32, body string) []byte {
	b := binary.BigEndian.AppendUint32(nil, n)
	return append(b, body...)
}

// TestPayloadLengths: lengths that do not fit what follows are refused,
// whatever the word size (issue 15 item 3: 0xFFFFFFF0 panicked on 32-bit).
func TestPayloadLengths(t *testing.T) {
	dims := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 80), 24)
	dims = append(dims, make([]byte, 8)...)
	for _, tc := range []struct {
		name    string
		payload []byte
		ok      bool
	}{
		{"good", append(sshString(5, "xterm"), dims...), true},
		{"huge", append(sshString(0xFFFFFFF0, "xterm"), dims...), false},
		{"max", append(sshString(0xFFFFFFFF, "xterm"), dims...), false},
		{"1<<31", append(sshString(1<<31, "xterm"), dims...), false},
		{"past end", append(sshString(30, "xterm"), dims...), false},
		{"short", []byte{0, 0}, false},
	} {
		if _, _, ok := parsePty(tc.payload); ok != tc.ok {
			t.Errorf("pty-req %s: ok=%v", tc.name, ok)
		}
		if len(tc.payload) < len(dims) {
			continue
		}
		if _, ok := parseExec(tc.payload[:len(tc.payload)-len(dims)]); ok != tc.ok {
			t.Errorf("exec %s: ok=%v", tc.name, ok)
		}
	}
	if w, h, ok := parseWindowChange([]byte{0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 24}); ok {
		t.Errorf("window-change width 0xFFFFFFF0 accepted as %dx%d", w, h)
	}
}

// FuzzChannelRequest: no channel-request payload panics the parsers, and
// what they accept is within bounds.
func FuzzChannelRequest(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x05xterm\x00\x00\x00\x50\x00\x00\x00\x18\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xff\xff\xf0xterm\x00\x00\x00\x50\x00\x00\x00\x18\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x00\x00\x00\x0cshow version"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if w, h, ok := parsePty(b); ok && (w <= 0 || w > maxTermSize || h < 0 || h > maxTermSize) {
			t.Fatalf("pty %dx%d", w, h)
		}
		if cmd, ok := parseExec(b); ok && len(cmd) > len(b)-4 {
			t.Fatalf("exec command longer than the payload")
		}
		if w, h, ok := parseWindowChange(b); ok && (w <= 0 || w > maxTermSize || h < 0 || h > maxTermSize) {
			t.Fatalf("window %dx%d", w, h)
		}
	})
}
