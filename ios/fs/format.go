package fs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strconv"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Formats of dir (IOS 15 style):
//
//	Directory of flash:/
//
//	    1  -rw-     1823392  Oct 25 2006 07:19:39 +00:00  music-on-hold.au
//
//	64016384 bytes total (40173568 bytes free)
//
// An entry line has the index right-aligned in 5 columns, two spaces, the
// 4-character mode, a space, the size right-aligned in 11, two spaces, the
// date (always UTC, 27 characters; "<no date>" right-aligned in that width
// when the time is unknown), two spaces and the name.
const (
	dirLine       = "%5d  %s %11d  %27s  %s\n"
	dirTimeLayout = "Jan _2 2006 15:04:05 -07:00" // -07:00 prints "+00:00" in UTC, where Z07:00 would print "Z"
	dirNoDate     = "<no date>"
	dirEmpty      = "No files in directory\n"
	dirTotals     = "%d bytes total (%d bytes free)\n"
	dirNoSpace    = "No space information available\n"
)

// Formats of show file systems:
//
//	     Size(b)     Free(b)      Type  Flags  Prefixes
//	*   64016384    40173568      disk     rw   flash:#
//
// the default marker '*' in 1 column, size and free right-aligned in 11
// (separated by a space, "-" when unknown), a space, the type
// right-aligned in 9, a space, the flags right-aligned in 6, then three
// spaces (two in the header, as IOS does) and the prefix.
const (
	fsHeader = "%1s%11s %11s %9s %6s  %s\n"
	fsLine   = "%1s%11s %11s %9s %6s   %s\n"
)

// FormatDir writes the output of "dir p" to w. If p is a file, the
// listing shows just that file, as IOS does. Nothing is written if an
// error is returned; a missing directory gives an error wrapping
// ErrNotFound (see IOSError).
func (s *Store) FormatDir(w io.Writer, p Path) error {
	e, err := s.Stat(p)
	if err != nil {
		return err
	}
	title, entries := p.URL(), []Entry{e}
	if e.Dir {
		if entries, err = s.List(p); err != nil {
			return err
		}
		if !p.IsRoot() {
			title += "/"
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Directory of %s\n\n", title)
	if len(entries) == 0 {
		b.WriteString(dirEmpty)
	}
	for _, e := range entries {
		date := dirNoDate
		if !e.ModTime.IsZero() {
			date = e.ModTime.UTC().Format(dirTimeLayout)
		}
		fmt.Fprintf(&b, dirLine, e.Index, e.Mode, e.Size, date, e.Name)
	}
	b.WriteString("\n")
	// IOS prints the same line when it cannot tell, so a failing statfs
	// degrades the output rather than failing the command.
	if m := s.lookup(p.Prefix); m == nil || m.root == nil {
		b.WriteString(dirNoSpace)
	} else if total, free, err := s.Usage(p.Prefix); err != nil {
		b.WriteString(dirNoSpace)
	} else {
		fmt.Fprintf(&b, dirTotals, total, free)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// FormatFileSystems writes the output of "show file systems" to w, one row
// per mount (aliases included) in Mounts order. The default file system is
// marked with '*' and its prefix with '#'. Opaque file systems, and any
// whose usage cannot be read, show "-" for their sizes.
func (s *Store) FormatFileSystems(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("File Systems:\n\n")
	fmt.Fprintf(&b, fsHeader, "", "Size(b)", "Free(b)", "Type", "Flags", "Prefixes")
	for _, m := range s.Mounts() {
		size, free := "-", "-"
		if m.Kind != KindOpaque {
			if t, f, err := s.Usage(m.Prefix); err == nil {
				size, free = strconv.FormatInt(t, 10), strconv.FormatInt(f, 10)
			}
		}
		star, prefix := "", m.Prefix+":"
		if m.Prefix == s.def {
			star, prefix = "*", prefix+"#"
		}
		flags := "rw"
		if m.ReadOnly {
			flags = "ro"
		}
		fmt.Fprintf(&b, fsLine, star, size, free, string(m.Kind), flags, prefix)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// IOSError renders err, returned by an operation on p, as the IOS console
// does, without a trailing newline. op is the IOS verb: "opening",
// "deleting", "renaming", "creating directory", "copying"... For example
//
//	%Error opening flash:/x (No such file or directory)
//	%Error deleting flash:/x (No such file or directory)
//	%Error creating directory flash:/x (File exists)
//	%Error opening nvram:/.private/k (Permission denied)
//	%Error parsing filename (Invalid argument)
//
// Bad paths and unknown file systems are parse errors and do not name
// the path; for a private name pass the Path that Parse returns with
// ErrPrivate. A zero p leaves the path out.
func IOSError(op string, p Path, err error) string {
	var reason string
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPrivate): // before ErrBadPath, which it matches
		reason = "Permission denied"
	case errors.Is(err, ErrBadPath):
		return "%Error parsing filename (Invalid argument)"
	case errors.Is(err, ErrUnknownFS):
		return "%Error parsing filename (No such device)"
	default:
		reason = errReason(err)
	}
	if p == (Path{}) {
		return fmt.Sprintf("%%Error %s (%s)", op, reason)
	}
	return fmt.Sprintf("%%Error %s %s (%s)", op, p.URL(), reason)
}

// errReason returns the strerror-like text IOS puts in parentheses.
func errReason(err error) string {
	switch {
	case errors.Is(err, ErrNotFound):
		return "No such file or directory"
	case errors.Is(err, ErrExists):
		return "File exists"
	case errors.Is(err, ErrIsDir):
		return "Is a directory"
	case errors.Is(err, ErrNotDir):
		return "Not a directory"
	case errors.Is(err, ErrReadOnly):
		return "Read-only file system"
	case errors.Is(err, ErrCrossFS):
		return "Invalid cross-device link"
	}
	// Other host errors: "directory not empty", "no space left on
	// device"... capitalised like C strerror, as IOS prints them.
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return capitalize(errno.Error())
	}
	if errors.Is(err, iofs.ErrPermission) {
		return "Permission denied"
	}
	return "I/O error"
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
