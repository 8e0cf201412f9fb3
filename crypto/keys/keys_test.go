package keys

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
)

// newSystem returns a System on fresh flash:/nvram: directories under dir.
func newSystem(t *testing.T, dir string) *config.System {
	t.Helper()
	st, err := fs.New("flash",
		fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM},
	)
	if err != nil {
		t.Fatal(err)
	}
	sys := config.New(config.Options{FS: st})
	t.Cleanup(func() { sys.Close(); st.Close() })
	return sys
}

func TestStorePersists(t *testing.T) {
	dir := t.TempDir()
	sys := newSystem(t, dir)
	s := FromSystem(sys)
	rk, err := s.GenerateRSA("tp1", 1024, true)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := s.GenerateEC("ec1", 384)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GenerateRSA("weak", 512, false); err == nil {
		t.Fatal("512-bit RSA key generated")
	}
	if _, err := s.GenerateEC("ec2", 521); err == nil {
		t.Fatal("P-521 accepted by GenerateEC")
	}
	if _, err := s.GenerateRSA("bad label", 1024, false); err == nil {
		t.Fatal("label with a space accepted")
	}
	// The files are private (0600) and hold PKCS#8 PEM.
	files, _ := filepath.Glob(filepath.Join(dir, "nvram", ".private", "key-*"))
	if len(files) != 2 {
		t.Fatalf("key files %v, want 2", files)
	}
	for _, f := range files {
		fi, _ := os.Stat(f)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f, fi.Mode())
		}
		b, _ := os.ReadFile(f)
		blk, _ := pem.Decode(b)
		if _, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// A new System on the same nvram loads them.
	sys2 := newSystem(t, dir)
	s2 := FromSystem(sys2)
	if got := strings.Join(s2.Labels(), ","); got != "ec1,tp1" {
		t.Fatalf("labels after reload %q", got)
	}
	k, _ := s2.Get("tp1")
	if !bytes.Equal(k.PublicDER(), rk.PublicDER()) || !k.Exportable || k.Bits() != 1024 || k.Type() != "RSA" {
		t.Fatalf("tp1 reloaded differs: %+v", k)
	}
	k, _ = s2.Get("ec1")
	if !bytes.Equal(k.PublicDER(), ek.PublicDER()) || k.Exportable || k.Bits() != 384 || k.Type() != "EC" {
		t.Fatalf("ec1 reloaded differs")
	}
	if err := s2.Remove("tp1"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Remove("tp1"); err == nil {
		t.Fatal("removed twice")
	}
	if got := strings.Join(FromSystem(newSystem(t, dir)).Labels(), ","); got != "ec1" {
		t.Fatalf("labels after remove and reload %q", got)
	}
}

func TestDamagedKeyFileSkipped(t *testing.T) {
	dir := t.TempDir()
	sys := newSystem(t, dir)
	if _, err := FromSystem(sys).GenerateEC("good", 256); err != nil {
		t.Fatal(err)
	}
	if err := sys.FS.PrivateWrite(fileName("bad"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(FromSystem(newSystem(t, dir)).Labels(), ","); got != "good" {
		t.Fatalf("labels %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := NewMemoryStore()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := string(rune('a' + i))
			if _, err := s.GenerateEC(l, 256); err != nil {
				t.Error(err)
			}
			s.Labels()
			s.Get(l)
		}()
	}
	wg.Wait()
	if len(s.Labels()) != 4 {
		t.Fatal(s.Labels())
	}
}

func TestExportImport(t *testing.T) {
	s := NewMemoryStore()
	k, err := s.GenerateRSA("x", 1024, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, cipher := range []string{"3des", "aes"} {
		pub, priv, err := k.ExportPEM(cipher, "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(pub, []byte("BEGIN PUBLIC KEY")) || !bytes.Contains(priv, []byte("Proc-Type: 4,ENCRYPTED")) {
			t.Fatalf("export:\n%s%s", pub, priv)
		}
		back, err := ParseEncryptedPEM(priv, "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.PublicDER(), k.PublicDER()) {
			t.Fatal("imported key differs")
		}
		if _, err := ParseEncryptedPEM(priv, "wrong"); err == nil {
			t.Fatal("wrong passphrase accepted")
		}
		// openssl reads what we export.
		if path, err := exec.LookPath("openssl"); err == nil {
			f := filepath.Join(t.TempDir(), "k.pem")
			os.WriteFile(f, priv, 0o600)
			out, err := exec.Command(path, "pkey", "-in", f, "-passin", "pass:s3cret", "-pubout", "-outform", "DER").Output()
			if err != nil || !bytes.Equal(out, k.PublicDER()) {
				t.Fatalf("openssl pkey: %v", err)
			}
		} else if os.Geteuid() == 0 {
			t.Fatal("openssl missing (scripts/deps installs it)")
		}
	}
	ne, _ := s.GenerateEC("y", 256)
	if _, _, err := ne.ExportPEM("aes", "p"); err == nil {
		t.Fatal("non-exportable key exported")
	}
	if _, err := ParseEncryptedPEM([]byte("garbage\nquit\n"), "p"); err == nil {
		t.Fatal("garbage imported")
	}
}

func TestHexDump(t *testing.T) {
	b := make([]byte, 37)
	for i := range b {
		b[i] = byte(i)
	}
	want := "  00010203 04050607 08090A0B 0C0D0E0F 10111213 14151617 18191A1B 1C1D1E1F\n  20212223 24\n"
	if got := HexDump(b, "  "); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func FuzzDecodeKey(f *testing.F) {
	k, _ := NewMemoryStore().GenerateEC("a", 256)
	b, _ := encodeKey(k)
	f.Add(b)
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeKey(b)
		ParseEncryptedPEM(b, "x")
	})
}

type lines struct{ l []string }

func (a *lines) next() (string, error) {
	if len(a.l) == 0 {
		return "", io.EOF
	}
	s := a.l[0]
	a.l = a.l[1:]
	return s, nil
}
func (a *lines) Ask(string) (string, error)       { return a.next() }
func (a *lines) AskSecret(string) (string, error) { return a.next() }
func (a *lines) Confirm(string) (bool, error)     { return true, nil }

// The console export of an exportable key imports back under another
// label (and with a wrong passphrase, not at all).
func TestExportImportCommands(t *testing.T) {
	sys := newSystem(t, t.TempDir())
	in := &lines{}
	var out bytes.Buffer
	sess := sys.NewSession("test", cli.PrivMax, &out, in)
	sess.Enter(cli.ModeConfig, nil)
	sess.Execute("crypto key generate rsa label exp modulus 1024 exportable")
	out.Reset()
	sess.Execute("crypto key export rsa exp pem terminal aes s3cret")
	text := out.String()
	pub := text[strings.Index(text, "-----BEGIN PUBLIC KEY-----"):strings.Index(text, "-----BEGIN RSA PRIVATE KEY-----")]
	priv := text[strings.Index(text, "-----BEGIN RSA PRIVATE KEY-----"):]
	paste := func() []string {
		return append(append(strings.Split(strings.TrimSpace(pub), "\n"), "quit"), append(strings.Split(strings.TrimSpace(priv), "\n"), "quit")...)
	}
	in.l = paste()
	out.Reset()
	sess.Execute("crypto key import rsa copy pem terminal wrong")
	if !strings.Contains(out.String(), "% Key import failed: wrong passphrase") {
		t.Fatalf("wrong passphrase:\n%s", out.String())
	}
	in.l = paste()
	out.Reset()
	sess.Execute("crypto key import rsa copy pem terminal s3cret")
	if !strings.Contains(out.String(), "% Key pair import succeeded.") {
		t.Fatalf("import:\n%s", out.String())
	}
	a, _ := FromSystem(sys).Get("exp")
	b, ok := FromSystem(sys).Get("copy")
	if !ok || !bytes.Equal(a.PublicDER(), b.PublicDER()) || b.Exportable {
		t.Fatal("imported key differs")
	}
}

// TestUsageKeys: usage-keys are two RSA pairs under one label (signature
// and encryption), both persisted and reloaded, both shown.
func TestUsageKeys(t *testing.T) {
	dir := t.TempDir()
	sys := newSystem(t, dir)
	var out strings.Builder
	sess := sys.NewSession("test", cli.PrivMax, &out, &lines{})
	sess.Enter(cli.ModeConfig, nil)
	sess.Execute("crypto key generate rsa usage-keys label uk modulus 1024")
	sess.End()
	if n := strings.Count(out.String(), "% Generating 1024 bit RSA keys"); n != 2 {
		t.Fatalf("%d generations:\n%s", n, out.String())
	}
	k, ok := FromSystem(sys).Get("uk")
	if !ok || k.Encryption == nil || k.Usage != UsageSplit {
		t.Fatalf("usage keys not two pairs: %+v", k)
	}
	if bytes.Equal(k.PublicDER(), k.EncryptionPublicDER()) {
		t.Fatal("signature and encryption keys are the same pair")
	}
	// Reload from the private file.
	sys2 := newSystem(t, dir)
	k2, ok := FromSystem(sys2).Get("uk")
	if !ok || k2.Encryption == nil || !bytes.Equal(k2.EncryptionPublicDER(), k.EncryptionPublicDER()) || !bytes.Equal(k2.PublicDER(), k.PublicDER()) {
		t.Fatal("usage keys not reloaded")
	}
	out.Reset()
	sess = sys2.NewSession("test", cli.PrivMax, &out, &lines{})
	sess.Execute("show crypto key mypubkey rsa uk")
	show := out.String()
	sig, enc := strings.Index(show, " Usage: Signature Key"), strings.Index(show, " Usage: Encryption Key")
	if sig < 0 || enc < sig || !strings.Contains(show[enc:], HexDump(k.EncryptionPublicDER(), "  ")) || !strings.Contains(show[:enc], HexDump(k.PublicDER(), "  ")) {
		t.Fatalf("show:\n%s", show)
	}
}
