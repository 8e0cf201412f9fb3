package ephone

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/telephony/sccp"
)

// The SCCP listeners of telephony-service: `ip source-address A.B.C.D
// port N` (2000 by default) and, with `secure-signaling trustpoint T`,
// TLS on N+443 presenting T's certificate and requiring a client
// certificate issued by a CA the box trusts (its own CA for LSCs, or an
// imported manufacturer root for MICs).

// SecurePortOffset is the distance from the SCCP port to its TLS port
// (2000 -> 2443).
const SecurePortOffset = sccp.SecurePortOffset

// exchangeConfigLocked builds the call-control configuration (lock held).
func (f *Feature) exchangeConfigLocked() exchangeConfig {
	sn := f.snapshotLocked()
	c := exchangeConfig{Snapshot: sn}
	if w := strings.Fields(f.svc.Settings.TransferSystem); len(w) > 0 {
		c.TransferSystem = w[0] // "full-consult" of "full-consult dss"
	}
	c.Codec = f.svc.Settings.Codec
	c.Xcoders = map[string]int{}
	for _, t := range f.svc.Settings.SDSPFarmTags {
		c.Xcoders[strings.ToLower(t.Device)] = t.Tag
	}
	if n := f.svc.Settings.SDSPFarmSessions; n > 0 {
		c.XcodeSessions = n
	}
	c.XcodeUnits = f.svc.Settings.SDSPFarmUnits // -1: not set
	return c
}

// listenAddrs returns the plain and TLS addresses to serve, with why they
// are not served ("-" when simply not configured) (lock held).
func (f *Feature) listenAddrs() (plain, secure, whyPlain, whySecure string) {
	s := &f.svc
	if !s.Enabled || !s.Source.IsValid() {
		return "", "", "-", "-"
	}
	port := s.Port
	if port == 0 {
		port = 2000
	}
	plain = net.JoinHostPort(s.Source.String(), strconv.Itoa(port))
	if f.ports.set {
		plain = net.JoinHostPort(s.Source.String(), strconv.Itoa(f.ports.plain))
	}
	whySecure = "-"
	if s.SecureSignaling != "" {
		whySecure = ""
		secure = net.JoinHostPort(s.Source.String(), strconv.Itoa(port+SecurePortOffset))
		if f.ports.set {
			secure = net.JoinHostPort(s.Source.String(), strconv.Itoa(f.ports.secure))
		}
		if _, _, ok := pki.FromSystem(f.sys).Credentials(s.SecureSignaling); !ok {
			// quiet, as CME: the listener opens once the trustpoint is
			// enrolled (certificate events reconcile again)
			whySecure = "-"
		}
	}
	return plain, secure, "", whySecure
}

// trustPool is every CA certificate the box trusts for phone
// certificates: the CA certificate of each trustpoint (our own CA's, and
// manufacturer roots imported with crypto pki authenticate) (lock held).
func (f *Feature) trustPool() *x509.CertPool {
	pool := x509.NewCertPool()
	p := pki.FromSystem(f.sys)
	for _, name := range p.Names() {
		if c := p.CACertificate(name); c != nil {
			pool.AddCert(c)
		}
		if c := p.Certificate(name); c != nil && c.IsCA && c.CheckSignatureFrom(c) == nil {
			pool.AddCert(c) // a CA server's own self-signed certificate
		}
	}
	return pool
}

// tlsConfig is asked per connection: the secure-signaling certificate and
// the trust pool as configured now. The configuration is built once per
// change of telephony-service, certificates or keys (reconcileCalls) and
// shared by every connection: a tls.Conn keeps its Config for its life,
// so one per connection would cost each phone a parsed trust pool.
func (f *Feature) tlsConfig() (*tls.Config, error) {
	if c := f.tlsCache.Load(); c != nil {
		return c, nil
	}
	f.sys.Lock()
	c := f.buildTLSConfigLocked()
	f.sys.Unlock()
	if c == nil {
		return nil, errors.New("no secure-signaling certificate")
	}
	f.tlsCache.CompareAndSwap(nil, c)
	return c, nil
}

// buildTLSConfigLocked is the TLS side of secure-signaling, or nil when
// its trustpoint has no certificate (lock held).
func (f *Feature) buildTLSConfigLocked() *tls.Config {
	tp := f.svc.SecureSignaling
	cert, key, ok := pki.FromSystem(f.sys).Credentials(tp)
	if tp == "" || !ok {
		return nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: f.trustPool()}
}

// sipTLSConfig is the SIP trunk's TLS side: sip-ua's `crypto signaling
// default trustpoint` certificate and key, and the box's trust pool to
// check peers against (chain only: a trunk peer is named by its address,
// which its certificate need not carry). Nil when there is no such
// trustpoint with a certificate. key identifies what it was made from.
func (f *Feature) sipTLSConfig() (*tls.Config, string) {
	f.sys.Lock()
	defer f.sys.Unlock()
	ua, ok := config.Find[sipUASource](f.sys)
	if !ok {
		return nil, ""
	}
	tp := ua.SIPTrustpoint()
	if tp == "" {
		return nil, ""
	}
	cert, key, ok := pki.FromSystem(f.sys).Credentials(tp)
	if !ok {
		return nil, ""
	}
	pool := f.trustPool()
	verify := func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("sip tls: the peer sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return err
	}
	sum := sha256.Sum256(cert.Raw)
	id := tp + hex.EncodeToString(sum[:8])
	for _, name := range pki.FromSystem(f.sys).Names() {
		if c := pki.FromSystem(f.sys).CACertificate(name); c != nil {
			s := sha256.Sum256(c.Raw)
			id += hex.EncodeToString(s[:4])
		}
	}
	return &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates:       []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}},
		ClientAuth:         tls.RequireAnyClientCert,
		InsecureSkipVerify: true, // the chain is checked by VerifyConnection, without a host name
		VerifyConnection:   verify}, id
}

// reconcileCalls hands call control the new configuration and brings the
// SCCP listeners in line (called without the configuration lock).
func (f *Feature) reconcileCalls(ctx context.Context) error {
	f.sys.Lock()
	if f.sys.IsLoading() {
		f.sys.Unlock()
		return nil
	}
	cfg := f.exchangeConfigLocked()
	plain, secure, whyPlain, whySecure := f.listenAddrs()
	if c := f.buildTLSConfigLocked(); c != nil {
		f.tlsCache.Store(c)
	} else {
		f.tlsCache.Store(nil)
	}
	f.sys.Unlock()
	sipTLS, sipKey := f.sipTLSConfig()
	f.x.sip.configure(cfg.Service.Source, sipTLS, sipKey)
	if src, ok := config.Find[dialPlanSource](f.sys); ok {
		f.x.setDialPlan(src.RouteFunc(), src.TrunkFunc(), src.InboundFunc())
		if src.SIPInUse() {
			// Quiet while the source address is not the box's (as the
			// SCCP listener); each reconcile tries again.
			_, err := f.x.sip.get()
			if err != nil && !errors.Is(err, syscall.EADDRNOTAVAIL) && f.x.sip.newError(err) {
				f.sys.Log.Logf(logging.Errors, "SIP", "NOT_STARTED", "SIP trunk not started: %v", err)
			}
		}
	}
	f.x.setConfig(cfg)
	ka := cfg.Service.Keepalive
	if ka == 0 {
		ka = 30
	}
	return f.runListeners(ctx, plain, secure, whyPlain, whySecure, ka, dateTemplate(cfg.Service))
}

// listenPorts replaces the configured SCCP ports (tests use 0: free ports).
type listenPorts struct {
	set           bool
	plain, secure int
}

// SetListenPorts makes the SCCP listeners use these ports instead of the
// configured port and port+443 (0 picks free ports; for tests that run
// boxes side by side; the SIP trunk then listens on 127.0.0.1 on free
// ports). Call it before the configuration is loaded.
func (f *Feature) SetListenPorts(plain, secure int) {
	f.sys.Lock()
	f.ports = listenPorts{true, plain, secure}
	f.sys.Unlock()
	// Boxes side by side share no SIP port either.
	f.x.sip.mu.Lock()
	if f.x.sip.listen == "" {
		f.x.sip.listen, f.x.sip.tlsListen = "127.0.0.1:0", "127.0.0.1:0"
	}
	f.x.sip.mu.Unlock()
}

// runListeners starts, restarts or stops the SCCP listeners. A source
// address the box does not have is not an error (CME waits for the
// interface quietly, and each reconcile tries again); other failures are
// logged once (NOT_STARTED).
func (f *Feature) runListeners(ctx context.Context, plain, secure, whyPlain, whySecure string, ka int, date string) error {
	if whyPlain != "" {
		f.srv.Down(whyPlain)
		return nil
	}
	cfg := sccp.Config{Addr: plain, Registrar: f.x, KeepAlive: time.Duration(ka) * time.Second, DateTemplate: date}
	if whySecure == "" {
		cfg.TLS, cfg.SecureAddr = f.tlsConfig, secure
	}
	if err := f.srv.Up(ctx, cfg); err != nil {
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			f.srv.Down("-")
			return nil
		}
		f.srv.Down(err.Error())
	}
	return nil
}

// SCCPAddr is the plain SCCP listener's address, or nil.
func (f *Feature) SCCPAddr() net.Addr { return f.srv.Addr() }

// SecureSCCPAddr is the TLS SCCP listener's address, or nil.
func (f *Feature) SecureSCCPAddr() net.Addr { return f.srv.SecureListenAddr() }

// Close stops the SCCP listeners.
func (f *Feature) Close() error {
	f.srv.Close()
	f.x.sip.close()
	return nil
}

// dateTemplate is RegisterAck's date template for the date-format and
// time-format settings (chan-sccp's forms: "M/D/Y"; a trailing A for the
// 12-hour clock, IOS's default).
func dateTemplate(s Service) string {
	t := map[string]string{"dd-mm-yy": "D/M/Y", "mm-dd-yy": "M/D/Y", "yy-dd-mm": "Y/D/M", "yy-mm-dd": "Y/M/D"}[s.DateFormat]
	if t == "" {
		t = "M/D/Y"
	}
	if s.TimeFormat != "24" {
		t += "A"
	}
	return t
}
