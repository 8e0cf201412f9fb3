package ephone

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"cmeos/crypto/srtp"
	"cmeos/ios/logging"
	"cmeos/telephony/media"
	"cmeos/telephony/sccp"
	"cmeos/telephony/sip"
)

// SIP trunk calls (issue 14). A number the dial plan routes to a
// `session protocol sipv2` dial-peer becomes an outbound INVITE; an
// INVITE from a dial-peer's target rings the ephone-dn its called number
// names. The far end has no leg of its own (call.trunk): an outbound
// call's phone is its caller, an inbound call's phones are its alerting
// legs and then its callee. Media flows through the box (IOS's media
// flow-through): a media.Relay joins the phone, in its own SRTP keys when
// it is encrypted, and the far end, in the SDES keys of the SDP when the
// dial-peer has `srtp` (RTP after `srtp fallback` to a far end that
// answers without). The phone's digits go to the far end as RFC 4733
// events.

// TrunkFunc is the dial plan's answer for a SIP dial-peer (ok false: not
// a SIP peer this box can call).
type TrunkFunc func(tag int) (peer sip.Peer, ok bool)

// InboundFunc is the dial plan's answer for an inbound call: whether its
// source is trusted and the dial-peer its called number matches.
type InboundFunc func(called string, from netip.Addr) (peer sip.Peer, trusted bool)

// trunkSide is the far end of a trunk call.
type trunkSide struct {
	peer    sip.Peer
	number  string // the called number
	inbound bool
	ctx     context.Context
	cancel  context.CancelFunc
	invited bool
	out     *sip.OutCall
	in      *sip.InCall
	// final is closed once an inbound INVITE has its final answer (the
	// 200 or a failure); answer is the 200's SDP.
	final     chan struct{}
	finalOnce sync.Once
	accepted  bool // the final answer is the 200 (set before final closes)
	// rang is closed once the 180 went out: the final answer follows it
	// (responses of one INVITE are sent in order, one at a time).
	rang   chan struct{}
	answer []byte

	relay            *media.Relay
	phoneSide        netip.AddrPort // relay leg 0: where the phone sends
	trunkRTP         netip.AddrPort // relay leg 1 as the SDP gives it
	phoneTx, phoneRx srtp.Key       // the phone's keys (zero: RTP)
	farRTP           netip.AddrPort
	farReady         bool // the far end's address and keys are known
	early            bool // early media: the far end's 183 SDP started the relay
	codec            sip.Codec
	secure           bool  // SRTP on the trunk
	ntePT            uint8 // the far end's telephone-event payload type (0: none)
	local            netip.AddrPort
	callID           string
	state            string
	// sdp is the box's side of the session (its offer as accepted, or its
	// answer), re-offered on hold and resume with a new version.
	sdp     sip.Media
	version uint64
	// reoffers queues the re-INVITEs to send (x.mu held to enqueue).
	reoffers chan func()
}

// end releases the far end: cancels a pending INVITE, sends BYE, or
// answers an unanswered inbound INVITE; the relay closes.
func (t *trunkSide) end() {
	t.cancel()
	if t.inbound {
		t.reject(480, "Temporarily Unavailable")
		accepted := t.accepted
		go func() {
			<-t.final
			if accepted {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				t.in.Hangup(ctx)
			}
		}()
	} else if out := t.out; out != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out.Hangup(ctx)
		}()
	}
	if t.relay != nil {
		go t.relay.Close()
	}
}

// ringing sends 180 Ringing once (x.mu held).
func (t *trunkSide) ringing() {
	if t.rang != nil {
		return
	}
	t.rang = make(chan struct{})
	go func() {
		t.in.Ringing()
		close(t.rang)
	}()
}

// reject gives an unanswered inbound INVITE its final failure (once).
func (t *trunkSide) reject(status int, reason string) {
	t.finalOnce.Do(func() {
		rang := t.rang
		go func() {
			if rang != nil {
				<-rang
			}
			t.in.Reject(status, reason)
			close(t.final)
		}()
	})
}

// accept answers an inbound INVITE 200 with the relay's SDP (once).
func (t *trunkSide) accept() {
	t.finalOnce.Do(func() {
		t.accepted = true
		sdp, rang := t.answer, t.rang
		go func() {
			if rang != nil {
				<-rang
			}
			if err := t.in.Accept(sdp); err != nil {
				t.in.Reject(500, "Server Internal Error")
			}
			close(t.final)
		}()
	})
}

// sipTrunk is the exchange's user agent: opened when the dial plan has
// SIP dial-peers (and for the first outbound call), reopened when its
// TLS identity changes.
type sipTrunk struct {
	mu        sync.Mutex
	listen    string // UDP address ("": source:5060)
	tlsListen string // TLS address ("": source:5061)
	// source is telephony-service's ip source-address, the CME's own
	// address, which the trunk binds to (invalid: all addresses).
	source   netip.Addr
	tlsConf  *tls.Config
	tlsKey   string // what tlsConf was made from
	incoming func(*sip.InCall)
	reinvite func(callID string, offer []byte) ([]byte, bool)
	t        *sip.Trunk
	lastErr  string // the last failure logged (each is logged once)
}

// newError reports whether err differs from the last failure logged.
func (s *sipTrunk) newError(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err.Error() == s.lastErr {
		return false
	}
	s.lastErr = err.Error()
	return true
}

func (s *sipTrunk) get() (*sip.Trunk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		return s.t, nil
	}
	host := "0.0.0.0"
	if s.source.IsValid() {
		host = s.source.String()
	}
	addr := s.listen
	if addr == "" {
		addr = net.JoinHostPort(host, "5060")
	}
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	opt := sip.Options{Name: "Cisco-SIPGateway/IOS-cmeos", Incoming: s.incoming, ReInvite: s.reinvite}
	// TCP on the UDP socket's port (session transport tcp peers call in
	// on it), bounded as TLS is.
	tcp, err := net.Listen("tcp", conn.LocalAddr().String())
	if err != nil {
		conn.Close()
		return nil, err
	}
	opt.TCP = newLimitListener(tcp)
	if s.tlsConf != nil {
		ta := s.tlsListen
		if ta == "" {
			ta = net.JoinHostPort(host, "5061")
		}
		ln, err := tls.Listen("tcp", ta, s.tlsConf)
		if err != nil {
			conn.Close()
			tcp.Close()
			return nil, err
		}
		opt.TLS, opt.TLSConfig = newLimitListener(ln), s.tlsConf
	}
	t, err := sip.NewTrunk(conn, opt)
	if err != nil {
		conn.Close()
		tcp.Close()
		if opt.TLS != nil {
			opt.TLS.Close()
		}
		return nil, err
	}
	s.t = t
	return t, nil
}

// configure takes the TLS identity (nil: none); a change closes the
// running trunk, to be reopened by the next get.
func (s *sipTrunk) configure(source netip.Addr, conf *tls.Config, key string) {
	s.mu.Lock()
	changed := key != s.tlsKey || source != s.source
	s.tlsConf, s.tlsKey, s.source = conf, key, source
	old := s.t
	if changed {
		s.t = nil
	}
	s.mu.Unlock()
	if changed && old != nil {
		old.Close()
	}
}

func (s *sipTrunk) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		s.t.Close()
		s.t = nil
	}
}

// maxSIPTLSConns bounds the SIP TCP (and, apart, TLS) connections open
// at once, and maxSIPTLSPerSource those from one address.
const (
	maxSIPTLSConns     = 256
	maxSIPTLSPerSource = 8
)

// limitListener closes connections beyond its bounds as they arrive.
type limitListener struct {
	net.Listener
	mu    sync.Mutex
	total int
	per   map[netip.Addr]int
}

func newLimitListener(l net.Listener) *limitListener {
	return &limitListener{Listener: l, per: map[netip.Addr]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var src netip.Addr
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			src = ap.Addr().Unmap()
		}
		l.mu.Lock()
		ok := l.total < maxSIPTLSConns && l.per[src] < maxSIPTLSPerSource
		if ok {
			l.total++
			l.per[src]++
		}
		l.mu.Unlock()
		if !ok {
			c.Close()
			continue
		}
		return &limitConn{Conn: c, release: func() {
			l.mu.Lock()
			l.total--
			if l.per[src]--; l.per[src] <= 0 {
				delete(l.per, src)
			}
			l.mu.Unlock()
		}}, nil
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
	seen    bool // a byte has arrived (read by one goroutine: the SIP reader)
}

// A SIP connection must send within sipFirstRead of its arrival (the TLS
// handshake included), then within sipIdle of its last message (peers
// keep connections with OPTIONS or CRLF keep-alives; a dropped one
// reconnects).
var (
	sipFirstRead = 30 * time.Second
	sipIdle      = 10 * time.Minute
)

func (c *limitConn) Read(b []byte) (int, error) {
	d := sipIdle
	if !c.seen {
		d = sipFirstRead
	}
	c.Conn.SetReadDeadline(time.Now().Add(d))
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.seen = true
	}
	return n, err
}

func (c *limitConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// SetSIPListen makes the SIP trunk use addr for UDP and tlsAddr for TLS
// (tests: 127.0.0.1:0).
func (f *Feature) SetSIPListen(addr, tlsAddr string) {
	f.x.sip.mu.Lock()
	f.x.sip.listen, f.x.sip.tlsListen = addr, tlsAddr
	f.x.sip.mu.Unlock()
}

// SIPAddr is the SIP trunk's UDP and TLS addresses, opening it if it is
// not (tests, and show commands of a box with SIP dial-peers).
func (f *Feature) SIPAddr() (udp, tls netip.AddrPort, err error) {
	t, err := f.x.sip.get()
	if err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	return t.Addr(), t.TLSAddr(), nil
}

// localFor is the address this host sends to dst from (no packet is
// sent: a connected UDP socket only picks its route).
func localFor(dst netip.Addr) netip.Addr {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
	if err != nil {
		return netip.Addr{}
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

// advertise is the address to give toward a peer for a socket bound to
// bound: bound itself, or the source address of the route to the peer
// when bound is a wildcard.
func advertise(bound netip.AddrPort, toward netip.Addr) netip.AddrPort {
	if !bound.Addr().IsUnspecified() {
		return bound
	}
	if a := localFor(toward); a.IsValid() {
		return netip.AddrPortFrom(a, bound.Port())
	}
	return bound
}

// isLocal reports whether a is bound's address, or any address of this
// host when bound is a wildcard.
func isLocal(a, bound netip.Addr) bool {
	a = a.Unmap()
	if !bound.IsUnspecified() {
		return a == bound.Unmap()
	}
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
				return true
			}
		}
	}
	return false
}

// sccpCodec is the phone's payload capability for a trunk codec.
func sccpCodec(c sip.Codec) uint32 {
	if c == sip.PCMA {
		return CodecG711Alaw
	}
	return CodecG711Ulaw
}

// phoneKeys draws the phone's pair of SRTP keys when it is encrypted.
func (x *exchange) phoneKeys(l *leg, ts *trunkSide) MediaLeg {
	ml := MediaLeg{Codec: sccpCodec(ts.codec), PacketMS: 20, SecurityStatus: sccpNotAuthenticated}
	e := x.endpoint(l)
	if e.Secure {
		ml.SecurityStatus = sccp.CallSecurityStatusAuthenticated
	}
	if !encrypted(e) {
		return ml
	}
	tx, err1 := srtp.NewKey(srtp.Default)
	rx, err2 := srtp.NewKey(srtp.Default)
	if err1 != nil || err2 != nil {
		return ml
	}
	ts.phoneTx, ts.phoneRx = tx, rx
	ml.TxKey, ml.RxKey = keyBlock(tx), keyBlock(rx)
	if ts.peer.SRTP != sip.SRTPOff {
		ml.SecurityStatus = sccp.CallSecurityStatusEncrypted
	}
	return ml
}

// dialTrunk places leg l's call on SIP dial-peer peer (x.mu held): the
// relay is opened, the phone's receive channel too, and the INVITE goes
// out with the relay's address.
func (x *exchange) dialTrunk(l *leg, peer sip.Peer) {
	p := l.ph
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	failNow := func(why string) {
		x.log.Logf(logging.Notifications, "DIALPEER", "CALL_FAILED", "Call from %s to %s (dial-peer voice %d) failed: %s.",
			p.name, logging.Escape(l.digits), peer.Tag, why)
		l.state = legReorder
		p.sigReorder(l)
	}
	t, err := x.sip.get()
	if err != nil {
		failNow("SIP socket: " + err.Error())
		return
	}
	if self := []netip.AddrPort{t.Addr(), t.TLSAddr()}; peer.Target.Port() == self[0].Port() && isLocal(peer.Target.Addr(), self[0].Addr()) ||
		self[1].IsValid() && peer.Target.Port() == self[1].Port() && isLocal(peer.Target.Addr(), self[1].Addr()) {
		failNow("the session target is this box's own SIP address (a dial-peer loop)")
		return
	}
	relay, err := media.NewRelay(t.Addr().Addr())
	if err != nil {
		failNow(err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	ts := &trunkSide{peer: peer, number: l.digits, ctx: ctx, cancel: cancel, relay: relay, codec: peer.Codecs[0],
		local: t.Addr(), state: "STATE_SENT_INVITE (1)"}
	if peer.Transport == "tls" && t.TLSAddr().IsValid() {
		ts.local = t.TLSAddr()
	}
	ts.phoneSide = advertise(relay.Local(0), p.ip)
	ts.trunkRTP = advertise(relay.Local(1), peer.Target.Addr())
	c := &call{id: l.ref, caller: l, started: x.now(), calledNum: l.digits, trunk: ts}
	if d, ok := x.cfg.DNs[l.dn]; ok {
		c.callingNum, c.callingName = d.Number, d.Name
	}
	l.call = c
	p.sigProceed(l)
	ml := x.phoneKeys(l, ts)
	c.media = &callMedia{plan: MediaPlan{A: ml, B: ml, Release: relay.Close}}
	x.nextParty++
	l.media = legMedia{party: x.nextParty, rxOpen: true, leg: ml}
	p.sigOpenReceive(l)
	ts.invited = true
	go x.trunkInvite(c, l, t)
}

const sccpNotAuthenticated = 1

// trunkReceiveReady is receiveAck for a trunk call: the relay learns
// where the phone listens (x.mu held).
func (x *exchange) trunkReceiveReady(c *call, l *leg) {
	ts := c.trunk
	addr := l.media.rxAddr
	if addr.Addr().IsUnspecified() && l.ph.ip.IsValid() {
		addr = netip.AddrPortFrom(l.ph.ip, addr.Port())
	}
	if err := ts.relay.Start(0, addr, ts.phoneTx, ts.phoneRx); err != nil {
		x.debugf(l.ph, "state", "call %d: relay: %v", c.id, err)
		return
	}
	x.trunkTransmit(c, l)
}

// trunkTransmit starts the phone's transmission once the call is
// connected, the phone's channel open and the far end known (x.mu held).
func (x *exchange) trunkTransmit(c *call, l *leg) {
	if l.state != legConnected || !l.media.acked || l.media.txOn || !c.trunk.farReady {
		return
	}
	l.media.txOn, l.media.txTarget = true, c.trunk.phoneSide
	l.ph.sigStartTransmit(l)
}

// trunkInvite runs the INVITE transaction without the exchange's lock.
func (x *exchange) trunkInvite(c *call, l *leg, t *sip.Trunk) {
	ts := c.trunk
	fail := func(st legState, why string) {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.log.Logf(logging.Notifications, "DIALPEER", "CALL_FAILED", "Call from %s to %s (dial-peer voice %d) failed: %s.",
			l.ph.name, logging.Escape(ts.number), ts.peer.Tag, why)
		if l.call != c {
			return
		}
		ts.relay.Close()
		x.stopMedia(c)
		x.fail(c, st)
	}
	offer, err := sip.Offer(ts.trunkRTP, ts.peer.Codecs[:1], ts.peer.SRTP)
	if err != nil {
		fail(legReorder, err.Error())
		return
	}
	if !ts.peer.NTE {
		offer.DTMF = 0
	}
	out, err := t.Call(ts.ctx, ts.peer.Target, ts.peer.Transport, c.callingNum, ts.number, offer.Marshal(sdpOwner, uint64(c.id), 1), func(status int, sdp []byte) {
		// Early media: a provisional answer with SDP (183 Session
		// Progress) starts the far end's side of the relay, and the
		// phone hears the far end (its ringback or announcement)
		// instead of its own ringback tone.
		var early sip.Media
		var farKey srtp.Key
		var ok bool
		if len(sdp) > 0 && status > 100 {
			if m, err := sip.Parse(sdp); err == nil {
				if _, k, err := sip.Accept(offer, m, ts.peer.SRTP); err == nil {
					early, farKey, ok = m, k, true
				}
			}
		}
		x.mu.Lock()
		defer x.mu.Unlock()
		if l.call != c {
			return
		}
		if l.state == legDialing {
			ts.state = "STATE_RECD_PROCEEDING (3)"
			l.state = legRingOut
			l.ph.sigRingOut(l)
		}
		if ok && !ts.early && ts.relay.Start(1, early.Addr, farKey, sip.OurKey(offer, early)) == nil {
			ts.early = true
			l.ph.stopTone(l)
		}
	})
	if err != nil {
		if ts.ctx.Err() != nil && !errors.Is(ts.ctx.Err(), context.DeadlineExceeded) {
			return // the caller hung up
		}
		st := legReorder
		if strings.Contains(err.Error(), " 486 ") || strings.Contains(err.Error(), " 600 ") {
			st = legBusy
		}
		fail(st, err.Error())
		return
	}
	ans, err := sip.Parse(out.Answer)
	var codec sip.Codec
	var farKey srtp.Key
	if err == nil {
		codec, farKey, err = sip.Accept(offer, ans, ts.peer.SRTP)
	}
	ourKey := sip.OurKey(offer, ans)
	if err == nil {
		err = ts.relay.Start(1, ans.Addr, farKey, ourKey)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if l.call != c {
		go out.Hangup(context.Background()) // the caller left meanwhile
		return
	}
	ts.out, ts.callID = out, out.CallID()
	if err != nil {
		go out.Hangup(context.Background())
		x.log.Logf(logging.Notifications, "DIALPEER", "CALL_FAILED", "Call from %s to %s (dial-peer voice %d) failed: answer: %v.",
			l.ph.name, logging.Escape(ts.number), ts.peer.Tag, err)
		ts.out = nil
		ts.relay.Close()
		x.stopMedia(c)
		x.fail(c, legReorder)
		return
	}
	if ts.peer.SRTP == sip.SRTPFallback && !ans.Secure {
		x.log.Logf(logging.Informational, "DIALPEER", "SRTP_FALLBACK", "Call from %s to %s (dial-peer voice %d): the far end answered without SRTP; the call falls back to RTP.",
			l.ph.name, logging.Escape(ts.number), ts.peer.Tag)
	}
	ts.farRTP, ts.codec, ts.secure, ts.farReady, ts.state = ans.Addr, codec, ans.Secure, true, "STATE_ACTIVE (7)"
	ts.sdp, ts.version = offer, 1
	ts.sdp.Codecs = []sip.Codec{codec}
	ts.sdp.Crypto = nil
	for _, c := range offer.Crypto {
		if c.Key.Inline() == ourKey.Inline() {
			ts.sdp.Crypto = []sip.Crypto{c} // re-offers keep the chosen suite and key
		}
	}
	if !ans.Secure {
		ts.sdp.Secure = false
	}
	if ts.peer.NTE {
		ts.ntePT = ans.DTMF
	}
	c.connected = x.now()
	l.state = legConnected
	l.ph.sigConnected(l)
	x.trunkTransmit(c, l)
	go func() {
		select {
		case <-out.Done():
			x.trunkEnded(c)
		case <-ts.ctx.Done():
		}
	}()
}

// trunkEnded: the far end hung up (BYE) or cancelled.
func (x *exchange) trunkEnded(c *call) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ts := c.trunk
	ts.cancel()
	switch {
	case c.caller != nil && c.caller.call == c:
		x.stopMedia(c)
		x.clearLeg(c.caller)
	case c.callee != nil && c.callee.call == c:
		x.stopMedia(c)
		x.clearLeg(c.callee)
	case len(c.alerting) > 0:
		x.stopAlerting(c, nil)
	default:
		return
	}
	ts.relay.Close()
	x.log.Logf(logging.Informational, "DIALPEER", "CALL_ENDED", "Call %d on dial-peer voice %d: the far end hung up.", c.id, ts.peer.Tag)
}

// trunkIncoming takes an INVITE (on the trunk's goroutine for it): the
// source must be a dial-peer's target, the offer acceptable under the
// matching dial-peer's srtp and codecs, and the called number an
// ephone-dn; then the DN's phones ring and the INVITE is answered when
// one answers (or fails when none can).
func (x *exchange) trunkIncoming(in *sip.InCall) {
	x.mu.Lock()
	inbound := x.trunkInbound
	x.mu.Unlock()
	called := in.To
	refuse := func(status int, reason, why string) {
		x.log.Logf(logging.Notifications, "DIALPEER", "CALL_REFUSED", "SIP call from %s to %s refused (%d %s): %s.",
			in.Source.Addr(), logging.Escape(called), status, reason, why)
		in.Reject(status, reason)
	}
	if inbound == nil {
		refuse(480, "Temporarily Unavailable", "no dial plan")
		return
	}
	peer, trusted := inbound(called, in.Source.Addr())
	if !trusted {
		refuse(403, "Forbidden", "the source is no dial-peer's session target")
		return
	}
	offer, err := sip.Parse(in.Offer)
	if err != nil {
		refuse(488, "Not Acceptable Here", "offer: "+err.Error())
		return
	}
	t, err := x.sip.get()
	if err != nil {
		refuse(503, "Service Unavailable", err.Error())
		return
	}
	relay, err := media.NewRelay(t.Addr().Addr())
	if err != nil {
		refuse(503, "Service Unavailable", err.Error())
		return
	}
	trunkRTP := advertise(relay.Local(1), in.Source.Addr())
	ans, codec, farKey, err := sip.Answer(offer, trunkRTP, peer.Codecs, peer.SRTP)
	var ourKey srtp.Key
	if err == nil && ans.Secure {
		ourKey = ans.Crypto[0].Key
	}
	if err == nil {
		err = relay.Start(1, offer.Addr, farKey, ourKey)
	}
	if err != nil {
		relay.Close()
		refuse(488, "Not Acceptable Here", err.Error())
		return
	}
	if !peer.NTE {
		ans.DTMF = 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &trunkSide{peer: peer, number: called, inbound: true, ctx: ctx, cancel: cancel, in: in, final: make(chan struct{}),
		answer: ans.Marshal(sdpOwner, uint64(time.Now().UnixNano()), 1), relay: relay,
		trunkRTP: trunkRTP, farRTP: offer.Addr, farReady: true, codec: codec, secure: ans.Secure,
		local: t.Addr(), callID: in.CallID(), state: "STATE_RECD_INVITE (2)", sdp: ans, version: 1}
	if peer.NTE {
		ts.ntePT = offer.DTMF
	}
	if in.Transport == "tls" {
		ts.local = t.TLSAddr()
	}
	x.mu.Lock()
	m := matchNumber(x.cfg.DNs, called)
	if m.tag == 0 || m.partial {
		x.mu.Unlock()
		relay.Close()
		cancel()
		refuse(404, "Not Found", "no ephone-dn has the number")
		return
	}
	c := &call{id: x.newRef(), started: x.now(), callingNum: sipNumber(in.From), calledNum: called, trunk: ts}
	d := x.cfg.DNs[m.tag]
	c.calledName = d.Name
	c.hunt = m.hunt
	x.offer(c, m.tag)
	x.mu.Unlock()
	// Wait for the final answer, or the far end's CANCEL.
	select {
	case <-ts.final:
	case <-in.Pending():
		x.mu.Lock()
		if c.callee == nil && len(c.alerting) > 0 {
			x.stopAlerting(c, nil)
			ts.cancel()
			relay.Close()
		}
		x.mu.Unlock()
		return
	}
	if !ts.accepted {
		return
	}
	go func() {
		select {
		case <-in.Done():
			x.trunkEnded(c)
		case <-ts.ctx.Done():
		}
	}()
}

// sipNumber keeps a peer-supplied calling number to what a phone shows:
// digits, *, #, + and at most 24 of them.
func sipNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 24 {
			break
		}
		if r >= '0' && r <= '9' || r == '*' || r == '#' || r == '+' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// trunkAnswer connects an inbound trunk call that phone leg l answered
// (x.mu held): the INVITE gets its 200, the phone's channel opens.
func (x *exchange) trunkAnswer(c *call, l *leg) {
	ts := c.trunk
	ts.state = "STATE_ACTIVE (7)"
	ts.phoneSide = advertise(ts.relay.Local(0), l.ph.ip)
	ts.accept()
	ml := x.phoneKeys(l, ts)
	if ts.secure && ml.SecurityStatus != sccp.CallSecurityStatusEncrypted && encrypted(x.endpoint(l)) {
		ml.SecurityStatus = sccp.CallSecurityStatusEncrypted
	}
	c.media = &callMedia{plan: MediaPlan{A: ml, B: ml, Release: ts.relay.Close}}
	x.nextParty++
	l.media = legMedia{party: x.nextParty, rxOpen: true, leg: ml}
	l.ph.sigOpenReceive(l)
}

// trunkDigit sends a digit the phone keyed during a connected trunk call
// to the far end as an RFC 4733 event (x.mu held).
func (x *exchange) trunkDigit(c *call, digit byte) {
	ts := c.trunk
	if !ts.farReady || ts.ntePT == 0 {
		return
	}
	ev := strings.IndexByte("0123456789*#ABCD", digit)
	if ev < 0 {
		return
	}
	go ts.relay.SendEvent(1, uint8(ev), ts.ntePT)
}

// sdpOwner is the o= user name of the box's session descriptions.
const sdpOwner = "CiscoSystemsSIP-GW-UserAgent"

// trunkHold puts the phone's side of a connected trunk call on hold (x.mu
// held): the phone's channels close (the relay stays), and the far end
// gets a re-INVITE with a=sendonly.
func (x *exchange) trunkHold(c *call, l *leg) {
	if l.media.rxOpen {
		l.ph.sigCloseReceive(l)
	}
	if l.media.txOn {
		l.ph.sigStopTransmit(l)
	}
	l.media = legMedia{}
	l.state = legHold
	l.ph.sigHold(l)
	x.trunkReoffer(c, "sendonly")
}

// trunkResume takes a held trunk call back (x.mu held): the phone's
// channel reopens with its keys, the far end gets a sendrecv re-INVITE.
func (x *exchange) trunkResume(c *call, l *leg) {
	if c.media == nil {
		return
	}
	x.nextParty++
	l.media = legMedia{party: x.nextParty, rxOpen: true, leg: c.media.plan.A}
	l.ph.sigOpenReceive(l)
	x.trunkReoffer(c, "")
}

// trunkReoffer sends the box's SDP again with direction dir (x.mu held).
func (x *exchange) trunkReoffer(c *call, dir string) {
	ts := c.trunk
	if !ts.farReady {
		return
	}
	m := ts.sdp
	m.Dir = dir
	ts.version++
	body := m.Marshal(sdpOwner, uint64(c.id), ts.version)
	out, in, answered := ts.out, ts.in, ts.accepted
	send := func() {
		ctx, cancel := context.WithTimeout(ts.ctx, 10*time.Second)
		defer cancel()
		var err error
		if out != nil {
			_, err = out.ReInvite(ctx, body)
		} else if in != nil && answered {
			_, err = in.ReInvite(ctx, body)
		}
		if err != nil && ts.ctx.Err() == nil {
			x.log.Logf(logging.Notifications, "DIALPEER", "REINVITE_FAILED", "Call %d on dial-peer voice %d: re-INVITE (%s) failed: %v.",
				c.id, ts.peer.Tag, map[string]string{"": "resume", "sendonly": "hold"}[dir], err)
		}
	}
	// One re-INVITE at a time, in the order the phone asked (hold, then
	// resume): a worker per call takes them from a queue.
	if ts.reoffers == nil {
		ts.reoffers = make(chan func(), 8)
		go func() {
			for {
				select {
				case f := <-ts.reoffers:
					f()
				case <-ts.ctx.Done():
					return
				}
			}
		}()
	}
	select {
	case ts.reoffers <- send:
	default:
		x.log.Logf(logging.Notifications, "DIALPEER", "REINVITE_FAILED", "Call %d on dial-peer voice %d: too many re-INVITEs pending.", c.id, ts.peer.Tag)
	}
}

// trunkReInvite answers the far end's INVITE within a call (its hold,
// resume or new media address): the relay follows the new address (and
// key), the phone shows remote hold while the far end does not send.
func (x *exchange) trunkReInvite(callID string, body []byte) ([]byte, bool) {
	offer, err := sip.Parse(body)
	if err != nil {
		return nil, false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var c *call
	var pl *leg
	for _, p := range x.phones {
		for _, l := range p.legs {
			if l.call != nil && l.call.trunk != nil && l.call.trunk.callID == callID && (l == l.call.caller || l == l.call.callee) {
				c, pl = l.call, l
			}
		}
	}
	if c == nil || !c.trunk.farReady || offer.Secure != c.trunk.secure {
		return nil, false // no such call, or a change of security: refused
	}
	ts := c.trunk
	if !sip.HasCodec(offer.Codecs, ts.codec) {
		return nil, false
	}
	farKey, ourKey := ts.relay.Keys(1)
	if offer.Secure {
		if len(offer.Crypto) == 0 {
			return nil, false
		}
		farKey = offer.Crypto[0].Key
	}
	if err := ts.relay.Start(1, offer.Addr, farKey, ourKey); err != nil {
		return nil, false
	}
	ts.farRTP = offer.Addr
	held := offer.Dir == "sendonly" || offer.Dir == "inactive" || offer.Addr.Addr().IsUnspecified()
	if held != pl.remoteHold {
		pl.remoteHold = held
		pl.ph.sigRemoteHold(pl, held)
	}
	ans := ts.sdp
	switch offer.Dir {
	case "sendonly":
		ans.Dir = "recvonly"
	case "inactive":
		ans.Dir = "inactive"
	default:
		ans.Dir = ""
	}
	ts.version++
	return ans.Marshal(sdpOwner, uint64(c.id), ts.version), true
}
