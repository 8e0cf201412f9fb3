// Package sshd is the SSH server of the vty lines (golang.org/x/crypto/ssh):
// `ip ssh ...` configuration, the host key from the RSA key store (through
// the HostKeys interface, which crypto/keys implements), password
// and public-key (ip ssh pubkey-chain) authentication against the line's
// login setting, access-class filtering, one vty line per connection, and
// the same console session as the serial line on each channel.
package sshd

import (
	"context"
	"crypto"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/line"
	"cmeos/ios/logging"
	"cmeos/ios/service"
	"cmeos/ios/system"
)

// Modes of the public-key chain.
const (
	ModePubkey     = "conf-ssh-pubkey"
	ModePubkeyUser = "conf-ssh-pubkey-user"
	ModePubkeyData = "conf-ssh-pubkey-data"
)

// Defaults as IOS has them.
const (
	DefaultTimeout = 120 * time.Second
	DefaultRetries = 3
	DefaultPort    = 22
)

func init() {
	config.Register(config.Registration{Name: "ssh", Order: config.OrderIP + 10, New: newFeature,
		Examples: "ip ssh version 2\nip ssh time-out 60\nip ssh authentication-retries 2\nip ssh port 2222\nip ssh address 127.0.0.1\n" +
			"ip ssh rsa keypair-name sshkey\nip ssh pubkey-chain\n username admin\n  key-hash ssh-rsa 8FB4F858DD7E5AFB372780EC653DB371\n"})
}

// Settings is the `ip ssh` configuration.
type Settings struct {
	Version    int // 0 (default: 2) or 2
	Timeout    time.Duration
	Retries    int
	Port       int
	Address    netip.Addr // hidden `ip ssh address`: bind address (default all)
	KeypairLbl string
	// Pubkeys maps a user to the MD5 hashes (upper-case hex) of the keys
	// that may log in as that user.
	Pubkeys map[string][]string
}

// Server is the feature state and the running SSH service.
type Server struct {
	sys *config.System
	cfg Settings

	svc service.Runner // the listener (ios/service)

	// mu guards the running settings and the connection table.
	mu       sync.Mutex
	running  Settings
	hostKey  ssh.Signer
	keyLabel string
	conns    map[*conn]bool
	nextConn int
}

func newFeature(sys *config.System) config.Feature {
	f := &Server{sys: sys, cfg: Settings{Timeout: DefaultTimeout, Retries: DefaultRetries, Port: DefaultPort, Pubkeys: map[string][]string{}},
		conns: map[*conn]bool{}}
	f.svc = service.Runner{Name: "SSH server", Facility: "SSH", Log: sys.Log, Quiet: true}
	t := sys.Tree
	t.AddMode(ModePubkey, "(conf-ssh-pubkey)#", cli.ModeConfig)
	t.AddMode(ModePubkeyUser, "(conf-ssh-pubkey-user)#", ModePubkey)
	t.AddMode(ModePubkeyData, "(conf-ssh-pubkey-data)#", ModePubkeyUser)
	help := map[string]string{"ip": "Global IP configuration subcommands", "ssh": "Configure ssh options",
		"version": "Specify protocol version supported", "v": "Protocol version", "time-out": "Specify SSH time-out interval",
		"secs": "SSH time-out interval (secs)", "authentication-retries": "Specify number of authentication retries",
		"tries": "Number of authentication retries", "port": "Specify port number for SSH server", "num": "TCP port (0: any free port)",
		"address": "Address the SSH server listens on", "bind": "IP address", "rsa": "Configure RSA keypair name for SSH",
		"keypair-name": "Configure RSA keypair name for SSH", "label": "RSA keypair name",
		"pubkey-chain": "pubkey-chain", "username": "ssh user name", "user": "SSH user name",
		"key-string": "Enter public key of the user", "key-hash": "Enter public key of the user", "ssh-rsa": "SSH RSA public key hash",
		"hash": "SSH RSA public key hash (MD5, hex)", "LINE": "public key data"}
	add := func(syntax string, run func(c *cli.Context) error) {
		t.Add(cli.ModeConfig, cli.Command{Syntax: syntax, Help: help, Owner: "ssh", No: true, Run: run})
	}
	add("ip ssh version v:<1-2>", func(c *cli.Context) error {
		if c.Negate {
			f.cfg.Version = 0
			return nil
		}
		if c.Int("v", 2) == 1 {
			return fmt.Errorf("%% SSH version 1 is not supported; cmeos speaks SSH 2.0 only")
		}
		f.cfg.Version = 2
		return nil
	})
	add("ip ssh time-out secs:<1-120>", func(c *cli.Context) error {
		f.cfg.Timeout = time.Duration(c.Int("secs", 120)) * time.Second
		if c.Negate {
			f.cfg.Timeout = DefaultTimeout
		}
		return nil
	})
	add("ip ssh authentication-retries tries:<0-5>", func(c *cli.Context) error {
		f.cfg.Retries = c.Int("tries", DefaultRetries)
		if c.Negate {
			f.cfg.Retries = DefaultRetries
		}
		return nil
	})
	add("ip ssh port num:<0-65535>", func(c *cli.Context) error {
		f.cfg.Port = c.Int("num", DefaultPort)
		if c.Negate {
			f.cfg.Port = DefaultPort
		}
		return nil
	})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ip ssh address bind:A.B.C.D", Help: help, Owner: "ssh", No: true, Hidden: true,
		Run: func(c *cli.Context) error {
			f.cfg.Address = netip.Addr{}
			if !c.Negate {
				f.cfg.Address = netip.MustParseAddr(c.String("bind"))
			}
			return nil
		}})
	add("ip ssh rsa keypair-name label:WORD", func(c *cli.Context) error {
		f.cfg.KeypairLbl = c.String("label")
		if c.Negate {
			f.cfg.KeypairLbl = ""
		}
		return nil
	})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ip ssh pubkey-chain", Help: help, Owner: "ssh", No: true, Run: func(c *cli.Context) error {
		if c.Negate {
			f.cfg.Pubkeys = map[string][]string{}
			return nil
		}
		c.Enter(ModePubkey, nil)
		return nil
	}})
	t.Add(ModePubkey, cli.Command{Syntax: "username user:WORD", Help: help, Owner: "ssh", No: true, Run: func(c *cli.Context) error {
		u := c.String("user")
		if c.Negate {
			delete(f.cfg.Pubkeys, u)
			return nil
		}
		if _, ok := f.cfg.Pubkeys[u]; !ok {
			f.cfg.Pubkeys[u] = nil
		}
		c.Enter(ModePubkeyUser, u)
		return nil
	}})
	t.Add(ModePubkeyUser, cli.Command{Syntax: "key-hash ssh-rsa hash:WORD [ LINE ]", Help: help, Owner: "ssh", No: true, Run: func(c *cli.Context) error {
		u := c.ModeValue().(string)
		h := strings.ToUpper(c.String("hash"))
		if len(h) != 32 || strings.Trim(h, "0123456789ABCDEF") != "" {
			return c.InvalidInput("hash")
		}
		f.setKey(u, h, c.Negate)
		return nil
	}})
	t.Add(ModePubkeyUser, cli.Command{Syntax: "key-string", Help: help, Owner: "ssh", Run: func(c *cli.Context) error {
		c.Enter(ModePubkeyData, &strings.Builder{})
		return nil
	}})
	// In key-string data mode every line is key text until `exit`.
	t.Add(ModePubkeyData, cli.Command{Syntax: "LINE", Help: help, Owner: "ssh", Hidden: true, Run: func(c *cli.Context) error {
		b := c.ModeValue().(*strings.Builder)
		b.WriteString(strings.TrimSpace(c.String("LINE")))
		return nil
	}})
	t.Add(ModePubkeyData, cli.Command{Syntax: "exit", Help: map[string]string{"exit": "Exit from key-string data mode"}, Owner: "ssh", Run: func(c *cli.Context) error {
		b := c.ModeValue().(*strings.Builder)
		c.Session.Exit()
		user := c.ModeValue().(string)
		h, err := KeyHash(b.String())
		if err != nil {
			return fmt.Errorf("%% Invalid public key: %v", err)
		}
		f.setKey(user, h, false)
		return nil
	}})
	registerShow(f)
	sys.Subscribe(config.TopicKeys, "ssh", f.Reconcile)
	return f
}

// KeyHash returns the IOS key-hash of a public key given as the key-string
// text: the base64 blob (optionally preceded by "ssh-rsa" and followed by a
// comment), hashed with MD5, upper-case hex.
func KeyHash(text string) (string, error) {
	fields := strings.Fields(text)
	var blob string
	switch {
	case len(fields) >= 2 && strings.HasPrefix(fields[0], "ssh-"):
		blob = fields[1]
	case len(fields) >= 1:
		blob = strings.Join(fields, "")
	default:
		return "", fmt.Errorf("empty key")
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte("ssh-rsa " + blob))
	if err != nil {
		// Other key types: accept any well-formed authorized key line.
		pk, _, _, _, err = ssh.ParseAuthorizedKey([]byte(text))
		if err != nil {
			return "", err
		}
	}
	return hashKey(pk), nil
}

func hashKey(pk ssh.PublicKey) string {
	sum := md5.Sum(pk.Marshal())
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func (f *Server) setKey(user, hash string, remove bool) {
	var keep []string
	for _, h := range f.cfg.Pubkeys[user] {
		if h != hash {
			keep = append(keep, h)
		}
	}
	if !remove {
		keep = append(keep, hash)
	}
	f.cfg.Pubkeys[user] = keep
}

// Render writes the ip ssh lines in IOS order.
func (f *Server) Render(r *config.Renderer) {
	c := f.cfg
	if c.Port != DefaultPort {
		r.Linef("ip ssh port %d", c.Port)
	}
	if c.Address.IsValid() {
		r.Line("ip ssh address " + c.Address.String())
	}
	if c.Timeout != DefaultTimeout {
		r.Linef("ip ssh time-out %d", int(c.Timeout/time.Second))
	}
	if c.Retries != DefaultRetries {
		r.Linef("ip ssh authentication-retries %d", c.Retries)
	}
	if c.KeypairLbl != "" {
		r.Line("ip ssh rsa keypair-name " + c.KeypairLbl)
	}
	if c.Version == 2 {
		r.Line("ip ssh version 2")
	}
	if len(c.Pubkeys) > 0 {
		r.Line("ip ssh pubkey-chain")
		users := make([]string, 0, len(c.Pubkeys))
		for u := range c.Pubkeys {
			users = append(users, u)
		}
		sort.Strings(users)
		for _, u := range users {
			r.Indent(2, "username "+u)
			for _, h := range c.Pubkeys[u] {
				r.Indent(3, "key-hash ssh-rsa "+h)
			}
		}
	}
	r.Bang()
}

// FromSystem returns the SSH server feature.
func FromSystem(sys *config.System) *Server {
	f, _ := sys.Feature("ssh").(*Server)
	return f
}

// Addr returns the address the server listens on, or nil when it is not running.
func (f *Server) Addr() net.Addr { return f.svc.Addr() }

// hostKeyLabel picks the RSA key used as host key: `ip ssh rsa keypair-name`,
// else the default general-purpose key name (hostname.domain). Lock held.
func (f *Server) hostKeyLabel() string {
	if f.cfg.KeypairLbl != "" {
		return f.cfg.KeypairLbl
	}
	if system.DomainName(f.sys) == "" {
		return ""
	}
	return system.FQDN(f.sys)
}

// HostKeys is what the server needs from the key store: the RSA key pair
// with a label (`ip ssh rsa keypair-name`, or hostname.domain). The
// crypto/keys feature implements it; ios may not import crypto, so the
// server finds it with config.Find.
type HostKeys interface {
	RSAHostKey(label string) (crypto.Signer, bool)
}

// Reconcile starts, restarts or stops the server: it runs while an RSA key
// for it exists (as on IOS, generating the key enables SSH and zeroizing it
// disables SSH) and restarts when the port, address or key changes.
func (f *Server) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	cfg := f.cfg
	cfg.Pubkeys = nil
	label := f.hostKeyLabel()
	var signer ssh.Signer
	if hk, ok := config.Find[HostKeys](f.sys); ok && label != "" {
		if k, ok := hk.RSAHostKey(label); ok {
			s, err := ssh.NewSignerFromSigner(k)
			if err == nil {
				signer = s
			}
		}
	}
	f.sys.Unlock()

	wasRunning := f.svc.Running()
	if signer == nil {
		f.svc.Release() // sessions run on, as on IOS
		if wasRunning {
			f.sys.Log.Logf(logging.Notifications, "SSH", "DISABLED", "SSH 2.0 has been disabled")
		}
		return nil
	}
	host := ""
	if cfg.Address.IsValid() {
		host = cfg.Address.String()
	}
	f.mu.Lock()
	f.running, f.hostKey, f.keyLabel = cfg, signer, label
	f.mu.Unlock()
	// A restart (port, address or key) keeps the sessions of the old
	// listener; the handshake deadline is ip ssh time-out.
	err := f.svc.Up(ctx, service.Config{Addr: net.JoinHostPort(host, strconv.Itoa(cfg.Port)),
		Key: label + " " + string(signer.PublicKey().Marshal()), KeepConns: true,
		MaxConns: 2 * line.MaxVTY, Handshake: cfg.Timeout, Handle: f.handle})
	if err != nil {
		return fmt.Errorf("ssh: listening on port %d: %w", cfg.Port, errors.Unwrap(err))
	}
	if !wasRunning {
		f.sys.Log.Logf(logging.Notifications, "SSH", "ENABLED", "SSH 2.0 has been enabled")
	}
	return nil
}

// Close stops the server and ends every SSH session.
func (f *Server) Close() error {
	f.svc.Close()
	return nil
}

// Running returns the settings the server runs with and whether it runs.
func (f *Server) Running() (Settings, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.running, f.svc.Running()
}

func (f *Server) settings() Settings {
	f.sys.Lock()
	defer f.sys.Unlock()
	c := f.cfg
	c.Pubkeys = map[string][]string{}
	for u, hs := range f.cfg.Pubkeys {
		c.Pubkeys[u] = append([]string(nil), hs...)
	}
	return c
}

func registerShow(f *Server) {
	t := f.sys.Tree
	h := map[string]string{"show": "Show running system information", "ip": "IP information", "ssh": "Information on SSH"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ip ssh", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		cfg, on := f.Running()
		if !on {
			c.Printf("SSH Disabled - version 2.0\n%%Please create RSA keys to enable SSH (and of atleast 768 bits for SSH v2).\n")
			cfg = f.cfg
		} else {
			c.Printf("SSH Enabled - version 2.0\n")
		}
		c.Printf("Authentication methods:publickey,keyboard-interactive,password\n")
		c.Printf("Authentication timeout: %d secs; Authentication retries: %d\n", int(cfg.Timeout/time.Second), cfg.Retries)
		if a := f.Addr(); a != nil {
			c.Printf("Listening on %s\n", a)
		}
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ssh", Help: h, Pipe: true, Priv: cli.PrivUser, Run: func(c *cli.Context) error {
		f.mu.Lock()
		var list []*conn
		for cn := range f.conns {
			list = append(list, cn)
		}
		f.mu.Unlock()
		sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
		c.Printf("Connection Version Mode Encryption  Hmac         State                 Username\n")
		for _, cn := range list {
			st, user := cn.state()
			cn.mu.Lock()
			algo := cn.algo
			cn.mu.Unlock()
			for _, d := range []struct {
				mode string
				a    ssh.DirectionAlgorithms
			}{{"IN", algo.Read}, {"OUT", algo.Write}} {
				c.Printf("%-10d %-7s %-4s %-11s %-12s %-21s %s\n", cn.line, "2.0", d.mode, d.a.Cipher, macName(d.a.MAC), st, user)
			}
		}
		c.Printf("%%No SSHv1 server connections running.\n")
		return nil
	}})
}
