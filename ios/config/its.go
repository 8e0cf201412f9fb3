package config

import (
	"bytes"
	"errors"

	"cmeos/ios/fs"
)

// Generated files live in system:/its/, as on IOS: the features that make
// files for phones (cnf files, CTLFile.tlv, ITL files) write them there with
// WriteGenerated, and the TFTP and HTTP provisioning servers serve what the
// directory holds. Producers and servers know the directory, not each other.
// It is a memory directory of ios/fs: bounded, atomic per file, empty after
// a reboot.

// ITSDir is the directory of generated files.
var ITSDir = fs.Path{Prefix: "system", Name: "its"}

// Bounds of system:/its/: a CTL is at most 64 KB, a cnf file a few KB, and
// a box serves some hundreds of phones.
var itsLimits = fs.MemDirLimits{MaxBytes: 16 << 20, MaxFiles: 4096}

// ITSPath returns the path of a generated file: system:its/NAME.
func ITSPath(name string) fs.Path { return ITSDir.Join(name) }

// WriteGenerated replaces system:/its/NAME with data, atomically, unless it
// already holds exactly data (so that the servers' watchers and phones see
// no change). Without a file system (configuration tests) it does nothing.
func (s *System) WriteGenerated(name string, data []byte) error {
	if s.FS == nil {
		return nil
	}
	p := ITSPath(name)
	if old, err := s.FS.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return s.FS.WriteFile(p, data)
}

// RemoveGenerated removes system:/its/NAME; a file that is not there is no
// error.
func (s *System) RemoveGenerated(name string) error {
	if s.FS == nil {
		return nil
	}
	if err := s.FS.Remove(ITSPath(name)); err != nil && !errors.Is(err, fs.ErrNotFound) {
		return err
	}
	return nil
}

// ReadGenerated returns the content of system:/its/NAME.
func (s *System) ReadGenerated(name string) ([]byte, bool) {
	if s.FS == nil {
		return nil, false
	}
	b, err := s.FS.ReadFile(ITSPath(name))
	return b, err == nil
}
