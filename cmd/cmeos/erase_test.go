package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cmeos/ios/cli"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

// TestServerSecurityModeErase is issue 16 item 2: `server-security-mode
// erase` (seed 004: "erase — deletes the CTL file") takes CTLFile.tlv off
// TFTP and out of flash:, the server goes back to non-secure, and the
// one-shot line is never saved; `regenerate` brings a CTL and secure mode
// back. The switch to secure made by the CTL event goes through the
// change path (issue 17 item 4): the running-config is unsaved and says who
// changed it.
func TestServerSecurityModeErase(t *testing.T) {
	sys := secureBox(t, 1024, "")
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not found: scripts/deps installs it")
	}
	addr := tftpd.FromSystem(sys).Addr()
	if addr == nil {
		t.Fatal("TFTP server not running")
	}
	dir := t.TempDir()
	fetch := func() error {
		return exec.Command("curl", "-s", "-S", "-o", filepath.Join(dir, "ctl"), "tftp://"+addr.String()+"/CTLFile.tlv").Run()
	}
	state := func() (running string, onFlash bool) {
		sys.Lock()
		running = sys.RunningConfig()
		p, _ := sys.FS.Parse("flash:CTLFile.tlv")
		_, err := sys.FS.ReadFile(p)
		sys.Unlock()
		return running, err == nil
	}
	running, onFlash := state()
	if err := fetch(); err != nil || !onFlash {
		t.Fatalf("before erase: TFTP %v, on flash %v", err, onFlash)
	}
	if !strings.Contains(running, " server-security-mode secure\n") || !strings.Contains(running, "by ctl-client\n") {
		t.Errorf("the first CTL's switch to secure is not a recorded change:\n%s", running)
	}
	sys.Lock()
	unsaved := sys.Unsaved()
	sys.Unlock()
	if !unsaved {
		t.Error("running-config not marked unsaved after the CTL event")
	}

	out := configtest.Configure(sys, "telephony-service\n server-security-mode erase")
	if strings.Contains(out, "%") {
		t.Fatalf("erase: %s", out)
	}
	running, onFlash = state()
	if err := fetch(); err == nil {
		t.Error("CTLFile.tlv still served over TFTP after erase")
	}
	if onFlash {
		t.Error("flash:CTLFile.tlv still there after erase")
	}
	if strings.Contains(running, "server-security-mode") {
		t.Errorf("erase left a server-security-mode line:\n%s", running)
	}
	var buf bytes.Buffer
	sys.NewSession("console", cli.PrivMax, &buf, nil).Execute("show telephony-service security-info")
	if show := buf.String(); !regexp.MustCompile(`Server Security Mode:\s+Non-Secure`).MatchString(show) {
		t.Errorf("show telephony-service after erase:\n%s", buf.String())
	}

	out = configtest.Configure(sys, "ctl-client\n regenerate")
	if strings.Contains(out, "%") {
		t.Fatalf("regenerate: %s", out)
	}
	running, onFlash = state()
	if err := fetch(); err != nil || !onFlash {
		t.Fatalf("after regenerate: TFTP %v, on flash %v", err, onFlash)
	}
	if !strings.Contains(running, " server-security-mode secure\n") {
		t.Errorf("regenerate did not make the server secure again:\n%s", running)
	}
}
