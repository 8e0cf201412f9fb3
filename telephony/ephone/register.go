package ephone

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cmeos/ios/logging"
	"cmeos/telephony/sccp"
	"cmeos/telephony/sip"
)

// The registration table and policy: the exchange is the SCCP server's
// Registrar. A phone registers when its MAC belongs to a configured
// ephone (or auto-registration allows it), its device type matches the
// ephone's `type`, it came in on the port its effective
// device-security-mode calls for (none: 2000; authenticated/encrypted:
// TLS 2443) and, over TLS, its client certificate names it.

// station is what the exchange needs of an SCCP connection
// (*sccp.Station): Send queues and never blocks call control.
type station interface {
	Send(m sccp.Message) error
	Close() error
	RemoteAddr() net.Addr
	ProtocolVersion() uint32
	KeepAlives() uint64
}

// exchangeConfig is the configuration call control works from: a copy of
// the telephony configuration taken by Reconcile.
type exchangeConfig struct {
	Snapshot
	TransferSystem string // blind | full-blind | full-consult | ... ("" default)
	Codec          string // telephony-service codec
	AutoAssign     [2]int // auto assign first to last
	// Xcoders are the DSP farm device names of `sdspfarm tag N NAME`
	// (lower case) and XcodeSessions `sdspfarm transcode sessions N`.
	Xcoders       map[string]int
	XcodeSessions int
	XcodeUnits    int // `sdspfarm units N`: farms allowed at once, when set (the tags alone bound them otherwise)
}

// exchange is the registration table and call control.
type exchange struct {
	log *logging.Logger
	now func() time.Time

	// mu guards everything below and every phone, line, leg and call.
	mu         sync.Mutex
	cfg        exchangeConfig
	phones     map[string]*phone // registered phones by 12 hex digit MAC
	nextRef    uint32
	nextParty  uint32
	nextSocket int
	interdigit time.Duration // 0: defaultInterdigit
	// dialPlan routes numbers that match no ephone-dn (the dial-peers of
	// telephony/dialplan, found by the feature); nil: none.
	dialPlan RouteFunc
	// trunkTarget tells a SIP dial-peer's settings, trunkInbound what to
	// do with an inbound call; sip is the trunk's user agent.
	trunkTarget  TrunkFunc
	trunkInbound InboundFunc
	sip          sipTrunk
	planner      MediaPlanner
	xcoders      map[string]*xcoder // registered DSP farms by lower-case name

	debug debugFlags
}

func newExchange(log *logging.Logger, now func() time.Time) *exchange {
	x := &exchange{log: log, now: now, phones: map[string]*phone{}, nextRef: 0x1000000}
	x.planner = x.securePlan
	x.sip.incoming, x.sip.reinvite = x.trunkIncoming, x.trunkReInvite
	return x
}

// phone is one registered phone.
type phone struct {
	x       *exchange
	st      station
	tag     int    // ephone tag
	mac     string // 12 upper-case hex digits
	name    string // SEP<MAC>
	dynamic bool   // auto-registered (no ephone block)

	devType     uint32
	model       string
	ip          netip.Addr
	phoneProto  uint32 // the phone's maximum protocol version
	proto       uint32 // negotiated
	maxStreams  uint32
	load        string // firmware load name (peer-supplied)
	secure      bool   // TLS
	mode        SecurityMode
	socket      int
	registered  time.Time
	caps        []uint32
	lines       []*line
	speedDials  []SpeedDial
	availLines  int
	legs        []*leg
	lastDialled string
	resetting   int // 1 reset, 2 restart sent
	closed      bool
}

// debugFlags are the `debug ephone` switches, read without locks.
type debugFlags struct {
	register, state, detail atomic.Bool
	mac                     atomic.Pointer[string] // only this phone (12 hex digits); nil: all
}

// modelTypes maps ephone `type` values to the Register device types they
// accept (protocols.md §6.6.1; 308/309 disagree between sources, so the GE
// models take either).
var modelTypes = map[string][]uint32{
	"7910": {sccp.DeviceStation7910}, "7960": {sccp.DeviceStation7960}, "7940": {sccp.DeviceStation7940},
	"7935": {sccp.DeviceStation7935}, "7941": {sccp.DeviceStation7941}, "7971": {sccp.DeviceStation7971},
	"7911": {sccp.DeviceStation7911}, "7941GE": {308, 309}, "7961GE": {308, 309},
	"7962": {sccp.DeviceStation7962}, "7942": {sccp.DeviceStation7942}, "7945": {sccp.DeviceStation7945},
	"7965": {sccp.DeviceStation7965}, "7975": {sccp.DeviceStation7975}, "7970": {sccp.DeviceStation7970},
	"7961": {sccp.DeviceStation7961}, "CIPC": {sccp.DeviceStationIPCommunicator},
	"8945": {sccp.DeviceStation8945}, "8941": {sccp.DeviceStation8941},
}

// modelOf names a device type for show commands.
func modelOf(t uint32) string {
	for m, ts := range modelTypes {
		for _, v := range ts {
			if v == t && m != "7941GE" {
				return m
			}
		}
	}
	return fmt.Sprintf("%d", t)
}

// Reject reasons (RegisterReject text, at most 31 characters).
const (
	rejectUnknown    = "Device Unknown"
	rejectName       = "Bad device name"
	rejectMax        = "Max ephones exceeded"
	rejectType       = "Device type mismatch"
	rejectNeedsTLS   = "Secure device: use TLS port"
	rejectNeedsPlain = "Non-secure device on TLS port"
	rejectCertName   = "Certificate names other device"
	rejectNotServing = "Server not ready"
)

// macFromName returns the 12 hex digits of a SEP<MAC> device name.
func macFromName(name string) (string, bool) {
	if len(name) != 15 || !strings.HasPrefix(strings.ToUpper(name), "SEP") {
		return "", false
	}
	mac := strings.ToUpper(name[3:])
	for _, c := range mac {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return "", false
		}
	}
	return mac, true
}

// certNames reports whether a client certificate names the device: an LSC
// has CN=SEP<MAC> (and the name as a SAN URI), a MIC CN=CP-<model>-SEP<MAC>
// (protocols.md §6.9).
func certNames(c *x509.Certificate, mac string) bool {
	if c == nil {
		return false
	}
	want := "SEP" + mac
	ok := func(s string) bool {
		s = strings.ToUpper(s)
		return s == want || (strings.HasPrefix(s, "CP-") && strings.HasSuffix(s, "-"+want))
	}
	if ok(c.Subject.CommonName) {
		return true
	}
	for _, u := range c.URIs {
		if ok(u.Opaque) || ok(u.Host) || ok(strings.TrimPrefix(u.String(), u.Scheme+":")) {
			return true
		}
	}
	return false
}

// admit applies the registration policy; it returns the ephone (tag 0 for
// a dynamic one) or a reject text. x.mu is held.
func (x *exchange) admit(reg *sccp.Register, peer *x509.Certificate, secure bool) (e Ephone, mode SecurityMode, reject string) {
	mac, ok := macFromName(reg.DeviceName)
	if !ok {
		return e, 0, rejectName
	}
	svc := &x.cfg.Service
	if !svc.Enabled {
		return e, 0, rejectNotServing
	}
	e, found := x.cfg.EphoneByMAC(mac)
	if !found {
		if svc.NoAutoReg {
			return e, 0, rejectUnknown
		}
		if g := EffectiveSecurity(svc, &Ephone{}); g != ModeNone {
			return e, 0, rejectUnknown // protocols.md §6.9: no auto-registration with security on
		}
		tag := x.freeTag()
		if tag == 0 {
			return e, 0, rejectMax
		}
		e = Ephone{Tag: tag, MAC: mac[0:4] + "." + mac[4:8] + "." + mac[8:12]}
	}
	if e.Type != "" {
		if ts, known := modelTypes[e.Type]; known && !containsU32(ts, reg.DeviceType) {
			return e, 0, rejectType
		}
	}
	mode = EffectiveSecurity(svc, &e)
	switch {
	case mode == ModeNone && secure:
		return e, mode, rejectNeedsPlain
	case mode != ModeNone && !secure:
		return e, mode, rejectNeedsTLS
	case secure && !certNames(peer, mac):
		return e, mode, rejectCertName
	}
	return e, mode, ""
}

// freeTag is the lowest ephone tag neither configured nor taken by an
// auto-registered phone, within max-ephones; 0 if none.
func (x *exchange) freeTag() int {
	max := x.cfg.Service.MaxEphones
	if max == 0 {
		max = 1000
	}
	used := map[int]bool{}
	for t := range x.cfg.Ephones {
		used[t] = true
	}
	for _, p := range x.phones {
		used[p.tag] = true
	}
	if len(used) >= max {
		return 0
	}
	for t := 1; t <= 1000; t++ {
		if !used[t] {
			return t
		}
	}
	return 0
}

func containsU32(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Register implements sccp.Registrar: the policy above, then the phone
// joins the table (replacing an older registration of the same MAC).
func (x *exchange) Register(st *sccp.Station, reg *sccp.Register, peer *x509.Certificate, secure bool) (sccp.Device, *sccp.RegisterReject) {
	if d, ok := x.xcoderAdmit(st, reg, peer, secure); ok {
		return d, nil
	}
	p, rej := x.register(st, reg, peer, secure)
	if rej != nil {
		return nil, rej // not a typed nil in the interface
	}
	return p, nil
}

func (x *exchange) register(st station, reg *sccp.Register, peer *x509.Certificate, secure bool) (*phone, *sccp.RegisterReject) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, mode, why := x.admit(reg, peer, secure)
	mac, _ := macFromName(reg.DeviceName)
	if why != "" {
		x.debugMAC(mac, "register", "%s registration refused: %s", sanitize(reg.DeviceName), why)
		return nil, &sccp.RegisterReject{Text: why}
	}
	if old := x.phones[mac]; old != nil {
		x.unregisterLocked(old, false)
		old.st.Close()
	}
	x.nextSocket++
	p := &phone{x: x, st: st, tag: e.Tag, mac: mac, name: "SEP" + mac, devType: reg.DeviceType, model: e.Type,
		ip: reg.StationIP, phoneProto: uint32(reg.ProtocolVersion), proto: st.ProtocolVersion(),
		maxStreams: reg.MaxStreams, load: reg.FirmwareLoadName, secure: secure, mode: mode,
		socket: x.nextSocket, registered: x.now()}
	if _, ok := x.cfg.Ephones[e.Tag]; !ok {
		p.dynamic = true
	}
	if p.model == "" {
		p.model = modelOf(reg.DeviceType)
	}
	if a, ok := st.RemoteAddr().(*net.TCPAddr); ok && (!p.ip.IsValid() || p.ip.IsUnspecified()) {
		p.ip, _ = netip.AddrFromSlice(a.IP)
		p.ip = p.ip.Unmap()
	}
	p.lines = linesOf(e.Buttons)
	p.availLines = len(p.lines)
	p.speedDials = e.SpeedDials
	x.phones[mac] = p
	x.log.Logf(logging.Informational, "IPPHONE", "REGISTER", "ephone-%d:%s IP:%s Socket:%d DeviceType:Phone has registered.",
		p.tag, p.name, p.ip, p.socket)
	x.debugf(p, "register", "Registered %s ephone-%d type %d protocol %d/%d %s", p.name, p.tag, p.devType, p.phoneProto, p.proto, transport(secure))
	return p, nil
}

func transport(secure bool) string {
	if secure {
		return "over TLS"
	}
	return "over TCP"
}

// unregisterLocked removes a phone from the table and clears its calls;
// normal says whether the phone said goodbye (Unregister) or vanished.
func (x *exchange) unregisterLocked(p *phone, normal bool) {
	if p.closed {
		return
	}
	p.closed = true
	x.dropPhone(p)
	if x.phones[p.mac] == p {
		delete(x.phones, p.mac)
	}
	if normal {
		x.log.Logf(logging.Informational, "IPPHONE", "UNREGISTER_NORMAL", "ephone-%d:%s IP:%s Socket:%d DeviceType:Phone has unregistered normally.",
			p.tag, p.name, p.ip, p.socket)
	} else {
		x.log.Logf(logging.Informational, "IPPHONE", "UNREGISTER_ABNORMAL", "ephone-%d:%s IP:%s Socket:%d DeviceType:Phone has unregistered abnormally.",
			p.tag, p.name, p.ip, p.socket)
	}
}

// setConfig installs a new configuration copy; registered phones whose
// ephone was removed, or whose MAC or security mode changed, are reset so
// that they register again under the new policy.
// RouteFunc is the dial plan's answer for a number no ephone-dn matches:
// the first dial-peer's tag (0: none) with why the call cannot be placed,
// and whether a longer number could match (wait for digits).
type RouteFunc func(number string, final bool) (tag int, refuse string, more bool)

// dialPlanSource is implemented by telephony/dialplan's feature (found
// with config.Find, so neither package imports the other).
type dialPlanSource interface {
	RouteFunc() func(number string, final bool) (tag int, refuse string, more bool)
	TrunkFunc() func(tag int) (sip.Peer, bool)
	InboundFunc() func(called string, from netip.Addr) (sip.Peer, bool)
	// SIPInUse: a SIP dial-peer exists, so the trunk listens.
	SIPInUse() bool
}

// sipUASource is the sip-ua block (telephony/dialplan's gateway feature).
type sipUASource interface {
	SIPTrustpoint() string
}

func (x *exchange) setDialPlan(r RouteFunc, t TrunkFunc, in InboundFunc) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.dialPlan, x.trunkTarget, x.trunkInbound = r, t, in
}

func (x *exchange) setConfig(c exchangeConfig) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.cfg = c
	x.interdigit = time.Duration(c.Service.Interdigit) * time.Second
	for _, p := range x.phones {
		e, ok := c.Ephones[p.tag]
		switch {
		case p.dynamic:
			if ok || !c.Service.Enabled {
				p.sendReset(sccp.ResetReset)
			}
		case !ok || e.MACHex() != p.mac || EffectiveSecurity(&c.Service, &e) != p.mode || !c.Service.Enabled:
			p.sendReset(sccp.ResetReset)
		default:
			p.refreshLines(e)
		}
	}
}

// refreshLines follows a changed `button` line of a registered phone: the
// new layout takes effect on the phone's next registration (restart), as
// in CME; idle phones are restarted at once.
func (p *phone) refreshLines(e Ephone) {
	nl := linesOf(e.Buttons)
	same := len(nl) == len(p.lines)
	for i := 0; same && i < len(nl); i++ {
		same = nl[i].button == p.lines[i].button && fmt.Sprint(nl[i].dns) == fmt.Sprint(p.lines[i].dns)
	}
	if !same && len(p.legs) == 0 {
		p.sendReset(sccp.ResetRestart)
	}
}

// sendReset asks the phone to reset (1) or restart (2).
func (p *phone) sendReset(kind uint32) {
	p.resetting = int(kind)
	p.send(&sccp.Reset{Type: kind})
}

// sanitize makes a peer-supplied string safe for a log line or terminal
// (logging.Escape), bounded to 80 characters first.
func sanitize(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return logging.Escape(s)
}

// debugOn reports whether debug kind is on for a phone's MAC.
func (x *exchange) debugOn(mac, kind string) bool {
	var on bool
	switch kind {
	case "register":
		on = x.debug.register.Load()
	case "state":
		on = x.debug.state.Load()
	default:
		on = x.debug.detail.Load()
	}
	if !on {
		return false
	}
	if m := x.debug.mac.Load(); m != nil && *m != mac {
		return false
	}
	return true
}

func (x *exchange) debugMAC(mac, kind, format string, args ...any) {
	if x.debugOn(mac, kind) {
		x.log.Logf(logging.Debugging, "EPHONE", strings.ToUpper(kind), format, args...)
	}
}

func (x *exchange) debugf(p *phone, kind, format string, args ...any) {
	if p == nil {
		return
	}
	x.debugMAC(p.mac, kind, "ephone-%d[%d]:"+format, append([]any{p.tag, p.tag - 1}, args...)...)
}
