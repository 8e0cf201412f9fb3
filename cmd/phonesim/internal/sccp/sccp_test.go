package sccp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestRegisterOverTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan Message, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		m, err := ReadMessage(c)
		if err != nil {
			return
		}
		got <- m
		ack := make([]byte, 20)
		binary.LittleEndian.PutUint32(ack, 30)
		copy(ack[4:], "M/D/Y")
		binary.LittleEndian.PutUint32(ack[12:], 60)
		ack[16] = 11
		b, _ := Message{ID: MsgRegisterAck, Data: ack}.MarshalBinary()
		c.Write(b)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := Register{DeviceName: "SEP001122334455", IP: netip.MustParseAddr("192.168.0.2"), DeviceType: 30006, MaxStreams: 5, Protocol: 11,
		MAC: [6]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}}
	ack, err := reg.Do(c)
	if err != nil {
		t.Fatal(err)
	}
	if ack.KeepAlive != 30 || ack.DateTemplate != "M/D/Y" || ack.SecondaryKeepAlive != 60 || ack.Protocol != 11 {
		t.Errorf("ack %+v", ack)
	}
	m := <-got
	if m.ID != MsgRegister || m.Version != 11 || len(m.Data) != 124 {
		t.Fatalf("register frame %+v", m)
	}
	if string(bytes.TrimRight(m.Data[:16], "\x00")) != "SEP001122334455" || !bytes.Equal(m.Data[24:28], []byte{192, 168, 0, 2}) ||
		binary.LittleEndian.Uint32(m.Data[28:]) != 30006 || m.Data[40] != 11 {
		t.Errorf("register payload % x", m.Data[:44])
	}
}

func TestRejectAndBadFrames(t *testing.T) {
	rej := make([]byte, 32)
	copy(rej, "Device Unknown")
	b, _ := Message{ID: MsgRegisterReject, Data: rej}.MarshalBinary()
	var rw struct {
		bytes.Buffer
	}
	rw.Write(b)
	_, err := Register{DeviceName: "SEP0"}.Do(&rw)
	var re *RejectError
	if !errors.As(err, &re) || re.Text != "Device Unknown" {
		t.Fatalf("reject: %v", err)
	}
	for _, frame := range [][]byte{{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, {0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 0, 0, 0}} {
		if _, err := ReadMessage(bytes.NewReader(frame)); !errors.Is(err, ErrFrame) {
			t.Errorf("frame % x: %v", frame, err)
		}
	}
}

func FuzzReadMessage(f *testing.F) {
	b, _ := Message{ID: MsgRegisterAck, Data: make([]byte, 20)}.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadMessage(bytes.NewReader(data))
		if err == nil && m.ID == MsgRegisterAck {
			ParseRegisterAck(m.Data)
		}
	})
}

// FuzzDecoders feeds every call-manager message decoder arbitrary
// payloads at both address layouts: none may panic or over-read.
func FuzzDecoders(f *testing.F) {
	f.Add(uint32(0x11), make([]byte, 132))
	f.Add(uint32(0), make([]byte, 92))
	f.Add(uint32(0x0B), []byte{1, 0, 0, 0, 200, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v uint32, b []byte) {
		for _, id := range []uint32{MsgStartTone, MsgStopTone, MsgSetRinger, MsgSetLamp, MsgCallState, MsgCallInfo,
			MsgSelectSoftKeys, MsgDisplayPromptStatus, MsgDialedNumber, MsgLineStat, MsgButtonTemplate,
			MsgSoftKeyTemplateRes, MsgSoftKeySetRes, MsgDefineTimeDate, MsgOpenReceiveChannel,
			MsgStartMediaTransmission, MsgCloseReceiveChannel, MsgReset} {
			m := Message{Version: v, ID: id, Data: b}
			ParseStartTone(m)
			ParseStopTone(m)
			ParseSetRinger(m)
			ParseSetLamp(m)
			ParseCallState(m)
			ParseCallInfo(m)
			ParseSelectSoftKeys(m)
			ParseDisplayPromptStatus(m)
			ParseDialedNumber(m)
			ParseLineStat(m)
			if bt, err := ParseButtonTemplate(m); err == nil && len(bt) > len(b) {
				t.Fatalf("%d buttons from %d bytes", len(bt), len(b))
			}
			ParseSoftKeyTemplate(m)
			ParseSoftKeySets(m)
			ParseDefineTimeDate(m)
			ParseOpenReceiveChannel(m)
			ParseStartMediaTransmission(m)
			ParseMediaStop(m)
			ParseU32(m)
			ParseRegisterAck(b)
			ParseRegisterReject(b)
		}
	})
}

// TestDecodeLayouts checks the version-dependent address of
// StartMediaTransmission and OpenReceiveChannel (§6.5.10, §6.5.12).
func TestDecodeLayouts(t *testing.T) {
	var w writer
	w.u32(5)
	w.u32(1000)
	w.ip(netip.MustParseAddr("10.1.2.3"), 0x11)
	w.u32(16500)
	w.u32(20)
	w.u32(CodecG711Alaw)
	for range 4 { // outgoing qualifier
		w.u32(0)
	}
	w.u32(77)
	w.u32(1)
	smt, err := ParseStartMediaTransmission(Message{Version: 0x11, ID: MsgStartMediaTransmission, Data: w.b})
	if err != nil || smt.RemoteIP != netip.MustParseAddr("10.1.2.3") || smt.RemotePort != 16500 || smt.Compression != CodecG711Alaw ||
		smt.CallRef != 77 || smt.Key.Algorithm != 1 {
		t.Errorf("v17 SMT %+v %v", smt, err)
	}
	if _, err := ParseStartMediaTransmission(Message{Version: 0x11, ID: MsgStartMediaTransmission, Data: w.b[:50]}); err == nil {
		t.Error("short v17 SMT accepted")
	}
	w = writer{}
	w.u32(5)
	w.u32(1000)
	w.ip(netip.MustParseAddr("10.1.2.3"), 0x0B)
	w.u32(16500)
	smt, err = ParseStartMediaTransmission(Message{Version: 0x0B, ID: MsgStartMediaTransmission, Data: append(w.b, make([]byte, 80)...)})
	if err != nil || smt.RemoteIP != netip.MustParseAddr("10.1.2.3") || smt.RemotePort != 16500 {
		t.Errorf("v11 SMT %+v %v", smt, err)
	}
}
