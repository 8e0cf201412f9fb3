package interfaces

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"cmeos/drivers/netif"
	"cmeos/ios/config"
)

// mapped reports whether the board maps interfaces to real links.
func (f *Interfaces) mapped() bool { return f.board.Interfaces != nil }

// exists reports whether the board has the interface: every name on a board
// without an interface map; on a mapped board the mapped names, their
// subinterfaces and Loopbacks.
func (f *Interfaces) exists(name string) bool {
	if !f.mapped() || strings.HasPrefix(name, "Loopback") {
		return true
	}
	parent, _, _ := strings.Cut(name, ".")
	_, ok := f.board.Interfaces[parent]
	return ok
}

// linuxName is the Linux link behind an IOS interface ("" if none):
// the mapped link, PARENT.VLAN for subinterfaces, loopN for Loopback N.
func (f *Interfaces) linuxName(name string) string {
	if !f.mapped() {
		return ""
	}
	if n, ok := strings.CutPrefix(name, "Loopback"); ok {
		return "loop" + n
	}
	parent, vlan, sub := strings.Cut(name, ".")
	l, ok := f.board.Interfaces[parent]
	if !ok {
		return ""
	}
	if sub {
		return l + "." + vlan
	}
	return l
}

// LinuxName returns the Linux link of an IOS interface on this board ("" if
// the board has no interface map or no such link).
func LinuxName(sys *config.System, name string) string {
	f, _ := sys.Feature("interface").(*Interfaces)
	if f == nil {
		return ""
	}
	return f.linuxName(name)
}

// Driver returns the netlink driver of the board's interfaces (nil when the
// board has no interface map), opening it on first use.
func Driver(sys *config.System) (*netif.Driver, error) {
	f, _ := sys.Feature("interface").(*Interfaces)
	if f == nil || !f.mapped() {
		return nil, nil
	}
	return f.driver()
}

func (f *Interfaces) driver() (*netif.Driver, error) {
	f.drvMu.Lock()
	defer f.drvMu.Unlock()
	if f.closed {
		return nil, errors.New("interfaces: closed")
	}
	if f.drv == nil {
		d, err := netif.Open(f.board.NetNS)
		if err != nil {
			return nil, err
		}
		f.drv = d
	}
	return f.drv, nil
}

// desired computes the links to apply (lock held).
func (f *Interfaces) desired() []netif.Link {
	var links []netif.Link
	for name, ifc := range f.byName {
		ln := f.linuxName(name)
		if ln == "" {
			continue
		}
		l := netif.Link{Name: ln, Up: !ifc.Shutdown, MTU: ifc.MTU, Alias: ifc.Description}
		if strings.HasPrefix(name, "Loopback") {
			l.Dummy = true
		} else if parent, _, sub := strings.Cut(name, "."); sub {
			if ifc.Dot1Q == 0 {
				continue // a subinterface carries nothing until its encapsulation is set
			}
			l.Parent, l.VLAN = f.linuxName(parent), ifc.Dot1Q
		}
		for _, a := range ifc.Addresses {
			bits, _ := MaskBits(a.Mask)
			l.Addrs = append(l.Addrs, netip.PrefixFrom(a.IP, bits))
		}
		links = append(links, l)
	}
	return links
}

// Reconcile applies the interface configuration to the board's links.
func (f *Interfaces) Reconcile(ctx context.Context) error {
	if !f.mapped() {
		return nil
	}
	f.sys.Lock()
	links := f.desired()
	f.sys.Unlock()
	d, err := f.driver()
	if err != nil {
		return err
	}
	if err := d.ApplyLinks(links); err != nil {
		return fmt.Errorf("applying interfaces: %w", err)
	}
	f.drvMu.Lock()
	hooks := append([]func(){}, f.hooks...)
	f.drvMu.Unlock()
	for _, h := range hooks {
		h()
	}
	return nil
}

// OnApplied registers fn to run (without the lock) each time interface
// configuration has been applied to the links: static routes through them
// may have become installable.
func OnApplied(sys *config.System, fn func()) {
	f, _ := sys.Feature("interface").(*Interfaces)
	if f == nil {
		return
	}
	f.drvMu.Lock()
	f.hooks = append(f.hooks, fn)
	f.drvMu.Unlock()
}

// Close releases the netlink driver.
func (f *Interfaces) Close() error {
	f.drvMu.Lock()
	defer f.drvMu.Unlock()
	f.closed = true
	if f.drv != nil {
		f.drv.Close()
		f.drv = nil
	}
	return nil
}

// Configured returns copies of the configured interfaces in IOS order
// (for other features' show commands; lock held by the caller).
func Configured(sys *config.System) []Interface {
	f, _ := sys.Feature("interface").(*Interfaces)
	if f == nil {
		return nil
	}
	var out []Interface
	for _, i := range f.sorted() {
		if _, ok := f.byName[i.Name]; ok {
			out = append(out, *i)
		}
	}
	return out
}
