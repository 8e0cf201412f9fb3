package ca_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestOneTimePassword: with manual granting, a SCEP request whose
// challenge is a password from `crypto pki server NAME password generate`
// is granted at once (micromdm scepclient -challenge); the password is
// then used up, so a second request with it waits for `grant`. Under
// `grant none` requests are rejected unless they carry a one-time
// password.
func TestOneTimePassword(t *testing.T) {
	bin := scepclient(t)
	t.Parallel()
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("manual")
	out := r.run("EXEC crypto pki server cme_root password generate 10")
	m := regexp.MustCompile(`% New password: ([0-9A-F]{16})\n% Password will expire in 10 minutes\.`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("password generate:\n%s", out)
	}
	otp := m[1]
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd, certPath, cout := startSCEPClientChallenge(ctx, t, bin, r.addr, "otp1", otp)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("scepclient with the one-time password: %v\n%s", err, cout)
	}
	c := readCert(t, certPath)
	if c.Subject.CommonName != "otp1" {
		t.Fatalf("certificate %v", c.Subject)
	}
	verifyOpenSSL(t, r.caCert(), c)

	// Used up: the same password again leaves the request pending; so does a wrong one.
	for i, pw := range []string{otp, "WRONG"} {
		ctx2, cancel2 := context.WithCancel(t.Context())
		cmd2, _, cout2 := startSCEPClientChallenge(ctx2, t, bin, r.addr, "otp-again", pw)
		want := []string{"2      pending", "3      pending"}[i]
		var info string
		for j := 0; ; j++ {
			info = r.run("EXEC crypto pki server cme_root info requests")
			if strings.Contains(info, want) {
				break
			}
			if j > 400 {
				t.Fatalf("request %q not pending:\n%s\nclient:\n%s", pw, info, cout2)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel2()
		cmd2.Wait()
	}
	if strings.Contains(r.run("EXEC crypto pki server cme_root info requests"), "granted    ") && r.caLast() != 2 {
		t.Fatalf("a request was granted without a valid one-time password (last serial %d)", r.caLast())
	}
	// Expiry: a password older than its lifetime is refused (software clock).
	out = r.run("EXEC crypto pki server cme_root password generate 1")
	m = regexp.MustCompile(`% New password: ([0-9A-F]{16})`).FindStringSubmatch(out)
	r.sys.SetClock(time.Now().Add(2 * time.Minute))
	ctx3, cancel3 := context.WithCancel(t.Context())
	defer cancel3()
	cmd3, _, cout3 := startSCEPClientChallenge(ctx3, t, bin, r.addr, "otp-late", m[1])
	for j := 0; !strings.Contains(r.run("EXEC crypto pki server cme_root info requests"), "4      pending"); j++ {
		if j > 400 {
			t.Fatalf("expired password granted or request lost:\n%s", cout3)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel3()
	cmd3.Wait()
	if r.caLast() != 2 {
		t.Fatalf("last serial %d: a request was granted without a valid password", r.caLast())
	}

	// grant none: requests are rejected at once, except with a one-time password.
	r.sys.SetClock(time.Now())
	r.run("crypto pki server cme_root", "grant none", "exit")
	ctx4, cancel4 := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel4()
	cmd4, _, cout4 := startSCEPClientChallenge(ctx4, t, bin, r.addr, "none-wrong", "WRONG")
	if err := cmd4.Wait(); err == nil || ctx4.Err() != nil {
		t.Fatalf("request without a one-time password not rejected under grant none: %v\n%s", err, cout4)
	}
	if info := r.run("EXEC crypto pki server cme_root info requests"); !strings.Contains(info, "5      rejected") {
		t.Fatalf("info requests:\n%s", info)
	}
	out = r.run("EXEC crypto pki server cme_root password generate")
	m = regexp.MustCompile(`% New password: ([0-9A-F]{16})\n% Password will expire in 60 minutes\.`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("password generate:\n%s", out)
	}
	cmd5, certPath5, cout5 := startSCEPClientChallenge(ctx4, t, bin, r.addr, "none-otp", m[1])
	if err := cmd5.Wait(); err != nil {
		t.Fatalf("one-time password under grant none: %v\n%s", err, cout5)
	}
	if c := readCert(t, certPath5); c.Subject.CommonName != "none-otp" || r.caLast() != 3 {
		t.Fatalf("certificate %v, last serial %d", c.Subject, r.caLast())
	}
}
