package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/ios/fs"
)

// TestRenderParseRender is the config model's property: for every feature
// linked into cmeos, loading what running-config shows gives back the same
// running-config, and the feature's example lines load without error and
// change what is rendered.
func TestRenderParseRender(t *testing.T) {
	empty := config.New(config.Options{Now: fixedClock(), FS: newStore(t)})
	empty.Lock()
	base := empty.RenderFeatures()
	empty.Unlock()
	empty.Close()
	for _, r := range config.Registered() {
		t.Run(r.Name, func(t *testing.T) {
			if r.NoConfig {
				return
			}
			if r.Examples == "" {
				t.Fatalf("feature %s has no Examples: the property cannot be checked", r.Name)
			}
			first := load(t, r.Examples)
			if first == base && r.Name != "boot" {
				t.Errorf("examples of %s render nothing new:\n%s", r.Name, r.Examples)
			}
			second := load(t, first)
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("render(parse(render(x))) != render(x) (-first +second):\n%s", diff)
			}
		})
	}
	t.Run("all", func(t *testing.T) {
		var all strings.Builder
		for _, r := range config.Registered() {
			all.WriteString(r.Examples)
		}
		first := load(t, all.String())
		if diff := cmp.Diff(first, load(t, first)); diff != "" {
			t.Errorf("render(parse(render(x))) != render(x) (-first +second):\n%s", diff)
		}
	})
}

func newStore(t testing.TB) *fs.Store { return configtest.NewStore(t) }

func load(t *testing.T, text string) string {
	t.Helper()
	sys := config.New(config.Options{Now: fixedClock(), FS: newStore(t)})
	defer sys.Close()
	var out bytes.Buffer
	if n := sys.Load(text, &out); n != 0 {
		t.Fatalf("%d lines failed to load:\n%s\ninput:\n%s", n, out.String(), text)
	}
	sys.Lock()
	defer sys.Unlock()
	return sys.RenderFeatures()
}
