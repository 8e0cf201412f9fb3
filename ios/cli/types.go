package cli

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// accepts reports whether word is a valid value for the argument node, and
// returns the value as stored (MACs are normalized to the IOS H.H.H form).
func (n *node) accepts(word string) (string, bool) {
	if word == "" || !utf8.ValidString(word) || strings.ContainsRune(word, utf8.RuneError) {
		return "", false
	}
	switch n.kind {
	case tkWord, tkLine:
		return word, true
	case tkRange:
		v, err := strconv.ParseInt(word, 10, 64)
		if err != nil || v < n.min || v > n.max {
			return "", false
		}
		return strconv.FormatInt(v, 10), true
	case tkIPv4:
		a, err := netip.ParseAddr(word)
		if err != nil || !a.Is4() {
			return "", false
		}
		return a.String(), true
	case tkPrefix:
		p, err := netip.ParsePrefix(word)
		if err != nil || !p.Addr().Is4() {
			return "", false
		}
		return p.String(), true
	case tkMAC:
		return ParseMAC(word)
	case tkHex:
		for i := 0; i < len(word); i++ {
			if !isHex(word[i]) {
				return "", false
			}
		}
		return word, true
	}
	return "", false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ParseMAC accepts a MAC address as H.H.H (IOS), or with ':' or '-' separators,
// and returns it in the IOS form with upper-case digits (0012.4302.A7CC), as the
// seeds render it in running-config.
func ParseMAC(s string) (string, bool) {
	var hex []byte
	switch {
	case strings.Count(s, ".") == 2:
		for _, g := range strings.Split(s, ".") {
			if len(g) == 0 || len(g) > 4 {
				return "", false
			}
			hex = append(hex, strings.Repeat("0", 4-len(g))+g...)
		}
	case strings.Count(s, ":") == 5 || strings.Count(s, "-") == 5:
		for _, g := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '-' }) {
			if len(g) != 2 {
				return "", false
			}
			hex = append(hex, g...)
		}
	default:
		return "", false
	}
	if len(hex) != 12 {
		return "", false
	}
	for _, c := range hex {
		if !isHex(c) {
			return "", false
		}
	}
	h := strings.ToUpper(string(hex))
	return h[0:4] + "." + h[4:8] + "." + h[8:12], true
}
