package dhcpd

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
	"golang.org/x/net/ipv4"
)

// MaxPacket is the largest datagram read; longer ones are truncated and
// dropped as malformed.
const MaxPacket = 1500

// Listener is one DHCP server socket (UDP 67), optionally bound to one
// Linux interface, feeding a Server.
type Listener struct {
	srv  *Server
	conn *net.UDPConn
	pc   *ipv4.PacketConn
	// LocalPrefixes returns the addresses of the interface a request came
	// in on; the default asks the kernel (net.InterfaceByIndex).
	LocalPrefixes func(ifindex int) []netip.Prefix
	done          chan struct{}
	once          sync.Once

	// The last LocalPrefixes answer, reused for prefixCacheFor (two
	// netlink dumps per datagram cost more than handling it). Serve's
	// goroutine only.
	cacheIdx int
	cachePfx []netip.Prefix
	cacheAt  time.Time
}

// prefixCacheFor is how long an interface's addresses are reused: an
// address change is seen within a second.
const prefixCacheFor = time.Second

func (l *Listener) prefixes(ifindex int) []netip.Prefix {
	now := time.Now()
	if l.cacheAt.IsZero() || ifindex != l.cacheIdx || now.Sub(l.cacheAt) >= prefixCacheFor || now.Before(l.cacheAt) {
		l.cacheIdx, l.cachePfx, l.cacheAt = ifindex, l.LocalPrefixes(ifindex), now
	}
	return l.cachePfx
}

// Listen opens UDP port (67) on every address, bound to ifname when not
// empty (SO_BINDTODEVICE), with broadcast allowed.
func (s *Server) Listen(ifname string, port int) (*Listener, error) {
	conn, err := server4.NewIPv4UDPConn(ifname, &net.UDPAddr{Port: port})
	if err != nil {
		return nil, err
	}
	return s.NewListener(conn)
}

// NewListener serves an already opened socket (made in a network
// namespace, say). Serve must be called to run it.
func (s *Server) NewListener(conn *net.UDPConn) (*Listener, error) {
	pc := ipv4.NewPacketConn(conn)
	if err := pc.SetControlMessage(ipv4.FlagInterface, true); err != nil {
		conn.Close()
		return nil, err
	}
	return &Listener{srv: s, conn: conn, pc: pc, LocalPrefixes: interfacePrefixes, done: make(chan struct{})}, nil
}

// interfacePrefixes lists the IPv4 addresses of a Linux interface.
func interfacePrefixes(ifindex int) []netip.Prefix {
	ifc, err := net.InterfaceByIndex(ifindex)
	if err != nil {
		return nil
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP.To4()); ok {
				bits, _ := n.Mask.Size()
				out = append(out, netip.PrefixFrom(ip, bits))
			}
		}
	}
	return out
}

// Addr is the bound address.
func (l *Listener) Addr() net.Addr { return l.conn.LocalAddr() }

// Serve handles requests one at a time until Close. Call it in the
// goroutine (and, for tests, the network namespace) that should own it.
func (l *Listener) Serve() error {
	defer close(l.done)
	buf := make([]byte, MaxPacket+1)
	for {
		n, cm, peer, err := l.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			continue
		}
		if n > MaxPacket {
			l.srv.Malformed()
			continue
		}
		req, err := dhcpv4.FromBytes(buf[:n])
		if err != nil {
			l.srv.Malformed()
			continue
		}
		ifindex := 0
		if cm != nil {
			ifindex = cm.IfIndex
		}
		resp, err := l.srv.Handle(req, l.prefixes(ifindex))
		if err != nil || resp == nil {
			continue
		}
		l.send(req, resp, peer, ifindex)
	}
}

// send delivers a reply as RFC 2131 §4.1 says: to the relay, to a
// configured client at its address, else broadcast on the interface the
// request came in on.
func (l *Listener) send(req, resp *dhcpv4.DHCPv4, peer net.Addr, ifindex int) {
	b := resp.ToBytes()
	var dst *net.UDPAddr
	switch {
	case !req.GatewayIPAddr.IsUnspecified() && req.GatewayIPAddr != nil:
		dst = &net.UDPAddr{IP: req.GatewayIPAddr, Port: dhcpv4.ServerPort}
	case resp.MessageType() != dhcpv4.MessageTypeNak && req.ClientIPAddr != nil && !req.ClientIPAddr.IsUnspecified():
		dst = &net.UDPAddr{IP: req.ClientIPAddr, Port: dhcpv4.ClientPort}
	default:
		dst = &net.UDPAddr{IP: net.IPv4bcast, Port: dhcpv4.ClientPort}
	}
	var cm *ipv4.ControlMessage
	if ifindex != 0 {
		cm = &ipv4.ControlMessage{IfIndex: ifindex}
	}
	l.pc.WriteTo(b, cm, dst)
}

// Close stops the listener and waits for Serve to return (if it ran).
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() { err = l.conn.Close() })
	return err
}

// Wait blocks until Serve has returned.
func (l *Listener) Wait() { <-l.done }
