package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// record is a Logger keeping the lines in IOS form.
type record struct {
	mu    sync.Mutex
	lines []string
}

func (r *record) Logf(sev int, fac, mnem, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf("%%%s-%d-%s: ", fac, sev, mnem)+fmt.Sprintf(format, args...))
}

func (r *record) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func (r *record) count(sub string) int {
	n := 0
	for _, l := range r.all() {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

func echo(ctx context.Context, c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.Copy(c, c)
}

// waitGoroutines waits until the goroutine count is back to before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	for i := 0; runtime.NumGoroutine() > before && i < 200; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines leaked: %d > %d\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func dialEcho(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("echo: %q %v", buf, err)
	}
	return c
}

// closed reports whether the server closed c (a read gets EOF or reset).
func closed(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if err != nil && !(errorsAs(err, &ne) && ne.Timeout()) {
		return true
	}
	return false
}

func errorsAs(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

func TestRunnerUpRestartDown(t *testing.T) {
	before := runtime.NumGoroutine()
	log := &record{}
	r := Runner{Name: "Echo", Facility: "ECHO", Log: log}
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Handle: echo}); err != nil {
		t.Fatal(err)
	}
	a := r.Addr().String()
	c := dialEcho(t, a)
	defer c.Close()
	// The same configuration again: nothing happens.
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Handle: echo}); err != nil || r.Addr().String() != a {
		t.Fatalf("same config restarted: %v %v", err, r.Addr())
	}
	// Another address: a restart; the old listener and connection close.
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.2:0", Handle: echo}); err != nil {
		t.Fatal(err)
	}
	if !closed(c) {
		t.Error("connection of the old listener still open")
	}
	if d, err := net.DialTimeout("tcp", a, time.Second); err == nil {
		d.Close()
		t.Error("old address still accepts")
	}
	dialEcho(t, r.Addr().String()).Close()
	r.Down("trustpoint X has no certificate")
	r.Down("trustpoint X has no certificate")
	r.Down("-")
	if r.Running() || r.Addr() != nil {
		t.Error("running after Down")
	}
	want := []string{
		"%ECHO-5-STARTED: Echo listening on " + a,
		"%ECHO-5-STARTED: Echo listening on 127.0.0.2:",
		"%ECHO-5-STOPPED: Echo stopped",
		"%ECHO-4-NOT_STARTED: Echo not started: trustpoint X has no certificate",
	}
	got := log.all()
	if len(got) != len(want) {
		t.Fatalf("log:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("log line %d = %q, want %q...", i, got[i], want[i])
		}
	}
	// A port in use is an error and leaves the service down.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	if err := r.Up(t.Context(), Config{Addr: ln.Addr().String(), Handle: echo}); err == nil || r.Running() {
		t.Errorf("busy port: %v, running %v", err, r.Running())
	}
	r.Close()
	ln.Close()
	waitGoroutines(t, before)
}

func TestNewValidates(t *testing.T) {
	log := &record{}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no handler", Config{Name: "x", Facility: "X", Log: log, Addr: "127.0.0.1:0"}},
		{"two handlers", Config{Name: "x", Facility: "X", Log: log, Addr: "127.0.0.1:0", Handle: echo, Packet: func(context.Context, *net.UDPConn) error { return nil }}},
		{"no name", Config{Facility: "X", Log: log, Addr: "127.0.0.1:0", Handle: echo}},
		{"no log", Config{Name: "x", Facility: "X", Addr: "127.0.0.1:0", Handle: echo}},
		{"bad port", Config{Name: "x", Facility: "X", Log: log, Addr: "127.0.0.1:99999", Handle: echo}},
		{"no port", Config{Name: "x", Facility: "X", Log: log, Addr: "127.0.0.1", Handle: echo}},
		{"tls without handle", Config{Name: "x", Facility: "X", Log: log, Addr: "127.0.0.1:0", TLS: func() (*tls.Config, error) { return nil, nil },
			Serve: func(context.Context, net.Listener) error { return nil }}},
		{"negative", Config{Name: "x", Facility: "X", Log: log, Addr: "127.0.0.1:0", Handle: echo, MaxConns: -1}},
	} {
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("%s: New accepted it", tc.name)
		}
	}
}

func TestRunStandalone(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := New(Config{Name: "Echo", Facility: "ECHO", Log: &record{}, Addr: "127.0.0.1:0", Handle: echo})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	for i := 0; s.Addr() == nil && i < 500; i++ {
		time.Sleep(2 * time.Millisecond)
	}
	c := dialEcho(t, s.Addr().String())
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !closed(c) {
		t.Error("connection open after Run returned")
	}
	c.Close()
	waitGoroutines(t, before)
}

func TestConnectionLimits(t *testing.T) {
	log := &record{}
	r := Runner{Name: "Echo", Facility: "ECHO", Log: log}
	defer r.Close()
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Handle: echo, MaxConns: 3, MaxPerSource: 2}); err != nil {
		t.Fatal(err)
	}
	// Dial the bound address from several loopback source addresses.
	addr := r.Addr().String()
	from := func(src string) (net.Conn, error) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
		return d.Dial("tcp", addr)
	}
	var keep []net.Conn
	defer func() {
		for _, c := range keep {
			c.Close()
		}
	}()
	for range 2 {
		c, err := from("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, c)
		c.Write([]byte("x"))
		c.Read(make([]byte, 1))
	}
	over, err := from("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !closed(over) {
		t.Error("third connection from one source was served")
	}
	over.Close()
	// Another source still gets in, up to the total.
	other, err := from("127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	keep = append(keep, other)
	other.Write([]byte("y"))
	b := make([]byte, 1)
	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := other.Read(b); err != nil || b[0] != 'y' {
		t.Fatalf("other source: %q %v", b, err)
	}
	total, err := from("127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	if !closed(total) {
		t.Error("connection over the total limit was served")
	}
	total.Close()
	if n := log.count("CONN_LIMIT"); n != 2 {
		t.Errorf("%d CONN_LIMIT lines, want 2:\n%s", n, strings.Join(log.all(), "\n"))
	}
	// A slot freed is a slot for the next one.
	keep[0].Close()
	for i := 0; r.Server().Conns() > 2 && i < 500; i++ {
		time.Sleep(2 * time.Millisecond)
	}
	c := dialEcho(t, addr)
	c.Close()
}

func TestHandshakeDeadline(t *testing.T) {
	r := Runner{Name: "Echo", Facility: "ECHO", Log: &record{}}
	defer r.Close()
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", MaxConns: 10, Handshake: 100 * time.Millisecond,
		Handle: func(ctx context.Context, c net.Conn) { c.Read(make([]byte, 1)) }}); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if !closed(c) {
		t.Fatal("silent connection not closed")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("closed after %v", d)
	}
}

func TestPanicClosesOnlyTheConnection(t *testing.T) {
	log := &record{}
	r := Runner{Name: "Echo", Facility: "ECHO", Log: log}
	defer r.Close()
	err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Handle: func(ctx context.Context, c net.Conn) {
		b := make([]byte, 1)
		c.Read(b)
		if b[0] == '!' {
			panic("bad byte\r\nforged")
		}
		c.Write(b)
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := net.Dial("tcp", r.Addr().String())
	c.Write([]byte("!"))
	if !closed(c) {
		t.Error("panicking connection left open")
	}
	c.Close()
	c, _ = net.Dial("tcp", r.Addr().String())
	defer c.Close()
	c.Write([]byte("a"))
	b := make([]byte, 1)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(b); err != nil || b[0] != 'a' {
		t.Fatalf("after a panic: %q %v", b, err)
	}
	lines := log.all()
	found := false
	for _, l := range lines {
		if strings.HasPrefix(l, "%SYS-2-CONN_PANIC: Echo connection from 127.0.0.1 crashed: bad byte\\r\\nforged -Traceback= 0x") {
			found = true
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("raw control characters in %q", l)
		}
	}
	if !found {
		t.Errorf("no traceback line:\n%s", strings.Join(lines, "\n"))
	}
}

func TestRateLog(t *testing.T) {
	log := &record{}
	r := NewRateLog(log)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	for i := range 100 {
		r.Logf(4, "X", "FAIL", "failure %d", i)
	}
	r.Logf(4, "X", "OTHER", "other")
	if n := len(log.all()); n != RateBurst+1 {
		t.Fatalf("%d lines in the burst:\n%s", n, strings.Join(log.all(), "\n"))
	}
	now = now.Add(RateInterval)
	r.Logf(4, "X", "FAIL", "failure again")
	got := log.all()[RateBurst+1:]
	want := []string{"%X-4-FAIL: 95 messages suppressed", "%X-4-FAIL: failure again"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after the interval:\n%s", strings.Join(got, "\n"))
	}
	for range 10 {
		r.Logf(4, "X", "FAIL", "more")
	}
	r.Flush()
	if l := log.all(); l[len(l)-1] != "%X-4-FAIL: 6 messages suppressed" {
		t.Errorf("flush: %q", l[len(l)-1])
	}
}

func TestUDP(t *testing.T) {
	before := runtime.NumGoroutine()
	log := &record{}
	r := Runner{Name: "Echo", Facility: "ECHO", Log: log}
	err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Packet: func(ctx context.Context, conn *net.UDPConn) error {
		b := make([]byte, 64)
		for {
			n, from, err := conn.ReadFromUDP(b)
			if err != nil {
				return err
			}
			if string(b[:n]) == "panic" {
				panic("bad datagram")
			}
			conn.WriteToUDP(b[:n], from)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("panic"))
	b := make([]byte, 64)
	var n int
	for i := 0; i < 50; i++ { // until the restarted loop answers
		c.Write([]byte("ping"))
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err = c.Read(b); err == nil {
			break
		}
	}
	if string(b[:n]) != "ping" {
		t.Fatalf("UDP echo after a panic: %q %v", b[:n], err)
	}
	if log.count("%SYS-2-CONN_PANIC: Echo socket crashed: bad datagram") != 1 {
		t.Errorf("log:\n%s", strings.Join(log.all(), "\n"))
	}
	a := r.Addr().String()
	r.Down("-")
	// The port is free again at once: a replacement binds it.
	c.Close()
	pc, err := net.ListenPacket("udp", a)
	if err != nil {
		t.Fatalf("port still bound after Down: %v", err)
	}
	pc.Close()
	r.Close()
	waitGoroutines(t, before)
}

func TestServeShape(t *testing.T) {
	before := runtime.NumGoroutine()
	r := Runner{Name: "HTTP server", Facility: "HTTP", Log: &record{}}
	err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", MaxPerSource: 4, Serve: func(ctx context.Context, ln net.Listener) error {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
		context.AfterFunc(ctx, func() { srv.Close() })
		return srv.Serve(ln)
	}})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	cl := &http.Client{Transport: tr}
	resp, err := cl.Get("http://" + r.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Errorf("body %q", b)
	}
	tr.CloseIdleConnections()
	r.Close()
	waitGoroutines(t, before)
}

// TestHalfOpenFlood opens 3,000 TCP connections to a TLS service that never
// send a byte (a half-open handshake each): the service holds at most
// MaxConns of them, closes each after the handshake deadline, logs a
// bounded number of lines, and a client from another address is served
// all along. The heap grows by less than the bound in docs/SECURITY.md.
func TestHalfOpenFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 connections")
	}
	cert := selfSigned(t)
	log := &record{}
	r := Runner{Name: "TLS echo", Facility: "ECHO", Log: log}
	defer r.Close()
	err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Handshake: 2 * time.Second,
		TLS:    func() (*tls.Config, error) { return &tls.Config{Certificates: []tls.Certificate{cert}}, nil },
		Handle: echo})
	if err != nil {
		t.Fatal(err)
	}
	addr := r.Addr().String()
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	const flood = 3000
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}, Timeout: 2 * time.Second}
	peak := 0
	for i := range flood {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		if i%100 == 0 {
			peak = max(peak, r.Server().Conns())
		}
	}
	peak = max(peak, r.Server().Conns())
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	grow := int64(m1.HeapInuse) - int64(m0.HeapInuse)
	t.Logf("%d half-open connections: at most %d served at once, heap %+d KB", flood, peak, grow/1024)
	if peak > DefaultMaxPerSource {
		t.Errorf("%d connections from one source served at once, limit %d", peak, DefaultMaxPerSource)
	}
	if grow > 4<<20 {
		t.Errorf("heap grew by %d KB, bound 4096 KB", grow/1024)
	}
	// Another client is served while the flood holds its slots.
	tc, err := tls.DialWithDialer(&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second},
		"tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("legitimate client: %v", err)
	}
	tc.Write([]byte("ok"))
	b := make([]byte, 2)
	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(tc, b); err != nil || string(b) != "ok" {
		t.Errorf("legitimate client: %q %v", b, err)
	}
	tc.Close()
	r.Close()
	if n := len(log.all()); n > 2*(RateBurst+1)+2 {
		t.Errorf("%d log lines for the flood:\n%s", n, strings.Join(log.all(), "\n"))
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestKeepConnsAndRelease: with KeepConns a restart leaves the old
// listener's connections open (an SSH session survives a port change);
// Release stops listening and keeps them; Close ends them.
func TestKeepConnsAndRelease(t *testing.T) {
	before := runtime.NumGoroutine()
	r := Runner{Name: "Echo", Facility: "ECHO", Log: &record{}}
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0", Handle: echo, KeepConns: true}); err != nil {
		t.Fatal(err)
	}
	c := dialEcho(t, r.Addr().String())
	defer c.Close()
	if err := r.Up(t.Context(), Config{Addr: "127.0.0.2:0", Handle: echo, KeepConns: true}); err != nil {
		t.Fatal(err)
	}
	r.Release()
	if r.Running() {
		t.Error("listening after Release")
	}
	c.Write([]byte("ok"))
	b := make([]byte, 2)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "ok" {
		t.Fatalf("kept connection: %q %v", b, err)
	}
	r.Close()
	if !closed(c) {
		t.Error("connection open after Close")
	}
	c.Close()
	waitGoroutines(t, before)
}

// TestPanicInHandshake: the TLS handshake runs on a goroutine of its own;
// a panic there (a certificate callback) closes that connection, is
// logged as a traceback line, and the next client is served.
func TestPanicInHandshake(t *testing.T) {
	cert := selfSigned(t)
	log := &record{}
	r := Runner{Name: "TLS echo", Facility: "ECHO", Log: log}
	defer r.Close()
	var n atomic.Int32
	err := r.Up(t.Context(), Config{Addr: "127.0.0.1:0",
		TLS: func() (*tls.Config, error) {
			return &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				if n.Add(1) == 1 {
					panic("certificate callback")
				}
				return &cert, nil
			}}, nil
		},
		Handle: echo})
	if err != nil {
		t.Fatal(err)
	}
	dial := func() error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", r.Addr().String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("x")); err != nil {
			return err
		}
		b := make([]byte, 1)
		_, err = io.ReadFull(c, b)
		return err
	}
	if err := dial(); err == nil {
		t.Fatal("the panicking handshake completed")
	}
	if err := dial(); err != nil {
		t.Fatalf("after the panic: %v", err)
	}
	if !strings.Contains(strings.Join(log.all(), "\n"), "%SYS-2-CONN_PANIC: TLS echo connection from 127.0.0.1 crashed: certificate callback -Traceback=") {
		t.Errorf("no traceback line:\n%s", strings.Join(log.all(), "\n"))
	}
}
