package fs

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that every accepted URL names a clean path inside its
// mount's root, outside the private area, and that String round-trips.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"flash:", "flash:/", "flash:foo", "flash:/dir/foo", "foo", "dir/../foo",
		"nvram:startup-config", "system:running-config", "flash:../x",
		"flash:a/../../x", "flash:/../../etc/passwd", "../etc", "flash:a\\b",
		"flash:a\x00", "nvram:.private/x", "nvram:a/../.private", "bogus:x",
		"/etc/passwd", "flash:.//./a/b/../c/", "FLASH:x:y", "nvram://.private",
	} {
		f.Add(seed)
	}
	base := f.TempDir()
	s, err := New("flash",
		Mount{Prefix: "system", Kind: KindOpaque},
		Mount{Prefix: "flash", Dir: filepath.Join(base, "flash")},
		Mount{Prefix: "slot0", AliasOf: "flash"},
		Mount{Prefix: "nvram", Dir: filepath.Join(base, "nvram"), Kind: KindNVRAM, Size: 1},
	)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })

	f.Fuzz(func(t *testing.T, url string) {
		p, err := s.Parse(url)
		if err != nil {
			if !errors.Is(err, ErrBadPath) && !errors.Is(err, ErrUnknownFS) {
				t.Fatalf("Parse(%q): unexpected error %v", url, err)
			}
			return
		}
		m := s.lookup(p.Prefix)
		if m == nil || m.Prefix != p.Prefix {
			t.Fatalf("Parse(%q) = %#v: unknown prefix", url, p)
		}
		if p.Name != "" {
			if path.Clean(p.Name) != p.Name || path.IsAbs(p.Name) || strings.ContainsAny(p.Name, "\\\x00") {
				t.Fatalf("Parse(%q) = %#v: name not clean", url, p)
			}
			for e := range strings.SplitSeq(p.Name, "/") {
				if e == ".." || e == "." || e == "" {
					t.Fatalf("Parse(%q) = %#v: bad element %q", url, p, e)
				}
			}
		}
		if m.Dir != "" {
			host := filepath.Join(m.Dir, filepath.FromSlash(p.Name))
			rel, err := filepath.Rel(m.Dir, host)
			if err != nil || !within(m.Dir, host) || rel == ".." || strings.HasPrefix(rel, "../") {
				t.Fatalf("Parse(%q) = %#v resolves to %s, outside %s", url, p, host, m.Dir)
			}
			if m.private && within(filepath.Join(m.Dir, privateDir), host) {
				t.Fatalf("Parse(%q) = %#v reaches the private area", url, p)
			}
		}
		if again, err := s.Parse(p.String()); err != nil || again != p {
			t.Fatalf("Parse(%q) = %#v, but Parse(%q) = %#v, %v", url, p, p.String(), again, err)
		}
		if _, _, err := s.resolve(p); err != nil {
			t.Fatalf("resolve(%#v) after Parse(%q): %v", p, url, err)
		}
	})
}
