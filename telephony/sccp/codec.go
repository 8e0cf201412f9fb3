package sccp

// Payload layouts of every message type (reference §6.3–§6.8; field order
// and version thresholds per Wireshark skinny.xml / packet-skinny.c).

// New returns an empty message of type id, or an *Unknown for an ID this
// package does not lay out.
func New(id MessageID) Message {
	if f, ok := constructors[id]; ok {
		return f()
	}
	return &Unknown{MsgID: id}
}

var constructors = map[MessageID]func() Message{
	MsgKeepAlive:                 func() Message { return new(KeepAlive) },
	MsgRegister:                  func() Message { return new(Register) },
	MsgIPPort:                    func() Message { return new(IPPort) },
	MsgKeypadButton:              func() Message { return new(KeypadButton) },
	MsgEnblocCall:                func() Message { return new(EnblocCall) },
	MsgStimulus:                  func() Message { return new(StimulusMessage) },
	MsgOffHook:                   func() Message { return new(OffHook) },
	MsgOnHook:                    func() Message { return new(OnHook) },
	MsgHookFlash:                 func() Message { return new(HookFlash) },
	MsgForwardStatReq:            func() Message { return new(ForwardStatReq) },
	MsgSpeedDialStatReq:          func() Message { return new(SpeedDialStatReq) },
	MsgLineStatReq:               func() Message { return new(LineStatReq) },
	MsgConfigStatReq:             func() Message { return new(ConfigStatReq) },
	MsgTimeDateReq:               func() Message { return new(TimeDateReq) },
	MsgButtonTemplateReq:         func() Message { return new(ButtonTemplateReq) },
	MsgVersionReq:                func() Message { return new(VersionReq) },
	MsgCapabilitiesRes:           func() Message { return new(CapabilitiesRes) },
	MsgMediaPortList:             func() Message { return new(MediaPortList) },
	MsgServerReq:                 func() Message { return new(ServerReq) },
	MsgAlarm:                     func() Message { return new(Alarm) },
	MsgOpenReceiveChannelAck:     func() Message { return new(OpenReceiveChannelAck) },
	MsgConnectionStatisticsRes:   func() Message { return new(ConnectionStatisticsRes) },
	MsgSoftKeySetReq:             func() Message { return new(SoftKeySetReq) },
	MsgSoftKeyEvent:              func() Message { return new(SoftKeyEvent) },
	MsgUnregister:                func() Message { return new(Unregister) },
	MsgSoftKeyTemplateReq:        func() Message { return new(SoftKeyTemplateReq) },
	MsgHeadsetStatus:             func() Message { return new(HeadsetStatus) },
	MsgMediaResourceNotification: func() Message { return new(MediaResourceNotification) },
	MsgRegisterAvailableLines:    func() Message { return new(RegisterAvailableLines) },
	MsgDeviceToUserData:          func() Message { return new(DeviceToUserData) },
	MsgDeviceToUserDataResponse:  func() Message { return new(DeviceToUserDataResponse) },
	MsgStartMediaTransmissionAck: func() Message { return new(StartMediaTransmissionAck) },

	MsgRegisterAck:             func() Message { return new(RegisterAck) },
	MsgStartTone:               func() Message { return new(StartTone) },
	MsgStopTone:                func() Message { return new(StopTone) },
	MsgSetRinger:               func() Message { return new(SetRinger) },
	MsgSetLamp:                 func() Message { return new(SetLamp) },
	MsgSetSpeakerMode:          func() Message { return new(SetSpeakerMode) },
	MsgSetMicroMode:            func() Message { return new(SetMicroMode) },
	MsgStartMediaTransmission:  func() Message { return new(StartMediaTransmission) },
	MsgStopMediaTransmission:   func() Message { return new(StopMediaTransmission) },
	MsgCallInfo:                func() Message { return new(CallInfo) },
	MsgForwardStat:             func() Message { return new(ForwardStat) },
	MsgSpeedDialStat:           func() Message { return new(SpeedDialStat) },
	MsgLineStat:                func() Message { return new(LineStat) },
	MsgConfigStat:              func() Message { return new(ConfigStat) },
	MsgDefineTimeDate:          func() Message { return new(DefineTimeDate) },
	MsgButtonTemplate:          func() Message { return new(ButtonTemplate) },
	MsgVersion:                 func() Message { return new(Version) },
	MsgDisplayText:             func() Message { return new(DisplayText) },
	MsgClearDisplay:            func() Message { return new(ClearDisplay) },
	MsgCapabilitiesReq:         func() Message { return new(CapabilitiesReq) },
	MsgRegisterReject:          func() Message { return new(RegisterReject) },
	MsgServerRes:               func() Message { return new(ServerRes) },
	MsgReset:                   func() Message { return new(Reset) },
	MsgKeepAliveAck:            func() Message { return new(KeepAliveAck) },
	MsgOpenReceiveChannel:      func() Message { return new(OpenReceiveChannel) },
	MsgCloseReceiveChannel:     func() Message { return new(CloseReceiveChannel) },
	MsgConnectionStatisticsReq: func() Message { return new(ConnectionStatisticsReq) },
	MsgSoftKeyTemplateRes:      func() Message { return new(SoftKeyTemplateRes) },
	MsgSoftKeySetRes:           func() Message { return new(SoftKeySetRes) },
	MsgSelectSoftKeys:          func() Message { return new(SelectSoftKeys) },
	MsgCallState:               func() Message { return new(CallState) },
	MsgDisplayPromptStatus:     func() Message { return new(DisplayPromptStatus) },
	MsgClearPromptStatus:       func() Message { return new(ClearPromptStatus) },
	MsgDisplayNotify:           func() Message { return new(DisplayNotify) },
	MsgClearNotify:             func() Message { return new(ClearNotify) },
	MsgActivateCallPlane:       func() Message { return new(ActivateCallPlane) },
	MsgDeactivateCallPlane:     func() Message { return new(DeactivateCallPlane) },
	MsgUnregisterAck:           func() Message { return new(UnregisterAck) },
	MsgDialedNumber:            func() Message { return new(DialedNumber) },
	MsgCallSelectStat:          func() Message { return new(CallSelectStat) },
	MsgDisplayNotifyV2:         func() Message { return new(DisplayNotifyV2) },
	MsgDisplayPromptStatusV2:   func() Message { return new(DisplayPromptStatusV2) },
	MsgCallInfoV2:              func() Message { return new(CallInfoV2) },
}

// Empty messages.

func (*KeepAlive) ID() MessageID                           { return MsgKeepAlive }
func (*KeepAlive) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*KeepAlive) DecodePayload([]byte, uint32) error      { return nil }

func (*ConfigStatReq) ID() MessageID                           { return MsgConfigStatReq }
func (*ConfigStatReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*ConfigStatReq) DecodePayload([]byte, uint32) error      { return nil }

func (*TimeDateReq) ID() MessageID                           { return MsgTimeDateReq }
func (*TimeDateReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*TimeDateReq) DecodePayload([]byte, uint32) error      { return nil }

func (*ButtonTemplateReq) ID() MessageID                           { return MsgButtonTemplateReq }
func (*ButtonTemplateReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*ButtonTemplateReq) DecodePayload([]byte, uint32) error      { return nil }

func (*VersionReq) ID() MessageID                           { return MsgVersionReq }
func (*VersionReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*VersionReq) DecodePayload([]byte, uint32) error      { return nil }

func (*ServerReq) ID() MessageID                           { return MsgServerReq }
func (*ServerReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*ServerReq) DecodePayload([]byte, uint32) error      { return nil }

func (*SoftKeySetReq) ID() MessageID                           { return MsgSoftKeySetReq }
func (*SoftKeySetReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*SoftKeySetReq) DecodePayload([]byte, uint32) error      { return nil }

func (*SoftKeyTemplateReq) ID() MessageID                           { return MsgSoftKeyTemplateReq }
func (*SoftKeyTemplateReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*SoftKeyTemplateReq) DecodePayload([]byte, uint32) error      { return nil }

func (*ClearDisplay) ID() MessageID                           { return MsgClearDisplay }
func (*ClearDisplay) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*ClearDisplay) DecodePayload([]byte, uint32) error      { return nil }

func (*CapabilitiesReq) ID() MessageID                           { return MsgCapabilitiesReq }
func (*CapabilitiesReq) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*CapabilitiesReq) DecodePayload([]byte, uint32) error      { return nil }

func (*KeepAliveAck) ID() MessageID                           { return MsgKeepAliveAck }
func (*KeepAliveAck) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*KeepAliveAck) DecodePayload([]byte, uint32) error      { return nil }

func (*ClearNotify) ID() MessageID                           { return MsgClearNotify }
func (*ClearNotify) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*ClearNotify) DecodePayload([]byte, uint32) error      { return nil }

func (*DeactivateCallPlane) ID() MessageID                           { return MsgDeactivateCallPlane }
func (*DeactivateCallPlane) AppendPayload(b []byte, _ uint32) []byte { return b }
func (*DeactivateCallPlane) DecodePayload([]byte, uint32) error      { return nil }

// Messages of u32 fields only.

func u32s(b []byte, vs ...uint32) []byte {
	for _, v := range vs {
		b = le.AppendUint32(b, v)
	}
	return b
}

func readU32s(p []byte, ps ...*uint32) {
	d := dec{p}
	for _, v := range ps {
		*v = d.u32()
	}
}

func (*IPPort) ID() MessageID                             { return MsgIPPort }
func (m *IPPort) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Port) }
func (m *IPPort) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Port); return nil }

func (*KeypadButton) ID() MessageID { return MsgKeypadButton }
func (m *KeypadButton) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Button, m.Line, m.CallRef)
}
func (m *KeypadButton) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Button, &m.Line, &m.CallRef)
	return nil
}

func (*StimulusMessage) ID() MessageID { return MsgStimulus }
func (m *StimulusMessage) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Stimulus, m.StimulusInstance, m.CallRef, m.Status)
}
func (m *StimulusMessage) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Stimulus, &m.StimulusInstance, &m.CallRef, &m.Status)
	return nil
}

func (*OffHook) ID() MessageID                             { return MsgOffHook }
func (m *OffHook) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line, m.CallRef) }
func (m *OffHook) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Line, &m.CallRef)
	return nil
}

func (*OnHook) ID() MessageID                             { return MsgOnHook }
func (m *OnHook) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line, m.CallRef) }
func (m *OnHook) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Line, &m.CallRef)
	return nil
}

func (*HookFlash) ID() MessageID                             { return MsgHookFlash }
func (m *HookFlash) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line, m.CallRef) }
func (m *HookFlash) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Line, &m.CallRef)
	return nil
}

func (*ForwardStatReq) ID() MessageID                             { return MsgForwardStatReq }
func (m *ForwardStatReq) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line) }
func (m *ForwardStatReq) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Line); return nil }

func (*SpeedDialStatReq) ID() MessageID                             { return MsgSpeedDialStatReq }
func (m *SpeedDialStatReq) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Index) }
func (m *SpeedDialStatReq) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Index); return nil }

func (*LineStatReq) ID() MessageID                             { return MsgLineStatReq }
func (m *LineStatReq) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line) }
func (m *LineStatReq) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Line); return nil }

func (*SoftKeyEvent) ID() MessageID { return MsgSoftKeyEvent }
func (m *SoftKeyEvent) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Event, m.Line, m.CallRef)
}
func (m *SoftKeyEvent) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Event, &m.Line, &m.CallRef)
	return nil
}

func (*Unregister) ID() MessageID                             { return MsgUnregister }
func (m *Unregister) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Reason) }
func (m *Unregister) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Reason); return nil }

func (*HeadsetStatus) ID() MessageID                             { return MsgHeadsetStatus }
func (m *HeadsetStatus) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Mode) }
func (m *HeadsetStatus) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Mode); return nil }

func (*MediaResourceNotification) ID() MessageID { return MsgMediaResourceNotification }
func (m *MediaResourceNotification) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.DeviceType, m.InServiceStreams, m.MaxStreamsPerConf, m.OutOfServiceStreams)
}
func (m *MediaResourceNotification) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.DeviceType, &m.InServiceStreams, &m.MaxStreamsPerConf, &m.OutOfServiceStreams)
	return nil
}

func (*RegisterAvailableLines) ID() MessageID                             { return MsgRegisterAvailableLines }
func (m *RegisterAvailableLines) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.MaxLines) }
func (m *RegisterAvailableLines) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.MaxLines)
	return nil
}

func (*StartTone) ID() MessageID { return MsgStartTone }
func (m *StartTone) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Tone, m.Direction, m.Line, m.CallRef)
}
func (m *StartTone) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Tone, &m.Direction, &m.Line, &m.CallRef)
	return nil
}

func (*StopTone) ID() MessageID { return MsgStopTone }
func (m *StopTone) AppendPayload(b []byte, ver uint32) []byte {
	b = u32s(b, m.Line, m.CallRef)
	if ver >= 11 {
		b = u32s(b, m.Tone)
	}
	return b
}
func (m *StopTone) DecodePayload(p []byte, ver uint32) error {
	readU32s(p, &m.Line, &m.CallRef)
	if ver >= 11 {
		readU32s(p[min(8, len(p)):], &m.Tone)
	}
	return nil
}

func (*SetRinger) ID() MessageID { return MsgSetRinger }
func (m *SetRinger) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.RingMode, m.RingDuration, m.Line, m.CallRef)
}
func (m *SetRinger) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.RingMode, &m.RingDuration, &m.Line, &m.CallRef)
	return nil
}

func (*SetLamp) ID() MessageID { return MsgSetLamp }
func (m *SetLamp) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Stimulus, m.StimulusInstance, m.LampMode)
}
func (m *SetLamp) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Stimulus, &m.StimulusInstance, &m.LampMode)
	return nil
}

func (*SetSpeakerMode) ID() MessageID                             { return MsgSetSpeakerMode }
func (m *SetSpeakerMode) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Mode) }
func (m *SetSpeakerMode) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Mode); return nil }

func (*SetMicroMode) ID() MessageID                             { return MsgSetMicroMode }
func (m *SetMicroMode) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Mode) }
func (m *SetMicroMode) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Mode); return nil }

func (*StopMediaTransmission) ID() MessageID { return MsgStopMediaTransmission }
func (m *StopMediaTransmission) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.ConferenceID, m.PassThruPartyID, m.CallRef, m.PortHandling)
}
func (m *StopMediaTransmission) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.ConferenceID, &m.PassThruPartyID, &m.CallRef, &m.PortHandling)
	return nil
}

func (*CloseReceiveChannel) ID() MessageID { return MsgCloseReceiveChannel }
func (m *CloseReceiveChannel) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.ConferenceID, m.PassThruPartyID, m.CallRef, m.PortHandling)
}
func (m *CloseReceiveChannel) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.ConferenceID, &m.PassThruPartyID, &m.CallRef, &m.PortHandling)
	return nil
}

func (*DefineTimeDate) ID() MessageID { return MsgDefineTimeDate }
func (m *DefineTimeDate) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Year, m.Month, m.DayOfWeek, m.Day, m.Hour, m.Minute, m.Second, m.Millisecond, m.SystemTime)
}
func (m *DefineTimeDate) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Year, &m.Month, &m.DayOfWeek, &m.Day, &m.Hour, &m.Minute, &m.Second, &m.Millisecond, &m.SystemTime)
	return nil
}

func (*Reset) ID() MessageID                             { return MsgReset }
func (m *Reset) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Type) }
func (m *Reset) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Type); return nil }

func (*SelectSoftKeys) ID() MessageID { return MsgSelectSoftKeys }
func (m *SelectSoftKeys) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Line, m.CallRef, m.SoftKeySet, m.ValidKeyMask)
}
func (m *SelectSoftKeys) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Line, &m.CallRef, &m.SoftKeySet, &m.ValidKeyMask)
	return nil
}

func (*CallState) ID() MessageID { return MsgCallState }
func (m *CallState) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.State, m.Line, m.CallRef, m.Privacy, m.PrecedenceLevel, m.PrecedenceDomain)
}
func (m *CallState) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.State, &m.Line, &m.CallRef, &m.Privacy, &m.PrecedenceLevel, &m.PrecedenceDomain)
	return nil
}

func (*ClearPromptStatus) ID() MessageID { return MsgClearPromptStatus }
func (m *ClearPromptStatus) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Line, m.CallRef)
}
func (m *ClearPromptStatus) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Line, &m.CallRef)
	return nil
}

func (*ActivateCallPlane) ID() MessageID                             { return MsgActivateCallPlane }
func (m *ActivateCallPlane) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line) }
func (m *ActivateCallPlane) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Line); return nil }

func (*UnregisterAck) ID() MessageID                             { return MsgUnregisterAck }
func (m *UnregisterAck) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Status) }
func (m *UnregisterAck) DecodePayload(p []byte, _ uint32) error  { readU32s(p, &m.Status); return nil }

func (*CallSelectStat) ID() MessageID { return MsgCallSelectStat }
func (m *CallSelectStat) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.CallSelectStat, m.Line, m.CallRef)
}
func (m *CallSelectStat) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.CallSelectStat, &m.Line, &m.CallRef)
	return nil
}

// Messages with strings, addresses, arrays and version-dependent layouts.

func (*Register) ID() MessageID { return MsgRegister }
func (m *Register) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.str(m.DeviceName, 16)
	e.u32(m.UserID)
	e.u32(m.Instance)
	e.ip4(m.StationIP)
	e.u32(m.DeviceType)
	e.u32(m.MaxStreams)
	e.u32(m.ActiveStreams)
	e.u8(m.ProtocolVersion)
	e.u8(m.FeatureByte)
	e.u16(m.PhoneFeatures)
	e.u32(m.MaxConferences)
	e.u32(m.ActiveConferences)
	e.raw(m.MAC[:])
	e.raw(make([]byte, 6))
	e.u32(m.IPv4AddressScope)
	e.u32(m.MaxNumberOfLines)
	var v6 [16]byte
	if m.StationIPv6.Is6() {
		v6 = m.StationIPv6.As16()
	}
	e.raw(v6[:])
	e.u32(m.IPv6AddressScope)
	e.str(m.FirmwareLoadName, 32)
	e.str(m.ConfigVersionStamp, 48)
	return e.b
}
func (m *Register) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	*m = Register{}
	m.DeviceName = d.str(16)
	m.UserID = d.u32()
	m.Instance = d.u32()
	m.StationIP = d.ip4()
	m.DeviceType = d.u32()
	m.MaxStreams = d.u32()
	m.ActiveStreams = d.u32()
	m.ProtocolVersion = d.u8()
	m.FeatureByte = d.u8()
	m.PhoneFeatures = d.u16()
	m.MaxConferences = d.u32()
	m.ActiveConferences = d.u32()
	copy(m.MAC[:], d.take(12))
	m.IPv4AddressScope = d.u32()
	m.MaxNumberOfLines = d.u32()
	if v6 := [16]byte(d.take(16)); v6 != [16]byte{} {
		m.StationIPv6 = netipFrom16(v6)
	}
	m.IPv6AddressScope = d.u32()
	m.FirmwareLoadName = d.str(32)
	m.ConfigVersionStamp = d.str(48)
	return nil
}

func (*EnblocCall) ID() MessageID { return MsgEnblocCall }
func (m *EnblocCall) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.str(m.CalledParty, dnSize(ver))
	e.u32(m.Line)
	return e.b
}
func (m *EnblocCall) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	m.CalledParty = d.str(dnSize(ver))
	m.Line = d.u32()
	return nil
}

func (*CapabilitiesRes) ID() MessageID { return MsgCapabilitiesRes }
func (m *CapabilitiesRes) AppendPayload(b []byte, _ uint32) []byte {
	caps := m.Caps[:min(len(m.Caps), MaxCapabilities)]
	e := enc{b}
	e.u32(uint32(len(caps)))
	for _, c := range caps {
		e.u32(c.PayloadCapability)
		e.u32(c.MaxFramesPerPacket)
		e.raw(c.Params[:])
	}
	return e.b
}
func (m *CapabilitiesRes) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	n := min(d.u32(), MaxCapabilities, uint32(d.left()/16)) // bounded before use
	m.Caps = make([]Capability, n)
	for i := range m.Caps {
		m.Caps[i].PayloadCapability = d.u32()
		m.Caps[i].MaxFramesPerPacket = d.u32()
		copy(m.Caps[i].Params[:], d.take(8))
	}
	return nil
}

func (*MediaPortList) ID() MessageID { return MsgMediaPortList }
func (m *MediaPortList) AppendPayload(b []byte, _ uint32) []byte {
	ports := m.Ports[:min(len(m.Ports), MaxMediaPorts)]
	b = u32s(b, uint32(len(ports)))
	return u32s(b, ports...)
}
func (m *MediaPortList) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	n := min(d.u32(), MaxMediaPorts, uint32(d.left()/4))
	m.Ports = make([]uint32, n)
	for i := range m.Ports {
		m.Ports[i] = d.u32()
	}
	return nil
}

func (*Alarm) ID() MessageID { return MsgAlarm }
func (m *Alarm) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Severity)
	e.str(m.DisplayMessage, 80)
	e.u32(m.Param1)
	e.u32(m.Param2)
	return e.b
}
func (m *Alarm) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Severity = d.u32()
	m.DisplayMessage = d.str(80)
	m.Param1 = d.u32()
	m.Param2 = d.u32()
	return nil
}

func (*OpenReceiveChannelAck) ID() MessageID { return MsgOpenReceiveChannelAck }
func (m *OpenReceiveChannelAck) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.u32(m.Status)
	e.ip(m.IP, ver)
	e.u32(m.Port)
	e.u32(m.PassThruPartyID)
	e.u32(m.CallRef)
	return e.b
}
func (m *OpenReceiveChannelAck) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	m.Status = d.u32()
	m.IP = d.ip(ver)
	m.Port = d.u32()
	m.PassThruPartyID = d.u32()
	m.CallRef = d.u32()
	return nil
}

func (*ConnectionStatisticsRes) ID() MessageID { return MsgConnectionStatisticsRes }
func (m *ConnectionStatisticsRes) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.str(m.DirectoryNumber, dnSize(ver))
	e.u32(m.CallRef)
	e.u32(m.StatsProcessingMode)
	e.u32(m.PacketsSent)
	e.u32(m.OctetsSent)
	e.u32(m.PacketsReceived)
	e.u32(m.OctetsReceived)
	e.u32(m.PacketsLost)
	e.u32(m.Jitter)
	e.u32(m.Latency)
	data := m.Data[:min(len(m.Data), MaxUserData)]
	e.u32(uint32(len(data)))
	e.raw([]byte(data))
	return e.b
}
func (m *ConnectionStatisticsRes) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	m.DirectoryNumber = d.str(dnSize(ver))
	m.CallRef = d.u32()
	m.StatsProcessingMode = d.u32()
	m.PacketsSent = d.u32()
	m.OctetsSent = d.u32()
	m.PacketsReceived = d.u32()
	m.OctetsReceived = d.u32()
	m.PacketsLost = d.u32()
	m.Jitter = d.u32()
	m.Latency = d.u32()
	n := min(d.u32(), MaxUserData, uint32(d.left()))
	m.Data = string(d.take(int(n)))
	return nil
}

func (u *UserAndDeviceData) append(b []byte) []byte {
	data := u.Data[:min(len(u.Data), MaxUserData)]
	b = u32s(b, u.ApplicationID, u.Line, u.CallRef, u.TransactionID, uint32(len(data)))
	return append(b, data...)
}
func (u *UserAndDeviceData) decode(p []byte) {
	d := dec{p}
	u.ApplicationID = d.u32()
	u.Line = d.u32()
	u.CallRef = d.u32()
	u.TransactionID = d.u32()
	n := min(d.u32(), MaxUserData, uint32(d.left()))
	u.Data = append([]byte(nil), d.take(int(n))...)
}

func (*DeviceToUserData) ID() MessageID                                     { return MsgDeviceToUserData }
func (m *DeviceToUserData) AppendPayload(b []byte, _ uint32) []byte         { return m.append(b) }
func (m *DeviceToUserData) DecodePayload(p []byte, _ uint32) error          { m.decode(p); return nil }
func (*DeviceToUserDataResponse) ID() MessageID                             { return MsgDeviceToUserDataResponse }
func (m *DeviceToUserDataResponse) AppendPayload(b []byte, _ uint32) []byte { return m.append(b) }
func (m *DeviceToUserDataResponse) DecodePayload(p []byte, _ uint32) error  { m.decode(p); return nil }

func (*StartMediaTransmissionAck) ID() MessageID { return MsgStartMediaTransmissionAck }
func (m *StartMediaTransmissionAck) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.u32(m.ConferenceID)
	e.u32(m.PassThruPartyID)
	e.u32(m.CallRef)
	e.ip(m.IP, ver)
	e.u32(m.Port)
	e.u32(m.Status)
	return e.b
}
func (m *StartMediaTransmissionAck) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	m.ConferenceID = d.u32()
	m.PassThruPartyID = d.u32()
	m.CallRef = d.u32()
	m.IP = d.ip(ver)
	m.Port = d.u32()
	m.Status = d.u32()
	return nil
}

func (*RegisterAck) ID() MessageID { return MsgRegisterAck }
func (m *RegisterAck) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.KeepAliveInterval)
	e.str(m.DateTemplate, 6)
	e.u16(0)
	e.u32(m.SecondaryKeepAliveInterval)
	e.u8(m.MaxProtocolVersion)
	e.raw(m.Features[:])
	return e.b
}
func (m *RegisterAck) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.KeepAliveInterval = d.u32()
	m.DateTemplate = d.str(6)
	d.u16()
	m.SecondaryKeepAliveInterval = d.u32()
	m.MaxProtocolVersion = d.u8()
	copy(m.Features[:], d.take(3))
	return nil
}

func (k *MediaEncryptionKeyInfo) append(e *enc) {
	e.u32(k.Algorithm)
	e.u16(k.KeyLen)
	e.u16(k.SaltLen)
	e.raw(k.Key[:])
	e.raw(k.Salt[:])
	e.u32(k.IsMKIPresent)
	e.u32(k.KeyDerivationRate)
}
func (k *MediaEncryptionKeyInfo) decode(d *dec) {
	k.Algorithm = d.u32()
	k.KeyLen = d.u16()
	k.SaltLen = d.u16()
	copy(k.Key[:], d.take(16))
	copy(k.Salt[:], d.take(16))
	k.IsMKIPresent = d.u32()
	k.KeyDerivationRate = d.u32()
}

// codecParams writes the 4-byte block after echo cancellation / frames per
// packet: the G.723.1 bit rate at v10 and below, codec parameters after.
func codecParams(e *enc, ver, g723 uint32, mode, dyn, p1, p2 uint8) {
	if ver <= 10 {
		e.u32(g723)
		return
	}
	e.raw([]byte{mode, dyn, p1, p2})
}

func (q *RxQualifier) append(e *enc, ver uint32) {
	e.u32(q.ECValue)
	codecParams(e, ver, q.G723BitRate, q.CodecMode, q.DynamicPayload, q.CodecParam1, q.CodecParam2)
}
func (q *RxQualifier) decode(d *dec, ver uint32) {
	q.ECValue = d.u32()
	if ver <= 10 {
		q.G723BitRate = d.u32()
		return
	}
	q.CodecMode, q.DynamicPayload, q.CodecParam1, q.CodecParam2 = d.u8(), d.u8(), d.u8(), d.u8()
}

func (q *TxQualifier) append(e *enc, ver uint32) {
	e.u32(q.Precedence)
	e.u32(q.SilenceSuppression)
	e.u16(q.MaxFramesPerPacket)
	e.u16(0)
	codecParams(e, ver, q.G723BitRate, q.CodecMode, q.DynamicPayload, q.CodecParam1, q.CodecParam2)
}
func (q *TxQualifier) decode(d *dec, ver uint32) {
	q.Precedence = d.u32()
	q.SilenceSuppression = d.u32()
	q.MaxFramesPerPacket = d.u16()
	d.u16()
	if ver <= 10 {
		q.G723BitRate = d.u32()
		return
	}
	q.CodecMode, q.DynamicPayload, q.CodecParam1, q.CodecParam2 = d.u8(), d.u8(), d.u8(), d.u8()
}

func (*OpenReceiveChannel) ID() MessageID { return MsgOpenReceiveChannel }
func (m *OpenReceiveChannel) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.u32(m.ConferenceID)
	e.u32(m.PassThruPartyID)
	e.u32(m.MillisecondPacketSize)
	e.u32(m.CompressionType)
	m.Qualifier.append(&e, ver)
	e.u32(m.CallRef)
	m.KeyInfo.append(&e)
	e.u32(m.StreamPassThroughID)
	e.u32(m.AssociatedStreamID)
	e.u32(m.RFC2833PayloadType)
	e.u32(m.DTMFType)
	if ver >= 11 {
		e.u32(m.MixingMode)
		e.u32(m.PartyDirection)
		e.ip(m.SourceIP, ver)
		e.u32(m.SourcePort)
	}
	if ver >= 16 {
		e.u32(m.RequestedIPAddrType)
	}
	if ver >= 17 {
		e.u32(m.AudioLevelAdjustment)
	}
	if ver >= 21 {
		e.raw(m.LatentCapsInfo[:])
	}
	return e.b
}
func (m *OpenReceiveChannel) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	*m = OpenReceiveChannel{}
	m.ConferenceID = d.u32()
	m.PassThruPartyID = d.u32()
	m.MillisecondPacketSize = d.u32()
	m.CompressionType = d.u32()
	m.Qualifier.decode(&d, ver)
	m.CallRef = d.u32()
	m.KeyInfo.decode(&d)
	m.StreamPassThroughID = d.u32()
	m.AssociatedStreamID = d.u32()
	m.RFC2833PayloadType = d.u32()
	m.DTMFType = d.u32()
	if ver >= 11 {
		m.MixingMode = d.u32()
		m.PartyDirection = d.u32()
		m.SourceIP = d.ip(ver)
		m.SourcePort = d.u32()
	}
	if ver >= 16 {
		m.RequestedIPAddrType = d.u32()
	}
	if ver >= 17 {
		m.AudioLevelAdjustment = d.u32()
	}
	if ver >= 21 {
		copy(m.LatentCapsInfo[:], d.take(LatentCapsInfoSize))
	}
	return nil
}

func (*StartMediaTransmission) ID() MessageID { return MsgStartMediaTransmission }
func (m *StartMediaTransmission) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.u32(m.ConferenceID)
	e.u32(m.PassThruPartyID)
	e.ip(m.RemoteIP, ver)
	e.u32(m.RemotePort)
	e.u32(m.MillisecondPacketSize)
	e.u32(m.CompressionType)
	m.Qualifier.append(&e, ver)
	e.u32(m.CallRef)
	m.KeyInfo.append(&e)
	e.u32(m.StreamPassThroughID)
	e.u32(m.AssociatedStreamID)
	e.u32(m.RFC2833PayloadType)
	e.u32(m.DTMFType)
	e.u32(m.MixingMode)
	if ver >= 15 {
		e.u32(m.PartyDirection)
	}
	if ver >= 21 {
		e.raw(m.LatentCapsInfo[:])
	}
	return e.b
}
func (m *StartMediaTransmission) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	*m = StartMediaTransmission{}
	m.ConferenceID = d.u32()
	m.PassThruPartyID = d.u32()
	m.RemoteIP = d.ip(ver)
	m.RemotePort = d.u32()
	m.MillisecondPacketSize = d.u32()
	m.CompressionType = d.u32()
	m.Qualifier.decode(&d, ver)
	m.CallRef = d.u32()
	m.KeyInfo.decode(&d)
	m.StreamPassThroughID = d.u32()
	m.AssociatedStreamID = d.u32()
	m.RFC2833PayloadType = d.u32()
	m.DTMFType = d.u32()
	m.MixingMode = d.u32()
	if ver >= 15 {
		m.PartyDirection = d.u32()
	}
	if ver >= 21 {
		copy(m.LatentCapsInfo[:], d.take(LatentCapsInfoSize))
	}
	return nil
}

func (*CallInfo) ID() MessageID { return MsgCallInfo }
func (m *CallInfo) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.str(m.CallingPartyName, 40)
	e.str(m.CallingParty, 24)
	e.str(m.CalledPartyName, 40)
	e.str(m.CalledParty, 24)
	e.u32(m.Line)
	e.u32(m.CallRef)
	e.u32(m.CallType)
	e.str(m.OriginalCalledPartyName, 40)
	e.str(m.OriginalCalledParty, 24)
	e.str(m.LastRedirectingPartyName, 40)
	e.str(m.LastRedirectingParty, 24)
	e.u32(m.OriginalCdpnRedirectReason)
	e.u32(m.LastRedirectingReason)
	e.str(m.CgpnVoiceMailbox, 24)
	e.str(m.CdpnVoiceMailbox, 24)
	e.str(m.OriginalCdpnVoiceMailbox, 24)
	e.str(m.LastRedirectingVoiceMailbox, 24)
	e.u32(m.CallInstance)
	e.u32(m.CallSecurityStatus)
	e.u32(m.PartyPIRestrictionBits)
	return e.b
}
func (m *CallInfo) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.CallingPartyName = d.str(40)
	m.CallingParty = d.str(24)
	m.CalledPartyName = d.str(40)
	m.CalledParty = d.str(24)
	m.Line = d.u32()
	m.CallRef = d.u32()
	m.CallType = d.u32()
	m.OriginalCalledPartyName = d.str(40)
	m.OriginalCalledParty = d.str(24)
	m.LastRedirectingPartyName = d.str(40)
	m.LastRedirectingParty = d.str(24)
	m.OriginalCdpnRedirectReason = d.u32()
	m.LastRedirectingReason = d.u32()
	m.CgpnVoiceMailbox = d.str(24)
	m.CdpnVoiceMailbox = d.str(24)
	m.OriginalCdpnVoiceMailbox = d.str(24)
	m.LastRedirectingVoiceMailbox = d.str(24)
	m.CallInstance = d.u32()
	m.CallSecurityStatus = d.u32()
	m.PartyPIRestrictionBits = d.u32()
	return nil
}

func (*ForwardStat) ID() MessageID { return MsgForwardStat }
func (m *ForwardStat) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	n := dnSize(ver)
	e.u32(m.ActiveForward)
	e.u32(m.Line)
	e.u32(m.ForwardAllActive)
	e.str(m.ForwardAllNumber, n)
	e.u32(m.ForwardBusyActive)
	e.str(m.ForwardBusyNumber, n)
	e.u32(m.ForwardNoAnswerActive)
	e.str(m.ForwardNoAnswerNumber, n)
	return e.b
}
func (m *ForwardStat) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	n := dnSize(ver)
	m.ActiveForward = d.u32()
	m.Line = d.u32()
	m.ForwardAllActive = d.u32()
	m.ForwardAllNumber = d.str(n)
	m.ForwardBusyActive = d.u32()
	m.ForwardBusyNumber = d.str(n)
	m.ForwardNoAnswerActive = d.u32()
	m.ForwardNoAnswerNumber = d.str(n)
	return nil
}

func (*SpeedDialStat) ID() MessageID { return MsgSpeedDialStat }
func (m *SpeedDialStat) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Index)
	e.str(m.Number, 24)
	e.str(m.Name, 40)
	return e.b
}
func (m *SpeedDialStat) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Index = d.u32()
	m.Number = d.str(24)
	m.Name = d.str(40)
	return nil
}

func (*LineStat) ID() MessageID { return MsgLineStat }
func (m *LineStat) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Line)
	e.str(m.DirNumber, 24)
	e.str(m.FullyQualifiedName, 40)
	e.str(m.Label, 40)
	e.u32(m.DisplayOptions)
	return e.b
}
func (m *LineStat) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Line = d.u32()
	m.DirNumber = d.str(24)
	m.FullyQualifiedName = d.str(40)
	m.Label = d.str(40)
	m.DisplayOptions = d.u32()
	return nil
}

func (*ConfigStat) ID() MessageID { return MsgConfigStat }
func (m *ConfigStat) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.str(m.DeviceName, 16)
	e.u32(m.UserID)
	e.u32(m.Instance)
	e.str(m.UserName, 40)
	e.str(m.ServerName, 40)
	e.u32(m.NumberLines)
	e.u32(m.NumberSpeedDials)
	return e.b
}
func (m *ConfigStat) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.DeviceName = d.str(16)
	m.UserID = d.u32()
	m.Instance = d.u32()
	m.UserName = d.str(40)
	m.ServerName = d.str(40)
	m.NumberLines = d.u32()
	m.NumberSpeedDials = d.u32()
	return nil
}

func (*ButtonTemplate) ID() MessageID { return MsgButtonTemplate }
func (m *ButtonTemplate) AppendPayload(b []byte, _ uint32) []byte {
	btns := m.Buttons[:min(len(m.Buttons), MaxButtons)]
	count, total := m.Count, m.Total
	if count == 0 && total == 0 {
		count, total = uint32(len(btns)), uint32(len(btns))
	}
	b = u32s(b, m.Offset, count, total)
	for _, x := range btns {
		b = append(b, x.Instance, x.Type)
	}
	return b
}
func (m *ButtonTemplate) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Offset, m.Count, m.Total = d.u32(), d.u32(), d.u32()
	n := min(m.Count, MaxButtons, uint32(d.left()/2))
	m.Buttons = make([]Button, n)
	for i := range m.Buttons {
		m.Buttons[i] = Button{Instance: d.u8(), Type: d.u8()}
	}
	return nil
}

func (*Version) ID() MessageID { return MsgVersion }
func (m *Version) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.str(m.Version, 16)
	return e.b
}
func (m *Version) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Version = d.str(16)
	return nil
}

func (*DisplayText) ID() MessageID { return MsgDisplayText }
func (m *DisplayText) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.str(m.Text, 32)
	return e.b
}
func (m *DisplayText) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Text = d.str(32)
	return nil
}

func (*RegisterReject) ID() MessageID { return MsgRegisterReject }
func (m *RegisterReject) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.str(m.Text, 32)
	return e.b
}
func (m *RegisterReject) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Text = d.str(32)
	return nil
}

func (*ServerRes) ID() MessageID { return MsgServerRes }
func (m *ServerRes) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	for _, n := range m.Names {
		e.str(n, 48)
	}
	for _, p := range m.Ports {
		e.u32(p)
	}
	for _, a := range m.IPs {
		e.ip(a, ver)
	}
	return e.b
}
func (m *ServerRes) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	for i := range m.Names {
		m.Names[i] = d.str(48)
	}
	for i := range m.Ports {
		m.Ports[i] = d.u32()
	}
	for i := range m.IPs {
		m.IPs[i] = d.ip(ver)
	}
	return nil
}

func (*ConnectionStatisticsReq) ID() MessageID { return MsgConnectionStatisticsReq }
func (m *ConnectionStatisticsReq) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.str(m.DirectoryNumber, dnSize(ver))
	e.u32(m.CallRef)
	e.u32(m.StatsProcessingMode)
	return e.b
}
func (m *ConnectionStatisticsReq) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	m.DirectoryNumber = d.str(dnSize(ver))
	m.CallRef = d.u32()
	m.StatsProcessingMode = d.u32()
	return nil
}

func (*SoftKeyTemplateRes) ID() MessageID { return MsgSoftKeyTemplateRes }
func (m *SoftKeyTemplateRes) AppendPayload(b []byte, _ uint32) []byte {
	keys := m.Keys[:min(len(m.Keys), MaxSoftKeys)]
	count, total := m.Count, m.Total
	if count == 0 && total == 0 {
		count, total = uint32(len(keys)), uint32(len(keys))
	}
	e := enc{u32s(b, m.Offset, count, total)}
	for _, k := range keys {
		e.str(k.Label, 16)
		e.u32(k.Event)
	}
	return e.b
}
func (m *SoftKeyTemplateRes) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Offset, m.Count, m.Total = d.u32(), d.u32(), d.u32()
	n := min(m.Count, MaxSoftKeys, uint32(d.left()/20))
	m.Keys = make([]SoftKeyDefinition, n)
	for i := range m.Keys {
		m.Keys[i].Label = d.str(16)
		m.Keys[i].Event = d.u32()
	}
	return nil
}

func (*SoftKeySetRes) ID() MessageID { return MsgSoftKeySetRes }
func (m *SoftKeySetRes) AppendPayload(b []byte, _ uint32) []byte {
	sets := m.Sets[:min(len(m.Sets), MaxSoftKeySets)]
	count, total := m.Count, m.Total
	if count == 0 && total == 0 {
		count, total = uint32(len(sets)), uint32(len(sets))
	}
	e := enc{u32s(b, m.Offset, count, total)}
	for _, s := range sets {
		e.raw(s.TemplateIndex[:])
		for _, x := range s.InfoIndex {
			e.u16(x)
		}
	}
	return e.b
}
func (m *SoftKeySetRes) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Offset, m.Count, m.Total = d.u32(), d.u32(), d.u32()
	n := min(m.Count, MaxSoftKeySets, uint32(d.left()/48))
	m.Sets = make([]SoftKeySet, n)
	for i := range m.Sets {
		copy(m.Sets[i].TemplateIndex[:], d.take(16))
		for j := range m.Sets[i].InfoIndex {
			m.Sets[i].InfoIndex[j] = d.u16()
		}
	}
	return nil
}

func (*DisplayPromptStatus) ID() MessageID { return MsgDisplayPromptStatus }
func (m *DisplayPromptStatus) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Timeout)
	e.str(m.Text, 32)
	e.u32(m.Line)
	e.u32(m.CallRef)
	return e.b
}
func (m *DisplayPromptStatus) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Timeout = d.u32()
	m.Text = d.str(32)
	m.Line = d.u32()
	m.CallRef = d.u32()
	return nil
}

func (*DisplayNotify) ID() MessageID { return MsgDisplayNotify }
func (m *DisplayNotify) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Timeout)
	e.str(m.Text, 32)
	return e.b
}
func (m *DisplayNotify) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Timeout = d.u32()
	m.Text = d.str(32)
	return nil
}

func (*DialedNumber) ID() MessageID { return MsgDialedNumber }
func (m *DialedNumber) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{b}
	e.str(m.Number, dnSize(ver))
	e.u32(m.Line)
	e.u32(m.CallRef)
	return e.b
}
func (m *DialedNumber) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	m.Number = d.str(dnSize(ver))
	m.Line = d.u32()
	m.CallRef = d.u32()
	return nil
}

func (*DisplayNotifyV2) ID() MessageID { return MsgDisplayNotifyV2 }
func (m *DisplayNotifyV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Timeout)
	e.cstr(m.Text)
	return e.b
}
func (m *DisplayNotifyV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Timeout = d.u32()
	m.Text = d.cstr()
	return nil
}

func (*DisplayPromptStatusV2) ID() MessageID { return MsgDisplayPromptStatusV2 }
func (m *DisplayPromptStatusV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.u32(m.Timeout)
	e.u32(m.Line)
	e.u32(m.CallRef)
	e.cstr(m.Text)
	return e.b
}
func (m *DisplayPromptStatusV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Timeout = d.u32()
	m.Line = d.u32()
	m.CallRef = d.u32()
	m.Text = d.cstr()
	return nil
}

func (m *CallInfoV2) strings() []*string {
	return []*string{&m.CallingParty, &m.AlternateCallingParty, &m.CalledParty, &m.OriginalCalledParty,
		&m.LastRedirectingParty, &m.CgpnVoiceMailbox, &m.CdpnVoiceMailbox, &m.OriginalCdpnVoiceMailbox,
		&m.LastRedirectingVoiceMailbox, &m.CallingPartyName, &m.CalledPartyName, &m.OriginalCalledPartyName,
		&m.LastRedirectingPartyName, &m.HuntPilotNumber, &m.HuntPilotName}
}

// callInfoV2Strings is how many of CallInfoV2's strings version ver
// carries: the hunt pilot number and name only from v17 (per Wireshark).
func callInfoV2Strings(ver uint32) int {
	if ver >= 17 {
		return 15
	}
	return 13
}

func (*CallInfoV2) ID() MessageID { return MsgCallInfoV2 }
func (m *CallInfoV2) AppendPayload(b []byte, ver uint32) []byte {
	e := enc{u32s(b, m.Line, m.CallRef, m.CallType, m.OriginalCdpnRedirectReason, m.LastRedirectingReason,
		m.CallInstance, m.CallSecurityStatus, m.PartyPIRestrictionBits)}
	for _, s := range m.strings()[:callInfoV2Strings(ver)] {
		e.cstr(*s)
	}
	return e.b
}
func (m *CallInfoV2) DecodePayload(p []byte, ver uint32) error {
	d := dec{p}
	*m = CallInfoV2{}
	for _, v := range []*uint32{&m.Line, &m.CallRef, &m.CallType, &m.OriginalCdpnRedirectReason,
		&m.LastRedirectingReason, &m.CallInstance, &m.CallSecurityStatus, &m.PartyPIRestrictionBits} {
		*v = d.u32()
	}
	for _, s := range m.strings()[:callInfoV2Strings(ver)] {
		*s = d.cstr()
	}
	return nil
}
