package sccp

// Protocol versions (reference §6.1, §6.2).
const (
	// MaxProtocolVersion is the highest Skinny protocol version this codec
	// lays out (Wireshark knows up to v22; chan-sccp supports 3–22).
	MaxProtocolVersion = 22
	// MinHeaderVersion is the lowest protocol version written in the
	// header; below it the header carries 0 ("basic").
	MinHeaderVersion = 10
)

// Phone feature bits of Register (the u16 at offset 42; reference §6.2).
const (
	PhoneFeatureUTF8            = 0x0010
	PhoneFeatureDynamicMessages = 0x0080
	PhoneFeatureRFC2833         = 0x0200
	PhoneFeatureAbbrevDial      = 0x8000
)

// Device types (reference §6.6.1; Wireshark DeviceType names).
const (
	DeviceStation7910               = 6
	DeviceStation7960               = 7
	DeviceStation7940               = 8
	DeviceStation7935               = 9
	DeviceConferenceBridge          = 50
	DeviceMusicOnHold               = 70
	DeviceSoftwareMtpDixieLand      = 83
	DeviceMediaTerminationPoint     = 110
	DeviceStation7941               = 115
	DeviceStation7971               = 119
	DeviceAnnunciator               = 126
	DeviceStation7911               = 307
	DeviceStation7941GE             = 308
	DeviceStation7961GE             = 309
	DeviceStation7906               = 369
	DeviceStation7962               = 404
	DeviceStation7942               = 434
	DeviceStation7945               = 435
	DeviceStation7965               = 436
	DeviceStation7975               = 437
	DeviceStation8945               = 585
	DeviceStation8941               = 586
	DeviceStation7970               = 30006
	DeviceStationIPCommunicator     = 30016
	DeviceStation7961               = 30018
	DeviceNotDefined                = 255
	DeviceMediaTerminationPointYoko = 111
)

// Payload capabilities (codecs; reference §6.6.2, Wireshark Media_PayloadType).
const (
	MediaPayloadNonStandard         = 1
	MediaPayloadG711Alaw64k         = 2
	MediaPayloadG711Alaw56k         = 3
	MediaPayloadG711Ulaw64k         = 4
	MediaPayloadG711Ulaw56k         = 5
	MediaPayloadG722_64k            = 6
	MediaPayloadG722_56k            = 7
	MediaPayloadG722_48k            = 8
	MediaPayloadG7231               = 9
	MediaPayloadG728                = 10
	MediaPayloadG729                = 11
	MediaPayloadG729AnnexA          = 12
	MediaPayloadG729AnnexB          = 15
	MediaPayloadG729AnnexAwAnnexB   = 16
	MediaPayloadGSMFullRate         = 18
	MediaPayloadGSMHalfRate         = 19
	MediaPayloadGSMEnhancedFullRate = 20
	MediaPayloadWideband256k        = 25
	MediaPayloadData64              = 32
	MediaPayloadData56              = 33
	MediaPayloadG7221_32K           = 40
	MediaPayloadG7221_24K           = 41
	MediaPayloadAAC                 = 42
	MediaPayloadGSM                 = 80
	MediaPayloadG726_32K            = 82
	MediaPayloadG726_24K            = 83
	MediaPayloadG726_16K            = 84
	MediaPayloadILBC                = 86
	MediaPayloadISAC                = 89
	MediaPayloadAMR                 = 97
	MediaPayloadAMRWB               = 98
	MediaPayloadH261                = 100
	MediaPayloadH263                = 101
	MediaPayloadH264                = 103
	MediaPayloadT38Fax              = 107
	MediaPayloadClearChannel        = 120
	MediaPayloadRFC2833DynPayload   = 257
	MediaPayloadPassThrough         = 258
	MediaPayloadDTMFOOB             = 260
	MediaPayloadNoAudio             = 299
)

// G.723.1 bit rates (the g723BitRate field).
const (
	G723BitRate5_3 = 1
	G723BitRate6_3 = 2
)

// Tones for StartTone / StopTone (reference §6.6.3).
const (
	ToneSilence          = 0x00
	ToneDTMF1            = 0x01
	ToneDTMF0            = 0x0A
	ToneDTMFStar         = 0x0E
	ToneDTMFPound        = 0x0F
	ToneInsideDialTone   = 0x21
	ToneOutsideDialTone  = 0x22
	ToneLineBusyTone     = 0x23
	ToneAlertingTone     = 0x24
	ToneReorderTone      = 0x25
	ToneRecorderWarning  = 0x26
	ToneRecorderDetected = 0x27
	ToneRevertingTone    = 0x28
	ToneReceiverOffHook  = 0x29
	ToneMessageWaiting   = 0x2A
	ToneNoSuchNumber     = 0x2B
	ToneBusyVerification = 0x2C
	ToneCallWaiting      = 0x2D
	ToneConfirmation     = 0x2E
	ToneRecallDial       = 0x30
	ToneZipZip           = 0x31
	ToneZip              = 0x32
	ToneBeepBonk         = 0x33
	ToneMusic            = 0x34
	ToneHold             = 0x35
	ToneTest             = 0x36
	ToneMonitorWarning   = 0x38
	ToneSecureWarning    = 0x39
	ToneNonSecureWarning = 0x49
	ToneNoTone           = 0x7F
)

// Tone directions (StartTone).
const (
	ToneDirectionUser    = 0
	ToneDirectionNetwork = 1
	ToneDirectionAll     = 2
)

// Call states (CallState; reference §6.6.4).
const (
	CallStateIdle                = 0
	CallStateOffHook             = 1
	CallStateOnHook              = 2
	CallStateRingOut             = 3
	CallStateRingIn              = 4
	CallStateConnected           = 5
	CallStateBusy                = 6
	CallStateCongestion          = 7
	CallStateHold                = 8
	CallStateCallWaiting         = 9
	CallStateCallTransfer        = 10
	CallStateCallPark            = 11
	CallStateProceed             = 12
	CallStateCallRemoteMultiline = 13
	CallStateInvalidNumber       = 14
	CallStateHoldRevert          = 15
	CallStateWhisper             = 16
	CallStateRemoteHold          = 17
)

// Call privacy (CallState).
const (
	CallPrivacyNone    = 0
	CallPrivacyLimited = 1
	CallPrivacyFull    = 2
)

// Call types (CallInfo).
const (
	CallTypeInBound  = 1
	CallTypeOutBound = 2
	CallTypeForward  = 3
)

// Ring modes and durations (SetRinger; reference §6.6.5).
const (
	RingOff            = 1
	RingInside         = 2
	RingOutside        = 3
	RingFeature        = 4
	RingFlashOnly      = 5
	RingPrecedence     = 6
	RingDurationNormal = 1
	RingDurationSingle = 2
)

// Lamp modes (SetLamp).
const (
	LampOff   = 1
	LampOn    = 2
	LampWink  = 3
	LampFlash = 4
	LampBlink = 5
)

// Speaker, microphone and headset modes.
const (
	ModeOn  = 1
	ModeOff = 2
)

// Softkey sets (SelectSoftKeys set index; reference §6.6.6).
const (
	SoftKeySetOnHook                = 0
	SoftKeySetConnected             = 1
	SoftKeySetOnHold                = 2
	SoftKeySetRingIn                = 3
	SoftKeySetOffHook               = 4
	SoftKeySetConnectedTransferable = 5
	SoftKeySetDigitsFollowing       = 6
	SoftKeySetConnectedConference   = 7
	SoftKeySetRingOut               = 8
	SoftKeySetOffHookWithFeatures   = 9
	SoftKeySetInUseHint             = 10
	SoftKeySetOnHookStealable       = 11
)

// Softkey events (SoftKeyEvent, SoftKeyTemplateRes; reference §6.6.7).
const (
	SoftKeyRedial       = 1
	SoftKeyNewCall      = 2
	SoftKeyHold         = 3
	SoftKeyTransfer     = 4
	SoftKeyCfwdAll      = 5
	SoftKeyCfwdBusy     = 6
	SoftKeyCfwdNoAnswer = 7
	SoftKeyBackSpace    = 8
	SoftKeyEndCall      = 9
	SoftKeyResume       = 10
	SoftKeyAnswer       = 11
	SoftKeyInfo         = 12
	SoftKeyConfrn       = 13
	SoftKeyPark         = 14
	SoftKeyJoin         = 15
	SoftKeyMeetMe       = 16
	SoftKeyPickUp       = 17
	SoftKeyGrpPickup    = 18
	SoftKeyDND          = 63
	SoftKeySelect       = 78
	SoftKeyConfList     = 79
	SoftKeyIDivert      = 80
	SoftKeyCBarge       = 81
	SoftKeyDial         = 201
	SoftKeyRecord       = 202
)

// Stimuli and button types (StimulusMessage, SetLamp, ButtonTemplate;
// reference §6.6.7).
const (
	StimulusLastNumberRedial = 0x01
	StimulusSpeedDial        = 0x02
	StimulusHold             = 0x03
	StimulusTransfer         = 0x04
	StimulusForwardAll       = 0x05
	StimulusForwardBusy      = 0x06
	StimulusForwardNoAnswer  = 0x07
	StimulusDisplay          = 0x08
	StimulusLine             = 0x09
	StimulusVoiceMail        = 0x0F
	StimulusAutoAnswer       = 0x11
	StimulusFeature          = 0x13
	StimulusServiceURL       = 0x14
	StimulusBLFSpeedDial     = 0x15
	StimulusConference       = 0x7D
	StimulusCallPark         = 0x7E
	StimulusCallPickup       = 0x7F
	StimulusGroupCallPickup  = 0x80
	StimulusDoNotDisturb     = 0x82
	StimulusMessages         = 0xC2
	StimulusDirectory        = 0xC3
	StimulusHeadset          = 0xC6
	StimulusKeypad           = 0xF0
	StimulusUndefined        = 0xFF
)

// Keypad buttons (KeypadButton): 0–9 are the digits themselves.
const (
	KeypadA     = 0x0A
	KeypadB     = 0x0B
	KeypadC     = 0x0C
	KeypadD     = 0x0D
	KeypadStar  = 0x0E
	KeypadPound = 0x0F
	KeypadPlus  = 0x10
)

// Media status of OpenReceiveChannelAck / StartMediaTransmissionAck
// (reference §6.6.8).
const (
	MediaStatusOK                             = 0
	MediaStatusUnknown                        = 1
	MediaStatusOutOfChannels                  = 2
	MediaStatusCodecTooComplex                = 3
	MediaStatusInvalidPartyID                 = 4
	MediaStatusInvalidCallReference           = 5
	MediaStatusInvalidCodec                   = 6
	MediaStatusInvalidPacketSize              = 7
	MediaStatusOutOfSockets                   = 8
	MediaStatusEncoderOrDecoderFailed         = 9
	MediaStatusInvalidDynPayloadType          = 10
	MediaStatusRequestedIPAddrTypeUnavailable = 11
	MediaStatusDeviceOnHook                   = 0xFF
)

// Call security status (CallInfo; reference §6.6.9).
const (
	CallSecurityStatusUnknown          = 0
	CallSecurityStatusNotAuthenticated = 1
	CallSecurityStatusAuthenticated    = 2
	CallSecurityStatusEncrypted        = 3
)

// IP address types of the v17+ address fields (reference §6.6.10).
const (
	IPAddrTypeIPv4    = 0
	IPAddrTypeIPv6    = 1
	IPAddrTypeBoth    = 2
	IPAddrTypeInvalid = 3
)

// Port handling of StopMediaTransmission / CloseReceiveChannel.
const (
	PortHandlingClosePort = 0
	PortHandlingKeepPort  = 1
)

// Reset types (Reset).
const (
	ResetReset       = 1
	ResetRestart     = 2
	ResetApplyConfig = 3
)

// UnregisterAck status.
const (
	UnregisterAckOK    = 0
	UnregisterAckError = 1
	UnregisterAckNAK   = 2
)

// Headset status (HeadsetStatus).
const (
	HeadsetOn  = 1
	HeadsetOff = 2
)

// Alarm severities (Alarm).
const (
	AlarmSeverityCritical      = 0
	AlarmSeverityWarning       = 1
	AlarmSeverityInformational = 2
	AlarmSeverityUnknown       = 4
	AlarmSeverityMajor         = 7
	AlarmSeverityMinor         = 8
	AlarmSeverityMarginal      = 10
	AlarmSeverityTraceInfo     = 20
)

// DTMF types of OpenReceiveChannel / StartMediaTransmission.
const (
	DTMFTypeNone    = 0
	DTMFTypeRFC2833 = 10 // what captures show (reference §6.5.10)
)

// Display labels: a prompt may embed 0x80 followed by one of these indexes
// (reference §6.6.11); Label builds the two-byte string.
const (
	LabelOffHook       = 20
	LabelOnHook        = 21
	LabelRingOut       = 22
	LabelFrom          = 23
	LabelConnected     = 24
	LabelBusy          = 25
	LabelLineInUse     = 26
	LabelCallWaiting   = 27
	LabelCallTransfer  = 28
	LabelCallPark      = 29
	LabelCallProceed   = 30
	LabelEnterNumber   = 32
	LabelSecurityError = 86
)

// Label is the display string for a phone-localised label index.
func Label(index uint8) string { return string([]byte{0x80, index}) }
