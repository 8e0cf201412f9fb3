package system

import (
	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// Global lines of seed 004's E10 that concern a hardware router's
// forwarding and control plane, with no effect on this box (its Linux
// kernel forwards; there is no control-plane policing or resource
// manager): accepted, kept as typed and rendered back where IOS puts them
// (cli.Command.Inert). docs/SECURITY.md and README list them as inert.

func init() {
	for _, r := range []config.Registration{
		{Name: "resource-policy", Order: config.OrderResource, New: newModeOnly("resource policy", "config-res-policy", "(config-res-policy)#",
			map[string]string{"resource": "Configure resource manager", "policy": "Configure Resource Manager Policy"}),
			Examples: "resource policy\n"},
		{Name: "ip-cef", Order: config.OrderIP - 10, New: newCEF, Examples: "ip cef\n"},
		{Name: "control-plane", Order: config.OrderControlPlane - 10, New: newModeOnly("control-plane", "config-cp", "(config-cp)#",
			map[string]string{"control-plane": "Configure control plane services"}), Examples: "control-plane\n"},
	} {
		config.Register(r)
	}
}

// modeOnly is a configuration block without sub-commands of its own
// (`control-plane`, `resource policy`): present or not.
type modeOnly struct {
	line string
	on   bool
}

func newModeOnly(line, mode, prompt string, help map[string]string) func(*config.System) config.Feature {
	return func(sys *config.System) config.Feature {
		f := &modeOnly{line: line}
		sys.Tree.AddMode(mode, prompt, cli.ModeConfig)
		sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: line, Help: help, Owner: line, No: true, Inert: true,
			Run: func(c *cli.Context) error {
				f.on = !c.Negate
				if f.on {
					c.Enter(mode, f)
				}
				return nil
			}})
		return f
	}
}

func (f *modeOnly) Render(r *config.Renderer) {
	if f.on {
		r.Bang()
		r.Line(f.line)
		r.Bang()
	}
}

// cef is `ip cef` (on by default on the seeds' routers; `no ip cef` kept).
type cef struct{ off, typed bool }

func newCEF(sys *config.System) config.Feature {
	f := &cef{}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip cef", Owner: "ip-cef", No: true, Inert: true,
		Help: map[string]string{"ip": "Global IP configuration subcommands", "cef": "Cisco Express Forwarding"},
		Run:  func(c *cli.Context) error { f.off, f.typed = c.Negate && !c.Default, true; return nil }})
	return f
}

func (f *cef) Render(r *config.Renderer) {
	switch {
	case f.off:
		r.Line("no ip cef")
	case f.typed:
		r.Line("ip cef")
	}
}
