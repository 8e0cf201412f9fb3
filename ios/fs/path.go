package fs

import (
	"fmt"
	iofs "io/fs"
	"path"
	"strings"
	"unicode/utf8"
)

// Limits on names, well within what Linux file systems accept.
const (
	maxComponent = 255
	maxName      = 1024
)

// Path names a file in one of the Store's file systems.
type Path struct {
	Prefix string // file system prefix without the colon, e.g. "flash"
	// Name is slash-separated, cleaned and relative: no leading "/",
	// no "." or ".." elements. "" is the root.
	Name string
}

// String returns the path in the form "flash:dir/file"; the root is "flash:".
// Parse accepts it back.
func (p Path) String() string { return p.Prefix + ":" + p.Name }

// URL returns the path as IOS prints it in messages: "flash:/dir/file",
// the root being "flash:/".
func (p Path) URL() string { return p.Prefix + ":/" + p.Name }

// IsRoot reports whether p is the root of its file system.
func (p Path) IsRoot() bool { return p.Name == "" }

// Base returns the last element of the name, "" for the root.
func (p Path) Base() string {
	if p.Name == "" {
		return ""
	}
	return path.Base(p.Name)
}

// Dir returns the directory containing p; the root's Dir is the root.
func (p Path) Dir() Path {
	d := path.Dir(p.Name)
	if d == "." {
		d = ""
	}
	return Path{Prefix: p.Prefix, Name: d}
}

// Join returns p with elem appended, e.g. to copy a file into a
// directory. The result is validated when it is used.
func (p Path) Join(elem string) Path {
	if p.Name == "" {
		return Path{Prefix: p.Prefix, Name: elem}
	}
	return Path{Prefix: p.Prefix, Name: p.Name + "/" + elem}
}

// Parse parses an IOS file URL: "flash:foo", "flash:/dir/foo", "foo"
// (on the default file system), "nvram:startup-config", "system:".
// The prefix is matched case-insensitively.
//
// Names are cleaned: empty and "." elements are dropped and ".." removes
// the previous element. A ".." with nothing left to remove, a NUL or other
// control character, a backslash, invalid UTF-8, an absolute host path
// ("/etc/passwd" without a prefix), an over-long name or the name of a
// temporary file fail with ErrBadPath; an unknown prefix fails with
// ErrUnknownFS. A name in the nvram private area fails with ErrPrivate;
// the cleaned Path is returned with it so that the caller can print it
// (see IOSError).
func (s *Store) Parse(url string) (Path, error) {
	p, err := s.parse(url)
	if err != nil {
		return p, fmt.Errorf("fs: parse %q: %w", url, err)
	}
	return p, nil
}

func (s *Store) parse(url string) (Path, error) {
	if url == "" {
		return Path{}, fmt.Errorf("empty file name: %w", ErrBadPath)
	}
	if err := checkChars(url); err != nil {
		return Path{}, err
	}
	prefix, name, ok := strings.Cut(url, ":")
	if !ok {
		// An IOS name without a prefix is relative to the default file
		// system; a leading "/" is a host path someone is trying out.
		if strings.HasPrefix(url, "/") {
			return Path{}, fmt.Errorf("absolute host path: %w", ErrBadPath)
		}
		prefix, name = s.def, url
	}
	m := s.lookup(prefix)
	if m == nil {
		return Path{}, ErrUnknownFS
	}
	clean, err := cleanName(name)
	if err != nil {
		return Path{}, err
	}
	p := Path{Prefix: m.Prefix, Name: clean}
	if err := checkName(m, clean); err != nil {
		if err == ErrPrivate {
			return p, err
		}
		return Path{}, err
	}
	return p, nil
}

// checkChars rejects characters that have no business in an IOS file
// name and could confuse the host or the console.
func checkChars(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("invalid UTF-8: %w", ErrBadPath)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fmt.Errorf("invalid character %q: %w", r, ErrBadPath)
		}
	}
	return nil
}

// cleanName cleans a slash-separated name relative to a root, failing
// instead of clamping when ".." would leave the root.
func cleanName(name string) (string, error) {
	if err := checkChars(name); err != nil {
		return "", err
	}
	var elems []string
	for e := range strings.SplitSeq(name, "/") {
		switch e {
		case "", ".":
		case "..":
			if len(elems) == 0 {
				return "", fmt.Errorf("\"..\" above the root: %w", ErrBadPath)
			}
			elems = elems[:len(elems)-1]
		default:
			if len(e) > maxComponent {
				return "", fmt.Errorf("name too long: %w", ErrBadPath)
			}
			elems = append(elems, e)
		}
	}
	clean := strings.Join(elems, "/")
	if len(clean) > maxName {
		return "", fmt.Errorf("name too long: %w", ErrBadPath)
	}
	return clean, nil
}

// checkName refuses clean names that console URLs must not reach: the
// private area and temporary files of atomic writes (which would
// otherwise be invisible to dir).
func checkName(m *mount, clean string) error {
	if m.private && (clean == privateDir || strings.HasPrefix(clean, privateDir+"/")) {
		return ErrPrivate
	}
	for e := range strings.SplitSeq(clean, "/") {
		if strings.HasPrefix(e, tmpPrefix) {
			return ErrBadPath
		}
	}
	return nil
}

// resolve validates p again (it may have been built by hand rather than
// by Parse) and returns its mount and clean name.
func (s *Store) resolve(p Path) (*mount, string, error) {
	m := s.lookup(p.Prefix)
	if m == nil {
		return nil, "", ErrUnknownFS
	}
	clean, err := cleanName(p.Name)
	if err != nil {
		return nil, "", err
	}
	if clean != p.Name {
		return nil, "", fmt.Errorf("name not clean: %w", ErrBadPath)
	}
	if err := checkName(m, clean); err != nil {
		return nil, "", err
	}
	if m.private {
		if err := noSymlinks(m, clean); err != nil {
			return nil, "", err
		}
	}
	return m, clean, nil
}

// noSymlinks fails if any existing element of name is a symbolic link.
// It is applied to the file system holding the private area: os.Root
// already stops links from leaving the directory, but a link inside it
// could still point into .private.
func noSymlinks(m *mount, name string) error {
	if name == "" {
		return nil
	}
	elems := strings.Split(name, "/")
	for i := range elems {
		fi, err := m.root.Lstat(strings.Join(elems[:i+1], "/"))
		if err != nil {
			// Missing elements are reported by the operation itself.
			return nil
		}
		if fi.Mode()&iofs.ModeSymlink != 0 {
			return fmt.Errorf("symbolic link %q: %w", strings.Join(elems[:i+1], "/"), ErrBadPath)
		}
	}
	return nil
}
