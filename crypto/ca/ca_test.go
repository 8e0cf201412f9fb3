package ca_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cmeos/crypto/ca"
	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/httpd"
	_ "cmeos/ios/system"
)

// answers feeds questions from a list.
type answers struct{ list []string }

func (a *answers) next() (string, error) {
	if len(a.list) == 0 {
		return "", io.EOF
	}
	s := a.list[0]
	a.list = a.list[1:]
	return s, nil
}
func (a *answers) Ask(string) (string, error)       { return a.next() }
func (a *answers) AskSecret(string) (string, error) { return a.next() }
func (a *answers) Confirm(string) (bool, error)     { s, err := a.next(); return s == "y" || s == "", err }

type rig struct {
	t    *testing.T
	dir  string
	sys  *config.System
	addr string
}

func newRig(t *testing.T, dir string) *rig {
	t.Helper()
	st, err := fs.New("flash",
		fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM},
	)
	if err != nil {
		t.Fatal(err)
	}
	sys := config.New(config.Options{FS: st})
	httpd.FromSystem(sys).SetListen("127.0.0.1", 0)
	r := &rig{t: t, dir: dir, sys: sys}
	t.Cleanup(func() { sys.Close(); st.Close() })
	return r
}

func (r *rig) boot() {
	var out bytes.Buffer
	r.sys.Boot(&out)
	if out.Len() > 0 {
		r.t.Logf("boot: %s", out.String())
	}
	r.addr = httpd.FromSystem(r.sys).Addr()
}

// run types lines in config mode; each line may be followed by answers
// after a "|" ("crypto pki enroll x|pw|pw|yes").
func (r *rig) run(lines ...string) string {
	r.t.Helper()
	var out bytes.Buffer
	in := &answers{}
	sess := r.sys.NewSession("test", cli.PrivMax, &out, in)
	sess.Enter(cli.ModeConfig, nil)
	for _, l := range lines {
		parts := strings.Split(l, "|")
		in.list = parts[1:]
		if strings.HasPrefix(parts[0], "EXEC ") {
			sess.End()
			sess.Execute(strings.TrimPrefix(parts[0], "EXEC "))
			sess.Enter(cli.ModeConfig, nil)
			continue
		}
		sess.Execute(parts[0])
	}
	sess.End()
	r.addr = httpd.FromSystem(r.sys).Addr()
	return out.String()
}

func (r *rig) cert(tp string) *x509.Certificate {
	r.sys.Lock()
	defer r.sys.Unlock()
	return pki.FromSystem(r.sys).Certificate(tp)
}

func (r *rig) caCert() *x509.Certificate {
	r.sys.Lock()
	defer r.sys.Unlock()
	return pki.FromSystem(r.sys).CACertificate("cme_root")
}

// setupCA enables cme_root (grant mode as given) with a pre-generated
// 1024-bit key, so that the test does not wait for a 2048-bit one.
func (r *rig) setupCA(grant string) {
	r.t.Helper()
	out := r.run("hostname cme", "ip domain-name example.com", "ip http server",
		"crypto key generate rsa label cme_root modulus 1024",
		"crypto pki server cme_root", "database level complete", "database url flash:", grantLine(grant),
		"no shutdown|Secret123|Secret123", "exit")
	if !strings.Contains(out, "% Certificate Server enabled.") {
		r.t.Fatalf("CA not enabled:\n%s", out)
	}
	if r.addr == "" {
		r.t.Fatal("HTTP server not listening")
	}
}

func (r *rig) enrollTP(name, extra string) string {
	lines := []string{"crypto pki trustpoint " + name, "enrollment url http://" + r.addr, "revocation-check none",
		"rsakeypair " + name + " 1024", "serial-number none", "ip-address none"}
	if extra != "" {
		lines = append(lines, extra)
	}
	lines = append(lines, "exit", "crypto pki authenticate "+name+"|yes", "crypto pki enroll "+name+"|pw1|pw1|yes")
	return r.run(lines...)
}

func verifyOpenSSL(t *testing.T, ca, cert *x509.Certificate) {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("openssl missing (scripts/deps installs it)")
		}
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	caf, cf := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "c.pem")
	os.WriteFile(caf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o644)
	os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
	out, err := exec.Command(path, "verify", "-CAfile", caf, cf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
}

// TestSeedEnrollment is issue 5's done-when: a CA in the style of seed 004
// and trustpoints for every role enrolled through SCEP over real HTTP.
func TestSeedEnrollment(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, dir)
	r.boot()
	r.setupCA("auto")
	ca := r.caCert()
	roles := map[string]string{"cme_sast1": "", "cme_sast2": "", "cme_tftp": "", "capf": "subject-name cn=CAPF-508A3754,o=Example"}
	for name, extra := range roles {
		out := r.enrollTP(name, extra)
		if !strings.Contains(out, "Trustpoint CA certificate accepted.") || !strings.Contains(out, "% Certificate request sent to Certificate Authority") {
			t.Fatalf("%s:\n%s", name, out)
		}
		c := r.cert(name)
		if c == nil {
			t.Fatalf("%s: no certificate after enroll:\n%s", name, out)
		}
		if err := c.CheckSignatureFrom(ca); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		verifyOpenSSL(t, ca, c)
		if c.SignatureAlgorithm != x509.SHA256WithRSA {
			t.Errorf("%s: signature %v", name, c.SignatureAlgorithm)
		}
		// Seed 002, table 1 (CSR key usage extensions): the CallManager,
		// TVS and tomcat rows for the server roles, the CAPF row (with
		// seed 000's CA:TRUE pathlen:0) for CAPF.
		type profile struct {
			CA, PathLenZero bool
			KU              x509.KeyUsage
			EKU             []x509.ExtKeyUsage
		}
		want := profile{KU: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
			EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
		if name == "capf" {
			want = profile{CA: true, PathLenZero: true, KU: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
				EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		}
		got := profile{c.IsCA, c.MaxPathLenZero && c.MaxPathLen == 0, c.KeyUsage, c.ExtKeyUsage}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s profile (-seed 002 +issued):\n%s", name, diff)
		}
	}
	show := r.run("do show crypto pki certificates cme_tftp", "do show crypto pki server", "do show crypto pki trustpoints status",
		"do show crypto pki server cme_root certificates")
	for _, want := range []string{"Status: Available", "Associated Trustpoints: cme_tftp", "Granting mode is: auto",
		"Last certificate issued serial number (hex): 5", "Database Level: Complete", "Certificate request(s) ..... Yes",
		"cn=CAPF-508A3754,o=Example"} {
		if !strings.Contains(show, want) {
			t.Errorf("show output lacks %q:\n%s", want, show)
		}
	}
	// Database files (level complete) and serial persistence.
	for _, f := range []string{"cme_root.ser", "cme_root.cnm", "2.cer", "5.cer"} {
		if _, err := os.Stat(filepath.Join(dir, "flash", f)); err != nil {
			t.Errorf("database file: %v", err)
		}
	}
	r.run("do write memory")
	r.sys.Close()

	// Restart: keys, chains and the CA come back; serials keep increasing
	// across shutdown/no shutdown.
	r2 := newRig(t, dir)
	r2.boot()
	if r2.cert("capf") == nil || r2.caCert() == nil {
		t.Fatal("certificates lost across restart")
	}
	out := r2.run("crypto pki server cme_root", "shutdown", "no shutdown", "exit")
	if !strings.Contains(out, "% Certificate Server enabled.") {
		t.Fatalf("re-enable:\n%s", out)
	}
	out = r2.enrollTP("extra", "")
	c := r2.cert("extra")
	if c == nil {
		t.Fatalf("enroll after restart:\n%s", out)
	}
	if c.SerialNumber.Int64() != 6 {
		t.Fatalf("serial after restart = %d, want 6", c.SerialNumber.Int64())
	}
}

func TestManualGrantAndRevoke(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("manual")
	out := r.enrollTP("cme_tftp", "")
	if r.cert("cme_tftp") != nil {
		t.Fatalf("granted while granting is manual:\n%s", out)
	}
	out = r.run("do show crypto pki trustpoints cme_tftp status", "EXEC crypto pki server cme_root info requests")
	if !strings.Contains(out, "Certificate request(s) ..... Pending") || !strings.Contains(out, "1      pending") {
		t.Fatalf("not pending:\n%s", out)
	}
	out = r.run("EXEC crypto pki server cme_root grant 7", "EXEC crypto pki server cme_root grant all")
	if !strings.Contains(out, "% Request 7 does not exist") {
		t.Fatalf("grant of unknown id:\n%s", out)
	}
	// The grant wakes the trustpoint's poller.
	deadline := time.Now().Add(20 * time.Second)
	for r.cert("cme_tftp") == nil {
		if time.Now().After(deadline) {
			t.Fatal("certificate not retrieved after grant all")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := r.cert("cme_tftp")
	out = r.run("EXEC crypto pki server cme_root revoke "+pki.SerialHex(c), "EXEC crypto pki server cme_root revoke "+pki.SerialHex(c),
		"EXEC crypto pki server cme_root revoke 7F", "EXEC crypto pki server cme_root info crl")
	if !strings.Contains(out, "Number of CRL entries: 1") || !strings.Contains(out, "already revoked") || !strings.Contains(out, "was not issued") {
		t.Fatalf("revoke:\n%s", out)
	}
	// GetCRL over HTTP returns a CRL signed by the CA listing the serial.
	resp, err := http.Get("http://" + r.addr + pki.SCEPPath + "?operation=GetCRL")
	if err != nil {
		t.Fatal(err)
	}
	der, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(r.caCert()); err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(c.SerialNumber) != 0 {
		t.Fatalf("CRL: %v %+v", err, crl.RevokedCertificateEntries)
	}
	// reject
	r.enrollTP("sast1", "")
	out = r.run("EXEC crypto pki server cme_root reject all", "EXEC crypto pki server cme_root info requests")
	if !strings.Contains(out, "rejected") {
		t.Fatalf("reject:\n%s", out)
	}
}

func TestRequestPKCS10Terminal(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("manual")
	k, _ := keys.NewMemoryStore().GenerateEC("x", 256)
	csr, _ := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{}, k.Signer)
	_ = csr
	der, err := x509.CreateCertificateRequest(randReader{}, &x509.CertificateRequest{DNSNames: []string{"x.example.com"}}, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	p := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	lines := strings.Split(strings.TrimSpace(p), "\n")
	out := r.run("EXEC crypto pki server cme_root request pkcs10 terminal pem|" + strings.Join(lines, "|") + "|quit")
	blk, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN"):]))
	if blk == nil {
		t.Fatalf("no certificate:\n%s", out)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || c.CheckSignatureFrom(r.caCert()) != nil {
		t.Fatalf("issued certificate: %v", err)
	}
	// Garbage and a CSR with a broken signature are refused; the serial does not move.
	bad := append([]byte(nil), der...)
	bad[len(bad)-3] ^= 0xff
	pb := strings.Split(strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: bad}))), "\n")
	out = r.run("EXEC crypto pki server cme_root request pkcs10 terminal|garbage|quit",
		"EXEC crypto pki server cme_root request pkcs10 terminal pem|"+strings.Join(pb, "|")+"|quit",
		"do show crypto pki server")
	if strings.Count(out, "% Invalid PKCS10 request") != 2 || !strings.Contains(out, "serial number (hex): 2\n") {
		t.Fatalf("bad CSRs:\n%s", out)
	}
}

func TestBadSCEPMessages(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("auto")
	base := "http://" + r.addr + pki.SCEPPath
	for _, body := range [][]byte{nil, []byte("garbage"), bytes.Repeat([]byte{0x30}, 100)} {
		resp, err := http.Post(base+"?operation=PKIOperation", "application/x-pki-message", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("garbage PKIOperation: %s", resp.Status)
		}
	}
	resp, err := http.Get(base + "?operation=GetCACaps")
	if err != nil {
		t.Fatal(err)
	}
	caps, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(caps), "POSTPKIOperation") {
		t.Fatalf("caps %q", caps)
	}
	// A request encrypted to another CA fails with badMessageCheck but the server goes on.
	other, _ := keys.NewMemoryStore().GenerateRSA("o", 1024, false)
	otherCA, _ := ca.NewCACertificate(other.Signer, r.caCert().Subject, time.Now(), 30, "")
	tk, _ := keys.NewMemoryStore().GenerateRSA("t", 1024, false)
	csr, _ := x509.CreateCertificateRequest(randReader{}, &x509.CertificateRequest{}, tk.Signer)
	res, err := pki.SCEPEnroll(context.Background(), "http://"+r.addr, otherCA, csr, tk.Signer)
	if err == nil && res.Status != "2" {
		t.Fatalf("request for another CA: %+v", res)
	}
	if _, err := pki.FetchCACert(context.Background(), "http://"+r.addr); err != nil {
		t.Fatalf("server died: %v", err)
	}
}

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return cryptoRand(p) }

// grantLine is the cs-server grant command of a mode: "auto", "none", or
// "manual" (the default: no grant command).
func grantLine(mode string) string {
	if mode == "manual" {
		return "no grant"
	}
	return "grant " + mode
}
