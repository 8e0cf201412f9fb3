package sccp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testLog collects log lines.
type testLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLog) Logf(sev int, fac, mn, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%%%s-%d-%s: ", fac, sev, mn)+fmt.Sprintf(format, args...))
}

func (l *testLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// testRegistrar accepts device names starting with SEP (and on the secure
// port only certificates naming the device), rejects the rest.
type testRegistrar struct {
	mu      sync.Mutex
	devices map[string]*testDevice
	regs    chan *Station
}

func newTestRegistrar() *testRegistrar {
	return &testRegistrar{devices: map[string]*testDevice{}, regs: make(chan *Station, 100)}
}

func (r *testRegistrar) Register(st *Station, reg *Register, peer *x509.Certificate, secure bool) (Device, *RegisterReject) {
	if !strings.HasPrefix(reg.DeviceName, "SEP") {
		return nil, &RegisterReject{Text: "Device Unknown"}
	}
	if secure && (peer == nil || peer.Subject.CommonName != reg.DeviceName) {
		return nil, &RegisterReject{Text: "Certificate mismatch"}
	}
	if reg.DeviceName == "SEPSILENT" {
		return nil, nil
	}
	d := &testDevice{st: st, msgs: make(chan Message, 1000), closed: make(chan error, 1)}
	r.mu.Lock()
	r.devices[reg.DeviceName] = d
	r.mu.Unlock()
	r.regs <- st
	return d, nil
}

func (r *testRegistrar) device(name string) *testDevice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.devices[name]
}

// testDevice records what it is handed; it answers Unregister with
// UnregisterAck and closes, and echoes OffHook as a CallState (so tests see
// Send from Handle).
type testDevice struct {
	st     *Station
	msgs   chan Message
	closed chan error
}

func (d *testDevice) Handle(m Message) {
	switch m := m.(type) {
	case *Unregister:
		d.st.Send(&UnregisterAck{})
		d.st.Close()
	case *OffHook:
		d.st.Send(&CallState{State: CallStateOffHook, Line: m.Line})
	case *StimulusMessage:
		if m.Stimulus == 0xDEAD {
			panic("test device panics")
		}
	}
	d.msgs <- m
}

func (d *testDevice) Closed(err error) { d.closed <- err }

// phone is the test's client end.
type phone struct {
	t *testing.T
	c net.Conn
}

func (p *phone) send(ver uint32, m Message) {
	p.t.Helper()
	p.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := WriteMessage(p.c, ver, m); err != nil {
		p.t.Fatalf("phone send %v: %v", m.ID(), err)
	}
}

func (p *phone) read() (Message, error) {
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return ReadMessage(p.c, 0)
}

func (p *phone) expect(want ...Message) {
	p.t.Helper()
	for _, w := range want {
		m, err := p.read()
		if err != nil {
			p.t.Fatalf("phone waiting for %v: %v", w.ID(), err)
		}
		if d := cmp.Diff(w, m, addrCmp); d != "" {
			p.t.Fatalf("phone got (-want +got):\n%s", d)
		}
	}
}

// expectClosed waits for the server to close the connection.
func (p *phone) expectClosed() {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		if _, err := ReadFrame(p.c, 0); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "reset") {
				return
			}
			p.t.Fatalf("connection not closed by the server: %v", err)
		}
	}
}

func testRegister(name string, ver uint8) *Register {
	return &Register{DeviceName: name, Instance: 1, StationIP: netip.MustParseAddr("127.0.0.1"),
		DeviceType: DeviceStation7962, MaxStreams: 5, ProtocolVersion: ver, MAC: [6]byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}}
}

func startServer(t *testing.T, cfg Config) (*Server, *testRegistrar, *testLog) {
	t.Helper()
	log := &testLog{}
	reg := newTestRegistrar()
	s := NewServer(log)
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Registrar = reg
	if err := s.Up(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, reg, log
}

func dialPhone(t *testing.T, addr net.Addr) *phone {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &phone{t: t, c: c}
}

func TestServerRegistration(t *testing.T) {
	for _, tc := range []struct {
		phoneVer, capVer uint8
		negotiated       uint8
	}{
		{22, 0, 22}, {17, 0, 17}, {5, 0, 5}, {30, 0, 22}, {22, 17, 17},
	} {
		t.Run(fmt.Sprintf("phone v%d cap %d", tc.phoneVer, tc.capVer), func(t *testing.T) {
			s, reg, _ := startServer(t, Config{KeepAlive: 20 * time.Second, DateTemplate: "D.M.Y", MaxProtocolVersion: tc.capVer})
			p := dialPhone(t, s.Addr())
			p.send(uint32(tc.phoneVer), testRegister("SEP001122334455", tc.phoneVer))
			p.expect(&RegisterAck{KeepAliveInterval: 20, DateTemplate: "D.M.Y", SecondaryKeepAliveInterval: 20,
				MaxProtocolVersion: tc.negotiated, Features: RegisterAckFeatures(tc.negotiated)}, &CapabilitiesReq{})
			st := <-reg.regs
			if st.ProtocolVersion() != uint32(tc.negotiated) || st.DeviceName() != "SEP001122334455" || st.Secure() {
				t.Errorf("station: version %d, name %q, secure %v", st.ProtocolVersion(), st.DeviceName(), st.Secure())
			}
			// KeepAlive is answered by the server, not handed to the device.
			p.send(uint32(tc.negotiated), &KeepAlive{})
			p.expect(&KeepAliveAck{})
			// Messages reach the device in order; it can answer from Handle.
			p.send(uint32(tc.negotiated), &OffHook{Line: 1})
			p.expect(&CallState{State: CallStateOffHook, Line: 1})
			p.send(uint32(tc.negotiated), &Unknown{MsgID: 0x4242, Data: []byte{1, 2, 3, 4}})
			d := reg.device("SEP001122334455")
			for _, want := range []Message{&OffHook{Line: 1}, &Unknown{MsgID: 0x4242, Data: []byte{1, 2, 3, 4}}} {
				if diff := cmp.Diff(want, <-d.msgs); diff != "" {
					t.Error(diff)
				}
			}
			if st.KeepAlives() != 1 {
				t.Errorf("keepalives %d", st.KeepAlives())
			}
			if n := len(s.Stations()); n != 1 {
				t.Errorf("%d stations registered", n)
			}
			// Unregister: the device acks and closes; the ack is written first.
			p.send(uint32(tc.negotiated), &Unregister{})
			p.expect(&UnregisterAck{})
			p.expectClosed()
			if err := <-d.closed; !errors.Is(err, ErrClosedByServer) {
				t.Errorf("Closed(%v)", err)
			}
			waitFor(t, func() bool { return len(s.Stations()) == 0 })
		})
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if ok() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached in 5s")
}

func TestServerReject(t *testing.T) {
	s, reg, _ := startServer(t, Config{})
	p := dialPhone(t, s.Addr())
	p.send(0, testRegister("ATA00112233", 5))
	p.expect(&RegisterReject{Text: "Device Unknown"})
	p.expectClosed()
	// Neither device nor reject: closed silently.
	p = dialPhone(t, s.Addr())
	p.send(0, testRegister("SEPSILENT", 5))
	p.expectClosed()
	if len(reg.regs) != 0 {
		t.Error("a rejected phone registered")
	}
}

// TestServerBadInput: garbage, oversized and negative lengths, a first
// message that is not Register, partial frames and silence are each closed
// (the bad ones logged), and a registered phone is not disturbed.
func TestServerBadInput(t *testing.T) {
	s, reg, log := startServer(t, Config{RegisterTimeout: 500 * time.Millisecond, MaxPerSource: 20})
	good := dialPhone(t, s.Addr())
	good.send(17, testRegister("SEP00000000AAAA", 17))
	good.expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 17, Features: RegisterAckFeatures(17)}, &CapabilitiesReq{})
	<-reg.regs

	le32 := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = le.AppendUint32(b, v)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		in   []byte
		log  string // expected in the log, "" for a silent close
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "length 542393671"},
		{"oversized length", le32(MaxFrameSize+1, 0, 1), "length 4097"},
		{"negative length", le32(0xFFFFFFFF, 0, 1), "length 4294967295"},
		{"zero length", le32(0, 0, 1), "length 0"},
		{"not Register first", Marshal(0, &OffHook{}), "first message: OffHook, not Register"},
		{"partial frame then silence", le32(100, 0, 1, 0), ""},
		{"silence", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dialPhone(t, s.Addr())
			if len(tc.in) > 0 {
				p.c.Write(tc.in)
			}
			start := time.Now()
			p.expectClosed()
			if el := time.Since(start); el > 10*time.Second { // RegisterTimeout is 0.5 s; the bound only tells "closed" from "never"
				t.Errorf("closed after %v", el)
			}
			if tc.log != "" {
				waitFor(t, func() bool { return strings.Contains(log.text(), tc.log) })
			}
		})
	}
	// The registered phone still works.
	good.send(17, &KeepAlive{})
	good.expect(&KeepAliveAck{})
	if !strings.Contains(log.text(), "%SCCP-4-BADMSG: Skinny connection from 127.0.0.1:") {
		t.Errorf("log:\n%s", log.text())
	}
}

// TestServerKeepAliveTimeout: a registered phone that goes silent is
// dropped after 2×keepalive + margin, and the device is told why.
func TestServerKeepAliveTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the keepalive timeout")
	}
	s, reg, _ := startServer(t, Config{KeepAlive: time.Second})
	p := dialPhone(t, s.Addr())
	p.send(0, testRegister("SEP000000000001", 5))
	p.expect(&RegisterAck{KeepAliveInterval: 1, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 1, MaxProtocolVersion: 5, Features: RegisterAckFeatures(5)}, &CapabilitiesReq{})
	<-reg.regs
	start := time.Now()
	d := reg.device("SEP000000000001")
	select {
	case err := <-d.closed:
		if !errors.Is(err, ErrKeepAliveTimeout) {
			t.Errorf("Closed(%v)", err)
		}
		if el := time.Since(start); el < 2*time.Second || el > 2*time.Second+KeepAliveMargin+8*time.Second {
			t.Errorf("dropped after %v", el)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("silent phone not dropped")
	}
}

// TestServerPhoneHangsUp: the phone closing TCP reaches Closed as EOF.
func TestServerPhoneHangsUp(t *testing.T) {
	s, reg, _ := startServer(t, Config{})
	p := dialPhone(t, s.Addr())
	p.send(0, testRegister("SEP000000000002", 5))
	p.expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 5, Features: RegisterAckFeatures(5)}, &CapabilitiesReq{})
	<-reg.regs
	p.c.Close()
	if err := <-reg.device("SEP000000000002").closed; !errors.Is(err, io.EOF) {
		t.Errorf("Closed(%v)", err)
	}
}

// TestServerSlowPhone: a phone that stops reading neither blocks Send
// (call control sending to it from elsewhere) nor other phones; it is cut
// off when its queue fills.
func TestServerSlowPhone(t *testing.T) {
	s, reg, _ := startServer(t, Config{WriteTimeout: time.Second})
	slow := dialPhone(t, s.Addr())
	slow.c.(*net.TCPConn).SetReadBuffer(4096)
	slow.send(17, testRegister("SEP00000000510E", 17))
	st := <-reg.regs
	other := dialPhone(t, s.Addr())
	other.send(17, testRegister("SEP0000000000FF", 17))
	<-reg.regs
	other.expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 17, Features: RegisterAckFeatures(17)}, &CapabilitiesReq{})

	big := &CallInfo{CallingPartyName: strings.Repeat("x", 39)}
	start := time.Now()
	var err error
	for i := 0; i < 100000 && err == nil; i++ {
		err = st.Send(big)
	}
	if el := time.Since(start); el > 10*time.Second { // blocking would mean forever; the bound is generous for loaded machines
		t.Errorf("Send blocked for %v", el)
	}
	if !errors.Is(err, ErrSlowConsumer) && !errors.Is(err, ErrClosed) {
		t.Fatalf("Send to a phone that does not read: %v", err)
	}
	if err := <-reg.device("SEP00000000510E").closed; !errors.Is(err, ErrSlowConsumer) && !errors.Is(err, ErrClosed) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Closed(%v)", err)
		}
	}
	other.send(17, &KeepAlive{})
	other.expect(&KeepAliveAck{})
}

// TestServerPanic: a device that panics closes its connection only.
func TestServerPanic(t *testing.T) {
	s, reg, log := startServer(t, Config{})
	p := dialPhone(t, s.Addr())
	p.send(0, testRegister("SEP00000000DEAD", 5))
	<-reg.regs
	q := dialPhone(t, s.Addr())
	q.send(0, testRegister("SEP00000000BEEF", 5))
	<-reg.regs
	p.send(0, &StimulusMessage{Stimulus: 0xDEAD})
	if err := <-reg.device("SEP00000000DEAD").closed; err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Closed(%v)", err)
	}
	waitFor(t, func() bool { return strings.Contains(log.text(), "CONN_PANIC") })
	q.expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 5, Features: RegisterAckFeatures(5)}, &CapabilitiesReq{})
	q.send(0, &KeepAlive{})
	q.expect(&KeepAliveAck{})
}

// TestServerPerSourceLimit: connections over the per-source limit are
// closed at once; the ones within it work.
func TestServerPerSourceLimit(t *testing.T) {
	s, reg, log := startServer(t, Config{MaxPerSource: 2})
	var phones []*phone
	for i := range 2 {
		p := dialPhone(t, s.Addr())
		p.send(0, testRegister(fmt.Sprintf("SEP00000000000%d", i), 5))
		<-reg.regs
		phones = append(phones, p)
	}
	extra := dialPhone(t, s.Addr())
	extra.expectClosed()
	waitFor(t, func() bool { return strings.Contains(log.text(), "CONN_LIMIT") })
	phones[0].expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 5, Features: RegisterAckFeatures(5)}, &CapabilitiesReq{})
}

// testPKI is a CA with a server certificate and phone certificates.
type testPKI struct {
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	server tls.Certificate
}

func newTestPKI(t *testing.T, name string) *testPKI {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{ca: ca, caKey: key}
	p.server = p.issue(t, "cmeos", x509.ExtKeyUsageServerAuth)
	return p
}

func (p *testPKI) issue(t *testing.T, cn string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestServerTLS(t *testing.T) {
	pki := newTestPKI(t, "cmeos CA")
	other := newTestPKI(t, "someone else's CA")
	pool := x509.NewCertPool()
	pool.AddCert(pki.ca)
	s, reg, log := startServer(t, Config{TLS: func() (*tls.Config, error) {
		// Deliberately lax: the server must still require a verified
		// client certificate and TLS 1.2.
		return &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientCAs: pool, MinVersion: tls.VersionTLS10}, nil
	}})
	if s.SecureListenAddr() == nil {
		t.Fatal("no secure listener")
	}
	roots := x509.NewCertPool()
	roots.AddCert(pki.ca)
	dial := func(cert *tls.Certificate, maxVer uint16) (*phone, error) {
		cfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MaxVersion: maxVer}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		c, err := tls.Dial("tcp", s.SecureListenAddr().String(), cfg)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { c.Close() })
		// TLS 1.3 reports a refused client certificate on the first read.
		return &phone{t: t, c: c}, nil
	}

	good := pki.issue(t, "SEP001122334455", x509.ExtKeyUsageClientAuth)
	p, err := dial(&good, 0)
	if err != nil {
		t.Fatal(err)
	}
	p.send(22, testRegister("SEP001122334455", 22))
	p.expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 22, Features: RegisterAckFeatures(22)}, &CapabilitiesReq{})
	st := <-reg.regs
	if !st.Secure() || st.PeerCertificate() == nil || st.PeerCertificate().Subject.CommonName != "SEP001122334455" {
		t.Fatalf("station secure=%v peer=%v", st.Secure(), st.PeerCertificate())
	}
	// The certificate names another phone: the registrar refuses.
	p2, err := dial(&good, 0)
	if err != nil {
		t.Fatal(err)
	}
	p2.send(22, testRegister("SEP0000000000AB", 22))
	p2.expect(&RegisterReject{Text: "Certificate mismatch"})

	stranger := other.issue(t, "SEP001122334455", x509.ExtKeyUsageClientAuth)
	for _, tc := range []struct {
		name   string
		cert   *tls.Certificate
		maxVer uint16
	}{
		{"no client certificate", nil, 0},
		{"certificate from another CA", &stranger, 0},
		{"TLS 1.1", &good, tls.VersionTLS11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := dial(tc.cert, tc.maxVer)
			if err == nil {
				p.c.Write(Marshal(22, testRegister("SEP001122334455", 22)))
				p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err = ReadFrame(p.c, 0)
			}
			if err == nil {
				t.Fatal("registered")
			}
		})
	}
	waitFor(t, func() bool { return strings.Contains(log.text(), "TLS_FAILED") })
	if len(reg.regs) != 0 {
		t.Error("a refused client registered")
	}
	// The secure phone is unaffected.
	p.send(22, &KeepAlive{})
	p.expect(&KeepAliveAck{})
}

// TestServerPlainPortIsNotSecure: a TLS client on the plain port gets
// nowhere (its ClientHello is a bad frame).
func TestServerPlainPortIsNotSecure(t *testing.T) {
	s, _, _ := startServer(t, Config{})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err == nil {
		t.Fatal("TLS handshake succeeded on the plain port")
	}
}

// TestServerStop: Down closes the listeners and every connection, and
// devices are told.
func TestServerStop(t *testing.T) {
	s, reg, _ := startServer(t, Config{})
	p := dialPhone(t, s.Addr())
	p.send(0, testRegister("SEP000000000003", 5))
	<-reg.regs
	s.Down("-")
	if err := <-reg.device("SEP000000000003").closed; err == nil {
		t.Error("Closed(nil)")
	}
	if s.Addr() != nil {
		t.Error("still listening")
	}
	var buf bytes.Buffer
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(&buf, p.c)
}

func TestSecureAddr(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.1:2000": "10.0.0.1:2443", "0.0.0.0:2001": "0.0.0.0:2444", "127.0.0.1:0": "127.0.0.1:0"} {
		if got, err := SecureAddr(in); err != nil || got != want {
			t.Errorf("SecureAddr(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := SecureAddr("10.0.0.1:65500"); err == nil {
		t.Error("port 65943 accepted")
	}
}

// TestServerNoLeaks: after phones register, misbehave and leave, the
// goroutines and file descriptors return to where they were.
func TestServerNoLeaks(t *testing.T) {
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(ents)
	}
	s, reg, _ := startServer(t, Config{MaxPerSource: 100, RegisterTimeout: 300 * time.Millisecond})
	time.Sleep(50 * time.Millisecond)
	g0, f0 := runtime.NumGoroutine(), fds()
	var conns []net.Conn
	for i := range 40 {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		switch i % 4 {
		case 0, 1: // registers and stays
			WriteMessage(c, 17, testRegister(fmt.Sprintf("SEP0000000%05d", i), 17))
			<-reg.regs
		case 2: // half a frame, then gone
			c.Write([]byte{40, 0, 0, 0, 17})
		case 3: // silent
		}
	}
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= g0 && fds() <= f0 })
	if n := len(s.Stations()); n != 0 {
		t.Errorf("%d stations left", n)
	}
}

// TestServerTLSHalfOpen: a client that opens the secure port and never
// completes the handshake is closed after RegisterTimeout, without
// holding up a phone that registers meanwhile.
func TestServerTLSHalfOpen(t *testing.T) {
	pki := newTestPKI(t, "cmeos CA")
	pool := x509.NewCertPool()
	pool.AddCert(pki.ca)
	s, reg, _ := startServer(t, Config{RegisterTimeout: 500 * time.Millisecond, TLS: func() (*tls.Config, error) {
		return &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientCAs: pool}, nil
	}})
	idle, err := net.Dial("tcp", s.SecureListenAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	cert := pki.issue(t, "SEP001122334455", x509.ExtKeyUsageClientAuth)
	c, err := tls.Dial("tcp", s.SecureListenAddr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := &phone{t: t, c: c}
	p.send(22, testRegister("SEP001122334455", 22))
	<-reg.regs
	start := time.Now()
	(&phone{t: t, c: idle}).expectClosed()
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("half-open TLS client held for %v", el)
	}
	p.expect(&RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30, MaxProtocolVersion: 22, Features: RegisterAckFeatures(22)}, &CapabilitiesReq{})
}

// TestServerTLSConfigChange: a new TLS function given to Up applies to the
// next handshake without restarting the listener.
func TestServerTLSConfigChange(t *testing.T) {
	a, b := newTestPKI(t, "CA A"), newTestPKI(t, "CA B")
	cfgFor := func(p *testPKI) func() (*tls.Config, error) {
		pool := x509.NewCertPool()
		pool.AddCert(p.ca)
		return func() (*tls.Config, error) {
			return &tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: pool}, nil
		}
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	plain, addr := free(), free()
	s, reg, log := startServer(t, Config{Addr: plain, SecureAddr: addr, TLS: cfgFor(a)})
	try := func(p *testPKI) error {
		roots := x509.NewCertPool()
		roots.AddCert(p.ca)
		cert := p.issue(t, "SEP001122334455", x509.ExtKeyUsageClientAuth)
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", Certificates: []tls.Certificate{cert}})
		if err != nil {
			return err
		}
		defer c.Close()
		WriteMessage(c, 22, testRegister("SEP001122334455", 22))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = ReadMessage(c, 0)
		return err
	}
	if err := try(a); err != nil {
		t.Fatalf("with CA A: %v", err)
	}
	<-reg.regs
	if err := s.Up(t.Context(), Config{Addr: plain, SecureAddr: addr, Registrar: reg, TLS: cfgFor(b)}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.text(), "STARTED"); n != 2 {
		t.Fatalf("listeners restarted:\n%s", log.text())
	}
	if err := try(b); err != nil {
		t.Fatalf("with CA B after the change: %v", err)
	}
	if err := try(a); err == nil {
		t.Fatal("CA A still accepted after the change")
	}
}
