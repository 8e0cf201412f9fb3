package logging

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes a peer-supplied string (a user name, a file name, a
// certificate subject, a DHCP host name) safe to put in a log line or on a
// terminal: carriage return, line feed and tab become \r, \n and \t, other
// control characters (C0, DEL, C1 such as the 8-bit CSI 0x9B), invalid
// UTF-8 and non-printing runes (line separators, bidirectional overrides)
// become \xNN or \uNNNN, and the backslash doubles, so that an escaped
// string cannot forge a line, move the cursor or pass as another escaped
// string. Printable text, including non-ASCII letters, is unchanged.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02X`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		case r >= 0x80 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return true
		}
	}
	return false
}
