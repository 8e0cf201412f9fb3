package provision

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
	"golang.org/x/sys/unix"
)

// TestDHCPOption150 runs the phone's DHCP client in a network namespace
// against a DHCP server (insomniacslk/dhcp server4) in another, joined by
// a veth pair; the lease's option 150 lists two TFTP servers.
func TestDHCPOption150(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("ip (iproute2) not installed")
	}
	id := fmt.Sprintf("%d%d", os.Getpid()%10000, time.Now().UnixNano()%1000)
	nsS, nsC, ifS, ifC := "psim-s-"+id, "psim-c-"+id, "pss"+id, "psc"+id
	ip := func(args ...string) {
		t.Helper()
		if b, err := exec.Command(ipCmd, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	ip("netns", "add", nsS)
	t.Cleanup(func() { exec.Command(ipCmd, "netns", "del", nsS).Run() })
	ip("netns", "add", nsC)
	t.Cleanup(func() { exec.Command(ipCmd, "netns", "del", nsC).Run() })
	ip("link", "add", ifS, "type", "veth", "peer", "name", ifC)
	ip("link", "set", ifS, "netns", nsS)
	ip("link", "set", ifC, "netns", nsC)
	ip("-n", nsS, "addr", "add", "10.78.0.1/24", "dev", ifS)
	ip("-n", nsS, "link", "set", ifS, "up")
	ip("-n", nsC, "link", "set", ifC, "up")

	handler := func(conn net.PacketConn, peer net.Addr, m *dhcpv4.DHCPv4) {
		typ := dhcpv4.MessageTypeOffer
		if m.MessageType() == dhcpv4.MessageTypeRequest {
			typ = dhcpv4.MessageTypeAck
		}
		reply, err := dhcpv4.NewReplyFromRequest(m, dhcpv4.WithMessageType(typ), dhcpv4.WithYourIP(net.IPv4(10, 78, 0, 50)),
			dhcpv4.WithServerIP(net.IPv4(10, 78, 0, 1)), dhcpv4.WithNetmask(net.CIDRMask(24, 32)), dhcpv4.WithRouter(net.IPv4(10, 78, 0, 1)),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 78, 0, 1))), dhcpv4.WithLeaseTime(3600),
			dhcpv4.WithGeneric(dhcpv4.GenericOptionCode(OptionTFTPServers), []byte{10, 78, 0, 1, 10, 78, 0, 2}))
		if err != nil {
			return
		}
		conn.WriteTo(reply.ToBytes(), &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ClientPort})
	}
	srvc := make(chan *server4.Server, 1)
	inNetns(t, nsS, func() error {
		s, err := server4.NewServer(ifS, &net.UDPAddr{IP: net.IPv4zero, Port: dhcpv4.ServerPort}, handler)
		if err != nil {
			return err
		}
		srvc <- s
		go s.Serve()
		return nil
	})
	s := <-srvc
	t.Cleanup(func() { s.Close() })

	type result struct {
		l   *Lease
		err error
	}
	res := make(chan result, 1)
	inNetns(t, nsC, func() error {
		mac, _ := ParseMAC("0012.4302.A7CC")
		l, err := DHCPAs(t.Context(), ifC, mac, 10*time.Second)
		res <- result{l, err}
		return nil
	})
	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	if diff := cmp.Diff([]string{"10.78.0.1", "10.78.0.2"}, r.l.TFTP); diff != "" {
		t.Errorf("TFTP servers (-want +got):\n%s", diff)
	}
	if r.l.Addr.String() != "10.78.0.50/24" || r.l.Router.String() != "10.78.0.1" {
		t.Errorf("lease %+v", r.l)
	}
}

// inNetns runs f on an OS thread that joined namespace ns; sockets f
// opens belong to ns. The thread is never reused (it exits locked).
func inNetns(t *testing.T, ns string, f func() error) {
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
		errc <- f()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
