package sshd_test

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestHugeLengthChannelRequests is issue 15 item 3: a pty-req and an exec
// whose string length is 0xFFFFFFF0 panicked the server on 32-bit boards
// (run this under GOARCH=386: `make test` does). They are refused and the
// server goes on answering.
func TestHugeLengthChannelRequests(t *testing.T) {
	_, addr := newSystem(t, base)
	cfg := &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password("Adm1nPass")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	dial := func() *ssh.Client {
		c, err := ssh.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	huge := binary.BigEndian.AppendUint32(nil, 0xFFFFFFF0)
	// One session channel per connection: the three requests in one session,
	// the exec last (it ends the session).
	ch, reqs, err := dial().OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	go ssh.DiscardRequests(reqs)
	if _, err := ch.SendRequest("pty-req", true, append(append(huge, "xterm"...), make([]byte, 20)...)); err != nil {
		t.Fatalf("pty-req: %v", err)
	}
	if _, err := ch.SendRequest("window-change", false, append(huge, make([]byte, 12)...)); err != nil {
		t.Fatalf("window-change: %v", err)
	}
	if ok, err := ch.SendRequest("exec", true, append(huge, "show version"...)); ok || err != nil {
		t.Errorf("exec with length 0xFFFFFFF0: ok=%v err=%v", ok, err)
	}
	ch.Close()
	// The server is alive: a well-formed exec on a new connection runs.
	s, err := dial().NewSession()
	if err != nil {
		t.Fatalf("server gone after the huge lengths: %v", err)
	}
	out, err := s.CombinedOutput("show privilege")
	if err != nil || !strings.Contains(string(out), "Current privilege level is 15") {
		t.Fatalf("exec after the huge lengths: %v\n%s", err, out)
	}
}
