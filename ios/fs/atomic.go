package fs

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
)

// dirFS is what an atomic write needs from a directory tree. *os.Root
// implements it for mounts, hostFS for plain host paths.
type dirFS interface {
	OpenFile(name string, flag int, perm os.FileMode) (*os.File, error)
	Open(name string) (*os.File, error)
	Rename(oldname, newname string) error
	Remove(name string) error
}

var _ dirFS = (*os.Root)(nil)

// hostFS is the host file system, for WriteFileAtomic.
type hostFS struct{}

func (hostFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
func (hostFS) Open(name string) (*os.File, error)   { return os.Open(name) }
func (hostFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (hostFS) Remove(name string) error             { return os.Remove(name) }

// testHookBeforeRename, if set, runs after the data is written to the
// temporary file and before it is synced and renamed; an error aborts the
// write. Tests use it to simulate failures (the tests run as root, so a
// read-only directory would not fail).
var testHookBeforeRename func(tmp string) error

// WriteFileAtomic replaces the file at path with data, atomically: data is
// written to a temporary file in the same directory, which is synced,
// given mode perm (regardless of the umask) and renamed over path, after
// which the directory is synced too. Readers see the old or the new
// content, never a mix. On failure before the rename the old file is
// intact and the temporary file is removed; a failure to sync the
// directory after the rename is still reported, since the new content may
// not survive a power cut.
//
// The directory must exist. If path is a symbolic link, the link itself
// is replaced. It is the helper every feature uses for host files (CA
// database, DHCP leases...).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if _, err := atomicWrite(hostFS{}, filepath.Dir(path), path, perm, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("fs: write %s: %w", path, err)
	}
	return nil
}

// atomicWrite copies r to target in fsys through a temporary file in dir,
// the directory of target. See WriteFileAtomic.
func atomicWrite(fsys dirFS, dir, target string, perm os.FileMode, r io.Reader) (n int64, err error) {
	f, tmp, err := createTemp(fsys, dir, perm)
	if err != nil {
		return 0, err
	}
	renamed := false
	defer func() {
		if err != nil && !renamed {
			f.Close() // may already be closed; the first error is what matters
			fsys.Remove(tmp)
		}
	}()
	// OpenFile's perm is filtered by the umask; the caller asked for an
	// exact mode (0600 for secrets), so set it on the open file, which
	// also cannot be swapped for a link in between.
	if err = f.Chmod(perm); err != nil {
		return 0, err
	}
	if n, err = io.Copy(f, r); err != nil {
		return n, err
	}
	if hook := testHookBeforeRename; hook != nil {
		if err = hook(tmp); err != nil {
			return n, err
		}
	}
	// Sync before the rename: otherwise a power cut can leave the new
	// name pointing at an empty or partial file.
	if err = f.Sync(); err != nil {
		return n, err
	}
	if err = f.Close(); err != nil {
		return n, err
	}
	if err = fsys.Rename(tmp, target); err != nil {
		return n, err
	}
	renamed = true
	return n, syncDir(fsys, dir)
}

// createTemp creates a new temporary file in dir. The name is random
// (crypto/rand, 130 bits) and opened with O_EXCL, so concurrent writers
// never share one.
func createTemp(fsys dirFS, dir string, perm os.FileMode) (*os.File, string, error) {
	for range 5 {
		tmp := filepath.Join(dir, tmpPrefix+rand.Text())
		f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, iofs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
	return nil, "", fmt.Errorf("cannot create a temporary file in %s: %w", dir, iofs.ErrExist)
}

// syncDir makes a rename, creation or removal in dir durable.
func syncDir(fsys dirFS, dir string) error {
	d, err := fsys.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
