package netsvc

import (
	"context"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

func TestListenRestartStop(t *testing.T) {
	before := runtime.NumGoroutine()
	var s Server
	echo := func(ctx context.Context, c net.Conn) { io.Copy(c, c) }
	opened, err := s.Listen(t.Context(), "127.0.0.1:0", echo)
	if err != nil || !opened {
		t.Fatalf("Listen: %v %v", opened, err)
	}
	a := s.Addr().String()
	if opened, _ := s.Listen(t.Context(), "127.0.0.1:0", echo); opened {
		t.Error("same address reopened the listener")
	}
	c, err := net.Dial("tcp", a)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hi"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("echo: %q %v", buf, err)
	}
	// A new address restarts: the old listener and its connection close.
	if opened, err := s.Listen(t.Context(), "127.0.0.2:0", echo); err != nil || !opened {
		t.Fatalf("restart: %v %v", opened, err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(buf); err == nil {
		t.Error("connection of the old listener still open")
	}
	if d, err := net.DialTimeout("tcp", a, time.Second); err == nil {
		d.Close()
		t.Error("old address still accepts")
	}
	s.Stop()
	if s.Running() || s.Addr() != nil {
		t.Error("running after Stop")
	}
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if runtime.NumGoroutine() > before {
		t.Errorf("goroutines leaked: %d > %d", runtime.NumGoroutine(), before)
	}
}
