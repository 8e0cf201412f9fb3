package phone

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"cmeos/cmd/phonesim/internal/media"
	"cmeos/cmd/phonesim/internal/sccp"
)

// Config describes one simulated phone.
type Config struct {
	MAC        string // 12 hex digits; the device name is SEP<MAC>
	Model      string // "7970" (default); names the MIC form CP-<Model>G-SEP<MAC>
	DeviceType uint32 // SCCP device type (default 30006, a 7970)
	Protocol   uint8  // highest SCCP protocol version offered (default 17)
	Lines      uint32 // maxNumberOfLines in Register (default 1)
	Load       string // firmware load name in Register (default SCCP70.8-5-4S)

	Server string // call manager host:port (2000 plain, 2443 TLS)
	// LocalAddr, when valid, is the phone's own address: the SCCP
	// connection and the RTP ports bind to it (load mode gives each
	// phone its own, as real phones have; any 127.x.y.z works on Linux
	// loopback).
	LocalAddr netip.Addr
	Secure    bool // TLS (deviceSecurityMode 2 or 3)

	// Certificate is the client certificate presented on TLS (LSC or MIC).
	Certificate *tls.Certificate
	// ServerCerts are the CCM certificates of the CTL; the server's
	// certificate must be one of them or be signed by one.
	ServerCerts []*x509.Certificate
	// KeyLog, when set, receives the TLS secrets in NSS key log format
	// (SSLKEYLOGFILE) so tshark can decrypt the session.
	KeyLog io.Writer

	Codecs []string // capability names advertised (default g711ulaw, g711alaw)

	DialTimeout time.Duration // connect + TLS + RegisterAck (default 10 s)
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Dial opens the connection (load mode's drop injection); default a
	// net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// NoMedia skips opening RTP ports (load mode): OpenReceiveChannel is
	// answered with status "out of sockets".
	NoMedia bool
	// MaxMessages bounds the message log of the report (default 10000;
	// counts are always complete).
	MaxMessages int
}

func (c *Config) defaults() error {
	mac := strings.ToUpper(strings.TrimPrefix(strings.ToUpper(c.MAC), "SEP"))
	mac = strings.NewReplacer(".", "", ":", "", "-", "").Replace(mac)
	if b, err := hex.DecodeString(mac); err != nil || len(b) != 6 {
		return fmt.Errorf("phone: MAC %q is not 12 hex digits", c.MAC)
	}
	c.MAC = mac
	if c.Model == "" {
		c.Model = "7970"
	}
	if c.DeviceType == 0 {
		c.DeviceType = 30006
	}
	if c.Protocol == 0 {
		c.Protocol = 17
	}
	if c.Lines == 0 {
		c.Lines = 1
	}
	if c.Load == "" {
		c.Load = "SCCP70.8-5-4S"
	}
	if len(c.Codecs) == 0 {
		c.Codecs = []string{"g711ulaw", "g711alaw"}
	}
	for _, n := range c.Codecs {
		if _, ok := media.Capabilities[n]; !ok {
			return fmt.Errorf("phone: unknown codec %q", n)
		}
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Dial == nil {
		d := &net.Dialer{}
		if c.LocalAddr.IsValid() {
			d.LocalAddr = &net.TCPAddr{IP: c.LocalAddr.AsSlice()}
		}
		c.Dial = d.DialContext
	}
	if c.MaxMessages == 0 {
		c.MaxMessages = 10000
	}
	if c.Server == "" {
		return errors.New("phone: no call manager address")
	}
	if c.Secure && c.Certificate == nil {
		return errors.New("phone: TLS needs a client certificate (LSC or MIC)")
	}
	return nil
}

// DeviceName is SEP<MAC>.
func (c *Config) DeviceName() string { return "SEP" + c.MAC }

// call is what the phone knows of one call reference.
type call struct {
	ref, line uint32
	state     uint32
	info      *sccp.CallInfo
	seq       int // order of creation, to find the newest
}

// Phone is one simulated phone. Its methods are safe for concurrent use.
type Phone struct {
	cfg   Config
	start time.Time

	writeMu sync.Mutex // serialises writes on conn
	conn    net.Conn

	mu        sync.Mutex // guards everything below
	changed   chan struct{}
	report    Report
	ack       *sccp.RegisterAck
	proto     uint8 // negotiated
	localIP   netip.Addr
	calls     map[uint32]*call
	callSeq   int
	tone      uint32 // current StartTone, 0 none
	ringing   bool
	buttons   []sccp.Button
	gotCaps   bool
	gotTime   bool
	gotButton bool
	streams   map[uint32]*media.Stream // by passThruPartyID
	toneFreq  float64
	lastKA    time.Time // last KeepAliveAck
	closing   bool      // Unregister sent: the server may close the connection
	resets    int       // Reset messages received
	done      chan struct{}
	err       error // why the connection ended
}

// New validates cfg and returns a phone that is not yet connected.
func New(cfg Config) (*Phone, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	p := &Phone{cfg: cfg, changed: make(chan struct{}), calls: map[uint32]*call{}, streams: map[uint32]*media.Stream{},
		done: make(chan struct{})}
	p.start = cfg.Now()
	p.report.Device = cfg.DeviceName()
	p.report.Server = cfg.Server
	p.report.Transport = "tcp"
	if cfg.Secure {
		p.report.Transport = "tls"
	}
	p.report.Counts = map[string]int{}
	return p, nil
}

// Config returns the phone's configuration after defaults.
func (p *Phone) Config() Config { return p.cfg }

// notify wakes every waiter; p.mu is held.
func (p *Phone) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Phone) since() float64 {
	return float64(p.cfg.Now().Sub(p.start).Microseconds()) / 1000
}

// event records a call event; p.mu is held.
func (p *Phone) event(kind string, line, ref uint32, detail string) {
	p.report.Events = append(p.report.Events, Event{T: p.since(), Event: kind, Line: line, CallRef: ref, Detail: detail})
}

// logMsg records a message; p.mu is held.
func (p *Phone) logMsg(dir, name string) {
	p.report.Counts[dir+" "+name]++
	if len(p.report.Messages) < p.cfg.MaxMessages {
		p.report.Messages = append(p.report.Messages, MsgRecord{T: p.since(), Dir: dir, Name: name})
	}
}

// send writes one message at the negotiated version.
func (p *Phone) send(id uint32, payload []byte) error {
	p.mu.Lock()
	v := p.proto
	if v == 0 {
		v = p.cfg.Protocol
	}
	conn := p.conn
	p.logMsg("tx", sccp.Name(id))
	p.mu.Unlock()
	if conn == nil {
		return errors.New("phone: not connected")
	}
	b, err := sccp.Frame(v, id, payload).MarshalBinary()
	if err != nil {
		return err
	}
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err = conn.Write(b)
	return err
}

// tlsConfig is the client side of §6.9: TLS 1.2+, the phone's certificate,
// the server's certificate checked against the CTL's CCM entries (by
// identity or by signature), not by host name: a phone knows its call
// manager by the CTL, not by DNS.
func (p *Phone) tlsConfig() *tls.Config {
	ccm := p.cfg.ServerCerts
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		Certificates:       []tls.Certificate{*p.cfg.Certificate},
		InsecureSkipVerify: true, // replaced by VerifyPeerCertificate below
		KeyLogWriter:       p.cfg.KeyLog,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return VerifyServer(raw, ccm, p.cfg.Now())
		},
	}
}

// VerifyServer checks a call manager's TLS chain against the CTL's CCM
// certificates: the leaf must be one of them, or chain to one of them.
func VerifyServer(raw [][]byte, ccm []*x509.Certificate, now time.Time) error {
	if len(raw) == 0 {
		return errors.New("phone: the call manager sent no certificate")
	}
	if len(ccm) == 0 {
		return errors.New("phone: no CCM certificate in the CTL to check the call manager against")
	}
	leaf, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("phone: call manager certificate: %w", err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range ccm {
		if c.Equal(leaf) {
			if now.After(c.NotAfter) || now.Before(c.NotBefore) {
				return fmt.Errorf("phone: call manager certificate %s is outside its validity", leaf.Subject)
			}
			return nil
		}
		roots.AddCert(c)
	}
	for _, r := range raw[1:] {
		if c, err := x509.ParseCertificate(r); err == nil {
			inter.AddCert(c)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("phone: call manager certificate %s is not in the CTL: %w", leaf.Subject, err)
	}
	return nil
}

// Connect dials the call manager (TLS when Secure), registers, and starts
// the phone's reader and keepalive. It returns after RegisterAck (nil) or
// RegisterReject (*sccp.RejectError); the rest of the registration (button
// template, soft keys, lines, time) continues in the background: wait for
// it with Wait(ctx, Registered, timeout).
func (p *Phone) Connect(ctx context.Context) error {
	err := p.connect(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		var rej *sccp.RejectError
		if errors.As(err, &rej) {
			p.report.Registration.Result = "rejected"
			p.report.Registration.Reason = rej.Text
		} else {
			p.report.Registration.Result = "error"
			p.report.Registration.Reason = err.Error()
		}
	}
	return err
}

func (p *Phone) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	t0 := time.Now()
	conn, err := p.cfg.Dial(ctx, "tcp", p.cfg.Server)
	if err != nil {
		return fmt.Errorf("phone: connecting to %s: %w", p.cfg.Server, err)
	}
	if p.cfg.Secure {
		tc := tls.Client(conn, p.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("phone: TLS to %s: %w", p.cfg.Server, err)
		}
		st := tc.ConnectionState()
		p.mu.Lock()
		p.report.TLS = &TLSInfo{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite),
			HandshakeMs: ms(time.Since(t0))}
		if len(st.PeerCertificates) > 0 {
			p.report.TLS.Server = st.PeerCertificates[0].Subject.String()
		}
		p.mu.Unlock()
		conn = tc
	}
	local, _ := netip.ParseAddrPort(conn.LocalAddr().String())
	mac, _ := hex.DecodeString(p.cfg.MAC)
	p.mu.Lock()
	p.conn = conn
	p.localIP = local.Addr().Unmap()
	p.mu.Unlock()
	reg := sccp.Register{DeviceName: p.cfg.DeviceName(), IP: local.Addr().Unmap(), DeviceType: p.cfg.DeviceType,
		MaxStreams: 5, Protocol: p.cfg.Protocol, MAC: [6]byte(mac), Lines: p.cfg.Lines, Load: p.cfg.Load}
	p.mu.Lock()
	p.logMsg("tx", "Register")
	p.mu.Unlock()
	b, _ := reg.Message().MarshalBinary()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(b); err != nil {
		conn.Close()
		return fmt.Errorf("phone: sending Register: %w", err)
	}
	for {
		m, err := sccp.ReadMessage(conn)
		if err != nil {
			conn.Close()
			return fmt.Errorf("phone: waiting for RegisterAck: %w", err)
		}
		p.mu.Lock()
		p.logMsg("rx", m.Name())
		p.mu.Unlock()
		switch m.ID {
		case sccp.MsgRegisterReject:
			conn.Close()
			return &sccp.RejectError{Text: sccp.ParseRegisterReject(m.Data)}
		case sccp.MsgRegisterAck:
			ack, err := sccp.ParseRegisterAck(m.Data)
			if err != nil {
				conn.Close()
				return err
			}
			conn.SetDeadline(time.Time{})
			p.mu.Lock()
			p.ack = &ack
			p.proto = min(ack.Protocol, p.cfg.Protocol)
			if p.proto == 0 {
				p.proto = min(p.cfg.Protocol, 3)
			}
			p.lastKA = time.Now()
			p.report.Registration = Registration{Result: "registered", KeepAlive: ack.KeepAlive, Protocol: p.proto,
				DateTemplate: ack.DateTemplate, LatencyMs: ms(time.Since(t0))}
			p.notify()
			p.mu.Unlock()
			go p.readLoop(conn)
			go p.keepAlive(conn, ack.KeepAlive)
			go p.finishRegistration()
			return nil
		}
		// Anything before the answer (a CapabilitiesReq sent eagerly)
		// is answered once registered; a real phone ignores it too.
	}
}

// finishRegistration asks for what a 7970 asks for after RegisterAck
// (§6.7): the button template, then soft keys, line status, available
// lines and the time. It does not wait forever for a server that skips a
// step: a missing CapabilitiesReq or ButtonTemplate is waited for 3 s.
func (p *Phone) finishRegistration() {
	p.waitCond(3*time.Second, func() bool { return p.gotCaps })
	p.send(sccp.MsgButtonTemplateReq, nil)
	p.waitCond(3*time.Second, func() bool { return p.gotButton })
	p.send(sccp.MsgSoftKeyTemplateReq, nil)
	p.send(sccp.MsgSoftKeySetReq, nil)
	p.mu.Lock()
	var lines []uint32
	for _, b := range p.buttons {
		if b.Type == 9 { // line (§6.6.7 stimulus 0x09)
			lines = append(lines, uint32(b.Instance))
		}
	}
	p.mu.Unlock()
	if len(lines) == 0 {
		lines = []uint32{1}
	}
	for _, l := range lines {
		p.send(sccp.MsgLineStatReq, sccp.Instance(l))
	}
	p.send(sccp.MsgRegisterAvailableLines, sccp.Instance(p.cfg.Lines))
	p.send(sccp.MsgTimeDateReq, nil)
}

// waitCond waits up to d for cond (evaluated under p.mu) or the end of
// the connection.
func (p *Phone) waitCond(d time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		ok, ch := cond(), p.changed
		p.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		case <-p.done:
			return false
		}
	}
}

// keepAlive sends KeepAlive every interval and ends the connection when
// three intervals pass without KeepAliveAck.
func (p *Phone) keepAlive(conn net.Conn, interval uint32) {
	if interval == 0 || interval > 3600 {
		interval = 30
	}
	d := time.Duration(interval) * time.Second
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		p.mu.Lock()
		stale := time.Since(p.lastKA) > 3*d
		p.mu.Unlock()
		if stale {
			p.fail(errors.New("phone: no KeepAliveAck for three intervals"))
			conn.Close()
			return
		}
		if err := p.send(sccp.MsgKeepAlive, nil); err != nil {
			return
		}
	}
}

// fail records why the connection ended (first reason wins) and wakes
// everyone.
func (p *Phone) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return
	default:
	}
	p.err = err
	if err != nil {
		p.report.Error = err.Error()
	}
	close(p.done)
	p.notify()
}

// ErrReset ends the connection of a phone the call manager reset (Reset,
// 1 reset, 2 restart, 3 apply config).
var ErrReset = errors.New("phone: reset by the call manager")

// Done is closed when the connection ends.
func (p *Phone) Done() <-chan struct{} { return p.done }

// Err is why the connection ended (nil while it runs, or after Close).
func (p *Phone) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *Phone) readLoop(conn net.Conn) {
	for {
		m, err := sccp.ReadMessage(conn)
		if err != nil {
			p.mu.Lock()
			closing := p.closing
			p.mu.Unlock()
			if closing {
				p.fail(nil)
			} else if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				p.fail(fmt.Errorf("phone: connection closed by the call manager: %w", err))
			} else {
				p.fail(fmt.Errorf("phone: reading: %w", err))
			}
			conn.Close()
			return
		}
		p.handle(m)
	}
}

// Close unregisters (Unregister, waiting briefly for UnregisterAck),
// closes the connection and the media streams.
func (p *Phone) Close() error {
	p.mu.Lock()
	conn, registered := p.conn, p.ack != nil
	p.closing = true
	p.mu.Unlock()
	if conn != nil && registered {
		select {
		case <-p.done:
		default:
			if p.send(sccp.MsgUnregister, sccp.Unregister()) == nil {
				// UnregisterAck, or the server closing the connection.
				p.waitCond(2*time.Second, func() bool { return p.report.Counts["rx UnregisterAck"] > 0 })
			}
		}
	}
	p.fail(nil)
	if conn != nil {
		conn.Close()
	}
	p.mu.Lock()
	streams := p.streams
	p.streams = map[uint32]*media.Stream{}
	p.mu.Unlock()
	for id, s := range streams {
		s.Close()
		p.mu.Lock()
		p.keepStats(id, s)
		p.mu.Unlock()
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
