// Package dspfarm is the box's software DSP farm: the IOS configuration of
// DSP-farm transcoding (`voice-card` / `dsp services dspfarm`, `sccp local`,
// `sccp ccm`, `sccp`, `sccp ccm group`, `dspfarm profile N transcode
// [security]`), the show commands (`show sccp`, `show sccp connections`,
// `show dspfarm profile`, `show dspfarm dsp all`) and the service: each
// enabled profile registers to call control as an SCCP media resource,
// over TLS with the profile's trustpoint when it is a `security` profile,
// exactly as a router's hardware DSP farm does, so call control treats it
// like any other transcoder (an external DSP farm can register the same
// way). Call control opens and starts each leg of a transcoding session
// with OpenReceiveChannel / StartMediaTransmission (reference
// protocols.md §7.4) carrying each leg's SRTP keys; the media engine
// (telephony/media) moves and transcodes the audio.
package dspfarm

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/telephony/media"
)

// Names and modes.
const (
	FeatureName = "dspfarm"
	ModeCard    = "config-voicecard"
	ModeGroup   = "config-sccp-ccm"
	ModeProfile = "config-dspfarm-profile"
)

func init() {
	config.Register(config.Registration{Name: "voice-card", Order: config.OrderVoiceCard, New: newCards,
		Examples: "voice-card 0\n dsp services dspfarm\nvoice-card 1\n no dspfarm\n"})
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderVoicePort + 50, New: newFeature,
		Examples: `sccp local Loopback0
sccp ccm 10.1.1.1 identifier 1 version 7.0+
sccp ccm 10.1.1.2 identifier 2 port 2001 version 4.1
sccp
sccp ccm group 1
 associate ccm 1 priority 1
 associate ccm 2 priority 2
 associate profile 1 register mtp0001
 associate profile 2 register xcode02
dspfarm profile 1 transcode security
 trustpoint dspfarm
 codec g711ulaw
 codec g711alaw
 codec g722r64
 maximum sessions 4
 associate application SCCP
 no shutdown
dspfarm profile 2 transcode
 codec g711ulaw
 codec g729r8
 maximum sessions 2
 associate application SCCP
`})
}

// Card is one `voice-card N` block: whether its DSPs serve the DSP farm.
type Card struct {
	Slot    int
	DSPFarm bool // `dsp services dspfarm`
	NoFarm  bool // `no dspfarm` (seed 004's E10)
}

type cards struct{ bySlot map[int]*Card }

func newCards(sys *config.System) config.Feature {
	f := &cards{bySlot: map[int]*Card{}}
	help := map[string]string{"voice-card": "Configure a voice card", "slot": "Voice interface slot number",
		"dsp": "Configure DSP related parameters", "services": "Configure DSP services", "dspfarm": "Enable DSP-Farm service"}
	sys.Tree.AddMode(ModeCard, "(config-voicecard)#", cli.ModeConfig)
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "voice-card slot:<0-7>", Help: help, Owner: "voice-card", No: true,
		Run: func(c *cli.Context) error {
			slot := c.Int("slot", 0)
			if c.Negate {
				delete(f.bySlot, slot)
				return nil
			}
			card := f.bySlot[slot]
			if card == nil {
				card = &Card{Slot: slot}
				f.bySlot[slot] = card
			}
			c.Enter(ModeCard, card)
			return nil
		}})
	sys.Tree.Add(ModeCard, cli.Command{Syntax: "dsp services dspfarm", Help: help, Owner: "voice-card", No: true,
		Run: func(c *cli.Context) error {
			card := c.ModeValue().(*Card)
			card.DSPFarm, card.NoFarm = !c.Negate, false
			return nil
		}})
	sys.Tree.Add(ModeCard, cli.Command{Syntax: "dspfarm", Help: help, Owner: "voice-card", No: true,
		Run: func(c *cli.Context) error {
			card := c.ModeValue().(*Card)
			card.NoFarm = c.Negate && !c.Default
			if !c.Negate {
				card.DSPFarm = true
			}
			return nil
		}})
	return f
}

func (f *cards) Render(r *config.Renderer) {
	var slots []int
	for s := range f.bySlot {
		slots = append(slots, s)
	}
	sort.Ints(slots)
	for _, s := range slots {
		c := f.bySlot[s]
		r.Bang()
		r.Linef("voice-card %d", s)
		if c.DSPFarm {
			r.Sub("dsp services dspfarm")
		}
		if c.NoFarm {
			r.Sub("no dspfarm")
		}
	}
	if len(slots) > 0 {
		r.Bang()
	}
}

// CCM is one `sccp ccm` line: a call-control node the farm registers to.
type CCM struct {
	ID      int
	Addr    netip.Addr
	Port    int // 0: the SCCP default, 2000 (2443 over TLS)
	Version string
}

// Assoc is `associate ccm N priority P` in a group.
type Assoc struct{ CCM, Priority int }

// Group is `sccp ccm group N`.
type Group struct {
	ID       int
	CCMs     []Assoc
	Profiles map[int]string // profile id -> registered device name
}

// Profile is `dspfarm profile N transcode [security]`.
type Profile struct {
	ID          int
	Security    bool
	Trustpoint  string
	Codecs      []media.Codec // as typed; none: DefaultCodecs
	MaxSessions int
	SCCP        bool // associate application SCCP
	Shutdown    bool // profiles start shut down, as on IOS
}

// DefaultCodecs are a profile's codecs when none is configured (IOS).
var DefaultCodecs = []media.Codec{media.G711Ulaw, media.G711Alaw}

func (p *Profile) codecs() []media.Codec {
	if len(p.Codecs) == 0 {
		return DefaultCodecs
	}
	return p.Codecs
}

// Feature is the DSP farm configuration and its registrations.
type Feature struct {
	sys *config.System

	// Configuration, guarded by the configuration lock.
	local    string // sccp local interface
	enabled  bool   // `sccp`
	ccms     map[int]*CCM
	groups   map[int]*Group
	profiles map[int]*Profile

	// mu guards the running farms.
	mu     sync.Mutex
	farms  map[int]*farm // by profile id
	engine *media.Engine
	stop   context.CancelFunc
	done   chan struct{}
}

// FromSystem returns the DSP farm feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

var codecWords = []struct {
	word  string
	codec media.Codec
	help  string
}{
	{"g711ulaw", media.G711Ulaw, "G.711 ulaw 64000 bps"},
	{"g711alaw", media.G711Alaw, "G.711 alaw 64000 bps"},
	{"g722r64", media.G722, "G.722 64000 bps"},
	{"g729r8", media.G729, "G.729 8000 bps"},
	{"g729ar8", media.G729AnnexA, "G.729 ANNEX-A 8000 bps"},
	{"g729abr8", media.Codec(16), "G.729 ANNEX-A and B 8000 bps"},
	{"g729br8", media.Codec(15), "G.729 ANNEX-B 8000 bps"},
}

func codecByWord(w string) (media.Codec, bool) {
	for _, c := range codecWords {
		if c.word == w {
			return c.codec, true
		}
	}
	return 0, false
}

func codecWord(c media.Codec) string {
	for _, x := range codecWords {
		if x.codec == c {
			return x.word
		}
	}
	return c.String()
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, ccms: map[int]*CCM{}, groups: map[int]*Group{}, profiles: map[int]*Profile{}, farms: map[int]*farm{}}
	f.commands()
	return f
}

func (f *Feature) commands() {
	t := f.sys.Tree
	t.AddMode(ModeGroup, "(config-sccp-ccm)#", cli.ModeConfig)
	t.AddMode(ModeProfile, "(config-dspfarm-profile)#", cli.ModeConfig)
	help := map[string]string{
		"sccp": "Enable SCCP and its related applications (transcoding and conferencing)", "local": "Local interface that SCCP applications use to register with CCM",
		"ifname": "Interface name", "ccm": "SCCP Call Manager configuration", "ip": "IP address of the Call Manager",
		"identifier": "Specify the ccm identifier", "id": "Call Manager identifier", "version": "Specify CCM version",
		"ver": "CCM version: 3.0, 3.1, 3.2, 3.3, 4.0, 4.1, 5.0.1, 6.0, 7.0+", "port": "Specify the port number",
		"portnum": "TCP port number", "group": "Cisco Call Manager group configuration", "grp": "CCM group number",
		"associate": "Associate a ccm or a profile with this group", "priority": "Priority of the ccm in the group",
		"prio": "Priority, 1 is highest", "profile": "Associate DSP farm profile with this group", "pid": "DSP farm profile identifier",
		"register": "Device name used to register with the Call Manager", "devname": "Device name (up to 15 characters)",
		"dspfarm": "Configure DSP farm", "transcode": "Transcoding profile", "security": "Secure (SRTP) transcoding",
		"trustpoint": "Trustpoint for secure registration and transcoding", "tp": "Trustpoint label", "codec": "Codec supported by the profile",
		"maximum": "Maximum number of resources", "sessions": "Maximum number of sessions", "n": "Number of sessions",
		"application": "Application to associate", "shutdown": "Shut down the profile",
		"connections": "SCCP connections", "dsp": "DSP status", "all": "All DSPs",
	}
	for _, c := range codecWords {
		help[c.word] = c.help
	}
	own := FeatureName
	t.Add(cli.ModeConfig, cli.Command{Syntax: "sccp local ifname:WORD", Help: help, Owner: own, No: true, NoSyntax: "sccp local",
		Run: func(c *cli.Context) error {
			if c.Negate {
				f.local = ""
				return nil
			}
			f.local = canonicalInterface(c.String("ifname"))
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "sccp ccm ip:A.B.C.D identifier id:<1-65535> [ port portnum:<1-65535> ] version ver:WORD",
		Help: help, Owner: own, No: true, NoSyntax: "sccp ccm ip:A.B.C.D identifier id:<1-65535> [ port portnum:<1-65535> ] [ version ver:WORD ]",
		Run: func(c *cli.Context) error {
			id := c.Int("id", 0)
			if c.Negate {
				delete(f.ccms, id)
				return nil
			}
			v := c.String("ver")
			if !validVersion(v) {
				return c.InvalidInput("ver")
			}
			f.ccms[id] = &CCM{ID: id, Addr: netip.MustParseAddr(c.String("ip")), Port: c.Int("portnum", 0), Version: v}
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "sccp", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error { f.enabled = !c.Negate; return nil }})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "sccp ccm group grp:<1-50>", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			id := c.Int("grp", 0)
			if c.Negate {
				delete(f.groups, id)
				return nil
			}
			g := f.groups[id]
			if g == nil {
				g = &Group{ID: id, Profiles: map[int]string{}}
				f.groups[id] = g
			}
			c.Enter(ModeGroup, g)
			return nil
		}})
	t.Add(ModeGroup, cli.Command{Syntax: "associate ccm id:<1-65535> priority prio:<1-4>", Help: help, Owner: own, No: true,
		NoSyntax: "associate ccm id:<1-65535> [ priority prio:<1-4> ]",
		Run: func(c *cli.Context) error {
			g := c.ModeValue().(*Group)
			id := c.Int("id", 0)
			var keep []Assoc
			for _, a := range g.CCMs {
				if a.CCM != id {
					keep = append(keep, a)
				}
			}
			if !c.Negate {
				if f.ccms[id] == nil {
					return fmt.Errorf("%% CCM identifier %d is not configured.", id)
				}
				keep = append(keep, Assoc{CCM: id, Priority: c.Int("prio", 1)})
				sort.SliceStable(keep, func(i, j int) bool { return keep[i].Priority < keep[j].Priority })
			}
			g.CCMs = keep
			return nil
		}})
	t.Add(ModeGroup, cli.Command{Syntax: "associate profile pid:<1-65535> register devname:WORD", Help: help, Owner: own, No: true,
		NoSyntax: "associate profile pid:<1-65535> [ register devname:WORD ]",
		Run: func(c *cli.Context) error {
			g := c.ModeValue().(*Group)
			id := c.Int("pid", 0)
			if c.Negate {
				delete(g.Profiles, id)
				return nil
			}
			name := c.String("devname")
			if len(name) > 15 || !printable(name) {
				return c.InvalidInput("devname")
			}
			g.Profiles[id] = name
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "dspfarm profile pid:<1-65535> transcode [ security ]", Help: help, Owner: own, No: true,
		NoSyntax: "dspfarm profile pid:<1-65535> [ transcode [ security ] ]",
		Run: func(c *cli.Context) error {
			id := c.Int("pid", 0)
			if c.Negate {
				delete(f.profiles, id)
				return nil
			}
			p := f.profiles[id]
			if p == nil {
				p = &Profile{ID: id, Security: c.Has("security"), MaxSessions: 1, Shutdown: true}
				f.profiles[id] = p
			} else if p.Security != c.Has("security") {
				return fmt.Errorf("%% Profile %d already exists with a different type; remove it first.", id)
			}
			c.Enter(ModeProfile, p)
			return nil
		}})
	t.Add(ModeProfile, cli.Command{Syntax: "trustpoint tp:WORD", Help: help, Owner: own, No: true, NoSyntax: "trustpoint",
		Run: func(c *cli.Context) error {
			p := c.ModeValue().(*Profile)
			p.Trustpoint = ""
			if !c.Negate {
				p.Trustpoint = c.String("tp")
			}
			return nil
		}})
	var words []string
	for _, c := range codecWords {
		words = append(words, c.word)
	}
	t.Add(ModeProfile, cli.Command{Syntax: "codec name:{ " + strings.Join(words, " | ") + " }", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			p := c.ModeValue().(*Profile)
			cd, _ := codecByWord(c.String("name"))
			var keep []media.Codec
			for _, x := range p.Codecs {
				if x != cd {
					keep = append(keep, x)
				}
			}
			if !c.Negate {
				keep = append(keep, cd)
			}
			p.Codecs = keep
			return nil
		}})
	t.Add(ModeProfile, cli.Command{Syntax: "maximum sessions n:<1-128>", Help: help, Owner: own, No: true, NoSyntax: "maximum sessions",
		Run: func(c *cli.Context) error {
			p := c.ModeValue().(*Profile)
			p.MaxSessions = 1
			if !c.Negate {
				p.MaxSessions = c.Int("n", 1)
			}
			return nil
		}})
	t.Add(ModeProfile, cli.Command{Syntax: "associate application sccp", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error { c.ModeValue().(*Profile).SCCP = !c.Negate; return nil }})
	t.Add(ModeProfile, cli.Command{Syntax: "shutdown", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			p := c.ModeValue().(*Profile)
			if c.Negate && !c.Default {
				if !p.SCCP {
					return fmt.Errorf("%% Associate an application (associate application SCCP) before enabling the profile.")
				}
				for _, cd := range p.codecs() {
					if !cd.Supported() {
						// IOS accepts the codec; our software DSPs cannot run it.
						f.sys.Log.Logf(4, "DSPFARM", "CODEC_UNSUPPORTED", "profile %d: %s is not available in the software DSP farm; sessions needing it are refused", p.ID, codecWord(cd))
					}
				}
			}
			p.Shutdown = !c.Negate || c.Default
			return nil
		}})

	sh := map[string]string{"show": "Show running system information"}
	for k, v := range help {
		sh[k] = v
	}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show sccp", Help: sh, Pipe: true, Run: f.showSCCP})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show sccp connections", Help: sh, Pipe: true, Run: f.showConnections})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show dspfarm profile [ pid:<1-65535> ]", Help: sh, Pipe: true, Run: f.showProfile})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show dspfarm dsp all", Help: sh, Pipe: true, Run: f.showDSP})
}

func validVersion(v string) bool {
	switch v {
	case "3.0", "3.1", "3.2", "3.3", "4.0", "4.1", "5.0.1", "6.0", "7.0+":
		return true
	}
	return false
}

func printable(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return s != ""
}

// canonicalInterface expands the usual abbreviations (`Gi0/0`,
// `loopback0`) to the IOS name.
func canonicalInterface(s string) string {
	lower := strings.ToLower(s)
	for _, full := range []string{"GigabitEthernet", "FastEthernet", "Ethernet", "Loopback", "Vlan"} {
		fl := strings.ToLower(full)
		i := 0
		for i < len(lower) && (lower[i] < '0' || lower[i] > '9') {
			i++
		}
		if i > 0 && strings.HasPrefix(fl, lower[:i]) {
			return full + s[i:]
		}
	}
	return s
}

// Render writes the sccp and dspfarm lines (IOS puts them after the voice
// ports and before the dial peers).
func (f *Feature) Render(r *config.Renderer) {
	if f.local == "" && len(f.ccms) == 0 && !f.enabled && len(f.groups) == 0 && len(f.profiles) == 0 {
		return
	}
	r.Bang()
	if f.local != "" {
		r.Line("sccp local " + f.local)
	}
	for _, id := range sortedKeys(f.ccms) {
		c := f.ccms[id]
		port := ""
		if c.Port != 0 {
			port = " port " + strconv.Itoa(c.Port)
		}
		r.Linef("sccp ccm %s identifier %d%s version %s", c.Addr, c.ID, port, c.Version)
	}
	if f.enabled {
		r.Line("sccp")
	}
	for _, id := range sortedKeys(f.groups) {
		g := f.groups[id]
		r.Bang()
		r.Linef("sccp ccm group %d", id)
		for _, a := range g.CCMs {
			r.Subf("associate ccm %d priority %d", a.CCM, a.Priority)
		}
		for _, pid := range sortedKeys(g.Profiles) {
			r.Subf("associate profile %d register %s", pid, g.Profiles[pid])
		}
	}
	for _, id := range sortedKeys(f.profiles) {
		p := f.profiles[id]
		r.Bang()
		sec := ""
		if p.Security {
			sec = " security"
		}
		r.Linef("dspfarm profile %d transcode%s", id, sec)
		if p.Trustpoint != "" {
			r.Sub("trustpoint " + p.Trustpoint)
		}
		for _, c := range p.Codecs {
			r.Sub("codec " + codecWord(c))
		}
		r.Subf("maximum sessions %d", p.MaxSessions)
		if p.SCCP {
			r.Sub("associate application SCCP")
		}
		if !p.Shutdown {
			r.Sub("no shutdown")
		}
	}
	r.Bang()
}

func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}
