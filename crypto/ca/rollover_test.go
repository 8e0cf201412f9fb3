package ca_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
	"github.com/smallstep/scep"

	"cmeos/crypto/ca"
)

// TestRollover: `auto-rollover 30` makes the shadow CA key and certificate
// 30 days before the CA certificate expires (software clock moved), and
// the shadow replaces the CA when the old certificate expires; the
// serials go on; certificates are then issued by the new CA. A manual
// `rollover` and `rollover cancel` work the same way.
func TestRollover(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	out := r.run("hostname cme", "ip http server", "crypto key generate rsa label cme_root modulus 1024",
		"crypto pki server cme_root", "database url flash:", "grant auto", "lifetime ca-certificate 40", "auto-rollover",
		"no shutdown|Secret123|Secret123", "exit")
	if !strings.Contains(out, "% Certificate Server enabled.") {
		t.Fatalf("CA not enabled:\n%s", out)
	}
	old := r.caCert()
	f := ca.FromSystem(r.sys)
	show := r.run("do show crypto pki server cme_root")
	if strings.Contains(show, "Rollover status") || !strings.Contains(show, "Auto-Rollover configured, overlap period 30 days") {
		t.Fatalf("show before the overlap period:\n%s", show)
	}
	f.CheckRollover(t.Context())
	if strings.Contains(r.run("do show crypto pki server cme_root"), "Rollover status") {
		t.Fatal("shadow made before the overlap period")
	}
	r.sys.SetClock(time.Now().Add(11 * 24 * time.Hour))
	f.CheckRollover(t.Context())
	show = r.run("do show crypto pki server cme_root")
	if !strings.Contains(show, "Rollover status: available for rollover") || !strings.Contains(show, "Rollover CA cert fingerprint:") {
		t.Fatalf("no shadow in the overlap period:\n%s", show)
	}
	if !strings.Contains(strings.Join(r.sys.Log.Entries(), "\n"), "%PKI-6-CS_ROLLOVER_AVAILABLE: [Sub/RA]CS Rollover certificate has been generated for cme_root") {
		t.Fatalf("logs:\n%s", strings.Join(r.sys.Log.Entries(), "\n"))
	}
	if !r.caCert().Equal(old) {
		t.Fatal("CA replaced before expiry")
	}
	// SCEP clients learn the shadow by GetNextCACert, signed by the current CA.
	r.sys.Lock()
	shadow := f.Authority("cme_root").ShadowCertificate()
	r.sys.Unlock()
	if caps := httpGet(t, "http://"+r.addr+"/cgi-bin/pkiclient.exe?operation=GetCACaps"); !strings.Contains(string(caps), "GetNextCACert") {
		t.Fatalf("GetCACaps:\n%s", caps)
	}
	p7, err := pkcs7.Parse(httpGet(t, "http://"+r.addr+"/cgi-bin/pkiclient.exe?operation=GetNextCACert"))
	if err != nil || p7.Verify() != nil || p7.GetOnlySigner() == nil || !p7.GetOnlySigner().Equal(old) {
		t.Fatalf("GetNextCACert not signed by the current CA: %v", err)
	}
	if next, err := scep.CACerts(p7.Content); err != nil || len(next) != 1 || !next[0].Equal(shadow) {
		t.Fatalf("GetNextCACert content: %v", err)
	}
	// Before activation the old CA still issues.
	if out := r.enrollTP("tp1", ""); r.cert("tp1") == nil || r.cert("tp1").CheckSignatureFrom(old) != nil {
		t.Fatalf("enroll before activation:\n%s", out)
	}
	// The old certificate expires: the shadow becomes the CA.
	r.sys.SetClock(time.Now().Add(41 * 24 * time.Hour))
	f.CheckRollover(t.Context())
	cur := r.caCert()
	if cur.Equal(old) || !cur.IsCA || cur.PublicKeyAlgorithm != old.PublicKeyAlgorithm || cur.Subject.String() != old.Subject.String() {
		t.Fatalf("CA not rolled over: %v", cur.Subject)
	}
	if cur.NotBefore.Before(old.NotAfter.Add(-time.Minute)) || cur.SerialNumber.Int64() != 2 {
		t.Fatalf("shadow validity %v serial %v (old expires %v)", cur.NotBefore, cur.SerialNumber, old.NotAfter)
	}
	logs := strings.Join(r.sys.Log.Entries(), "\n")
	if !strings.Contains(logs, "%PKI-6-CS_ROLLOVER_ACTIVE: [Sub/RA]CS Rollover certificate has been activated for cme_root") {
		t.Fatalf("logs:\n%s", logs)
	}
	if show := r.run("do show crypto pki server cme_root", "do show running-config | section crypto pki trustpoint cme_root"); strings.Contains(show, "Rollover status") ||
		!strings.Contains(show, "rsakeypair cme_root-rollover") {
		t.Fatalf("after activation:\n%s", show)
	}
	// The new CA issues (serial 4) with its key. (Not through SCEP here:
	// smallstep/pkcs7 stamps CertReps with the real time, which is before
	// the new CA certificate's validity on the moved software clock.)
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "after"}}, key)
	csr, _ := x509.ParseCertificateRequest(der)
	r.sys.Lock()
	c, err := f.Authority("cme_root").Issue(csr, ca.ProfileServer)
	r.sys.Unlock()
	if err != nil || c.CheckSignatureFrom(cur) != nil || c.SerialNumber.Int64() != 4 {
		t.Fatalf("issue after rollover: %v", err)
	}

	// Manual rollover and cancel (the second rollover alternates key labels).
	out = r.run("EXEC crypto pki server cme_root rollover", "do show crypto pki server cme_root")
	if !strings.Contains(out, "% Generating 1024 bit RSA keys") || !strings.Contains(out, "Rollover status: available for rollover") {
		t.Fatalf("manual rollover:\n%s", out)
	}
	if out := r.run("EXEC crypto pki server cme_root rollover"); !strings.Contains(out, "% A rollover CA certificate already exists.") {
		t.Fatalf("second rollover:\n%s", out)
	}
	out = r.run("EXEC crypto pki server cme_root rollover cancel", "do show crypto pki server cme_root", "EXEC crypto pki server cme_root rollover cancel")
	if strings.Contains(out, "Rollover status") || !strings.Contains(out, "% No rollover CA certificate to cancel.") {
		t.Fatalf("rollover cancel:\n%s", out)
	}
}

func httpGet(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s", u, err, resp.Status)
	}
	return b
}
