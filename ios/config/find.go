package config

// Find returns the first feature, in render order, that implements T. It is
// how a lower layer reaches a service of a higher one without importing it:
// the lower package declares the interface it needs (ios/sshd's HostKeys),
// the provider's feature implements it (crypto/keys), and neither names the
// other.
func Find[T any](s *System) (T, bool) {
	for _, e := range s.features {
		if v, ok := e.f.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// FindAll returns every feature, in render order, that implements T.
func FindAll[T any](s *System) []T {
	var out []T
	for _, e := range s.features {
		if v, ok := e.f.(T); ok {
			out = append(out, v)
		}
	}
	return out
}
