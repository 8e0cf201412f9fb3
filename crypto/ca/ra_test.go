package ca_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/ca"
)

// TestRAMode: a certificate server in `mode ra` on one System enrolls its
// RA certificate from the issuing CA on another System (each with its own
// HTTP server), then micromdm's scepclient enrolls through the RA; the
// certificate comes from the issuing CA.
func TestRAMode(t *testing.T) {
	bin := scepclient(t)
	t.Parallel()
	issuing := newRig(t, t.TempDir())
	issuing.boot()
	issuing.setupCA("auto")

	ra := newRig(t, t.TempDir())
	ra.boot()
	out := ra.run("hostname ra", "ip http server",
		"crypto pki trustpoint ra_srv", "enrollment url http://"+issuing.addr, "revocation-check none",
		"rsakeypair ra_srv 1024", "subject-name cn=ra_srv RA", "exit",
		"crypto pki server ra_srv", "mode ra", "no grant", "no shutdown|yes|yes", "exit")
	for _, want := range []string{"% Ready to request the CA certificate.", "Fingerprint MD5:", "Trustpoint CA certificate accepted.",
		"% Enrollment in progress...", "% Certificate Server enabled."} {
		if !strings.Contains(out, want) {
			t.Fatalf("RA no shutdown lacks %q:\n%s", want, out)
		}
	}
	raCert := ra.cert("ra_srv")
	if raCert == nil || raCert.CheckSignatureFrom(issuing.caCert()) != nil {
		t.Fatalf("RA certificate not issued by the CA:\n%s", out)
	}
	if out := ra.run("crypto pki server ra_srv", "mode ra"); !strings.Contains(out, "cannot be changed while the server is enabled") {
		t.Errorf("mode changed while enabled:\n%s", out)
	}
	if show := ra.run("do show crypto pki server ra_srv"); !strings.Contains(show, "Status: enabled") {
		t.Errorf("show:\n%s", show)
	}

	// Manual granting at the RA: the request waits there until granted, then
	// goes to the issuing CA (grant auto) on the client's next poll.
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	cmd, certPath, cout := startSCEPClient(ctx, t, bin, ra.addr, "phone-ra")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var info string
	for i := 0; ; i++ {
		info = ra.run("EXEC crypto pki server ra_srv info requests")
		if strings.Contains(info, "1      pending") {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("scepclient ended before grant: %v\n%s", err, cout)
		case <-time.After(50 * time.Millisecond):
		}
		if i > 600 {
			t.Fatalf("request never pending at the RA:\n%s\nclient:\n%s", info, cout)
		}
	}
	if !strings.Contains(info, "cn=phone-ra") || issuing.caLast() != 2 {
		t.Fatalf("request reached the CA before the RA granted it:\n%s", info)
	}
	ra.run("EXEC crypto pki server ra_srv grant all")
	if err := <-done; err != nil {
		t.Fatalf("scepclient: %v\n%s", err, cout)
	}
	c := readCert(t, certPath)
	if c.Subject.CommonName != "phone-ra" || c.Issuer.CommonName != "cme_root" {
		t.Fatalf("certificate %v issued by %v", c.Subject, c.Issuer)
	}
	verifyOpenSSL(t, issuing.caCert(), c)
	if !strings.Contains(ra.run("EXEC crypto pki server ra_srv info requests"), "1      granted") {
		t.Error("RA request not shown granted")
	}
	if out := ra.run("EXEC crypto pki server ra_srv revoke 3"); !strings.Contains(out, "RA mode") {
		t.Errorf("revoke at the RA:\n%s", out)
	}
}

// caLast is the last serial the rig's CA issued.
func (r *rig) caLast() int64 {
	r.sys.Lock()
	defer r.sys.Unlock()
	return ca.FromSystem(r.sys).Authority("cme_root").LastSerial()
}
