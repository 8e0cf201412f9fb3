package capf

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"cmeos/crypto/ca"
	"cmeos/crypto/pki"
	"cmeos/ios/logging"
)

// Limits of the service (every listener is bounded).
const (
	// MaxMessage is the largest body accepted from a phone: a certificate,
	// a signature and SUDI data fit in a few KiB.
	MaxMessage = 16 * 1024
	// MaxSessions and MaxPerSource bound concurrent sessions (the
	// service runner closes connections over the limits).
	MaxSessions  = 64
	MaxPerSource = 4
	// StepTimeout is how long the server waits for any answer other than
	// the key generation response (and for the TLS handshake).
	StepTimeout = 60 * time.Second
)

// effective is a phone's operation and auth mode: the ephone's cert-oper
// wins over the capf-server ones (seed 004). Lock held.
func (f *Feature) effective(p Phone) (op, mode string) {
	op, mode = f.certOper, f.authMode
	if p.CertOper != "" {
		op = p.CertOper
		if p.AuthMode != "" {
			mode = canonicalMode(p.AuthMode)
		}
	}
	return op, mode
}

// Pending reports a device's operation, auth mode and AUTH_TYPE when an
// operation is due (for the cnf file: capfAuthMode). Lock held.
func (f *Feature) Pending(device string) (op, mode string, ok bool) {
	if !f.on || f.shutdown || f.dir == nil {
		return "", "", false
	}
	for _, p := range f.dir.CAPFPhones() {
		if p.Device() != device {
			continue
		}
		op, mode = f.effective(p)
		if op == "" || mode == ModeNone {
			return "", "", false
		}
		if r := f.store.Get(device); r != nil && r.Done == op+"/"+mode {
			return "", "", false
		}
		return op, mode, true
	}
	return "", "", false
}

// AuthTypeOf is the capfAuthMode / AUTH_TYPE of an auth mode.
func AuthTypeOf(mode string) AuthType {
	switch mode {
	case ModeAuthString:
		return AuthPassword
	case ModeNullString:
		return AuthNull
	case ModeLSC:
		return AuthLSC
	case ModeMIC:
		return AuthMIC
	}
	return AuthNone
}

// LSC returns the LSC recorded for a device (SEP + MAC), or nil.
func (f *Feature) LSC(device string) *x509.Certificate {
	return f.store.Get(strings.ToUpper(device)).Certificate()
}

// Record returns a device's record, or nil.
func (f *Feature) Record(device string) *Record { return f.store.Get(strings.ToUpper(device)) }

// Issuer returns the certificate of the CA that issues LSCs (the
// cert-enroll-trustpoint's CA certificate), or nil. Lock held. The 2443
// listener trusts client certificates chaining to it.
func (f *Feature) Issuer() *x509.Certificate {
	if f.enrollTP == "" {
		return nil
	}
	p := pki.FromSystem(f.sys)
	if c := p.CACertificate(f.enrollTP); c != nil {
		return c
	}
	return p.Certificate(f.enrollTP)
}

// sessionConfig is what one session needs of the configuration, copied
// under the lock so that no network I/O happens while it is held.
type sessionConfig struct {
	phone      Phone
	known      bool
	op, mode   string
	keySize    int
	keyOrder   string
	curve      Curve
	retries    int
	timeout    time.Duration
	authority  *ca.Authority
	lscRoots   *x509.CertPool // the LSC issuer
	micRoots   *x509.CertPool // every trustpoint's CA certificate (imported MIC roots)
	deviceName string
	enrollTP   string
}

// sessionError ends a session: the END_SESSION reason and the status word.
type sessionError struct {
	reason Reason
	status string // "" keeps the record's status
	err    error
}

func (e *sessionError) Error() string { return e.err.Error() }

func (e *sessionError) Unwrap() error { return e.err }

func fail(reason Reason, status string, format string, a ...any) error {
	return &sessionError{reason, status, fmt.Errorf(format, a...)}
}

// session is one phone's CAPF dialogue; one goroutine owns it.
type session struct {
	f    *Feature
	id   uint32
	conn net.Conn
	in   chan result
	done chan struct{} // closed when the session ends; stops the reader
	peer string
}

type result struct {
	m   *Message
	err error
}

// tlsConfig is asked per connection: the trustpoint-label certificate as
// it is now. 7900-series phones speak only TLS 1.0 (protocols.md §1).
func (f *Feature) tlsConfig() (*tls.Config, error) {
	f.sys.Lock()
	cert, key, ok := pki.FromSystem(f.sys).Credentials(f.trustpoint)
	f.sys.Unlock()
	if !ok {
		return nil, errors.New("no CAPF certificate")
	}
	return &tls.Config{MinVersion: tls.VersionTLS10,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}}}, nil
}

// handle runs one session on a connection whose TLS handshake the
// service runner has done (it also bounds connections and recovers
// panics).
func (f *Feature) handle(ctx context.Context, tc net.Conn) {
	ip, _, _ := net.SplitHostPort(tc.RemoteAddr().String())
	tc.SetDeadline(time.Time{}) // the session's own timers from here
	s := &session{f: f, id: f.session.Add(1), conn: tc, in: make(chan result, 1), done: make(chan struct{}), peer: ip}
	f.count(func(c *Counters) { c.Sessions++ })
	go s.reader()
	defer close(s.done)
	s.run(ctx)
}

// reader delivers the phone's messages; it ends when the connection closes.
func (s *session) reader() {
	for {
		m, err := ReadMessage(s.conn, MaxMessage)
		select {
		case s.in <- result{m, err}:
		case <-s.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (s *session) send(m *Message) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	s.f.debugf(&s.f.debug.messages, "session %d: sent %v (%d bytes) to %s", s.id, m.Command, len(b), s.peer)
	s.conn.SetWriteDeadline(time.Now().Add(StepTimeout))
	_, err = s.conn.Write(b) // header and body in one write (§4.1)
	return err
}

// recv waits up to d for the next message of this session.
func (s *session) recv(ctx context.Context, d time.Duration) (*Message, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-s.in:
		if r.err != nil {
			return nil, fail(ReasonInvalidElement, "", "reading: %v", r.err)
		}
		s.f.debugf(&s.f.debug.messages, "session %d: received %v from %s", s.id, r.m.Command, s.peer)
		if r.m.Session != s.id {
			return nil, fail(ReasonInvalidElement, "", "message for session %d in session %d", r.m.Session, s.id)
		}
		return r.m, nil
	case <-t.C:
		return nil, errTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var errTimeout = errors.New("timeout")

// expect receives a message that must have command want.
func (s *session) expect(ctx context.Context, want Command) (*Message, error) {
	m, err := s.recv(ctx, StepTimeout)
	if errors.Is(err, errTimeout) {
		return nil, fail(ReasonInvalidElement, "", "no %v within %v", want, StepTimeout)
	}
	if err != nil {
		return nil, err
	}
	if m.Command != want {
		return nil, fail(ReasonInvalidElement, "", "%v where %v was due", m.Command, want)
	}
	return m, nil
}

func (s *session) run(ctx context.Context) {
	f := s.f
	device, op, err := s.dialogue(ctx)
	if err == nil {
		return
	}
	var se *sessionError
	if !errors.As(err, &se) {
		se = &sessionError{ReasonInvalidElement, "", err}
	}
	f.count(func(c *Counters) { c.Failed++ })
	f.debugf(&f.debug.errors, "session %d with %s (%s): %s", s.id, s.peer, escape(device), escape(se.err.Error()))
	if device != "" && se.status != "" {
		status := se.status
		if op != "" && !strings.Contains(status, ":") {
			status = opFailed(op) + ": " + status
		}
		f.store.Update(device, func(r *Record) { r.Status, r.Time = status, f.sys.Now() })
		f.sys.Notify(TopicLSC)
		f.sys.Log.Logf(logging.Warnings, "CAPF", "OPER_FAILED", "Certificate operation for %s failed: %s", device, status)
	}
	s.send(EndSession(s.id, se.reason))
}

func opFailed(op string) string {
	switch op {
	case OperFetch:
		return StatusFetchFailed
	case OperDelete:
		return StatusDeleteFailed
	}
	return StatusUpgradeFailed
}

// dialogue runs the session up to its END_SESSION; on error the caller
// ends the session with the error's reason.
func (s *session) dialogue(ctx context.Context) (device, op string, err error) {
	f := s.f
	if err := s.send(AuthRequest(s.id)); err != nil {
		return "", "", err
	}
	m, err := s.expect(ctx, CmdAuthResponse)
	if err != nil {
		return "", "", err
	}
	if v, err := m.Uint8(TagVersion); err != nil || v != ProtocolVersion {
		return "", "", fail(ReasonInvalidElement, "", "protocol version %d (%v)", v, err)
	}
	name, err := m.String0(TagDeviceName)
	if err != nil {
		return "", "", fail(ReasonInvalidElement, "", "device name: %v", err)
	}
	device = strings.ToUpper(name)
	if !validDevice(device) {
		return "", "", fail(ReasonUnknownDevice, "", "unknown device %q", name)
	}
	cfg := f.sessionConfig(device)
	if !cfg.known {
		return "", "", fail(ReasonUnknownDevice, "", "unknown device %s", device)
	}
	op = cfg.op
	f.debugf(&f.debug.events, "session %d: %s from %s, operation %s, auth-mode %s", s.id, device, s.peer, op, cfg.mode)
	if op == "" || cfg.mode == ModeNone {
		s.send(EndSession(s.id, ReasonNone))
		return device, "", nil
	}
	if r := f.store.Get(device); r != nil && r.Done == op+"/"+cfg.mode {
		s.send(EndSession(s.id, ReasonNone)) // done already
		return device, "", nil
	}
	if err := s.authenticate(m, device, &cfg); err != nil {
		return device, op, err
	}
	switch op {
	case OperUpgrade:
		err = s.install(ctx, device, &cfg)
	case OperFetch:
		err = s.fetch(ctx, device, &cfg)
	case OperDelete:
		err = s.delete(ctx, device, &cfg)
	}
	return device, op, err
}

// sessionConfig copies what a session needs (takes the lock).
func (f *Feature) sessionConfig(device string) sessionConfig {
	f.sys.Lock()
	defer f.sys.Unlock()
	cfg := sessionConfig{keySize: f.keySize, keyOrder: f.keyOrder, retries: f.keygenRetry,
		timeout: time.Duration(f.keygenTimeout) * f.minute, deviceName: device, enrollTP: f.enrollTP}
	switch f.ecKeySize {
	case 384:
		cfg.curve = CurveP384
	case 521:
		cfg.curve = CurveP521
	default:
		cfg.curve = CurveP256
	}
	if f.dir != nil {
		for _, p := range f.dir.CAPFPhones() {
			if p.MAC != "" && p.Device() == device {
				cfg.phone, cfg.known = p, true
				cfg.op, cfg.mode = f.effective(p)
			}
		}
	}
	if f.enrollTP != "" {
		if cas := ca.FromSystem(f.sys); cas != nil {
			cfg.authority = cas.Authority(f.enrollTP)
		}
	}
	cfg.lscRoots = x509.NewCertPool()
	if c := f.Issuer(); c != nil {
		cfg.lscRoots.AddCert(c)
	}
	cfg.micRoots = x509.NewCertPool()
	p := pki.FromSystem(f.sys)
	for _, n := range p.Names() {
		if c := p.CACertificate(n); c != nil {
			cfg.micRoots.AddCert(c)
		}
	}
	return cfg
}

// authenticate checks the Auth Response against the auth mode.
func (s *session) authenticate(m *Message, device string, cfg *sessionConfig) error {
	f := s.f
	switch cfg.mode {
	case ModeNullString:
		return nil
	case ModeAuthString:
		pw, err := m.String0(TagPassword)
		if err != nil {
			return fail(ReasonInvalidElement, "Authentication Failed", "auth string: %v", err)
		}
		want := cfg.phone.AuthString
		rec := f.store.Get(device)
		ok := want != "" && subtle.ConstantTimeCompare([]byte(pw), []byte(want)) == 1 && (rec == nil || !rec.authUsed(want))
		if !ok {
			// Counted and logged, never the string itself.
			f.count(func(c *Counters) { c.AuthFailures++ })
			f.store.Update(device, func(r *Record) { r.AuthFailures++ })
			f.sys.Log.Logf(logging.Warnings, "CAPF", "AUTH_FAIL", "Wrong authentication string from %s (%s)", device, s.peer)
			return fail(ReasonInvalidElement, "Authentication Failed", "wrong authentication string")
		}
		return nil
	case ModeLSC, ModeMIC:
		return s.certificateAuth(m, device, cfg)
	}
	return fail(ReasonInvalidElement, "Authentication Failed", "auth mode %s", cfg.mode)
}

// certificateAuth checks the certificate the phone presents and its
// signature over the device name and the certificate (§4.6). Mode LSC
// takes an LSC issued by our CA and falls back to a MIC (capfAuthMode 3);
// mode MIC takes a MIC chaining to an imported root.
func (s *session) certificateAuth(m *Message, device string, cfg *sessionConfig) error {
	ct, der, err := m.Certificate()
	if err != nil {
		return fail(ReasonInvalidElement, "Authentication Failed", "no certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fail(ReasonInvalidElement, "Authentication Failed", "certificate: %v", err)
	}
	roots := cfg.micRoots
	if ct == CertificateLSC {
		if cfg.mode != ModeLSC {
			return fail(ReasonInvalidElement, "Authentication Failed", "an LSC where the MIC is required")
		}
		roots = cfg.lscRoots
		if cert.Subject.CommonName != device {
			return fail(ReasonInvalidElement, "Authentication Failed", "LSC of %q", cert.Subject.CommonName)
		}
	}
	opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, CurrentTime: s.f.sys.Now()}
	if _, err := cert.Verify(opts); err != nil {
		return fail(ReasonInvalidElement, "Authentication Failed", "certificate does not chain to a trusted root: %v", err)
	}
	in := SignedInput(device, der)
	verified := false
	if v, ok := m.Get(TagSHA2SignedData); ok {
		id, sig, err := DecodeSHA2Signature(v)
		if err == nil && Verify(cert.PublicKey, id, in, sig) == nil {
			verified = true
		}
	}
	if v, ok := m.Get(TagSignedData); ok && !verified {
		verified = Verify(cert.PublicKey, HashSHA1, in, v) == nil
	}
	if !verified {
		return fail(ReasonInvalidElement, "Authentication Failed", "signature does not verify")
	}
	return nil
}

// install is the upgrade: key generation (with retries), issuance, store.
func (s *session) install(ctx context.Context, device string, cfg *sessionConfig) error {
	f := s.f
	if cfg.authority == nil {
		return fail(ReasonInvalidElement, "CA Not Available", "certificate server %s is not running", cfg.enrollTP)
	}
	ec := cfg.keyOrder == "ec" || cfg.keyOrder == "ec-preferred"
	pub, err := s.keygen(ctx, cfg, ec)
	if err != nil && ec && cfg.keyOrder == "ec-preferred" && errors.Is(err, errNoKey) {
		// EC preferred, RSA backup (seed 001): a phone without EC answers
		// without a key; ask for RSA.
		pub, err = s.keygen(ctx, cfg, false)
	}
	if err != nil {
		return err
	}
	lsc, err := cfg.authority.IssueLSC(device, pub)
	if err != nil {
		return fail(ReasonInvalidElement, "CA Not Available", "issuing: %v", err)
	}
	req, err := StoreCertRequest(s.id, lsc.Raw)
	if err != nil {
		return err
	}
	if err := s.send(req); err != nil {
		return err
	}
	m, err := s.expect(ctx, CmdStoreCertResponse)
	if err != nil {
		return err
	}
	if r, err := m.Uint8(TagReason); err != nil || Reason(r) != ReasonUpdateCertificate {
		return fail(ReasonInvalidElement, "Store Failed", "phone did not store the certificate (%d, %v)", r, err)
	}
	// The phone has it: record it (atomically), then end the session.
	h := sha256.Sum256([]byte(cfg.phone.AuthString))
	err = f.store.Update(device, func(r *Record) {
		r.LSC, r.Status, r.Time, r.Done = lsc.Raw, StatusUpgradeOK, f.sys.Now(), OperUpgrade+"/"+cfg.mode
		if cfg.mode == ModeAuthString {
			r.UsedAuth = h[:]
		}
	})
	if err != nil {
		return fail(ReasonInvalidElement, "Database Error", "recording the LSC: %v", err)
	}
	f.count(func(c *Counters) { c.Installed++ })
	f.sys.Log.Logf(logging.Notifications, "CAPF", "LSC_INSTALLED", "LSC installed on %s, serial %X", device, lsc.SerialNumber)
	f.sys.Notify(TopicLSC)
	s.send(EndSession(s.id, ReasonUpdateCertificate))
	return nil
}

var errNoKey = errors.New("the phone generated no key")

// keygen sends KEY_GENERATE_REQUEST and waits for the key: each attempt
// waits keygen-timeout (REQUEST_IN_PROGRESS keeps the phone's place);
// keygen-retry more attempts follow a timeout.
func (s *session) keygen(ctx context.Context, cfg *sessionConfig, ec bool) (crypto.PublicKey, error) {
	req := KeyGenRequestRSA(s.id, uint16(cfg.keySize))
	if ec {
		req = KeyGenRequestEC(s.id, cfg.curve)
	}
	for attempt := 0; attempt <= cfg.retries; attempt++ {
		if err := s.send(req); err != nil {
			return nil, err
		}
		deadline := time.Now().Add(cfg.timeout)
		for {
			m, err := s.recv(ctx, time.Until(deadline))
			if errors.Is(err, errTimeout) {
				s.f.debugf(&s.f.debug.events, "session %d: %s: no key generation response, attempt %d of %d", s.id, cfg.deviceName, attempt+1, cfg.retries+1)
				break
			}
			if err != nil {
				return nil, err
			}
			switch m.Command {
			case CmdRequestInProgress:
				continue
			case CmdKeyGenResponse:
			default:
				return nil, fail(ReasonInvalidElement, "Protocol Error", "%v where KEY_GENERATE_RESPONSE was due", m.Command)
			}
			der, ok := m.Get(TagPublicKey)
			if !ok {
				return nil, &sessionError{ReasonInvalidElement, "Key Generation Failed", errNoKey}
			}
			pub, err := x509.ParsePKIXPublicKey(der)
			if err != nil {
				return nil, fail(ReasonInvalidElement, "Key Generation Failed", "public key: %v", err)
			}
			if err := matches(pub, cfg, ec); err != nil {
				return nil, fail(ReasonInvalidElement, "Key Generation Failed", "%v", err)
			}
			return pub, nil
		}
	}
	return nil, fail(ReasonInvalidElement, "Key Generation Timedout", "no key after %d attempts", cfg.retries+1)
}

// matches checks that the phone's key is the kind and size requested.
func matches(pub crypto.PublicKey, cfg *sessionConfig, ec bool) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if ec || k.N.BitLen() != cfg.keySize {
			return fmt.Errorf("RSA key of %d bits, requested %d", k.N.BitLen(), cfg.keySize)
		}
		return nil
	case *ecdsa.PublicKey:
		want := map[Curve]elliptic.Curve{CurveP256: elliptic.P256(), CurveP384: elliptic.P384(), CurveP521: elliptic.P521()}[cfg.curve]
		if !ec || k.Curve != want {
			return fmt.Errorf("EC key on %s, requested another key", k.Curve.Params().Name)
		}
		return nil
	}
	return fmt.Errorf("unsupported key %T", pub)
}

func (s *session) fetch(ctx context.Context, device string, cfg *sessionConfig) error {
	f := s.f
	if err := s.send(FetchCertRequest(s.id)); err != nil {
		return err
	}
	m, err := s.expect(ctx, CmdFetchCertResponse)
	if err != nil {
		return err
	}
	if r, err := m.Uint8(TagReason); err != nil || Reason(r) != ReasonUpdateCertificate {
		return fail(ReasonInvalidElement, "No Certificate", "phone has no certificate to fetch")
	}
	_, der, err := m.Certificate()
	if err != nil {
		return fail(ReasonInvalidElement, "Protocol Error", "certificate: %v", err)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return fail(ReasonInvalidElement, "Protocol Error", "certificate: %v", err)
	}
	if err := f.store.Update(device, func(r *Record) {
		r.LSC, r.Status, r.Time, r.Done = der, StatusFetchOK, f.sys.Now(), OperFetch+"/"+cfg.mode
	}); err != nil {
		return fail(ReasonInvalidElement, "Database Error", "recording: %v", err)
	}
	f.count(func(c *Counters) { c.Fetched++ })
	f.sys.Notify(TopicLSC)
	s.send(EndSession(s.id, ReasonNone))
	return nil
}

func (s *session) delete(ctx context.Context, device string, cfg *sessionConfig) error {
	f := s.f
	if err := s.send(DeleteCertRequest(s.id)); err != nil {
		return err
	}
	m, err := s.expect(ctx, CmdDeleteCertResponse)
	if err != nil {
		return err
	}
	if r, err := m.Uint8(TagReason); err != nil || Reason(r) != ReasonUpdateCertificate {
		return fail(ReasonInvalidElement, "Phone Refused", "phone did not delete its certificate")
	}
	if err := f.store.Update(device, func(r *Record) {
		r.LSC, r.Status, r.Time, r.Done = nil, StatusDeleteOK, f.sys.Now(), OperDelete+"/"+cfg.mode
	}); err != nil {
		return fail(ReasonInvalidElement, "Database Error", "recording: %v", err)
	}
	f.count(func(c *Counters) { c.Deleted++ })
	f.sys.Log.Logf(logging.Notifications, "CAPF", "LSC_DELETED", "LSC deleted on %s", device)
	f.sys.Notify(TopicLSC)
	s.send(EndSession(s.id, ReasonUpdateCertificate))
	return nil
}
