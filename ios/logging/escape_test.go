package logging_test

import (
	"strings"
	"testing"
	"time"

	"cmeos/ios/logging"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"admin", "admin"},
		{"Jürgen", "Jürgen"},
		{"a\r\n%SEC_LOGIN-5-LOGIN_SUCCESS: forged", `a\r\n%SEC_LOGIN-5-LOGIN_SUCCESS: forged`},
		{"\x1b[2J\x1b]0;owned\x07", `\x1B[2J\x1B]0;owned\x07`},
		{"tab\there", `tab\there`},
		{`back\slash`, `back\\slash`},
		{"csi\u009b2J", `csi\u009B2J`},
		{"bad\xff\xfe", `bad\xFF\xFE`},
		{"rtl\u202eexe.txt", `rtl\u202Eexe.txt`},
		{"ls\u2028sep", `ls\u2028sep`},
		{"del\x7f", `del\x7F`},
	} {
		if got := logging.Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzEscape: an escaped string holds no control character and no invalid
// UTF-8, and distinct inputs stay distinct.
func FuzzEscape(f *testing.F) {
	f.Add("a\r\nb")
	f.Add("\x1b[31m")
	f.Fuzz(func(t *testing.T, s string) {
		e := logging.Escape(s)
		for _, r := range e {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == 0xfffd && !strings.Contains(s, "\ufffd") {
				t.Fatalf("Escape(%q) = %q holds %U", s, e, r)
			}
		}
		if e2 := logging.Escape(s + "x"); e2 == e {
			t.Fatalf("Escape not injective on %q", s)
		}
	})
}

// A log line from escaped input is one line.
func TestEscapedLogIsOneLine(t *testing.T) {
	l := logging.New(func() time.Time { return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) })
	l.Logf(logging.Notifications, "SEC_LOGIN", "LOGIN_FAILED", "Login failed [user: %s]", logging.Escape("x\r\n%SYS-5-CONFIG_I: Configured"))
	for _, e := range l.Entries() {
		if strings.ContainsAny(e, "\r\n") {
			t.Fatalf("log entry spans lines: %q", e)
		}
	}
}
