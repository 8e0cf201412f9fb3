package dhcpd

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netnsPair makes two network namespaces joined by a veth pair: the server
// side has 10.77.0.1/24 on ifS, the client side ifC is up without address.
func netnsPair(t *testing.T) (nsS, nsC, ifS, ifC string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces (CI runs as root)")
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		t.Fatal("ip (iproute2) not installed; scripts/deps installs it")
	}
	id := fmt.Sprintf("%d%d", os.Getpid()%10000, time.Now().UnixNano()%1000)
	nsS, nsC = "cmeos-dhs-"+id, "cmeos-dhc-"+id
	ifS, ifC = "dhs"+id, "dhc"+id
	run := func(args ...string) {
		t.Helper()
		if b, err := exec.Command(ipCmd, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	run("netns", "add", nsS)
	t.Cleanup(func() { exec.Command(ipCmd, "netns", "del", nsS).Run() })
	run("netns", "add", nsC)
	t.Cleanup(func() { exec.Command(ipCmd, "netns", "del", nsC).Run() })
	run("link", "add", ifS, "type", "veth", "peer", "name", ifC)
	run("link", "set", ifS, "netns", nsS)
	run("link", "set", ifC, "netns", nsC)
	run("-n", nsS, "addr", "add", "10.77.0.1/24", "dev", ifS)
	run("-n", nsS, "link", "set", ifS, "up")
	run("-n", nsS, "link", "set", "lo", "up")
	run("-n", nsC, "link", "set", ifC, "up")
	return
}

// inNetns runs f on a fresh OS thread that has joined the namespace. The
// thread is discarded afterwards (the goroutine exits locked).
func inNetns(t *testing.T, ns string, f func()) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- nil
		f()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// startInNetns opens the server socket bound to ifname inside ns and serves
// it from that namespace (interface lookups happen there too).
func startInNetns(t *testing.T, s *Server, ns, ifname string) *Listener {
	t.Helper()
	ready := make(chan *Listener, 1)
	errc := make(chan error, 1)
	inNetns(t, ns, func() {
		l, err := s.Listen(ifname, 67)
		if err != nil {
			errc <- err
			return
		}
		ready <- l
		l.Serve()
	})
	select {
	case l := <-ready:
		return l
	case err := <-errc:
		t.Fatal(err)
	}
	return nil
}

type lease struct{ env map[string]string }

// udhcpc runs busybox udhcpc in ns and returns what its script saw on "bound".
func udhcpc(t *testing.T, ns, ifname string, extra ...string) lease {
	t.Helper()
	bin, err := exec.LookPath("udhcpc")
	if err != nil {
		t.Fatal("udhcpc not installed; scripts/deps installs it")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "env")
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("#!/bin/sh\nif [ \"$1\" = bound ]; then env > "+out+"; fi\nexit 0\n"), 0o755)
	args := append([]string{"netns", "exec", ns, bin, "-i", ifname, "-n", "-q", "-f", "-t", "5", "-T", "1", "-A", "1",
		"-O", "150", "-O", "66", "-s", script}, extra...)
	b, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("udhcpc: %v\n%s", err, b)
	}
	env := map[string]string{}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("udhcpc got no lease:\n%s", b)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	return lease{env}
}

func TestUdhcpcInNetns(t *testing.T) {
	nsS, nsC, ifS, ifC := netnsPair(t)
	store := fileStore{filepath.Join(t.TempDir(), "dhcp-bindings")}
	pool := &Pool{Name: "phones", Network: netip.MustParsePrefix("10.77.0.0/24"), Lease: DefaultLease,
		Routers: []netip.Addr{netip.MustParseAddr("10.77.0.1")}, DNS: []netip.Addr{netip.MustParseAddr("10.77.0.53")},
		DomainName: "cme.example",
		Options: []Option{{Code: 150, Kind: OptIP, IPs: []netip.Addr{netip.MustParseAddr("10.77.0.1"), netip.MustParseAddr("10.77.0.2")}},
			{Code: 66, Kind: OptASCII, Text: "10.77.0.1"}}}
	excl := []Range{{netip.MustParseAddr("10.77.0.1"), netip.MustParseAddr("10.77.0.9")}}
	s, _ := New(Config{Store: store})
	s.SetPools([]*Pool{pool}, excl)
	l := startInNetns(t, s, nsS, ifS)

	got := udhcpc(t, nsC, ifC)
	if got.env["ip"] != "10.77.0.10" || got.env["router"] != "10.77.0.1" || got.env["subnet"] != "255.255.255.0" ||
		got.env["dns"] != "10.77.0.53" || got.env["domain"] != "cme.example" || got.env["serverid"] != "10.77.0.1" {
		t.Fatalf("lease: %v", got.env)
	}
	// udhcpc shows options it has no name for as hex.
	if got.env["opt150"] != "0a4d00010a4d0002" {
		t.Fatalf("option 150 = %q, want 0a4d00010a4d0002 (10.77.0.1, 10.77.0.2)", got.env["opt150"])
	}
	if got.env["tftp"] != "10.77.0.1" && got.env["opt66"] != "31302e37372e302e31" {
		t.Fatalf("option 66 missing: %v", got.env)
	}
	bs := s.Bindings()
	if len(bs) != 1 || bs[0].IP.String() != "10.77.0.10" {
		t.Fatalf("bindings %v", bs)
	}

	// Restart: the lease is in the database and the client gets it again
	// even though another address is free before it.
	l.Close()
	l.Wait()
	s.Flush()
	s2, _ := New(Config{Store: store})
	s2.SetPools([]*Pool{pool}, []Range{{netip.MustParseAddr("10.77.0.1"), netip.MustParseAddr("10.77.0.8")}})
	if bs := s2.Bindings(); len(bs) != 1 || bs[0].IP.String() != "10.77.0.10" {
		t.Fatalf("bindings after restart: %v", bs)
	}
	l2 := startInNetns(t, s2, nsS, ifS)
	defer func() { l2.Close(); l2.Wait() }()
	again := udhcpc(t, nsC, ifC)
	if again.env["ip"] != "10.77.0.10" {
		t.Fatalf("after restart the client got %s, want its lease 10.77.0.10", again.env["ip"])
	}
}
