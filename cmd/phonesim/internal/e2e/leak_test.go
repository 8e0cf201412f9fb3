package e2e

import (
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/credentials"
	"cmeos/crypto/tvs"
	"cmeos/ios/httpd"
	"cmeos/telephony/ephone"
	"cmeos/telephony/tftpd"
)

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestAllServicesStopClean boots seed 004's secure box with every TCP/UDP
// service it configures running (HTTP with the CA's SCEP, TFTP and HTTP
// provisioning, SCCP on 2000 and TLS 2443 with four registered phones, the
// CTL provider on 2444 and the TVS on 2445), stops it, and finds the
// goroutines and file descriptors back at their baseline (issue 17 item 2).
// DHCP is left out: it binds UDP 67 on every interface of the host.
func TestAllServicesStopClean(t *testing.T) {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	g0, fd0 := runtime.NumGoroutine(), openFDs(t)
	t.Run("box", func(t *testing.T) {
		b := bootSecureCME(t,
			"credentials", " ip source-address 127.0.0.1 port 0", " trustpoint mytrustpoint1", " ctl-service admin cisco secret 0 cisco123", " exit",
			"tvs", " ip source-address 127.0.0.1 port 0", " trustpoint mytrustpoint1", " exit")
		sys := b.sys
		running := map[string]bool{
			"HTTP":         httpd.FromSystem(sys).Addr() != "",
			"TFTP":         tftpd.FromSystem(sys).Addr() != nil,
			"SCCP":         ephone.FromSystem(sys).SCCPAddr() != nil,
			"SCCP TLS":     ephone.FromSystem(sys).SecureSCCPAddr() != nil,
			"CTL provider": credentials.FromSystem(sys).Addr() != nil,
			"TVS":          tvs.FromSystem(sys).Addr() != nil,
		}
		for name, on := range running {
			if !on {
				t.Errorf("%s not running; log:\n%s", name, strings.Join(sys.Log.Entries(), "\n"))
			}
		}
		basicCall(t, b.phones[0], b.phones[2], "93621002")
	})
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Second)
	for (runtime.NumGoroutine() > g0 || openFDs(t) > fd0) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g, fd := runtime.NumGoroutine(), openFDs(t); g > g0 || fd > fd0 {
		buf := make([]byte, 1<<18)
		t.Fatalf("after stop: %d goroutines (before %d), %d descriptors (before %d)\n%s", g, g0, fd, fd0, buf[:runtime.Stack(buf, true)])
	}
}
