// Package netsvc runs a TCP service for a feature: one listener at a
// configured address, each connection handled in its own goroutine, and a
// Stop that closes the listener and every open connection and waits for
// the handlers. Features reconcile it from their configuration: Listen
// again with the same address is a no-op, with another one a restart.
package netsvc

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// Server is one TCP service; its zero value is stopped and ready to use.
type Server struct {
	// mu guards the fields below.
	mu     sync.Mutex
	ln     net.Listener
	addr   string // the configured address the listener was opened for
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
	cancel context.CancelFunc
	down   string // last reason given to Reconcile for not running
}

// Listen makes the service listen on addr and serve each connection with
// handle (whose ctx ends at Stop). It returns whether a new listener was
// opened: false when it already listened on addr.
func (s *Server) Listen(ctx context.Context, addr string, handle func(ctx context.Context, c net.Conn)) (bool, error) {
	s.mu.Lock()
	same := s.ln != nil && s.addr == addr
	s.mu.Unlock()
	if same {
		return false, nil
	}
	s.Stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false, err
	}
	sctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.ln, s.addr, s.cancel = ln, addr, cancel
	s.wg.Add(1)
	s.mu.Unlock()
	go s.serve(sctx, ln, handle)
	return true, nil
}

// Running reports whether the service listens.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln != nil
}

// Addr is the listening address (with the port the system chose for port
// 0), or nil when stopped.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Stop closes the listener and every connection, and waits for the handlers.
func (s *Server) Stop() {
	s.mu.Lock()
	ln, cancel := s.ln, s.cancel
	s.ln, s.addr, s.cancel = nil, "", nil
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if ln != nil {
		ln.Close()
	}
	s.wg.Wait()
}

func (s *Server) serve(ctx context.Context, ln net.Listener, handle func(context.Context, net.Conn)) {
	defer s.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.conns == nil {
			s.conns = map[net.Conn]bool{}
		}
		s.conns[nc] = true
		s.mu.Unlock()
		conns.Add(1)
		go func() {
			defer conns.Done()
			handle(ctx, nc)
			nc.Close()
			s.mu.Lock()
			delete(s.conns, nc)
			s.mu.Unlock()
		}()
	}
}

// Notice is where Reconcile reports starts and stops (the system log).
type Notice interface {
	Logf(severity int, facility, mnemonic, format string, args ...any)
}

// Reconcile brings a feature's service in line with its configuration:
// with why empty it listens on addr (logging %FAC-5-STARTED when a new
// listener opens); otherwise it stops (logging %FAC-5-STOPPED if it ran)
// and logs %FAC-4-NOT_STARTED with the reason once per new reason. A why
// of "-" means "not configured", which is not worth a warning.
func (s *Server) Reconcile(ctx context.Context, addr, why string, handle func(context.Context, net.Conn), log Notice, facility, name string) error {
	s.mu.Lock()
	logDown := why != "" && why != "-" && why != s.down
	s.down = why
	s.mu.Unlock()
	if why != "" {
		if s.Running() {
			s.Stop()
			log.Logf(5, facility, "STOPPED", "%s stopped", name)
		}
		if logDown {
			log.Logf(4, facility, "NOT_STARTED", "%s not started: %s", name, why)
		}
		return nil
	}
	opened, err := s.Listen(ctx, addr, handle)
	if err != nil {
		return fmt.Errorf("%s: listening on %s: %w", name, addr, err)
	}
	if opened {
		log.Logf(5, facility, "STARTED", "%s listening on %s", name, s.Addr())
	}
	return nil
}
