package fs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// goldenStore reproduces the IOS documentation examples: flash: with the
// capacity of a 64 MB card (from the fake statfs), nvram: with 262136
// bytes of which 9545 are used (1234 by startup-config, the rest by a
// private key, which counts but is not listed).
func goldenStore(t *testing.T) *Store {
	t.Helper()
	s, flash, nvram := testStore(t)
	moh := filepath.Join(flash, "music-on-hold.au")
	writeHost(t, moh, nil, time.Time{})
	if err := os.Truncate(moh, 1823392); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(moh, mtime, mtime)
	if err := os.Mkdir(filepath.Join(flash, "phones"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(flash, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(flash, "empty"), mtime, mtime)
	t2 := time.Date(2024, time.March, 5, 23, 1, 2, 0, time.FixedZone("CET", 3600))
	writeHost(t, filepath.Join(flash, "phones", "SEP0011.cnf.xml"), make([]byte, 2048), t2)
	writeHost(t, filepath.Join(flash, "phones", "term41.default.loads"), make([]byte, 539), t2)
	os.Chtimes(filepath.Join(flash, "phones"), mtime, mtime) // after its files
	writeHost(t, filepath.Join(nvram, "startup-config"), make([]byte, 1234), time.Time{})
	if err := s.PrivateWrite("ssh-rsa", make([]byte, 9545-1234)); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFormatDir(t *testing.T) {
	s := goldenStore(t)
	s.RegisterVirtual("system", "running-config", func() ([]byte, error) { return make([]byte, 1906), nil })
	tests := []struct{ url, want string }{
		{"flash:", `Directory of flash:/

    1  drw-           0  Oct 25 2006 07:19:39 +00:00  empty
    2  -rw-     1823392  Oct 25 2006 07:19:39 +00:00  music-on-hold.au
    3  drw-           0  Oct 25 2006 07:19:39 +00:00  phones

64016384 bytes total (40173568 bytes free)
`},
		{"flash:/phones/", `Directory of flash:/phones/

    1  -rw-        2048  Mar  5 2024 22:01:02 +00:00  SEP0011.cnf.xml
    2  -rw-         539  Mar  5 2024 22:01:02 +00:00  term41.default.loads

64016384 bytes total (40173568 bytes free)
`},
		{"flash:empty", `Directory of flash:/empty/

No files in directory

64016384 bytes total (40173568 bytes free)
`},
		{"flash:music-on-hold.au", `Directory of flash:/music-on-hold.au

    2  -rw-     1823392  Oct 25 2006 07:19:39 +00:00  music-on-hold.au

64016384 bytes total (40173568 bytes free)
`},
		{"nvram:", `Directory of nvram:/

  253  -rw-        1234                    <no date>  startup-config

262136 bytes total (252591 bytes free)
`},
		{"system:", `Directory of system:/

    1  -rw-        1906                    <no date>  running-config

No space information available
`},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := s.FormatDir(&b, mustParse(t, s, tt.url)); err != nil {
			t.Errorf("FormatDir(%s): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, b.String()); diff != "" {
			t.Errorf("FormatDir(%s) mismatch (-want +got):\n%s", tt.url, diff)
		}
	}

	// The documentation example, with only its two entries.
	if err := os.Remove(filepath.Join(s.lookup("flash").Dir, "empty")); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.FormatDir(&b, mustParse(t, s, "flash:")); err != nil {
		t.Fatal(err)
	}
	want := `Directory of flash:/

    1  -rw-     1823392  Oct 25 2006 07:19:39 +00:00  music-on-hold.au
    2  drw-           0  Oct 25 2006 07:19:39 +00:00  phones

64016384 bytes total (40173568 bytes free)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("FormatDir(flash:) mismatch (-want +got):\n%s", diff)
	}

	b.Reset()
	err := s.FormatDir(&b, mustParse(t, s, "flash:x"))
	if !errors.Is(err, ErrNotFound) || b.Len() != 0 {
		t.Errorf("FormatDir(flash:x) = %v, %q", err, b.String())
	}
	if got, want := IOSError("opening", mustParse(t, s, "flash:x"), err), "%Error opening flash:/x (No such file or directory)"; got != want {
		t.Errorf("IOSError = %q; want %q", got, want)
	}
}

func TestFormatFileSystems(t *testing.T) {
	s := goldenStore(t)
	var b strings.Builder
	if err := s.FormatFileSystems(&b); err != nil {
		t.Fatal(err)
	}
	want := `File Systems:

     Size(b)     Free(b)      Type  Flags  Prefixes
           -           -    opaque     rw   system:
*   64016384    40173568      disk     rw   flash:#
      262136      252591     nvram     rw   nvram:
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("show file systems mismatch (-want +got):\n%s", diff)
	}
}

func TestFormatFileSystemsAlias(t *testing.T) {
	base := t.TempDir()
	s, err := New("flash",
		Mount{Prefix: "system", Kind: KindOpaque},
		Mount{Prefix: "flash", Dir: filepath.Join(base, "flash"), Size: 64016384},
		Mount{Prefix: "slot0", AliasOf: "flash"},
		Mount{Prefix: "nvram", Dir: filepath.Join(base, "nvram"), Kind: KindNVRAM, Size: 262136},
		Mount{Prefix: "rom", Dir: filepath.Join(base, "rom"), ReadOnly: true},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.statfs = func(string) (int64, int64, error) { return 0, 0, errors.New("statfs: broken") }
	if err := s.WriteFile(Path{"flash", "c2800.bin"}, make([]byte, 16384)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.FormatFileSystems(&b); err != nil {
		t.Fatal(err)
	}
	want := `File Systems:

     Size(b)     Free(b)      Type  Flags  Prefixes
           -           -    opaque     rw   system:
*   64016384    63999999      disk     rw   flash:#
    64016384    63999999      disk     rw   slot0:
      262136      262136     nvram     rw   nvram:
           -           -      disk     ro   rom:
`
	want = strings.ReplaceAll(want, "63999999", fmt.Sprint(64016384-16384))
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("show file systems mismatch (-want +got):\n%s", diff)
	}
	b.Reset()
	if err := s.FormatDir(&b, Path{"rom", ""}); err != nil {
		t.Fatal(err)
	}
	if want := "Directory of rom:/\n\nNo files in directory\n\nNo space information available\n"; b.String() != want {
		t.Errorf("dir rom: = %q; want %q", b.String(), want)
	}
}

func TestIOSError(t *testing.T) {
	s, _, _ := testStore(t)
	p := func(url string) Path { return mustParse(t, s, url) }
	if err := s.Mkdir(p("flash:d")); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(p("flash:d/f"), nil); err != nil {
		t.Fatal(err)
	}
	private, privErr := s.Parse("nvram:.private/ssh-rsa")
	_, badErr := s.Parse("flash:../../etc/passwd")
	_, unknownErr := s.Parse("bogus:x")
	tests := []struct {
		op   string
		p    Path
		err  error
		want string
	}{
		{"opening", p("flash:x"), func() error { _, err := s.ReadFile(p("flash:x")); return err }(), "%Error opening flash:/x (No such file or directory)"},
		{"deleting", p("flash:x"), s.Remove(p("flash:x")), "%Error deleting flash:/x (No such file or directory)"},
		{"deleting", p("flash:d"), s.Remove(p("flash:d")), "%Error deleting flash:/d (Directory not empty)"},
		{"parsing", Path{}, badErr, "%Error parsing filename (Invalid argument)"},
		{"parsing", Path{}, unknownErr, "%Error parsing filename (No such device)"},
		{"opening", private, privErr, "%Error opening nvram:/.private/ssh-rsa (Permission denied)"},
		{"renaming", p("flash:x"), s.Rename(p("flash:x"), p("flash:y")), "%Error renaming flash:/x (No such file or directory)"},
		{"renaming", p("flash:d/f"), s.Rename(p("flash:d/f"), p("nvram:f")), "%Error renaming flash:/d/f (Invalid cross-device link)"},
		{"creating directory", p("flash:d"), s.Mkdir(p("flash:d")), "%Error creating directory flash:/d (File exists)"},
		{"opening", p("flash:d"), func() error { _, err := s.ReadFile(p("flash:d")); return err }(), "%Error opening flash:/d (Is a directory)"},
		{"opening", p("flash:d/f/g"), func() error { _, err := s.ReadFile(p("flash:d/f/g")); return err }(), "%Error opening flash:/d/f/g (Not a directory)"},
		{"copying", p("system:running-config"), s.WriteFile(p("system:running-config"), nil), "%Error copying system:/running-config (Read-only file system)"},
		{"opening", p("flash:x"), os.ErrPermission, "%Error opening flash:/x (Permission denied)"},
		{"opening", p("flash:x"), errors.New("weird"), "%Error opening flash:/x (I/O error)"},
		{"opening", p("flash:x"), nil, ""},
	}
	for _, tt := range tests {
		if got := IOSError(tt.op, tt.p, tt.err); got != tt.want {
			t.Errorf("IOSError(%q, %v, %v) = %q; want %q", tt.op, tt.p, tt.err, got, tt.want)
		}
	}
}
