package main

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

// TestHTTPConfigDownload: the TFTP file table over HTTP (6970) and, with
// `service https`, over HTTPS (6971/6972) presenting the
// tftp-server-credentials certificate (seed 003). curl downloads the cnf
// file, its .sgn and CTLFile.tlv over HTTP, checks the HTTPS certificate
// against the trustpoint certificate (--cacert), and gets the plain XML for
// SEP<MAC>.cnf.xml.sgn over HTTPS (protocols.md §3.5). Bad requests get
// HTTP errors and change nothing; `no service https` stops HTTPS.
func TestHTTPConfigDownload(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not found: scripts/deps installs it")
	}
	sys := secureBox(t, 2048, "telephony-service\n no service https\n server-security-mode non-secure\n")
	sys.Lock()
	cert := pki.FromSystem(sys).Certificate("cme-tftp")
	sys.Unlock()
	if cert == nil {
		t.Fatal("trustpoint cme-tftp has no certificate")
	}
	srv := tftpd.FromSystem(sys)
	plainAddr, secAddr, altAddr := srv.HTTPAddrs()
	if plainAddr == nil {
		t.Fatal("HTTP server (6970) not running")
	}
	if secAddr != nil || altAddr != nil {
		t.Fatalf("HTTPS listening without service https or secure mode: %v %v", secAddr, altAddr)
	}
	dir := t.TempDir()
	curl := func(args ...string) (string, error) {
		b, err := exec.Command("curl", append([]string{"-s", "-S", "--max-time", "20"}, args...)...).CombinedOutput()
		return string(b), err
	}
	get := func(url, name string, extra ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, strings.ReplaceAll(name, "/", "_"))
		if b, err := curl(append(extra, "-f", "-o", out, url+"/"+name)...); err != nil {
			t.Fatalf("curl %s/%s: %v\n%s", url, name, err, b)
		}
		return readFile(t, out)
	}
	base := "http://" + plainAddr.String()
	for _, name := range []string{"SEP00124302A7CC.cnf.xml", "SEP00124302A7CC.cnf.xml.sgn", "XMLDefault.cnf.xml", "CTLFile.tlv", "sep00124302a7cc.cnf.xml"} {
		want, ok := srv.Generated(name)
		if !ok {
			t.Fatalf("%s not in the TFTP table", name)
		}
		if got := get(base, name); string(got) != string(want) {
			t.Errorf("HTTP %s differs from the TFTP table's file", name)
		}
	}
	if _, _, err := ctl.VerifySigned(get(base, "SEP00124302A7CC.cnf.xml.sgn"), cert); err != nil {
		t.Errorf(".sgn over HTTP does not verify: %v", err)
	}
	status := func(args ...string) string {
		t.Helper()
		out, err := curl(append([]string{"-o", os.DevNull, "-w", "%{http_code}"}, args...)...)
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return out
	}
	for _, c := range []struct{ want, what string }{
		{"404", base + "/nothere.xml"},
		{"403", base + "/../nvram:startup-config"},
		{"403", base + "/a/../../etc/passwd"},
		{"405", "-X PUT " + base + "/SEP00124302A7CC.cnf.xml"},
		{"405", "-X DELETE " + base + "/SEP00124302A7CC.cnf.xml"},
	} {
		if got := status(append([]string{"--path-as-is"}, strings.Fields(c.what)...)...); got != c.want {
			t.Errorf("%s: HTTP %s, want %s", c.what, got, c.want)
		}
	}
	if got := status("-I", base+"/XMLDefault.cnf.xml"); got != "200" {
		t.Errorf("HEAD: %s", got)
	}
	// A request that is not HTTP does not stop the server.
	if c, err := net.Dial("tcp", plainAddr.String()); err == nil {
		c.Write([]byte("\x00\x01garbage\r\n\r\n"))
		c.Close()
	}
	get(base, "XMLDefault.cnf.xml")

	// service https: HTTPS with the trustpoint certificate on both ports.
	configtest.Configure(sys, "telephony-service\n service https\n")
	plainAddr2, secAddr, altAddr := srv.HTTPAddrs()
	if secAddr == nil || altAddr == nil || plainAddr2 == nil {
		t.Fatalf("HTTPS not listening after service https: %v %v %v", plainAddr2, secAddr, altAddr)
	}
	var show bytes.Buffer
	sess := sys.NewSession("console", cli.PrivMax, &show, nil)
	sess.Execute("show tftp-server")
	for _, a := range []*net.TCPAddr{plainAddr2, secAddr, altAddr} {
		kind := "HTTPS"
		if a == plainAddr2 {
			kind = "HTTP"
		}
		if want := fmt.Sprintf("%s server listening on 127.0.0.1 port %d\n", kind, a.Port); !strings.Contains(show.String(), want) {
			t.Errorf("show tftp-server lacks %q:\n%s", want, show.String())
		}
	}
	ca := filepath.Join(dir, "tftp.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	plainCnf, _ := srv.Generated("SEP00124302A7CC.cnf.xml")
	for _, a := range []*net.TCPAddr{secAddr, altAddr} {
		port := strconv.Itoa(a.Port)
		url := "https://cme-tftp:" + port
		resolve := "cme-tftp:" + port + ":127.0.0.1"
		// The certificate is the trustpoint's: it verifies against it
		// as the only CA.
		if got := get(url, "SEP00124302A7CC.cnf.xml.sgn", "--cacert", ca, "--resolve", resolve); string(got) != string(plainCnf) {
			t.Errorf("HTTPS %s: SEP<MAC>.cnf.xml.sgn is not the plain XML (§3.5):\n%s", port, got)
		}
		if got, want := get(url, "CTLFile.tlv", "--cacert", ca, "--resolve", resolve), mustGenerated(t, srv, "CTLFile.tlv"); string(got) != string(want) {
			t.Errorf("HTTPS %s: CTLFile.tlv differs", port)
		}
	}
	// Another CA does not verify the server: it is really the trustpoint's.
	sys.Lock()
	other := pki.FromSystem(sys).Certificate("sast2")
	sys.Unlock()
	otherCA := filepath.Join(dir, "other.pem")
	os.WriteFile(otherCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Raw}), 0o600)
	if out, err := curl("-f", "-o", os.DevNull, "--cacert", otherCA, "--resolve", "cme-tftp:"+strconv.Itoa(secAddr.Port)+":127.0.0.1",
		"https://cme-tftp:"+strconv.Itoa(secAddr.Port)+"/XMLDefault.cnf.xml"); err == nil {
		t.Errorf("HTTPS verified with an unrelated CA: %s", out)
	}

	configtest.Configure(sys, "telephony-service\n no service https\n")
	if _, s, a := srv.HTTPAddrs(); s != nil || a != nil {
		t.Errorf("HTTPS still listening after no service https")
	}
	if out, err := curl("-k", "-o", os.DevNull, "https://"+secAddr.String()+"/XMLDefault.cnf.xml"); err == nil {
		t.Errorf("HTTPS still answers after no service https: %s", out)
	}
	// server-security-mode secure alone turns it on as well.
	configtest.Configure(sys, "telephony-service\n server-security-mode secure\n")
	if _, s, _ := srv.HTTPAddrs(); s == nil {
		t.Errorf("HTTPS not listening in server-security-mode secure")
	}
}

func mustGenerated(t *testing.T, srv *tftpd.Feature, name string) []byte {
	t.Helper()
	b, ok := srv.Generated(name)
	if !ok {
		t.Fatalf("%s not generated", name)
	}
	return b
}
