package ephone_test

import (
	"encoding/base64"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"

	"cmeos/crypto/srtp"
	_ "cmeos/telephony/dialplan"
	_ "cmeos/telephony/dspfarm"
	"cmeos/telephony/media"
	"cmeos/telephony/sccp"
)

// encryptedPair is secureBox plus a second encrypted phone (ephone 6, dn
// 1006), both registered over TLS with LSCs from the test CA.
func encryptedPair(t *testing.T, capsA, capsB []uint32) (*box, *testPhone, *testPhone) {
	ca := newTestCA(t, "Test Manufacturing CA")
	cfg := append(secureLines(ca), plainConfig...)
	cfg = append(cfg, "telephony-service", " secure-signaling trustpoint sccp", " sdspfarm units 1",
		" sdspfarm transcode sessions 2", " sdspfarm tag 1 xcode01", " exit",
		"ephone-dn 4", " number 1004", " exit", "ephone-dn 6", " number 1006", " exit",
		"ephone 4", " mac-address 0000.0000.0004", " type 7970", " device-security-mode encrypted", " button 1:4", " exit",
		"ephone 6", " mac-address 0000.0000.0006", " type 7970", " device-security-mode encrypted", " button 1:6", " exit")
	b := newBox(t, cfg...)
	if b.secure == "" {
		t.Fatal("no TLS listener")
	}
	la, lb := ca.issue(t, "SEP000000000004"), ca.issue(t, "SEP000000000006")
	a, rej := dial(t, b.secure, "000000000004", phoneOpts{devType: sccp.DeviceStation7970, cert: &la, caps: capsA})
	if rej != "" {
		t.Fatal(rej)
	}
	c, rej := dial(t, b.secure, "000000000006", phoneOpts{devType: sccp.DeviceStation7970, cert: &lb, caps: capsB})
	if rej != "" {
		t.Fatal(rej)
	}
	return b, a, c
}

func key(t *testing.T, k sccp.MediaEncryptionKeyInfo) srtp.Key {
	t.Helper()
	x, err := srtp.FromParts(srtp.Suite(k.Algorithm), k.Key[:k.KeyLen], k.Salt[:k.SaltLen])
	if err != nil {
		t.Fatalf("key block: %v", err)
	}
	return x
}

// answered has phone a call number, which rings phone c, and c answer.
func answered(a, c *testPhone, number string) {
	a.t.Helper()
	a.send(&sccp.OffHook{})
	a.state(sccp.CallStateOffHook)
	a.dial(number)
	c.state(sccp.CallStateRingIn)
	c.send(&sccp.OffHook{})
}

// media waits for a phone's OpenReceiveChannel and StartMediaTransmission.
func mediaOf(p *testPhone) (*sccp.OpenReceiveChannel, *sccp.StartMediaTransmission) {
	orc := p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.OpenReceiveChannel); return ok }, "OpenReceiveChannel").(*sccp.OpenReceiveChannel)
	smt := p.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StartMediaTransmission); return ok }, "StartMediaTransmission").(*sccp.StartMediaTransmission)
	return orc, smt
}

// TestSecureCallKeys: two encrypted phones get fresh SRTP keys, what one
// encrypts with is what the other decrypts with, CallInfo says encrypted,
// and show ephone offhook prints exactly those keys (seed 004's only
// place for them).
func TestSecureCallKeys(t *testing.T) {
	b, a, c := encryptedPair(t, nil, nil)
	answered(a, c, "1006")
	oa, sa := mediaOf(a)
	oc, sc := mediaOf(c)
	for _, k := range []sccp.MediaEncryptionKeyInfo{oa.KeyInfo, sa.KeyInfo, oc.KeyInfo, sc.KeyInfo} {
		if k.Algorithm != sccp.EncryptionAESCM128HMACSHA1_80 || k.KeyLen != 16 || k.SaltLen != 14 {
			t.Fatalf("key block alg %d key %d salt %d", k.Algorithm, k.KeyLen, k.SaltLen)
		}
	}
	if sa.KeyInfo != oc.KeyInfo || sc.KeyInfo != oa.KeyInfo {
		t.Fatal("a phone's transmit key is not its peer's receive key")
	}
	if sa.KeyInfo == sc.KeyInfo {
		t.Fatal("both directions share one key")
	}
	ci := a.wait(func(m sccp.Message) bool {
		x, ok := m.(*sccp.CallInfo)
		return ok && x.CallSecurityStatus == sccp.CallSecurityStatusEncrypted
	}, "CallInfo encrypted")
	_ = ci
	out := show(b.sys, "show ephone offhook")
	txA, rxA := key(t, sa.KeyInfo).Inline(), key(t, oa.KeyInfo).Inline()
	for _, want := range []string{"SRTP cipher: AES_CM_128_HMAC_SHA1_80", "  local key: " + txA, "  remote key: " + rxA} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("show ephone offhook lacks %q:\n%s", want, out)
		}
	}
	// The keys appear nowhere else: not in the log, not in debug output.
	show(b.sys, "debug ephone detail")
	a.send(&sccp.OnHook{})
	for _, e := range b.sys.Log.Entries() {
		for _, k := range []sccp.MediaEncryptionKeyInfo{sa.KeyInfo, sc.KeyInfo} {
			in := key(t, k).Inline()
			raw := base64.StdEncoding.EncodeToString(k.Key[:16])
			if strings.Contains(e, in) || strings.Contains(e, raw) || strings.Contains(e, fmt.Sprintf("%x", k.Key[:16])) {
				t.Fatalf("a key in the log: %s", e)
			}
		}
	}
}

// startFarm configures the box's own DSP farm (profile 1, security,
// u-law and G.722, 2 sessions) to register to its TLS port as xcode01 and
// waits until call control has its capabilities.
func startFarm(t *testing.T, b *box) {
	t.Helper()
	_, port, _ := net.SplitHostPort(b.secure)
	p, _ := strconv.Atoi(port)
	out := console(b.sys, "sccp ccm 127.0.0.1 identifier 1 port "+strconv.Itoa(p-443)+" version 7.0+", "sccp",
		"sccp ccm group 1", " associate ccm 1 priority 1", " associate profile 1 register xcode01", " exit",
		"dspfarm profile 1 transcode security", " trustpoint sccp", " codec g711ulaw", " codec g722r64",
		" maximum sessions 2", " associate application SCCP", " no shutdown", " exit")
	if strings.Contains(out, "%") {
		t.Fatalf("dspfarm configuration:\n%s", out)
	}
	waitFarm(t, b, true)
}

// waitFarm waits until the farm is registered (up) or not.
func waitFarm(t *testing.T, b *box, up bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(show(b.sys, "show sdspfarm units"), "] REGISTERED") != up ||
		up && !strings.Contains(show(b.sys, "show sdspfarm units"), "G722") {
		if time.Now().After(deadline) {
			t.Fatalf("DSP farm registered %v:\n%s\n%s", !up, show(b.sys, "show sccp"), show(b.sys, "show sdspfarm units"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSecureTranscodedCall is issue 13's call: phone A (encrypted, G.711
// mu-law only) calls phone B (encrypted, G.722 only) over TLS; the box's
// own software DSP farm, registered over TLS as sdspfarm tag xcode01,
// transcodes with its own keys on each leg; a 1 kHz tone from A reaches B.
func TestSecureTranscodedCall(t *testing.T) {
	b, a, c := encryptedPair(t, []uint32{uint32(media.G711Ulaw)}, []uint32{uint32(media.G722)})
	startFarm(t, b)

	answered(a, c, "1006")
	oa, sa := mediaOf(a)
	oc, _ := mediaOf(c)
	if oa.CompressionType != uint32(media.G711Ulaw) || oc.CompressionType != uint32(media.G722) {
		t.Fatalf("codecs %d / %d", oa.CompressionType, oc.CompressionType)
	}
	if sa.KeyInfo == oc.KeyInfo || sa.RemotePort == uint32(c.rtpAddr().Port()) {
		t.Fatal("phones talk to each other directly, not through the farm")
	}
	show(b.sys, "show sccp connections")
	conns := show(b.sys, "show sccp connections")
	if strings.Count(conns, "secure-xcode sendrecv") != 2 || !strings.Contains(conns, "g722") || !strings.Contains(conns, "g711u") {
		t.Errorf("show sccp connections:\n%s", conns)
	}

	// A sends the tone (SRTP with its transmit key) to the farm; B
	// receives G.722 SRTP with its receive key.
	txA, _ := srtp.NewContext(key(t, sa.KeyInfo))
	rxC, _ := srtp.NewContext(key(t, oc.KeyInfo))
	to := sa.RemoteIP.Unmap()
	dst := &net.UDPAddr{IP: to.AsSlice(), Port: int(sa.RemotePort)}
	got := make(chan []int16)
	var wire [][]byte // SRTP packets the box's farm sent to B
	go func() {
		dec := media.NewG722Decoder()
		var pcm []int16
		buf := make([]byte, 1500)
		for {
			c.rtp.SetReadDeadline(time.Now().Add(time.Second))
			n, _, err := c.rtp.ReadFromUDPAddrPort(buf)
			if err != nil {
				got <- pcm
				return
			}
			if len(wire) < 20 {
				wire = append(wire, append([]byte(nil), buf[:n]...))
			}
			if bytesContainsTone(buf[:n]) {
				t.Error("clear u-law tone on the wire")
			}
			pkt, err := rxC.Unprotect(nil, buf[:n])
			if err != nil {
				continue
			}
			pcm = dec.Decode(pcm, pkt[12:])
		}
	}()
	pcm := make([]int16, 160)
	tick := time.NewTicker(20 * time.Millisecond)
	for i := 0; i < 75; i++ {
		media.Tone(pcm, 8000, 1000, 8000, i*160)
		pkt := make([]byte, 12, 200)
		pkt[0], pkt[1] = 0x80, 0
		pkt[2], pkt[3] = byte(i>>8), byte(i)
		ts := uint32(i * 160)
		pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		pkt[11] = 9
		for _, s := range pcm {
			pkt = append(pkt, g711.EncodeUlawFrame(s))
		}
		enc, _ := txA.Protect(nil, pkt)
		a.rtp.WriteToUDP(enc, dst)
		<-tick.C
	}
	tick.Stop()
	res := <-got
	if len(res) < 16000 {
		t.Fatalf("%d samples of the tone reached B", len(res))
	}
	if _, snr := media.WindowedToneSNR(res[3200:], 16000, 1000); snr < 30 {
		t.Errorf("tone at B: SNR %.1f dB", snr)
	}
	// libsrtp (a second implementation, python3-pylibsrtp) decrypts the
	// farm's packets with the key show ephone offhook prints for B.
	off := show(b.sys, "show ephone offhook")
	i := strings.Index(off, "ephone-6[")
	if i < 0 {
		t.Fatalf("show ephone offhook lacks ephone 6:\n%s", off)
	}
	j := strings.Index(off[i:], "  remote key: ")
	if j < 0 {
		t.Fatalf("no remote key for ephone 6:\n%s", off)
	}
	printed := strings.Fields(off[i+j:])[2]
	if printed != key(t, oc.KeyInfo).Inline() {
		t.Fatalf("show ephone offhook prints %s for B's receive key", printed)
	}
	libsrtpDecrypts(t, printed, wire)

	a.send(&sccp.OnHook{})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(show(b.sys, "show sccp connections"), "session(s) 0") {
		if time.Now().After(deadline) {
			t.Fatalf("transcoding session not released:\n%s", show(b.sys, "show sccp connections"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// libsrtpDecrypts has libsrtp unprotect each packet with the inline key
// and checks it gets an RTP packet carrying G.722 (payload type 9).
func libsrtpDecrypts(t *testing.T, inline string, pkts [][]byte) {
	t.Helper()
	if len(pkts) == 0 {
		t.Fatal("no packets captured")
	}
	var hexes []string
	for _, p := range pkts {
		hexes = append(hexes, fmt.Sprintf("%x", p))
	}
	script := `
import sys, base64, pylibsrtp
rx = pylibsrtp.Session(policy=pylibsrtp.Policy(key=base64.b64decode(sys.argv[1]),
    ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND, srtp_profile=pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80))
for h in sys.argv[2:]:
    p = rx.unprotect(bytes.fromhex(h))
    print(p[1] & 0x7f, len(p))
`
	out, err := exec.Command("/usr/bin/python3", append([]string{"-c", script, inline}, hexes...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("libsrtp could not decrypt the box's SRTP: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pkts) {
		t.Fatalf("libsrtp: %s", out)
	}
	for _, l := range lines {
		if l != "9 172" { // G.722, 12-byte header + 160 bytes
			t.Fatalf("libsrtp decrypted %q, want payload type 9 and 172 bytes", l)
		}
	}
}

var clearTone = func() []byte {
	pcm := make([]int16, 160)
	media.Tone(pcm, 8000, 1000, 8000, 0)
	var b []byte
	for _, s := range pcm[40:72] {
		b = append(b, g711.EncodeUlawFrame(s))
	}
	return b
}()

func bytesContainsTone(p []byte) bool { return strings.Contains(string(p), string(clearTone)) }

// TestEncryptedCallsNonSecure: an encrypted phone calling a non-secure
// phone connects (seed 004) without SRTP keys, and CallInfo says the call
// is not authenticated.
func TestEncryptedCallsNonSecure(t *testing.T) {
	b, a, _ := encryptedPair(t, nil, nil)
	plain := register(t, b, "000000000001")
	a.send(&sccp.OffHook{})
	a.state(sccp.CallStateOffHook)
	a.dial("1001")
	plain.state(sccp.CallStateRingIn)
	plain.send(&sccp.OffHook{})
	oa, sa := mediaOf(a)
	op, sp := mediaOf(plain)
	for _, k := range []sccp.MediaEncryptionKeyInfo{oa.KeyInfo, sa.KeyInfo, op.KeyInfo, sp.KeyInfo} {
		if k.Algorithm != sccp.EncryptionNone {
			t.Fatal("keys sent on a call with a non-secure phone")
		}
	}
	a.wait(func(m sccp.Message) bool {
		x, ok := m.(*sccp.CallInfo)
		return ok && x.CallSecurityStatus == sccp.CallSecurityStatusNotAuthenticated
	}, "CallInfo not authenticated")
	if sa.RemotePort != uint32(plain.rtpAddr().Port()) {
		t.Error("media not direct")
	}
	if out := show(b.sys, "show ephone offhook"); strings.Contains(out, "SRTP cipher") {
		t.Errorf("SRTP shown for a non-secure call:\n%s", out)
	}
}

// TestFarmLostMidCall: show sdspfarm units and sessions follow the farm
// and its sessions; the farm going away in the middle of a transcoded
// call (its profile shut down) frees the session on both sides without
// touching the phones' signalling (they stay in the call and hang up
// normally); once the farm is back, the next call uses it again.
func TestFarmLostMidCall(t *testing.T) {
	b, a, c := encryptedPair(t, []uint32{uint32(media.G711Ulaw)}, []uint32{uint32(media.G722)})
	startFarm(t, b)
	units := show(b.sys, "show sdspfarm units")
	for _, want := range []string{"mtp-1 Device:xcode01 TCP socket:[3] REGISTERED secure\n",
		"actual_stream:4 max_stream 4 IP:127.0.0.1 ", "Supported codec: G711Ulaw\n", "                 G722\n",
		"max-mtps:1, max-streams:4, alloc-streams:0, act-streams:0\n"} {
		if !strings.Contains(units, want) {
			t.Errorf("show sdspfarm units lacks %q:\n%s", want, units)
		}
	}
	call := func() {
		answered(a, c, "1006")
		_, sa := mediaOf(a)
		oc, _ := mediaOf(c)
		if oc.CompressionType != uint32(media.G722) || sa.RemotePort == uint32(c.rtpAddr().Port()) {
			t.Fatal("the call does not go through the farm")
		}
	}
	call()
	sessions := show(b.sys, "show sdspfarm sessions")
	if strings.Count(sessions, " START SRTP\n") != 2 || !strings.Contains(sessions, "codec:G711Ulaw64k duration:20 vad:0 peer Stream-ID:") ||
		!strings.Contains(sessions, "codec:G722_64k duration:20") || !strings.Contains(sessions, "Total number of active stream(s) 2") {
		t.Errorf("show sdspfarm sessions:\n%s", sessions)
	}
	if u := show(b.sys, "show sdspfarm units"); !strings.Contains(u, "alloc-streams:2, act-streams:2") {
		t.Errorf("show sdspfarm units during the call:\n%s", u)
	}
	if s := show(b.sys, "show sdspfarm sessions summary"); strings.Contains(s, "Stream-ID") || !strings.Contains(s, "stream(s) 2") {
		t.Errorf("show sdspfarm sessions summary:\n%s", s)
	}

	if out := console(b.sys, "dspfarm profile 1 transcode security", " shutdown", " exit"); strings.Contains(out, "%") {
		t.Fatalf("shutdown:\n%s", out)
	}
	waitFarm(t, b, false)
	if u := show(b.sys, "show sdspfarm units"); !strings.Contains(u, "mtp-1 Device:xcode01 TCP socket:[-1] UNREGISTERED") ||
		!strings.Contains(u, "alloc-streams:0, act-streams:0") {
		t.Errorf("show sdspfarm units after the farm left:\n%s", u)
	}
	if s := show(b.sys, "show sccp connections"); !strings.Contains(s, "session(s) 0") {
		t.Errorf("the farm kept its session:\n%s", s)
	}
	if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "xcode01 has unregistered") {
		t.Error("no UNREGISTER log line")
	}
	// Both phones stop their media toward the vanished farm; with no
	// other transcoder the call stays up without media, and says so.
	for _, ph := range []*testPhone{a, c} {
		ph.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.CloseReceiveChannel); return ok }, "CloseReceiveChannel")
		ph.wait(func(m sccp.Message) bool { _, ok := m.(*sccp.StopMediaTransmission); return ok }, "StopMediaTransmission")
	}
	if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "has no media: no transcoder available.") {
		t.Errorf("no NO_MEDIA line:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
	}
	if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "lost transcoder xcode01: no media until a transcoder is back.") {
		t.Errorf("no XCODER_LOST line:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
	}
	// The phones are still in their call and hang up as usual.
	a.send(&sccp.OnHook{})
	a.state(sccp.CallStateOnHook)
	c.state(sccp.CallStateOnHook)
	c.send(&sccp.OnHook{})

	if out := console(b.sys, "dspfarm profile 1 transcode security", " no shutdown", " exit"); strings.Contains(out, "%") {
		t.Fatalf("no shutdown:\n%s", out)
	}
	waitFarm(t, b, true)
	call()
	a.send(&sccp.OnHook{})
	a.state(sccp.CallStateOnHook)

	// sdspfarm units 0: no farm may register.
	console(b.sys, "telephony-service", " sdspfarm units 0", " exit",
		"dspfarm profile 1 transcode security", " shutdown", " no shutdown", " exit")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "xcode01 refused: sdspfarm units 0 registered already") {
		if time.Now().After(deadline) {
			t.Fatalf("farm not refused with sdspfarm units 0:\n%s", show(b.sys, "show sdspfarm units"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if u := show(b.sys, "show sdspfarm units"); !strings.Contains(u, "UNREGISTERED") {
		t.Errorf("show sdspfarm units:\n%s", u)
	}
}

// TestFarmFailover: with two farms registered, the one carrying a call
// going away moves the call's media to the other: both phones are told
// to open their channels again, toward the second farm.
func TestFarmFailover(t *testing.T) {
	b, a, c := encryptedPair(t, []uint32{uint32(media.G711Ulaw)}, []uint32{uint32(media.G722)})
	console(b.sys, "telephony-service", " sdspfarm units 2", " sdspfarm tag 2 xcode02", " exit")
	startFarm(t, b)
	out := console(b.sys, "sccp ccm group 1", " associate profile 2 register xcode02", " exit",
		"dspfarm profile 2 transcode security", " trustpoint sccp", " codec g711ulaw", " codec g722r64",
		" maximum sessions 2", " associate application SCCP", " no shutdown", " exit")
	if strings.Contains(out, "%") {
		t.Fatalf("second farm:\n%s", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(show(b.sys, "show sdspfarm units"), "] REGISTERED") != 2 || strings.Count(show(b.sys, "show sdspfarm units"), "G722") != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("second farm not registered:\n%s", show(b.sys, "show sdspfarm units"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	answered(a, c, "1006")
	mediaOf(a)
	mediaOf(c)
	first := show(b.sys, "show sdspfarm sessions")
	inFirst := strings.Contains(first, "mtp:1 ")
	profile := "1"
	if !inFirst {
		profile = "2"
	}
	console(b.sys, "dspfarm profile "+profile+" transcode security", " shutdown", " exit")
	// Both phones get their channels again (the second farm's addresses).
	_, sa := mediaOf(a)
	oc, _ := mediaOf(c)
	if oc.CompressionType != uint32(media.G722) || sa.RemotePort == uint32(c.rtpAddr().Port()) {
		t.Fatal("after the failover the call does not go through a farm")
	}
	if !strings.Contains(strings.Join(b.sys.Log.Entries(), "\n"), "media restored through another transcoder") {
		t.Errorf("no failover log line:\n%s", strings.Join(b.sys.Log.Entries(), "\n"))
	}
	if s := show(b.sys, "show sdspfarm sessions"); strings.Count(s, " START SRTP") != 2 {
		t.Errorf("sessions after the failover:\n%s", s)
	}
}
