package dialplan

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// Target is a parsed `session target`.
type Target struct {
	Kind string         // ipv4, ras, sip-server, registrar
	Addr netip.AddrPort // ipv4 (port 0: the protocol's default)
}

// ParseTarget reads `ipv4:A.B.C.D[:port]`, `ras`, `sip-server` or
// `registrar`.
func ParseTarget(s string) (Target, error) {
	switch s {
	case "ras", "sip-server", "registrar":
		return Target{Kind: s}, nil
	}
	rest, ok := strings.CutPrefix(s, "ipv4:")
	if !ok {
		return Target{}, errors.New("dialplan: session target")
	}
	host, port, hasPort := strings.Cut(rest, ":")
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		return Target{}, errors.New("dialplan: session target address")
	}
	n := 0
	if hasPort {
		n, err = strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, errors.New("dialplan: session target port")
		}
	}
	return Target{Kind: "ipv4", Addr: netip.AddrPortFrom(a, uint16(n))}, nil
}
