package config_test

import (
	"bytes"
	"strings"
	"testing"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
)

func TestRendererBang(t *testing.T) {
	var r config.Renderer
	r.Bang()
	r.Bang()
	r.Line("a")
	r.Sub("b")
	r.Bang()
	r.Bang()
	r.Indent(2, "c")
	if got, want := r.String(), "!\na\n b\n!\n  c\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// probe is a minimal feature registered for these tests only.
type probe struct{ value string }

func (p *probe) Render(r *config.Renderer) {
	if p.value != "" {
		r.Line("probe " + p.value)
	}
}

func init() {
	config.Register(config.Registration{Name: "probe", Order: 5000, Examples: "probe x\n", New: func(sys *config.System) config.Feature {
		p := &probe{}
		sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "probe WORD", Owner: "probe", No: true, Run: func(c *cli.Context) error {
			p.value = c.String("WORD")
			if c.Negate {
				p.value = ""
			}
			if p.value == "publish" {
				sys.Publish(topicProbe) // its subscriber changes the config in turn
			}
			return nil
		}})
		return p
	}})
}

func newSystem(t *testing.T) *config.System {
	return configtest.NewSystem(t, nil, nil, "")
}

func TestLoadReportsBadLinesAndGoesOn(t *testing.T) {
	sys := newSystem(t)
	var out bytes.Buffer
	n := sys.Load("probe one\nprobx two\n probe\nprobe three\nend\nprobe after-end\n", &out)
	if n != 2 {
		t.Errorf("%d failures, want 2:\n%s", n, out.String())
	}
	want := "probx two\n    ^\n% Invalid input detected at '^' marker.\n\n probe\n% Incomplete command.\n\n"
	if out.String() != want {
		t.Errorf("load output %q, want %q", out.String(), want)
	}
	sys.Lock()
	r := sys.RenderFeatures()
	sys.Unlock()
	if !strings.Contains(r, "probe three\n") || strings.Contains(r, "after-end") {
		t.Errorf("rendered:\n%s", r)
	}
}

func TestSaveAndStartup(t *testing.T) {
	sys := newSystem(t)
	var out bytes.Buffer
	s := sys.NewSession("t", cli.PrivMax, &out, nil)
	s.Execute("configure terminal")
	s.Execute("probe saved")
	s.Execute("end")
	sys.Lock()
	if !sys.Unsaved() {
		t.Error("change not marked unsaved")
	}
	if err := sys.Save(); err != nil {
		t.Fatal(err)
	}
	unsaved := sys.Unsaved()
	sys.Unlock()
	if unsaved {
		t.Error("still unsaved after Save")
	}
	b, err := sys.ReadStartup()
	if err != nil || !strings.Contains(string(b), "probe saved\n") || !strings.HasSuffix(string(b), "end\n") {
		t.Fatalf("startup-config %q, %v", b, err)
	}
	// A second System on the same storage boots with it.
	sys2 := config.New(config.Options{FS: sys.FS})
	defer sys2.Close()
	sys2.Boot(&out)
	sys2.Lock()
	r := sys2.RenderFeatures()
	sys2.Unlock()
	if !strings.Contains(r, "probe saved") {
		t.Errorf("boot did not load startup-config:\n%s", r)
	}
}
