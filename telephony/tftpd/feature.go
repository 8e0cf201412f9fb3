// Package tftpd is the TFTP server of cmeos: a read-only server (pin/tftp)
// that phones download their trust lists, configuration files and firmware
// from. It serves the flash files bound by `tftp-server flash:FILE [alias
// NAME]` and the files other features generate in system:/its/ (cnf files,
// CTLFile.tlv, ITL files: see config.WriteGenerated), over TFTP and over
// HTTP provisioning (http.go).
//
// Where it listens: UDP port 69 on every address of the box, as IOS does.
// The hidden global command `tftp-server port <0-65535> [ source-address
// A.B.C.D ]` moves it (port 0 picks a free port; tests and the host board use
// it to stay off the privileged port); `show tftp-server` prints the bound
// address. The server runs while there is at least one file to serve.
package tftpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/logging"
	"cmeos/ios/service"
)

// FeatureName is the name the feature registers under.
const FeatureName = "tftp-server"

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderTFTP, New: newFeature, Examples: `tftp-server port 0 source-address 127.0.0.1
tftp-server http-port 0
tftp-server flash:music-on-hold.au
tftp-server flash:P00308000300.bin
tftp-server flash:phones/7970/TERM70.DEFAULT.loads alias TERM70.DEFAULT.loads
`})
}

// bindingConfig is one `tftp-server` line.
type bindingConfig struct {
	url   string // as rendered: flash:music-on-hold.au
	path  fs.Path
	alias string
}

func (b bindingConfig) name() string {
	if b.alias != "" {
		return b.alias
	}
	return b.path.Base()
}

// Feature is the tftp-server configuration and the server it runs.
type Feature struct {
	sys *config.System

	// Configuration, guarded by the System's configuration lock.
	bindings []bindingConfig
	port     int // -1: default (69)
	source   netip.Addr
	httpPort int // tftp-server http-port; -1: default (see http.go)

	table *Table

	mu      sync.Mutex // guards the fields below (service state)
	srv     *Server
	run     service.Runner // runs srv's socket (ios/service)
	addr    *net.UDPAddr   // bound address of srv
	want    string         // listen address wanted by the configuration
	bindErr string         // last failure to bind (logged once per change)
	closed  bool

	// HTTP provisioning (http.go), guarded by mu.
	httpSource netip.Addr
	httpPorts  [3]int
	httpWant   string
	httpErr    [3]string // address that last failed to bind, per listener
	tlsCert    *tls.Certificate
	http       *httpServers

	debug atomic.Bool // debug tftp events
}

// FromSystem returns the TFTP feature of a System (nil when not linked).
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, port: -1, httpPort: -1}
	f.table = NewTable(func(b Binding) (io.ReadCloser, int64, error) {
		if sys.FS == nil {
			return nil, 0, ErrNotFound
		}
		p, err := sys.FS.Parse(b.URL)
		if err != nil {
			return nil, 0, err
		}
		st, err := sys.FS.Stat(p)
		if err != nil {
			return nil, 0, err
		}
		r, err := sys.FS.Open(p)
		return r, st.Size, err
	})
	if sys.FS != nil {
		f.table.ServeDir(sys.FS, config.ITSDir)
		// A file written to system:/its/ starts the server if it was idle
		// (a removed last file stops it).
		sys.FS.WatchMemDir(config.ITSDir, func() {
			f.mu.Lock()
			f.syncLocked()
			f.mu.Unlock()
		})
	}
	f.want = listenAddr(netip.Addr{}, DefaultPort)
	help := map[string]string{
		"tftp-server":    "Provide TFTP service for netload requests",
		"url":            "URL of file to be served (flash:FILE)",
		"alias":          "file alias",
		"name":           "TFTP client file request name",
		"port":           "UDP port the TFTP server listens on",
		"number":         "Port number (0 picks a free port)",
		"source-address": "Address the TFTP server listens on",
		"addr":           "IP address",
	}
	t := sys.Tree
	t.Add(cli.ModeConfig, cli.Command{Syntax: "tftp-server url:WORD [ alias name:WORD ]", Help: help, Owner: FeatureName, No: true,
		Run: func(c *cli.Context) error {
			p, err := parseURL(sys.FS, c.String("url"))
			if err != nil {
				return c.InvalidInput("url")
			}
			alias := c.String("name")
			if alias != "" {
				if _, ok := CleanName(alias); !ok {
					return c.InvalidInput("name")
				}
			}
			url := p.String()
			var keep []bindingConfig
			for _, b := range f.bindings {
				if b.url != url {
					keep = append(keep, b)
				}
			}
			if c.Negate {
				f.bindings = keep
				return nil
			}
			f.bindings = append(keep, bindingConfig{url: url, path: p, alias: alias})
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "tftp-server port number:<0-65535> [ source-address addr:A.B.C.D ]", Help: help,
		Owner: FeatureName, No: true, Hidden: true, NoSyntax: "tftp-server port [ number:<0-65535> [ source-address addr:A.B.C.D ] ]",
		Run: func(c *cli.Context) error {
			if c.Negate {
				f.port, f.source = -1, netip.Addr{}
				return nil
			}
			f.port = c.Int("number", DefaultPort)
			f.source = netip.Addr{}
			if c.Has("addr") {
				f.source = netip.MustParseAddr(c.String("addr"))
			}
			return nil
		}})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "tftp-server http-port number:<0-65533>", Help: map[string]string{
		"tftp-server": help["tftp-server"], "http-port": "TCP ports of HTTP (N) and HTTPS (N+1, N+2) configuration download",
		"number": "Port number (0 picks free ports)"},
		Owner: FeatureName, No: true, Hidden: true, NoSyntax: "tftp-server http-port [ number:<0-65533> ]",
		Run: func(c *cli.Context) error {
			f.httpPort = -1
			if !c.Negate {
				f.httpPort = c.Int("number", DefaultHTTPPort)
			}
			return nil
		}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show tftp-server", Pipe: true, Help: map[string]string{
		"show": "Show running system information", "tftp-server": "TFTP server status, files and counters"},
		Run: func(c *cli.Context) error { f.show(c); return nil }})
	dh := map[string]string{"debug": "Debugging functions (see also 'undebug')", "tftp": "TFTP debugging",
		"events": "TFTP events (refused and failed requests)", "no": "Disable debugging functions"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "debug tftp events", Help: dh, Run: func(c *cli.Context) error {
		f.debug.Store(true)
		c.Printf("TFTP Event debugging is on\n")
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "no debug tftp events", Help: dh, Run: func(c *cli.Context) error {
		f.debug.Store(false)
		c.Printf("TFTP Event debugging is off\n")
		return nil
	}})
	return f
}

func listenAddr(src netip.Addr, port int) string {
	host := "0.0.0.0"
	if src.IsValid() {
		host = src.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// Render writes the tftp-server lines in the order they were entered.
func (f *Feature) Render(r *config.Renderer) {
	if f.port >= 0 {
		s := fmt.Sprintf("tftp-server port %d", f.port)
		if f.source.IsValid() {
			s += " source-address " + f.source.String()
		}
		r.Line(s)
	}
	if f.httpPort >= 0 {
		r.Line(fmt.Sprintf("tftp-server http-port %d", f.httpPort))
	}
	for _, b := range f.bindings {
		s := "tftp-server " + b.url
		if b.alias != "" {
			s += " alias " + b.alias
		}
		r.Line(s)
	}
}

// Reconcile applies the configuration: the file bindings and where to listen.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	bs := make([]Binding, 0, len(f.bindings))
	for _, b := range f.bindings {
		bs = append(bs, Binding{Name: b.name(), URL: b.url})
	}
	port := f.port
	if port < 0 {
		port = DefaultPort
	}
	want := listenAddr(f.source, port)
	src, hports := f.source, f.httpPortsLocked()
	f.sys.Unlock()
	f.table.SetBindings(bs)
	f.mu.Lock()
	defer f.mu.Unlock()
	if want != f.want {
		f.want = want
		f.bindErr = ""
		f.stopLocked()
	}
	if hw := httpListenKey(src, hports); hw != f.httpWant {
		f.httpWant, f.httpSource, f.httpPorts = hw, src, hports
		f.httpErr = [3]string{}
		f.stopHTTPLocked()
	}
	f.syncLocked()
	return nil
}

// Bind replaces the file-system bindings a feature makes (telephony's
// load-cfg-file); name is served from url ("flash:Ringlist.xml").
func (f *Feature) Bind(owner string, bs []Binding) {
	f.table.SetOwnerBindings(owner, bs)
	f.mu.Lock()
	f.syncLocked()
	f.mu.Unlock()
}

// Generated returns the content of a generated file (system:/its/NAME,
// the name matched regardless of case).
func (f *Feature) Generated(name string) ([]byte, bool) { return f.table.Generated(name) }

// Entries lists the files served.
func (f *Feature) Entries() []Entry { return f.table.Entries() }

// Addr returns the bound address, or nil when the server is not running.
func (f *Feature) Addr() *net.UDPAddr {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addr
}

// syncLocked starts the server when there are files and it is not running,
// and stops it when there are none (f.mu held).
func (f *Feature) syncLocked() {
	if f.closed {
		return
	}
	if f.table.Len() == 0 {
		f.stopLocked()
		return
	}
	if f.httpWant != "" {
		f.syncHTTPLocked()
	}
	if f.srv != nil || f.bindErr != "" {
		return
	}
	srv, err := New(Config{Files: f.table, Log: func(format string, args ...any) {
		if f.debug.Load() {
			f.sys.Log.Logf(logging.Debugging, "TFTP", "EVENT", format, args...)
		}
	}})
	if err == nil {
		err = f.run.Up(f.sys.Context(), service.Config{Name: "TFTP server", Facility: "TFTP", Log: f.sys.Log, Quiet: true,
			Addr: f.want, Packet: srv.Run})
	}
	if err == nil {
		f.addr, _ = f.run.Addr().(*net.UDPAddr)
	}
	if err != nil {
		f.bindErr = err.Error()
		f.sys.Log.Logf(logging.Errors, "TFTP", "NOSOCKET", "Cannot open TFTP server socket on %s: %v",
			f.want, unwrapAll(err))
		return
	}
	f.srv = srv
}

func (f *Feature) stopLocked() {
	f.stopHTTPLocked()
	if f.srv != nil {
		f.run.Close()
		f.srv, f.addr = nil, nil
	}
}

// Close stops the server.
func (f *Feature) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.stopLocked()
	return nil
}

// show prints `show tftp-server`: listener, files and counters. IOS has no
// such command; the layout follows `show ip dhcp server statistics`.
func (f *Feature) show(c *cli.Context) {
	f.mu.Lock()
	srv, addr, want, bindErr := f.srv, f.addr, f.want, f.bindErr
	f.mu.Unlock()
	switch {
	case addr != nil:
		c.Printf("TFTP server listening on %s port %d\n", addr.IP, addr.Port)
		f.mu.Lock()
		if f.http != nil {
			for i, a := range f.http.addrs {
				kind := []string{"HTTP", "HTTPS", "HTTPS"}[i]
				switch {
				case a != nil:
					c.Printf("%s server listening on %s port %d\n", kind, a.IP, a.Port)
				case f.httpErr[i] != "":
					c.Printf("%s server not running: cannot listen on %s\n", kind, f.httpErr[i])
				}
			}
		}
		f.mu.Unlock()
	case bindErr != "":
		c.Printf("TFTP server not running: cannot listen on %s\n", want)
	default:
		c.Printf("TFTP server not running (no files to serve)\n")
	}
	var st Stats
	if srv != nil {
		st = srv.Stats()
	}
	c.Printf("\nFile                                       Size        Source\n")
	for _, e := range f.table.Entries() {
		if e.Generated {
			c.Printf("%-42s %-11d generated\n", e.Name, e.Size)
		} else {
			c.Printf("%-42s %-11s %s\n", e.Name, "-", e.URL)
		}
	}
	c.Printf("\nRead requests           %d\n", st.ReadRequests)
	c.Printf("Transfers completed     %d\n", st.Completed)
	c.Printf("Transfers failed        %d\n", st.Failed)
	c.Printf("Active transfers        %d (maximum %d)\n", st.Active, max(st.MaxTransfers, DefaultMaxTransfers))
	c.Printf("File not found          %d\n", st.NotFound)
	c.Printf("Access violations       %d\n", st.BadNames)
	c.Printf("Write requests refused  %d\n", st.WriteRefused)
	c.Printf("Busy refusals           %d\n", st.Busy)
	c.Printf("Malformed requests      %d\n", st.Malformed)
	c.Printf("Bytes sent              %d\n", st.BytesSent)
}

// parseURL checks a `tftp-server` file: a file (not a directory) on flash:
// or its alias slot0:. Without a file system (configuration tests) the
// name is only checked for shape.
func parseURL(store *fs.Store, url string) (fs.Path, error) {
	if store == nil {
		prefix, name, ok := strings.Cut(url, ":")
		name = strings.TrimLeft(name, "/")
		if !ok || (prefix != "flash" && prefix != "slot0") || name == "" || strings.Contains(name, "..") {
			return fs.Path{}, fmt.Errorf("bad url")
		}
		return fs.Path{Prefix: prefix, Name: name}, nil
	}
	p, err := store.Parse(url)
	if err != nil || p.IsRoot() || (p.Prefix != "flash" && p.Prefix != "slot0") {
		return fs.Path{}, fmt.Errorf("bad url")
	}
	return p, nil
}

// unwrapAll is the innermost error of a chain (the socket's own message).
func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
