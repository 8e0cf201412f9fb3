package phone

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/srtp/v3"

	"cmeos/cmd/phonesim/internal/media"
	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/sccp"
)

// The test call manager below is the minimum needed to drive the phone:
// it answers the registration requests and lets the test push messages
// and read what the phone sends. It builds its payloads by hand (the
// simulator's sccp package only builds the phone's side).

type pay struct{ b []byte }

func (p *pay) u32(v uint32) *pay { p.b = binary.LittleEndian.AppendUint32(p.b, v); return p }
func (p *pay) str(s string, n int) *pay {
	f := make([]byte, n)
	copy(f, s)
	p.b = append(p.b, f...)
	return p
}
func (p *pay) raw(b []byte) *pay { p.b = append(p.b, b...); return p }

type cmConn struct {
	c    net.Conn
	v    uint32 // header version the server uses after RegisterAck
	rx   chan sccp.Message
	wmu  sync.Mutex
	name string
}

func (c *cmConn) send(t *testing.T, id uint32, b []byte) {
	t.Helper()
	v := c.v
	if id == sccp.MsgRegisterAck || id == sccp.MsgKeepAliveAck {
		v = 0 // §6.1
	}
	f, _ := sccp.Message{Version: v, ID: id, Data: b}.MarshalBinary()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.c.Write(f); err != nil {
		t.Errorf("cm write: %v", err)
	}
}

// expect returns the next message the phone sent with this ID, skipping
// others.
func (c *cmConn) expect(t *testing.T, id uint32) sccp.Message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-c.rx:
			if !ok {
				t.Fatalf("connection closed waiting for %s", sccp.Name(id))
			}
			if m.ID == id {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s from the phone", sccp.Name(id))
		}
	}
}

// testCM accepts phones; reject lists device names it refuses.
func testCM(t *testing.T, ln net.Listener, keepalive uint32, proto uint8, reject string) chan *cmConn {
	conns := make(chan *cmConn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveCM(t, c, keepalive, proto, reject, conns)
		}
	}()
	return conns
}

func serveCM(t *testing.T, c net.Conn, keepalive uint32, proto uint8, reject string, conns chan *cmConn) {
	defer c.Close()
	m, err := sccp.ReadMessage(c)
	if err != nil || m.ID != sccp.MsgRegister {
		return
	}
	name := string(bytes.TrimRight(m.Data[:16], "\x00"))
	cc := &cmConn{c: c, rx: make(chan sccp.Message, 256), name: name}
	if name == reject {
		cc.send(t, sccp.MsgRegisterReject, new(pay).str("Device Unknown", 32).b)
		return
	}
	v := min(proto, m.Data[40])
	cc.v = uint32(v)
	ack := new(pay).u32(keepalive).str("M/D/Y", 8).u32(keepalive * 2).b
	ack = append(ack, v, 0x20, 0xF1, 0xFF)
	cc.send(t, sccp.MsgRegisterAck, ack)
	cc.send(t, sccp.MsgCapabilitiesReq, nil)
	conns <- cc
	defer close(cc.rx)
	for {
		m, err := sccp.ReadMessage(c)
		if err != nil {
			return
		}
		switch m.ID {
		case sccp.MsgKeepAlive:
			cc.send(t, sccp.MsgKeepAliveAck, nil)
		case sccp.MsgButtonTemplateReq:
			cc.send(t, sccp.MsgButtonTemplate, new(pay).u32(0).u32(2).u32(2).raw([]byte{1, 9, 2, 9}).b)
		case sccp.MsgSoftKeyTemplateReq:
			cc.send(t, sccp.MsgSoftKeyTemplateRes, new(pay).u32(0).u32(2).u32(2).str("Redial", 16).u32(1).str("NewCall", 16).u32(2).b)
		case sccp.MsgSoftKeySetReq:
			cc.send(t, sccp.MsgSoftKeySetRes, new(pay).u32(0).u32(1).u32(1).raw(make([]byte, 48)).b)
		case sccp.MsgLineStatReq:
			l := binary.LittleEndian.Uint32(m.Data)
			cc.send(t, sccp.MsgLineStat, new(pay).u32(l).str("100"+string(rune('0'+l)), 24).str("Line", 40).str("Label", 40).u32(15).b)
		case sccp.MsgTimeDateReq:
			now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
			cc.send(t, sccp.MsgDefineTimeDate, new(pay).u32(2026).u32(12).u32(4).u32(3).u32(8).u32(0).u32(0).u32(0).u32(uint32(now.Unix())).b)
		case sccp.MsgUnregister:
			cc.send(t, sccp.MsgUnregisterAck, new(pay).u32(0).b)
		}
		cc.rx <- m
	}
}

func selfSigned(t *testing.T, cn string) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: c}, c
}

// TestRegisterTLS registers over mutually authenticated TLS with a MIC
// from the test manufacturing CA, checks the 7970-like request sequence,
// keepalives at the RegisterAck interval, the key log, and Unregister.
func TestRegisterTLS(t *testing.T) {
	ca, err := mic.Load(t.TempDir(), mic.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	micCert, err := ca.Issue("7970", "00124302A7CC")
	if err != nil {
		t.Fatal(err)
	}
	srvCert, ccm := selfSigned(t, "cmeserver")
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	var gotClient string
	var mu sync.Mutex
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: roots, MinVersion: tls.VersionTLS12,
		VerifyPeerCertificate: func(_ [][]byte, chains [][]*x509.Certificate) error {
			mu.Lock()
			gotClient = chains[0][0].Subject.CommonName
			mu.Unlock()
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := testCM(t, ln, 1, 20, "")
	var keylog bytes.Buffer
	p, err := New(Config{MAC: "0012.4302.a7cc", Server: ln.Addr().String(), Secure: true, Certificate: &micCert,
		ServerCerts: []*x509.Certificate{ccm}, KeyLog: &keylog})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	cm := <-conns
	if cm.name != "SEP00124302A7CC" {
		t.Errorf("device name %q", cm.name)
	}
	if err := p.Wait(t.Context(), Registered, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	caps := cm.expect(t, sccp.MsgCapabilitiesRes)
	if n := binary.LittleEndian.Uint32(caps.Data); n != 2 || binary.LittleEndian.Uint32(caps.Data[4:]) != 4 || binary.LittleEndian.Uint32(caps.Data[20:]) != 2 {
		t.Errorf("CapabilitiesRes % x", caps.Data)
	}
	// Two line buttons: one LineStatReq each.
	cm.expect(t, sccp.MsgLineStatReq)
	second := cm.expect(t, sccp.MsgLineStatReq)
	if binary.LittleEndian.Uint32(second.Data) != 2 {
		t.Errorf("second LineStatReq for line %d", binary.LittleEndian.Uint32(second.Data))
	}
	// Keepalive every second (RegisterAck said 1).
	t0 := time.Now()
	cm.expect(t, sccp.MsgKeepAlive)
	cm.expect(t, sccp.MsgKeepAlive)
	if d := time.Since(t0); d < 1500*time.Millisecond || d > 8*time.Second {
		t.Errorf("two keepalives in %v", d)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	rep := p.Report()
	t.Logf("TLS handshake %.1f ms, RegisterAck after %.1f ms, registration complete after %.1f ms", rep.TLS.HandshakeMs, rep.Registration.LatencyMs, rep.Registration.CompleteMs)
	if rep.Registration.Result != "registered" || rep.Registration.Protocol != 17 || rep.Registration.KeepAlive != 1 ||
		rep.TLS == nil || (rep.TLS.Version != "TLS 1.3" && rep.TLS.Version != "TLS 1.2") || rep.TLS.Server != "CN=cmeserver" {
		t.Errorf("report %+v tls %+v", rep.Registration, rep.TLS)
	}
	if len(rep.Lines) != 2 || rep.Lines[0].Number != "1001" || rep.SoftKeys != 2 || rep.SoftKeySets != 1 {
		t.Errorf("lines %+v softkeys %d sets %d", rep.Lines, rep.SoftKeys, rep.SoftKeySets)
	}
	var sent []string
	for _, m := range rep.Messages {
		if m.Dir == "tx" && m.Name != "KeepAlive" {
			sent = append(sent, m.Name)
		}
	}
	want := "Register CapabilitiesRes ButtonTemplateReq SoftKeyTemplateReq SoftKeySetReq LineStatReq LineStatReq RegisterAvailableLines TimeDateReq Unregister"
	if got := strings.Join(sent, " "); got != want {
		t.Errorf("sent %s\nwant %s", got, want)
	}
	if rep.Counts["rx UnregisterAck"] != 1 {
		t.Errorf("counts %v", rep.Counts)
	}
	mu.Lock()
	if gotClient != "CP-7970G-SEP00124302A7CC" {
		t.Errorf("server saw client %q", gotClient)
	}
	mu.Unlock()
	if !strings.Contains(keylog.String(), "CLIENT_HANDSHAKE_TRAFFIC_SECRET") && !strings.Contains(keylog.String(), "CLIENT_RANDOM") {
		t.Errorf("key log: %q", keylog.String())
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}
}

// TestTLSWrongServer: a call manager whose certificate is not in the CTL
// is refused before anything is sent.
func TestTLSWrongServer(t *testing.T) {
	ca, _ := mic.Load(t.TempDir(), mic.ECDSA)
	micCert, _ := ca.Issue("7970", "001122334455")
	srvCert, _ := selfSigned(t, "impostor")
	_, ccm := selfSigned(t, "cmeserver")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAnyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	testCM(t, ln, 1, 20, "")
	p, _ := New(Config{MAC: "001122334455", Server: ln.Addr().String(), Secure: true, Certificate: &micCert, ServerCerts: []*x509.Certificate{ccm}})
	err = p.Connect(t.Context())
	if err == nil || !strings.Contains(err.Error(), "not in the CTL") {
		t.Fatalf("connect: %v", err)
	}
	if r := p.Report(); r.Registration.Result != "error" || r.Counts["tx Register"] != 0 {
		t.Errorf("report %+v %v", r.Registration, r.Counts)
	}
}

func TestReject(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	testCM(t, ln, 30, 11, "SEP001122334455")
	p, _ := New(Config{MAC: "001122334455", Server: ln.Addr().String()})
	err = p.Connect(t.Context())
	var rej *sccp.RejectError
	if !errors.As(err, &rej) || rej.Text != "Device Unknown" {
		t.Fatalf("connect: %v", err)
	}
	if r := p.Report(); r.Registration.Result != "rejected" || r.Registration.Reason != "Device Unknown" {
		t.Errorf("report %+v", r.Registration)
	}
}

// TestCallAndMedia drives a call from the test call manager: the phone
// goes off hook, dials, gets ring-back and the connected state, opens a
// receive port, sends a 1000 Hz tone where StartMediaTransmission says
// (measured here from the RTP), recognises the 1500 Hz tone sent to it,
// and hangs up. Protocol 17 puts IPs in the 20-byte form.
func TestCallAndMedia(t *testing.T) {
	for _, proto := range []uint8{11, 17} {
		t.Run(string(rune('0'+proto/10))+string(rune('0'+proto%10)), func(t *testing.T) { callAndMedia(t, proto) })
	}
}

func callAndMedia(t *testing.T, proto uint8) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := testCM(t, ln, 30, proto, "")
	p, err := New(Config{MAC: "001122334455", Server: ln.Addr().String(), Protocol: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cm := <-conns
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	script := make(chan error, 1)
	go func() {
		script <- p.Run(ctx, MustParseScript("wait registered; offhook; wait dialtone 2s; dial 1002; wait connected 5s; wait media 5s; tone 1000 1s; expect-tone 1500 3s; onhook; wait onhook"))
	}()
	const ref = 77
	off := cm.expect(t, sccp.MsgOffHook)
	if binary.LittleEndian.Uint32(off.Data) != 1 {
		t.Errorf("OffHook % x", off.Data)
	}
	cm.send(t, sccp.MsgCallState, new(pay).u32(sccp.StateOffHook).u32(1).u32(ref).u32(0).u32(0).u32(0).b)
	cm.send(t, sccp.MsgStartTone, new(pay).u32(sccp.ToneInsideDial).u32(0).u32(1).u32(ref).b)
	var digits []uint32
	for range 4 {
		k := cm.expect(t, sccp.MsgKeypadButton)
		digits = append(digits, binary.LittleEndian.Uint32(k.Data))
		if binary.LittleEndian.Uint32(k.Data[8:]) != ref {
			t.Errorf("KeypadButton call ref % x", k.Data)
		}
		if len(digits) == 1 {
			cm.send(t, sccp.MsgStopTone, new(pay).u32(1).u32(ref).b)
		}
	}
	if digits[0] != 1 || digits[1] != 0 || digits[2] != 0 || digits[3] != 2 {
		t.Errorf("digits %v", digits)
	}
	cm.send(t, sccp.MsgCallState, new(pay).u32(sccp.StateRingOut).u32(1).u32(ref).u32(0).u32(0).u32(0).b)
	ci := new(pay).str("Alice", 40).str("1001", 24).str("Bob", 40).str("1002", 24).u32(1).u32(ref).u32(2).b
	cm.send(t, sccp.MsgCallInfo, append(ci, make([]byte, 384-len(ci))...))
	cm.send(t, sccp.MsgCallState, new(pay).u32(sccp.StateConnected).u32(1).u32(ref).u32(0).u32(0).u32(0).b)

	// Media: the far end is a UDP socket of the test.
	far, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	wide := proto >= 17
	ip := func(p *pay, a netip.Addr) *pay {
		b := a.As4()
		if wide {
			p.u32(0)
			return p.raw(append(b[:], make([]byte, 12)...))
		}
		return p.raw(b[:])
	}
	// AES_CM_128_HMAC_SHA1_80 with a known key and salt: the phone speaks
	// SRTP, the test's side of the call (pion/srtp) too.
	master, salt := bytes.Repeat([]byte{0x5A}, 16), bytes.Repeat([]byte{0xA5}, 14)
	key := new(pay).u32(2).raw([]byte{16, 0, 14, 0}).raw(master).raw(append(append([]byte(nil), salt...), 0, 0)).raw(make([]byte, 8)).b
	farTx, err := srtp.CreateContext(master, salt, srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	farRx, _ := srtp.CreateContext(master, salt, srtp.ProtectionProfileAes128CmHmacSha1_80)
	orc := new(pay).u32(ref).u32(1000).u32(20).u32(sccp.CodecG711Ulaw).u32(0).u32(0).u32(ref).raw(key).u32(0).u32(0).u32(101).u32(10)
	orc.u32(0).u32(0)
	ip(orc, netip.MustParseAddr("127.0.0.1")).u32(uint32(far.LocalAddr().(*net.UDPAddr).Port))
	cm.send(t, sccp.MsgOpenReceiveChannel, orc.b)
	ack := cm.expect(t, sccp.MsgOpenReceiveChannelAck)
	if ack.Version != uint32(proto) {
		t.Errorf("ORC ack header version %d", ack.Version)
	}
	var phoneRTP netip.AddrPort
	if wide {
		if len(ack.Data) != 36 || binary.LittleEndian.Uint32(ack.Data) != 0 || binary.LittleEndian.Uint32(ack.Data[4:]) != 0 {
			t.Fatalf("ORC ack % x", ack.Data)
		}
		phoneRTP = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ack.Data[8:12])), uint16(binary.LittleEndian.Uint32(ack.Data[24:])))
	} else {
		if len(ack.Data) != 20 || binary.LittleEndian.Uint32(ack.Data) != 0 {
			t.Fatalf("ORC ack % x", ack.Data)
		}
		phoneRTP = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ack.Data[4:8])), uint16(binary.LittleEndian.Uint32(ack.Data[8:])))
	}
	if phoneRTP.Addr() != netip.MustParseAddr("127.0.0.1") || phoneRTP.Port() == 0 {
		t.Fatalf("phone RTP address %v", phoneRTP)
	}
	smt := new(pay).u32(ref).u32(1000)
	ip(smt, netip.MustParseAddr("127.0.0.1")).u32(uint32(far.LocalAddr().(*net.UDPAddr).Port)).u32(20).u32(sccp.CodecG711Ulaw)
	smt.u32(184).u32(0).u32(2).u32(0).u32(ref).raw(key).u32(0).u32(0).u32(101).u32(10).u32(0).u32(0)
	cm.send(t, sccp.MsgStartMediaTransmission, smt.b)
	cm.expect(t, sccp.MsgStartMediaTransmissionAck)

	// Send a 1500 Hz µ-law tone to the phone and collect what it sends.
	stop := make(chan struct{})
	var sendWG sync.WaitGroup
	sendWG.Add(1)
	go func() {
		defer sendWG.Done()
		tone := media.Tone{Freq: 1500}
		pcm := make([]int16, 160)
		seq := uint16(0)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			tone.Fill(pcm)
			h := []byte{0x80, 0, byte(seq >> 8), byte(seq), 0, 0, 0, 0, 1, 2, 3, 4}
			enc, _ := farTx.EncryptRTP(nil, media.Ulaw{}.Encode(h, pcm), nil)
			far.WriteToUDPAddrPort(enc, phoneRTP)
			seq++
		}
	}()
	var got []int16
	buf := make([]byte, 1500)
	far.SetReadDeadline(time.Now().Add(8 * time.Second))
	for {
		n, _, err := far.ReadFromUDPAddrPort(buf)
		if err != nil {
			break
		}
		clear, err := farRx.DecryptRTP(nil, buf[:n], nil)
		if err != nil {
			t.Fatalf("SRTP from the phone: %v", err)
		}
		pt, _, payload, err := media.ParseRTP(clear)
		if err != nil || pt != 0 || len(payload) != 160 {
			t.Fatalf("RTP from the phone: pt %d, %d bytes, %v", pt, len(payload), err)
		}
		got = media.Ulaw{}.Decode(got, payload)
		if a := media.Analyse(got[max(0, len(got)-4096):], 8000); len(got) >= 4096 && math.Abs(a.Freq-1000) < 2 && a.SNR > 30 {
			break
		}
	}
	if a := media.Analyse(got[max(0, len(got)-4096):], 8000); math.Abs(a.Freq-1000) > 2 || a.SNR < 30 {
		t.Fatalf("phone sent %.1f Hz at SNR %.1f dB (%d samples)", a.Freq, a.SNR, len(got))
	}
	on := cm.expect(t, sccp.MsgOnHook)
	if binary.LittleEndian.Uint32(on.Data[4:]) != ref {
		t.Errorf("OnHook % x", on.Data)
	}
	close(stop)
	sendWG.Wait()
	cm.send(t, sccp.MsgStopMediaTransmission, new(pay).u32(ref).u32(1000).u32(ref).u32(0).b)
	cm.send(t, sccp.MsgCloseReceiveChannel, new(pay).u32(ref).u32(1000).u32(ref).u32(0).b)
	cm.send(t, sccp.MsgCallState, new(pay).u32(sccp.StateOnHook).u32(1).u32(ref).u32(0).u32(0).u32(0).b)
	if err := <-script; err != nil {
		t.Fatal(err)
	}
	rep := p.Report()
	if len(rep.Media) != 1 {
		t.Fatalf("media %+v", rep.Media)
	}
	m := rep.Media[0]
	if m.TxPackets < 30 || m.RxPackets < 30 || m.Lost != 0 || math.Abs(m.Freq-1500) > 2 || m.SNR < 30 || m.RxKey.Algorithm != 2 || m.TxKey.Algorithm != 2 || m.Codec != "g711ulaw" {
		t.Errorf("media %+v", m)
	}
	var events []string
	for _, e := range rep.Events {
		if e.Event == "CallState" {
			events = append(events, e.Detail)
		}
	}
	if got := strings.Join(events, " "); got != "OffHook RingOut Connected OnHook" {
		t.Errorf("call states %s", got)
	}
	if len(rep.Actions) != 10 {
		t.Errorf("actions %+v", rep.Actions)
	}
}

func TestParseScript(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // actions joined by |, or "error"
	}{
		{"offhook; dial 1002; wait connected 5s; tone 1000 2s; hold; resume; onhook", "offhook|dial 1002|wait connected 5s|tone 1000 2s|hold|resume|onhook"},
		{"wait ring 10s; answer; expect-tone 1000; wait onhook 20s", "wait ring 10s|answer|expect-tone 1000|wait onhook 20s"},
		{"offhook\n# comment\nblind-transfer 1003", "offhook|blind-transfer 1003"},
		{"wait sideways", "error"},
		{"dial 10x2", "error"},
		{"tone loud 2s", "error"},
		{"wait ring 10", "error"},
		{"fly", "error"},
		{"answer now", "error"},
	} {
		a, err := ParseScript(tc.in)
		var got []string
		for _, x := range a {
			got = append(got, x.String())
		}
		g := strings.Join(got, "|")
		if err != nil {
			g = "error"
		}
		if g != tc.want {
			t.Errorf("%q: got %q (%v), want %q", tc.in, g, err, tc.want)
		}
	}
}

// TestReset: Reset from the call manager is reported and ends the
// connection with ErrReset.
func TestReset(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := testCM(t, ln, 30, 11, "")
	p, _ := New(Config{MAC: "001122334455", Server: ln.Addr().String()})
	if err := p.Connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cm := <-conns
	cm.send(t, sccp.MsgReset, new(pay).u32(2).b)
	if err := p.Wait(t.Context(), Reset, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if !errors.Is(p.Err(), ErrReset) {
		t.Errorf("err %v", p.Err())
	}
}

// TestSoftKeysFollowCalls: hold, resume, transfer and dialling on a
// consultation call carry the call reference of the call they act on.
func TestSoftKeysFollowCalls(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := testCM(t, ln, 30, 17, "")
	p, _ := New(Config{MAC: "001122334455", Server: ln.Addr().String()})
	if err := p.Connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cm := <-conns
	state := func(st, ref uint32) {
		cm.send(t, sccp.MsgCallState, new(pay).u32(st).u32(1).u32(ref).u32(0).u32(0).u32(0).b)
	}
	key := func(ev, ref uint32) {
		t.Helper()
		m := cm.expect(t, sccp.MsgSoftKeyEvent)
		if binary.LittleEndian.Uint32(m.Data) != ev || binary.LittleEndian.Uint32(m.Data[4:]) != 1 || binary.LittleEndian.Uint32(m.Data[8:]) != ref {
			t.Errorf("SoftKeyEvent % x, want event %d on call %d", m.Data, ev, ref)
		}
	}
	script := make(chan error, 1)
	go func() {
		script <- p.Run(t.Context(), MustParseScript("wait ring; answer; wait connected; hold; wait hold; resume; wait connected; transfer; wait dialtone; enbloc 1003; wait ringout; transfer; wait onhook"))
	}()
	state(sccp.StateRingIn, 5)
	key(sccp.SoftKeyAnswer, 5)
	state(sccp.StateConnected, 5)
	key(sccp.SoftKeyHold, 5)
	state(sccp.StateHold, 5)
	key(sccp.SoftKeyResume, 5)
	state(sccp.StateConnected, 5)
	key(sccp.SoftKeyTransfer, 5)
	state(sccp.StateHold, 5)
	state(sccp.StateOffHook, 6)
	cm.send(t, sccp.MsgStartTone, new(pay).u32(sccp.ToneInsideDial).u32(0).u32(1).u32(6).b)
	e := cm.expect(t, sccp.MsgEnblocCall)
	if len(e.Data) != 24+4 || string(bytes.TrimRight(e.Data[:24], "\x00")) != "1003" || binary.LittleEndian.Uint32(e.Data[24:]) != 1 {
		t.Errorf("EnblocCall % x", e.Data)
	}
	cm.send(t, sccp.MsgStopTone, new(pay).u32(1).u32(6).b)
	state(sccp.StateRingOut, 6)
	key(sccp.SoftKeyTransfer, 6)
	state(sccp.StateOnHook, 6)
	state(sccp.StateOnHook, 5)
	if err := <-script; err != nil {
		t.Fatal(err)
	}
}
