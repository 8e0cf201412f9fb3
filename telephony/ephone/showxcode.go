package ephone

import (
	"net"
	"sort"
	"strings"

	"cmeos/ios/cli"
)

// `show sdspfarm units` and `show sdspfarm sessions`: the DSP farms
// (transcoders) of `sdspfarm tag N NAME` as call control sees them, in
// the layout of CME's commands of the same names (the seeds name them
// without printing them; field names follow CME).

func (f *Feature) xcodeShowCommands() {
	h := map[string]string{"show": "Show running system information", "sdspfarm": "Show SDSPFARM information",
		"units": "Show SDSPFARM units", "sessions": "Show SDSPFARM sessions", "summary": "Show SDSPFARM session summary"}
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show sdspfarm units", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showSDSPFarmUnits(c)
		return nil
	}})
	f.sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show sdspfarm sessions [ summary ]", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showSDSPFarmSessions(c, c.Has("summary"))
		return nil
	}})
}

// unitNames are the configured tags in order, with the registered farm
// of each (nil when it is not registered); x.mu held.
func (x *exchange) unitNames() ([]SDSPFarmTag, map[string]*xcoder) {
	var tags []SDSPFarmTag
	for name, tag := range x.cfg.Xcoders {
		tags = append(tags, SDSPFarmTag{Tag: tag, Device: name})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Tag < tags[j].Tag })
	return tags, x.xcoders
}

func (f *Feature) showSDSPFarmUnits(c *cli.Context) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	tags, regs := x.unitNames()
	maxStreams, alloc, active := 0, 0, 0
	for _, t := range tags {
		xc := regs[t.Device]
		if xc == nil {
			c.Printf("\nmtp-%d Device:%s TCP socket:[-1] UNREGISTERED\n", t.Tag, t.Device)
			continue
		}
		ip, port := "0.0.0.0", 0
		if a, ok := xc.st.RemoteAddr().(*net.TCPAddr); ok {
			ip, port = a.IP.String(), a.Port
		}
		sec := ""
		if xc.secure {
			sec = " secure"
		}
		c.Printf("\nmtp-%d Device:%s TCP socket:[%d] REGISTERED%s\n", t.Tag, xc.name, xc.socket, sec)
		c.Printf("actual_stream:%d max_stream %d IP:%s %d Transcoder\n", 2*xc.max, 2*xc.max, ip, port)
		c.Printf("keepalive %d\n", xc.st.KeepAlives())
		c.Printf("Supported codec: ")
		for i, cd := range xc.caps {
			if i > 0 {
				c.Printf("                 ")
			}
			c.Printf("%s\n", strings.TrimSuffix(strings.TrimSuffix(CodecName(cd), "_64k"), "64k"))
		}
		if len(xc.caps) == 0 {
			c.Printf("\n")
		}
		maxStreams += 2 * xc.max
		alloc += 2 * len(xc.sessions)
		for _, s := range xc.sessions {
			if s.acked[0] && s.acked[1] && !s.released {
				active += 2
			}
		}
	}
	c.Printf("\nmax-mtps:%d, max-streams:%d, alloc-streams:%d, act-streams:%d\n", len(tags), maxStreams, alloc, active)
}

func (f *Feature) showSDSPFarmSessions(c *cli.Context, summary bool) {
	x := f.x
	x.mu.Lock()
	defer x.mu.Unlock()
	tags, regs := x.unitNames()
	n := 0
	for _, t := range tags {
		xc := regs[t.Device]
		if xc == nil {
			continue
		}
		confs := make([]uint32, 0, len(xc.sessions))
		for id := range xc.sessions {
			confs = append(confs, id)
		}
		sort.Slice(confs, func(i, j int) bool { return confs[i] < confs[j] })
		for _, id := range confs {
			s := xc.sessions[id]
			for i := 0; i < 2; i++ {
				n++
				if summary {
					continue
				}
				state := "IDLE"
				if s.acked[i] {
					state = "START"
				}
				addr := s.addr[i]
				ip, port := "0.0.0.0", 0
				if addr.IsValid() {
					ip, port = addr.Addr().String(), int(addr.Port())
				}
				secure := ""
				if s.rxKey[i].Algorithm != 0 {
					secure = " SRTP"
				}
				c.Printf("Stream-ID:%d mtp:%d %s %d Local:%d %s%s\n", s.party[i], t.Tag, ip, port, port, state, secure)
				c.Printf("       usage: Ip-Ip\n")
				c.Printf("       codec:%s duration:20 vad:0 peer Stream-ID:%d\n", CodecName(s.codec[i]), s.party[1-i])
			}
		}
	}
	c.Printf("\nTotal number of active stream(s) %d\n", n)
}
