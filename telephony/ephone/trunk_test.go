package ephone_test

import (
	"context"
	"encoding/binary"
	"errors"
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
	early  atomic.Bool // 183 with SDP and a few RTP packets before the 200
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
		port := rtp.LocalAddr().(*net.UDPAddr).Port
		sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + strconv.Itoa(port) +
			" RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		if f.early.Load() {
			sess.Respond(183, "Session Progress", []byte(sdp), sipmsg.NewHeader("Content-Type", "application/sdp"))
			if m := sdpAudio.FindStringSubmatch(string(req.Body())); m != nil {
				to, _ := strconv.Atoi(m[2])
				for i := range 10 { // the provider's own ringback, in band
					rtp.WriteToUDP(rtpPacket(0, uint16(i), uint32(160*i), 0x183, []byte("early media")), &net.UDPAddr{IP: net.ParseIP(m[1]), Port: to})
					time.Sleep(30 * time.Millisecond)
				}
			}
		} else {
			sess.Respond(180, "Ringing", nil)
		}
		time.Sleep(100 * time.Millisecond)
		if f.status != 200 {
			sess.Respond(f.status, "Busy Here", nil)
			return
		}
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

// sipCaller is a SIP user agent on sipgo that places calls to the box.
type sipCaller struct {
	cli  *sipgo.Client
	addr netip.AddrPort
	rtp  *net.UDPConn
	dcc  *sipgo.DialogClientCache
}

func newSIPCaller(t *testing.T, ip string) *sipCaller {
	t.Helper()
	conn, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	c := &sipCaller{addr: netip.MustParseAddrPort(conn.LocalAddr().String()), rtp: rtp}
	ua, _ := sipgo.NewUA(sipgo.WithUserAgent("caller"), sipgo.WithUserAgentHostname(ip))
	srv, _ := sipgo.NewServer(ua)
	c.cli, _ = sipgo.NewClient(ua, sipgo.WithClientHostname(ip), sipgo.WithClientPort(int(c.addr.Port())),
		sipgo.WithClientConnectionAddr(c.addr.String())) // requests leave from the listening socket
	c.dcc = sipgo.NewDialogClientCache(c.cli, sipmsg.ContactHeader{Address: sipmsg.Uri{User: "caller", Host: ip, Port: int(c.addr.Port())}})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) { c.dcc.ReadBye(req, tx) })
	done := make(chan struct{})
	go func() { srv.ServeUDP(conn); close(done) }()
	t.Cleanup(func() { ua.Close(); conn.Close(); rtp.Close(); <-done })
	return c
}

// invite sends an INVITE for number to the box with an offer on the
// caller's RTP socket (RTP/SAVP with a key when secure).
func (c *sipCaller) invite(ctx context.Context, box netip.AddrPort, number string, secure bool, transport ...string) (*sipgo.DialogClientSession, error) {
	port := c.rtp.LocalAddr().(*net.UDPAddr).Port
	prof, crypto := "RTP/AVP", ""
	if secure {
		prof, crypto = "RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
	}
	host := c.addr.Addr().String()
	sdp := "v=0\r\no=- 1 1 IN IP4 " + host + "\r\ns=-\r\nc=IN IP4 " + host + "\r\nt=0 0\r\nm=audio " + strconv.Itoa(port) + " " + prof +
		" 0 101\r\n" + crypto + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
	uri := sipmsg.Uri{User: number, Host: box.Addr().String(), Port: int(box.Port())}
	if len(transport) > 0 {
		uri.UriParams = sipmsg.NewParams()
		uri.UriParams.Add("transport", transport[0])
	}
	return c.dcc.Invite(ctx, uri, []byte(sdp), sipmsg.NewHeader("Content-Type", "application/sdp"))
}

// status is the final answer's status code (200 for success).
func status(t *testing.T, ctx context.Context, s *sipgo.DialogClientSession) int {
	t.Helper()
	err := s.WaitAnswer(ctx, sipgo.AnswerOptions{})
	var re *sipgo.ErrDialogResponse
	switch {
	case err == nil:
		return 200
	case errors.As(err, &re):
		return int(re.Res.StatusCode)
	}
	t.Fatalf("INVITE: %v", err)
	return 0
}

// TestSIPTrunkInbound: an INVITE from a dial-peer's target to an
// ephone-dn's number rings the phone, 180 goes back, the phone's answer
// sends 200 with the relay's SDP, RTP reaches the phone, a key the phone
// presses reaches the far end as an RFC 4733 event, and the far end's BYE
// clears the phone. Bad calls get their SIP answer and change nothing: a
// source that is no dial-peer's target (403), a number no DN has (404),
// an SRTP-only offer to a dial-peer without srtp (488), a CANCEL while the
// phone rings stops the ringing (487). A dial-peer aimed at the box
// itself is a loop, refused with reorder.
func TestSIPTrunkInbound(t *testing.T) {
	caller := newSIPCaller(t, "127.0.0.1")
	stranger := newSIPCaller(t, "127.0.0.2")
	cfg := append(append([]string(nil), plainConfig...),
		"dial-peer voice 10 voip", " destination-pattern 2668....", " session protocol sipv2",
		" session target ipv4:"+caller.addr.String(), " incoming called-number 100.", " dtmf-relay rtp-nte", " exit")
	b := newBox(t, cfg...)
	f := ephone.FromSystem(b.sys)
	box, _, err := f.SIPAddr()
	if err != nil {
		t.Fatal(err)
	}
	p := register(t, b, "000000000001")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	sess, err := caller.invite(ctx, box, "1001", false)
	if err != nil {
		t.Fatal(err)
	}
	ringing := make(chan int, 4)
	answered := make(chan error, 1)
	go func() {
		answered <- sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sipmsg.Response) error {
			ringing <- int(r.StatusCode)
			return nil
		}})
	}()
	p.state(sccp.CallStateRingIn)
	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateConnected)
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	// sipgo hands each received message to its own goroutine, so the
	// 180 (sent first) may reach the caller's transaction after the 200
	// and be dropped there: what arrived first is one of the two.
	if got := <-ringing; got != 180 && got != 200 {
		t.Errorf("first response %d", got)
	}
	sess.Ack(ctx)
	ans := string(sess.InviteResponse.Body())
	m := sdpAudio.FindStringSubmatch(ans)
	if m == nil {
		t.Fatalf("answer %q", ans)
	}
	relay := p.smt()
	port, _ := strconv.Atoi(m[2])
	caller.rtp.WriteToUDP(rtpPacket(0, 1, 160, 0x77, []byte("from caller")), &net.UDPAddr{IP: net.ParseIP(m[1]), Port: port})
	buf := make([]byte, 1500)
	p.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := p.rtp.ReadFromUDP(buf); err != nil || n < 12 || string(buf[12:n]) != "from caller" {
		t.Fatalf("phone got %q %v", buf[:n], err)
	}
	// The phone's RTP latches the relay's phone side; then a key press.
	p.rtp.WriteToUDPAddrPort(rtpPacket(0, 1, 160, 0x88, make([]byte, 160)), relay)
	caller.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := caller.rtp.ReadFromUDP(buf); err != nil {
		t.Fatal(err)
	}
	p.send(&sccp.KeypadButton{Button: 5})
	for {
		n, _, err := caller.rtp.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no telephone-event: %v", err)
		}
		if n == 16 && buf[1]&0x7F == 101 {
			if buf[12] != 5 {
				t.Errorf("event %d, want 5", buf[12])
			}
			break
		}
	}
	if calls := show(b.sys, "show sip-ua calls"); !strings.Contains(calls, "Number of SIP User Agent Server(UAS) calls: 1\n") ||
		!strings.Contains(calls, "Calling Number : \n") && !strings.Contains(calls, "State of the call : STATE_ACTIVE (7)\n") {
		t.Errorf("show sip-ua calls:\n%s", calls)
	}
	// The far end holds: a re-INVITE with a=sendonly is answered
	// a=recvonly with the same key-less RTP address.
	sdp := strings.Replace(string(sess.InviteRequest.Body()), "a=rtpmap:0", "a=sendonly\r\na=rtpmap:0", 1)
	re := sipmsg.NewRequest(sipmsg.INVITE, sess.InviteResponse.Contact().Address)
	re.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	re.SetBody([]byte(sdp))
	res, err := sess.Do(ctx, re)
	if err != nil || res.StatusCode != 200 || !strings.Contains(string(res.Body()), "a=recvonly") || !strings.Contains(string(res.Body()), "m=audio "+m[2]+" ") {
		t.Fatalf("re-INVITE: %v %v", res, err)
	}
	sess.WriteRequest(sipmsg.NewRequest(sipmsg.ACK, sess.InviteResponse.Contact().Address))
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	p.state(sccp.CallStateOnHook)

	// Bad calls.
	for _, c := range []struct {
		from   *sipCaller
		number string
		secure bool
		want   int
	}{
		{stranger, "1001", false, 403},
		{caller, "9999", false, 404},
		{caller, "1001", true, 488},
	} {
		s, err := c.from.invite(ctx, box, c.number, c.secure)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("INVITE %s from %s", c.number, c.from.addr)
		if got := status(t, ctx, s); got != c.want {
			t.Errorf("INVITE %s from %s (secure %v): %d, want %d", c.number, c.from.addr, c.secure, got, c.want)
		}
	}
	// The same box over TCP (its UDP port): an unknown number is 404.
	if s, err := caller.invite(ctx, box, "9999", false, "tcp"); err != nil {
		t.Fatal(err)
	} else if got := status(t, ctx, s); got != 404 {
		t.Errorf("INVITE over TCP: %d, want 404", got)
	}
	// CANCEL while ringing.
	cctx, ccancel := context.WithCancel(ctx)
	s, err := caller.invite(cctx, box, "1001", false)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- s.WaitAnswer(cctx, sipgo.AnswerOptions{}) }()
	p.state(sccp.CallStateRingIn)
	ccancel() // sipgo sends CANCEL
	<-got
	p.state(sccp.CallStateOnHook)

	// A loop: a dial-peer whose target is the box itself.
	out := console(b.sys, "dial-peer voice 11 voip", " destination-pattern 5694....", " session protocol sipv2",
		" session target ipv4:"+box.String(), " exit")
	if strings.Contains(out, "%") {
		t.Fatal(out)
	}
	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateOffHook)
	p.dial("56941234")
	p.tone(sccp.ToneReorderTone)
	if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "(a dial-peer loop)") {
		t.Errorf("no loop log line:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
	}
	p.send(&sccp.OnHook{})
}

// TestSIPTrunkEarlyMedia: a provider's 183 with SDP starts the relay's far
// side before the answer: the phone's ringback tone stops and the
// provider's in-band audio reaches it while the call still rings out.
func TestSIPTrunkEarlyMedia(t *testing.T) {
	far := newSIPFarEnd(t, 200)
	far.early.Store(true)
	cfg := append(append([]string(nil), plainConfig...),
		"dial-peer voice 10 voip", " destination-pattern 2668....", " session protocol sipv2",
		" session target ipv4:"+far.addr.String(), " exit")
	b := newBox(t, cfg...)
	p := register(t, b, "000000000001")
	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateOffHook)
	p.dial("26681234")
	p.state(sccp.CallStateRingOut)
	p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StopTone); return ok }, "StopTone")
	buf := make([]byte, 1500)
	p.rtp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := p.rtp.ReadFromUDP(buf); err != nil || n < 12 || string(buf[12:n]) != "early media" {
		t.Fatalf("phone got %q %v before the answer", buf[:n], err)
	}
	p.state(sccp.CallStateConnected)
	p.send(&sccp.OnHook{})
	p.state(sccp.CallStateOnHook)
}
