package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

// TestSignedCnfOverTFTP is the secure provisioning path end to end: a
// trustpoint enrolled on the box signs the phones' cnf files
// (tftp-server-credentials), the first CTL switches server-security-mode to
// secure, and curl downloads SEP<MAC>.cnf.xml.sgn from the TFTP server; the
// .sgn verifies with the trustpoint's certificate and holds the XML.
func TestSignedCnfOverTFTP(t *testing.T) {
	sys := secureBox(t, 1024, "")
	sys.Lock()
	cert := pki.FromSystem(sys).Certificate("cme-tftp")
	rendered := sys.RenderFeatures()
	sys.Unlock()
	if cert == nil {
		t.Fatal("trustpoint cme-tftp has no certificate")
	}
	if !strings.Contains(rendered, " server-security-mode secure\n") {
		t.Errorf("the first CTL did not make server-security-mode secure:\n%s", rendered)
	}
	addr := tftpd.FromSystem(sys).Addr()
	if addr == nil {
		t.Fatal("TFTP server not running")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not found: scripts/deps installs it")
	}
	dir := t.TempDir()
	for _, name := range []string{"SEP00124302A7CC.cnf.xml.sgn", "CTLFile.tlv"} {
		out := filepath.Join(dir, name)
		if b, err := exec.Command("curl", "-s", "-S", "-o", out, "tftp://"+addr.String()+"/"+name).CombinedOutput(); err != nil {
			t.Fatalf("curl %s: %v\n%s", name, err, b)
		}
	}
	sgn := readFile(t, filepath.Join(dir, "SEP00124302A7CC.cnf.xml.sgn"))
	hdr, content, err := ctl.VerifySigned(sgn, cert)
	if err != nil {
		t.Fatalf("cnf .sgn does not verify with the TFTP trustpoint: %v", err)
	}
	if !strings.Contains(string(content), "<deviceSecurityMode>2</deviceSecurityMode>") || !strings.Contains(string(content), "<device") {
		t.Errorf("signed content is not the phone's cnf:\n%s", content)
	}
	_ = hdr
	if _, err := ctl.Verify(readFile(t, filepath.Join(dir, "CTLFile.tlv")), cert); err != nil {
		t.Errorf("CTLFile.tlv from TFTP does not verify with SAST1: %v", err)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// secureBox is the secure provisioning setup shared by the cnf tests: TFTP
// on loopback, a self-signed tftp-server-credentials trustpoint (key of
// bits), phone 1 authenticated, a CTL with SAST1 = cme-tftp and SAST2,
// then extra configuration lines.
func secureBox(t *testing.T, bits int, extra string) *config.System {
	t.Helper()
	sys := configtest.NewSystem(t, nil, nil, "tftp-server port 0 source-address 127.0.0.1\n")
	configtest.Configure(sys, fmt.Sprintf(`crypto pki trustpoint cme-tftp
 enrollment selfsigned
 subject-name CN=cme-tftp
 rsakeypair cme-tftp %d
crypto pki enroll cme-tftp
telephony-service
 ip source-address 127.0.0.1 port 2000
 tftp-server-credentials trustpoint cme-tftp
 device-security-mode authenticated
 create cnf-files
ephone 1
 mac-address 0012.4302.A7CC
 type 7970
ctl-client
 sast1 trustpoint cme-tftp
crypto pki trustpoint sast2
 enrollment selfsigned
 subject-name CN=sast2
 rsakeypair sast2 1024
crypto pki enroll sast2
ctl-client
 sast2 trustpoint sast2
 server tftp 127.0.0.1 trustpoint cme-tftp
 regenerate
%s`, bits, extra))
	return sys
}
