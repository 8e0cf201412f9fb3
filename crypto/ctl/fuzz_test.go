package ctl

import (
	"bytes"
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func addGoldenSeeds(f *testing.F) {
	for _, name := range []string{"golden.tlv", "golden.sgn"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzUnmarshal: no input panics, and whatever decodes re-encodes to bytes
// that decode to the same File (and re-encode to themselves).
func FuzzUnmarshal(f *testing.F) {
	addGoldenSeeds(f)
	f.Add([]byte{1, 0, 2, 1, 2, 2, 0, 2, 0, 12, 13, 13, 1, 0, 2, 0, 10, 4, 0, 2, 0, 21})
	f.Add([]byte{1, 0, 2, 1, 0, 2, 0, 2, 0, 10})
	f.Fuzz(func(t *testing.T, b []byte) {
		var f1 File
		if err := f1.UnmarshalBinary(b); err != nil {
			return
		}
		m1, err := f1.MarshalBinary()
		if err != nil {
			// A decoded header or record close to 64 KiB can grow when
			// re-encoded: absent mandatory elements and missing NULs are
			// written out. Only that may fail.
			if !strings.Contains(err.Error(), "does not fit") {
				t.Fatalf("MarshalBinary of a decoded file: %v", err)
			}
			return
		}
		var f2 File
		if err := f2.UnmarshalBinary(m1); err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if diff := cmp.Diff(f1, f2); diff != "" {
			t.Fatalf("decode(encode(decode(b))) differs (-first +second):\n%s", diff)
		}
		m2, err := f2.MarshalBinary()
		if err != nil || !bytes.Equal(m1, m2) {
			t.Fatalf("encoding is not stable: %v", err)
		}
		// Dump must cope with anything that decodes.
		if err := Dump(&bytes.Buffer{}, &f1, nil); err != nil {
			t.Fatalf("Dump: %v", err)
		}
		// And ParseSigned with any header that decodes.
		if _, _, err := ParseSigned(b); err != nil {
			t.Fatalf("ParseSigned fails on a decodable file: %v", err)
		}
	})
}

// FuzzVerify: no input panics, and anything that verifies against the
// golden signers carries exactly the golden content. (The SIGNATURE
// element itself is not signed, so the fuzzer may legitimately move it
// within the header; the decoded File must still be the golden one.)
func FuzzVerify(f *testing.F) {
	addGoldenSeeds(f)
	ids := identities(f)
	want, _ := signGolden(f, crypto.SHA1)
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := Verify(b, ids["sast1"].cert); err == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Verify accepted a different file (-golden +got):\n%s", diff)
			}
		}
		if _, err := Verify(b); err == nil {
			// Self-signed files are fine, but they must re-encode.
			var g File
			if err := g.UnmarshalBinary(b); err != nil {
				t.Fatalf("verified file does not decode: %v", err)
			}
		}
		if h, content, err := VerifySigned(b, ids["tftp"].cert); err == nil {
			if !bytes.Equal(content, goldenSGNContent) || h.Filename != "SEP001122334455.cnf.xml.sgn" {
				t.Fatalf("VerifySigned accepted other content: %q, %q", h.Filename, content)
			}
		}
	})
}
