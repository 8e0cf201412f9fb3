package capture_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/vishvananda/netns"

	"cmeos/board"
	_ "cmeos/ios/acl"
	_ "cmeos/ios/capture"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	_ "cmeos/ios/interfaces"
)

func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// inNS runs fn on a thread switched into the named namespace; sockets
// created there stay in that namespace.
func inNS(t *testing.T, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		t.Fatal(err)
	}
	defer netns.Set(orig)
	fn()
}

// sccp frames one SCCP message.
func sccp(id uint32, payload []byte) []byte {
	b := make([]byte, 12, 12+len(payload))
	binary.LittleEndian.PutUint32(b, uint32(4+len(payload)))
	binary.LittleEndian.PutUint32(b[8:], id)
	return append(b, payload...)
}

// registerPayload is a station Register body (protocols.md §6): device name
// [16], user id, instance, IPv4, device type, max streams, active streams,
// protocol version.
func registerPayload() []byte {
	p := make([]byte, 16+4*7)
	copy(p, "SEP001122334455")
	binary.LittleEndian.PutUint32(p[16:], 0)
	binary.LittleEndian.PutUint32(p[20:], 1)
	copy(p[24:], []byte{10, 77, 0, 2})
	binary.LittleEndian.PutUint32(p[28:], 30006)
	binary.LittleEndian.PutUint32(p[32:], 5)
	binary.LittleEndian.PutUint32(p[36:], 0)
	binary.LittleEndian.PutUint32(p[40:], 11)
	return p
}

func TestCaptureExportTshark(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	for _, tool := range []string{"ip", "tshark"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (scripts/deps installs it)", tool)
		}
	}
	ns := fmt.Sprintf("cmeos-cap-%d", os.Getpid())
	peer := ns + "p"
	ip(t, "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	ip(t, "netns", "add", peer)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", peer).Run() })
	ip(t, "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", peer)
	ip(t, "-n", peer, "addr", "add", "10.77.0.2/24", "dev", "v1")
	ip(t, "-n", peer, "link", "set", "v1", "up")
	ip(t, "-n", peer, "route", "add", "default", "dev", "v1")

	dir := t.TempDir()
	store, err := fs.New("flash",
		fs.Mount{Prefix: "system", Kind: fs.KindOpaque},
		fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	b := board.Board{Name: "captest-" + ns, Interfaces: map[string]string{"GigabitEthernet0/0": "v0"}, NetNS: "/var/run/netns/" + ns}
	board.Activate(b)
	sys := config.New(config.Options{FS: store, Board: b.Name})
	t.Cleanup(func() { sys.Close(); store.Close() })
	sys.Start()
	var out bytes.Buffer
	sess := sys.NewSession("test", cli.PrivMax, &out, nil)
	run := func(line string) string {
		out.Reset()
		sess.Execute(line)
		return out.String()
	}
	for _, l := range []string{"configure terminal", "interface GigabitEthernet0/0", "ip address 10.77.0.1 255.255.255.0", "no shutdown",
		"access-list 10 permit host 10.77.0.2", "end"} {
		if o := run(l); strings.Contains(o, "%") {
			t.Fatalf("%q: %s", l, o)
		}
	}
	for _, l := range []string{"monitor capture CAP interface GigabitEthernet0/0 both", "monitor capture CAP match ipv4 any any", "monitor capture CAP buffer size 2",
		"monitor capture ACL interface GigabitEthernet0/0 both", "monitor capture ACL access-list 10", "monitor capture ACL start",
		"monitor capture UDP interface GigabitEthernet0/0 in", "monitor capture UDP match ipv4 protocol udp any any eq 2000", "monitor capture UDP start"} {
		if o := run(l); strings.Contains(o, "%") {
			t.Fatalf("%q: %s", l, o)
		}
	}
	if o := run("monitor capture CAP interface GigabitEthernet0/7 both"); !strings.Contains(o, "%") {
		t.Errorf("capture on a missing interface accepted: %q", o)
	}
	if o := run("monitor capture CAP start"); !strings.Contains(o, "Started capture point : CAP") {
		t.Fatalf("start: %s", o)
	}

	// Traffic: an SCCP registration over TCP 2000, UDP to port 2000 and a
	// DHCP discover, all from the peer namespace.
	var ln net.Listener
	inNS(t, ns, func() { ln, err = net.Listen("tcp4", "10.77.0.1:2000") })
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 512)
		if _, err := c.Read(buf); err != nil {
			served <- err
			return
		}
		ack := sccp(0x0081, make([]byte, 20)) // RegisterAck
		_, err = c.Write(ack)
		served <- err
	}()
	var conn net.Conn
	var udp, dh *net.UDPConn
	inNS(t, peer, func() {
		d := net.Dialer{Timeout: 5 * time.Second}
		if conn, err = d.Dial("tcp4", "10.77.0.1:2000"); err != nil {
			return
		}
		if udp, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(10, 77, 0, 1), Port: 2000}); err != nil {
			return
		}
		dh, err = net.ListenUDP("udp4", &net.UDPAddr{Port: 68})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A phone registers (a 7970, protocol 11): Register, then the ack.
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(sccp(0x0001, registerPayload())); err != nil {
		t.Fatalf("registration: %v", err)
	}
	if _, err := conn.Read(make([]byte, 64)); err != nil {
		t.Fatalf("registration: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	conn.Close()
	udp.Write(sccp(0x0000, nil))
	udp.Close()
	disc, err := dhcpv4.NewDiscovery(net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dh.WriteTo(disc.ToBytes(), &net.UDPAddr{IP: net.IPv4bcast, Port: 67}); err != nil {
		t.Fatal(err)
	}
	dh.Close()

	// The capture is asynchronous: wait (bounded) until the DHCP discover,
	// sent last, is in the buffer.
	var detail string
	for i := 0; i < 100; i++ {
		detail = run("show monitor capture CAP buffer")
		if strings.Contains(detail, "DHCP Discover") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if o := run("monitor capture CAP stop"); !strings.Contains(o, "Stopped capture point : CAP") {
		t.Fatalf("stop: %s", o)
	}
	run("monitor capture ACL stop")
	run("monitor capture UDP stop")
	// The access list keeps what 10.77.0.2 sent; the inline filter the UDP
	// datagram to port 2000 only.
	aclBrief := run("show monitor capture ACL buffer brief")
	if !strings.Contains(aclBrief, "10.77.0.2       -> 10.77.0.1") || strings.Contains(aclBrief, "10.77.0.1       -> 10.77.0.2") {
		t.Errorf("access-list 10 capture:\n%s", aclBrief)
	}
	if udp := run("show monitor capture UDP buffer"); strings.Count(udp, " bytes  ") != 1 || !strings.Contains(udp, "UDP") || !strings.Contains(udp, "> 2000") {
		t.Errorf("udp port 2000 capture:\n%s", udp)
	}
	for _, want := range []string{"SCCP Register", "SCCP RegisterAck", "UDP", "> 2000", "DHCP Discover", "TCP"} {
		if !strings.Contains(detail, want) {
			t.Errorf("show monitor capture CAP buffer lacks %q:\n%s", want, detail)
		}
	}
	brief := run("show monitor capture CAP buffer brief")
	if !strings.Contains(brief, "10.77.0.2       -> 10.77.0.1        TCP") || !strings.Contains(brief, "-> 255.255.255.255  UDP") {
		t.Errorf("brief:\n%s", brief)
	}
	if o := run("show monitor capture CAP"); !strings.Contains(o, "Interface: GigabitEthernet0/0, Direction: both") || !strings.Contains(o, "Status : Inactive") {
		t.Errorf("show monitor capture:\n%s", o)
	}
	if o := run("monitor capture CAP export flash:cap.pcap"); !strings.Contains(o, "Exported Successfully") {
		t.Fatalf("export: %s", o)
	}

	// The pcap opens in tshark with Skinny and DHCP decoded.
	pcap := filepath.Join(dir, "flash", "cap.pcap")
	ts, err := exec.Command("tshark", "-n", "-r", pcap, "-d", "tcp.port==2000,skinny", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, ts)
	}
	for _, want := range []string{"Skinny Client Control Protocol", "Message ID: RegisterReq (1)", "Message ID: RegisterAck (129)", "Dynamic Host Configuration Protocol (Discover)"} {
		if !bytes.Contains(ts, []byte(want)) {
			t.Errorf("tshark output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("tshark:\n%.8000s", ts)
	}
	if o := run("no monitor capture CAP"); strings.Contains(o, "%") {
		t.Errorf("no monitor capture: %s", o)
	}
	if o := run("show monitor capture CAP"); !strings.Contains(o, "does not exist") {
		t.Errorf("capture point still there: %s", o)
	}
}

func TestParseFilter(t *testing.T) {
	good := []string{"any any", "host 10.1.1.1 any", "protocol udp any any eq 69", "protocol tcp 10.0.0.0/8 eq 2000 host 10.1.1.1", "protocol 17 any any"}
	bad := []string{"", "any", "host x any", "protocol foo any any", "any any eq 5", "protocol tcp any any eq 70000", "any any junk"}
	for _, s := range good {
		if _, err := parse(s); err != nil {
			t.Errorf("%q rejected: %v", s, err)
		}
	}
	for _, s := range bad {
		if _, err := parse(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// FuzzFilter: parsing any filter text and matching any frame never panics.
func FuzzFilter(f *testing.F) {
	f.Add("protocol tcp any any eq 2000", []byte{})
	f.Add("host 10.1.1.1 10.0.0.0/8", make([]byte, 60))
	f.Fuzz(func(t *testing.T, spec string, frame []byte) {
		if m, err := parse(spec); err == nil {
			m.Match(frame)
		}
	})
}
