package interfaces_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryInNetns runs the real firmware binary on the host board inside
// a network namespace with --interfaces mapping GigabitEthernet0/0 to a
// veth: `ip address` must appear in `ip addr`, `shutdown` must set the link
// down, and an interface the board lacks is rejected.
func TestBinaryInNetns(t *testing.T) {
	ns := netns(t)
	bin := filepath.Join(t.TempDir(), "cmeos")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/cmeos").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(input string) string {
		t.Helper()
		cmd := exec.Command("ip", "netns", "exec", ns, bin, "--board", "host", "--root", filepath.Join(t.TempDir(), "root"), "--interfaces", "GigabitEthernet0/0=v0")
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cmeos: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run("enable\nconfigure terminal\ninterface GigabitEthernet0/0\nip address 10.88.0.1 255.255.255.0\nno shutdown\ninterface GigabitEthernet0/3\nend\nshow ip interface brief\n")
	if !strings.Contains(out, "% Invalid input detected at '^' marker.") {
		t.Errorf("GigabitEthernet0/3 accepted on a board without it:\n%s", out)
	}
	addr := ip(t, "-n", ns, "addr", "show", "dev", "v0")
	if !strings.Contains(addr, "inet 10.88.0.1/24") || !strings.Contains(addr, ",UP") {
		t.Fatalf("after ip address / no shutdown:\n%s\nconsole:\n%s", addr, out)
	}
	run("enable\nconfigure terminal\ninterface GigabitEthernet0/0\nshutdown\nend\n")
	if addr := ip(t, "-n", ns, "addr", "show", "dev", "v0"); strings.Contains(addr, ",UP") {
		t.Fatalf("after shutdown:\n%s", addr)
	}
}
