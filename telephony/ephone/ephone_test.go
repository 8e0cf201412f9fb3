package ephone_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"cmeos/ios/config"
	"cmeos/telephony/ephone"
	_ "cmeos/telephony/tftpd"
)

func load(t *testing.T, text string) (*config.System, string) {
	t.Helper()
	sys := config.New(config.Options{})
	t.Cleanup(func() { sys.Close() })
	var out bytes.Buffer
	if n := sys.Load(text, &out); n != 0 {
		t.Fatalf("%d lines failed:\n%s", n, out.String())
	}
	sys.Lock()
	defer sys.Unlock()
	return sys, sys.RenderFeatures()
}

func run(sys *config.System, cmd string) string {
	var out bytes.Buffer
	s := sys.NewSession("test", 15, &out, nil)
	s.Execute(cmd)
	return out.String()
}

// TestSeeds: the telephony parts of seed configurations E6 and E10
// (reference §5) load without error and render as the seed shows them,
// modulo indentation (§8) and the render order of E10 for E6 (§3.2).
func TestSeeds(t *testing.T) {
	for _, name := range []string{"e10", "e6"} {
		t.Run(name, func(t *testing.T) {
			in, _ := os.ReadFile("testdata/" + name + ".txt")
			want, _ := os.ReadFile("testdata/" + name + ".golden")
			_, got := load(t, string(in))
			// Other features linked into the test binary render their
			// defaults first; compare the telephony blocks.
			got = got[strings.Index(got, "telephony-service\n"):]
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("render (-want +got):\n%s", diff)
			}
			_, again := load(t, got)
			again = again[strings.Index(again, "telephony-service\n"):]
			if again != got {
				t.Errorf("render(parse(render)) differs:\n%s", cmp.Diff(got, again))
			}
		})
	}
}

func TestSecurityInfo(t *testing.T) {
	in, _ := os.ReadFile("testdata/e6.txt")
	sys, _ := load(t, strings.Replace(string(in), "telephony-service\n", "telephony-service\n server-security-mode secure\n", 1))
	got := run(sys, "show telephony-service security-info")
	want := "\nSkinny Server Trustpoint for TLS: cme-sccp\nTFTP Credentials Trustpoint: cme-tftp\nServer Security Mode: Secure\nGlobal Device Security Mode: Authenticated\n"
	if got != want {
		t.Errorf("show telephony-service security-info:\n%s\nwant:\n%s", got, want)
	}
}

func TestBadInput(t *testing.T) {
	sys, before := load(t, "telephony-service\n max-ephones 1\nephone-dn 1\n number 1000\n name Lobby\nephone-dn 2\n number 1001\nephone 1\n mac-address 0012.4302.A7CC\n type 7970\n capf-auth-str 2734\n button 1:1\n")
	for _, line := range []string{
		"ephone 2",                           // exceeds max-ephones
		"telephony-service\n log password x", // removed in 12.6
	} {
		var out bytes.Buffer
		if n := sys.Load(line, &out); n == 0 {
			t.Errorf("%q accepted", line)
		}
	}
	bad := []string{"capf-auth-str 123", "capf-auth-str 12345678901", "capf-auth-str 12a4", "type 1234", "button 1-1", "button 1:1 1:2", "button 1:1 01:2", "button 0:1", "button 2:0",
		"mac-address 0012.4302", "device-security-mode bogus", "cert-oper upgrade auth-mode bogus"}
	for _, l := range bad {
		var out bytes.Buffer
		if n := sys.Load("ephone 1\n "+l+"\n", &out); n == 0 {
			t.Errorf("ephone line %q accepted", l)
		}
	}
	sys.Lock()
	after := sys.RenderFeatures()
	sys.Unlock()
	if after != before {
		t.Errorf("bad input changed the configuration:\n%s", cmp.Diff(before, after))
	}
}

// TestButtonsTyped: the button entries are parsed once, rendered in their
// canonical form and in the order entered, and overlays keep their DNs.
func TestButtonsTyped(t *testing.T) {
	_, out := load(t, "ephone-dn 1\n number 1000\nephone-dn 2\n number 1001\nephone-dn 3\n number 1002\nephone 1\n mac-address 0012.4302.A7CC\n button 2s02 01:1 3o1,2,3\n")
	if !strings.Contains(out, " button 2s2 1:1 3o1,2,3\n") {
		t.Errorf("buttons rendered as:\n%s", out)
	}
}

func TestShowEphone(t *testing.T) {
	in, _ := os.ReadFile("testdata/e10.txt")
	sys, _ := load(t, string(in))
	got := run(sys, "show ephone")
	for _, want := range []string{"ephone-1[0] Mac:0012.4302.A7CC TCP socket:[-1] activeLine:0 whisperLine:0 UNREGISTERED",
		"IP:0.0.0.0 * 7970  keepalive 0 max_line 1", "button 1: dn 1  number 93621000 CH1   IDLE", "Device Security Mode: Encrypted"} {
		if !strings.Contains(got, want) {
			t.Errorf("show ephone lacks %q:\n%s", want, got)
		}
	}
	sn := ephone.FromSystem(sys).Snapshot()
	if e, ok := sn.EphoneByMAC("00:17:94:ca:98:33"); !ok || e.Tag != 3 || e.Type != "7960" {
		t.Errorf("EphoneByMAC: %+v %v", e, ok)
	}
	st := run(sys, "show telephony-service")
	if !strings.Contains(st, "ip source-address 10.13.32.11 port 2000") || strings.Contains(st, "mypassword2") {
		t.Errorf("show telephony-service:\n%s", st)
	}
}
