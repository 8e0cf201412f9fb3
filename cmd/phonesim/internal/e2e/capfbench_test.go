package e2e

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"cmeos/cmd/phonesim/internal/capf"
	boxcapf "cmeos/crypto/capf"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
)

// capfBenchPhones is how many ephones the benchmark box has; the phones
// take turns, each session followed by a reschedule of its device.
const capfBenchPhones = 64

// BenchmarkCAPFInstall measures whole LSC installs per second against
// the box in-process: TLS handshake with the CAPF certificate, the
// dialogue, issuance by the box's CA (RSA 2048, SHA-256) and the atomic
// nvram record, with phonesim clients playing the phones in parallel.
// The phones' keys come from a pool (a real phone generates its key on
// its own CPU). scripts/bench-capf runs it beside `openssl speed`.
func BenchmarkCAPFInstall(b *testing.B) {
	sys := config.New(config.Options{FS: configtest.NewStore(b)})
	b.Cleanup(func() { sys.Close() })
	boxcapf.FromSystem(sys).SetListenPort(0)
	sys.Start()
	var cfg strings.Builder
	cfg.WriteString("telephony-service\n max-ephones 100\n no auto-reg-ephone\n")
	for i := range capfBenchPhones {
		fmt.Fprintf(&cfg, "ephone %d\n mac-address 0012.4303.%04X\n type 7970\n", i+1, i)
	}
	var boot bytes.Buffer
	if n := sys.Load(cfg.String(), &boot); n != 0 {
		b.Fatal(boot.String())
	}
	out := seedConsole(sys, "hostname cme", "ip domain-name example.com",
		"crypto key generate rsa label cme_root modulus 2048",
		"crypto pki server cme_root", " database url nvram:", " database level minimum", " grant auto",
		" no shutdown|Secret123|Secret123", " exit",
		"crypto pki trustpoint cmeserver", " enrollment selfsigned", " rsakeypair cmeserver 2048", " exit",
		"crypto pki enroll cmeserver|no|yes",
		"capf-server", " auth-mode null-string", " cert-enroll-trustpoint cme_root password 0 x8oWiet",
		" trustpoint-label cmeserver", " source-addr 127.0.0.1", " cert-oper upgrade all", " exit")
	if strings.Contains(out, "% ") && !strings.Contains(out, "% Certificate Server enabled.") {
		b.Fatalf("configuration:\n%s", out)
	}
	f := boxcapf.FromSystem(sys)
	if f.Addr() == nil {
		b.Fatal("CAPF not listening")
	}
	addr := f.Addr().String()
	for _, kt := range []struct {
		name string
		cfg  []string
		key  func() (crypto.Signer, error)
	}{
		{"rsa1024", []string{" key-order rsa", " phone-key-size 1024"}, func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 1024) }},
		{"rsa2048", []string{" key-order rsa", " phone-key-size 2048"}, func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }},
		{"ecp256", []string{" key-order ec", " ec-key-size 256"}, func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }},
	} {
		seedConsole(sys, append([]string{"capf-server"}, append(kt.cfg, " exit")...)...)
		var pool []crypto.Signer
		for range 8 {
			k, err := kt.key()
			if err != nil {
				b.Fatal(err)
			}
			pool = append(pool, k)
		}
		b.Run(kt.name, func(b *testing.B) {
			var next, fails atomic.Int64
			var once sync.Once
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					dev := fmt.Sprintf("SEP00124303%04X", i%capfBenchPhones)
					// One source address per phone, as on a LAN (the
					// server allows few sessions per address).
					src := net.IPv4(127, 0, 1, byte(i%capfBenchPhones+1))
					c := &capf.Client{Device: dev, Source: src, Key: func(string, int) (crypto.Signer, error) { return pool[i%int64(len(pool))], nil }}
					res, err := c.Run(b.Context(), addr)
					if err != nil || res.LSC == nil {
						fails.Add(1)
						once.Do(func() { b.Logf("%s: %+v %v", dev, res, err) })
					}
					f.Reschedule(dev)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "installs/s")
			if n := fails.Load(); n > 0 {
				b.Errorf("%d of %d installs failed", n, b.N)
			}
		})
	}
}
