package pwtype

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

var type5Vectors = []struct {
	plain, hash, source string
}{
	// The classic IOS "enable secret cisco" line, published in many
	// configs and guides; also "openssl passwd -1 -salt mERr cisco".
	{"cisco", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "public IOS configs"},
	// Root-Me "Cisco salted password" challenge, as solved in
	// github.com/ShundaZhang/CTF rootme/crypto/ciscosaltedpassword/dec.py.
	{"dolphinsforever", "$1$mERr$A419.HL58lq743wXS4kSM1", "root-me challenge"},
	{"P@ssw0rd!1", "$1$mERr$yhf7f2RnC74CxKANvoekD.", "root-me challenge"},
}

func TestType5Vectors(t *testing.T) {
	for _, v := range type5Vectors {
		salt, _ := splitCrypt(v.hash, "$1$")
		if got := Type5Hash(v.plain, salt); got != v.hash {
			t.Errorf("Type5Hash(%q, %q) = %q; want %q (%s)", v.plain, salt, got, v.hash, v.source)
		}
		if !Verify(Type5, v.hash, v.plain) {
			t.Errorf("Verify(5, %q) rejected the right password", v.hash)
		}
		if Verify(Type5, v.hash, v.plain+" ") {
			t.Errorf("Verify(5, %q) accepted a wrong password", v.hash)
		}
	}
}

func TestType5SaltHandling(t *testing.T) {
	want := "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"
	for _, salt := range []string{"mERr", "$1$mERr", "mERr$", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"} {
		if got := Type5Hash("cisco", salt); got != want {
			t.Errorf("Type5Hash(cisco, %q) = %q; want %q", salt, got, want)
		}
	}
	long := Type5Hash("cisco", "abcdefghijkl")
	if !strings.HasPrefix(long, "$1$abcdefgh$") || long != Type5Hash("cisco", "abcdefgh") {
		t.Errorf("salt not truncated to 8: %q", long)
	}
}

func TestNewType5(t *testing.T) {
	h, err := NewType5("Cisco123")
	if err != nil {
		t.Fatal(err)
	}
	// "$1$" + 4 salt + "$" + 22 digest characters.
	if len(h) != 3+4+1+22 || !strings.HasPrefix(h, "$1$") || h[7] != '$' {
		t.Fatalf("NewType5 = %q: bad shape", h)
	}
	for _, c := range h[3:7] + h[8:] {
		if !strings.ContainsRune(ciscoAlphabet, c) {
			t.Fatalf("NewType5 = %q: character %q outside [./0-9A-Za-z]", h, c)
		}
	}
	if !Verify(Type5, h, "Cisco123") || Verify(Type5, h, "cisco123") {
		t.Fatalf("Verify(5) wrong for NewType5 output")
	}
	if h2, _ := NewType5("Cisco123"); h2 == h {
		t.Errorf("two NewType5 calls gave the same hash %q", h)
	}
}

func TestType5VerifyMalformed(t *testing.T) {
	for _, s := range []string{"", "$1$", "$1$$", "$1$abc", "$1$abc$", "$5$abc$def", "1$mERr$hx5rVt7rPNoS4wqbXKX7m0"} {
		if Verify(Type5, s, "cisco") {
			t.Errorf("Verify(5, %q) = true", s)
		}
	}
}

// TestType5OpenSSL checks Type5Hash against "openssl passwd -1" for random
// passwords and salts. scripts/deps installs openssl in CI.
func TestType5OpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl not found (scripts/deps installs it): %v", err)
	}
	const pwChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*()_+=-[]{};:,.<>/?~ "
	r := rand.New(rand.NewPCG(5, 1))
	n := 24
	if testing.Short() {
		n = 6
	}
	for i := 0; i < n; i++ {
		pw := make([]byte, 1+r.IntN(40))
		for j := range pw {
			pw[j] = pwChars[r.IntN(len(pwChars))]
		}
		pw[0] = 'p' // keep leading/trailing bytes unambiguous for -stdin
		pw[len(pw)-1] = 'q'
		salt := make([]byte, 1+r.IntN(8))
		for j := range salt {
			salt[j] = ciscoAlphabet[r.IntN(64)]
		}
		cmd := exec.Command(openssl, "passwd", "-1", "-salt", string(salt), "-stdin")
		cmd.Stdin = strings.NewReader(string(pw) + "\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl passwd: %v: %s", err, stderr.String())
		}
		want := strings.TrimSpace(string(out))
		if got := Type5Hash(string(pw), string(salt)); got != want {
			t.Errorf("case %d (len %d, salt %q): Type5Hash = %q; openssl = %q", i, len(pw), salt, got, want)
		}
	}
}

func ExampleType5Hash() {
	fmt.Println(Type5Hash("cisco", "mERr"))
	// Output: $1$mERr$hx5rVt7rPNoS4wqbXKX7m0
}
