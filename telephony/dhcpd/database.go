package dhcpd

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The lease database is a text file, one binding a line:
//
//	*cmeos dhcp bindings v1
//	10.1.1.11 0100124302a7cc 00124302a7cc phones 1795430000
//
// fields: address, client identifier (hex), hardware address (hex), pool,
// expiry in Unix seconds (0: infinite). Lines that do not parse are skipped:
// a damaged file loses those leases, never the server.

const dbHeader = "*cmeos dhcp bindings v1"

// MarshalDatabase renders bindings in the database format.
func MarshalDatabase(bs []Binding) []byte {
	var b bytes.Buffer
	b.WriteString(dbHeader + "\n")
	for _, x := range bs {
		exp := int64(0)
		if !x.Expires.IsZero() {
			exp = x.Expires.Unix()
		}
		pool := x.Pool
		if pool == "" || strings.ContainsAny(pool, " \t\n") {
			pool = "-"
		}
		fmt.Fprintf(&b, "%s %s %s %s %d\n", x.IP, hex.EncodeToString(x.ClientID), hex.EncodeToString(x.HWAddr), pool, exp)
	}
	return b.Bytes()
}

// ParseDatabase reads the database format, skipping bad lines.
func ParseDatabase(data []byte) []*Binding {
	var out []*Binding
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 4096)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 5 {
			continue
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil || !ip.Is4() {
			continue
		}
		id, err1 := hex.DecodeString(f[1])
		hw, err2 := hex.DecodeString(f[2])
		exp, err3 := strconv.ParseInt(f[4], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || len(id) == 0 || len(id) > 255 || len(hw) > 16 || exp < 0 {
			continue
		}
		b := &Binding{IP: ip, ClientID: id, HWAddr: net.HardwareAddr(hw), Pool: f[3]}
		if exp != 0 {
			b.Expires = time.Unix(exp, 0).UTC()
		}
		out = append(out, b)
	}
	return out
}

// changed schedules a database write: at once if the last one is older
// than SaveInterval, else when the interval has passed (so a flood of
// clients makes at most one write per interval).
func (s *Server) changed() {
	if s.cfg.Store == nil {
		return
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.closed {
		return
	}
	s.dirty = true
	if s.saveTimer != nil {
		return
	}
	wait := s.cfg.SaveInterval - time.Since(s.lastSave)
	if wait <= 0 {
		s.saveLocked()
		return
	}
	s.saveTimer = time.AfterFunc(wait, func() {
		s.saveMu.Lock()
		defer s.saveMu.Unlock()
		s.saveTimer = nil
		if !s.closed {
			s.saveLocked()
		}
	})
}

// saveLocked writes the database (saveMu held).
func (s *Server) saveLocked() {
	if !s.dirty {
		return
	}
	data := MarshalDatabase(s.Bindings())
	if err := s.cfg.Store.Save(data); err != nil {
		s.cfg.Logf(3, "DB_WRITE", "Cannot write the DHCP binding database: %v", err)
		return
	}
	s.dirty = false
	s.lastSave = time.Now()
}

// Flush writes pending changes now and stops further writes (shutdown).
func (s *Server) Flush() {
	if s.cfg.Store == nil {
		return
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.saveTimer != nil {
		s.saveTimer.Stop()
		s.saveTimer = nil
	}
	s.saveLocked()
	s.closed = true
}
