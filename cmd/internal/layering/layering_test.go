package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestModule checks the import graph of the whole module, as `go list
// -deps` reports it (non-test imports only).
func TestModule(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-json=ImportPath,Imports,Deps,Module", Module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []Package
	d := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Package
			Module *struct{ Path string }
		}
		if err := d.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module != nil && p.Module.Path == Module {
			pkgs = append(pkgs, p.Package)
		}
	}
	var sim, boxSeen bool
	for _, p := range pkgs {
		sim = sim || within(p.ImportPath, simulator)
		boxSeen = boxSeen || p.ImportPath == box
	}
	if len(pkgs) < 30 || !sim || !boxSeen {
		t.Fatalf("go list found %d packages of %s (simulator %v, box %v): the check would prove nothing", len(pkgs), Module, sim, boxSeen)
	}
	for _, v := range Check(pkgs) {
		t.Error(v)
	}
}

// TestCheck runs the checker on made-up graphs: each deliberately wrong
// import is reported, and a sound graph passes.
func TestCheck(t *testing.T) {
	std := []string{"fmt", "crypto/x509"} // the standard library is never a layer
	sound := []Package{
		{ImportPath: "cmeos/cmd/cmeos", Imports: []string{"cmeos/telephony/ephone", "cmeos/rootfs/init", "cmeos/board/host"},
			Deps: []string{"cmeos/telephony/ephone", "cmeos/crypto/ctl", "cmeos/cmd/internal/features"}},
		{ImportPath: "cmeos/cmd/phonesim/internal/trust", Imports: std, Deps: std},
		{ImportPath: "cmeos/cmd/phonesim", Imports: []string{"cmeos/cmd/phonesim/internal/trust", "cmeos/ios/fs"},
			Deps: []string{"cmeos/cmd/phonesim/internal/trust", "cmeos/ios/fs"}},
		{ImportPath: "cmeos/telephony/ephone", Imports: append([]string{"cmeos/telephony/tftpd", "cmeos/crypto/ctl", "cmeos/ios/config", "cmeos/drivers/netif", "cmeos/board"}, std...)},
		{ImportPath: "cmeos/crypto/ctlclient", Imports: []string{"cmeos/crypto/ctl", "cmeos/ios/fs", "cmeos/board"}},
		{ImportPath: "cmeos/ios/interfaces", Imports: []string{"cmeos/ios/cli", "cmeos/drivers/netif", "cmeos/board"}},
		{ImportPath: "cmeos/drivers/serial", Imports: std},
		{ImportPath: "cmeos/board/host", Imports: []string{"cmeos/board"}},
		{ImportPath: "cmeos/rootfs/image", Imports: []string{"cmeos/board", "cmeos/rootfs/cpio", "cmeos/telephony/ephone"}},
		{ImportPath: "github.com/x/y", Imports: []string{"cmeos/telephony/ephone"}}, // not ours
	}
	if v := Check(sound); len(v) != 0 {
		t.Fatalf("a sound graph fails:\n%s", strings.Join(v, "\n"))
	}
	for _, tc := range []struct {
		name string
		pkg  Package
		want string
	}{
		{"crypto imports telephony", Package{ImportPath: "cmeos/crypto/tvs", Imports: []string{"cmeos/telephony/tftpd"}},
			"cmeos/crypto/tvs imports cmeos/telephony/tftpd: crypto may not import telephony"},
		{"ios imports crypto", Package{ImportPath: "cmeos/ios/sshd", Imports: []string{"cmeos/crypto/keys"}},
			"cmeos/ios/sshd imports cmeos/crypto/keys: ios may not import crypto"},
		{"ios imports telephony", Package{ImportPath: "cmeos/ios/exec", Imports: []string{"cmeos/telephony/ephone"}},
			"cmeos/ios/exec imports cmeos/telephony/ephone: ios may not import telephony"},
		{"telephony imports cmd", Package{ImportPath: "cmeos/telephony/ephone", Imports: []string{"cmeos/cmd/internal/features"}},
			"cmeos/telephony/ephone imports cmeos/cmd/internal/features: telephony may not import cmd"},
		{"drivers import ios", Package{ImportPath: "cmeos/drivers/netif", Imports: []string{"cmeos/ios/logging"}},
			"cmeos/drivers/netif imports cmeos/ios/logging: drivers may not import ios"},
		{"drivers import board", Package{ImportPath: "cmeos/drivers/serial", Imports: []string{"cmeos/board"}},
			"cmeos/drivers/serial imports cmeos/board: drivers may not import board"},
		{"board imports drivers", Package{ImportPath: "cmeos/board/rpi4", Imports: []string{"cmeos/drivers/serial"}},
			"cmeos/board/rpi4 imports cmeos/drivers/serial: board may not import drivers"},
		{"ios imports rootfs", Package{ImportPath: "cmeos/ios/system", Imports: []string{"cmeos/rootfs/init"}},
			"cmeos/ios/system imports cmeos/rootfs/init: ios may not import rootfs"},
		{"scripts imported by ios", Package{ImportPath: "cmeos/ios/exec", Imports: []string{"cmeos/scripts/mediabench"}},
			"cmeos/ios/exec imports cmeos/scripts/mediabench: ios may not import scripts"},
		{"rootfs imported by telephony", Package{ImportPath: "cmeos/telephony/dhcpd", Imports: []string{"cmeos/rootfs/vm"}},
			"cmeos/telephony/dhcpd imports cmeos/rootfs/vm: telephony may not import rootfs"},
		{"unknown top-level folder", Package{ImportPath: "cmeos/phonesim", Imports: std},
			`cmeos/phonesim: top-level folder "phonesim" is not a layer (cmd, rootfs, scripts, telephony, crypto, ios, drivers, board)`},
		{"simulator uses crypto/ctl indirectly", Package{ImportPath: "cmeos/cmd/phonesim/internal/trust", Imports: []string{"cmeos/ios/fs"},
			Deps: []string{"cmeos/ios/fs", "cmeos/crypto/ctl"}},
			"cmeos/cmd/phonesim/internal/trust depends on cmeos/crypto/ctl: the phone simulator may not use the box's crypto or telephony code"},
		{"simulator uses telephony/sccp", Package{ImportPath: "cmeos/cmd/phonesim", Imports: []string{"cmeos/telephony/sccp"},
			Deps: []string{"cmeos/telephony/sccp"}},
			"cmeos/cmd/phonesim depends on cmeos/telephony/sccp: the phone simulator may not use the box's crypto or telephony code"},
		{"box links the simulator", Package{ImportPath: "cmeos/cmd/cmeos", Imports: []string{"cmeos/cmd/phonesim/internal/sccp"},
			Deps: []string{"cmeos/cmd/phonesim/internal/sccp"}},
			"cmeos/cmd/cmeos depends on cmeos/cmd/phonesim/internal/sccp: the box may not link the phone simulator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(append(append([]Package(nil), sound...), tc.pkg))
			if diff := cmp.Diff([]string{tc.want}, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}
