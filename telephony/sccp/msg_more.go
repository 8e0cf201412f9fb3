package sccp

// Feature, service-URL, priority-notify and dynamic ("V2") status messages
// that newer phones ask for during registration (reference §6.3, §6.7;
// layouts per Wireshark packet-skinny.c).

// ServiceURLStatReq (0x0033) asks for one service URL button.
type ServiceURLStatReq struct{ Index uint32 }

// FeatureStatReq (0x0034) asks for one feature button.
type FeatureStatReq struct {
	Index        uint32
	Capabilities uint32
}

// BackSpaceReq (0x0119) removes the last dialled digit on the display.
type BackSpaceReq struct{ Line, CallRef uint32 }

// UserToDeviceData (0x011E) carries application data to the phone.
type UserToDeviceData struct{ UserAndDeviceData }

// FeatureStat (0x011F) describes one feature button.
type FeatureStat struct {
	Index     uint32
	FeatureID uint32 // a Stimulus* value
	TextLabel string // char[40]
	Status    uint32
}

// DisplayPriNotify (0x0120) is a notification with a priority.
type DisplayPriNotify struct {
	Timeout  uint32
	Priority uint32
	Text     string // char[32]
}

// ClearPriNotify (0x0121).
type ClearPriNotify struct{ Priority uint32 }

// ServiceURLStat (0x012F) describes one service URL button.
type ServiceURLStat struct {
	Index       uint32
	URL         string // char[256]
	DisplayName string // char[40]
}

// ConfigStatV2 (0x0142) is ConfigStat with variable-length names (field
// names as tshark 4.0 dissects them; Wireshark's current source calls the
// two counts serverInstance and unknown2 and stops after one string).
type ConfigStatV2 struct {
	DeviceName       string
	UserID           uint32
	Instance         uint32
	NumberLines      uint32
	NumberSpeedDials uint32
	UserName         string
	ServerName       string
}

// DisplayPriNotifyV2 (0x0144) is DisplayPriNotify with a variable-length
// text.
type DisplayPriNotifyV2 struct {
	Timeout  uint32
	Priority uint32
	Text     string
}

// FeatureStatV2 (0x0146) is FeatureStat with a variable-length label.
type FeatureStatV2 struct {
	Index     uint32
	FeatureID uint32
	Status    uint32
	TextLabel string
}

// LineStatV2 (0x0147) is LineStat with variable-length texts.
type LineStatV2 struct {
	Line               uint32
	LineType           uint32
	DirNumber          string
	FullyQualifiedName string
	Label              string
}

// ServiceURLStatV2 (0x0148) is ServiceURLStat with variable-length texts
// (Wireshark dissects only the index; the texts follow as in chan-sccp).
type ServiceURLStatV2 struct {
	Index       uint32
	URL         string
	DisplayName string
}

// SpeedDialStatV2 (0x0149) is SpeedDialStat with variable-length texts.
type SpeedDialStatV2 struct {
	Index  uint32
	Number string
	Name   string
}

func init() {
	for id, f := range map[MessageID]func() Message{
		MsgServiceURLStatReq:  func() Message { return new(ServiceURLStatReq) },
		MsgFeatureStatReq:     func() Message { return new(FeatureStatReq) },
		MsgBackSpaceReq:       func() Message { return new(BackSpaceReq) },
		MsgUserToDeviceData:   func() Message { return new(UserToDeviceData) },
		MsgFeatureStat:        func() Message { return new(FeatureStat) },
		MsgDisplayPriNotify:   func() Message { return new(DisplayPriNotify) },
		MsgClearPriNotify:     func() Message { return new(ClearPriNotify) },
		MsgServiceURLStat:     func() Message { return new(ServiceURLStat) },
		MsgConfigStatV2:       func() Message { return new(ConfigStatV2) },
		MsgDisplayPriNotifyV2: func() Message { return new(DisplayPriNotifyV2) },
		MsgFeatureStatV2:      func() Message { return new(FeatureStatV2) },
		MsgLineStatV2:         func() Message { return new(LineStatV2) },
		MsgServiceURLStatV2:   func() Message { return new(ServiceURLStatV2) },
		MsgSpeedDialStatV2:    func() Message { return new(SpeedDialStatV2) },
	} {
		constructors[id] = f
	}
}

func (*ServiceURLStatReq) ID() MessageID                             { return MsgServiceURLStatReq }
func (m *ServiceURLStatReq) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Index) }
func (m *ServiceURLStatReq) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Index)
	return nil
}

func (*FeatureStatReq) ID() MessageID { return MsgFeatureStatReq }
func (m *FeatureStatReq) AppendPayload(b []byte, _ uint32) []byte {
	return u32s(b, m.Index, m.Capabilities)
}
func (m *FeatureStatReq) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Index, &m.Capabilities)
	return nil
}

func (*BackSpaceReq) ID() MessageID                             { return MsgBackSpaceReq }
func (m *BackSpaceReq) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Line, m.CallRef) }
func (m *BackSpaceReq) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Line, &m.CallRef)
	return nil
}

func (*UserToDeviceData) ID() MessageID                             { return MsgUserToDeviceData }
func (m *UserToDeviceData) AppendPayload(b []byte, _ uint32) []byte { return m.append(b) }
func (m *UserToDeviceData) DecodePayload(p []byte, _ uint32) error  { m.decode(p); return nil }

func (*FeatureStat) ID() MessageID { return MsgFeatureStat }
func (m *FeatureStat) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Index, m.FeatureID)}
	e.str(m.TextLabel, 40)
	e.u32(m.Status)
	return e.b
}
func (m *FeatureStat) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Index, m.FeatureID = d.u32(), d.u32()
	m.TextLabel = d.str(40)
	m.Status = d.u32()
	return nil
}

func (*DisplayPriNotify) ID() MessageID { return MsgDisplayPriNotify }
func (m *DisplayPriNotify) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Timeout, m.Priority)}
	e.str(m.Text, 32)
	return e.b
}
func (m *DisplayPriNotify) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Timeout, m.Priority = d.u32(), d.u32()
	m.Text = d.str(32)
	return nil
}

func (*ClearPriNotify) ID() MessageID                             { return MsgClearPriNotify }
func (m *ClearPriNotify) AppendPayload(b []byte, _ uint32) []byte { return u32s(b, m.Priority) }
func (m *ClearPriNotify) DecodePayload(p []byte, _ uint32) error {
	readU32s(p, &m.Priority)
	return nil
}

func (*ServiceURLStat) ID() MessageID { return MsgServiceURLStat }
func (m *ServiceURLStat) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Index)}
	e.str(m.URL, 256)
	e.str(m.DisplayName, 40)
	return e.b
}
func (m *ServiceURLStat) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Index = d.u32()
	m.URL = d.str(256)
	m.DisplayName = d.str(40)
	return nil
}

func (*ConfigStatV2) ID() MessageID { return MsgConfigStatV2 }
func (m *ConfigStatV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{b}
	e.cstr(m.DeviceName)
	e.u32(m.UserID)
	e.u32(m.Instance)
	e.u32(m.NumberLines)
	e.u32(m.NumberSpeedDials)
	e.cstr(m.UserName)
	e.cstr(m.ServerName)
	return e.b
}
func (m *ConfigStatV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.DeviceName = d.cstr()
	m.UserID, m.Instance, m.NumberLines, m.NumberSpeedDials = d.u32(), d.u32(), d.u32(), d.u32()
	m.UserName, m.ServerName = d.cstr(), d.cstr()
	return nil
}

func (*DisplayPriNotifyV2) ID() MessageID { return MsgDisplayPriNotifyV2 }
func (m *DisplayPriNotifyV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Timeout, m.Priority)}
	e.cstr(m.Text)
	return e.b
}
func (m *DisplayPriNotifyV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Timeout, m.Priority = d.u32(), d.u32()
	m.Text = d.cstr()
	return nil
}

func (*FeatureStatV2) ID() MessageID { return MsgFeatureStatV2 }
func (m *FeatureStatV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Index, m.FeatureID, m.Status)}
	e.cstr(m.TextLabel)
	return e.b
}
func (m *FeatureStatV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Index, m.FeatureID, m.Status = d.u32(), d.u32(), d.u32()
	m.TextLabel = d.cstr()
	return nil
}

func (*LineStatV2) ID() MessageID { return MsgLineStatV2 }
func (m *LineStatV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Line, m.LineType)}
	e.cstr(m.DirNumber)
	e.cstr(m.FullyQualifiedName)
	e.cstr(m.Label)
	return e.b
}
func (m *LineStatV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Line, m.LineType = d.u32(), d.u32()
	m.DirNumber, m.FullyQualifiedName, m.Label = d.cstr(), d.cstr(), d.cstr()
	return nil
}

func (*ServiceURLStatV2) ID() MessageID { return MsgServiceURLStatV2 }
func (m *ServiceURLStatV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Index)}
	e.cstr(m.URL)
	e.cstr(m.DisplayName)
	return e.b
}
func (m *ServiceURLStatV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Index = d.u32()
	m.URL, m.DisplayName = d.cstr(), d.cstr()
	return nil
}

func (*SpeedDialStatV2) ID() MessageID { return MsgSpeedDialStatV2 }
func (m *SpeedDialStatV2) AppendPayload(b []byte, _ uint32) []byte {
	e := enc{u32s(b, m.Index)}
	e.cstr(m.Number)
	e.cstr(m.Name)
	return e.b
}
func (m *SpeedDialStatV2) DecodePayload(p []byte, _ uint32) error {
	d := dec{p}
	m.Index = d.u32()
	m.Number, m.Name = d.cstr(), d.cstr()
	return nil
}
