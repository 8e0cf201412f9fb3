package ctl

import (
	"bytes"
	"testing"
)

// FuzzParseSigned calls ParseSigned directly (issue 15 item 13): a .sgn
// file is read from TFTP clients' point of view and from flash. No input
// panics, and the content returned lies within the input.
func FuzzParseSigned(f *testing.F) {
	addGoldenSeeds(f)
	f.Add([]byte{1, 0, 2, 1, 2, 2, 0, 2, 0, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, content, err := ParseSigned(b)
		if err != nil {
			return
		}
		if len(content) > len(b) || !bytes.HasSuffix(b, content) {
			t.Fatalf("content (%d bytes) is not the tail of the %d-byte input", len(content), len(b))
		}
	})
}
