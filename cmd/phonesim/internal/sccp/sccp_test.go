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
