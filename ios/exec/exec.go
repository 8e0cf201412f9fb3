// Package exec holds the EXEC-mode commands that are not part of a feature:
// enable/disable/exit, show version, clock, terminal settings, logging
// display, memory figures, reload, and the file-system commands (dir, more,
// copy, delete, mkdir, rename, show file systems).
package exec

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/ios/system"
)

func init() {
	config.Register(config.Registration{Name: "exec", Order: 0, New: newExec, NoConfig: true})
}

// Terminal is what a console session offers to `terminal ...` and
// `show history`; the console code stores it in Session.Values["terminal"].
type Terminal interface {
	SetLength(n int)
	Length() int
	SetWidth(n int)
	Width() int
	History() []string
}

// Monitor is stored in Session.Values["monitor"] by consoles that can show
// log messages (terminal monitor).
type Monitor interface {
	SetMonitor(on bool)
}

type execFeature struct{}

func (execFeature) Render(*config.Renderer) {}

func newExec(sys *config.System) config.Feature {
	t := sys.Tree
	user := func(syntax string, help map[string]string, run func(c *cli.Context) error) {
		t.Add(cli.ModeExec, cli.Command{Syntax: syntax, Help: help, Priv: cli.PrivUser, Run: run})
	}
	priv := func(syntax string, help map[string]string, pipe bool, run func(c *cli.Context) error) {
		t.Add(cli.ModeExec, cli.Command{Syntax: syntax, Help: help, Pipe: pipe, Run: run})
	}
	h := map[string]string{
		"enable": "Turn on privileged commands", "disable": "Turn off privileged commands",
		"exit": "Exit from the EXEC", "logout": "Exit from the EXEC", "quit": "Exit from the EXEC",
		"show": "Show running system information", "version": "System hardware and software status",
		"clock": "Display the system clock", "level": "Enable level",
	}
	user("enable [ level:<0-15> ]", h, func(c *cli.Context) error {
		lv := c.Int("level", cli.PrivMax)
		if lv < cli.PrivMax {
			c.Session.Priv = cli.PrivUser
			return nil
		}
		if c.Session.Priv >= cli.PrivMax {
			return nil
		}
		if !aaa.EnableConfigured(sys) {
			// IOS lets the console in without an enable password, not a vty.
			if strings.HasPrefix(c.Session.Name, "vty") {
				return fmt.Errorf("%% No password set")
			}
			c.Session.Priv = cli.PrivMax
			return nil
		}
		for range 3 {
			pw, err := c.AskSecret("Password: ")
			if err != nil {
				return nil
			}
			if aaa.VerifyEnable(sys, pw) {
				c.Session.Priv = cli.PrivMax
				return nil
			}
		}
		return fmt.Errorf("%% Bad secrets")
	})
	user("disable", h, func(c *cli.Context) error { c.Session.Priv = cli.PrivUser; return nil })
	for _, kw := range []string{"exit", "logout", "quit"} {
		user(kw, h, func(c *cli.Context) error { c.Session.Close(); return nil })
	}
	// One registration, in user EXEC as on IOS (a second one with the same
	// syntax would replace it and need enable).
	t.Add(cli.ModeExec, cli.Command{Syntax: "show version", Help: h, Pipe: true, Priv: cli.PrivUser,
		Run: func(c *cli.Context) error { showVersion(c, sys); return nil }})
	user("show clock [ detail ]", map[string]string{"show": h["show"], "clock": h["clock"], "detail": "Display detailed information"}, func(c *cli.Context) error {
		c.Printf("%s\n", FormatClock(sys.Now().In(system.Location(sys))))
		if c.Has("detail") {
			c.Printf("Time source is hardware calendar\n")
		}
		return nil
	})
	clockHelp := map[string]string{"clock": "Manage the system clock", "set": "Set the time and date",
		"time": "Current Time (hh:mm:ss)", "day": "Day of the month", "month": "Month of the year", "year": "Year"}
	priv("clock set time:WORD day:<1-31> month:WORD year:<1993-2035>", clockHelp, false, func(c *cli.Context) error {
		tm, bad := parseClockSet(c.String("time"), c.Int("day", 1), c.String("month"), c.Int("year", 2000), system.Location(sys))
		if bad != "" {
			return c.InvalidInput(bad)
		}
		old := sys.Now().In(system.Location(sys))
		sys.SetClock(tm)
		sys.Log.Logf(logging.Informational, "SYS", "CLOCKUPDATE", "System clock has been updated from %s to %s, configured from %s by %s.",
			old.Format(clockLayout), tm.Format(clockLayout), c.Session.Name, c.Session.Name)
		return nil
	})
	termHelp := map[string]string{"terminal": "Set terminal line parameters", "length": "Set number of lines on a screen",
		"lines": "Number of lines on screen (0 for no pausing)", "width": "Set width of the display terminal",
		"cols": "Number of characters on a screen", "monitor": "Copy debug output to the current terminal line",
		"no": "Negate a command or set its defaults", "history": "Enable and control the command history function"}
	term := func(c *cli.Context) Terminal { t, _ := c.Session.Values["terminal"].(Terminal); return t }
	user("terminal length lines:<0-512>", termHelp, func(c *cli.Context) error {
		if t := term(c); t != nil {
			t.SetLength(c.Int("lines", 24))
		}
		return nil
	})
	user("terminal width cols:<0-512>", termHelp, func(c *cli.Context) error {
		if t := term(c); t != nil {
			t.SetWidth(c.Int("cols", 80))
		}
		return nil
	})
	for _, on := range []bool{true, false} {
		syn := "terminal monitor"
		if !on {
			syn = "terminal no monitor"
		}
		priv(syn, termHelp, false, func(c *cli.Context) error {
			if m, ok := c.Session.Values["monitor"].(Monitor); ok {
				m.SetMonitor(on)
			}
			return nil
		})
	}
	user("show history", map[string]string{"show": h["show"], "history": "Display the session command history"}, func(c *cli.Context) error {
		if t := term(c); t != nil {
			for _, l := range t.History() {
				c.Printf("  %s\n", l)
			}
		}
		return nil
	})
	user("show terminal", map[string]string{"show": h["show"], "terminal": "Display terminal configuration parameters"}, func(c *cli.Context) error {
		length, width := 24, 80
		if t := term(c); t != nil {
			length, width = t.Length(), t.Width()
		}
		c.Printf("Line %s, Location: \"\", Type: \"\"\nLength: %d lines, Width: %d columns\n", c.Session.Name, length, width)
		return nil
	})
	priv("show logging", map[string]string{"show": h["show"], "logging": "Show the contents of logging buffers"}, true, func(c *cli.Context) error {
		c.Printf("%s", sys.Log.Show())
		return nil
	})
	priv("clear logging", map[string]string{"clear": "Reset functions", "logging": "Clear logging buffer"}, false, func(c *cli.Context) error {
		if ok, err := c.Confirm("Clear logging buffer [confirm]"); err == nil && !ok {
			return nil
		}
		sys.Log.Clear()
		return nil
	})
	priv("show processes memory [ sorted ]", map[string]string{"show": h["show"], "processes": "Show processor utilization",
		"memory": "Show memory usage per process", "sorted": "Sort output"}, true, func(c *cli.Context) error {
		showMemory(c)
		return nil
	})
	priv("show memory [ statistics ]", map[string]string{"show": h["show"], "memory": "Memory statistics", "statistics": "Memory statistics"}, true, func(c *cli.Context) error {
		showMemory(c)
		return nil
	})
	priv("reload", map[string]string{"reload": "Halt and perform a cold restart"}, false, func(c *cli.Context) error { return reload(c, sys) })
	registerFileCommands(sys)
	return execFeature{}
}

const clockLayout = "15:04:05 MST Mon Jan 2 2006"

// FormatClock renders a time as `show clock` does; the leading '*' says the
// clock is not synchronised to an authoritative source.
func FormatClock(t time.Time) string {
	return "*" + t.Format("15:04:05.000 MST Mon Jan 2 2006")
}

// parseClockSet reads the clock set arguments; on error it names the bad one.
func parseClockSet(hms string, day int, month string, year int, loc *time.Location) (time.Time, string) {
	var hh, mm, ss int
	if n, err := fmt.Sscanf(hms, "%d:%d:%d", &hh, &mm, &ss); n != 3 || err != nil || hh > 23 || mm > 59 || ss > 59 || hh < 0 || mm < 0 || ss < 0 {
		return time.Time{}, "time"
	}
	var mon time.Month
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if len(month) >= 3 && strings.HasPrefix(name, strings.ToLower(month)) {
			mon = m
		}
	}
	if mon == 0 {
		return time.Time{}, "month"
	}
	t := time.Date(year, mon, day, hh, mm, ss, 0, loc)
	if t.Day() != day {
		return time.Time{}, "day"
	}
	return t, ""
}

// Uptime renders a duration the way IOS does: "1 week, 2 days, 3 hours, 4 minutes".
func Uptime(d time.Duration) string {
	mins := int(d.Minutes())
	weeks, mins := mins/(7*24*60), mins%(7*24*60)
	days, mins := mins/(24*60), mins%(24*60)
	hours, mins := mins/60, mins%60
	var parts []string
	unit := func(n int, name string) {
		if n == 1 {
			parts = append(parts, "1 "+name)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %ss", n, name))
		}
	}
	unit(weeks, "week")
	unit(days, "day")
	unit(hours, "hour")
	if mins != 1 {
		parts = append(parts, fmt.Sprintf("%d minutes", mins))
	} else {
		parts = append(parts, "1 minute")
	}
	return strings.Join(parts, ", ")
}

func showVersion(c *cli.Context, sys *config.System) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	v := sys.Opts.Version
	if v == "" {
		v = "dev"
	}
	exe, _ := os.Executable()
	c.Printf("cmeos Software (%s/%s), Version %s\n", runtime.GOOS, runtime.GOARCH, v)
	c.Printf("Built with %s\n\n", runtime.Version())
	c.Printf("%s uptime is %s\n", sys.Hostname(), Uptime(sys.Now().Sub(sys.BootTime())))
	c.Printf("System returned to ROM by power-on\n")
	c.Printf("System image file is \"%s\"\n\n", exe)
	c.Printf("cmeos (%s board) with %dK bytes of memory in use (%dK reserved from the OS).\n", sys.Opts.Board, ms.HeapInuse/1024, ms.Sys/1024)
	c.Printf("%d CPUs, %d goroutines\n", runtime.NumCPU(), runtime.NumGoroutine())
	if sys.FS != nil {
		for _, m := range sys.FS.Mounts() {
			if m.AliasOf != "" || m.Kind == "opaque" {
				continue
			}
			total, _, err := sys.FS.Usage(m.Prefix)
			if err != nil {
				continue
			}
			c.Printf("%dK bytes of %s (Read/Write)\n", total/1024, m.Prefix+":")
		}
	}
	c.Printf("\nConfiguration register is 0x2102\n\n")
}

func showMemory(c *cli.Context) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := ms.HeapInuse + ms.StackInuse
	c.Printf("Processor Pool Total: %10d Used: %10d Free: %10d\n", ms.Sys, used, ms.Sys-used)
	c.Printf("      I/O Pool Total: %10d Used: %10d Free: %10d\n\n", 0, 0, 0)
	c.Printf(" PID TTY  Allocated      Freed    Holding    Getbufs    Retbufs Process\n")
	c.Printf("%4d   0 %10d %10d %10d %10d %10d %s\n", os.Getpid(), ms.TotalAlloc, ms.TotalAlloc-ms.HeapAlloc, ms.HeapAlloc, 0, 0, "cmeos")
	c.Printf("%d goroutines, %d garbage collections, heap objects %d\n", runtime.NumGoroutine(), ms.NumGC, ms.HeapObjects)
}

func reload(c *cli.Context, sys *config.System) error {
	if sys.Unsaved() {
		for {
			ans, err := c.Ask("System configuration has been modified. Save? [yes/no]: ")
			if err != nil {
				return nil
			}
			ans = strings.ToLower(strings.TrimSpace(ans))
			if ans == "y" || ans == "yes" {
				c.Printf("Building configuration...\n")
				if err := sys.Save(); err != nil {
					return fmt.Errorf("%%Error writing nvram:/startup-config (%v)", err)
				}
				c.Printf("[OK]\n")
				break
			}
			if ans == "n" || ans == "no" {
				break
			}
			c.Printf("%% Please answer 'yes' or 'no'.\n")
		}
	}
	ok, err := c.Confirm("Proceed with reload? [confirm]")
	if err != nil || !ok {
		return nil
	}
	sys.Log.Logf(logging.Notifications, "SYS", "RELOAD", "Reload requested by %s. Reload Reason: Reload Command.", c.Session.Name)
	if sys.Opts.Reload != nil {
		sys.Opts.Reload()
	}
	// This console stops reading now; the board reboots or the host restarts the system.
	c.Session.Close()
	return nil
}
