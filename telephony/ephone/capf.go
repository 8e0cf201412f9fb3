package ephone

import (
	"crypto/x509"

	"cmeos/crypto/capf"
)

// The ephones are the CAPF server's phone directory (crypto/capf never
// imports telephony): it reads each phone's capf-auth-str and cert-oper,
// and `auth-string generate|delete` writes capf-auth-str here. The CAPF
// records (LSC, status) are read back through crypto/capf; TopicLSC
// regenerates the cnf files when one changes.

// CAPFPhones lists the ephones for the CAPF server (lock held).
func (f *Feature) CAPFPhones() []capf.Phone {
	var out []capf.Phone
	for _, tag := range sortedKeys(f.ephones) {
		e := f.ephones[tag]
		out = append(out, capf.Phone{Tag: tag, MAC: e.MACHex(), AuthString: e.CapfAuthStr, CertOper: e.CertOper, AuthMode: e.AuthMode})
	}
	return out
}

// SetCAPFAuthString sets an ephone's capf-auth-str (lock held).
func (f *Feature) SetCAPFAuthString(tag int, s string) bool {
	e := f.ephones[tag]
	if e == nil {
		return false
	}
	e.CapfAuthStr = s
	return true
}

// capfLSC is the LSC the CAPF server recorded for a phone, or nil.
func (f *Feature) capfLSC(macHex string) *x509.Certificate {
	if c := capf.FromSystem(f.sys); c != nil {
		return c.LSC("SEP" + macHex)
	}
	return nil
}

// capfAuthMode is the capfAuthMode of a phone's cnf file: its own
// cert-oper auth mode, else that of a capf-server operation due for it
// (lock held).
func (f *Feature) capfAuthMode(e *Ephone) int {
	if m := capfModes[e.AuthMode]; m != 0 {
		return m
	}
	if c := capf.FromSystem(f.sys); c != nil {
		if _, mode, ok := c.Pending("SEP" + e.MACHex()); ok {
			return int(capf.AuthTypeOf(mode))
		}
	}
	return 0
}
