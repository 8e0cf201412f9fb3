package sip

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// floodGuard is the trunk's UDP socket as sipgo reads it: datagrams
// beyond a rate per source address, or beyond a rate in all, are dropped
// before they are parsed (token buckets). The table of sources is
// bounded: past maxSources, new sources share one bucket.
type floodGuard struct {
	net.PacketConn
	now func() time.Time
	off bool // no limits (Options.NoFloodGuard)

	mu      sync.Mutex
	sources map[netip.Addr]*bucket
	shared  bucket // sources beyond maxSources
	all     bucket

	dropped atomic.Uint64
}

// Flood limits: a trunk peer sends a few messages per call; 100 a second
// per source (bursts of 200) is far above any call rate a box takes.
const (
	perSourceRate  = 100
	perSourceBurst = 200
	allRate        = 2000
	allBurst       = 4000
	maxSources     = 1024
)

type bucket struct {
	tokens float64
	last   time.Time
}

// take spends a token, refilling at rate per second up to burst.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	if b.last.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func newFloodGuard(c net.PacketConn, off bool) *floodGuard {
	return &floodGuard{PacketConn: c, now: time.Now, off: off, sources: map[netip.Addr]*bucket{}}
}

func (g *floodGuard) allow(a net.Addr) bool {
	if g.off {
		return true
	}
	var src netip.Addr
	if ua, ok := a.(*net.UDPAddr); ok {
		src = ua.AddrPort().Addr().Unmap()
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.sources[src]
	if b == nil {
		if len(g.sources) >= maxSources {
			g.prune(now)
		}
		if len(g.sources) < maxSources {
			b = &bucket{}
			g.sources[src] = b
		} else {
			b = &g.shared
		}
	}
	return b.take(now, perSourceRate, perSourceBurst) && g.all.take(now, allRate, allBurst)
}

// prune forgets sources whose buckets have refilled (quiet for the time
// a full burst takes to come back).
func (g *floodGuard) prune(now time.Time) {
	for a, b := range g.sources {
		if now.Sub(b.last) > time.Duration(perSourceBurst/perSourceRate+1)*time.Second {
			delete(g.sources, a)
		}
	}
}

// ReadFrom returns the next datagram within the limits.
func (g *floodGuard) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, a, err := g.PacketConn.ReadFrom(p)
		if err != nil || g.allow(a) {
			return n, a, err
		}
		g.dropped.Add(1)
	}
}

// Dropped is how many datagrams the trunk's UDP socket dropped for
// exceeding its rates.
func (t *Trunk) Dropped() uint64 { return t.guard.dropped.Load() }
