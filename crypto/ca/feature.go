package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/httpd"
	"cmeos/ios/logging"
)

// FeatureName is the registration name of the certificate server.
const FeatureName = "pki-server"

// ModeServer is the (cs-server)# mode.
const ModeServer = "cs-server"

// CAKeyBits is the modulus of a CA key generated at `no shutdown`.
var CAKeyBits = 2048

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderPKI, New: newFeature, Examples: `crypto pki server cme_root
 database level complete
 database url flash:
 database archive pem
 issuer-name CN=cme_root,O=Example
 grant auto
 lifetime certificate 1800
 lifetime ca-certificate 3650
 lifetime crl 24
 hash sha256
 auto-rollover 60
 cdp-url http://10.1.1.1/cgi-bin/pkiclient.exe?operation=GetCRL
 shutdown
crypto pki server iosra
 database url slot0:
 database archive pkcs12 password Archive123
 grant none
 mode ra
 shutdown
`})
}

// server is the configuration of one `crypto pki server`.
type server struct {
	name         string
	level        string
	dbURL        string
	archive      string        // "", "pem", "pkcs12"
	archivePW    *aaa.Password // `database archive ... password`: protects the archive instead of the passphrase; nil: none
	issuer       string
	lifeCert     int
	lifeCA       int
	lifeCRL      int
	lifeReq      int    // `lifetime enrollment-request` hours
	grant        string // "" (manual, default), "auto", "none", "auto rollover"
	hash         string
	cdp          string
	modeRA       bool
	autoRollover int // `auto-rollover` days before expiry (0: off)
	shutdown     bool

	auth *Authority // running CA; nil while shut
	ra   *RA        // running registration authority (mode ra); nil while shut
}

// Feature is the certificate server feature; its config is guarded by the
// configuration lock.
type Feature struct {
	sys     *config.System
	servers map[string]*server
	order   []string

	once    sync.Once
	mu      sync.Mutex   // guards current
	current http.Handler // the CA or RA answering SCEP

	timerOnce            sync.Once // rollover timer
	timerStop, timerDone chan struct{}
	ocsp                 *Authority // the CA answering OCSP
}

var help = map[string]string{
	"crypto": "Encryption module", "pki": "Public Key components", "server": "Enable IOS Certificate server",
	"csname": "Certificate server name", "database": "Certificate server database configuration",
	"level": "Database level", "minimal": "Minimum - no cert data written to storage",
	"names":    "Names - cert serial number and subject name written to storage",
	"complete": "Complete - each issued cert written to storage", "url": "Database URL", "dburl": "Root URL",
	"archive": "CA key and certificate archive", "pem": "PEM format", "pkcs12": "PKCS12 format",
	"issuer-name": "Issuer name", "dn": "Issuer DN", "lifetime": "Lifetime", "certificate": "Certificate lifetime",
	"ca-certificate": "CA certificate lifetime", "crl": "CRL", "enrollment-request": "Enrollment request lifetime", "reqhours": "Hours", "days": "Days", "hours": "Hours",
	"grant": "Grant requests", "auto": "Automatically grant incoming requests", "none": "Automatically reject incoming requests",
	"rollover": "Automatically grant rollover requests",
	"hash":     "Hash algorithm", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512",
	"cdp-url": "CRL distribution point", "cdp": "URL", "mode": "Server mode", "ra": "Registration authority mode",
	"shutdown": "Shutdown the certificate server", "all": "All requests", "id": "Request ID",
	"reject": "Reject requests", "info": "Display information", "requests": "Enrollment requests",
	"revoke": "Revoke a certificate", "serial": "Serial number (hex)", "request": "Submit a request",
	"pkcs10": "PKCS10 request", "terminal": "From the terminal", "base64": "Base64 format",
	"show":          "Show running system information",
	"auto-rollover": "Automatically roll over the CA certificate before it expires", "cancel": "Delete the rollover CA certificate",
	"password": "One-time enrollment password", "generate": "Generate a one-time password", "minutes": "Minutes the password is valid (default 60)",
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, servers: map[string]*server{}}
	t := sys.Tree
	t.AddMode(ModeServer, "(cs-server)#", cli.ModeConfig)
	own := FeatureName
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki server csname:WORD", Help: help, Owner: own, No: true, Run: func(c *cli.Context) error {
		name := c.String("csname")
		if c.Negate {
			s := f.servers[name]
			if s == nil {
				return fmt.Errorf("%% Certificate server %s does not exist.", name)
			}
			f.stop(s)
			delete(f.servers, name)
			f.order = remove(f.order, name)
			return nil
		}
		if len(name) > 13 {
			return c.InvalidInput("csname")
		}
		s := f.servers[name]
		// The server block comes before its trustpoint and chain in
		// startup-config; the server starts once they are loaded
		// (Reconcile). Nothing is said at boot unless it then fails to
		// start (CS_START_FAIL names why): IOS's "% Failed to find
		// Certificate Server's trustpoint at startup" before a CA that
		// starts fine only misleads (issue 16 item 8).
		if s == nil {
			s = &server{name: name, level: LevelMinimal, dbURL: "nvram:", lifeCert: 365, lifeCA: 1095, lifeCRL: 168, lifeReq: DefaultRequestHours, shutdown: !sys.IsLoading()}
			f.servers[name] = s
			f.order = append(f.order, name)
			// The same-label trustpoint holds the CA certificate (created unless it exists).
			if tps := pki.FromSystem(sys); tps != nil && tps.Trustpoint(name) == nil && !sys.IsLoading() {
				tp := tps.Ensure(name)
				tp.KeyLabel = name
			}
		}
		c.Enter(ModeServer, s)
		return nil
	}})
	cs := func(syntax string, run func(c *cli.Context, s *server) error) {
		t.Add(ModeServer, cli.Command{Syntax: syntax, Help: help, Owner: own, No: true, Run: func(c *cli.Context) error {
			s := c.ModeValue().(*server)
			if f.servers[s.name] != s {
				return errors.New("% Certificate server was removed.")
			}
			return run(c, s)
		}})
	}
	locked := func(s *server) error {
		if !s.shutdown && (s.auth != nil || s.ra != nil) {
			return errors.New("% This setting cannot be changed while the server is enabled; enter \"shutdown\" first.")
		}
		return nil
	}
	cs("database level { minimal | names | complete }", func(c *cli.Context, s *server) error {
		s.level = LevelMinimal
		switch {
		case c.Negate:
		case c.Has("names"):
			s.level = LevelNames
		case c.Has("complete"):
			s.level = LevelComplete
		}
		f.reconfigure(s)
		return nil
	})
	cs("database url dburl:WORD", func(c *cli.Context, s *server) error {
		u := c.String("dburl")
		if c.Negate {
			u = "nvram:"
		}
		if err := locked(s); err != nil {
			return err
		}
		if !strings.Contains(u, ":") {
			return c.InvalidInput("dburl")
		}
		s.dbURL = u
		return nil
	})
	cs("database archive { pem | pkcs12 } [ password [ type:<0-7> ] pw:WORD ]", func(c *cli.Context, s *server) error {
		var pw *aaa.Password
		if c.Has("pw") {
			p, err := aaa.ParsePassword(sys, c.Int("type", 0), c.String("pw"))
			if err != nil {
				return err
			}
			pw = p
		}
		s.archive, s.archivePW = "pkcs12", pw
		if c.Has("pem") {
			s.archive = "pem"
		}
		if c.Negate {
			s.archive, s.archivePW = "", nil
		}
		return nil
	})
	cs("issuer-name dn:LINE", func(c *cli.Context, s *server) error {
		if err := locked(s); err != nil {
			return err
		}
		if !c.Negate {
			if _, err := parseIssuer(c.String("dn")); err != nil {
				return c.InvalidInput("dn")
			}
		}
		s.issuer = c.String("dn")
		return nil
	})
	cs("lifetime { certificate days:<1-1825> | ca-certificate cadays:<1-7305> | crl hours:<1-336> | enrollment-request reqhours:<1-1000> }", func(c *cli.Context, s *server) error {
		switch {
		case c.Has("enrollment-request"):
			s.lifeReq = c.Int("reqhours", DefaultRequestHours)
			if c.Negate {
				s.lifeReq = DefaultRequestHours
			}
		case c.Has("certificate"):
			s.lifeCert = c.Int("days", 365)
			if c.Negate {
				s.lifeCert = 365
			}
		case c.Has("ca-certificate"):
			s.lifeCA = c.Int("cadays", 1095)
			if c.Negate {
				s.lifeCA = 1095
			}
		default:
			s.lifeCRL = c.Int("hours", 168)
			if c.Negate {
				s.lifeCRL = 168
			}
		}
		f.reconfigure(s)
		return nil
	})
	cs("grant { auto [ rollover ] | none }", func(c *cli.Context, s *server) error {
		switch {
		case c.Negate:
			s.grant = ""
		case c.Has("rollover"):
			s.grant = "auto rollover"
		case c.Has("auto"):
			s.grant = "auto"
		default:
			s.grant = "none"
		}
		f.reconfigure(s)
		return nil
	})
	cs("hash { sha256 | sha384 | sha512 }", func(c *cli.Context, s *server) error {
		s.hash = strings.TrimPrefix(c.CanonicalArgs(), "hash ")
		if c.Negate {
			s.hash = ""
		}
		f.reconfigure(s)
		return nil
	})
	cs("cdp-url cdp:WORD", func(c *cli.Context, s *server) error {
		s.cdp = c.String("cdp")
		f.reconfigure(s)
		return nil
	})
	cs("auto-rollover [ days:<1-3650> ]", func(c *cli.Context, s *server) error {
		s.autoRollover = c.Int("days", 30)
		if c.Negate {
			s.autoRollover = 0
		}
		return nil
	})
	cs("mode ra", func(c *cli.Context, s *server) error {
		if err := locked(s); err != nil {
			return err
		}
		s.modeRA = !c.Negate
		return nil
	})
	cs("shutdown", func(c *cli.Context, s *server) error {
		if c.Negate {
			return f.enable(c, s)
		}
		s.shutdown = true
		f.stop(s)
		if !sys.IsLoading() {
			c.Printf("%% Certificate Server disabled.\n")
		}
		return nil
	})

	// EXEC.
	t.Add(cli.ModeExec, cli.Command{Syntax: "crypto pki server csname:WORD { grant { all | id:<1-2147483647> } | reject { all | id:<1-2147483647> } | info { requests | crl } | revoke serial:HEX | request pkcs10 terminal [ pem | base64 ] | rollover [ cancel ] | password generate [ minutes:<1-1440> ] }",
		Help: help, Run: f.exec})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show crypto pki server [ csname:WORD [ certificates | requests ] ]", Help: help, Pipe: true, Run: f.show})
	return f
}

func remove(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func parseIssuer(dn string) (pkix.Name, error) { return pki.ParseDN(dn) }

func (f *Feature) settings(s *server) Settings {
	return Settings{Name: s.name, DBURL: s.dbURL, Level: s.level, Lifetime: s.lifeCert, CRLHours: s.lifeCRL, RequestHours: s.lifeReq,
		GrantAuto: s.grant == "auto", GrantRollover: s.grant == "auto rollover", CDPURL: s.cdp, Hash: s.hash, GrantNone: s.grant == "none",
		OwnKey: f.ownKey}
}

// ownKey reports whether spki is the public key of a key pair in this
// box's key store (signature or encryption key). The key store has its
// own lock, so the SCEP handler may ask while a console holds the
// configuration lock.
func (f *Feature) ownKey(spki []byte) bool {
	st := keys.FromSystem(f.sys)
	if st == nil {
		return false
	}
	for _, label := range st.Labels() {
		k, ok := st.Get(label)
		if ok && (bytes.Equal(k.PublicDER(), spki) || bytes.Equal(k.EncryptionPublicDER(), spki)) {
			return true
		}
	}
	return false
}

func (f *Feature) reconfigure(s *server) {
	if s.auth != nil {
		s.auth.Configure(f.settings(s))
	}
	if s.ra != nil {
		s.ra.SetGrant(strings.HasPrefix(s.grant, "auto"), s.grant == "none")
	}
}

// Render writes the crypto pki server blocks.
func (f *Feature) Render(r *config.Renderer) {
	for _, name := range f.order {
		s := f.servers[name]
		r.Line("crypto pki server " + name)
		if s.level != LevelMinimal {
			r.Sub("database level " + s.level)
		}
		if s.dbURL != "nvram:" {
			r.Sub("database url " + s.dbURL)
		}
		if s.archive != "" && s.archivePW != nil {
			// As typed ("password X") while no encryption applies, else
			// "password 7 ..." or "password 6 ..." like the other secrets.
			pw := s.archivePW.RenderSecret(f.sys)
			r.Sub("database archive " + s.archive + " password " + strings.TrimPrefix(pw, "0 "))
		} else if s.archive != "" {
			r.Sub("database archive " + s.archive)
		}
		if s.issuer != "" {
			r.Sub("issuer-name " + s.issuer)
		}
		if s.grant != "" {
			r.Sub("grant " + s.grant)
		}
		if s.lifeCert != 365 {
			r.Subf("lifetime certificate %d", s.lifeCert)
		}
		if s.lifeCA != 1095 {
			r.Subf("lifetime ca-certificate %d", s.lifeCA)
		}
		if s.lifeCRL != 168 {
			r.Subf("lifetime crl %d", s.lifeCRL)
		}
		if s.lifeReq != DefaultRequestHours && s.lifeReq != 0 {
			r.Subf("lifetime enrollment-request %d", s.lifeReq)
		}
		if s.hash != "" {
			r.Sub("hash " + s.hash)
		}
		if s.cdp != "" {
			r.Sub("cdp-url " + s.cdp)
		}
		if s.autoRollover == 30 {
			r.Sub("auto-rollover")
		} else if s.autoRollover > 0 {
			r.Subf("auto-rollover %d", s.autoRollover)
		}
		if s.modeRA {
			r.Sub("mode ra")
		}
		if s.shutdown {
			r.Sub("shutdown")
		}
		r.Bang()
	}
}

// keyLabel is the CA key: the same-label trustpoint's rsakeypair, or the
// server's name (lock held).
func (f *Feature) keyLabel(s *server) string {
	if tps := pki.FromSystem(f.sys); tps != nil {
		if tp := tps.Trustpoint(s.name); tp != nil && tp.KeyLabel != "" {
			return tp.KeyLabel
		}
	}
	return s.name
}

// enable is `no shutdown`: create the CA key and certificate on first
// use (asking for the passphrase), then start the CA.
func (f *Feature) enable(c *cli.Context, s *server) error {
	if s.modeRA {
		return f.enableRA(c, s)
	}
	tps := pki.FromSystem(f.sys)
	if f.sys.IsLoading() || tps.CACertificate(s.name) != nil {
		s.shutdown = false
		if !f.sys.IsLoading() {
			if err := f.start(s); err != nil {
				s.shutdown = true
				return err
			}
			c.Printf("%% Certificate Server enabled.\n")
		}
		return nil
	}
	c.Printf("%%Some server settings cannot be changed after CA certificate generation.\n")
	c.Printf("%% Please enter a passphrase to protect the private key\n%% or type Return to exit\n")
	pw, err := c.AskSecret("Password: ")
	if err != nil || pw == "" {
		return nil
	}
	pw2, err := c.AskSecret("Re-enter password: ")
	if err != nil {
		return nil
	}
	if pw != pw2 {
		return errors.New("% Passwords do not match.")
	}
	if f.servers[s.name] != s {
		return errors.New("% Certificate server was removed.")
	}
	st := keys.FromSystem(f.sys)
	label := f.keyLabel(s)
	k, ok := st.Get(label)
	if !ok {
		c.Printf("\n%% Generating %d bit RSA keys, keys will be non-exportable...\n", CAKeyBits)
		start := f.sys.Now()
		if k, err = st.GenerateRSA(label, CAKeyBits, false); err != nil {
			return fmt.Errorf("%% Key generation failed: %v", errors.Unwrap(err))
		}
		c.Printf("[OK] (elapsed time was %d seconds)\n", int(f.sys.Now().Sub(start).Seconds()))
	}
	if _, isRSA := k.Signer.Public().(*rsa.PublicKey); !isRSA {
		return fmt.Errorf("%% The key pair %s is not an RSA key; SCEP needs RSA.", label)
	}
	issuer := pkix.Name{CommonName: s.name}
	if s.issuer != "" {
		issuer, _ = parseIssuer(s.issuer)
	}
	cert, err := NewCACertificate(k.Signer, issuer, f.sys.Now(), s.lifeCA, s.hash)
	if err != nil {
		return fmt.Errorf("%% Failed to generate the CA certificate: %v", err)
	}
	tp := tps.Ensure(s.name)
	if tp.KeyLabel == "" {
		tp.KeyLabel = label
	}
	tps.SetCertificate(s.name, cert, true)
	s.shutdown = false
	if err := f.start(s); err != nil {
		s.shutdown = true
		return err
	}
	if s.archive != "" {
		// As IOS: the new CA key and certificate are archived in the
		// database url, protected by the archive password or else the
		// passphrase just typed.
		c.Printf("%% Exporting Certificate Server signing certificate and keys...\n")
		apw := pw
		if s.archivePW != nil {
			apw = s.archivePW.Plain()
		}
		if file, err := s.auth.WriteArchive(s.archive, apw); err != nil {
			c.Printf("%% Failed to archive the CA key and certificate: %s\n", strings.TrimPrefix(err.Error(), "ca: "))
			f.sys.Log.Logf(logging.Errors, "PKI", "CS_ARCHIVE_FAIL", "Certificate server %s: archive not written", s.name)
		} else {
			f.sys.Log.Logf(logging.Informational, "PKI", "CS_ARCHIVE", "Certificate server %s key and certificate archived to %s", s.name, file)
		}
	}
	c.Printf("%% Certificate Server enabled.\n")
	return nil
}

// start opens the Authority of an enabled server (lock held).
func (f *Feature) start(s *server) error {
	if s.modeRA {
		return f.startRA(s)
	}
	if s.auth != nil {
		return nil
	}
	tps := pki.FromSystem(f.sys)
	cert := tps.CACertificate(s.name)
	if cert == nil {
		return errors.New("% Failed to find Certificate Server's cert.")
	}
	k, ok := keys.FromSystem(f.sys).Get(f.keyLabel(s))
	if !ok || !publicEqual(k.Signer.Public(), cert.PublicKey) {
		return errors.New("% Failed to find Certificate Server's trustpoint at startup")
	}
	a, err := Open(f.sys.FS, f.sys.Now, cert, k.Signer, f.settings(s))
	if err != nil {
		return fmt.Errorf("%% Certificate server database error: %v", err)
	}
	s.auth = a
	f.register()
	f.mu.Lock()
	f.current, f.ocsp = a, a
	f.mu.Unlock()
	f.sys.Log.Logf(logging.Informational, "PKI", "CS_ENABLED", "Certificate server now enabled.")
	return nil
}

// register puts the SCEP and OCSP handlers on the HTTP server (once).
func (f *Feature) register() {
	f.once.Do(func() {
		httpd.Handle(f.sys, pki.SCEPPath, http.HandlerFunc(f.serveSCEP))
		httpd.Handle(f.sys, OCSPPath, http.HandlerFunc(f.serveOCSP))
		httpd.Handle(f.sys, OCSPPath+"/", http.HandlerFunc(f.serveOCSP))
	})
}

func publicEqual(a, b any) bool {
	type eq interface{ Equal(x crypto.PublicKey) bool }
	e, ok := a.(eq)
	return ok && e.Equal(b)
}

func (f *Feature) stop(s *server) {
	if s.auth == nil && s.ra == nil {
		return
	}
	f.mu.Lock()
	if s.auth != nil && f.current == http.Handler(s.auth) || s.ra != nil && f.current == http.Handler(s.ra) {
		f.current = nil
	}
	if f.ocsp == s.auth {
		f.ocsp = nil
	}
	f.mu.Unlock()
	s.auth, s.ra = nil, nil
	f.sys.Log.Logf(logging.Informational, "PKI", "CS_DISABLED", "Certificate server now disabled.")
}

func (f *Feature) serveSCEP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	h := f.current
	f.mu.Unlock()
	if h == nil {
		http.Error(w, "certificate server disabled", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

func (f *Feature) serveOCSP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	a := f.ocsp
	f.mu.Unlock()
	if a == nil {
		http.Error(w, "certificate server disabled", http.StatusServiceUnavailable)
		return
	}
	a.serveOCSP(w, r)
}

// Reconcile starts the enabled servers after boot (their trustpoints and
// chains are loaded after the server block) and stops removed ones.
func (f *Feature) Reconcile(context.Context) error {
	f.sys.Lock()
	defer f.sys.Unlock()
	if len(f.order) > 0 {
		f.startTimer()
	}
	for _, name := range f.order {
		s := f.servers[name]
		if s.shutdown {
			f.stop(s)
			continue
		}
		if s.auth == nil && s.ra == nil {
			if err := f.start(s); err != nil && !errors.Is(err, errRAPending) {
				f.sys.Log.Logf(logging.Errors, "PKI", "CS_START_FAIL", "Certificate server %s not started: %s", name, strings.TrimPrefix(err.Error(), "% "))
			}
		}
	}
	return nil
}

// Authority returns the running CA of server name (lock held), for CAPF.
func (f *Feature) Authority(name string) *Authority {
	if s := f.servers[name]; s != nil {
		return s.auth
	}
	return nil
}

// FromSystem returns the certificate server feature.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

func (f *Feature) exec(c *cli.Context) error {
	name := c.String("csname")
	s := f.servers[name]
	if s == nil {
		return fmt.Errorf("%% Certificate server %s does not exist.", name)
	}
	if s.ra != nil {
		return f.execRA(c, s)
	}
	a := s.auth
	if a == nil {
		return fmt.Errorf("%% Certificate server %s is not enabled.", name)
	}
	id := c.Int("id", 0)
	switch {
	case c.Has("grant"):
		n, err := a.Grant(id)
		if errors.Is(err, ErrNoSuch) {
			return fmt.Errorf("%% Request %d does not exist or is not pending.", id)
		}
		if err != nil {
			return fmt.Errorf("%% Failed to grant request: %v", err)
		}
		if n > 0 {
			f.sys.Publish(pki.TopicGranted)
		}
	case c.Has("reject"):
		if _, err := a.Reject(id); err != nil {
			return fmt.Errorf("%% Request %d does not exist or is not pending.", id)
		}
	case c.Has("requests"):
		printRequests(c, a.Requests())
	case c.Has("crl"):
		der, err := a.CRL()
		if err != nil {
			return fmt.Errorf("%% CRL unavailable: %v", err)
		}
		crl, _ := x509.ParseRevocationList(der)
		c.Printf("Certificate Revocation List:\n Issuer: %s\n This Update: %s\n Next Update: %s\n Number of CRL entries: %d\n CRL size: %d bytes\n",
			pki.DN(crl.RawIssuer), iosTime(crl.ThisUpdate), iosTime(crl.NextUpdate), len(crl.RevokedCertificateEntries), len(der))
		if len(crl.RevokedCertificateEntries) > 0 {
			c.Printf("Revoked Certificates:\n")
			for _, e := range crl.RevokedCertificateEntries {
				c.Printf("  Serial Number: 0x%X\n   Revocation Date: %s\n", e.SerialNumber, iosTime(e.RevocationTime))
			}
		}
	case c.Has("generate"):
		mins := c.Int("minutes", 60)
		pw, err := a.GeneratePassword(mins)
		if err != nil {
			return fmt.Errorf("%% Failed to generate a password: %v", err)
		}
		c.Printf("%% New password: %s\n%% Password will expire in %d minutes.\n", pw, mins)
	case c.Has("rollover") && c.Has("cancel"):
		if a.ShadowCertificate() == nil {
			return errors.New("% No rollover CA certificate to cancel.")
		}
		if err := a.RemoveShadow(); err != nil {
			return fmt.Errorf("%% Failed to remove the rollover CA certificate: %v", err)
		}
	case c.Has("rollover"):
		return f.rollover(s, c.Printf)
	case c.Has("revoke"):
		if err := a.Revoke(c.String("serial")); err != nil {
			msg := strings.TrimPrefix(err.Error(), "ca: ")
			return fmt.Errorf("%% %s%s.", strings.ToUpper(msg[:1]), msg[1:])
		}
	case c.Has("pkcs10"):
		c.Printf("PKCS10 request in base64 or pem\n\n%% Enter Base64 encoded or PEM formatted PKCS10 enrollment request.\n%% End with a blank line or \"quit\" on a line by itself.\n")
		text, _ := keys.ReadPaste(c, true)
		csr, err := parseCSR(text)
		if err != nil {
			return errors.New("% Invalid PKCS10 request.")
		}
		if f.servers[name] != s || s.auth != a {
			return fmt.Errorf("%% Certificate server %s is not enabled.", name)
		}
		cert, err := a.Issue(csr, a.ProfileFor(csr))
		if errors.Is(err, ErrBadCSR) {
			return errors.New("% Invalid PKCS10 request: bad signature.")
		}
		if err != nil {
			return fmt.Errorf("%% Failed to issue the certificate: %v", err)
		}
		c.Printf("%% Granted certificate:\n")
		if c.Has("base64") {
			c.Printf("%s\n", wrap64(base64.StdEncoding.EncodeToString(cert.Raw)))
		} else {
			c.Printf("%s", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
		}
	}
	return nil
}

// printRequests shows the request table as IOS does, each request under
// the kind of certificate a grant would issue it: a subordinate CA
// certificate (ProfileCAPF, decided by the CA's configuration) or a
// router (end-entity) certificate. This CA issues no RA certificates.
func printRequests(c *cli.Context, reqs []Request) {
	const head = "ReqID  State      Fingerprint                      SubjectName\n--------------------------------------------------------------\n"
	c.Printf("Enrollment Request Database:\n\nSubordinate CA certificate requests:\n" + head)
	for _, r := range reqs {
		if r.Profile == ProfileCAPF {
			c.Printf("%-6d %-10s %s %s\n", r.ID, r.State, Fingerprint(r.CSR), subjectOf(r.CSR))
		}
	}
	c.Printf("\nRA certificate requests:\n" + head + "\nRouter certificates requests:\n" + head)
	for _, r := range reqs {
		if r.Profile != ProfileCAPF {
			c.Printf("%-6d %-10s %s %s\n", r.ID, r.State, Fingerprint(r.CSR), subjectOf(r.CSR))
		}
	}
}

func wrap64(s string) string {
	var out []string
	for i := 0; i < len(s); i += 64 {
		out = append(out, s[i:min(i+64, len(s))])
	}
	return strings.Join(out, "\n")
}

func parseCSR(text string) (*x509.CertificateRequest, error) {
	if blk, _ := pem.Decode([]byte(text)); blk != nil {
		return x509.ParseCertificateRequest(blk.Bytes)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificateRequest(der)
}

func (f *Feature) show(c *cli.Context) error {
	if s := f.servers[c.String("csname")]; s != nil && (c.Has("certificates") || c.Has("requests")) {
		if s.auth == nil {
			return fmt.Errorf("%% Certificate server %s is not enabled.", s.name)
		}
		if c.Has("requests") {
			printRequests(c, s.auth.Requests())
			return nil
		}
		list, err := s.auth.Issued()
		if err != nil {
			return fmt.Errorf("%% Cannot read the certificate database: %v", err)
		}
		c.Printf("Serial Issued date (UTC)        Expire date (UTC)        Subject Name\n")
		for _, e := range list {
			c.Printf("%-6s %-24s %-24s %s\n", e.Serial, iosTime(e.Issued), iosTime(e.Expires), e.Subject)
		}
		if s.level == LevelMinimal {
			c.Printf("%% Database level minimal: issued certificates are not recorded.\n")
		}
		return nil
	}
	for _, name := range f.order {
		if c.Has("csname") && c.String("csname") != name {
			continue
		}
		s := f.servers[name]
		c.Printf("Certificate Server %s:\n", name)
		if s.auth == nil && s.ra == nil {
			c.Printf("    Status: disabled\n    State: disabled\n")
		} else {
			c.Printf("    Status: enabled\n    State: enabled\n    Server's configuration is locked  (enter \"shut\" to unlock it)\n")
		}
		issuer := s.issuer
		if issuer == "" {
			issuer = "CN=" + name
		}
		c.Printf("    Issuer name: %s\n", issuer)
		if ca := pki.FromSystem(f.sys).CACertificate(name); ca != nil {
			md, _ := pki.Fingerprints(ca.Raw)
			c.Printf("    CA cert fingerprint: %s \n", md)
			c.Printf("    CA certificate expiration timer: %s\n", iosTime(ca.NotAfter))
		}
		switch {
		case s.grant == "auto":
			// `grant auto rollover` grants only renewals by holders of our
			// certificates: new requests wait for a manual grant.
			c.Printf("    Granting mode is: auto\n")
		default:
			c.Printf("    Granting mode is: manual\n")
		}
		if s.auth != nil {
			c.Printf("    Last certificate issued serial number (hex): %s\n", strconv.FormatInt(s.auth.LastSerial(), 16))
			if der, err := s.auth.CRL(); err == nil {
				if crl, err := x509.ParseRevocationList(der); err == nil {
					c.Printf("    CRL NextUpdate timer: %s\n", iosTime(crl.NextUpdate))
				}
			}
		}
		c.Printf("    Current primary storage dir: %s\n", s.dbURL)
		switch s.level {
		case LevelNames:
			c.Printf("    Database Level: Names - cert serial number and subject name written to storage\n")
		case LevelComplete:
			c.Printf("    Database Level: Complete - all issued certs written as <serialnum>.cer\n")
		default:
			c.Printf("    Database Level: Minimum - no cert data written to storage\n")
		}
		if s.auth != nil {
			if sh := s.auth.ShadowCertificate(); sh != nil {
				md, _ := pki.Fingerprints(sh.Raw)
				c.Printf("    Rollover status: available for rollover\n    Rollover CA cert fingerprint: %s \n    Rollover CA certificate expiration timer: %s\n", md, iosTime(sh.NotAfter))
			}
		}
		if s.autoRollover > 0 {
			c.Printf("    Auto-Rollover configured, overlap period %d days\n", s.autoRollover)
		}
	}
	return nil
}
