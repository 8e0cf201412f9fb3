package ctlclient_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/ctlprovider"
)

// askFrom sends one CTL provider request over TLS from source address src
// and returns the response status byte (-1 when there was no response).
func askFrom(t *testing.T, src, addr, user, password string, cfg *tls.Config) int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	tc, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return -1
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(15 * time.Second))
	req, err := ctlprovider.MarshalRequest(user, password)
	if err != nil {
		t.Fatal(err)
	}
	tc.Write(req)
	var resp bytes.Buffer
	resp.ReadFrom(tc)
	if b := resp.Bytes(); len(b) >= 14 {
		return int(b[13])
	}
	return -1
}

// TestProviderPasswordLockout: wrong ctl-service admin passwords from one
// source are answered later and later, the fifth locks the source out
// (then even the right password is refused) with one log line however
// many tries follow, and other sources are not affected (issue 15 item 8).
func TestProviderPasswordLockout(t *testing.T) {
	ca := newCA(t, "iosca")
	a, _, port := providerRouter(t, ca)
	addr := "127.0.0.1:" + port
	clientCert, clientKey := ca.issue(t, "client")
	good := ctlprovider.ClientTLS(clientCert, clientKey, []*x509.Certificate{ca.cert}, clock)

	var took []time.Duration
	for i := range 5 {
		start := time.Now()
		if st := askFrom(t, "127.0.0.3", addr, "cisco", "guess", good); st != int(ctlprovider.StatusAuthFailed) {
			t.Fatalf("guess %d: status %d", i+1, st)
		}
		took = append(took, time.Since(start))
	}
	// 0, 0.5, 1, 1.5, 2 s of delay: each answer later than the one before.
	if took[4] < 1500*time.Millisecond || took[4] < took[1] {
		t.Errorf("answers to wrong passwords not delayed: %v", took)
	}
	for range 3 {
		if st := askFrom(t, "127.0.0.3", addr, "cisco", "cisco123", good); st != int(ctlprovider.StatusAuthFailed) {
			t.Fatalf("locked-out source got status %d with the right password", st)
		}
	}
	if st := askFrom(t, "127.0.0.4", addr, "cisco", "cisco123", good); st != int(ctlprovider.StatusOK) {
		t.Errorf("another source: status %d", st)
	}
	if n := strings.Count(logged(a), "%CREDENTIALS-4-AUTH_LOCKOUT: CTL client 127.0.0.3 locked out for 300 seconds after 5 failed authentications"); n != 1 {
		t.Errorf("%d lockout lines:\n%s", n, logged(a))
	}
}

// TestProviderHalfOpenFlood: 3,000 TCP connections to 2444 that never
// start their TLS handshake cost a bounded number of goroutines and bounded
// memory, leave a bounded number of log lines, and a CTL client from
// another address is served during the flood (issue 15 item 7; the bound is
// in docs/SECURITY.md).
func TestProviderHalfOpenFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 connections")
	}
	ca := newCA(t, "iosca")
	a, _, port := providerRouter(t, ca)
	addr := "127.0.0.1:" + port
	clientCert, clientKey := ca.issue(t, "client")
	good := ctlprovider.ClientTLS(clientCert, clientKey, []*x509.Certificate{ca.cert}, clock)

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.5")}, Timeout: 5 * time.Second}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	gmax := 0
	for i := range 3000 {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		if i%250 == 0 {
			gmax = max(gmax, runtime.NumGoroutine()-g0)
		}
	}
	gmax = max(gmax, runtime.NumGoroutine()-g0)
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	grow := int64(m1.HeapInuse) - int64(m0.HeapInuse)
	t.Logf("3000 half-open connections: %d goroutines more at most, heap %+d KB", gmax, grow/1024)
	if gmax > 50 {
		t.Errorf("%d goroutines for 3000 half-open connections (bound 50)", gmax)
	}
	if grow > 8<<20 {
		t.Errorf("heap grew by %d KB (bound 8192 KB)", grow/1024)
	}
	if st := askFrom(t, "127.0.0.6", addr, "cisco", "cisco123", good); st != int(ctlprovider.StatusOK) {
		t.Errorf("CTL client during the flood: status %d", st)
	}
	for _, c := range conns {
		c.Close()
	}
	if n := len(a.Log.Entries()); n > 40 {
		t.Errorf("%d log lines after the flood:\n%s", n, logged(a))
	}
}

// TestRegenerateReleasesLock: while `regenerate` waits for a slow remote
// CTL provider, the configuration lock is free (other consoles and the
// services go on); no network I/O is done under it (issue 17 item 2).
func TestRegenerateReleasesLock(t *testing.T) {
	ca := newCA(t, "iosca")
	b := newSystem(t, "")
	ca.trustpoint(t, b, "cmeserver")
	ca.trustpoint(t, b, "sast1")
	ca.trustpoint(t, b, "sast2")
	// A "provider" that accepts, tells the test, and then says nothing
	// until the test releases it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	release := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case accepted <- struct{}{}:
			default:
			}
			go func() {
				<-release
				c.Close()
			}()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	done := make(chan string)
	go func() {
		done <- configure(t, b, "ctl-client",
			" server cme 10.1.1.100 trustpoint cmeserver",
			" server cme 127.0.0.1 username cisco password 0 cisco123 port "+port,
			" sast1 trustpoint sast1",
			" sast2 trustpoint sast2",
			" regenerate")
	}()
	select {
	case <-accepted: // regenerate is waiting for the provider
	case <-time.After(30 * time.Second):
		close(release)
		t.Fatal("regenerate never connected to the provider")
	}
	locked := make(chan struct{})
	go func() {
		b.Lock()
		_ = b.Unsaved() // what another console would do with the lock
		b.Unlock()
		close(locked)
	}()
	// While the provider is silent, the lock must be free: if regenerate
	// held it, Lock would wait for the release below and never return here.
	select {
	case <-locked:
	case <-time.After(30 * time.Second):
		t.Error("configuration lock held while regenerate waits for a remote provider")
	}
	close(release)
	mustContain(t, <-done, "% Failed to get credentials from CTL provider 127.0.0.1:")
}
