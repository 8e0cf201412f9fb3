package sip

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

const farAnswer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

func newTrunk(t *testing.T, incoming func(*InCall)) *Trunk {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrunk(conn, Options{Name: "cmeos-test", Incoming: incoming})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close(); conn.Close() })
	return tr
}

// farEnd is a SIP user agent built on sipgo directly (not on Trunk): the
// other side of the tests.
type farEnd struct {
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	addr netip.AddrPort
	byes atomic.Int32
}

func newFarEnd(t *testing.T, onInvite func(req *sipmsg.Request, tx sipmsg.ServerTransaction)) *farEnd {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(conn.LocalAddr().String())
	ua, _ := sipgo.NewUA(sipgo.WithUserAgent("far-end"), sipgo.WithUserAgentHostname("127.0.0.1"))
	srv, _ := sipgo.NewServer(ua)
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(int(ap.Port())))
	f := &farEnd{ua: ua, srv: srv, cli: cli, addr: ap}
	if onInvite != nil {
		srv.OnInvite(onInvite)
	}
	srv.OnAck(func(*sipmsg.Request, sipmsg.ServerTransaction) {})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		f.byes.Add(1)
		tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	})
	done := make(chan struct{})
	go func() { srv.ServeUDP(conn); close(done) }()
	t.Cleanup(func() { ua.Close(); conn.Close(); <-done })
	return f
}

// TestOutboundCall: INVITE with the offer, 180 reported, the 200's SDP
// returned, ACK, then BYE reaches the far end.
func TestOutboundCall(t *testing.T) {
	tr := newTrunk(t, nil)
	var gotOffer atomic.Value
	far := newFarEnd(t, func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		gotOffer.Store(string(req.Body()))
		tx.Respond(sipmsg.NewResponseFromRequest(req, 180, "Ringing", nil))
		time.Sleep(100 * time.Millisecond) // the phone rings a while
		res := sipmsg.NewResponseFromRequest(req, 200, "OK", []byte(farAnswer))
		res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
		res.AppendHeader(&sipmsg.ContactHeader{Address: sipmsg.Uri{User: "far", Host: "127.0.0.1", Port: req.Recipient.Port}})
		tx.Respond(res)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	offer, _ := Offer(netip.MustParseAddrPort("127.0.0.1:20000"), []Codec{PCMU}, SRTPOff)
	var ring atomic.Int32
	call, err := tr.Call(ctx, far.addr, "udp", "1001", "26681234", offer.Marshal("cmeos", 1, 1), func(status int, _ []byte) { ring.Store(int32(status)) })
	if err != nil {
		t.Fatal(err)
	}
	if string(call.Answer) != farAnswer {
		t.Errorf("answer %q", call.Answer)
	}
	if ring.Load() != 180 {
		t.Errorf("ringing %d", ring.Load())
	}
	if o, _ := gotOffer.Load().(string); !strings.Contains(o, "m=audio 20000 RTP/AVP 0 101") {
		t.Errorf("offer at the far end: %q", o)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if far.byes.Load() != 1 {
		t.Errorf("%d BYEs at the far end", far.byes.Load())
	}
}

// TestOutboundRejected: a 486 is ErrRejected naming the status.
func TestOutboundRejected(t *testing.T) {
	tr := newTrunk(t, nil)
	far := newFarEnd(t, func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := tr.Call(ctx, far.addr, "udp", "1001", "1000", []byte(farAnswer), nil)
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "486") {
		t.Fatalf("err %v", err)
	}
}

// TestInboundCall: the far end's INVITE reaches Incoming with the called
// and calling numbers and the offer; 180 and 200 with the box's SDP go
// back; the far end's BYE ends the call.
func TestInboundCall(t *testing.T) {
	got := make(chan *InCall, 1)
	tr := newTrunk(t, func(in *InCall) {
		in.Ringing()
		time.Sleep(100 * time.Millisecond) // the phone rings a while (sipgo's client may skip a 180 followed at once by the 200)
		ans, _ := Offer(netip.MustParseAddrPort("127.0.0.1:30000"), []Codec{PCMU}, SRTPOff)
		in.Accept(ans.Marshal("cmeos", 2, 1))
		got <- in
	})
	// Garbage first: the trunk survives it.
	c, _ := net.Dial("udp", tr.Addr().String())
	c.Write([]byte("INVITE nonsense\r\n\r\n"))
	c.Write([]byte{0, 1, 2, 3})
	c.Close()

	far := newFarEnd(t, nil)
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "far", Host: "127.0.0.1", Port: int(far.addr.Port())}}
	dcc := sipgo.NewDialogClientCache(far.cli, contact)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	uri := sipmsg.Uri{User: "93621000", Host: "127.0.0.1", Port: int(tr.Addr().Port())}
	sess, err := dcc.Invite(ctx, uri, []byte(farAnswer), sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	var ringing atomic.Bool
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sipmsg.Response) error {
		if res.StatusCode == 180 {
			ringing.Store(true)
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	in := <-got
	if in.To != "93621000" || in.From == "" || string(in.Offer) != farAnswer {
		t.Errorf("incoming call to %q from %q offer %q", in.To, in.From, in.Offer)
	}
	if !ringing.Load() || !strings.Contains(string(sess.InviteResponse.Body()), "m=audio 30000 RTP/AVP 0") {
		t.Errorf("ringing %v, answer %q", ringing.Load(), sess.InviteResponse.Body())
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("the far end's BYE did not end the call")
	}
}

// TestUnservedMethods: OPTIONS is answered 200 with the trunk's Allow; a
// method the trunk knows but does not serve gets 405, one it does not
// know 501, a CANCEL for no call 481, each with Allow (RFC 3261 8.2.1);
// the trunk still takes calls afterwards.
func TestUnservedMethods(t *testing.T) {
	tr := newTrunk(t, func(in *InCall) { in.Reject(486, "Busy Here") })
	far := newFarEnd(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	uri := sipmsg.Uri{User: "93621000", Host: "127.0.0.1", Port: int(tr.Addr().Port())}
	for _, c := range []struct {
		method string
		status int
	}{
		{"OPTIONS", 200}, {"REGISTER", 405}, {"REFER", 405}, {"INFO", 405},
		{"FROBNICATE", 501}, {"CANCEL", 481},
	} {
		req := sipmsg.NewRequest(sipmsg.RequestMethod(c.method), uri)
		res, err := far.cli.Do(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		if int(res.StatusCode) != c.status {
			t.Errorf("%s: %d %s, want %d", c.method, res.StatusCode, res.Reason, c.status)
		}
		if h := res.GetHeader("Allow"); h == nil || h.Value() != allow {
			t.Errorf("%s: Allow %v", c.method, h)
		}
	}
	// Calls still work: the INVITE reaches the handler (its 486 comes back).
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "far", Host: "127.0.0.1", Port: int(far.addr.Port())}}
	sess, err := sipgo.NewDialogClientCache(far.cli, contact).Invite(ctx, uri, []byte(farAnswer), sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	var re *sipgo.ErrDialogResponse
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); !errors.As(err, &re) || re.Res.StatusCode != 486 {
		t.Fatalf("INVITE after the unserved methods: %v", err)
	}
}

// TestHandlerPanicContained: a panic in the box's INVITE handler answers
// 500 and the trunk (and the process) goes on.
func TestHandlerPanicContained(t *testing.T) {
	tr := newTrunk(t, func(in *InCall) { panic("call control bug") })
	far := newFarEnd(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	uri := sipmsg.Uri{User: "1000", Host: "127.0.0.1", Port: int(tr.Addr().Port())}
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "far", Host: "127.0.0.1", Port: int(far.addr.Port())}}
	sess, err := sipgo.NewDialogClientCache(far.cli, contact).Invite(ctx, uri, []byte(farAnswer), sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	var re *sipgo.ErrDialogResponse
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); !errors.As(err, &re) || re.Res.StatusCode != 500 {
		t.Fatalf("INVITE to a panicking handler: %v", err)
	}
	res, err := far.cli.Do(ctx, sipmsg.NewRequest(sipmsg.OPTIONS, uri))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS after the panic: %v %v", res, err)
	}
}
