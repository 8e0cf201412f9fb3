package capf

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzUnmarshal: no input panics; what decodes re-encodes to the same
// bytes (the format has one encoding per message), and the element
// decoders cope with any value.
func FuzzUnmarshal(f *testing.F) {
	for _, g := range goldenMessages {
		f.Add(unhex(f, g.hex))
	}
	f.Add([]byte{0x55, 1, 0, 0, 0, 1, 0, 3, 4, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.UnmarshalBinary(b); err != nil {
			if _, rerr := ReadMessage(bytes.NewReader(b), MaxBody); rerr == nil && len(b) >= HeaderSize && int(b[6])<<8|int(b[7]) == len(b)-HeaderSize {
				t.Fatalf("ReadMessage accepts what UnmarshalBinary refuses (%v)", err)
			}
			return
		}
		out, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of a decoded message: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoded\n%x\nfrom\n%x", out, b)
		}
		rm, err := ReadMessage(bytes.NewReader(b), MaxBody)
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		if diff := cmp.Diff(&m, rm); diff != "" {
			t.Fatalf("ReadMessage differs:\n%s", diff)
		}
		for _, e := range m.Elements {
			m.Uint8(e.Tag)
			m.Uint16(e.Tag)
			m.String0(e.Tag)
			DecodeCertificate(e.Value)
			DecodeSHA2Signature(e.Value)
			if s, err := DecodeSUDI(e.Value); err == nil {
				if enc, err := EncodeSUDI(s); err != nil || !bytes.Equal(enc, e.Value) {
					t.Fatalf("SUDI_DATA does not re-encode: %v", err)
				}
			}
			if ct, der, err := DecodeCertificate(e.Value); err == nil {
				if enc, err := EncodeCertificate(ct, der); err != nil || !bytes.Equal(enc, e.Value) {
					t.Fatalf("CERTIFICATE does not re-encode: %v", err)
				}
			}
		}
	})
}
