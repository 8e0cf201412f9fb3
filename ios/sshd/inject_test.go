package sshd_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestUsernameLoggedEscaped is issue 15 item 4: the SSH user name is the
// peer's, sent before any authentication. A CR/LF in it forged log lines
// and an ESC drove the terminal of an admin watching `terminal monitor`;
// it is logged escaped, on one line.
func TestUsernameLoggedEscaped(t *testing.T) {
	sys, addr := newSystem(t, base)
	forged := "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin]"
	user := "evil\r\n" + forged + "\x1b[2J"
	cfg := &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.Password("wrong")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	if c, err := ssh.Dial("tcp", addr, cfg); err == nil {
		c.Close()
		t.Fatal("login with a wrong password succeeded")
	}
	// The failure is logged after the login delay.
	deadline := time.Now().Add(10 * time.Second)
	var logs []string
	for time.Now().Before(deadline) {
		logs = sys.Log.Entries()
		if strings.Contains(strings.Join(logs, "\n"), "LOGIN_FAILED") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	want := `evil\r\n` + forged + `\x1B[2J`
	found := false
	for _, e := range logs {
		if strings.ContainsAny(e, "\r\n\x1b") {
			t.Errorf("log entry holds a raw control character: %q", e)
		}
		found = found || strings.Contains(e, want)
	}
	if !found {
		t.Errorf("no log entry with the escaped user name %q:\n%s", want, strings.Join(logs, "\n"))
	}
}
