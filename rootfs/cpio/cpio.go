// Package cpio writes the "newc" (SVR4, magic 070701) cpio archives the
// Linux kernel unpacks as an initramfs.
package cpio

import (
	"fmt"
	"io"
)

// Mode bits of cpio entries (the st_mode file types).
const (
	TypeDir  = 0o040000
	TypeReg  = 0o100000
	TypeChar = 0o020000
	TypeLink = 0o120000
)

// Writer writes a newc archive.
type Writer struct {
	w     io.Writer
	n     int64
	ino   uint32
	trail bool
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, ino: 1} }

// Header is one entry. Mode includes the file type bits.
type Header struct {
	Name               string
	Mode               uint32
	UID, GID           uint32
	MTime              int64
	Size               int64
	DevMajor, DevMinor uint32 // character or block devices (rdev)
}

// WriteHeader writes an entry's header; Size bytes of data must follow
// through Write (the writer pads them).
func (w *Writer) WriteHeader(h Header) error {
	if w.trail {
		return fmt.Errorf("cpio: write after close")
	}
	nlink := 1
	if h.Mode&0o170000 == TypeDir {
		nlink = 2
	}
	ino := w.ino
	w.ino++
	if h.Name == "TRAILER!!!" {
		ino = 0
		nlink = 1
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, h.Mode, h.UID, h.GID, nlink, uint32(h.MTime), uint32(h.Size),
		0, 0, h.DevMajor, h.DevMinor, len(h.Name)+1, 0)
	if err := w.write([]byte(hdr + h.Name + "\x00")); err != nil {
		return err
	}
	return w.pad()
}

// Write writes entry data.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}

// Pad ends an entry's data (call after its data).
func (w *Writer) pad() error {
	if r := w.n % 4; r != 0 {
		return w.write(make([]byte, 4-r))
	}
	return nil
}

func (w *Writer) write(p []byte) error { _, err := w.Write(p); return err }

// File writes a regular file with its data.
func (w *Writer) File(name string, mode uint32, data []byte) error {
	if err := w.WriteHeader(Header{Name: name, Mode: TypeReg | mode, Size: int64(len(data))}); err != nil {
		return err
	}
	if err := w.write(data); err != nil {
		return err
	}
	return w.pad()
}

// Dir writes a directory.
func (w *Writer) Dir(name string, mode uint32) error {
	return w.WriteHeader(Header{Name: name, Mode: TypeDir | mode})
}

// CharDev writes a character device node.
func (w *Writer) CharDev(name string, mode, major, minor uint32) error {
	return w.WriteHeader(Header{Name: name, Mode: TypeChar | mode, DevMajor: major, DevMinor: minor})
}

// Symlink writes a symbolic link.
func (w *Writer) Symlink(name, target string) error {
	if err := w.WriteHeader(Header{Name: name, Mode: TypeLink | 0o777, Size: int64(len(target))}); err != nil {
		return err
	}
	if err := w.write([]byte(target)); err != nil {
		return err
	}
	return w.pad()
}

// Close writes the trailer.
func (w *Writer) Close() error {
	if w.trail {
		return nil
	}
	err := w.WriteHeader(Header{Name: "TRAILER!!!"})
	w.trail = true
	return err
}
