package dhcpd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"cmeos/ios/service"
)

// OfferHold is how long an offered address stays reserved for the client
// that was offered it.
const OfferHold = 30 * time.Second

// DefaultSaveInterval bounds how often the lease database is written.
const DefaultSaveInterval = 5 * time.Second

// LeaseStore keeps the lease database across restarts (nvram:).
type LeaseStore interface {
	Load() ([]byte, error)
	Save(data []byte) error // atomic
}

// Config configures a Server.
type Config struct {
	Now          func() time.Time
	Store        LeaseStore    // nil: leases are not persisted
	SaveInterval time.Duration // minimum time between two database writes
	// Logf receives IOS log messages: severity, mnemonic, text.
	Logf func(severity int, mnemonic, format string, args ...any)
}

// Binding is one address given to a client.
type Binding struct {
	IP       netip.Addr
	ClientID []byte // option 61, or 01 + the hardware address
	HWAddr   net.HardwareAddr
	Pool     string
	Expires  time.Time // zero: infinite
	Manual   bool
	offered  bool // an OFFER is outstanding; Expires is the end of the hold
}

// Conflict is an address a client declined (it found it in use).
type Conflict struct {
	IP   netip.Addr
	When time.Time
}

// Stats are the message counters of `show ip dhcp server statistics`.
type Stats struct {
	Received  map[dhcpv4.MessageType]uint64
	Sent      map[dhcpv4.MessageType]uint64
	BootReq   uint64
	Malformed uint64
	Exhausted uint64 // DISCOVERs left unanswered: no free address
}

// Server is the DHCP server state: pools, bindings, conflicts, counters.
// Handle answers one request; Serve runs it on a socket.
type Server struct {
	cfg Config

	mu         sync.Mutex // guards everything below
	pools      []*Pool
	excluded   []Range
	byKey      map[string]*Binding
	byIP       map[netip.Addr]*Binding
	conflicts  map[netip.Addr]time.Time // declined addresses: at most one entry per address of the pools
	declineLog *service.RateLog         // DECLINE_CONFLICT lines, rate-limited
	stats      Stats
	exhaustLog map[string]time.Time // last "pool exhausted" message per pool
	next       map[string]uint32    // per pool: where the next search for a free address starts

	saveMu    sync.Mutex // serialises database writes; guards the fields below
	dirty     bool
	lastSave  time.Time
	saveTimer *time.Timer
	closed    bool
}

// New returns a Server and loads its lease database.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SaveInterval <= 0 {
		cfg.SaveInterval = DefaultSaveInterval
	}
	if cfg.Logf == nil {
		cfg.Logf = func(int, string, string, ...any) {}
	}
	s := &Server{cfg: cfg, byKey: map[string]*Binding{}, byIP: map[netip.Addr]*Binding{}, exhaustLog: map[string]time.Time{}, next: map[string]uint32{},
		conflicts: map[netip.Addr]time.Time{}, declineLog: service.NewRateLog(dhcpLogger(cfg.Logf)),
		stats: Stats{Received: map[dhcpv4.MessageType]uint64{}, Sent: map[dhcpv4.MessageType]uint64{}}}
	if cfg.Store != nil {
		if b, err := cfg.Store.Load(); err == nil {
			for _, bd := range ParseDatabase(b) {
				s.add(bd)
			}
		}
	}
	return s, nil
}

// SetPools replaces the configuration (pools and excluded ranges). Bindings
// whose address no longer belongs to a pool are kept until they expire.
func (s *Server) SetPools(pools []*Pool, excluded []Range) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pools = pools
	s.excluded = excluded
}

func (s *Server) add(b *Binding) {
	if old := s.byKey[string(b.ClientID)]; old != nil {
		delete(s.byIP, old.IP)
	}
	if old := s.byIP[b.IP]; old != nil {
		delete(s.byKey, string(old.ClientID))
	}
	s.byKey[string(b.ClientID)] = b
	s.byIP[b.IP] = b
}

func (s *Server) remove(b *Binding) {
	if s.byKey[string(b.ClientID)] == b {
		delete(s.byKey, string(b.ClientID))
	}
	if s.byIP[b.IP] == b {
		delete(s.byIP, b.IP)
	}
}

func (s *Server) expired(b *Binding, now time.Time) bool {
	return !b.Expires.IsZero() && !now.Before(b.Expires)
}

// Bindings returns the active (acknowledged, unexpired) bindings by address.
func (s *Server) Bindings() []Binding {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	var out []Binding
	for _, b := range s.byIP {
		if b.offered || s.expired(b, now) {
			continue
		}
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP.Less(out[j].IP) })
	return out
}

// Conflicts returns the declined addresses, by address.
func (s *Server) Conflicts() []Conflict {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conflict, 0, len(s.conflicts))
	for a, t := range s.conflicts {
		out = append(out, Conflict{IP: a, When: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP.Less(out[j].IP) })
	return out
}

// ClearConflicts forgets declined addresses (all, or one).
func (s *Server) ClearConflicts(ip netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ip.IsValid() {
		clear(s.conflicts)
		return
	}
	delete(s.conflicts, ip)
}

// dhcpLogger adapts the server's Logf to service.Logger (facility DHCPD).
type dhcpLogger func(severity int, mnemonic, format string, args ...any)

func (l dhcpLogger) Logf(severity int, _, mnemonic, format string, args ...any) {
	l(severity, mnemonic, format, args...)
}

// Clear removes automatic bindings (all when ip is invalid); it reports
// whether one was found.
func (s *Server) Clear(ip netip.Addr) bool {
	s.mu.Lock()
	found := false
	for a, b := range s.byIP {
		if (!ip.IsValid() || a == ip) && !b.Manual {
			s.remove(b)
			found = true
		}
	}
	s.mu.Unlock()
	if found {
		s.changed()
	}
	return found
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Received, st.Sent = map[dhcpv4.MessageType]uint64{}, map[dhcpv4.MessageType]uint64{}
	for k, v := range s.stats.Received {
		st.Received[k] = v
	}
	for k, v := range s.stats.Sent {
		st.Sent[k] = v
	}
	return st
}

// PoolUsage counts the addresses of a pool and how many are leased.
func (s *Server) PoolUsage(p *Pool) (total, leased int, next netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !p.Network.IsValid() {
		return 0, 0, netip.Addr{}
	}
	now := s.cfg.Now()
	first, last := hostRange(p.Network)
	if first.IsValid() {
		total = int(u32(last) - u32(first) + 1)
	}
	for a, b := range s.byIP {
		if p.Network.Contains(a) && !b.offered && !s.expired(b, now) {
			leased++
		}
	}
	next = s.freeLocked(p, nil, nil, now)
	return total, leased, next
}

// Malformed counts a datagram that did not parse.
func (s *Server) Malformed() {
	s.mu.Lock()
	s.stats.Malformed++
	s.mu.Unlock()
}

func u32(a netip.Addr) uint32 { b := a.As4(); return binary.BigEndian.Uint32(b[:]) }
func addr32(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// hostRange returns the first and last assignable addresses of a network.
func hostRange(p netip.Prefix) (netip.Addr, netip.Addr) {
	p = p.Masked()
	base := u32(p.Addr())
	size := uint32(1) << (32 - p.Bits())
	if p.Bits() >= 31 {
		return addr32(base), addr32(base + size - 1)
	}
	return addr32(base + 1), addr32(base + size - 2)
}

func (s *Server) excludedAddr(a netip.Addr) bool {
	for _, r := range s.excluded {
		if r.Contains(a) {
			return true
		}
	}
	for _, p := range s.pools {
		if p.Host.IsValid() && p.Host.Addr() == a {
			return true
		}
	}
	_, declined := s.conflicts[a]
	return declined
}

// usable reports whether a may be given to the client with key.
func (s *Server) usable(p *Pool, a netip.Addr, key []byte, local []netip.Prefix, now time.Time) bool {
	if !a.Is4() || !p.Network.Contains(a) || s.excludedAddr(a) {
		return false
	}
	first, last := hostRange(p.Network)
	if a.Less(first) || last.Less(a) {
		return false
	}
	for _, l := range local {
		if l.Addr() == a {
			return false
		}
	}
	if b := s.byIP[a]; b != nil && !bytes.Equal(b.ClientID, key) && !s.expired(b, now) {
		return false
	}
	return true
}

// freeLocked returns the next address of p that may be given (key may be
// nil), searching round-robin from where the last search ended, so that a
// filling pool is not rescanned from its start for every client.
func (s *Server) freeLocked(p *Pool, key []byte, local []netip.Prefix, now time.Time) netip.Addr {
	first, last := hostRange(p.Network)
	if !first.IsValid() {
		return netip.Addr{}
	}
	lo, hi := u32(first), u32(last)
	start := s.next[p.Name]
	if start < lo || start > hi {
		start = lo
	}
	v := start
	for {
		if a := addr32(v); s.usable(p, a, key, local, now) {
			if key != nil {
				s.next[p.Name] = v + 1
			}
			return a
		}
		if v == hi {
			v = lo
		} else {
			v++
		}
		if v == start {
			return netip.Addr{}
		}
	}
}

// ErrNoReply means the request gets no answer (not for us, unknown client,
// nothing to offer).
var ErrNoReply = errors.New("dhcpd: no reply")

// Handle answers one request that arrived on an interface whose addresses
// are local (relayed requests are matched on giaddr instead). It returns the
// reply, or ErrNoReply.
func (s *Server) Handle(req *dhcpv4.DHCPv4, local []netip.Prefix) (*dhcpv4.DHCPv4, error) {
	s.mu.Lock()
	resp, changed, err := s.handleLocked(req, local)
	if resp != nil {
		s.stats.Sent[resp.MessageType()]++
	}
	s.mu.Unlock()
	if changed {
		s.changed()
	}
	return resp, err
}

func clientKey(req *dhcpv4.DHCPv4) []byte {
	if id := req.GetOneOption(dhcpv4.OptionClientIdentifier); len(id) > 0 {
		return append([]byte(nil), id...)
	}
	return append([]byte{byte(req.HWType)}, req.ClientHWAddr...)
}

// subnet finds the pool serving a request and the server address on it.
func (s *Server) subnet(req *dhcpv4.DHCPv4, local []netip.Prefix) (*Pool, netip.Addr) {
	if gi, ok := netip.AddrFromSlice(req.GatewayIPAddr.To4()); ok && !gi.IsUnspecified() {
		for _, p := range s.pools {
			if p.Network.IsValid() && p.Network.Contains(gi) && len(local) > 0 {
				return p, local[0].Addr()
			}
		}
		return nil, netip.Addr{}
	}
	for _, l := range local {
		for _, p := range s.pools {
			if p.Network.IsValid() && p.Network.Contains(l.Addr()) {
				return p, l.Addr()
			}
		}
	}
	return nil, netip.Addr{}
}

// manual finds a manual binding for the client on the request's subnet.
func (s *Server) manual(req *dhcpv4.DHCPv4, key []byte, local []netip.Prefix) (*Pool, netip.Addr) {
	for _, p := range s.pools {
		if !p.Host.IsValid() {
			continue
		}
		match := len(p.ClientID) > 0 && bytes.Equal(p.ClientID, key) ||
			len(p.HWAddr) > 0 && bytes.Equal(p.HWAddr, req.ClientHWAddr)
		if !match {
			continue
		}
		for _, l := range local {
			if p.Host.Masked().Contains(l.Addr()) {
				return p, l.Addr()
			}
		}
	}
	return nil, netip.Addr{}
}

func (s *Server) handleLocked(req *dhcpv4.DHCPv4, local []netip.Prefix) (*dhcpv4.DHCPv4, bool, error) {
	if req.OpCode != dhcpv4.OpcodeBootRequest {
		s.stats.Malformed++
		return nil, false, ErrNoReply
	}
	mt := req.MessageType()
	if mt == dhcpv4.MessageTypeNone {
		s.stats.BootReq++ // plain BOOTP is not served
		return nil, false, ErrNoReply
	}
	s.stats.Received[mt]++
	if len(req.ClientHWAddr) == 0 || len(req.ClientHWAddr) > 16 {
		s.stats.Malformed++
		return nil, false, ErrNoReply
	}
	now := s.cfg.Now()
	key := clientKey(req)
	pool, sid := s.manual(req, key, local)
	manual := pool != nil
	if !manual {
		pool, sid = s.subnet(req, local)
	}
	if pool == nil {
		return nil, false, ErrNoReply
	}
	staticIP := netip.Addr{}
	if manual {
		staticIP = pool.Host.Addr()
	}
	reqIP, _ := netip.AddrFromSlice(req.RequestedIPAddress().To4())
	ciaddr, _ := netip.AddrFromSlice(req.ClientIPAddr.To4())
	switch mt {
	case dhcpv4.MessageTypeDiscover:
		var ip netip.Addr
		switch {
		case manual:
			ip = staticIP
		default:
			if b := s.byKey[string(key)]; b != nil && s.usable(pool, b.IP, key, local, now) {
				ip = b.IP
			} else if reqIP.IsValid() && s.usable(pool, reqIP, key, local, now) {
				ip = reqIP
			} else {
				ip = s.freeLocked(pool, key, local, now)
			}
		}
		if !ip.IsValid() {
			s.stats.Exhausted++
			if last, ok := s.exhaustLog[pool.Name]; !ok || now.Sub(last) >= time.Minute {
				s.exhaustLog[pool.Name] = now // a flood of clients logs once a minute
				s.cfg.Logf(4, "NO_ADDRESSES", "Pool %s is exhausted: no address for client %s", pool.Name, DottedHex(key))
			}
			return nil, false, ErrNoReply
		}
		if !manual {
			if b := s.byKey[string(key)]; b == nil || b.IP != ip || b.offered {
				s.add(&Binding{IP: ip, ClientID: key, HWAddr: append(net.HardwareAddr(nil), req.ClientHWAddr...),
					Pool: pool.Name, Expires: now.Add(OfferHold), offered: true})
			}
		}
		return s.reply(req, dhcpv4.MessageTypeOffer, pool, ip, sid), false, nil
	case dhcpv4.MessageTypeRequest:
		if srv := req.ServerIdentifier(); srv != nil && !srv.IsUnspecified() {
			if a, _ := netip.AddrFromSlice(srv.To4()); a != sid {
				// The client took another server's offer: release ours.
				if b := s.byKey[string(key)]; b != nil && b.offered {
					s.remove(b)
				}
				return nil, false, ErrNoReply
			}
		}
		ip := reqIP
		if !ip.IsValid() || ip.IsUnspecified() {
			ip = ciaddr
		}
		ok := ip.IsValid() && !ip.IsUnspecified()
		if ok && manual {
			ok = ip == staticIP
		} else if ok {
			ok = s.usable(pool, ip, key, local, now)
		}
		if !ok {
			return s.nak(req, sid), false, nil
		}
		if !manual {
			exp := time.Time{}
			if d := pool.Lease.Duration(); d > 0 {
				exp = now.Add(d)
			}
			s.add(&Binding{IP: ip, ClientID: key, HWAddr: append(net.HardwareAddr(nil), req.ClientHWAddr...),
				Pool: pool.Name, Expires: exp})
		}
		return s.reply(req, dhcpv4.MessageTypeAck, pool, ip, sid), !manual, nil
	case dhcpv4.MessageTypeDecline:
		// Only the client holding the lease may decline its address: a
		// DECLINE from anyone else would let one host take every address
		// of the pool out of service (RFC 2131 section 4.3.3 ties DECLINE
		// to the client's own offer). One conflict entry per address, so
		// the table is bounded by the pools; the log line is rate-limited.
		b := s.byIP[reqIP]
		if !reqIP.IsValid() || !pool.Network.Contains(reqIP) || b == nil || !bytes.Equal(b.ClientID, key) {
			return nil, false, ErrNoReply
		}
		if !b.Manual {
			s.remove(b)
		}
		if _, dup := s.conflicts[reqIP]; !dup {
			s.conflicts[reqIP] = now
			s.declineLog.Logf(4, "DHCPD", "DECLINE_CONFLICT", "DHCP address conflict: client %s declined %s.", DottedHex(key), reqIP)
		}
		return nil, true, ErrNoReply
	case dhcpv4.MessageTypeRelease:
		if b := s.byIP[ciaddr]; b != nil && bytes.Equal(b.ClientID, key) && !b.Manual {
			s.remove(b)
			return nil, true, ErrNoReply
		}
		return nil, false, ErrNoReply
	case dhcpv4.MessageTypeInform:
		r := s.reply(req, dhcpv4.MessageTypeAck, pool, netip.Addr{}, sid)
		r.UpdateOption(dhcpv4.OptGeneric(dhcpv4.OptionIPAddressLeaseTime, nil))
		r.Options.Del(dhcpv4.OptionIPAddressLeaseTime)
		return r, false, nil
	}
	return nil, false, ErrNoReply
}

func ip4(a netip.Addr) net.IP {
	if !a.IsValid() {
		return net.IPv4zero.To4()
	}
	b := a.As4()
	return net.IP(b[:])
}

func (s *Server) nak(req *dhcpv4.DHCPv4, sid netip.Addr) *dhcpv4.DHCPv4 {
	r, _ := dhcpv4.NewReplyFromRequest(req, dhcpv4.WithMessageType(dhcpv4.MessageTypeNak),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(ip4(sid))))
	r.YourIPAddr = net.IPv4zero.To4()
	r.ClientIPAddr = net.IPv4zero.To4()
	return r
}

func (s *Server) reply(req *dhcpv4.DHCPv4, mt dhcpv4.MessageType, p *Pool, ip, sid netip.Addr) *dhcpv4.DHCPv4 {
	r, _ := dhcpv4.NewReplyFromRequest(req, dhcpv4.WithMessageType(mt),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(ip4(sid))))
	r.YourIPAddr = ip4(ip)
	r.ServerIPAddr = ip4(sid)
	bits := p.Network.Bits()
	if p.Manual() {
		bits = p.Host.Bits()
	}
	// A manual pool takes routers and options from itself; IOS inherits from
	// the network pool of the subnet, which we do too for what it lacks.
	parent := p
	if p.Manual() {
		for _, q := range s.pools {
			if q.Network.IsValid() && q.Network.Contains(p.Host.Addr()) {
				parent = q
				break
			}
		}
	}
	get := func(f func(*Pool) bool) *Pool {
		if f(p) {
			return p
		}
		return parent
	}
	r.UpdateOption(dhcpv4.OptSubnetMask(net.CIDRMask(bits, 32)))
	if q := get(func(x *Pool) bool { return len(x.Routers) > 0 }); len(q.Routers) > 0 {
		var ips []net.IP
		for _, a := range q.Routers {
			ips = append(ips, ip4(a))
		}
		r.UpdateOption(dhcpv4.OptRouter(ips...))
	}
	if q := get(func(x *Pool) bool { return len(x.DNS) > 0 }); len(q.DNS) > 0 {
		var ips []net.IP
		for _, a := range q.DNS {
			ips = append(ips, ip4(a))
		}
		r.UpdateOption(dhcpv4.OptDNS(ips...))
	}
	if q := get(func(x *Pool) bool { return x.DomainName != "" }); q.DomainName != "" {
		r.UpdateOption(dhcpv4.OptDomainName(q.DomainName))
	}
	lease := get(func(x *Pool) bool { return x.Lease != DefaultLease }).Lease
	if lease.Infinite {
		r.UpdateOption(dhcpv4.OptGeneric(dhcpv4.OptionIPAddressLeaseTime, []byte{0xff, 0xff, 0xff, 0xff}))
	} else {
		d := lease.Duration()
		if d < time.Minute {
			d = time.Minute
		}
		r.UpdateOption(dhcpv4.OptIPAddressLeaseTime(d))
		r.UpdateOption(dhcpv4.OptRenewTimeValue(d / 2))
		r.UpdateOption(dhcpv4.OptRebindingTimeValue(d * 7 / 8))
	}
	opts := map[int]Option{}
	for _, o := range parent.Options {
		opts[o.Code] = o
	}
	for _, o := range p.Options {
		opts[o.Code] = o
	}
	for code, o := range opts {
		switch code {
		case 0, 255, 53, 54:
			continue // pad, end, message type and server identifier are ours
		}
		r.UpdateOption(dhcpv4.OptGeneric(dhcpv4.GenericOptionCode(code), o.Value()))
	}
	return r
}
