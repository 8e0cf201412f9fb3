package ephone

import (
	"fmt"
	"strconv"
	"strings"

	"cmeos/ios/aaa"
	"cmeos/ios/aaa/pwtype"
	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// Settings are the telephony-service lines whose behaviour belongs to call
// control, services or the web GUI, kept typed (issue 17 item 4: no state
// as command text) and rendered in the order of seed E10.
type Settings struct {
	AutoAssign       []AutoAssign
	URLs             map[string]string // directories, services, idle, information, proxy-server
	URLAuth          *URLAuth
	LoadCfg          []LoadCfgFile
	Voicemail        string
	MaxConferences   int // 0: not set
	ConfGain         int
	HasConfGain      bool
	CallForward      string // call-forward pattern
	MOH              string
	WebAdmin         *WebAdmin
	Users            []ServiceUser // ssh userid, service local-directory authenticate, xml user, standby user
	Credentials      []AppCredential
	DNWebEdit        bool
	TimeWebEdit      bool
	TransferSystem   string // "full-consult", "full-consult dss", ...
	TransferPatterns []TransferPattern
	Dialplans        []Dialplan
	SDSPFarmUnits    int // -1: not set
	SDSPFarmSessions int // -1: not set
	SDSPFarmTags     []SDSPFarmTag
	Codec            string
}

// AutoAssign is `auto assign FIRST to LAST`.
type AutoAssign struct{ First, Last int }

// URLAuth is `url authentication URL APP password [0|6] PW` (seed 004,
// Extension Mobility).
type URLAuth struct {
	URL, App string
	Password *aaa.Password
}

// LoadCfgFile is `load-cfg-file URL alias NAME [sign]`.
type LoadCfgFile struct {
	URL, Alias string
	Sign       bool
}

// WebAdmin is `web admin system name USER {password|secret} VALUE`.
type WebAdmin struct {
	User   string
	Secret bool
	Value  string
}

// ServiceUser is one of the CME accounts seed 004 lists under
// telephony-service, each with a password under the CME password policy.
type ServiceUser struct {
	Kind      string // "ssh userid", "service local-directory authenticate", "xml user", "standby user"
	Name      string
	Password  *aaa.Password
	Privilege int // xml user only
}

// AppCredential is `authentication credential APP password [0|6] PW`.
type AppCredential struct {
	App      string
	Password *aaa.Password
}

// TransferPattern is `transfer-pattern PATTERN [blind]`.
type TransferPattern struct {
	Pattern string
	Blind   bool
}

// Dialplan is `dialplan-pattern TAG PATTERN extension-length N
// [extension-pattern P] [no-reg]`.
type Dialplan struct {
	Tag        int
	Pattern    string
	ExtLength  int
	ExtPattern string
	NoReg      bool
}

// SDSPFarmTag is `sdspfarm tag N DEVICE`.
type SDSPFarmTag struct {
	Tag    int
	Device string
}

func newSettings() Settings {
	return Settings{URLs: map[string]string{}, SDSPFarmUnits: -1, SDSPFarmSessions: -1}
}

// inertSettings are the settings (by first keyword) stored and rendered
// for the seed configurations but used by nothing yet: the session notes
// it (cli.Command.Inert). Call control reads transfer-system and codec.
var inertSettings = map[string]bool{
	"auto": true, "url": true, "authentication": true, "ssh": true, "service": true, "xml": true, "standby": true,
	"voicemail": true, "max-conferences": true, "call-forward": true, "moh": true, "web": true, "dn-webedit": true,
	"time-webedit": true, "transfer-pattern": true, "dialplan-pattern": true,
}

var urlKinds = []string{"directories", "services", "idle", "information", "proxy-server"}

// servicePassword parses a `[0|6] PW` pair under the CME password policy
// (seed 004: type 0 and type 6 values both follow it).
func servicePassword(sys *config.System, c *cli.Context) (*aaa.Password, error) {
	typ := 0
	if c.String("typ") == "6" {
		typ = 6
	}
	p, err := aaa.ParsePassword(sys, typ, c.String("pw"))
	if err != nil {
		return nil, err
	}
	if err := pwtype.CheckPolicy(p.Plain()); err != nil {
		return nil, err
	}
	return p, nil
}

// settingsCommands registers the typed telephony-service lines.
func (f *Feature) settingsCommands() {
	t := f.sys.Tree
	st := func() *Settings { return &f.svc.Settings }
	add := func(syntax string, run func(c *cli.Context, s *Settings) error) {
		t.Add(ModeTelephony, cli.Command{Syntax: syntax, Help: tsHelp, Owner: FeatureTelephony, No: true,
			Inert: inertSettings[strings.Fields(syntax)[0]], Run: func(c *cli.Context) error { return run(c, st()) }})
	}
	add("auto assign first:<1-1500> to last:<1-1500>", func(c *cli.Context, s *Settings) error {
		a := AutoAssign{c.Int("first", 0), c.Int("last", 0)}
		if !c.Negate && a.Last < a.First {
			return c.InvalidInput("last")
		}
		var keep []AutoAssign
		for _, o := range s.AutoAssign {
			if o.First != a.First {
				keep = append(keep, o)
			}
		}
		if !c.Negate {
			keep = append(keep, a)
		}
		s.AutoAssign = keep
		return nil
	})
	add("url { directories | services | idle | information | proxy-server } value:LINE", func(c *cli.Context, s *Settings) error {
		k := pick(c, urlKinds...)
		if c.Negate {
			delete(s.URLs, k)
			return nil
		}
		s.URLs[k] = c.String("value")
		return nil
	})
	add("url authentication authurl:WORD app:WORD password [ typ:{ 0 | 6 } ] pw:WORD", func(c *cli.Context, s *Settings) error {
		if c.Negate {
			s.URLAuth = nil
			return nil
		}
		p, err := servicePassword(f.sys, c)
		if err != nil {
			return err
		}
		s.URLAuth = &URLAuth{URL: c.String("authurl"), App: c.String("app"), Password: p}
		return nil
	})
	add("authentication credential app:WORD password [ typ:{ 0 | 6 } ] pw:WORD", func(c *cli.Context, s *Settings) error {
		var keep []AppCredential
		for _, o := range s.Credentials {
			if o.App != c.String("app") {
				keep = append(keep, o)
			}
		}
		if !c.Negate {
			p, err := servicePassword(f.sys, c)
			if err != nil {
				return err
			}
			keep = append(keep, AppCredential{App: c.String("app"), Password: p})
		}
		s.Credentials = keep
		return nil
	})
	user := func(kind string, c *cli.Context, s *Settings, priv int) error {
		var keep []ServiceUser
		for _, o := range s.Users {
			// One account of each kind; xml users by name.
			if o.Kind != kind || (kind == "xml user" && o.Name != c.String("uname")) {
				keep = append(keep, o)
			}
		}
		if !c.Negate {
			p, err := servicePassword(f.sys, c)
			if err != nil {
				return err
			}
			keep = append(keep, ServiceUser{Kind: kind, Name: c.String("uname"), Password: p, Privilege: priv})
		}
		s.Users = keep
		return nil
	}
	add("ssh userid uname:WORD password [ typ:{ 0 | 6 } ] pw:WORD", func(c *cli.Context, s *Settings) error {
		return user("ssh userid", c, s, 0)
	})
	add("service local-directory authenticate uname:WORD [ typ:{ 0 | 6 } ] pw:WORD", func(c *cli.Context, s *Settings) error {
		return user("service local-directory authenticate", c, s, 0)
	})
	add("xml user uname:WORD password [ typ:{ 0 | 6 } ] pw:WORD priv:<0-15>", func(c *cli.Context, s *Settings) error {
		return user("xml user", c, s, c.Int("priv", 0))
	})
	add("standby user uname:WORD password [ typ:{ 0 | 6 } ] pw:WORD", func(c *cli.Context, s *Settings) error {
		return user("standby user", c, s, 0)
	})
	add("voicemail number:WORD", func(c *cli.Context, s *Settings) error {
		s.Voicemail = ""
		if !c.Negate {
			s.Voicemail = c.String("number")
		}
		return nil
	})
	add("max-conferences n:<1-32> [ gain db:<-6-6> ]", func(c *cli.Context, s *Settings) error {
		s.MaxConferences, s.ConfGain, s.HasConfGain = 0, 0, false
		if !c.Negate {
			s.MaxConferences = c.Int("n", 0)
			s.ConfGain, s.HasConfGain = c.Int("db", 0), c.Has("db")
		}
		return nil
	})
	add("call-forward pattern pat:WORD", func(c *cli.Context, s *Settings) error {
		s.CallForward = ""
		if !c.Negate {
			s.CallForward = c.String("pat")
		}
		return nil
	})
	add("moh file:WORD", func(c *cli.Context, s *Settings) error {
		s.MOH = ""
		if !c.Negate {
			s.MOH = c.String("file")
		}
		return nil
	})
	add("web admin system name uname:WORD { password | secret } wpw:WORD", func(c *cli.Context, s *Settings) error {
		s.WebAdmin = nil
		if !c.Negate {
			s.WebAdmin = &WebAdmin{User: c.String("uname"), Secret: c.Has("secret") && !c.Has("password"), Value: c.String("wpw")}
		}
		return nil
	})
	add("dn-webedit", func(c *cli.Context, s *Settings) error { s.DNWebEdit = !c.Negate; return nil })
	add("time-webedit", func(c *cli.Context, s *Settings) error { s.TimeWebEdit = !c.Negate; return nil })
	add("transfer-system { basic | blind | full-blind | full-consult [ dss | privacy-on-hold ] | local-consult }", func(c *cli.Context, s *Settings) error {
		s.TransferSystem = ""
		if !c.Negate {
			s.TransferSystem = strings.TrimPrefix(c.CanonicalArgs(), "transfer-system ")
		}
		return nil
	})
	add("transfer-pattern pattern:WORD [ blind ]", func(c *cli.Context, s *Settings) error {
		var keep []TransferPattern
		for _, o := range s.TransferPatterns {
			if o.Pattern != c.String("pattern") {
				keep = append(keep, o)
			}
		}
		if !c.Negate {
			keep = append(keep, TransferPattern{c.String("pattern"), c.Has("blind")})
		}
		s.TransferPatterns = keep
		return nil
	})
	add("dialplan-pattern tag:<1-32> pattern:WORD extension-length len:<1-32> [ extension-pattern ext:WORD ] [ no-reg ]", func(c *cli.Context, s *Settings) error {
		var keep []Dialplan
		for _, o := range s.Dialplans {
			if o.Tag != c.Int("tag", 0) {
				keep = append(keep, o)
			}
		}
		if !c.Negate {
			keep = append(keep, Dialplan{Tag: c.Int("tag", 0), Pattern: c.String("pattern"), ExtLength: c.Int("len", 0),
				ExtPattern: c.String("ext"), NoReg: c.Has("no-reg")})
		}
		s.Dialplans = keep
		return nil
	})
	add("sdspfarm { units n:<0-5> | transcode sessions nsess:<0-128> | tag tagn:<1-5> device:WORD }", func(c *cli.Context, s *Settings) error {
		switch {
		case c.Has("units"):
			s.SDSPFarmUnits = -1
			if !c.Negate {
				s.SDSPFarmUnits = c.Int("n", 0)
			}
		case c.Has("transcode"):
			s.SDSPFarmSessions = -1
			if !c.Negate {
				s.SDSPFarmSessions = c.Int("nsess", 0)
			}
		default:
			var keep []SDSPFarmTag
			for _, o := range s.SDSPFarmTags {
				if o.Tag != c.Int("tagn", 0) {
					keep = append(keep, o)
				}
			}
			if !c.Negate {
				keep = append(keep, SDSPFarmTag{c.Int("tagn", 0), c.String("device")})
			}
			s.SDSPFarmTags = keep
		}
		return nil
	})
	add("codec { g711ulaw | g722r64 | g729r8 }", func(c *cli.Context, s *Settings) error {
		s.Codec = ""
		if !c.Negate {
			s.Codec = pick(c, "g711ulaw", "g722r64", "g729r8")
		}
		return nil
	})
}

// settingsLines renders one group of the settings in seed E10's order
// (group 0 after `no auto-reg-ephone`, 1 after `system message`, 2 after
// `cnf-file perphone`, 3 after `keepalive`). Passwords follow the type 6 rules (`encrypt password`,
// `password encryption aes`); with hide they are left out (show commands).
func (f *Feature) settingsLines(group int, hide bool) []string {
	s := &f.svc.Settings
	pw := func(p *aaa.Password) string {
		if hide {
			return "*****"
		}
		return p.Render(f.sys, !f.svc.NoEncryptPW, false)
	}
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	switch group {
	case 0:
		for _, a := range s.AutoAssign {
			add("auto assign %d to %d", a.First, a.Last)
		}
	case 1:
		for _, k := range urlKinds {
			if v, ok := s.URLs[k]; ok {
				add("url %s %s", k, v)
			}
		}
		if a := s.URLAuth; a != nil {
			add("url authentication %s %s password %s", a.URL, a.App, pw(a.Password))
		}
		for _, c := range s.Credentials {
			add("authentication credential %s password %s", c.App, pw(c.Password))
		}
	case 2:
		for _, l := range s.LoadCfg {
			line := "load-cfg-file " + l.URL + " alias " + l.Alias
			if l.Sign {
				line += " sign"
			}
			out = append(out, line)
		}
		if s.Voicemail != "" {
			add("voicemail %s", s.Voicemail)
		}
		if s.MaxConferences != 0 {
			line := "max-conferences " + strconv.Itoa(s.MaxConferences)
			if s.HasConfGain {
				line += " gain " + strconv.Itoa(s.ConfGain)
			}
			out = append(out, line)
		}
		if s.CallForward != "" {
			add("call-forward pattern %s", s.CallForward)
		}
		if s.MOH != "" {
			add("moh %s", s.MOH)
		}
		if w := s.WebAdmin; w != nil {
			kw := "password"
			if w.Secret {
				kw = "secret"
			}
			if hide {
				add("web admin system name %s", w.User)
			} else {
				add("web admin system name %s %s %s", w.User, kw, w.Value)
			}
		}
		for _, u := range s.Users {
			switch u.Kind {
			case "service local-directory authenticate":
				add("%s %s %s", u.Kind, u.Name, pw(u.Password))
			case "xml user":
				add("xml user %s password %s %d", u.Name, pw(u.Password), u.Privilege)
			default:
				add("%s %s password %s", u.Kind, u.Name, pw(u.Password))
			}
		}
		if s.DNWebEdit {
			out = append(out, "dn-webedit")
		}
		if s.TimeWebEdit {
			out = append(out, "time-webedit")
		}
		if s.TransferSystem != "" {
			add("transfer-system %s", s.TransferSystem)
		}
	case 3:
		for _, p := range s.TransferPatterns {
			line := "transfer-pattern " + p.Pattern
			if p.Blind {
				line += " blind"
			}
			out = append(out, line)
		}
		for _, d := range s.Dialplans {
			line := fmt.Sprintf("dialplan-pattern %d %s extension-length %d", d.Tag, d.Pattern, d.ExtLength)
			if d.ExtPattern != "" {
				line += " extension-pattern " + d.ExtPattern
			}
			if d.NoReg {
				line += " no-reg"
			}
			out = append(out, line)
		}
		if s.SDSPFarmUnits >= 0 {
			add("sdspfarm units %d", s.SDSPFarmUnits)
		}
		if s.SDSPFarmSessions >= 0 {
			add("sdspfarm transcode sessions %d", s.SDSPFarmSessions)
		}
		for _, tg := range s.SDSPFarmTags {
			add("sdspfarm tag %d %s", tg.Tag, tg.Device)
		}
		if s.Codec != "" {
			add("codec %s", s.Codec)
		}
	}
	return out
}
