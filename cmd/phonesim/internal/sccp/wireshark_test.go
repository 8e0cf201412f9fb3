package sccp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/station.golden")

// station lists the messages the simulator sends, built as the phone
// package builds them, at protocol 11 (4-byte addresses) and 17 (ipType +
// 16 bytes).
func station() []struct {
	name string
	msg  Message
} {
	ip := netip.MustParseAddr("192.0.2.10")
	reg := Register{DeviceName: "SEP00124302A7CC", IP: ip, DeviceType: 30006, MaxStreams: 5, Protocol: 17,
		MAC: [6]byte{0x00, 0x12, 0x43, 0x02, 0xA7, 0xCC}, Lines: 2, Load: "SCCP70.8-5-4S"}
	caps := CapabilitiesRes([]Capability{{CodecG711Ulaw, 40}, {CodecG711Alaw, 40}, {CodecG722, 40}, {CodecG729, 60}})
	return []struct {
		name string
		msg  Message
	}{
		{"Register", reg.Message()},
		{"KeepAlive", Frame(17, MsgKeepAlive, nil)},
		{"CapabilitiesRes", Frame(17, MsgCapabilitiesRes, caps)},
		{"ButtonTemplateReq", Frame(17, MsgButtonTemplateReq, nil)},
		{"SoftKeyTemplateReq", Frame(17, MsgSoftKeyTemplateReq, nil)},
		{"SoftKeySetReq", Frame(17, MsgSoftKeySetReq, nil)},
		{"LineStatReq", Frame(17, MsgLineStatReq, Instance(1))},
		{"RegisterAvailableLines", Frame(17, MsgRegisterAvailableLines, Instance(2))},
		{"TimeDateReq", Frame(17, MsgTimeDateReq, nil)},
		{"OffHook", Frame(17, MsgOffHook, Hook(1, 0))},
		{"KeypadButton", Frame(17, MsgKeypadButton, KeypadButton(2, 1, 0x1234))},
		{"EnblocCall", Frame(17, MsgEnblocCall, EnblocCall(17, "1002", 1))},
		{"Stimulus", Frame(17, MsgStimulus, Stimulus(9, 1, 0x1234, 0))},
		{"SoftKeyEvent", Frame(17, MsgSoftKeyEvent, SoftKeyEvent(SoftKeyTransfer, 1, 0x1234))},
		{"OpenReceiveChannelAck", Frame(11, MsgOpenReceiveChannelAck, OpenReceiveChannelAck(11, MediaOK, ip, 16384, 1000, 0x1234))},
		{"OpenReceiveChannelAck", Frame(17, MsgOpenReceiveChannelAck, OpenReceiveChannelAck(17, MediaOK, ip, 16386, 1001, 0x1234))},
		{"StartMediaTransmissionAck", Frame(11, MsgStartMediaTransmissionAck, StartMediaTransmissionAck(11, 0x1234, 1000, 0x1234, ip, 16384, MediaOK))},
		{"StartMediaTransmissionAck", Frame(17, MsgStartMediaTransmissionAck, StartMediaTransmissionAck(17, 0x1234, 1001, 0x1234, ip, 16386, MediaOK))},
		{"OnHook", Frame(17, MsgOnHook, Hook(1, 0x1234))},
		{"Unregister", Frame(17, MsgUnregister, Unregister())},
	}
}

// TestStationGolden pins the bytes of every message the simulator sends.
func TestStationGolden(t *testing.T) {
	var b strings.Builder
	for _, s := range station() {
		f, err := s.msg.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s\n", s.name, hex.EncodeToString(f))
	}
	path := filepath.Join("testdata", "station.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("station messages changed (run with -update after checking them with tshark):\n%s", b.String())
	}
}

// TestStationTshark has Wireshark's Skinny dissector decode every message
// the simulator sends: each must be recognised by name, none malformed,
// and the key fields must read back as written.
func TestStationTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	msgs := station()
	var frames [][]byte
	for _, s := range msgs {
		f, _ := s.msg.MarshalBinary()
		frames = append(frames, f)
	}
	pcap := filepath.Join(t.TempDir(), "station.pcap")
	if err := os.WriteFile(pcap, writePcap(frames, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-n", "-r", pcap, "-d", "tcp.port==2000,skinny", "-o", "tcp.desegment_tcp_streams:TRUE",
		"-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "skinny.messageId", "-e", "_ws.malformed", "-e", "_ws.expert.severity").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("tshark printed %d frames, want %d:\n%s", len(lines), len(msgs), out)
	}
	for i, l := range lines {
		f := strings.Split(l, "|")
		id, _ := strconv.ParseUint(f[1], 0, 32)
		if uint32(id) != msgs[i].msg.ID || f[2] != "" || f[3] != "" {
			t.Errorf("frame %d (%s): tshark says %q", i+1, msgs[i].name, l)
		}
	}
	// Field values, as tshark reads them.
	v, err := exec.Command(tshark, "-n", "-r", pcap, "-d", "tcp.port==2000,skinny", "-V").Output()
	if err != nil {
		t.Fatalf("tshark -V: %v", err)
	}
	text := strings.Join(strings.Fields(string(v)), " ")
	for _, want := range []string{
		"DeviceName: SEP00124302A7CC", "stationIpAddr: 192.0.2.10", "Device Type: 7970 (0x00007536)", "Protocol Version: 17",
		"kpButton: Two (0x00000002)", "calledParty: 1002", "softKeyEvent: Transfer (0x00000004)",
		"ipAddr IPv4 Address: 192.0.2.10 portNumber: 16384 passThroughPartyId: 1000 callReference: 4660",
		"IPv4or6: v4 (0) ipAddr IPv4 Address: 192.0.2.10 portNumber: 16386 passThroughPartyId: 1001",
		"transmitIpAddr IPv4 Address: 192.0.2.10 portNumber: 16384 mediaTransmissionStatus: Ok",
		"IPv4or6: v4 (0) transmitIpAddr IPv4 Address: 192.0.2.10 portNumber: 16386",
		"payloadCapability: Media_Payload_G711Ulaw64k (0x00000004)", "payloadCapability: Media_Payload_G729 (0x0000000b)",
		"Message ID: UnregisterReq (39)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("tshark -V lacks %q", want)
		}
	}
	if strings.Contains(text, "Malformed") || strings.Contains(text, "Unknown Message") {
		t.Errorf("tshark reports a malformed or unknown message")
	}
	if t.Failed() {
		t.Logf("tshark -V:\n%s", v)
	}
}

// writePcap wraps each frame in its own IPv4/TCP segment from a phone
// (192.0.2.10:50000) to port, consecutive sequence numbers, in a classic
// pcap file of link type RAW (101).
func writePcap(frames [][]byte, port uint16) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 101)
	b.Write(hdr)
	seq := uint32(1000)
	for i, f := range frames {
		pkt := make([]byte, 40, 40+len(f))
		pkt[0] = 0x45
		binary.BigEndian.PutUint16(pkt[2:], uint16(40+len(f)))
		pkt[8] = 64
		pkt[9] = 6
		copy(pkt[12:16], []byte{192, 0, 2, 10})
		copy(pkt[16:20], []byte{192, 0, 2, 1})
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(pkt[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(pkt[10:], ^uint16(sum))
		binary.BigEndian.PutUint16(pkt[20:], 50000)
		binary.BigEndian.PutUint16(pkt[22:], port)
		binary.BigEndian.PutUint32(pkt[24:], seq)
		binary.BigEndian.PutUint32(pkt[28:], 1)
		pkt[32] = 5 << 4
		pkt[33] = 0x18 // PSH, ACK
		binary.BigEndian.PutUint16(pkt[34:], 65535)
		pkt = append(pkt, f...)
		seq += uint32(len(f))
		rec := make([]byte, 16)
		le.PutUint32(rec[0:], uint32(1700000000+i))
		le.PutUint32(rec[8:], uint32(len(pkt)))
		le.PutUint32(rec[12:], uint32(len(pkt)))
		b.Write(rec)
		b.Write(pkt)
	}
	return b.Bytes()
}
