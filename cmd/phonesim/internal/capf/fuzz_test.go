package capf

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

// FuzzRead: the phone's decoder never panics, never reads past its limit,
// and what it decodes re-encodes to the same bytes.
func FuzzRead(f *testing.F) {
	for _, m := range []message{
		{cmdAuthRequest, 1, []element{{tagVersion, []byte{3}}, {8, []byte{0}}}},
		{cmdKeyGenRequest, 2, []element{{tagKeySize, []byte{4, 0}}, {tagKeyType, []byte{0}}}},
		{cmdStoreCertReq, 3, []element{{tagCertType, []byte{1}}, {tagCert, wrapCert(CertLSC, []byte{0x30, 0})}}},
		{cmdEndSession, 4, []element{{tagReason, []byte{1}}}},
	} {
		b, err := encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := read(bytes.NewReader(b))
		if err != nil {
			return
		}
		out, err := encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, b[:len(out)]) {
			t.Fatalf("re-encoded %x from %x", out, b)
		}
		for _, e := range m.elements {
			unwrapCert(e.value)
		}
	})
}

// FuzzDecryptConfig: no .enc.sgn, however damaged, panics the decryptor.
func FuzzDecryptConfig(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{1, 0, 2, 2, 0, 0, 2, 0, 2, 0, 12, 16, 0, 0, 13})
	f.Add([]byte{1, 0, 2, 2, 0, 2, 0, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		DecryptConfig(b, key)
	})
}
