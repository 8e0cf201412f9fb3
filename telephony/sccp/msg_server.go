package sccp

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

// Messages the server sends (reference §6.3, §6.5).

// RegisterAck (0x0081) accepts a registration (reference §6.5.2).
type RegisterAck struct {
	KeepAliveInterval          uint32 // seconds
	DateTemplate               string // char[6], e.g. "M/D/Y", "D.M.Y"
	SecondaryKeepAliveInterval uint32 // seconds
	MaxProtocolVersion         uint8  // the negotiated version
	Features                   [3]byte
}

// RegisterAckFeatures are the feature bytes chan-sccp sends with
// RegisterAck for negotiated version ver (reference §6.2).
func RegisterAckFeatures(ver uint8) [3]byte {
	switch {
	case ver <= 3:
		return [3]byte{}
	case ver <= 10:
		return [3]byte{0x20, 0xF1, 0xFE}
	}
	return [3]byte{0x20, 0xF1, 0xFF}
}

// NegotiateVersion is the version the server answers a phone offering
// phoneMax: the highest it supports that is not above the phone's
// (reference §6.2).
func NegotiateVersion(phoneMax uint8) uint8 { return min(phoneMax, MaxProtocolVersion) }

// StartTone (0x0082).
type StartTone struct {
	Tone      uint32 // Tone* constants
	Direction uint32 // ToneDirection*
	Line      uint32
	CallRef   uint32
}

// StopTone (0x0083); the tone field is sent from v11.
type StopTone struct {
	Line    uint32
	CallRef uint32
	Tone    uint32
}

// SetRinger (0x0085).
type SetRinger struct {
	RingMode     uint32 // Ring* constants
	RingDuration uint32 // RingDuration*
	Line         uint32
	CallRef      uint32
}

// SetLamp (0x0086).
type SetLamp struct {
	Stimulus         uint32 // Stimulus* constants
	StimulusInstance uint32 // line number for StimulusLine
	LampMode         uint32 // Lamp* constants
}

// SetSpeakerMode (0x0088).
type SetSpeakerMode struct{ Mode uint32 } // ModeOn / ModeOff

// SetMicroMode (0x0089).
type SetMicroMode struct{ Mode uint32 } // ModeOn / ModeOff

// Media encryption algorithms of MediaEncryptionKeyInfo (reference §6.8).
const (
	EncryptionNone                = 0
	EncryptionAESCM128HMACSHA1_32 = 1
	EncryptionAESCM128HMACSHA1_80 = 2
	EncryptionF8128HMACSHA1_32    = 3
	EncryptionF8128HMACSHA1_80    = 4
	EncryptionAEADAES128GCM       = 5
	EncryptionAEADAES256GCM       = 6
	MediaEncryptionKeyInfoSize    = 48
	maxKeyLen, maxSaltLen         = 16, 16
)

// MediaEncryptionKeyInfo is the 48-byte SRTP key block of
// OpenReceiveChannel (the key the device decrypts with) and
// StartMediaTransmission (the key it encrypts with); reference §6.8. The
// zero value means no encryption. Its String, GoString and LogValue never
// show the key or salt.
type MediaEncryptionKeyInfo struct {
	Algorithm         uint32 // Encryption* constants
	KeyLen            uint16 // valid bytes of Key
	SaltLen           uint16 // valid bytes of Salt
	Key               [16]byte
	Salt              [16]byte
	IsMKIPresent      uint32
	KeyDerivationRate uint32
}

// String describes the block without its secrets.
func (k MediaEncryptionKeyInfo) String() string {
	if k.Algorithm == EncryptionNone {
		return "no encryption"
	}
	return fmt.Sprintf("algorithm %d, key %d bytes, salt %d bytes (redacted)", k.Algorithm, k.KeyLen, k.SaltLen)
}

// GoString keeps %#v from printing the key.
func (k MediaEncryptionKeyInfo) GoString() string {
	return "sccp.MediaEncryptionKeyInfo{" + k.String() + "}"
}

// LogValue keeps slog from printing the key.
func (k MediaEncryptionKeyInfo) LogValue() slog.Value { return slog.StringValue(k.String()) }

// RxQualifier is the media qualifier of OpenReceiveChannel: echo
// cancellation then, at v10 and below, the G.723.1 bit rate, from v11 the
// codec parameter bytes (reference §6.5.8).
type RxQualifier struct {
	ECValue        uint32
	G723BitRate    uint32 // v ≤ 10
	CodecMode      uint8  // v ≥ 11
	DynamicPayload uint8
	CodecParam1    uint8
	CodecParam2    uint8
}

// TxQualifier is the media qualifier of StartMediaTransmission.
type TxQualifier struct {
	Precedence         uint32 // DSCP, e.g. 184 (EF)
	SilenceSuppression uint32
	MaxFramesPerPacket uint16
	G723BitRate        uint32 // v ≤ 10
	CodecMode          uint8  // v ≥ 11
	DynamicPayload     uint8
	CodecParam1        uint8
	CodecParam2        uint8
}

// LatentCapsInfoSize is the size of the latent capabilities block that
// OpenReceiveChannel and StartMediaTransmission carry from v21 (Wireshark
// 4.0 dissects it from v21; reference §6.5.10 says v20).
const LatentCapsInfoSize = 36

// StartMediaTransmission (0x008A) tells the device where to send RTP
// (reference §6.5.12).
type StartMediaTransmission struct {
	ConferenceID          uint32
	PassThruPartyID       uint32
	RemoteIP              netip.Addr
	RemotePort            uint32
	MillisecondPacketSize uint32
	CompressionType       uint32 // MediaPayload*
	Qualifier             TxQualifier
	CallRef               uint32
	KeyInfo               MediaEncryptionKeyInfo // zero: no SRTP
	StreamPassThroughID   uint32
	AssociatedStreamID    uint32
	RFC2833PayloadType    uint32
	DTMFType              uint32
	MixingMode            uint32
	PartyDirection        uint32                   // v ≥ 15
	LatentCapsInfo        [LatentCapsInfoSize]byte // v ≥ 21
}

// StopMediaTransmission (0x008B).
type StopMediaTransmission struct {
	ConferenceID    uint32
	PassThruPartyID uint32
	CallRef         uint32
	PortHandling    uint32 // PortHandling*
}

// CallInfo (0x008F) is the static 384-byte call information (reference
// §6.5.9); CallInfoV2 is its dynamic form.
type CallInfo struct {
	CallingPartyName            string // char[40]
	CallingParty                string // char[24]
	CalledPartyName             string
	CalledParty                 string
	Line                        uint32
	CallRef                     uint32
	CallType                    uint32 // CallType*
	OriginalCalledPartyName     string
	OriginalCalledParty         string
	LastRedirectingPartyName    string
	LastRedirectingParty        string
	OriginalCdpnRedirectReason  uint32
	LastRedirectingReason       uint32
	CgpnVoiceMailbox            string
	CdpnVoiceMailbox            string
	OriginalCdpnVoiceMailbox    string
	LastRedirectingVoiceMailbox string
	CallInstance                uint32
	CallSecurityStatus          uint32 // CallSecurityStatus*
	PartyPIRestrictionBits      uint32
}

// ForwardStat (0x0090) is a line's forwarding state.
type ForwardStat struct {
	ActiveForward         uint32
	Line                  uint32
	ForwardAllActive      uint32
	ForwardAllNumber      string // char[24], char[25] from v18
	ForwardBusyActive     uint32
	ForwardBusyNumber     string
	ForwardNoAnswerActive uint32
	ForwardNoAnswerNumber string
}

// SpeedDialStat (0x0091).
type SpeedDialStat struct {
	Index  uint32
	Number string // char[24]
	Name   string // char[40]
}

// LineStat (0x0092) describes one line (reference §6.5.6).
type LineStat struct {
	Line               uint32
	DirNumber          string // char[24]
	FullyQualifiedName string // char[40]
	Label              string // char[40]
	DisplayOptions     uint32
}

// ConfigStat (0x0093).
type ConfigStat struct {
	DeviceName       string // station identifier, char[16]
	UserID           uint32
	Instance         uint32
	UserName         string // char[40]
	ServerName       string // char[40]
	NumberLines      uint32
	NumberSpeedDials uint32
}

// DefineTimeDate (0x0094) sets the phone's clock (reference §6.5.7).
type DefineTimeDate struct {
	Year, Month, DayOfWeek, Day       uint32
	Hour, Minute, Second, Millisecond uint32
	SystemTime                        uint32 // Unix seconds
}

// NewDefineTimeDate is the DefineTimeDate for t in t's location; the day of
// the week counts from Sunday = 0 as chan-sccp sends it.
func NewDefineTimeDate(t time.Time) *DefineTimeDate {
	return &DefineTimeDate{
		Year: uint32(t.Year()), Month: uint32(t.Month()), DayOfWeek: uint32(t.Weekday()), Day: uint32(t.Day()),
		Hour: uint32(t.Hour()), Minute: uint32(t.Minute()), Second: uint32(t.Second()),
		Millisecond: uint32(t.Nanosecond() / 1e6), SystemTime: uint32(t.Unix()),
	}
}

// MaxButtons is the capacity of ButtonTemplate (Wireshark's 42; chan-sccp
// allows 56).
const MaxButtons = 42

// Button is one ButtonTemplate entry.
type Button struct {
	Instance uint8 // e.g. the line number
	Type     uint8 // Stimulus* constants
}

// ButtonTemplate (0x0097) defines the phone's buttons (reference §6.5.5).
// When Count and Total are both zero they are sent as len(Buttons).
type ButtonTemplate struct {
	Offset, Count, Total uint32
	Buttons              []Button
}

// Version (0x0098).
type Version struct{ Version string } // char[16]

// DisplayText (0x0099).
type DisplayText struct{ Text string } // char[32]

// ClearDisplay (0x009A).
type ClearDisplay struct{}

// CapabilitiesReq (0x009B) asks for CapabilitiesRes.
type CapabilitiesReq struct{}

// RegisterReject (0x009D) refuses a registration; the server closes after.
type RegisterReject struct{ Text string } // char[32]

// MaxServers is the number of ServerRes entries.
const MaxServers = 5

// ServerRes (0x009E) names the call-control servers.
type ServerRes struct {
	Names [MaxServers]string // char[48]
	Ports [MaxServers]uint32
	IPs   [MaxServers]netip.Addr
}

// Reset (0x009F).
type Reset struct{ Type uint32 } // Reset* constants

// KeepAliveAck (0x0100).
type KeepAliveAck struct{}

// OpenReceiveChannel (0x0105) asks the device to open an RTP receive port
// (reference §6.5.10).
type OpenReceiveChannel struct {
	ConferenceID          uint32
	PassThruPartyID       uint32
	MillisecondPacketSize uint32
	CompressionType       uint32 // MediaPayload*
	Qualifier             RxQualifier
	CallRef               uint32
	KeyInfo               MediaEncryptionKeyInfo // zero: no SRTP
	StreamPassThroughID   uint32
	AssociatedStreamID    uint32
	RFC2833PayloadType    uint32
	DTMFType              uint32
	MixingMode            uint32                   // v ≥ 11
	PartyDirection        uint32                   // v ≥ 11
	SourceIP              netip.Addr               // v ≥ 11: the remote party
	SourcePort            uint32                   // v ≥ 11
	RequestedIPAddrType   uint32                   // v ≥ 16
	AudioLevelAdjustment  uint32                   // v ≥ 17
	LatentCapsInfo        [LatentCapsInfoSize]byte // v ≥ 21
}

// CloseReceiveChannel (0x0106).
type CloseReceiveChannel struct {
	ConferenceID    uint32
	PassThruPartyID uint32
	CallRef         uint32
	PortHandling    uint32
}

// ConnectionStatisticsReq (0x0107) asks for a call's RTP statistics.
type ConnectionStatisticsReq struct {
	DirectoryNumber     string // char[24], char[25] from v18
	CallRef             uint32
	StatsProcessingMode uint32
}

// MaxSoftKeys is the capacity of SoftKeyTemplateRes.
const MaxSoftKeys = 32

// SoftKeyDefinition is one soft key: its label (often a Label string) and
// event.
type SoftKeyDefinition struct {
	Label string // char[16]
	Event uint32 // SoftKey* constants
}

// SoftKeyTemplateRes (0x0108) defines the soft keys (reference §6.5.5).
// When Count and Total are both zero they are sent as len(Keys).
type SoftKeyTemplateRes struct {
	Offset, Count, Total uint32
	Keys                 []SoftKeyDefinition
}

// MaxSoftKeySets is the capacity of SoftKeySetRes.
const MaxSoftKeySets = 16

// SoftKeySet is one set: 1-based indexes into the soft key template and
// their info indexes.
type SoftKeySet struct {
	TemplateIndex [16]uint8
	InfoIndex     [16]uint16
}

// SoftKeySetRes (0x0109) defines the soft key sets (reference §6.5.5).
// When Count and Total are both zero they are sent as len(Sets).
type SoftKeySetRes struct {
	Offset, Count, Total uint32
	Sets                 []SoftKeySet
}

// SelectSoftKeys (0x0110).
type SelectSoftKeys struct {
	Line         uint32
	CallRef      uint32
	SoftKeySet   uint32 // SoftKeySet* constants
	ValidKeyMask uint32 // bit n = key n+1
}

// CallState (0x0111).
type CallState struct {
	State            uint32 // CallState* constants
	Line             uint32
	CallRef          uint32
	Privacy          uint32 // CallPrivacy*
	PrecedenceLevel  uint32
	PrecedenceDomain uint32
}

// DisplayPromptStatus (0x0112).
type DisplayPromptStatus struct {
	Timeout uint32
	Text    string // char[32]
	Line    uint32
	CallRef uint32
}

// ClearPromptStatus (0x0113).
type ClearPromptStatus struct{ Line, CallRef uint32 }

// DisplayNotify (0x0114).
type DisplayNotify struct {
	Timeout uint32
	Text    string // char[32]
}

// ClearNotify (0x0115).
type ClearNotify struct{}

// ActivateCallPlane (0x0116).
type ActivateCallPlane struct{ Line uint32 }

// DeactivateCallPlane (0x0117).
type DeactivateCallPlane struct{}

// UnregisterAck (0x0118).
type UnregisterAck struct{ Status uint32 } // UnregisterAck*

// DialedNumber (0x011D).
type DialedNumber struct {
	Number  string // char[24], char[25] from v18
	Line    uint32
	CallRef uint32
}

// CallSelectStat (0x0130).
type CallSelectStat struct {
	CallSelectStat uint32
	Line           uint32
	CallRef        uint32
}

// DisplayNotifyV2 (0x0143) is DisplayNotify with a variable-length text.
type DisplayNotifyV2 struct {
	Timeout uint32
	Text    string
}

// DisplayPromptStatusV2 (0x0145) is DisplayPromptStatus with a
// variable-length text.
type DisplayPromptStatusV2 struct {
	Timeout uint32
	Line    uint32
	CallRef uint32
	Text    string
}

// CallInfoV2 (0x014A) is the dynamic CallInfo: fixed integers then
// NUL-terminated strings (chan-sccp sends it from protocol 16 to phones
// with dynamic messages).
type CallInfoV2 struct {
	Line                        uint32
	CallRef                     uint32
	CallType                    uint32
	OriginalCdpnRedirectReason  uint32
	LastRedirectingReason       uint32
	CallInstance                uint32
	CallSecurityStatus          uint32
	PartyPIRestrictionBits      uint32
	CallingParty                string
	AlternateCallingParty       string
	CalledParty                 string
	OriginalCalledParty         string
	LastRedirectingParty        string
	CgpnVoiceMailbox            string
	CdpnVoiceMailbox            string
	OriginalCdpnVoiceMailbox    string
	LastRedirectingVoiceMailbox string
	CallingPartyName            string
	CalledPartyName             string
	OriginalCalledPartyName     string
	LastRedirectingPartyName    string
	HuntPilotNumber             string // v ≥ 17
	HuntPilotName               string // v ≥ 17
}
