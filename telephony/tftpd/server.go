package tftpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pin/tftp/v3"

	"cmeos/ios/logging"
)

// Defaults of a Server.
const (
	DefaultPort         = 69
	DefaultTimeout      = 3 * time.Second // per round trip (RFC 1350 retransmission)
	DefaultRetries      = 5
	DefaultMaxTransfers = 64
	// DefaultMaxPerSource is how many of the transfer slots one source
	// address may hold at once (a phone loads its files one at a time).
	DefaultMaxPerSource = 4
	// DefaultFirstAckTimeout is how long a transfer holds its slot before
	// its first data block is acknowledged; a transfer that times out is
	// abandoned at its next step, so unacknowledged RRQs cannot keep the
	// slots for the whole retransmission schedule (~17 s).
	DefaultFirstAckTimeout = 5 * time.Second
	MaxNameLen             = 255
)

// Source is where a Server finds the files it serves. Open is given a name
// already checked by CleanName; it returns the content and its size.
type Source interface {
	Open(name string) (io.ReadCloser, int64, error)
}

// ErrNotFound is returned by a Source for a name it does not serve.
var ErrNotFound = errors.New("File not found")

// Config configures a Server.
type Config struct {
	Files        Source
	Timeout      time.Duration // wait for each ACK before retransmitting (default 3 s)
	Retries      int           // transmissions of one packet before the transfer is abandoned (default 5)
	MaxTransfers int           // concurrent read transfers (default 64); more are refused
	MaxPerSource int           // of which from one source address (default 4)
	// FirstAckTimeout bounds the wait for the first ACK (default 5 s).
	FirstAckTimeout time.Duration
	// Log, if set, receives one line per refused or failed request (never file contents).
	Log func(format string, args ...any)
}

// Stats are the counters of a Server since it was created.
type Stats struct {
	ReadRequests   uint64 // RRQs accepted for processing
	Completed      uint64 // transfers that ended with the last ACK
	NotFound       uint64 // requests for names not served
	BadNames       uint64 // names refused by CleanName (traversal, absolute, control characters)
	WriteRefused   uint64 // WRQs refused
	Busy           uint64 // RRQs refused because MaxTransfers were running
	Failed         uint64 // transfers abandoned (timeout, client error)
	Malformed      uint64 // datagrams that were not a valid request
	BytesSent      uint64
	Active         int64
	MaxTransfers   int
	LastFailReason string
}

// Server is a read-only TFTP server (RFC 1350 with the RFC 2347 option
// extension, blksize RFC 2348 and tsize RFC 2349) on top of pin/tftp.
type Server struct {
	cfg Config
	srv *tftp.Server

	readRequests, completed, notFound, badNames, writeRefused, busy, failed, malformed, bytesSent atomic.Uint64
	active                                                                                        atomic.Int64

	mu       sync.Mutex // guards lastFail, conn, done, perSrc
	lastFail string
	perSrc   map[string]int // slots held per source address
	// lingering counts transfers whose slot was given back at the first-ACK
	// timeout but whose library goroutine still waits out its retries.
	lingering atomic.Int64
	conn      *net.UDPConn
	done      chan struct{}
}

// New validates cfg and returns a Server that is not yet listening.
func New(cfg Config) (*Server, error) {
	if cfg.Files == nil {
		return nil, errors.New("tftpd: no file source")
	}
	if cfg.Timeout < 0 || cfg.Retries < 0 || cfg.MaxTransfers < 0 {
		return nil, errors.New("tftpd: negative timeout, retries or transfer limit")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries == 0 {
		cfg.Retries = DefaultRetries
	}
	if cfg.MaxTransfers == 0 {
		cfg.MaxTransfers = DefaultMaxTransfers
	}
	if cfg.MaxPerSource <= 0 {
		cfg.MaxPerSource = DefaultMaxPerSource
	}
	if cfg.FirstAckTimeout <= 0 {
		cfg.FirstAckTimeout = DefaultFirstAckTimeout
	}
	s := &Server{cfg: cfg, perSrc: map[string]int{}}
	s.srv = tftp.NewServer(s.read, s.write)
	s.srv.SetTimeout(cfg.Timeout)
	s.srv.SetRetries(cfg.Retries)
	s.srv.SetHook(hook{s})
	return s, nil
}

// Listen binds the UDP address ("127.0.0.1:0", ":69") and serves it in a
// goroutine until Close. It returns the bound address.
func (s *Server) Listen(addr string) (*net.UDPAddr, error) {
	// A plain bind (no SO_REUSEPORT): an old server can never race its
	// replacement for the port's datagrams.
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("tftpd: %w", err)
	}
	conn := pc.(*net.UDPConn)
	s.Serve(conn)
	return conn.LocalAddr().(*net.UDPAddr), nil
}

// Serve serves an already bound socket in a goroutine until Close.
func (s *Server) Serve(conn *net.UDPConn) {
	s.mu.Lock()
	s.conn = conn
	s.done = make(chan struct{})
	done := s.done
	s.mu.Unlock()
	go func() {
		defer close(done)
		s.srv.Serve(conn)
	}()
}

// Run serves a bound socket until ctx ends (the shape of an ios/service
// UDP service), then waits for the running transfers to end.
func (s *Server) Run(ctx context.Context, conn *net.UDPConn) error {
	stop := context.AfterFunc(ctx, s.srv.Shutdown)
	defer stop()
	err := s.srv.Serve(conn)
	s.srv.Shutdown()
	return err
}

// Close stops listening and waits for the running transfers to end (each
// ends at the latest after its retransmission timeouts).
func (s *Server) Close() error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	s.srv.Shutdown()
	if done != nil {
		<-done
	}
	return nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	last := s.lastFail
	s.mu.Unlock()
	return Stats{
		ReadRequests: s.readRequests.Load(), Completed: s.completed.Load(), NotFound: s.notFound.Load(),
		BadNames: s.badNames.Load(), WriteRefused: s.writeRefused.Load(), Busy: s.busy.Load(),
		Failed: s.failed.Load(), Malformed: s.malformed.Load(), BytesSent: s.bytesSent.Load(),
		Active: s.active.Load(), MaxTransfers: s.cfg.MaxTransfers, LastFailReason: last,
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		s.cfg.Log(format, args...)
	}
}

func (s *Server) fail(reason string) {
	s.mu.Lock()
	s.lastFail = reason
	s.mu.Unlock()
}

// CleanName turns a requested file name into the name looked up in the
// file table, or reports that it must be refused. Phones and most clients
// send bare names ("SEP0012...cnf.xml"); some send "/name". Names that climb
// ("..") or carry backslashes or control characters are refused outright,
// even though the table holds only explicit names, so that a refused
// request is counted and logged as what it is.
func CleanName(name string) (string, bool) {
	if name == "" || len(name) > MaxNameLen {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	n := strings.TrimLeft(name, "/")
	if n == "" || path.Clean(n) != n || n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") {
		return "", false
	}
	return n, true
}

// Error texts sent to clients (the library sends them with error code 1).
var (
	errAccess = errors.New("Access violation")
	errBusy   = errors.New("Server busy, try again later")
	errWrite  = errors.New("Access violation: server is read-only")
)

func (s *Server) read(name string, rf io.ReaderFrom) error {
	s.readRequests.Add(1)
	peer := ""
	if ot, ok := rf.(tftp.OutgoingTransfer); ok {
		a := ot.RemoteAddr()
		peer = a.IP.String()
	}
	clean, ok := CleanName(name)
	if !ok {
		s.badNames.Add(1)
		s.fail("bad file name")
		s.logf("refused read of %q from %s (bad file name)", sanitize(name), peer)
		return errAccess
	}
	sl, ok := s.takeSlot(peer)
	if !ok {
		s.busy.Add(1)
		s.fail("too many transfers")
		return errBusy
	}
	defer sl.release()
	r, size, err := s.cfg.Files.Open(clean)
	if err != nil {
		s.notFound.Add(1)
		s.fail("file not found")
		s.logf("%s: file not found (requested by %s)", logging.Escape(clean), peer)
		return ErrNotFound
	}
	defer r.Close()
	if ot, ok := rf.(tftp.OutgoingTransfer); ok {
		ot.SetSize(size)
	}
	n, err := rf.ReadFrom(sl.watch(r))
	s.bytesSent.Add(uint64(n))
	if err != nil {
		s.failed.Add(1)
		s.fail(err.Error())
		s.logf("%s: transfer to %s failed: %v", logging.Escape(clean), peer, err)
		// ReadFrom already sent the error packet; returning nil keeps the
		// library from sending a second one on a closed connection.
		return nil
	}
	s.completed.Add(1)
	return nil
}

func (s *Server) write(name string, _ io.WriterTo) error {
	s.writeRefused.Add(1)
	s.fail("write request")
	s.logf("refused write of %q (read-only server)", sanitize(name))
	return errWrite
}

// hook counts the datagrams the library could not parse as requests.
type hook struct{ s *Server }

func (h hook) OnSuccess(tftp.TransferStats) {}

func (h hook) OnFailure(st tftp.TransferStats, err error) {
	if st.Filename == "" && err != nil {
		h.s.malformed.Add(1)
		h.s.fail("malformed request")
	}
}

// sanitize makes a client-supplied name safe for a log line.
func sanitize(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return logging.Escape(s)
}

// slot is one transfer's hold on the transfer slots.
type slot struct {
	s    *Server
	peer string
	// mu guards the fields below.
	mu        sync.Mutex
	reads     int  // Reads of the file so far; the second means block 1 was acknowledged
	released  bool // the slot was given back
	expired   bool // given back at the first-ACK timeout: the transfer is abandoned
	timer     *time.Timer
	lingering bool
}

// errFirstAck abandons a transfer whose first block was not acknowledged in time.
var errFirstAck = errors.New("no acknowledgement of the first block")

// takeSlot holds a transfer slot for peer, within MaxTransfers in all and
// MaxPerSource per address; transfers still waiting out their retries
// after a first-ACK timeout are bounded to MaxTransfers more.
func (s *Server) takeSlot(peer string) (*slot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active.Load() >= int64(s.cfg.MaxTransfers) || s.perSrc[peer] >= s.cfg.MaxPerSource ||
		s.lingering.Load() >= int64(s.cfg.MaxTransfers) {
		return nil, false
	}
	s.active.Add(1)
	s.perSrc[peer]++
	sl := &slot{s: s, peer: peer}
	sl.timer = time.AfterFunc(s.cfg.FirstAckTimeout, sl.expire)
	return sl, true
}

func (sl *slot) giveBack() {
	s := sl.s
	s.mu.Lock()
	s.active.Add(-1)
	if s.perSrc[sl.peer]--; s.perSrc[sl.peer] <= 0 {
		delete(s.perSrc, sl.peer)
	}
	s.mu.Unlock()
}

// expire gives the slot back when block 1 is still unacknowledged.
func (sl *slot) expire() {
	sl.mu.Lock()
	if sl.released || sl.reads >= 2 {
		sl.mu.Unlock()
		return
	}
	sl.released, sl.expired, sl.lingering = true, true, true
	sl.mu.Unlock()
	sl.s.lingering.Add(1)
	sl.giveBack()
}

// release ends the transfer's hold (when read returns).
func (sl *slot) release() {
	sl.timer.Stop()
	sl.mu.Lock()
	was, linger := sl.released, sl.lingering
	sl.released = true
	sl.mu.Unlock()
	if linger {
		sl.s.lingering.Add(-1)
	}
	if !was {
		sl.giveBack()
	}
}

// watch counts the reads of the file: the library reads block 2 only once
// block 1 was acknowledged. After the first-ACK timeout it fails the read.
func (sl *slot) watch(r io.Reader) io.Reader {
	return readFunc(func(p []byte) (int, error) {
		sl.mu.Lock()
		sl.reads++
		expired := sl.expired
		sl.mu.Unlock()
		if expired {
			return 0, errFirstAck
		}
		// One Read per block: fill p whole, so that the library's
		// io.ReadFull of a block is one call here.
		n, err := io.ReadFull(r, p)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return n, err
	})
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
