package sccp

import "fmt"

// Message IDs (reference §6.3; names as in Wireshark's skinny.xml).
const (
	// Phone -> call manager.
	MsgKeepAlive                 = 0x0000
	MsgRegister                  = 0x0001
	MsgIPPort                    = 0x0002
	MsgKeypadButton              = 0x0003
	MsgEnblocCall                = 0x0004
	MsgStimulus                  = 0x0005
	MsgOffHook                   = 0x0006
	MsgOnHook                    = 0x0007
	MsgHookFlash                 = 0x0008
	MsgForwardStatReq            = 0x0009
	MsgSpeedDialStatReq          = 0x000A
	MsgLineStatReq               = 0x000B
	MsgConfigStatReq             = 0x000C
	MsgTimeDateReq               = 0x000D
	MsgButtonTemplateReq         = 0x000E
	MsgVersionReq                = 0x000F
	MsgCapabilitiesRes           = 0x0010
	MsgServerReq                 = 0x0012
	MsgAlarm                     = 0x0020
	MsgOpenReceiveChannelAck     = 0x0022
	MsgSoftKeySetReq             = 0x0025
	MsgSoftKeyEvent              = 0x0026
	MsgUnregister                = 0x0027
	MsgSoftKeyTemplateReq        = 0x0028
	MsgHeadsetStatus             = 0x002B
	MsgRegisterAvailableLines    = 0x002D
	MsgStartMediaTransmissionAck = 0x0154

	// Call manager -> phone.
	MsgRegisterAck            = 0x0081
	MsgStartTone              = 0x0082
	MsgStopTone               = 0x0083
	MsgSetRinger              = 0x0085
	MsgSetLamp                = 0x0086
	MsgSetSpeakerMode         = 0x0088
	MsgSetMicroMode           = 0x0089
	MsgStartMediaTransmission = 0x008A
	MsgStopMediaTransmission  = 0x008B
	MsgCallInfo               = 0x008F
	MsgForwardStat            = 0x0090
	MsgSpeedDialStat          = 0x0091
	MsgLineStat               = 0x0092
	MsgConfigStat             = 0x0093
	MsgDefineTimeDate         = 0x0094
	MsgButtonTemplate         = 0x0097
	MsgVersion                = 0x0098
	MsgDisplayText            = 0x0099
	MsgClearDisplay           = 0x009A
	MsgCapabilitiesReq        = 0x009B
	MsgRegisterReject         = 0x009D
	MsgServerRes              = 0x009E
	MsgReset                  = 0x009F
	MsgKeepAliveAck           = 0x0100
	MsgOpenReceiveChannel     = 0x0105
	MsgCloseReceiveChannel    = 0x0106
	MsgSoftKeyTemplateRes     = 0x0108
	MsgSoftKeySetRes          = 0x0109
	MsgSelectSoftKeys         = 0x0110
	MsgCallState              = 0x0111
	MsgDisplayPromptStatus    = 0x0112
	MsgClearPromptStatus      = 0x0113
	MsgDisplayNotify          = 0x0114
	MsgClearNotify            = 0x0115
	MsgActivateCallPlane      = 0x0116
	MsgDeactivateCallPlane    = 0x0117
	MsgUnregisterAck          = 0x0118
	MsgDialedNumber           = 0x011D
	MsgFeatureStat            = 0x011F
	MsgServiceURLStat         = 0x012F
	MsgDisplayPromptStatusV2  = 0x0145
	MsgLineStatV2             = 0x0147
	MsgCallInfoV2             = 0x014A
)

var names = map[uint32]string{
	0x0000: "KeepAlive", 0x0001: "Register", 0x0002: "IpPort", 0x0003: "KeypadButton", 0x0004: "EnblocCall",
	0x0005: "Stimulus", 0x0006: "OffHook", 0x0007: "OnHook", 0x0008: "HookFlash", 0x0009: "ForwardStatReq",
	0x000A: "SpeedDialStatReq", 0x000B: "LineStatReq", 0x000C: "ConfigStatReq", 0x000D: "TimeDateReq",
	0x000E: "ButtonTemplateReq", 0x000F: "VersionReq", 0x0010: "CapabilitiesRes", 0x0011: "MediaPortList",
	0x0012: "ServerReq", 0x0020: "Alarm", 0x0021: "MulticastMediaReceptionAck", 0x0022: "OpenReceiveChannelAck",
	0x0023: "ConnectionStatisticsRes", 0x0024: "OffHookWithCgpn", 0x0025: "SoftKeySetReq", 0x0026: "SoftKeyEvent",
	0x0027: "Unregister", 0x0028: "SoftKeyTemplateReq", 0x0029: "RegisterTokenReq", 0x002A: "MediaTransmissionFailure",
	0x002B: "HeadsetStatus", 0x002C: "MediaResourceNotification", 0x002D: "RegisterAvailableLines",
	0x002E: "DeviceToUserData", 0x002F: "DeviceToUserDataResponse", 0x0030: "UpdateCapabilities",
	0x0031: "OpenMultiMediaReceiveChannelAck", 0x0032: "ClearConference", 0x0033: "ServiceURLStatReq",
	0x0034: "FeatureStatReq", 0x0043: "UpdateCapabilitiesV2", 0x0044: "UpdateCapabilitiesV3", 0x0048: "SubscriptionStatReq",
	0x0154: "StartMediaTransmissionAck", 0x0155: "StartMultiMediaTransmissionAck",
	0x0081: "RegisterAck", 0x0082: "StartTone", 0x0083: "StopTone", 0x0085: "SetRinger", 0x0086: "SetLamp",
	0x0087: "SetHookFlashDetect", 0x0088: "SetSpeakerMode", 0x0089: "SetMicroMode", 0x008A: "StartMediaTransmission",
	0x008B: "StopMediaTransmission", 0x008F: "CallInfo", 0x0090: "ForwardStat", 0x0091: "SpeedDialStat",
	0x0092: "LineStat", 0x0093: "ConfigStat", 0x0094: "DefineTimeDate", 0x0095: "StartSessionTransmission",
	0x0096: "StopSessionTransmission", 0x0097: "ButtonTemplate", 0x0098: "Version", 0x0099: "DisplayText",
	0x009A: "ClearDisplay", 0x009B: "CapabilitiesReq", 0x009D: "RegisterReject", 0x009E: "ServerRes",
	0x009F: "Reset", 0x0100: "KeepAliveAck", 0x0105: "OpenReceiveChannel", 0x0106: "CloseReceiveChannel",
	0x0107: "ConnectionStatisticsReq", 0x0108: "SoftKeyTemplateRes", 0x0109: "SoftKeySetRes", 0x0110: "SelectSoftKeys",
	0x0111: "CallState", 0x0112: "DisplayPromptStatus", 0x0113: "ClearPromptStatus", 0x0114: "DisplayNotify",
	0x0115: "ClearNotify", 0x0116: "ActivateCallPlane", 0x0117: "DeactivateCallPlane", 0x0118: "UnregisterAck",
	0x0119: "BackSpaceReq", 0x011D: "DialedNumber", 0x011F: "FeatureStat", 0x0120: "DisplayPriNotify",
	0x0121: "ClearPriNotify", 0x012F: "ServiceURLStat", 0x0130: "CallSelectStat", 0x0142: "ConfigStatV2",
	0x0143: "DisplayNotifyV2", 0x0144: "DisplayPriNotifyV2", 0x0145: "DisplayPromptStatusV2", 0x0146: "FeatureStatV2",
	0x0147: "LineStatV2", 0x0148: "ServiceURLStatV2", 0x0149: "SpeedDialStatV2", 0x014A: "CallInfoV2",
}

// Name is the message's name (e.g. "OpenReceiveChannel"), or its ID in hex
// when unknown.
func Name(id uint32) string {
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("Unknown(0x%04X)", id)
}

// Call states (CallState, §6.6.4).
const (
	StateOffHook    = 1
	StateOnHook     = 2
	StateRingOut    = 3
	StateRingIn     = 4
	StateConnected  = 5
	StateBusy       = 6
	StateCongestion = 7
	StateHold       = 8
	StateCallWait   = 9
	StateTransfer   = 10
	StateProceed    = 12
	StateInvalidNum = 14
)

// StateName names a call state.
func StateName(s uint32) string {
	n := [...]string{"Idle", "OffHook", "OnHook", "RingOut", "RingIn", "Connected", "Busy", "Congestion", "Hold",
		"CallWaiting", "CallTransfer", "CallPark", "Proceed", "CallRemoteMultiline", "InvalidNumber", "HoldRevert",
		"Whisper", "RemoteHold"}
	if int64(s) < int64(len(n)) {
		return n[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// Tones (StartTone, §6.6.3).
const (
	ToneSilence     = 0x00
	ToneInsideDial  = 0x21
	ToneOutsideDial = 0x22
	ToneBusy        = 0x23
	ToneAlerting    = 0x24
	ToneReorder     = 0x25
	ToneCallWaiting = 0x2D
	ToneHold        = 0x35
	ToneSecure      = 0x39
	ToneNonSecure   = 0x49
	ToneNoTone      = 0x7F
)

// Soft key events (SoftKeyEvent, §6.6.7).
const (
	SoftKeyRedial   = 1
	SoftKeyNewCall  = 2
	SoftKeyHold     = 3
	SoftKeyTransfer = 4
	SoftKeyCfwdAll  = 5
	SoftKeyEndCall  = 9
	SoftKeyResume   = 10
	SoftKeyAnswer   = 11
	SoftKeyDial     = 201
)

// RingOff is the SetRinger mode that stops the ringer (§6.6.5).
const RingOff = 1

// Payload capabilities (§6.6.2) the simulator knows by name.
const (
	CodecG711Alaw = 2
	CodecG711Ulaw = 4
	CodecG722     = 6
	CodecG729     = 11
	CodecG729A    = 12
)

// Keypad buttons beyond the digits (KeypadButton, §6.6.7).
const (
	KeyStar  = 0x0E
	KeyPound = 0x0F
)

// KeypadCode maps a dialled character to its KeypadButton value.
func KeypadCode(c byte) (uint32, bool) {
	switch {
	case c >= '1' && c <= '9':
		return uint32(c - '0'), true
	case c == '0':
		return 0, true // §6.6.7 KeypadButton: digits are their value; StartTone uses 0x0A for DTMF 0
	case c == '*':
		return KeyStar, true
	case c == '#':
		return KeyPound, true
	case c >= 'A' && c <= 'D':
		return uint32(c-'A') + 0x0A, true
	case c == '+':
		return 0x10, true
	}
	return 0, false
}
