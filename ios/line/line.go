// Package line holds the terminal lines: `line con 0`, `line aux 0` and
// `line vty 0 4` / `line vty 5 15` with their login, password, exec-timeout,
// transport and access-class settings, and the registry of sessions on them
// behind `show users`, `show line` and `clear line`.
package line

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"cmeos/ios/aaa"
	"cmeos/ios/acl"
	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// ModeLine is the line configuration mode.
const ModeLine = "config-line"

// TopicConsoleSpeed is published when line con 0's `speed` changes.
var TopicConsoleSpeed = config.DeclareTopic("console-speed")

func init() {
	config.Register(config.Registration{Name: "line", Order: config.OrderLine, New: newFeature,
		Examples: "line con 0\n exec-timeout 30 0\n privilege level 15\n logging synchronous\n speed 115200\n" +
			"line aux 0\n no exec\nline vty 0 4\n access-class 10 in\n exec-timeout 5 30\n password 0 Lab2pass\n login local\n transport input ssh\n" +
			"line vty 5 15\n login\n transport input none\n"})
}

// Kinds of lines.
const (
	Con = "con"
	Aux = "aux"
	VTY = "vty"
)

// MaxVTY is the number of virtual terminal lines (vty 0-15).
const MaxVTY = 16

// DefaultExecTimeout is IOS's exec-timeout default.
const DefaultExecTimeout = 10 * time.Minute

// Config is the configuration of one line.
type Config struct {
	Password     *aaa.Password
	Login        string // "" none, "line" (login), "local" (login local), or an aaa list name
	ExecTimeout  time.Duration
	Transport    string // vty: "" (default: ssh), "ssh", "telnet", "all", "none"
	AccessClass  int
	Privilege    int // 0: not set
	LoggingSync  bool
	SyncLevel    int // logging synchronous level: -1 all, 0 unset (IOS default 2), else the level
	SyncLimit    int // logging synchronous limit: 0 unset (IOS default 20)
	Speed        int // con: 0 = board default
	NoExec       bool
	TransportOut string
}

func defaultConfig(kind string) Config {
	c := Config{ExecTimeout: DefaultExecTimeout}
	if kind == VTY {
		c.Login = "line" // IOS vty lines carry `login` by default
	}
	return c
}

// Lines is the feature state: configuration of every line and the
// sessions on them.
type Lines struct {
	sys *config.System
	con Config
	aux Config
	vty [MaxVTY]Config
	// vtys is how many vty lines exist: 5 until `line vty 5 15` creates more.
	vtys int

	// mu guards sessions, which change when consoles connect, not by command.
	mu       sync.Mutex
	sessions map[int]*Session // by absolute line number
}

// Range is the mode value of (config-line): the lines being configured.
type Range struct {
	Kind        string
	First, Last int
}

func newFeature(sys *config.System) config.Feature {
	f := &Lines{sys: sys, con: defaultConfig(Con), aux: defaultConfig(Aux), vtys: 5, sessions: map[int]*Session{}}
	for i := range f.vty {
		f.vty[i] = defaultConfig(VTY)
	}
	t := sys.Tree
	t.AddMode(ModeLine, "(config-line)#", cli.ModeConfig)
	help := map[string]string{
		"line": "Configure a terminal line", "console": "Primary terminal line", "aux": "Auxiliary line", "vty": "Virtual terminal",
		"first": "First Line number", "last": "Last Line number", "zero": "First Line number",
		"password": "Set a password", "0": "Specifies an UNENCRYPTED password will follow", "7": "Specifies a HIDDEN password will follow",
		"LINE": "The UNENCRYPTED (cleartext) line password", "login": "Enable password checking",
		"local": "Local password checking", "authentication": "Authentication parameters", "list": "Use an authentication list with this name.",
		"exec-timeout": "Set the EXEC timeout", "minutes": "Timeout in minutes", "seconds": "Timeout in seconds",
		"transport": "Define transport protocols for line", "input": "Define which protocols to use when connecting to the terminal server",
		"output": "Define which protocols to use for outgoing connections",
		"ssh":    "TCP/IP SSH protocol", "telnet": "TCP/IP Telnet protocol", "all": "All protocols", "none": "No protocols",
		"access-class": "Filter connections based on an IP access list", "acl": "IP access list", "in": "Filter incoming connections",
		"privilege": "Change privilege level for line", "level": "Assign default privilege level for line", "plevel": "Default privilege level for line",
		"logging": "Modify message logging facilities", "synchronous": "Synchronized message output",
		"lvl": "Severity level; lower number for higher severity", "limit": "Messages queue size", "n": "Number of buffers", "speed": "Set the transmit and receive speeds",
		"bps": "Transmit and receive speeds", "exec": "Start an EXEC process",
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "line { console zero:<0-0> | aux zero:<0-0> | vty first:<0-15> [ last:<0-15> ] }", Help: help, Owner: "line",
		Run: func(c *cli.Context) error {
			r := Range{Kind: Con}
			switch {
			case c.Has("aux"):
				r.Kind = Aux
			case c.Has("vty"):
				r.Kind = VTY
				r.First = c.Int("first", 0)
				r.Last = c.Int("last", r.First)
				if r.Last < r.First {
					return c.InvalidInput("last")
				}
				if r.Last+1 > f.vtys {
					f.vtys = r.Last + 1
				}
			}
			c.Enter(ModeLine, r)
			return nil
		}})
	each := func(c *cli.Context, fn func(*Config)) {
		r := c.ModeValue().(Range)
		switch r.Kind {
		case Con:
			fn(&f.con)
		case Aux:
			fn(&f.aux)
		default:
			for i := r.First; i <= r.Last; i++ {
				fn(&f.vty[i])
			}
		}
	}
	add := func(syntax string, run func(c *cli.Context) error) {
		t.Add(ModeLine, cli.Command{Syntax: syntax, Help: help, Owner: "line", No: true, Run: run})
	}
	add("password [ typ:{ 0 | 7 } ] LINE", func(c *cli.Context) error {
		if c.Negate {
			each(c, func(l *Config) { l.Password = nil })
			return nil
		}
		typ := 0
		if c.String("typ") == "7" {
			typ = 7
		}
		p, err := aaa.ParsePassword(sys, typ, c.String("LINE"))
		if err != nil {
			return err
		}
		each(c, func(l *Config) { l.Password = p })
		return nil
	})
	add("login [ local | authentication list:WORD ]", func(c *cli.Context) error {
		mode := "line"
		switch {
		case c.Negate:
			mode = ""
		case c.Has("local"):
			mode = "local"
		case c.Has("list"):
			mode = "authentication " + c.String("list")
		}
		each(c, func(l *Config) { l.Login = mode })
		return nil
	})
	add("exec-timeout minutes:<0-35791> [ seconds:<0-2147483> ]", func(c *cli.Context) error {
		d := time.Duration(c.Int("minutes", 10))*time.Minute + time.Duration(c.Int("seconds", 0))*time.Second
		if c.Negate {
			d = DefaultExecTimeout
		}
		each(c, func(l *Config) { l.ExecTimeout = d })
		return nil
	})
	add("transport input proto:{ ssh | telnet | all | none }", func(c *cli.Context) error {
		r := c.ModeValue().(Range)
		if r.Kind != VTY {
			return c.InvalidInput("input")
		}
		p := c.String("proto")
		if c.Negate {
			p = ""
		}
		each(c, func(l *Config) { l.Transport = p })
		return nil
	})
	add("transport output proto:{ ssh | telnet | all | none }", func(c *cli.Context) error {
		p := c.String("proto")
		if c.Negate {
			p = ""
		}
		each(c, func(l *Config) { l.TransportOut = p })
		return nil
	})
	add("access-class acl:<1-99> in", func(c *cli.Context) error {
		n := c.Int("acl", 0)
		if c.Negate {
			n = 0
		}
		each(c, func(l *Config) { l.AccessClass = n })
		return nil
	})
	add("privilege level plevel:<0-15>", func(c *cli.Context) error {
		n := c.Int("plevel", 0)
		if c.Negate {
			n = 0
		}
		each(c, func(l *Config) { l.Privilege = n })
		return nil
	})
	add("logging synchronous [ level { lvl:<0-15> | all } ] [ limit n:<0-2147483647> ]", func(c *cli.Context) error {
		level, limit := 0, 0
		if c.Has("all") {
			level = -1
		} else if c.Has("lvl") {
			level = c.Int("lvl", 0)
		}
		if c.Has("n") {
			limit = c.Int("n", 0)
		}
		each(c, func(l *Config) {
			l.LoggingSync, l.SyncLevel, l.SyncLimit = !c.Negate, level, limit
			if c.Negate {
				l.SyncLevel, l.SyncLimit = 0, 0
			}
		})
		return nil
	})
	add("speed bps:<50-4000000>", func(c *cli.Context) error {
		r := c.ModeValue().(Range)
		if r.Kind != Con && r.Kind != Aux {
			return c.InvalidInput("speed")
		}
		n := c.Int("bps", 0)
		if c.Negate {
			n = 0
		}
		each(c, func(l *Config) { l.Speed = n })
		if r.Kind == Con {
			sys.Publish(TopicConsoleSpeed)
		}
		return nil
	})
	add("exec", func(c *cli.Context) error {
		each(c, func(l *Config) { l.NoExec = c.Negate })
		return nil
	})
	registerShow(f)
	return f
}

// render writes one line block's settings.
func (f *Lines) renderConfig(r *config.Renderer, kind string, c Config) {
	if c.AccessClass != 0 {
		r.Subf("access-class %d in", c.AccessClass)
	}
	if c.ExecTimeout != DefaultExecTimeout {
		m, s := int(c.ExecTimeout/time.Minute), int(c.ExecTimeout%time.Minute/time.Second)
		r.Subf("exec-timeout %d %d", m, s)
	}
	if c.Privilege != 0 {
		r.Subf("privilege level %d", c.Privilege)
	}
	if c.Password != nil {
		r.Sub("password " + c.Password.RenderType7(f.sys))
	}
	if c.LoggingSync {
		l := "logging synchronous"
		switch {
		case c.SyncLevel < 0:
			l += " level all"
		case c.SyncLevel > 0:
			l += " level " + strconv.Itoa(c.SyncLevel)
		}
		if c.SyncLimit > 0 {
			l += " limit " + strconv.Itoa(c.SyncLimit)
		}
		r.Sub(l)
	}
	switch c.Login {
	case "line":
		r.Sub("login")
	case "local":
		r.Sub("login local")
	case "":
		if kind == VTY {
			r.Sub("no login")
		}
	default:
		r.Sub("login " + c.Login)
	}
	if c.NoExec {
		r.Sub("no exec")
	}
	if c.Speed != 0 {
		r.Subf("speed %d", c.Speed)
	}
	if c.Transport != "" {
		r.Sub("transport input " + c.Transport)
	}
	if c.TransportOut != "" {
		r.Sub("transport output " + c.TransportOut)
	}
}

// Render groups consecutive vty lines with the same settings, as IOS does.
func (f *Lines) Render(r *config.Renderer) {
	r.Line("line con 0")
	f.renderConfig(r, Con, f.con)
	r.Line("line aux 0")
	f.renderConfig(r, Aux, f.aux)
	for i := 0; i < f.vtys; {
		j := i
		for j+1 < f.vtys && sameConfig(f.vty[j+1], f.vty[i]) && !(i < 5 && j+1 == 5) {
			j++
		}
		if i == j {
			r.Linef("line vty %d", i)
		} else {
			r.Linef("line vty %d %d", i, j)
		}
		f.renderConfig(r, VTY, f.vty[i])
		i = j + 1
	}
	r.Bang()
}

func sameConfig(a, b Config) bool {
	pa, pb := "", ""
	if a.Password != nil {
		pa = a.Password.Plain()
	}
	if b.Password != nil {
		pb = b.Password.Plain()
	}
	a.Password, b.Password = nil, nil
	return a == b && pa == pb
}

// FromSystem returns the lines feature.
func FromSystem(sys *config.System) *Lines {
	f, _ := sys.Feature("line").(*Lines)
	return f
}

// Console returns the console line's configuration (lock held).
func (f *Lines) Console() Config { return f.con }

// VTYCount returns how many vty lines exist (lock held).
func (f *Lines) VTYCount() int { return f.vtys }

// VTY returns a vty line's configuration (lock held).
func (f *Lines) VTY(n int) Config { return f.vty[n] }

// EffectiveLogin returns the login method that applies to a line: its own
// `login` setting, or with aaa new-model the line's `login authentication
// LIST` or the default list (local, line, none; other methods such as
// RADIUS groups are not supported and fall back to local users). A vty
// without any list uses local users, the console none. Lock held.
func EffectiveLogin(sys *config.System, cfg Config, console bool) string {
	if !aaa.NewModel(sys) {
		return cfg.Login
	}
	list := "default"
	if strings.HasPrefix(cfg.Login, "authentication ") {
		list = strings.TrimPrefix(cfg.Login, "authentication ")
	}
	methods := aaa.LoginMethods(sys, list)
	switch {
	case len(methods) == 0 && console:
		return ""
	case len(methods) == 0:
		return "local"
	case methods[0] == "none":
		return ""
	case methods[0] == "line":
		return "line"
	}
	return "local"
}

// AllowsSSH reports whether a vty line accepts SSH connections (lock held).
func (c Config) AllowsSSH() bool {
	return c.Transport == "" || c.Transport == "ssh" || c.Transport == "all"
}

// Session is one console session on a line.
type Session struct {
	Line     int    // absolute line number: 0 con, 1 aux, 2.. vty
	Name     string // "con 0", "vty 0"
	User     string
	Peer     netip.Addr
	Started  time.Time
	lastUsed time.Time
	close    func()
	proto    string
}

// Touch records activity (for the Idle column).
func (s *Session) Touch(now time.Time) {
	s.lastUsed = now
}

// Absolute line numbers.
const (
	LineCon     = 0
	LineAux     = 1
	LineVTYBase = 2
)

// AttachConsole registers the session on the console line.
func (f *Lines) AttachConsole(now time.Time, close func()) *Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &Session{Line: LineCon, Name: "con 0", Started: now, lastUsed: now, close: close}
	f.sessions[LineCon] = s
	return s
}

// ErrNoFreeLine is returned when every vty line accepting the protocol is busy.
var ErrNoFreeLine = fmt.Errorf("no free vty line")

// AttachVTY takes the first free vty line that accepts proto from peer and
// returns its session and configuration. It takes the lock itself.
func (f *Lines) AttachVTY(proto string, peer netip.Addr, now time.Time, close func()) (*Session, Config, error) {
	f.sys.Lock()
	var cfgs []Config
	for i := 0; i < f.vtys; i++ {
		cfgs = append(cfgs, f.vty[i])
	}
	f.sys.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, cfg := range cfgs {
		if _, busy := f.sessions[LineVTYBase+i]; busy {
			continue
		}
		if proto == "ssh" && !cfg.AllowsSSH() {
			continue
		}
		s := &Session{Line: LineVTYBase + i, Name: fmt.Sprintf("vty %d", i), Peer: peer, Started: now, lastUsed: now, close: close, proto: proto}
		f.sessions[s.Line] = s
		return s, cfg, nil
	}
	return nil, Config{}, ErrNoFreeLine
}

// PermitsFrom checks a line's access-class for a source (takes the lock).
func (f *Lines) PermitsFrom(cfg Config, peer netip.Addr) bool {
	if cfg.AccessClass == 0 {
		return true
	}
	f.sys.Lock()
	defer f.sys.Unlock()
	return acl.Permits(f.sys, cfg.AccessClass, peer)
}

// Detach removes a session.
func (f *Lines) Detach(s *Session) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sessions[s.Line] == s {
		delete(f.sessions, s.Line)
	}
}

// ConfigSource names the session in IOS's "Configured from console by
// ..." log line: "admin on vty0 (127.0.0.1)" for a vty, "admin on console"
// for a console with a user, "" when no user logged in (the message then
// names the line alone).
func (s *Session) ConfigSource() string {
	user := s.User
	if user == "" {
		return ""
	}
	if s.Line >= LineVTYBase {
		src := fmt.Sprintf("%s on vty%d", user, s.Line-LineVTYBase)
		if s.Peer.IsValid() {
			src += " (" + s.Peer.String() + ")"
		}
		return src
	}
	if strings.HasPrefix(s.Name, "con") {
		return user + " on console"
	}
	return user + " on " + strings.ReplaceAll(s.Name, " ", "")
}

// SetUser records the user logged in on a session.
func (f *Lines) SetUser(s *Session, user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s.User = user
}

// Sessions lists the sessions in line order.
func (f *Lines) Sessions() []Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Session
	for _, s := range f.sessions {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// Clear disconnects the session on a line (clear line); it reports whether
// there was one.
func (f *Lines) Clear(line int) bool {
	f.mu.Lock()
	s := f.sessions[line]
	f.mu.Unlock()
	if s == nil || s.close == nil {
		return false
	}
	s.close()
	return true
}

func idle(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

func registerShow(f *Lines) {
	t := f.sys.Tree
	t.Add(cli.ModeExec, cli.Command{Syntax: "show users [ all ]", Priv: cli.PrivUser, Pipe: true,
		Help: map[string]string{"show": "Show running system information", "users": "Display information about terminal lines", "all": "Include information about inactive ports"},
		Run: func(c *cli.Context) error {
			now := f.sys.Now()
			c.Printf("    Line       User       Host(s)              Idle       Location\n")
			for _, s := range f.Sessions() {
				mark := " "
				if cur, ok := c.Session.Values["line"].(*Session); ok && cur.Line == s.Line {
					mark = "*"
				}
				loc := ""
				if s.Peer.IsValid() {
					loc = s.Peer.String()
				}
				row := fmt.Sprintf("%s%3d %-9s %-10s %-20s %s %s", mark, s.Line, s.Name, s.User, "idle", idle(now.Sub(s.lastUsed)), loc)
				c.Printf("%s\n", strings.TrimRight(row, " "))
			}
			c.Printf("\n  Interface    User               Mode         Idle     Peer Address\n\n")
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show line [ summary ]", Priv: cli.PrivUser, Pipe: true,
		Help: map[string]string{"show": "Show running system information", "line": "TTY line information", "summary": "Quick line status summary"},
		Run: func(c *cli.Context) error {
			busy := map[int]bool{}
			for _, s := range f.Sessions() {
				busy[s.Line] = true
			}
			f.sys.Lock()
			n := f.vtys
			f.sys.Unlock()
			c.Printf("   Tty Typ     Tx/Rx    A Modem  Roty AccO AccI   Uses   Noise  Overruns   Int\n")
			row := func(line int, typ string, cfg Config) {
				mark := " "
				if busy[line] {
					mark = "*"
				}
				acc := "-"
				if cfg.AccessClass != 0 {
					acc = fmt.Sprint(cfg.AccessClass)
				}
				speed := ""
				if typ == "CTY" && cfg.Speed != 0 {
					speed = fmt.Sprintf("%d/%d", cfg.Speed, cfg.Speed)
				}
				c.Printf("%s%5d %-4s %11s  -    -      -    -  %4s %6d %7d %9s %5s\n", mark, line, typ, speed, acc, 0, 0, "0/0", "-")
			}
			f.sys.Lock()
			con, aux := f.con, f.aux
			vty := f.vty
			f.sys.Unlock()
			row(LineCon, "CTY", con)
			row(LineAux, "AUX", aux)
			for i := 0; i < n; i++ {
				row(LineVTYBase+i, "VTY", vty[i])
			}
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "clear line { num:<0-17> | vty vtyn:<0-15> | console zero:<0-0> }",
		Help: map[string]string{"clear": "Reset functions", "line": "Reset a terminal line", "num": "Line number", "vty": "Virtual terminal", "console": "Primary terminal line", "vtyn": "Line number", "zero": "Line number"},
		Run: func(c *cli.Context) error {
			line := c.Int("num", 0)
			switch {
			case c.Has("vty"):
				line = LineVTYBase + c.Int("vtyn", 0)
			case c.Has("console"):
				line = LineCon
			}
			if cur, ok := c.Session.Values["line"].(*Session); ok && cur.Line == line {
				return fmt.Errorf("%% Not allowed to clear current line")
			}
			if ok, err := c.Confirm("[confirm]"); err == nil && !ok {
				return nil
			}
			f.Clear(line)
			c.Printf(" [OK]\n")
			return nil
		}})
}
