package e2e

import (
	"bytes"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmeos/cmd/phonesim/internal/capf"
	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/cmd/phonesim/internal/trust"
	boxcapf "cmeos/crypto/capf"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/ephone"
	"cmeos/telephony/tftpd"
)

// TestCAPFThenTLS is issue 12's end-to-end test: seed 004's secure
// configuration on the box (its own CA issuing LSCs through
// cert-enroll-trustpoint, the CAPF server, secure signaling on 2443), a
// phonesim phone in authenticated mode whose ephone has
// `cert-oper upgrade auth-mode auth-string` gets an LSC through CAPF with
// the authentication string the user keys in; the LSC verifies against the
// CA with the §4.9 profile; the phone then registers on 2443 with it and
// places a call to a second phone that got its LSC by null-string; an
// encrypted phone decrypts its .enc.sgn with the LSC it just received.
func TestCAPFThenTLS(t *testing.T) {
	sys := config.New(config.Options{FS: configtest.NewStore(t)})
	t.Cleanup(func() { sys.Close() })
	ephone.FromSystem(sys).SetListenPorts(0, 0)
	boxcapf.FromSystem(sys).SetListenPort(0)
	var boot bytes.Buffer
	if n := sys.Load("tftp-server port 0 source-address 127.0.0.1\n", &boot); n != 0 {
		t.Fatal(boot.String())
	}
	sys.Start()
	out := seedConsole(sys, "hostname cme", "ip domain-name example.com",
		"crypto key generate rsa label cme_root modulus 1024",
		"crypto pki server cme_root", " database url nvram:", " grant auto", " no shutdown|Secret123|Secret123", " exit",
		"crypto pki trustpoint cmeserver", " enrollment selfsigned", " rsakeypair cmeserver 1024", " exit",
		"crypto pki enroll cmeserver|no|yes",
		"capf-server", " port 3804", " auth-mode null-string", " cert-enroll-trustpoint cme_root password 0 x8oWiet",
		" trustpoint-label cmeserver", " source-addr 127.0.0.1", " exit",
		"telephony-service", " ip source-address 127.0.0.1 port 2000", " max-ephones 4", " max-dn 4",
		" secure-signaling trustpoint cmeserver", " tftp-server-credentials trustpoint cmeserver", " load 7970 SCCP70.9-4-2SR3-1S",
		" create cnf-files", " no auto-reg-ephone", " exit",
		"ephone-dn 1", " number 1001", " exit", "ephone-dn 2", " number 1002", " exit",
		"ephone 1", " mac-address 0012.4302.A7CC", " type 7970", " device-security-mode authenticated",
		" capf-auth-str 2734", " cert-oper upgrade auth-mode auth-string", " button 1:1", " exit",
		"ephone 2", " mac-address 0012.4302.A7CD", " type 7970", " device-security-mode authenticated",
		" cert-oper upgrade auth-mode null-string", " button 1:2", " exit",
		"ephone 3", " mac-address 0012.4302.A7CE", " type 7970", " device-security-mode encrypted", " capf-ip-in-cnf",
		" cert-oper upgrade auth-mode null-string", " exit")
	for _, bad := range []string{"% Invalid", "% Incomplete", "% Error", "% Ambiguous"} {
		if strings.Contains(out, bad) {
			t.Fatalf("configuration:\n%s", out)
		}
	}
	f := boxcapf.FromSystem(sys)
	if f.Addr() == nil {
		t.Fatalf("CAPF not listening:\n%s", strings.Join(sys.Log.Entries(), "\n"))
	}
	capfAddr := f.Addr().String()
	sys.Lock()
	caCert := f.Issuer()
	capfCert := pki.FromSystem(sys).Certificate("cmeserver")
	secure := ephone.FromSystem(sys).SecureSCCPAddr()
	sys.Unlock()
	if secure == nil || caCert == nil {
		t.Fatal("no 2443 listener or no CA certificate")
	}
	// The phone trusts CAPF by its certificate (the CTL's CAPF record).
	roots := x509.NewCertPool()
	roots.AddCert(capfCert)

	// A wrong string first: no certificate, the failure counted.
	wrong := &capf.Client{Device: "SEP00124302A7CC", AuthString: "1111", Roots: roots}
	res, err := wrong.Run(t.Context(), capfAddr)
	if err != nil || res.Reason != 7 || res.LSC != nil || res.Status() != "LSC: Failed" {
		t.Fatalf("wrong auth string: %+v, %v", res, err)
	}
	lscs := map[string]*tls.Certificate{}
	for _, c := range []*capf.Client{
		{Device: "SEP00124302A7CC", AuthString: "2734", Roots: roots},
		{Device: "SEP00124302A7CD", Roots: roots},
		{Device: "SEP00124302A7CE", Roots: roots},
	} {
		res, err := c.Run(t.Context(), capfAddr)
		if err != nil || res.Reason != 1 || res.LSC == nil || res.Status() != "Installed" {
			t.Fatalf("%s: %+v, %v", c.Device, res, err)
		}
		checkLSCProfile(t, res.LSC, caCert, c.Device)
		if _, err := res.Save(t.TempDir(), c.Device); err != nil {
			t.Fatal(err)
		}
		lscs[c.Device] = &tls.Certificate{Certificate: [][]byte{res.LSC.Raw}, PrivateKey: res.Key, Leaf: res.LSC}
	}
	// The encrypted phone decrypts its configuration with the new LSC: the
	// box wraps the file's key for the LSC as soon as CAPF recorded it.
	tftpAddr := tftpd.FromSystem(sys).Addr().String()
	enc, err := trust.Fetch(tftpAddr, "SEP00124302A7CE.cnf.xml.enc.sgn")
	if err != nil {
		t.Fatalf("no encrypted configuration after the LSC install: %v", err)
	}
	// (The signature of .enc.sgn is checked by cmd/cmeos's enccnf test;
	// the simulator's trust package does not read the encryption tags.)
	plain, err := capf.DecryptConfig(enc, lscs["SEP00124302A7CE"].PrivateKey.(*rsa.PrivateKey))
	if err != nil {
		t.Fatalf("decrypting with the LSC: %v", err)
	}
	if !bytes.Contains(plain, []byte("<deviceSecurityMode>3</deviceSecurityMode>")) {
		t.Errorf("decrypted configuration:\n%s", plain)
	}
	show := configtest.Exec(sys, "show capf-server cert-oper")
	for _, want := range []string{"00124302A7CC  upgrade    auth-string  Installed      Upgrade Success",
		"00124302A7CD  upgrade    null-string  Installed      Upgrade Success", "1 wrong auth strings"} {
		if !strings.Contains(show, want) {
			t.Errorf("show capf-server cert-oper lacks %q:\n%s", want, show)
		}
	}

	// Both phones register on 2443 with their new LSCs; A calls B.
	var phones []*phone.Phone
	for _, mac := range []string{"00124302A7CC", "00124302A7CD"} {
		p, err := phone.New(phone.Config{MAC: mac, Server: secure.String(), Secure: true, Certificate: lscs["SEP"+mac],
			ServerCerts: []*x509.Certificate{capfCert}, NoMedia: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Connect(t.Context()); err != nil {
			t.Fatalf("SEP%s on 2443: %v", mac, err)
		}
		t.Cleanup(func() { p.Close() })
		if err := p.Wait(t.Context(), phone.Registered, 10*time.Second); err != nil {
			t.Fatalf("SEP%s: %v", mac, err)
		}
		phones = append(phones, p)
	}
	reg := configtest.Exec(sys, "show ephone registered")
	if strings.Count(reg, "+ Authentication with TLS connection") != 2 {
		t.Errorf("show ephone registered:\n%s", reg)
	}
	a, b := phones[0], phones[1]
	if err := a.OffHook(); err != nil {
		t.Fatal(err)
	}
	if err := a.Dial("1002"); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(t.Context(), phone.Ringing, 10*time.Second); err != nil {
		t.Fatalf("B does not ring: %v", err)
	}
	if err := b.Answer(); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(t.Context(), phone.Connected, 10*time.Second); err != nil {
		t.Fatalf("call not connected: %v", err)
	}

	// Done is done: the phone is told there is nothing to do, until the
	// administrator enters cert-oper again.
	again := &capf.Client{Device: "SEP00124302A7CD", Roots: roots}
	if res, err := again.Run(t.Context(), capfAddr); err != nil || res.Reason != 0 || res.LSC != nil {
		t.Fatalf("after the install: %+v, %v", res, err)
	}
	seedConsole(sys, "ephone 2", " cert-oper upgrade auth-mode null-string", " exit")
	if res, err := again.Run(t.Context(), capfAddr); err != nil || res.Reason != 1 || res.LSC == nil {
		t.Fatalf("cert-oper entered again: %+v, %v", res, err)
	}

	// Upgrade by the existing LSC, then by MICs (RSA and ECDSA) from the
	// simulator's manufacturing CAs imported as trustpoints: the phone's
	// signatures (raw RSA type-1 padding, ECDSA) made by the simulator and
	// checked by the box.
	seedConsole(sys, "ephone 2", " cert-oper upgrade auth-mode LSC", " exit")
	byLSC := &capf.Client{Device: "SEP00124302A7CD", Roots: roots, Credential: lscs["SEP00124302A7CD"], CredentialType: capf.CertLSC}
	if res, err := byLSC.Run(t.Context(), capfAddr); err != nil || res.Reason != 1 || res.LSC == nil {
		t.Fatalf("upgrade by LSC: %+v, %v", res, err)
	}
	for i, kt := range []string{mic.RSA2048, mic.ECDSA} {
		ca, err := mic.Load(t.TempDir(), kt)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := ca.Issue("7970", "00124302A7CD")
		if err != nil {
			t.Fatal(err)
		}
		c := &capf.Client{Device: "SEP00124302A7CD", Roots: roots, Credential: &pair, CredentialType: capf.CertMIC}
		seedConsole(sys, "ephone 2", " cert-oper upgrade auth-mode MIC", " exit")
		if res, err := c.Run(t.Context(), capfAddr); err != nil || res.Reason != 7 || res.LSC != nil {
			t.Fatalf("%s MIC before its root is imported: %+v, %v", kt, res, err)
		}
		tp := fmt.Sprintf("mic%d", i)
		caPEM := strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})))
		seedConsole(sys, "crypto pki trustpoint "+tp, " enrollment terminal", " revocation-check none", " exit",
			"crypto pki authenticate "+tp+"|"+strings.Join(strings.Split(caPEM, "\n"), "|")+"||yes",
			"ephone 2", " cert-oper upgrade auth-mode MIC", " exit")
		if res, err := c.Run(t.Context(), capfAddr); err != nil || res.Reason != 1 || res.LSC == nil {
			t.Fatalf("%s MIC: %+v, %v\n%s", kt, res, err, configtest.Exec(sys, "show logging"))
		}
	}
}

// checkLSCProfile checks an LSC against the CA and the §4.9 profile with
// the simulator's own eyes.
func checkLSCProfile(t *testing.T, lsc, ca *x509.Certificate, device string) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := lsc.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("%s: LSC does not verify against the CA: %v", device, err)
	}
	if lsc.Subject.CommonName != device || len(lsc.URIs) != 1 || lsc.URIs[0].String() != device {
		t.Errorf("%s: subject %v, URIs %v", device, lsc.Subject, lsc.URIs)
	}
	eku := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageIPSECEndSystem}
	if lsc.IsCA || lsc.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment || !slices.Equal(lsc.ExtKeyUsage, eku) {
		t.Errorf("%s: CA %v, KU %b, EKU %v", device, lsc.IsCA, lsc.KeyUsage, lsc.ExtKeyUsage)
	}
	if lsc.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("%s: signed with %v", device, lsc.SignatureAlgorithm)
	}
}

// TestCAPFPhoneRetries is seed 000's phone behaviour against the box: a
// phone whose CAPF server is down retries three more times at a fixed
// interval and gets its LSC once the server is back within them; with the
// server down throughout it gives up after four attempts.
func TestCAPFPhoneRetries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	sys := config.New(config.Options{FS: configtest.NewStore(t)})
	t.Cleanup(func() { sys.Close() })
	boxcapf.FromSystem(sys).SetListenPort(port)
	sys.Start()
	out := seedConsole(sys, "hostname cme", "ip domain-name example.com",
		"crypto key generate rsa label cme_root modulus 1024",
		"crypto pki server cme_root", " database url nvram:", " grant auto", " no shutdown|Secret123|Secret123", " exit",
		"crypto pki trustpoint cmeserver", " enrollment selfsigned", " rsakeypair cmeserver 1024", " exit",
		"crypto pki enroll cmeserver|no|yes",
		"telephony-service", " max-ephones 2", " exit",
		"ephone 1", " mac-address 0012.4302.A7CC", " type 7970", " cert-oper upgrade auth-mode null-string", " exit",
		"capf-server", " cert-enroll-trustpoint cme_root password 0 x8oWiet", " trustpoint-label cmeserver",
		" source-addr 127.0.0.1", " shutdown", " exit")
	if strings.Contains(out, "% Invalid") || strings.Contains(out, "% Incomplete") {
		t.Fatalf("configuration:\n%s", out)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := &capf.Client{Device: "SEP00124302A7CC", RetryInterval: 300 * time.Millisecond, Timeout: 10 * time.Second}
	start := time.Now()
	if res, n, err := c.RunWithRetry(t.Context(), addr); err == nil || n != 4 || res != nil {
		t.Fatalf("server down: %d attempts, %v", n, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("gave up after %v, before three intervals", d)
	}
	time.AfterFunc(450*time.Millisecond, func() { seedConsole(sys, "capf-server", " no shutdown", " exit") })
	res, n, err := c.RunWithRetry(t.Context(), addr)
	if err != nil || res.LSC == nil || n < 2 || n > 4 {
		t.Fatalf("server back: %+v after %d attempts, %v", res, n, err)
	}
}
