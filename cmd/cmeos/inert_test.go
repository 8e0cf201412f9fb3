package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"cmeos/ios/cli"
	"cmeos/ios/config/configtest"
)

// TestInertCommands is issue 17 item 4: every command kept for
// compatibility without an effect carries cli.Command.Inert, and this list
// names them all, so that a silent no-op cannot hide. A command that gets
// its effect leaves the flag and this list; an interactive session notes
// an inert command once.
func TestInertCommands(t *testing.T) {
	sys := configtest.NewSystem(t, nil, nil, "")
	var got []string
	for _, c := range sys.Tree.Commands() {
		if c.Inert {
			got = append(got, c.Mode+": "+c.Syntax)
		}
	}
	want := []string{
		"config: logging rate-limit rate:<1-10000>",
		"config: resource policy",
		"config: ip cef",
		"config: voice service voip",
		"config: voice class codec tag:<1-10000>",
		"config: voice translation-rule n:<1-2147483647>",
		"config: voice translation-profile pname:WORD",
		"config: voice iec syslog",
		"config: voice statistics type iec",
		"config: voice statistics time-range since-reset",
		"config: voice call debug full-guid",
		"config: voice call send-alert",
		"config: gw-accounting aaa",
		"config: control-plane",
		"config: call rsvp-sync",
		"config: gateway",
		"config: ntp server A.B.C.D [ prefer ]",
		"cfg-translation-profile: translate { called | calling | redirect-called } rulen:<1-2147483647>",
		"conf-serv-h323: emptycapability",
		"conf-serv-h323: ras rrq ttl seconds:<1-4000>",
		"conf-serv-sip: bind what:{ control | media | all } source-interface ifname:WORD",
		"conf-voi-serv: srtp [ mode:{ fallback | pass-thru } ]",
		"conf-voi-serv: allow-connections from:{ h323 | sip } to to-type:{ h323 | sip }",
		"conf-voi-serv: supplementary-service { h450.2 | h450.3 | h450.7 | h450.12 | sip { refer | moved-temporarily } }",
		"conf-voi-serv: supplementary-service media-renegotiate",
		"conf-voi-serv: fax protocol { t38 | pass-through { g711ulaw | g711alaw } | none }",
		"conf-voi-serv: ip address trusted authenticate",
		"conf-voi-serv: h323",
		"conf-voi-serv: sip",
		"config-class: codec preference order:<1-14> name:{ g711alaw | g711ulaw | g722-64 | g723ar53 | g723ar63 | g723r53 | g723r63 | g726r16 | g726r24 | g726r32 | g728 | g729br8 | g729r8 | gsmamr-nb | gsmefr | gsmfr | ilbc | isac | transparent }",
		"config-gateway: timer receive-rtp seconds:<180-1000000>",
		"config-if: duplex { auto | full | half }",
		"config-if: speed { auto | 10 | 100 | 1000 }",
		"config-if: fair-queue [ cdt:<1-4096> [ queues:<16-4096> [ rsv:<0-1000> ] ] ]",
		"config-if: ip rsvp bandwidth [ kbps:<1-10000000> [ flow:<1-10000000> ] ]",
		"config-if: cdp enable",
		"config-if: h323-gateway voip { interface | id gk:WORD ipaddr gkip:A.B.C.D [ port:<1-65535> ] | h323-id h323id:WORD | tech-prefix prefix:WORD }",
		"config-sip-ua: retry { invite | bye | cancel | response | prack | notify | register } count:<1-10>",
		"config-sip-ua: timers { trying | connect | disconnect | expires } ms:<100-180000>",
		"config-sip-ua: registrar target:WORD [ expires secs:<60-65535> ]",
		"config-telephony: auto assign first:<1-1500> to last:<1-1500>",
		"config-telephony: url { directories | services | idle | information | proxy-server } value:LINE",
		"config-telephony: url authentication authurl:WORD app:WORD password [ typ:{ 0 | 6 } ] pw:WORD",
		"config-telephony: authentication credential app:WORD password [ typ:{ 0 | 6 } ] pw:WORD",
		"config-telephony: ssh userid uname:WORD password [ typ:{ 0 | 6 } ] pw:WORD",
		"config-telephony: service local-directory authenticate uname:WORD [ typ:{ 0 | 6 } ] pw:WORD",
		"config-telephony: xml user uname:WORD password [ typ:{ 0 | 6 } ] pw:WORD priv:<0-15>",
		"config-telephony: standby user uname:WORD password [ typ:{ 0 | 6 } ] pw:WORD",
		"config-telephony: voicemail number:WORD",
		"config-telephony: max-conferences n:<1-32> [ gain db:<-6-6> ]",
		"config-telephony: call-forward pattern pat:WORD",
		"config-telephony: moh file:WORD",
		"config-telephony: web admin system name uname:WORD { password | secret } wpw:WORD",
		"config-telephony: dn-webedit",
		"config-telephony: time-webedit",
		"config-telephony: transfer-pattern pattern:WORD [ blind ]",
		"config-telephony: dialplan-pattern tag:<1-32> pattern:WORD extension-length len:<1-32> [ extension-pattern ext:WORD ] [ no-reg ]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inert commands (-listed +flagged):\n%s", diff)
	}

	// The note, once per command and session, not for `no`.
	var out bytes.Buffer
	s := sys.NewSession("console", cli.PrivMax, &out, noAnswers{})
	for _, l := range []string{"configure terminal", "ntp server 10.1.1.1", "ntp server 10.1.1.2", "no ntp server 10.1.1.2", "end"} {
		s.Execute(l)
	}
	if n := strings.Count(out.String(), `% Note: "ntp server" is saved in the configuration but has no effect on cmeos yet.`); n != 1 {
		t.Errorf("note printed %d times:\n%s", n, out.String())
	}
}

// noAnswers is an interactive console that answers no question.
type noAnswers struct{}

func (noAnswers) Ask(string) (string, error)       { return "", cli.ErrNoInput }
func (noAnswers) AskSecret(string) (string, error) { return "", cli.ErrNoInput }
func (noAnswers) Confirm(string) (bool, error)     { return false, cli.ErrNoInput }
