// Package capture records the packets of one Linux link into a bounded
// in-memory buffer, through an AF_PACKET socket (no cgo, no libpcap),
// writes them as pcap files with gopacket's pcapgo, and summarises them
// with gopacket's decoders (Ethernet/IPv4/UDP/TCP, DHCP, TFTP and SCCP).
package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Direction selects which packets of the link are recorded.
type Direction int

// Directions.
const (
	Both Direction = iota
	In
	Out
)

// Packet is one captured frame.
type Packet struct {
	Time     time.Time
	Data     []byte
	Length   int // on the wire
	Outgoing bool
}

// Options configure a capture.
type Options struct {
	NetNS     string // network namespace path ("" for the current one)
	Link      string // Linux link name
	Direction Direction
	// Match decides whether a frame is kept (nil: all).
	Match func(data []byte) bool
	// BufferBytes bounds the captured data; when full, capture stops
	// recording (IOS's linear buffer).
	BufferBytes int
	// SnapLen bounds the bytes kept per frame (0: 65535).
	SnapLen int
}

// Capture is a running or stopped capture.
type Capture struct {
	opts Options
	fd   int

	mu      sync.Mutex
	packets []Packet
	size    int
	full    bool
	stopped bool
	done    chan struct{}
}

// Start opens an AF_PACKET socket on the link and records in the background
// until Stop.
func Start(o Options) (*Capture, error) {
	if o.SnapLen == 0 {
		o.SnapLen = 65535
	}
	fd, err := openSocket(o.NetNS, o.Link)
	if err != nil {
		return nil, err
	}
	c := &Capture{opts: o, fd: fd, done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// openSocket creates the socket inside the link's namespace (sockets stay
// in the namespace they were created in) and binds it to the link.
func openSocket(nsPath, link string) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if nsPath != "" {
		orig, err := netns.Get()
		if err != nil {
			return -1, err
		}
		defer orig.Close()
		target, err := netns.GetFromPath(nsPath)
		if err != nil {
			return -1, err
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			return -1, err
		}
		defer netns.Set(orig)
	}
	ifi, err := net.InterfaceByName(link)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return -1, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	// A receive timeout lets the loop notice Stop.
	tv := unix.Timeval{Usec: 100000}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func (c *Capture) loop() {
	defer close(c.done)
	defer unix.Close(c.fd)
	buf := make([]byte, c.opts.SnapLen)
	for {
		c.mu.Lock()
		stopped := c.stopped
		c.mu.Unlock()
		if stopped {
			return
		}
		n, from, err := unix.Recvfrom(c.fd, buf, unix.MSG_TRUNC)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		ll, _ := from.(*unix.SockaddrLinklayer)
		out := ll != nil && ll.Pkttype == unix.PACKET_OUTGOING
		if (c.opts.Direction == In && out) || (c.opts.Direction == Out && !out) {
			continue
		}
		caplen := n
		if caplen > len(buf) {
			caplen = len(buf)
		}
		data := buf[:caplen]
		if c.opts.Match != nil && !c.opts.Match(data) {
			continue
		}
		p := Packet{Time: time.Now(), Data: append([]byte(nil), data...), Length: n, Outgoing: out}
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			return
		}
		if c.opts.BufferBytes > 0 && c.size+caplen > c.opts.BufferBytes {
			c.full = true
		} else {
			c.packets = append(c.packets, p)
			c.size += caplen
		}
		c.mu.Unlock()
	}
}

// Stop ends the capture; the buffer is kept and nothing is added to it
// afterwards. It does not wait for the reader (which may be evaluating a
// Match that needs a lock the caller holds); Wait does.
func (c *Capture) Stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}

// Wait waits until the reader has exited and closed its socket (after Stop).
func (c *Capture) Wait() { <-c.done }

// Packets returns the captured frames so far.
func (c *Capture) Packets() []Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Packet(nil), c.packets...)
}

// Full reports whether the buffer filled up.
func (c *Capture) Full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.full
}

// WritePcap writes packets as a pcap file (Ethernet link type).
func WritePcap(w io.Writer, pkts []Packet) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	for _, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: p.Length}
		if err := pw.WritePacket(ci, p.Data); err != nil {
			return err
		}
	}
	return nil
}

// Endpoints returns a frame's IPv4 source and destination and protocol
// name, for the brief listing ("" when it is not IPv4).
func Endpoints(data []byte) (src, dst, proto string) {
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if ip == nil {
		if eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet); eth != nil {
			return eth.SrcMAC.String(), eth.DstMAC.String(), eth.EthernetType.String()
		}
		return "", "", "unknown"
	}
	return ip.SrcIP.String(), ip.DstIP.String(), ip.Protocol.String()
}

// Summary describes a frame layer by layer, with the application
// protocols a CME router sees decoded: DHCP message type, TFTP request,
// SCCP message names.
func Summary(data []byte) string {
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	s := ""
	add := func(f string, a ...any) {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf(f, a...)
	}
	if ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ip != nil {
		add("IPv4 %s > %s", ip.SrcIP, ip.DstIP)
	} else if arp, _ := pkt.Layer(layers.LayerTypeARP).(*layers.ARP); arp != nil {
		add("ARP %s %s > %s", map[uint16]string{1: "request", 2: "reply"}[arp.Operation], net.IP(arp.SourceProtAddress), net.IP(arp.DstProtAddress))
	} else if eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet); eth != nil {
		add("Ethernet %s > %s type %s", eth.SrcMAC, eth.DstMAC, eth.EthernetType)
	}
	var payload []byte
	var sport, dport uint16
	if u, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); u != nil {
		add("UDP %d > %d", u.SrcPort, u.DstPort)
		payload, sport, dport = u.Payload, uint16(u.SrcPort), uint16(u.DstPort)
	} else if tc, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); tc != nil {
		flags := ""
		for _, f := range []struct {
			on bool
			s  string
		}{{tc.SYN, "S"}, {tc.FIN, "F"}, {tc.RST, "R"}, {tc.PSH, "P"}, {tc.ACK, "."}} {
			if f.on {
				flags += f.s
			}
		}
		add("TCP %d > %d [%s] len %d", tc.SrcPort, tc.DstPort, flags, len(tc.Payload))
		payload, sport, dport = tc.Payload, uint16(tc.SrcPort), uint16(tc.DstPort)
	}
	if d, _ := pkt.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4); d != nil {
		mt := "BOOTP"
		for _, o := range d.Options {
			if o.Type == layers.DHCPOptMessageType && len(o.Data) == 1 {
				mt = layers.DHCPMsgType(o.Data[0]).String()
			}
		}
		add("DHCP %s xid 0x%08x", mt, d.Xid)
		return s
	}
	if len(payload) == 0 {
		return s
	}
	switch {
	case sport == 69 || dport == 69:
		add("%s", tftp(payload))
	case sport == 2000 || dport == 2000 || sport == 2443 || dport == 2443:
		add("%s", SCCP(payload))
	}
	return s
}

func tftp(p []byte) string {
	if len(p) < 2 {
		return "TFTP (short)"
	}
	op := binary.BigEndian.Uint16(p)
	switch op {
	case 1, 2:
		name := p[2:]
		for i, b := range name {
			if b == 0 {
				name = name[:i]
				break
			}
		}
		return fmt.Sprintf("TFTP %s %q", map[uint16]string{1: "Read Request", 2: "Write Request"}[op], string(name))
	case 3, 4:
		if len(p) >= 4 {
			return fmt.Sprintf("TFTP %s block %d", map[uint16]string{3: "Data", 4: "Acknowledgement"}[op], binary.BigEndian.Uint16(p[2:]))
		}
	case 5:
		return "TFTP Error"
	case 6:
		return "TFTP Option Acknowledgement"
	}
	return "TFTP"
}

// sccpNames are the SCCP message names of the messages a registration and
// a basic call exchange.
var sccpNames = map[uint32]string{
	0x0000: "KeepAlive", 0x0001: "Register", 0x0002: "IpPort", 0x0003: "KeypadButton", 0x0005: "Stimulus",
	0x0006: "OffHook", 0x0007: "OnHook", 0x000A: "SpeedDialStatReq", 0x000B: "LineStatReq",
	0x000D: "TimeDateReq", 0x000E: "ButtonTemplateReq", 0x000F: "VersionReq", 0x0010: "CapabilitiesRes",
	0x0020: "Alarm", 0x0022: "OpenReceiveChannelAck", 0x0025: "SoftKeySetReq", 0x0026: "SoftKeyEvent",
	0x0027: "Unregister", 0x0028: "SoftKeyTemplateReq", 0x002D: "RegisterAvailableLines",
	0x0081: "RegisterAck", 0x0082: "StartTone", 0x0083: "StopTone", 0x0085: "SetRinger", 0x0086: "SetLamp",
	0x0088: "SetSpeakerMode", 0x008A: "StartMediaTransmission", 0x008B: "StopMediaTransmission",
	0x008F: "CallInfo", 0x0091: "SpeedDialStat", 0x0092: "LineStat", 0x0093: "ConfigStat",
	0x0094: "DefineTimeDate", 0x0097: "ButtonTemplate", 0x0098: "Version", 0x0099: "DisplayText",
	0x009B: "CapabilitiesReq", 0x009D: "RegisterReject", 0x009F: "Reset", 0x0100: "KeepAliveAck",
	0x0105: "OpenReceiveChannel", 0x0106: "CloseReceiveChannel", 0x0108: "SoftKeyTemplateRes",
	0x0109: "SoftKeySetRes", 0x0110: "SelectSoftKeys", 0x0111: "CallState", 0x0113: "ClearPromptStatus",
	0x0116: "ActivateCallPlane", 0x0117: "DeactivateCallPlane", 0x0118: "UnregisterAck",
}

// SCCP names the SCCP messages in a TCP payload (each: u32 length, u32
// header version, u32 message id, all little-endian; length counts from the
// message id).
func SCCP(p []byte) string {
	s := "SCCP"
	for n := 0; len(p) >= 12 && n < 8; n++ {
		l := binary.LittleEndian.Uint32(p)
		id := binary.LittleEndian.Uint32(p[8:])
		name, ok := sccpNames[id]
		if !ok {
			name = fmt.Sprintf("0x%04X", id)
		}
		s += " " + name
		if l < 4 || uint64(l)+8 > uint64(len(p)) {
			break
		}
		p = p[8+l:]
	}
	return s
}
