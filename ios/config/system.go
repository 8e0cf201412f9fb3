// Package config is the running configuration: the registry where feature
// packages register their commands, typed state, rendering and services; the
// System that owns them and the configuration lock; `show running-config`
// rendering in IOS order; and startup-config load and save.
package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/fs"
	"cmeos/ios/logging"
)

// Feature is one feature's typed configuration. Its Render writes its part of
// running-config.
type Feature interface {
	Render(r *Renderer)
}

// Reconciler is implemented by features that run a service. Reconcile is
// called without the configuration lock held, after boot and after every
// command of the feature: it takes System.Lock to read the config, then starts,
// reconfigures or stops its service. It must not block for long.
type Reconciler interface {
	Reconcile(ctx context.Context) error
}

// Closer is implemented by features whose services must stop at shutdown.
type Closer interface {
	Close() error
}

// Registration declares a feature. Order places its lines in running-config
// (see the Order constants); New creates its state for one System and
// registers its commands in sys.Tree.
type Registration struct {
	Name  string
	Order int
	New   func(sys *System) Feature
	// Examples are configuration lines that exercise every command of the
	// feature; the render/parse/render property test loads them. A feature
	// that renders nothing sets NoConfig instead.
	Examples string
	NoConfig bool
}

// registry is the only global mutable state: filled by init functions of
// feature packages, read when a System is created.
var (
	registryMu sync.Mutex
	registry   []Registration
)

// Register adds a feature to every System created afterwards.
func Register(r Registration) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, x := range registry {
		if x.Name == r.Name {
			panic("config: feature registered twice: " + r.Name)
		}
	}
	registry = append(registry, r)
}

// Registered returns the registered features in render order.
func Registered() []Registration {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := append([]Registration(nil), registry...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// Options configure a System.
type Options struct {
	FS     *fs.Store
	Board  string // board name for show version
	Now    func() time.Time
	Logger *logging.Logger
	// Version is the cmeos version string for show version.
	Version string
	// Reload is called when `reload` is confirmed.
	Reload func()
}

type featureEntry struct {
	Registration
	f Feature
}

// System is one running configuration with its features and services.
type System struct {
	// mu is the configuration lock: it guards every feature's typed state and
	// the fields below. Commands run with it held (ios/cli takes it).
	mu sync.Mutex

	Tree *cli.Tree
	FS   *fs.Store
	Log  *logging.Logger
	Opts Options

	features    []featureEntry
	byName      map[string]Feature
	hostname    atomic.Pointer[string]
	clockOffset atomic.Int64
	boot        time.Time
	changed     time.Time // last configuration change (zero: none since boot)
	changeBy    string
	loading     bool
	unsaved     bool
	dirty       map[string]bool
	ctx         context.Context
	cancel      context.CancelFunc

	// events is the event dispatcher (events.go); it has its own lock so
	// that Publish works with or without the configuration lock held.
	events dispatcher
}

// DefaultHostname is the IOS default host name.
const DefaultHostname = "Router"

// New creates a System with every registered feature.
func New(opts Options) *System {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &System{Tree: cli.NewTree(), FS: opts.FS, Log: opts.Logger, Opts: opts,
		byName: map[string]Feature{}, boot: opts.Now(), dirty: map[string]bool{}}
	if s.Log == nil {
		s.Log = logging.New(s.Now)
		s.Opts.Logger = s.Log
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if s.FS != nil {
		s.FS.AddMemDir(ITSDir.Prefix, ITSDir.Name, itsLimits) // before the features, which watch it
	}
	s.registerCore()
	for _, r := range Registered() {
		f := r.New(s)
		s.features = append(s.features, featureEntry{r, f})
		s.byName[r.Name] = f
	}
	if s.FS != nil {
		s.FS.SetClock(s.Now)
		s.FS.RegisterVirtual("system", "running-config", func() ([]byte, error) {
			// Read while a command runs (copy system:running-config ...): the lock is held.
			return []byte(s.renderBody()), nil
		})
	}
	return s
}

// Lock takes the configuration lock (for services reading config).
func (s *System) Lock() { s.mu.Lock() }

// Unlock releases the configuration lock.
func (s *System) Unlock() { s.mu.Unlock() }

// Locker returns the configuration lock for cli sessions.
func (s *System) Locker() sync.Locker { return &s.mu }

// Feature returns a feature's state by name (for show commands of other
// packages that display it; features must not mutate each other).
func (s *System) Feature(name string) Feature { return s.byName[name] }

// Hostname returns the configured host name. Prompts read it between
// commands from other goroutines, so it is kept atomically rather than under mu.
func (s *System) Hostname() string {
	if h := s.hostname.Load(); h != nil {
		return *h
	}
	return DefaultHostname
}

// SetHostname sets the host name (the hostname command).
func (s *System) SetHostname(h string) {
	if h == "" {
		h = DefaultHostname
	}
	s.hostname.Store(&h)
}

// Now returns the software clock: the board's clock plus what `clock set`
// moved it by.
func (s *System) Now() time.Time {
	return s.Opts.Now().Add(time.Duration(s.clockOffset.Load()))
}

// SetClock sets the software clock (clock set).
func (s *System) SetClock(t time.Time) {
	s.clockOffset.Store(int64(t.Sub(s.Opts.Now())))
}

// BootTime is when the System started.
func (s *System) BootTime() time.Time { return s.boot }

// Context is cancelled when the System shuts down; services run under it.
func (s *System) Context() context.Context { return s.ctx }

// NewSession opens a console session on this System.
func (s *System) NewSession(name string, priv int, out io.Writer, in cli.Input) *cli.Session {
	sess := s.Tree.NewSession(priv, out)
	sess.Name = name
	sess.In = in
	sess.Hostname = s.Hostname
	sess.Lock = s.Locker()
	sess.Record = func(owner string) { s.recordChange(owner, name) }
	sess.Changed = func(owner string) { s.reconcileChanged(owner) }
	sess.After = s.Flush
	if name != "startup" {
		sess.ConfigDone = func() { s.configured(sess, name) }
	}
	return sess
}

// featureChanged notes a change made outside a command (Change) and
// reconciles the feature.
func (s *System) featureChanged(owner, by string) {
	s.mu.Lock()
	s.recordChange(owner, by)
	s.mu.Unlock()
	s.reconcileChanged(owner)
}

// recordChange notes who changed the configuration and when (lock held).
// A console command's change is recorded before its lock is released, so
// that a change its events cause in turn (the CTL's switch to secure,
// "by ctl-client") is the later one.
func (s *System) recordChange(owner, by string) {
	s.changed = s.Now()
	s.changeBy = by
	s.unsaved = true
	if s.loading {
		s.dirty[owner] = true
	}
}

// reconcileChanged reconciles a changed feature, unless a load is under
// way (Load reconciles the dirty features at its end).
func (s *System) reconcileChanged(owner string) {
	s.mu.Lock()
	loading := s.loading
	s.mu.Unlock()
	if !loading {
		s.reconcile(owner)
	}
}

func (s *System) reconcile(owner string) {
	if r, ok := s.byName[owner].(Reconciler); ok {
		if err := r.Reconcile(s.ctx); err != nil {
			s.Log.Logf(logging.Errors, "SYS", "CONFIG_ERR", "%s: %v", owner, err)
		}
	}
}

// Start reconciles every feature once (services start from the config).
func (s *System) Start() {
	for _, f := range s.features {
		s.reconcile(f.Name)
	}
}

// Close stops the event dispatcher and every service.
func (s *System) Close() error {
	s.cancel()
	s.stopEvents()
	var errs []error
	for i := len(s.features) - 1; i >= 0; i-- {
		if c, ok := s.features[i].f.(Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.features[i].Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Load parses configuration text as if typed in global configuration mode
// (startup-config, copy to running-config). Every line that fails is reported
// on out with its text and the error; loading goes on. Services of the
// features touched are reconciled at the end. It returns the number of
// failed lines.
func (s *System) Load(text string, out io.Writer) int {
	s.mu.Lock()
	s.loading = true
	s.mu.Unlock()
	fails := s.load(text, out)
	s.mu.Lock()
	s.loading = false
	dirty := s.dirty
	s.dirty = map[string]bool{}
	s.mu.Unlock()
	for _, f := range s.features {
		if dirty[f.Name] {
			s.reconcile(f.Name)
		}
	}
	s.Flush()
	return fails
}

func (s *System) load(text string, out io.Writer) int {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	in := &lineInput{lines: lines}
	var buf bytes.Buffer
	sess := s.NewSession("startup", cli.PrivMax, &buf, in)
	sess.Enter(cli.ModeConfig, nil)
	fails := 0
	for in.next < len(in.lines) && !sess.Closed() {
		line := in.lines[in.next]
		in.next++
		if strings.TrimSpace(line) == "end" {
			break
		}
		buf.Reset()
		ok := sess.Execute(line)
		if !ok {
			fails++
			fmt.Fprintf(out, "%s\n", line)
		}
		out.Write(buf.Bytes())
		if !sess.InConfig() {
			sess.Enter(cli.ModeConfig, nil)
		}
	}
	return fails
}

// lineInput answers questions asked while a file is loaded with its next lines
// (banner text, pasted certificates).
type lineInput struct {
	lines []string
	next  int
}

func (l *lineInput) Ask(string) (string, error) {
	if l.next >= len(l.lines) {
		return "", io.EOF
	}
	s := l.lines[l.next]
	l.next++
	return s, nil
}

func (l *lineInput) AskSecret(string) (string, error) { return "", cli.ErrNoInput }
func (l *lineInput) Confirm(string) (bool, error)     { return true, nil }

// IsLoading reports whether a config file is being loaded (lock held).
func (s *System) IsLoading() bool { return s.loading }
