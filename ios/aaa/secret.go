package aaa

import (
	"errors"

	"cmeos/ios/config"
)

// ErrPasswordType is returned by ParseSharedSecret for a type other than
// 0, 1, 6, 7.
var ErrPasswordType = errors.New("bad password type")

// SharedSecret is a password this router must send to, or check from, a
// peer in clear (so never a hash): the `ctl-service admin ... secret T P`
// of the CTL provider, ctl-client's `server cme ... password T P`, the
// CAPF enrollment password. The seeds spell the type-7 cipher as type 1.
type SharedSecret struct {
	p   *Password
	six bool // entered as type 6: kept AES-encrypted while that is enabled
}

// ParseSharedSecret reads such a password. Type 1 is the reversible type-7
// cipher (ios-commands.md §6.6 item 8); the seed says the type tells how
// the password is shown, not how it is typed, so a type-1 value that is not
// valid cipher text is taken as clear text to be shown encrypted. The lock
// must be held.
func ParseSharedSecret(sys *config.System, typ int, text string) (*SharedSecret, error) {
	switch typ {
	case 0, 7:
		p, err := ParsePassword(sys, typ, text)
		return &SharedSecret{p: p}, err
	case 6:
		p, err := ParsePassword(sys, typ, text)
		return &SharedSecret{p: p, six: true}, err
	case 1:
		if p, err := ParsePassword(sys, 1, text); err == nil {
			return &SharedSecret{p: p}, nil
		}
		p, err := ParsePassword(sys, 0, text)
		if err != nil {
			return nil, err
		}
		enc := p.Render(sys, false, true) // "7 <cipher>"
		p, err = ParsePassword(sys, 7, enc[2:])
		return &SharedSecret{p: p}, err
	}
	return nil, ErrPasswordType
}

// Plain is the clear text, for the protocol only.
func (s *SharedSecret) Plain() string { return s.p.Plain() }

// String hides the secret from accidental formatting.
func (s *SharedSecret) String() string { return "aaa.SharedSecret{redacted}" }

// Render is the running-config form (lock held): "6 <AES>" for a password
// entered as type 6 while AES password encryption is on; "1 <type-7
// cipher>" (the seeds' spelling: these commands take types 0 and 1) when
// entered encrypted or while `service password-encryption` or `password
// encryption aes` is on (issue 15 item 10: it stayed clear); "0 clear"
// only when no encryption is configured. Type 6 is not chosen for a clear
// password because a type-6 value loads only on the box holding the
// master key.
func (s *SharedSecret) Render(sys *config.System) string {
	r := s.p.Render(sys, s.six, s.six || serviceEncryption(sys) || AESEnabled(sys))
	if r[0] == '7' {
		return "1" + r[1:]
	}
	return r
}
