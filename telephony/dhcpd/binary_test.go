package dhcpd

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildCmeos builds the firmware binary for end-to-end tests.
func buildCmeos(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cmeos")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go not in PATH")
	}
	cmd := exec.Command(gobin, "build", "-o", bin, "cmeos/cmd/cmeos")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building cmeos: %v\n%s", err, b)
	}
	return bin
}

// bootCmeos runs the binary in a network namespace with a console on a
// pipe; the returned function types the given lines, closes the console
// (cmeos shuts down, writing its lease database) and returns the output.
func bootCmeos(t *testing.T, bin, ns, root string) func(lines string) string {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "-root", root, "-console", "stdio")
	in, _ := cmd.StdinPipe()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	// Wait for the console (the boot has started the services by then).
	io.WriteString(in, "show version | include uptime\n")
	return func(lines string) string {
		io.WriteString(in, lines)
		in.Close()
		select {
		case err := <-done:
			done <- err
			if err != nil {
				t.Fatalf("cmeos: %v\n%s", err, out.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("cmeos did not exit at console EOF:\n%s", out.String())
		}
		return out.String()
	}
}

// TestCmeosServesUdhcpc boots the real binary in a network namespace with
// a DHCP pool in its startup-config, gets a lease with busybox udhcpc from
// the other namespace, reboots, and checks the lease survived.
func TestCmeosServesUdhcpc(t *testing.T) {
	nsS, nsC, ifS, ifC := netnsPair(t)
	bin := buildCmeos(t)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "nvram"), 0o700)
	startup := func(excludedHigh string) {
		cfg := "hostname CME\n!\nip dhcp excluded-address 10.77.0.1 " + excludedHigh + "\nip dhcp bind-interface " + ifS + "\n!\n" +
			"ip dhcp pool phones\n network 10.77.0.0 255.255.255.0\n default-router 10.77.0.1\n option 150 ip 10.77.0.1\n!\n" +
			"telephony-service\n ip source-address 10.77.0.1 port 2000\n load 7970 TERM70.7-0-0-77DEV\n" +
			" create cnf-files version-stamp 7960 Oct 25 2006 07:19:39\n!\nephone 1\n mac-address 0012.4302.A7CC\n type 7970\n!\nend\n"
		if err := os.WriteFile(filepath.Join(root, "nvram", "startup-config"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	startup("10.77.0.19")
	finish := bootCmeos(t, bin, nsS, root)
	got := udhcpc(t, nsC, ifC)
	if got.env["ip"] != "10.77.0.20" || got.env["opt150"] != "0a4d0001" || got.env["router"] != "10.77.0.1" {
		t.Fatalf("lease from cmeos: %v", got.env)
	}
	// The phone's next step: its configuration file from the TFTP server
	// that option 150 named (UDP 69 inside the namespace).
	if b, err := exec.Command("ip", "-n", nsC, "addr", "add", got.env["ip"]+"/24", "dev", ifC).CombinedOutput(); err != nil {
		t.Fatalf("configuring the leased address: %v\n%s", err, b)
	}
	cnfFile := filepath.Join(t.TempDir(), "cnf.xml")
	if b, err := exec.Command("ip", "netns", "exec", nsC, "curl", "-sS", "--max-time", "20", "-o", cnfFile,
		"tftp://10.77.0.1/SEP00124302A7CC.cnf.xml").CombinedOutput(); err != nil {
		t.Fatalf("curl from the phone namespace: %v\n%s", err, b)
	}
	if b, _ := os.ReadFile(cnfFile); !bytes.Contains(b, []byte("<processNodeName>10.77.0.1</processNodeName>")) ||
		!bytes.Contains(b, []byte("<loadInformation>TERM70.7-0-0-77DEV</loadInformation>")) {
		t.Fatalf("SEP00124302A7CC.cnf.xml:\n%s", b)
	}
	out := finish("enable\nshow ip dhcp binding\nshow ip dhcp server statistics\n")
	if !strings.Contains(out, "10.77.0.20          01") || !strings.Contains(out, "DHCPACK              1") {
		t.Fatalf("console:\n%s", out)
	}
	db, err := os.ReadFile(filepath.Join(root, "nvram", "dhcp-bindings"))
	if err != nil || !strings.Contains(string(db), "10.77.0.20 ") {
		t.Fatalf("lease database after shutdown: %q %v", db, err)
	}

	// Reboot with fewer excluded addresses: .10 is now the first free one,
	// but the client keeps its lease.
	exec.Command("ip", "-n", nsC, "addr", "flush", "dev", ifC).Run()
	startup("10.77.0.9")
	finish = bootCmeos(t, bin, nsS, root)
	again := udhcpc(t, nsC, ifC)
	out = finish("enable\nshow ip dhcp binding\n")
	if again.env["ip"] != "10.77.0.20" {
		t.Fatalf("after reboot the client got %s, want its lease 10.77.0.20\n%s", again.env["ip"], out)
	}
}
