package ephone

import (
	"cmeos/telephony/sccp"
)

// signal.go is the SCCP vocabulary of call control: what each phone is
// sent as its legs change state, in the order chan-sccp emits it
// (protocols.md §6.7). Every method runs with exchange.mu held and only
// queues messages on the phone's connection.

// send queues a message for the phone; a closed connection drops it (the
// phone's Closed callback cleans up).
func (p *phone) send(m sccp.Message) {
	if p.closed {
		return
	}
	if err := p.st.Send(m); err != nil {
		p.x.debugf(p, "detail", "send %v: %v", m.ID(), err)
	}
}

func lineNo(l *leg) uint32 {
	if l == nil || l.line == nil {
		return 0
	}
	return uint32(l.line.instance)
}

func (p *phone) callState(l *leg, state uint32) {
	p.send(&sccp.CallState{State: state, Line: lineNo(l), CallRef: l.ref})
	p.x.debugf(p, "state", "DN %d chan %d callref %d state %s", l.dn, 1, l.ref, callStateName(state))
}

func (p *phone) tone(l *leg, tone uint32) {
	p.send(&sccp.StartTone{Tone: tone, Direction: sccp.ToneDirectionUser, Line: lineNo(l), CallRef: l.ref})
}

func (p *phone) stopTone(l *leg) {
	p.send(&sccp.StopTone{Line: lineNo(l), CallRef: l.ref})
}

func (p *phone) softKeys(l *leg, set uint32) {
	if l == nil {
		p.send(&sccp.SelectSoftKeys{SoftKeySet: set, ValidKeyMask: 0xFFFFFFFF})
		return
	}
	p.send(&sccp.SelectSoftKeys{Line: lineNo(l), CallRef: l.ref, SoftKeySet: set, ValidKeyMask: 0xFFFFFFFF})
}

func (p *phone) prompt(l *leg, text string) {
	p.send(&sccp.DisplayPromptStatus{Text: text, Line: lineNo(l), CallRef: l.ref})
}

// updateLamp sets a line's lamp from its legs: ringing blinks, a held
// call winks, a call in progress is on, nothing is off.
func (p *phone) updateLamp(ln *line) {
	if ln == nil {
		return
	}
	mode := uint32(sccp.LampOff)
	for _, l := range p.legs {
		if l.line != ln {
			continue
		}
		switch {
		case l.state == legRingIn:
			if mode == sccp.LampOff || mode == sccp.LampWink {
				mode = sccp.LampBlink
			}
		case l.state == legHold:
			if mode == sccp.LampOff {
				mode = sccp.LampWink
			}
		default:
			mode = sccp.LampOn
		}
	}
	p.send(&sccp.SetLamp{Stimulus: sccp.StimulusLine, StimulusInstance: uint32(ln.instance), LampMode: mode})
}

// callInfo sends the parties of l's call as this phone sees them.
func (p *phone) callInfo(l *leg) {
	c := l.call
	if c == nil {
		return
	}
	ci := &sccp.CallInfo{Line: lineNo(l), CallRef: l.ref, CallingPartyName: c.callingName, CallingParty: c.callingNum,
		CalledPartyName: c.calledName, CalledParty: c.calledNum, CallInstance: 1,
		CallSecurityStatus: sccp.CallSecurityStatusNotAuthenticated}
	ci.CallType = sccp.CallTypeOutBound
	if l != c.caller {
		ci.CallType = sccp.CallTypeInBound
	}
	if c.forwarded {
		ci.OriginalCalledParty, ci.OriginalCalledPartyName = c.origNum, c.origName
		ci.LastRedirectingParty, ci.LastRedirectingPartyName = c.origNum, c.origName
		ci.OriginalCdpnRedirectReason, ci.LastRedirectingReason = 2, 2
		if l != c.caller {
			ci.CallType = sccp.CallTypeForward
		}
	}
	if l.media.leg.SecurityStatus != 0 {
		ci.CallSecurityStatus = l.media.leg.SecurityStatus
	} else if p.secure {
		ci.CallSecurityStatus = sccp.CallSecurityStatusAuthenticated
		if o := c.other(l); o == nil || !o.ph.secure {
			ci.CallSecurityStatus = sccp.CallSecurityStatusNotAuthenticated
		}
	}
	p.send(ci)
}

// sigOffHook: a new leg hears dial tone.
func (p *phone) sigOffHook(l *leg) {
	p.updateLamp(l.line)
	p.callState(l, sccp.CallStateOffHook)
	p.send(&sccp.ActivateCallPlane{Line: lineNo(l)})
	p.prompt(l, sccp.Label(sccp.LabelEnterNumber))
	p.tone(l, sccp.ToneInsideDialTone)
	p.softKeys(l, sccp.SoftKeySetOffHook)
}

// sigFirstDigit stops dial tone.
func (p *phone) sigFirstDigit(l *leg) {
	p.stopTone(l)
	p.softKeys(l, sccp.SoftKeySetDigitsFollowing)
}

// sigProceed: the number is complete.
func (p *phone) sigProceed(l *leg) {
	p.stopTone(l)
	p.send(&sccp.DialedNumber{Number: l.digits, Line: lineNo(l), CallRef: l.ref})
	p.callState(l, sccp.CallStateProceed)
	p.callInfo(l)
}

// sigRingOut: the called phone rings.
func (p *phone) sigRingOut(l *leg) {
	p.callState(l, sccp.CallStateRingOut)
	p.callInfo(l)
	p.prompt(l, sccp.Label(sccp.LabelRingOut))
	p.tone(l, sccp.ToneAlertingTone)
	p.softKeys(l, sccp.SoftKeySetRingOut)
}

// sigRingIn: this phone rings (or, busy on another call, hears the
// call-waiting tone).
func (p *phone) sigRingIn(l *leg, waiting bool) {
	p.callState(l, sccp.CallStateRingIn)
	p.callInfo(l)
	p.updateLamp(l.line)
	if waiting {
		if a := p.activeLeg(); a != nil {
			p.tone(a, sccp.ToneCallWaiting)
		}
	} else {
		mode := uint32(sccp.RingInside)
		switch l.line.kind {
		case 's':
			mode = sccp.RingOff
		case 'f':
			mode = sccp.RingFeature
		}
		p.send(&sccp.SetRinger{RingMode: mode, RingDuration: sccp.RingDurationNormal, Line: lineNo(l), CallRef: l.ref})
	}
	p.softKeys(l, sccp.SoftKeySetRingIn)
	p.prompt(l, sccp.Label(sccp.LabelFrom)+" "+l.call.callingNum)
}

// sigConnected: the call is answered (both sides) or resumed.
func (p *phone) sigConnected(l *leg) {
	p.send(&sccp.SetRinger{RingMode: sccp.RingOff, RingDuration: sccp.RingDurationNormal})
	p.stopTone(l)
	p.updateLamp(l.line)
	p.callState(l, sccp.CallStateConnected)
	p.callInfo(l)
	p.send(&sccp.ActivateCallPlane{Line: lineNo(l)})
	p.prompt(l, sccp.Label(sccp.LabelConnected))
	p.softKeys(l, sccp.SoftKeySetConnectedTransferable)
}

// sigHold: this phone put the call on hold.
func (p *phone) sigHold(l *leg) {
	p.updateLamp(l.line)
	p.callState(l, sccp.CallStateHold)
	p.softKeys(l, sccp.SoftKeySetOnHold)
	p.send(&sccp.DeactivateCallPlane{})
}

// sigRemoteHold tells a phone its far end held or resumed the call.
func (p *phone) sigRemoteHold(l *leg, on bool) {
	if on {
		p.prompt(l, "On Hold")
		return
	}
	p.prompt(l, sccp.Label(sccp.LabelConnected))
}

// sigBusy: the called number is busy.
func (p *phone) sigBusy(l *leg) {
	p.callState(l, sccp.CallStateBusy)
	p.prompt(l, sccp.Label(sccp.LabelBusy))
	p.tone(l, sccp.ToneLineBusyTone)
	p.softKeys(l, sccp.SoftKeySetOffHook)
}

// sigReorder: the number is invalid or cannot be reached.
func (p *phone) sigReorder(l *leg) {
	p.callState(l, sccp.CallStateCongestion)
	p.tone(l, sccp.ToneReorderTone)
	p.softKeys(l, sccp.SoftKeySetOffHook)
}

// reorderNoLine answers an off-hook when no line has a free channel.
func (p *phone) reorderNoLine(instance int) {
	if instance < 1 {
		instance = 1
	}
	p.send(&sccp.StartTone{Tone: sccp.ToneReorderTone, Direction: sccp.ToneDirectionUser, Line: uint32(instance)})
}

// sigClear ends a leg on its phone; idle: the phone has nothing else
// active (speaker off, clock refreshed).
func (p *phone) sigClear(l *leg, idle bool) {
	if l.state == legRingIn {
		p.send(&sccp.SetRinger{RingMode: sccp.RingOff, RingDuration: sccp.RingDurationNormal, Line: lineNo(l), CallRef: l.ref})
	}
	p.stopTone(l)
	p.updateLamp(l.line)
	p.send(&sccp.ClearPromptStatus{Line: lineNo(l), CallRef: l.ref})
	p.callState(l, sccp.CallStateOnHook)
	p.softKeys(l, sccp.SoftKeySetOnHook)
	if idle {
		p.send(sccp.NewDefineTimeDate(p.x.now()))
		p.send(&sccp.SetSpeakerMode{Mode: sccp.ModeOff})
	}
}

// sigOpenReceive asks the phone to open its RTP receive channel.
func (p *phone) sigOpenReceive(l *leg) {
	m := l.media.leg
	p.send(&sccp.OpenReceiveChannel{ConferenceID: l.call.id, PassThruPartyID: l.media.party,
		MillisecondPacketSize: m.PacketMS, CompressionType: m.Codec, CallRef: l.ref, KeyInfo: m.RxKey,
		RFC2833PayloadType: 101, DTMFType: sccp.DTMFTypeRFC2833})
	p.x.debugf(p, "detail", "OpenReceiveChannel callref %d party %d codec %s", l.ref, l.media.party, CodecName(m.Codec))
}

// sigStartTransmit tells the phone where to send RTP.
func (p *phone) sigStartTransmit(l *leg) {
	m := l.media.leg
	t := l.media.txTarget
	p.send(&sccp.StartMediaTransmission{ConferenceID: l.call.id, PassThruPartyID: l.media.party,
		RemoteIP: t.Addr(), RemotePort: uint32(t.Port()), MillisecondPacketSize: m.PacketMS, CompressionType: m.Codec,
		Qualifier: sccp.TxQualifier{Precedence: 184, MaxFramesPerPacket: 1}, CallRef: l.ref, KeyInfo: m.TxKey,
		RFC2833PayloadType: 101, DTMFType: sccp.DTMFTypeRFC2833})
	p.callInfo(l) // the security status is known now
	p.x.debugf(p, "detail", "StartMediaTransmission callref %d to %s", l.ref, t)
}

func (p *phone) sigCloseReceive(l *leg) {
	p.send(&sccp.CloseReceiveChannel{ConferenceID: callID(l), PassThruPartyID: l.media.party, CallRef: l.ref})
}

func (p *phone) sigStopTransmit(l *leg) {
	p.send(&sccp.StopMediaTransmission{ConferenceID: callID(l), PassThruPartyID: l.media.party, CallRef: l.ref})
}

func callID(l *leg) uint32 {
	if l.call != nil {
		return l.call.id
	}
	return l.ref
}

func callStateName(s uint32) string {
	names := map[uint32]string{sccp.CallStateOffHook: "OFFHOOK", sccp.CallStateOnHook: "ONHOOK", sccp.CallStateRingOut: "RINGOUT",
		sccp.CallStateRingIn: "RINGIN", sccp.CallStateConnected: "CONNECTED", sccp.CallStateBusy: "BUSY",
		sccp.CallStateCongestion: "CONGESTION", sccp.CallStateHold: "HOLD", sccp.CallStateProceed: "PROCEED"}
	if n, ok := names[s]; ok {
		return n
	}
	return "UNKNOWN"
}
