package tftpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"cmeos/ios/logging"
	"cmeos/ios/service"
)

// HTTP configuration download (seed 003, reference/protocols.md §3.5, §9.4):
// the files of the TFTP table over HTTP on TCP 6970, and over HTTPS on 6971
// and 6972 with the certificate the telephony feature hands over (the
// tftp-server-credentials trustpoint) when `service https` or secure mode
// is on. They run while the TFTP server has files to serve, on the same
// address (`tftp-server port ... source-address`).
//
// Ports: 6970/6971/6972 by default; with `tftp-server port 0` (tests, golden
// transcripts) all three are free ports too, and the hidden command
// `tftp-server http-port N` moves them to N, N+1, N+2 (0: free ports). A
// port that cannot be bound leaves that listener down (shown by `show
// tftp-server`); the others and TFTP still serve.

// Default HTTP provisioning ports.
const (
	DefaultHTTPPort       = 6970
	DefaultHTTPSPort      = 6971 // CallManager (here: TFTP trustpoint) certificate
	DefaultHTTPSAltPort   = 6972 // Tomcat certificate on CUCM; the same one here
	httpMaxActive         = 64   // concurrent downloads per listener, as TFTP
	httpMaxConns          = 64   // connections per listener (ios/service)
	httpMaxPerSource      = 8    // connections from one address: a phone needs one or two
	httpReadHeaderTimeout = 10 * time.Second
	httpIdleTimeout       = 60 * time.Second
	httpWriteTimeout      = 10 * time.Minute // firmware loads are tens of MB
)

// httpPortsLocked are the three ports the configuration asks for
// (configuration lock held).
func (f *Feature) httpPortsLocked() [3]int {
	switch {
	case f.httpPort == 0 || (f.httpPort < 0 && f.port == 0):
		return [3]int{}
	case f.httpPort > 0:
		return [3]int{f.httpPort, f.httpPort + 1, f.httpPort + 2}
	}
	return [3]int{DefaultHTTPPort, DefaultHTTPSPort, DefaultHTTPSAltPort}
}

// httpServers are the running HTTP and HTTPS listeners, each under
// ios/service (connections in total and per source bounded, panics
// contained, STARTED/STOPPED left to `show tftp-server`).
type httpServers struct {
	runs  [3]*service.Runner
	addrs [3]*net.TCPAddr // 6970, 6971, 6972; nil when not listening
}

func (h *httpServers) close() {
	for _, r := range h.runs {
		if r != nil {
			r.Close()
		}
	}
}

// SetHTTPS gives the certificate the HTTPS listeners present (nil: no
// HTTPS). The telephony feature calls it with the tftp-server-credentials
// trustpoint when `service https` or secure mode is on. Call it without
// the configuration lock.
func (f *Feature) SetHTTPS(cert *tls.Certificate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sameCert(cert, f.tlsCert) {
		return
	}
	f.tlsCert = cert
	f.stopHTTPLocked()
	f.syncLocked()
}

func sameCert(a, b *tls.Certificate) bool {
	if a == nil || b == nil {
		return a == b
	}
	return len(a.Certificate) > 0 && len(b.Certificate) > 0 && bytes.Equal(a.Certificate[0], b.Certificate[0])
}

// HTTPAddrs returns the bound addresses of the HTTP (6970) and HTTPS
// (6971, 6972) listeners; nil for one that is not running.
func (f *Feature) HTTPAddrs() (plain, secure, alt *net.TCPAddr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.http == nil {
		return nil, nil, nil
	}
	return f.http.addrs[0], f.http.addrs[1], f.http.addrs[2]
}

func (f *Feature) stopHTTPLocked() {
	if f.http != nil {
		f.http.close()
		f.http = nil
	}
}

// syncHTTPLocked starts the listeners (f.mu held, TFTP running). A port
// that cannot be bound is logged once per configuration change; the others
// still serve.
func (f *Feature) syncHTTPLocked() {
	if f.http != nil {
		return
	}
	h := &httpServers{}
	host := "0.0.0.0"
	if f.httpSource.IsValid() {
		host = f.httpSource.String()
	}
	for i, port := range f.httpPorts {
		secure := i > 0
		if secure && f.tlsCert == nil {
			continue
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		r := &service.Runner{Name: []string{"HTTP", "HTTPS", "HTTPS"}[i] + " provisioning server", Facility: "TFTP", Log: f.sys.Log, Quiet: true}
		err := r.Up(f.sys.Context(), service.Config{Addr: addr, MaxConns: httpMaxConns, MaxPerSource: httpMaxPerSource,
			Serve: f.httpServe(secure, f.tlsCert)})
		if err != nil {
			// Not logged on the console: the box serves TFTP, and HTTP
			// is an extra the phone falls back from; `show tftp-server`
			// and `debug tftp events` tell.
			if f.httpErr[i] != addr {
				f.httpErr[i] = addr
				if f.debug.Load() {
					f.sys.Log.Logf(logging.Debugging, "TFTP", "EVENT", "Cannot open HTTP server socket on %s: %v", addr, err)
				}
			}
			continue
		}
		f.httpErr[i] = ""
		h.runs[i] = r
		h.addrs[i], _ = r.Addr().(*net.TCPAddr)
	}
	f.http = h
}

// httpServe is the Serve function of one listener: net/http on the
// runner's limited listener, TLS with cert on the secure ones.
func (f *Feature) httpServe(secure bool, cert *tls.Certificate) func(ctx context.Context, ln net.Listener) error {
	return func(ctx context.Context, ln net.Listener) error {
		srv := &http.Server{
			Handler:           f.httpHandler(secure),
			ReadHeaderTimeout: httpReadHeaderTimeout,
			IdleTimeout:       httpIdleTimeout,
			WriteTimeout:      httpWriteTimeout,
			MaxHeaderBytes:    8 << 10,
			BaseContext:       func(net.Listener) context.Context { return ctx },
			ErrorLog:          log.New(io.Discard, "", 0), // never on the console
		}
		if secure {
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
		stop := context.AfterFunc(ctx, func() { srv.Close() })
		defer stop()
		return srv.Serve(ln)
	}
}

// httpHandler serves GET and HEAD of the table's files. On HTTPS a request
// for SEP<MAC>.cnf.xml.sgn gets the plain SEP<MAC>.cnf.xml when it exists
// (protocols.md §3.5: the phone expects the unsigned XML over 6971).
func (f *Feature) httpHandler(secure bool) http.Handler {
	sem := make(chan struct{}, httpMaxActive)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			f.httpEvent(r, "method refused")
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		default:
			f.httpEvent(r, "busy")
			http.Error(w, "Server busy, try again later", http.StatusServiceUnavailable)
			return
		}
		name, ok := CleanName(r.URL.Path)
		if !ok {
			f.httpEvent(r, "access violation")
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		var (
			rc  io.ReadCloser
			n   int64
			err = ErrNotFound
		)
		if secure && strings.HasSuffix(strings.ToLower(name), ".cnf.xml.sgn") {
			rc, n, err = f.table.Open(name[:len(name)-len(".sgn")])
		}
		if err != nil {
			rc, n, err = f.table.Open(name)
		}
		if err != nil {
			f.httpEvent(r, "file not found")
			http.Error(w, "Not Found", http.StatusNotFound)
			return
		}
		defer rc.Close()
		ct := "application/octet-stream"
		if strings.HasSuffix(strings.ToLower(name), ".xml") {
			ct = "text/xml"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		w.Header().Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		if _, err := io.CopyN(w, rc, n); err != nil && !errors.Is(err, io.EOF) {
			f.httpEvent(r, "transfer failed")
		}
	})
}

func (f *Feature) httpEvent(r *http.Request, what string) {
	if f.debug.Load() {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		f.sys.Log.Logf(logging.Debugging, "TFTP", "EVENT", "HTTP %s %q from %s: %s", r.Method, r.URL.Path, host, what)
	}
}

// httpListenKey describes what the listeners should be, to notice changes.
func httpListenKey(src netip.Addr, ports [3]int) string {
	return fmt.Sprint(src, ports)
}
