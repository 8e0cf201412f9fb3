package ephone

import (
	"errors"
	"net/netip"
	"strings"

	"cmeos/ios/logging"
	"cmeos/telephony/sccp"
)

// Media: when both sides of a call are connected and neither holds it,
// the exchange asks the MediaPlanner how to join the two phones, sends
// each an OpenReceiveChannel, and once both acknowledged with their RTP
// address, asks the plan where each must send (Join) and sends the
// StartMediaTransmissions. The default plan is direct RTP between the
// phones with no keys; issue 13 wraps it to fill the SRTP key blocks of
// encrypted legs and to put a DSP-farm transcoder between the phones.

// Payload capabilities (protocols.md §6.6.2) the exchange chooses from.
const (
	CodecG711Alaw = 2
	CodecG711Ulaw = 4
	CodecG722     = 6
	CodecG729     = 11
	CodecG729A    = 12
)

var codecByName = map[string]uint32{"g711ulaw": CodecG711Ulaw, "g711alaw": CodecG711Alaw, "g722r64": CodecG722, "g729r8": CodecG729}

// CodecName is the show-command spelling of a payload capability.
func CodecName(c uint32) string {
	switch c {
	case CodecG711Ulaw:
		return "G711Ulaw64k"
	case CodecG711Alaw:
		return "G711Alaw64k"
	case CodecG722:
		return "G722_64k"
	case CodecG729, CodecG729A:
		return "G729"
	}
	return "unknown"
}

// MediaEndpoint is one phone's end of a call as the media plan sees it.
type MediaEndpoint struct {
	Device        string       // SEP<MAC>
	Tag           int          // ephone tag
	Mode          SecurityMode // effective device-security-mode
	Secure        bool         // registered over TLS
	Codecs        []uint32     // payload capabilities from CapabilitiesRes, phone's order
	Preferred     uint32       // the ephone's (or telephony-service) `codec`, 0 if none
	DSPFarmAssist bool         // `codec ... dspfarm-assist`
}

// MediaLeg is what one phone is told about its channel.
type MediaLeg struct {
	Codec    uint32                      // payload capability
	PacketMS uint32                      // millisecondPacketSize
	RxKey    sccp.MediaEncryptionKeyInfo // what the phone decrypts with (OpenReceiveChannel)
	TxKey    sccp.MediaEncryptionKeyInfo // what it encrypts with (StartMediaTransmission)
	// SecurityStatus is CallInfo's callSecurityStatus (§6.6.9): 1 not
	// authenticated, 2 authenticated, 3 encrypted.
	SecurityStatus uint32
}

// MediaPlan joins two phones. A and B follow the order of the endpoints
// given to the planner.
type MediaPlan struct {
	A, B MediaLeg
	// Join is called once both phones have opened their receive channels,
	// with the address each receives on; it returns where each must send.
	// Nil means direct RTP: each sends to the other.
	Join func(aRecv, bRecv netip.AddrPort) (aSend, bSend netip.AddrPort, err error)
	// JoinAsync, when set, replaces Join for plans that must wait for
	// someone else (a transcoder's receive addresses): it is called with
	// the exchange's lock held and calls done, also with the lock held,
	// now or later, with where each phone must send.
	JoinAsync func(aRecv, bRecv netip.AddrPort, done func(aSend, bSend netip.AddrPort, err error))
	// Release frees what the plan holds (transcoder sessions); may be nil.
	Release func()
	// Transcoder names the DSP farm in the path ("" direct media).
	Transcoder string
}

// MediaPlanner makes the plan for a call's media.
type MediaPlanner func(a, b MediaEndpoint) (MediaPlan, error)

// ErrNoCommonCodec is returned when two phones share no codec (and no
// transcoder is available).
var ErrNoCommonCodec = errors.New("no common codec")

// DirectMedia is the default plan: direct RTP between the phones with the
// best codec both support, no keys. A caller that knows better (SRTP keys,
// transcoding) wraps it.
func DirectMedia(a, b MediaEndpoint) (MediaPlan, error) {
	codec, ok := chooseCodec(a, b)
	if !ok {
		return MediaPlan{}, ErrNoCommonCodec
	}
	st := func(e MediaEndpoint) uint32 {
		if e.Secure {
			return 2
		}
		return 1
	}
	sec := min(st(a), st(b))
	leg := MediaLeg{Codec: codec, PacketMS: 20, SecurityStatus: sec}
	return MediaPlan{A: leg, B: leg}, nil
}

// chooseCodec picks the codec for two ends: a `codec` setting both
// accept wins, then G.711 mu-law, then the first capability of a that b
// shares. Phones that sent no capabilities are taken to do G.711 mu-law.
func chooseCodec(a, b MediaEndpoint) (uint32, bool) {
	caps := func(e MediaEndpoint) []uint32 {
		if len(e.Codecs) == 0 {
			return []uint32{CodecG711Ulaw}
		}
		return e.Codecs
	}
	ca, cb := caps(a), caps(b)
	has := func(s []uint32, c uint32) bool {
		for _, v := range s {
			if v == c || (c == CodecG729 && v == CodecG729A) {
				return true
			}
		}
		return false
	}
	for _, p := range []uint32{a.Preferred, b.Preferred} {
		if p != 0 && has(ca, p) && has(cb, p) {
			return p, true
		}
	}
	if has(ca, CodecG711Ulaw) && has(cb, CodecG711Ulaw) {
		return CodecG711Ulaw, true
	}
	for _, c := range ca {
		if has(cb, c) {
			return c, true
		}
	}
	return 0, false
}

// legMedia is one leg's channel state.
type legMedia struct {
	party    uint32 // passThruPartyID
	rxOpen   bool   // OpenReceiveChannel sent
	rxAddr   netip.AddrPort
	acked    bool // OpenReceiveChannelAck with status 0
	txOn     bool // StartMediaTransmission sent
	txTarget netip.AddrPort
	leg      MediaLeg
}

// callMedia is the media of one call.
type callMedia struct {
	plan MediaPlan
}

// endpoint describes a leg's phone for the planner.
func (x *exchange) endpoint(l *leg) MediaEndpoint {
	p := l.ph
	e := MediaEndpoint{Device: p.name, Tag: p.tag, Mode: p.mode, Secure: p.secure, Codecs: p.caps}
	if ep, ok := x.cfg.Ephones[p.tag]; ok {
		e.Preferred = codecByName[ep.Codec]
		e.DSPFarmAssist = ep.DSPFarmAssist
	}
	if e.Preferred == 0 {
		e.Preferred = codecByName[strings.TrimPrefix(x.cfg.Codec, "codec ")]
	}
	return e
}

// startMedia opens the receive channels of both legs of a connected call.
func (x *exchange) startMedia(c *call) {
	a, b := c.caller, c.callee
	if a == nil || b == nil || a.state != legConnected || b.state != legConnected || c.media != nil {
		return
	}
	plan, err := x.planner(x.endpoint(a), x.endpoint(b))
	if err != nil {
		x.debugf(a.ph, "state", "media plan for call %d failed: %v", c.id, err)
		// The administrator sees why a connected call is silent: the
		// phones share no codec and no transcoder could take it.
		x.log.Logf(logging.Notifications, "IPPHONE", "NO_MEDIA", "Call %d between %s and %s has no media: %v.", c.id, a.ph.name, b.ph.name, err)
		return
	}
	c.media = &callMedia{plan: plan}
	for i, l := range []*leg{a, b} {
		ml := plan.A
		if i == 1 {
			ml = plan.B
		}
		x.nextParty++
		l.media = legMedia{party: x.nextParty, rxOpen: true, leg: ml}
		l.ph.sigOpenReceive(l)
	}
}

// receiveAck records an OpenReceiveChannelAck; when both legs have one,
// the transmissions start.
func (x *exchange) receiveAck(p *phone, party uint32, addr netip.AddrPort, status uint32) {
	var l *leg
	for _, o := range p.legs {
		if o.media.party == party && o.media.rxOpen {
			l = o
		}
	}
	if l == nil || l.call == nil || l.call.media == nil {
		return // a late ack for a channel already closed
	}
	if status != 0 {
		x.debugf(p, "state", "OpenReceiveChannel failed with status %d", status)
		p.sigCloseReceive(l)
		l.media.rxOpen = false
		return
	}
	l.media.acked, l.media.rxAddr = true, addr
	c := l.call
	if c.trunk != nil {
		x.trunkReceiveReady(c, l)
		return
	}
	a, b := c.caller, c.callee
	if a == nil || b == nil || !a.media.acked || !b.media.acked || a.media.txOn || b.media.txOn {
		return
	}
	if c.media.plan.JoinAsync != nil {
		cm := c.media
		c.media.plan.JoinAsync(a.media.rxAddr, b.media.rxAddr, func(aSend, bSend netip.AddrPort, err error) {
			if c.media != cm || c.caller != a || c.callee != b {
				return // the call moved on while the transcoder answered
			}
			if err != nil {
				x.debugf(p, "state", "media join for call %d failed: %v", c.id, err)
				return
			}
			x.transmit(a, b, aSend, bSend)
		})
		return
	}
	aSend, bSend := b.media.rxAddr, a.media.rxAddr
	if c.media.plan.Join != nil {
		var err error
		if aSend, bSend, err = c.media.plan.Join(a.media.rxAddr, b.media.rxAddr); err != nil {
			x.debugf(p, "state", "media join for call %d failed: %v", c.id, err)
			return
		}
	}
	x.transmit(a, b, aSend, bSend)
}

// transmit starts both phones' transmissions.
func (x *exchange) transmit(a, b *leg, aSend, bSend netip.AddrPort) {
	if a.media.txOn || b.media.txOn {
		return
	}
	a.media.txOn, a.media.txTarget = true, aSend
	b.media.txOn, b.media.txTarget = true, bSend
	a.ph.sigStartTransmit(a)
	b.ph.sigStartTransmit(b)
}

// stopMedia closes the channels of both legs.
func (x *exchange) stopMedia(c *call) {
	if c == nil || c.media == nil {
		return
	}
	for _, l := range []*leg{c.caller, c.callee} {
		if l == nil {
			continue
		}
		if l.media.rxOpen {
			l.ph.sigCloseReceive(l)
		}
		if l.media.txOn {
			l.ph.sigStopTransmit(l)
		}
		l.media = legMedia{}
	}
	if c.media.plan.Release != nil {
		c.media.plan.Release()
	}
	c.media = nil
}

// SetMediaPlanner makes p plan the media of calls connected from now on
// (nil: DirectMedia). The SRTP key provider and the DSP farm of issue 13
// plug in here, typically wrapping DirectMedia: fill MediaLeg.RxKey/TxKey
// for encrypted endpoints (Mode == ModeEncrypted), or return a Join that
// points each phone at a transcoder port.
func (f *Feature) SetMediaPlanner(p MediaPlanner) {
	if p == nil {
		p = DirectMedia
	}
	f.x.mu.Lock()
	f.x.planner = p
	f.x.mu.Unlock()
}
