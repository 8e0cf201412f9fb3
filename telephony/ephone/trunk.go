package ephone

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"cmeos/ios/logging"
	"cmeos/telephony/sip"
)

// SIP trunk calls (issue 14): a number the dial plan routes to a `session
// protocol sipv2` dial-peer becomes an outbound INVITE. The phone's side
// is an ordinary leg; the far end has no leg of its own (call.trunk). The
// phone's receive channel is opened first so that the INVITE's SDP offer
// carries its RTP address: media flows directly between the phone and the
// far end, G.711 mu-law, RTP (SRTP on the trunk needs the media relay and
// is not built: `srtp` dial-peers are refused, `srtp fallback` ones
// connect in RTP).

// TrunkFunc is the dial plan's answer for a SIP dial-peer: its target and
// srtp setting (ok false: not a SIP peer this box can call).
type TrunkFunc func(tag int) (target netip.AddrPort, srtp string, ok bool)

// trunkSide is the far end of a trunk call.
type trunkSide struct {
	peer    int
	target  netip.AddrPort
	number  string
	ctx     context.Context
	cancel  context.CancelFunc
	invited bool
	out     *sip.OutCall
	// for show sip-ua calls
	local, phoneRTP, farRTP netip.AddrPort
	state                   string
}

// end releases the far end: cancels a pending INVITE, or sends BYE.
func (t *trunkSide) end() {
	t.cancel()
	if out := t.out; out != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out.Hangup(ctx)
		}()
	}
}

// sipTrunk is the exchange's user agent, opened on first use.
type sipTrunk struct {
	mu     sync.Mutex
	listen string // UDP address ("" : 0.0.0.0:5060)
	t      *sip.Trunk
}

func (s *sipTrunk) get() (*sip.Trunk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		return s.t, nil
	}
	addr := s.listen
	if addr == "" {
		addr = "0.0.0.0:5060"
	}
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	t, err := sip.NewTrunk(conn, "cmeos", nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	s.t = t
	return t, nil
}

func (s *sipTrunk) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		s.t.Close()
		s.t = nil
	}
}

// SetSIPListen makes the SIP trunk use addr (tests: 127.0.0.1:0).
func (f *Feature) SetSIPListen(addr string) {
	f.x.sip.mu.Lock()
	f.x.sip.listen = addr
	f.x.sip.mu.Unlock()
}

// dialTrunk places leg l's call on a SIP dial-peer (x.mu held).
func (x *exchange) dialTrunk(l *leg, peer int, target netip.AddrPort) {
	p := l.ph
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	c := &call{id: l.ref, caller: l, started: x.now(), calledNum: l.digits,
		trunk: &trunkSide{peer: peer, target: target, number: l.digits, ctx: ctx, cancel: cancel}}
	if d, ok := x.cfg.DNs[l.dn]; ok {
		c.callingNum, c.callingName = d.Number, d.Name
	}
	l.call = c
	p.sigProceed(l)
	// The receive channel first: its address goes into the offer.
	c.media = &callMedia{plan: MediaPlan{A: MediaLeg{Codec: CodecG711Ulaw, PacketMS: 20, SecurityStatus: sccpNotAuthenticated}}}
	x.nextParty++
	l.media = legMedia{party: x.nextParty, rxOpen: true, leg: c.media.plan.A}
	p.sigOpenReceive(l)
}

const sccpNotAuthenticated = 1

// trunkReceiveReady is receiveAck for a trunk call: the phone's address is
// known, the INVITE goes out (x.mu held).
func (x *exchange) trunkReceiveReady(c *call, l *leg) {
	if c.trunk.invited {
		return
	}
	c.trunk.invited = true
	go x.trunkInvite(c, l, l.media.rxAddr)
}

// trunkInvite runs the INVITE transaction without the exchange's lock.
func (x *exchange) trunkInvite(c *call, l *leg, phoneRTP netip.AddrPort) {
	ts := c.trunk
	fail := func(st legState, why string) {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.log.Logf(logging.Notifications, "DIALPEER", "CALL_FAILED", "Call from %s to %s (dial-peer voice %d) failed: %s.",
			l.ph.name, logging.Escape(ts.number), ts.peer, why)
		if l.call != c {
			return
		}
		x.stopMedia(c)
		x.fail(c, st)
	}
	t, err := x.sip.get()
	if err != nil {
		fail(legReorder, "SIP socket: "+err.Error())
		return
	}
	if phoneRTP.Addr().IsUnspecified() {
		phoneRTP = netip.AddrPortFrom(t.Addr().Addr(), phoneRTP.Port())
	}
	x.mu.Lock()
	ts.local, ts.phoneRTP, ts.state = t.Addr(), phoneRTP, "STATE_SENT_INVITE (1)"
	x.mu.Unlock()
	offer, err := sip.Offer(phoneRTP, []sip.Codec{sip.PCMU}, sip.SRTPOff)
	if err != nil {
		fail(legReorder, err.Error())
		return
	}
	out, err := t.Call(ts.ctx, ts.target, ts.number, offer.Marshal("cmeos", uint64(c.id), 1), func(status int) {
		x.mu.Lock()
		defer x.mu.Unlock()
		if l.call == c && l.state == legDialing {
			ts.state = "STATE_RECD_PROCEEDING (3)"
			l.state = legRingOut
			l.ph.sigRingOut(l)
		}
	})
	if err != nil {
		if ts.ctx.Err() != nil {
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
	codec := sip.Codec{}
	if err == nil {
		codec, _, err = sip.Accept(offer, ans, sip.SRTPOff)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if l.call != c {
		go out.Hangup(context.Background()) // the caller left meanwhile
		return
	}
	if err != nil || codec.PT != sip.PCMU.PT {
		go out.Hangup(context.Background())
		x.log.Logf(logging.Notifications, "DIALPEER", "CALL_FAILED", "Call from %s to %s (dial-peer voice %d) failed: answer: %v.",
			l.ph.name, logging.Escape(ts.number), ts.peer, errOr(err, "codec "+codec.Name))
		x.stopMedia(c)
		x.fail(c, legReorder)
		return
	}
	ts.out, ts.farRTP, ts.state = out, ans.Addr, "STATE_ACTIVE (7)"
	c.connected = x.now()
	l.state = legConnected
	l.ph.sigConnected(l)
	l.media.txOn, l.media.txTarget = true, ans.Addr
	l.ph.sigStartTransmit(l)
	go func() {
		select {
		case <-out.Done():
			x.trunkEnded(c, l)
		case <-ts.ctx.Done():
		}
	}()
}

func errOr(err error, s string) error {
	if err != nil {
		return err
	}
	return errors.New(s)
}

// trunkEnded: the far end hung up.
func (x *exchange) trunkEnded(c *call, l *leg) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if l.call != c {
		return
	}
	c.trunk.cancel()
	x.stopMedia(c)
	x.clearLeg(l)
	x.debugf(l.ph, "state", "call %d: the far end hung up", c.id)
}
