package ctlclient

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/crypto/ctlprovider"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/logging"
)

// MaxFileSize is the largest CTL file generated: phones fail to load trust
// lists over 64 KB (seed 003).
const MaxFileSize = 64 * 1024

// roleOf maps a `server` keyword to the CTL role (protocols.md §2.6).
var roleOf = map[string]ctl.Role{
	"cme": ctl.RoleCCM, "cme-tftp": ctl.RoleCCMTFTP, "tftp": ctl.RoleTFTP, "capf": ctl.RoleCAPF, "application": ctl.RoleAppServer,
}

// plan is what one generation needs, gathered under the configuration lock.
type plan struct {
	sast1, sast2 *x509.Certificate
	signer       crypto.Signer
	sast1Name    string
	records      []ctl.Record
	remotes      []Server // copies: asked with the lock released
	clientTLS    *tls.Config
}

// prepare validates the configuration and collects the local certificates
// (lock held). Errors are console messages.
func (f *Feature) prepare() (*plan, error) {
	if !f.on {
		return nil, errors.New("% CTL client is not configured.")
	}
	if f.shutdown {
		return nil, errors.New("% CTL client is shut down.")
	}
	if f.sast1 == "" {
		return nil, errors.New("% SAST1 trustpoint is not configured.")
	}
	if f.sast2 == "" {
		return nil, errors.New("% SAST2 trustpoint is not configured.")
	}
	p := pki.FromSystem(f.sys)
	if p == nil {
		return nil, errors.New("% No PKI available.")
	}
	certOf := func(tp string) (*x509.Certificate, error) {
		if p.Trustpoint(tp) == nil {
			return nil, fmt.Errorf("%% Trustpoint %s not found.", tp)
		}
		c := p.Certificate(tp)
		if c == nil {
			return nil, fmt.Errorf("%% Trustpoint %s has no certificate; enroll it first.", tp)
		}
		return c, nil
	}
	pl := &plan{sast1Name: f.sast1}
	var err error
	if pl.sast1, err = certOf(f.sast1); err != nil {
		return nil, err
	}
	if pl.sast2, err = certOf(f.sast2); err != nil {
		return nil, err
	}
	if bytes.Equal(pl.sast1.Raw, pl.sast2.Raw) {
		return nil, errors.New("% SAST1 and SAST2 certificates must be different.")
	}
	_, signer, ok := p.Credentials(f.sast1)
	if !ok {
		return nil, fmt.Errorf("%% No private key for SAST1 trustpoint %s.", f.sast1)
	}
	pl.signer = signer
	for _, c := range []*x509.Certificate{pl.sast1, pl.sast2} {
		if err := pl.add(c, ctl.RoleSAST); err != nil {
			return nil, err
		}
	}
	for _, s := range f.servers {
		if s.User != "" {
			pl.remotes = append(pl.remotes, *s)
			continue
		}
		c, err := certOf(s.Trustpoint)
		if err != nil {
			return nil, err
		}
		if err := pl.add(c, roleOf[s.Role]); err != nil {
			return nil, err
		}
	}
	for _, im := range f.imports {
		c, err := f.readImport(im)
		if err != nil {
			return nil, err
		}
		if err := pl.add(c, ctl.RoleAppServer); err != nil {
			return nil, err
		}
	}
	if len(pl.remotes) > 0 {
		pl.clientTLS = ctlprovider.ClientTLS(pl.sast1, signer, p.CACertificates(), f.sys.Now)
	}
	return pl, nil
}

// add appends the record of cert in role, once.
func (pl *plan) add(cert *x509.Certificate, role ctl.Role) error {
	for _, r := range pl.records {
		if r.Role == role && bytes.Equal(r.Certificate, cert.Raw) {
			return nil
		}
	}
	r, err := ctl.RecordFromCertificate(cert, role)
	if err != nil {
		return fmt.Errorf("%% Certificate %s cannot go into the CTL: %v", cert.Subject, err)
	}
	pl.records = append(pl.records, r)
	return nil
}

// readImport reads an `import certificate` file: PEM or DER.
func (f *Feature) readImport(im *Import) (*x509.Certificate, error) {
	path, err := f.sys.FS.Parse(im.URL)
	if err != nil {
		return nil, errors.New(fs.IOSError("opening", fs.Path{}, err))
	}
	b, err := f.sys.FS.ReadFile(path)
	if err != nil {
		return nil, errors.New(fs.IOSError("opening", path, err))
	}
	c, err := parseImport(b)
	if err != nil {
		return nil, fmt.Errorf("%% %s is not a certificate in PEM or DER format.", im.URL)
	}
	return c, nil
}

// parseImport decodes an imported certificate file: PEM or DER.
func parseImport(b []byte) (*x509.Certificate, error) {
	der := b
	if blk, _ := pem.Decode(b); blk != nil {
		der = blk.Bytes
	}
	return x509.ParseCertificate(der)
}

// fetchRemote asks each remote CME router's CTL provider for its
// credentials and adds them to the plan.
func (pl *plan) fetchRemote(ctx context.Context) error {
	for _, s := range pl.remotes {
		port := s.Port
		if port == 0 {
			port = ctlprovider.DefaultPort
		}
		creds, err := ctlprovider.Fetch(ctx, net.JoinHostPort(s.Addr.String(), strconv.Itoa(port)), s.User, s.Password.Plain(), pl.clientTLS)
		if err != nil {
			return fmt.Errorf("%% Failed to get credentials from CTL provider %s: %v", s.Addr, err)
		}
		for _, c := range creds {
			if c.Role == ctl.RoleSAST {
				continue // a provider cannot make itself a CTL signer
			}
			if err := pl.add(c.Cert, c.Role); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameConfig reports whether plan b, prepared after pl's remote providers
// were asked, was made from the same certificates, signer and providers.
func (pl *plan) sameConfig(b *plan) bool {
	if !pl.sast1.Equal(b.sast1) || !pl.sast2.Equal(b.sast2) || len(pl.remotes) != len(b.remotes) {
		return false
	}
	for i := range pl.remotes {
		if pl.remotes[i] != b.remotes[i] {
			return false
		}
	}
	// b's records are the local ones; pl's start with the same ones.
	if len(b.records) > len(pl.records) {
		return false
	}
	for i, r := range b.records {
		if r.Role != pl.records[i].Role || !bytes.Equal(r.Certificate, pl.records[i].Certificate) {
			return false
		}
	}
	return true
}

// sign builds the CTL file.
func (pl *plan) sign(now func() time.Time) ([]byte, error) {
	file := &ctl.File{Records: pl.records}
	b, err := ctl.Sign(file, pl.signer, pl.sast1, crypto.SHA1, FileName, now())
	if err != nil {
		return nil, fmt.Errorf("%% Failed to sign the CTL file: %v", err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%% The CTL file would be %d bytes, more than the %d phones accept.", len(b), MaxFileSize)
	}
	return b, nil
}

// sameContent reports whether the CTL file b lists exactly the records of
// the plan and is signed by its SAST1.
func (pl *plan) sameContent(b []byte) bool {
	if b == nil {
		return false
	}
	file, err := ctl.Verify(b, pl.sast1)
	if err != nil || len(file.Records) != len(pl.records) {
		return false
	}
	for i := range file.Records {
		a, w := file.Records[i], pl.records[i]
		if a.Role != w.Role || !bytes.Equal(a.Certificate, w.Certificate) {
			return false
		}
	}
	return true
}

func (f *Feature) flashPath() (fs.Path, error) { return f.sys.FS.Parse("flash:" + FileName) }

// install writes the CTL file atomically to flash: and puts it in service
// as system:/its/CTLFile.tlv, which TFTP and HTTP serve (lock held). The
// file in service is replaced only when the flash copy was written.
func (f *Feature) install(b []byte, records int, persist bool) error {
	if persist {
		p, err := f.flashPath()
		if err == nil {
			err = f.sys.FS.WriteFile(p, b)
		}
		if err != nil {
			return errors.New(fs.IOSError("writing", p, err))
		}
	}
	if err := f.sys.WriteGenerated(FileName, b); err != nil {
		return errors.New(fs.IOSError("writing", config.ITSPath(FileName), err))
	}
	f.current = b
	f.withdrawn = false
	if persist {
		f.sys.Log.Logf(logging.Notifications, "CTL_CLIENT", "GENERATED", "%s generated with %d records, signed by SAST1 trustpoint %s", FileName, records, f.sast1)
		f.sys.Publish(TopicGenerated)
	}
	return nil
}

// withdraw takes the CTL out of system:/its/, off the TFTP server (lock
// held); the flash copy stays.
func (f *Feature) withdraw() {
	if f.current == nil {
		return
	}
	f.current = nil
	f.withdrawn = true
	if err := f.sys.RemoveGenerated(FileName); err != nil {
		f.sys.Log.Logf(logging.Errors, "CTL_CLIENT", "WITHDRAW_FAILED", "%s", fs.IOSError("deleting", config.ITSPath(FileName), err))
	}
	f.sys.Log.Logf(logging.Notifications, "CTL_CLIENT", "WITHDRAWN", "%s withdrawn from the TFTP server", FileName)
}

// regenerate is the `regenerate` command: a new CTL file now. What it
// needs is collected under the configuration lock, remote providers are
// asked with the lock released (each bounded by its timeout), and the new
// file is put in service under the lock again, if the configuration it was
// built from still holds.
func (f *Feature) regenerate(c *cli.Context) error {
	if f.sys.IsLoading() {
		return nil // an action, not configuration
	}
	pl, err := f.prepare()
	if err != nil {
		return err
	}
	if len(pl.remotes) > 0 {
		c.Unlocked(func() { err = pl.fetchRemote(f.sys.Context()) })
		if err != nil {
			return err
		}
		if again, perr := f.prepare(); perr != nil {
			return perr
		} else if !pl.sameConfig(again) {
			return errors.New("% The CTL client configuration changed during regenerate; regenerate again.")
		}
	}
	b, err := pl.sign(f.sys.Now)
	if err != nil {
		return err
	}
	f.lastFailure = ""
	return f.install(b, len(pl.records), true)
}

// auto regenerates the CTL without being asked: at boot (when the flash
// copy does not match the configuration) and when a trustpoint certificate
// changed after a CTL was put in service. Failures are logged once and
// leave the file in service alone.
func (f *Feature) auto(ctx context.Context, boot bool) {
	f.amu.Lock()
	defer f.amu.Unlock()
	f.sys.Lock()
	if f.sys.IsLoading() || !f.on || f.shutdown || (!boot && f.current == nil) {
		f.sys.Unlock()
		return
	}
	pl, err := f.prepare()
	f.sys.Unlock()
	if err == nil {
		err = pl.fetchRemote(ctx)
	}
	f.sys.Lock()
	defer f.sys.Unlock()
	if err != nil {
		f.failed(err)
		return
	}
	if boot && f.current == nil {
		if p, perr := f.flashPath(); perr == nil {
			if old, rerr := f.sys.FS.ReadFile(p); rerr == nil && pl.sameContent(old) {
				f.install(old, len(pl.records), false)
				return
			}
		}
	}
	if pl.sameContent(f.current) {
		return
	}
	b, err := pl.sign(f.sys.Now)
	if err == nil {
		err = f.install(b, len(pl.records), true)
	}
	if err != nil {
		f.failed(err)
		return
	}
	f.lastFailure = ""
}

func (f *Feature) failed(err error) {
	msg := err.Error()
	if len(msg) > 2 && msg[:2] == "% " {
		msg = msg[2:]
	}
	if msg == f.lastFailure {
		return
	}
	f.lastFailure = msg
	f.sys.Log.Logf(logging.Errors, "CTL_CLIENT", "GENERATE_FAILED", "%s not generated: %s", FileName, msg)
}

// Current returns the CTL file in service, or nil (lock held).
func (f *Feature) Current() []byte { return slices.Clone(f.current) }
