package config

import (
	"fmt"
	"strings"
)

// Order places a feature's block in running-config. The values follow the
// order of a real IOS running-config (seed 004, "Secure Cisco Unified CME: Example").
const (
	OrderVersion      = 100
	OrderService      = 200
	OrderHostname     = 300
	OrderBoot         = 400
	OrderEnable       = 450
	OrderCard         = 500
	OrderLogging      = 600
	OrderAAA          = 700
	OrderResource     = 800
	OrderClock        = 900
	OrderIP           = 1000
	OrderISDN         = 1100
	OrderVoiceCard    = 1200
	OrderCTLClient    = 1300
	OrderCAPF         = 1400
	OrderVoiceService = 1500
	OrderPKI          = 1600
	OrderUsername     = 1700
	OrderController   = 1800
	OrderInterface    = 1900
	OrderIPRoute      = 2000
	OrderACL          = 2050
	OrderIPHTTP       = 2100
	OrderTFTP         = 2200
	OrderRadius       = 2300
	OrderControlPlane = 2400
	OrderVoicePort    = 2500
	OrderDialPeer     = 2600
	OrderGateway      = 2700
	OrderTelephony    = 2800
	OrderEphoneDN     = 2900
	OrderEphone       = 3000
	OrderBanner       = 3100
	OrderLine         = 3200
	OrderNTP          = 3300
)

// Renderer collects running-config lines.
type Renderer struct {
	b    strings.Builder
	bang bool // the last line written is "!"
}

// Line writes a top-level line.
func (r *Renderer) Line(s string) { r.Indent(0, s) }

// Linef writes a formatted top-level line.
func (r *Renderer) Linef(format string, a ...any) { r.Indent(0, fmt.Sprintf(format, a...)) }

// Sub writes a line one level down (one space, as IOS indents sub-modes).
func (r *Renderer) Sub(s string) { r.Indent(1, s) }

// Subf writes a formatted line one level down.
func (r *Renderer) Subf(format string, a ...any) { r.Indent(1, fmt.Sprintf(format, a...)) }

// Indent writes a line at a nesting depth.
func (r *Renderer) Indent(depth int, s string) {
	r.b.WriteString(strings.Repeat(" ", depth))
	r.b.WriteString(s)
	r.b.WriteByte('\n')
	r.bang = false
}

// Bang writes the "!" separator between blocks; consecutive ones collapse.
func (r *Renderer) Bang() {
	if r.bang {
		return
	}
	r.b.WriteString("!\n")
	r.bang = true
}

// String returns what was rendered.
func (r *Renderer) String() string { return r.b.String() }

// renderBody renders the configuration as stored in startup-config: from the
// first "!" to "end". The lock must be held.
func (s *System) renderBody() string {
	r := &Renderer{}
	r.Bang()
	if s.changed.IsZero() {
		r.Line("! No configuration change since last restart")
	} else {
		r.Linef("! Last configuration change at %s by %s", s.changed.UTC().Format("15:04:05 UTC Mon Jan 2 2006"), s.changeBy)
	}
	r.bang = false
	r.Bang()
	for _, f := range s.features {
		f.f.Render(r)
	}
	r.Bang()
	r.Line("end")
	return r.String()
}

// RenderFeatures renders only the features' lines (no comment header), the
// part that must survive parse(render(x)) unchanged. The lock must be held.
func (s *System) RenderFeatures() string {
	r := &Renderer{}
	for _, f := range s.features {
		f.f.Render(r)
	}
	return r.String()
}

// RunningConfig renders `show running-config` (the lock must be held, as it
// is inside a command).
func (s *System) RunningConfig() string {
	body := s.renderBody()
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n%s", len(body), body)
}

// StartupText renders the text that `write memory` stores (lock held).
func (s *System) StartupText() string { return s.renderBody() }
