package service

import (
	"sync"
	"time"
)

// Rate limit of failure messages: RateBurst lines per RateInterval for
// each facility and mnemonic.
const (
	RateBurst    = 5
	RateInterval = time.Minute
)

// RateLog passes messages to a Logger, at most RateBurst per RateInterval
// for each facility and mnemonic. What it holds back is counted; the count
// is logged as "N messages suppressed" under the same facility, severity
// and mnemonic before the next message that gets through, or by Flush.
// Safe for concurrent use.
type RateLog struct {
	log Logger
	now func() time.Time

	// mu guards m.
	mu sync.Mutex
	m  map[rateKey]*rateState
}

type rateKey struct{ facility, mnemonic string }

type rateState struct {
	start      time.Time
	n          int // messages logged in the window from start
	suppressed int
	severity   int
}

// NewRateLog returns a RateLog writing to log.
func NewRateLog(log Logger) *RateLog {
	return &RateLog{log: log, now: time.Now, m: map[rateKey]*rateState{}}
}

// Logf logs the message unless its mnemonic has used up its burst.
func (r *RateLog) Logf(severity int, facility, mnemonic, format string, args ...any) {
	k := rateKey{facility, mnemonic}
	now := r.now()
	r.mu.Lock()
	st := r.m[k]
	if st == nil {
		st = &rateState{start: now}
		r.m[k] = st
	}
	if now.Sub(st.start) >= RateInterval || now.Before(st.start) {
		st.start, st.n = now, 0
	}
	if st.n >= RateBurst {
		st.suppressed++
		st.severity = severity
		r.mu.Unlock()
		return
	}
	st.n++
	sup := st.suppressed
	st.suppressed = 0
	r.mu.Unlock()
	if sup > 0 {
		r.log.Logf(severity, facility, mnemonic, "%d messages suppressed", sup)
	}
	r.log.Logf(severity, facility, mnemonic, format, args...)
}

// Flush logs the counts of messages held back so far.
func (r *RateLog) Flush() {
	type line struct {
		k   rateKey
		sev int
		n   int
	}
	var out []line
	r.mu.Lock()
	for k, st := range r.m {
		if st.suppressed > 0 {
			out = append(out, line{k, st.severity, st.suppressed})
			st.suppressed = 0
		}
	}
	r.mu.Unlock()
	for _, l := range out {
		r.log.Logf(l.sev, l.k.facility, l.k.mnemonic, "%d messages suppressed", l.n)
	}
}
