package config

// Change records a configuration change that no console command made (an
// event such as the first CTL file switching server-security-mode to
// secure) the way a typed command records it: "Last configuration change"
// names by, the running-config becomes unsaved, and owner reconciles. Call
// it without the configuration lock.
func (s *System) Change(owner, by string) { s.featureChanged(owner, by) }
