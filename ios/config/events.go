package config

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"cmeos/ios/logging"
)

// Features that depend on another feature's state without owning it (the
// SSH server on the RSA key store, the CTL provider on trustpoint
// certificates) subscribe to a topic that the owner publishes when that
// state changes. Each System has one event dispatcher: its own goroutine,
// started with the first event and stopped by Close, runs the subscribers
// in the order the events were published, without the configuration lock
// held, whoever published (a console command, the SCEP poller, CA
// rollover). A subscriber takes System.Lock to read the config, like
// Reconcile; the error it returns is logged as %SYS-3-CONFIG_ERR.
//
// A console command's events have run before the session prints its next
// prompt: the session calls Flush after each command.

// Topic is a kind of event. It is declared once, by the package that
// publishes it (pki.TopicCertificates, keys.TopicKeys), with DeclareTopic.
type Topic struct{ name string }

// String is the topic's name.
func (t Topic) String() string { return t.name }

var (
	topicsMu sync.Mutex
	topics   = map[string]bool{}
)

// DeclareTopic declares a topic; a name declared twice panics at init.
func DeclareTopic(name string) Topic {
	topicsMu.Lock()
	defer topicsMu.Unlock()
	if name == "" || topics[name] {
		panic("config: topic declared twice or empty: " + name)
	}
	topics[name] = true
	return Topic{name}
}

// Topics shared across layers: declared here because a subscriber may not
// import the package that publishes them (ios/sshd and crypto/keys, crypto/tvs
// and crypto/ctlclient, crypto/ctlclient and telephony/ephone, telephony/dialplan and telephony/ephone). Every other
// topic is declared by the package that publishes it.
var (
	TopicKeys         = DeclareTopic("crypto-keys")   // a key pair was generated, imported or zeroized
	TopicCTLGenerated = DeclareTopic("ctl-generated") // a new CTLFile.tlv was put in service
	TopicCTLErase     = DeclareTopic("ctl-erase")     // server-security-mode erase: delete the CTL file
	TopicDialPlan     = DeclareTopic("dial-plan")     // dial-peers or sip-ua changed (telephony/dialplan to telephony/ephone)
)

// Subscriber is called for each event of its topic, with the System's
// context; the error it returns is logged.
type Subscriber func(ctx context.Context) error

type subscription struct {
	who string
	fn  Subscriber
}

// dispatcher queues events and runs their subscribers in its goroutine.
type dispatcher struct {
	// mu guards the fields below; cond signals progress and new events.
	mu   sync.Mutex
	cond *sync.Cond
	subs map[Topic][]subscription
	// queue holds the events not yet started, each topic at most once
	// (a subscriber reads the current state, so one run covers all the
	// events of a topic published before it starts).
	queue     []queued
	seq, done uint64 // last sequence number queued, and delivered
	started   bool
	stopped   bool
	exited    chan struct{}
}

type queued struct {
	t   Topic
	seq uint64
}

// Subscribe registers fn for a topic; who names the subscriber in the log.
func (s *System) Subscribe(t Topic, who string, fn Subscriber) {
	d := &s.events
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.subs == nil {
		d.subs = map[Topic][]subscription{}
	}
	d.subs[t] = append(d.subs[t], subscription{who, fn})
}

// Publish queues an event for the subscribers of a topic and returns at
// once; it may be called with or without the configuration lock held.
func (s *System) Publish(t Topic) {
	d := &s.events
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	if d.cond == nil {
		d.cond = sync.NewCond(&d.mu)
	}
	if !d.started {
		d.started = true
		d.exited = make(chan struct{})
		go s.dispatch()
	}
	for _, q := range d.queue {
		if q.t == t {
			return
		}
	}
	d.seq++
	d.queue = append(d.queue, queued{t, d.seq})
	d.cond.Broadcast()
}

// Notify publishes an event and waits until its subscribers have run (for
// background work that needs their effect at once). Call it without the
// configuration lock held, and never from a subscriber.
func (s *System) Notify(t Topic) {
	s.Publish(t)
	s.Flush()
}

// Flush waits until the subscribers of every event published before it have
// run, and those of the events they published in turn (a new certificate
// rebuilds the CTL, whose event switches the server to secure), or the
// System is closing. Never call it from a subscriber.
func (s *System) Flush() {
	d := &s.events
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.done < d.seq && !d.stopped {
		d.cond.Wait()
	}
}

func (s *System) dispatch() {
	d := &s.events
	defer close(d.exited)
	d.mu.Lock()
	for {
		for len(d.queue) == 0 && !d.stopped {
			d.cond.Wait()
		}
		if d.stopped {
			d.mu.Unlock()
			return
		}
		q := d.queue[0]
		d.queue = d.queue[1:]
		subs := d.subs[q.t]
		d.mu.Unlock()
		for _, sub := range subs {
			s.deliver(q.t, sub)
		}
		d.mu.Lock()
		d.done = q.seq
		d.cond.Broadcast()
	}
}

// deliver runs one subscriber, logging its error or panic.
func (s *System) deliver(t Topic, sub subscription) {
	defer func() {
		if v := recover(); v != nil {
			pcs := make([]uintptr, 16)
			tb := ""
			for _, pc := range pcs[:runtime.Callers(3, pcs)] {
				tb += fmt.Sprintf(" 0x%X", pc)
			}
			s.Log.Logf(logging.Critical, "SYS", "EVENT_PANIC", "%s event handler of %s crashed: %q -Traceback=%s", t, sub.who, fmt.Sprint(v), tb)
		}
	}()
	if err := sub.fn(s.ctx); err != nil {
		s.Log.Logf(logging.Errors, "SYS", "CONFIG_ERR", "%s: %v", sub.who, fmt.Errorf("%s event: %w", t, err))
	}
}

// stopEvents stops the dispatcher (events queued are dropped) and waits for
// the subscriber running, if any.
func (s *System) stopEvents() {
	d := &s.events
	d.mu.Lock()
	if d.cond == nil {
		d.cond = sync.NewCond(&d.mu)
	}
	d.stopped = true
	d.cond.Broadcast()
	exited := d.exited
	d.mu.Unlock()
	if exited != nil {
		<-exited
	}
}
