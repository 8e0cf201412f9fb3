package config

// Features that depend on another feature's state without owning it (the
// SSH server on the RSA key store, the CTL on trustpoint certificates)
// subscribe to a topic that the owner publishes when that state changes.
// Handlers run in the publisher's goroutine without the configuration lock
// held; like Reconcile, they take System.Lock to read config.

// Topics published by the features of cmeos.
const (
	TopicKeys         = "crypto-keys"   // a key pair was generated, imported or zeroized
	TopicCertificates = "certificates"  // a trustpoint certificate changed
	TopicCTLGenerated = "ctl-generated" // a new CTLFile.tlv was put in service
	TopicCTLErase     = "ctl-erase"     // server-security-mode erase: delete the CTL file
	TopicConsoleSpeed = "console-speed" // line con 0 `speed` changed
)

// Subscribe registers fn for a topic.
func (s *System) Subscribe(topic string, fn func()) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	if s.subs == nil {
		s.subs = map[string][]func(){}
	}
	s.subs[topic] = append(s.subs[topic], fn)
}

// Publish calls the subscribers of a topic. It may be called with the
// configuration lock held: subscribers then run after the current command
// finishes, so that they can take the lock.
func (s *System) Publish(topic string) {
	s.subMu.Lock()
	s.pending = append(s.pending, topic)
	s.subMu.Unlock()
}

// deliver runs the subscribers of the topics published so far; the session
// calls it after each command, without the lock.
func (s *System) deliver() {
	s.subMu.Lock()
	topics := s.pending
	s.pending = nil
	var fns []func()
	for _, t := range topics {
		fns = append(fns, s.subs[t]...)
	}
	s.subMu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Notify publishes a topic from background work (a service, not a
// command): its subscribers run at once in the caller's goroutine, which
// must not hold the configuration lock.
func (s *System) Notify(topic string) {
	s.Publish(topic)
	s.deliver()
}
