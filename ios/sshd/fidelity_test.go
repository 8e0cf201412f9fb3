package sshd_test

import (
	"net"
	"regexp"
	"strings"
	"testing"
)

// TestExecUsersAndLogs is issue 16 item 8 over a real OpenSSH client:
// `ssh host 'show users'` marks the line it runs on with '*', and the log
// names what IOS names: the login's local port ("[localport: N]", the SSH
// server's port) and "Configured from console by admin on vty0 (127.0.0.1)".
func TestExecUsersAndLogs(t *testing.T) {
	sys, addr := newSystem(t, base)
	_, port, _ := net.SplitHostPort(addr)
	out, err := openssh(t, addr, "admin", "Adm1nPass", nil, "show users")
	if err != nil {
		t.Fatalf("ssh: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^\*\s+2 vty 0\s+admin\s+idle\s+\S+ 127\.0\.0\.1\r?$`).MatchString(out) {
		t.Errorf("show users over SSH does not mark its own vty line:\n%s", out)
	}
	out, err = openssh(t, addr, "admin", "Adm1nPass", nil, "configure terminal; hostname R2; end")
	if err != nil {
		t.Fatalf("ssh: %v\n%s", err, out)
	}
	sys.Lock()
	logText := sys.Log.Show()
	sys.Unlock()
	for _, want := range []string{"%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: 127.0.0.1] [localport: " + port + "] at ",
		"%SYS-5-CONFIG_I: Configured from console by admin on vty0 (127.0.0.1)"} {
		if !strings.Contains(logText, want) {
			t.Errorf("log lacks %q:\n%s", want, logText)
		}
	}
}
