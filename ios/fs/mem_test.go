package fs

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// memStore is testStore with system:/its/ holding at most 100 bytes in 3 files.
func memStore(t *testing.T) *Store {
	t.Helper()
	s, _, _ := testStore(t)
	s.AddMemDir("system", "its", MemDirLimits{MaxBytes: 100, MaxFiles: 3})
	return s
}

func TestMemDirOperations(t *testing.T) {
	s := memStore(t)
	var changes atomic.Int32
	if err := s.WatchMemDir(mustParse(t, s, "system:/its"), func() { changes.Add(1) }); err != nil {
		t.Fatal(err)
	}
	cnf := mustParse(t, s, "system:/its/SEP00124302A7CC.cnf.xml")
	if err := s.WriteFile(cnf, []byte("<device/>")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadFile(cnf); err != nil || string(got) != "<device/>" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if _, err := s.Copy(cnf, mustParse(t, s, "flash:cnf.xml")); err != nil {
		t.Fatalf("Copy to flash: %v", err)
	}
	if got, _ := s.ReadFile(mustParse(t, s, "flash:cnf.xml")); string(got) != "<device/>" {
		t.Errorf("flash copy = %q", got)
	}
	if _, err := s.Copy(mustParse(t, s, "flash:cnf.xml"), mustParse(t, s, "system:its/rc")); err != nil {
		t.Fatalf("Copy into its: %v", err)
	}
	if err := s.Rename(mustParse(t, s, "system:its/rc"), mustParse(t, s, "system:its/rc2")); err != nil {
		t.Fatalf("Rename: %v", err)
	}
	if err := s.Rename(cnf, mustParse(t, s, "flash:x")); !errors.Is(err, ErrCrossFS) {
		t.Errorf("Rename out of its = %v, want ErrCrossFS", err)
	}

	root, err := s.List(mustParse(t, s, "system:"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Index: 1, Name: "its", Dir: true, Mode: "drw-"}}
	if diff := cmp.Diff(want, root); diff != "" {
		t.Errorf("List(system:) (-want +got):\n%s", diff)
	}
	its, err := s.List(mustParse(t, s, "system:/its/"))
	if err != nil {
		t.Fatal(err)
	}
	want = []Entry{{Index: 1, Name: "SEP00124302A7CC.cnf.xml", Size: 9, Mode: "-rw-"}, {Index: 2, Name: "rc2", Size: 9, Mode: "-rw-"}}
	if diff := cmp.Diff(want, its); diff != "" {
		t.Errorf("List(system:/its) (-want +got):\n%s", diff)
	}
	if e, err := s.Stat(mustParse(t, s, "system:its")); err != nil || !e.Dir {
		t.Errorf("Stat(its) = %+v, %v", e, err)
	}
	if e, err := s.Stat(cnf); err != nil || e.Size != 9 || e.Index != 1 {
		t.Errorf("Stat(cnf) = %+v, %v", e, err)
	}
	if err := s.Remove(mustParse(t, s, "system:its/rc2")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		err  error
		op   func() error
	}{
		{"read missing", ErrNotFound, func() error { _, err := s.ReadFile(mustParse(t, s, "system:its/none")); return err }},
		{"read dir", ErrIsDir, func() error { _, err := s.ReadFile(mustParse(t, s, "system:its")); return err }},
		{"write dir", ErrIsDir, func() error { return s.WriteFile(mustParse(t, s, "system:its"), nil) }},
		{"write nested", ErrNotFound, func() error { return s.WriteFile(mustParse(t, s, "system:its/a/b"), nil) }},
		{"remove dir", ErrReadOnly, func() error { return s.Remove(mustParse(t, s, "system:its")) }},
		{"remove missing", ErrNotFound, func() error { return s.Remove(mustParse(t, s, "system:its/none")) }},
		{"mkdir its", ErrExists, func() error { return s.Mkdir(mustParse(t, s, "system:its")) }},
		{"list file", ErrNotDir, func() error { _, err := s.List(cnf); return err }},
		{"write elsewhere on system", ErrReadOnly, func() error { return s.WriteFile(mustParse(t, s, "system:x"), nil) }},
	} {
		if err := tc.op(); !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
	// Write, copy, rename, remove: 4 changes.
	if n := changes.Load(); n != 4 {
		t.Errorf("watcher ran %d times, want 4", n)
	}
}

// TestMemDirBoundsAndAtomicity: a write over the byte or file bound, or
// one whose reader fails, changes nothing; the error reads as IOS's "No
// space left on device".
func TestMemDirBoundsAndAtomicity(t *testing.T) {
	s := memStore(t)
	f := func(n string) Path { return mustParse(t, s, "system:its/"+n) }
	if err := s.WriteFile(f("a"), bytes.Repeat([]byte("a"), 60)); err != nil {
		t.Fatal(err)
	}
	err := s.WriteFile(f("b"), bytes.Repeat([]byte("b"), 41))
	if err == nil || IOSError("writing", f("b"), err) != "%Error writing system:/its/b (No space left on device)" {
		t.Errorf("over the byte bound: %v / %q", err, IOSError("writing", f("b"), err))
	}
	// Replacing a file counts its old size out.
	if err := s.WriteFile(f("a"), bytes.Repeat([]byte("A"), 100)); err != nil {
		t.Errorf("replace within bound: %v", err)
	}
	if err := s.WriteFile(f("a"), bytes.Repeat([]byte("z"), 101)); err == nil {
		t.Error("a file over the bound was written")
	}
	if _, err := s.WriteFrom(f("a"), io.MultiReader(strings.NewReader("xxxxx"), failingReader{})); err == nil {
		t.Error("failing reader: no error")
	}
	if got, _ := s.ReadFile(f("a")); !bytes.Equal(got, bytes.Repeat([]byte("A"), 100)) {
		t.Errorf("old content not kept: %q", got)
	}
	if err := s.WriteFile(f("a"), nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"b", "c"} {
		if err := s.WriteFile(f(n), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WriteFile(f("d"), nil); err == nil {
		t.Error("a fourth file was written")
	}
	if err := s.WriteFile(f("c"), []byte("x")); err != nil {
		t.Errorf("replacing the third file: %v", err)
	}
}

// TestMemDirConcurrent: readers never see a mix of two writes.
func TestMemDirConcurrent(t *testing.T) {
	s, _, _ := testStore(t)
	s.AddMemDir("system", "its", MemDirLimits{MaxBytes: 1 << 20, MaxFiles: 10})
	p := mustParse(t, s, "system:its/CTLFile.tlv")
	a, b := bytes.Repeat([]byte("a"), 4096), bytes.Repeat([]byte("b"), 4096)
	if err := s.WriteFile(p, a); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				if (i+j)%2 == 0 {
					s.WriteFile(p, a)
				} else {
					s.WriteFile(p, b)
				}
			}
		})
		wg.Go(func() {
			for range 200 {
				r, err := s.Open(p)
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(r)
				r.Close()
				if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					t.Error("reader saw a mixed file")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestMemDirFormatDir(t *testing.T) {
	s := memStore(t)
	if err := s.WriteFile(mustParse(t, s, "system:its/CTLFile.tlv"), []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.FormatDir(&b, mustParse(t, s, "system:/its")); err != nil {
		t.Fatal(err)
	}
	want := "Directory of system:/its/\n\n" +
		"    1  -rw-          10                    <no date>  CTLFile.tlv\n\n" +
		"No space information available\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("dir system:/its (-want +got):\n%s", diff)
	}
}
