package credentials

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Limits of the CTL provider (docs/SECURITY.md, "Listener limits").
const (
	// connTimeout bounds a whole exchange after the TLS handshake.
	connTimeout = 10 * time.Second
	// Wrong ctl-service admin passwords from one source: each failure
	// delays that source's next answer by failDelay more (0, 0.5, 1, 1.5 s),
	// and the lockoutAfter-th failure within failWindow locks the source
	// out for lockoutTime: its requests are refused without checking the
	// password. A success clears the count.
	failDelay    = 500 * time.Millisecond
	failWindow   = 10 * time.Minute
	lockoutAfter = 5
	lockoutTime  = 5 * time.Minute
	// maxTracked bounds the sources remembered; the oldest is forgotten.
	maxTracked = 1024
)

// authGuard counts failed authentications per source address.
type authGuard struct {
	// mu guards m.
	mu sync.Mutex
	m  map[netip.Addr]*failures
}

type failures struct {
	n      int       // failures in the window
	first  time.Time // of the window
	last   time.Time
	locked time.Time // end of the lockout; zero: not locked
}

// check tells how long to delay the answer to src, or that src is locked out.
func (g *authGuard) check(src netip.Addr, now time.Time) (wait time.Duration, locked bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.m[src]
	switch {
	case f == nil:
		return 0, false
	case now.Before(f.locked):
		return 0, true
	case !f.locked.IsZero() || now.Sub(f.first) > failWindow:
		delete(g.m, src) // lockout or window over: a clean slate
		return 0, false
	}
	return time.Duration(f.n) * failDelay, false
}

// failed records a failure and reports whether it locked src out.
func (g *authGuard) failed(src netip.Addr, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[netip.Addr]*failures{}
	}
	f := g.m[src]
	if f == nil {
		if len(g.m) >= maxTracked {
			var oldest netip.Addr
			var at time.Time
			for a, x := range g.m {
				if at.IsZero() || x.last.Before(at) {
					oldest, at = a, x.last
				}
			}
			delete(g.m, oldest)
		}
		f = &failures{first: now}
		g.m[src] = f
	}
	if now.Before(f.locked) {
		return false
	}
	f.n++
	f.last = now
	if f.n >= lockoutAfter {
		f.locked = now.Add(lockoutTime)
		return true
	}
	return false
}

// succeeded clears src's failures.
func (g *authGuard) succeeded(src netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, src)
}

func peerAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
