package sccp

import "fmt"

// MessageID is the Skinny message identifier (reference §6.3).
type MessageID uint32

// Message IDs, named as in Wireshark's skinny.xml without the "Message"
// suffix (reference §6.3, §7.2). Device → server first, then server → device.
const (
	MsgKeepAlive                  MessageID = 0x0000
	MsgRegister                   MessageID = 0x0001
	MsgIPPort                     MessageID = 0x0002
	MsgKeypadButton               MessageID = 0x0003
	MsgEnblocCall                 MessageID = 0x0004
	MsgStimulus                   MessageID = 0x0005
	MsgOffHook                    MessageID = 0x0006
	MsgOnHook                     MessageID = 0x0007
	MsgHookFlash                  MessageID = 0x0008
	MsgForwardStatReq             MessageID = 0x0009
	MsgSpeedDialStatReq           MessageID = 0x000A
	MsgLineStatReq                MessageID = 0x000B
	MsgConfigStatReq              MessageID = 0x000C
	MsgTimeDateReq                MessageID = 0x000D
	MsgButtonTemplateReq          MessageID = 0x000E
	MsgVersionReq                 MessageID = 0x000F
	MsgCapabilitiesRes            MessageID = 0x0010
	MsgMediaPortList              MessageID = 0x0011
	MsgServerReq                  MessageID = 0x0012
	MsgAlarm                      MessageID = 0x0020
	MsgMulticastMediaReceptionAck MessageID = 0x0021
	MsgOpenReceiveChannelAck      MessageID = 0x0022
	MsgConnectionStatisticsRes    MessageID = 0x0023
	MsgOffHookWithCgpn            MessageID = 0x0024
	MsgSoftKeySetReq              MessageID = 0x0025
	MsgSoftKeyEvent               MessageID = 0x0026
	MsgUnregister                 MessageID = 0x0027
	MsgSoftKeyTemplateReq         MessageID = 0x0028
	MsgRegisterTokenReq           MessageID = 0x0029
	MsgMediaTransmissionFailure   MessageID = 0x002A
	MsgHeadsetStatus              MessageID = 0x002B
	MsgMediaResourceNotification  MessageID = 0x002C
	MsgRegisterAvailableLines     MessageID = 0x002D
	MsgDeviceToUserData           MessageID = 0x002E
	MsgDeviceToUserDataResponse   MessageID = 0x002F
	MsgUpdateCapabilities         MessageID = 0x0030
	MsgServiceURLStatReq          MessageID = 0x0033
	MsgFeatureStatReq             MessageID = 0x0034
	MsgUpdateCapabilitiesV2       MessageID = 0x0043
	MsgUpdateCapabilitiesV3       MessageID = 0x0044
	MsgStartMediaTransmissionAck  MessageID = 0x0154

	MsgRegisterAck             MessageID = 0x0081
	MsgStartTone               MessageID = 0x0082
	MsgStopTone                MessageID = 0x0083
	MsgSetRinger               MessageID = 0x0085
	MsgSetLamp                 MessageID = 0x0086
	MsgSetSpeakerMode          MessageID = 0x0088
	MsgSetMicroMode            MessageID = 0x0089
	MsgStartMediaTransmission  MessageID = 0x008A
	MsgStopMediaTransmission   MessageID = 0x008B
	MsgCallInfo                MessageID = 0x008F
	MsgForwardStat             MessageID = 0x0090
	MsgSpeedDialStat           MessageID = 0x0091
	MsgLineStat                MessageID = 0x0092
	MsgConfigStat              MessageID = 0x0093
	MsgDefineTimeDate          MessageID = 0x0094
	MsgButtonTemplate          MessageID = 0x0097
	MsgVersion                 MessageID = 0x0098
	MsgDisplayText             MessageID = 0x0099
	MsgClearDisplay            MessageID = 0x009A
	MsgCapabilitiesReq         MessageID = 0x009B
	MsgRegisterReject          MessageID = 0x009D
	MsgServerRes               MessageID = 0x009E
	MsgReset                   MessageID = 0x009F
	MsgKeepAliveAck            MessageID = 0x0100
	MsgOpenReceiveChannel      MessageID = 0x0105
	MsgCloseReceiveChannel     MessageID = 0x0106
	MsgConnectionStatisticsReq MessageID = 0x0107
	MsgSoftKeyTemplateRes      MessageID = 0x0108
	MsgSoftKeySetRes           MessageID = 0x0109
	MsgSelectSoftKeys          MessageID = 0x0110
	MsgCallState               MessageID = 0x0111
	MsgDisplayPromptStatus     MessageID = 0x0112
	MsgClearPromptStatus       MessageID = 0x0113
	MsgDisplayNotify           MessageID = 0x0114
	MsgClearNotify             MessageID = 0x0115
	MsgActivateCallPlane       MessageID = 0x0116
	MsgDeactivateCallPlane     MessageID = 0x0117
	MsgUnregisterAck           MessageID = 0x0118
	MsgBackSpaceReq            MessageID = 0x0119
	MsgDialedNumber            MessageID = 0x011D
	MsgUserToDeviceData        MessageID = 0x011E
	MsgFeatureStat             MessageID = 0x011F
	MsgDisplayPriNotify        MessageID = 0x0120
	MsgClearPriNotify          MessageID = 0x0121
	MsgServiceURLStat          MessageID = 0x012F
	MsgCallSelectStat          MessageID = 0x0130
	MsgConfigStatV2            MessageID = 0x0142
	MsgDisplayNotifyV2         MessageID = 0x0143
	MsgDisplayPriNotifyV2      MessageID = 0x0144
	MsgDisplayPromptStatusV2   MessageID = 0x0145
	MsgFeatureStatV2           MessageID = 0x0146
	MsgLineStatV2              MessageID = 0x0147
	MsgServiceURLStatV2        MessageID = 0x0148
	MsgSpeedDialStatV2         MessageID = 0x0149
	MsgCallInfoV2              MessageID = 0x014A
)

// messageNames are the names Wireshark's dissector prints (tshark shows
// "<name>Message"); used for logging and checked by the tshark test.
var messageNames = map[MessageID]string{
	MsgKeepAlive: "KeepAlive", MsgRegister: "Register", MsgIPPort: "IpPort",
	MsgKeypadButton: "KeypadButton", MsgEnblocCall: "EnblocCall", MsgStimulus: "Stimulus",
	MsgOffHook: "OffHook", MsgOnHook: "OnHook", MsgHookFlash: "HookFlash",
	MsgForwardStatReq: "ForwardStatReq", MsgSpeedDialStatReq: "SpeedDialStatReq",
	MsgLineStatReq: "LineStatReq", MsgConfigStatReq: "ConfigStatReq", MsgTimeDateReq: "TimeDateReq",
	MsgButtonTemplateReq: "ButtonTemplateReq", MsgVersionReq: "VersionReq",
	MsgCapabilitiesRes: "CapabilitiesRes", MsgMediaPortList: "MediaPortList", MsgServerReq: "ServerReq",
	MsgAlarm: "Alarm", MsgMulticastMediaReceptionAck: "MulticastMediaReceptionAck",
	MsgOpenReceiveChannelAck: "OpenReceiveChannelAck", MsgConnectionStatisticsRes: "ConnectionStatisticsRes",
	MsgOffHookWithCgpn: "OffHookWithCgpn", MsgSoftKeySetReq: "SoftKeySetReq", MsgSoftKeyEvent: "SoftKeyEvent",
	MsgUnregister: "Unregister", MsgSoftKeyTemplateReq: "SoftKeyTemplateReq",
	MsgRegisterTokenReq: "RegisterTokenReq", MsgMediaTransmissionFailure: "MediaTransmissionFailure",
	MsgHeadsetStatus: "HeadsetStatus", MsgMediaResourceNotification: "MediaResourceNotification",
	MsgRegisterAvailableLines: "RegisterAvailableLines", MsgDeviceToUserData: "DeviceToUserData",
	MsgDeviceToUserDataResponse: "DeviceToUserDataResponse", MsgUpdateCapabilities: "UpdateCapabilities",
	MsgServiceURLStatReq: "ServiceURLStatReq", MsgFeatureStatReq: "FeatureStatReq",
	MsgUpdateCapabilitiesV2: "UpdateCapabilitiesV2", MsgUpdateCapabilitiesV3: "UpdateCapabilitiesV3",
	MsgStartMediaTransmissionAck: "StartMediaTransmissionAck",
	MsgRegisterAck:               "RegisterAck", MsgStartTone: "StartTone", MsgStopTone: "StopTone",
	MsgSetRinger: "SetRinger", MsgSetLamp: "SetLamp", MsgSetSpeakerMode: "SetSpeakerMode",
	MsgSetMicroMode: "SetMicroMode", MsgStartMediaTransmission: "StartMediaTransmission",
	MsgStopMediaTransmission: "StopMediaTransmission", MsgCallInfo: "CallInfo",
	MsgForwardStat: "ForwardStat", MsgSpeedDialStat: "SpeedDialStat", MsgLineStat: "LineStat",
	MsgConfigStat: "ConfigStat", MsgDefineTimeDate: "DefineTimeDate", MsgButtonTemplate: "ButtonTemplate",
	MsgVersion: "Version", MsgDisplayText: "DisplayText", MsgClearDisplay: "ClearDisplay",
	MsgCapabilitiesReq: "CapabilitiesReq", MsgRegisterReject: "RegisterReject", MsgServerRes: "ServerRes",
	MsgReset: "Reset", MsgKeepAliveAck: "KeepAliveAck", MsgOpenReceiveChannel: "OpenReceiveChannel",
	MsgCloseReceiveChannel: "CloseReceiveChannel", MsgConnectionStatisticsReq: "ConnectionStatisticsReq",
	MsgSoftKeyTemplateRes: "SoftKeyTemplateRes", MsgSoftKeySetRes: "SoftKeySetRes",
	MsgSelectSoftKeys: "SelectSoftKeys", MsgCallState: "CallState",
	MsgDisplayPromptStatus: "DisplayPromptStatus", MsgClearPromptStatus: "ClearPromptStatus",
	MsgDisplayNotify: "DisplayNotify", MsgClearNotify: "ClearNotify",
	MsgActivateCallPlane: "ActivateCallPlane", MsgDeactivateCallPlane: "DeactivateCallPlane",
	MsgUnregisterAck: "UnregisterAck", MsgBackSpaceReq: "BackSpaceReq", MsgDialedNumber: "DialedNumber",
	MsgUserToDeviceData: "UserToDeviceData", MsgFeatureStat: "FeatureStat",
	MsgDisplayPriNotify: "DisplayPriNotify", MsgClearPriNotify: "ClearPriNotify",
	MsgServiceURLStat: "ServiceURLStat", MsgCallSelectStat: "CallSelectStat",
	MsgConfigStatV2: "ConfigStatV2", MsgDisplayNotifyV2: "DisplayNotifyV2",
	MsgDisplayPriNotifyV2: "DisplayPriNotifyV2", MsgDisplayPromptStatusV2: "DisplayPromptStatusV2",
	MsgFeatureStatV2: "FeatureStatV2", MsgLineStatV2: "LineStatV2", MsgServiceURLStatV2: "ServiceURLStatV2",
	MsgSpeedDialStatV2: "SpeedDialStatV2", MsgCallInfoV2: "CallInfoV2",
}

// String is the protocol name of the message, or its number in hex.
func (id MessageID) String() string {
	if n, ok := messageNames[id]; ok {
		return n
	}
	return fmt.Sprintf("0x%04X", uint32(id))
}
