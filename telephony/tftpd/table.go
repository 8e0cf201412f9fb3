package tftpd

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"

	"cmeos/ios/fs"
)

// Table is the set of files a Server offers: the generated files of a
// directory (system:/its/ on the box, where other features write cnf, CTL
// and ITL files; see ServeDir), files published to the table itself (a
// standalone server), and files on a file system bound by `tftp-server`
// lines. Names are matched case-insensitively (phones ask for both
// CTLfile.tlv and CTLFile.tlv, and SEP names in either case). A generated
// file wins over a flash binding of the same name.
type Table struct {
	mu     sync.Mutex // guards mem, owners, bound and the directory
	mem    map[string]memFile
	owners map[string][]Binding // bindings by the feature that made them
	bound  map[string]Binding   // all bindings by lower-case name
	open   func(Binding) (io.ReadCloser, int64, error)
	store  *fs.Store // with dir: the directory of generated files, or nil
	dir    fs.Path
}

type memFile struct {
	name string
	data []byte
}

// Binding maps a TFTP name to a file on a board file system.
type Binding struct {
	Name string // the name clients request (the alias, or the file's base name)
	URL  string // the file as configured: "flash:music-on-hold.au"
}

// Entry describes one file of the table.
type Entry struct {
	Name      string
	URL       string // "" for a generated file
	Size      int64  // generated files only
	Generated bool
}

// NewTable returns an empty table; open reads the file of a binding.
func NewTable(open func(Binding) (io.ReadCloser, int64, error)) *Table {
	return &Table{mem: map[string]memFile{}, owners: map[string][]Binding{}, bound: map[string]Binding{}, open: open}
}

func key(name string) string { return strings.ToLower(name) }

// ServeDir makes the files of dir (a directory of store, such as
// system:/its/) generated files of the table.
func (t *Table) ServeDir(store *fs.Store, dir fs.Path) {
	t.mu.Lock()
	t.store, t.dir = store, dir
	t.mu.Unlock()
}

// dirFiles lists the files of the served directory.
func (t *Table) dirFiles() (*fs.Store, fs.Path, []fs.Entry) {
	t.mu.Lock()
	store, dir := t.store, t.dir
	t.mu.Unlock()
	if store == nil {
		return nil, dir, nil
	}
	es, err := store.List(dir)
	if err != nil {
		return store, dir, nil
	}
	out := es[:0]
	for _, e := range es {
		if !e.Dir {
			out = append(out, e)
		}
	}
	return store, dir, out
}

// openDir opens the file of the served directory whose name matches name
// regardless of case.
func (t *Table) openDir(name string) (io.ReadCloser, int64, error) {
	store, dir, es := t.dirFiles()
	for _, e := range es {
		if strings.EqualFold(e.Name, name) {
			rc, err := store.Open(dir.Join(e.Name))
			if err != nil {
				return nil, 0, ErrNotFound
			}
			// Read in full: the size must match what is sent even if the
			// file is replaced meanwhile (memory files are, atomically).
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, 0, ErrNotFound
			}
			return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
		}
	}
	return nil, 0, ErrNotFound
}

// Publish adds or replaces a file of the table itself (a standalone
// server; on the box generated files are written to system:/its/). The
// table keeps data: the caller must not modify it afterwards.
func (t *Table) Publish(name string, data []byte) {
	t.mu.Lock()
	t.mem[key(name)] = memFile{name: name, data: data}
	t.mu.Unlock()
}

// Remove withdraws a generated file.
func (t *Table) Remove(name string) {
	t.mu.Lock()
	delete(t.mem, key(name))
	t.mu.Unlock()
}

// Generated returns the content of a generated file.
func (t *Table) Generated(name string) ([]byte, bool) {
	t.mu.Lock()
	f, ok := t.mem[key(name)]
	t.mu.Unlock()
	if ok {
		return f.data, true
	}
	rc, _, err := t.openDir(name)
	if err != nil {
		return nil, false
	}
	b, err := io.ReadAll(rc)
	return b, err == nil
}

// OwnerConfig names the bindings of `tftp-server` lines; they win over
// bindings of the same name made by other features.
const OwnerConfig = "tftp-server"

// SetBindings replaces the flash bindings of the `tftp-server` lines.
func (t *Table) SetBindings(bs []Binding) { t.SetOwnerBindings(OwnerConfig, bs) }

// SetOwnerBindings replaces the bindings one feature made (load-cfg-file).
func (t *Table) SetOwnerBindings(owner string, bs []Binding) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.owners[owner] = append([]Binding(nil), bs...)
	m := map[string]Binding{}
	for o, list := range t.owners {
		if o == OwnerConfig {
			continue
		}
		for _, b := range list {
			m[key(b.Name)] = b
		}
	}
	for _, b := range t.owners[OwnerConfig] {
		m[key(b.Name)] = b
	}
	t.bound = m
}

// Len is the number of files offered.
func (t *Table) Len() int {
	_, _, es := t.dirFiles()
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.mem) + len(es) + len(t.bound)
}

// Entries lists the files, generated ones first, each group by name.
func (t *Table) Entries() []Entry {
	_, _, es := t.dirFiles()
	t.mu.Lock()
	var gen, fl []Entry
	for _, e := range es {
		if _, dup := t.mem[key(e.Name)]; !dup {
			gen = append(gen, Entry{Name: e.Name, Size: e.Size, Generated: true})
		}
	}
	for _, f := range t.mem {
		gen = append(gen, Entry{Name: f.name, Size: int64(len(f.data)), Generated: true})
	}
	for _, b := range t.bound {
		fl = append(fl, Entry{Name: b.Name, URL: b.URL})
	}
	t.mu.Unlock()
	sort.Slice(gen, func(i, j int) bool { return gen[i].Name < gen[j].Name })
	sort.Slice(fl, func(i, j int) bool { return fl[i].Name < fl[j].Name })
	return append(gen, fl...)
}

// Open implements Source.
func (t *Table) Open(name string) (io.ReadCloser, int64, error) {
	k := key(name)
	t.mu.Lock()
	f, ok := t.mem[k]
	b, bok := t.bound[k]
	t.mu.Unlock()
	if ok {
		return io.NopCloser(bytes.NewReader(f.data)), int64(len(f.data)), nil
	}
	if r, n, err := t.openDir(name); !errors.Is(err, ErrNotFound) {
		return r, n, err
	}
	if bok && t.open != nil {
		r, n, err := t.open(b)
		if err != nil {
			return nil, 0, ErrNotFound
		}
		return r, n, nil
	}
	return nil, 0, ErrNotFound
}
