package phone

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"cmeos/cmd/phonesim/internal/media"
	"cmeos/cmd/phonesim/internal/sccp"
)

// State is something Wait can wait for.
type State string

// States.
const (
	Registered State = "registered" // DefineTimeDate received after RegisterAck
	Ringing    State = "ring"       // a call in RingIn
	RingOut    State = "ringout"    // a call in RingOut, or ring-back tone
	Connected  State = "connected"  // a call in Connected
	Held       State = "hold"       // a call in Hold
	DialTone   State = "dialtone"   // inside or outside dial tone
	Busy       State = "busy"       // busy tone or a call in Busy
	Reorder    State = "reorder"    // reorder tone or a call in Congestion
	Idle       State = "onhook"     // no call left
	Media      State = "media"      // transmitting RTP and receiving it
	Reset      State = "reset"      // the call manager sent Reset (the connection then ends)
)

var states = map[string]State{"registered": Registered, "ring": Ringing, "ringing": Ringing, "ringout": RingOut,
	"connected": Connected, "hold": Held, "held": Held, "dialtone": DialTone, "busy": Busy, "reorder": Reorder,
	"onhook": Idle, "idle": Idle, "media": Media, "reset": Reset}

// ErrTimeout is returned by Wait when the state did not come in time.
var ErrTimeout = errors.New("phone: timeout")

// is reports whether the phone is in state s; p.mu is held.
func (p *Phone) is(s State) bool {
	any := func(st uint32) bool {
		for _, c := range p.calls {
			if c.state == st {
				return true
			}
		}
		return false
	}
	switch s {
	case Registered:
		return p.gotTime
	case Ringing:
		return any(sccp.StateRingIn)
	case RingOut:
		return any(sccp.StateRingOut) || p.tone == sccp.ToneAlerting
	case Connected:
		return any(sccp.StateConnected)
	case Held:
		return any(sccp.StateHold)
	case DialTone:
		return p.tone == sccp.ToneInsideDial || p.tone == sccp.ToneOutsideDial
	case Busy:
		return p.tone == sccp.ToneBusy || any(sccp.StateBusy)
	case Reorder:
		return p.tone == sccp.ToneReorder || any(sccp.StateCongestion)
	case Idle:
		return len(p.calls) == 0
	case Reset:
		return p.resets > 0
	case Media:
		for _, st := range p.streams {
			if tx, rx, _ := st.Packets(); tx > 0 && rx > 0 {
				return true
			}
		}
	}
	return false
}

// Wait waits up to timeout for state s. It fails at once if the
// connection ends.
func (p *Phone) Wait(ctx context.Context, s State, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(100 * time.Millisecond) // media figures change without messages
	defer poll.Stop()
	for {
		p.mu.Lock()
		ok, ch := p.is(s), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-poll.C:
		case <-deadline.C:
			return fmt.Errorf("%w waiting for %s after %v (%s)", ErrTimeout, s, timeout, p.describe())
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			p.mu.Lock()
			ok := p.is(s)
			p.mu.Unlock()
			if ok {
				return nil
			}
			return fmt.Errorf("phone: connection ended waiting for %s: %v", s, p.Err())
		}
	}
}

// describe summarises the phone's state for error messages.
func (p *Phone) describe() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "tone 0x%02X", p.tone)
	for _, c := range p.calls {
		fmt.Fprintf(&b, ", call %d %s", c.ref, sccp.StateName(c.state))
	}
	return b.String()
}

// active returns the line and call reference actions apply to: the
// newest call not on hold (or, with held, the newest call on hold).
func (p *Phone) active(held bool) (line, ref uint32, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var best *call
	for _, c := range p.calls {
		if (c.state == sccp.StateHold) != held {
			continue
		}
		if best == nil || c.seq > best.seq {
			best = c
		}
	}
	if best == nil {
		return 1, 0, false
	}
	line = best.line
	if line == 0 {
		line = 1
	}
	return line, best.ref, true
}

// OffHook lifts the handset (OffHook on line 1, or on the ringing call).
func (p *Phone) OffHook() error {
	line, ref, _ := p.active(false)
	return p.send(sccp.MsgOffHook, sccp.Hook(line, ref))
}

// OnHook replaces the handset on the active call.
func (p *Phone) OnHook() error {
	line, ref, _ := p.active(false)
	return p.send(sccp.MsgOnHook, sccp.Hook(line, ref))
}

// SoftKey presses soft key event ev on the active call (the held one for
// Resume).
func (p *Phone) SoftKey(ev uint32) error {
	line, ref, _ := p.active(ev == sccp.SoftKeyResume)
	return p.send(sccp.MsgSoftKeyEvent, sccp.SoftKeyEvent(ev, line, ref))
}

// Dial presses the keys of digits, one KeypadButton each.
func (p *Phone) Dial(digits string) error {
	for i := range len(digits) {
		code, ok := sccp.KeypadCode(digits[i])
		if !ok {
			return fmt.Errorf("phone: cannot dial %q", digits[i])
		}
		line, ref, _ := p.active(false)
		if err := p.send(sccp.MsgKeypadButton, sccp.KeypadButton(code, line, ref)); err != nil {
			return err
		}
		time.Sleep(30 * time.Millisecond) // a fast finger, not a burst
	}
	return nil
}

// Enbloc dials a whole number with EnblocCall.
func (p *Phone) Enbloc(number string) error {
	line, _, _ := p.active(false)
	p.mu.Lock()
	v := p.proto
	p.mu.Unlock()
	return p.send(sccp.MsgEnblocCall, sccp.EnblocCall(v, number, line))
}

// Answer answers the ringing call with the Answer soft key.
func (p *Phone) Answer() error { return p.SoftKey(sccp.SoftKeyAnswer) }

// PlayTone sends a sine of freq Hz for d on the media streams, waiting
// up to 5 s for media to start.
func (p *Phone) PlayTone(ctx context.Context, freq float64, d time.Duration) error {
	if !p.waitCond(5*time.Second, func() bool { return p.transmitting() }) {
		return errors.New("phone: no media to play a tone on")
	}
	p.setTone(freq)
	defer p.setTone(0)
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transmitting reports whether a stream sends RTP; p.mu is held.
func (p *Phone) transmitting() bool {
	for _, s := range p.streams {
		if _, _, on := s.Packets(); on {
			return true
		}
	}
	return false
}

func (p *Phone) setTone(freq float64) {
	p.mu.Lock()
	p.toneFreq = freq
	streams := make([]*media.Stream, 0, len(p.streams))
	for _, s := range p.streams {
		streams = append(streams, s)
	}
	p.mu.Unlock()
	for _, s := range streams {
		s.SetTone(freq)
	}
}

// ExpectTone waits up to timeout until the last half second received on
// some stream is a tone of freq Hz (±2 %) at least 20 dB above the rest.
func (p *Phone) ExpectTone(ctx context.Context, freq float64, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	deadline := time.Now().Add(timeout)
	var last media.Analysis
	for {
		p.mu.Lock()
		streams := make([]*media.Stream, 0, len(p.streams))
		for _, s := range p.streams {
			streams = append(streams, s)
		}
		p.mu.Unlock()
		for _, s := range streams {
			a := media.Analyse(s.Recent(512*time.Millisecond), 8000)
			if math.Abs(a.Freq-freq) <= freq*0.02 && a.SNR >= 20 {
				p.set(func() { p.event("ToneDetected", 0, 0, fmt.Sprintf("%.1f Hz, SNR %.1f dB", a.Freq, a.SNR)) })
				return nil
			}
			last = a
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: no %v Hz tone received in %v (last: %.1f Hz, SNR %.1f dB, %d streams)",
				ErrTimeout, freq, timeout, last.Freq, last.SNR, len(streams))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Action is one step of a script.
type Action struct {
	Verb string
	Args []string
}

func (a Action) String() string { return strings.TrimSpace(a.Verb + " " + strings.Join(a.Args, " ")) }

var verbs = map[string][2]int{ // min, max arguments
	"offhook": {0, 0}, "onhook": {0, 0}, "hangup": {0, 0}, "newcall": {0, 0}, "endcall": {0, 0},
	"dial": {1, 1}, "enbloc": {1, 1}, "answer": {0, 1}, "hold": {0, 0}, "resume": {0, 0}, "transfer": {0, 0},
	"blind-transfer": {1, 1}, "consult-transfer": {1, 2}, "softkey": {1, 1}, "wait": {1, 2}, "tone": {2, 2},
	"expect-tone": {1, 2}, "sleep": {1, 1}, "unregister": {0, 0},
}

// ParseScript parses actions separated by ";" or newlines (see the
// package documentation).
func ParseScript(s string) ([]Action, error) {
	var out []Action
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		f := strings.Fields(part)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		a := Action{Verb: strings.ToLower(f[0]), Args: f[1:]}
		n, ok := verbs[a.Verb]
		if !ok {
			return nil, fmt.Errorf("phone: unknown action %q", f[0])
		}
		if len(a.Args) < n[0] || len(a.Args) > n[1] {
			return nil, fmt.Errorf("phone: %q: wrong number of arguments", part)
		}
		if err := a.check(); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// MustParseScript is ParseScript that panics (tests and constants).
func MustParseScript(s string) []Action {
	a, err := ParseScript(s)
	if err != nil {
		panic(err)
	}
	return a
}

func (a Action) check() error {
	dur := func(i int) error {
		if i < len(a.Args) {
			if _, err := time.ParseDuration(a.Args[i]); err != nil {
				return fmt.Errorf("phone: %s: %w", a, err)
			}
		}
		return nil
	}
	num := func(i int) error {
		if _, err := strconv.ParseFloat(a.Args[i], 64); err != nil {
			return fmt.Errorf("phone: %s: %q is not a number", a, a.Args[i])
		}
		return nil
	}
	switch a.Verb {
	case "wait":
		if _, ok := states[strings.ToLower(a.Args[0])]; !ok {
			return fmt.Errorf("phone: %s: unknown state %q", a, a.Args[0])
		}
		return dur(1)
	case "tone":
		if err := num(0); err != nil {
			return err
		}
		return dur(1)
	case "expect-tone":
		if err := num(0); err != nil {
			return err
		}
		return dur(1)
	case "sleep":
		return dur(0)
	case "consult-transfer":
		return dur(1)
	case "softkey":
		return num(0)
	case "answer":
		if len(a.Args) == 1 && a.Args[0] != "offhook" && a.Args[0] != "softkey" {
			return fmt.Errorf("phone: %s: answer [offhook|softkey]", a)
		}
	case "dial", "enbloc", "blind-transfer":
		for i := range len(a.Args[0]) {
			if _, ok := sccp.KeypadCode(a.Args[0][i]); !ok {
				return fmt.Errorf("phone: %s: cannot dial %q", a, a.Args[0][i])
			}
		}
	}
	return nil
}

func (a Action) duration(i int, def time.Duration) time.Duration {
	if i < len(a.Args) {
		d, _ := time.ParseDuration(a.Args[i])
		return d
	}
	return def
}

// Do performs one action.
func (p *Phone) Do(ctx context.Context, a Action) error {
	if err := a.check(); err != nil {
		return err
	}
	switch a.Verb {
	case "offhook":
		return p.OffHook()
	case "onhook", "hangup":
		return p.OnHook()
	case "newcall":
		return p.SoftKey(sccp.SoftKeyNewCall)
	case "endcall":
		return p.SoftKey(sccp.SoftKeyEndCall)
	case "dial":
		return p.Dial(a.Args[0])
	case "enbloc":
		return p.Enbloc(a.Args[0])
	case "answer":
		if len(a.Args) == 1 && a.Args[0] == "offhook" {
			return p.OffHook()
		}
		return p.Answer()
	case "hold":
		return p.SoftKey(sccp.SoftKeyHold)
	case "resume":
		return p.SoftKey(sccp.SoftKeyResume)
	case "transfer":
		return p.SoftKey(sccp.SoftKeyTransfer)
	case "blind-transfer", "consult-transfer":
		if err := p.SoftKey(sccp.SoftKeyTransfer); err != nil {
			return err
		}
		if err := p.Wait(ctx, DialTone, 5*time.Second); err != nil {
			return err
		}
		if err := p.Dial(a.Args[0]); err != nil {
			return err
		}
		if a.Verb == "consult-transfer" {
			if err := p.Wait(ctx, Connected, a.duration(1, 10*time.Second)); err != nil {
				return err
			}
			return p.SoftKey(sccp.SoftKeyTransfer)
		}
		// Blind: complete once the call manager took the number (the
		// consultation call proceeds, rings or was answered already). A
		// box that completes blind transfers on its own (full-blind)
		// clears the consultation call first: nothing left to press.
		_, consult, _ := p.active(false)
		ok := p.waitCond(5*time.Second, func() bool {
			c := p.calls[consult]
			return c == nil || c.state == sccp.StateProceed || c.state == sccp.StateRingOut || c.state == sccp.StateConnected
		})
		if !ok {
			return fmt.Errorf("%w: the transfer to %s did not proceed (%s)", ErrTimeout, a.Args[0], p.describe())
		}
		p.mu.Lock()
		_, still := p.calls[consult]
		p.mu.Unlock()
		if !still {
			return nil
		}
		return p.SoftKey(sccp.SoftKeyTransfer)
	case "softkey":
		n, _ := strconv.ParseUint(a.Args[0], 10, 32)
		return p.SoftKey(uint32(n))
	case "wait":
		return p.Wait(ctx, states[strings.ToLower(a.Args[0])], a.duration(1, 5*time.Second))
	case "tone":
		f, _ := strconv.ParseFloat(a.Args[0], 64)
		return p.PlayTone(ctx, f, a.duration(1, 0))
	case "expect-tone":
		f, _ := strconv.ParseFloat(a.Args[0], 64)
		return p.ExpectTone(ctx, f, a.duration(1, 5*time.Second))
	case "sleep":
		select {
		case <-time.After(a.duration(0, 0)):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case "unregister":
		return p.Close()
	}
	return fmt.Errorf("phone: unknown action %q", a.Verb)
}

// Run performs the actions in order, recording each in the report, and
// stops at the first that fails.
func (p *Phone) Run(ctx context.Context, script []Action) error {
	for _, a := range script {
		err := p.Do(ctx, a)
		p.mu.Lock()
		r := ActionResult{T: p.since(), Action: a.String()}
		if err != nil {
			r.Error = err.Error()
		}
		p.report.Actions = append(p.report.Actions, r)
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
	}
	return nil
}
