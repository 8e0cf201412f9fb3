// Package system holds the global settings of the box that are not a
// service: version, service lines, hostname, boot markers, logging, clock
// timezone, ip domain-name, banner and NTP servers. Each is its own feature so
// that running-config shows it where IOS does.
package system

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
)

func init() {
	for _, r := range []config.Registration{
		{Name: "version", Order: config.OrderVersion, New: newVersion, Examples: "version 15.1\n"},
		{Name: "service", Order: config.OrderService, New: newService, Examples: "service timestamps debug uptime\n" +
			"service timestamps log datetime msec show-timezone year\nservice password-encryption\nservice internal\n"},
		{Name: "hostname", Order: config.OrderHostname, New: newHostname, Examples: "hostname CME-1\n"},
		{Name: "boot", Order: config.OrderBoot, New: newBoot, Examples: "boot-start-marker\nboot-end-marker\n"},
		{Name: "logging", Order: config.OrderLogging, New: newLogging, Examples: "logging queue-limit 1000\n" +
			"logging buffered 9999999 debugging\nlogging rate-limit 10000\nno logging console\nlogging monitor warnings\n"},
		{Name: "clock", Order: config.OrderClock, New: newClock, Examples: "clock timezone IST 5 30\n"},
		{Name: "ip-domain", Order: config.OrderIP, New: newDomain, Examples: "ip domain-name example.com\n"},
		{Name: "banner", Order: config.OrderBanner, New: newBanner, Examples: "banner motd #\nAuthorized access only\n#\nbanner login ^Clogin here^C\n"},
		{Name: "ntp", Order: config.OrderNTP, New: newNTP, Examples: "ntp server 10.1.1.1 prefer\nntp server 10.1.1.2\n"},
	} {
		config.Register(r)
	}
}

// version is the config syntax version line ("version 12.4" in the seeds).
type version struct{ v string }

// DefaultVersion is the config syntax version rendered when none was loaded;
// the seed configurations carry 12.4.
const DefaultVersion = "12.4"

func newVersion(sys *config.System) config.Feature {
	f := &version{v: DefaultVersion}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "version WORD", Owner: "version", Hidden: true,
		Help: map[string]string{"version": "Version", "WORD": "Version number"},
		Run:  func(c *cli.Context) error { f.v = c.String("WORD"); return nil }})
	return f
}

func (f *version) Render(r *config.Renderer) { r.Line("version " + f.v) }

// service holds the `service ...` lines.
type service struct {
	log, debug   logging.Timestamps
	pwEncryption bool
	internal     bool
	sys          *config.System
}

func newService(sys *config.System) config.Feature {
	f := &service{sys: sys, log: logging.Timestamps{Msec: true}, debug: logging.Timestamps{Msec: true}}
	help := map[string]string{
		"service": "Modify use of network based services", "timestamps": "Timestamp debug/log messages",
		"debug": "Timestamp debug messages", "log": "Timestamp log messages",
		"datetime": "Timestamp with date and time", "uptime": "Timestamp with system uptime",
		"msec": "Include milliseconds in timestamp", "localtime": "Use local time zone for timestamps",
		"show-timezone": "Add time zone information to timestamp", "year": "Include year in timestamp",
		"password-encryption": "Encrypt system passwords", "internal": "Enable internal commands",
	}
	sys.Tree.Add(cli.ModeConfig, cli.Command{
		Syntax: "service timestamps { debug | log } [ uptime | datetime [ msec ] [ localtime ] [ show-timezone ] [ year ] ]",
		Help:   help, Owner: "service", No: true, NoSyntax: "service timestamps { debug | log } [ uptime | datetime [ msec ] [ localtime ] [ show-timezone ] [ year ] ]",
		Run: func(c *cli.Context) error {
			ts := logging.Timestamps{Uptime: c.Has("uptime"), Msec: c.Has("msec"), Year: c.Has("year"),
				Timezone: c.Has("show-timezone"), Localtime: c.Has("localtime")}
			if !c.Has("uptime") && !c.Has("datetime") {
				ts.Uptime = true // IOS: "service timestamps log" alone means uptime
			}
			if c.Negate {
				ts = logging.Timestamps{Disabled: true}
				if c.Default {
					ts = logging.Timestamps{Msec: true}
				}
			}
			if c.Has("debug") {
				f.debug = ts
			} else {
				f.log = ts
				st := sys.Log.Settings()
				st.Stamps = ts
				sys.Log.Apply(st)
			}
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "service password-encryption", Help: help, Owner: "service", No: true,
		Run: func(c *cli.Context) error { f.pwEncryption = !c.Negate; return nil }})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "service internal", Help: help, Owner: "service", No: true, Hidden: true,
		Run: func(c *cli.Context) error { f.internal = !c.Negate; return nil }})
	return f
}

func renderStamps(kind string, t logging.Timestamps) string {
	if t.Disabled {
		return "no service timestamps " + kind
	}
	if t.Uptime {
		return "service timestamps " + kind + " uptime"
	}
	s := "service timestamps " + kind + " datetime"
	if t.Msec {
		s += " msec"
	}
	if t.Localtime {
		s += " localtime"
	}
	if t.Timezone {
		s += " show-timezone"
	}
	if t.Year {
		s += " year"
	}
	return s
}

func (f *service) Render(r *config.Renderer) {
	r.Line(renderStamps("debug", f.debug))
	r.Line(renderStamps("log", f.log))
	if f.pwEncryption {
		r.Line("service password-encryption")
	} else {
		r.Line("no service password-encryption")
	}
	if f.internal {
		r.Line("service internal")
	}
	r.Bang()
}

// PasswordEncryption reports whether `service password-encryption` is on
// (the lock must be held).
func PasswordEncryption(sys *config.System) bool {
	f, _ := sys.Feature("service").(*service)
	return f != nil && f.pwEncryption
}

type hostname struct{ sys *config.System }

func newHostname(sys *config.System) config.Feature {
	f := &hostname{sys: sys}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "hostname WORD", Owner: "hostname", No: true,
		Help: map[string]string{"hostname": "Set system's network name", "WORD": "This system's network name"},
		Run: func(c *cli.Context) error {
			if c.Negate {
				sys.SetHostname(config.DefaultHostname)
				return nil
			}
			h := c.String("WORD")
			if !ValidHostname(h) {
				return fmt.Errorf("%% Hostname contains one or more illegal characters.")
			}
			sys.SetHostname(h)
			return nil
		}})
	return f
}

// ValidHostname applies the IOS rule: 1-63 characters, letters, digits and
// hyphens, starting with a letter and not ending with a hyphen.
func ValidHostname(h string) bool {
	if len(h) == 0 || len(h) > 63 || !isLetter(h[0]) || h[len(h)-1] == '-' {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (f *hostname) Render(r *config.Renderer) {
	r.Line("hostname " + f.sys.Hostname())
	r.Bang()
}

// boot renders the boot markers IOS always shows; there is no boot system
// image to choose on cmeos.
type boot struct{}

func newBoot(sys *config.System) config.Feature {
	for _, m := range []string{"boot-start-marker", "boot-end-marker"} {
		sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: m, Hidden: true, Run: func(*cli.Context) error { return nil }})
	}
	return boot{}
}

func (boot) Render(r *config.Renderer) {
	r.Line("boot-start-marker")
	r.Line("boot-end-marker")
	r.Bang()
}

// loggingCfg holds the logging lines; the logger itself is sys.Log.
type loggingCfg struct {
	sys                   *config.System
	sizeSet, levelSet     bool
	queueLimit, rateLimit int
	consoleLevelSet       bool
	monitorLevelSet       bool
}

func newLogging(sys *config.System) config.Feature {
	f := &loggingCfg{sys: sys}
	help := map[string]string{
		"logging": "Modify message logging facilities", "buffered": "Set buffered logging parameters",
		"size": "Logging buffer size", "console": "Set console logging parameters",
		"monitor": "Set terminal line (monitor) logging parameters", "queue-limit": "Set logger message queue size",
		"rate-limit": "Set messages per second limit", "qsize": "Logging queue length", "rate": "Messages per second",
		"level": "Logging severity level",
	}
	levels := "[ level:<0-7> | " + strings.Join(logging.LevelNames, " | ") + " ]"
	for i, n := range logging.LevelNames {
		help[n] = logging.LevelHelp[i]
	}
	level := func(c *cli.Context) (int, bool) {
		if c.Has("level") {
			return c.Int("level", logging.Debugging), true
		}
		for i, n := range logging.LevelNames {
			if c.Has(n) {
				return i, true
			}
		}
		return logging.Debugging, false
	}
	apply := func(mut func(*logging.Settings)) {
		st := sys.Log.Settings()
		mut(&st)
		sys.Log.Apply(st)
	}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "logging buffered [ size:<4096-2147483647> ] " + levels, Help: help, Owner: "logging", No: true,
		NoSyntax: "logging buffered [ size:<4096-2147483647> ] " + levels,
		Run: func(c *cli.Context) error {
			lv, set := level(c)
			if c.Negate {
				f.sizeSet, f.levelSet = false, false
				apply(func(s *logging.Settings) {
					s.Buffered = c.Default
					s.BufferSize, s.BufferLevel = logging.DefaultBufferSize, logging.Debugging
				})
				return nil
			}
			apply(func(s *logging.Settings) {
				s.Buffered = true
				if c.Has("size") {
					s.BufferSize = c.Int("size", logging.DefaultBufferSize)
					f.sizeSet = true
				}
				if set {
					s.BufferLevel = lv
					f.levelSet = true
				}
			})
			return nil
		}})
	for _, which := range []string{"console", "monitor"} {
		sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "logging " + which + " " + levels, Help: help, Owner: "logging", No: true,
			Run: func(c *cli.Context) error {
				lv, set := level(c)
				apply(func(s *logging.Settings) {
					if which == "console" {
						s.Console = !c.Negate || c.Default
						s.ConsoleLevel = lv
						f.consoleLevelSet = set && !c.Negate
					} else {
						s.MonitorLevel = lv
						f.monitorLevelSet = set && !c.Negate
					}
				})
				return nil
			}})
	}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "logging queue-limit qsize:<100-2147483647>", Help: help, Owner: "logging", No: true,
		Run: func(c *cli.Context) error { f.queueLimit = c.Int("qsize", 0); return nil }})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "logging rate-limit rate:<1-10000>", Help: help, Owner: "logging", No: true, Inert: true,
		Run: func(c *cli.Context) error { f.rateLimit = c.Int("rate", 0); return nil }})
	return f
}

func (f *loggingCfg) Render(r *config.Renderer) {
	st := f.sys.Log.Settings()
	if f.queueLimit > 0 {
		r.Linef("logging queue-limit %d", f.queueLimit)
	}
	switch {
	case !st.Buffered:
		r.Line("no logging buffered")
	case f.sizeSet || f.levelSet:
		s := "logging buffered"
		if f.sizeSet {
			s += " " + strconv.Itoa(st.BufferSize)
		}
		if f.levelSet {
			s += " " + logging.LevelNames[st.BufferLevel]
		}
		r.Line(s)
	}
	if f.rateLimit > 0 {
		r.Linef("logging rate-limit %d", f.rateLimit)
	}
	switch {
	case !st.Console:
		r.Line("no logging console")
	case f.consoleLevelSet:
		r.Line("logging console " + logging.LevelNames[st.ConsoleLevel])
	}
	if f.monitorLevelSet {
		r.Line("logging monitor " + logging.LevelNames[st.MonitorLevel])
	}
	r.Bang()
}

// clock holds `clock timezone`.
type clock struct {
	zone          string
	hours, minute int
}

func newClock(sys *config.System) config.Feature {
	f := &clock{}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "clock timezone zone:WORD hours:<-23-23> [ minutes:<0-59> ]", Owner: "clock", No: true,
		NoSyntax: "clock timezone [ zone:WORD [ hours:<-23-23> [ minutes:<0-59> ] ] ]",
		Help: map[string]string{"clock": "Configure time-of-day clock", "timezone": "Configure time zone",
			"zone": "name of time zone", "hours": "Hours offset from UTC", "minutes": "Minutes offset from UTC"},
		Run: func(c *cli.Context) error {
			if c.Negate {
				*f = clock{}
			} else {
				*f = clock{zone: c.String("zone"), hours: c.Int("hours", 0), minute: c.Int("minutes", 0)}
			}
			st := sys.Log.Settings()
			st.Zone = f.location()
			sys.Log.Apply(st)
			return nil
		}})
	return f
}

func (f *clock) location() *time.Location {
	if f.zone == "" {
		return time.UTC
	}
	return time.FixedZone(f.zone, f.hours*3600+sign(f.hours)*f.minute*60)
}

func (f *clock) Render(r *config.Renderer) {
	if f.zone != "" {
		if f.minute != 0 {
			r.Linef("clock timezone %s %d %d", f.zone, f.hours, f.minute)
		} else {
			r.Linef("clock timezone %s %d", f.zone, f.hours)
		}
		r.Bang()
	}
}

// Location returns the configured time zone (the lock must be held).
func Location(sys *config.System) *time.Location {
	f, _ := sys.Feature("clock").(*clock)
	if f == nil {
		return time.UTC
	}
	return f.location()
}

func sign(h int) int {
	if h < 0 {
		return -1
	}
	return 1
}

type domain struct{ name string }

func newDomain(sys *config.System) config.Feature {
	f := &domain{}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip domain-name WORD", Owner: "ip-domain", No: true,
		Help: map[string]string{"ip": "Global IP configuration subcommands", "domain-name": "Define the default domain name", "WORD": "Default domain name"},
		Run: func(c *cli.Context) error {
			f.name = c.String("WORD")
			if c.Negate {
				f.name = ""
			}
			return nil
		}})
	return f
}

func (f *domain) Render(r *config.Renderer) {
	if f.name != "" {
		r.Line("ip domain-name " + f.name)
		r.Bang()
	}
}

// FQDN is "<hostname>.<ip domain-name>", or the host name alone without a
// domain: the name IOS gives general-purpose keys generated without a
// label, and the SSH host key it looks for (lock held).
func FQDN(sys *config.System) string {
	if d := DomainName(sys); d != "" {
		return sys.Hostname() + "." + d
	}
	return sys.Hostname()
}

// DomainName returns `ip domain-name` (lock held).
func DomainName(sys *config.System) string {
	f, _ := sys.Feature("ip-domain").(*domain)
	if f == nil {
		return ""
	}
	return f.name
}

type ntp struct{ servers []string }

func newNTP(sys *config.System) config.Feature {
	f := &ntp{}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ntp server A.B.C.D [ prefer ]", Owner: "ntp", No: true, Inert: true,
		Help: map[string]string{"ntp": "Configure NTP", "server": "Configure NTP server", "A.B.C.D": "IP address of peer", "prefer": "Prefer this peer when possible"},
		Run: func(c *cli.Context) error {
			ip := c.String("A.B.C.D")
			var keep []string
			for _, s := range f.servers {
				if strings.Fields(s)[0] != ip {
					keep = append(keep, s)
				}
			}
			f.servers = keep
			if !c.Negate {
				line := ip
				if c.Has("prefer") {
					line += " prefer"
				}
				f.servers = append(f.servers, line)
			}
			return nil
		}})
	return f
}

func (f *ntp) Render(r *config.Renderer) {
	for _, s := range f.servers {
		r.Line("ntp server " + s)
	}
	if len(f.servers) > 0 {
		r.Bang()
	}
}
