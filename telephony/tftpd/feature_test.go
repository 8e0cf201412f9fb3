package tftpd_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/telephony/tftpd"
)

func newSystem(t *testing.T) (*config.System, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := fs.New("flash",
		fs.Mount{Prefix: "system", Kind: fs.KindOpaque},
		fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "slot0", AliasOf: "flash", Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	sys := config.New(config.Options{FS: store})
	t.Cleanup(func() { sys.Close(); store.Close() })
	return sys, filepath.Join(dir, "flash")
}

func run(t *testing.T, sys *config.System, lines string) string {
	t.Helper()
	var out bytes.Buffer
	if n := sys.Load(lines, &out); n != 0 {
		t.Fatalf("%d lines failed:\n%s", n, out.String())
	}
	return out.String()
}

func exec1(t *testing.T, sys *config.System, cmd string) string {
	var out bytes.Buffer
	s := sys.NewSession("test", 15, &out, nil)
	s.Execute(cmd)
	return out.String()
}

func curlGet(t *testing.T, port int, name string) ([]byte, error) {
	out := filepath.Join(t.TempDir(), "out")
	b, err := exec.Command("curl", "-sS", "--max-time", "20", "-o", out, fmt.Sprintf("tftp://127.0.0.1:%d/%s", port, name)).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, b)
	}
	return os.ReadFile(out)
}

func TestFeatureServesFlashAndGenerated(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not installed (scripts/deps)")
	}
	sys, flash := newSystem(t)
	os.WriteFile(filepath.Join(flash, "music-on-hold.au"), []byte("moh-data"), 0o644)
	os.MkdirAll(filepath.Join(flash, "phones"), 0o755)
	os.WriteFile(filepath.Join(flash, "phones", "TERM70.loads"), []byte("loads"), 0o644)
	os.WriteFile(filepath.Join(flash, "secret.cfg"), []byte("not bound"), 0o644)
	run(t, sys, "tftp-server port 0 source-address 127.0.0.1\ntftp-server flash:music-on-hold.au\ntftp-server slot0:phones/TERM70.loads alias TERM70.DEFAULT.loads\n")
	f := tftpd.FromSystem(sys)
	addr := f.Addr()
	if addr == nil {
		t.Fatalf("server not running:\n%s", exec1(t, sys, "show tftp-server"))
	}
	if got, err := curlGet(t, addr.Port, "music-on-hold.au"); err != nil || string(got) != "moh-data" {
		t.Fatalf("flash file: %q %v", got, err)
	}
	if got, err := curlGet(t, addr.Port, "TERM70.DEFAULT.loads"); err != nil || string(got) != "loads" {
		t.Fatalf("alias: %q %v", got, err)
	}
	if _, err := curlGet(t, addr.Port, "secret.cfg"); err == nil {
		t.Fatal("an unbound flash file was served")
	}
	if _, err := curlGet(t, addr.Port, "startup-config"); err == nil {
		t.Fatal("nvram was served")
	}
	if err := sys.WriteGenerated("SEP001243O2A7CC.cnf.xml", []byte("<device/>")); err != nil {
		t.Fatal(err)
	}
	if got, err := curlGet(t, addr.Port, "SEP001243O2A7CC.cnf.xml"); err != nil || string(got) != "<device/>" {
		t.Fatalf("published: %q %v", got, err)
	}
	if err := sys.RemoveGenerated("SEP001243O2A7CC.cnf.xml"); err != nil {
		t.Fatal(err)
	}
	if _, err := curlGet(t, addr.Port, "SEP001243O2A7CC.cnf.xml"); err == nil {
		t.Fatal("a removed file was served")
	}
	show := exec1(t, sys, "show tftp-server")
	for _, want := range []string{"TFTP server listening on 127.0.0.1 port", "TERM70.DEFAULT.loads", "slot0:phones/TERM70.loads", "File not found          3"} {
		if !strings.Contains(show, want) {
			t.Errorf("show tftp-server lacks %q:\n%s", want, show)
		}
	}
	// Bad URLs are refused and change nothing.
	var out bytes.Buffer
	if n := sys.Load("tftp-server nvram:startup-config\ntftp-server system:running-config\ntftp-server flash:../etc/passwd\n", &out); n != 3 {
		t.Fatalf("bad tftp-server lines accepted:\n%s", out.String())
	}
	sys.Lock()
	rc := sys.RenderFeatures()
	sys.Unlock()
	if strings.Contains(rc, "nvram") || strings.Contains(rc, "passwd") {
		t.Fatalf("rendered:\n%s", rc)
	}
	// Removing every file stops the server.
	run(t, sys, "no tftp-server flash:music-on-hold.au\nno tftp-server slot0:phones/TERM70.loads\n")
	if f.Addr() != nil {
		t.Fatal("server still running with nothing to serve")
	}
}

// TestServesSystemITS: a file written to system:/its/ by another feature
// starts the idle server and is served under its name in any case, over
// TFTP (curl) and HTTP; removing the last one stops the server.
func TestServesSystemITS(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not installed (scripts/deps)")
	}
	sys, _ := newSystem(t)
	run(t, sys, "tftp-server port 0 source-address 127.0.0.1\n")
	f := tftpd.FromSystem(sys)
	if f.Addr() != nil {
		t.Fatal("server running with nothing to serve")
	}
	ctlFile := bytes.Repeat([]byte{0x01, 0x02, 0xfe}, 1000) // several blocks
	if err := sys.WriteGenerated("CTLFile.tlv", ctlFile); err != nil {
		t.Fatal(err)
	}
	addr := f.Addr()
	if addr == nil {
		t.Fatal("server not started by a file in system:/its/")
	}
	for _, name := range []string{"CTLFile.tlv", "CTLfile.tlv", "ctlfile.TLV"} {
		if got, err := curlGet(t, addr.Port, name); err != nil || !bytes.Equal(got, ctlFile) {
			t.Errorf("TFTP %s: %d bytes, %v", name, len(got), err)
		}
	}
	plain, _, _ := f.HTTPAddrs()
	if plain == nil {
		t.Fatal("HTTP provisioning not running")
	}
	b, err := exec.Command("curl", "-sS", "--max-time", "20", fmt.Sprintf("http://127.0.0.1:%d/CTLFile.tlv", plain.Port)).Output()
	if err != nil || !bytes.Equal(b, ctlFile) {
		t.Errorf("HTTP CTLFile.tlv: %d bytes, %v", len(b), err)
	}
	if show := exec1(t, sys, "show tftp-server"); !strings.Contains(show, "CTLFile.tlv                                3000        generated") {
		t.Errorf("show tftp-server:\n%s", show)
	}
	if err := sys.RemoveGenerated("CTLFile.tlv"); err != nil {
		t.Fatal(err)
	}
	if f.Addr() != nil {
		t.Fatal("server still running after the last file went")
	}
}

// TestHTTPPerSourceLimit: HTTP provisioning runs under ios/service, so one
// address holding its share of idle connections cannot take the listener
// from the others: the next connection from it is closed at once while a
// download from another loopback address still works.
func TestHTTPPerSourceLimit(t *testing.T) {
	sys, _ := newSystem(t)
	run(t, sys, "tftp-server port 0 source-address 127.0.0.1\n")
	f := tftpd.FromSystem(sys)
	body := []byte("<device/>")
	if err := sys.WriteGenerated("XMLDefault.cnf.xml", body); err != nil {
		t.Fatal(err)
	}
	plain, _, _ := f.HTTPAddrs()
	if plain == nil {
		t.Fatal("HTTP provisioning not running")
	}
	to := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: plain.Port}
	from := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9)}
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := 0; i < 8; i++ {
		c, err := (&net.Dialer{LocalAddr: from}).Dial("tcp", to.String())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	extra, err := (&net.Dialer{LocalAddr: from}).Dial("tcp", to.String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := extra.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("ninth connection from one address not closed: %d bytes, %v", n, err)
	}
	other := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 10)}, Timeout: 10 * time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: other.DialContext}, Timeout: 20 * time.Second}
	resp, err := client.Get("http://" + to.String() + "/XMLDefault.cnf.xml")
	if err != nil {
		t.Fatalf("download from another address: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("got %q", got)
	}
}
