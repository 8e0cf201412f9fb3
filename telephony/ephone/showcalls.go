package ephone

import (
	"encoding/base64"
	"fmt"
	"strings"

	"cmeos/ios/cli"
	"cmeos/telephony/sccp"
)

// Live show commands (show ephone ..., show ephone-dn ...), `debug
// ephone`, and the reset/restart actions. They run under the
// configuration lock and read the exchange under its own lock (the order
// is always configuration lock, then exchange).

func (f *Feature) liveCommands() {
	t := f.sys.Tree
	t.Add(ModeTelephony, cli.Command{Syntax: "timeouts interdigit seconds:<2-120>", Owner: FeatureTelephony, No: true,
		Help: map[string]string{"timeouts": "Define timeouts for telephony-service", "interdigit": "Interdigit timeout for IP phones",
			"seconds": "Interdigit timeout in seconds (default 10)"},
		Run: func(c *cli.Context) error {
			f.svc.Interdigit = 0
			if !c.Negate {
				f.svc.Interdigit = c.Int("seconds", 0)
			}
			return nil
		}})
	h := map[string]string{"show": "Show running system information", "ephone": "Show ephone (IP phone) status",
		"tag": "ephone tag", "registered": "Registered ephones", "unregistered": "Unregistered ephones",
		"summary": "Summary of all ephones", "telephone-number": "Ephones with this telephone number", "num": "Telephone number",
		"offhook": "Ephones in a call", "phone-load": "Firmware loads of the ephones", "socket": "SCCP sockets",
		"ephone-dn": "Show ephone-dn (directory number) status", "dn": "ephone-dn tag"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ephone [ tag:<1-1000> | registered | unregistered | summary | telephone-number num:WORD | offhook | phone-load | socket ]",
		Help: h, Pipe: true, Run: func(c *cli.Context) error {
			f.showEphones(c)
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ephone-dn [ dn:<1-1500> | summary ]", Help: h, Pipe: true,
		Run: func(c *cli.Context) error {
			f.showDNs(c)
			return nil
		}})
	dh := map[string]string{"debug": "Debugging functions (see also 'undebug')", "no": "Disable debugging functions",
		"ephone": "ephone (IP phone) debugging", "register": "Registration", "state": "Call state changes",
		"detail": "Messages and media", "mac-address": "Only this phone", "mac": "MAC address (H.H.H)"}
	words := map[string]string{"register": "registration", "state": "state", "detail": "detail"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "debug ephone { register | state | detail } [ mac-address mac:H.H.H ]", Help: dh,
		Run: func(c *cli.Context) error {
			kind := pick(c, "register", "state", "detail")
			x := f.x
			switch kind {
			case "register":
				x.debug.register.Store(true)
			case "state":
				x.debug.state.Store(true)
			default:
				x.debug.detail.Store(true)
			}
			if c.Has("mac") {
				m := strings.ToUpper(strings.ReplaceAll(c.String("mac"), ".", ""))
				x.debug.mac.Store(&m)
			} else {
				x.debug.mac.Store(nil)
			}
			c.Printf("EPHONE %s debugging is enabled\n", words[kind])
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "no debug ephone { register | state | detail } [ mac-address mac:H.H.H ]", Help: dh,
		Run: func(c *cli.Context) error {
			kind := pick(c, "register", "state", "detail")
			x := f.x
			switch kind {
			case "register":
				x.debug.register.Store(false)
			case "state":
				x.debug.state.Store(false)
			default:
				x.debug.detail.Store(false)
			}
			c.Printf("EPHONE %s debugging is disabled\n", words[kind])
			return nil
		}})
}

// resetPhone sends Reset to the registered phone of ephone tag (kind 1
// reset, 2 restart); false if it is not registered.
func (x *exchange) resetPhone(tag int, kind uint32) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range x.phones {
		if p.tag == tag {
			p.sendReset(kind)
			return true
		}
	}
	return false
}

// resetAll resets or restarts every registered phone.
func (x *exchange) resetAll(kind uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range x.phones {
		p.sendReset(kind)
	}
}

// showEphones renders `show ephone ...` (configuration lock held).
func (f *Feature) showEphones(c *cli.Context) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	byTag := map[int]*phone{}
	for _, p := range x.phones {
		byTag[p.tag] = p
	}
	tags := map[int]bool{}
	for t := range f.ephones {
		tags[t] = true
	}
	for t := range byTag {
		tags[t] = true
	}
	switch {
	case c.Has("phone-load"):
		f.showPhoneLoad(c, byTag)
		return
	case c.Has("socket"):
		f.showSockets(c, byTag)
		return
	}
	if c.Has("summary") {
		c.Printf("\nhairpin_block:\n")
	}
	for _, tag := range sortedKeys(tags) {
		p := byTag[tag]
		e := f.ephones[tag]
		switch {
		case c.Has("tag") && c.Int("tag", 0) != tag,
			c.Has("registered") && p == nil,
			c.Has("unregistered") && p != nil,
			c.Has("offhook") && (p == nil || p.activeLeg() == nil):
			continue
		case c.Has("num") && !f.hasNumber(p, e, c.String("num")):
			continue
		}
		if p == nil {
			f.showUnregistered(c, tag, e, c.Has("summary"))
			continue
		}
		f.showRegistered(c, p, c.Has("summary"))
	}
}

func (f *Feature) hasNumber(p *phone, e *Ephone, num string) bool {
	var bs []Button
	if p != nil {
		for _, ln := range p.lines {
			bs = append(bs, Button{DNs: ln.dns})
		}
	} else if e != nil {
		bs = e.Buttons
	}
	for _, b := range bs {
		for _, tag := range b.DNs {
			if d := f.dns[tag]; d != nil && (d.Number == num || d.Secondary == num) {
				return true
			}
		}
	}
	return false
}

// showUnregistered is a configured phone that is not registered.
func (f *Feature) showUnregistered(c *cli.Context, tag int, e *Ephone, summary bool) {
	if e == nil {
		return
	}
	mac := e.MAC
	if mac == "" {
		mac = "0000.0000.0000"
	}
	typ := e.Type
	if typ == "" {
		typ = "-"
	}
	bs := byIndex(e.Buttons)
	c.Printf("ephone-%d[%d] Mac:%s TCP socket:[-1] activeLine:0 whisperLine:0 UNREGISTERED\n", tag, tag-1, mac)
	if !summary {
		c.Printf("mediaActive:0 whisper_mediaActive:0 startMedia:0 offhook:0 ringing:0 reset:0 reset_sent:0 paging 0 debug:0 caps:0\n")
	}
	c.Printf("IP:0.0.0.0 * %s  keepalive 0 max_line %d\n", typ, len(bs))
	if !summary {
		c.Printf("Device Security Mode: %s\n", EffectiveSecurity(&f.svc, e).Title())
	}
	for _, b := range bs {
		number := ""
		if d := f.dns[b.DNs[0]]; d != nil {
			number = d.Number
		}
		c.Printf("button %d: dn %d  number %s CH1   IDLE\n", b.Index, b.DNs[0], number)
	}
	if summary {
		return
	}
	codec := e.Codec
	if codec == "" {
		codec = "g711ulaw"
	}
	c.Printf("Preferred Codec: %s\n\n", codec)
}

// securitySuffix is how the first lines name the signalling security.
func securitySuffix(p *phone) string {
	switch {
	case !p.secure:
		return ""
	case p.mode == ModeEncrypted:
		return " + Authentication + Encryption with TLS connection"
	default:
		return " + Authentication with TLS connection"
	}
}

// showRegistered renders a registered phone in the layout of seed 004's
// `show ephone offhook` (ios-commands.md §3.10).
func (f *Feature) showRegistered(c *cli.Context, p *phone, summary bool) {
	active := 0
	offhook, ringing, media := 0, 0, 0
	if a := p.activeLeg(); a != nil {
		active = a.line.instance
		offhook = 1
		if a.media.txOn {
			media = 1
		}
	}
	if p.ringingLeg() != nil {
		ringing = 1
	}
	reset := 0
	if p.resetting != 0 {
		reset = 1
	}
	c.Printf("ephone-%d[%d] Mac:%s TCP socket:[%d] activeLine:%d whisperLine:0 REGISTERED in\n",
		p.tag, p.tag-1, macDots(p.mac), p.socket, active)
	c.Printf("SCCP ver %d/%d max_streams=%d%s\n", p.phoneProto, p.proto, p.maxStreams, securitySuffix(p))
	c.Printf("mediaActive:%d whisper_mediaActive:0 startMedia:%d offhook:%d ringing:%d reset:%d reset_sent:%d\n",
		media, media, offhook, ringing, reset, reset)
	c.Printf("  paging 0 debug:0 caps:%d\n", len(p.caps))
	c.Printf("IP:%s * %s keepalive %d max_line %d available_line %d\n", p.ip, p.model, p.st.KeepAlives(), len(p.lines), p.availLines)
	for _, ln := range p.lines {
		c.Printf("button %d: cw:1 ccw:(0 0)\n", ln.button)
		for _, tag := range ln.dns {
			d, ok := f.x.cfg.DNs[tag]
			if !ok {
				continue
			}
			c.Printf("  dn %d number %s %s\n", tag, d.Number, f.channelStates(tag))
		}
	}
	if summary {
		return
	}
	codec := "g711ulaw"
	if e := f.ephones[p.tag]; e != nil && e.Codec != "" {
		codec = e.Codec
	}
	c.Printf("Preferred Codec: %s\n", codec)
	for _, l := range p.legs {
		if !l.media.txOn || l.call == nil {
			continue
		}
		f.showMedia(c, p, l)
	}
	c.Printf("\n")
}

// showMedia is the active-call part of a phone in a call (seed 004 §3.10);
// keys appear here and in no other output.
func (f *Feature) showMedia(c *cli.Context, p *phone, l *leg) {
	secure := l.media.leg.TxKey.Algorithm != sccp.EncryptionNone
	kind := "Active Call"
	if secure {
		kind = "Active Secure Call"
	}
	number := ""
	if d, ok := f.x.cfg.DNs[l.dn]; ok {
		number = d.Number
	}
	ch := 1
	for _, o := range p.legs {
		if o == l {
			break
		}
		if o.dn == l.dn && o.counted {
			ch++
		}
	}
	rx, tx := l.media.rxAddr, l.media.txTarget
	c.Printf("Lpcor Type: none %s on DN %d chan %d :%s %s %d\n", kind, l.dn, ch, number, rx.Addr(), rx.Port())
	c.Printf("  to %s %d via %s\n", tx.Addr(), tx.Port(), tx.Addr())
	bytes := l.media.leg.PacketMS * 8
	c.Printf("%s %d bytes no vad\n", CodecName(l.media.leg.Codec), bytes)
	if secure {
		c.Printf("SRTP cipher: %s\n", cipherName(l.media.leg.TxKey.Algorithm))
		c.Printf("  local key: %s\n", keyText(l.media.leg.TxKey))
		c.Printf("  remote key: %s\n", keyText(l.media.leg.RxKey))
	}
	c.Printf("Tx Pkts 0 bytes 0 Rx Pkts 0 bytes 0 Lost 0\n")
	c.Printf("Jitter 0 Latency 0 callingDn -1 calledDn -1\n")
}

func cipherName(alg uint32) string {
	switch alg {
	case sccp.EncryptionAESCM128HMACSHA1_32:
		return "AES_CM_128_HMAC_SHA1_32"
	case sccp.EncryptionAESCM128HMACSHA1_80:
		return "AES_CM_128_HMAC_SHA1_80"
	case sccp.EncryptionAEADAES128GCM:
		return "AEAD_AES_128_GCM"
	case sccp.EncryptionAEADAES256GCM:
		return "AEAD_AES_256_GCM"
	}
	return fmt.Sprintf("cipher %d", alg)
}

// keyText is the master key and salt in base64, as seed 004 prints them.
func keyText(k sccp.MediaEncryptionKeyInfo) string {
	kl, sl := min(int(k.KeyLen), 16), min(int(k.SaltLen), 16)
	b := append(append([]byte(nil), k.Key[:kl]...), k.Salt[:sl]...)
	return base64.StdEncoding.EncodeToString(b)
}

// channelStates is "CH1 <state>[ CH2 <state>]" for a DN.
func (f *Feature) channelStates(tag int) string {
	d, ok := f.x.cfg.DNs[tag]
	if !ok {
		return ""
	}
	states := f.x.dnStates(tag, channels(d))
	var parts []string
	for i, s := range states {
		parts = append(parts, fmt.Sprintf("CH%d %s", i+1, s))
	}
	return strings.Join(parts, " ")
}

// dnStates lists the state of each channel of a DN: IDLE, DOWN when no
// registered phone carries it, or the state of the leg using it.
func (x *exchange) dnStates(tag, n int) []string {
	out := make([]string, n)
	up := false
	var used []*leg
	for _, p := range x.phonesByTag() {
		if p.lineOf(tag) != nil {
			up = true
		}
		for _, l := range p.legs {
			if l.dn == tag && l.counted {
				used = append(used, l)
			}
		}
	}
	for i := range out {
		switch {
		case i < len(used):
			out[i] = legStateNames[used[i].state]
			if used[i].state == legConnected && used[i].remoteHold {
				out[i] = "HOLD"
			}
		case up:
			out[i] = "IDLE"
		default:
			out[i] = "DOWN"
		}
	}
	return out
}

func macDots(hex string) string {
	if len(hex) != 12 {
		return hex
	}
	return hex[0:4] + "." + hex[4:8] + "." + hex[8:12]
}

func (f *Feature) showPhoneLoad(c *cli.Context, byTag map[int]*phone) {
	c.Printf("\nDeviceName          CurrentPhoneload      PreviousPhoneload     LastReset\n")
	c.Printf("=====================================================================\n")
	for _, tag := range sortedKeys(byTag) {
		p := byTag[tag]
		load := sanitize(p.load)
		c.Printf("%-19s %-21s %-21s %s\n", p.name, load, load, "Initialized")
	}
}

func (f *Feature) showSockets(c *cli.Context, byTag map[int]*phone) {
	for _, tag := range sortedKeys(byTag) {
		p := byTag[tag]
		proto := "TCP"
		if p.secure {
			proto = "TLS"
		}
		addr := ""
		if a := p.st.RemoteAddr(); a != nil {
			addr = a.String()
		}
		c.Printf("ephone-%d Mac:%s socket:[%d] %s %s\n", p.tag, macDots(p.mac), p.socket, proto, addr)
	}
}

// showDNs renders `show ephone-dn [N | summary]`.
func (f *Feature) showDNs(c *cli.Context) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	if c.Has("summary") {
		c.Printf("\nPORT       CH   STATE      NUMBER           NAME\n")
		c.Printf("========== ==== ========== ================ ================\n")
	}
	for _, tag := range sortedKeys(f.dns) {
		d := f.dns[tag]
		if c.Has("dn") && c.Int("dn", 0) != tag {
			continue
		}
		states := x.dnStates(tag, channels(*d))
		port := fmt.Sprintf("50/0/%d", tag)
		if c.Has("summary") {
			for i, s := range states {
				num, name := "", ""
				if i == 0 {
					num, name = d.Number, d.Name
				}
				c.Printf("%-10s CH%-2d %-10s %-16s %s\n", port, i+1, s, num, name)
			}
			continue
		}
		var chs []string
		for i, s := range states {
			chs = append(chs, fmt.Sprintf("CH%d   %-12s", i+1, s))
		}
		c.Printf("\n%s %s\n", port, strings.TrimRight(strings.Join(chs, ""), " "))
		c.Printf("ephone-dn %d", tag)
		if d.DualLine {
			c.Printf(" dual-line")
		}
		c.Printf("\nNumber %s", d.Number)
		if d.Secondary != "" {
			c.Printf(" secondary %s", d.Secondary)
		}
		c.Printf("\n")
		if d.Name != "" {
			c.Printf("Name %s\n", d.Name)
		}
		if d.Label != "" {
			c.Printf("Label %s\n", d.Label)
		}
		fw := forwards(*d)
		if fw.all != "" {
			c.Printf("Call forward all %s\n", fw.all)
		}
		if fw.busy != "" {
			c.Printf("Call forward busy %s\n", fw.busy)
		}
		if fw.noan != "" {
			c.Printf("Call forward noan %s timeout %d\n", fw.noan, fw.noanTimeout)
		}
		var on []string
		for _, p := range x.phonesByTag() {
			if p.lineOf(tag) != nil {
				on = append(on, fmt.Sprintf("ephone-%d", p.tag))
			}
		}
		if len(on) > 0 {
			c.Printf("Registered on %s\n", strings.Join(on, " "))
		}
	}
}
