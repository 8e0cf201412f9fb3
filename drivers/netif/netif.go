// Package netif applies interface and static-route configuration to Linux
// network links through netlink (github.com/vishvananda/netlink): IPv4
// addresses, administrative state, MTU, alias (the IOS description), 802.1Q
// VLAN sub-links and dummy links. It knows nothing about IOS names: callers
// pass Linux link names. Only links named in a Spec and links the Driver
// created are touched.
package netif

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Link is the desired state of one Linux link.
type Link struct {
	Name   string
	Parent string // VLAN sub-link: the parent link
	VLAN   int    // VLAN sub-link: the 802.1Q id
	Dummy  bool   // a dummy link (IOS Loopback)
	Up     bool
	MTU    int // 0: leave as is
	Alias  string
	Addrs  []netip.Prefix // IPv4 addresses (exactly these are kept)
}

// Route is one static IPv4 route. Exactly one of Gateway and Dev is set.
type Route struct {
	Dst     netip.Prefix
	Gateway netip.Addr
	Dev     string
	Metric  int
}

// Driver applies configuration in one network namespace.
type Driver struct {
	mu      sync.Mutex
	h       *netlink.Handle
	created map[string]bool // VLAN and dummy links made by this driver
	routes  []Route         // routes this driver installed
}

// Open returns a Driver for the network namespace at nsPath ("" for the
// current one).
func Open(nsPath string) (*Driver, error) {
	ns := netns.None()
	if nsPath != "" {
		var err error
		if ns, err = netns.GetFromPath(nsPath); err != nil {
			return nil, fmt.Errorf("netns %s: %w", nsPath, err)
		}
		defer ns.Close()
	}
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE) // only rtnetlink: XFRM and others may be modules that are absent
	if err != nil {
		return nil, err
	}
	// A request the kernel does not answer must not hang the console.
	if err := h.SetSocketTimeout(5 * time.Second); err != nil {
		h.Close()
		return nil, err
	}
	return &Driver{h: h, created: map[string]bool{}}, nil
}

// Close releases the netlink sockets. Created links are left in place (the
// configuration still names them).
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h != nil {
		d.h.Close()
		d.h = nil
	}
	return nil
}

// ApplyLinks brings the named links to the desired state, creating VLAN
// and dummy links as needed and deleting those this driver created that are
// no longer wanted. It applies everything it can and returns every error.
func (d *Driver) ApplyLinks(links []Link) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil {
		return errors.New("netif: closed")
	}
	want := map[string]bool{}
	var errs []error
	// Parents before their VLAN sub-links.
	sort.SliceStable(links, func(i, j int) bool { return links[i].Parent == "" && links[j].Parent != "" })
	for _, l := range links {
		want[l.Name] = true
		if err := d.apply(l); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.Name, err))
		}
	}
	for name := range d.created {
		if want[name] {
			continue
		}
		if l, err := d.h.LinkByName(name); err == nil {
			if err := d.h.LinkDel(l); err != nil {
				errs = append(errs, fmt.Errorf("%s: delete: %w", name, err))
				continue
			}
		}
		delete(d.created, name)
	}
	return errors.Join(errs...)
}

func (d *Driver) apply(l Link) error {
	link, err := d.h.LinkByName(l.Name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) && (l.Dummy || l.Parent != "") {
		attrs := netlink.NewLinkAttrs()
		attrs.Name = l.Name
		var nl netlink.Link
		if l.Dummy {
			nl = &netlink.Dummy{LinkAttrs: attrs}
		} else {
			parent, perr := d.h.LinkByName(l.Parent)
			if perr != nil {
				return fmt.Errorf("parent %s: %w", l.Parent, perr)
			}
			attrs.ParentIndex = parent.Attrs().Index
			nl = &netlink.Vlan{LinkAttrs: attrs, VlanId: l.VLAN, VlanProtocol: netlink.VLAN_PROTOCOL_8021Q}
		}
		if err := d.h.LinkAdd(nl); err != nil {
			return fmt.Errorf("create: %w", err)
		}
		d.created[l.Name] = true
		link, err = d.h.LinkByName(l.Name)
	}
	if err != nil {
		return err
	}
	if v, ok := link.(*netlink.Vlan); ok && l.Parent != "" && v.VlanId != l.VLAN {
		// The VLAN id changed: recreate the sub-link.
		if err := d.h.LinkDel(link); err != nil {
			return err
		}
		delete(d.created, l.Name)
		return d.apply(l)
	}
	a := link.Attrs()
	if l.MTU != 0 && a.MTU != l.MTU {
		if err := d.h.LinkSetMTU(link, l.MTU); err != nil {
			return fmt.Errorf("mtu %d: %w", l.MTU, err)
		}
	}
	if a.Alias != l.Alias {
		if err := d.h.LinkSetAlias(link, l.Alias); err != nil {
			return fmt.Errorf("alias: %w", err)
		}
	}
	have, err := d.h.AddrList(link, unix.AF_INET)
	if err != nil {
		return err
	}
	wantAddr := map[netip.Prefix]bool{}
	for _, p := range l.Addrs {
		wantAddr[p] = true
	}
	for _, ad := range have {
		p, ok := prefixOf(ad.IPNet)
		if ok && wantAddr[p] {
			delete(wantAddr, p)
			continue
		}
		if err := d.h.AddrDel(link, &ad); err != nil {
			return fmt.Errorf("address %s: %w", ad.IPNet, err)
		}
	}
	for _, p := range l.Addrs { // in order: the first is the primary
		if !wantAddr[p] {
			continue
		}
		ad := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}}
		if err := d.h.AddrAdd(link, ad); err != nil {
			return fmt.Errorf("address %s: %w", p, err)
		}
	}
	up := a.Flags&net.FlagUp != 0
	if l.Up && !up {
		err = d.h.LinkSetUp(link)
	} else if !l.Up && up {
		err = d.h.LinkSetDown(link)
	}
	return err
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	ip, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), ones), true
}

// ApplyRoutes installs the static routes, replacing those this driver
// installed before. Routes whose gateway or device is not reachable yet are
// reported and retried at the next call.
func (d *Driver) ApplyRoutes(routes []Route) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil {
		return errors.New("netif: closed")
	}
	var errs []error
	keep := map[Route]bool{}
	for _, r := range routes {
		keep[r] = true
	}
	var installed []Route
	for _, r := range d.routes {
		if keep[r] {
			installed = append(installed, r)
			continue
		}
		nr, err := d.route(r)
		if err == nil {
			err = d.h.RouteDel(nr)
		}
		if err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("route %s: delete: %w", r.Dst, err))
		}
	}
	for _, r := range routes {
		nr, err := d.route(r)
		if err == nil {
			err = d.h.RouteReplace(nr)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("route %s: %w", r.Dst, err))
			continue
		}
		if !contains(installed, r) {
			installed = append(installed, r)
		}
	}
	d.routes = installed
	return errors.Join(errs...)
}

func contains(rs []Route, r Route) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func (d *Driver) route(r Route) (*netlink.Route, error) {
	dst := &net.IPNet{IP: r.Dst.Addr().AsSlice(), Mask: net.CIDRMask(r.Dst.Bits(), 32)}
	nr := &netlink.Route{Dst: dst, Protocol: unix.RTPROT_STATIC, Priority: r.Metric}
	if r.Gateway.IsValid() {
		nr.Gw = r.Gateway.AsSlice()
	}
	if r.Dev != "" {
		l, err := d.h.LinkByName(r.Dev)
		if err != nil {
			return nil, err
		}
		nr.LinkIndex = l.Attrs().Index
	}
	return nr, nil
}

// State is what show interfaces reports of a link.
type State struct {
	Exists     bool
	AdminUp    bool
	OperUp     bool
	MTU        int
	MAC        net.HardwareAddr
	Addrs      []netip.Prefix
	Stats      netlink.LinkStatistics
	Speed      string
	LinkType   string
	ParentName string
}

// Get returns a link's state.
func (d *Driver) Get(name string) State {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil {
		return State{}
	}
	link, err := d.h.LinkByName(name)
	if err != nil {
		return State{}
	}
	a := link.Attrs()
	s := State{Exists: true, AdminUp: a.Flags&net.FlagUp != 0, MTU: a.MTU, MAC: a.HardwareAddr, LinkType: link.Type()}
	s.OperUp = s.AdminUp && (a.OperState == netlink.OperUp || a.OperState == netlink.OperUnknown) && a.Flags&net.FlagRunning != 0
	if a.Statistics != nil {
		s.Stats = netlink.LinkStatistics(*a.Statistics)
	}
	if addrs, err := d.h.AddrList(link, unix.AF_INET); err == nil {
		for _, ad := range addrs {
			if p, ok := prefixOf(ad.IPNet); ok {
				s.Addrs = append(s.Addrs, p)
			}
		}
	}
	return s
}

// KernelRoute is one IPv4 route of the main table, for show ip route.
type KernelRoute struct {
	Dst      netip.Prefix
	Gateway  netip.Addr
	Dev      string
	Static   bool // installed by a static route (RTPROT_STATIC)
	Metric   int
	Kernel   bool // connected (proto kernel)
	Preferrd netip.Addr
}

// Routes lists the IPv4 routes of the main table.
func (d *Driver) Routes() ([]KernelRoute, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil {
		return nil, errors.New("netif: closed")
	}
	rs, err := d.h.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	var out []KernelRoute
	for _, r := range rs {
		kr := KernelRoute{Metric: r.Priority, Static: r.Protocol == unix.RTPROT_STATIC, Kernel: r.Protocol == unix.RTPROT_KERNEL}
		if r.Dst == nil {
			kr.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		} else if p, ok := prefixOf(r.Dst); ok {
			kr.Dst = p
		} else {
			continue
		}
		if gw, ok := netip.AddrFromSlice(r.Gw); ok {
			kr.Gateway = gw.Unmap()
		}
		if r.LinkIndex > 0 {
			n, ok := names[r.LinkIndex]
			if !ok {
				if l, err := d.h.LinkByIndex(r.LinkIndex); err == nil {
					n = l.Attrs().Name
				}
				names[r.LinkIndex] = n
			}
			kr.Dev = n
		}
		out = append(out, kr)
	}
	return out, nil
}
