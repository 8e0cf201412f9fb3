package config_test

import (
	"testing"

	"cmeos/ios/config"
)

// greeter stands for an interface a lower layer declares (as ios/sshd
// declares HostKeys) and a feature of a higher one implements.
type greeter interface{ Greet() string }

type greeterFeature struct{}

func (greeterFeature) Render(*config.Renderer) {}
func (greeterFeature) Greet() string           { return "hello" }

func init() {
	config.Register(config.Registration{Name: "find-probe", Order: 5001, NoConfig: true,
		New: func(*config.System) config.Feature { return greeterFeature{} }})
}

func TestFind(t *testing.T) {
	sys := config.New(config.Options{})
	g, ok := config.Find[greeter](sys)
	if !ok || g.Greet() != "hello" {
		t.Fatalf("Find[greeter] = %v, %v", g, ok)
	}
	if all := config.FindAll[greeter](sys); len(all) != 1 || all[0].Greet() != "hello" {
		t.Errorf("FindAll[greeter] = %v", all)
	}
	type nobody interface{ NoSuchMethod() }
	if _, ok := config.Find[nobody](sys); ok {
		t.Error("Find found a feature for an interface nobody implements")
	}
	if all := config.FindAll[nobody](sys); len(all) != 0 {
		t.Errorf("FindAll[nobody] = %v", all)
	}
}
