package ca

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/url"
)

// IssueLSC issues a phone's Locally Significant Certificate for CAPF
// (protocols.md §4.9, after usecallmanagernz capfd): subject CN = the
// device name with O, OU, L, ST and C copied from the CA certificate's
// subject, a URI SAN naming the device, ProfileLSC's usages, SHA-256. The
// phone sends CAPF a bare public key, not a CSR: CAPF has authenticated
// the phone (auth string, LSC or MIC) and proves nothing more here, so it
// alone may call this.
func (a *Authority) IssueLSC(device string, pub crypto.PublicKey) (*x509.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cert == nil || a.key == nil {
		return nil, fmt.Errorf("ca: %s has no CA certificate", a.name)
	}
	is := a.cert.Subject
	subject := pkix.Name{CommonName: device, Organization: is.Organization, OrganizationalUnit: is.OrganizationalUnit,
		Locality: is.Locality, Province: is.Province, Country: is.Country}
	raw, err := asn1.Marshal(subject.ToRDNSequence())
	if err != nil {
		return nil, fmt.Errorf("ca: LSC subject: %w", err)
	}
	u := &url.URL{Opaque: device}
	csr := &x509.CertificateRequest{Subject: subject, RawSubject: raw, PublicKey: pub, URIs: []*url.URL{u}}
	return a.signLocked(csr, ProfileLSC)
}
