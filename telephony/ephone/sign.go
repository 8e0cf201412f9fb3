package ephone

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/telephony/cnf"
)

// trustpointSigner signs cnf files with the certificate and key of the
// `tftp-server-credentials` trustpoint: the .sgn envelope of crypto/ctl,
// SHA-1 as the classic phones verify it (reference protocols.md §3.1).
func trustpointSigner(sys *config.System) SignerFunc {
	return func(tp string) (cnf.Signer, error) {
		sys.Lock()
		var (
			cert *x509.Certificate
			key  crypto.Signer
			ok   bool
		)
		if p := pki.FromSystem(sys); p != nil {
			cert, key, ok = p.Credentials(tp)
		}
		sys.Unlock()
		if !ok {
			return nil, fmt.Errorf("trustpoint %s has no certificate and key", tp)
		}
		return sgnSigner{cert: cert, key: key, now: sys.Now}, nil
	}
}

type sgnSigner struct {
	cert *x509.Certificate
	key  crypto.Signer
	now  func() time.Time
}

func (s sgnSigner) Sign(name string, content []byte) ([]byte, error) {
	return ctl.SignFile(content, name+".sgn", s.key, s.cert, crypto.SHA1, s.now())
}

// ctlGenerated applies the rule of seed 004: when the first CTL file is put
// in service, server-security-mode becomes secure (unless set otherwise).
func (f *Feature) ctlGenerated() {
	f.sys.Lock()
	changed := f.svc.ServerSecurity == ""
	if changed {
		f.svc.ServerSecurity = "secure"
	}
	f.sys.Unlock()
	if changed {
		f.publishCnf()
	}
}
