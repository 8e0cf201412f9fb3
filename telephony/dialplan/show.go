package dialplan

import (
	"fmt"
	"strconv"
	"strings"

	"cmeos/ios/cli"
)

// showSummary is `show dial-peer voice summary` in IOS's layout.
func (f *Feature) showSummary(c *cli.Context) {
	line := func(format string, a ...any) { c.Printf("%s\n", strings.TrimRight(fmt.Sprintf(format, a...), " ")) }
	line("dial-peer hunt 0")
	line("             %-4s %-4s %-4s %-9s %-20s %-3s %-4s %-20s %-4s %s", "AD", "", "", "", "", "PRE", "PASS", "", "OUT", "")
	line("%-6s %-5s %-4s %-4s %-9s %-20s %-3s %-4s %-20s %-4s %s", "TAG", "TYPE", "MIN", "OPER", "PREFIX", "DEST-PATTERN", "FER", "THRU", "SESS-TARGET", "STAT", "PORT")
	for _, tag := range sortedKeys(f.peers) {
		p := f.peers[tag]
		admin, oper := "up", "up"
		if p.Shutdown {
			admin, oper = "down", "down"
		}
		if p.Pattern == nil || (!p.VoIP && p.Port == "") {
			oper = "down"
		}
		pat := ""
		if p.Pattern != nil {
			pat = p.Pattern.String()
		}
		thru := ""
		if p.VoIP {
			thru = "syst"
		}
		line("%-6d %-5s %-4s %-4s %-9s %-20s %-3d %-4s %-20s %-4s %s", p.Tag, p.Kind(), admin, oper, p.Prefix, pat,
			p.Preference, thru, p.Target, "", p.Port)
	}
}

// showPeers is `show dial-peer voice [N]`: each peer's settings.
func (f *Feature) showPeers(c *cli.Context, only int) {
	for _, tag := range sortedKeys(f.peers) {
		if only != 0 && tag != only {
			continue
		}
		p := f.peers[tag]
		kind := "VoiceEncapPeer"
		if p.VoIP {
			kind = "VoiceOverIpPeer"
		}
		admin, oper := "up", "up"
		if p.Shutdown {
			admin, oper = "down", "down"
		}
		pat, in := "", ""
		if p.Pattern != nil {
			pat = p.Pattern.String()
		}
		if p.Incoming != nil {
			in = p.Incoming.String()
		}
		c.Printf("%s%d\n", kind, tag)
		c.Printf("        peer type = voice, system default peer = FALSE, information type = voice,\n")
		c.Printf("        description = `%s',\n", p.Description)
		c.Printf("        tag = %d, destination-pattern = `%s',\n", tag, pat)
		c.Printf("        answer-address = `', preference=%d,\n", p.Preference)
		c.Printf("        incoming called-number = `%s', huntstop = %s,\n", in, enabled(p.Huntstop))
		c.Printf("        Admin state is %s, Operation state is %s,\n", admin, oper)
		if p.VoIP {
			proto := "cisco"
			if p.Protocol != "" {
				proto = p.Protocol
			}
			tr := "system"
			if p.Transport != "" {
				tr = p.Transport
			}
			codec := "g729r8"
			if p.Codec != "" {
				codec = p.Codec
			}
			if p.ClassCodec != 0 {
				codec = "voice-class " + strconv.Itoa(p.ClassCodec)
			}
			srtp := "off"
			if p.SRTP != "" {
				srtp = strings.TrimSpace(strings.TrimPrefix(p.SRTP, "srtp") + " on")
			}
			c.Printf("        session-target = `%s', session-protocol = %s, session-transport = %s,\n", p.Target, proto, tr)
			c.Printf("        codec = %s, dtmf-relay = %s, req-qos = %s,\n", codec, orNone(strings.Join(p.DTMF, " ")), orDefault(p.ReqQoS, "best-effort"))
			c.Printf("        srtp = %s,\n", srtp)
		} else {
			c.Printf("        port = `%s', direct-inward-dial = %s, digit-strip = %s,\n", p.Port, enabled(p.DID), enabled(!p.NoStrip))
			c.Printf("        forward-digits = %s, prefix = `%s',\n", orDefault(p.Forward, "default"), p.Prefix)
		}
		c.Printf("        translation-profile = `%s' (incoming), `%s' (outgoing)\n\n", p.TransIn, p.TransOut)
	}
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func orNone(s string) string { return orDefault(s, "none") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
