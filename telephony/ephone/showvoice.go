package ephone

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/logging"
)

// `show call active voice brief` and `show voice port summary`: the call
// legs of the box as IOS's voice gateway code lists them (the SCCP legs of
// ephones and the SIP trunk's; this box has no telephony ports or H.323).

func (f *Feature) voiceShowCommands() {
	h := map[string]string{"show": "Show running system information", "call": "Show call information",
		"active": "Active call table", "voice": "Voice calls", "brief": "Brief summary", "port": "Voice port configuration & stats",
		"summary": "Summary of all voice ports"}
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show call active voice [ brief ]", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showCallActive(c)
		return nil
	}})
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show sip-ua calls", Help: map[string]string{"show": "Show running system information",
		"sip-ua": "SIP User Agent", "calls": "SIP UA calls"}, Pipe: true, Run: func(c *cli.Context) error {
		f.showSIPCalls(c)
		return nil
	}})
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show voice port summary", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		c.Printf("                                           IN       OUT\n")
		c.Printf("PORT            CH   SIG-TYPE   ADMIN OPER STATUS   STATUS   EC\n")
		c.Printf("=============== == ============ ===== ==== ======== ======== ==\n")
		return nil // the board declares no voice ports
	}})
}

func (f *Feature) showCallActive(c *cli.Context) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.now()
	type row struct {
		c   *call
		l   *leg
		dir string
	}
	var rows []row
	seen := map[*call]bool{}
	for _, p := range x.phones {
		for _, l := range p.legs {
			if l.call == nil || seen[l.call] && l.call.caller != l && l.call.callee != l {
				continue
			}
			dir := "Answer"
			if l.call.caller == l {
				dir = "Originate"
			}
			rows = append(rows, row{l.call, l, dir})
			seen[l.call] = true
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].c.id != rows[j].c.id {
			return rows[i].c.id < rows[j].c.id
		}
		return rows[i].dir == "Originate" && rows[j].dir != "Originate"
	})
	c.Printf("<ID>: <CallID> <start>ms.<index> +<connect> pid:<peer_id> <dir> <addr> <state>\n")
	c.Printf("  dur hh:mm:ss tx:<packets>/<bytes> rx:<packets>/<bytes>\n")
	c.Printf(" SCCP ephone-<tag> [DN <dn>] <codec> <security>\n\n")
	for _, r := range rows {
		state := "active"
		if r.c.connected.IsZero() {
			state = "alerting"
		}
		addr := r.c.calledNum
		if r.dir == "Answer" {
			addr = r.c.callingNum
		}
		connect := ""
		dur := time.Duration(0)
		if !r.c.connected.IsZero() {
			connect = fmt.Sprintf(" +%d", r.c.connected.Sub(r.c.started).Milliseconds())
			dur = now.Sub(r.c.connected)
		}
		c.Printf("%X : %d %dms.1%s pid:%d %s %s %s\n", r.c.id, r.l.ref, r.c.started.UnixMilli()%100000000, connect, r.l.dn, r.dir, addr, state)
		c.Printf("  dur %s tx:0/0 rx:0/0\n", hms(dur))
		codec, sec := "-", "none"
		if m := r.c.media; m != nil {
			ml := m.plan.B
			if r.l == r.c.caller {
				ml = m.plan.A
			}
			codec = CodecName(ml.Codec)
			switch ml.SecurityStatus {
			case 3:
				sec = "SRTP"
			case 2:
				sec = "authenticated"
			}
		}
		c.Printf(" SCCP ephone-%d [DN %d] %s %s\n\n", r.l.ph.tag, r.l.dn, codec, sec)
	}
	sipLegs := 0
	counted := map[*call]bool{}
	for _, r := range rows {
		if r.c.trunk != nil && !counted[r.c] {
			counted[r.c] = true
			sipLegs++
		}
	}
	c.Printf("Telephony call-legs: 0\nSIP call-legs: %d\nH323 call-legs: 0\nCall agent controlled call-legs: 0\n", sipLegs)
	c.Printf("SCCP call-legs: %d\nMulticast call-legs: 0\nTotal call-legs: %d\n", len(rows), len(rows)+sipLegs)
}

func hms(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// showSIPCalls is `show sip-ua calls` in seed 004's layout (reference
// §3.9): the calls the box placed (it is their user agent client), then
// those it took (server). Media flows through the box, so the media
// source is the box's own relay address; for an SRTP call the crypto
// suites and both keys are shown (the seed's CME 12.6 lines, one of the
// two places keys may appear).
func (f *Feature) showSIPCalls(c *cli.Context) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	seen := map[*call]bool{}
	var uac, uas []*call
	for _, p := range x.phones {
		for _, l := range p.legs {
			cl := l.call
			if cl == nil || cl.trunk == nil || seen[cl] {
				continue
			}
			seen[cl] = true
			if cl.trunk.inbound {
				uas = append(uas, cl)
			} else {
				uac = append(uac, cl)
			}
		}
	}
	for _, l := range [][]*call{uac, uas} {
		sort.Slice(l, func(i, j int) bool { return l[i].id < l[j].id })
	}
	c.Printf("SIP UAC CALL INFO\n")
	c.Printf("Number of SIP User Agent Client(UAC) calls: %d\n", len(uac))
	for i, cl := range uac {
		c.Printf("\n")
		sipCall(c, i+1, cl)
	}
	c.Printf("\nSIP UAS CALL INFO\n")
	c.Printf("Number of SIP User Agent Server(UAS) calls: %d\n", len(uas))
	for i, cl := range uas {
		c.Printf("\n")
		sipCall(c, i+1, cl)
	}
}

func sipCall(c *cli.Context, n int, cl *call) {
	ts := cl.trunk
	state := ts.state
	if state == "" {
		state = "STATE_IDLE (0)"
	}
	dest := ts.peer.Target
	uri := fmt.Sprintf("sip:%s@%s", ts.number, ts.peer.Target)
	if ts.inbound {
		dest = ts.in.Source
		uri = fmt.Sprintf("sip:%s@%s", ts.number, ts.local.Addr())
	}
	c.Printf("Call %d\n", n)
	c.Printf("SIP Call ID : %s\n", logging.Escape(ts.callID))
	c.Printf("State of the call : %s\n", state)
	c.Printf("Substate of the call : SUBSTATE_NONE (0)\n")
	c.Printf("Calling Number : %s\n", cl.callingNum)
	c.Printf("Called Number : %s\n", logging.Escape(ts.number))
	c.Printf("Called URI : %s\n", logging.Escape(uri))
	c.Printf("CC Call ID : %d\n", cl.id)
	c.Printf("Source IP Address (Sig) : %s\n", ts.local.Addr())
	c.Printf("Destn SIP Req Addr:Port : [%s]:%d\n", dest.Addr(), dest.Port())
	c.Printf("Destn SIP Resp Addr:Port: [%s]:%d\n", dest.Addr(), dest.Port())
	c.Printf("Destination Name : %s\n", dest.Addr())
	if !ts.farReady {
		c.Printf("Number of Media Streams : 0\n")
		return
	}
	c.Printf("Number of Media Streams : 1\nNumber of Active Streams: 1\nRTP Fork Object : 0x0\nMedia Mode : flow-through\n")
	c.Printf("Media Stream 1\nState of the stream : STREAM_ACTIVE\nStream Call ID : %d\n", cl.id)
	c.Printf("Stream Type : voice+dtmf (1)\nStream Media Addr Type : 1\n")
	name := map[uint8]string{0: "g711ulaw", 8: "g711alaw"}[ts.codec.PT]
	if name == "" {
		name = strings.ToLower(ts.codec.Name)
	}
	c.Printf("Negotiated Codec : %s (160 bytes)\nCodec Payload Type : %d\n", name, ts.codec.PT)
	if ts.ntePT != 0 {
		c.Printf("Negotiated Dtmf-relay : rtp-nte\nDtmf-relay Payload Type : %d\n", ts.ntePT)
	} else {
		c.Printf("Negotiated Dtmf-relay : inband-voice\nDtmf-relay Payload Type : 0\n")
	}
	c.Printf("QoS ID : -1\nLocal QoS Strength : BestEffort\nNegotiated QoS Strength : BestEffort\n")
	c.Printf("Negotiated QoS Direction : None\nLocal QoS Status : None\n")
	c.Printf("Media Source IP Addr:Port: [%s]:%d\n", ts.trunkRTP.Addr(), ts.trunkRTP.Port())
	c.Printf("Media Dest IP Addr:Port : [%s]:%d\n", ts.farRTP.Addr(), ts.farRTP.Port())
	if ts.secure {
		rx, tx := ts.relay.Keys(1)
		c.Printf("Local Crypto Suite : %s\n", tx.Suite)
		c.Printf("Remote Crypto Suite : %s (\n%s )\n", rx.Suite, rx.Suite)
		c.Printf("Local Crypto Key : %s\n", tx.Inline())
		c.Printf("Remote Crypto Key : %s\n", rx.Inline())
		c.Printf("Mid-Call Re-Association Count: 0\nSRTP-RTP Re-Association DSP Query Count: 0\n")
	}
}
