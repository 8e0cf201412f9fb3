package ephone

import (
	"crypto/x509"
	"net"
	"net/netip"
	"strings"

	"cmeos/crypto/srtp"
	"cmeos/ios/logging"
	"cmeos/telephony/sccp"
)

// SRTP keys and transcoders (issue 13). The exchange's media planner is
// securePlan: it starts from DirectMedia and
//
//   - when both phones are in device-security-mode encrypted and came in
//     over TLS, draws a fresh SRTP master key and salt per direction
//     (crypto/srtp) and puts them in the phones' key blocks: what A
//     encrypts with (its StartMediaTransmission) is what B decrypts with
//     (its OpenReceiveChannel), and the reverse; CallInfo reports 3
//     (encrypted). An encrypted phone with a non-secure one connects
//     without keys (seed 004: the call is not secure and CallInfo says so);
//   - when the phones share no codec, or either has `codec ...
//     dspfarm-assist`, puts a transcoder between them: a DSP farm that
//     registered under a `sdspfarm tag N NAME` name. Each phone then talks
//     to its own leg of the farm, in its own codec and, for a secure call
//     through a farm registered over TLS, with its own pair of keys: the
//     farm gets each leg's keys in its OpenReceiveChannel /
//     StartMediaTransmission. A secure call without a secure farm
//     connects non-secure (as the seed's "without SRTP DSP-farm
//     capability" rule says); without any farm, phones that share no
//     codec get no media (the exchange logs why).

// xcoder is a registered DSP farm (media resource) used as a transcoder.
type xcoder struct {
	x      *exchange
	st     station
	name   string
	secure bool // registered over TLS
	caps   []uint32
	max    int // sessions it offers (MaxStreams / 2)
	socket int // connection number, as phones have (show sdspfarm units)
	// sessions in use by conference ID.
	sessions map[uint32]*xsession
	closed   bool
}

// xsession is one transcoding session on a farm: two legs, one per phone.
type xsession struct {
	xc    *xcoder
	conf  uint32
	party [2]uint32
	codec [2]uint32
	rxKey [2]sccp.MediaEncryptionKeyInfo // what the farm decrypts (the phone's tx key)
	txKey [2]sccp.MediaEncryptionKeyInfo // what the farm encrypts with (the phone's rx key)
	addr  [2]netip.AddrPort              // the farm's receive address per leg, once acked
	acked [2]bool
	// join is waiting for both acks: the phones' receive addresses and the
	// continuation to call.
	pending  bool
	phoneRx  [2]netip.AddrPort
	done     func(aSend, bSend netip.AddrPort, err error)
	released bool
}

// registerXcoder admits a DSP farm registration (x.mu held). It returns
// false when name is not a configured sdspfarm tag.
func (x *exchange) registerXcoder(st station, reg *sccp.Register, secure bool) (*xcoder, bool) {
	if _, ok := x.cfg.Xcoders[strings.ToLower(reg.DeviceName)]; !ok {
		return nil, false
	}
	if old := x.xcoders[strings.ToLower(reg.DeviceName)]; old != nil {
		x.dropXcoderLocked(old)
		old.st.Close()
	}
	if x.cfg.XcodeUnits >= 0 && len(x.xcoders) >= x.cfg.XcodeUnits {
		x.log.Logf(logging.Warnings, "SDSPFARM", "MAX_UNITS", "%s refused: sdspfarm units %d registered already.",
			sanitize(reg.DeviceName), x.cfg.XcodeUnits)
		return nil, false
	}
	max := int(reg.MaxStreams / 2)
	if max <= 0 {
		max = 1
	}
	if x.cfg.XcodeSessions > 0 && max > x.cfg.XcodeSessions {
		max = x.cfg.XcodeSessions
	}
	x.nextSocket++
	xc := &xcoder{x: x, st: st, name: reg.DeviceName, secure: secure, max: max, socket: x.nextSocket, sessions: map[uint32]*xsession{}}
	if x.xcoders == nil {
		x.xcoders = map[string]*xcoder{}
	}
	x.xcoders[strings.ToLower(reg.DeviceName)] = xc
	ip := ""
	if a, ok := st.RemoteAddr().(*net.TCPAddr); ok {
		ip = a.IP.String()
	}
	x.log.Logf(logging.Informational, "SDSPFARM", "REGISTER", "%s IP:%s has registered (%d transcoding sessions%s).",
		sanitize(reg.DeviceName), ip, max, map[bool]string{true: ", secure", false: ""}[secure])
	st.Send(&sccp.CapabilitiesReq{})
	return xc, true
}

// Handle receives the farm's messages.
func (xc *xcoder) Handle(m sccp.Message) {
	x := xc.x
	x.mu.Lock()
	defer x.mu.Unlock()
	if xc.closed {
		return
	}
	switch m := m.(type) {
	case *sccp.CapabilitiesRes:
		xc.caps = xc.caps[:0]
		for _, c := range m.Caps {
			xc.caps = append(xc.caps, c.PayloadCapability)
		}
	case *sccp.OpenReceiveChannelAck:
		xc.ack(m)
	}
}

// Closed drops the farm: its calls lose their transcoder (their media
// stops; call control clears them as a vanished far end would be).
func (xc *xcoder) Closed(error) {
	x := xc.x
	x.mu.Lock()
	defer x.mu.Unlock()
	x.dropXcoderLocked(xc)
}

func (x *exchange) dropXcoderLocked(xc *xcoder) {
	if xc.closed {
		return
	}
	xc.closed = true
	if x.xcoders[strings.ToLower(xc.name)] == xc {
		delete(x.xcoders, strings.ToLower(xc.name))
	}
	for _, s := range xc.sessions {
		if s.pending && s.done != nil {
			s.pending = false
			s.done(netip.AddrPort{}, netip.AddrPort{}, errXcoderGone)
		}
	}
	xc.sessions = map[uint32]*xsession{}
	x.log.Logf(logging.Informational, "SDSPFARM", "UNREGISTER", "%s has unregistered.", sanitize(xc.name))
	// Calls whose media went through the farm: their phones stop sending
	// into nothing, and the media is planned again (another farm, if one
	// can take the call; none: the call stays up without media).
	var lost []*call
	for _, p := range x.phones {
		for _, l := range p.legs {
			if c := l.call; c != nil && c.caller == l && c.media != nil && c.media.plan.Transcoder == xc.name {
				lost = append(lost, c)
			}
		}
	}
	for _, c := range lost {
		x.stopMedia(c)
		x.startMedia(c)
		how := "media restored through another transcoder"
		if c.media == nil {
			how = "no media until a transcoder is back"
		}
		x.log.Logf(logging.Warnings, "SDSPFARM", "XCODER_LOST", "Call %d between %s and %s lost transcoder %s: %s.",
			c.id, c.caller.ph.name, c.callee.ph.name, sanitize(xc.name), how)
	}
}

type xcodeError string

func (e xcodeError) Error() string { return string(e) }

const (
	errXcoderGone = xcodeError("transcoder unregistered")
	errNoXcoder   = xcodeError("no transcoder available")
)

func (xc *xcoder) supports(c uint32) bool {
	for _, v := range xc.caps {
		if v == c {
			return true
		}
	}
	return false
}

// ack records the farm's receive address for one leg; when both are in
// and the phones are waiting, the session starts.
func (xc *xcoder) ack(m *sccp.OpenReceiveChannelAck) {
	for _, s := range xc.sessions {
		for i := 0; i < 2; i++ {
			if s.party[i] != m.PassThruPartyID || s.acked[i] {
				continue
			}
			if m.Status != sccp.MediaStatusOK {
				xc.x.log.Logf(logging.Warnings, "SDSPFARM", "SESSION_FAILED", "%s refused a transcoding leg (status %d)", sanitize(xc.name), m.Status)
				if s.pending && s.done != nil {
					s.pending = false
					s.done(netip.AddrPort{}, netip.AddrPort{}, xcodeError("transcoder refused the session"))
				}
				return
			}
			s.acked[i], s.addr[i] = true, netip.AddrPortFrom(m.IP.Unmap(), uint16(m.Port))
			s.tryStart()
			return
		}
	}
}

// open asks the farm for both legs (ORC with each leg's keys).
func (s *xsession) open() {
	for i := 0; i < 2; i++ {
		s.xc.st.Send(&sccp.OpenReceiveChannel{ConferenceID: s.conf, PassThruPartyID: s.party[i], MillisecondPacketSize: 20,
			CompressionType: s.codec[i], KeyInfo: s.rxKey[i], CallRef: s.conf})
	}
}

// join is the plan's JoinAsync: the phones' receive addresses are known;
// the farm sends to them once both its legs are open.
func (s *xsession) join(aRx, bRx netip.AddrPort, done func(aSend, bSend netip.AddrPort, err error)) {
	if s.xc.closed {
		done(netip.AddrPort{}, netip.AddrPort{}, errXcoderGone)
		return
	}
	s.pending, s.phoneRx, s.done = true, [2]netip.AddrPort{aRx, bRx}, done
	s.tryStart()
}

func (s *xsession) tryStart() {
	if !s.pending || !s.acked[0] || !s.acked[1] || s.released {
		return
	}
	s.pending = false
	for i := 0; i < 2; i++ {
		s.xc.st.Send(&sccp.StartMediaTransmission{ConferenceID: s.conf, PassThruPartyID: s.party[i],
			RemoteIP: s.phoneRx[i].Addr(), RemotePort: uint32(s.phoneRx[i].Port()), MillisecondPacketSize: 20,
			CompressionType: s.codec[i], KeyInfo: s.txKey[i], CallRef: s.conf,
			Qualifier: sccp.TxQualifier{Precedence: 184, MaxFramesPerPacket: 1}})
	}
	s.done(s.addr[0], s.addr[1], nil)
}

// release closes both legs on the farm and frees the session.
func (s *xsession) release() {
	if s.released {
		return
	}
	s.released = true
	if s.xc.closed {
		return
	}
	for i := 0; i < 2; i++ {
		s.xc.st.Send(&sccp.CloseReceiveChannel{ConferenceID: s.conf, PassThruPartyID: s.party[i], CallRef: s.conf})
		s.xc.st.Send(&sccp.StopMediaTransmission{ConferenceID: s.conf, PassThruPartyID: s.party[i], CallRef: s.conf})
	}
	delete(s.xc.sessions, s.conf)
}

// keyPair draws the two keys of one direction-pair; the zero blocks when
// keying fails (the call then connects without SRTP, and says so).
func keyBlock(k srtp.Key) sccp.MediaEncryptionKeyInfo {
	var b sccp.MediaEncryptionKeyInfo
	if !k.Enabled() {
		return b
	}
	b.Algorithm = uint32(k.Suite)
	key, salt := k.MasterKey(), k.MasterSalt()
	b.KeyLen, b.SaltLen = uint16(len(key)), uint16(len(salt))
	copy(b.Key[:], key)
	copy(b.Salt[:], salt)
	return b
}

func newKeyBlock() (sccp.MediaEncryptionKeyInfo, bool) {
	k, err := srtp.NewKey(srtp.Default)
	if err != nil {
		return sccp.MediaEncryptionKeyInfo{}, false
	}
	return keyBlock(k), true
}

func encrypted(e MediaEndpoint) bool { return e.Mode == ModeEncrypted && e.Secure }

// securePlan is the exchange's planner (x.mu held): keys for encrypted
// pairs and a transcoder where codecs or dspfarm-assist call for one.
func (x *exchange) securePlan(a, b MediaEndpoint) (MediaPlan, error) {
	direct, err := DirectMedia(a, b)
	needX := err != nil || a.DSPFarmAssist || b.DSPFarmAssist
	secure := encrypted(a) && encrypted(b)
	if !needX {
		if secure {
			ka, ok1 := newKeyBlock()
			kb, ok2 := newKeyBlock()
			if ok1 && ok2 {
				direct.A.TxKey, direct.B.RxKey = ka, ka
				direct.B.TxKey, direct.A.RxKey = kb, kb
				direct.A.SecurityStatus, direct.B.SecurityStatus = sccp.CallSecurityStatusEncrypted, sccp.CallSecurityStatusEncrypted
			}
		}
		return direct, nil
	}
	plan, xerr := x.transcodePlan(a, b, secure)
	if xerr == nil {
		return plan, nil
	}
	if err == nil {
		x.log.Logf(logging.Notifications, "SDSPFARM", "NO_XCODER", "call between %s and %s connects without transcoder: %v", a.Device, b.Device, xerr)
		return direct, nil // dspfarm-assist without a farm: direct media
	}
	return MediaPlan{}, xerr
}

// transcodePlan reserves a farm session for a call.
func (x *exchange) transcodePlan(a, b MediaEndpoint, secure bool) (MediaPlan, error) {
	pick := func(e MediaEndpoint, xc *xcoder) (uint32, bool) {
		caps := e.Codecs
		if len(caps) == 0 {
			caps = []uint32{CodecG711Ulaw}
		}
		if e.Preferred != 0 && xc.supports(e.Preferred) && containsU32(caps, e.Preferred) {
			return e.Preferred, true
		}
		for _, c := range caps {
			if xc.supports(c) {
				return c, true
			}
		}
		return 0, false
	}
	var best *xcoder
	var ca, cb uint32
	for _, xc := range x.xcoders {
		if xc.closed || len(xc.sessions) >= xc.max || (secure && !xc.secure) {
			continue
		}
		c1, ok1 := pick(a, xc)
		c2, ok2 := pick(b, xc)
		if ok1 && ok2 && (best == nil || xc.name < best.name) {
			best, ca, cb = xc, c1, c2
		}
	}
	if best == nil && secure {
		// No secure farm: the call goes through a non-secure one without
		// keys (seed 004: no SRTP DSP-farm capability, no secure call).
		plan, err := x.transcodePlan(a, b, false)
		return plan, err
	}
	if best == nil {
		return MediaPlan{}, errNoXcoder
	}
	x.nextParty++
	conf := 0x2000000 + x.nextParty
	s := &xsession{xc: best, conf: conf, codec: [2]uint32{ca, cb}}
	x.nextParty++
	s.party[0] = 0x2000000 + x.nextParty
	x.nextParty++
	s.party[1] = 0x2000000 + x.nextParty
	legA := MediaLeg{Codec: ca, PacketMS: 20, SecurityStatus: 1}
	legB := MediaLeg{Codec: cb, PacketMS: 20, SecurityStatus: 1}
	if a.Secure && b.Secure {
		legA.SecurityStatus, legB.SecurityStatus = sccp.CallSecurityStatusAuthenticated, sccp.CallSecurityStatusAuthenticated
	}
	if secure && best.secure {
		var keys [4]sccp.MediaEncryptionKeyInfo
		for i := range keys {
			k, ok := newKeyBlock()
			if !ok {
				return MediaPlan{}, xcodeError("no SRTP keys")
			}
			keys[i] = k
		}
		// Leg A: the phone encrypts with keys[0] (the farm decrypts with it)
		// and decrypts keys[1] (the farm encrypts with it); leg B likewise.
		legA.TxKey, legA.RxKey = keys[0], keys[1]
		legB.TxKey, legB.RxKey = keys[2], keys[3]
		s.rxKey = [2]sccp.MediaEncryptionKeyInfo{keys[0], keys[2]}
		s.txKey = [2]sccp.MediaEncryptionKeyInfo{keys[1], keys[3]}
		legA.SecurityStatus, legB.SecurityStatus = sccp.CallSecurityStatusEncrypted, sccp.CallSecurityStatusEncrypted
	}
	best.sessions[conf] = s
	s.open()
	return MediaPlan{A: legA, B: legB, JoinAsync: s.join, Release: s.release, Transcoder: best.name}, nil
}

// xcoderAdmit is called by Register before the phone policy: a device
// whose name is a configured sdspfarm tag registers as a transcoder.
func (x *exchange) xcoderAdmit(st *sccp.Station, reg *sccp.Register, _ *x509.Certificate, secure bool) (sccp.Device, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	xc, ok := x.registerXcoder(st, reg, secure)
	if !ok {
		return nil, false
	}
	return xc, true
}
