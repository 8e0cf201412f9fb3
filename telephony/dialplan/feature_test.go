package dialplan_test

import (
	"fmt"
	"strings"
	"testing"

	"cmeos/ios/config/configtest"
	"cmeos/telephony/dialplan"
)

const plan = `dial-peer voice 1 voip
 destination-pattern .....
 session target ras
dial-peer voice 10 voip
 destination-pattern 2668....
 session protocol sipv2
 session target ipv4:10.13.46.200:5061
 session transport tls
 srtp fallback
 preference 2
dial-peer voice 11 voip
 destination-pattern 2668....
 session protocol sipv2
 session target ipv4:10.13.46.201
 preference 1
dial-peer voice 12 voip
 destination-pattern 26681...
 session protocol sipv2
 session target ipv4:10.13.46.202
 huntstop
dial-peer voice 13 voip
 destination-pattern 26681...
 session protocol sipv2
 session target ipv4:10.13.46.203
dial-peer voice 20 voip
 destination-pattern 9T
 session protocol sipv2
 session target ipv4:10.13.46.204
 incoming called-number 9362....
dial-peer voice 30 voip
 shutdown
 destination-pattern 5694....
dial-peer voice 201 pots
 destination-pattern 93625...
 no digit-strip
`

func tags(rt dialplan.Route) []int {
	var out []int
	for _, p := range rt.Peers {
		out = append(out, p.Tag)
	}
	return out
}

// TestLookup: longest (most explicit) match first, then preference, then
// tag; huntstop ends the list; T completes only on the timeout; shut
// down peers never match; incoming called-number picks the inbound peer.
func TestLookup(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, plan)
	f := dialplan.FromSystem(sys)
	sys.Lock()
	defer sys.Unlock()
	for _, tc := range []struct {
		num   string
		final bool
		want  string
		more  bool
	}{
		{"26681234", false, "[12]", false},    // 12 (5 digits explicit) huntstop
		{"26689999", false, "[11 10]", false}, // preference 1 before 2
		{"2668", false, "[]", true},           // could still match
		{"12345", false, "[1]", false},        // .....
		{"56941234", false, "[]", false},      // 30 shut down
		{"9", false, "[]", true},              // 9T waits
		{"9555", true, "[20]", false},         // 9T after the timeout
		{"93625123", false, "[201]", true},    // pots; 9T could take more digits
		{"7", false, "[]", true},              // ..... could match
		{"777777", false, "[]", false},        // nothing
	} {
		rt := f.Lookup(tc.num, tc.final)
		if got := fmt.Sprint(tags(rt)); got != tc.want || rt.More != tc.more {
			t.Errorf("%s (final %v): peers %s more %v, want %s more %v", tc.num, tc.final, got, rt.More, tc.want, tc.more)
		}
	}
	if p := f.Incoming("93621000"); p == nil || p.Tag != 20 {
		t.Errorf("incoming called-number: %v", p)
	}
	if p := f.Incoming("12345"); p != nil {
		t.Errorf("incoming for 12345: %d", p.Tag)
	}
	if tag, why, _ := f.RouteNumber("12345", false); tag != 1 || !strings.Contains(why, "H.323") {
		t.Errorf("H.323 peer: %d %q", tag, why)
	}
	if tag, why, _ := f.RouteNumber("93625123", false); tag != 201 || !strings.Contains(why, "no voice ports") {
		t.Errorf("POTS peer: %d %q", tag, why)
	}
}

// TestDialPeerBadInput: IOS errors for bad patterns, targets, ranges and
// commands of the other peer kind, and nothing changes.
func TestDialPeerBadInput(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, plan)
	before := configtest.Exec(sys, "show running-config | section dial-peer")
	out := configtest.Configure(sys, `dial-peer voice 10 voip
 destination-pattern 26[9-1]
 session target ipv4:10.1.1.300
 session target ipv6:[::1]
 session target ipv4:10.1.1.1:70000
 preference 11
 direct-inward-dial
 prefix 9x
dial-peer voice 10 pots
dial-peer voice 201 pots
 port 1/0:15
 session target ras
dial-peer voice 0 voip
`)
	if n := strings.Count(out, "% Invalid input detected at '^' marker."); n < 9 {
		t.Errorf("%d invalid-input errors:\n%s", n, out)
	}
	if !strings.Contains(out, "% Dial-peer 10 already exists as voip; remove it first.") {
		t.Errorf("kind change accepted:\n%s", out)
	}
	if after := configtest.Exec(sys, "show running-config | section dial-peer"); after != before {
		t.Errorf("configuration changed:\n%s", after)
	}
}

// TestShowDialPeer: the summary lists every peer with its state, pattern,
// preference and target; the long form names protocol, transport, SRTP.
func TestShowDialPeer(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, plan)
	sum := configtest.Exec(sys, "show dial-peer voice summary")
	for _, want := range []string{"TAG    TYPE  MIN  OPER PREFIX    DEST-PATTERN         FER THRU SESS-TARGET",
		"10     voip  up   up             2668....             2   syst ipv4:10.13.46.200:5061",
		"30     voip  down down           5694....             0   syst",
		"201    pots  up   down           93625...             0"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	one := configtest.Exec(sys, "show dial-peer voice 10")
	for _, want := range []string{"VoiceOverIpPeer10", "session-target = `ipv4:10.13.46.200:5061', session-protocol = sipv2, session-transport = tls,",
		"srtp = fallback on,", "preference=2"} {
		if !strings.Contains(one, want) {
			t.Errorf("show dial-peer voice 10 lacks %q:\n%s", want, one)
		}
	}
}

// TestTranslationRules: IOS rules rewrite a number with groups and back
// references, the first matching rule in rule order wins, no match leaves
// the number; test voice translation-rule prints IOS's answer; malformed
// rules are refused and change nothing.
func TestTranslationRules(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, `voice translation-rule 1
 rule 2 /^9\(.*\)/ /\1/
 rule 1 /^0011/ /+/
voice translation-rule 2
 rule 1 /^\(9362\)\(....\)$/ /\2/
 rule 2 /(1)/ /x/
`)
	for _, tc := range []struct {
		rule     int
		in, want string
		matched  int
	}{
		{1, "91234", "1234", 2},
		{1, "00114155551212", "+4155551212", 1},
		{1, "5551212", "", 0},
		{2, "93621000", "1000", 1},
		{2, "93621000x", "", 0},
		{2, "(1)", "x", 2}, // a bare ( ) is a literal in IOS rules
	} {
		out := configtest.Exec(sys, fmt.Sprintf("test voice translation-rule %d %s", tc.rule, tc.in))
		if tc.matched == 0 {
			if !strings.Contains(out, "Didn't match with any of rules") {
				t.Errorf("rule %d %s:\n%s", tc.rule, tc.in, out)
			}
			continue
		}
		want := fmt.Sprintf("Matched with rule %d\nOriginal number: %s\tTranslated number: %s\n", tc.matched, tc.in, tc.want)
		if !strings.Contains(out, want) {
			t.Errorf("rule %d %s:\n%s\nwant\n%s", tc.rule, tc.in, out, want)
		}
	}
	if out := configtest.Exec(sys, "show running-config | section translation-rule 1"); !strings.Contains(out, "voice translation-rule 1\n rule 1 /^0011/ /+/\n rule 2 /^9\\(.*\\)/ /\\1/\n") {
		t.Errorf("rules not in rule order:\n%s", out)
	}
	before := configtest.Exec(sys, "show running-config | section translation-rule")
	out := configtest.Configure(sys, "voice translation-rule 1\n rule 3 /^9/\n rule 3 ^9/ /x/\n rule 3 /[/ /x/\n rule 3 /a/ /b/c/\n")
	if n := strings.Count(out, "% Invalid input detected at '^' marker."); n != 4 {
		t.Errorf("%d errors for 4 bad rules:\n%s", n, out)
	}
	if after := configtest.Exec(sys, "show running-config | section translation-rule"); after != before {
		t.Errorf("bad rules changed the configuration:\n%s", after)
	}
	if out := configtest.Exec(sys, "test voice translation-rule 9 123"); !strings.Contains(out, "Translation rule 9 does not exist") {
		t.Errorf("missing rule set:\n%s", out)
	}
}

// TestVoiceServiceDefaults: a setting that is on by default shows only
// when turned off, and turning it back on removes the line.
func TestVoiceServiceDefaults(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, "voice service voip\n no supplementary-service h450.2\n srtp fallback\nno call rsvp-sync\n")
	if out := configtest.Exec(sys, "show running-config"); !strings.Contains(out, "voice service voip\n srtp fallback\n no supplementary-service h450.2\n") ||
		!strings.Contains(out, "\nno call rsvp-sync\n") {
		t.Fatalf("before:\n%s", out)
	}
	configtest.Configure(sys, "voice service voip\n supplementary-service h450.2\n no srtp\n exit\ncall rsvp-sync\n")
	out := configtest.Exec(sys, "show running-config")
	if strings.Contains(out, "h450.2") || strings.Contains(out, "srtp") || strings.Contains(out, "rsvp-sync") {
		t.Errorf("after:\n%s", out)
	}
}
