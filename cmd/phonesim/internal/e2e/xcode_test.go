package e2e

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/ephone"
)

// TestSecureCMETranscoded is issue 13's call with the simulator's phones:
// phone 1 (encrypted, LSC over TLS) offers G.711 mu-law only, phone 2
// (encrypted, MIC over TLS) G.711 A-law only; they share no codec, so the
// box puts its own software DSP farm (registered over TLS as sdspfarm tag
// xcode01) between them. Each phone gets its own SRTP keys for its leg; a
// tone goes each way and is heard, decrypted by the simulator's own SRTP
// (pion/srtp) with the keys of its key blocks. A clear packet would fail
// the phone's authentication check, so hearing the tone with no
// authentication failure proves the media on both legs was SRTP.
func TestSecureCMETranscoded(t *testing.T) {
	b := bootSecureCMEWith(t, func(i int, c *phone.Config) {
		switch i {
		case 0:
			c.Codecs = []string{"g711ulaw"}
		case 1:
			c.Codecs = []string{"g711alaw"}
		}
	}, "telephony-service", " sdspfarm units 1", " sdspfarm transcode sessions 2", " sdspfarm tag 1 xcode01", " exit")
	_, port, _ := net.SplitHostPort(ephone.FromSystem(b.sys).SecureSCCPAddr().String())
	p, _ := strconv.Atoi(port)
	out := seedConsole(b.sys, "sccp local Loopback0", "sccp ccm 127.0.0.1 identifier 1 port "+strconv.Itoa(p-443)+" version 7.0+", "sccp",
		"sccp ccm group 1", " associate ccm 1 priority 1", " associate profile 1 register xcode01", " exit",
		"dspfarm profile 1 transcode security", " trustpoint mytrustpoint1", " codec g711ulaw", " codec g711alaw",
		" maximum sessions 2", " associate application SCCP", " no shutdown", " exit")
	if strings.Contains(out, "% Invalid") || strings.Contains(out, "% Incomplete") {
		t.Fatalf("DSP farm configuration:\n%s", out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(configtest.Exec(b.sys, "show sccp"), "TCP Link Status: CONNECTED") {
		if time.Now().After(deadline) {
			t.Fatalf("DSP farm did not register:\n%s", configtest.Exec(b.sys, "show sccp"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	a, c := b.phones[0], b.phones[1]
	run(t, a, "offhook; wait dialtone; dial 93621001; wait ringout")
	run(t, c, "wait ring; answer; wait connected; wait media 5s")
	run(t, a, "wait connected; wait media 5s")
	conns := configtest.Exec(b.sys, "show sccp connections")
	if strings.Count(conns, "secure-xcode sendrecv") != 2 || !strings.Contains(conns, "g711u") || !strings.Contains(conns, "g711a") {
		t.Errorf("show sccp connections:\n%s", conns)
	}
	talk(t, a, c)
	for _, ph := range []*phone.Phone{a, c} {
		r := ph.Report()
		if len(r.Media) == 0 {
			t.Fatalf("%s: no media stream", name(ph))
		}
		for _, m := range r.Media {
			if m.RxKey.Algorithm == 0 || m.TxKey.Algorithm == 0 || m.AuthFailures != 0 || m.RxPackets == 0 || m.Error != "" {
				t.Errorf("%s: stream %+v", name(ph), m.Stats)
			}
		}
	}
	// Each leg has its own keys: A's transmit key is not B's receive key
	// (the farm decrypts and re-encrypts), as show ephone offhook prints.
	off := configtest.Exec(b.sys, "show ephone offhook")
	if strings.Count(off, "local key: ") != 2 || strings.Count(off, "remote key: ") != 2 {
		t.Fatalf("show ephone offhook:\n%s", off)
	}
	keys := map[string]bool{}
	for _, f := range strings.Fields(off) {
		if len(f) == 40 && strings.IndexFunc(f, func(r rune) bool {
			return !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", r)
		}) < 0 {
			keys[f] = true
		}
	}
	if len(keys) != 4 {
		t.Errorf("%d distinct keys printed, want 4 (two legs, two directions):\n%s", len(keys), off)
	}
	run(t, a, "onhook; wait onhook")
	run(t, c, "wait onhook")
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(configtest.Exec(b.sys, "show sccp connections"), "session(s) 0") {
		if time.Now().After(deadline) {
			t.Fatalf("transcoding session not released:\n%s", configtest.Exec(b.sys, "show sccp connections"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
