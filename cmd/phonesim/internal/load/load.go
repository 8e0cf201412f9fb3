// Package load runs many simulated phones from one process: each with
// its own MAC (a base MAC plus its index) and, over TLS, its own MIC from
// the test manufacturing CA; they register at a given rate, hold their
// registration (keepalives running) for a while, and unregister. A share
// of them can be made to drop mid-handshake or mid-registration. It is
// the load generator of scripts/bench-sccp.
package load

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/cmd/phonesim/internal/sccp"
)

// Config describes a load run.
type Config struct {
	Phones  int           // how many
	Rate    float64       // registrations started per second (0: all at once)
	Hold    time.Duration // how long each stays registered
	Drop    float64       // share (0..1) that drops mid-handshake or mid-registration
	BaseMAC string        // the first phone's MAC; phone i has BaseMAC + i
	// Sources, when valid, gives phone i the address Sources.Addr()+1+i
	// (a call manager limits connections per source address, as it
	// should: real phones each have their own). 127.1.0.0/16 on loopback.
	Sources netip.Prefix
	// Phone is the template of every phone: Server, Secure, ServerCerts,
	// Codecs, Protocol... MAC and Certificate are set per phone.
	Phone phone.Config
	// CA issues (and caches) the MICs of secure phones.
	CA *mic.CA
	// Seed makes the choice of dropped phones repeatable.
	Seed uint64
	// Progress, when set, receives a line per tenth of the run.
	Progress io.Writer
	// Concurrency, when above zero, bounds how many phones are between
	// their first packet and RegisterAck (or failure) at once: a closed
	// loop that measures the server's rate rather than the offered one.
	Concurrency int
	// HandshakeOnly makes each phone stop after its TLS handshake (with
	// its MIC) and close: the same client load against any TLS server,
	// such as openssl s_server, to compare handshake rates.
	HandshakeOnly bool
}

// Summary is the outcome of a run. Latencies are milliseconds from the
// start of the connection to RegisterAck.
type Summary struct {
	Phones              int                `json:"phones"`
	HandshakeOnly       bool               `json:"handshake_only,omitempty"`
	Registered          int                `json:"registered"`
	Rejected            int                `json:"rejected"`
	Failed              int                `json:"failed"`
	Dropped             int                `json:"dropped"` // deliberately, -drop
	DroppedHandshake    int                `json:"dropped_handshake"`
	DroppedRegistration int                `json:"dropped_registration"`
	Lost                int                `json:"lost"` // registered, then lost the connection while holding
	ElapsedSec          float64            `json:"registration_elapsed_s"`
	PerSecond           float64            `json:"registrations_per_s"`
	P50, P90, P99, Max  float64            `json:"-"`
	Latency             map[string]float64 `json:"latency_ms"`
	Errors              map[string]int     `json:"errors,omitempty"`
	CertSetupSec        float64            `json:"cert_setup_s"`
}

// String prints the summary as scripts/bench-sccp reads it.
func (s Summary) String() string {
	var b strings.Builder
	if s.HandshakeOnly {
		fmt.Fprintf(&b, "phones %d handshakes %d failed %d\n", s.Phones, s.Registered, s.Failed)
		fmt.Fprintf(&b, "handshakes/s %.1f over %.2f s\n", s.PerSecond, s.ElapsedSec)
		fmt.Fprintf(&b, "latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n", s.P50, s.P90, s.P99, s.Max)
		s.writeErrors(&b)
		return b.String()
	}
	fmt.Fprintf(&b, "phones %d registered %d rejected %d failed %d dropped %d (handshake %d, registration %d) lost %d\n",
		s.Phones, s.Registered, s.Rejected, s.Failed, s.Dropped, s.DroppedHandshake, s.DroppedRegistration, s.Lost)
	fmt.Fprintf(&b, "registrations/s %.1f over %.2f s\n", s.PerSecond, s.ElapsedSec)
	fmt.Fprintf(&b, "latency ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n", s.P50, s.P90, s.P99, s.Max)
	s.writeErrors(&b)
	return b.String()
}

func (s Summary) writeErrors(b *strings.Builder) {
	keys := make([]string, 0, len(s.Errors))
	for k := range s.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "error x%d: %s\n", s.Errors[k], k)
	}
}

// MAC returns base + i as 12 hex digits.
func MAC(base string, i int) (string, error) {
	b, err := hex.DecodeString(strings.NewReplacer(".", "", ":", "", "-", "").Replace(base))
	if err != nil || len(b) != 6 {
		return "", fmt.Errorf("load: base MAC %q is not 12 hex digits", base)
	}
	var n uint64
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	n += uint64(i)
	if n >= 1<<48 {
		return "", errors.New("load: MAC range overflows")
	}
	return fmt.Sprintf("%012X", n), nil
}

type outcome struct {
	kind    string // registered, rejected, failed, drop-handshake, drop-registration
	latency time.Duration
	at      time.Time // RegisterAck time
	err     string
	lost    bool
}

// Run performs the load run and returns its summary.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Phones <= 0 {
		return Summary{}, errors.New("load: no phones")
	}
	if cfg.HandshakeOnly && (!cfg.Phone.Secure || cfg.Drop != 0) {
		return Summary{}, errors.New("load: handshake-only needs TLS phones and no drops")
	}
	if cfg.BaseMAC == "" {
		cfg.BaseMAC = "0200000A0000"
	}
	addrs := make([]netip.Addr, cfg.Phones)
	if cfg.Sources.IsValid() {
		a := cfg.Sources.Masked().Addr()
		for i := range addrs {
			a = a.Next()
			if !cfg.Sources.Contains(a) {
				return Summary{}, fmt.Errorf("load: %d phones do not fit in %s", cfg.Phones, cfg.Sources)
			}
			addrs[i] = a
		}
	}
	macs := make([]string, cfg.Phones)
	for i := range macs {
		m, err := MAC(cfg.BaseMAC, i)
		if err != nil {
			return Summary{}, err
		}
		macs[i] = m
	}
	model := cfg.Phone.Model
	if model == "" {
		model = "7970"
	}
	// Certificates first, outside the timed part (the first run of a CA
	// directory generates the keys; later runs read them back).
	certStart := time.Now()
	certs := make([]*tls.Certificate, cfg.Phones)
	if cfg.Phone.Secure && cfg.Phone.Certificate == nil {
		if cfg.CA == nil {
			return Summary{}, errors.New("load: TLS phones need a MIC CA (-mic-ca)")
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		sem := make(chan struct{}, 4)
		for i := range macs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				c, err := cfg.CA.Issue(model, macs[i])
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				certs[i] = &c
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return Summary{}, firstErr
		}
	}
	sum := Summary{Phones: cfg.Phones, HandshakeOnly: cfg.HandshakeOnly, CertSetupSec: time.Since(certStart).Seconds(), Errors: map[string]int{}}

	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	drop := make([]int, cfg.Phones) // 0 none, 1 handshake, 2 registration
	for i := range drop {
		if rng.Float64() < cfg.Drop {
			drop[i] = 1 + rng.IntN(2)
		}
	}
	results := make([]outcome, cfg.Phones)
	var wg sync.WaitGroup
	start := time.Now()
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	tenth := max(1, cfg.Phones/10)
	var slots chan struct{}
	if cfg.Concurrency > 0 {
		slots = make(chan struct{}, cfg.Concurrency)
	}
	for i := range macs {
		if interval > 0 {
			next := start.Add(time.Duration(i) * interval)
			if d := time.Until(next); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			results[i] = outcome{kind: "failed", err: ctx.Err().Error()}
			continue
		}
		if cfg.Progress != nil && i > 0 && i%tenth == 0 {
			fmt.Fprintf(cfg.Progress, "started %d/%d after %.1f s\n", i, cfg.Phones, time.Since(start).Seconds())
		}
		pc := cfg.Phone
		pc.MAC = macs[i]
		if certs[i] != nil {
			pc.Certificate = certs[i]
		}
		if pc.MaxMessages == 0 {
			pc.MaxMessages = 64
		}
		pc.NoMedia = true
		pc.LocalAddr = addrs[i]
		wg.Add(1)
		var once sync.Once
		release := func() {
			if slots != nil {
				once.Do(func() { <-slots })
			}
		}
		go func() {
			defer wg.Done()
			defer release()
			if cfg.HandshakeOnly {
				results[i] = handshakeOne(ctx, pc, i == 0) // the first phone checks the server accepts the MICs
				return
			}
			results[i] = one(ctx, pc, drop[i], cfg.Hold, release)
		}()
	}
	wg.Wait()
	var lat []float64
	var last time.Time
	for _, r := range results {
		switch r.kind {
		case "registered":
			sum.Registered++
			lat = append(lat, float64(r.latency.Microseconds())/1000)
			if r.at.After(last) {
				last = r.at
			}
			if r.lost {
				sum.Lost++
				sum.Errors[r.err]++
			}
		case "rejected":
			sum.Rejected++
			sum.Errors[r.err]++
		case "drop-handshake":
			sum.Dropped++
			sum.DroppedHandshake++
		case "drop-registration":
			sum.Dropped++
			sum.DroppedRegistration++
		default:
			sum.Failed++
			sum.Errors[r.err]++
		}
	}
	if sum.Registered > 0 {
		sum.ElapsedSec = last.Sub(start).Seconds()
		if sum.ElapsedSec > 0 {
			sum.PerSecond = float64(sum.Registered) / sum.ElapsedSec
		}
		sort.Float64s(lat)
		pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		sum.P50, sum.P90, sum.P99, sum.Max = pct(0.50), pct(0.90), pct(0.99), lat[len(lat)-1]
		sum.Latency = map[string]float64{"p50": sum.P50, "p90": sum.P90, "p99": sum.P99, "max": sum.Max}
	}
	return sum, nil
}

// one runs one phone of the load.
// release is called once the registration is over, before the hold.
func one(ctx context.Context, pc phone.Config, drop int, hold time.Duration, release func()) outcome {
	if drop != 0 {
		return dropOne(ctx, pc, drop)
	}
	p, err := phone.New(pc)
	if err != nil {
		return outcome{kind: "failed", err: err.Error()}
	}
	defer p.Close()
	t0 := time.Now()
	if err := p.Connect(ctx); err != nil {
		var rej *sccp.RejectError
		if errors.As(err, &rej) {
			return outcome{kind: "rejected", err: "RegisterReject: " + rej.Text}
		}
		return outcome{kind: "failed", err: shorten(err)}
	}
	o := outcome{kind: "registered", at: time.Now(), latency: time.Since(t0)}
	release()
	select {
	case <-time.After(hold):
	case <-ctx.Done():
	case <-p.Done():
		o.lost, o.err = true, shorten(p.Err())
	}
	return o
}

// handshakeOne completes a TLS handshake with the phone's MIC and
// closes; it counts as "registered" in the summary's figures. With
// verdict it then waits briefly for the server's word on the certificate.
func handshakeOne(ctx context.Context, pc phone.Config, verdict bool) outcome {
	d := net.Dialer{Timeout: 10 * time.Second}
	if pc.LocalAddr.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: pc.LocalAddr.AsSlice()}
	}
	t0 := time.Now()
	conn, err := d.DialContext(ctx, "tcp", pc.Server)
	if err != nil {
		return outcome{kind: "failed", err: shorten(err)}
	}
	defer conn.Close()
	tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*pc.Certificate}})
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return outcome{kind: "failed", err: shorten(err)}
	}
	o := outcome{kind: "registered", at: time.Now(), latency: time.Since(t0)}
	if !verdict {
		return o
	}
	// In TLS 1.3 the server checks the client's certificate after the
	// client's handshake is done: a read sees its alert if it refused
	// (tickets are consumed; nothing else comes).
	tc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var one [1]byte
	if _, err := tc.Read(one[:]); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, io.EOF) {
		return outcome{kind: "failed", err: shorten(err)}
	}
	return o
}

// dropOne connects and gives up half-way: 1, in the TLS handshake (after
// half of the ClientHello; on plain TCP, before sending anything); 2,
// in the middle of the Register message.
func dropOne(ctx context.Context, pc phone.Config, mode int) outcome {
	d := net.Dialer{Timeout: 10 * time.Second}
	if pc.LocalAddr.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: pc.LocalAddr.AsSlice()}
	}
	conn, err := d.DialContext(ctx, "tcp", pc.Server)
	if err != nil {
		return outcome{kind: "failed", err: shorten(err)}
	}
	defer conn.Close()
	kind := "drop-handshake"
	if mode == 1 {
		if pc.Secure {
			hc := &halfConn{Conn: conn}
			tc := tls.Client(hc, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) // never completes
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			tc.HandshakeContext(hctx)
			cancel()
		}
		return outcome{kind: kind}
	}
	kind = "drop-registration"
	c := conn
	if pc.Secure {
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*pc.Certificate}})
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return outcome{kind: "failed", err: shorten(err)}
		}
		c = tc
	}
	b, _ := hex.DecodeString(pc.MAC)
	reg := sccp.Register{DeviceName: "SEP" + pc.MAC, DeviceType: 30006, MaxStreams: 5, Protocol: 17, MAC: [6]byte(b)}
	f, _ := reg.Message().MarshalBinary()
	c.Write(f[:len(f)/2])
	time.Sleep(50 * time.Millisecond)
	return outcome{kind: kind}
}

// halfConn writes half of the first write (the ClientHello) and then
// closes the connection.
type halfConn struct {
	net.Conn
	done bool
}

func (h *halfConn) Write(b []byte) (int, error) {
	if h.done {
		return 0, net.ErrClosed
	}
	h.done = true
	h.Conn.Write(b[:len(b)/2])
	h.Conn.Close()
	return 0, net.ErrClosed
}

var addrPort = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+|\[[0-9a-fA-F:]+\]:\d+|SEP[0-9A-F]{12}`)

// shorten replaces the variable parts (addresses, ports, device names) of
// an error so identical failures count together.
func shorten(err error) string {
	if err == nil {
		return ""
	}
	return addrPort.ReplaceAllString(err.Error(), "…")
}
