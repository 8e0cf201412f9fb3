package sccp

import (
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Errors a Station closes with (Device.Closed gets them, or the read error
// that ended the connection).
var (
	// ErrClosed is returned by Send after the station closed.
	ErrClosed = errors.New("sccp: station closed")
	// ErrSlowConsumer: the phone does not read what it is sent, and its
	// queue is full.
	ErrSlowConsumer = errors.New("sccp: phone not reading (send queue full)")
	// ErrKeepAliveTimeout: nothing (no keepalive) arrived for twice the
	// keepalive interval and the margin.
	ErrKeepAliveTimeout = errors.New("sccp: keepalives missed")
	// ErrClosedByServer: Close was called (the Device's decision, or the
	// server stopping).
	ErrClosedByServer = errors.New("sccp: closed by the server")
)

// Send queue bounds: a phone that lets this much pile up is cut off.
const (
	maxQueueBytes  = 64 << 10
	maxQueueFrames = 256
)

// Station is one phone connection as the Device sees it. Send never blocks:
// frames are queued and written by a short-lived writer goroutine with a
// write deadline, so a slow or vanished phone never holds up the caller
// (another phone's goroutine, call control); a phone that does not read is
// disconnected. All methods are safe for concurrent use.
type Station struct {
	conn       net.Conn
	ver        uint32
	name       string
	secure     bool
	peer       *x509.Certificate
	writeLimit time.Duration
	connected  time.Time

	keepalives atomic.Uint64

	// mu guards the fields below.
	mu      sync.Mutex
	queue   [][]byte
	queued  int
	writing bool  // a writer goroutine runs
	closing bool  // no more Sends; close after the queue drains
	err     error // why the station closed (first reason)
	writers sync.WaitGroup
}

func newStation(c net.Conn, secure bool, peer *x509.Certificate, writeLimit time.Duration) *Station {
	return &Station{conn: c, secure: secure, peer: peer, writeLimit: writeLimit, connected: time.Now()}
}

// Send queues msg, laid out for the negotiated protocol version. It
// returns ErrClosed once the station is closing, and ErrSlowConsumer (and
// closes the station) when the phone has stopped reading.
func (st *Station) Send(msg Message) error {
	b := Marshal(st.ver, msg)
	st.mu.Lock()
	if st.closing {
		st.mu.Unlock()
		return ErrClosed
	}
	if st.queued+len(b) > maxQueueBytes || len(st.queue) >= maxQueueFrames {
		st.mu.Unlock()
		st.abort(ErrSlowConsumer)
		return ErrSlowConsumer
	}
	st.queue = append(st.queue, b)
	st.queued += len(b)
	if !st.writing {
		st.writing = true
		st.writers.Add(1)
		go st.writeLoop()
	}
	st.mu.Unlock()
	return nil
}

// writeLoop writes the queue until it is empty, then ends. Frames queued
// together go out in one Write (one TLS record).
func (st *Station) writeLoop() {
	defer st.writers.Done()
	var buf []byte
	for {
		st.mu.Lock()
		if len(st.queue) == 0 {
			st.writing = false
			closing := st.closing
			st.mu.Unlock()
			if closing {
				st.conn.Close()
			}
			return
		}
		buf = buf[:0]
		for _, f := range st.queue {
			buf = append(buf, f...)
		}
		st.queue, st.queued = nil, 0
		st.mu.Unlock()
		st.conn.SetWriteDeadline(time.Now().Add(st.writeLimit))
		if _, err := st.conn.Write(buf); err != nil {
			st.abort(err)
			st.mu.Lock()
			st.writing = false
			st.queue, st.queued = nil, 0
			st.mu.Unlock()
			return
		}
	}
}

// Close ends the connection once the frames already queued are written
// (within the write deadline): the Device's way to drop a phone, after an
// UnregisterAck or a RegisterReject for instance. Device.Closed follows.
// It returns nil (io.Closer).
func (st *Station) Close() error {
	st.closeWith(ErrClosedByServer)
	return nil
}

func (st *Station) closeWith(err error) {
	st.mu.Lock()
	if st.err == nil {
		st.err = err
	}
	st.closing = true
	writing := st.writing
	st.mu.Unlock()
	if !writing {
		st.conn.Close()
	}
}

// abort closes the connection at once, dropping what is queued.
func (st *Station) abort(err error) {
	st.mu.Lock()
	if st.err == nil {
		st.err = err
	}
	st.closing = true
	st.mu.Unlock()
	st.conn.Close()
}

// isClosing reports whether Close (or an error) has ended the station.
func (st *Station) isClosing() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.closing
}

// reason is why the station closed, or nil.
func (st *Station) reason() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

// RemoteAddr is the phone's address and port.
func (st *Station) RemoteAddr() net.Addr { return st.conn.RemoteAddr() }

// LocalAddr is the server's address and port of the connection.
func (st *Station) LocalAddr() net.Addr { return st.conn.LocalAddr() }

// ProtocolVersion is the negotiated protocol version (what RegisterAck
// carried); Send lays messages out for it.
func (st *Station) ProtocolVersion() uint32 { return st.ver }

// DeviceName is the name the phone registered with (peer-supplied: escape
// it before logging).
func (st *Station) DeviceName() string { return st.name }

// Secure reports whether the connection is TLS (port 2443).
func (st *Station) Secure() bool { return st.secure }

// PeerCertificate is the verified TLS client certificate, or nil on the
// plain port.
func (st *Station) PeerCertificate() *x509.Certificate { return st.peer }

// KeepAlives is the number of keepalives received.
func (st *Station) KeepAlives() uint64 { return st.keepalives.Load() }

// Connected is when the connection was accepted.
func (st *Station) Connected() time.Time { return st.connected }
