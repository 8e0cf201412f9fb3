package ephone_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"cmeos/telephony/ephone"
	"cmeos/telephony/sccp"
)

// sipFarEnd is a SIP user agent on sipgo directly, with an RTP socket:
// the provider behind a dial-peer. answer decides its final response.
type sipFarEnd struct {
	addr   netip.AddrPort
	rtp    *net.UDPConn
	offer  atomic.Value // string
	byes   atomic.Int32
	status int
	dsc    *sipgo.DialogServerCache
	sess   atomic.Pointer[sipgo.DialogServerSession] // the answered call
}

var sdpAudio = regexp.MustCompile(`(?s)c=IN IP4 ([0-9.]+).*m=audio ([0-9]+) RTP/S?AVP`)

func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	p := make([]byte, 12, 12+len(payload))
	p[0], p[1] = 0x80, pt
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], ts)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	return append(p, payload...)
}

func newSIPFarEnd(t *testing.T, status int) *sipFarEnd {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &sipFarEnd{addr: netip.MustParseAddrPort(conn.LocalAddr().String()), rtp: rtp, status: status}
	ua, _ := sipgo.NewUA(sipgo.WithUserAgent("provider"), sipgo.WithUserAgentHostname("127.0.0.1"))
	srv, _ := sipgo.NewServer(ua)
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(int(f.addr.Port())))
	f.dsc = sipgo.NewDialogServerCache(cli, sipmsg.ContactHeader{Address: sipmsg.Uri{User: "provider", Host: "127.0.0.1", Port: int(f.addr.Port())}})
	srv.OnInvite(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		f.offer.Store(string(req.Body()))
		sess, err := f.dsc.ReadInvite(req, tx)
		if err != nil {
			return
		}
		sess.Respond(180, "Ringing", nil)
		time.Sleep(100 * time.Millisecond)
		if f.status != 200 {
			sess.Respond(f.status, "Busy Here", nil)
			return
		}
		port := rtp.LocalAddr().(*net.UDPAddr).Port
		sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + strconv.Itoa(port) +
			" RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		sess.RespondSDP([]byte(sdp))
		f.sess.Store(sess)
		<-tx.Done()
	})
	srv.OnAck(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) { f.dsc.ReadAck(req, tx) })
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		f.byes.Add(1)
		f.dsc.ReadBye(req, tx)
	})
	done := make(chan struct{})
	go func() { srv.ServeUDP(conn); close(done) }()
	t.Cleanup(func() { ua.Close(); conn.Close(); rtp.Close(); <-done })
	return f
}

// TestSIPTrunkCall is issue 14's outbound trunk call, RTP: a phone dials a
// number a sipv2 dial-peer routes to a SIP provider; the INVITE's offer
// carries the phone's RTP address, the provider's 180 makes the phone
// hear ringback, its 200 connects the call with the phone sending to the
// provider's RTP address, RTP flows both ways, and the phone's hang-up
// sends BYE. A busy provider gives busy tone.
func TestSIPTrunkCall(t *testing.T) {
	far := newSIPFarEnd(t, 200)
	busy := newSIPFarEnd(t, 486)
	cfg := append(append([]string(nil), plainConfig...),
		"dial-peer voice 10 voip", " destination-pattern 2668....", " session protocol sipv2",
		" session target ipv4:"+far.addr.String(), " srtp fallback", " exit",
		"dial-peer voice 11 voip", " destination-pattern 5694....", " session protocol sipv2",
		" session target ipv4:"+busy.addr.String(), " exit")
	b := newBox(t, cfg...)
	ephone.FromSystem(b.sys).SetSIPListen("127.0.0.1:0", "127.0.0.1:0")
	p := register(t, b, "000000000001")

	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateOffHook)
	p.dial("26681234")
	p.state(sccp.CallStateProceed)
	orc := p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.OpenReceiveChannel); return ok }, "OpenReceiveChannel").(*sccp.OpenReceiveChannel)
	if orc.CompressionType != sccp.MediaPayloadG711Ulaw64k || orc.KeyInfo.Algorithm != 0 {
		t.Errorf("receive channel %+v", orc)
	}
	p.state(sccp.CallStateRingOut)
	p.tone(sccp.ToneAlertingTone)
	p.state(sccp.CallStateConnected)
	smt := p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StartMediaTransmission); return ok }, "StartMediaTransmission").(*sccp.StartMediaTransmission)
	farRTP := far.rtp.LocalAddr().(*net.UDPAddr)
	offer, _ := far.offer.Load().(string)
	m := sdpAudio.FindStringSubmatch(offer)
	phoneRTP := p.rtpAddr()
	if m == nil || m[2] == strconv.Itoa(int(phoneRTP.Port())) || uint32(farRTP.Port) == smt.RemotePort {
		t.Fatalf("media does not flow through the box: offer %q, phone RTP %d, phone sends to %d", offer, phoneRTP.Port(), smt.RemotePort)
	}
	// RTP both ways between the phone and the provider, through the
	// box's relay: the payload arrives as sent, under the relay's SSRC.
	relayPhone := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(smt.RemotePort))
	pkt := rtpPacket(0, 1, 160, 0xabcd, []byte("from phone"))
	if _, err := p.rtp.WriteToUDPAddrPort(pkt, relayPhone); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	far.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := far.rtp.ReadFromUDP(buf); err != nil || n < 12 || string(buf[12:n]) != "from phone" {
		t.Fatalf("provider got %q %v", buf[:n], err)
	}
	port, _ := strconv.Atoi(m[2])
	relayTrunk := &net.UDPAddr{IP: net.ParseIP(m[1]), Port: port}
	far.rtp.WriteToUDP(rtpPacket(0, 1, 160, 0x1111, []byte("from provider")), relayTrunk)
	p.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := p.rtp.ReadFromUDP(buf); err != nil || n < 12 || string(buf[12:n]) != "from provider" {
		t.Fatalf("phone got %q %v", buf[:n], err)
	}
	if out := show(b.sys, "show call active voice brief"); !strings.Contains(out, "Originate 26681234 active") || !strings.Contains(out, "SIP call-legs: 1\n") {
		t.Errorf("show call active voice brief:\n%s", out)
	}
	sipCalls := show(b.sys, "show sip-ua calls")
	for _, want := range []string{"Number of SIP User Agent Client(UAC) calls: 1\n", "State of the call : STATE_ACTIVE (7)\n",
		"Calling Number : 1001\n", "Called Number : 26681234\n", "Called URI : sip:26681234@" + far.addr.String() + "\n",
		"Negotiated Codec : g711ulaw (160 bytes)\n", "Media Dest IP Addr:Port : [127.0.0.1]:" + strconv.Itoa(farRTP.Port) + "\n",
		"Media Source IP Addr:Port: [127.0.0.1]:" + m[2] + "\n", "Media Mode : flow-through\n"} {
		if !strings.Contains(sipCalls, want) {
			t.Errorf("show sip-ua calls lacks %q:\n%s", want, sipCalls)
		}
	}
	if !regexp.MustCompile(`SIP Call ID : \S+`).MatchString(sipCalls) {
		t.Errorf("no Call-ID:\n%s", sipCalls)
	}
	p.send(&sccp.OnHook{})
	p.state(sccp.CallStateOnHook)
	for deadline := time.Now().Add(10 * time.Second); far.byes.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if far.byes.Load() != 1 {
		t.Errorf("%d BYEs at the provider", far.byes.Load())
	}

	// The provider hangs up: the phone's call is cleared.
	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateOffHook)
	p.dial("26681235")
	p.state(sccp.CallStateConnected)
	sess := far.sess.Load()
	for deadline := time.Now().Add(10 * time.Second); (sess == nil || sess.LoadState() != sipmsg.DialogStateConfirmed) && time.Now().Before(deadline); sess = far.sess.Load() {
		time.Sleep(20 * time.Millisecond) // until the ACK confirmed the dialog
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.CloseReceiveChannel); return ok }, "CloseReceiveChannel")
	p.state(sccp.CallStateOnHook)

	// A busy provider: busy tone, and the log says why.
	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateOffHook)
	p.dial("56941234")
	p.state(sccp.CallStateBusy)
	p.tone(sccp.ToneLineBusyTone)
	if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "(dial-peer voice 11) failed: sip: call rejected: 486") {
		t.Errorf("no CALL_FAILED line:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
	}
}
