package fs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var mtime = time.Date(2006, time.October, 25, 7, 19, 39, 0, time.UTC)

func TestListHidesPrivateAndTemp(t *testing.T) {
	s, flash, nvram := testStore(t)
	writeHost(t, filepath.Join(flash, "b.txt"), []byte("bb"), mtime)
	writeHost(t, filepath.Join(flash, "a.txt"), []byte("a"), mtime)
	writeHost(t, filepath.Join(flash, tmpPrefix+"XYZ"), []byte("partial"), mtime)
	writeHost(t, filepath.Join(flash, "d", tmpPrefix+"XYZ"), []byte("partial"), mtime)
	writeHost(t, filepath.Join(flash, "d", "x"), []byte("xyz"), mtime)
	os.Chtimes(filepath.Join(flash, "d"), mtime, mtime)
	writeHost(t, filepath.Join(nvram, "startup-config"), []byte("!\nend\n"), mtime)
	writeHost(t, filepath.Join(nvram, "vlan.dat"), []byte("v"), mtime)
	writeHost(t, filepath.Join(nvram, tmpPrefix+"1"), []byte("v"), mtime)
	if err := s.PrivateWrite("ssh-host-key", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(flash, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		url  string
		want []Entry
	}{
		{"flash:", []Entry{
			{Index: 1, Name: "a.txt", Size: 1, ModTime: mtime, Mode: "-rw-"},
			{Index: 2, Name: "b.txt", Size: 2, ModTime: mtime, Mode: "-rw-"},
			{Index: 3, Name: "d", Dir: true, ModTime: mtime, Mode: "drw-"},
		}},
		{"flash:d", []Entry{{Index: 1, Name: "x", Size: 3, ModTime: mtime, Mode: "-rw-"}}},
		{"nvram:", []Entry{
			{Index: 253, Name: "startup-config", Size: 6, Mode: "-rw-"},
			{Index: 1, Name: "vlan.dat", Size: 1, Mode: "-rw-"},
		}},
		{"system:", nil},
	}
	for _, tt := range tests {
		got, err := s.List(mustParse(t, s, tt.url))
		if err != nil {
			t.Errorf("List(%s): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("List(%s) mismatch (-want +got):\n%s", tt.url, diff)
		}
	}

	for url, want := range map[string]error{
		"flash:nope":  ErrNotFound,
		"flash:a.txt": ErrNotDir,
		"system:x":    ErrNotFound,
	} {
		if _, err := s.List(mustParse(t, s, url)); !errors.Is(err, want) {
			t.Errorf("List(%s) = %v; want %v", url, err, want)
		}
	}
	if _, err := s.ReadFile(mustParse(t, s, "flash:fifo")); !errors.Is(err, ErrBadPath) {
		t.Errorf("ReadFile(fifo) = %v; want ErrBadPath", err)
	}
}

func TestStat(t *testing.T) {
	s, flash, _ := testStore(t)
	writeHost(t, filepath.Join(flash, "b"), []byte("bb"), mtime)
	writeHost(t, filepath.Join(flash, "a"), []byte("a"), mtime)
	s.RegisterVirtual("system", "running-config", func() ([]byte, error) { return []byte("hostname R1\n"), nil })
	tests := []struct {
		url  string
		want Entry
		err  error
	}{
		{"flash:b", Entry{Index: 2, Name: "b", Size: 2, ModTime: mtime, Mode: "-rw-"}, nil},
		{"system:running-config", Entry{Index: 1, Name: "running-config", Size: 12, Mode: "-rw-"}, nil},
		{"system:", Entry{Dir: true, Mode: "drw-"}, nil},
		{"nvram:", Entry{Dir: true, Mode: "drw-"}, nil},
		{"flash:c", Entry{}, ErrNotFound},
		{"flash:c/d", Entry{}, ErrNotFound},
		{"flash:a/d", Entry{}, ErrNotDir},
	}
	for _, tt := range tests {
		got, err := s.Stat(mustParse(t, s, tt.url))
		if !errors.Is(err, tt.err) {
			t.Errorf("Stat(%s) error = %v; want %v", tt.url, err, tt.err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Stat(%s) mismatch (-want +got):\n%s", tt.url, diff)
		}
	}
	root, err := s.Stat(mustParse(t, s, "flash:"))
	if err != nil || !root.Dir || root.ModTime.IsZero() {
		t.Errorf("Stat(flash:) = %+v, %v", root, err)
	}
}

func TestModifications(t *testing.T) {
	s, flash, _ := testStore(t)
	p := func(url string) Path { return mustParse(t, s, url) }
	s.RegisterVirtual("flash", "virtual", func() ([]byte, error) { return []byte("v"), nil })
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"mkdir", func() error { return s.Mkdir(p("flash:phones")) }, nil},
		{"mkdir again", func() error { return s.Mkdir(p("flash:phones")) }, ErrExists},
		{"mkdir root", func() error { return s.Mkdir(p("flash:")) }, ErrExists},
		{"mkdir no parent", func() error { return s.Mkdir(p("flash:a/b")) }, ErrNotFound},
		{"mkdir opaque", func() error { return s.Mkdir(p("system:d")) }, ErrReadOnly},
		{"write", func() error { return s.WriteFile(p("flash:phones/a.cnf"), []byte("a")) }, nil},
		{"write no parent", func() error { return s.WriteFile(p("flash:x/a.cnf"), []byte("a")) }, ErrNotFound},
		{"write dir", func() error { return s.WriteFile(p("flash:phones"), []byte("a")) }, ErrIsDir},
		{"write root", func() error { return s.WriteFile(p("flash:"), []byte("a")) }, ErrIsDir},
		{"write virtual", func() error { return s.WriteFile(p("flash:virtual"), []byte("a")) }, ErrReadOnly},
		{"write opaque", func() error { return s.WriteFile(p("system:running-config"), []byte("a")) }, ErrReadOnly},
		{"remove non-empty", func() error { return s.Remove(p("flash:phones")) }, nil /* checked below */},
		{"rename", func() error { return s.Rename(p("flash:phones/a.cnf"), p("flash:b.cnf")) }, nil},
		{"rename missing", func() error { return s.Rename(p("flash:phones/a.cnf"), p("flash:c.cnf")) }, ErrNotFound},
		{"rename across", func() error { return s.Rename(p("flash:b.cnf"), p("nvram:b.cnf")) }, ErrCrossFS},
		{"rename virtual", func() error { return s.Rename(p("flash:virtual"), p("flash:v2")) }, ErrReadOnly},
		{"remove empty dir", func() error { return s.Remove(p("flash:phones")) }, nil},
		{"remove file", func() error { return s.Remove(p("flash:b.cnf")) }, nil},
		{"remove missing", func() error { return s.Remove(p("flash:b.cnf")) }, ErrNotFound},
		{"remove root", func() error { return s.Remove(p("flash:")) }, ErrIsDir},
		{"remove virtual", func() error { return s.Remove(p("flash:virtual")) }, ErrReadOnly},
	}
	for _, st := range steps {
		err := st.do()
		if st.name == "remove non-empty" {
			if err == nil || IOSError("deleting", p("flash:phones"), err) != "%Error deleting flash:/phones (Directory not empty)" {
				t.Errorf("%s: %v (%s)", st.name, err, IOSError("deleting", p("flash:phones"), err))
			}
			continue
		}
		if !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Errorf("%s: %v; want %v", st.name, err, st.want)
		}
	}
	ents, err := os.ReadDir(flash)
	if err != nil || len(ents) != 0 {
		t.Errorf("flash left with %v, %v", ents, err)
	}
}

func TestReadOnlyMount(t *testing.T) {
	dir := t.TempDir()
	writeHost(t, filepath.Join(dir, "image.bin"), []byte("img"), mtime)
	s, err := New("rom", Mount{Prefix: "rom", Dir: dir, ReadOnly: true, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := Path{"rom", "image.bin"}
	if b, err := s.ReadFile(p); err != nil || string(b) != "img" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	for name, err := range map[string]error{
		"write":  s.WriteFile(p, nil),
		"remove": s.Remove(p),
		"mkdir":  s.Mkdir(Path{"rom", "d"}),
		"rename": s.Rename(p, Path{"rom", "x"}),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: %v; want ErrReadOnly", name, err)
		}
	}
}

func TestCopy(t *testing.T) {
	s, flash, nvram := testStore(t)
	p := func(url string) Path { return mustParse(t, s, url) }
	writeHost(t, filepath.Join(flash, "startup.txt"), []byte("hostname R1\n"), mtime)
	running := "hostname R1\ninterface Fa0/0\n"
	s.RegisterVirtual("system", "running-config", func() ([]byte, error) { return []byte(running), nil })
	s.RegisterVirtual("system", "broken", func() ([]byte, error) { return nil, errors.New("generator failed") })

	tests := []struct {
		from, to string
		want     string // content at to; "" when an error is expected
		err      error
	}{
		{"flash:startup.txt", "nvram:startup-config", "hostname R1\n", nil},
		{"nvram:startup-config", "flash:backup.cfg", "hostname R1\n", nil},
		{"system:running-config", "nvram:startup-config", running, nil},
		{"system:running-config", "flash:startup.txt", running, nil}, // overwrite
		{"flash:startup.txt", "slot0:x", "", ErrUnknownFS},
		{"flash:startup.txt", "system:running-config", "", ErrReadOnly},
		{"flash:startup.txt", "system:new", "", ErrReadOnly},
		{"flash:missing", "flash:x", "", ErrNotFound},
		{"flash:", "flash:x", "", ErrIsDir},
		{"system:", "flash:x", "", ErrIsDir},
		{"system:nothing", "flash:x", "", ErrNotFound},
		{"flash:startup.txt", "flash:", "", ErrIsDir},
	}
	for _, tt := range tests {
		from, err := s.Parse(tt.from)
		if err != nil {
			t.Fatal(err)
		}
		to, err := s.Parse(tt.to)
		if err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%s): %v", tt.to, err)
			}
			continue
		}
		n, err := s.Copy(from, to)
		if !errors.Is(err, tt.err) {
			t.Errorf("Copy(%s, %s) = %v; want %v", tt.from, tt.to, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if n != int64(len(tt.want)) {
			t.Errorf("Copy(%s, %s) = %d bytes; want %d", tt.from, tt.to, n, len(tt.want))
		}
		if b, err := s.ReadFile(to); err != nil || string(b) != tt.want {
			t.Errorf("after Copy(%s, %s): %q, %v", tt.from, tt.to, b, err)
		}
	}
	if _, err := s.Copy(p("system:broken"), p("flash:b")); err == nil || !strings.Contains(err.Error(), "generator failed") {
		t.Errorf("Copy from failing virtual file: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(nvram, "startup-config")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("nvram copy mode: %v, %v", fi, err)
	}
	// Copying to a directory the caller did not resolve is an error, not
	// a copy into it.
	if err := s.Mkdir(p("flash:dir")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Copy(p("flash:startup.txt"), p("flash:dir")); !errors.Is(err, ErrIsDir) {
		t.Errorf("Copy to a directory: %v", err)
	}
	if _, err := s.Copy(p("flash:startup.txt"), p("flash:dir").Join(p("flash:startup.txt").Base())); err != nil {
		t.Errorf("Copy into the directory: %v", err)
	}
	rc, err := s.Open(p("flash:dir/startup.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != running {
		t.Errorf("Open: %q", b)
	}
}

func TestVirtual(t *testing.T) {
	s, flash, nvram := testStore(t)
	writeHost(t, filepath.Join(nvram, "private-config"), []byte("on disk"), time.Time{})
	s.RegisterVirtual("nvram", "private-config", func() ([]byte, error) { return []byte("virtual"), nil })
	s.RegisterVirtual("archive", "config", func() ([]byte, error) { return []byte("a"), nil })
	_ = flash
	if b, err := s.ReadFile(mustParse(t, s, "nvram:private-config")); err != nil || string(b) != "virtual" {
		t.Errorf("virtual file does not hide the real one: %q, %v", b, err)
	}
	if b, err := s.ReadFile(mustParse(t, s, "archive:config")); err != nil || string(b) != "a" {
		t.Errorf("archive:config = %q, %v", b, err)
	}
	got := s.Mounts()
	if last := got[len(got)-1]; last.Prefix != "archive" || last.Kind != KindOpaque {
		t.Errorf("RegisterVirtual did not append an opaque mount: %+v", last)
	}
	s.RegisterVirtual("nvram", "private-config", nil)
	if b, err := s.ReadFile(mustParse(t, s, "nvram:private-config")); err != nil || string(b) != "on disk" {
		t.Errorf("after unregistering: %q, %v", b, err)
	}
	for _, name := range []string{"", "a/b", "..", ".private", tmpPrefix + "x", "a\x00"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterVirtual(%q) did not panic", name)
				}
			}()
			s.RegisterVirtual("nvram", name, func() ([]byte, error) { return nil, nil })
		}()
	}
}

func TestUsage(t *testing.T) {
	s, flash, nvram := testStore(t)
	if total, free, err := s.Usage("flash"); err != nil || total != 64016384 || free != 40173568 {
		t.Errorf("Usage(flash) = %d, %d, %v", total, free, err)
	}
	writeHost(t, filepath.Join(nvram, "startup-config"), make([]byte, 1000), time.Time{})
	writeHost(t, filepath.Join(nvram, "d", "f"), make([]byte, 100), time.Time{})
	if err := s.PrivateWrite("k", make([]byte, 36)); err != nil {
		t.Fatal(err)
	}
	if total, free, err := s.Usage("nvram"); err != nil || total != 262136 || free != 262136-1136 {
		t.Errorf("Usage(nvram) = %d, %d, %v", total, free, err)
	}
	if total, free, err := s.Usage("system"); err != nil || total != 0 || free != 0 {
		t.Errorf("Usage(system) = %d, %d, %v", total, free, err)
	}
	if _, _, err := s.Usage("bogus"); !errors.Is(err, ErrUnknownFS) {
		t.Errorf("Usage(bogus) = %v", err)
	}
	// The real statfs.
	s.statfs = statfs
	if total, free, err := s.Usage("flash"); err != nil || total <= 0 || free < 0 || free > total {
		t.Errorf("statfs(%s) = %d, %d, %v", flash, total, free, err)
	}
	// Full file systems report 0 free, not a negative number.
	dir := t.TempDir()
	s2, err := New("n", Mount{Prefix: "n", Dir: dir, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	// Overfilled from outside (WriteFile refuses it: TestSizeEnforced).
	writeHost(t, filepath.Join(dir, "big"), make([]byte, 20), time.Time{})
	if _, free, _ := s2.Usage("n"); free != 0 {
		t.Errorf("free = %d; want 0", free)
	}
}

func TestNew(t *testing.T) {
	base := t.TempDir()
	d := func(name string) string { return filepath.Join(base, name) }
	tests := []struct {
		name   string
		def    string
		mounts []Mount
	}{
		{"no default", "flash", []Mount{{Prefix: "nvram", Dir: d("n"), Kind: KindNVRAM}}},
		{"bad prefix", "Flash", []Mount{{Prefix: "Flash", Dir: d("f")}}},
		{"colon in prefix", "flash:", []Mount{{Prefix: "flash:", Dir: d("f")}}},
		{"duplicate", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "flash", Dir: d("g")}}},
		{"no dir", "flash", []Mount{{Prefix: "flash"}}},
		{"opaque with dir", "system", []Mount{{Prefix: "system", Kind: KindOpaque, Dir: d("s")}}},
		{"bad kind", "flash", []Mount{{Prefix: "flash", Dir: d("f"), Kind: "tape"}}},
		{"same dir", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "slot0", Dir: d("f")}}},
		{"nested", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "nvram", Dir: d("f/nvram"), Kind: KindNVRAM}}},
		{"nested reverse", "flash", []Mount{{Prefix: "nvram", Dir: d("x/nvram"), Kind: KindNVRAM}, {Prefix: "flash", Dir: d("x")}}},
		{"two nvram", "flash", []Mount{{Prefix: "flash", Dir: d("f"), Kind: KindNVRAM}, {Prefix: "nvram", Dir: d("n"), Kind: KindNVRAM}}},
		{"alias of unknown", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "slot0", AliasOf: "disk0"}}},
		{"alias of alias", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "slot0", AliasOf: "flash"}, {Prefix: "slot1", AliasOf: "slot0"}}},
		{"alias other dir", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "slot0", AliasOf: "flash", Dir: d("g")}}},
		{"alias other kind", "flash", []Mount{{Prefix: "flash", Dir: d("f")}, {Prefix: "slot0", AliasOf: "flash", Kind: KindNVRAM}}},
	}
	for _, tt := range tests {
		s, err := New(tt.def, tt.mounts...)
		if err == nil {
			s.Close()
			t.Errorf("%s: New succeeded", tt.name)
		}
	}

	old := syscall.Umask(0)
	defer syscall.Umask(old)
	s, err := New("flash",
		Mount{Prefix: "slot0", AliasOf: "flash"},
		Mount{Prefix: "flash", Dir: d("ok/flash"), Size: 100},
		Mount{Prefix: "nvram", Dir: d("ok/nvram"), Kind: KindNVRAM},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := []Mount{
		{Prefix: "slot0", Dir: d("ok/flash"), Kind: KindDisk, AliasOf: "flash", Size: 100},
		{Prefix: "flash", Dir: d("ok/flash"), Kind: KindDisk, Size: 100},
		{Prefix: "nvram", Dir: d("ok/nvram"), Kind: KindNVRAM},
	}
	if diff := cmp.Diff(want, s.Mounts()); diff != "" {
		t.Errorf("Mounts mismatch (-want +got):\n%s", diff)
	}
	for dir, perm := range map[string]os.FileMode{d("ok/flash"): 0o755, d("ok/nvram"): 0o700} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != perm {
			t.Errorf("%s: %v, %v; want mode %v", dir, fi, err, perm)
		}
	}
	// An alias is the same file system: same files, rename allowed.
	if err := s.WriteFile(Path{"slot0", "a"}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(Path{"slot0", "a"}, Path{"flash", "b"}); err != nil {
		t.Errorf("Rename across an alias: %v", err)
	}
	if b, err := s.ReadFile(Path{"slot0", "b"}); err != nil || string(b) != "x" {
		t.Errorf("ReadFile(slot0:b) = %q, %v", b, err)
	}
}
