package load

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/cmd/phonesim/internal/sccp"
)

// miniCM registers every phone and counts what it saw.
type miniCM struct {
	registered, unregistered, partial atomic.Int32
	mu                                sync.Mutex
	names                             map[string]bool
	srcs                              map[string]bool
}

func (cm *miniCM) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			m, err := sccp.ReadMessage(c)
			if err != nil || m.ID != sccp.MsgRegister {
				cm.partial.Add(1)
				return
			}
			cm.mu.Lock()
			cm.names[string(bytes.TrimRight(m.Data[:16], "\x00"))] = true
			if cm.srcs != nil {
				cm.srcs[c.RemoteAddr().(*net.TCPAddr).IP.String()] = true
			}
			cm.mu.Unlock()
			ack := make([]byte, 20)
			binary.LittleEndian.PutUint32(ack, 1)
			copy(ack[4:], "M/D/Y")
			ack[16] = 17
			write := func(id uint32, b []byte) {
				f, _ := sccp.Message{ID: id, Data: b}.MarshalBinary()
				c.Write(f)
			}
			write(sccp.MsgRegisterAck, ack)
			cm.registered.Add(1)
			for {
				m, err := sccp.ReadMessage(c)
				if err != nil {
					return
				}
				switch m.ID {
				case sccp.MsgKeepAlive:
					write(sccp.MsgKeepAliveAck, nil)
				case sccp.MsgUnregister:
					cm.unregistered.Add(1)
					write(sccp.MsgUnregisterAck, make([]byte, 4))
					return
				}
			}
		}()
	}
}

func TestMAC(t *testing.T) {
	for _, tc := range []struct {
		base string
		i    int
		want string
	}{{"0012.4302.A7CC", 0, "00124302A7CC"}, {"0012434B2AFF", 1, "0012434B2B00"}, {"02:00:00:00:00:00", 999, "0200000003E7"}} {
		if got, err := MAC(tc.base, tc.i); err != nil || got != tc.want {
			t.Errorf("MAC(%s, %d) = %s, %v", tc.base, tc.i, got, err)
		}
	}
	if _, err := MAC("FFFFFFFFFFFF", 1); err == nil {
		t.Error("overflow accepted")
	}
}

func TestLoadTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cm := &miniCM{names: map[string]bool{}, srcs: map[string]bool{}}
	go cm.serve(ln)
	g0 := runtime.NumGoroutine()
	sum, err := Run(t.Context(), Config{Phones: 40, Rate: 200, Hold: 1500 * time.Millisecond, Drop: 0.25, Seed: 7,
		BaseMAC: "0012434B0000", Phone: phone.Config{Server: ln.Addr().String()}, Sources: netip.MustParsePrefix("127.1.0.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", sum)
	// Every phone's goroutines (reader, keepalive, registration) end.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > g0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > g0 {
		t.Errorf("%d goroutines after the run, %d before", g, g0)
	}
	if sum.Registered+sum.Dropped != 40 || sum.Failed != 0 || sum.Dropped == 0 || sum.DroppedHandshake == 0 || sum.DroppedRegistration == 0 {
		t.Errorf("summary %+v", sum)
	}
	if int(cm.registered.Load()) != sum.Registered || int(cm.unregistered.Load()) != sum.Registered || int(cm.partial.Load()) != sum.Dropped {
		t.Errorf("server saw %d registrations, %d unregistrations, %d partial", cm.registered.Load(), cm.unregistered.Load(), cm.partial.Load())
	}
	// 40 phones at 200/s: about 0.2 s of registrations.
	if sum.PerSecond < 50 || sum.PerSecond > 400 || sum.P50 <= 0 || sum.Max < sum.P99 {
		t.Errorf("rate %.1f/s, latency %v", sum.PerSecond, sum.Latency)
	}
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if len(cm.srcs) != sum.Registered || !cm.srcs["127.1.0.1"] && !cm.srcs["127.1.0.2"] {
		t.Errorf("%d registered from %d source addresses: %v", sum.Registered, len(cm.srcs), cm.srcs)
	}
	if !cm.names["SEP0012434B0000"] && !cm.names["SEP0012434B0001"] {
		t.Errorf("device names %v", cm.names)
	}
}

// tlsSetup makes a MIC CA and a self-signed server certificate named cn.
func tlsSetup(t *testing.T, cn string) (*mic.CA, []byte, *ecdsa.PrivateKey) {
	t.Helper()
	ca, err := mic.Load(t.TempDir(), mic.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return ca, der, k
}

func TestLoadTLS(t *testing.T) {
	ca, der, k := tlsSetup(t, "cmeserver")
	srv, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	var subjects sync.Map
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots, MinVersion: tls.VersionTLS12,
		VerifyPeerCertificate: func(_ [][]byte, chains [][]*x509.Certificate) error {
			subjects.Store(chains[0][0].Subject.CommonName, true)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cm := &miniCM{names: map[string]bool{}}
	go cm.serve(ln)
	sum, err := Run(t.Context(), Config{Phones: 20, Rate: 100, Hold: 200 * time.Millisecond, Drop: 0.3, Seed: 3, CA: ca,
		BaseMAC: "001122330000", Phone: phone.Config{Server: ln.Addr().String(), Secure: true, ServerCerts: []*x509.Certificate{srv}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", sum)
	if sum.Registered+sum.Dropped != 20 || sum.Failed != 0 || sum.DroppedHandshake == 0 || sum.DroppedRegistration == 0 {
		t.Errorf("summary %+v", sum)
	}
	// Each registered phone presented its own MIC.
	n := 0
	subjects.Range(func(k, v any) bool { n++; return true })
	if n < sum.Registered {
		t.Errorf("%d distinct client certificates for %d phones", n, sum.Registered)
	}
	if _, ok := subjects.Load("CP-7970G-SEP001122330000"); !ok && sum.Registered == 20 {
		t.Error("no MIC for the first phone")
	}
}

// TestLoadHandshakeOnly: each phone completes a TLS handshake with its
// own MIC and closes, no more than Concurrency at once; a server that
// refuses the MICs makes the first phone fail.
func TestLoadHandshakeOnly(t *testing.T) {
	ca, der, k := tlsSetup(t, "s_server")
	serve := func(roots *x509.CertPool) (string, *atomic.Int32, *atomic.Int32, func()) {
		var inFlight, peak, done atomic.Int32
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}},
			ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					n := inFlight.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					c.SetDeadline(time.Now().Add(10 * time.Second))
					if c.(*tls.Conn).Handshake() == nil {
						done.Add(1)
					}
					inFlight.Add(-1)
					c.Read(make([]byte, 1)) // until the client closes
				}()
			}
		}()
		return ln.Addr().String(), &peak, &done, func() { ln.Close() }
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	addr, peak, done, stop := serve(roots)
	defer stop()
	cfg := Config{Phones: 30, Concurrency: 3, HandshakeOnly: true, CA: ca, BaseMAC: "001122440000",
		Phone: phone.Config{Server: addr, Secure: true}}
	sum, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", sum)
	if sum.Registered != 30 || sum.Failed != 0 || !strings.Contains(sum.String(), "handshakes/s") {
		t.Errorf("summary %+v", sum)
	}
	// The server finishes a handshake after the client has (the client's
	// Finished is still on its way), so it may see a few more than the
	// client's three at once; without the bound it would see up to 30.
	if p := peak.Load(); p > 6 {
		t.Errorf("%d handshakes at once with Concurrency 3", p)
	}
	for deadline := time.Now().Add(10 * time.Second); done.Load() < 30 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if d := done.Load(); d != 30 {
		t.Errorf("server completed %d handshakes", d)
	}

	// A server that trusts another root refuses the MICs.
	other, err := mic.Load(t.TempDir(), mic.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	wrong := x509.NewCertPool()
	wrong.AddCert(other.Cert)
	addr2, _, _, stop2 := serve(wrong)
	defer stop2()
	cfg.Phone.Server, cfg.Phones = addr2, 2
	if sum, err = Run(t.Context(), cfg); err != nil || sum.Failed == 0 {
		t.Errorf("refused MICs: %+v, %v", sum, err)
	}
	cfg.HandshakeOnly, cfg.Phone.Secure = true, false
	if _, err := Run(t.Context(), cfg); err == nil {
		t.Error("handshake-only over plain TCP accepted")
	}
}
