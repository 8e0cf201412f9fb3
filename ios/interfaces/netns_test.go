package interfaces_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"cmeos/board"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	_ "cmeos/ios/interfaces"
	_ "cmeos/ios/iproute"
)

var nsSeq atomic.Int32

// netns creates a network namespace with a veth pair (v0 inside, v1
// outside in a second namespace) and returns its name.
func netns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("ip not installed (scripts/deps installs iproute2)")
	}
	n := nsSeq.Add(1)
	ns := fmt.Sprintf("cmeos-if-%d-%d", os.Getpid(), n)
	peer := ns + "p"
	ip(t, "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	ip(t, "netns", "add", peer)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", peer).Run() })
	ip(t, "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", peer)
	ip(t, "-n", peer, "link", "set", "v1", "up")
	return ns
}

func ip(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// system boots a System on a host board whose GigabitEthernet0/0 is v0 in ns.
func system(t *testing.T, ns string) (*config.System, func(string) string) {
	b := board.Board{Name: "nstest-" + ns, Interfaces: map[string]string{"GigabitEthernet0/0": "v0"}, NetNS: "/var/run/netns/" + ns}
	board.Activate(b)
	sys := config.New(config.Options{Board: b.Name})
	t.Cleanup(func() { sys.Close() })
	sys.Start()
	var out bytes.Buffer
	sess := sys.NewSession("test", cli.PrivMax, &out, nil)
	sess.Enter(cli.ModeConfig, nil)
	return sys, func(line string) string {
		out.Reset()
		sess.Execute(line)
		return out.String()
	}
}

// kernelHas reports whether the running kernel can create links of a type
// (some sandboxed kernels lack vlan and dummy; the qemu boot tests cover
// them with Debian's kernel then).
func kernelHas(t *testing.T, ns, typ string) bool {
	args := []string{"-n", ns, "link", "add", "probe0", "type", typ}
	if typ == "vlan" {
		args = []string{"-n", ns, "link", "add", "link", "v0", "name", "probe0", "type", "vlan", "id", "4000"}
	}
	if exec.Command("ip", args...).Run() != nil {
		t.Logf("this kernel cannot create %s links: not checked here (rootfs/vmtest checks them)", typ)
		return false
	}
	exec.Command("ip", "-n", ns, "link", "del", "probe0").Run()
	return true
}

func TestNetlinkInterfaces(t *testing.T) {
	ns := netns(t)
	hasVLAN, hasDummy := kernelHas(t, ns, "vlan"), kernelHas(t, ns, "dummy")
	_, run := system(t, ns)
	lines := []string{"interface GigabitEthernet0/0", "description uplink to the LAN", "mtu 1400",
		"ip address 10.77.0.1 255.255.255.0", "ip address 10.78.0.1 255.255.255.0 secondary", "no shutdown"}
	if hasVLAN {
		lines = append(lines, "interface GigabitEthernet0/0.100", "encapsulation dot1Q 100", "ip address 192.168.100.1 255.255.255.0")
	}
	if hasDummy {
		lines = append(lines, "interface Loopback0", "ip address 10.255.255.1 255.255.255.255")
	}
	lines = append(lines, "exit", "ip route 192.168.50.0 255.255.255.0 10.77.0.254", "ip default-gateway 10.77.0.253")
	for _, l := range lines {
		if out := run(l); strings.Contains(out, "%") {
			t.Fatalf("%q: %s", l, out)
		}
	}
	got := ip(t, "-n", ns, "-d", "addr", "show", "dev", "v0")
	for _, want := range []string{"inet 10.77.0.1/24", "inet 10.78.0.1/24", "mtu 1400", "alias uplink to the LAN", "state UP"} {
		if !strings.Contains(got, want) {
			t.Errorf("v0 lacks %q:\n%s", want, got)
		}
	}
	if hasVLAN {
		vlan := ip(t, "-n", ns, "-d", "addr", "show", "dev", "v0.100")
		for _, want := range []string{"vlan protocol 802.1Q id 100", "inet 192.168.100.1/24"} {
			if !strings.Contains(vlan, want) {
				t.Errorf("v0.100 lacks %q:\n%s", want, vlan)
			}
		}
	}
	if hasDummy {
		if lo := ip(t, "-n", ns, "-d", "addr", "show", "dev", "loop0"); !strings.Contains(lo, "dummy") || !strings.Contains(lo, "10.255.255.1/32") {
			t.Errorf("loop0:\n%s", lo)
		}
	}
	routes := ip(t, "-n", ns, "route", "show")
	for _, want := range []string{"192.168.50.0/24 via 10.77.0.254 dev v0 proto static", "default via 10.77.0.253 dev v0 proto static"} {
		if !strings.Contains(routes, want) {
			t.Errorf("routes lack %q:\n%s", want, routes)
		}
	}

	// IOS views of it.
	brief := run("do show ip interface brief")
	wantBrief := []string{"GigabitEthernet0/0         10.77.0.1       YES manual up                    up"}
	if hasVLAN {
		wantBrief = append(wantBrief, "GigabitEthernet0/0.100     192.168.100.1   YES manual up                    up")
	}
	if hasDummy {
		wantBrief = append(wantBrief, "Loopback0                  10.255.255.1    YES manual up                    up")
	}
	for _, want := range wantBrief {
		if !strings.Contains(brief, want) {
			t.Errorf("show ip interface brief lacks %q:\n%s", want, brief)
		}
	}
	if si := run("do show interfaces GigabitEthernet0/0"); !strings.Contains(si, "GigabitEthernet0/0 is up, line protocol is up") ||
		!strings.Contains(si, "Description: uplink to the LAN") || !strings.Contains(si, "MTU 1400 bytes") || !strings.Contains(si, "Internet address is 10.77.0.1/24") {
		t.Errorf("show interfaces:\n%s", si)
	}
	sr := run("do show ip route")
	for _, want := range []string{"Gateway of last resort is 10.77.0.253 to network 0.0.0.0", "S*    0.0.0.0/0 [1/0] via 10.77.0.253",
		"C        10.77.0.0/24 is directly connected, GigabitEthernet0/0", "L        10.77.0.1/32 is directly connected, GigabitEthernet0/0",
		"S     192.168.50.0/24 [1/0] via 10.77.0.254", "      10.0.0.0/8 is variably subnetted, 4 subnets, 2 masks"} {
		if !strings.Contains(sr, want) {
			t.Errorf("show ip route lacks %q:\n%s", want, sr)
		}
	}

	// shutdown sets the link down; removing things removes them.
	for _, l := range []string{"interface GigabitEthernet0/0", "shutdown", "no ip address 10.78.0.1 255.255.255.0", "exit",
		"no interface GigabitEthernet0/0.100", "no interface Loopback0", "no ip route 192.168.50.0 255.255.255.0 10.77.0.254"} {
		if out := run(l); strings.Contains(out, "%") {
			t.Fatalf("%q: %s", l, out)
		}
	}
	got = ip(t, "-n", ns, "addr", "show", "dev", "v0")
	if strings.Contains(got, ",UP") || strings.Contains(got, "10.78.0.1") {
		t.Errorf("after shutdown and no ip address secondary:\n%s", got)
	}
	links := ip(t, "-n", ns, "link", "show")
	if strings.Contains(links, "v0.100") || strings.Contains(links, "loop0") {
		t.Errorf("removed subinterface/loopback still there:\n%s", links)
	}
	if strings.Contains(ip(t, "-n", ns, "route", "show"), "192.168.50.0") {
		t.Errorf("removed route still installed")
	}
	if si := run("do show ip interface brief"); !strings.Contains(si, "administratively down down") {
		t.Errorf("show ip interface brief after shutdown:\n%s", si)
	}
}

// TestUnknownInterface: a board with an interface map rejects interfaces it
// does not have, with the IOS error, and changes nothing.
func TestUnknownInterface(t *testing.T) {
	b := board.Board{Name: "nstest-unknown", Interfaces: map[string]string{"GigabitEthernet0/0": "v0"}}
	board.Activate(b)
	sys := config.New(config.Options{Board: b.Name})
	defer sys.Close()
	var out bytes.Buffer
	sess := sys.NewSession("test", cli.PrivMax, &out, nil)
	sess.Enter(cli.ModeConfig, nil)
	before := sys.RunningConfig()
	for _, l := range []string{"interface GigabitEthernet0/5", "interface FastEthernet0/0.10"} {
		out.Reset()
		sess.Execute(l)
		if !strings.Contains(out.String(), "% Invalid input detected at '^' marker.") {
			t.Errorf("%q: %q", l, out.String())
		}
	}
	if sys.RunningConfig() != before {
		t.Errorf("running-config changed by rejected lines")
	}
}
