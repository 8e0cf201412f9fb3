package sccp

import "net/netip"

// Messages a device sends (reference §6.3, §6.5).

// KeepAlive (0x0000) is the phone's periodic keepalive; the server answers
// KeepAliveAck.
type KeepAlive struct{}

// Register (0x0001) is the first message of a device (reference §6.5.1).
type Register struct {
	DeviceName         string     // station identifier: char[16], e.g. SEP001122334455
	UserID             uint32     // station identifier: reserved, 0
	Instance           uint32     // station identifier: 1
	StationIP          netip.Addr // IPv4, network order
	DeviceType         uint32     // Device* constants
	MaxStreams         uint32
	ActiveStreams      uint32
	ProtocolVersion    uint8  // the phone's highest protocol version
	FeatureByte        uint8  // offset 41, meaning unknown
	PhoneFeatures      uint16 // PhoneFeature* bits
	MaxConferences     uint32
	ActiveConferences  uint32
	MAC                [6]byte
	IPv4AddressScope   uint32
	MaxNumberOfLines   uint32
	StationIPv6        netip.Addr // zero Addr when absent or all zero
	IPv6AddressScope   uint32
	FirmwareLoadName   string // char[32]
	ConfigVersionStamp string // char[48]
}

// IPPort (0x0002) is a legacy report of the device's RTP port.
type IPPort struct{ Port uint32 }

// KeypadButton (0x0003) is one key press.
type KeypadButton struct {
	Button  uint32 // 0–9 digits, Keypad* constants
	Line    uint32
	CallRef uint32
}

// EnblocCall (0x0004) is a number dialled in one go.
type EnblocCall struct {
	CalledParty string // char[24], char[25] from v18
	Line        uint32
}

// StimulusMessage (0x0005) is a feature button press.
type StimulusMessage struct {
	Stimulus         uint32 // Stimulus* constants
	StimulusInstance uint32 // line or button number
	CallRef          uint32
	Status           uint32
}

// OffHook (0x0006): the handset was lifted (line and call reference are
// absent in short forms).
type OffHook struct{ Line, CallRef uint32 }

// OnHook (0x0007): the handset was put down.
type OnHook struct{ Line, CallRef uint32 }

// HookFlash (0x0008).
type HookFlash struct{ Line, CallRef uint32 }

// ForwardStatReq (0x0009) asks for a line's forwarding state.
type ForwardStatReq struct{ Line uint32 }

// SpeedDialStatReq (0x000A) asks for one speed-dial entry.
type SpeedDialStatReq struct{ Index uint32 }

// LineStatReq (0x000B) asks for one line.
type LineStatReq struct{ Line uint32 }

// ConfigStatReq (0x000C).
type ConfigStatReq struct{}

// TimeDateReq (0x000D); chan-sccp takes it as the end of registration.
type TimeDateReq struct{}

// ButtonTemplateReq (0x000E).
type ButtonTemplateReq struct{}

// VersionReq (0x000F).
type VersionReq struct{}

// MaxCapabilities is the capacity of CapabilitiesRes.
const MaxCapabilities = 18

// Capability is one audio capability: a payload type (MediaPayload*), the
// frames per packet, and an 8-byte parameter union (g723BitRate as a u32
// for G.723.1, else codecMode, dynamicPayload, codecParam1, codecParam2).
type Capability struct {
	PayloadCapability  uint32
	MaxFramesPerPacket uint32
	Params             [8]byte
}

// CapabilitiesRes (0x0010) lists the device's codecs (reference §6.5.4).
type CapabilitiesRes struct{ Caps []Capability }

// MaxMediaPorts is the capacity of MediaPortList.
const MaxMediaPorts = 16

// MediaPortList (0x0011) lists a media resource's RTP ports (chan-sccp).
type MediaPortList struct{ Ports []uint32 }

// ServerReq (0x0012) asks for the server list.
type ServerReq struct{}

// Alarm (0x0020) is a device alarm; the text is peer-supplied.
type Alarm struct {
	Severity       uint32
	DisplayMessage string // char[80]
	Param1, Param2 uint32
}

// OpenReceiveChannelAck (0x0022) reports where the device receives RTP
// (reference §6.5.11).
type OpenReceiveChannelAck struct {
	Status          uint32 // MediaStatus*
	IP              netip.Addr
	Port            uint32
	PassThruPartyID uint32
	CallRef         uint32
}

// ConnectionStatisticsRes (0x0023) reports a call's RTP statistics.
type ConnectionStatisticsRes struct {
	DirectoryNumber     string // char[24], char[25] from v18
	CallRef             uint32
	StatsProcessingMode uint32
	PacketsSent         uint32
	OctetsSent          uint32
	PacketsReceived     uint32
	OctetsReceived      uint32
	PacketsLost         uint32
	Jitter              uint32
	Latency             uint32
	Data                string // dataSize bytes (XML in newer firmware)
}

// SoftKeySetReq (0x0025).
type SoftKeySetReq struct{}

// SoftKeyEvent (0x0026) is a soft key press.
type SoftKeyEvent struct {
	Event   uint32 // SoftKey* constants
	Line    uint32
	CallRef uint32
}

// Unregister (0x0027).
type Unregister struct{ Reason uint32 }

// SoftKeyTemplateReq (0x0028).
type SoftKeyTemplateReq struct{}

// HeadsetStatus (0x002B).
type HeadsetStatus struct{ Mode uint32 } // HeadsetOn / HeadsetOff

// MediaResourceNotification (0x002C) is a media resource's capacity
// report (reference §7.2).
type MediaResourceNotification struct {
	DeviceType          uint32
	InServiceStreams    uint32
	MaxStreamsPerConf   uint32
	OutOfServiceStreams uint32
}

// RegisterAvailableLines (0x002D).
type RegisterAvailableLines struct{ MaxLines uint32 }

// MaxUserData bounds the data of the device/user data messages.
const MaxUserData = 2000

// UserAndDeviceData is the body of DeviceToUserData and friends.
type UserAndDeviceData struct {
	ApplicationID uint32
	Line          uint32
	CallRef       uint32
	TransactionID uint32
	Data          []byte // at most MaxUserData bytes
}

// DeviceToUserData (0x002E) carries application data from the phone.
type DeviceToUserData struct{ UserAndDeviceData }

// DeviceToUserDataResponse (0x002F).
type DeviceToUserDataResponse struct{ UserAndDeviceData }

// StartMediaTransmissionAck (0x0154) confirms a StartMediaTransmission
// (reference §6.5.13).
type StartMediaTransmissionAck struct {
	ConferenceID    uint32 // chan-sccp: call reference
	PassThruPartyID uint32
	CallRef         uint32
	IP              netip.Addr
	Port            uint32
	Status          uint32 // MediaStatus*
}
