package fs

import (
	"bytes"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"slices"
	"strings"
)

// The private area is the directory .private in the nvram directory, mode
// 0700, with files of mode 0600. It holds keys and other secrets that the
// console must never show: Parse refuses its names, List hides it, and
// only the methods below reach it.

// privateRoot returns the root of the nvram file system.
func (s *Store) privateRoot() (*os.Root, error) {
	if s.nvram == nil || s.nvram.root == nil {
		return nil, fmt.Errorf("no nvram file system: %w", ErrUnknownFS)
	}
	return s.nvram.root, nil
}

// validPrivateName accepts simple file names: [A-Za-z0-9._-]+, except
// "." and "..", and the names of temporary files.
func validPrivateName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > maxComponent || strings.HasPrefix(name, tmpPrefix) {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// privateFile checks name and returns the root and the file's name in it.
func (s *Store) privateFile(op, name string) (*os.Root, string, error) {
	if !validPrivateName(name) {
		return nil, "", fmt.Errorf("fs: private %s %q: %w", op, name, ErrBadPath)
	}
	root, err := s.privateRoot()
	if err != nil {
		return nil, "", fmt.Errorf("fs: private %s %q: %w", op, name, err)
	}
	return root, privateDir + "/" + name, nil
}

// privateErr wraps err like wrap does, naming the private file.
func privateErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return wrap("private "+op, Path{Prefix: "private", Name: name}, err)
}

// PrivateWrite atomically replaces the private file name with data, mode
// 0600, creating the private area (0700) if needed. name must match
// [A-Za-z0-9._-]+.
func (s *Store) PrivateWrite(name string, data []byte) error {
	root, file, err := s.privateFile("write", name)
	if err != nil {
		return err
	}
	if err := ensurePrivateDir(root); err != nil {
		return privateErr("write", name, err)
	}
	_, err = atomicWrite(root, privateDir, file, 0o600, bytes.NewReader(data))
	return privateErr("write", name, err)
}

// ensurePrivateDir creates the private area, or checks the existing one
// and resets its mode to 0700 in case something loosened it.
func ensurePrivateDir(root *os.Root) error {
	fi, err := root.Lstat(privateDir)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		if err := root.Mkdir(privateDir, 0o700); err != nil && !errors.Is(err, iofs.ErrExist) {
			return err
		}
		if err := syncDir(root, "."); err != nil {
			return err
		}
	case err != nil:
		return err
	case !fi.IsDir():
		// Most likely a symbolic link: refuse rather than follow it.
		return fmt.Errorf("%s is not a directory: %w", privateDir, ErrNotDir)
	}
	// Chmod through the open directory rather than by name, so that the
	// mode cannot land on something swapped in (see os.Root.Chmod).
	d, err := root.Open(privateDir)
	if err != nil {
		return err
	}
	defer d.Close()
	if fi, err := d.Stat(); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: %w", privateDir, ErrNotDir)
	}
	return d.Chmod(0o700)
}

// PrivateRead returns the content of the private file name.
func (s *Store) PrivateRead(name string) ([]byte, error) {
	root, file, err := s.privateFile("read", name)
	if err != nil {
		return nil, err
	}
	fi, err := root.Lstat(file)
	if err != nil {
		return nil, privateErr("read", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, privateErr("read", name, fmt.Errorf("not a regular file: %w", ErrBadPath))
	}
	b, err := root.ReadFile(file)
	return b, privateErr("read", name, err)
}

// PrivateRemove removes the private file name.
func (s *Store) PrivateRemove(name string) error {
	root, file, err := s.privateFile("remove", name)
	if err != nil {
		return err
	}
	if err := root.Remove(file); err != nil {
		return privateErr("remove", name, err)
	}
	return privateErr("remove", name, syncDir(root, privateDir))
}

// PrivateList returns the names of the private files, sorted. A missing
// private area is empty.
func (s *Store) PrivateList() ([]string, error) {
	root, err := s.privateRoot()
	if err != nil {
		return nil, fmt.Errorf("fs: private list: %w", err)
	}
	d, err := root.Open(privateDir)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, privateErr("list", "", err)
	}
	defer d.Close()
	des, err := d.ReadDir(-1)
	if err != nil {
		return nil, privateErr("list", "", err)
	}
	var names []string
	for _, de := range des {
		if de.Type().IsRegular() && validPrivateName(de.Name()) {
			names = append(names, de.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}
