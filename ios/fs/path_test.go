package fs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	s, _, _ := testStore(t)
	tests := []struct {
		url  string
		want Path
	}{
		{"flash:", Path{"flash", ""}},
		{"flash:/", Path{"flash", ""}},
		{"flash:foo", Path{"flash", "foo"}},
		{"flash:/foo", Path{"flash", "foo"}},
		{"flash://dir//foo/", Path{"flash", "dir/foo"}},
		{"flash:./dir/./foo", Path{"flash", "dir/foo"}},
		{"flash:a/../b", Path{"flash", "b"}}, // stays inside: allowed
		{"flash:a/b/../../c", Path{"flash", "c"}},
		{"FLASH:Foo", Path{"flash", "Foo"}}, // prefixes are case-insensitive, names are not
		{"foo", Path{"flash", "foo"}},
		{"dir/foo", Path{"flash", "dir/foo"}},
		{"flash:c2800nm-adventerprisek9-mz.124-24.T.bin", Path{"flash", "c2800nm-adventerprisek9-mz.124-24.T.bin"}},
		{"flash:my file:1", Path{"flash", "my file:1"}},
		{"nvram:startup-config", Path{"nvram", "startup-config"}},
		{"nvram:private", Path{"nvram", "private"}},
		{"nvram:.privatex", Path{"nvram", ".privatex"}},
		{"flash:.private/x", Path{"flash", ".private/x"}}, // the private area is only on nvram
		{"system:running-config", Path{"system", "running-config"}},
		{"system:", Path{"system", ""}},
	}
	for _, tt := range tests {
		got, err := s.Parse(tt.url)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.url, diff)
		}
		// String is parseable back to the same path.
		if again, err := s.Parse(got.String()); err != nil || again != got {
			t.Errorf("Parse(%q) = %v, %v; want %v", got.String(), again, err, got)
		}
	}
}

func TestParseRejects(t *testing.T) {
	s, _, _ := testStore(t)
	tests := []struct {
		url  string
		want error
	}{
		{"", ErrBadPath},
		{"flash:../x", ErrBadPath},
		{"flash:..", ErrBadPath},
		{"flash:a/../../x", ErrBadPath},
		{"flash:/../../etc/passwd", ErrBadPath},
		{"flash:../../etc/passwd", ErrBadPath},
		{"../etc", ErrBadPath},
		{"/etc/passwd", ErrBadPath},
		{"flash:a\\b", ErrBadPath},
		{"flash:..\\..\\x", ErrBadPath},
		{"flash:a\x00b", ErrBadPath},
		{"flash:a\nb", ErrBadPath},
		{"flash:\xff", ErrBadPath},
		{"flash:" + string(make([]byte, 300)), ErrBadPath},
		{"flash:.cmeos-tmp-ABC", ErrBadPath},
		{"flash:dir/.cmeos-tmp-ABC", ErrBadPath},
		{"nvram:.private", ErrPrivate},
		{"nvram:.private/x", ErrPrivate},
		{"nvram:/.private/x", ErrPrivate},
		{"nvram:a/../.private/x", ErrPrivate},
		{"nvram:./.private", ErrPrivate},
		{"bogus:x", ErrUnknownFS},
		{"tftp://10.0.0.1/x", ErrUnknownFS},
		{"c:\\windows", ErrBadPath},
	}
	for _, tt := range tests {
		p, err := s.Parse(tt.url)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want error %v", tt.url, p, err, tt.want)
		}
		if tt.want == ErrPrivate {
			// Private names are also bad paths and permission errors, so
			// that callers testing for either refuse them.
			if !errors.Is(err, ErrBadPath) || !errors.Is(err, os.ErrPermission) {
				t.Errorf("Parse(%q): %v does not match ErrBadPath and ErrPermission", tt.url, err)
			}
		}
	}
}

// Paths built by hand rather than by Parse are validated again.
func TestHandBuiltPaths(t *testing.T) {
	s, flash, nvram := testStore(t)
	writeHost(t, filepath.Join(filepath.Dir(flash), "secret"), []byte("x"), time.Time{})
	if err := s.PrivateWrite("key", []byte("k")); err != nil {
		t.Fatal(err)
	}
	_ = nvram
	tests := []struct {
		p    Path
		want error
	}{
		{Path{"flash", "../secret"}, ErrBadPath},
		{Path{"flash", "/secret"}, ErrBadPath},
		{Path{"flash", "a/../../secret"}, ErrBadPath},
		{Path{"nvram", ".private/key"}, ErrPrivate},
		{Path{"bogus", "x"}, ErrUnknownFS},
	}
	for _, tt := range tests {
		if _, err := s.ReadFile(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("ReadFile(%#v) = %v; want %v", tt.p, err, tt.want)
		}
		if err := s.WriteFile(tt.p, []byte("y")); !errors.Is(err, tt.want) {
			t.Errorf("WriteFile(%#v) = %v; want %v", tt.p, err, tt.want)
		}
		if _, err := s.Copy(tt.p, Path{"flash", "copy"}); !errors.Is(err, tt.want) {
			t.Errorf("Copy(%#v) = %v; want %v", tt.p, err, tt.want)
		}
		if _, err := s.Stat(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("Stat(%#v) = %v; want %v", tt.p, err, tt.want)
		}
	}
}

// Symbolic links inside a mount that lead outside it are never followed.
func TestSymlinkEscape(t *testing.T) {
	s, flash, _ := testStore(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "passwd")
	writeHost(t, secret, []byte("root:x:0:0"), time.Time{})
	for name, target := range map[string]string{
		"abs":    secret,
		"rel":    "../../" + filepath.Base(outside) + "/passwd",
		"absdir": outside,
	} {
		if err := os.Symlink(target, filepath.Join(flash, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A relative link that escapes whatever the depth.
	if err := os.Symlink("../../../../../../../../../../../../"+outside, filepath.Join(flash, "reldir")); err != nil {
		t.Fatal(err)
	}

	for _, url := range []string{"flash:abs", "flash:rel", "flash:absdir/passwd", "flash:reldir/passwd"} {
		p := mustParse(t, s, url)
		if b, err := s.ReadFile(p); !errors.Is(err, ErrBadPath) {
			t.Errorf("ReadFile(%s) = %q, %v; want ErrBadPath", url, b, err)
		}
		if _, err := s.Copy(p, mustParse(t, s, "flash:stolen")); err == nil {
			t.Errorf("Copy(%s) succeeded", url)
		}
	}
	for _, url := range []string{"flash:absdir/new", "flash:reldir/new", "flash:absdir/passwd"} {
		if err := s.WriteFile(mustParse(t, s, url), []byte("pwned")); err == nil {
			t.Errorf("WriteFile(%s) succeeded", url)
		}
	}
	if err := s.Mkdir(mustParse(t, s, "flash:absdir/d")); err == nil {
		t.Errorf("Mkdir through a link succeeded")
	}
	// Writing to the link itself replaces the link (rename does not
	// follow it), so the outside file is untouched either way.
	s.WriteFile(mustParse(t, s, "flash:abs"), []byte("pwned"))
	if b, _ := os.ReadFile(secret); string(b) != "root:x:0:0" {
		t.Errorf("outside file = %q", b)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 1 {
		t.Errorf("outside dir has %d entries; want 1", len(ents))
	}
	// Escaping links are not listed.
	ents, err := s.List(mustParse(t, s, "flash:"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name != "abs" { // now a regular file
			t.Errorf("List shows %q", e.Name)
		}
	}
}

// On nvram, even links staying inside the directory are refused, since
// they could lead into the private area.
func TestNVRAMSymlinkToPrivate(t *testing.T) {
	s, _, nvram := testStore(t)
	if err := s.PrivateWrite("key", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".private/key", filepath.Join(nvram, "k")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".private", filepath.Join(nvram, "d")); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"nvram:k", "nvram:d/key"} {
		p := mustParse(t, s, url)
		if b, err := s.ReadFile(p); !errors.Is(err, ErrBadPath) {
			t.Errorf("ReadFile(%s) = %q, %v; want ErrBadPath", url, b, err)
		}
		if _, err := s.Copy(p, mustParse(t, s, "flash:stolen")); !errors.Is(err, ErrBadPath) {
			t.Errorf("Copy(%s) = %v; want ErrBadPath", url, err)
		}
	}
	ents, err := s.List(mustParse(t, s, "nvram:"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("List(nvram:) = %v; want nothing", ents)
	}
}
