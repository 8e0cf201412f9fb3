// Package layering states the import rules of cmeos and checks a package
// graph against them (in the spirit of tailscale's tstest/deptest). Its test
// runs `go list -deps` on the whole module, so `make test` fails when an
// import points the wrong way. Only non-test imports count: a test may
// import anything (cmd/phonesim/internal/e2e, which has only tests, boots
// the box and the simulator side by side).
//
// The layers, top to bottom (DESIGN.md, "Layout"):
//
//	cmd        may import anything
//	telephony  may import crypto, ios, drivers, board
//	crypto     may import ios, drivers, board
//	ios        may import drivers, board
//	drivers    may import neither board nor any layer above
//	board      may import neither drivers nor any layer above
//
// A package may always import packages of its own layer. rootfs (the boot
// image, /init and the qemu tests) is boot code at the level of cmd, and
// scripts (benchmark and interop programs) are tools at that level too:
// they may import anything, and only cmd and they themselves may import
// them.
//
// Besides the layers: the phone simulator (cmd/phonesim/...) is a second,
// independent implementation that checks the box, so none of its packages
// may depend, even indirectly, on cmeos/crypto/... or cmeos/telephony/...;
// and the box (cmd/cmeos) links none of the simulator's packages.
package layering

import (
	"fmt"
	"slices"
	"strings"
)

// Module is the module path of cmeos.
const Module = "cmeos"

// Package is what the checker needs of one package of `go list -json`.
type Package struct {
	ImportPath string
	Imports    []string // direct non-test imports
	Deps       []string // all non-test dependencies, direct and indirect
}

// rank orders the layers; a package may import only its own layer or lower
// ranks, with the exceptions of allowed.
var rank = map[string]int{
	"cmd":       5,
	"rootfs":    5,
	"scripts":   5,
	"telephony": 4,
	"crypto":    3,
	"ios":       2,
	"drivers":   1,
	"board":     1,
}

// layer returns the top-level directory of a cmeos package ("crypto" for
// cmeos/crypto/ctl), or "" for a package outside the module.
func layer(path string) string {
	rest, ok := strings.CutPrefix(path, Module+"/")
	if !ok {
		return ""
	}
	top, _, _ := strings.Cut(rest, "/")
	return top
}

// allowed reports whether a package of layer from may import one of layer to.
func allowed(from, to string) bool {
	switch {
	case from == to:
		return true
	case to == "rootfs" || to == "scripts":
		return from == "cmd" // and the folder itself, above
	case from == "cmd" || from == "rootfs":
		return true
	case rank[from] == 1:
		return false // drivers and board import neither each other nor anything above
	}
	return rank[to] < rank[from]
}

const (
	simulator = Module + "/cmd/phonesim"
	box       = Module + "/cmd/cmeos"
)

func within(path, root string) bool { return path == root || strings.HasPrefix(path, root+"/") }

// Check returns one message per broken rule, sorted; none when the graph is
// sound.
func Check(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		from := layer(p.ImportPath)
		if from == "" {
			continue
		}
		if _, ok := rank[from]; !ok {
			out = append(out, fmt.Sprintf("%s: top-level folder %q is not a layer (cmd, rootfs, scripts, telephony, crypto, ios, drivers, board)", p.ImportPath, from))
			continue
		}
		for _, imp := range p.Imports {
			to := layer(imp)
			if to == "" {
				continue
			}
			if _, ok := rank[to]; !ok {
				continue // reported as a package of its own
			}
			if !allowed(from, to) {
				out = append(out, fmt.Sprintf("%s imports %s: %s may not import %s", p.ImportPath, imp, from, to))
			}
		}
		if within(p.ImportPath, simulator) {
			for _, d := range p.Deps {
				if within(d, Module+"/crypto") || within(d, Module+"/telephony") {
					out = append(out, fmt.Sprintf("%s depends on %s: the phone simulator may not use the box's crypto or telephony code", p.ImportPath, d))
				}
			}
		}
		if p.ImportPath == box {
			for _, d := range p.Deps {
				if within(d, simulator) {
					out = append(out, fmt.Sprintf("%s depends on %s: the box may not link the phone simulator", p.ImportPath, d))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
