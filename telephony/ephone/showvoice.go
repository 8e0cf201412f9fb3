package ephone

import (
	"fmt"
	"sort"
	"time"

	"cmeos/ios/cli"
)

// `show call active voice brief` and `show voice port summary`: the call
// legs of the box as IOS's voice gateway code lists them (the SCCP legs of
// ephones; this box has no telephony ports, SIP or H.323 legs yet).

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
	for _, r := range rows {
		if r.c.trunk != nil && r.dir == "Originate" {
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
// §3.9) for the trunk's calls: the box is the user agent client of the
// calls it places; it takes no inbound trunk calls yet. Trunk media is
// RTP, so no crypto lines are printed.
func (f *Feature) showSIPCalls(c *cli.Context) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	var calls []*call
	for _, p := range x.phones {
		for _, l := range p.legs {
			if l.call != nil && l.call.trunk != nil && l.call.caller == l {
				calls = append(calls, l.call)
			}
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].id < calls[j].id })
	c.Printf("SIP UAC CALL INFO\n")
	c.Printf("Number of SIP User Agent Client(UAC) calls: %d\n", len(calls))
	for i, cl := range calls {
		ts := cl.trunk
		callID := ""
		if ts.out != nil {
			callID = ts.out.CallID()
		}
		state := ts.state
		if state == "" {
			state = "STATE_IDLE (0)"
		}
		c.Printf("\nCall %d\n", i+1)
		c.Printf("SIP Call ID : %s\n", callID)
		c.Printf("State of the call : %s\n", state)
		c.Printf("Substate of the call : SUBSTATE_NONE (0)\n")
		c.Printf("Calling Number : %s\n", cl.callingNum)
		c.Printf("Called Number : %s\n", ts.number)
		c.Printf("Called URI : sip:%s@%s\n", ts.number, ts.target)
		c.Printf("CC Call ID : %d\n", cl.id)
		c.Printf("Source IP Address (Sig) : %s\n", ts.local.Addr())
		c.Printf("Destn SIP Req Addr:Port : [%s]:%d\n", ts.target.Addr(), ts.target.Port())
		c.Printf("Destination Name : %s\n", ts.target.Addr())
		if ts.out == nil {
			c.Printf("Number of Media Streams : 0\n")
			continue
		}
		c.Printf("Number of Media Streams : 1\nNumber of Active Streams: 1\nMedia Mode : flow-around\n")
		c.Printf("Media Stream 1\nState of the stream : STREAM_ACTIVE\nStream Call ID : %d\n", cl.id)
		c.Printf("Stream Type : voice+dtmf (1)\nNegotiated Codec : g711ulaw (160 bytes)\nCodec Payload Type : 0\n")
		c.Printf("Negotiated Dtmf-relay : rtp-nte\nDtmf-relay Payload Type : 101\n")
		c.Printf("Media Source IP Addr:Port: [%s]:%d\n", ts.phoneRTP.Addr(), ts.phoneRTP.Port())
		c.Printf("Media Dest IP Addr:Port : [%s]:%d\n", ts.farRTP.Addr(), ts.farRTP.Port())
	}
	c.Printf("\nSIP UAS CALL INFO\nNumber of SIP User Agent Server(UAS) calls: 0\n")
}
