package aaa_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"cmeos/ios/aaa"
	"cmeos/ios/aaa/pwtype"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	_ "cmeos/ios/system"
)

func newSystem(t *testing.T, root string) *config.System {
	t.Helper()
	return configtest.NewSystem(t, configtest.StoreAt(t, root), nil, "")
}

// answers replies to questions from a list.
type answers []string

func (a *answers) next() (string, error) {
	if len(*a) == 0 {
		return "", io.EOF
	}
	s := (*a)[0]
	*a = (*a)[1:]
	return s, nil
}
func (a *answers) Ask(string) (string, error)       { return a.next() }
func (a *answers) AskSecret(string) (string, error) { return a.next() }
func (a *answers) Confirm(string) (bool, error)     { s, err := a.next(); return s == "" || s == "y", err }

func run(t *testing.T, sys *config.System, in *answers, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	s := sys.NewSession("test", 15, &out, in)
	s.Execute("configure terminal")
	for _, l := range lines {
		s.Execute(l)
	}
	return out.String()
}

// TestType6 checks the type 6 life cycle: a password stored by a feature
// renders as type 6 once `password encryption aes` and a master key are
// set, decrypts to the same text, re-encrypts when the key changes, and
// survives a restart (the master key is in private NVRAM).
func TestType6(t *testing.T) {
	root := t.TempDir()
	sys := newSystem(t, root)
	run(t, sys, nil, "key config-key password-encrypt cisco123", "password encryption aes")
	sys.Lock()
	p, err := aaa.ParsePassword(sys, 0, "Secr3tPass")
	if err != nil {
		t.Fatal(err)
	}
	r1 := p.Render(sys, true, false)
	r1again := p.Render(sys, true, false)
	plainForm := p.Render(sys, false, false)
	type7 := p.Render(sys, false, true)
	sys.Unlock()
	if !strings.HasPrefix(r1, "6 ") || r1 != r1again {
		t.Fatalf("type 6 rendering %q / %q", r1, r1again)
	}
	if plainForm != "0 Secr3tPass" || !strings.HasPrefix(type7, "7 ") {
		t.Errorf("no-encrypt forms: %q %q", plainForm, type7)
	}
	k, _ := pwtype.NewMasterKey("cisco123")
	if dec, err := k.Decrypt(strings.TrimPrefix(r1, "6 ")); err != nil || dec != "Secr3tPass" {
		t.Fatalf("type 6 text does not decrypt with the master key: %q %v", dec, err)
	}
	// Changing the key interactively: old, new, confirm.
	out := run(t, sys, &answers{"wrongkey1", "x"}, "key config-key password-encrypt")
	if !strings.Contains(out, "% Invalid key entered") {
		t.Errorf("wrong old key accepted:\n%s", out)
	}
	out = run(t, sys, &answers{"cisco123", "newkey456", "newkey457"}, "key config-key password-encrypt")
	if !strings.Contains(out, "% Key mismatch") {
		t.Errorf("mismatched confirmation accepted:\n%s", out)
	}
	run(t, sys, &answers{"cisco123", "newkey456", "newkey456"}, "key config-key password-encrypt")
	sys.Lock()
	r2 := p.Render(sys, true, false)
	sys.Unlock()
	k2, _ := pwtype.NewMasterKey("newkey456")
	if dec, err := k2.Decrypt(strings.TrimPrefix(r2, "6 ")); err != nil || dec != "Secr3tPass" || r2 == r1 {
		t.Fatalf("not re-encrypted under the new key: %q (%v)", r2, err)
	}
	// A type 6 string parses back with the key from private NVRAM after a restart.
	sys2 := newSystem(t, root)
	sys2.Lock()
	p2, err := aaa.ParsePassword(sys2, 6, strings.TrimPrefix(r2, "6 "))
	sys2.Unlock()
	if err != nil || p2.Plain() != "Secr3tPass" {
		t.Fatalf("type 6 after restart: %v", err)
	}
	// Removing the master key asks first; afterwards type 6 input is refused.
	run(t, sys2, &answers{"yes"}, "no key config-key password-encrypt")
	sys2.Lock()
	_, err = aaa.ParsePassword(sys2, 6, strings.TrimPrefix(r2, "6 "))
	sys2.Unlock()
	if err == nil {
		t.Error("type 6 accepted with no master key")
	}
}

func TestType1IsType7(t *testing.T) {
	sys := newSystem(t, t.TempDir())
	sys.Lock()
	defer sys.Unlock()
	// Reference §6.6: the seed values all decode to cisco123.
	for _, enc := range []string{"0822455D0A16544541", "00071A1507545A545C", "094F471A1A0A464058"} {
		p, err := aaa.ParsePassword(sys, 1, enc)
		if err != nil || p.Plain() != "cisco123" {
			t.Errorf("type 1 %s: %v", enc, err)
		}
	}
	if _, err := aaa.ParsePassword(sys, 1, "mypassword"); err == nil {
		t.Error("type 1 clear text accepted")
	}
}

func TestSecretTypesVerify(t *testing.T) {
	sys := newSystem(t, t.TempDir())
	out := run(t, sys, nil,
		"username a secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM",
		"username b secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
		"username c secret 8 $8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs",
		"username d algorithm-type sha256 secret Plain9text",
		"username e password 7 0822455D0A16",
		"enable algorithm-type md5 secret En4ble")
	if strings.Contains(out, "%") || strings.Contains(out, "ERROR") {
		t.Fatalf("config output:\n%s", out)
	}
	for _, tc := range []struct{ user, pass string }{{"a", "cisco"}, {"b", "cisco"}, {"c", "cisco"}, {"d", "Plain9text"}, {"e", "cisco"}} {
		if _, err := aaa.CheckLocal(sys, tc.user, tc.pass, "test"); err != nil {
			t.Errorf("user %s: %v", tc.user, err)
		}
		if _, err := aaa.CheckLocal(sys, tc.user, tc.pass+"x", "test"); err == nil {
			t.Errorf("user %s: wrong password accepted", tc.user)
		}
	}
	sys.Lock()
	rendered := sys.RenderFeatures()
	ok := aaa.VerifyEnable(sys, "En4ble") && !aaa.VerifyEnable(sys, "en4ble")
	sys.Unlock()
	if !ok {
		t.Error("enable secret does not verify")
	}
	for _, want := range []string{"username d secret 8 $8$", "enable secret 5 $1$", "username e password 7 0822455D0A16"} {
		if !strings.Contains(rendered, want) {
			t.Errorf("rendering lacks %q:\n%s", want, rendered)
		}
	}
}
