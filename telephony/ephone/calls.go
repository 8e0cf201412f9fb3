package ephone

import (
	"time"

	"cmeos/ios/logging"
)

// Call control: the registered phones' line appearances, the calls between
// them and their media. Everything here is guarded by exchange.mu; nothing
// waits while holding it (Station.Send queues, timers re-enter through
// the lock). The SCCP vocabulary of the messages sent lives in signal.go,
// the media plan in media.go.

// legState is where one phone's side of a call is.
type legState int

const (
	legDialing   legState = iota // off hook, collecting digits
	legRingOut                   // caller: the other side rings
	legRingIn                    // called: this phone rings
	legConnected                 // talking
	legHold                      // this phone put the call on hold
	legBusy                      // caller hears busy tone
	legReorder                   // caller hears reorder (invalid number, no route)
)

var legStateNames = map[legState]string{legDialing: "ALERTING", legRingOut: "RINGING", legRingIn: "RINGING",
	legConnected: "CONNECTED", legHold: "HOLD", legBusy: "BUSY", legReorder: "BUSY"}

// A leg is one phone's call appearance: a line instance and a call
// reference on that phone, part of at most one call.
type leg struct {
	ph     *phone
	line   *line
	dn     int    // the DN tag this appearance uses
	ref    uint32 // SCCP callReference, unique in the exchange
	state  legState
	call   *call
	digits string
	timer  *time.Timer // interdigit timeout while dialing
	// counted: the leg holds one of its DN's channels (consultation legs of a
	// transfer do not).
	counted bool
	// xfer is the held leg this consultation leg transfers when completed.
	xfer *leg
	// remoteHold: the far end put the call on hold.
	remoteHold bool
	media      legMedia
}

// call joins the caller's leg to the called side: the phones that ring
// (one leg per phone sharing the DN) until one answers.
type call struct {
	id       uint32
	caller   *leg
	callee   *leg   // the answering leg, once answered
	alerting []*leg // ringing legs while nobody answered
	calledDN int
	// names and numbers for CallInfo
	callingName, callingNum string
	calledName, calledNum   string
	origNum, origName       string // original called party when forwarded
	forwarded               bool
	hops                    int         // forwards so far (loop guard)
	hunt                    []int       // DNs sharing the number, to try while busy
	noan                    *time.Timer // call-forward noan
	media                   *callMedia
	// started and connected are when the call was placed and answered
	// (show call active voice).
	started, connected time.Time
	// trunk is the far end of a SIP trunk call (callee is then nil).
	trunk *trunkSide
}

// other returns the leg across the call from l, or nil.
func (c *call) other(l *leg) *leg {
	switch l {
	case c.caller:
		return c.callee
	case c.callee:
		return c.caller
	}
	return c.caller // an alerting leg's other side is the caller
}

// maxForwardHops stops forwarding loops (CME limits a chain the same way).
const maxForwardHops = 5

// defaultInterdigit is CME's interdigit timeout (timeouts interdigit 10).
const defaultInterdigit = 10 * time.Second

// newRef returns a fresh call reference.
func (x *exchange) newRef() uint32 {
	x.nextRef++
	return x.nextRef
}

// usedChannels counts the channels of DN tag in use across all phones.
func (x *exchange) usedChannels(tag int) int {
	n := 0
	for _, p := range x.phones {
		for _, l := range p.legs {
			if l.dn == tag && l.counted {
				n++
			}
		}
	}
	return n
}

// freeChannel reports whether DN tag can take one more call.
func (x *exchange) freeChannel(tag int) bool {
	d, ok := x.cfg.DNs[tag]
	return ok && x.usedChannels(tag) < channels(d)
}

// freeIncoming reports whether DN d can take an incoming call: `huntstop
// channel` keeps a dual-line DN's second channel for its own calls
// (transfer, conference).
func (x *exchange) freeIncoming(d DN) bool {
	n := channels(d)
	if d.HuntstopChannel {
		n = 1
	}
	return x.usedChannels(d.Tag) < n
}

// activeLeg is the leg that has the phone's handset or speaker: the one
// not on hold and not ringing.
func (p *phone) activeLeg() *leg {
	for _, l := range p.legs {
		if l.state != legHold && l.state != legRingIn {
			return l
		}
	}
	return nil
}

func (p *phone) legByRef(ref uint32) *leg {
	for _, l := range p.legs {
		if l.ref == ref {
			return l
		}
	}
	return nil
}

func (p *phone) ringingLeg() *leg {
	for _, l := range p.legs {
		if l.state == legRingIn {
			return l
		}
	}
	return nil
}

func (p *phone) lineByInstance(n int) *line {
	if n >= 1 && n <= len(p.lines) {
		return p.lines[n-1]
	}
	return nil
}

// lineFor picks the line a new outgoing call uses: the one asked for, else
// the first whose DN has a free channel.
func (p *phone) lineFor(instance int) (*line, int) {
	try := func(ln *line) (int, bool) {
		if ln == nil || ln.monitor {
			return 0, false
		}
		for _, d := range ln.dns {
			if p.x.freeChannel(d) {
				return d, true
			}
		}
		return 0, false
	}
	if ln := p.lineByInstance(instance); ln != nil {
		if d, ok := try(ln); ok {
			return ln, d
		}
		return nil, 0
	}
	for _, ln := range p.lines {
		if d, ok := try(ln); ok {
			return ln, d
		}
	}
	return nil, 0
}

func (p *phone) addLeg(ln *line, dn int, st legState, counted bool) *leg {
	l := &leg{ph: p, line: ln, dn: dn, ref: p.x.newRef(), state: st, counted: counted}
	p.legs = append(p.legs, l)
	return l
}

func (p *phone) dropLeg(l *leg) {
	for i, o := range p.legs {
		if o == l {
			p.legs = append(p.legs[:i], p.legs[i+1:]...)
			break
		}
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// --- events from phones -------------------------------------------------

// offHook: the handset is lifted (or the speaker/line key pressed). A
// ringing call is answered; otherwise a new call starts with dial tone.
func (x *exchange) offHook(p *phone, instance int) {
	if r := p.ringingLeg(); r != nil && p.activeLeg() == nil {
		x.answer(r)
		return
	}
	if p.activeLeg() != nil {
		return
	}
	x.newCall(p, instance)
}

// newCall opens a dialing leg with dial tone (or reorder when no line is
// free).
func (x *exchange) newCall(p *phone, instance int) *leg {
	if a := p.activeLeg(); a != nil {
		if a.state == legConnected {
			x.hold(a)
		} else {
			x.hangUp(a)
		}
	}
	ln, dn := p.lineFor(instance)
	if ln == nil {
		// every line busy: the phone hears reorder on its first line
		p.reorderNoLine(instance)
		return nil
	}
	l := p.addLeg(ln, dn, legDialing, true)
	p.sigOffHook(l)
	x.armInterdigit(l)
	return l
}

// digit is one KeypadButton on the active leg.
func (x *exchange) digit(p *phone, d byte) {
	l := p.activeLeg()
	if l != nil && l.state == legConnected && l.call != nil && l.call.trunk != nil {
		x.trunkDigit(l.call, d) // DTMF toward a SIP far end
		return
	}
	if l == nil || l.state != legDialing || len(l.digits) >= 32 {
		return // digits after hang-up or in a call (DTMF goes in RTP): ignored
	}
	if l.digits == "" {
		p.sigFirstDigit(l)
	}
	l.digits += string(d)
	x.route(l, false)
}

// enbloc dials a whole number at once (EnblocCall).
func (x *exchange) enbloc(p *phone, instance int, number string) {
	l := p.activeLeg()
	if l == nil || l.state != legDialing {
		l = x.newCall(p, instance)
		if l == nil {
			return
		}
	}
	if len(number) > 32 {
		number = number[:32]
	}
	p.sigFirstDigit(l)
	l.digits = number
	x.route(l, true)
}

func (x *exchange) armInterdigit(l *leg) {
	if l.timer != nil {
		l.timer.Stop()
	}
	d := x.interdigit
	if d == 0 {
		d = defaultInterdigit
	}
	l.timer = time.AfterFunc(d, func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if l.state == legDialing && l.ph.legByRef(l.ref) == l {
			x.route(l, true)
		}
	})
}

// route tries to complete the dialled number: an exact DN match places
// the call unless a longer number could still match (then it waits for
// more digits or the interdigit timeout); no possible match is reorder.
func (x *exchange) route(l *leg, final bool) {
	m := matchNumber(x.cfg.DNs, l.digits)
	// A number no ephone-dn matches goes to the dial plan.
	var peer int
	var refuse string
	var more bool
	if m.tag == 0 && x.dialPlan != nil {
		peer, refuse, more = x.dialPlan(l.digits, final)
	}
	switch {
	case m.tag != 0 && (!m.partial || final):
		if l.timer != nil {
			l.timer.Stop()
			l.timer = nil
		}
		if l.xfer != nil && x.blindTransfer() {
			x.transferBlind(l, m.tag)
			return
		}
		x.place(l, m.tag, m.hunt)
	case (m.partial || more) && !final:
		x.armInterdigit(l)
	default:
		if l.timer != nil {
			l.timer.Stop()
			l.timer = nil
		}
		if peer != 0 && x.trunkTarget != nil {
			if sp, ok := x.trunkTarget(peer); ok {
				x.dialTrunk(l, sp)
				return
			}
		}
		if peer != 0 {
			// A dial-peer matched, but it leads nowhere this box can go
			// (srtp without fallback, H.323, POTS without voice ports).
			x.log.Logf(logging.Notifications, "DIALPEER", "CALL_REFUSED", "Call from %s refused: %s.", l.ph.name, refuse)
		}
		l.state = legReorder
		l.ph.sigReorder(l)
	}
}

// place starts a call from leg l to DN tag (then the DNs of hunt while
// busy).
func (x *exchange) place(l *leg, tag int, hunt []int) {
	p := l.ph
	c := &call{id: l.ref, caller: l, calledDN: tag, started: x.now()}
	l.call = c
	if d, ok := x.cfg.DNs[l.dn]; ok {
		c.callingNum, c.callingName = d.Number, d.Name
	}
	d := x.cfg.DNs[tag]
	c.calledNum, c.calledName = d.Number, d.Name
	if l.digits != "" && l.digits != d.Number {
		c.calledNum = l.digits // the secondary number as dialled
	}
	p.sigProceed(l)
	c.hunt = hunt
	x.offer(c, tag)
}

// offer presents call c to DN tag: forward-all, busy (forward-busy), or
// ring every registered phone with the DN on a button.
func (x *exchange) offer(c *call, tag int) {
	d, ok := x.cfg.DNs[tag]
	if !ok {
		x.fail(c, legReorder)
		return
	}
	fw := forwards(d)
	if fw.all != "" && c.hops < maxForwardHops {
		x.forwardTo(c, fw.all)
		return
	}
	var ringers []*phone
	for _, p := range x.phonesByTag() {
		if c.caller != nil && p == c.caller.ph && c.caller.dn == tag {
			continue // a shared line does not ring the phone calling from it
		}
		for _, ln := range p.lines {
			if containsInt(ln.dns, tag) && !ln.monitor {
				ringers = append(ringers, p)
				break
			}
		}
	}
	if !x.freeIncoming(d) || len(ringers) == 0 {
		if len(c.hunt) > 0 && !d.Huntstop {
			next := c.hunt[0]
			c.hunt = c.hunt[1:]
			x.offer(c, next)
			return
		}
		if fw.busy != "" && c.hops < maxForwardHops {
			x.forwardTo(c, fw.busy)
			return
		}
		x.fail(c, legBusy)
		return
	}
	c.calledDN = tag
	for _, p := range ringers {
		ln := p.lineOf(tag)
		rl := p.addLeg(ln, tag, legRingIn, false)
		rl.call = c
		c.alerting = append(c.alerting, rl)
		p.sigRingIn(rl, p.activeLeg() != nil)
	}
	// The called DN's channel is taken once, by the first ringing leg.
	c.alerting[0].counted = true
	if c.caller != nil {
		c.caller.state = legRingOut
		c.caller.ph.sigRingOut(c.caller)
	} else if c.trunk != nil {
		c.trunk.ringing()
	}
	if fw.noan != "" && c.hops < maxForwardHops {
		target, secs := fw.noan, fw.noanTimeout
		c.noan = time.AfterFunc(time.Duration(secs)*time.Second, func() {
			x.mu.Lock()
			defer x.mu.Unlock()
			if c.callee == nil && len(c.alerting) > 0 && (c.caller == nil || c.caller.call == c) {
				x.stopAlerting(c, nil)
				x.forwardTo(c, target)
			}
		})
	}
}

// forwardTo redirects an unanswered call to a number.
func (x *exchange) forwardTo(c *call, number string) {
	c.hops++
	if !c.forwarded {
		c.origNum, c.origName = c.calledNum, c.calledName
	}
	c.forwarded = true
	m := matchNumber(x.cfg.DNs, number)
	if m.tag == 0 {
		x.fail(c, legReorder) // no trunks yet: an outside target cannot be reached
		return
	}
	d := x.cfg.DNs[m.tag]
	c.calledNum, c.calledName = d.Number, d.Name
	c.hunt = m.hunt
	x.offer(c, m.tag)
}

// fail ends an unanswered call with busy or reorder at the caller.
func (x *exchange) fail(c *call, st legState) {
	l := c.caller
	if l == nil { // an inbound trunk call nobody can take
		if c.noan != nil {
			c.noan.Stop()
		}
		if st == legBusy {
			c.trunk.reject(486, "Busy Here")
		} else {
			c.trunk.reject(404, "Not Found")
		}
		c.trunk.cancel()
		c.trunk.relay.Close()
		return
	}
	l.state = st
	if st == legBusy {
		l.ph.sigBusy(l)
	} else {
		l.ph.sigReorder(l)
	}
	l.call = nil
	if c.noan != nil {
		c.noan.Stop()
	}
	if l.xfer != nil && st != legDialing {
		// a failed consultation: the held party stays on hold
		return
	}
}

// stopAlerting clears the ringing legs of c except keep.
func (x *exchange) stopAlerting(c *call, keep *leg) {
	counted := false
	for _, rl := range c.alerting {
		if rl.counted {
			counted = true
		}
		if rl == keep {
			continue
		}
		rl.ph.dropLeg(rl)
		rl.ph.sigClear(rl, rl.ph.activeLeg() == nil)
	}
	if keep != nil {
		keep.counted = counted
	}
	c.alerting = nil
	if c.noan != nil {
		c.noan.Stop()
		c.noan = nil
	}
}

// answer connects a ringing leg.
func (x *exchange) answer(l *leg) {
	c := l.call
	if c == nil || l.state != legRingIn {
		return
	}
	p := l.ph
	if a := p.activeLeg(); a != nil && a != l {
		if a.state == legConnected {
			x.hold(a)
		} else {
			x.hangUp(a)
		}
	}
	x.stopAlerting(c, l)
	c.callee = l
	c.connected = x.now()
	l.state = legConnected
	p.sigConnected(l)
	if c.caller == nil {
		x.trunkAnswer(c, l)
		return
	}
	c.caller.state = legConnected
	c.caller.ph.sigConnected(c.caller)
	x.startMedia(c)
}

// hold puts the phone's side of a connected call on hold.
func (x *exchange) hold(l *leg) {
	if l.state != legConnected || l.call == nil {
		return
	}
	c := l.call
	if c.trunk != nil {
		x.trunkHold(c, l)
		return
	}
	x.stopMedia(c)
	l.state = legHold
	l.ph.sigHold(l)
	if o := c.other(l); o != nil {
		o.remoteHold = true
		o.ph.sigRemoteHold(o, true)
	}
}

// resume takes a held call back (holding whatever else was active).
func (x *exchange) resume(l *leg) {
	if l.state != legHold || l.call == nil {
		return
	}
	p := l.ph
	if a := p.activeLeg(); a != nil && a != l {
		if a.state == legConnected {
			x.hold(a)
		} else {
			x.hangUp(a)
		}
	}
	c := l.call
	l.state = legConnected
	p.sigConnected(l)
	if c.trunk != nil {
		x.trunkResume(c, l)
		return
	}
	if o := c.other(l); o != nil {
		o.remoteHold = false
		o.ph.sigRemoteHold(o, false)
		if o.state == legConnected {
			x.startMedia(c)
		}
	}
}

// hangUp ends leg l; its call ends for the other side too (the far end is
// cleared), and a consultation leg completes its transfer when connected.
func (x *exchange) hangUp(l *leg) {
	p := l.ph
	if l.xfer != nil && l.call != nil && x.xferOnHangup(l) {
		return
	}
	c := l.call
	if c != nil && (l == c.caller || l == c.callee) {
		x.stopMedia(c)
	}
	p.dropLeg(l)
	p.sigClear(l, p.activeLeg() == nil)
	if c == nil {
		return
	}
	l.call = nil
	if c.trunk != nil && (l == c.caller || l == c.callee) {
		c.trunk.end()
	}
	switch {
	case l == c.caller:
		x.stopAlerting(c, nil)
		if c.callee != nil {
			x.clearLeg(c.callee)
		}
	case l == c.callee:
		if c.caller != nil {
			x.clearLeg(c.caller)
		}
	default: // one of several ringing phones declined: the others ring on
		for i, rl := range c.alerting {
			if rl == l {
				c.alerting = append(c.alerting[:i], c.alerting[i+1:]...)
				break
			}
		}
		if l.counted && len(c.alerting) > 0 {
			c.alerting[0].counted = true
		}
		if len(c.alerting) == 0 {
			x.fail(c, legBusy)
		}
	}
}

// clearLeg ends the far end of a call that the other side left.
func (x *exchange) clearLeg(l *leg) {
	p := l.ph
	l.call = nil
	if o := x.transferWaiting(l); o != nil {
		// l was the held party of a consultation: nothing to transfer now
		o.xfer = nil
	}
	p.dropLeg(l)
	p.sigClear(l, p.activeLeg() == nil)
}

// dropPhone is a phone that unregistered or vanished: every call it was
// in is cleared at the far end.
func (x *exchange) dropPhone(p *phone) {
	for len(p.legs) > 0 {
		l := p.legs[0]
		c := l.call
		p.dropLeg(l)
		l.call = nil
		if c == nil {
			continue
		}
		switch {
		case l == c.caller:
			x.stopMedia(c)
			x.stopAlerting(c, nil)
			if c.callee != nil {
				x.clearLeg(c.callee)
			}
			if c.trunk != nil {
				c.trunk.end()
			}
		case l == c.callee:
			x.stopMedia(c)
			if c.caller != nil {
				x.clearLeg(c.caller)
			}
			if c.trunk != nil {
				c.trunk.end()
			}
		default:
			for i, rl := range c.alerting {
				if rl == l {
					c.alerting = append(c.alerting[:i], c.alerting[i+1:]...)
					break
				}
			}
			if l.counted && len(c.alerting) > 0 {
				c.alerting[0].counted = true
			}
			if len(c.alerting) == 0 && c.callee == nil {
				x.fail(c, legBusy)
			}
		}
	}
}

// --- transfer -------------------------------------------------------------

// blindTransfer reports whether transfers complete as soon as the number
// is dialled (transfer-system blind / full-blind) rather than on the
// second Transfer press (full-consult, the CME default since 4.0 when
// configured).
func (x *exchange) blindTransfer() bool {
	switch x.cfg.TransferSystem {
	case "blind", "full-blind", "basic":
		return true
	}
	return false
}

// transferKey is the Transfer softkey on leg l: the first press holds the
// call and opens a consultation leg; the second (on the consultation leg)
// completes the transfer.
func (x *exchange) transferKey(l *leg) {
	p := l.ph
	if l.xfer != nil {
		x.completeTransfer(l)
		return
	}
	if l.state != legConnected || l.call == nil || l.call.trunk != nil {
		return
	}
	x.hold(l)
	cl := p.addLeg(l.line, l.dn, legDialing, false)
	cl.xfer = l
	p.sigOffHook(cl)
	x.armInterdigit(cl)
}

// transferWaiting finds the consultation leg that would transfer l.
func (x *exchange) transferWaiting(l *leg) *leg {
	for _, o := range l.ph.legs {
		if o.xfer == l {
			return o
		}
	}
	return nil
}

// transferBlind sends the held party straight to DN tag; the transferring
// phone leaves both calls.
func (x *exchange) transferBlind(cl *leg, tag int) {
	held := cl.xfer
	p := cl.ph
	cl.xfer = nil
	p.dropLeg(cl)
	p.sigClear(cl, false)
	x.redirect(held, tag)
}

// redirect hands the far end of held's call to DN tag as a new call from
// that far end (used by blind transfer and by completing a transfer to a
// phone that still rings).
func (x *exchange) redirect(held *leg, tag int) {
	c := held.call
	p := held.ph
	if c == nil {
		p.dropLeg(held)
		p.sigClear(held, p.activeLeg() == nil)
		return
	}
	far := c.other(held)
	x.stopMedia(c)
	p.dropLeg(held)
	held.call = nil
	p.sigClear(held, p.activeLeg() == nil)
	if far == nil {
		return
	}
	far.remoteHold = false
	nc := &call{id: far.ref, caller: far, calledDN: tag}
	far.call = nc
	if d, ok := x.cfg.DNs[far.dn]; ok {
		nc.callingNum, nc.callingName = d.Number, d.Name
	}
	d := x.cfg.DNs[tag]
	nc.calledNum, nc.calledName = d.Number, d.Name
	far.state = legRingOut
	x.offer(nc, tag)
}

// completeTransfer joins the held party with the consultation's far end.
func (x *exchange) completeTransfer(cl *leg) {
	held := cl.xfer
	p := cl.ph
	cc := cl.call
	if cc == nil || held == nil || held.call == nil {
		return
	}
	switch {
	case cc.callee != nil && cl.state == legConnected:
		// consultative: the consulted party talks to the held party
		target := cc.callee
		far := held.call.other(held)
		x.stopMedia(cc)
		x.stopMedia(held.call)
		cl.xfer = nil
		p.dropLeg(cl)
		cl.call = nil
		p.sigClear(cl, false)
		p.dropLeg(held)
		hc := held.call
		held.call = nil
		p.sigClear(held, p.activeLeg() == nil)
		if far == nil {
			x.clearLeg(target)
			return
		}
		nc := &call{id: hc.id, caller: far, callee: target}
		far.call, target.call = nc, nc
		nc.callingNum, nc.callingName = hc.callingNum, hc.callingName
		if far == hc.callee {
			nc.callingNum, nc.callingName = hc.calledNum, hc.calledName
		}
		nc.calledNum, nc.calledName = cc.calledNum, cc.calledName
		far.remoteHold, target.remoteHold = false, false
		far.state, target.state = legConnected, legConnected
		far.ph.sigConnected(far)
		target.ph.sigConnected(target)
		x.startMedia(nc)
	case len(cc.alerting) > 0:
		// transfer while the consulted phone rings: the held party takes
		// over the ringing call
		tag := cc.calledDN
		x.stopAlerting(cc, nil)
		cl.xfer = nil
		p.dropLeg(cl)
		cl.call = nil
		p.sigClear(cl, false)
		x.redirect(held, tag)
	}
}

// xferOnHangup completes a consultative transfer when the transferring
// phone hangs up (full-consult); it reports whether it did.
func (x *exchange) xferOnHangup(cl *leg) bool {
	cc := cl.call
	if cc == nil || cl.xfer == nil || cl.xfer.call == nil {
		return false
	}
	if cc.callee != nil && cl.state == legConnected || len(cc.alerting) > 0 {
		x.completeTransfer(cl)
		return true
	}
	return false
}

// --- soft keys and stimuli ---------------------------------------------

// Soft key events (protocols.md §6.6.7).
const (
	skRedial   = 1
	skNewCall  = 2
	skHold     = 3
	skTransfer = 4
	skCfwdAll  = 5
	skBackSpc  = 8
	skEndCall  = 9
	skResume   = 10
	skAnswer   = 11
)

// softKey dispatches a SoftKeyEvent.
func (x *exchange) softKey(p *phone, event uint32, instance int, ref uint32) {
	l := p.legByRef(ref)
	switch event {
	case skNewCall:
		x.newCall(p, instance)
	case skRedial:
		if p.lastDialled != "" {
			x.enbloc(p, instance, p.lastDialled)
		}
	case skAnswer:
		if l == nil {
			l = p.ringingLeg()
		}
		if l != nil {
			x.answer(l)
		}
	case skEndCall:
		if l == nil {
			l = p.activeLeg()
		}
		if l != nil {
			x.hangUp(l)
		}
	case skHold:
		if l == nil {
			l = p.activeLeg()
		}
		if l != nil {
			x.hold(l)
		}
	case skResume:
		if l != nil {
			x.resume(l)
		}
	case skTransfer:
		if l == nil {
			l = p.activeLeg()
		}
		if l != nil {
			x.transferKey(l)
		}
	case skBackSpc:
		if a := p.activeLeg(); a != nil && a.state == legDialing && a.digits != "" {
			a.digits = a.digits[:len(a.digits)-1]
		}
	}
}

// Stimuli (protocols.md §6.6.7).
const (
	stimHold     = 0x03
	stimTransfer = 0x04
	stimLine     = 0x09
)

// stimulus is a feature or line button.
func (x *exchange) stimulus(p *phone, stim uint32, instance int) {
	switch stim {
	case stimLine:
		ln := p.lineByInstance(instance)
		if ln == nil {
			return
		}
		for _, l := range p.legs {
			if l.line == ln && l.state == legRingIn {
				x.answer(l)
				return
			}
			if l.line == ln && l.state == legHold {
				x.resume(l)
				return
			}
		}
		if p.activeLeg() == nil {
			x.newCall(p, instance)
		}
	case stimHold:
		if a := p.activeLeg(); a != nil {
			x.hold(a)
		}
	case stimTransfer:
		if a := p.activeLeg(); a != nil {
			x.transferKey(a)
		}
	}
}

// onHook is the handset put down: the active leg ends.
func (x *exchange) onHook(p *phone) {
	if a := p.activeLeg(); a != nil {
		if a.state == legDialing && a.digits != "" {
			p.lastDialled = a.digits
		}
		x.hangUp(a)
	}
}

// --- helpers ---------------------------------------------------------

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// lineOf returns the phone's line carrying DN tag.
func (p *phone) lineOf(tag int) *line {
	for _, ln := range p.lines {
		if containsInt(ln.dns, tag) {
			return ln
		}
	}
	return nil
}

// phonesByTag lists registered phones in ephone-tag order.
func (x *exchange) phonesByTag() []*phone {
	m := map[int]*phone{}
	for _, p := range x.phones {
		m[p.tag] = p
	}
	out := make([]*phone, 0, len(m))
	for _, t := range sortedKeys(m) {
		out = append(out, m[t])
	}
	return out
}
