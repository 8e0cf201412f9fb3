package ca

import (
	"errors"
	"fmt"
	"strings"

	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/logging"
)

// errRAPending: the RA certificate has not arrived from the issuing CA yet.
var errRAPending = errors.New("% The RA certificate has not been granted by the issuing CA yet.")

// enableRA is `no shutdown` in `mode ra`: authenticate the issuing CA of
// the same-label trustpoint (its `enrollment url`) and enroll the RA
// certificate from it, then start forwarding (lock held).
func (f *Feature) enableRA(c *cli.Context, s *server) error {
	tps := pki.FromSystem(f.sys)
	if f.sys.IsLoading() || tps.Certificate(s.name) != nil {
		s.shutdown = false
		if f.sys.IsLoading() {
			return nil
		}
		if err := f.startRA(s); err != nil {
			s.shutdown = true
			return err
		}
		c.Printf("%% Certificate Server enabled.\n")
		return nil
	}
	tp := tps.Trustpoint(s.name)
	if tp == nil || tp.URL == "" {
		return fmt.Errorf("%% Trustpoint %s needs an enrollment url (the issuing CA) for RA mode.", s.name)
	}
	c.Printf("%% Ready to request the CA certificate.\n")
	c.Printf("%%Some server settings cannot be changed after the CA certificate has been requested.\n")
	if !keys.YesNo(c, "Are you sure you want to do this? [yes/no]: ") {
		return nil
	}
	if f.servers[s.name] != s {
		return errors.New("% Certificate server was removed.")
	}
	if err := tps.EnrollRA(c, s.name); err != nil {
		return err
	}
	if f.servers[s.name] != s {
		return errors.New("% Certificate server was removed.")
	}
	s.shutdown = false
	switch err := f.startRA(s); {
	case errors.Is(err, errRAPending):
		c.Printf("%% The RA certificate request is pending at the issuing CA; the server starts when it is granted.\n")
	case err != nil:
		s.shutdown = true
		return err
	default:
		c.Printf("%% Certificate Server enabled.\n")
	}
	return nil
}

// startRA starts the registration authority of server s (lock held).
func (f *Feature) startRA(s *server) error {
	if s.ra != nil {
		return nil
	}
	tps := pki.FromSystem(f.sys)
	tp := tps.Trustpoint(s.name)
	ca := tps.CACertificate(s.name)
	if tp == nil || ca == nil {
		return errors.New("% Failed to find Certificate Server's trustpoint at startup")
	}
	cert, key, ok := tps.Credentials(s.name)
	if !ok {
		if tps.Pending(s.name) {
			return errRAPending
		}
		return errors.New("% Failed to find Certificate Server's cert.")
	}
	s.ra = NewRA(f.sys.Context(), tp.URL, ca, cert, key, f.sys.Now, strings.HasPrefix(s.grant, "auto"))
	s.ra.SetGrant(strings.HasPrefix(s.grant, "auto"), s.grant == "none")
	f.register()
	f.mu.Lock()
	f.current = s.ra
	f.mu.Unlock()
	f.sys.Log.Logf(logging.Informational, "PKI", "CS_ENABLED", "Certificate server now enabled.")
	return nil
}

// execRA is the EXEC `crypto pki server NAME ...` of a registration
// authority: grant, reject and info requests; the rest belongs to the
// issuing CA.
func (f *Feature) execRA(c *cli.Context, s *server) error {
	ra := s.ra
	id := c.Int("id", 0)
	switch {
	case c.Has("grant"):
		if _, err := ra.Grant(id); err != nil {
			return fmt.Errorf("%% Request %d does not exist or is not pending.", id)
		}
	case c.Has("reject"):
		if _, err := ra.Reject(id); err != nil {
			return fmt.Errorf("%% Request %d does not exist or is not pending.", id)
		}
	case c.Has("requests"):
		c.Printf("Enrollment Request Database:\n\nRA certificate requests:\nReqID  State      Fingerprint                      SubjectName\n--------------------------------------------------------------\n")
		for _, r := range ra.Requests() {
			c.Printf("%-6d %-10s %s %s\n", r.ID, r.State, Fingerprint(r.CSR), subjectOf(r.CSR))
		}
	default:
		return fmt.Errorf("%% Certificate server %s is in RA mode; this operation belongs to the issuing CA.", s.name)
	}
	return nil
}
