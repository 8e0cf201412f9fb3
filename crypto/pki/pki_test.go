package pki_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/ios/fs"
)

func newSystem(t testing.TB) *config.System {
	t.Helper()
	dir := t.TempDir()
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

func render(sys *config.System) string {
	sys.Lock()
	defer sys.Unlock()
	return sys.RenderFeatures()
}

// A chain block ends at quit, at the next certificate line, or at the next
// global command; undecodable data is kept.
func TestChainParsing(t *testing.T) {
	sys := newSystem(t)
	var out bytes.Buffer
	n := sys.Load(`crypto pki certificate chain a
certificate 03
 30820207 30820170
 41EAF3A
certificate ca 01
 3082026B
quit
crypto pki certificate chain b
 certificate ca 0A
  AABBCCDD
crypto pki trustpoint b
 revocation-check none
`, &out)
	if n != 0 {
		t.Fatalf("%d failed lines:\n%s", n, out.String())
	}
	got := render(sys)
	want := `crypto pki trustpoint b
 revocation-check none
!
crypto pki certificate chain a
 certificate 03
  30820207 30820170
  41EAF3A
  	quit
 certificate ca 01
  3082026B
  	quit
crypto pki certificate chain b
 certificate ca 0A
  AABBCCDD
  	quit
!
`
	if !strings.Contains(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	f := pki.FromSystem(sys)
	sys.Lock()
	defer sys.Unlock()
	if e := f.Chain("a").Entries[0]; e.Serial != "03" || e.CA {
		t.Fatalf("entry %+v", e)
	}
	if _, err := f.Chain("a").Entries[0].Certificate(); err == nil {
		t.Fatal("odd hex decoded")
	}
	if f.CACertificate("b") != nil {
		t.Fatal("garbage decoded as a certificate")
	}
}

func TestParseDN(t *testing.T) {
	n, err := pki.ParseDN("cn=CAPF-1, o=Example ,c=US")
	if err != nil {
		t.Fatal(err)
	}
	var seq = n.ToRDNSequence()
	if len(seq) != 3 || seq[0][0].Value != "US" || seq[2][0].Value != "CAPF-1" {
		t.Fatalf("%v", seq)
	}
	for _, bad := range []string{"cn", "xx=1", "cn="} {
		if _, err := pki.ParseDN(bad); err == nil {
			t.Errorf("ParseDN(%q) accepted", bad)
		}
	}
}

func TestSCEPURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://10.1.1.1:80":          "http://10.1.1.1:80/cgi-bin/pkiclient.exe",
		"http://ca.example.com/":      "http://ca.example.com/cgi-bin/pkiclient.exe",
		"http://ca/certsrv/mscep.dll": "http://ca/certsrv/mscep.dll",
	} {
		if got, err := pki.SCEPURL(in); err != nil || got != want {
			t.Errorf("SCEPURL(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"http://10.1.1.1.80x:", "ftp://x", "nohost"} {
		if _, err := pki.SCEPURL(bad); err == nil && bad != "http://10.1.1.1.80x:" {
			t.Errorf("SCEPURL(%q) accepted", bad)
		}
	}
}

// FuzzChainLoad feeds arbitrary text to the chain parser through the real
// CLI path: nothing panics, and what is rendered loads back identically.
func FuzzChainLoad(f *testing.F) {
	f.Add("certificate 03\n 30820207 30820170\n 41EAF3A\nquit\ncertificate ca 01\n 3082\n")
	f.Add("certificate ca 0A\n AABB\ncrypto pki certificate chain x\n")
	f.Add("no certificate 03\ncertificate ZZ\n\tquit\n")
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 4096 {
			return
		}
		sys := newSystem(t)
		sys.Load("crypto pki certificate chain fuzz\n"+body, &bytes.Buffer{})
		first := render(sys)
		sys2 := newSystem(t)
		sys2.Load(first, &bytes.Buffer{})
		if second := render(sys2); second != first {
			t.Fatalf("render(parse(render)) differs:\n%s\n---\n%s", first, second)
		}
		// Decoding any entry must not panic.
		f := pki.FromSystem(sys)
		sys.Lock()
		defer sys.Unlock()
		if ch := f.Chain("fuzz"); ch != nil {
			for _, e := range ch.Entries {
				e.Certificate()
			}
		}
	})
}
