package ephone

import (
	"cmeos/crypto/capf"
	"cmeos/ios/aaa"
	"cmeos/ios/aaa/pwtype"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/telephony/sccp"
)

const exampleDN = `ephone-dn 1 dual-line
 number 93621000 secondary 93621999
 label Reception
 description front desk
 name 2851-PH1
 call-forward busy 25589000
 call-forward noan 25581101 timeout 10
ephone-dn 2
 number 93621001
 name 2851-PH2
`

const exampleEphone = `ephone-template 1
 service https
ephone 1
 ephone-template 1
 capf-ip-in-cnf
 no multicast-moh
 device-security-mode encrypted
 capf-auth-str 2734
 cert-oper upgrade auth-mode auth-string
 mac-address 0012.4302.A7CC
 codec g711ulaw dspfarm-assist
 type 7970
 button 1:1 2:2
 description lobby phone
ephone 24
 device-security-mode authenticated
 mac-address 0017.94CA.9CCD
 type 7960 addon 1 7914
 button 1:2
`

var dnHelp = map[string]string{
	"ephone-dn": "Configure ephone-dn (directory number)", "tag": "ephone-dn tag", "dual-line": "dual-line DN (2 calls per line/button)",
	"number": "Define ephone-dn telephone extension number", "num": "Extension number", "secondary": "Secondary number",
	"num2": "Secondary number", "name": "Set ephone-dn display name", "text": "Text", "label": "Set ephone-dn label",
	"description": "Set ephone-dn description", "call-forward": "Define E.164 telephone number for call forwarding",
	"busy": "Forward call on busy", "noan": "Forward call on no-answer", "all": "Forward all calls",
	"target": "Target number", "timeout": "Set timeout (seconds) for no-answer", "seconds": "Seconds",
}

var epHelp = map[string]string{
	"ephone": "Configure ephone (IP phone)", "tag": "ephone tag", "mac-address": "Define ethernet MAC address",
	"mac": "MAC address (H.H.H)", "type": "Define phone type", "model": "Phone model", "addon": "Add-on module",
	"1": "Add-on position", "addon-model": "Add-on model", "button": "Define button to ephone-dn mapping",
	"map": "button-index:dn-tag pairs (1:1 2:2)", "device-security-mode": "Device security mode",
	"authenticated": "Device signaling over TLS, no media encryption", "none": "Device signaling in the clear",
	"encrypted": "Device signaling over TLS, media encryption (SRTP)", "capf-ip-in-cnf": "Put the CAPF address in the cnf file",
	"capf-auth-str": "CAPF authentication string", "digits": "4 to 10 digits", "cert-oper": "Certificate operation",
	"delete": "Delete the LSC", "fetch": "Fetch the LSC", "upgrade": "Install or upgrade the LSC",
	"auth-mode": "Authentication mode", "auth-string": "Authentication string", "lsc": "Locally significant certificate",
	"mic": "Manufacturer installed certificate", "null-string": "No authentication",
	"codec": "Codec", "g711ulaw": "G.711 mu-law", "g722r64": "G.722 64 kbit/s", "g729r8": "G.729 8 kbit/s",
	"dspfarm-assist": "Use the DSP farm for this phone's calls", "multicast-moh": "Multicast music on hold",
	"ephone-template": "Ephone template", "template": "Template tag", "description": "Description", "text": "Text",
	"reset": "Reset this phone (reboot)", "restart": "Restart this phone (reload configuration)",
	"username": "Phone user", "user": "User name", "password": "Password", "secret": "Password", "service": "Phone services",
	"https": "HTTPS phone services",
}

func (f *Feature) dnCommands() {
	t := f.sys.Tree
	t.AddMode(ModeDN, "(config-ephone-dn)#", cli.ModeConfig)
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ephone-dn tag:<1-1500> [ dual-line ]", Help: dnHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			tag := c.Int("tag", 0)
			if c.Negate {
				delete(f.dns, tag)
				return nil
			}
			d := f.dns[tag]
			if d == nil {
				if f.svc.MaxDN != 0 && len(f.dns) >= f.svc.MaxDN {
					return fmt.Errorf("%% Ephone-dn %d exceeds max-dn %d", tag, f.svc.MaxDN)
				}
				d = &DN{Tag: tag, Preference: -1, PreferenceSecondary: -1}
				f.dns[tag] = d
			}
			d.DualLine = c.Has("dual-line")
			c.Enter(ModeDN, d)
			return nil
		}})
	add := func(syntax string, run func(c *cli.Context, d *DN) error) {
		t.Add(ModeDN, cli.Command{Syntax: syntax, Help: dnHelp, Owner: FeatureTelephony, No: true,
			Run: func(c *cli.Context) error { return run(c, c.ModeValue().(*DN)) }})
	}
	num := regexp.MustCompile(`^[0-9*#+.A-Da-d]{1,32}$`)
	add("number num:WORD [ secondary num2:WORD ]", func(c *cli.Context, d *DN) error {
		if c.Negate {
			d.Number, d.Secondary = "", ""
			return nil
		}
		if !num.MatchString(c.String("num")) {
			return c.InvalidInput("num")
		}
		if c.Has("num2") && !num.MatchString(c.String("num2")) {
			return c.InvalidInput("num2")
		}
		for _, o := range f.dns {
			if o != d && o.Number == c.String("num") {
				return fmt.Errorf("%% Number %s is already in use by ephone-dn %d", o.Number, o.Tag)
			}
		}
		d.Number, d.Secondary = c.String("num"), c.String("num2")
		return nil
	})
	text := func(get func(d *DN) *string, max int) func(c *cli.Context, d *DN) error {
		return func(c *cli.Context, d *DN) error {
			p := get(d)
			if c.Negate {
				*p = ""
				return nil
			}
			if len(c.String("text")) > max {
				return c.InvalidInput("text")
			}
			*p = c.String("text")
			return nil
		}
	}
	add("name text:LINE", text(func(d *DN) *string { return &d.Name }, 50))
	add("label text:LINE", text(func(d *DN) *string { return &d.Label }, 30))
	add("description text:LINE", text(func(d *DN) *string { return &d.Description }, 40))
	add("call-forward { busy target:WORD | noan target:WORD timeout seconds:<3-60000> | all target:WORD }", func(c *cli.Context, d *DN) error {
		kind := pick(c, "busy", "noan", "all")
		var keep []string
		for _, l := range d.Forward {
			if !strings.HasPrefix(l, "call-forward "+kind+" ") {
				keep = append(keep, l)
			}
		}
		if !c.Negate {
			if !num.MatchString(c.String("target")) {
				return c.InvalidInput("target")
			}
			keep = append(keep, c.CanonicalArgs())
		}
		order := map[string]int{"busy": 0, "noan": 1, "all": 2}
		sortLines(keep, func(l string) int { return order[strings.Fields(l)[1]] })
		d.Forward = keep
		return nil
	})
}

func sortLines(ls []string, key func(string) int) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && key(ls[j]) < key(ls[j-1]); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

func (f *Feature) ephoneCommands() {
	t := f.sys.Tree
	t.AddMode(ModeEphone, "(config-ephone)#", cli.ModeConfig)
	t.AddMode(ModeTemplate, "(config-ephone-template)#", cli.ModeConfig)
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ephone tag:<1-1000>", Help: epHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			tag := c.Int("tag", 0)
			if c.Negate {
				delete(f.ephones, tag)
				return nil
			}
			return f.enterEphone(c, tag)
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ephone-template tag:<1-20>", Help: epHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			tag := c.Int("tag", 0)
			if c.Negate {
				delete(f.templates, tag)
				return nil
			}
			tp := f.templates[tag]
			if tp == nil {
				tp = &Template{Tag: tag}
				f.templates[tag] = tp
			}
			c.Enter(ModeTemplate, tp)
			return nil
		}})
	t.Add(ModeTemplate, cli.Command{Syntax: "service https", Help: epHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error { c.ModeValue().(*Template).ServiceHTTPS = !c.Negate; return nil }})
	add := func(syntax string, run func(c *cli.Context, e *Ephone) error) {
		t.Add(ModeEphone, cli.Command{Syntax: syntax, Help: epHelp, Owner: FeatureTelephony, No: true,
			Run: func(c *cli.Context) error { return run(c, c.ModeValue().(*Ephone)) }})
	}
	// The phone user's password falls under the CME password policy (seed
	// 004; reference §6.6): checked on the clear text, type 6 decrypted first.
	add("username user:WORD password [ typ:{ 0 | 6 } ] LINE", func(c *cli.Context, e *Ephone) error {
		if c.Negate {
			e.User, e.Password = "", nil
			return nil
		}
		typ := 0
		if c.String("typ") == "6" {
			typ = 6
		}
		p, err := aaa.ParsePassword(f.sys, typ, c.String("LINE"))
		if err != nil {
			return err
		}
		if err := pwtype.CheckPolicy(p.Plain()); err != nil {
			return err
		}
		e.User, e.Password = c.String("user"), p
		return nil
	})
	add("mac-address mac:H.H.H", func(c *cli.Context, e *Ephone) error {
		if c.Negate {
			e.MAC = ""
			return nil
		}
		m := c.String("mac")
		for _, o := range f.ephones {
			if o != e && o.MAC == m {
				return fmt.Errorf("%% MAC address %s is already used by ephone %d", m, o.Tag)
			}
		}
		e.MAC = m
		return nil
	})
	// `type ?` lists the models, as IOS does: one keyword per phone type
	// (keywords are lower case; the model is stored in its own spelling).
	typeHelp := maps.Clone(epHelp)
	kws := make([]string, len(PhoneTypes))
	for i, p := range PhoneTypes {
		kws[i] = strings.ToLower(p)
		typeHelp[kws[i]] = phoneTypeHelp(p)
	}
	addHelp := func(syntax string, help map[string]string, run func(c *cli.Context, e *Ephone) error) {
		t.Add(ModeEphone, cli.Command{Syntax: syntax, Help: help, Owner: FeatureTelephony, No: true,
			Run: func(c *cli.Context) error { return run(c, c.ModeValue().(*Ephone)) }})
	}
	addHelp("type { "+strings.Join(kws, " | ")+" } [ addon 1 addon-model:WORD ]", typeHelp, func(c *cli.Context, e *Ephone) error {
		if c.Negate {
			e.Type, e.Addon = "", ""
			return nil
		}
		model := pick(c, kws...)
		addon := ""
		if c.Has("addon-model") {
			if !validType(c.String("addon-model")) {
				return c.InvalidInput("addon-model")
			}
			addon = canonType(c.String("addon-model"))
		}
		e.Type, e.Addon = canonType(model), addon
		return nil
	})
	// N:dn (s silent, b beep, f feature ring, m monitor, w watch, x
	// expansion), and the overlays No / Nc with up to 25 DNs (N o dn,dn,...).
	btn := regexp.MustCompile(`^([0-9]{1,2})(?:[:sbfmwx][0-9]{1,4}|[oc][0-9]{1,4}(?:,[0-9]{1,4}){0,24})$`)
	add("button map:WORD...", func(c *cli.Context, e *Ephone) error {
		if c.Negate {
			e.Buttons = nil
			return nil
		}
		seen := map[int]bool{}
		var bs []Button
		for _, w := range c.Strings("map") {
			b, ok := parseButton(w)
			if !btn.MatchString(w) || !ok || seen[b.Index] {
				return c.InvalidInput("map")
			}
			seen[b.Index] = true
			bs = append(bs, b)
		}
		e.Buttons = bs
		return nil
	})
	add("device-security-mode { authenticated | none | encrypted }", func(c *cli.Context, e *Ephone) error {
		e.Security = ModeUnset
		if !c.Negate {
			e.Security = parseMode(pick(c, "authenticated", "none", "encrypted"))
		}
		return nil
	})
	add("capf-ip-in-cnf", func(c *cli.Context, e *Ephone) error { e.CapfIPInCnf = !c.Negate; return nil })
	t.Add(ModeEphone, cli.Command{Syntax: "multicast-moh", Help: epHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			c.ModeValue().(*Ephone).NoMulticastMOH = c.Negate && !c.Default
			return nil
		}})
	add("capf-auth-str digits:WORD", func(c *cli.Context, e *Ephone) error {
		if c.Negate {
			e.CapfAuthStr = ""
			return nil
		}
		d := c.String("digits")
		if len(d) < 4 || len(d) > 10 || strings.Trim(d, "0123456789") != "" {
			return c.InvalidInput("digits")
		}
		e.CapfAuthStr = d
		return nil
	})
	add("cert-oper { delete | fetch | upgrade } auth-mode { auth-string | lsc | mic | null-string }", func(c *cli.Context, e *Ephone) error {
		e.CertOper, e.AuthMode = "", ""
		if !c.Negate {
			e.CertOper = pick(c, "delete", "fetch", "upgrade")
			e.AuthMode = pick(c, "auth-string", "lsc", "mic", "null-string")
			if e.AuthMode == "lsc" || e.AuthMode == "mic" {
				e.AuthMode = strings.ToUpper(e.AuthMode) // IOS shows LSC and MIC in capitals
			}
			// Entering cert-oper starts the operation again, also where the
			// same one completed before (crypto/capf keeps what is done).
			if cf := capf.FromSystem(f.sys); cf != nil && e.MAC != "" && !f.sys.IsLoading() {
				cf.Reschedule("SEP" + e.MACHex())
			}
		}
		return nil
	})
	add("codec { g711ulaw | g722r64 | g729r8 } [ dspfarm-assist ]", func(c *cli.Context, e *Ephone) error {
		e.Codec, e.DSPFarmAssist = "", false
		if !c.Negate {
			e.Codec = pick(c, "g711ulaw", "g722r64", "g729r8")
			e.DSPFarmAssist = c.Has("dspfarm-assist")
		}
		return nil
	})
	add("ephone-template template:<1-20>", func(c *cli.Context, e *Ephone) error {
		w := strings.Fields(c.Line())
		if c.Negate && len(w) > 0 {
			w = w[1:]
		}
		if len(w) > 0 && len(w[0]) <= len("ephone") {
			// "ephone 2" typed in (config-ephone) is the global command,
			// which the abbreviation rule would read as ephone-template.
			if c.Negate {
				delete(f.ephones, c.Int("template", 0))
				c.Session.Exit()
				return nil
			}
			return f.enterEphone(c, c.Int("template", 0))
		}
		if c.Negate {
			e.Template = 0
			return nil
		}
		if f.templates[c.Int("template", 0)] == nil {
			return fmt.Errorf("%% Ephone-template %d does not exist.", c.Int("template", 0))
		}
		e.Template = c.Int("template", 0)
		return nil
	})
	add("description text:LINE", func(c *cli.Context, e *Ephone) error {
		e.Description = ""
		if !c.Negate {
			e.Description = c.String("text")
		}
		return nil
	})
	t.Add(ModeEphone, cli.Command{Syntax: "reset", Help: epHelp, Run: func(c *cli.Context) error {
		f.x.resetPhone(c.ModeValue().(*Ephone).Tag, sccp.ResetReset)
		return nil
	}})
	t.Add(ModeEphone, cli.Command{Syntax: "restart", Help: epHelp, Run: func(c *cli.Context) error {
		f.x.resetPhone(c.ModeValue().(*Ephone).Tag, sccp.ResetRestart)
		return nil
	}})
}

// Render writes the ephone-dn blocks.
func (b dnBlock) Render(r *config.Renderer) {
	f := b.f
	for _, tag := range sortedKeys(f.dns) {
		d := f.dns[tag]
		l := "ephone-dn " + strconv.Itoa(tag)
		if d.DualLine {
			l += " dual-line"
		}
		r.Line(l)
		if d.Number != "" {
			s := "number " + d.Number
			if d.Secondary != "" {
				s += " secondary " + d.Secondary
			}
			r.Sub(s)
		}
		if d.Label != "" {
			r.Sub("label " + d.Label)
		}
		if d.Description != "" {
			r.Sub("description " + d.Description)
		}
		if d.Name != "" {
			r.Sub("name " + d.Name)
		}
		for _, fw := range d.Forward {
			r.Sub(fw)
		}
		renderHunt(r, d)
		r.Bang()
	}
}

// Render writes the ephone-template and ephone blocks.
func (b ephoneBlock) Render(r *config.Renderer) {
	f := b.f
	for _, tag := range sortedKeys(f.templates) {
		tp := f.templates[tag]
		r.Linef("ephone-template %d", tag)
		if tp.ServiceHTTPS {
			r.Sub("service https")
		}
		r.Bang()
	}
	for _, tag := range sortedKeys(f.ephones) {
		e := f.ephones[tag]
		r.Linef("ephone %d", tag)
		if e.Template != 0 {
			r.Subf("ephone-template %d", e.Template)
		}
		if e.CapfIPInCnf {
			r.Sub("capf-ip-in-cnf")
		}
		if e.NoMulticastMOH {
			r.Sub("no multicast-moh")
		}
		if e.Security != ModeUnset {
			r.Sub("device-security-mode " + e.Security.String())
		}
		if e.CapfAuthStr != "" {
			r.Sub("capf-auth-str " + e.CapfAuthStr)
		}
		if e.CertOper != "" {
			r.Sub("cert-oper " + e.CertOper + " auth-mode " + e.AuthMode)
		}
		if e.MAC != "" {
			r.Sub("mac-address " + e.MAC)
		}
		if e.Codec != "" {
			s := "codec " + e.Codec
			if e.DSPFarmAssist {
				s += " dspfarm-assist"
			}
			r.Sub(s)
		}
		if e.Type != "" {
			s := "type " + e.Type
			if e.Addon != "" {
				s += " addon 1 " + e.Addon
			}
			r.Sub(s)
		}
		if len(e.Buttons) > 0 {
			words := make([]string, len(e.Buttons))
			for i, b := range e.Buttons {
				words[i] = b.String()
			}
			r.Sub("button " + strings.Join(words, " "))
		}
		renderSpeedDials(r, e)
		if e.Description != "" {
			r.Sub("description " + e.Description)
		}
		if e.Password != nil {
			r.Sub("username " + e.User + " password " + e.Password.Render(f.sys, !f.svc.NoEncryptPW, false))
		}
		r.Bang()
	}
}

func (f *Feature) enterEphone(c *cli.Context, tag int) error {
	e := f.ephones[tag]
	if e == nil {
		if f.svc.MaxEphones != 0 && len(f.ephones) >= f.svc.MaxEphones {
			return fmt.Errorf("%% Ephone %d exceeds max-ephones %d", tag, f.svc.MaxEphones)
		}
		e = &Ephone{Tag: tag}
		f.ephones[tag] = e
	}
	c.Enter(ModeEphone, e)
	return nil
}
