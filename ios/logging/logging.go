// Package logging is the IOS syslog: messages in the %FACILITY-SEVERITY-MNEMONIC
// format with IOS timestamps, kept in a bounded buffer for `show logging` and
// copied to the console and to terminals that asked for `terminal monitor`.
package logging

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Severity levels as IOS numbers them.
const (
	Emergencies   = 0
	Alerts        = 1
	Critical      = 2
	Errors        = 3
	Warnings      = 4
	Notifications = 5
	Informational = 6
	Debugging     = 7
)

// LevelNames are the keywords of the severity levels, by number.
var LevelNames = []string{"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"}

// LevelHelp are the `?` texts IOS gives for each level keyword.
var LevelHelp = []string{
	"System is unusable                (severity=0)",
	"Immediate action needed           (severity=1)",
	"Critical conditions               (severity=2)",
	"Error conditions                  (severity=3)",
	"Warning conditions                (severity=4)",
	"Normal but significant conditions (severity=5)",
	"Informational messages            (severity=6)",
	"Debugging messages                (severity=7)",
}

// Timestamps selects how log lines are stamped (service timestamps log ...).
type Timestamps struct {
	Uptime    bool // "uptime" instead of "datetime"
	Msec      bool
	Year      bool
	Timezone  bool // show-timezone
	Localtime bool // localtime: the clock timezone instead of UTC
	Disabled  bool // no service timestamps log
}

// Sink receives formatted log lines (a console or a monitoring terminal).
type Sink func(line string)

// Logger is the system log. Safe for concurrent use.
type Logger struct {
	// mu guards every field below.
	mu           sync.Mutex
	entries      []string
	bytes        int
	bufferSize   int
	bufferLevel  int
	buffered     bool
	console      bool
	consoleLevel int
	monitorLevel int
	stamps       Timestamps
	counts       struct{ console, monitor, buffer, dropped int }
	sinks        map[int]sinkEntry
	nextSink     int
	now          func() time.Time
	boot         time.Time
	zone         *time.Location
}

type sinkEntry struct {
	sink    Sink
	monitor bool // a vty with terminal monitor (else the console)
}

// DefaultBufferSize is the IOS default of `logging buffered`.
const DefaultBufferSize = 4096

// New returns a logger with IOS defaults: console logging at debugging,
// buffer logging on with 4096 bytes, datetime msec timestamps.
func New(now func() time.Time) *Logger {
	if now == nil {
		now = time.Now
	}
	return &Logger{
		bufferSize: DefaultBufferSize, bufferLevel: Debugging, buffered: true,
		console: true, consoleLevel: Debugging, monitorLevel: Debugging,
		stamps: Timestamps{Msec: true},
		sinks:  map[int]sinkEntry{}, now: now, boot: now(), zone: time.UTC,
	}
}

// Settings is the part of the logger the `logging` and `service timestamps`
// commands configure.
type Settings struct {
	Buffered     bool
	BufferSize   int
	BufferLevel  int
	Console      bool
	ConsoleLevel int
	MonitorLevel int
	Stamps       Timestamps
	Zone         *time.Location // clock timezone, used with localtime
}

// Settings returns the current settings.
func (l *Logger) Settings() Settings {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Settings{l.buffered, l.bufferSize, l.bufferLevel, l.console, l.consoleLevel, l.monitorLevel, l.stamps, l.zone}
}

// Apply replaces the settings; a smaller buffer drops the oldest messages.
func (l *Logger) Apply(s Settings) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.BufferSize != l.bufferSize || !s.Buffered {
		if !s.Buffered {
			l.entries, l.bytes = nil, 0
		}
	}
	l.buffered, l.bufferSize, l.bufferLevel = s.Buffered, s.BufferSize, s.BufferLevel
	l.console, l.consoleLevel, l.monitorLevel = s.Console, s.ConsoleLevel, s.MonitorLevel
	l.stamps, l.zone = s.Stamps, s.Zone
	if l.zone == nil {
		l.zone = time.UTC
	}
	l.trim()
}

func (l *Logger) trim() {
	for l.bytes > l.bufferSize && len(l.entries) > 0 {
		l.bytes -= len(l.entries[0]) + 1
		l.entries = l.entries[1:]
	}
}

// AddSink registers a console (monitor=false) or a terminal-monitor session;
// the returned function removes it.
func (l *Logger) AddSink(s Sink, monitor bool) (remove func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.nextSink
	l.nextSink++
	l.sinks[id] = sinkEntry{s, monitor}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.sinks, id)
	}
}

// Logf logs one message: Logf(5, "SYS", "CONFIG_I", "Configured from %s by %s", ...)
// becomes "%SYS-5-CONFIG_I: Configured from console by console". Callers must
// never pass keys, passwords or auth-strings.
func (l *Logger) Logf(severity int, facility, mnemonic, format string, args ...any) {
	msg := fmt.Sprintf("%%%s-%d-%s: %s", facility, severity, mnemonic, fmt.Sprintf(format, args...))
	l.mu.Lock()
	line := l.stamp() + msg
	var targets []Sink
	if l.buffered && severity <= l.bufferLevel {
		l.entries = append(l.entries, line)
		l.bytes += len(line) + 1
		l.counts.buffer++
		l.trim()
	}
	for _, s := range l.sinks {
		if (!s.monitor && l.console && severity <= l.consoleLevel) || (s.monitor && severity <= l.monitorLevel) {
			targets = append(targets, s.sink)
			if s.monitor {
				l.counts.monitor++
			} else {
				l.counts.console++
			}
		}
	}
	l.mu.Unlock()
	for _, t := range targets {
		t(line)
	}
}

// stamp renders the timestamp prefix; l.mu is held.
func (l *Logger) stamp() string {
	if l.stamps.Disabled {
		return ""
	}
	now := l.now().UTC()
	if l.stamps.Localtime {
		now = now.In(l.zone)
	}
	if l.stamps.Uptime {
		d := now.Sub(l.boot)
		h := int(d.Hours())
		return fmt.Sprintf("%02d:%02d:%02d: ", h, int(d.Minutes())%60, int(d.Seconds())%60)
	}
	// '*' marks a clock that is not authoritative (no NTP), as IOS prints it.
	layout := "Jan _2 15:04:05"
	if l.stamps.Msec {
		layout += ".000"
	}
	if l.stamps.Year {
		layout = "Jan _2 2006 15:04:05"
		if l.stamps.Msec {
			layout += ".000"
		}
	}
	s := "*" + now.Format(layout)
	if l.stamps.Timezone {
		s += " " + now.Format("MST")
	}
	return s + ": "
}

// Clear empties the buffer (clear logging).
func (l *Logger) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries, l.bytes = nil, 0
}

// Show renders `show logging`.
func (l *Logger) Show() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "Syslog logging: enabled (%d messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n\n", l.counts.dropped)
	b.WriteString("No Active Message Discriminator.\n\n\n\nNo Inactive Message Discriminator.\n\n\n")
	if l.console {
		fmt.Fprintf(&b, "    Console logging: level %s, %d messages logged, xml disabled,\n                     filtering disabled\n", LevelNames[l.consoleLevel], l.counts.console)
	} else {
		b.WriteString("    Console logging: disabled\n")
	}
	fmt.Fprintf(&b, "    Monitor logging: level %s, %d messages logged, xml disabled,\n                     filtering disabled\n", LevelNames[l.monitorLevel], l.counts.monitor)
	if l.buffered {
		fmt.Fprintf(&b, "    Buffer logging:  level %s, %d messages logged, xml disabled,\n                    filtering disabled\n", LevelNames[l.bufferLevel], l.counts.buffer)
	} else {
		b.WriteString("    Buffer logging:  disabled, xml disabled,\n                    filtering disabled\n")
	}
	b.WriteString("    Exception Logging: size (4096 bytes)\n    Count and timestamp logging messages: disabled\n    Persistent logging: disabled\n\nNo active filter modules.\n\n")
	b.WriteString("    Trap logging: level informational, 0 message lines logged\n        Logging Source-Interface:       VRF Name:\n\n")
	if l.buffered {
		fmt.Fprintf(&b, "Log Buffer (%d bytes):\n\n", l.bufferSize)
		for _, e := range l.entries {
			b.WriteString(e + "\n")
		}
	}
	return b.String()
}

// Entries returns the buffered lines, oldest first.
func (l *Logger) Entries() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.entries...)
}
