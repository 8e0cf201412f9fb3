package dialplan

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// The VoIP service settings of seed 004's E10 and the list: kept
// typed as IOS lines per block, rendered back where IOS puts them. None
// has an effect on this box yet (no trunk runtime): the commands are
// cli.Command.Inert, so an interactive session says so.

// entry is one line of a section, replaced by a later line of the same
// key; rank orders the lines of a section as IOS renders them (the
// position of the command in its mode's list).
type entry struct {
	key, text string
	rank      int
}

// section is a configuration block: a header and its lines, and nested
// blocks (`h323`, `sip` under `voice service voip`).
type section struct {
	header string
	lines  []entry
	subs   map[string]*section
}

func (s *section) put(key, text string, rank int) {
	for i, e := range s.lines {
		if e.key == key {
			s.lines[i].text = text
			return
		}
	}
	s.lines = append(s.lines, entry{key, text, rank})
	slices.SortStableFunc(s.lines, func(a, b entry) int { return a.rank - b.rank })
}

func (s *section) del(key string) {
	var keep []entry
	for _, e := range s.lines {
		if e.key != key {
			keep = append(keep, e)
		}
	}
	s.lines = keep
}

func (s *section) render(r *config.Renderer, depth int) {
	r.Indent(depth, s.header)
	for _, e := range s.lines {
		r.Indent(depth+1, e.text)
	}
	for _, k := range sortedKeys(s.subs) {
		s.subs[k].render(r, depth+1)
	}
}

// sub is a command of a block's mode: its syntax, how many leading words
// of the canonical line make its key, and whether `no` is a line of its
// own (a default-on setting turned off) rather than a removal.
type sub struct {
	syntax string
	words  int
	keepNo bool
}

// live are the block commands that have an effect on this box (the
// others are cli.Command.Inert).
var live = map[string]bool{"crypto signaling default trustpoint tp:WORD": true}

// addSubs registers mode's commands, storing into the section that
// cur returns.
func addSubs(t *cli.Tree, mode, owner string, help map[string]string, cur func(c *cli.Context) *section, subs []sub) {
	for rank, sb := range subs {
		t.Add(mode, cli.Command{Syntax: sb.syntax, Help: help, Owner: owner, No: true, Inert: !live[sb.syntax],
			Run: func(c *cli.Context) error {
				s := cur(c)
				w := strings.Fields(c.CanonicalArgs())
				key := strings.Join(w[:min(sb.words, len(w))], " ")
				switch {
				case !c.Negate && sb.keepNo:
					s.del(key) // back to the default, which IOS does not show
				case !c.Negate:
					s.put(key, strings.Join(w, " "), rank)
				case sb.keepNo && !c.Default:
					s.put(key, "no "+strings.Join(w, " "), rank)
				default:
					s.del(key)
				}
				return nil
			}})
	}
}

// voice holds `voice service voip`, `voice class codec`, the voice
// translation rules and profiles, and the single `voice ...` lines.
type voice struct {
	service *section            // voice service voip
	classes map[int]*section    // voice class codec N
	rules   map[int]*section    // voice translation-rule N
	profs   map[string]*section // voice translation-profile NAME
	single  section             // voice iec syslog, voice statistics ..., voice call ...
}

const (
	ModeVoIPService  = "conf-voi-serv"
	ModeServiceH323  = "conf-serv-h323"
	ModeServiceSIP   = "conf-serv-sip"
	ModeClassCodec   = "config-class"
	ModeTransRule    = "cfg-translation-rule"
	ModeTransProfile = "cfg-translation-profile"
	ModeGateway      = "config-gateway"
	ModeSIPUA        = "config-sip-ua"
)

func init() {
	config.Register(config.Registration{Name: "voice-service", Order: config.OrderVoiceService, New: newVoice, Examples: `voice call debug full-guid
voice service voip
 srtp fallback
 allow-connections h323 to h323
 allow-connections sip to sip
 no supplementary-service h450.2
 no supplementary-service sip refer
 supplementary-service media-renegotiate
 fax protocol t38
 no ip address trusted authenticate
 h323
  emptycapability
  ras rrq ttl 4000
 sip
  bind control source-interface GigabitEthernet0/0
voice class codec 2
 codec preference 1 g711alaw
 codec preference 2 g711ulaw
voice iec syslog
voice statistics type iec
voice statistics time-range since-reset
voice translation-rule 1
 rule 1 /^9/ //
voice translation-profile out1
 translate called 1
`})
	config.Register(config.Registration{Name: "gw-accounting", Order: config.OrderController + 50, New: newGWAccounting,
		Examples: "gw-accounting aaa\n"})
	config.Register(config.Registration{Name: "call-rsvp-sync", Order: config.OrderControlPlane + 50, New: newRSVPSync,
		Examples: "no call rsvp-sync\n"})
	config.Register(config.Registration{Name: "gateway", Order: config.OrderGateway, New: newGateway, Examples: `gateway
 timer receive-rtp 1200
sip-ua
 retry invite 3
 timers trying 500
 registrar ipv4:10.1.1.5 expires 3600
 crypto signaling default trustpoint mytrustpoint1
`})
}

var voiceHelp = map[string]string{
	"voice": "Global voice configuration", "service": "Voice service", "voip": "Voice over IP", "class": "Voice class",
	"codec": "Voice codec class", "tag": "Voice class tag", "preference": "Codec preference", "order": "Preference order",
	"name": "Codec", "iec": "Internal error codes", "syslog": "Log internal error codes to syslog",
	"statistics": "Voice statistics", "type": "Statistics type", "time-range": "Statistics time range",
	"since-reset": "Since the last reset", "call": "Voice call", "debug": "Call debugging", "full-guid": "Full GUID in debugs",
	"send-alert": "Send alert instead of progress", "allow-connections": "Allow connections between call types",
	"from": "Call type", "to": "to", "to-type": "Call type", "h323": "H.323", "sip": "SIP",
	"srtp": "Secure RTP", "fallback": "Fall back to RTP", "pass-thru": "Pass SRTP through",
	"supplementary-service": "Supplementary services", "media-renegotiate": "Media renegotiation",
	"h450.2": "H.450.2 call transfer", "h450.3": "H.450.3 call diversion", "h450.7": "H.450.7 message waiting",
	"h450.12": "H.450.12 capabilities", "refer": "SIP REFER", "moved-temporarily": "SIP 302 Moved Temporarily",
	"fax": "Fax", "protocol": "Fax protocol", "t38": "T.38", "pass-through": "Fax pass-through", "none": "None",
	"g711ulaw": "G.711 u-law", "g711alaw": "G.711 a-law", "emptycapability": "Empty capability set",
	"ras": "RAS", "rrq": "Registration request", "ttl": "Time to live", "seconds": "Seconds",
	"bind": "Bind SIP to an interface", "control": "Signalling", "media": "Media", "all": "Signalling and media",
	"source-interface": "Source interface", "ifname": "Interface", "translation-rule": "Translation rule",
	"translation-profile": "Translation profile", "ip": "IP", "address": "Address", "trusted": "Trusted IP address list (toll fraud)",
	"authenticate": "Authenticate incoming calls against the trusted list", "rule": "Translation rule", "n": "Rule number", "LINE": "/match/ /replace/",
	"translate": "Translate a number", "called": "Called number", "calling": "Calling number",
	"redirect-called": "Redirected called number", "rulen": "Translation rule number", "pname": "Profile name",
}

func newVoice(sys *config.System) config.Feature {
	f := &voice{classes: map[int]*section{}, rules: map[int]*section{}, profs: map[string]*section{}}
	t := sys.Tree
	own := "voice-service"
	t.AddMode(ModeVoIPService, "(conf-voi-serv)#", cli.ModeConfig)
	t.AddMode(ModeServiceH323, "(conf-serv-h323)#", ModeVoIPService)
	t.AddMode(ModeServiceSIP, "(conf-serv-sip)#", ModeVoIPService)
	t.AddMode(ModeClassCodec, "(config-class)#", cli.ModeConfig)
	t.AddMode(ModeTransRule, "(cfg-translation-rule)#", cli.ModeConfig)
	t.AddMode(ModeTransProfile, "(cfg-translation-profile)#", cli.ModeConfig)
	t.Add(cli.ModeConfig, cli.Command{Syntax: "voice service voip", Help: voiceHelp, Owner: own, No: true, Inert: true,
		Run: func(c *cli.Context) error {
			if c.Negate {
				f.service = nil
				return nil
			}
			if f.service == nil {
				f.service = &section{header: "voice service voip", subs: map[string]*section{}}
			}
			c.Enter(ModeVoIPService, f.service)
			return nil
		}})
	serv := func(c *cli.Context) *section { return c.ModeValue().(*section) }
	addSubs(t, ModeVoIPService, own, voiceHelp, serv, []sub{
		{"srtp [ mode:{ fallback | pass-thru } ]", 1, false},
		{"allow-connections from:{ h323 | sip } to to-type:{ h323 | sip }", 4, false},
		{"supplementary-service { h450.2 | h450.3 | h450.7 | h450.12 | sip { refer | moved-temporarily } }", 3, true},
		{"supplementary-service media-renegotiate", 2, false},
		{"fax protocol { t38 | pass-through { g711ulaw | g711alaw } | none }", 2, false},
		{"ip address trusted authenticate", 4, true},
	})
	for _, name := range []string{"h323", "sip"} {
		mode := map[string]string{"h323": ModeServiceH323, "sip": ModeServiceSIP}[name]
		t.Add(ModeVoIPService, cli.Command{Syntax: name, Help: voiceHelp, Owner: own, No: true, Inert: true,
			Run: func(c *cli.Context) error {
				s := serv(c)
				if c.Negate {
					delete(s.subs, name)
					return nil
				}
				sb := s.subs[name]
				if sb == nil {
					sb = &section{header: name}
					s.subs[name] = sb
				}
				c.Enter(mode, sb)
				return nil
			}})
	}
	addSubs(t, ModeServiceH323, own, voiceHelp, serv, []sub{{"emptycapability", 1, false}, {"ras rrq ttl seconds:<1-4000>", 3, false}})
	addSubs(t, ModeServiceSIP, own, voiceHelp, serv, []sub{{"bind what:{ control | media | all } source-interface ifname:WORD", 2, false}})

	t.Add(cli.ModeConfig, cli.Command{Syntax: "voice class codec tag:<1-10000>", Help: voiceHelp, Owner: own, No: true, Inert: true,
		Run: func(c *cli.Context) error {
			n := c.Int("tag", 0)
			if c.Negate {
				delete(f.classes, n)
				return nil
			}
			if f.classes[n] == nil {
				f.classes[n] = &section{header: "voice class codec " + strconv.Itoa(n)}
			}
			c.Enter(ModeClassCodec, f.classes[n])
			return nil
		}})
	addSubs(t, ModeClassCodec, own, voiceHelp, serv, []sub{{"codec preference order:<1-14> name:{ " + strings.Join(codecs, " | ") + " }", 3, false}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "voice translation-rule n:<1-2147483647>", Help: voiceHelp, Owner: own, No: true, Inert: true,
		Run: func(c *cli.Context) error {
			n := c.Int("n", 0)
			if c.Negate {
				delete(f.rules, n)
				return nil
			}
			if f.rules[n] == nil {
				f.rules[n] = &section{header: "voice translation-rule " + strconv.Itoa(n)}
			}
			c.Enter(ModeTransRule, f.rules[n])
			return nil
		}})
	t.Add(ModeTransRule, cli.Command{Syntax: "rule n:<1-15> LINE", NoSyntax: "rule n:<1-15> [ LINE ]", Help: voiceHelp, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			s := serv(c)
			n := c.Int("n", 0)
			key := "rule " + strconv.Itoa(n)
			if c.Negate {
				s.del(key)
				return nil
			}
			r, err := parseRule(n, c.String("LINE"))
			if err != nil {
				return c.InvalidInput("LINE")
			}
			s.put(key, fmt.Sprintf("rule %d /%s/ /%s/", n, r.Src, r.Rep), n)
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "voice translation-profile pname:WORD", Help: voiceHelp, Owner: own, No: true, Inert: true,
		Run: func(c *cli.Context) error {
			n := c.String("pname")
			if c.Negate {
				delete(f.profs, n)
				return nil
			}
			if f.profs[n] == nil {
				f.profs[n] = &section{header: "voice translation-profile " + n}
			}
			c.Enter(ModeTransProfile, f.profs[n])
			return nil
		}})
	addSubs(t, ModeTransProfile, own, voiceHelp, serv, []sub{{"translate { called | calling | redirect-called } rulen:<1-2147483647>", 2, false}})
	f.testCommand(t)
	single := func(c *cli.Context) *section { return &f.single }
	addSubs(t, cli.ModeConfig, own, voiceHelp, single, []sub{
		{"voice iec syslog", 3, false},
		{"voice statistics type iec", 3, false},
		{"voice statistics time-range since-reset", 3, false},
		{"voice call debug full-guid", 3, false},
		{"voice call send-alert", 3, false},
	})
	return f
}

func (f *voice) Render(r *config.Renderer) {
	var debug, rest []entry
	for _, e := range f.single.lines {
		if strings.HasPrefix(e.key, "voice call") {
			debug = append(debug, e)
		} else {
			rest = append(rest, e)
		}
	}
	if len(debug) > 0 {
		r.Bang()
		for _, e := range debug {
			r.Line(e.text)
		}
	}
	if f.service != nil {
		r.Bang()
		f.service.render(r, 0)
	}
	for _, n := range sortedKeys(f.classes) {
		r.Bang()
		f.classes[n].render(r, 0)
	}
	if len(rest) > 0 {
		r.Bang()
		for _, e := range rest {
			r.Line(e.text)
		}
	}
	for _, n := range sortedKeys(f.rules) {
		r.Bang()
		f.rules[n].render(r, 0)
	}
	for _, n := range sortedKeys(f.profs) {
		r.Bang()
		f.profs[n].render(r, 0)
	}
}

// flagLine is a single global line (`gw-accounting aaa`, `no call
// rsvp-sync`).
type flagLine struct{ s section }

func (f *flagLine) Render(r *config.Renderer) {
	for _, e := range f.s.lines {
		r.Line(e.text)
	}
}

func newGWAccounting(sys *config.System) config.Feature {
	f := &flagLine{}
	addSubs(sys.Tree, cli.ModeConfig, "gw-accounting", map[string]string{"gw-accounting": "Enable voice gateway accounting", "aaa": "Enable AAA accounting"},
		func(*cli.Context) *section { return &f.s }, []sub{{"gw-accounting aaa", 2, false}})
	return f
}

func newRSVPSync(sys *config.System) config.Feature {
	f := &flagLine{}
	addSubs(sys.Tree, cli.ModeConfig, "call-rsvp-sync", map[string]string{"call": "Global call configuration", "rsvp-sync": "Synchronize RSVP with call setup"},
		func(*cli.Context) *section { return &f.s }, []sub{{"call rsvp-sync", 2, true}})
	return f
}

// gateway holds the `gateway` and `sip-ua` blocks.
type gateway struct {
	sys    *config.System
	gw, ua *section
}

func newGateway(sys *config.System) config.Feature {
	f := &gateway{sys: sys}
	t := sys.Tree
	own := "gateway"
	t.AddMode(ModeGateway, "(config-gateway)#", cli.ModeConfig)
	t.AddMode(ModeSIPUA, "(config-sip-ua)#", cli.ModeConfig)
	help := map[string]string{"gateway": "Enter gateway configuration mode", "timer": "Gateway timers",
		"receive-rtp": "Media inactivity timer", "seconds": "Seconds", "sip-ua": "SIP user agent configuration",
		"retry": "SIP retry counts", "invite": "INVITE", "bye": "BYE", "cancel": "CANCEL", "response": "Responses",
		"prack": "PRACK", "notify": "NOTIFY", "register": "REGISTER", "count": "Retries",
		"timers": "SIP timers", "trying": "Wait for 100 Trying", "connect": "Wait for ACK", "disconnect": "Wait for BYE response",
		"expires": "Expiry", "ms": "Milliseconds", "registrar": "Registrar", "target": "ipv4:A.B.C.D[:port] or dns:NAME",
		"secs": "Seconds", "crypto": "Cryptographic settings", "signaling": "SIP signalling", "default": "Default for all peers",
		"trustpoint": "Trustpoint for SIP over TLS", "tp": "Trustpoint label"}
	enter := func(p **section, header, mode string) func(c *cli.Context) error {
		return func(c *cli.Context) error {
			if c.Negate {
				*p = nil
				return nil
			}
			if *p == nil {
				*p = &section{header: header}
			}
			c.Enter(mode, *p)
			return nil
		}
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "gateway", Help: help, Owner: own, No: true, Inert: true, Run: enter(&f.gw, "gateway", ModeGateway)})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "sip-ua", Help: help, Owner: own, No: true, Run: enter(&f.ua, "sip-ua", ModeSIPUA)})
	cur := func(c *cli.Context) *section { return c.ModeValue().(*section) }
	addSubs(t, ModeGateway, own, help, cur, []sub{{"timer receive-rtp seconds:<180-1000000>", 2, false}})
	addSubs(t, ModeSIPUA, own, help, cur, []sub{
		{"retry { invite | bye | cancel | response | prack | notify | register } count:<1-10>", 2, false},
		{"timers { trying | connect | disconnect | expires } ms:<100-180000>", 2, false},
		{"registrar target:WORD [ expires secs:<60-65535> ]", 1, false},
		{"crypto signaling default trustpoint tp:WORD", 3, false},
	})
	return f
}

// Reconcile tells call control that sip-ua may have changed.
func (f *gateway) Reconcile(context.Context) error {
	f.sys.Publish(config.TopicDialPlan)
	return nil
}

// SIPTrustpoint is sip-ua's `crypto signaling default trustpoint`, ""
// when none (configuration lock held): the SIP trunk's TLS identity.
func (f *gateway) SIPTrustpoint() string {
	if f.ua == nil {
		return ""
	}
	for _, e := range f.ua.lines {
		if w := strings.Fields(e.text); len(w) == 5 && e.key == "crypto signaling default" {
			return w[4]
		}
	}
	return ""
}

func (f *gateway) Render(r *config.Renderer) {
	for _, s := range []*section{f.gw, f.ua} {
		if s != nil {
			r.Bang()
			s.render(r, 0)
		}
	}
	if f.gw != nil || f.ua != nil {
		r.Bang()
	}
}
