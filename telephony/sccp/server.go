package sccp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"cmeos/ios/service"
)

// Registrar decides registrations; the ephone feature implements it. It is
// called from the connection's goroutine with the phone's Register, the
// verified TLS client certificate (nil on the plain port) and whether the
// connection is the secure one. It returns the Device that will receive the
// phone's messages, or a RegisterReject (the server sends it and closes).
// Returning neither closes the connection silently.
type Registrar interface {
	Register(st *Station, reg *Register, peer *x509.Certificate, secure bool) (Device, *RegisterReject)
}

// Device is a registered phone's call-control side. Handle and Closed are
// called from the connection's goroutine, one message at a time; Closed
// comes once, last, with why the connection ended (ErrKeepAliveTimeout,
// ErrSlowConsumer, ErrClosedByServer, io.EOF for a phone that hung up the
// TCP connection, or another read error). Handle gets every message but
// KeepAlive (answered by the server), including *Unknown ones, which the
// device logs under its debug settings and otherwise ignores.
//
// A Device may also implement Registerer, to be told when RegisterAck and
// CapabilitiesReq are queued.
type Device interface {
	Handle(msg Message)
	Closed(err error)
}

// Registerer is implemented by a Device that sends something right after
// registration; Registered is called once RegisterAck and CapabilitiesReq
// are queued, before the phone's next message is handled.
type Registerer interface {
	Registered()
}

// Defaults of Config.
const (
	DefaultKeepAlive       = 30 * time.Second
	DefaultDateTemplate    = "M/D/Y"
	DefaultRegisterTimeout = 10 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultMaxConns        = 1024
	DefaultMaxPerSource    = service.DefaultMaxPerSource
	// KeepAliveMargin is added to twice the keepalive interval to make the
	// read deadline of a registered phone.
	KeepAliveMargin = 5 * time.Second
	// SecurePortOffset: the TLS port is the plain port + 443 (2000 → 2443).
	SecurePortOffset = 443
)

// Config is what the server runs with. Changing Addr, SecureAddr, TLS
// presence or the limits restarts the listeners (open connections are
// closed); the other fields apply to new registrations at once.
type Config struct {
	// Addr is the plain listener, "A.B.C.D:2000"; "" runs none.
	Addr string
	// TLS, when set, runs the secure listener: it is asked for the
	// server's configuration per connection (a new certificate applies at
	// once). The server requires and verifies a client certificate
	// (RequireAndVerifyClientCert against ClientCAs, and the
	// configuration's VerifyPeerCertificate if any) and TLS 1.2 or later,
	// whatever the returned configuration says.
	TLS func() (*tls.Config, error)
	// SecureAddr is the TLS listener; "" means Addr's host and port + 443.
	SecureAddr string

	Registrar Registrar

	KeepAlive          time.Duration // RegisterAck keepAliveInterval (DefaultKeepAlive)
	SecondaryKeepAlive time.Duration // RegisterAck secondaryKeepAliveInterval (KeepAlive)
	DateTemplate       string        // RegisterAck dateTemplate (DefaultDateTemplate)
	// MaxProtocolVersion caps the negotiated version (0: MaxProtocolVersion).
	MaxProtocolVersion uint8

	RegisterTimeout time.Duration // accept (and TLS handshake) to Register (DefaultRegisterTimeout)
	WriteTimeout    time.Duration // per write to a phone (DefaultWriteTimeout)
	MaxConns        int           // per listener (DefaultMaxConns)
	MaxPerSource    int           // per listener and source address (DefaultMaxPerSource)
	// MaxFrame bounds received frames (0 or more than MaxFrameSize:
	// MaxFrameSize).
	MaxFrame int
	// Quiet leaves out the listeners' STARTED/STOPPED lines.
	Quiet bool
}

// Server is the Skinny call server's transport: a plain TCP listener (2000)
// and, with TLS, a mutually authenticated one (2443), run by ios/service
// runners (connection limits, handshake deadline, panic recovery,
// rate-limited failure logs). Per connection it reads the first frame,
// which must be Register, negotiates the protocol version, asks the
// Registrar, answers RegisterAck (or RegisterReject) and CapabilitiesReq,
// then passes every message to the Device and answers keepalives itself. A
// phone silent for twice the keepalive interval plus KeepAliveMargin is
// disconnected.
type Server struct {
	log           service.Logger
	plain, secure service.Runner

	// mu guards the fields below.
	mu       sync.Mutex
	cfg      Config
	stations map[*Station]bool // registered stations
}

// NewServer returns a stopped server logging to log (facility SCCP).
func NewServer(log service.Logger) *Server {
	s := &Server{log: log, stations: map[*Station]bool{}}
	s.plain = service.Runner{Name: "Skinny server", Facility: "SCCP", Log: log}
	s.secure = service.Runner{Name: "Secure Skinny server", Facility: "SCCP", Log: log}
	return s
}

// Up runs the listeners cfg asks for (see Config) until Down, Close or the
// end of ctx. Call it without the configuration lock held.
func (s *Server) Up(ctx context.Context, cfg Config) error {
	if cfg.Registrar == nil {
		return errors.New("sccp: server needs a Registrar")
	}
	cfg = cfg.withDefaults()
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	if cfg.Addr == "" {
		s.plain.Down("-")
	} else if err := s.plain.Up(ctx, s.serviceConfig(cfg, cfg.Addr, false)); err != nil {
		return err
	}
	if cfg.TLS == nil {
		s.secure.Down("-")
		return nil
	}
	addr := cfg.SecureAddr
	if addr == "" {
		var err error
		if addr, err = SecureAddr(cfg.Addr); err != nil {
			return err
		}
	}
	return s.secure.Up(ctx, s.serviceConfig(cfg, addr, true))
}

// SecureAddr is the TLS address that goes with plain address addr: the
// same host, port + 443.
func SecureAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("sccp: address %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p+SecurePortOffset > 65535 {
		return "", fmt.Errorf("sccp: no secure port for %q", addr)
	}
	if p == 0 { // tests: let the system pick this one too
		return net.JoinHostPort(host, "0"), nil
	}
	return net.JoinHostPort(host, strconv.Itoa(p+SecurePortOffset)), nil
}

func (c Config) withDefaults() Config {
	if c.KeepAlive <= 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.SecondaryKeepAlive <= 0 {
		c.SecondaryKeepAlive = c.KeepAlive
	}
	if c.DateTemplate == "" {
		c.DateTemplate = DefaultDateTemplate
	}
	if c.MaxProtocolVersion == 0 || c.MaxProtocolVersion > MaxProtocolVersion {
		c.MaxProtocolVersion = MaxProtocolVersion
	}
	if c.RegisterTimeout <= 0 {
		c.RegisterTimeout = DefaultRegisterTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxPerSource <= 0 {
		c.MaxPerSource = DefaultMaxPerSource
	}
	if c.MaxFrame <= 0 || c.MaxFrame > MaxFrameSize {
		c.MaxFrame = MaxFrameSize
	}
	return c
}

func (s *Server) serviceConfig(cfg Config, addr string, secure bool) service.Config {
	sc := service.Config{
		Addr:         addr,
		Quiet:        cfg.Quiet,
		MaxConns:     cfg.MaxConns,
		MaxPerSource: cfg.MaxPerSource,
		Handshake:    cfg.RegisterTimeout,
		Handle:       func(ctx context.Context, c net.Conn) { s.ServeConn(ctx, c, secure) },
	}
	if secure {
		// The runner keeps the function of the service it started; asking
		// the current Config per handshake makes a new TLS function given
		// to Up (another trustpoint) apply without a restart.
		sc.TLS = func() (*tls.Config, error) {
			get := s.config().TLS
			if get == nil {
				return nil, errors.New("sccp: secure signaling not configured")
			}
			tc, err := get()
			if err != nil {
				return nil, err
			}
			if tc == nil {
				return nil, errors.New("sccp: no TLS configuration")
			}
			tc = tc.Clone()
			tc.ClientAuth = tls.RequireAndVerifyClientCert
			if tc.MinVersion < tls.VersionTLS12 {
				tc.MinVersion = tls.VersionTLS12
			}
			return tc, nil
		}
	}
	return sc
}

// Down stops both listeners and their connections; why is logged as the
// runners' NOT_STARTED reason ("" or "-": not configured).
func (s *Server) Down(why string) {
	s.plain.Down(why)
	s.secure.Down(why)
}

// Close stops everything without a log line (at shutdown).
func (s *Server) Close() {
	s.plain.Close()
	s.secure.Close()
}

// Addr is the plain listener's address, or nil.
func (s *Server) Addr() net.Addr { return s.plain.Addr() }

// SecureListenAddr is the TLS listener's address, or nil.
func (s *Server) SecureListenAddr() net.Addr { return s.secure.Addr() }

// Stations are the registered stations.
func (s *Server) Stations() []*Station {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Station, 0, len(s.stations))
	for st := range s.stations {
		out = append(out, st)
	}
	return out
}

func (s *Server) config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// ServeConn runs one phone connection until it ends (the runners call it;
// c is a *tls.Conn after a completed handshake when secure).
func (s *Server) ServeConn(ctx context.Context, c net.Conn, secure bool) {
	cfg := s.config()
	var peer *x509.Certificate
	if tc, ok := c.(*tls.Conn); ok {
		if cs := tc.ConnectionState(); len(cs.PeerCertificates) > 0 {
			peer = cs.PeerCertificates[0]
		}
	}
	if secure && peer == nil { // the TLS configuration requires one; never trust a plain conn as secure
		c.Close()
		return
	}
	st := newStation(c, secure, peer, cfg.WriteTimeout)
	stop := context.AfterFunc(ctx, func() { st.abort(ErrClosedByServer) })
	defer stop()
	defer st.writers.Wait()

	c.SetReadDeadline(time.Now().Add(cfg.RegisterTimeout))
	f, err := ReadFrame(c, cfg.MaxFrame)
	if err != nil {
		s.refuse(st, secure, "reading Register", err)
		return
	}
	if f.ID != MsgRegister {
		s.refuse(st, secure, "first message", fmt.Errorf("%v, not Register", f.ID))
		return
	}
	m, err := f.Decode()
	if err != nil {
		s.refuse(st, secure, "decoding Register", err)
		return
	}
	reg := m.(*Register)
	st.name = reg.DeviceName
	ver := NegotiateVersion(reg.ProtocolVersion)
	ver = min(ver, cfg.MaxProtocolVersion)
	st.ver = uint32(ver)

	dev, rej := cfg.Registrar.Register(st, reg, peer, secure)
	if dev == nil {
		if rej != nil {
			st.Send(rej)
		}
		st.Close()
		s.drain(st)
		return
	}
	s.mu.Lock()
	s.stations[st] = true
	s.mu.Unlock()
	done := false
	defer func() {
		s.mu.Lock()
		delete(s.stations, st)
		s.mu.Unlock()
		err := st.reason()
		if !done && err == nil {
			err = errors.New("sccp: connection handler panicked")
		}
		st.abort(err)
		dev.Closed(err)
	}()

	st.Send(&RegisterAck{
		KeepAliveInterval:          uint32(cfg.KeepAlive / time.Second),
		DateTemplate:               cfg.DateTemplate,
		SecondaryKeepAliveInterval: uint32(cfg.SecondaryKeepAlive / time.Second),
		MaxProtocolVersion:         ver,
		Features:                   RegisterAckFeatures(ver),
	})
	st.Send(&CapabilitiesReq{})
	if r, ok := dev.(Registerer); ok {
		r.Registered()
	}

	idle := 2*cfg.KeepAlive + KeepAliveMargin
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		f, err := ReadFrame(c, cfg.MaxFrame)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && st.reason() == nil {
				err = ErrKeepAliveTimeout
			}
			st.abort(err) // keeps an earlier reason (Close, slow consumer)
			done = true
			return
		}
		if f.ID == MsgKeepAlive {
			st.keepalives.Add(1)
			st.Send(&KeepAliveAck{})
			continue
		}
		if st.isClosing() {
			continue // the Device closed the station: nothing more for it
		}
		m, err := f.Decode()
		if err != nil { // not expected: decoders accept any payload
			m = &Unknown{MsgID: f.ID, Data: f.Payload}
		}
		dev.Handle(m)
	}
}

// refuse closes a connection that did not register and logs why,
// rate-limited through the listener's RateLog:
//
//	%SCCP-4-BADMSG: Skinny connection from 10.0.0.5:51234 closed: first message: OffHook, not Register
func (s *Server) refuse(st *Station, secure bool, what string, err error) {
	st.abort(err)
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
		return // a probe, a phone that gave up, or the register timeout
	}
	r := &s.plain
	if secure {
		r = &s.secure
	}
	log := s.log
	if srv := r.Server(); srv != nil {
		log = srv.Fail
	}
	if log != nil {
		log.Logf(4, "SCCP", "BADMSG", "Skinny connection from %s closed: %s: %s",
			service.Escape(st.RemoteAddr().String()), what, service.Escape(err.Error()))
	}
}

// drain waits (bounded by the write deadline) for a closing station's
// queue to be written, then closes the connection.
func (s *Server) drain(st *Station) {
	st.writers.Wait()
	st.conn.Close()
}
