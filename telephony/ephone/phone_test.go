package ephone_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/ephone"
	"cmeos/telephony/sccp"
)

// A test box: a System with the telephony features, its SCCP listeners on
// free loopback ports.
type box struct {
	sys           *config.System
	plain, secure string
}

// answers feeds a console session's questions.
type answers struct{ list []string }

func (a *answers) next() (string, error) {
	if len(a.list) == 0 {
		return "", io.EOF
	}
	s := a.list[0]
	a.list = a.list[1:]
	return s, nil
}
func (a *answers) Ask(string) (string, error)       { return a.next() }
func (a *answers) AskSecret(string) (string, error) { return a.next() }
func (a *answers) Confirm(string) (bool, error) {
	s, err := a.next()
	return s == "y" || s == "yes" || s == "", err
}

// console runs lines in configuration mode; "line|a|b" answers line's
// questions with a and b.
func console(sys *config.System, lines ...string) string {
	var out bytes.Buffer
	in := &answers{}
	s := sys.NewSession("console", 15, &out, in)
	s.Execute("configure terminal")
	for _, l := range lines {
		parts := strings.Split(l, "|")
		in.list = parts[1:]
		s.Execute(parts[0])
	}
	s.Execute("end")
	return out.String()
}

func show(sys *config.System, cmd string) string {
	var out bytes.Buffer
	s := sys.NewSession("test", 15, &out, &answers{})
	s.Execute(cmd)
	return out.String()
}

// newBox boots a box with cfg (configuration-mode lines).
func newBox(t *testing.T, cfg ...string) *box {
	t.Helper()
	sys := config.New(config.Options{FS: configtest.NewStore(t)})
	t.Cleanup(func() { sys.Close() })
	ephone.FromSystem(sys).SetListenPorts(0, 0)
	sys.Start()
	if out := console(sys, cfg...); strings.Contains(out, "% Invalid") || strings.Contains(out, "% Incomplete") ||
		strings.Contains(out, "% Error") || strings.Contains(out, "% Ambiguous") {
		t.Fatalf("configuration:\n%s", out)
	}
	b := &box{sys: sys}
	f := ephone.FromSystem(sys)
	if a := f.SCCPAddr(); a != nil {
		b.plain = a.String()
	}
	if a := f.SecureSCCPAddr(); a != nil {
		b.secure = a.String()
	}
	return b
}

// testCA is a manufacturing CA made by the test; its root is imported
// into the box as a trustpoint (the MIC path of seed 004).
type testCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

func newTestCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key}
}

func (ca *testCA) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
}

// issue makes a client certificate with the given common name.
func (ca *testCA) issue(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// secureLines make the box's secure-signaling trustpoint (self-signed) and
// import ca's root as trustpoint "mic".
func secureLines(ca *testCA) []string {
	lines := []string{"crypto pki trustpoint sccp", " enrollment selfsigned", " subject-name CN=cme-sccp",
		" rsakeypair sccp 1024", " exit", "crypto pki enroll sccp",
		"crypto pki trustpoint mic", " enrollment terminal", " revocation-check none", " exit"}
	paste := strings.Split(strings.TrimSpace(ca.pem()), "\n")
	lines = append(lines, "crypto pki authenticate mic|"+strings.Join(paste, "|")+"||yes")
	return lines
}

// testPhone is a minimal SCCP phone driven by the test (the simulator's
// independent implementation is used by the end-to-end tests).
type testPhone struct {
	t    *testing.T
	name string
	conn net.Conn
	ver  uint32
	rtp  *net.UDPConn

	ack *sccp.RegisterAck

	mu   sync.Mutex
	msgs []sccp.Message
	got  chan struct{}
	err  error
}

type phoneOpts struct {
	devType uint32
	cert    *tls.Certificate
	proto   uint8
	caps    []uint32 // payload capabilities (default: G.711 mu-law)
}

// dial connects a phone named SEP<mac> to addr (TLS when opts.cert is set)
// and registers; it returns the phone and the reject text, if any.
func dial(t *testing.T, addr, mac string, o phoneOpts) (*testPhone, string) {
	t.Helper()
	var nc net.Conn
	var err error
	if o.cert != nil {
		nc, err = tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{*o.cert}})
	} else {
		nc, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	if o.devType == 0 {
		o.devType = sccp.DeviceStation7960
	}
	if o.proto == 0 {
		o.proto = 17
	}
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPhone{t: t, name: "SEP" + mac, conn: nc, rtp: rtp, got: make(chan struct{}, 1), ver: uint32(o.proto)}
	t.Cleanup(func() { nc.Close(); rtp.Close() })
	reg := &sccp.Register{DeviceName: p.name, Instance: 1, StationIP: netip.MustParseAddr("127.0.0.1"),
		DeviceType: o.devType, MaxStreams: 3, ProtocolVersion: o.proto}
	if err := sccp.WriteMessage(nc, 0, reg); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := sccp.ReadMessage(nc, 0)
	if err != nil {
		return p, "read: " + err.Error()
	}
	switch m := m.(type) {
	case *sccp.RegisterReject:
		return p, m.Text
	case *sccp.RegisterAck:
		p.ver = uint32(m.MaxProtocolVersion)
		p.ack = m
	default:
		t.Fatalf("answer to Register: %T", m)
	}
	nc.SetReadDeadline(time.Time{})
	go p.read()
	caps := &sccp.CapabilitiesRes{Caps: []sccp.Capability{{PayloadCapability: sccp.MediaPayloadG711Ulaw64k, MaxFramesPerPacket: 40}}}
	if o.caps != nil {
		caps.Caps = nil
		for _, c := range o.caps {
			caps.Caps = append(caps.Caps, sccp.Capability{PayloadCapability: c, MaxFramesPerPacket: 40})
		}
	}
	for _, m := range []sccp.Message{caps,
		&sccp.ButtonTemplateReq{}, &sccp.SoftKeyTemplateReq{}, &sccp.SoftKeySetReq{}, &sccp.LineStatReq{Line: 1},
		&sccp.RegisterAvailableLines{MaxLines: 6}, &sccp.TimeDateReq{}} {
		p.send(m)
	}
	p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.DefineTimeDate); return ok }, "DefineTimeDate")
	return p, ""
}

func (p *testPhone) read() {
	for {
		m, err := sccp.ReadMessage(p.conn, 0)
		p.mu.Lock()
		if err != nil {
			p.err = err
			p.mu.Unlock()
			select {
			case p.got <- struct{}{}:
			default:
			}
			return
		}
		p.msgs = append(p.msgs, m)
		p.mu.Unlock()
		// answer media requests as a phone does
		if orc, ok := m.(*sccp.OpenReceiveChannel); ok {
			a := p.rtp.LocalAddr().(*net.UDPAddr)
			p.send(&sccp.OpenReceiveChannelAck{IP: netip.MustParseAddr("127.0.0.1"), Port: uint32(a.Port),
				PassThruPartyID: orc.PassThruPartyID, CallRef: orc.CallRef})
		}
		if _, ok := m.(*sccp.KeepAliveAck); !ok {
			select {
			case p.got <- struct{}{}:
			default:
			}
		}
	}
}

func (p *testPhone) send(m sccp.Message) {
	if err := sccp.WriteMessage(p.conn, p.ver, m); err != nil {
		p.t.Errorf("%s: send %T: %v", p.name, m, err)
	}
}

// wait returns the first message since the last wait that matches.
func (p *testPhone) wait(match func(sccp.Message) bool, what string) sccp.Message {
	p.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		p.mu.Lock()
		for i, m := range p.msgs {
			if match(m) {
				p.msgs = p.msgs[i+1:]
				p.mu.Unlock()
				return m
			}
		}
		err := p.err
		p.mu.Unlock()
		if err != nil {
			p.t.Fatalf("%s: waiting for %s: connection ended: %v", p.name, what, err)
		}
		select {
		case <-p.got:
		case <-deadline:
			p.t.Fatalf("%s: no %s in 5s; got %s", p.name, what, p.history())
		}
	}
}

func (p *testPhone) history() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s []string
	for _, m := range p.msgs {
		s = append(s, fmt.Sprintf("%T", m))
	}
	return strings.Join(s, " ")
}

// state waits for CallState st and returns its call reference.
func (p *testPhone) state(st uint32) uint32 {
	p.t.Helper()
	m := p.wait(func(m sccp.Message) bool {
		cs, ok := m.(*sccp.CallState)
		return ok && cs.State == st
	}, fmt.Sprintf("CallState %d", st))
	return m.(*sccp.CallState).CallRef
}

func (p *testPhone) tone(tone uint32) {
	p.t.Helper()
	p.wait(func(m sccp.Message) bool {
		st, ok := m.(*sccp.StartTone)
		return ok && st.Tone == tone
	}, fmt.Sprintf("StartTone %#x", tone))
}

// smt waits for StartMediaTransmission and returns where to send.
func (p *testPhone) smt() netip.AddrPort {
	p.t.Helper()
	m := p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StartMediaTransmission); return ok }, "StartMediaTransmission").(*sccp.StartMediaTransmission)
	return netip.AddrPortFrom(m.RemoteIP, uint16(m.RemotePort))
}

func (p *testPhone) rtpAddr() netip.AddrPort {
	return p.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
}

func (p *testPhone) dial(number string) {
	for _, d := range number {
		p.send(&sccp.KeypadButton{Button: uint32(d - '0')})
	}
}

// rtpFlows sends a datagram from a to where a was told and checks that b
// receives it.
func rtpFlows(t *testing.T, a, b *testPhone, to netip.AddrPort) {
	t.Helper()
	payload := []byte("rtp " + a.name)
	if _, err := a.rtp.WriteToUDPAddrPort(payload, to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	b.rtp.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := b.rtp.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != string(payload) {
		t.Fatalf("RTP from %s did not reach %s: %v %q", a.name, b.name, err, buf[:n])
	}
}

// closed reports whether the box closed a rejected phone's connection
// (nothing more to read but EOF).
func (p *testPhone) closed() bool {
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := sccp.ReadMessage(p.conn, 0)
	return errors.Is(err, io.EOF)
}
