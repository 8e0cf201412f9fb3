// Package aaa holds the local users, the enable secret, the AAA method lists,
// login lockout, and the password master key (key config-key
// password-encrypt, type 6). Other features store their reversible
// passwords as *Password so that they render as type 0, 6 or 7 exactly as
// IOS does.
package aaa

import (
	"fmt"
	"strconv"

	"cmeos/ios/aaa/pwtype"
	"cmeos/ios/config"
)

// Password is a reversible password a feature keeps (ctl-client server cme,
// credentials ctl-service admin, capf cert-enroll-trustpoint, voice register
// pools...). The clear text stays in memory only; what running-config shows
// is computed once per form so that rendering is stable.
type Password struct {
	plain string
	t7    string // type 7 form, fixed when the password is set
	t6    string // type 6 form under the master key t6key
	t6key *pwtype.MasterKey
	// hidden is set when the password was entered in type 7 form: IOS keeps
	// it hidden even without service password-encryption.
	hidden bool
}

// ParsePassword reads a password as typed after its type digit: 0 (clear),
// 6 (AES, needs the master key), 7 or 1 (the reversible IOS cipher; the
// seeds write type 1 for it in ctl-client, credentials and capf-server).
// The lock must be held.
func ParsePassword(sys *config.System, typ int, text string) (*Password, error) {
	p := &Password{}
	switch typ {
	case 0:
		p.plain = text
	case 7, 1:
		plain, err := pwtype.Type7Decode(text)
		if err != nil {
			return nil, fmt.Errorf("%% Invalid encrypted password")
		}
		p.plain, p.t7, p.hidden = plain, text, true
	case 6:
		k := masterKey(sys)
		if k == nil {
			return nil, fmt.Errorf("%% Type 6 password given but no master key (key config-key password-encrypt) is configured")
		}
		plain, err := k.Decrypt(text)
		if err != nil {
			return nil, fmt.Errorf("%% Invalid encrypted password")
		}
		p.plain, p.t6, p.t6key = plain, text, k
	default:
		return nil, fmt.Errorf("%% Invalid encryption type %d", typ)
	}
	return p, nil
}

// Plain returns the clear text, for the feature's protocol use only: never
// print or log it.
func (p *Password) Plain() string { return p.plain }

// String hides the password from accidental formatting.
func (p *Password) String() string { return "aaa.Password{redacted}" }

// Render returns "TYPE TEXT" as running-config shows it. With encrypt (the
// feature's `encrypt password`, on by default) and type 6 enabled
// (`password encryption aes` plus a master key) it is type 6; otherwise
// type 7 when typ7 is true (service password-encryption applies) or the
// password was entered as type 7, else clear text. The lock must be held.
func (p *Password) Render(sys *config.System, encrypt, typ7 bool) string {
	if encrypt && AESEnabled(sys) {
		k := masterKey(sys)
		if p.t6 == "" || p.t6key != k {
			if enc, err := k.Encrypt(p.plain); err == nil {
				p.t6, p.t6key = enc, k
			}
		}
		if p.t6 != "" {
			return "6 " + p.t6
		}
	}
	if typ7 || p.hidden {
		if p.t7 == "" {
			p.t7, _ = pwtype.Type7Encode(p.plain, 0)
		}
		return "7 " + p.t7
	}
	return "0 " + p.plain
}

// RenderSecret is Render for a stored secret the router needs in clear
// (an archive password), as SharedSecret renders: type 6 if entered so,
// type 7 while `service password-encryption` or `password encryption aes`
// is on or if entered encrypted, clear text otherwise.
func (p *Password) RenderSecret(sys *config.System) string {
	return p.Render(sys, p.t6 != "", serviceEncryption(sys) || AESEnabled(sys))
}

// RenderType7 is Render for passwords that follow `service
// password-encryption` only (line and username passwords).
func (p *Password) RenderType7(sys *config.System) string {
	return p.Render(sys, false, serviceEncryption(sys))
}

func atoiType(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
