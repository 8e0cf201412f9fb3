package phone

import (
	"fmt"
	"net/netip"
	"time"

	"cmeos/cmd/phonesim/internal/media"
	"cmeos/cmd/phonesim/internal/sccp"
)

// handle reacts to one message from the call manager, as a phone does.
// Malformed messages are recorded and ignored.
func (p *Phone) handle(m sccp.Message) {
	p.mu.Lock()
	p.logMsg("rx", m.Name())
	p.mu.Unlock()
	var err error
	switch m.ID {
	case sccp.MsgKeepAliveAck:
		p.mu.Lock()
		p.lastKA = time.Now()
		p.mu.Unlock()
	case sccp.MsgCapabilitiesReq:
		var caps []sccp.Capability
		for _, n := range p.cfg.Codecs {
			caps = append(caps, sccp.Capability{Payload: media.Capabilities[n], MaxFramesPerPkt: 40})
		}
		err = p.send(sccp.MsgCapabilitiesRes, sccp.CapabilitiesRes(caps))
		p.set(func() { p.gotCaps = true })
	case sccp.MsgButtonTemplate:
		var b []sccp.Button
		b, err = sccp.ParseButtonTemplate(m)
		p.set(func() { p.buttons, p.gotButton = b, true })
	case sccp.MsgLineStat:
		var ls sccp.LineStat
		if ls, err = sccp.ParseLineStat(m); err == nil {
			p.set(func() {
				p.report.Lines = append(p.report.Lines, Line{Instance: ls.Line, Number: ls.Number, Name: ls.Name, Label: ls.Label})
			})
		}
	case sccp.MsgSoftKeyTemplateRes:
		var keys []sccp.SoftKey
		if keys, err = sccp.ParseSoftKeyTemplate(m); err == nil {
			p.set(func() { p.report.SoftKeys = len(keys) })
		}
	case sccp.MsgSoftKeySetRes:
		var sets [][]uint8
		if sets, err = sccp.ParseSoftKeySets(m); err == nil {
			p.set(func() { p.report.SoftKeySets = len(sets) })
		}
	case sccp.MsgDefineTimeDate:
		var t time.Time
		if t, err = sccp.ParseDefineTimeDate(m); err == nil {
			p.set(func() {
				if !p.gotTime {
					p.report.Registration.CompleteMs = p.since()
					p.report.Registration.ServerTime = t.Format(time.RFC3339)
				}
				p.gotTime = true
			})
		}
	case sccp.MsgCallState:
		var cs sccp.CallState
		if cs, err = sccp.ParseCallState(m); err == nil {
			p.set(func() {
				c := p.calls[cs.CallRef]
				if c == nil {
					p.callSeq++
					c = &call{ref: cs.CallRef, line: cs.Line, seq: p.callSeq}
					p.calls[cs.CallRef] = c
				}
				c.state = cs.State
				if cs.Line != 0 {
					c.line = cs.Line
				}
				p.event("CallState", cs.Line, cs.CallRef, sccp.StateName(cs.State))
				if cs.State == sccp.StateOnHook {
					delete(p.calls, cs.CallRef)
				}
			})
		}
	case sccp.MsgCallInfo:
		var ci sccp.CallInfo
		if ci, err = sccp.ParseCallInfo(m); err == nil {
			p.set(func() {
				if c := p.calls[ci.CallRef]; c != nil {
					c.info = &ci
				}
				p.event("CallInfo", ci.Line, ci.CallRef, fmt.Sprintf("%s <%s> -> %s <%s>, type %d, security %d",
					ci.CallingName, ci.Calling, ci.CalledName, ci.Called, ci.CallType, ci.Security))
			})
		}
	case sccp.MsgStartTone:
		var st sccp.StartTone
		if st, err = sccp.ParseStartTone(m); err == nil {
			p.set(func() {
				p.tone = st.Tone
				p.event("StartTone", st.Line, st.CallRef, fmt.Sprintf("0x%02X", st.Tone))
			})
		}
	case sccp.MsgStopTone:
		lc := sccp.ParseStopTone(m)
		p.set(func() {
			p.tone = 0
			p.event("StopTone", lc.Line, lc.CallRef, "")
		})
	case sccp.MsgSetRinger:
		var r sccp.SetRinger
		if r, err = sccp.ParseSetRinger(m); err == nil {
			p.set(func() {
				p.ringing = r.Mode > sccp.RingOff
				p.event("SetRinger", r.Line, r.CallRef, fmt.Sprint(r.Mode))
			})
		}
	case sccp.MsgSetLamp:
		_, err = sccp.ParseSetLamp(m)
	case sccp.MsgSelectSoftKeys:
		_, err = sccp.ParseSelectSoftKeys(m)
	case sccp.MsgDisplayPromptStatus:
		_, err = sccp.ParseDisplayPromptStatus(m)
	case sccp.MsgDialedNumber:
		var d sccp.DialedNumber
		if d, err = sccp.ParseDialedNumber(m); err == nil {
			p.set(func() { p.event("DialedNumber", d.Line, d.CallRef, d.Number) })
		}
	case sccp.MsgOpenReceiveChannel:
		err = p.openReceive(m)
	case sccp.MsgStartMediaTransmission:
		err = p.startTransmit(m)
	case sccp.MsgStopMediaTransmission:
		var s sccp.MediaStop
		if s, err = sccp.ParseMediaStop(m); err == nil {
			p.mu.Lock()
			st := p.streams[s.PassThru]
			p.event("StopMediaTransmission", 0, s.CallRef, fmt.Sprint(s.PassThru))
			p.mu.Unlock()
			if st != nil {
				st.StopTransmit()
			}
		}
	case sccp.MsgCloseReceiveChannel:
		var s sccp.MediaStop
		if s, err = sccp.ParseMediaStop(m); err == nil {
			p.mu.Lock()
			st := p.streams[s.PassThru]
			delete(p.streams, s.PassThru)
			p.event("CloseReceiveChannel", 0, s.CallRef, fmt.Sprint(s.PassThru))
			p.notify()
			p.mu.Unlock()
			if st != nil {
				st.Close()
				p.mu.Lock()
				p.keepStats(s.PassThru, st)
				p.mu.Unlock()
			}
		}
	case sccp.MsgReset:
		// A phone told to reset or restart drops the connection and
		// starts over; the simulator ends the connection with ErrReset
		// (a test re-registers with a new Phone).
		typ := sccp.ParseU32(m)
		p.set(func() {
			p.event("Reset", 0, 0, fmt.Sprint(typ))
			p.resets++
		})
		p.fail(fmt.Errorf("%w (type %d)", ErrReset, typ))
		p.mu.Lock()
		conn := p.conn
		p.mu.Unlock()
		conn.Close()
	case sccp.MsgUnregisterAck:
		p.set(func() { p.event("UnregisterAck", 0, 0, fmt.Sprint(sccp.ParseU32(m))) })
	}
	if err != nil {
		p.set(func() { p.event("Malformed", 0, 0, err.Error()) })
	}
}

// set runs f under p.mu and wakes waiters.
func (p *Phone) set(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
	p.notify()
}

// keepStats records the final figures of a closed stream; p.mu is held.
func (p *Phone) keepStats(passThru uint32, s *media.Stream) {
	st := s.Stats()
	p.report.Media = append(p.report.Media, MediaReport{PassThru: passThru, Stats: st})
}

// keyBlock copies the valid part of a key block (lengths beyond the
// 16-byte fields are kept as given, so the stream refuses them).
func keyBlock(k sccp.KeyInfo) media.KeyBlock {
	b := media.KeyBlock{Algorithm: k.Algorithm, KeyLen: k.KeyLen, SaltLen: k.SaltLen}
	if k.Algorithm != 0 && k.KeyLen <= 16 && k.SaltLen <= 16 {
		b.Key = append([]byte(nil), k.Key[:k.KeyLen]...)
		b.Salt = append([]byte(nil), k.Salt[:k.SaltLen]...)
	}
	return b
}

// openReceive answers OpenReceiveChannel: a UDP port on the phone's
// address, acknowledged with its number (§6.5.10-11).
func (p *Phone) openReceive(m sccp.Message) error {
	o, err := sccp.ParseOpenReceiveChannel(m)
	if err != nil {
		return err
	}
	p.mu.Lock()
	ip, v := p.localIP, p.proto
	p.event("OpenReceiveChannel", 0, o.CallRef, fmt.Sprintf("codec %d, %d ms, key %s", o.Compression, o.PacketMs, o.Key))
	old := p.streams[o.PassThru]
	p.mu.Unlock()
	status, port := uint32(sccp.MediaOK), uint16(0)
	codec, cerr := media.ForCapability(o.Compression)
	switch {
	case p.cfg.NoMedia:
		status = sccp.MediaOutOfSockets
	case old != nil:
		port = old.Port()
		old.SetReceive(codec, keyBlock(o.Key))
	default:
		s, err := media.Listen(ip)
		if err != nil {
			status = sccp.MediaOutOfSockets
			break
		}
		s.SetReceive(codec, keyBlock(o.Key))
		if cerr != nil {
			s.SetError(cerr)
		}
		port = s.Port()
		p.mu.Lock()
		p.streams[o.PassThru] = s
		p.notify()
		p.mu.Unlock()
	}
	return p.send(sccp.MsgOpenReceiveChannelAck, sccp.OpenReceiveChannelAck(v, status, ip, port, o.PassThru, o.CallRef))
}

// startTransmit answers StartMediaTransmission: RTP from the receive
// port to the address given, then StartMediaTransmissionAck.
func (p *Phone) startTransmit(m sccp.Message) error {
	s, err := sccp.ParseStartMediaTransmission(m)
	if err != nil {
		return err
	}
	p.mu.Lock()
	ip, v := p.localIP, p.proto
	st := p.streams[s.PassThru]
	if st == nil && len(p.streams) == 1 {
		for _, one := range p.streams { // a server that changes the pass-through ID
			st = one
		}
	}
	p.event("StartMediaTransmission", 0, s.CallRef, fmt.Sprintf("to %s:%d, codec %d, %d ms, key %s",
		s.RemoteIP, s.RemotePort, s.Compression, s.PacketMs, s.Key))
	freq := p.toneFreq
	p.mu.Unlock()
	status, port := uint32(sccp.MediaOK), uint16(0)
	codec, cerr := media.ForCapability(s.Compression)
	switch {
	case p.cfg.NoMedia:
		status = sccp.MediaOutOfSockets
	case cerr != nil:
		status = sccp.MediaInvalidCodec
		if st != nil {
			st.SetError(cerr)
		}
	case s.RemotePort == 0 || s.RemotePort > 65535:
		status = sccp.MediaUnknownError
	default:
		if st == nil {
			n, err := media.Listen(ip)
			if err != nil {
				status = sccp.MediaOutOfSockets
				break
			}
			st = n
			p.mu.Lock()
			p.streams[s.PassThru] = st
			p.mu.Unlock()
		}
		port = st.Port()
		st.SetTone(freq)
		st.StartTransmit(netip.AddrPortFrom(s.RemoteIP.Unmap(), uint16(s.RemotePort)), codec, int(s.PacketMs), keyBlock(s.Key))
		p.set(func() {})
	}
	return p.send(sccp.MsgStartMediaTransmissionAck, sccp.StartMediaTransmissionAck(v, s.ConferenceID, s.PassThru, s.CallRef, ip, port, status))
}
