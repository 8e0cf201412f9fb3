package pwtype

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustKey(t testing.TB, key string) *MasterKey {
	t.Helper()
	k, err := NewMasterKey(key)
	if err != nil {
		t.Fatalf("NewMasterKey: %v", err)
	}
	return k
}

// Published type 6 strings.
var type6Vectors = []struct {
	key, enc, plain, source string
}{
	// Generated on an IOS router with master key Cisco123; quoted in
	// CiscoDevNet/Type-6-Password-Encode encode6.py ("This was a password
	// (Cisco123) generated on a router with the master_key also set to
	// Cisco123").
	{"Cisco123", "fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB", "Cisco123", "CiscoDevNet encode6.py (router)"},
	// Cisco's C encoder self-test (CiscoDevNet test_vector.c,
	// test_vector_generate_type_6); this form includes the C string's NUL.
	{"cisco123", "NdUI^_YP[VEPG[MT_bfTEFNZYFCYe\\R\\M", "password", "CiscoDevNet test_vector.c"},
	// github.com/MarcJHuber/cisco6 README samples.
	{"mySecretMasterkey", "XOUDEUYHeLGdB`UAZKX\\GK[iEgCWMZXEXN^dTGZ[UAAAB", "mySecretPassword", "MarcJHuber/cisco6 README"},
	{"mySecretMasterkey", "EEZSHGVTieg[VWEXaMCHDEePCPUKBNKKWLYN^^NSi[AAB", "mySecretPassword", "MarcJHuber/cisco6 README"},
}

func TestType6Vectors(t *testing.T) {
	for _, v := range type6Vectors {
		k := mustKey(t, v.key)
		got, err := k.Decrypt(v.enc)
		if err != nil || got != v.plain {
			t.Errorf("Decrypt(%q) = %q, %v; want %q (%s)", v.enc, got, err, v.plain, v.source)
		}
		if !k.Verify(v.enc, v.plain) || k.Verify(v.enc, v.plain+"x") {
			t.Errorf("Verify(%q) wrong (%s)", v.enc, v.source)
		}
		other := mustKey(t, v.key+"!")
		if _, err := other.Decrypt(v.enc); !errors.Is(err, ErrType6Auth) {
			t.Errorf("Decrypt(%q) with the wrong key: err = %v; want ErrType6Auth", v.enc, err)
		}
	}
}

// TestType6KnownAnswer reproduces Cisco's encoder byte for byte from its
// fixed salt (CiscoDevNet test_vector.c: key "cisco123", salt
// "NdUI^_YP[VEP", password "password" plus the C NUL terminator), and the
// router sample from its own salt.
func TestType6KnownAnswer(t *testing.T) {
	for _, tc := range []struct{ key, want, plain string }{
		{"cisco123", "NdUI^_YP[VEPG[MT_bfTEFNZYFCYe\\R\\M", "password\x00"},
		{"Cisco123", "fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB", "Cisco123"},
	} {
		saltBytes, ok := base41Words(tc.want[:12]) // 8 salt bytes = 4 triples
		if !ok || len(saltBytes) != type6SaltLen {
			t.Fatalf("bad salt in %q", tc.want)
		}
		got := base41Encode(mustKey(t, tc.key).seal([]byte(tc.plain), [8]byte(saltBytes)))
		if got != tc.want {
			t.Errorf("seal = %q; want %q", got, tc.want)
		}
	}
}

func TestType6RoundTrip(t *testing.T) {
	k := mustKey(t, "config-key-123")
	plains := []string{
		"", "a", "ab", "Cisco123", "exactly16bytes!!", "seventeen bytes!!",
		"with spaces and \\ [ ] ^ ` symbols", strings.Repeat("x", 100), strings.Repeat("y", MaxType6Len),
		"caf\u00e9 \u00fcnicode",
	}
	for _, p := range plains {
		enc, err := k.Encrypt(p)
		if err != nil {
			t.Fatalf("Encrypt(len %d): %v", len(p), err)
		}
		for i := 0; i < len(enc); i++ {
			if enc[i] < 'A' || enc[i] > 'i' {
				t.Fatalf("Encrypt output %q has %q outside A..i", enc, enc[i])
			}
		}
		// The router form: no NUL terminator, so the length is fixed by p.
		if want := 3 * ((8+len(p)+4)/2 + 1); len(enc) != want {
			t.Errorf("Encrypt(len %d) gave %d characters; want %d", len(p), len(enc), want)
		}
		dec, err := k.Decrypt(enc)
		if err != nil || dec != p {
			t.Errorf("round trip len %d: got %q, %v", len(p), dec, err)
		}
		// A second key object from the same string decrypts it too.
		if dec, err := mustKey(t, "config-key-123").Decrypt(enc); err != nil || dec != p {
			t.Errorf("second key object: %q, %v", dec, err)
		}
	}
}

func TestType6RandomSalt(t *testing.T) {
	k := mustKey(t, "Cisco123")
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		enc, err := k.Encrypt("Cisco123")
		if err != nil {
			t.Fatal(err)
		}
		if seen[enc] {
			t.Fatalf("Encrypt repeated %q", enc)
		}
		seen[enc] = true
	}
}

func TestType6WrongKey(t *testing.T) {
	enc, err := mustKey(t, "the right key").Encrypt("secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"the wrong key", "The right key", "the right key "} {
		dec, err := mustKey(t, key).Decrypt(enc)
		if !errors.Is(err, ErrType6Auth) || dec != "" {
			t.Errorf("key %q: Decrypt = %q, %v; want ErrType6Auth", key, dec, err)
		}
	}
}

func TestType6Tamper(t *testing.T) {
	k := mustKey(t, "the right key")
	enc, err := k.Encrypt("secret")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(enc); i++ {
		for _, c := range []byte{'A', 'B', 'i'} {
			if enc[i] == c {
				continue
			}
			mod := enc[:i] + string(c) + enc[i+1:]
			if dec, err := k.Decrypt(mod); err == nil && dec == "secret" {
				t.Errorf("tampered %q still decrypts", mod)
			}
		}
	}
}

func TestType6Malformed(t *testing.T) {
	k := mustKey(t, "Cisco123")
	for _, s := range []string{
		"", "A", "AB", "AAB", // too short
		"fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAA",   // not a multiple of 3
		"fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAC",  // bad terminator (0x0002)
		"fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAj",  // 'j' is past the alphabet
		"fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_M@AB",  // '@' is before it
		"iiifa`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB", // triple above 0xffff
		"fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB ", // trailing space
		strings.Repeat("AAA", 4000) + "AAB",   // too long
	} {
		dec, err := k.Decrypt(s)
		if !errors.Is(err, ErrType6Format) || dec != "" {
			t.Errorf("Decrypt(%.40q) = %q, %v; want ErrType6Format", s, dec, err)
		}
	}
}

func TestType6EncryptErrors(t *testing.T) {
	k := mustKey(t, "Cisco123")
	if _, err := k.Encrypt(strings.Repeat("x", MaxType6Len+1)); !errors.Is(err, ErrType6TooLong) {
		t.Errorf("too long: err = %v", err)
	}
	if _, err := k.Encrypt("a\x00b"); !errors.Is(err, ErrType6NUL) {
		t.Errorf("NUL: err = %v", err)
	}
}

func TestNoMasterKey(t *testing.T) {
	for _, k := range []*MasterKey{nil, {}} {
		if _, err := k.Encrypt("x"); !errors.Is(err, ErrNoMasterKey) {
			t.Errorf("Encrypt: err = %v", err)
		}
		if _, err := k.Decrypt("fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB"); !errors.Is(err, ErrNoMasterKey) {
			t.Errorf("Decrypt: err = %v", err)
		}
		if k.Verify("x", "x") {
			t.Errorf("Verify = true")
		}
	}
}

func TestNewMasterKeyLength(t *testing.T) {
	for _, key := range []string{"", "a", "1234567", "caf\u00e9123"} { // the last is 7 characters, 8 bytes
		if k, err := NewMasterKey(key); !errors.Is(err, ErrMasterKeyTooShort) || k != nil {
			t.Errorf("NewMasterKey(%q) = %v, %v; want ErrMasterKeyTooShort", key, k, err)
		}
	}
	if ErrMasterKeyTooShort.Error() != "% Master key must be at least 8 characters" {
		t.Errorf("message = %q", ErrMasterKeyTooShort.Error())
	}
	for _, key := range []string{"12345678", "caf\u00e91234"} {
		if _, err := NewMasterKey(key); err != nil {
			t.Errorf("NewMasterKey(%q): %v", key, err)
		}
	}
}

// TestMasterKeyRedacted checks that formatting a MasterKey or the errors of
// this package never shows key material or the password.
func TestMasterKeyRedacted(t *testing.T) {
	const key = "SuperSecretKey99"
	k := mustKey(t, key)
	sum := md5.Sum([]byte(key))
	out := fmt.Sprintf("%v %+v %#v %s %x %q", k, k, k, k, k, k)
	for _, bad := range []string{key, hex.EncodeToString(sum[:]), string(sum[:])} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(bad)) {
			t.Errorf("formatted MasterKey %q reveals key material", out)
		}
	}
	const pw = "hunter2secret"
	enc, _ := mustKey(t, "another key!").Encrypt(pw)
	_, err := k.Decrypt(enc)
	if err == nil || strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), enc) {
		t.Errorf("Decrypt error %v reveals its input", err)
	}
	if _, err := Type7Decode("08" + hex.EncodeToString([]byte(pw)) + "Z"); err == nil || strings.Contains(err.Error(), pw) {
		t.Errorf("Type7Decode error %v reveals its input", err)
	}
}

func ExampleMasterKey() {
	k, err := NewMasterKey("Cisco123")
	if err != nil {
		panic(err)
	}
	pw, err := k.Decrypt("fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB")
	fmt.Println(pw, err)
	// Output: Cisco123 <nil>
}

// TestType6CStringNUL checks that Decrypt ends the password at its first
// NUL, as the C implementations do.
func TestType6CStringNUL(t *testing.T) {
	k := mustKey(t, "Cisco123")
	for in, want := range map[string]string{"ab\x00": "ab", "ab\x00cd": "ab", "\x00": "", "ab\x00\x00": "ab"} {
		enc := base41Encode(k.seal([]byte(in), [8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
		if got, err := k.Decrypt(enc); err != nil || got != want {
			t.Errorf("Decrypt(seal(%q)) = %q, %v; want %q", in, got, err, want)
		}
	}
}
