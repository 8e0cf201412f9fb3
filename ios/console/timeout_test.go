package console_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"cmeos/ios/config/configtest"
	"cmeos/ios/console"
	"cmeos/ios/line"
	"cmeos/ios/term"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConsoleTimeoutStartsOver is issue 15 item 12: on the host board the
// console is a pipe or a non-raw terminal (line mode), and its exec-timeout
// ended the session's Run with term.ErrTimeout, which stopped the whole
// process and its services. It ends the session only: the console shows
// "Press RETURN to get started." and serves the next user.
func TestConsoleTimeoutStartsOver(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, "hostname Host1\n")
	inR, inW := io.Pipe()
	out := &syncBuffer{}
	tm := term.New(term.Config{In: inR, Out: out, Interactive: false})
	sess := console.New(t.Context(), sys, tm, console.Options{Name: "console", Console: true,
		LineConfig: func() line.Config { return line.Config{ExecTimeout: 200 * time.Millisecond} }})
	done := make(chan error, 1)
	go func() { done <- sess.Run(t.Context()) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Press RETURN to get started.") {
		select {
		case err := <-done:
			t.Fatalf("the console session ended at exec-timeout (%v): the process would stop\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no RETURN prompt after the exec-timeout:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The next user gets a prompt and runs commands.
	io.WriteString(inW, "\nshow privilege\n")
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Current privilege level is") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Current privilege level is") {
		t.Fatalf("no command after RETURN:\n%s", out)
	}
	inW.Close()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("end of input: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end at the end of input")
	}
}
