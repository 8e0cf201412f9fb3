package dspfarm

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"

	"cmeos/crypto/srtp"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	_ "cmeos/ios/exec"
	_ "cmeos/ios/interfaces"
	"cmeos/telephony/media"
	"cmeos/telephony/sccp"
)

// ccmPeer is the call-control side of the farm's SCCP connection, as far
// as a test of the farm needs: it accepts the registration and sends the
// media messages call control sends to a transcoder.
type ccmPeer struct {
	t    *testing.T
	ln   net.Listener
	conn net.Conn
	ver  uint32
}

func newCCM(t *testing.T) *ccmPeer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &ccmPeer{t: t, ln: ln}
}

func (p *ccmPeer) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// accept takes the farm's connection and registration.
func (p *ccmPeer) accept() *sccp.Register {
	p.t.Helper()
	p.ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	c, err := p.ln.Accept()
	if err != nil {
		p.t.Fatalf("farm did not connect: %v", err)
	}
	p.t.Cleanup(func() { c.Close() })
	p.conn = c
	m := p.read()
	reg, ok := m.(*sccp.Register)
	if !ok {
		p.t.Fatalf("first message %T, want Register", m)
	}
	p.ver = uint32(reg.ProtocolVersion)
	p.send(&sccp.RegisterAck{KeepAliveInterval: 30, DateTemplate: "M/D/Y", SecondaryKeepAliveInterval: 30,
		MaxProtocolVersion: reg.ProtocolVersion, Features: sccp.RegisterAckFeatures(reg.ProtocolVersion)})
	p.send(&sccp.CapabilitiesReq{})
	return reg
}

func (p *ccmPeer) send(m sccp.Message) {
	p.t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := sccp.WriteMessage(p.conn, p.ver, m); err != nil {
		p.t.Fatal(err)
	}
}

func (p *ccmPeer) read() sccp.Message {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := sccp.ReadMessage(p.conn, sccp.MaxFrameSize)
	if err != nil {
		p.t.Fatalf("reading from the farm: %v", err)
	}
	return m
}

// expect reads until a message of type T arrives.
func expect[T sccp.Message](p *ccmPeer) T {
	p.t.Helper()
	for i := 0; i < 20; i++ {
		if m, ok := p.read().(T); ok {
			return m
		}
	}
	var zero T
	p.t.Fatalf("no %T from the farm", zero)
	return zero
}

func keyBlock(k srtp.Key) sccp.MediaEncryptionKeyInfo {
	var b sccp.MediaEncryptionKeyInfo
	if !k.Enabled() {
		return b
	}
	b.Algorithm = uint32(k.Suite)
	b.KeyLen, b.SaltLen = uint16(len(k.MasterKey())), uint16(len(k.MasterSalt()))
	copy(b.Key[:], k.MasterKey())
	copy(b.Salt[:], k.MasterSalt())
	return b
}

func farmSystem(t *testing.T, ccmPort int, security string, max int) *config.System {
	return configtest.NewSystem(t, nil, nil, fmt.Sprintf(`sccp ccm 127.0.0.1 identifier 1 port %d version 7.0+
sccp
sccp ccm group 1
 associate ccm 1 priority 1
 associate profile 1 register xcode01
dspfarm profile 1 transcode%s
 codec g711ulaw
 codec g722r64
 maximum sessions %d
 associate application SCCP
 no shutdown
`, ccmPort, security, max))
}

// TestFarmTranscodes: the farm registers to call control over SCCP as a
// media resource, announces its codecs, opens the two legs of a session
// when asked (u-law and G.722), and a tone sent to one leg reaches the far
// end of the other, transcoded; show sccp connections lists both legs; a
// second session beyond `maximum sessions 1`, a G.729 leg and SRTP keys
// sent to a non-security profile are refused; closing the legs frees the
// session. (The secure path, TLS registration with SRTP on both legs, is
// the e2e test with phones; telephony/media tests SRTP transcoding.)
func TestFarmTranscodes(t *testing.T) {
	ccm := newCCM(t)
	sys := farmSystem(t, ccm.port(), "", 1)
	reg := ccm.accept()
	if reg.DeviceName != "xcode01" || reg.DeviceType != DeviceType || reg.MaxStreams != 2 {
		t.Fatalf("registration %+v", reg)
	}
	caps := expect[*sccp.CapabilitiesRes](ccm)
	var got []uint32
	for _, c := range caps.Caps {
		got = append(got, c.PayloadCapability)
	}
	if fmt.Sprint(got) != fmt.Sprint([]uint32{uint32(media.G711Ulaw), uint32(media.G722)}) {
		t.Errorf("capabilities %v", got)
	}
	key, _ := srtp.NewKey(srtp.Default)
	ccm.send(&sccp.OpenReceiveChannel{ConferenceID: 16777221, PassThruPartyID: 16777300, MillisecondPacketSize: 20,
		CompressionType: uint32(media.G711Ulaw), KeyInfo: keyBlock(key)})
	if ack := expect[*sccp.OpenReceiveChannelAck](ccm); ack.Status == sccp.MediaStatusOK {
		t.Fatal("SRTP keys accepted by a non-security profile")
	}

	a := newPhone(t, media.G711Ulaw, srtp.Key{}, srtp.Key{})
	b := newPhone(t, media.G722, srtp.Key{}, srtp.Key{})

	ccm.send(&sccp.OpenReceiveChannel{ConferenceID: 16777222, PassThruPartyID: 16777393, MillisecondPacketSize: 20,
		CompressionType: uint32(media.G711Ulaw)})
	ackA := expect[*sccp.OpenReceiveChannelAck](ccm)
	ccm.send(&sccp.OpenReceiveChannel{ConferenceID: 16777222, PassThruPartyID: 16777409, MillisecondPacketSize: 20,
		CompressionType: uint32(media.G722)})
	ackB := expect[*sccp.OpenReceiveChannelAck](ccm)
	if ackA.Status != 0 || ackB.Status != 0 || ackA.Port == ackB.Port {
		t.Fatalf("acks %+v %+v", ackA, ackB)
	}
	legA := netip.AddrPortFrom(ackA.IP, uint16(ackA.Port))
	legB := netip.AddrPortFrom(ackB.IP, uint16(ackB.Port))
	ccm.send(&sccp.StartMediaTransmission{ConferenceID: 16777222, PassThruPartyID: 16777393, RemoteIP: a.addr().Addr(),
		RemotePort: uint32(a.addr().Port()), MillisecondPacketSize: 20, CompressionType: uint32(media.G711Ulaw)})
	expect[*sccp.StartMediaTransmissionAck](ccm)
	ccm.send(&sccp.StartMediaTransmission{ConferenceID: 16777222, PassThruPartyID: 16777409, RemoteIP: b.addr().Addr(),
		RemotePort: uint32(b.addr().Port()), MillisecondPacketSize: 20, CompressionType: uint32(media.G722)})
	expect[*sccp.StartMediaTransmissionAck](ccm)

	done := make(chan []int16)
	go func() { done <- b.receive(2 * time.Second) }()
	a.sendTone(legA, 60)
	pcm := <-done
	if len(pcm) < 16000 {
		t.Fatalf("%d samples reached B", len(pcm))
	}
	if _, snr := media.WindowedToneSNR(pcm[3200:], 16000, 1000); snr < 30 {
		t.Errorf("tone at B: SNR %.1f dB", snr)
	}
	if st := b.stats(); st == 0 {
		t.Error("nothing received")
	}
	_ = legB

	show := configtest.Exec(sys, "show sccp connections")
	for _, want := range []string{"16777222 16777409 xcode sendrecv g722 127.0.0.1 " + fmt.Sprint(b.addr().Port()),
		"16777222 16777393 xcode sendrecv g711u 127.0.0.1 " + fmt.Sprint(a.addr().Port()),
		"Total number of active session(s) 1, and connection(s) 2"} {
		if !strings.Contains(show, want) {
			t.Errorf("show sccp connections lacks %q:\n%s", want, show)
		}
	}
	for cmd, want := range map[string]string{
		"show sccp":                             "TCP Link Status: CONNECTED, Profile Identifier: 1",
		"show dspfarm profile 1":                "Number of Resource Available : 0",
		"show dspfarm dsp all":                  "USED",
		"show running-config | section dspfarm": "dspfarm profile 1 transcode\n codec g711ulaw\n codec g722r64\n maximum sessions 1\n associate application SCCP\n no shutdown",
	} {
		if out := configtest.Exec(sys, cmd); !strings.Contains(out, want) {
			t.Errorf("%s lacks %q:\n%s", cmd, want, out)
		}
	}
	// maximum sessions 1: a second session is refused.
	ccm.send(&sccp.OpenReceiveChannel{ConferenceID: 16777223, PassThruPartyID: 16777500, MillisecondPacketSize: 20,
		CompressionType: uint32(media.G711Ulaw)})
	if ack := expect[*sccp.OpenReceiveChannelAck](ccm); ack.Status != sccp.MediaStatusOutOfChannels {
		t.Errorf("second session: status %d", ack.Status)
	}
	// G.729 is refused with its own status.
	ccm.send(&sccp.CloseReceiveChannel{ConferenceID: 16777222, PassThruPartyID: 16777393})
	ccm.send(&sccp.CloseReceiveChannel{ConferenceID: 16777222, PassThruPartyID: 16777409})
	ccm.send(&sccp.OpenReceiveChannel{ConferenceID: 16777224, PassThruPartyID: 16777600, MillisecondPacketSize: 20,
		CompressionType: uint32(media.G729)})
	if ack := expect[*sccp.OpenReceiveChannelAck](ccm); ack.Status != sccp.MediaStatusCodecTooComplex {
		t.Errorf("G.729 leg: status %d", ack.Status)
	}
	if show := configtest.Exec(sys, "show sccp connections"); !strings.Contains(show, "session(s) 0") {
		t.Errorf("sessions left after close:\n%s", show)
	}
}

// phone is a test endpoint speaking one codec with SRTP.
type phone struct {
	got    int
	t      *testing.T
	conn   *net.UDPConn
	codec  media.Codec
	tx, rx *srtp.Context
}

func newPhone(t *testing.T, c media.Codec, tx, rx srtp.Key) *phone {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &phone{t: t, conn: conn, codec: c}
	if tx.Enabled() {
		p.tx, _ = srtp.NewContext(tx)
	}
	if rx.Enabled() {
		p.rx, _ = srtp.NewContext(rx)
	}
	return p
}

func (p *phone) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *phone) sendTone(to netip.AddrPort, frames int) {
	pcm := make([]int16, 160)
	tick := time.NewTicker(media.Ptime)
	defer tick.Stop()
	for i := 0; i < frames; i++ {
		media.Tone(pcm, 8000, 1000, 8000, i*160)
		pkt := make([]byte, 12, 200)
		pkt[0] = 0x80
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		binary.BigEndian.PutUint32(pkt[8:], 77)
		for _, s := range pcm {
			pkt = append(pkt, g711.EncodeUlawFrame(s))
		}
		if p.tx != nil {
			pkt, _ = p.tx.Protect(nil, pkt)
		}
		p.conn.WriteToUDPAddrPort(pkt, to)
		<-tick.C
	}
}

func (p *phone) receive(d time.Duration) []int16 {
	dec := media.NewG722Decoder()
	var out []int16
	buf := make([]byte, 1500)
	p.conn.SetReadDeadline(time.Now().Add(d))
	for {
		n, _, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return out
		}
		pkt := buf[:n]
		if p.rx != nil {
			if pkt, err = p.rx.Unprotect(nil, pkt); err != nil {
				p.t.Errorf("unprotect: %v", err)
				continue
			}
		}
		p.got++
		out = dec.Decode(out, pkt[12:])
		p.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	}
}

func (p *phone) stats() int { return p.got }

// TestKeyBlockLengths: a key block whose lengths do not fit its suite,
// or overrun the 16-byte fields, or name an unknown suite, is refused
// (the leg is then refused with a status, see openReceive); a good one
// and the empty one are accepted.
func TestKeyBlockLengths(t *testing.T) {
	good, _ := srtp.NewKey(srtp.Default)
	ok := keyBlock(good)
	for _, tc := range []struct {
		name  string
		edit  func(*sccp.MediaEncryptionKeyInfo)
		valid bool
	}{
		{"good", func(*sccp.MediaEncryptionKeyInfo) {}, true},
		{"none", func(k *sccp.MediaEncryptionKeyInfo) { *k = sccp.MediaEncryptionKeyInfo{} }, true},
		{"short key", func(k *sccp.MediaEncryptionKeyInfo) { k.KeyLen = 15 }, false},
		{"key past its field", func(k *sccp.MediaEncryptionKeyInfo) { k.KeyLen = 17 }, false},
		{"long salt", func(k *sccp.MediaEncryptionKeyInfo) { k.SaltLen = 16 }, false},
		{"salt past its field", func(k *sccp.MediaEncryptionKeyInfo) { k.SaltLen = 0xFFFF }, false},
		{"zero lengths", func(k *sccp.MediaEncryptionKeyInfo) { k.KeyLen, k.SaltLen = 0, 0 }, false},
		{"unknown suite", func(k *sccp.MediaEncryptionKeyInfo) { k.Algorithm = 3 }, false},
	} {
		k := ok
		tc.edit(&k)
		_, err := keyFrom(k)
		if (err == nil) != tc.valid {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}
