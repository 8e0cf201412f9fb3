// Package fs implements the IOS file systems over board storage: URL
// parsing (flash:dir/file, nvram:startup-config, system:running-config),
// atomic writes, listing, and the IOS text formats of dir and show file
// systems. Paths can never escape a file system's root.
//
// Each disk or nvram file system is a directory on the board. All access
// below it goes through an [os.Root], so neither ".." nor a symbolic link
// can reach a host file outside that directory; in addition [Store.Parse]
// rejects, rather than clamps, any name that would climb above the root.
// Opaque file systems such as system: have no directory: their files are
// virtual, produced by callbacks registered with [Store.RegisterVirtual],
// or live in a writable memory directory made by [Store.AddMemDir] such as
// system:/its/, where generated telephony files are kept (see mem.go).
//
// The nvram directory also holds a private area (".private") for keys and
// similar secrets. It is reachable only through the Private* methods, never
// through a console URL, and it is never listed.
//
// Every write is atomic: the data goes to a temporary file in the same
// directory which is synced and then renamed over the target, so a reader
// or a power cut sees either the old or the new content, never a mix.
package fs

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Kind is the type of a file system as printed by show file systems.
type Kind string

// File system kinds.
const (
	KindDisk   Kind = "disk"   // a directory tree with dates (flash:, slot0:)
	KindNVRAM  Kind = "nvram"  // a directory without dates; holds the private area
	KindOpaque Kind = "opaque" // no storage; only virtual files (system:)
)

// Errors returned by Store methods, usually wrapped with the operation
// and path; test for them with [errors.Is]. Errors that come from the
// host file system wrap both the matching sentinel and the original
// error, so errors.Is(err, os.ErrNotExist) keeps working as well.
var (
	ErrUnknownFS = errors.New("unknown file system")
	ErrBadPath   = errors.New("invalid path")
	ErrNotFound  = errors.New("no such file or directory")
	ErrExists    = errors.New("file exists")
	ErrReadOnly  = errors.New("read-only file system")
	ErrIsDir     = errors.New("is a directory")
	ErrNotDir    = errors.New("not a directory")
	// ErrCrossFS is returned by Rename when the two paths are on
	// different file systems (aliases count as the same one).
	ErrCrossFS = errors.New("rename across file systems")
	// ErrPrivate is returned for names inside the nvram private area.
	// It matches ErrBadPath and fs.ErrPermission too, so callers that
	// only know those still refuse the name.
	ErrPrivate error = privateError{}
)

type privateError struct{}

func (privateError) Error() string { return "permission denied: private area" }

func (privateError) Is(target error) bool {
	return target == ErrBadPath || target == iofs.ErrPermission
}

const (
	// privateDir is the private area below the nvram directory.
	privateDir = ".private"
	// tmpPrefix starts the names of temporary files made by atomic
	// writes; such names are hidden from listings and refused by Parse.
	tmpPrefix = ".cmeos-tmp-"
	// startupIndex is the dir index of nvram:startup-config, as on a
	// typical IOS router.
	startupIndex = 253
)

// Mount describes one file system.
type Mount struct {
	Prefix string // "flash", "nvram", "slot0": lower case, no colon
	// Dir is the host directory backing the file system. It is created
	// (0755, nvram 0700) if missing. Opaque file systems have no Dir.
	Dir  string
	Kind Kind // "" means KindDisk
	// AliasOf names another mount whose Dir, Kind, Size and virtual
	// files this one shares, e.g. slot0 -> "flash". Fields left zero are
	// inherited; fields set must match. Aliases are listed separately by
	// show file systems and count as the same file system for Rename.
	AliasOf string
	// Size is the capacity to report. When Size > 0 the free space is
	// Size minus the bytes of all regular files under Dir (including the
	// private area and temporary files), which keeps console output
	// deterministic. When Size is 0 both come from statfs(2) on Dir.
	Size int64
	// ReadOnly refuses every modification with ErrReadOnly and shows
	// "ro" in show file systems.
	ReadOnly bool
}

// mount is a validated Mount with its open root.
type mount struct {
	Mount
	owner   *mount   // the mount that owns Dir: itself unless an alias
	root    *os.Root // nil for opaque file systems; shared with aliases
	private bool     // owner holds the private area (the nvram mount)
	realDir string   // Dir with symbolic links resolved, for overlap checks
}

func (m *mount) filePerm() os.FileMode {
	if m.Kind == KindNVRAM {
		return 0o600
	}
	return 0o644
}

func (m *mount) dirPerm() os.FileMode {
	if m.Kind == KindNVRAM {
		return 0o700
	}
	return 0o755
}

// Store is the set of IOS file systems. It is safe for concurrent use.
type Store struct {
	def string
	// statfs reports capacity for mounts with Size 0; a field so that
	// tests can make the numbers deterministic.
	statfs func(dir string) (total, free int64, err error)

	mu       sync.RWMutex
	mounts   []*mount // in show file systems order
	byPrefix map[string]*mount
	nvram    *mount                                       // owner of the private area, or nil
	virt     map[*mount]map[string]func() ([]byte, error) // keyed by owner
	now      func() time.Time                             // software clock for file times; nil: the host's
	memDirs  map[*mount]map[string]*memDir                // memory directories (mem.go) by owner and name
}

// SetClock makes files written from now on carry times from now (the
// router's software clock) instead of the host's clock.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// New validates the mounts, creates their directories and returns a Store.
// defaultPrefix names the file system used for URLs without a prefix
// ("flash"). Mounts are listed by show file systems in the given order.
//
// Directories of different mounts must not be equal (use AliasOf) or
// nested, so that no file belongs to two file systems and the private
// area cannot be reached from another mount. At most one mount (plus its
// aliases) may be of KindNVRAM.
func New(defaultPrefix string, mounts ...Mount) (*Store, error) {
	s := &Store{
		def:      defaultPrefix,
		statfs:   statfs,
		byPrefix: make(map[string]*mount),
		virt:     make(map[*mount]map[string]func() ([]byte, error)),
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	for _, mt := range mounts {
		if !validPrefix(mt.Prefix) {
			return nil, fmt.Errorf("fs: invalid mount prefix %q", mt.Prefix)
		}
		if s.byPrefix[mt.Prefix] != nil {
			return nil, fmt.Errorf("fs: duplicate mount prefix %q", mt.Prefix)
		}
		// Placeholder so that duplicates are caught before any directory
		// is created; filled in below.
		s.byPrefix[mt.Prefix] = &mount{}
	}
	built := make([]*mount, len(mounts))
	// Owners first, so that aliases can refer to mounts listed later.
	for i, mt := range mounts {
		if mt.AliasOf != "" {
			continue
		}
		m, err := newOwner(mt)
		if err != nil {
			return nil, err
		}
		built[i] = m
		s.byPrefix[mt.Prefix] = m
		s.mounts = append(s.mounts, m) // so Close releases it on error
	}
	for i, mt := range mounts {
		if mt.AliasOf == "" {
			continue
		}
		m, err := newAlias(mt, s.byPrefix[mt.AliasOf])
		if err != nil {
			return nil, err
		}
		built[i] = m
		s.byPrefix[mt.Prefix] = m
	}
	s.mounts = built

	var owners []*mount
	for _, m := range built {
		if m.owner != m || m.root == nil {
			continue
		}
		for _, o := range owners {
			if within(o.realDir, m.realDir) || within(m.realDir, o.realDir) {
				return nil, fmt.Errorf("fs: mounts %s and %s overlap (%s, %s); use AliasOf", o.Prefix, m.Prefix, o.Dir, m.Dir)
			}
		}
		owners = append(owners, m)
		if m.Kind == KindNVRAM {
			if s.nvram != nil {
				return nil, fmt.Errorf("fs: more than one nvram file system: %s, %s", s.nvram.Prefix, m.Prefix)
			}
			s.nvram = m
		}
	}
	if s.nvram != nil {
		for _, m := range built {
			m.private = m.owner == s.nvram
		}
	}
	if s.byPrefix[defaultPrefix] == nil {
		return nil, fmt.Errorf("fs: default file system %q is not mounted", defaultPrefix)
	}
	ok = true
	return s, nil
}

func newOwner(mt Mount) (*mount, error) {
	if mt.Kind == "" {
		mt.Kind = KindDisk
	}
	m := &mount{Mount: mt}
	m.owner = m
	switch mt.Kind {
	case KindOpaque:
		if mt.Dir != "" {
			return nil, fmt.Errorf("fs: opaque file system %s cannot have a directory", mt.Prefix)
		}
		return m, nil
	case KindDisk, KindNVRAM:
	default:
		return nil, fmt.Errorf("fs: %s: unknown kind %q", mt.Prefix, mt.Kind)
	}
	if mt.Dir == "" {
		return nil, fmt.Errorf("fs: %s: no directory", mt.Prefix)
	}
	if mt.Size < 0 {
		return nil, fmt.Errorf("fs: %s: negative size", mt.Prefix)
	}
	dir, err := filepath.Abs(mt.Dir)
	if err != nil {
		return nil, fmt.Errorf("fs: %s: %w", mt.Prefix, err)
	}
	m.Dir = dir
	if err := os.MkdirAll(dir, m.dirPerm()); err != nil {
		return nil, fmt.Errorf("fs: %s: %w", mt.Prefix, err)
	}
	if m.realDir, err = filepath.EvalSymlinks(dir); err != nil {
		return nil, fmt.Errorf("fs: %s: %w", mt.Prefix, err)
	}
	if m.root, err = os.OpenRoot(dir); err != nil {
		return nil, fmt.Errorf("fs: %s: %w", mt.Prefix, err)
	}
	removeTemps(m.root)
	return m, nil
}

// removeTemps deletes the temporary files that atomic writes interrupted
// by a crash or a power cut left behind (issue 15 item 11): at mount no
// write is under way, and nothing else names files with tmpPrefix.
func removeTemps(root *os.Root) {
	var temps []string
	iofs.WalkDir(root.FS(), ".", func(name string, d iofs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasPrefix(d.Name(), tmpPrefix) {
			temps = append(temps, name)
		}
		return nil
	})
	for _, name := range temps {
		root.Remove(name)
	}
}

func newAlias(mt Mount, target *mount) (*mount, error) {
	if target == nil || target.owner == nil || target.owner != target {
		return nil, fmt.Errorf("fs: %s: alias of unknown or aliased file system %q", mt.Prefix, mt.AliasOf)
	}
	if mt.Dir != "" {
		dir, err := filepath.Abs(mt.Dir)
		if err != nil || dir != target.Dir {
			return nil, fmt.Errorf("fs: alias %s has a different directory than %s", mt.Prefix, target.Prefix)
		}
	}
	if (mt.Kind != "" && mt.Kind != target.Kind) || (mt.Size != 0 && mt.Size != target.Size) {
		return nil, fmt.Errorf("fs: alias %s differs from %s", mt.Prefix, target.Prefix)
	}
	m := &mount{Mount: target.Mount, owner: target, root: target.root, realDir: target.realDir}
	m.Prefix = mt.Prefix
	m.AliasOf = target.Prefix
	m.ReadOnly = mt.ReadOnly || target.ReadOnly
	return m, nil
}

// within reports whether dir is base or below it.
func within(base, dir string) bool {
	rel, err := filepath.Rel(base, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// validPrefix accepts IOS-like prefixes: a lower-case letter, then
// lower-case letters, digits, '-' or '_'.
func validPrefix(p string) bool {
	if p == "" || len(p) > 32 || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for _, c := range []byte(p) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Close releases the directory handles. The Store must not be used after.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, m := range s.mounts {
		if m != nil && m.owner == m && m.root != nil {
			errs = append(errs, m.root.Close())
			m.root = nil
		}
	}
	return errors.Join(errs...)
}

// Default returns the prefix used for URLs without one.
func (s *Store) Default() string { return s.def }

// Mounts returns the file systems in show file systems order, with Dir
// made absolute and alias fields filled in. Opaque file systems created
// by RegisterVirtual are included.
func (s *Store) Mounts() []Mount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Mount, len(s.mounts))
	for i, m := range s.mounts {
		out[i] = m.Mount
	}
	return out
}

// lookup returns the mount for prefix (matched case-insensitively, as
// IOS does), or nil.
func (s *Store) lookup(prefix string) *mount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byPrefix[strings.ToLower(prefix)]
}

// RegisterVirtual makes name, a plain file name in the root of the file
// system prefix, a read-only file whose content is produced by read:
// system:running-config, nvram:private-config and the like. A virtual
// file hides a real file of the same name; writing, removing or renaming
// it fails with ErrReadOnly. A nil read removes the registration.
//
// If prefix is not mounted, an opaque file system (without a directory)
// is created and appended to the mount list; to show it first in show
// file systems, as IOS does with system:, pass it to New instead.
//
// RegisterVirtual panics on an invalid prefix or name, as these are
// programming errors. read is called without locks held and may use the
// Store.
func (s *Store) RegisterVirtual(prefix, name string, read func() ([]byte, error)) {
	prefix = checkRootName("RegisterVirtual", prefix, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mountOrOpaqueLocked(prefix)
	files := s.virt[m.owner]
	if read == nil {
		delete(files, name)
		return
	}
	if files == nil {
		files = make(map[string]func() ([]byte, error))
		s.virt[m.owner] = files
	}
	files[name] = read
}

// checkRootName validates the prefix and the plain root name given to op
// (RegisterVirtual, AddMemDir), panicking on a programming error, and
// returns the prefix in lower case.
func checkRootName(op, prefix, name string) string {
	prefix = strings.ToLower(prefix)
	if !validPrefix(prefix) {
		panic(fmt.Sprintf("fs: %s: invalid prefix %q", op, prefix))
	}
	if clean, err := cleanName(name); err != nil || clean != name || name == "" ||
		strings.Contains(name, "/") || strings.HasPrefix(name, tmpPrefix) || name == privateDir {
		panic(fmt.Sprintf("fs: %s: invalid name %q", op, name))
	}
	return prefix
}

// mountOrOpaqueLocked returns the mount of prefix, creating an opaque file
// system appended to the mount list when there is none (s.mu held).
func (s *Store) mountOrOpaqueLocked(prefix string) *mount {
	m := s.byPrefix[prefix]
	if m == nil {
		m = &mount{Mount: Mount{Prefix: prefix, Kind: KindOpaque}}
		m.owner = m
		s.byPrefix[prefix] = m
		s.mounts = append(s.mounts, m)
	}
	return m
}

// virtual returns the callback for name in m, or nil.
func (s *Store) virtual(m *mount, name string) func() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.virt[m.owner][name]
}

// virtualFiles returns a snapshot of the virtual files of m, so that the
// callbacks can run without the lock.
func (s *Store) virtualFiles(m *mount) map[string]func() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.virt[m.owner])
}
