package init

import "github.com/vishvananda/netlink"

// linkUp sets a link up (the loopback, which the kernel leaves down).
func linkUp(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	return netlink.LinkSetUp(l)
}
