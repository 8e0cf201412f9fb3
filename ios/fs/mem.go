package fs

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// A memory directory is a writable directory held in RAM in the root of a
// file system, such as system:/its/ where CallManager Express keeps the
// files it generates (SEP<MAC>.cnf.xml, CTLFile.tlv, ITL files) and from
// which TFTP and HTTP serve them. It has no subdirectories, is bounded in
// bytes and files, and loses its content at reboot. Writing a file
// replaces it atomically: readers see the old or the new content, never a
// mix, and a write that fails (a reader error, the size bound) leaves the
// old file in place.
//
// The Store methods (Open, ReadFile, WriteFile, WriteFrom, Copy, Remove,
// Rename, Stat, List) accept its paths like any other, so `dir
// system:/its`, `more system:/its/X` and `copy system:/its/X flash:` work
// on the console. Files carry no date (dir prints "<no date>"), as on IOS.

// MemDirLimits bound a memory directory.
type MemDirLimits struct {
	MaxBytes int64 // total size of its files
	MaxFiles int   // number of files
}

type memDir struct {
	name   string
	limits MemDirLimits

	mu    sync.RWMutex
	files map[string][]byte // content is never modified once stored
	used  int64

	wmu      sync.Mutex
	watchers []func()
}

// AddMemDir creates the memory directory dir (a plain name) in the root of
// the file system prefix. If prefix is not mounted, an opaque file system
// is created as RegisterVirtual does. Adding it again changes nothing. It
// panics on an invalid prefix, name or limits: programming errors.
func (s *Store) AddMemDir(prefix, dir string, limits MemDirLimits) {
	prefix = checkRootName("AddMemDir", prefix, dir)
	if limits.MaxBytes <= 0 || limits.MaxFiles <= 0 {
		panic("fs: AddMemDir: limits must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mountOrOpaqueLocked(prefix)
	if s.memDirs == nil {
		s.memDirs = map[*mount]map[string]*memDir{}
	}
	if s.memDirs[m.owner] == nil {
		s.memDirs[m.owner] = map[string]*memDir{}
	}
	if s.memDirs[m.owner][dir] == nil {
		s.memDirs[m.owner][dir] = &memDir{name: dir, limits: limits, files: map[string][]byte{}}
	}
}

// WatchMemDir registers fn to run after every change (write, removal,
// rename) of a file in the memory directory p. fn runs in the goroutine
// that made the change, without Store locks, and must not block for long:
// the TFTP server uses it to start once there is a file to serve.
func (s *Store) WatchMemDir(p Path, fn func()) error {
	m, name, err := s.resolve(p)
	if err != nil {
		return wrap("watch", p, err)
	}
	d := s.memDirOf(m, name)
	if d == nil {
		return wrap("watch", p, ErrNotFound)
	}
	d.wmu.Lock()
	d.watchers = append(d.watchers, fn)
	d.wmu.Unlock()
	return nil
}

func (d *memDir) changed() {
	d.wmu.Lock()
	ws := slices.Clone(d.watchers)
	d.wmu.Unlock()
	for _, fn := range ws {
		fn()
	}
}

// memDirOf returns the memory directory named name in the root of m.
func (s *Store) memDirOf(m *mount, name string) *memDir {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.memDirs[m.owner][name]
}

// memDirsOf returns the memory directories in the root of m, by name.
func (s *Store) memDirsOf(m *mount) map[string]*memDir {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.memDirs[m.owner])
}

// inMem reports whether the clean name is in, or is, a memory directory of
// m: d is the directory, file the name inside it ("" for the directory
// itself). A deeper name (its/a/b) has ok true and a file with a slash,
// which no operation finds.
func (s *Store) inMem(m *mount, name string) (d *memDir, file string, ok bool) {
	first, rest, _ := strings.Cut(name, "/")
	if first == "" {
		return nil, "", false
	}
	d = s.memDirOf(m, first)
	if d == nil {
		return nil, "", false
	}
	return d, rest, true
}

func (d *memDir) read(file string) ([]byte, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	b, ok := d.files[file]
	return b, ok
}

// write replaces file with the content of r, read in full first and
// bounded by the directory's limits.
func (d *memDir) write(file string, r io.Reader) (int64, error) {
	if file == "" {
		return 0, ErrIsDir
	}
	if strings.Contains(file, "/") {
		return 0, ErrNotFound
	}
	var b bytes.Buffer
	n, err := b.ReadFrom(io.LimitReader(r, d.limits.MaxBytes+1))
	if err != nil {
		return n, err
	}
	if n > d.limits.MaxBytes {
		return n, fmt.Errorf("more than %d bytes in %s: %w", d.limits.MaxBytes, d.name, syscall.ENOSPC)
	}
	data := b.Bytes()
	d.mu.Lock()
	old, exists := d.files[file]
	switch {
	case !exists && len(d.files) >= d.limits.MaxFiles:
		d.mu.Unlock()
		return n, fmt.Errorf("more than %d files in %s: %w", d.limits.MaxFiles, d.name, syscall.ENOSPC)
	case d.used-int64(len(old))+n > d.limits.MaxBytes:
		d.mu.Unlock()
		return n, fmt.Errorf("more than %d bytes in %s: %w", d.limits.MaxBytes, d.name, syscall.ENOSPC)
	}
	d.used += n - int64(len(old))
	d.files[file] = data
	d.mu.Unlock()
	d.changed()
	return n, nil
}

func (d *memDir) remove(file string) error {
	switch {
	case file == "":
		return ErrReadOnly // the directory itself stays
	case strings.Contains(file, "/"):
		return ErrNotFound
	}
	d.mu.Lock()
	old, ok := d.files[file]
	if ok {
		delete(d.files, file)
		d.used -= int64(len(old))
	}
	d.mu.Unlock()
	if !ok {
		return ErrNotFound
	}
	d.changed()
	return nil
}

func (d *memDir) rename(from, to string) error {
	if from == "" || to == "" {
		return ErrReadOnly
	}
	if strings.Contains(from, "/") || strings.Contains(to, "/") {
		return ErrNotFound
	}
	d.mu.Lock()
	b, ok := d.files[from]
	if ok && from != to {
		d.used -= int64(len(d.files[to]))
		d.files[to] = b
		delete(d.files, from)
	}
	d.mu.Unlock()
	if !ok {
		return ErrNotFound
	}
	d.changed()
	return nil
}

// entries lists the files, sorted by name and numbered from 1.
func (d *memDir) entries() []Entry {
	d.mu.RLock()
	out := make([]Entry, 0, len(d.files))
	for n, b := range d.files {
		out = append(out, Entry{Name: n, Size: int64(len(b)), Mode: "-rw-"})
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	for i := range out {
		out[i].Index = i + 1
	}
	return out
}
