package dspfarm

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"cmeos/ios/cli"
	"cmeos/telephony/media"
)

// shortCodec is the codec as `show sccp connections` prints it (seed 004:
// g711u, g729b).
func shortCodec(c media.Codec) string {
	switch c {
	case media.G711Ulaw:
		return "g711u"
	case media.G711Alaw:
		return "g711a"
	case media.G722:
		return "g722"
	}
	return c.String()
}

// farmView is a snapshot of one farm for the show commands.
type farmView struct {
	plan       plan
	state      string
	cause      string
	proto      uint8
	local      netip.Addr
	sessions   []sessionView
	registered bool
}

type sessionView struct {
	id     uint32
	legs   [2]uint32
	open   [2]bool
	codecs [2]media.Codec
	secure bool
	remote [2]netip.AddrPort
	stats  [2]media.LegStats
}

func (f *Feature) snapshot() []farmView {
	f.mu.Lock()
	farms := make([]*farm, 0, len(f.farms))
	for _, fm := range f.farms {
		farms = append(farms, fm)
	}
	f.mu.Unlock()
	sort.Slice(farms, func(i, j int) bool { return farms[i].plan.profile < farms[j].plan.profile })
	var out []farmView
	for _, fm := range farms {
		fm.mu.Lock()
		v := farmView{plan: fm.plan, state: fm.state, cause: fm.cause, proto: fm.proto, local: fm.localIP, registered: fm.state == "REGISTERED"}
		// The session fields are copied under the farm's lock (the
		// SCCP reader goroutine changes them); the media engine has
		// its own lock and is asked for statistics after.
		var ss []*xsession
		for _, s := range fm.sessions {
			ss = append(ss, s)
			v.sessions = append(v.sessions, sessionView{id: s.id, legs: s.legs, open: s.open, codecs: s.codecs, secure: s.secure, remote: s.remote})
		}
		fm.mu.Unlock()
		for k, s := range ss {
			for i := range v.sessions[k].stats {
				v.sessions[k].stats[i] = s.media.Stats(i)
			}
		}
		sort.Slice(v.sessions, func(i, j int) bool { return v.sessions[i].id < v.sessions[j].id })
		out = append(out, v)
	}
	return out
}

// showConnections is `show sccp connections`, in seed 004's layout.
func (f *Feature) showConnections(c *cli.Context) error {
	views := f.snapshot()
	c.Printf("      sess_id   conn_id   stype      mode      codec   ripaddr rport sport\n")
	sessions, conns := 0, 0
	for _, v := range views {
		for _, s := range v.sessions {
			sessions++
			stype := "xcode"
			if s.secure {
				stype = "secure-xcode"
			}
			for i := 1; i >= 0; i-- {
				if s.legs[i] == 0 || !s.open[i] {
					continue
				}
				conns++
				rip, rport := "0.0.0.0", 0
				if s.remote[i].IsValid() {
					rip, rport = s.remote[i].Addr().String(), int(s.remote[i].Port())
				}
				c.Printf("%d %d %s sendrecv %s %s %d %d\n", s.id, s.legs[i], stype, shortCodec(s.codecs[i]), rip, rport, s.stats[i].Local.Port())
			}
		}
	}
	c.Printf("\nTotal number of active session(s) %d, and connection(s) %d\n", sessions, conns)
	return nil
}

// showSCCP is `show sccp`: the SCCP application's state and each
// registered profile.
func (f *Feature) showSCCP(c *cli.Context) error {
	// Commands run with the configuration lock held.
	enabled, local := f.enabled, f.local
	ccms := make([]CCM, 0, len(f.ccms))
	for _, id := range sortedKeys(f.ccms) {
		ccms = append(ccms, *f.ccms[id])
	}
	views := f.snapshot()

	admin := "DOWN"
	if enabled {
		admin = "UP"
	}
	c.Printf("SCCP Admin State: %s\n", admin)
	if local != "" {
		c.Printf("Gateway Local Interface: %s\n", local)
	}
	for _, v := range views {
		if v.local.IsValid() {
			c.Printf("        IPv4 Address: %s\n", v.local)
			break
		}
	}
	c.Printf("IP Precedence: 5\nUser Masked Codec list: None\n")
	for _, m := range ccms {
		port := m.Port
		if port == 0 {
			port = 2000
		}
		c.Printf("Call Manager: %s, Port Number: %d\n", m.Addr, port)
		c.Printf("                Priority: N/A, Version: %s, Identifier: %d\n", m.Version, m.ID)
		c.Printf("                Trustpoint: N/A\n")
	}
	for _, v := range views {
		oper, cause, link := "NOTREADY", "CCM_REGISTRATION_FAILED", "NOT_CONNECTED"
		if v.registered {
			oper, cause, link = "ACTIVE", "NONE", "CONNECTED"
		}
		mode := "Transcoding"
		if v.plan.security {
			mode = "Secure Transcoding"
		}
		c.Printf("\n%s Oper State: %s - Cause Code: %s\n", mode, oper, cause)
		c.Printf("Active Call Manager: %s, Port Number: %d\n", v.plan.ccm.Addr(), v.plan.ccm.Port())
		c.Printf("TCP Link Status: %s, Profile Identifier: %d\n", link, v.plan.profile)
		c.Printf("Registered Device Name: %s\n", v.plan.device)
		c.Printf("Reported Max Streams: %d, Reported Max OOS Streams: 0\n", 2*v.plan.maxSessions)
		var codecs []media.Codec
		if p := f.profiles[v.plan.profile]; p != nil {
			codecs = p.codecs()
		}
		for _, cd := range codecs {
			c.Printf("Supported Codec: %s, Maximum Packetization Period: 20\n", codecWord(cd))
		}
		if v.cause != "" && !v.registered {
			c.Printf("Last failure: %s\n", sanitize(v.cause))
		}
	}
	return nil
}

// showProfile is `show dspfarm profile [N]`.
func (f *Feature) showProfile(c *cli.Context) error {
	var ps []Profile
	for _, id := range sortedKeys(f.profiles) {
		if !c.Has("pid") || id == c.Int("pid", 0) {
			ps = append(ps, *f.profiles[id])
		}
	}
	if c.Has("pid") && len(ps) == 0 {
		return fmt.Errorf("%% Profile %d is not configured.", c.Int("pid", 0))
	}
	views := map[int]farmView{}
	for _, v := range f.snapshot() {
		views[v.plan.profile] = v
	}
	c.Printf("Dspfarm Profile Configuration\n")
	for _, p := range ps {
		v, running := views[p.ID]
		mode := "non secure"
		if p.Security {
			mode = "secure"
		}
		admin, oper := "UP", "ACTIVE"
		if p.Shutdown {
			admin, oper = "DOWN", "NOT ACTIVE"
		} else if !running || !v.registered {
			oper = "ACTIVE_IN_PROGRESS"
		}
		app := "NOT ASSOCIATED"
		if p.SCCP {
			app = "ASSOCIATED"
		}
		c.Printf("\n Profile ID = %d, Service = TRANSCODING, Resource ID = %d\n", p.ID, p.ID)
		c.Printf(" Profile Description : \n Profile Service Mode : %s\n", mode)
		if p.Trustpoint != "" {
			c.Printf(" Trustpoint : %s\n", p.Trustpoint)
		}
		c.Printf(" Profile Admin State : %s\n Profile Operation State : %s\n", admin, oper)
		c.Printf(" Application : SCCP   Status : %s\n", app)
		c.Printf(" Resource Provider : SOFTWARE_DSPRM   Status : UP\n")
		c.Printf(" Number of Resource Configured : %d\n", p.MaxSessions)
		c.Printf(" Number of Resource Available : %d\n", p.MaxSessions-len(v.sessions))
		c.Printf(" Codec Configuration\n")
		for _, cd := range p.codecs() {
			note := ""
			if !cd.Supported() {
				note = " (not available in software)"
			}
			c.Printf(" Codec : %s, Maximum Packetization Period : 20%s\n", codecWord(cd), note)
		}
	}
	return nil
}

// showDSP is `show dspfarm dsp all`: the software DSP channels in use,
// one line per open leg.
func (f *Feature) showDSP(c *cli.Context) error {
	c.Printf("SLOT DSP VERSION  STATUS CHNL USE   TYPE    RSC_ID BRIDGE_ID PKTS_TXED PKTS_RXED\n")
	for _, v := range f.snapshot() {
		ch := 0
		for _, s := range v.sessions {
			for i := 0; i < 2; i++ {
				if !s.open[i] {
					continue
				}
				ch++
				st := s.stats[i]
				typ := "xcode"
				if s.secure {
					typ = "sxcode"
				}
				c.Printf("%-4d %-3d %-8s %-6s %-4d %-5s %-7s %-6d 0x%-7x %-9d %d\n", 0, v.plan.profile, "sw-1.0", "UP", ch, "USED", typ,
					v.plan.profile, s.id, st.Sent, st.Received)
			}
		}
	}
	return nil
}

// sanitize keeps a peer-influenced text (an error from the network) to
// printable ASCII for the terminal.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, s)
}
