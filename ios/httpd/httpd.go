// Package httpd is the `ip http server` feature: the router's HTTP server,
// with a mux that other features register handlers on (the certificate
// server's SCEP at /cgi-bin/pkiclient.exe). `ip http secure-server`,
// `ip http authentication` and `ip http path` are stored and rendered;
// HTTPS is not served yet.
package httpd

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/ios/service"
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

	svc service.Runner // the listener (ios/service)
}

// Connection limits of the HTTP server (docs/SECURITY.md).
const (
	maxConns     = 64
	maxPerSource = 16
)

// DefaultPort is the port of `ip http server`.
const DefaultPort = 80

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, port: DefaultPort, mux: http.NewServeMux()}
	f.svc = service.Runner{Name: "HTTP server", Facility: "HTTP", Log: sys.Log, Quiet: true}
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
	if a := f.svc.Addr(); a != nil {
		return a.String()
	}
	return ""
}

// Reconcile starts, restarts or stops the server.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	enabled, port := f.enabled, f.port
	f.sys.Unlock()
	f.mu.Lock()
	host := f.host
	if f.override {
		port = f.portOver
	}
	f.mu.Unlock()
	if !enabled {
		f.svc.Down("-")
		return nil
	}
	err := f.svc.Up(ctx, service.Config{Addr: net.JoinHostPort(host, strconv.Itoa(port)),
		MaxConns: maxConns, MaxPerSource: maxPerSource, Serve: f.serve})
	if err != nil {
		f.sys.Log.Logf(logging.Errors, "HTTP", "BIND_FAIL", "Cannot start HTTP server on port %d: %v", port, errors.Unwrap(err))
	}
	return nil
}

// serve runs net/http on the runner's limited listener until ctx ends.
func (f *Feature) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: f.mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		// Without IdleTimeout the 30 s ReadTimeout also closes idle
		// keep-alive connections, just when SCEP clients polling every
		// 30 s (micromdm scepclient) reuse them: they then read EOF.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 16 << 10, BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog: log.New(io.Discard, "", 0)}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	return srv.Serve(ln)
}

// Close stops the server.
func (f *Feature) Close() error {
	f.svc.Close()
	return nil
}
