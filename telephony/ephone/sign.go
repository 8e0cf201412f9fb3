package ephone

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/crypto/ctlprovider"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/telephony/cnf"
	"cmeos/telephony/tftpd"
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

// SignEncrypted builds SEP<MAC>.cnf.xml.enc.sgn for a phone certificate
// (protocols.md §3.2-§3.3), signed like the .sgn files.
func (s sgnSigner) SignEncrypted(name string, plain []byte, phone *x509.Certificate) ([]byte, error) {
	return ctl.EncryptFile(plain, name+".enc.sgn", phone, s.key, s.cert, crypto.SHA1, s.now())
}

// syncHTTPS gives the TFTP server's HTTPS listeners (6971, 6972) the
// certificate of the tftp-server-credentials trustpoint when `service https`
// or server-security-mode secure is on, and withdraws it otherwise. Called
// without the configuration lock.
func (f *Feature) syncHTTPS(on bool, tp string) {
	srv := tftpd.FromSystem(f.sys)
	if srv == nil {
		return
	}
	var tc *tls.Certificate
	if on && tp != "" {
		f.sys.Lock()
		var (
			cert *x509.Certificate
			key  crypto.Signer
			ok   bool
		)
		if p := pki.FromSystem(f.sys); p != nil {
			cert, key, ok = p.Credentials(tp)
		}
		f.sys.Unlock()
		if ok {
			tc = &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
		}
	}
	srv.SetHTTPS(tc)
}

// createSigned is `load-cfg-file URL alias NAME sign create` (seed 004):
// it signs the file with the tftp-server-credentials trustpoint and writes
// the .sgn next to it (URL.sgn), where later `sign` lines find it. The
// FILENAME inside is the alias the phones request, plus ".sgn". Lock held.
func (f *Feature) createSigned(url, alias string) error {
	tp := f.svc.TFTPCredentials
	if tp == "" {
		return fmt.Errorf("%% Cannot sign %s: tftp-server-credentials trustpoint is not configured.", url)
	}
	var (
		cert *x509.Certificate
		key  crypto.Signer
		ok   bool
	)
	if p := pki.FromSystem(f.sys); p != nil {
		cert, key, ok = p.Credentials(tp)
	}
	if !ok {
		return fmt.Errorf("%% Cannot sign %s: trustpoint %s has no certificate and key.", url, tp)
	}
	if f.sys.FS == nil {
		return fmt.Errorf("%%Error opening %s (No such file or directory)", url)
	}
	src, err := f.sys.FS.Parse(url)
	if err != nil {
		return fmt.Errorf("%%Error parsing filename (%s)", url)
	}
	content, err := f.sys.FS.ReadFile(src)
	if err != nil {
		return fmt.Errorf("%%Error opening %s (No such file or directory)", url)
	}
	sgn, err := ctl.SignFile(content, alias+".sgn", key, cert, crypto.SHA1, f.sys.Now())
	if err != nil {
		return fmt.Errorf("%% Cannot sign %s: %v", url, err)
	}
	dst, err := f.sys.FS.Parse(url + ".sgn")
	if err == nil {
		err = f.sys.FS.WriteFile(dst, sgn)
	}
	if err != nil {
		return fmt.Errorf("%%Error writing %s.sgn (%v)", url, err)
	}
	return nil
}

// signedOnFlash reports whether URL.sgn exists, made by `sign create`.
func (f *Feature) signedOnFlash(url string) bool {
	if f.sys.FS == nil {
		return false
	}
	p, err := f.sys.FS.Parse(url + ".sgn")
	if err != nil {
		return false
	}
	_, err = f.sys.FS.ReadFile(p)
	return err == nil
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
		// Through the change path, as if typed: the running-config is
		// unsaved and "Last configuration change" says so; Reconcile
		// publishes the cnf files with the new mode.
		f.sys.Change(FeatureTelephony, "ctl-client")
	}
}

// CTLCredentials implements crypto/credentials.CredentialSource: the CTL
// provider hands out the tftp-server-credentials certificate in the TFTP
// role, so that a ctl-client on another router lists it (seed 004: the
// provider conveys the credentials of the CME server functions). Lock held.
func (f *Feature) CTLCredentials() []ctlprovider.Credential {
	if !f.svc.Enabled || f.svc.TFTPCredentials == "" {
		return nil
	}
	pk := pki.FromSystem(f.sys)
	if pk == nil {
		return nil
	}
	c := pk.Certificate(f.svc.TFTPCredentials)
	if c == nil {
		return nil
	}
	return []ctlprovider.Credential{{Role: ctl.RoleTFTP, Cert: c}}
}
