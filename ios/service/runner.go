package service

import (
	"context"
	"net"
	"sync"
)

// Runner keeps one feature's listener in line with its configuration. It is
// made once with the names its log lines use, and is then stopped and ready;
// call Up, Down and Close without the configuration lock held (they open
// and close sockets and wait for connections to end).
type Runner struct {
	Name     string // Config.Name of the services it runs: "CTL provider"
	Facility string // Config.Facility: "CREDENTIALS"
	Log      Logger // Config.Log
	// Quiet leaves out the STARTED/STOPPED/NOT_STARTED lines.
	Quiet bool

	// op serializes Up, Down and Close.
	op sync.Mutex

	// mu guards the fields below.
	mu   sync.Mutex
	cur  *run   // the service listening, or nil
	old  []*run // listeners replaced with KeepConns whose connections run on
	down string // last reason given to Down
}

type run struct {
	srv    *Server
	id     identity
	cancel context.CancelFunc
	done   chan struct{}
}

// stop ends a run and waits for it.
func (r *run) stop() {
	r.cancel()
	<-r.done
}

// Up makes the service run with cfg: it starts it (logging
// %FAC-5-STARTED), restarts it when the address, the limits or Key differ
// from the running one, or leaves it alone. The service runs until Down,
// Close or the end of ctx. An invalid cfg or a socket that cannot be opened
// is returned as the error (the service is then down).
//
// Name, Facility and Log of cfg default to the Runner's.
func (r *Runner) Up(ctx context.Context, cfg Config) error {
	if cfg.Name == "" {
		cfg.Name = r.Name
	}
	if cfg.Facility == "" {
		cfg.Facility = r.Facility
	}
	if cfg.Log == nil {
		cfg.Log = r.Log
	}
	cfg.Quiet = cfg.Quiet || r.Quiet
	srv, err := New(cfg)
	if err != nil {
		return err
	}
	r.op.Lock()
	defer r.op.Unlock()
	id := srv.cfg.identity()
	r.mu.Lock()
	r.down = ""
	cur := r.cur
	if cur != nil && cur.id == id {
		select {
		case <-cur.done: // its ctx ended: start again
		default:
			r.mu.Unlock()
			return nil
		}
	}
	r.cur = nil
	r.mu.Unlock()
	if cur != nil {
		if cfg.KeepConns {
			cur.srv.closeListener()
			r.mu.Lock()
			r.old = append(r.old, cur)
			r.mu.Unlock()
		} else {
			cur.stop()
		}
	}
	if err := srv.listen(); err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	nr := &run{srv: srv, id: id, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(nr.done)
		srv.serve(sctx)
	}()
	r.mu.Lock()
	r.cur = nr
	r.mu.Unlock()
	if !cfg.Quiet {
		cfg.Log.Logf(5, cfg.Facility, "STARTED", "%s listening on %s", cfg.Name, srv.Addr())
	}
	return nil
}

// Down stops the service (logging %FAC-5-STOPPED if it ran) and, unless
// why is "" or "-" (not configured: nothing to warn about), logs
// %FAC-4-NOT_STARTED: <Name> not started: <why> once per new reason.
func (r *Runner) Down(why string) {
	r.op.Lock()
	defer r.op.Unlock()
	r.mu.Lock()
	cur, old := r.cur, r.old
	r.cur, r.old = nil, nil
	logWhy := why != "" && why != "-" && why != r.down
	r.down = why
	r.mu.Unlock()
	for _, o := range old {
		o.stop()
	}
	if cur != nil {
		cur.stop()
		if cfg := cur.srv.cfg; !cfg.Quiet {
			cfg.Log.Logf(5, cfg.Facility, "STOPPED", "%s stopped", cfg.Name)
		}
	}
	if logWhy && !r.Quiet && r.Log != nil {
		r.Log.Logf(4, r.Facility, "NOT_STARTED", "%s not started: %s", r.Name, why)
	}
}

// Close stops the service and its connections without a log line (at
// shutdown).
func (r *Runner) Close() {
	r.op.Lock()
	defer r.op.Unlock()
	r.mu.Lock()
	cur, old := r.cur, r.old
	r.cur, r.old = nil, nil
	r.mu.Unlock()
	for _, o := range old {
		o.stop()
	}
	if cur != nil {
		cur.stop()
	}
}

// Running reports whether the service listens.
func (r *Runner) Running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur != nil
}

// Addr is the listening address (with the port the system chose for port
// 0), or nil when stopped.
func (r *Runner) Addr() net.Addr {
	r.mu.Lock()
	cur := r.cur
	r.mu.Unlock()
	if cur == nil {
		return nil
	}
	return cur.srv.Addr()
}

// Server is the running server (for its counters and RateLog), or nil.
func (r *Runner) Server() *Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return nil
	}
	return r.cur.srv
}

// Release stops listening without a log line and lets the open
// connections run on (the SSH sessions when the host key is zeroized); they
// end at the next Down or Close.
func (r *Runner) Release() {
	r.op.Lock()
	defer r.op.Unlock()
	r.mu.Lock()
	cur := r.cur
	r.cur = nil
	if cur != nil {
		r.old = append(r.old, cur)
	}
	r.mu.Unlock()
	if cur != nil {
		cur.srv.closeListener()
	}
}
