package ephone

import (
	"net/netip"

	"cmeos/ios/logging"
	"cmeos/telephony/sccp"
)

// device.go: a registered phone as the SCCP server's Device. Messages
// arrive on the connection's goroutine and are handled under exchange.mu.

// Handle implements sccp.Device.
func (p *phone) Handle(m sccp.Message) {
	x := p.x
	x.mu.Lock()
	defer x.mu.Unlock()
	if p.closed {
		return
	}
	if x.debugOn(p.mac, "detail") {
		x.debugf(p, "detail", "received %v", m.ID())
	}
	switch m := m.(type) {
	case *sccp.CapabilitiesRes:
		p.caps = p.caps[:0]
		for _, c := range m.Caps {
			p.caps = append(p.caps, c.PayloadCapability)
		}
	case *sccp.ButtonTemplateReq:
		p.send(p.buttonTemplate())
	case *sccp.SoftKeyTemplateReq:
		p.send(softKeyTemplate())
	case *sccp.SoftKeySetReq:
		p.send(softKeySets())
	case *sccp.ConfigStatReq:
		p.send(&sccp.ConfigStat{DeviceName: p.name, Instance: 1, NumberLines: uint32(len(p.lines)), NumberSpeedDials: uint32(len(p.speedDials))})
	case *sccp.LineStatReq:
		p.send(p.lineStat(int(m.Line)))
	case *sccp.ForwardStatReq:
		p.send(p.forwardStat(int(m.Line)))
	case *sccp.SpeedDialStatReq:
		p.send(p.speedDialStat(m.Index))
	case *sccp.RegisterAvailableLines:
		p.availLines = int(min(m.MaxLines, uint32(len(p.lines))))
	case *sccp.TimeDateReq:
		p.send(sccp.NewDefineTimeDate(x.now()))
		p.idle()
	case *sccp.VersionReq:
		p.send(&sccp.Version{Version: p.load})
	case *sccp.Alarm:
		x.log.Logf(logging.Informational, "IPPHONE", "REG_ALARM", "%d: %s", m.Param1, sanitize(m.DisplayMessage))
	case *sccp.OffHook:
		x.offHook(p, int(m.Line))
	case *sccp.OnHook:
		x.onHook(p)
	case *sccp.HookFlash:
		if a := p.activeLeg(); a != nil && a.state == legConnected {
			x.hold(a)
		}
	case *sccp.KeypadButton:
		if d, ok := keypadDigit(m.Button); ok {
			x.digit(p, d)
		}
	case *sccp.EnblocCall:
		x.enbloc(p, int(m.Line), m.CalledParty)
	case *sccp.StimulusMessage:
		if s, ok := p.speedDial(int(m.StimulusInstance)); ok && m.Stimulus == sccp.StimulusSpeedDial {
			if p.activeLeg() == nil {
				p.send(&sccp.SetSpeakerMode{Mode: sccp.ModeOn})
			}
			x.enbloc(p, 0, s.Number)
			return
		}
		x.stimulus(p, m.Stimulus, int(m.StimulusInstance))
	case *sccp.SoftKeyEvent:
		if m.Event == sccp.SoftKeyNewCall {
			p.send(&sccp.SetSpeakerMode{Mode: sccp.ModeOn})
		}
		x.softKey(p, m.Event, int(m.Line), m.CallRef)
	case *sccp.OpenReceiveChannelAck:
		x.receiveAck(p, m.PassThruPartyID, netip.AddrPortFrom(m.IP, uint16(min(m.Port, 65535))), m.Status)
	case *sccp.StartMediaTransmissionAck:
		if m.Status != sccp.MediaStatusOK {
			x.debugf(p, "state", "StartMediaTransmission failed with status %d", m.Status)
		}
	case *sccp.Unregister:
		if len(p.legs) > 0 {
			p.send(&sccp.UnregisterAck{Status: sccp.UnregisterAckNAK})
			return
		}
		p.send(&sccp.UnregisterAck{Status: sccp.UnregisterAckOK})
		x.unregisterLocked(p, true)
		p.st.Close()
	default:
		x.debugf(p, "detail", "ignored %v", m.ID())
	}
}

// Closed implements sccp.Device: the connection ended (keepalive missed,
// reset, or the phone vanished): its calls are cleared.
func (p *phone) Closed(err error) {
	x := p.x
	x.mu.Lock()
	defer x.mu.Unlock()
	if !p.closed {
		x.debugf(p, "register", "connection closed: %v", err)
	}
	x.unregisterLocked(p, p.resetting != 0)
}

// idle puts a freshly registered phone's display in the on-hook state.
func (p *phone) idle() {
	for _, ln := range p.lines {
		p.updateLamp(ln)
	}
	p.softKeys(nil, sccp.SoftKeySetOnHook)
	if msg := p.x.cfg.Service.SystemMessage; msg != "" {
		p.send(&sccp.DisplayText{Text: msg})
	}
}

func keypadDigit(b uint32) (byte, bool) {
	switch {
	case b <= 9:
		return byte('0' + b), true
	case b >= sccp.KeypadA && b <= sccp.KeypadD:
		return byte('A' + b - sccp.KeypadA), true
	case b == sccp.KeypadStar:
		return '*', true
	case b == sccp.KeypadPound:
		return '#', true
	case b == sccp.KeypadPlus:
		return '+', true
	}
	return 0, false
}

// buttonTemplate lays out the phone's buttons: line buttons where the
// ephone has `button` entries, undefined elsewhere up to the last one.
func (p *phone) buttonTemplate() *sccp.ButtonTemplate {
	last := 0
	for _, ln := range p.lines {
		last = max(last, ln.button)
	}
	last = min(last, sccp.MaxButtons)
	bt := &sccp.ButtonTemplate{}
	for i := 1; i <= last; i++ {
		b := sccp.Button{Instance: 0, Type: sccp.StimulusUndefined}
		for _, ln := range p.lines {
			if ln.button == i {
				b = sccp.Button{Instance: uint8(ln.instance), Type: sccp.StimulusLine}
			}
		}
		bt.Buttons = append(bt.Buttons, b)
	}
	for i := range p.speedDials {
		if len(bt.Buttons) < sccp.MaxButtons {
			bt.Buttons = append(bt.Buttons, sccp.Button{Instance: uint8(i + 1), Type: sccp.StimulusSpeedDial})
		}
	}
	return bt
}

// The soft keys this exchange offers, in template order (index 1 first).
var softKeyDefs = []sccp.SoftKeyDefinition{
	{Label: "Redial", Event: sccp.SoftKeyRedial}, {Label: "NewCall", Event: sccp.SoftKeyNewCall},
	{Label: "Hold", Event: sccp.SoftKeyHold}, {Label: "Trnsfer", Event: sccp.SoftKeyTransfer},
	{Label: "CFwdALL", Event: sccp.SoftKeyCfwdAll}, {Label: "EndCall", Event: sccp.SoftKeyEndCall},
	{Label: "Resume", Event: sccp.SoftKeyResume}, {Label: "Answer", Event: sccp.SoftKeyAnswer},
	{Label: "<<", Event: sccp.SoftKeyBackSpace},
}

// softKeySetLayout lists, per soft key set (§6.6.6), the events shown.
var softKeySetLayout = [][]uint32{
	sccp.SoftKeySetOnHook:                {sccp.SoftKeyRedial, sccp.SoftKeyNewCall, sccp.SoftKeyCfwdAll},
	sccp.SoftKeySetConnected:             {sccp.SoftKeyHold, sccp.SoftKeyEndCall, sccp.SoftKeyTransfer},
	sccp.SoftKeySetOnHold:                {sccp.SoftKeyResume, sccp.SoftKeyNewCall, sccp.SoftKeyEndCall},
	sccp.SoftKeySetRingIn:                {sccp.SoftKeyAnswer, sccp.SoftKeyEndCall},
	sccp.SoftKeySetOffHook:               {sccp.SoftKeyRedial, sccp.SoftKeyEndCall},
	sccp.SoftKeySetConnectedTransferable: {sccp.SoftKeyHold, sccp.SoftKeyEndCall, sccp.SoftKeyTransfer},
	sccp.SoftKeySetDigitsFollowing:       {sccp.SoftKeyBackSpace, sccp.SoftKeyEndCall},
	sccp.SoftKeySetConnectedConference:   {sccp.SoftKeyHold, sccp.SoftKeyEndCall},
	sccp.SoftKeySetRingOut:               {sccp.SoftKeyEndCall, sccp.SoftKeyTransfer},
	sccp.SoftKeySetOffHookWithFeatures:   {sccp.SoftKeyRedial, sccp.SoftKeyEndCall},
	sccp.SoftKeySetInUseHint:             {sccp.SoftKeyNewCall},
	sccp.SoftKeySetOnHookStealable:       {sccp.SoftKeyRedial, sccp.SoftKeyNewCall},
}

func softKeyTemplate() *sccp.SoftKeyTemplateRes {
	return &sccp.SoftKeyTemplateRes{Keys: softKeyDefs}
}

func softKeySets() *sccp.SoftKeySetRes {
	res := &sccp.SoftKeySetRes{}
	for _, events := range softKeySetLayout {
		var set sccp.SoftKeySet
		for i, ev := range events {
			for j, d := range softKeyDefs {
				if d.Event == ev {
					set.TemplateIndex[i] = uint8(j + 1)
					set.InfoIndex[i] = uint16(300 + ev)
				}
			}
		}
		res.Sets = append(res.Sets, set)
	}
	return res
}

// lineStat describes line n: its primary DN's number, name and label.
func (p *phone) lineStat(n int) *sccp.LineStat {
	ls := &sccp.LineStat{Line: uint32(n)}
	ln := p.lineByInstance(n)
	if ln == nil {
		return ls
	}
	d, ok := p.x.cfg.DNs[ln.dns[0]]
	if !ok {
		return ls
	}
	ls.DirNumber, ls.FullyQualifiedName = d.Number, d.Name
	ls.Label = d.Label
	if ls.Label == "" {
		ls.Label = d.Number
	}
	ls.DisplayOptions = 0x0F
	return ls
}

// forwardStat reports line n's call-forward all (busy and no-answer are
// system settings the phone does not show).
func (p *phone) forwardStat(n int) *sccp.ForwardStat {
	fs := &sccp.ForwardStat{Line: uint32(n)}
	ln := p.lineByInstance(n)
	if ln == nil {
		return fs
	}
	fw := forwards(p.x.cfg.DNs[ln.dns[0]])
	if fw.all != "" {
		fs.ActiveForward, fs.ForwardAllActive, fs.ForwardAllNumber = 1, 1, fw.all
	}
	if fw.busy != "" {
		fs.ForwardBusyActive, fs.ForwardBusyNumber = 1, fw.busy
	}
	if fw.noan != "" {
		fs.ForwardNoAnswerActive, fs.ForwardNoAnswerNumber = 1, fw.noan
	}
	return fs
}
