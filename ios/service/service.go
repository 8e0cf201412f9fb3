// Package service runs the network listeners of cmeos: every TCP or UDP
// service a feature offers (the CTL provider on 2444, the TVS on 2445, TFTP,
// DHCP, SSH, HTTP, SCCP, CAPF, SIP) is a [Server] made by [New] from a
// [Config] (New validates) and run by [Server.Run] until its context ends.
// A feature keeps one [Runner] per listener and hands it the wanted Config
// from its Reconcile: the Runner starts the service, restarts it when the
// address, limits or Key change, and stops it, with IOS's log lines:
//
//	%FAC-5-STARTED: <Name> listening on <addr>
//	%FAC-5-STOPPED: <Name> stopped
//	%FAC-4-NOT_STARTED: <Name> not started: <reason>   (once per new reason)
//
// Every TCP listener is bounded: at most MaxConns connections at once and
// MaxPerSource from one remote address (over the limit a connection is
// closed at once), and a connection reaches its handler with a deadline of
// Handshake from accept (the TLS handshake, when Config.TLS is set, runs
// under it too; the handler sets its own deadlines once the peer has proved
// itself). A panic in a connection's goroutine is recovered: the connection
// is closed, the process goes on, and the log gets one IOS traceback-style
// line:
//
//	%SYS-2-CONN_PANIC: <Name> connection from <peer> crashed: <value> -Traceback= 0x... 0x...
//
// Failure messages of a listener (refused connections, failed handshakes,
// panics) go through a [RateLog]: at most RateBurst lines per RateInterval
// for each mnemonic, then one line
//
//	%FAC-4-MNEMONIC: N messages suppressed
//
// when the next one gets through or the service stops.
//
// A feature's use, in full:
//
//	type Feature struct {
//		sys *config.System
//		svc service.Runner
//		...
//	}
//
//	func newFeature(sys *config.System) config.Feature {
//		f := &Feature{sys: sys}
//		f.svc = service.Runner{Name: "CAPF server", Facility: "CAPF", Log: sys.Log}
//		...
//	}
//
//	func (f *Feature) Reconcile(ctx context.Context) error {
//		f.sys.Lock()
//		addr, why := f.listenAddr() // read the config under the lock ...
//		f.sys.Unlock()              // ... and never start or stop under it
//		if why != "" {
//			f.svc.Down(why) // "-": not configured, nothing to warn about
//			return nil
//		}
//		return f.svc.Up(ctx, service.Config{Addr: addr, TLS: f.tlsConfig, Handle: f.handle})
//	}
//
//	func (f *Feature) Close() error { f.svc.Close(); return nil }
//
// Three shapes of service: Handle (TCP, one goroutine per connection, with
// an optional TLS handshake done here), Serve (TCP served by a library such
// as net/http on the limited listener given to it) and Packet (UDP: the
// bound socket is served until ctx ends). Sockets are plain binds without
// SO_REUSEPORT, so an old server can never race its replacement.
package service

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default limits of a TCP listener (docs/SECURITY.md, "Listener limits").
const (
	DefaultMaxConns     = 64
	DefaultMaxPerSource = 8
	DefaultHandshake    = 10 * time.Second
)

// Logger is where a service logs (the system log, *logging.Logger).
type Logger interface {
	Logf(severity int, facility, mnemonic, format string, args ...any)
}

// Config describes one listener. Exactly one of Handle, Serve and Packet is
// set; Packet makes it a UDP service.
type Config struct {
	Name     string // what the log lines call it: "CTL provider"
	Facility string // log facility: "CREDENTIALS"
	Log      Logger
	// Quiet leaves out the STARTED/STOPPED/NOT_STARTED lines (for features
	// that log their own, as SSH's "SSH 2.0 has been enabled").
	Quiet bool

	Addr string // "host:port"; port 0 picks a free port

	// Handle serves one TCP connection; ctx ends when the service stops.
	// The runner closes the connection when Handle returns.
	Handle func(ctx context.Context, c net.Conn)
	// TLS, with Handle, is asked for a configuration per connection (so a
	// new certificate is used at once); the runner does the handshake
	// under the Handshake deadline and gives Handle the *tls.Conn.
	TLS func() (*tls.Config, error)
	// Serve runs a library server on ln (connections already limited); it
	// must return once ln is closed.
	Serve func(ctx context.Context, ln net.Listener) error
	// Packet serves a bound UDP socket until ctx ends (the runner then
	// closes the socket). Should it panic it is logged and called again.
	Packet func(ctx context.Context, conn *net.UDPConn) error

	// Listen and ListenPacket, if set, open the socket instead of a plain
	// bind of Addr (a socket bound to an interface, made in a namespace).
	Listen       func() (net.Listener, error)
	ListenPacket func() (*net.UDPConn, error)

	MaxConns     int           // concurrent connections (DefaultMaxConns)
	MaxPerSource int           // concurrent connections from one address (DefaultMaxPerSource)
	Handshake    time.Duration // deadline from accept to the handler's first reads (DefaultHandshake)

	// Key is anything else whose change must restart the service (a host
	// key fingerprint); the Runner compares it with the running one.
	Key string
	// KeepConns lets the connections of a listener that a restart replaces
	// run on (the SSH sessions of the administrator who changed the port);
	// they end when the Runner goes down or closes.
	KeepConns bool
}

// identity is what a restart is decided on.
type identity struct {
	udp                  bool
	addr, key            string
	maxConns, perSrc     int
	handshake            time.Duration
	listen, listenPacket bool
}

func (c *Config) identity() identity {
	return identity{udp: c.Packet != nil, addr: c.Addr, key: c.Key, maxConns: c.MaxConns, perSrc: c.MaxPerSource,
		handshake: c.Handshake, listen: c.Listen != nil, listenPacket: c.ListenPacket != nil}
}

// Server is one running (or ready to run) listener.
type Server struct {
	cfg  Config
	Fail *RateLog // the listener's failure messages; handlers may log through it too

	// mu guards the fields below.
	mu     sync.Mutex
	ln     net.Listener
	pc     *net.UDPConn
	conns  map[net.Conn]bool
	perSrc map[netip.Addr]int
	closed bool // the listener is closed: no new connections
	wg     sync.WaitGroup
}

// New validates cfg, fills in the default limits and returns a Server that
// does not listen yet.
func New(cfg Config) (*Server, error) {
	n := 0
	for _, set := range []bool{cfg.Handle != nil, cfg.Serve != nil, cfg.Packet != nil} {
		if set {
			n++
		}
	}
	switch {
	case cfg.Name == "" || cfg.Facility == "":
		return nil, errors.New("service: a service needs a Name and a Facility")
	case cfg.Log == nil:
		return nil, fmt.Errorf("service: %s: no Log", cfg.Name)
	case n != 1:
		return nil, fmt.Errorf("service: %s: set exactly one of Handle, Serve and Packet", cfg.Name)
	case cfg.TLS != nil && cfg.Handle == nil:
		return nil, fmt.Errorf("service: %s: TLS needs Handle", cfg.Name)
	case cfg.Addr == "" && cfg.Listen == nil && cfg.ListenPacket == nil:
		return nil, fmt.Errorf("service: %s: no address", cfg.Name)
	case cfg.MaxConns < 0 || cfg.MaxPerSource < 0 || cfg.Handshake < 0:
		return nil, fmt.Errorf("service: %s: negative limit", cfg.Name)
	}
	if cfg.Addr != "" {
		if _, port, err := net.SplitHostPort(cfg.Addr); err != nil {
			return nil, fmt.Errorf("service: %s: address %q: %w", cfg.Name, cfg.Addr, err)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("service: %s: bad port in %q", cfg.Name, cfg.Addr)
		}
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxPerSource == 0 {
		cfg.MaxPerSource = DefaultMaxPerSource
	}
	if cfg.MaxPerSource > cfg.MaxConns {
		cfg.MaxPerSource = cfg.MaxConns
	}
	if cfg.Handshake == 0 {
		cfg.Handshake = DefaultHandshake
	}
	return &Server{cfg: cfg, Fail: NewRateLog(cfg.Log), conns: map[net.Conn]bool{}, perSrc: map[netip.Addr]int{}}, nil
}

// Run listens and serves until ctx ends, then closes the listener and every
// connection and waits for the handlers. It returns at once with the error
// when the socket cannot be opened.
func (s *Server) Run(ctx context.Context) error {
	if err := s.listen(); err != nil {
		return err
	}
	s.serve(ctx)
	return nil
}

// Addr is the bound address (with the port the system chose for port 0),
// or nil before the server listens.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ln != nil:
		return s.ln.Addr()
	case s.pc != nil:
		return s.pc.LocalAddr()
	}
	return nil
}

// Conns is the number of open connections (TCP).
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) listen() error {
	var err error
	var ln net.Listener
	var pc *net.UDPConn
	switch {
	case s.cfg.Packet != nil && s.cfg.ListenPacket != nil:
		pc, err = s.cfg.ListenPacket()
	case s.cfg.Packet != nil:
		var a *net.UDPAddr
		if a, err = net.ResolveUDPAddr("udp", s.cfg.Addr); err == nil {
			pc, err = net.ListenUDP("udp", a)
		}
	case s.cfg.Listen != nil:
		ln, err = s.cfg.Listen()
	default:
		ln, err = net.Listen("tcp", s.cfg.Addr)
	}
	if err != nil {
		return fmt.Errorf("%s: listening on %s: %w", s.cfg.Name, s.cfg.Addr, err)
	}
	s.mu.Lock()
	s.ln, s.pc = ln, pc
	s.mu.Unlock()
	return nil
}

// serve runs the bound socket until ctx ends, then closes everything and
// waits.
func (s *Server) serve(ctx context.Context) {
	defer s.Fail.Flush()
	switch {
	case s.cfg.Packet != nil:
		s.servePacket(ctx)
		return
	case s.cfg.Serve != nil:
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.cfg.Serve(lctx, &limitedListener{s: s})
		}()
		<-ctx.Done()
		s.closeListener()
		cancel()
		s.closeConns()
		<-done
	default:
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.acceptLoop(ctx)
		}()
		<-ctx.Done()
		s.closeListener()
		<-done
		s.closeConns()
	}
	s.wg.Wait()
}

// closeListener stops accepting; open connections run on.
func (s *Server) closeListener() {
	s.mu.Lock()
	ln := s.ln
	s.closed = true
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
}

func (s *Server) servePacket(ctx context.Context) {
	s.mu.Lock()
	pc := s.pc
	s.mu.Unlock()
	// The socket is closed when ctx ends; servePacket returns only once
	// the close is complete, so that a caller of Down can bind the port
	// again at once (CI saw "address already in use" when the loop
	// returned while the AfterFunc goroutine was still closing).
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { pc.Close(); close(closed) })
	defer func() {
		if stop() {
			pc.Close() // the loop ended on its own
		} else {
			<-closed
		}
	}()
	for ctx.Err() == nil {
		panicked := false
		func() {
			defer func() {
				if v := recover(); v != nil {
					panicked = true
					s.logPanic("", v)
				}
			}()
			s.cfg.Packet(ctx, pc)
		}()
		if !panicked {
			break
		}
		select { // a datagram that panics every time costs little
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	<-ctx.Done()
	pc.Close()
}

func (s *Server) acceptLoop(ctx context.Context) {
	var delay time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			// EMFILE and the like: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.Fail.Logf(3, s.cfg.Facility, "ACCEPT_FAILED", "%s: accept: %v", s.cfg.Name, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		src, ok := s.admit(nc)
		if !ok {
			continue
		}
		go s.handle(ctx, nc, src)
	}
}

// admit counts a new connection against the limits; over them it is
// closed and false returned. The WaitGroup holds admitted connections.
func (s *Server) admit(nc net.Conn) (netip.Addr, bool) {
	src := peerAddr(nc)
	s.mu.Lock()
	why := ""
	switch {
	case s.closed:
		why = "-"
	case len(s.conns) >= s.cfg.MaxConns:
		why = fmt.Sprintf("%d connections open", len(s.conns))
	case s.perSrc[src] >= s.cfg.MaxPerSource:
		why = fmt.Sprintf("%d connections open from this source", s.perSrc[src])
	}
	if why == "" {
		s.conns[nc] = true
		s.perSrc[src]++
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if why != "" {
		nc.Close()
		if why != "-" {
			s.Fail.Logf(4, s.cfg.Facility, "CONN_LIMIT", "%s connection from %s refused: %s", s.cfg.Name, src, why)
		}
		return src, false
	}
	return src, true
}

// release undoes admit.
func (s *Server) release(nc net.Conn, src netip.Addr) {
	s.mu.Lock()
	if s.conns[nc] {
		delete(s.conns, nc)
		if s.perSrc[src]--; s.perSrc[src] <= 0 {
			delete(s.perSrc, src)
		}
		s.wg.Done()
	}
	s.mu.Unlock()
}

func (s *Server) handle(ctx context.Context, nc net.Conn, src netip.Addr) {
	defer s.release(nc, src)
	defer nc.Close()
	defer func() {
		if v := recover(); v != nil {
			s.logPanic(src.String(), v)
		}
	}()
	nc.SetDeadline(time.Now().Add(s.cfg.Handshake))
	c := nc
	if s.cfg.TLS != nil {
		cfg, err := s.cfg.TLS()
		if err != nil {
			return
		}
		tc := tls.Server(nc, cfg)
		if err := s.handshake(ctx, tc, src); err != nil {
			if ctx.Err() == nil {
				s.Fail.Logf(4, s.cfg.Facility, "TLS_FAILED", "TLS handshake with %s client %s failed", s.cfg.Name, src)
			}
			return
		}
		c = tc
	}
	s.cfg.Handle(ctx, c)
}

// handshake runs the TLS handshake on a goroutine of its own, so that
// its deep stack (certificate parsing and verification, RSA) goes away
// with it rather than staying with the connection's long-lived goroutine
// (scripts/bench-sccp: idle TLS phones). A panic there is contained as in
// handle.
func (s *Server) handshake(ctx context.Context, tc *tls.Conn, src netip.Addr) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				s.logPanic(src.String(), v)
				done <- errHandshakePanic
			}
		}()
		done <- tc.HandshakeContext(ctx)
	}()
	return <-done
}

var errHandshakePanic = errors.New("service: panic in the TLS handshake")

// logPanic writes the IOS traceback-style line of a recovered panic.
func (s *Server) logPanic(peer string, v any) {
	pcs := make([]uintptr, 16)
	n := runtime.Callers(3, pcs)
	var tb strings.Builder
	for i, pc := range pcs[:n] {
		if i > 0 {
			tb.WriteByte(' ')
		}
		fmt.Fprintf(&tb, "0x%X", pc)
	}
	what := s.cfg.Name + " connection"
	if peer != "" {
		what += " from " + peer
	} else {
		what = s.cfg.Name + " socket"
	}
	s.Fail.Logf(2, "SYS", "CONN_PANIC", "%s crashed: %s -Traceback= %s", what, Escape(fmt.Sprint(v)), tb.String())
}

func peerAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// Escape makes a string safe for a log line or a terminal: control
// characters and invalid UTF-8 become Go escapes, and it is cut at 128
// bytes.
func Escape(s string) string {
	if len(s) > 128 {
		s = s[:128] + "..."
	}
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1]
}

// limitedListener is the listener a Serve function gets: Accept hands out
// only connections within the limits, and each one's Close releases its
// slot.
type limitedListener struct{ s *Server }

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.s.ln.Accept()
		if err != nil {
			return nil, err
		}
		src, ok := l.s.admit(nc)
		if !ok {
			continue
		}
		return &trackedConn{Conn: nc, s: l.s, src: src}, nil
	}
}

func (l *limitedListener) Close() error   { return l.s.ln.Close() }
func (l *limitedListener) Addr() net.Addr { return l.s.ln.Addr() }

type trackedConn struct {
	net.Conn
	s    *Server
	src  netip.Addr
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.s.release(c.Conn, c.src) })
	return err
}
