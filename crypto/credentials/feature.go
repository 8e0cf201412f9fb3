// Package credentials is the CTL provider of seed 004 (the `credentials`
// feature): its configuration mode, `show credentials`, and the TLS service
// on port 2444 that hands this router's certificates to a CTL client
// running on another router, after checking the `ctl-service admin` user
// and secret. The wire protocol is ours (docs/CTL-PROVIDER.md) and lives in
// crypto/ctlprovider, whose client crypto/ctlclient uses.
package credentials

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/crypto/ctlprovider"
	"cmeos/crypto/pki"
	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/ios/service"
)

// Mode is the credentials configuration mode.
const Mode = "config-credentials"

// FeatureName is the registration name.
const FeatureName = "credentials"

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderCTLClient + 50, New: newFeature,
		Examples: "credentials\n ip source-address 127.0.0.1 port 2444\n trustpoint ctlpv\n ctl-service admin user4 secret 0 c89L8o\n"})
}

// CredentialSource is implemented by features whose certificates the
// provider hands out besides its own trustpoint's: telephony's
// tftp-server-credentials certificate in the TFTP role (seed 004: the
// provider conveys the credentials of the CME server functions). The
// provider finds them with config.FindAll, so it imports none of them;
// CTLCredentials runs with the configuration lock held.
type CredentialSource interface {
	CTLCredentials() []ctlprovider.Credential
}

// Feature is the credentials configuration and the running provider.
type Feature struct {
	sys *config.System

	// Guarded by the configuration lock.
	on         bool
	addr       netip.Addr // invalid: not configured
	port       int        // 0: any free port (tests)
	trustpoint string
	admin      string
	secret     *aaa.SharedSecret

	// rmu serializes Reconcile (commands and certificate events may race).
	rmu  sync.Mutex
	svc  service.Runner // the listener and its connections
	fail *service.RateLog
	// guard throttles wrong ctl-service admin passwords per source.
	guard authGuard
}

// FromSystem returns the credentials feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, port: ctlprovider.DefaultPort, fail: service.NewRateLog(sys.Log)}
	f.svc = service.Runner{Name: "CTL provider", Facility: "CREDENTIALS", Log: sys.Log}
	t := sys.Tree
	t.AddMode(Mode, "(config-credentials)#", cli.ModeConfig)
	help := map[string]string{
		"credentials": "Enter credentials configuration mode (CTL provider)",
		"ip":          "IP configuration", "source-address": "Address the CTL provider listens on",
		"addr": "IP address", "port": "TCP port", "num": "Port number (default 2444; 0 any free port)",
		"trustpoint": "Trustpoint for the TLS session with the CTL client", "tp": "Trustpoint label",
		"ctl-service": "CTL service", "admin": "Administrator credentials for the CTL client",
		"user": "User name", "secret": "Password of the administrator",
		"type": "0 clear text, 1 encrypted (type 7 cipher), 6 AES", "pw": "The password",
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "credentials", Help: help, Owner: FeatureName, No: true, Run: func(c *cli.Context) error {
		if c.Negate {
			f.on, f.addr, f.port, f.trustpoint, f.admin, f.secret = false, netip.Addr{}, ctlprovider.DefaultPort, "", "", nil
			return nil
		}
		f.on = true
		c.Enter(Mode, nil)
		return nil
	}})
	add := func(syntax string, run func(c *cli.Context) error) {
		t.Add(Mode, cli.Command{Syntax: syntax, Help: help, Owner: FeatureName, No: true, Run: run})
	}
	add("ip source-address [ addr:A.B.C.D [ port [ num:<0-65535> ] ] ]", func(c *cli.Context) error {
		if c.Negate {
			f.addr, f.port = netip.Addr{}, ctlprovider.DefaultPort
			return nil
		}
		if !c.Has("addr") {
			return errIncomplete
		}
		f.addr = netip.MustParseAddr(c.String("addr"))
		f.port = c.Int("num", ctlprovider.DefaultPort)
		return nil
	})
	add("trustpoint tp:WORD", func(c *cli.Context) error {
		f.trustpoint = c.String("tp")
		if c.Negate {
			f.trustpoint = ""
		}
		return nil
	})
	add("ctl-service admin user:WORD [ secret type:<0-7> pw:WORD ]", func(c *cli.Context) error {
		if c.Negate {
			f.admin, f.secret = "", nil
			return nil
		}
		if !c.Has("pw") {
			return errIncomplete
		}
		p, err := aaa.ParseSharedSecret(sys, c.Int("type", 0), c.String("pw"))
		if err != nil {
			if errors.Is(err, aaa.ErrPasswordType) {
				return c.InvalidInput("type")
			}
			return err
		}
		f.admin, f.secret = c.String("user"), p
		return nil
	})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show credentials", Pipe: true,
		Help: map[string]string{"show": "Show running system information", "credentials": "CTL provider (credentials) information"},
		Run: func(c *cli.Context) error {
			f.show(c)
			return nil
		}})
	sys.Subscribe(pki.TopicCertificates, FeatureName, f.Reconcile)
	sys.Subscribe(config.TopicKeys, FeatureName, f.Reconcile)
	return f
}

// Render writes the credentials block.
func (f *Feature) Render(r *config.Renderer) {
	if !f.on {
		return
	}
	r.Line("credentials")
	if f.addr.IsValid() {
		r.Subf("ip source-address %s port %d", f.addr, f.port)
	}
	if f.trustpoint != "" {
		r.Sub("trustpoint " + f.trustpoint)
	}
	if f.admin != "" {
		r.Subf("ctl-service admin %s secret %s", f.admin, f.secret.Render(f.sys))
	}
	r.Bang()
}

func (f *Feature) show(c *cli.Context) {
	if !f.on {
		return
	}
	ip := ""
	if f.addr.IsValid() {
		ip = f.addr.String()
	}
	port := f.port
	if a, ok := f.svc.Addr().(*net.TCPAddr); ok {
		port = a.Port // the bound port (port 0 picks one)
	}
	c.Printf("\nCredentials IP: %s\nCredentials PORT: %d\nTrustpoint: %s\n", ip, port, f.trustpoint)
}

// Addr returns the address the provider listens on, or nil.
func (f *Feature) Addr() net.Addr { return f.svc.Addr() }

// reason tells why the service cannot run, or "" (lock held).
func (f *Feature) reason() string {
	switch {
	case !f.on || !f.addr.IsValid() || f.trustpoint == "" || f.admin == "":
		return "-" // not (yet) fully configured: nothing to say
	}
	if _, _, ok := pki.FromSystem(f.sys).Credentials(f.trustpoint); !ok {
		return fmt.Sprintf("trustpoint %s has no certificate or key", f.trustpoint)
	}
	return ""
}

// Reconcile starts the provider when it is fully configured and its
// trustpoint has credentials, restarts it when the address changes, and
// stops it otherwise.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	f.sys.Lock()
	if f.sys.IsLoading() {
		f.sys.Unlock() // reconciled once the whole startup-config is in
		return nil
	}
	why := f.reason()
	addr := net.JoinHostPort(f.addr.String(), strconv.Itoa(f.port))
	f.sys.Unlock()
	if why != "" {
		f.svc.Down(why)
		return nil
	}
	return f.svc.Up(ctx, service.Config{Addr: addr, TLS: f.tlsConfig, Handle: f.handle})
}

// Close stops the service.
func (f *Feature) Close() error {
	f.svc.Close()
	return nil
}

// tlsConfig is the server side of the handshake, built per connection so
// that a new trustpoint certificate is used at once: the trustpoint's
// certificate, and a client certificate that must chain to one of this
// router's trusted CA certificates.
func (f *Feature) tlsConfig() (*tls.Config, error) {
	f.sys.Lock()
	defer f.sys.Unlock()
	p := pki.FromSystem(f.sys)
	cert, key, ok := p.Credentials(f.trustpoint)
	if !ok {
		return nil, errors.New("no credentials")
	}
	roots := p.CACertificates()
	now := f.sys.Now
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}},
		ClientAuth:   tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return ctlprovider.VerifyChain(raw, roots, now(), x509.ExtKeyUsageAny)
		},
	}, nil
}

// handle serves one CTL client on a connection whose TLS handshake the
// service runner has done (under its handshake deadline).
func (f *Feature) handle(ctx context.Context, tc net.Conn) {
	tc.SetDeadline(time.Now().Add(connTimeout))
	src := peerAddr(tc)
	peer := src.String()
	reply := func(status uint8, creds []ctlprovider.Credential) {
		b, err := ctlprovider.MarshalResponse(status, creds)
		if err == nil {
			tc.Write(b)
		}
	}
	body, err := ctlprovider.ReadFrame(tc, ctlprovider.TypeRequest, ctlprovider.MaxRequest)
	if err != nil {
		reply(ctlprovider.StatusBadRequest, nil)
		return
	}
	user, password, err := ctlprovider.ParseRequest(body)
	if err != nil {
		reply(ctlprovider.StatusBadRequest, nil)
		return
	}
	if wait, locked := f.guard.check(src, time.Now()); locked {
		reply(ctlprovider.StatusAuthFailed, nil) // no password is checked while locked out
		return
	} else if wait > 0 {
		select { // the delay earned by the source's last failures
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	f.sys.Lock()
	ok := f.admin != "" && f.secret != nil &&
		subtle.ConstantTimeCompare([]byte(user), []byte(f.admin)) == 1 &&
		subtle.ConstantTimeCompare([]byte(password), []byte(f.secret.Plain())) == 1
	var creds []ctlprovider.Credential
	if ok {
		creds = f.credentials()
	}
	f.sys.Unlock()
	switch {
	case !ok:
		f.fail.Logf(logging.Warnings, "CREDENTIALS", "AUTH_FAILED", "CTL client %s failed authentication", peer)
		if f.guard.failed(src, time.Now()) {
			f.sys.Log.Logf(logging.Warnings, "CREDENTIALS", "AUTH_LOCKOUT", "CTL client %s locked out for %d seconds after %d failed authentications",
				peer, int(lockoutTime/time.Second), lockoutAfter)
		}
		reply(ctlprovider.StatusAuthFailed, nil)
	case len(creds) == 0:
		reply(ctlprovider.StatusUnavailable, nil)
	default:
		f.guard.succeeded(src)
		f.sys.Log.Logf(logging.Informational, "CREDENTIALS", "SENT", "Credentials sent to CTL client %s", peer)
		reply(ctlprovider.StatusOK, creds)
	}
}

// credentials lists what the provider hands out: its trustpoint's
// certificate as the CME (CCM) credential, then those of every CredentialSource,
// without duplicates (lock held).
func (f *Feature) credentials() []ctlprovider.Credential {
	var out []ctlprovider.Credential
	seen := map[string]bool{}
	add := func(c ctlprovider.Credential) {
		if c.Cert == nil {
			return
		}
		k := strconv.Itoa(int(c.Role)) + string(c.Cert.Raw)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	if c := pki.FromSystem(f.sys).Certificate(f.trustpoint); c != nil {
		add(ctlprovider.Credential{Role: ctl.RoleCCM, Cert: c})
	}
	for _, s := range config.FindAll[CredentialSource](f.sys) {
		for _, c := range s.CTLCredentials() {
			add(c)
		}
	}
	return out
}

// errIncomplete is the engine's text for a command cut short.
var errIncomplete = errors.New("% Incomplete command.\n\n")
