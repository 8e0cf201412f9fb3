package ctlclient_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cmeos/crypto/ctl"
	"cmeos/crypto/ctlclient"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

// secureRouter is the seed 004 E8 setup: one CA, trustpoints for the CME
// router (also CAPF and TFTP) and two SAST credentials.
type secureRouter struct {
	sys               *config.System
	ca                *testCA
	cme, sast1, sast2 *x509.Certificate
}

func newSecureRouter(t *testing.T) *secureRouter {
	t.Helper()
	r := &secureRouter{sys: newSystem(t, ""), ca: newCA(t, "iosca")}
	r.cme = r.ca.trustpoint(t, r.sys, "cmeserver")
	r.sast1 = r.ca.trustpoint(t, r.sys, "sast1")
	r.sast2 = r.ca.trustpoint(t, r.sys, "sast2")
	out := configure(t, r.sys, "ctl-client",
		" server capf 10.1.1.1 trustpoint cmeserver",
		" server cme 10.1.1.1 trustpoint cmeserver",
		" server tftp 10.1.1.1 trustpoint cmeserver",
		" sast1 trustpoint sast1",
		" sast2 trustpoint sast2",
		" regenerate")
	mustContain(t, out+logged(r.sys), "%CTL_CLIENT-5-GENERATED: CTLFile.tlv generated with 5 records, signed by SAST1 trustpoint sast1")
	return r
}

// files returns the CTL on TFTP and in flash:, which must be equal.
func (r *secureRouter) files(t *testing.T) []byte {
	t.Helper()
	served, ok := tftpd.FromSystem(r.sys).Generated("CTLFile.tlv")
	if !ok {
		t.Fatal("CTLFile.tlv is not on the TFTP server")
	}
	p, _ := r.sys.FS.Parse("flash:CTLFile.tlv")
	stored, err := r.sys.FS.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, stored) {
		t.Fatal("TFTP and flash: copies of CTLFile.tlv differ")
	}
	return served
}

type recordSummary struct {
	Role ctl.Role
	Cert []byte
}

func summary(f *ctl.File) []recordSummary {
	var out []recordSummary
	for _, r := range f.Records {
		out = append(out, recordSummary{r.Role, r.Certificate})
	}
	return out
}

func TestRegenerateBuildsSignedCTL(t *testing.T) {
	r := newSecureRouter(t)
	b := r.files(t)
	f, err := ctl.Verify(b, r.sast1)
	if err != nil {
		t.Fatalf("CTL does not verify with SAST1: %v", err)
	}
	want := []recordSummary{
		{ctl.RoleSAST, r.sast1.Raw}, {ctl.RoleSAST, r.sast2.Raw},
		{ctl.RoleCAPF, r.cme.Raw}, {ctl.RoleCCM, r.cme.Raw}, {ctl.RoleTFTP, r.cme.Raw},
	}
	if diff := cmp.Diff(want, summary(f)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if f.Header.Filename != "CTLFile.tlv" || f.Header.HashAlgorithm != ctl.HashSHA1 {
		t.Errorf("header: filename %q hash %v, want CTLFile.tlv SHA-1", f.Header.Filename, f.Header.HashAlgorithm)
	}
	if !bytes.Equal(f.Header.SerialNumber, r.sast1.SerialNumber.Bytes()) {
		t.Errorf("header serial %x, want SAST1's %x", f.Header.SerialNumber, r.sast1.SerialNumber.Bytes())
	}
	// Only SAST1 signs: trusting SAST2 alone must fail.
	if _, err := ctl.Verify(b, r.sast2); err == nil {
		t.Error("CTL verified with SAST2 as the only trusted certificate")
	}
}

// TestSignatureOpenSSL checks the SAST1 signature with openssl over the
// bytes protocols.md §2.4 says it covers.
func TestSignatureOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not installed (scripts/deps)")
	}
	r := newSecureRouter(t)
	data, sig := signedRegion(t, r.files(t))
	dir := t.TempDir()
	pub, err := x509.MarshalPKIXPublicKey(r.sast1.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubPath := write("sast1.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	sigPath := write("sig", sig)
	out, err := exec.Command("openssl", "dgst", "-sha1", "-verify", pubPath, "-signature", sigPath, write("data", data)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("openssl: %v: %s", err, out)
	}
	data[len(data)-1] ^= 1
	out, err = exec.Command("openssl", "dgst", "-sha1", "-verify", pubPath, "-signature", sigPath, write("data2", data)).CombinedOutput()
	if err == nil {
		t.Fatalf("openssl verified a tampered CTL: %s", out)
	}
}

func TestCertificateChangeRegenerates(t *testing.T) {
	r := newSecureRouter(t)
	before := r.files(t)
	cert, key := r.ca.issue(t, "cmeserver-renewed")
	setCredentials(t, r.sys, "cmeserver", r.ca.cert, cert, key)
	after := r.files(t)
	if bytes.Equal(before, after) {
		t.Fatal("CTL not regenerated after the CME certificate changed")
	}
	f, err := ctl.Verify(after, r.sast1)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range f.Records[2:] {
		if !bytes.Equal(rec.Certificate, cert.Raw) {
			t.Errorf("record %v still holds the old certificate", rec.Role)
		}
	}
	// An unrelated event (same certificates) leaves the file alone.
	setCredentials(t, r.sys, "other", r.ca.cert, cert, key)
	if !bytes.Equal(after, r.files(t)) {
		t.Error("CTL rewritten although no listed certificate changed")
	}
}

func TestBadRegenerateKeepsFile(t *testing.T) {
	r := newSecureRouter(t)
	before := r.files(t)
	for _, tc := range []struct{ lines, want string }{
		{" sast2 trustpoint sast1", "% SAST1 and SAST2 certificates must be different."},
		{" sast2 trustpoint missing", "% Trustpoint missing not found."},
		{" server capf 10.1.1.1 trustpoint missing", "% Trustpoint missing not found."},
		{" import certificate 3 x flash:none.pem", "%Error opening flash:/none.pem (No such file or directory)"},
	} {
		out := configure(t, r.sys, append([]string{"ctl-client"}, strings.Split(tc.lines, "\n")...)...)
		out += configure(t, r.sys, "ctl-client", " regenerate")
		mustContain(t, out, tc.want)
		if !bytes.Equal(before, r.files(t)) {
			t.Fatalf("%q: the CTL in service was replaced", tc.lines)
		}
		// Put the good configuration back.
		configure(t, r.sys, "ctl-client", " sast2 trustpoint sast2", " server capf 10.1.1.1 trustpoint cmeserver", " no import certificate 3")
	}
	// A trustpoint without a certificate.
	configure(t, r.sys, "crypto pki trustpoint empty", " enrollment terminal", " exit")
	out := configure(t, r.sys, "ctl-client", " sast2 trustpoint empty", " regenerate")
	mustContain(t, out, "% Trustpoint empty has no certificate; enroll it first.")
	// A garbage import file.
	p, _ := r.sys.FS.Parse("flash:junk.pem")
	r.sys.FS.WriteFile(p, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	out = configure(t, r.sys, "ctl-client", " sast2 trustpoint sast2", " import certificate 4 junk flash:junk.pem", " regenerate")
	mustContain(t, out, "% flash:junk.pem is not a certificate in PEM or DER format.")
	if !bytes.Equal(before, r.files(t)) {
		t.Fatal("the CTL in service was replaced")
	}
}

func TestBootReusesMatchingFile(t *testing.T) {
	root := t.TempDir()
	r := &secureRouter{sys: configtest.NewSystem(t, configtest.StoreAt(t, root), clock, ""), ca: newCA(t, "iosca")}
	r.cme = r.ca.trustpoint(t, r.sys, "cmeserver")
	r.sast1 = r.ca.trustpoint(t, r.sys, "sast1")
	r.sast2 = r.ca.trustpoint(t, r.sys, "sast2")
	configure(t, r.sys, "ctl-client", " server cme 10.1.1.1 trustpoint cmeserver", " sast1 trustpoint sast1", " sast2 trustpoint sast2", " regenerate", " end")
	before := r.files(t)
	execCmd(t, r.sys, "write memory")
	p, _ := r.sys.FS.Parse("nvram:startup-config")
	startup, err := r.sys.FS.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	r.sys.Close()

	// Reboot: the flash copy still matches, so it is served unchanged
	// (same timestamp: phones see no new CTL).
	later := testNow.Add(time.Hour)
	sys2 := configtest.NewSystem(t, configtest.StoreAt(t, root), func() time.Time { return later }, string(startup))
	got, ok := tftpd.FromSystem(sys2).Generated("CTLFile.tlv")
	if !ok || !bytes.Equal(got, before) {
		t.Fatal("the CTL in flash: was not put back in service unchanged")
	}
	if log := logged(sys2); strings.Contains(log, "GENERATED") {
		t.Errorf("CTL regenerated at boot although nothing changed:\n%s", log)
	}
	sys2.Close()

	// Reboot with one server line more: a new CTL is built at boot.
	sys3 := configtest.NewSystem(t, configtest.StoreAt(t, root), func() time.Time { return later }, strings.Replace(string(startup), "\nend", "\nctl-client\n server tftp 10.1.1.1 trustpoint cmeserver\nend", 1))
	got, _ = tftpd.FromSystem(sys3).Generated("CTLFile.tlv")
	f, err := ctl.Verify(got, r.sast1)
	if err != nil || len(f.Records) != 4 || !f.Header.Timestamp.Equal(later) {
		t.Fatalf("CTL at boot after a change: err %v, %d records, time %v", err, len(f.Records), f.Header.Timestamp)
	}
}

func TestShowCTLFile(t *testing.T) {
	r := newSecureRouter(t)
	out := execCmd(t, r.sys, "show ctl-file flash:CTLFile.tlv")
	mustContain(t, out, "Parse CTL File", "CTL Record #:5", "3 SUBJECTNAME", "9 CERTIFICATE", "The CTL file was verified successfully.")

	b := r.files(t)
	tampered := bytes.Clone(b)
	tampered[len(tampered)-10] ^= 0xff
	p, _ := r.sys.FS.Parse("flash:bad.tlv")
	r.sys.FS.WriteFile(p, tampered)
	mustContain(t, execCmd(t, r.sys, "show ctl-file flash:bad.tlv"), "The CTL file could not be verified")
	r.sys.FS.WriteFile(p, b[:len(b)/2])
	mustContain(t, execCmd(t, r.sys, "show ctl-file flash:bad.tlv"), "% flash:bad.tlv is not a valid CTL or ITL file")
	mustContain(t, execCmd(t, r.sys, "show ctl-file flash:nothere.tlv"), "%Error opening flash:/nothere.tlv (No such file or directory)")
}

func TestDumpCommand(t *testing.T) {
	r := newSecureRouter(t)
	b := r.files(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "CTLFile.tlv")
	os.WriteFile(good, b, 0o600)
	var out, errOut bytes.Buffer
	if rc := ctlclient.DumpCommand([]string{"dump", good}, &out, &errOut); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut.String())
	}
	// The same text as show ctl-file.
	if got := execCmd(t, r.sys, "show ctl-file flash:CTLFile.tlv"); got != out.String() {
		t.Errorf("cmeos ctl dump and show ctl-file differ:\n%s\n---\n%s", out.String(), got)
	}
	tampered := bytes.Clone(b)
	tampered[len(tampered)-1] ^= 1
	bad := filepath.Join(dir, "bad.tlv")
	os.WriteFile(bad, tampered, 0o600)
	out.Reset()
	if rc := ctlclient.DumpCommand([]string{"dump", bad}, &out, &errOut); rc != 1 || !strings.Contains(out.String(), "could not be verified") {
		t.Errorf("tampered file: exit %d, output:\n%s", rc, out.String())
	}
	os.WriteFile(bad, b[:7], 0o600)
	errOut.Reset()
	if rc := ctlclient.DumpCommand([]string{"dump", bad}, &out, &errOut); rc != 1 || !strings.Contains(errOut.String(), "not a valid CTL or ITL file") {
		t.Errorf("truncated file: exit %d, stderr %q", rc, errOut.String())
	}
	if rc := ctlclient.DumpCommand(nil, &out, &errOut); rc != 2 {
		t.Errorf("no arguments: exit %d, want 2", rc)
	}
}

// TestExamplesLoadWithoutPKI: the ctl-client lines are accepted before
// their trustpoints exist (startup-config order), and the failure to build
// the CTL at boot is logged, not fatal.
func TestExamplesLoadWithoutPKI(t *testing.T) {
	sys := newSystem(t, "ctl-client\n sast1 trustpoint a\n sast2 trustpoint b\n server cme 10.1.1.1 trustpoint a\n")
	if tftpd.FromSystem(sys) == nil || pki.FromSystem(sys) == nil {
		t.Fatal("features missing")
	}
	if _, ok := tftpd.FromSystem(sys).Generated("CTLFile.tlv"); ok {
		t.Fatal("a CTL was published without trustpoints")
	}
	mustContain(t, logged(sys), "%CTL_CLIENT-3-GENERATE_FAILED: CTLFile.tlv not generated: Trustpoint a not found.")
}

// TestCTLSizeLimit: a CTL over 64 KB (seed 003: phones fail to load it) is
// refused and the file in service stays.
func TestCTLSizeLimit(t *testing.T) {
	r := newSecureRouter(t)
	before := r.files(t)
	_, key := r.ca.issue(t, "https")
	lines := []string{"ctl-client"}
	for i := range 90 {
		r.ca.serial++
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(r.ca.serial), Subject: pkix.Name{CommonName: fmt.Sprintf("https-%d.example.com", i)},
			NotBefore: testNow, NotAfter: testNow.AddDate(1, 0, 0)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, r.ca.cert, &key.PublicKey, r.ca.key)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("flash:https%d.pem", i)
		p, _ := r.sys.FS.Parse(name)
		if err := r.sys.FS.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf(" import certificate %d web%d %s", i+1, i, name))
	}
	out := configure(t, r.sys, append(lines, " regenerate")...)
	mustContain(t, out, "more than the 65536 phones accept.")
	if !bytes.Equal(before, r.files(t)) {
		t.Fatal("an oversized CTL replaced the one in service")
	}
}

func TestShutdownWithdrawsAndRestores(t *testing.T) {
	r := newSecureRouter(t)
	before := r.files(t)
	tf := tftpd.FromSystem(r.sys)
	configure(t, r.sys, "ctl-client", " shutdown")
	if _, ok := tf.Generated("CTLFile.tlv"); ok {
		t.Fatal("CTL still served after shutdown")
	}
	configure(t, r.sys, "ctl-client", " no shutdown")
	if got, _ := tf.Generated("CTLFile.tlv"); !bytes.Equal(got, before) {
		t.Fatal("no shutdown did not put the same CTL back in service")
	}
	configure(t, r.sys, "no ctl-client")
	if _, ok := tf.Generated("CTLFile.tlv"); ok {
		t.Fatal("CTL still served after no ctl-client")
	}
	r.sys.Lock()
	out := r.sys.RenderFeatures()
	r.sys.Unlock()
	if strings.Contains(out, "ctl-client") || !strings.Contains(out, "crypto pki trustpoint sast1") {
		t.Errorf("ctl-client still rendered:\n%s", out)
	}
}
