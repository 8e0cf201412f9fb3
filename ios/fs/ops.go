package fs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Entry describes a file or directory as printed by dir.
type Entry struct {
	// Index is the number dir prints in its first column. It is a running
	// number, from 1, over the directory's entries in name order, so that
	// console transcripts are deterministic (inode numbers are not). On
	// nvram file systems startup-config is always 253, as on IOS routers,
	// and the other entries are numbered from 1.
	Index   int
	Name    string    // base name; "" for a root
	Dir     bool      // a directory
	Size    int64     // bytes; 0 for directories
	ModTime time.Time // zero on nvram and for virtual files (dir prints "<no date>")
	// Mode is the IOS permission column: a type letter ('d' or '-'),
	// then 'r' and 'w' from the owner bits of the host file and a final
	// '-': "-rw-", "drw-", "-r--", or "----" for a file nobody may read.
	Mode string
}

// dot turns the clean name of a root into the name os.Root expects.
func dot(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// parent returns the clean name of the directory containing name, as
// os.Root expects it ("." for the root).
func parent(name string) string { return path.Dir(name) }

// wrap adds the operation and path to err and, for host errors, the
// matching sentinel, so that both errors.Is(err, ErrNotFound) and
// errors.Is(err, os.ErrNotExist) hold.
func wrap(op string, p Path, err error) error {
	if err == nil {
		return nil
	}
	for _, e := range []error{ErrUnknownFS, ErrBadPath, ErrNotFound, ErrExists, ErrReadOnly, ErrIsDir, ErrNotDir, ErrCrossFS} {
		if errors.Is(err, e) {
			return fmt.Errorf("fs: %s %s: %w", op, p, err)
		}
	}
	var sentinel error
	switch {
	case errors.Is(err, syscall.ENOTEMPTY):
		// Checked first: syscall.Errno matches ENOTEMPTY to fs.ErrExist,
		// but IOS says "Directory not empty" (see IOSError).
	case errors.Is(err, iofs.ErrNotExist):
		sentinel = ErrNotFound
	case errors.Is(err, iofs.ErrExist):
		sentinel = ErrExists
	case errors.Is(err, syscall.EISDIR):
		sentinel = ErrIsDir
	case errors.Is(err, syscall.ENOTDIR):
		sentinel = ErrNotDir
	case errors.Is(err, syscall.EROFS):
		sentinel = ErrReadOnly
	case errors.Is(err, syscall.EXDEV):
		sentinel = ErrCrossFS
	case isEscape(err):
		sentinel = ErrBadPath
	}
	if sentinel == nil {
		return fmt.Errorf("fs: %s %s: %w", op, p, err)
	}
	return fmt.Errorf("fs: %s %s: %w (%w)", op, p, sentinel, err)
}

// isEscape reports whether err is os.Root refusing a path (through a
// symbolic link) that leads outside the root. The os package does not
// export that error, so match its text; if it ever changes, the error is
// still an error, only without ErrBadPath.
func isEscape(err error) bool {
	return strings.Contains(err.Error(), "path escapes from parent")
}

// writable resolves p for a modification of a file: it must be on a
// writable disk or nvram file system, not the root and not virtual.
func (s *Store) writable(op string, p Path) (*mount, string, error) {
	m, name, err := s.resolve(p)
	switch {
	case err != nil:
		return nil, "", wrap(op, p, err)
	case m.root == nil || m.ReadOnly:
		return nil, "", wrap(op, p, ErrReadOnly)
	case name == "":
		return nil, "", wrap(op, p, ErrIsDir)
	case s.virtual(m, name) != nil:
		return nil, "", wrap(op, p, ErrReadOnly)
	}
	return m, name, nil
}

// Open opens p for reading: a regular file or a virtual file. It is the
// streaming form of ReadFile, for large images and file servers.
func (s *Store) Open(p Path) (io.ReadCloser, error) {
	rc, _, err := s.open("open", p)
	return rc, err
}

// open returns a reader for p and its size (-1 if unknown).
func (s *Store) open(op string, p Path) (io.ReadCloser, int64, error) {
	m, name, err := s.resolve(p)
	if err != nil {
		return nil, 0, wrap(op, p, err)
	}
	if d, file, ok := s.inMem(m, name); ok {
		if file == "" {
			return nil, 0, wrap(op, p, ErrIsDir)
		}
		b, ok := d.read(file)
		if !ok {
			return nil, 0, wrap(op, p, ErrNotFound)
		}
		return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
	}
	if read := s.virtual(m, name); read != nil {
		b, err := read()
		if err != nil {
			return nil, 0, wrap(op, p, err)
		}
		return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
	}
	if m.root == nil {
		if name == "" {
			return nil, 0, wrap(op, p, ErrIsDir)
		}
		return nil, 0, wrap(op, p, ErrNotFound)
	}
	// Stat first: opening a FIFO or device someone left on the board
	// could block or have side effects.
	fi, err := m.root.Stat(dot(name))
	if err != nil {
		return nil, 0, wrap(op, p, err)
	}
	if err := checkRegular(fi); err != nil {
		return nil, 0, wrap(op, p, err)
	}
	f, err := m.root.Open(name)
	if err != nil {
		return nil, 0, wrap(op, p, err)
	}
	// And again on the open file, in case it was swapped in between.
	if fi, err = f.Stat(); err == nil {
		err = checkRegular(fi)
	}
	if err != nil {
		f.Close()
		return nil, 0, wrap(op, p, err)
	}
	return f, fi.Size(), nil
}

func checkRegular(fi iofs.FileInfo) error {
	switch {
	case fi.IsDir():
		return ErrIsDir
	case !fi.Mode().IsRegular():
		return fmt.Errorf("not a regular file: %w", ErrBadPath)
	}
	return nil
}

// ReadFile returns the content of p, a regular or virtual file.
func (s *Store) ReadFile(p Path) ([]byte, error) {
	rc, size, err := s.open("read", p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	if size > 0 && size < 1<<30 { // int is 32 bits on the ARM boards
		b.Grow(int(size))
	}
	if _, err := b.ReadFrom(rc); err != nil {
		return nil, wrap("read", p, err)
	}
	return b.Bytes(), nil
}

// WriteFile replaces p with data atomically (see WriteFileAtomic), with
// mode 0644, or 0600 on nvram. The directory must exist. Opaque, read-only
// and virtual targets fail with ErrReadOnly, directories with ErrIsDir.
func (s *Store) WriteFile(p Path, data []byte) error {
	_, err := s.WriteFrom(p, bytes.NewReader(data))
	return err
}

// WriteFrom is WriteFile streaming from r, for images arriving over the
// network; it returns the number of bytes written. If reading r fails,
// the old file is left intact.
func (s *Store) WriteFrom(p Path, r io.Reader) (int64, error) {
	if d, file, ok := s.memTarget(p); ok {
		n, err := d.write(file, r)
		return n, wrap("write", p, err)
	}
	m, name, err := s.writable("write", p)
	if err != nil {
		return 0, err
	}
	return s.writeTo(m, name, p, r, m.filePerm())
}

// WriteSecretFile is WriteFile for content that holds secrets (a rendered
// configuration): mode 0600 on every file system, not only on nvram.
func (s *Store) WriteSecretFile(p Path, data []byte) error {
	if d, file, ok := s.memTarget(p); ok {
		_, err := d.write(file, bytes.NewReader(data))
		return wrap("write", p, err)
	}
	m, name, err := s.writable("write", p)
	if err != nil {
		return err
	}
	_, err = s.writeTo(m, name, p, bytes.NewReader(data), 0o600)
	return err
}

func (s *Store) writeTo(m *mount, name string, p Path, r io.Reader, perm os.FileMode) (int64, error) {
	// Rename would also refuse to replace a directory, but after all the
	// data has been copied and with a less helpful error.
	if fi, err := m.root.Stat(name); err == nil && fi.IsDir() {
		return 0, wrap("write", p, ErrIsDir)
	}
	if free, old, limited := m.room(name); limited {
		r = &spaceReader{r: r, left: free + old}
	}
	n, err := atomicWrite(m.root, parent(name), name, perm, r)
	if err == nil {
		s.stamp(m, name)
	}
	return n, wrap("write", p, err)
}

// room reports, for a file system with a configured size (Mount.Size, as
// `dir nvram:` shows it), the bytes free and the size of the file name that
// a write would replace; limited is false when the size is the host's and
// the host enforces it.
func (m *mount) room(name string) (free, old int64, limited bool) {
	if m.Size == 0 {
		return 0, 0, false
	}
	if fi, err := m.root.Stat(name); err == nil && fi.Mode().IsRegular() {
		old = fi.Size()
	}
	used, _ := m.used()
	return max(m.Size-used, 0), old, true
}

// used is the bytes of all regular files under the mount.
func (m *mount) used() (int64, error) {
	var used int64
	err := iofs.WalkDir(m.root.FS(), ".", func(_ string, d iofs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return nil // removed during the walk, e.g. a temporary file
			}
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			used += fi.Size()
		}
		return nil
	})
	return used, err
}

// spaceReader fails a write that would go past the free space of a sized
// file system with ENOSPC, which IOS shows as "(No space left on device)";
// the atomic write then removes its temporary file and the old content
// stays.
type spaceReader struct {
	r    io.Reader
	left int64
}

func (sr *spaceReader) Read(p []byte) (int, error) {
	n, err := sr.r.Read(p)
	sr.left -= int64(n)
	if sr.left < 0 {
		return n, syscall.ENOSPC
	}
	return n, err
}

// Append adds data at the end of p, creating it (mode as WriteFile), for
// files that grow by lines such as the CA's certificate index: nothing is
// rewritten. Unlike WriteFile it is not atomic: a crash can leave a
// partial last line, which readers of such files skip. Sized file systems
// refuse an append past their free space with ENOSPC.
func (s *Store) Append(p Path, data []byte) error {
	if _, _, ok := s.memTarget(p); ok {
		return wrap("append", p, ErrReadOnly)
	}
	m, name, err := s.writable("append", p)
	if err != nil {
		return err
	}
	if free, _, limited := m.room(name); limited && int64(len(data)) > free {
		return wrap("append", p, syscall.ENOSPC)
	}
	f, err := m.root.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, m.filePerm())
	if err != nil {
		return wrap("append", p, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		s.stamp(m, name)
	}
	return wrap("append", p, err)
}

// stamp sets a written file's time from the software clock, so that dir
// shows the router's time (clock set) rather than the host's.
func (s *Store) stamp(m *mount, name string) {
	s.mu.RLock()
	now := s.now
	s.mu.RUnlock()
	if now != nil {
		t := now()
		m.root.Chtimes(name, t, t)
	}
}

// Copy copies from to to, which may be on different file systems, and
// returns the number of bytes copied. Virtual files can be sources. The
// destination is replaced atomically. An opaque destination (such as
// system:running-config, which the caller merges itself) fails with
// ErrReadOnly; a directory destination with ErrIsDir.
func (s *Store) Copy(from, to Path) (int64, error) {
	if d, file, ok := s.memTarget(to); ok {
		rc, _, err := s.open("copy", from)
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		n, err := d.write(file, rc)
		return n, wrap("copy", to, err)
	}
	dm, dname, err := s.writable("copy", to)
	if err != nil {
		return 0, err
	}
	rc, _, err := s.open("copy", from)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return s.writeTo(dm, dname, to, rc, dm.filePerm())
}

// memTarget reports whether p is in a memory directory, and which.
func (s *Store) memTarget(p Path) (*memDir, string, bool) {
	m, name, err := s.resolve(p)
	if err != nil {
		return nil, "", false
	}
	return s.inMem(m, name)
}

// Remove removes a file or an empty directory.
func (s *Store) Remove(p Path) error {
	if d, file, ok := s.memTarget(p); ok {
		return wrap("remove", p, d.remove(file))
	}
	m, name, err := s.writable("remove", p)
	if err != nil {
		return err
	}
	if err := m.root.Remove(name); err != nil {
		return wrap("remove", p, err)
	}
	return wrap("remove", p, syncDir(m.root, parent(name)))
}

// Mkdir creates the directory p (0755, nvram 0700). Its parent must exist.
func (s *Store) Mkdir(p Path) error {
	m, name, err := s.resolve(p)
	switch {
	case err != nil:
		return wrap("mkdir", p, err)
	case name == "" || s.virtual(m, name) != nil || s.memDirOf(m, name) != nil:
		return wrap("mkdir", p, ErrExists)
	case m.root == nil || m.ReadOnly:
		return wrap("mkdir", p, ErrReadOnly)
	}
	if err := m.root.Mkdir(name, m.dirPerm()); err != nil {
		return wrap("mkdir", p, err)
	}
	s.stamp(m, name)
	return wrap("mkdir", p, syncDir(m.root, parent(name)))
}

// Rename renames from to to on the same file system (an alias counts as
// the same one; otherwise ErrCrossFS). An existing file at to is
// replaced, as with rename(2); the caller asks for confirmation first.
func (s *Store) Rename(from, to Path) error {
	fd, ffile, fok := s.memTarget(from)
	td, tfile, tok := s.memTarget(to)
	switch {
	case fok && fd == td:
		return wrap("rename", from, fd.rename(ffile, tfile))
	case fok || tok:
		return wrap("rename", from, ErrCrossFS)
	}
	fm, fname, err := s.writable("rename", from)
	if err != nil {
		return err
	}
	tm, tname, err := s.writable("rename", to)
	if err != nil {
		return err
	}
	if fm.owner != tm.owner {
		return wrap("rename", from, ErrCrossFS)
	}
	if err := fm.root.Rename(fname, tname); err != nil {
		return wrap("rename", from, err)
	}
	err = syncDir(fm.root, parent(fname))
	if parent(tname) != parent(fname) {
		err = errors.Join(err, syncDir(fm.root, parent(tname)))
	}
	return wrap("rename", to, err)
}

// Stat describes p. For the root, Name is "" and Index 0.
func (s *Store) Stat(p Path) (Entry, error) {
	m, name, err := s.resolve(p)
	if err != nil {
		return Entry{}, wrap("stat", p, err)
	}
	if name == "" {
		e := Entry{Dir: true, Mode: "drw-"}
		if m.root != nil && m.Kind != KindNVRAM {
			fi, err := m.root.Stat(".")
			if err != nil {
				return Entry{}, wrap("stat", p, err)
			}
			e.ModTime = fi.ModTime()
		}
		return e, nil
	}
	if d, file, ok := s.inMem(m, name); ok && file == "" {
		return Entry{Name: d.name, Dir: true, Mode: "drw-"}, nil
	}
	// List the parent so that Index matches what dir prints.
	entries, err := s.list(m, path.Dir(name))
	if err != nil {
		return Entry{}, wrap("stat", p, err)
	}
	base := path.Base(name)
	i, ok := slices.BinarySearchFunc(entries, base, func(e Entry, name string) int { return strings.Compare(e.Name, name) })
	if !ok {
		return Entry{}, wrap("stat", p, ErrNotFound)
	}
	return entries[i], nil
}

// List returns the entries of the directory dir sorted by name. The
// private area, temporary files of atomic writes, symbolic links that
// cannot be followed (and on nvram every symbolic link) and special files
// are left out. Virtual files appear in the root.
func (s *Store) List(dir Path) ([]Entry, error) {
	m, name, err := s.resolve(dir)
	if err != nil {
		return nil, wrap("list", dir, err)
	}
	entries, err := s.list(m, dot(name))
	return entries, wrap("list", dir, err)
}

// list lists the directory name ("." for the root) of m.
func (s *Store) list(m *mount, name string) ([]Entry, error) {
	if d, file, ok := s.inMem(m, name); ok {
		if file != "" {
			if _, ok := d.read(file); ok {
				return nil, ErrNotDir
			}
			return nil, ErrNotFound
		}
		return d.entries(), nil
	}
	virt := map[string]func() ([]byte, error){}
	var mem map[string]*memDir
	if name == "." {
		virt = s.virtualFiles(m)
		mem = s.memDirsOf(m)
	} else if s.virtual(m, name) != nil {
		return nil, ErrNotDir
	}
	var entries []Entry
	if m.root != nil {
		d, err := m.root.Open(name)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		fi, err := d.Stat()
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			return nil, ErrNotDir
		}
		des, err := d.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			n := de.Name()
			if strings.HasPrefix(n, tmpPrefix) || (m.private && name == "." && n == privateDir) || virt[n] != nil || mem[n] != nil {
				continue
			}
			fi, err := de.Info()
			if err != nil {
				continue // removed since ReadDir
			}
			if fi.Mode()&iofs.ModeSymlink != 0 {
				if m.private {
					continue // see noSymlinks
				}
				if fi, err = m.root.Stat(path.Join(name, n)); err != nil {
					continue // dangling, or leads outside the root
				}
			}
			if !fi.IsDir() && !fi.Mode().IsRegular() {
				continue
			}
			entries = append(entries, m.entry(n, fi))
		}
	} else if name != "." {
		return nil, ErrNotFound // opaque file systems have only a root
	}
	for _, n := range slices.Sorted(maps.Keys(virt)) {
		e := Entry{Name: n, Mode: "-rw-"}
		// A failing callback still shows the file, with size 0; reading
		// it reports the error.
		if b, err := virt[n](); err == nil {
			e.Size = int64(len(b))
		}
		entries = append(entries, e)
	}
	for n := range mem {
		entries = append(entries, Entry{Name: n, Dir: true, Mode: "drw-"})
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	next := 1
	for i := range entries {
		if m.Kind == KindNVRAM && entries[i].Name == "startup-config" {
			entries[i].Index = startupIndex
			continue
		}
		entries[i].Index = next
		next++
	}
	return entries, nil
}

func (m *mount) entry(name string, fi iofs.FileInfo) Entry {
	e := Entry{Name: name, Dir: fi.IsDir(), Size: fi.Size()}
	if m.Kind != KindNVRAM {
		e.ModTime = fi.ModTime()
	}
	mode := []byte("----")
	if e.Dir {
		mode[0] = 'd'
		e.Size = 0
	}
	if fi.Mode().Perm()&0o400 != 0 {
		mode[1] = 'r'
	}
	if fi.Mode().Perm()&0o200 != 0 {
		mode[2] = 'w'
	}
	e.Mode = string(mode)
	return e
}

// Usage returns the capacity and free space of the file system prefix
// (see Mount.Size). Opaque file systems report 0, 0.
func (s *Store) Usage(prefix string) (total, free int64, err error) {
	m := s.lookup(prefix)
	if m == nil {
		return 0, 0, fmt.Errorf("fs: %s: %w", prefix+":", ErrUnknownFS)
	}
	if m.root == nil {
		return 0, 0, nil
	}
	if m.Size == 0 {
		total, free, err = s.statfs(m.Dir)
		if err != nil {
			return 0, 0, fmt.Errorf("fs: usage %s: %w", prefix+":", err)
		}
		return total, free, nil
	}
	used, err := m.used()
	if err != nil {
		return 0, 0, fmt.Errorf("fs: usage %s: %w", prefix+":", err)
	}
	return m.Size, max(m.Size-used, 0), nil
}
