package capf

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"cmeos/ios/fs"
)

// StoreFile is where the per-phone certificate records live: one JSON
// file in nvram:, replaced atomically on every change, so that a session
// interrupted at any point (or a power cut) leaves either the old records
// or the new ones, never a half-recorded certificate.
const StoreFile = "nvram:capf-lsc.db"

// Status words of a phone's certificate operation (seeds 000 and 001; the
// CUCM "Certificate Operation Status" field).
const (
	StatusNone          = "None"
	StatusPending       = "Operation Pending"
	StatusUpgradeOK     = "Upgrade Success"
	StatusFetchOK       = "Fetch Success"
	StatusDeleteOK      = "Delete Success"
	StatusUpgradeFailed = "Upgrade Failed"
	StatusFetchFailed   = "Fetch Failed"
	StatusDeleteFailed  = "Delete Failed"
)

// Record is what CAPF knows of one phone, keyed by device name.
type Record struct {
	Device string `json:"device"`
	// LSC is the DER of the phone's LSC (installed or fetched); nil
	// when it has none or it was deleted.
	LSC []byte `json:"lsc,omitempty"`
	// Status is the last operation's status: a Status* word, with the
	// reason after a colon for failures ("Upgrade Failed: Authentication Failed").
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
	// Done is the operation and auth mode that completed last
	// ("upgrade/auth-string"): the same operation is not run again until
	// it is configured anew.
	Done string `json:"done,omitempty"`
	// UsedAuth is the SHA-256 of the last auth string that succeeded:
	// an authentication string is single-use (seed 004).
	UsedAuth []byte `json:"used_auth,omitempty"`
	// AuthFailures counts wrong authentication strings.
	AuthFailures int `json:"auth_failures,omitempty"`
}

// Certificate parses the LSC, or returns nil.
func (r *Record) Certificate() *x509.Certificate {
	if r == nil || len(r.LSC) == 0 {
		return nil
	}
	c, err := x509.ParseCertificate(r.LSC)
	if err != nil {
		return nil
	}
	return c
}

// Store holds the records and writes them to nvram.
type Store struct {
	fs *fs.Store
	// mu guards recs and loaded; it is held while the file is written, so
	// that writes happen in the order of the changes.
	mu     sync.Mutex
	recs   map[string]*Record
	loaded bool
}

// NewStore returns the store kept on fsys (nil: memory only).
func NewStore(fsys *fs.Store) *Store { return &Store{fs: fsys, recs: map[string]*Record{}} }

// Load reads the records once (later calls do nothing).
func (s *Store) Load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded || s.fs == nil {
		return nil
	}
	s.loaded = true
	p, err := s.fs.Parse(StoreFile)
	if err != nil {
		return err
	}
	b, err := s.fs.ReadFile(p)
	if errors.Is(err, fs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var list []*Record
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("%s: %w", StoreFile, err)
	}
	for _, r := range list {
		if r != nil && validDevice(r.Device) {
			s.recs[r.Device] = r
		}
	}
	return nil
}

// Get returns a copy of a device's record, or nil.
func (s *Store) Get(device string) *Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.recs[device]; r != nil {
		c := *r
		return &c
	}
	return nil
}

// All returns copies of every record, by device name.
func (s *Store) All() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, k := range slices.Sorted(maps.Keys(s.recs)) {
		out = append(out, *s.recs[k])
	}
	return out
}

// Update changes a device's record with fn and writes the records; if the
// write fails, the change is undone and the error returned.
func (s *Store) Update(device string, fn func(r *Record)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.recs[device]
	r := &Record{Device: device, Status: StatusNone}
	if old != nil {
		c := *old
		r = &c
	}
	fn(r)
	s.recs[device] = r
	if err := s.writeLocked(); err != nil {
		if old == nil {
			delete(s.recs, device)
		} else {
			s.recs[device] = old
		}
		return err
	}
	return nil
}

// Reschedule forgets which operation completed last, for one device or
// ("") for all, so that a configured operation runs again (memory only:
// the next Update writes it).
func (s *Store) Reschedule(device string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, r := range s.recs {
		if device == "" || k == device {
			r.Done = ""
		}
	}
}

func (s *Store) writeLocked() error {
	if s.fs == nil {
		return nil
	}
	list := make([]*Record, 0, len(s.recs))
	for _, k := range slices.Sorted(maps.Keys(s.recs)) {
		list = append(list, s.recs[k])
	}
	b, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return err
	}
	p, err := s.fs.Parse(StoreFile)
	if err != nil {
		return err
	}
	return s.fs.WriteFile(p, b)
}

// authUsed reports whether the auth string is the one used last.
func (r *Record) authUsed(s string) bool {
	h := sha256.Sum256([]byte(s))
	return len(r.UsedAuth) == len(h) && subtle.ConstantTimeCompare(r.UsedAuth, h[:]) == 1
}

func validDevice(d string) bool {
	if len(d) != 15 || d[:3] != "SEP" {
		return false
	}
	for i := 3; i < len(d); i++ {
		c := d[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
