package pwtype

import (
	"strings"
	"testing"
)

// FuzzType7Decode checks that Type7Decode never panics and that whatever it
// accepts with an IOS seed re-encodes to the same (upper-case) text.
func FuzzType7Decode(f *testing.F) {
	for _, v := range type7Vectors {
		f.Add(v.enc)
	}
	for _, s := range []string{"", "0", "08", "99400E4812", "0A480E051A33490E", "527626", "08zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, enc string) {
		dec, err := Type7Decode(enc)
		if err != nil {
			if dec != "" {
				t.Fatalf("error with non-empty result")
			}
			return
		}
		if len(dec) != (len(enc)-2)/2 {
			t.Fatalf("decoded length %d from %d characters", len(dec), len(enc))
		}
		seed := int(enc[0]-'0')*10 + int(enc[1]-'0')
		if seed <= Type7MaxSeed {
			re, err := Type7Encode(dec, seed)
			if err != nil || re != strings.ToUpper(enc) {
				t.Fatalf("re-encode = %q, %v; want %q", re, err, strings.ToUpper(enc))
			}
		}
	})
}

// FuzzType6Decrypt checks that Decrypt never panics on arbitrary text and
// that whatever it accepts round-trips through Encrypt.
func FuzzType6Decrypt(f *testing.F) {
	k, err := NewMasterKey("Cisco123")
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range type6Vectors {
		f.Add(v.enc)
	}
	for _, s := range []string{"", "AAB", "AAA", "iiiAAB", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", "fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAC"} {
		f.Add(s)
	}
	if enc, err := k.Encrypt("fuzz seed"); err == nil {
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, enc string) {
		dec, err := k.Decrypt(enc)
		if err != nil {
			if dec != "" {
				t.Fatalf("error with non-empty result")
			}
			return
		}
		re, err := k.Encrypt(dec)
		if err != nil {
			t.Fatalf("Encrypt of a decrypted password: %v", err)
		}
		if back, err := k.Decrypt(re); err != nil || back != dec {
			t.Fatalf("round trip: %q, %v", back, err)
		}
	})
}
