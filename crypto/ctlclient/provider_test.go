package ctlclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/credentials"
	"cmeos/crypto/ctl"
	"cmeos/crypto/ctlprovider"
	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/telephony/tftpd"
)

// providerRouter is router A of seed 004 E9: a CME router running the CTL
// provider on 127.0.0.1 at a free port, with admin cisco / cisco123 (the
// seed's type-1 value).
func providerRouter(t *testing.T, ca *testCA) (*config.System, *x509.Certificate, string) {
	t.Helper()
	sys := newSystem(t, "")
	cert := ca.trustpoint(t, sys, "ctlpv")
	out := configure(t, sys, "credentials",
		" ip source-address 127.0.0.1 port 0",
		" trustpoint ctlpv",
		" ctl-service admin cisco secret 1 094F471A1A0A464058",
		" end")
	if strings.Contains(out, "%") {
		t.Fatalf("credentials config: %s", out)
	}
	a := credentials.FromSystem(sys).Addr()
	if a == nil {
		t.Fatalf("CTL provider not running:\n%s", logged(sys))
	}
	port := strconv.Itoa(a.(*net.TCPAddr).Port)
	// `port 0` picks a free port; show credentials tells which (issue 15 item 12).
	mustContain(t, execCmd(t, sys, "show credentials"), "Credentials IP: 127.0.0.1\nCredentials PORT: "+port+"\nTrustpoint: ctlpv\n")
	return sys, cert, port
}

// TestBackgroundEventStartsProvider: a certificate installed by background
// work (the SCEP poller, auto-renewal, CA rollover: here a goroutine of the
// test) reaches the CTL provider, which starts without any console input
// (issue 17 item 1).
func TestBackgroundEventStartsProvider(t *testing.T) {
	ca := newCA(t, "iosca")
	sys := newSystem(t, "")
	configure(t, sys, "crypto pki trustpoint ctlpv", " enrollment terminal", " rsakeypair ctlpv", " revocation-check none", " exit",
		"credentials", " ip source-address 127.0.0.1 port 0", " trustpoint ctlpv", " ctl-service admin cisco secret 0 cisco123", " end")
	if a := credentials.FromSystem(sys).Addr(); a != nil {
		t.Fatalf("provider running without a certificate on %v", a)
	}
	cert, key := ca.issue(t, "ctlpv")
	go func() {
		if err := keys.FromSystem(sys).Put(&keys.Key{Label: "ctlpv", Signer: key}); err != nil {
			t.Error(err)
			return
		}
		sys.Lock()
		p := pki.FromSystem(sys)
		p.SetCertificate("ctlpv", ca.cert, true)
		p.SetCertificate("ctlpv", cert, false)
		sys.Unlock()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for credentials.FromSystem(sys).Addr() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("CTL provider did not start after a background certificate event:\n%s", logged(sys))
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustContain(t, logged(sys), "%CREDENTIALS-5-STARTED: CTL provider listening on 127.0.0.1:")
}

// TestRemoteCMEThroughProvider: router B's ctl-client fetches router A's
// certificate through A's credentials service over TLS and lists it in
// its CTL (issue 6 "done when").
func TestRemoteCMEThroughProvider(t *testing.T) {
	ca := newCA(t, "iosca")
	a, aCert, port := providerRouter(t, ca)

	b := newSystem(t, "")
	bCME := ca.trustpoint(t, b, "cmeserver")
	sast1 := ca.trustpoint(t, b, "sast1")
	ca.trustpoint(t, b, "sast2")
	out := configure(t, b, "ctl-client",
		" server cme 10.1.1.100 trustpoint cmeserver",
		" server cme 127.0.0.1 username cisco password 0 cisco123 port "+port,
		" sast1 trustpoint sast1",
		" sast2 trustpoint sast2",
		" regenerate")
	if strings.Contains(out, "%") {
		t.Fatalf("regenerate: %s", out)
	}
	served, _ := tftpd.FromSystem(b).Generated("CTLFile.tlv")
	f, err := ctl.Verify(served, sast1)
	if err != nil {
		t.Fatal(err)
	}
	var roles []ctl.Role
	var remote, local bool
	for _, r := range f.Records {
		roles = append(roles, r.Role)
		remote = remote || (r.Role == ctl.RoleCCM && bytes.Equal(r.Certificate, aCert.Raw))
		local = local || (r.Role == ctl.RoleCCM && bytes.Equal(r.Certificate, bCME.Raw))
	}
	if !remote || !local || len(f.Records) != 4 {
		t.Fatalf("CTL roles %v: remote CME certificate %v, local %v", roles, remote, local)
	}
	mustContain(t, logged(a), "%CREDENTIALS-6-SENT: Credentials sent to CTL client 127.0.0.1")
	mustContain(t, execCmd(t, b, "show ctl-client"), "CME      127.0.0.1     CTL provider, user cisco\n")

	// Wrong admin password: regenerate fails, the CTL in service stays.
	out = configure(t, b, "ctl-client", " server cme 127.0.0.1 username cisco password 0 wrong port "+port, " regenerate")
	mustContain(t, out, "% Failed to get credentials from CTL provider 127.0.0.1: CTL provider rejected the admin user name or password")
	mustContain(t, logged(a), "%CREDENTIALS-4-AUTH_FAILED: CTL client 127.0.0.1 failed authentication")
	if now, _ := tftpd.FromSystem(b).Generated("CTLFile.tlv"); !bytes.Equal(now, served) {
		t.Fatal("a failed regenerate replaced the CTL")
	}
	// Nobody listening.
	out = configure(t, b, "ctl-client", " server cme 127.0.0.1 username cisco password 0 cisco123 port 1", " regenerate")
	mustContain(t, out, "% Failed to get credentials from CTL provider 127.0.0.1:")
}

// TestProviderRejectsBadClients: garbage, TLS without a client
// certificate, a client certificate from another CA, malformed requests;
// the provider keeps serving good clients afterwards.
func TestProviderRejectsBadClients(t *testing.T) {
	ca := newCA(t, "iosca")
	a, _, port := providerRouter(t, ca)
	addr := "127.0.0.1:" + port
	clientCert, clientKey := ca.issue(t, "client")
	good := ctlprovider.ClientTLS(clientCert, clientKey, []*x509.Certificate{ca.cert}, clock)
	ctx := t.Context()

	// Plain garbage on 2444.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET / HTTP/1.0\r\n\r\n\x00\xff garbage"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	c.Read(buf)
	c.Close()

	// TLS without a client certificate.
	nocert := &tls.Config{InsecureSkipVerify: true}
	if _, err := ctlprovider.Fetch(ctx, addr, "cisco", "cisco123", nocert); err == nil {
		t.Error("provider answered a TLS client without a certificate")
	}
	// A client certificate from another CA.
	other := newCA(t, "evil")
	oc, ok := other.issue(t, "intruder")
	if _, err := ctlprovider.Fetch(ctx, addr, "cisco", "cisco123", ctlprovider.ClientTLS(oc, ok, []*x509.Certificate{ca.cert}, clock)); err == nil {
		t.Error("provider accepted a client certificate from an unknown CA")
	}
	// The client refuses a provider its roots do not vouch for.
	if _, err := ctlprovider.Fetch(ctx, addr, "cisco", "cisco123", ctlprovider.ClientTLS(clientCert, clientKey, []*x509.Certificate{other.cert}, clock)); err == nil {
		t.Error("client accepted a provider certificate from an unknown CA")
	}
	// Malformed requests inside TLS.
	for _, req := range [][]byte{
		[]byte("CTLP\x01\x01\x00\x00\x00\x05\x01\x00\x09ab"),           // element longer than the frame
		[]byte("CTLP\x01\x01\xff\xff\xff\xff"),                         // oversized frame
		[]byte("CTLX\x01\x01\x00\x00\x00\x00"),                         // bad magic
		[]byte("CTLP\x01\x01\x00\x00\x00\x06\x01\x00\x00\x01\x00\x00"), // duplicate user, no password
	} {
		tc, err := tls.Dial("tcp", addr, good)
		if err != nil {
			t.Fatal(err)
		}
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		tc.Write(req)
		var resp bytes.Buffer
		resp.ReadFrom(tc)
		tc.Close()
		body := resp.Bytes()
		if len(body) < 14 || body[13] != ctlprovider.StatusBadRequest {
			t.Errorf("request %q: response %x, want status BadRequest", req, body)
		}
	}
	// Still serving.
	creds, err := ctlprovider.Fetch(ctx, addr, "cisco", "cisco123", good)
	if err != nil || len(creds) != 1 || creds[0].Role != ctl.RoleCCM {
		t.Fatalf("good client after bad ones: %v %v", creds, err)
	}
	mustContain(t, logged(a), "%CREDENTIALS-4-TLS_FAILED")

	// no credentials stops the service.
	configure(t, a, "no credentials")
	if credentials.FromSystem(a).Addr() != nil {
		t.Error("provider still listening after no credentials")
	}
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := ctlprovider.Fetch(ctx2, addr, "cisco", "cisco123", good); err == nil {
		t.Error("provider answered after no credentials")
	}
}

// TestProviderWithOpenSSL talks to the provider with openssl s_client, a
// TLS client nobody here wrote: with a client certificate from the common
// CA the documented request gets the provider's certificate; without one
// the handshake is refused.
func TestProviderWithOpenSSL(t *testing.T) {
	if _, err := osexec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not installed (scripts/deps)")
	}
	ca := newCA(t, "iosca")
	_, aCert, port := providerRouter(t, ca)
	cert, key := ca.issue(t, "client")
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	// docs/CTL-PROVIDER.md example request: cisco / cisco123.
	req := []byte("CTLP\x01\x01\x00\x00\x00\x13\x01\x00\x05cisco\x02\x00\x08cisco123")

	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		cmd := osexec.CommandContext(ctx, "openssl", append([]string{"s_client", "-connect", "127.0.0.1:" + port, "-quiet", "-ign_eof", "-cipher", "DEFAULT:@SECLEVEL=0"}, args...)...)
		cmd.Stdin = bytes.NewReader(req)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, _ := cmd.Output()
		t.Logf("openssl %v: stderr %s", args, stderr.String())
		return out
	}
	out := run("-cert", certPath, "-key", keyPath)
	if len(out) < 14 || string(out[:4]) != "CTLP" || out[5] != ctlprovider.TypeResponse || out[13] != ctlprovider.StatusOK || !bytes.Contains(out, aCert.Raw) {
		t.Fatalf("openssl with a client certificate got %q", out)
	}
	if out := run(); bytes.Contains(out, []byte("CTLP")) {
		t.Fatalf("openssl without a client certificate got an answer: %q", out)
	}
}
