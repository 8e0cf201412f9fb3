// Package dialplan is the box's dial plan beyond its ephone-dns: `dial-peer
// voice N pots|voip` with destination patterns, session targets and digit
// handling, `voice class codec`, `voice translation-rule` and
// `-profile`, and the VoIP service settings of seed 004's E10 (`voice
// service voip`, `gateway`, `gw-accounting`, `sip-ua`, the `voice iec` and
// `voice statistics` lines). Call control asks it where a number that
// matches no ephone-dn goes (Lookup: IOS's longest match, then
// preference, then hunting in order); `show dial-peer voice [summary]` and
// `debug voip dialpeer` show what it decides.
//
// The trunks themselves are not here: a number routed to a voip dial-peer
// needs a trunk runtime (SIP), and H.323 peers have none on this box; call
// control refuses such calls with a log line and reorder tone.
package dialplan

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/telephony/sip"
)

// Names and modes.
const (
	FeatureName  = "dial-peer"
	ModeDialPeer = "config-dial-peer"
)

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderDialPeer, New: newFeature, Examples: `dial-peer voice 1 voip
 destination-pattern .....
 voice-class codec 2
 session target ras
 incoming called-number 9362....
 dtmf-relay h245-alphanumeric
 req-qos controlled-load audio
dial-peer voice 2 pots
 destination-pattern 93621101
dial-peer voice 10 voip
 description trunk to the SIP provider
 destination-pattern 2668....
 session protocol sipv2
 session target ipv4:10.13.46.200:5061
 session transport tls
 codec g711ulaw
 dtmf-relay rtp-nte
 srtp fallback
 preference 1
 huntstop
dial-peer voice 101 voip
 shutdown
 destination-pattern 5694....
 voice-class codec 1
 session target ipv4:10.13.32.10
 incoming called-number 9362....
dial-peer voice 201 pots
 destination-pattern 93625...
 no digit-strip
 direct-inward-dial
 forward-digits 4
 prefix 9
 translation-profile outgoing out1
`})
}

// Peer is one `dial-peer voice N pots|voip`.
type Peer struct {
	Tag         int
	VoIP        bool // voip; pots otherwise
	Description string
	Pattern     *Pattern
	Incoming    *Pattern // incoming called-number
	Target      string   // session target as typed: ipv4:A.B.C.D[:port], ras, sip-server, registrar
	Protocol    string   // "" (H.323, the IOS default) or sipv2
	Transport   string   // udp (default), tcp, tls
	Codec       string   // codec ... (voip)
	ClassCodec  int      // voice-class codec N (voip)
	DTMF        []string // dtmf-relay methods, in order
	ReqQoS      string
	SRTP        string // "", "srtp", "srtp fallback", "srtp pass-thru"
	Preference  int
	Huntstop    bool
	DID         bool
	NoStrip     bool // no digit-strip (pots)
	Forward     string
	Prefix      string
	Port        string
	TransIn     string // translation-profile incoming
	TransOut    string // translation-profile outgoing
	Shutdown    bool
}

// Kind is "voip" or "pots".
func (p *Peer) Kind() string {
	if p.VoIP {
		return "voip"
	}
	return "pots"
}

// Feature is the dial-peer table.
type Feature struct {
	sys   *config.System
	peers map[int]*Peer
	debug bool // debug voip dialpeer
	// plan is the table as of the last reconciliation, for call control,
	// which routes without the configuration lock.
	plan atomic.Pointer[Plan]
}

// Plan is a read-only copy of the dial-peer table.
type Plan struct {
	peers []Peer // by tag
	debug bool
	log   *logging.Logger
}

// Reconcile takes a new copy of the table for call control.
func (f *Feature) Reconcile(context.Context) error {
	f.sys.Lock()
	pl := f.snapshotLocked()
	f.sys.Unlock()
	f.plan.Store(pl)
	f.sys.Publish(config.TopicDialPlan) // call control reads the new table
	return nil
}

func (f *Feature) snapshotLocked() *Plan {
	pl := &Plan{debug: f.debug, log: f.sys.Log}
	for _, tag := range sortedKeys(f.peers) {
		p := *f.peers[tag]
		p.DTMF = append([]string(nil), p.DTMF...)
		pl.peers = append(pl.peers, p)
	}
	return pl
}

// TrunkFunc is the second half of the call-control seam: for the tag
// RouteNumber returned, the SIP dial-peer as the trunk places calls on it
// (target port 5060, 5061 for tls, when the target names none); ok is
// false for a peer that is not a SIP peer with an ipv4 target.
func (f *Feature) TrunkFunc() func(tag int) (sip.Peer, bool) {
	return func(tag int) (sip.Peer, bool) {
		pl := f.plan.Load()
		if pl == nil {
			return sip.Peer{}, false
		}
		for i := range pl.peers {
			if p := &pl.peers[i]; p.Tag == tag {
				return p.sipPeer()
			}
		}
		return sip.Peer{}, false
	}
}

// sipPeer is p as the trunk sees it.
func (p *Peer) sipPeer() (sip.Peer, bool) {
	tg, err := ParseTarget(p.Target)
	if !p.VoIP || p.Protocol != "sipv2" || err != nil || tg.Kind != "ipv4" {
		return sip.Peer{}, false
	}
	tp := p.Transport
	if tp == "" {
		tp = "udp"
	}
	if tg.Addr.Port() == 0 {
		port := uint16(5060)
		if tp == "tls" {
			port = 5061
		}
		tg.Addr = netip.AddrPortFrom(tg.Addr.Addr(), port)
	}
	sp := sip.Peer{Tag: p.Tag, Target: tg.Addr, Transport: tp, SRTP: sip.PolicyOf(p.SRTP), Codecs: p.codecs()}
	sp.NTE = len(p.DTMF) == 0 || slices.Contains(p.DTMF, "rtp-nte")
	return sp, true
}

// codecs is what p offers: its codec, or G.711 mu-law then a-law (the
// codecs this box's phones and relay carry; IOS's own default, G.729, is
// not one of them). A voice-class codec list is not consulted yet.
func (p *Peer) codecs() []sip.Codec {
	if c, ok := sip.CodecByName(p.Codec); ok && (c == sip.PCMU || c == sip.PCMA) {
		return []sip.Codec{c}
	}
	return []sip.Codec{sip.PCMU, sip.PCMA}
}

// SIPInUse reports whether a SIP dial-peer is configured (the trunk then
// listens for calls).
func (f *Feature) SIPInUse() bool {
	pl := f.plan.Load()
	if pl == nil {
		return false
	}
	for i := range pl.peers {
		if p := &pl.peers[i]; !p.Shutdown && p.VoIP && p.Protocol == "sipv2" {
			return true
		}
	}
	return false
}

// InboundFunc is the seam for calls the trunk receives: trusted is
// whether from is the ipv4 session target of a SIP dial-peer (IOS's
// toll-fraud rule: SIP calls are taken only from configured targets), and
// peer the dial-peer whose incoming called-number matches called (its
// srtp and codec settings), or a default peer (no srtp, G.711).
func (f *Feature) InboundFunc() func(called string, from netip.Addr) (peer sip.Peer, trusted bool) {
	return func(called string, from netip.Addr) (sip.Peer, bool) {
		pl := f.plan.Load()
		if pl == nil {
			return sip.Peer{}, false
		}
		trusted := false
		for i := range pl.peers {
			if sp, ok := pl.peers[i].sipPeer(); ok && !pl.peers[i].Shutdown && sp.Target.Addr() == from.Unmap() {
				trusted = true
			}
		}
		sp := sip.Peer{Transport: "udp", Codecs: []sip.Codec{sip.PCMU, sip.PCMA}, NTE: true}
		if best := pl.incoming(called, true); best != nil {
			sp.Tag, sp.SRTP, sp.Codecs = best.Tag, sip.PolicyOf(best.SRTP), best.codecs()
			sp.NTE = len(best.DTMF) == 0 || slices.Contains(best.DTMF, "rtp-nte")
		}
		return sp, trusted
	}
}

// RouteFunc is the call-control seam (telephony/ephone finds it with
// config.Find): it returns RouteNumber on the current table, safe to call
// without the configuration lock.
func (f *Feature) RouteFunc() func(number string, final bool) (tag int, refuse string, more bool) {
	return func(number string, final bool) (int, string, bool) {
		pl := f.plan.Load()
		if pl == nil {
			return 0, "", false
		}
		return pl.RouteNumber(number, final)
	}
}

// FromSystem returns the dial-peer feature of sys.
func FromSystem(sys *config.System) *Feature { return sys.Feature(FeatureName).(*Feature) }

var codecs = []string{"g711alaw", "g711ulaw", "g722-64", "g723ar53", "g723ar63", "g723r53", "g723r63", "g726r16", "g726r24",
	"g726r32", "g728", "g729br8", "g729r8", "gsmamr-nb", "gsmefr", "gsmfr", "ilbc", "isac", "transparent"}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, peers: map[int]*Peer{}}
	t := sys.Tree
	t.AddMode(ModeDialPeer, "(config-dial-peer)#", cli.ModeConfig)
	help := map[string]string{
		"dial-peer": "Dial Plan Configuration Commands", "voice": "Voice type dial peer", "tag": "Voice dial-peer tag",
		"pots": "POTS peer", "voip": "VoIP peer", "destination-pattern": "A full E.164 telephone number prefix",
		"pattern": "A typical E.164 pattern with wildcards", "description": "Dial-peer specific description",
		"LINE": "Description of this dial-peer", "session": "The session for this peer", "target": "The session target",
		"dest": "ipv4:A.B.C.D[:port], ras, sip-server or registrar", "protocol": "The session protocol",
		"sipv2": "IETF Session Initiation Protocol", "cisco": "Cisco Session Protocol (H.323)",
		"transport": "The session transport", "udp": "UDP", "tcp": "TCP", "tls": "TLS",
		"incoming": "Incoming call matching", "called-number": "Called number of an incoming call",
		"codec": "Codec for this dial-peer", "name": "Codec", "voice-class": "Voice class", "n": "Voice class tag",
		"dtmf-relay": "Transport of DTMF digits", "h245-alphanumeric": "DTMF relay in H.245 alphanumeric IE",
		"h245-signal": "DTMF relay in H.245 signal IE", "rtp-nte": "RTP Named Telephone Event (RFC 2833)",
		"sip-notify": "DTMF relay using SIP NOTIFY", "sip-kpml": "DTMF relay using SIP KPML", "cisco-rtp": "Cisco proprietary RTP",
		"req-qos": "Requested quality of service", "best-effort": "Best effort", "controlled-load": "Controlled load",
		"guaranteed-delay": "Guaranteed delay", "audio": "Audio", "video": "Video",
		"srtp": "Secure RTP for the media of this dial-peer", "fallback": "Fall back to RTP if the far end refuses SRTP",
		"pass-thru": "Pass SRTP through without terminating it", "preference": "Dial-peer hunting preference",
		"pref": "Preference order (0 first)", "huntstop": "Stop hunting on this dial-peer",
		"direct-inward-dial": "Direct Inward Dial", "digit-strip": "Strip matched digits (POTS)",
		"forward-digits": "Digits to forward (POTS)", "count": "Number of right-justified digits to forward",
		"all": "Forward all digits", "extra": "Forward the digits beyond the pattern", "prefix": "Digits to prepend (POTS)",
		"digits": "Prefix digits", "port": "The voice port", "portname": "Voice port",
		"translation-profile": "Translation profile", "outgoing": "Outgoing direction", "profile": "Translation profile name",
		"shutdown": "Change the admin state of this dial-peer to down",
	}
	for _, c := range codecs {
		help[c] = "Codec " + c
	}
	own := FeatureName
	t.Add(cli.ModeConfig, cli.Command{Syntax: "dial-peer voice tag:<1-2147483647> kind:{ pots | voip }", Help: help, Owner: own, No: true,
		NoSyntax: "dial-peer voice tag:<1-2147483647> [ kind:{ pots | voip } ]",
		Run: func(c *cli.Context) error {
			tag := c.Int("tag", 0)
			if c.Negate {
				delete(f.peers, tag)
				return nil
			}
			voip := c.String("kind") == "voip"
			p := f.peers[tag]
			if p == nil {
				p = &Peer{Tag: tag, VoIP: voip}
				f.peers[tag] = p
			} else if p.VoIP != voip {
				return fmt.Errorf("%% Dial-peer %d already exists as %s; remove it first.", tag, p.Kind())
			}
			c.Enter(ModeDialPeer, p)
			return nil
		}})
	cur := func(c *cli.Context) *Peer { return c.ModeValue().(*Peer) }
	add := func(syntax, noSyntax string, voipOnly, potsOnly bool, run func(c *cli.Context, p *Peer) error) {
		t.Add(ModeDialPeer, cli.Command{Syntax: syntax, NoSyntax: noSyntax, Help: help, Owner: own, No: true,
			Run: func(c *cli.Context) error {
				p := cur(c)
				if voipOnly && !p.VoIP || potsOnly && p.VoIP {
					return c.InvalidInput("")
				}
				return run(c, p)
			}})
	}
	add("description LINE", "description", false, false, func(c *cli.Context, p *Peer) error {
		p.Description = ""
		if !c.Negate {
			if d := c.String("LINE"); len(d) <= 64 {
				p.Description = d
			} else {
				p.Description = d[:64]
			}
		}
		return nil
	})
	add("destination-pattern pattern:WORD", "destination-pattern", false, false, func(c *cli.Context, p *Peer) error {
		if c.Negate {
			p.Pattern = nil
			return nil
		}
		pt, err := ParsePattern(c.String("pattern"))
		if err != nil {
			return c.InvalidInput("pattern")
		}
		p.Pattern = pt
		return nil
	})
	add("incoming called-number pattern:WORD", "incoming called-number", false, false, func(c *cli.Context, p *Peer) error {
		if c.Negate {
			p.Incoming = nil
			return nil
		}
		pt, err := ParsePattern(c.String("pattern"))
		if err != nil {
			return c.InvalidInput("pattern")
		}
		p.Incoming = pt
		return nil
	})
	add("session target dest:WORD", "session target", true, false, func(c *cli.Context, p *Peer) error {
		if c.Negate {
			p.Target = ""
			return nil
		}
		d := strings.ToLower(c.String("dest"))
		if _, err := ParseTarget(d); err != nil {
			return c.InvalidInput("dest")
		}
		p.Target = d
		return nil
	})
	add("session protocol proto:{ sipv2 | cisco }", "session protocol", true, false, func(c *cli.Context, p *Peer) error {
		p.Protocol = ""
		if !c.Negate && c.String("proto") == "sipv2" {
			p.Protocol = "sipv2"
		}
		return nil
	})
	add("session transport tr:{ udp | tcp | tls }", "session transport", true, false, func(c *cli.Context, p *Peer) error {
		p.Transport = ""
		if !c.Negate && c.String("tr") != "udp" {
			p.Transport = c.String("tr")
		}
		return nil
	})
	add("codec name:{ "+strings.Join(codecs, " | ")+" }", "codec", true, false, func(c *cli.Context, p *Peer) error {
		p.Codec = ""
		if !c.Negate && c.String("name") != "g729r8" { // g729r8 is the voip default
			p.Codec = c.String("name")
		}
		return nil
	})
	add("voice-class codec n:<1-10000>", "voice-class codec", true, false, func(c *cli.Context, p *Peer) error {
		p.ClassCodec = 0
		if !c.Negate {
			p.ClassCodec = c.Int("n", 0)
		}
		return nil
	})
	add("dtmf-relay { h245-alphanumeric | h245-signal | rtp-nte | sip-notify | sip-kpml | cisco-rtp }...", "dtmf-relay", true, false,
		func(c *cli.Context, p *Peer) error {
			p.DTMF = nil
			if !c.Negate {
				p.DTMF = strings.Fields(c.CanonicalArgs())[1:]
			}
			return nil
		})
	add("req-qos q:{ best-effort | controlled-load | guaranteed-delay } [ m:{ audio | video } ]", "req-qos", true, false,
		func(c *cli.Context, p *Peer) error {
			p.ReqQoS = ""
			if !c.Negate && c.String("q") != "best-effort" {
				p.ReqQoS = strings.TrimPrefix(c.CanonicalArgs(), "req-qos ")
			}
			return nil
		})
	add("srtp [ mode:{ fallback | pass-thru } ]", "srtp", true, false, func(c *cli.Context, p *Peer) error {
		p.SRTP = ""
		if !c.Negate {
			p.SRTP = strings.TrimSpace("srtp " + c.String("mode"))
		}
		return nil
	})
	add("preference pref:<0-10>", "preference", false, false, func(c *cli.Context, p *Peer) error {
		p.Preference = 0
		if !c.Negate {
			p.Preference = c.Int("pref", 0)
		}
		return nil
	})
	add("huntstop", "", false, false, func(c *cli.Context, p *Peer) error { p.Huntstop = !c.Negate; return nil })
	add("direct-inward-dial", "", false, true, func(c *cli.Context, p *Peer) error { p.DID = !c.Negate; return nil })
	add("digit-strip", "", false, true, func(c *cli.Context, p *Peer) error { p.NoStrip = c.Negate && !c.Default; return nil })
	add("forward-digits { count:<0-32> | all | extra }", "forward-digits", false, true, func(c *cli.Context, p *Peer) error {
		p.Forward = ""
		if !c.Negate {
			p.Forward = strings.TrimPrefix(c.CanonicalArgs(), "forward-digits ")
		}
		return nil
	})
	add("prefix digits:WORD", "prefix", false, true, func(c *cli.Context, p *Peer) error {
		if c.Negate {
			p.Prefix = ""
			return nil
		}
		d := c.String("digits")
		for i := 0; i < len(d); i++ {
			if digitIndex(d[i]) < 0 && d[i] != ',' {
				return c.InvalidInput("digits")
			}
		}
		p.Prefix = d
		return nil
	})
	add("port portname:WORD", "port", false, true, func(c *cli.Context, p *Peer) error {
		if c.Negate {
			p.Port = ""
			return nil
		}
		// The board has no voice ports (board definitions declare none):
		// IOS refuses a port that does not exist.
		return c.InvalidInput("portname")
	})
	add("translation-profile dir:{ incoming | outgoing } profile:WORD", "translation-profile dir:{ incoming | outgoing } [ profile:WORD ]", false, false,
		func(c *cli.Context, p *Peer) error {
			v := ""
			if !c.Negate {
				v = c.String("profile")
			}
			if c.String("dir") == "incoming" {
				p.TransIn = v
			} else {
				p.TransOut = v
			}
			return nil
		})
	add("shutdown", "", false, false, func(c *cli.Context, p *Peer) error { p.Shutdown = !c.Negate; return nil })

	sh := map[string]string{"show": "Show running system information", "dial-peer": "Dial Plan Mapping Table for, e.g. VoIP Peers",
		"voice": "Show voice dial peer table", "summary": "Dial-plan mapping summary", "tag": "Voice dial-peer tag",
		"debug": "Debugging functions", "voip": "VOIP debugging", "dialpeer": "Dial-peer matching", "all": "All dial-peer debugging"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show dial-peer voice [ summary | tag:<1-2147483647> ]", Help: sh, Pipe: true,
		Run: func(c *cli.Context) error {
			if c.Has("summary") {
				f.showSummary(c)
			} else {
				f.showPeers(c, c.Int("tag", 0))
			}
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "debug voip dialpeer [ all ]", Help: sh,
		Run: func(c *cli.Context) error {
			f.debug = true
			f.plan.Store(f.snapshotLocked())
			c.Printf("voip dialpeer all debugging is on\n")
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "no debug voip dialpeer [ all ]", Help: sh,
		Run: func(c *cli.Context) error {
			f.debug = false
			f.plan.Store(f.snapshotLocked())
			c.Printf("voip dialpeer all debugging is off\n")
			return nil
		}})
	return f
}

// Render writes the dial peers in tag order.
func (f *Feature) Render(r *config.Renderer) {
	for _, tag := range sortedKeys(f.peers) {
		p := f.peers[tag]
		r.Bang()
		r.Linef("dial-peer voice %d %s", p.Tag, p.Kind())
		if p.Description != "" {
			r.Sub("description " + p.Description)
		}
		if p.Shutdown {
			r.Sub("shutdown")
		}
		if p.Pattern != nil {
			r.Sub("destination-pattern " + p.Pattern.String())
		}
		if p.TransIn != "" {
			r.Sub("translation-profile incoming " + p.TransIn)
		}
		if p.TransOut != "" {
			r.Sub("translation-profile outgoing " + p.TransOut)
		}
		if p.ClassCodec != 0 {
			r.Subf("voice-class codec %d", p.ClassCodec)
		}
		if p.Protocol != "" {
			r.Sub("session protocol " + p.Protocol)
		}
		if p.Target != "" {
			r.Sub("session target " + p.Target)
		}
		if p.Transport != "" {
			r.Sub("session transport " + p.Transport)
		}
		if p.Incoming != nil {
			r.Sub("incoming called-number " + p.Incoming.String())
		}
		if len(p.DTMF) > 0 {
			r.Sub("dtmf-relay " + strings.Join(p.DTMF, " "))
		}
		if p.Codec != "" {
			r.Sub("codec " + p.Codec)
		}
		if p.ReqQoS != "" {
			r.Sub("req-qos " + p.ReqQoS)
		}
		if p.SRTP != "" {
			r.Sub(p.SRTP)
		}
		if p.Preference != 0 {
			r.Subf("preference %d", p.Preference)
		}
		if p.Huntstop {
			r.Sub("huntstop")
		}
		if p.NoStrip {
			r.Sub("no digit-strip")
		}
		if p.Forward != "" {
			r.Sub("forward-digits " + p.Forward)
		}
		if p.Prefix != "" {
			r.Sub("prefix " + p.Prefix)
		}
		if p.DID {
			r.Sub("direct-inward-dial")
		}
		if p.Port != "" {
			r.Sub("port " + p.Port)
		}
	}
	if len(f.peers) > 0 {
		r.Bang()
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Route is where a dialled number goes.
type Route struct {
	// Peers are the dial-peers that match the number completely, in
	// hunting order: most explicit digits first, then lower preference,
	// then lower tag; the list ends after a huntstop peer.
	Peers []*Peer
	// More: a longer number could match (a pattern with more digits, or
	// T); the caller should wait for digits or the interdigit timeout.
	More bool
}

// Lookup matches a dialled number against the destination patterns of the
// dial-peers that are not shut down (configuration lock held). final is
// true after the interdigit timeout: T patterns then complete.
func (f *Feature) Lookup(number string, final bool) Route {
	return f.snapshotLocked().Lookup(number, final)
}

// Lookup is Feature.Lookup on this copy of the table.
func (pl *Plan) Lookup(number string, final bool) Route {
	var rt Route
	for i := range pl.peers {
		p := &pl.peers[i]
		if p.Shutdown || p.Pattern == nil {
			continue
		}
		complete, more := p.Pattern.Match(number)
		if more && !final {
			rt.More = true
		}
		if complete && (!p.Pattern.timeout || final) {
			rt.Peers = append(rt.Peers, p)
		}
	}
	sort.SliceStable(rt.Peers, func(i, j int) bool {
		a, b := rt.Peers[i], rt.Peers[j]
		if a.Pattern.explicit != b.Pattern.explicit {
			return a.Pattern.explicit > b.Pattern.explicit
		}
		return a.Preference < b.Preference
	})
	for i, p := range rt.Peers {
		if p.Huntstop {
			rt.Peers = rt.Peers[:i+1]
			break
		}
	}
	if pl.debug {
		var tags []string
		for _, p := range rt.Peers {
			tags = append(tags, strconv.Itoa(p.Tag))
		}
		pl.log.Logf(logging.Debugging, "DIALPEER", "MATCH", "//-1/xxxxxxxxxxxx/DPM/dpMatchPeers: Calling Number=, Called Number=%s, Peer Info Type=DIALPEER_INFO_SPEECH; Result=%s; dial-peers %s",
			logging.Escape(number), map[bool]string{true: "SUCCESS(0)", false: "NO_MATCH(-1)"}[len(rt.Peers) > 0], strings.Join(tags, ","))
	}
	return rt
}

// Incoming is the dial-peer an inbound call to called matches by
// `incoming called-number` (the most explicit, then the lowest tag), nil
// when none does (configuration lock held).
func (f *Feature) Incoming(called string) *Peer { return f.snapshotLocked().incoming(called, false) }

// incoming is Feature.Incoming on this copy of the table, among the voip
// dial-peers only when voip is set (a call from the SIP trunk).
func (pl *Plan) incoming(called string, voip bool) *Peer {
	var best *Peer
	for i := range pl.peers {
		p := &pl.peers[i]
		if p.Shutdown || p.Incoming == nil || voip && !p.VoIP {
			continue
		}
		if c, _ := p.Incoming.Match(called); c && (best == nil || p.Incoming.explicit > best.Incoming.explicit) {
			best = p
		}
	}
	return best
}

// RouteNumber is the call-control seam (telephony/ephone finds it with
// config.Find): where a dialled number that matches no ephone-dn goes.
// It returns the first peer's tag and a sentence for the log when the
// number cannot be placed on this box, and more when the caller should
// wait for more digits (configuration lock held).
func (f *Feature) RouteNumber(number string, final bool) (tag int, refuse string, more bool) {
	return f.snapshotLocked().RouteNumber(number, final)
}

// RouteNumber is Feature.RouteNumber on this copy of the table.
func (pl *Plan) RouteNumber(number string, final bool) (tag int, refuse string, more bool) {
	rt := pl.Lookup(number, final)
	if len(rt.Peers) == 0 {
		return 0, "", rt.More
	}
	p := rt.Peers[0]
	switch {
	case !p.VoIP:
		refuse = fmt.Sprintf("dial-peer voice %d pots matches %s, and this board has no voice ports", p.Tag, logging.Escape(number))
	case p.Protocol != "sipv2":
		refuse = fmt.Sprintf("dial-peer voice %d voip matches %s: H.323 session protocol, and this box has no H.323 stack", p.Tag, logging.Escape(number))
	default:
		refuse = fmt.Sprintf("dial-peer voice %d voip matches %s: its session target is not an ipv4 address", p.Tag, logging.Escape(number))
	}
	return p.Tag, refuse, rt.More && !final
}
