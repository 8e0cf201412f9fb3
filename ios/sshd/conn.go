package sshd

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/console"
	"cmeos/ios/line"
	"cmeos/ios/logging"
	"cmeos/ios/term"
)

// conn is one SSH connection: it owns one vty line.
type conn struct {
	id   int
	line int // vty number
	nc   net.Conn
	peer netip.Addr

	// mu guards user, st and algo.
	mu   sync.Mutex
	user string
	st   string
	algo ssh.NegotiatedAlgorithms
}

func (c *conn) state() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st, c.user
}

// set records the connection's state and its user name, escaped: the
// name is the peer's and is shown by `show ssh` and logged.
func (c *conn) set(st, user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st = st
	if user != "" {
		c.user = logging.Escape(user)
	}
}

// handle runs one connection from accept to close: line allocation,
// access-class, handshake with the time-out, authentication, channels.
func (f *Server) handle(ctx context.Context, nc net.Conn) {
	defer nc.Close()
	peer := netip.Addr{}
	if ta, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		peer, _ = netip.AddrFromSlice(ta.IP)
		peer = peer.Unmap()
	}
	lines := line.FromSystem(f.sys)
	ls, lcfg, err := lines.AttachVTY("ssh", peer, f.sys.Now(), func() { nc.Close() })
	if err != nil {
		// All vty lines busy (or none accepts SSH): refuse, as IOS does.
		return
	}
	defer lines.Detach(ls)
	f.sys.Lock()
	lcfg.Login = line.EffectiveLogin(f.sys, lcfg, false)
	f.sys.Unlock()
	if !lines.PermitsFrom(lcfg, peer) {
		f.sys.Log.Logf(logging.Notifications, "SEC_LOGIN", "ACCESS_CLASS", "Connection from %s to %s refused by access-class %d", peer, ls.Name, lcfg.AccessClass)
		return
	}
	cfg := f.settings()
	c := &conn{line: ls.Line - line.LineVTYBase, nc: nc, peer: peer, st: "Session started"}
	f.mu.Lock()
	c.id = f.nextConn
	f.nextConn++
	f.conns[c] = true
	hostKey := f.hostKey
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
	}()

	sc := &ssh.ServerConfig{MaxAuthTries: cfg.Retries + 1, ServerVersion: "SSH-2.0-Cisco-1.25"}
	if cfg.Retries == 0 {
		sc.MaxAuthTries = 1
	}
	logins := map[string]aaa.Login{}
	var loginMu sync.Mutex
	remember := func(user string, l aaa.Login) {
		loginMu.Lock()
		logins[user] = l
		loginMu.Unlock()
	}
	switch lcfg.Login {
	case "":
		sc.NoClientAuth = true
	case "line":
		sc.PasswordCallback = func(m ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			c.set("Authenticating", m.User())
			if lcfg.Password != nil && string(pw) == lcfg.Password.Plain() {
				remember(m.User(), aaa.Login{User: m.User(), Priv: 1})
				return nil, nil
			}
			f.delay(ctx)
			return nil, errors.New("password rejected")
		}
	default:
		sc.PasswordCallback = func(m ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			c.set("Authenticating", m.User())
			l, err := aaa.CheckLocalPort(f.sys, m.User(), string(pw), peer.String(), tcpPort(m.LocalAddr()))
			if err != nil {
				f.delay(ctx)
				return nil, errors.New("password rejected")
			}
			remember(m.User(), l)
			return nil, nil
		}
		sc.PublicKeyCallback = func(m ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			c.set("Authenticating", m.User())
			h := hashKey(key)
			for _, k := range cfg.Pubkeys[m.User()] {
				if k == h {
					remember(m.User(), aaa.Login{User: m.User(), Priv: userPriv(f, m.User())})
					return nil, nil
				}
			}
			return nil, errors.New("key not authorized")
		}
	}
	sc.AddHostKey(hostKey)

	// The authentication time-out covers the whole handshake, as IOS's does.
	nc.SetDeadline(time.Now().Add(cfg.Timeout))
	sconn, chans, reqs, err := ssh.NewServerConn(nc, sc)
	if err != nil {
		if m := (*ssh.ServerAuthError)(nil); errors.As(err, &m) || strings.Contains(err.Error(), "auth") {
			_, user := c.state()
			f.sys.Log.Logf(logging.Notifications, "SSH", "SSH2_USERAUTH", "User '%s' authentication for SSH2 Session from %s (tty = %d) Failed", user, peer, c.line)
		}
		return
	}
	defer sconn.Close()
	nc.SetDeadline(time.Time{})
	if am, ok := sconn.Conn.(ssh.AlgorithmsConnMetadata); ok {
		c.mu.Lock()
		c.algo = am.Algorithms()
		c.mu.Unlock()
	}
	loginMu.Lock()
	login, ok := logins[sconn.User()]
	loginMu.Unlock()
	if !ok {
		login = aaa.Login{User: sconn.User(), Priv: 1}
	}
	// The user name is the peer's: escaped wherever it is logged or shown.
	shown := logging.Escape(sconn.User())
	c.set("Session started", sconn.User())
	lines.SetUser(ls, shown)
	f.sys.Log.Logf(logging.Notifications, "SSH", "SSH2_USERAUTH", "User '%s' authentication for SSH2 Session from %s (tty = %d) using crypto cipher '%s', hmac '%s' Succeeded",
		shown, peer, c.line, c.algo.Read.Cipher, macName(c.algo.Read.MAC))
	defer f.sys.Log.Logf(logging.Notifications, "SSH", "SSH2_CLOSE", "SSH2 Session from %s (tty = %d) for user '%s' using crypto cipher '%s', hmac '%s' closed",
		peer, c.line, shown, c.algo.Read.Cipher, macName(c.algo.Read.MAC))
	go ssh.DiscardRequests(reqs)

	// One session channel per connection: a vty line serves one session.
	served := false
	for nch := range chans {
		if nch.ChannelType() != "session" || served {
			nch.Reject(ssh.Prohibited, "only one session channel per connection")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			return
		}
		served = true
		f.session(ctx, ch, creqs, ls, login, lcfg)
		ch.CloseWrite()
		ch.Close()
		// Let the client close the connection after it has seen the channel
		// close, so it does not report a broken pipe; bounded by a timer.
		waited := make(chan struct{})
		go func() { sconn.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
		case <-ctx.Done():
		}
		return
	}
}

// macName shows the MAC, or the AEAD cipher's own integrity as IOS names none.
func macName(m string) string {
	if m == "" {
		return "none"
	}
	return m
}

func userPriv(f *Server, user string) int {
	// Public-key logins get the privilege of the local user of that name.
	f.sys.Lock()
	defer f.sys.Unlock()
	return aaa.UserPrivilege(f.sys, user)
}

func (f *Server) delay(ctx context.Context) {
	if d := aaa.FailureDelay(f.sys); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// session serves one session channel: it waits for pty-req, shell or exec.
func (f *Server) session(ctx context.Context, ch ssh.Channel, reqs <-chan *ssh.Request, ls *line.Session, login aaa.Login, lcfg line.Config) {
	var (
		pty           bool
		width, height = 80, 24
		t             *term.Terminal
	)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	started := false
	// The console goroutine writes to the channel: stop it and wait for it
	// before the connection is torn down.
	defer func() {
		cancel()
		if started {
			ch.Close()
			<-done
		}
	}()
	for {
		var req *ssh.Request
		select {
		case req = <-reqs:
		case <-done:
			return
		case <-sctx.Done():
			return
		}
		if req == nil {
			return
		}
		switch req.Type {
		case "pty-req":
			pty = true
			if w, h, ok := parsePty(req.Payload); ok {
				width, height = w, h
			}
			req.Reply(true, nil)
		case "window-change":
			if w, _, ok := parseWindowChange(req.Payload); ok && t != nil {
				t.SetWidth(w)
			}
		case "env":
			req.Reply(true, nil)
		case "shell":
			if started {
				req.Reply(false, nil) // one shell per session channel
				continue
			}
			req.Reply(true, nil)
			t = term.New(term.Config{In: ch, Out: ch, Interactive: pty, Width: width, Length: height})
			started = true
			go func() {
				defer close(done)
				defer t.Close()
				lines := line.FromSystem(f.sys)
				n := ls.Line - line.LineVTYBase
				s := console.New(sctx, f.sys, t, console.Options{Name: ls.Name, Line: ls, Authenticated: &login,
					LineConfig: func() line.Config { f.sys.Lock(); defer f.sys.Unlock(); return lines.VTY(n) }})
				s.Run(sctx)
				ch.SendRequest("exit-status", false, []byte{0, 0, 0, 0})
				ch.Close()
			}()
		case "exec":
			cmd, ok := parseExec(req.Payload)
			if !ok {
				req.Reply(false, nil)
				return
			}
			req.Reply(true, nil)
			f.exec(ch, ls, login, lcfg, cmd)
			ch.SendRequest("exit-status", false, []byte{0, 0, 0, 0})
			return
		default:
			if req.WantReply {
				req.Reply(false, nil)
			}
		}
	}
}

// exec runs the commands of an `ssh host 'command'` request, output only.
func (f *Server) exec(ch ssh.Channel, ls *line.Session, login aaa.Login, lcfg line.Config, cmd string) {
	priv := login.Priv
	if lcfg.Privilege > priv {
		priv = lcfg.Privilege
	}
	if priv < cli.PrivMax {
		priv = cli.PrivUser
	}
	out := &crlfWriter{w: ch}
	sess := f.sys.NewSession(ls.Name, priv, out, nil)
	sess.Values["line"] = ls // show users marks this line with '*'; config logs name it
	for _, l := range strings.Split(cmd, ";") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		sess.PromptLen = 0
		sess.Execute(strings.TrimSpace(l))
		if sess.Closed() {
			break
		}
	}
}

// crlfWriter turns "\n" into "\r\n" as a vty line does.
type crlfWriter struct {
	w interface{ Write([]byte) (int, error) }
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	_, err := c.w.Write([]byte(strings.ReplaceAll(string(p), "\n", "\r\n")))
	return len(p), err
}

// tcpPort is the port of a TCP address (0 for anything else).
func tcpPort(a net.Addr) int {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.Port
	}
	return 0
}
