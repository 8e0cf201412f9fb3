package ca

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// PKIOperation rate per source address (issue 15 item 6): a burst of
// SourceBurst messages, then one per SourceInterval. An enrolling router
// or a CAPF sends a request and then polls every minute or so; a flood
// from one address is answered 503 without being parsed, decrypted or
// written to the database.
const (
	SourceBurst    = 20
	SourceInterval = 3 * time.Second
	maxSources     = 4096 // sources tracked at once; the idle ones go first
)

// sourceLimit is a token bucket per source address. The zero value is
// ready to use.
type sourceLimit struct {
	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token of the request's source.
func (l *sourceLimit) allow(r *http.Request, now time.Time) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[host]
	if b == nil {
		if len(l.buckets) >= maxSources {
			l.evict(now)
		}
		b = &bucket{tokens: SourceBurst, last: now}
		l.buckets[host] = b
	}
	if now.After(b.last) {
		b.tokens = min(SourceBurst, b.tokens+float64(now.Sub(b.last))/float64(SourceInterval))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evict forgets the sources whose bucket has refilled (they lose nothing),
// and if none has, all of them: the map stays bounded.
func (l *sourceLimit) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))/float64(SourceInterval) >= SourceBurst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxSources {
		clear(l.buckets)
	}
}
