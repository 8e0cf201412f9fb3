package ephone_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"cmeos/telephony/ephone"

	"cmeos/telephony/sccp"
)

// plainConfig is a box with three non-secure phones: ephone 1 (dn 1001),
// ephone 2 (dual-line dn 1002) and ephone 3 (dn 1003).
var plainConfig = []string{
	"telephony-service", " ip source-address 127.0.0.1 port 2000", " max-ephones 10", " max-dn 10",
	" no auto-reg-ephone", " exit",
	"ephone-dn 1", " number 1001", " name Alice", " exit",
	"ephone-dn 2 dual-line", " number 1002", " name Bob", " exit",
	"ephone-dn 3", " number 1003", " name Carol", " exit",
	"ephone 1", " mac-address 0000.0000.0001", " type 7960", " button 1:1", " exit",
	"ephone 2", " mac-address 0000.0000.0002", " type 7960", " button 1:2", " exit",
	"ephone 3", " mac-address 0000.0000.0003", " type 7960", " button 1:3", " exit",
}

func register(t *testing.T, b *box, mac string) *testPhone {
	t.Helper()
	p, rej := dial(t, b.plain, mac, phoneOpts{})
	if rej != "" {
		t.Fatalf("SEP%s rejected: %s", mac, rej)
	}
	return p
}

// call places a call from a to number and answers it at b; it checks
// both phones get media pointing at each other and RTP flows both ways.
func call(t *testing.T, a, b *testPhone, number string) (refA, refB uint32) {
	t.Helper()
	a.send(&sccp.OffHook{})
	refA = a.state(sccp.CallStateOffHook)
	a.tone(sccp.ToneInsideDialTone)
	a.dial(number)
	a.state(sccp.CallStateRingOut)
	refB = b.state(sccp.CallStateRingIn)
	b.wait(func(m sccp.Message) bool { r, ok := m.(*sccp.SetRinger); return ok && r.RingMode == sccp.RingInside }, "SetRinger")
	b.send(&sccp.OffHook{})
	a.state(sccp.CallStateConnected)
	b.state(sccp.CallStateConnected)
	toB, toA := a.smt(), b.smt()
	if toB != b.rtpAddr() || toA != a.rtpAddr() {
		t.Fatalf("media: %s sends to %v (want %v), %s to %v (want %v)", a.name, toB, b.rtpAddr(), b.name, toA, a.rtpAddr())
	}
	rtpFlows(t, a, b, toB)
	rtpFlows(t, b, a, toA)
	return refA, refB
}

func TestRegisterAndShow(t *testing.T) {
	b := newBox(t, append(append([]string(nil), plainConfig...), "telephony-service", " keepalive 45", " date-format dd-mm-yy", " time-format 24", " exit")...)
	if p := register(t, b, "000000000001"); p.ack.KeepAliveInterval != 45 || p.ack.DateTemplate != "D/M/Y" {
		t.Errorf("RegisterAck: keepalive %d, date template %q", p.ack.KeepAliveInterval, p.ack.DateTemplate)
	}
	register(t, b, "000000000002")
	out := show(b.sys, "show ephone registered")
	for _, want := range []string{
		"ephone-1[0] Mac:0000.0000.0001 TCP socket:[1] activeLine:0 whisperLine:0 REGISTERED in\nSCCP ver 17/17 max_streams=3\n",
		"IP:127.0.0.1 * 7960 keepalive 0 max_line 1 available_line 1\nbutton 1: cw:1 ccw:(0 0)\n  dn 1 number 1001 CH1 IDLE\n",
		"  dn 2 number 1002 CH1 IDLE CH2 IDLE\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show ephone registered lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ephone-3") {
		t.Errorf("unregistered ephone 3 in show ephone registered:\n%s", out)
	}
	if out := show(b.sys, "show ephone unregistered"); !strings.Contains(out, "ephone-3[2] Mac:0000.0000.0003 TCP socket:[-1]") || strings.Contains(out, "ephone-1[") {
		t.Errorf("show ephone unregistered:\n%s", out)
	}
	logs := strings.Join(b.sys.Log.Entries(), "\n")
	if !strings.Contains(logs, "%IPPHONE-6-REGISTER: ephone-1:SEP000000000001 IP:127.0.0.1 Socket:1 DeviceType:Phone has registered.") {
		t.Errorf("no REGISTER line:\n%s", logs)
	}
}

// TestRejects: the registration policy on the plain port.
func TestRejects(t *testing.T) {
	b := newBox(t, plainConfig...)
	for _, tc := range []struct {
		name, mac string
		o         phoneOpts
		want      string
	}{
		{"unconfigured MAC", "0000000000FF", phoneOpts{}, "Device Unknown"},
		{"wrong type", "000000000001", phoneOpts{devType: sccp.DeviceStation7970}, "Device type mismatch"},
		{"bad name", "00000000001", phoneOpts{}, "Bad device name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, rej := dial(t, b.plain, tc.mac, tc.o)
			if rej != tc.want {
				t.Fatalf("reject %q, want %q", rej, tc.want)
			}
			if !p.closed() {
				t.Error("connection not closed after RegisterReject")
			}
		})
	}
	// others are unaffected
	register(t, b, "000000000001")
}

func TestBasicCall(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	refA, _ := call(t, p1, p3, "1003")
	if out := show(b.sys, "show ephone-dn 3"); !strings.Contains(out, "CH1   CONNECTED") {
		t.Errorf("show ephone-dn 3:\n%s", out)
	}
	if out := show(b.sys, "show ephone offhook"); !strings.Contains(out, "Lpcor Type: none Active Call on DN 1 chan 1 :1001 127.0.0.1") {
		t.Errorf("show ephone offhook:\n%s", out)
	}
	p1.send(&sccp.OnHook{CallRef: refA})
	p1.state(sccp.CallStateOnHook)
	p3.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.CloseReceiveChannel); return ok }, "CloseReceiveChannel")
	p3.state(sccp.CallStateOnHook)
	// digits after hang-up are ignored; the phone can call again
	p1.dial("1003")
	if out := show(b.sys, "show ephone-dn 3"); !strings.Contains(out, "CH1   IDLE") {
		t.Errorf("dn 3 not idle after hang-up:\n%s", out)
	}
	call(t, p3, p1, "1001")
}

func TestBusyAndReorder(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p2, p3 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003")
	call(t, p1, p3, "1003")
	p2.send(&sccp.OffHook{})
	p2.state(sccp.CallStateOffHook)
	p2.dial("1003")
	p2.state(sccp.CallStateBusy)
	p2.tone(sccp.ToneLineBusyTone)
	p2.send(&sccp.OnHook{})
	p2.state(sccp.CallStateOnHook)
	p2.send(&sccp.OffHook{})
	p2.dial("9")
	p2.state(sccp.CallStateCongestion)
	p2.tone(sccp.ToneReorderTone)
}

// secureBox has phones 1-3 of plainConfig (mode none) and secure ephones
// 4 (encrypted, dn 1004) and 5 (authenticated, dn 1005), TLS with a
// self-signed server certificate and the test CA's root imported.
func secureBox(t *testing.T) (*box, *testCA) {
	ca := newTestCA(t, "Test Manufacturing CA")
	cfg := append(secureLines(ca), plainConfig...)
	cfg = append(cfg, "telephony-service", " secure-signaling trustpoint sccp", " exit",
		"ephone-dn 4", " number 1004", " exit", "ephone-dn 5", " number 1005", " exit",
		"ephone 4", " mac-address 0000.0000.0004", " type 7970", " device-security-mode encrypted", " button 1:4", " exit",
		"ephone 5", " mac-address 0000.0000.0005", " type 7970", " device-security-mode authenticated", " button 1:5", " exit")
	b := newBox(t, cfg...)
	if b.secure == "" {
		t.Fatalf("no TLS listener; log:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
	}
	return b, ca
}

func TestSecureRegistration(t *testing.T) {
	b, ca := secureBox(t)
	other := newTestCA(t, "Other CA")
	lsc := ca.issue(t, "SEP000000000004")
	mic := ca.issue(t, "CP-7970-SEP000000000005")
	for _, tc := range []struct {
		name, addr, mac string
		o               phoneOpts
		want            string
	}{
		{"secure phone on 2000", b.plain, "000000000004", phoneOpts{devType: sccp.DeviceStation7970}, "Secure device: use TLS port"},
		{"none phone on 2443", b.secure, "000000000001", phoneOpts{cert: &lsc}, "Non-secure device on TLS port"},
		{"certificate naming another MAC", b.secure, "000000000005", phoneOpts{devType: sccp.DeviceStation7970, cert: &lsc}, "Certificate names other device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, rej := dial(t, tc.addr, tc.mac, tc.o)
			if rej != tc.want {
				t.Fatalf("reject %q, want %q", rej, tc.want)
			}
			if tc.want != "" && !p.closed() {
				t.Error("connection not closed after RegisterReject")
			}
		})
	}
	t.Run("certificate from another CA", func(t *testing.T) {
		bad := other.issue(t, "SEP000000000004")
		_, rej := dial(t, b.secure, "000000000004", phoneOpts{devType: sccp.DeviceStation7970, cert: &bad})
		if !strings.HasPrefix(rej, "read: ") {
			t.Fatalf("a certificate from an unknown CA registered (%q)", rej)
		}
	})
	// the phones that may register (kept for the show below)
	if _, rej := dial(t, b.secure, "000000000004", phoneOpts{devType: sccp.DeviceStation7970, cert: &lsc}); rej != "" {
		t.Fatalf("encrypted phone with LSC over TLS: %s", rej)
	}
	if _, rej := dial(t, b.secure, "000000000005", phoneOpts{devType: sccp.DeviceStation7970, cert: &mic}); rej != "" {
		t.Fatalf("authenticated phone with MIC over TLS: %s", rej)
	}
	out := show(b.sys, "show ephone registered")
	for _, want := range []string{
		"ephone-4[3] Mac:0000.0000.0004 TCP socket:[1] activeLine:0 whisperLine:0 REGISTERED in\nSCCP ver 17/17 max_streams=3 + Authentication + Encryption with TLS connection\n",
		"ephone-5[4] Mac:0000.0000.0005 TCP socket:[2] activeLine:0 whisperLine:0 REGISTERED in\nSCCP ver 17/17 max_streams=3 + Authentication with TLS connection\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show ephone registered lacks %q:\n%s", want, out)
		}
	}
}

func TestHoldResume(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	refA, _ := call(t, p1, p3, "1003")
	p1.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyHold, Line: 1, CallRef: refA})
	p1.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.CloseReceiveChannel); return ok }, "CloseReceiveChannel")
	p1.state(sccp.CallStateHold)
	p3.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StopMediaTransmission); return ok }, "StopMediaTransmission")
	if out := show(b.sys, "show ephone-dn 1"); !strings.Contains(out, "CH1   HOLD") {
		t.Errorf("show ephone-dn 1 while held:\n%s", out)
	}
	p1.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyResume, Line: 1, CallRef: refA})
	p1.state(sccp.CallStateConnected)
	toP3, toP1 := p1.smt(), p3.smt()
	if toP3 != p3.rtpAddr() || toP1 != p1.rtpAddr() {
		t.Fatalf("media after resume: %v %v", toP3, toP1)
	}
	rtpFlows(t, p1, p3, toP3)
	rtpFlows(t, p3, p1, toP1)
}

// TestTransfer: ephone 2 (dual-line) answers ephone 1, then transfers it
// to ephone 3, consultative (full-consult) and blind.
func TestTransfer(t *testing.T) {
	for _, mode := range []string{"full-consult", "full-blind"} {
		t.Run(mode, func(t *testing.T) {
			cfg := append(append([]string(nil), plainConfig...), "telephony-service", " transfer-system "+mode, " exit")
			b := newBox(t, cfg...)
			p1, p2, p3 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003")
			_, ref2 := call(t, p1, p2, "1002")
			p2.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyTransfer, Line: 1, CallRef: ref2})
			p2.state(sccp.CallStateHold)
			p2.state(sccp.CallStateOffHook)
			p2.tone(sccp.ToneInsideDialTone)
			p2.dial("1003")
			ref3 := p3.state(sccp.CallStateRingIn)
			if mode == "full-consult" {
				p3.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyAnswer, Line: 1, CallRef: ref3})
				p3.state(sccp.CallStateConnected)
				consult := p2.state(sccp.CallStateConnected)
				p3.smt()
				p2.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyTransfer, Line: 1, CallRef: consult})
			} else {
				p1.state(sccp.CallStateRingOut)
				p3.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyAnswer, Line: 1, CallRef: ref3})
				p3.state(sccp.CallStateConnected)
			}
			// ephone 2 is out of both calls; 1 and 3 talk
			p2.state(sccp.CallStateOnHook)
			p1.state(sccp.CallStateConnected)
			to3, to1 := p1.smt(), p3.smt()
			if to3 != p3.rtpAddr() || to1 != p1.rtpAddr() {
				t.Fatalf("media after transfer: 1 sends to %v (3 is %v), 3 to %v (1 is %v)", to3, p3.rtpAddr(), to1, p1.rtpAddr())
			}
			rtpFlows(t, p1, p3, to3)
			rtpFlows(t, p3, p1, to1)
			if out := show(b.sys, "show ephone-dn 2"); !strings.Contains(out, "CH1   IDLE") {
				t.Errorf("dn 2 after transfer:\n%s", out)
			}
		})
	}
}

// fourth adds ephone 4 with dn 1004 to plainConfig.
var fourth = []string{"ephone-dn 4", " number 1004", " name Dave", " exit",
	"ephone 4", " mac-address 0000.0000.0004", " type 7960", " button 1:4", " exit"}

func TestCallForward(t *testing.T) {
	for _, tc := range []struct{ name, fwd string }{
		{"busy", "call-forward busy 1004"},
		{"noan", "call-forward noan 1004 timeout 3"},
		{"all", "call-forward all 1004"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := append(append(append([]string(nil), plainConfig...), fourth...), "ephone-dn 3", " "+tc.fwd, " exit")
			b := newBox(t, cfg...)
			p1, p2, p3, p4 := register(t, b, "000000000001"), register(t, b, "000000000002"),
				register(t, b, "000000000003"), register(t, b, "000000000004")
			caller := p1
			switch tc.name {
			case "busy":
				call(t, p1, p3, "1003") // dn 3 is busy now
				caller = p2
				caller.send(&sccp.OffHook{})
				caller.dial("1003")
			case "noan":
				p1.send(&sccp.OffHook{})
				p1.dial("1003")
				p3.state(sccp.CallStateRingIn)
				p3.state(sccp.CallStateOnHook) // after 3 s the call moves on
			case "all":
				p1.send(&sccp.OffHook{})
				p1.dial("1003")
			}
			ref := p4.state(sccp.CallStateRingIn)
			ci := p4.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.CallInfo); return ok }, "CallInfo").(*sccp.CallInfo)
			if ci.OriginalCalledParty != "1003" || ci.CallType != sccp.CallTypeForward {
				t.Errorf("CallInfo at the forward target: %+v", ci)
			}
			p4.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyAnswer, Line: 1, CallRef: ref})
			caller.state(sccp.CallStateConnected)
			to4, toCaller := caller.smt(), p4.smt()
			if to4 != p4.rtpAddr() || toCaller != caller.rtpAddr() {
				t.Fatalf("media: %v %v", to4, toCaller)
			}
			rtpFlows(t, caller, p4, to4)
		})
	}
}

// TestCallWaiting: dn 1002 is dual-line; a second call waits with the
// call-waiting tone, and answering it holds the first.
func TestCallWaiting(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p2, p3 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003")
	_, first := call(t, p1, p2, "1002")
	p3.send(&sccp.OffHook{})
	p3.dial("1002")
	p3.state(sccp.CallStateRingOut)
	ref := p2.state(sccp.CallStateRingIn)
	p2.tone(sccp.ToneCallWaiting)
	if out := show(b.sys, "show ephone-dn 2"); !strings.Contains(out, "CH1   CONNECTED   CH2   RINGING") {
		t.Errorf("show ephone-dn 2 with a call waiting:\n%s", out)
	}
	p2.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyAnswer, Line: 1, CallRef: ref})
	p2.wait(func(m sccp.Message) bool {
		cs, ok := m.(*sccp.CallState)
		return ok && cs.State == sccp.CallStateHold && cs.CallRef == first
	}, "first call on hold")
	p3.state(sccp.CallStateConnected)
	to2, to3 := p3.smt(), p2.smt()
	if to2 != p2.rtpAddr() || to3 != p3.rtpAddr() {
		t.Fatalf("media: %v %v", to2, to3)
	}
	rtpFlows(t, p3, p2, to2)
}

// TestSharedLine: a DN on two phones rings both; answering on one stops
// the other.
func TestSharedLine(t *testing.T) {
	cfg := append(append([]string(nil), plainConfig...), "ephone 2", " button 1:2 2:3", " exit")
	b := newBox(t, cfg...)
	p1, p2, p3 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003")
	p1.send(&sccp.OffHook{})
	p1.dial("1003")
	p2.state(sccp.CallStateRingIn)
	ref := p3.state(sccp.CallStateRingIn)
	p3.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyAnswer, Line: 1, CallRef: ref})
	p2.state(sccp.CallStateOnHook)
	p1.state(sccp.CallStateConnected)
	if to := p1.smt(); to != p3.rtpAddr() {
		t.Fatalf("media to %v, want ephone 3 at %v", to, p3.rtpAddr())
	}
}

// TestVanish: a phone that disappears mid-call is unregistered and its
// far end cleared; the other phones go on.
func TestVanish(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	call(t, p1, p3, "1003")
	p3.conn.Close()
	p1.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.CloseReceiveChannel); return ok }, "CloseReceiveChannel")
	p1.state(sccp.CallStateOnHook)
	// The far end is cleared first; the unregistration is logged as the
	// connection's goroutine ends, so give it a moment.
	var logs, out string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		logs = strings.Join(b.sys.Log.Entries(), "\n")
		out = show(b.sys, "show ephone registered")
		if strings.Contains(logs, "%IPPHONE-6-UNREGISTER_ABNORMAL: ephone-3:SEP000000000003") && !strings.Contains(out, "ephone-3") {
			break
		}
	}
	if !strings.Contains(logs, "%IPPHONE-6-UNREGISTER_ABNORMAL: ephone-3:SEP000000000003") {
		t.Errorf("no UNREGISTER line:\n%s", logs)
	}
	if strings.Contains(out, "ephone-3") {
		t.Errorf("vanished phone still registered:\n%s", out)
	}
	p2 := register(t, b, "000000000002")
	call(t, p1, p2, "1002")
}

// TestUnregister: a phone that says goodbye is logged as such.
func TestUnregister(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1 := register(t, b, "000000000001")
	p1.send(&sccp.Unregister{})
	p1.wait(func(m sccp.Message) bool {
		a, ok := m.(*sccp.UnregisterAck)
		return ok && a.Status == sccp.UnregisterAckOK
	}, "UnregisterAck")
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "%IPPHONE-6-UNREGISTER_NORMAL: ephone-1:SEP000000000001 IP:127.0.0.1 Socket:1 DeviceType:Phone has unregistered normally.") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("no UNREGISTER_NORMAL:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
}

// TestInterdigit: 100 is a prefix of 1001, so dialling 100 waits for the
// interdigit timeout (timeouts interdigit 2) before ringing dn 100.
func TestInterdigit(t *testing.T) {
	cfg := append(append([]string(nil), plainConfig...), "telephony-service", " timeouts interdigit 2", " exit",
		"ephone-dn 3", " number 100", " exit")
	b := newBox(t, cfg...)
	if out := show(b.sys, "show running-config"); !strings.Contains(out, " timeouts interdigit 2\n") {
		t.Errorf("timeouts interdigit not rendered:\n%s", out)
	}
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	p1.send(&sccp.OffHook{})
	p1.dial("100")
	start := time.Now()
	p3.state(sccp.CallStateRingIn)
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("rang after %v, before the interdigit timeout", d)
	}
	// a digit string nothing can match is reorder at once
	p3.send(&sccp.OffHook{})
	p1.send(&sccp.OnHook{})
	p1.send(&sccp.OffHook{})
	p1.dial("7")
	p1.state(sccp.CallStateCongestion)
}

// TestAutoRegister: with auto-registration on and no security, an unknown
// phone takes the first free ephone tag; with max-ephones reached it is
// refused.
func TestAutoRegister(t *testing.T) {
	cfg := append(append([]string(nil), plainConfig...), "telephony-service", " auto-reg-ephone", " max-ephones 4", " exit")
	b := newBox(t, cfg...)
	register(t, b, "0000000000AA")
	if out := show(b.sys, "show ephone registered"); !strings.Contains(out, "ephone-4[3] Mac:0000.0000.00AA TCP socket:[1]") {
		t.Errorf("auto-registered phone:\n%s", out)
	}
	if _, rej := dial(t, b.plain, "0000000000BB", phoneOpts{}); rej != "Max ephones exceeded" {
		t.Errorf("fifth phone: reject %q", rej)
	}
}

// TestAdmin: debug ephone register for one MAC, ephone restart and
// telephony-service reset all.
func TestAdmin(t *testing.T) {
	b := newBox(t, plainConfig...)
	if out := show(b.sys, "debug ephone register mac-address 0000.0000.0001"); out != "EPHONE registration debugging is enabled\n" {
		t.Errorf("debug ephone register: %q", out)
	}
	p1, p2 := register(t, b, "000000000001"), register(t, b, "000000000002")
	logs := strings.Join(b.sys.Log.Entries(), "\n")
	if !strings.Contains(logs, "%EPHONE-7-REGISTER: ephone-1[0]:Registered SEP000000000001") || strings.Contains(logs, "Registered SEP000000000002") {
		t.Errorf("debug lines:\n%s", logs)
	}
	if out := show(b.sys, "no debug ephone register"); out != "EPHONE registration debugging is disabled\n" {
		t.Errorf("no debug ephone register: %q", out)
	}
	console(b.sys, "ephone 2", " restart")
	p2.wait(func(m sccp.Message) bool { r, ok := m.(*sccp.Reset); return ok && r.Type == sccp.ResetRestart }, "Reset restart")
	console(b.sys, "telephony-service", " reset all")
	p1.wait(func(m sccp.Message) bool { r, ok := m.(*sccp.Reset); return ok && r.Type == sccp.ResetReset }, "Reset reset")
	p2.wait(func(m sccp.Message) bool { r, ok := m.(*sccp.Reset); return ok && r.Type == sccp.ResetReset }, "Reset reset")
	for _, c := range []string{"show ephone summary", "show ephone 1", "show ephone telephone-number 1002", "show ephone phone-load", "show ephone socket"} {
		if out := show(b.sys, c); strings.Contains(out, "%") || out == "" {
			t.Errorf("%s:\n%s", c, out)
		}
	}
	if out := show(b.sys, "show ephone telephone-number 1002"); !strings.Contains(out, "ephone-2[1]") || strings.Contains(out, "ephone-1[") {
		t.Errorf("show ephone telephone-number 1002:\n%s", out)
	}
}

// TestHunt: 1003 is dn 3's number and dn 4's secondary number; dn 3 has
// preference 1, so dn 4 (preference 0) takes the call first and, busy,
// lets it hunt on to dn 3 unless it has huntstop. huntstop channel keeps a
// dual-line DN's second channel from incoming calls (no call waiting).
func TestHunt(t *testing.T) {
	base := append(append([]string(nil), plainConfig...), "ephone-dn 3", " preference 1", " exit",
		"ephone-dn 4", " number 1004 secondary 1003", " exit",
		"ephone 4", " mac-address 0000.0000.0004", " type 7960", " button 1:4", " exit")
	t.Run("preference and hunting", func(t *testing.T) {
		b := newBox(t, base...)
		if out := show(b.sys, "show running-config"); !strings.Contains(out, "ephone-dn 3\n number 1003\n name Carol\n preference 1\n") {
			t.Errorf("preference not rendered:\n%s", out)
		}
		p1, p2, p3, p4 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003"), register(t, b, "000000000004")
		call(t, p1, p4, "1003") // dn 4 first
		call(t, p2, p3, "1003") // dn 4 busy: hunts to dn 3
	})
	t.Run("huntstop", func(t *testing.T) {
		b := newBox(t, append(base, "ephone-dn 4", " huntstop", " exit")...)
		p1, p2 := register(t, b, "000000000001"), register(t, b, "000000000002")
		register(t, b, "000000000003")
		p4 := register(t, b, "000000000004")
		call(t, p1, p4, "1003")
		p2.send(&sccp.OffHook{})
		p2.dial("1003")
		p2.state(sccp.CallStateBusy)
	})
	t.Run("huntstop channel", func(t *testing.T) {
		b := newBox(t, append(append([]string(nil), plainConfig...), "ephone-dn 2 dual-line", " huntstop channel", " exit")...)
		if out := show(b.sys, "show running-config"); !strings.Contains(out, " huntstop channel\n") {
			t.Errorf("huntstop channel not rendered:\n%s", out)
		}
		p1, p2, p3 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003")
		call(t, p1, p2, "1002")
		p3.send(&sccp.OffHook{})
		p3.dial("1002")
		p3.state(sccp.CallStateBusy)
	})
}

// TestMediaPlanner: a planner's codec, keys and Join are what the phones
// are told (the seam for SRTP keys and transcoders).
func TestMediaPlanner(t *testing.T) {
	b := newBox(t, plainConfig...)
	relay := netip.MustParseAddrPort("127.0.0.1:40000")
	var joined []netip.AddrPort
	ephone.FromSystem(b.sys).SetMediaPlanner(func(a, c ephone.MediaEndpoint) (ephone.MediaPlan, error) {
		plan, err := ephone.DirectMedia(a, c)
		plan.A.TxKey = sccp.MediaEncryptionKeyInfo{Algorithm: sccp.EncryptionAESCM128HMACSHA1_80, KeyLen: 16, SaltLen: 14}
		plan.Join = func(aRecv, bRecv netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) {
			joined = append(joined, aRecv, bRecv)
			return relay, relay, nil
		}
		return plan, err
	})
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	p1.send(&sccp.OffHook{})
	p1.dial("1003")
	p3.state(sccp.CallStateRingIn)
	p3.send(&sccp.OffHook{})
	smt := p1.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StartMediaTransmission); return ok }, "SMT").(*sccp.StartMediaTransmission)
	if smt.KeyInfo.Algorithm != sccp.EncryptionAESCM128HMACSHA1_80 || netip.AddrPortFrom(smt.RemoteIP, uint16(smt.RemotePort)) != relay {
		t.Errorf("caller's StartMediaTransmission: %v to %v:%d", smt.KeyInfo, smt.RemoteIP, smt.RemotePort)
	}
	if to := p3.smt(); to != relay {
		t.Errorf("callee sends to %v, want the relay", to)
	}
	if len(joined) != 2 || joined[0] != p1.rtpAddr() || joined[1] != p3.rtpAddr() {
		t.Errorf("Join got %v", joined)
	}
	if out := show(b.sys, "show ephone offhook"); !strings.Contains(out, "Active Secure Call") || !strings.Contains(out, "SRTP cipher: AES_CM_128_HMAC_SHA1_80") {
		t.Errorf("show ephone offhook with keys:\n%s", out)
	}
}

// TestConfigChange: a registered phone whose ephone is removed, or whose
// security mode changes, is reset so that it registers under the new
// policy.
func TestConfigChange(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p2 := register(t, b, "000000000001"), register(t, b, "000000000002")
	console(b.sys, "no ephone 1")
	p1.wait(func(m sccp.Message) bool { r, ok := m.(*sccp.Reset); return ok && r.Type == sccp.ResetReset }, "Reset")
	console(b.sys, "ephone 2", " device-security-mode encrypted", " exit")
	p2.wait(func(m sccp.Message) bool { r, ok := m.(*sccp.Reset); return ok && r.Type == sccp.ResetReset }, "Reset")
	if _, rej := dial(t, b.plain, "000000000002", phoneOpts{}); rej != "Secure device: use TLS port" {
		t.Errorf("re-registration on 2000 after the change: %q", rej)
	}
}

// TestOverlay: `button 1o3,4` puts dn 3 and dn 4 on one line button; a
// call to either rings it, and the phone calls out on the first free one.
func TestOverlay(t *testing.T) {
	cfg := append(append([]string(nil), plainConfig...), "ephone-dn 4", " number 1004", " exit",
		"ephone 3", " button 1o3,4", " exit")
	b := newBox(t, cfg...)
	if out := show(b.sys, "show running-config"); !strings.Contains(out, " button 1o3,4\n") {
		t.Fatalf("overlay button not kept:\n%s", out)
	}
	p1, p2, p3 := register(t, b, "000000000001"), register(t, b, "000000000002"), register(t, b, "000000000003")
	_, ref := call(t, p1, p3, "1004")
	p3.send(&sccp.SoftKeyEvent{Event: sccp.SoftKeyEndCall, Line: 1, CallRef: ref})
	p1.state(sccp.CallStateOnHook)
	call(t, p2, p3, "1003")
}

// TestSpeedDial: ephone speed-dial lines become speed-dial buttons after
// the line buttons, SpeedDialStat names them, and pressing one calls.
func TestSpeedDial(t *testing.T) {
	cfg := append(append([]string(nil), plainConfig...), "ephone 1", " speed-dial 2 1003 label Carol desk", " exit")
	b := newBox(t, cfg...)
	if out := show(b.sys, "show running-config"); !strings.Contains(out, " button 1:1\n speed-dial 2 1003 label Carol desk\n") {
		t.Fatalf("speed-dial not rendered:\n%s", out)
	}
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	p1.send(&sccp.ButtonTemplateReq{})
	bt := p1.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.ButtonTemplate); return ok }, "ButtonTemplate").(*sccp.ButtonTemplate)
	if len(bt.Buttons) != 2 || bt.Buttons[1] != (sccp.Button{Instance: 1, Type: sccp.StimulusSpeedDial}) {
		t.Errorf("button template %+v", bt.Buttons)
	}
	p1.send(&sccp.SpeedDialStatReq{Index: 1})
	sd := p1.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.SpeedDialStat); return ok }, "SpeedDialStat").(*sccp.SpeedDialStat)
	if sd.Number != "1003" || sd.Name != "Carol desk" {
		t.Errorf("SpeedDialStat %+v", sd)
	}
	p1.send(&sccp.StimulusMessage{Stimulus: sccp.StimulusSpeedDial, StimulusInstance: 1})
	p3.state(sccp.CallStateRingIn)
	p1.state(sccp.CallStateRingOut)
}

// TestAlarm: a phone's Alarm is logged as %IPPHONE-6-REG_ALARM with its
// text escaped.
func TestAlarm(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1 := register(t, b, "000000000001")
	p1.send(&sccp.Alarm{Severity: sccp.AlarmSeverityInformational, DisplayMessage: "Name=SEP000000000001 Load=8.0\x1b[2J Last=Initialized", Param1: 23})
	want := `%IPPHONE-6-REG_ALARM: 23: Name=SEP000000000001 Load=8.0\x1B[2J Last=Initialized`
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("no %q in:\n%s", want, strings.Join(b.sys.Log.Entries(), "\n"))
}

// TestTrustChangeReachesTLS: 2443's TLS configuration is shared by every
// connection and rebuilt when the trust set changes: a MIC whose root is
// not yet imported is refused, accepted once `crypto pki authenticate`
// imported it, and refused again after `no crypto pki trustpoint`.
func TestTrustChangeReachesTLS(t *testing.T) {
	b, _ := secureBox(t)
	late := newTestCA(t, "Late Manufacturing CA")
	mic := late.issue(t, "CP-7970-SEP000000000005")
	o := phoneOpts{devType: sccp.DeviceStation7970, cert: &mic}
	if _, rej := dial(t, b.secure, "000000000005", o); rej == "" {
		t.Fatal("a MIC of an unknown root registered")
	}
	paste := strings.Split(strings.TrimSpace(late.pem()), "\n")
	out := console(b.sys, "crypto pki trustpoint late", " enrollment terminal", " revocation-check none", " exit",
		"crypto pki authenticate late|"+strings.Join(paste, "|")+"||yes")
	if !strings.Contains(out, "% Certificate successfully imported") {
		t.Fatalf("import:\n%s", out)
	}
	p, rej := dial(t, b.secure, "000000000005", o)
	if rej != "" {
		t.Fatalf("after the import: %s", rej)
	}
	p.conn.Close()
	console(b.sys, "no crypto pki trustpoint late|yes")
	if _, rej := dial(t, b.secure, "000000000005", o); rej == "" {
		t.Fatal("a MIC of a removed root registered")
	}
}

// TestDialPeerRouting: a number no ephone-dn matches goes to the dial
// plan. A SIP dial-peer this box cannot call (target sip-server) is
// refused with a log line naming it and reorder; an H.323 one likewise; a
// T pattern waits for the interdigit timeout before deciding; a number no
// dial-peer matches is reorder at once, as before.
func TestDialPeerRouting(t *testing.T) {
	cfg := append(append([]string(nil), plainConfig...), "telephony-service", " timeouts interdigit 2", " exit",
		"dial-peer voice 10 voip", " destination-pattern 2668....", " session protocol sipv2", " session target sip-server", " exit",
		"dial-peer voice 11 voip", " destination-pattern 5694....", " session target ras", " exit",
		"dial-peer voice 20 voip", " destination-pattern 8T", " session target ras", " exit")
	b := newBox(t, cfg...)
	p := register(t, b, "000000000001")
	for _, tc := range []struct{ number, log string }{
		{"26681234", "Call from SEP000000000001 refused: dial-peer voice 10 voip matches 26681234: its session target is not an ipv4 address"},
		{"56941234", "dial-peer voice 11 voip matches 56941234: H.323 session protocol"},
		{"8123", "dial-peer voice 20 voip matches 8123"},
	} {
		p.send(&sccp.OffHook{})
		p.state(sccp.CallStateOffHook)
		p.dial(tc.number)
		p.state(sccp.CallStateCongestion)
		p.tone(sccp.ToneReorderTone)
		p.send(&sccp.OnHook{})
		p.state(sccp.CallStateOnHook)
		if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), tc.log) {
			t.Errorf("%s: no log line %q:\n%s", tc.number, tc.log, strings.Join(b.sys.Log.Entries(), "\n"))
		}
	}
	// Nothing matches: reorder, no dial-peer log line.
	n := len(b.sys.Log.Entries())
	p.send(&sccp.OffHook{})
	p.state(sccp.CallStateOffHook)
	p.dial("7")
	p.state(sccp.CallStateCongestion)
	if strings.Contains(strings.Join(b.sys.Log.Entries()[n:], "\n"), "CALL_REFUSED") {
		t.Error("a dial-peer refusal for a number no dial-peer matches")
	}
	// The ephone-dns still win: 1002 rings phone 2.
	p.send(&sccp.OnHook{})
	p.state(sccp.CallStateOnHook)
	p2 := register(t, b, "000000000002")
	call(t, p, p2, "1002")
}

// TestShowCallActiveVoice: a connected call shows as two SCCP legs with
// their direction, numbers, state and codec; the totals count them; no
// call, no legs.
func TestShowCallActiveVoice(t *testing.T) {
	b := newBox(t, plainConfig...)
	p1, p3 := register(t, b, "000000000001"), register(t, b, "000000000003")
	if out := show(b.sys, "show call active voice brief"); !strings.Contains(out, "Total call-legs: 0") {
		t.Errorf("idle:\n%s", out)
	}
	call(t, p1, p3, "1003")
	out := show(b.sys, "show call active voice brief")
	for _, want := range []string{" pid:1 Originate 1003 active\n", " pid:3 Answer 1001 active\n", " SCCP ephone-1 [DN 1] G711Ulaw64k none\n",
		" SCCP ephone-3 [DN 3] G711Ulaw64k none\n", "SCCP call-legs: 2\n", "Total call-legs: 2\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show call active voice brief lacks %q:\n%s", want, out)
		}
	}
	if out := show(b.sys, "show voice port summary"); !strings.Contains(out, "PORT            CH   SIG-TYPE") {
		t.Errorf("show voice port summary:\n%s", out)
	}
}
