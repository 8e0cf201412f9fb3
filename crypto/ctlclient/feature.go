// Package ctlclient is the CTL client of seed 004 (the `ctl-client`
// feature): it gathers the certificates of SAST1, SAST2 and the CME, TFTP,
// CAPF and application servers (local trustpoints, remote CME routers'
// CTL providers, imported PEM files), builds CTLFile.tlv signed by SAST1,
// puts it in service as system:/its/CTLFile.tlv (which the TFTP and HTTP
// provisioning servers serve; this package does not know them), keeps a
// copy in flash: and publishes config.TopicCTLGenerated. It also
// provides `show ctl-client`, `show ctl-file` and the `cmeos ctl dump`
// command-line tool.
package ctlclient

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"sync"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// Mode is the ctl-client configuration mode.
const Mode = "config-ctl-client"

// FeatureName is the registration name.
const FeatureName = "ctl-client"

// FileName is the CTL file's name on TFTP and in flash:.
const FileName = ctl.CTLFileName

// TopicGenerated is published after a new CTL file was put in service; the
// telephony service turns server-security-mode to secure on it (004:
// "once the CTL file is generated the CTL client sets the server security
// mode to secure").
var TopicGenerated = config.TopicCTLGenerated

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderCTLClient, New: newFeature,
		Examples: "ctl-client\n" +
			" server capf 10.1.1.1 trustpoint cmeserver\n" +
			" server cme 10.1.1.1 trustpoint cmeserver\n" +
			" server cme-tftp 10.1.1.2 trustpoint cmeserver\n" +
			" server tftp 10.1.1.1 trustpoint cmeserver\n" +
			" server application 10.1.2.3 trustpoint first-sast\n" +
			" server cme 10.1.1.100 username cisco password 1 0822455D0A16544541\n" +
			" server cme 10.1.1.101 username user3 password 0 38h2KL port 3444\n" +
			" sast1 trustpoint cmeserver\n" +
			" sast2 trustpoint sast2\n" +
			" import certificate 5 FlashCert flash:flash_cert.cer\n" +
			" shutdown\n"})
}

// Server roles of `server ROLE A.B.C.D ...`, in the order show ctl-client
// lists them.
var roleOrder = []string{"cme", "cme-tftp", "tftp", "capf", "application"}

// Server is one `server` line.
type Server struct {
	Role       string // capf, cme, cme-tftp, tftp, application
	Addr       netip.Addr
	Trustpoint string // local credentials
	// Remote CME router (server cme A username U password P): its CTL
	// provider hands out the certificates.
	User     string
	Password *aaa.SharedSecret
	Port     int // CTL provider port; 0 means ctlprovider.DefaultPort
}

// Import is one `import certificate` line.
type Import struct {
	Tag         int
	Description string
	URL         string
}

// Feature is the ctl-client configuration and the state of the CTL file.
type Feature struct {
	sys *config.System

	// Guarded by the configuration lock.
	on           bool
	sast1, sast2 string
	servers      []*Server
	imports      []*Import
	shutdown     bool
	current      []byte // the CTL file in service (published), nil if none
	booted       bool
	withdrawn    bool   // the CTL was taken off TFTP by shutdown or no ctl-client
	lastFailure  string // last automatic-generation failure, logged once

	// amu serializes automatic regeneration.
	amu sync.Mutex
}

// FromSystem returns the ctl-client feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys}
	t := sys.Tree
	t.AddMode(Mode, "(config-ctl-client)#", cli.ModeConfig)
	help := map[string]string{
		"ctl-client": "Configure CTL client",
		"sast1":      "Configure SAST1 credentials", "sast2": "Configure SAST2 credentials",
		"trustpoint": "Configure the trustpoint", "tp": "Trustpoint label",
		"server": "Configure a server function for the CTL", "capf": "CAPF server", "cme": "CME server",
		"cme-tftp": "CME and TFTP server", "tftp": "TFTP server", "application": "Application server (HTTPS services)",
		"addr": "IP address of the server", "username": "User name of the remote CTL provider", "user": "User name",
		"password": "Password of the remote CTL provider", "type": "0 clear text, 1 encrypted (type 7 cipher), 6 AES",
		"pw": "The password", "port": "CTL provider port (default 2444)", "num": "Port number",
		"import": "Import a trusted certificate", "certificate": "Import a certificate from flash in PEM format",
		"tag": "Certificate tag", "desc": "Description of the certificate", "url": "flash:<file name>",
		"regenerate": "Regenerate the CTL file", "shutdown": "Shut down the CTL client",
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "ctl-client", Help: help, Owner: FeatureName, No: true, Run: func(c *cli.Context) error {
		if c.Negate {
			f.on, f.sast1, f.sast2, f.servers, f.imports, f.shutdown = false, "", "", nil, nil, false
			return nil
		}
		f.on = true
		c.Enter(Mode, nil)
		return nil
	}})
	add := func(syntax string, run func(c *cli.Context) error) {
		t.Add(Mode, cli.Command{Syntax: syntax, Help: help, Owner: FeatureName, No: true, Run: run})
	}
	add("sast1 [ trustpoint tp:WORD ]", func(c *cli.Context) error {
		if c.Negate {
			f.sast1 = ""
			return nil
		}
		if !c.Has("tp") {
			return errIncomplete
		}
		if err := f.trustpointExists(c.String("tp")); err != nil {
			return err
		}
		f.sast1 = c.String("tp")
		return nil
	})
	add("sast2 [ trustpoint tp:WORD ]", func(c *cli.Context) error {
		if c.Negate {
			f.sast2 = ""
			return nil
		}
		if !c.Has("tp") {
			return errIncomplete
		}
		if err := f.trustpointExists(c.String("tp")); err != nil {
			return err
		}
		f.sast2 = c.String("tp")
		return nil
	})
	add("server role:{ capf | cme | cme-tftp | tftp | application } addr:A.B.C.D [ trustpoint tp:WORD | username user:WORD password type:<0-7> pw:WORD [ port num:<1-65535> ] ]",
		func(c *cli.Context) error { return f.serverCmd(c) })
	add("import certificate tag:<1-65535> [ desc:WORD url:WORD ]", func(c *cli.Context) error {
		tag := c.Int("tag", 0)
		if c.Negate {
			f.removeImport(tag)
			return nil
		}
		if !c.Has("url") {
			return errIncomplete
		}
		url := c.String("url")
		if _, err := sys.FS.Parse(url); err != nil {
			return c.InvalidInput("url")
		}
		f.removeImport(tag)
		f.imports = append(f.imports, &Import{Tag: tag, Description: c.String("desc"), URL: url})
		return nil
	})
	t.Add(Mode, cli.Command{Syntax: "regenerate", Help: help, Owner: FeatureName, Run: func(c *cli.Context) error {
		return f.regenerate(c)
	}})
	add("shutdown", func(c *cli.Context) error {
		f.shutdown = !c.Negate
		return nil
	})
	registerShow(f)
	sys.Subscribe(pki.TopicCertificates, FeatureName, func(ctx context.Context) error {
		f.auto(ctx, false)
		return nil
	})
	sys.Subscribe(TopicErase, FeatureName, func(context.Context) error { f.erase(); return nil })
	return f
}

func (f *Feature) serverCmd(c *cli.Context) error {
	role := c.String("role")
	addr := netip.MustParseAddr(c.String("addr"))
	if c.Negate {
		kept := f.servers[:0]
		for _, s := range f.servers {
			if s.Role != role || s.Addr != addr || (c.Has("tp") && s.Trustpoint != c.String("tp")) {
				kept = append(kept, s)
			}
		}
		f.servers = kept
		return nil
	}
	s := &Server{Role: role, Addr: addr}
	switch {
	case c.Has("tp"):
		s.Trustpoint = c.String("tp")
	case c.Has("user"):
		if role != "cme" {
			return c.InvalidInput("user")
		}
		p, err := aaa.ParseSharedSecret(f.sys, c.Int("type", 0), c.String("pw"))
		if err != nil {
			if errors.Is(err, aaa.ErrPasswordType) {
				return c.InvalidInput("type")
			}
			return err
		}
		s.User, s.Password, s.Port = c.String("user"), p, c.Int("num", 0)
	default:
		return errIncomplete
	}
	// One entry per role and address (a remote and a local CME entry for
	// one address replace each other too).
	for i, o := range f.servers {
		if o.Role == role && o.Addr == addr {
			f.servers[i] = s
			return nil
		}
	}
	f.servers = append(f.servers, s)
	return nil
}

func (f *Feature) removeImport(tag int) {
	kept := f.imports[:0]
	for _, im := range f.imports {
		if im.Tag != tag {
			kept = append(kept, im)
		}
	}
	f.imports = kept
}

// Render writes the ctl-client block in the seeds' order: servers, SAST
// trustpoints, imported certificates.
func (f *Feature) Render(r *config.Renderer) {
	if !f.on {
		return
	}
	r.Line("ctl-client")
	for _, s := range f.servers {
		if s.User != "" {
			line := "server cme " + s.Addr.String() + " username " + s.User + " password " + s.Password.Render(f.sys)
			if s.Port != 0 {
				line += " port " + strconv.Itoa(s.Port)
			}
			r.Sub(line)
			continue
		}
		r.Subf("server %s %s trustpoint %s", s.Role, s.Addr, s.Trustpoint)
	}
	if f.sast1 != "" {
		r.Sub("sast1 trustpoint " + f.sast1)
	}
	if f.sast2 != "" {
		r.Sub("sast2 trustpoint " + f.sast2)
	}
	for _, im := range f.imports {
		r.Subf("import certificate %d %s %s", im.Tag, im.Description, im.URL)
	}
	if f.shutdown {
		r.Sub("shutdown")
	}
	r.Bang()
}

// Reconcile puts the CTL in service at boot: the copy in flash: when it
// still matches the configuration and certificates, else a new one.
// Later configuration changes take effect with `regenerate`, as on IOS.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	first := !f.booted
	f.booted = true
	if !f.on || f.shutdown {
		f.withdraw()
	}
	again := f.on && !f.shutdown && f.withdrawn
	f.sys.Unlock()
	if first || again {
		f.auto(ctx, true)
	}
	return nil
}

// Close has nothing to stop; system:/its/ holds the file in service.
func (f *Feature) Close() error { return nil }

// errIncomplete is the engine's text for a command cut short.
var errIncomplete = errors.New("% Incomplete command.\n\n")
