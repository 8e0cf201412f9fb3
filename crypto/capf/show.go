package capf

import (
	"fmt"
	"strings"
	"sync/atomic"

	"cmeos/ios/cli"
	"cmeos/ios/logging"
)

// debugFlags are the `debug capf-server` switches.
type debugFlags struct {
	events, messages, errors atomic.Bool
}

func registerShow(f *Feature) {
	t := f.sys.Tree
	h := map[string]string{"show": "Show running system information", "capf-server": "CAPF server information",
		"summary": "CAPF server configuration", "auth-string": "Authentication strings of the configured ephones",
		"cert-oper": "Certificate operation status of the configured ephones"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show capf-server summary", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showSummary(c)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show capf-server auth-string", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showAuthStrings(c)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show capf-server cert-oper", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showCertOper(c)
		return nil
	}})
	dh := map[string]string{"debug": "Debugging functions (see also 'undebug')", "no": "Disable debugging functions",
		"capf-server": "CAPF server debugging", "all": "All CAPF server debugging", "events": "CAPF session events",
		"messages": "CAPF protocol messages", "errors": "CAPF errors"}
	for _, neg := range []bool{false, true} {
		syntax := "debug capf-server which:{ all | events | messages | errors }"
		if neg {
			syntax = "no " + syntax
		}
		t.Add(cli.ModeExec, cli.Command{Syntax: syntax, Help: dh, Run: func(c *cli.Context) error {
			which := c.String("which")
			on := !neg
			for _, x := range []struct {
				name string
				flag *atomic.Bool
			}{{"events", &f.debug.events}, {"messages", &f.debug.messages}, {"errors", &f.debug.errors}} {
				if which == "all" || which == x.name {
					x.flag.Store(on)
				}
			}
			state := "on"
			if !on {
				state = "off"
			}
			name := map[string]string{"all": "All", "events": "Event", "messages": "Message", "errors": "Error"}[which]
			c.Printf("CAPF server %s debugging is %s\n", name, state)
			return nil
		}})
	}
}

// showSummary prints `show capf-server summary` as seed 004 does
// (ios-commands.md §3.4), lock held.
func (f *Feature) showSummary(c *cli.Context) {
	if !f.on {
		return
	}
	src := ""
	if f.source.IsValid() {
		src = f.source.String()
	}
	c.Printf("\nCAPF Server Configuration Details\n")
	c.Printf("  Trustpoint for TLS With Phone: %s\n", f.trustpoint)
	c.Printf("  Trustpoint for CA operation: %s\n", f.enrollTP)
	c.Printf("  Source Address: %s\n", src)
	c.Printf("  Listening Port: %d\n", f.port)
	c.Printf("  Phone Key Size: %d\n", f.keySize)
	c.Printf("  Phone KeyGen Retries: %d\n", f.keygenRetry)
	c.Printf("  Phone KeyGen Timeout: %d minutes\n", f.keygenTimeout)
}

// showAuthStrings prints `show capf-server auth-string` (ios-commands.md
// §3.5): MAC without dots, upper-case hex, then the PIN; lock held.
func (f *Feature) showAuthStrings(c *cli.Context) {
	c.Printf("\nAuthentication Strings for configured Ephones\nMac-Addr      Auth-String\n-----\n")
	if f.dir == nil {
		return
	}
	for _, p := range f.dir.CAPFPhones() {
		if p.AuthString != "" && p.MAC != "" {
			c.Printf("%-12s  %s\n", p.MAC, p.AuthString)
		}
	}
}

// showCertOper prints each configured phone's operation, auth mode,
// status and LSC, then the service's counters (cmeos; the seeds have no
// such output, so it follows the layout of the auth-string list). Lock
// held.
func (f *Feature) showCertOper(c *cli.Context) {
	c.Printf("\nCertificate Operations for configured Ephones\n")
	c.Printf("%-12s  %-9s  %-11s  %-13s  %s\n-----\n", "Mac-Addr", "Operation", "Auth-Mode", "LSC", "Status")
	if f.dir != nil {
		for _, p := range f.dir.CAPFPhones() {
			if p.MAC == "" {
				continue
			}
			op, mode := f.effective(p)
			rec := f.store.Get(p.Device())
			lsc, status := "Not Installed", StatusNone
			if rec != nil {
				if rec.LSC != nil {
					lsc = "Installed"
				}
				status = rec.Status
			}
			if op != "" && mode != ModeNone && (rec == nil || rec.Done != op+"/"+mode) {
				status = StatusPending
			}
			if op == "" {
				op = "-"
			}
			c.Printf("%-12s  %-9s  %-11s  %-13s  %s\n", p.MAC, op, mode, lsc, status)
		}
	}
	n := f.Stats()
	state := "Not running"
	if f.Addr() != nil {
		state = "Running"
	}
	c.Printf("CAPF server %s: %d sessions, %d installed, %d fetched, %d deleted, %d failed, %d wrong auth strings\n",
		state, n.Sessions, n.Installed, n.Fetched, n.Deleted, n.Failed, n.AuthFailures)
}

// debugf writes a debug line if that kind of debugging is on. Arguments
// from the network must be escaped by the caller (escape).
func (f *Feature) debugf(flag *atomic.Bool, format string, args ...any) {
	if flag.Load() {
		f.sys.Log.Logf(logging.Debugging, "CAPF", "DEBUG", format, args...)
	}
}

// escape makes a peer-supplied string safe for a log line or terminal.
func escape(s string) string {
	q := fmt.Sprintf("%q", s)
	return strings.Trim(q, `"`)
}
