package trust_test

import (
	"crypto"
	"testing"

	"cmeos/cmd/phonesim/internal/trust"
	"cmeos/crypto/ctl"
)

// FuzzAgreesWithBox is a differential test: the phone's decoder and the
// box's (crypto/ctl), written separately from the same description, must
// accept and reject the same trust-list structures.
func FuzzAgreesWithBox(fz *testing.F) {
	f := newFixture(fz)
	fz.Add(f.sign(fz, crypto.SHA1))
	fz.Add(f.sign(fz, crypto.SHA512))
	fz.Fuzz(func(t *testing.T, b []byte) {
		l, err1 := trust.ParseList(b)
		var g ctl.File
		err2 := g.UnmarshalBinary(b)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("phone decoder: %v; box decoder: %v", err1, err2)
		}
		if err1 == nil && len(l.Records) != len(g.Records) {
			t.Fatalf("phone decoder sees %d records, box %d", len(l.Records), len(g.Records))
		}
	})
}

// FuzzSignedAgreesWithBox is the same for .sgn headers.
func FuzzSignedAgreesWithBox(fz *testing.F) {
	f := newFixture(fz)
	b, _ := ctl.SignFile([]byte("<device/>"), "SEP001122334455.cnf.xml.sgn", f.keyTFTP, f.tftp, crypto.SHA1, now)
	fz.Add(b)
	enc, err := ctl.EncryptFile([]byte("<device/>"), "SEP001122334455.cnf.xml.enc.sgn", f.tftp, f.keyTFTP, f.tftp, crypto.SHA1, now)
	if err != nil {
		fz.Fatal(err)
	}
	fz.Add(enc)
	fz.Fuzz(func(t *testing.T, b []byte) {
		s, err1 := trust.ParseSigned(b)
		_, content, err2 := ctl.ParseSigned(b)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("phone decoder: %v; box decoder: %v", err1, err2)
		}
		if err1 == nil && len(s.Content) != len(content) {
			t.Fatalf("content %d bytes, box %d", len(s.Content), len(content))
		}
	})
}
