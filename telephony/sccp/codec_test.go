package sccp

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var addrCmp = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// TestRoundTrip encodes every message at every version, reads it back
// through ReadMessage and compares.
func TestRoundTrip(t *testing.T) {
	seen := map[MessageID]bool{}
	for _, m := range samples() {
		seen[m.ID()] = true
		for _, ver := range versions {
			b := Marshal(ver, m)
			if len(b)%4 != 0 {
				t.Errorf("%v v%d: frame of %d bytes is not padded to 4", m.ID(), ver, len(b))
			}
			if got, want := le.Uint32(b[4:]), HeaderVersion(ver, m.ID()); got != want {
				t.Errorf("%v v%d: header version %d, want %d", m.ID(), ver, got, want)
			}
			got, err := ReadMessage(bytes.NewReader(b), 0)
			if err != nil {
				t.Fatalf("%v v%d: %v", m.ID(), ver, err)
			}
			want := New(m.ID())
			if err := want.DecodePayload(m.AppendPayload(nil, ver), ver); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got, addrCmp); d != "" {
				t.Errorf("%v v%d: decode(encode) differs from the layout at the header version (-want +got):\n%s", m.ID(), ver, d)
			}
		}
	}
	for id := range constructors {
		if !seen[id] {
			t.Errorf("no sample for %v", id)
		}
	}
}

// TestRoundTripExact checks that a sample survives encode/decode unchanged
// at the versions where all its fields are on the wire.
func TestRoundTripExact(t *testing.T) {
	for _, m := range samples() {
		b := Marshal(22, m)
		got, err := ReadMessage(bytes.NewReader(b), 0)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(m, got, addrCmp); d != "" {
			t.Errorf("%v: (-sent +decoded):\n%s", m.ID(), d)
		}
	}
}

func TestHeaderVersion(t *testing.T) {
	for _, tc := range []struct {
		ver  uint32
		id   MessageID
		want uint32
	}{
		{22, MsgKeepAliveAck, 0}, {22, MsgRegisterAck, 0}, {22, MsgUnregisterAck, 0},
		{22, MsgCallState, 22}, {17, MsgOpenReceiveChannel, 17}, {10, MsgCallState, 10},
		{9, MsgCallState, 0}, {0, MsgCallState, 0},
	} {
		if got := HeaderVersion(tc.ver, tc.id); got != tc.want {
			t.Errorf("HeaderVersion(%d, %v) = %d, want %d", tc.ver, tc.id, got, tc.want)
		}
	}
}

func TestReadFrameErrors(t *testing.T) {
	frame := func(n uint32, rest ...byte) []byte {
		return append(le.AppendUint32(nil, n), rest...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"empty", nil, 0, io.EOF},
		{"short header", []byte{1, 2, 3}, 0, io.ErrUnexpectedEOF},
		{"length 0", frame(0, 0, 0, 0, 0), 0, ErrFrame},
		{"length 3", frame(3, 0, 0, 0, 0), 0, ErrFrame},
		{"negative length", frame(0xFFFFFFFF, 0, 0, 0, 0), 0, ErrFrame},
		{"oversized", frame(MaxFrameSize+1, 0, 0, 0, 0), 0, ErrFrame},
		{"above caller's bound", frame(100, 0, 0, 0, 0), 64, ErrFrame},
		{"no message id", frame(4, 0, 0, 0, 0), 0, io.ErrUnexpectedEOF},
		{"partial payload", frame(12, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2), 0, io.ErrUnexpectedEOF},
	} {
		_, err := ReadMessage(bytes.NewReader(tc.in), tc.max)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestUnknownMessage(t *testing.T) {
	b := []byte{8, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x12, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF}
	m, err := ReadMessage(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := &Unknown{MsgID: 0x1234, Data: []byte{0xDE, 0xAD, 0xBE, 0xEF}}
	if d := cmp.Diff(want, m); d != "" {
		t.Fatal(d)
	}
	if got := Marshal(0, m); !bytes.Equal(got, b) {
		t.Fatalf("re-encoded % x, want % x", got, b)
	}
}

// TestShortForms: phones send shorter forms; the missing fields are zero.
func TestShortForms(t *testing.T) {
	b := []byte{4, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0} // OffHook without line/callRef
	m, err := ReadMessage(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&OffHook{}, m); d != "" {
		t.Fatal(d)
	}
	// A 36-byte Register (the minimum, §6.5.1).
	full := Marshal(0, &Register{DeviceName: "SEP001122334455", StationIP: netip.MustParseAddr("10.0.0.5"), DeviceType: 7, MaxStreams: 3, ProtocolVersion: 5})
	short := append([]byte(nil), full[:12+36]...)
	le.PutUint32(short, 40)
	m, err = ReadMessage(bytes.NewReader(short), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := &Register{DeviceName: "SEP001122334455", StationIP: netip.MustParseAddr("10.0.0.5"), DeviceType: 7, MaxStreams: 3}
	if d := cmp.Diff(want, m, addrCmp); d != "" {
		t.Fatal(d)
	}
}

func TestKeyInfoNeverPrinted(t *testing.T) {
	k := MediaEncryptionKeyInfo{Algorithm: 1, KeyLen: 16, SaltLen: 14, Key: [16]byte{0xAB, 0xCD}, Salt: [16]byte{0xEF}}
	for _, s := range []string{k.String(), k.GoString(), k.LogValue().String()} {
		if bytes.Contains([]byte(s), []byte("171")) || bytes.Contains([]byte(s), []byte("ab")) {
			t.Errorf("key material in %q", s)
		}
	}
}
