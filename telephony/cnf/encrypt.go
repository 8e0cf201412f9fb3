package cnf

import (
	"crypto/md5"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
)

// Encrypter is implemented by signers that can also build the encrypted
// configuration file of a phone whose certificate is known
// (reference/protocols.md §3.2-§3.4). The .enc.sgn envelope itself is
// crypto/ctl's (ctl.EncryptFile); this package makes the stub that goes
// with it.
type Encrypter interface {
	// SignEncrypted returns SEP<MAC>.cnf.xml.enc.sgn: plain encrypted for
	// phone's public key and signed with the TFTP credentials. name is the
	// plain file's name.
	SignEncrypted(name string, plain []byte, phone *x509.Certificate) ([]byte, error)
}

// CertHash is the certHash of the encrypted-config stub: the lower-case hex
// MD5 fingerprint of the phone certificate that wraps the key (§3.4).
func CertHash(phone *x509.Certificate) string {
	s := md5.Sum(phone.Raw)
	return hex.EncodeToString(s[:])
}

// stubXML is the SEP<MAC>.cnf.xml the phone gets signed when its real
// configuration is encrypted (§3.4): fullConfig false, the load, the CAPF
// settings, certHash and encrConfig true.
type stubXML struct {
	XMLName         xml.Name `xml:"device"`
	FullConfig      bool     `xml:"fullConfig"`
	LoadInformation string   `xml:"loadInformation"`
	CapfAuthMode    int      `xml:"capfAuthMode"`
	CapfList        *struct {
		Capf []capfElem `xml:"capf"`
	} `xml:"capfList,omitempty"`
	CertHash   string `xml:"certHash"`
	EncrConfig bool   `xml:"encrConfig"`
}

// Stub renders the companion stub of an encrypted configuration (§3.4).
func Stub(sys System, p Phone) []byte {
	full := device(sys, p)
	s := stubXML{LoadInformation: full.LoadInformation, CapfAuthMode: full.CapfAuthMode, CapfList: full.CapfList,
		EncrConfig: true}
	if p.Cert != nil {
		s.CertHash = CertHash(p.Cert)
	}
	b, _ := xml.MarshalIndent(s, "", "  ")
	return append(append([]byte(xml.Header), b...), '\n')
}
