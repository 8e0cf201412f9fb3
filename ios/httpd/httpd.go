// Package httpd is the `ip http server` feature: the router's HTTP server,
// with a mux that other features register handlers on (the certificate
// server's SCEP at /cgi-bin/pkiclient.exe). `ip http secure-server`,
// `ip http authentication` and `ip http path` are stored and rendered;
// HTTPS is not served yet.
package httpd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
)

// FeatureName is the registration name.
const FeatureName = "ip-http"

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderIPHTTP, New: newFeature,
		Examples: "ip http server\nip http port 8080\nip http authentication local\nip http secure-server\nip http path flash:\n"})
}

// Feature is the HTTP server's configuration and service.
type Feature struct {
	sys *config.System

	// Guarded by the configuration lock.
	enabled bool
	port    int
	auth    string
	secure  bool
	// secureNo records a typed `no ip http secure-server`, which IOS
	// shows (seed 004 E10) although the secure server is off by default.
	secureNo bool
	path     string

	mux *http.ServeMux // handlers registered by features; safe for concurrent use

	mu       sync.Mutex // guards the fields below (service state)
	host     string     // listen host; "" all addresses (tests set 127.0.0.1)
	portOver int        // test hook: listen on this port instead (0 with override: any)
	override bool
	srv      *http.Server
	ln       net.Listener
	running  string // address configured for the running server
	done     chan struct{}
}

// DefaultPort is the port of `ip http server`.
const DefaultPort = 80

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, port: DefaultPort, mux: http.NewServeMux()}
	help := map[string]string{"ip": "Global IP configuration subcommands", "http": "HTTP server configuration",
		"server": "Enable HTTP server", "port": "HTTP server port", "portnum": "Port number",
		"authentication": "Set HTTP server authentication method", "local": "Local username database", "enable": "Enable password",
		"secure-server": "Enable HTTP secure server", "path": "Set base path for HTML", "url": "Path-url"}
	own := FeatureName
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip http server", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error { f.enabled = !c.Negate; return nil }})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip http port portnum:<1-65535>", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			f.port = c.Int("portnum", DefaultPort)
			if c.Negate {
				f.port = DefaultPort
			}
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip http authentication { local | enable }", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			f.auth = "local"
			if c.Has("enable") {
				f.auth = "enable"
			}
			if c.Negate {
				f.auth = ""
			}
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip http secure-server", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error { f.secure, f.secureNo = !c.Negate, c.Negate && !c.Default; return nil }})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "ip http path url:WORD", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			f.path = c.String("url")
			if c.Negate {
				f.path = ""
			}
			return nil
		}})
	return f
}

// Render writes the ip http lines.
func (f *Feature) Render(r *config.Renderer) {
	// Only what differs from the defaults, so that a box without HTTP
	// shows no ip http lines.
	if f.enabled {
		r.Line("ip http server")
	}
	if f.port != DefaultPort {
		r.Line("ip http port " + strconv.Itoa(f.port))
	}
	if f.auth != "" {
		r.Line("ip http authentication " + f.auth)
	}
	if f.secure {
		r.Line("ip http secure-server")
	} else if f.secureNo {
		r.Line("no ip http secure-server")
	}
	if f.path != "" {
		r.Line("ip http path " + f.path)
	}
	if f.enabled || f.port != DefaultPort || f.auth != "" || f.secure || f.secureNo || f.path != "" {
		r.Bang()
	}
}

// FromSystem returns the HTTP feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

// Handle registers a handler on the router's HTTP server.
func Handle(sys *config.System, pattern string, h http.Handler) {
	if f := FromSystem(sys); f != nil {
		f.mux.Handle(pattern, h)
	}
}

// SetListen is a hook for tests and boards: listen on host, and on port
// instead of the configured one (0: any free port). Call before the
// server starts or reconcile afterwards.
func (f *Feature) SetListen(host string, port int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.host, f.portOver, f.override = host, port, true
}

// Addr returns the address the server listens on, or "" when stopped.
func (f *Feature) Addr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ln == nil {
		return ""
	}
	return f.ln.Addr().String()
}

// Reconcile starts, restarts or stops the server.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	enabled, port := f.enabled, f.port
	f.sys.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	host := f.host
	if f.override {
		port = f.portOver
	}
	want := ""
	if enabled {
		want = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if want == f.running && (f.srv != nil) == enabled {
		return nil
	}
	f.stopLocked()
	if !enabled {
		return nil
	}
	ln, err := net.Listen("tcp", want)
	if err != nil {
		f.sys.Log.Logf(logging.Errors, "HTTP", "BIND_FAIL", "Cannot start HTTP server on port %d: %v", port, errors.Unwrap(err))
		return nil
	}
	srv := &http.Server{Handler: f.mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		// Without IdleTimeout the 30 s ReadTimeout also closes idle
		// keep-alive connections, just when SCEP clients polling every
		// 30 s (micromdm scepclient) reuse them: they then read EOF.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 16 << 10, BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	f.srv, f.ln, f.running, f.done = srv, ln, want, done
	return nil
}

func (f *Feature) stopLocked() {
	if f.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	f.srv.Shutdown(ctx)
	cancel()
	f.srv.Close()
	<-f.done
	f.srv, f.ln, f.running, f.done = nil, nil, "", nil
}

// Close stops the server.
func (f *Feature) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopLocked()
	return nil
}
