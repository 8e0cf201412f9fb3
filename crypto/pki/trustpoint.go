// Package pki is the trustpoint side of the router's PKI (the
// pki-trustpoints feature): `crypto pki trustpoint` and its enrollment
// settings, `crypto pki certificate chain` (the running-config form of a
// trustpoint's certificates), `crypto pki authenticate`, `crypto pki
// enroll` (SCEP client, terminal, self-signed), `crypto pki import`/`export`
// and the `show crypto pki trustpoints|certificates` commands.
package pki

import (
	"crypto"
	"crypto/x509"

	"cmeos/crypto/keys"
	"cmeos/ios/config"
)

// Trustpoint is the configuration of one `crypto pki trustpoint`.
type Trustpoint struct {
	Name string
	// Enrollment: URL (SCEP), or Terminal (cut and paste), or SelfSigned.
	URL        string
	Terminal   bool
	PEM        bool // enrollment terminal pem
	SelfSigned bool
	// Revocation lists the revocation-check methods; nil means the default (crl).
	Revocation []string
	KeyLabel   string // rsakeypair; "" uses the default key
	KeySize    int
	EncSize    int
	// SerialNumber: 0 not configured (enroll asks), 1 serial-number, 2 serial-number none.
	SerialNumber int
	// IPAddress: "" not configured (enroll asks), "none", or an address.
	IPAddress   string
	SubjectName string
	SubjectAlt  string
	FQDN        string
	AutoEnroll  int // percent; 0 off
	Regenerate  bool
	OCSPURL     string
	EKURequest  string

	pending *pendingRequest // an enrollment waiting for the CA; not config
}

// Feature is the state of the pki-trustpoints feature. Its fields are
// guarded by the configuration lock.
type Feature struct {
	sys    *config.System
	tps    map[string]*Trustpoint
	order  []string // trustpoint names in creation order
	chains map[string]*Chain
	corder []string
	poll   poller
	mon    monitor
}

// FeatureName is the registration name of the trustpoint feature.
const FeatureName = "pki-trustpoints"

// FromSystem returns the trustpoint feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

// Trustpoint returns a trustpoint by name (lock held).
func (f *Feature) Trustpoint(name string) *Trustpoint { return f.tps[name] }

// Names returns the trustpoint names in configuration order (lock held).
func (f *Feature) Names() []string { return append([]string(nil), f.order...) }

// Ensure returns the trustpoint name, creating it if needed (lock held).
// The certificate server creates its same-label trustpoint this way.
func (f *Feature) Ensure(name string) *Trustpoint {
	if tp := f.tps[name]; tp != nil {
		return tp
	}
	tp := &Trustpoint{Name: name}
	f.tps[name] = tp
	f.order = append(f.order, name)
	return tp
}

// Chain returns the certificate chain of name, or nil (lock held).
func (f *Feature) Chain(name string) *Chain { return f.chains[name] }

func (f *Feature) ensureChain(name string) *Chain {
	if ch := f.chains[name]; ch != nil {
		return ch
	}
	ch := &Chain{Name: name}
	f.chains[name] = ch
	f.corder = append(f.corder, name)
	return ch
}

// SetCertificate installs a certificate in the chain of trustpoint name:
// the CA certificate (ca) or the router's own, replacing the previous one
// of that kind (lock held). Subscribers of TopicCertificates are told.
func (f *Feature) SetCertificate(name string, c *x509.Certificate, ca bool) {
	ch := f.ensureChain(name)
	var kept []*Entry
	for _, e := range ch.Entries {
		if e.CA != ca {
			kept = append(kept, e)
		}
	}
	ne := NewEntry(c, ca)
	if ca {
		ch.Entries = append(kept, ne)
	} else {
		ch.Entries = append([]*Entry{ne}, kept...)
	}
	f.sys.Publish(TopicCertificates)
}

// CACertificate returns the decodable CA certificate of trustpoint name (lock held).
func (f *Feature) CACertificate(name string) *x509.Certificate { return f.cert(name, true) }

// CACertificates returns the CA certificates of every trustpoint, in
// trustpoint order: the anchors this router checks a peer against (the CTL
// provider and its clients, CAPF for MICs) (lock held).
func (f *Feature) CACertificates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, n := range f.order {
		if c := f.CACertificate(n); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Certificate returns the decodable router certificate of trustpoint name (lock held).
func (f *Feature) Certificate(name string) *x509.Certificate { return f.cert(name, false) }

func (f *Feature) cert(name string, ca bool) *x509.Certificate {
	ch := f.chains[name]
	if ch == nil {
		return nil
	}
	for _, e := range ch.Entries {
		if e.CA == ca {
			if c, err := e.Certificate(); err == nil {
				return c
			}
		}
	}
	return nil
}

// KeyLabel is the label of the key pair trustpoint tp uses: its rsakeypair,
// else the default key name (hostname.domain) when a domain is set, else
// the trustpoint's own name (lock held).
func (f *Feature) KeyLabel(tp *Trustpoint) string {
	if tp.KeyLabel != "" {
		return tp.KeyLabel
	}
	if l := keys.DefaultLabel(f.sys); f.sys.Hostname() != config.DefaultHostname && len(l) > len(f.sys.Hostname()) {
		return l
	}
	return tp.Name
}

// Credentials returns the router certificate of trustpoint name and its
// private key, for servers that present it (TLS, CTL signing). ok is false
// when the trustpoint has no certificate or its key is missing (lock held).
func (f *Feature) Credentials(name string) (cert *x509.Certificate, key crypto.Signer, ok bool) {
	tp := f.tps[name]
	c := f.Certificate(name)
	if tp == nil || c == nil {
		return nil, nil, false
	}
	k, found := keys.FromSystem(f.sys).Get(f.KeyLabel(tp))
	if !found {
		return nil, nil, false
	}
	return c, k.Signer, true
}
