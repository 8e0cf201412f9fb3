package sccp

import (
	"fmt"
	"io"
	"net/netip"
	"time"
)

// This file holds decoders for what a call manager sends a phone. Each
// takes the message (its header version decides the address and number
// layouts, as Wireshark decodes them) and checks the mandatory fields are
// present.

// RegisterAck is the server's acceptance (§6.5.2).
type RegisterAck struct {
	KeepAlive, SecondaryKeepAlive uint32
	DateTemplate                  string
	Protocol                      uint8
}

// ParseRegisterAck decodes a RegisterAck payload.
func ParseRegisterAck(b []byte) (RegisterAck, error) {
	if err := need(MsgRegisterAck, b, 17); err != nil {
		return RegisterAck{}, err
	}
	r := reader{b: b}
	var a RegisterAck
	a.KeepAlive = r.u32()
	a.DateTemplate = r.str(8)
	a.SecondaryKeepAlive = r.u32()
	a.Protocol = r.u8()
	return a, nil
}

// ParseRegisterReject returns the text of a RegisterReject (char[32]).
func ParseRegisterReject(b []byte) string {
	r := reader{b: b}
	return r.str(min(32, len(b)))
}

// RejectError is a RegisterReject with its text.
type RejectError struct{ Text string }

func (e *RejectError) Error() string { return "sccp: registration rejected: " + e.Text }

// Do registers over an established connection (TCP 2000, or TLS 2443) and
// returns the RegisterAck, or a *RejectError. Messages before the answer
// are skipped.
func (r Register) Do(rw io.ReadWriter) (RegisterAck, error) {
	b, _ := r.Message().MarshalBinary()
	if _, err := rw.Write(b); err != nil {
		return RegisterAck{}, err
	}
	for {
		reply, err := ReadMessage(rw)
		if err != nil {
			return RegisterAck{}, err
		}
		switch reply.ID {
		case MsgRegisterAck:
			return ParseRegisterAck(reply.Data)
		case MsgRegisterReject:
			return RegisterAck{}, &RejectError{Text: ParseRegisterReject(reply.Data)}
		}
	}
}

// StartTone (0x0082).
type StartTone struct{ Tone, Direction, Line, CallRef uint32 }

// ParseStartTone decodes StartTone; line and call reference may be absent.
func ParseStartTone(m Message) (StartTone, error) {
	if err := need(m.ID, m.Data, 4); err != nil {
		return StartTone{}, err
	}
	r := reader{b: m.Data}
	return StartTone{r.u32(), r.u32(), r.u32(), r.u32()}, nil
}

// LineCall is the line instance and call reference that StopTone,
// SetRinger and friends end with.
type LineCall struct{ Line, CallRef uint32 }

// ParseStopTone decodes StopTone (0x0083): line, call reference (both
// optional in old versions).
func ParseStopTone(m Message) LineCall {
	r := reader{b: m.Data}
	return LineCall{r.u32(), r.u32()}
}

// SetRinger (0x0085).
type SetRinger struct{ Mode, Duration, Line, CallRef uint32 }

// ParseSetRinger decodes SetRinger.
func ParseSetRinger(m Message) (SetRinger, error) {
	if err := need(m.ID, m.Data, 4); err != nil {
		return SetRinger{}, err
	}
	r := reader{b: m.Data}
	return SetRinger{r.u32(), r.u32(), r.u32(), r.u32()}, nil
}

// SetLamp (0x0086).
type SetLamp struct{ Stimulus, Instance, Mode uint32 }

// ParseSetLamp decodes SetLamp.
func ParseSetLamp(m Message) (SetLamp, error) {
	if err := need(m.ID, m.Data, 12); err != nil {
		return SetLamp{}, err
	}
	r := reader{b: m.Data}
	return SetLamp{r.u32(), r.u32(), r.u32()}, nil
}

// CallState (0x0111, §6.5.8).
type CallState struct{ State, Line, CallRef, Privacy uint32 }

// ParseCallState decodes CallState.
func ParseCallState(m Message) (CallState, error) {
	if err := need(m.ID, m.Data, 12); err != nil {
		return CallState{}, err
	}
	r := reader{b: m.Data}
	return CallState{r.u32(), r.u32(), r.u32(), r.u32()}, nil
}

// CallInfo (0x008F, §6.5.9): the fields the simulator reports.
type CallInfo struct {
	CallingName, Calling, CalledName, Called string
	Line, CallRef, CallType                  uint32
	OrigCalledName, OrigCalled               string
	Security                                 uint32 // §6.6.9: 2 authenticated, 3 encrypted
}

// ParseCallInfo decodes the fixed-layout CallInfo.
func ParseCallInfo(m Message) (CallInfo, error) {
	if err := need(m.ID, m.Data, 140); err != nil {
		return CallInfo{}, err
	}
	r := reader{b: m.Data}
	var c CallInfo
	c.CallingName, c.Calling, c.CalledName, c.Called = r.str(40), r.str(24), r.str(40), r.str(24)
	c.Line, c.CallRef, c.CallType = r.u32(), r.u32(), r.u32()
	c.OrigCalledName, c.OrigCalled = r.str(40), r.str(24)
	r.off = 376
	c.Security = r.u32()
	return c, nil
}

// SelectSoftKeys (0x0110).
type SelectSoftKeys struct{ Line, CallRef, Set, Mask uint32 }

// ParseSelectSoftKeys decodes SelectSoftKeys.
func ParseSelectSoftKeys(m Message) (SelectSoftKeys, error) {
	if err := need(m.ID, m.Data, 12); err != nil {
		return SelectSoftKeys{}, err
	}
	r := reader{b: m.Data}
	return SelectSoftKeys{r.u32(), r.u32(), r.u32(), r.u32()}, nil
}

// DisplayPrompt is DisplayPromptStatus (0x0112).
type DisplayPrompt struct {
	Timeout       uint32
	Text          string
	Line, CallRef uint32
}

// ParseDisplayPromptStatus decodes DisplayPromptStatus.
func ParseDisplayPromptStatus(m Message) (DisplayPrompt, error) {
	if err := need(m.ID, m.Data, 36); err != nil {
		return DisplayPrompt{}, err
	}
	r := reader{b: m.Data}
	return DisplayPrompt{r.u32(), r.str(32), r.u32(), r.u32()}, nil
}

// DialedNumber (0x011D).
type DialedNumber struct {
	Number        string
	Line, CallRef uint32
}

// ParseDialedNumber decodes DialedNumber (number char[24], char[25] from 18).
func ParseDialedNumber(m Message) (DialedNumber, error) {
	n := numberLen(m.Version)
	if err := need(m.ID, m.Data, n); err != nil {
		return DialedNumber{}, err
	}
	r := reader{b: m.Data}
	return DialedNumber{r.str(n), r.u32(), r.u32()}, nil
}

// LineStat (0x0092, §6.5.6).
type LineStat struct {
	Line                uint32
	Number, Name, Label string
	DisplayOptions      uint32
}

// ParseLineStat decodes LineStat.
func ParseLineStat(m Message) (LineStat, error) {
	if err := need(m.ID, m.Data, 28); err != nil {
		return LineStat{}, err
	}
	r := reader{b: m.Data}
	return LineStat{r.u32(), r.str(24), r.str(40), r.str(40), r.u32()}, nil
}

// Button is one entry of ButtonTemplate.
type Button struct{ Instance, Type uint8 }

// ParseButtonTemplate decodes ButtonTemplate (0x0097): offset, count,
// total, then count {instance, type} pairs, bounded by the frame.
func ParseButtonTemplate(m Message) ([]Button, error) {
	if err := need(m.ID, m.Data, 12); err != nil {
		return nil, err
	}
	r := reader{b: m.Data}
	r.u32()
	count := r.u32()
	r.u32()
	avail := uint32((len(m.Data) - 12) / 2)
	count = min(count, avail)
	out := make([]Button, 0, count)
	for range count {
		out = append(out, Button{r.u8(), r.u8()})
	}
	return out, nil
}

// SoftKey is one entry of SoftKeyTemplateRes.
type SoftKey struct {
	Label string
	Event uint32
}

// ParseSoftKeyTemplate decodes SoftKeyTemplateRes (0x0108): offset, count,
// total, then {char[16] label, u32 event} entries, bounded by the frame.
func ParseSoftKeyTemplate(m Message) ([]SoftKey, error) {
	if err := need(m.ID, m.Data, 12); err != nil {
		return nil, err
	}
	r := reader{b: m.Data}
	r.u32()
	count := r.u32()
	r.u32()
	count = min(count, uint32((len(m.Data)-12)/20))
	out := make([]SoftKey, 0, count)
	for range count {
		out = append(out, SoftKey{r.str(16), r.u32()})
	}
	return out, nil
}

// ParseSoftKeySets decodes SoftKeySetRes (0x0109) into the template
// indexes of each set (zeros dropped), bounded by the frame.
func ParseSoftKeySets(m Message) ([][]uint8, error) {
	if err := need(m.ID, m.Data, 12); err != nil {
		return nil, err
	}
	r := reader{b: m.Data}
	r.u32()
	count := r.u32()
	r.u32()
	count = min(count, uint32((len(m.Data)-12)/48))
	out := make([][]uint8, 0, count)
	for range count {
		var set []uint8
		for _, k := range r.take(16) {
			if k != 0 {
				set = append(set, k)
			}
		}
		r.take(32)
		out = append(out, set)
	}
	return out, nil
}

// ParseDefineTimeDate decodes DefineTimeDate (0x0094, §6.5.7): the
// broken-down time and, when present, systemTime.
func ParseDefineTimeDate(m Message) (time.Time, error) {
	if err := need(m.ID, m.Data, 32); err != nil {
		return time.Time{}, err
	}
	r := reader{b: m.Data}
	year, month := r.u32(), r.u32()
	r.u32() // day of week
	day, hour, minute, sec, ms := r.u32(), r.u32(), r.u32(), r.u32(), r.u32()
	if sys := r.u32(); sys != 0 {
		return time.Unix(int64(sys), 0).UTC(), nil
	}
	if year > 9999 || month > 12 || day > 31 || hour > 24 || minute > 60 || sec > 61 || ms > 1000 {
		return time.Time{}, fmt.Errorf("%w: DefineTimeDate %d-%d-%d", ErrFrame, year, month, day)
	}
	return time.Date(int(year), time.Month(month), int(day), int(hour), int(minute), int(sec), int(ms)*1e6, time.UTC), nil
}

// KeyInfo is the media encryption key block (§6.8) of OpenReceiveChannel
// and StartMediaTransmission. It carries SRTP keys: never print Key or
// Salt; String shows the algorithm and lengths only.
type KeyInfo struct {
	Algorithm         uint32 // 0 none, 1 AES_CM_128_HMAC_SHA1_32, 2 AES_CM_128_HMAC_SHA1_80, ...
	KeyLen, SaltLen   uint16
	Key, Salt         [16]byte
	MKI               uint32
	KeyDerivationRate uint32
}

func (k KeyInfo) String() string {
	return fmt.Sprintf("algorithm %d, key %d bytes, salt %d bytes", k.Algorithm, k.KeyLen, k.SaltLen)
}

func (r *reader) keyInfo() KeyInfo {
	var k KeyInfo
	k.Algorithm = r.u32()
	k.KeyLen, k.SaltLen = r.u16(), r.u16()
	copy(k.Key[:], r.take(16))
	copy(k.Salt[:], r.take(16))
	k.MKI, k.KeyDerivationRate = r.u32(), r.u32()
	return k
}

// OpenReceiveChannel (0x0105, §6.5.10): the call manager asks the phone to
// open an RTP receive port.
type OpenReceiveChannel struct {
	ConferenceID, PassThru, PacketMs, Compression uint32
	EchoCancel                                    uint32
	CallRef                                       uint32
	Key                                           KeyInfo // Rx key: decrypts what the phone receives
	RFC2833Payload                                uint32
	SourceIP                                      netip.Addr // remote party (v11+), when sent
	SourcePort                                    uint32
}

// ParseOpenReceiveChannel decodes OpenReceiveChannel; the key block and
// the rest may be absent in short forms.
func ParseOpenReceiveChannel(m Message) (OpenReceiveChannel, error) {
	if err := need(m.ID, m.Data, 28); err != nil {
		return OpenReceiveChannel{}, err
	}
	r := reader{b: m.Data}
	var o OpenReceiveChannel
	o.ConferenceID, o.PassThru, o.PacketMs, o.Compression = r.u32(), r.u32(), r.u32(), r.u32()
	o.EchoCancel = r.u32()
	r.u32() // g723 bit rate or codec parameters
	o.CallRef = r.u32()
	o.Key = r.keyInfo()
	r.u32() // streamPassThroughID
	r.u32() // associatedStreamID
	o.RFC2833Payload = r.u32()
	r.u32() // dtmfType
	if len(m.Data) > 92 {
		r.u32() // mixingMode
		r.u32() // partyDirection
		o.SourceIP = r.ip(m.Version)
		o.SourcePort = r.u32()
	}
	return o, nil
}

// StartMediaTransmission (0x008A, §6.5.12): where the phone sends RTP.
type StartMediaTransmission struct {
	ConferenceID, PassThru      uint32
	RemoteIP                    netip.Addr
	RemotePort                  uint32
	PacketMs, Compression       uint32
	Precedence, SilenceSuppress uint32
	FramesPerPacket             uint16
	CallRef                     uint32
	Key                         KeyInfo // Tx key: encrypts what the phone sends
	RFC2833Payload              uint32
}

// ParseStartMediaTransmission decodes StartMediaTransmission.
func ParseStartMediaTransmission(m Message) (StartMediaTransmission, error) {
	min := 44
	if wideIP(m.Version) {
		min += 16
	}
	if err := need(m.ID, m.Data, min); err != nil {
		return StartMediaTransmission{}, err
	}
	r := reader{b: m.Data}
	var s StartMediaTransmission
	s.ConferenceID, s.PassThru = r.u32(), r.u32()
	s.RemoteIP = r.ip(m.Version)
	s.RemotePort, s.PacketMs, s.Compression = r.u32(), r.u32(), r.u32()
	s.Precedence, s.SilenceSuppress = r.u32(), r.u32()
	s.FramesPerPacket = r.u16()
	r.u16()
	r.u32() // g723 bit rate or codec parameters
	s.CallRef = r.u32()
	s.Key = r.keyInfo()
	r.u32() // streamPassThroughID
	r.u32() // associatedStreamID
	s.RFC2833Payload = r.u32()
	return s, nil
}

// MediaStop is CloseReceiveChannel (0x0106) or StopMediaTransmission
// (0x008B): conference ID, pass-through party, call reference.
type MediaStop struct{ ConferenceID, PassThru, CallRef uint32 }

// ParseMediaStop decodes CloseReceiveChannel and StopMediaTransmission.
func ParseMediaStop(m Message) (MediaStop, error) {
	if err := need(m.ID, m.Data, 8); err != nil {
		return MediaStop{}, err
	}
	r := reader{b: m.Data}
	return MediaStop{r.u32(), r.u32(), r.u32()}, nil
}

// ParseU32 decodes the single u32 of Reset, UnregisterAck, ActivateCallPlane,
// SetSpeakerMode (0 when absent).
func ParseU32(m Message) uint32 {
	r := reader{b: m.Data}
	return r.u32()
}
