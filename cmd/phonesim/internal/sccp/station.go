package sccp

import (
	"encoding/binary"
	"net/netip"
)

// This file holds the messages a phone sends (device -> call manager).
// Each builder returns the payload; Frame puts it in a Message with the
// header version of the negotiated protocol.

// Frame wraps a payload in a message sent at protocol version v.
func Frame(v uint8, id uint32, payload []byte) Message {
	return Message{Version: HeaderVersion(v), ID: id, Data: payload}
}

// Register is what a phone says when it registers (§6.5.1).
type Register struct {
	DeviceName string     // SEP<MAC>
	IP         netip.Addr // the phone's IPv4 address
	DeviceType uint32     // e.g. 30006 for a 7970 (§6.6.1)
	MaxStreams uint32
	Protocol   uint8  // highest protocol version the phone supports
	Features   uint16 // phone feature bits (§6.2), the u16 at offset 42
	MAC        [6]byte
	Lines      uint32 // maxNumberOfLines
	Load       string // firmware load name, e.g. SCCP70.8-5-4S
}

// Marshal builds the Register payload in the long form (§6.5.1: fields up to
// the firmware load name, 124 bytes), with the IP address in network order.
func (r Register) Marshal() []byte {
	b := make([]byte, 124)
	copy(b[0:15], r.DeviceName)              // station identifier: char[16] name
	binary.LittleEndian.PutUint32(b[20:], 1) // instance
	if r.IP.Is4() || r.IP.Is4In6() {
		a := r.IP.Unmap().As4()
		copy(b[24:28], a[:])
	}
	binary.LittleEndian.PutUint32(b[28:], r.DeviceType)
	binary.LittleEndian.PutUint32(b[32:], r.MaxStreams)
	b[40] = r.Protocol
	binary.LittleEndian.PutUint16(b[42:], r.Features)
	copy(b[52:58], r.MAC[:])
	lines := r.Lines
	if lines == 0 {
		lines = 1
	}
	binary.LittleEndian.PutUint32(b[68:], lines)
	copy(b[92:123], r.Load)
	return b
}

// Message frames a Register. The header carries the phone's own maximum
// version, as phones do (§6.1: a 7962 sends 0x16), or 0 below 10.
func (r Register) Message() Message { return Frame(r.Protocol, MsgRegister, r.Marshal()) }

// KeypadButton is one key press (0x0003): button (§6.6.7 keypad codes),
// line instance and call reference.
func KeypadButton(button, line, callRef uint32) []byte {
	var w writer
	w.u32(button)
	w.u32(line)
	w.u32(callRef)
	return w.b
}

// EnblocCall dials a whole number at once (0x0004); the number field is
// char[24] (char[25] from protocol 18).
func EnblocCall(v uint8, number string, line uint32) []byte {
	var w writer
	w.str(number, numberLen(HeaderVersion(v)))
	w.u32(line)
	return w.b
}

// Stimulus presses a feature button (0x0005).
func Stimulus(stimulus, line, callRef, status uint32) []byte {
	var w writer
	w.u32(stimulus)
	w.u32(line)
	w.u32(callRef)
	w.u32(status)
	return w.b
}

// Hook is the payload of OffHook (0x0006) and OnHook (0x0007): line
// instance and call reference (0 for "whatever the server chooses").
func Hook(line, callRef uint32) []byte {
	var w writer
	w.u32(line)
	w.u32(callRef)
	return w.b
}

// SoftKeyEvent presses a soft key (0x0026).
func SoftKeyEvent(event, line, callRef uint32) []byte {
	var w writer
	w.u32(event)
	w.u32(line)
	w.u32(callRef)
	return w.b
}

// Instance is the payload of LineStatReq (0x000B), SpeedDialStatReq,
// ForwardStatReq and RegisterAvailableLines (0x002D): one u32.
func Instance(n uint32) []byte {
	var w writer
	w.u32(n)
	return w.b
}

// Capability is one entry of CapabilitiesRes (§6.5.4).
type Capability struct {
	Payload         uint32 // §6.6.2
	MaxFramesPerPkt uint32 // in milliseconds of audio, e.g. 40
}

// CapabilitiesRes answers CapabilitiesReq (0x0010): a count and 16-byte
// entries (payload capability, max frames per packet, 8 bytes of
// codec-specific parameters, zero here).
func CapabilitiesRes(caps []Capability) []byte {
	var w writer
	caps = caps[:min(len(caps), 18)]
	w.u32(uint32(len(caps)))
	for _, c := range caps {
		w.u32(c.Payload)
		w.u32(c.MaxFramesPerPkt)
		w.u32(0)
		w.u32(0)
	}
	return w.b
}

// Media status values (§6.6.8).
const (
	MediaOK           = 0
	MediaUnknownError = 1
	MediaInvalidCodec = 6
	MediaOutOfSockets = 8
)

// OpenReceiveChannelAck reports where the phone receives RTP (0x0022,
// §6.5.11): status, address (form of protocol v), port, pass-through party
// and call reference.
func OpenReceiveChannelAck(v uint8, status uint32, ip netip.Addr, port uint16, passThru, callRef uint32) []byte {
	hv := HeaderVersion(v)
	var w writer
	w.u32(status)
	w.ip(ip, hv)
	w.u32(uint32(port))
	w.u32(passThru)
	w.u32(callRef)
	return w.b
}

// StartMediaTransmissionAck confirms a transmission (0x0154, §6.5.13):
// conference ID, pass-through party, call reference, the phone's address
// and port, status.
func StartMediaTransmissionAck(v uint8, conferenceID, passThru, callRef uint32, ip netip.Addr, port uint16, status uint32) []byte {
	hv := HeaderVersion(v)
	var w writer
	w.u32(conferenceID)
	w.u32(passThru)
	w.u32(callRef)
	w.ip(ip, hv)
	w.u32(uint32(port))
	w.u32(status)
	return w.b
}

// Unregister is the payload of Unregister (0x0027): a reason, 0.
func Unregister() []byte { return Instance(0) }
