// Package ephone is the CME phone configuration: `telephony-service`,
// `ephone-dn`, `ephone` and `ephone-template` with their show commands. It
// renders the seed configurations, and keeps the phones' configuration files
// (telephony/cnf) in system:/its/ as the configuration changes, from where
// the TFTP and HTTP provisioning servers (telephony/tftpd) serve them, with
// a copy in flash: under `cnf-file location flash:`. Registration state
// comes with the SCCP server.
package ephone

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"cmeos/crypto/capf"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/telephony/sccp"
)

// Mode names.
const (
	ModeTelephony = "config-telephony"
	ModeDN        = "config-ephone-dn"
	ModeEphone    = "config-ephone"
	ModeTemplate  = "config-ephone-template"
)

// Feature names (one per running-config block).
const (
	FeatureTelephony = "telephony-service"
	FeatureDN        = "ephone-dn"
	FeatureEphone    = "ephone"
)

func init() {
	config.Register(config.Registration{Name: FeatureTelephony, Order: config.OrderTelephony, New: newFeature, Examples: exampleTelephony})
	config.Register(config.Registration{Name: FeatureDN, Order: config.OrderEphoneDN, New: newDNFeature, Examples: exampleDN})
	config.Register(config.Registration{Name: FeatureEphone, Order: config.OrderEphone, New: newEphoneFeature, Examples: exampleEphone})
}

// The version stamp publishes cnf files, which starts the TFTP server: the
// examples keep it on loopback and a free port.
const exampleTelephony = `tftp-server port 0 source-address 127.0.0.1
telephony-service
 load 7960-7940 P00308000300
 load 7970 TERM70.7-0-0-77DEV
 max-ephones 4
 max-dn 4
 ip source-address 10.13.32.11 port 2000 secondary 10.13.32.12
 no auto-reg-ephone
 auto assign 1 to 4
 system message Secure CME
 url services http://10.13.32.11/services
 secure-signaling trustpoint mytrustpoint1
 cnf-file location flash:
 cnf-file perphone
 load-cfg-file slot0:Ringlist.xml alias Ringlist.xml sign
 voicemail 25589000
 max-conferences 4 gain -6
 call-forward pattern .T
 moh flash:music-on-hold.au
 web admin system name admin password mypassword2
 dn-webedit
 time-webedit
 time-format 24
 date-format dd-mm-yy
 keepalive 45
 transfer-system full-consult
 transfer-pattern .....
 dialplan-pattern 1 9362.... extension-length 4
 sdspfarm units 1
 sdspfarm transcode sessions 4
 sdspfarm tag 1 mtp0001
 codec g711ulaw
 service https
 no encrypt password
 tftp-server-credentials trustpoint mytrustpoint1
 server-security-mode secure
 device-security-mode encrypted
 create cnf-files version-stamp 7960 Oct 25 2006 07:19:39
`

// Feature is the telephony configuration: the service block, DNs, ephones
// and templates (one state; three running-config blocks).
type Feature struct {
	sys *config.System

	// Guarded by the configuration lock.
	svc       Service
	dns       map[int]*DN
	ephones   map[int]*Ephone
	templates map[int]*Template

	pubMu       sync.Mutex // guards published (names written to system:/its/) and the fields below
	published   map[string]bool
	itsFailed   bool // the last write to system:/its/ failed (logged once)
	signer      SignerFunc
	phoneCerts  map[string]*x509.Certificate // SetPhoneCertificate, by 12 hex digits
	flashCnf    map[string]bool              // cnf files written to flash: (cnf-file location flash:)
	flashFailed bool

	x     *exchange    // registered phones and call control (its own lock)
	ports listenPorts  // SetListenPorts (configuration lock)
	srv   *sccp.Server // the SCCP listeners (2000, TLS 2443)
	// tlsCache is the TLS configuration of 2443 as of the last
	// reconciliation (nil: build on demand).
	tlsCache atomic.Pointer[tls.Config]
}

// FromSystem returns the telephony feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureTelephony).(*Feature)
	return f
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, dns: map[int]*DN{}, ephones: map[int]*Ephone{}, templates: map[int]*Template{},
		published: map[string]bool{}}
	f.svc.Settings = newSettings()
	f.telephonyCommands()
	f.settingsCommands()
	f.dnCommands()
	f.huntCommands()
	f.ephoneCommands()
	f.speedDialCommands()
	f.showCommands()
	f.xcodeShowCommands()
	f.voiceShowCommands()
	f.x = newExchange(sys.Log, sys.Now)
	f.srv = sccp.NewServer(sys.Log)
	f.liveCommands()
	f.signer = trustpointSigner(sys)
	sys.Subscribe(pki.TopicCertificates, FeatureTelephony, func(context.Context) error { f.publishCnf(); return nil })
	sys.Subscribe(config.TopicCTLGenerated, FeatureTelephony, func(context.Context) error { f.ctlGenerated(); return nil })
	capf.SetDirectory(sys, f)
	sys.Subscribe(capf.TopicLSC, FeatureTelephony, func(context.Context) error { f.publishCnf(); return nil })
	sys.Subscribe(pki.TopicCertificates, FeatureTelephony, f.reconcileCalls)
	sys.Subscribe(config.TopicKeys, FeatureTelephony, f.reconcileCalls)     // a trustpoint's key pair replaced
	sys.Subscribe(config.TopicDialPlan, FeatureTelephony, f.reconcileCalls) // dial-peers or sip-ua changed
	return f
}

// The DN and ephone blocks render from the same state in their own place.
type dnBlock struct{ f *Feature }
type ephoneBlock struct{ f *Feature }

func newDNFeature(sys *config.System) config.Feature     { return dnBlock{FromSystem(sys)} }
func newEphoneFeature(sys *config.System) config.Feature { return ephoneBlock{FromSystem(sys)} }

var tsHelp = map[string]string{
	"telephony-service": "Cisco Unified CME configuration mode",
	"max-ephones":       "Define max number of IP phones", "max-dn": "Maximum directory numbers supported",
	"ip": "Define IP address and port for Cisco Unified CME", "source-address": "Define IP address and port for Cisco Unified CME",
	"addr": "IP address", "port": "Define TCP port", "tcp": "TCP port number",
	"secondary": "Secondary IP address for a backup router", "addr2": "IP address",
	"create": "create system files", "cnf-files": "create XML configuration files for IP phones",
	"version-stamp": "Version stamp of the configuration files",
	"cnf-file":      "Ephone cnf file options", "location": "Location of the cnf files", "perphone": "One cnf file per phone",
	"flash:": "Store cnf files in flash", "system:": "Store cnf files in system memory",
	"load": "Select the IP phone firmware load", "phone-type": "IP phone type", "firmware": "Firmware file name without suffix",
	"device-security-mode": "Device security mode",
	"authenticated":        "Device signaling over TLS, no media encryption", "none": "Device signaling in the clear",
	"encrypted":        "Device signaling over TLS, media encryption (SRTP)",
	"secure-signaling": "Secure signaling", "trustpoint": "Trustpoint", "label": "Trustpoint label",
	"tftp-server-credentials": "TFTP server credentials",
	"server-security-mode":    "Server security mode", "erase": "Erase the CTL file", "non-secure": "Non-secure mode", "secure": "Secure mode",
	"reset": "Reset phones (reboot)", "all": "All phones", "sequence-all": "Reset all phones one after another",
	"restart": "Restart phones (reload configuration)", "auto-reg-ephone": "Allow unknown phones to register",
	"auto": "Automatic DN assignment", "assign": "Assign ephone-dns to new phones", "first": "First ephone-dn tag",
	"to": "Range", "last": "Last ephone-dn tag", "system": "System options", "message": "System message on phones",
	"text": "Message text", "url": "Phone service URLs", "which": "directories | services | idle | information | proxy-server",
	"value": "URL", "time-format": "Time display format", "date-format": "Date display format",
	"keepalive": "Keepalive interval", "seconds": "Seconds", "service": "Phone services", "https": "HTTPS phone services",
	"sdspfarm": "DSP farm resources", "units": "Number of DSP farm units", "n": "Number", "transcode": "Transcoding",
	"sessions": "Transcoding sessions", "tag": "DSP farm tag", "nsess": "Number of transcoding sessions", "tagn": "DSP farm tag", "device": "Device name",
	"codec": "Codec", "g711ulaw": "G.711 mu-law", "g722r64": "G.722 64 kbit/s", "g729r8": "G.729 8 kbit/s",
	"encrypt": "Encrypt passwords", "password": "Password",
	"voicemail": "Voicemail access number", "number": "Number", "max-conferences": "Maximum conferences",
	"gain": "Conference gain", "db": "Gain in dB", "call-forward": "Call forward", "pattern": "Pattern",
	"moh": "Music on hold file", "file": "File URL", "web": "Web administration", "admin": "Administrator",
	"name": "Name", "user": "User name", "secret": "Password",
	"dn-webedit": "Allow DN editing on the web", "time-webedit": "Allow time editing on the web",
	"transfer-system": "Transfer method", "transfer-pattern": "Transfer pattern", "dialplan-pattern": "Dial plan pattern",
	"extension-length": "Extension length", "len": "Length", "load-cfg-file": "Serve a file by TFTP",
	"authurl": "Authentication URL", "app": "Application name", "uname": "User name", "pw": "Password",
	"priv": "Privilege level", "wpw": "Password", "pat": "Pattern", "ssh": "SSH access to phones", "userid": "SSH user ID",
	"local-directory": "Local directory service", "authenticate": "Authenticate the local directory",
	"xml": "XML interface", "standby": "Standby (redundant) router", "authentication": "Authentication",
	"credential": "Application credential", "0": "Clear text password", "6": "Encrypted (type 6) password",
	"url-file": "File URL", "alias": "File alias", "alias-name": "Alias", "sign": "Serve a signed version", "create-kw": "Create the signed file",
}

func (f *Feature) telephonyCommands() {
	t := f.sys.Tree
	t.AddMode(ModeTelephony, "(config-telephony)#", cli.ModeConfig)
	t.Add(cli.ModeConfig, cli.Command{Syntax: "telephony-service", Help: tsHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			if c.Negate {
				f.svc = Service{Settings: newSettings()}
				return nil
			}
			f.svc.Enabled = true
			c.Enter(ModeTelephony, &f.svc)
			return nil
		}})
	add := func(syntax string, run func(c *cli.Context, s *Service) error) {
		t.Add(ModeTelephony, cli.Command{Syntax: syntax, Help: tsHelp, Owner: FeatureTelephony, No: true,
			Run: func(c *cli.Context) error { return run(c, &f.svc) }})
	}
	action := func(syntax string, run func(c *cli.Context, s *Service) error) {
		t.Add(ModeTelephony, cli.Command{Syntax: syntax, Help: tsHelp, Owner: FeatureTelephony,
			Run: func(c *cli.Context) error { return run(c, &f.svc) }})
	}
	add("max-ephones n:<1-1000>", func(c *cli.Context, s *Service) error {
		if c.Negate {
			s.MaxEphones = 0
			return nil
		}
		n := c.Int("n", 0)
		if len(f.ephones) > n {
			return fmt.Errorf("%% %d ephones are already configured; remove some first.", len(f.ephones))
		}
		s.MaxEphones = n
		return nil
	})
	add("max-dn n:<1-1500>", func(c *cli.Context, s *Service) error {
		if c.Negate {
			s.MaxDN = 0
			return nil
		}
		n := c.Int("n", 0)
		if len(f.dns) > n {
			return fmt.Errorf("%% %d ephone-dns are already configured; remove some first.", len(f.dns))
		}
		s.MaxDN = n
		return nil
	})
	add("ip source-address addr:A.B.C.D [ port tcp:<2000-9999> ] [ secondary addr2:A.B.C.D ]", func(c *cli.Context, s *Service) error {
		s.Source, s.Port, s.Secondary = netip.Addr{}, 0, netip.Addr{}
		if c.Negate {
			return nil
		}
		s.Source = netip.MustParseAddr(c.String("addr"))
		s.Port = c.Int("tcp", 2000)
		if c.Has("addr2") {
			s.Secondary = netip.MustParseAddr(c.String("addr2"))
		}
		return nil
	})
	add("load phone-type:WORD firmware:WORD", func(c *cli.Context, s *Service) error {
		typ := c.String("phone-type")
		var keep []Load
		for _, l := range s.Loads {
			if l.Type != typ {
				keep = append(keep, l)
			}
		}
		if !c.Negate {
			if !validLoadType(typ) {
				return c.InvalidInput("phone-type")
			}
			keep = append(keep, Load{typ, c.String("firmware")})
		}
		s.Loads = keep
		return nil
	})
	add("secure-signaling trustpoint label:WORD", func(c *cli.Context, s *Service) error {
		s.SecureSignaling = ""
		if !c.Negate {
			s.SecureSignaling = c.String("label")
		}
		return nil
	})
	add("tftp-server-credentials trustpoint label:WORD", func(c *cli.Context, s *Service) error {
		s.TFTPCredentials = ""
		if !c.Negate {
			s.TFTPCredentials = c.String("label")
		}
		return nil
	})
	add("device-security-mode { authenticated | none | encrypted }", func(c *cli.Context, s *Service) error {
		s.DeviceSecurity = ModeUnset
		if !c.Negate {
			s.DeviceSecurity = parseMode(pick(c, "authenticated", "none", "encrypted"))
		}
		return nil
	})
	add("server-security-mode { erase | non-secure | secure }", func(c *cli.Context, s *Service) error {
		if !c.Negate && c.Has("erase") {
			// A one-shot action, never stored (seed 004: "erase — deletes
			// the CTL file"): the CTL goes, and the server is non-secure
			// until a new CTL is generated. Ignored in a startup-config.
			if !f.sys.IsLoading() {
				s.ServerSecurity = ""
				f.sys.Publish(config.TopicCTLErase)
			}
			return nil
		}
		s.ServerSecurity = ""
		if !c.Negate {
			s.ServerSecurity = pick(c, "non-secure", "secure")
		}
		return nil
	})
	add("cnf-file location { flash: | system: }", func(c *cli.Context, s *Service) error {
		s.CnfLocation = ""
		if !c.Negate {
			s.CnfLocation = pick(c, "flash:", "system:")
		}
		return nil
	})
	add("cnf-file perphone", func(c *cli.Context, s *Service) error { s.CnfPerPhone = !c.Negate; return nil })
	t.Add(ModeTelephony, cli.Command{Syntax: "auto-reg-ephone", Help: tsHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error { f.svc.NoAutoReg = c.Negate && !c.Default; return nil }})
	t.Add(ModeTelephony, cli.Command{Syntax: "encrypt password", Help: tsHelp, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error { f.svc.NoEncryptPW = c.Negate && !c.Default; return nil }})
	add("service https", func(c *cli.Context, s *Service) error { s.ServiceHTTPS = !c.Negate; return nil })
	add("keepalive seconds:<10-65535>", func(c *cli.Context, s *Service) error {
		s.Keepalive = 0
		if !c.Negate {
			s.Keepalive = c.Int("seconds", 0)
		}
		return nil
	})
	add("time-format { 12 | 24 }", func(c *cli.Context, s *Service) error {
		s.TimeFormat = ""
		if !c.Negate {
			s.TimeFormat = pick(c, "12", "24")
		}
		return nil
	})
	add("date-format { dd-mm-yy | mm-dd-yy | yy-dd-mm | yy-mm-dd }", func(c *cli.Context, s *Service) error {
		s.DateFormat = ""
		if !c.Negate {
			s.DateFormat = pick(c, "dd-mm-yy", "mm-dd-yy", "yy-dd-mm", "yy-mm-dd")
		}
		return nil
	})
	add("system message text:LINE", func(c *cli.Context, s *Service) error {
		s.SystemMessage = ""
		if !c.Negate {
			s.SystemMessage = c.String("text")
		}
		return nil
	})
	t.Add(ModeTelephony, cli.Command{Syntax: "load-cfg-file url-file:WORD alias alias-name:WORD [ sign ] [ create ]", Help: tsHelp,
		Owner: FeatureTelephony, No: true, NoSyntax: "load-cfg-file url-file:WORD alias alias-name:WORD [ sign ] [ create ]",
		Run: func(c *cli.Context) error {
			if u := c.String("url-file"); strings.HasPrefix(u, ":") || strings.HasSuffix(u, ":") || strings.Contains(u, "..") {
				return c.InvalidInput("url-file")
			}
			l := LoadCfgFile{URL: c.String("url-file"), Alias: c.String("alias-name"), Sign: c.Has("sign")}
			// `create` acts once and is never rendered (seed 004: so that a
			// reload does not sign again). Typed, a create that cannot sign
			// is refused and nothing is stored, as IOS does; in a
			// startup-config the line stands for its `sign` part (forward
			// references are accepted while loading).
			if !c.Negate && l.Sign && c.Has("create") {
				if err := f.createSigned(l.URL, l.Alias); err != nil {
					if !f.sys.IsLoading() {
						return err
					}
					c.Printf("%s\n", err)
				}
			}
			s := &f.svc.Settings
			var keep []LoadCfgFile
			for _, o := range s.LoadCfg {
				if o.URL != l.URL {
					keep = append(keep, o)
				}
			}
			if !c.Negate {
				keep = append(keep, l)
			}
			s.LoadCfg = keep
			return nil
		}})
	t.Add(ModeTelephony, cli.Command{Syntax: "create cnf-files [ version-stamp model:WORD mon:WORD day:<1-31> year:<1993-2035> time:WORD ]",
		Help: tsHelp, Owner: FeatureTelephony, Run: func(c *cli.Context) error {
			if c.Has("model") {
				f.svc.VersionStamp = strings.Join([]string{c.String("model"), c.String("mon"), c.String("day"), c.String("year"), c.String("time")}, " ")
				return nil
			}
			f.createCnfFiles(c)
			return nil
		}})
	t.Add(ModeTelephony, cli.Command{Syntax: "no create cnf-files", Help: tsHelp, Owner: FeatureTelephony, Run: func(c *cli.Context) error {
		f.svc.VersionStamp = ""
		return nil
	}})
	action("reset { all | sequence-all }", func(c *cli.Context, s *Service) error {
		f.x.resetAll(sccp.ResetReset)
		return nil
	})
	action("restart all", func(c *cli.Context, s *Service) error {
		f.x.resetAll(sccp.ResetRestart)
		return nil
	})
	// Removed in CME 12.6 (ios-commands.md §2.7): refused with the caret error.
	for _, removed := range []string{"log password LINE", "xmltest", "xmlschema LINE", "xmlthread LINE"} {
		t.Add(ModeTelephony, cli.Command{Syntax: removed, Hidden: true, Help: tsHelp, Run: func(c *cli.Context) error {
			return &cli.InvalidInputError{Pos: 0}
		}})
	}
}

func pick(c *cli.Context, kws ...string) string {
	for _, k := range kws {
		if c.Has(k) {
			return k
		}
	}
	return ""
}

// PhoneTypes are the `type` values of ephones (and `load` types).
var PhoneTypes = []string{"7902", "7905", "7910", "7911", "7912", "7914", "7915", "7916", "7920", "7921", "7925", "7926",
	"7931", "7935", "7936", "7937", "7940", "7941", "7941GE", "7942", "7945", "7960", "7961", "7961GE", "7962", "7965",
	"7970", "7971", "7975", "7985", "8941", "8945", "8961", "9951", "9971", "CIPC", "ATA", "anl"}

// phoneTypeHelp is the `type ?` help text of a model.
func phoneTypeHelp(t string) string {
	switch t {
	case "CIPC":
		return "Cisco IP Communicator"
	case "ATA":
		return "Cisco ATA"
	case "anl":
		return "Analog phone (SCCP analog endpoint)"
	}
	return "Cisco IP Phone " + t
}

func validType(t string) bool {
	for _, p := range PhoneTypes {
		if strings.EqualFold(p, t) {
			return true
		}
	}
	return false
}

// validLoadType accepts a phone type or a family such as 7960-7940.
func validLoadType(t string) bool {
	for _, p := range strings.Split(t, "-") {
		if !validType(p) {
			return false
		}
	}
	return true
}

func canonType(t string) string {
	for _, p := range PhoneTypes {
		if strings.EqualFold(p, t) {
			return p
		}
	}
	return t
}

// Render writes the telephony-service block in the order of seed E10.
func (f *Feature) Render(r *config.Renderer) {
	s := &f.svc
	if !s.Enabled {
		return
	}
	r.Line("telephony-service")
	st := func(group int) {
		for _, l := range f.settingsLines(group, false) {
			r.Sub(l)
		}
	}
	for _, l := range s.Loads {
		r.Subf("load %s %s", l.Type, l.Firmware)
	}
	if s.MaxEphones != 0 {
		r.Subf("max-ephones %d", s.MaxEphones)
	}
	if s.MaxDN != 0 {
		r.Subf("max-dn %d", s.MaxDN)
	}
	if s.Source.IsValid() {
		l := fmt.Sprintf("ip source-address %s port %d", s.Source, s.Port)
		if s.Secondary.IsValid() {
			l += " secondary " + s.Secondary.String()
		}
		r.Sub(l)
	}
	if s.NoAutoReg {
		r.Sub("no auto-reg-ephone")
	}
	st(0)
	if s.SystemMessage != "" {
		r.Sub("system message " + s.SystemMessage)
	}
	st(1)
	if s.SecureSignaling != "" {
		r.Sub("secure-signaling trustpoint " + s.SecureSignaling)
	}
	if s.CnfLocation != "" {
		r.Sub("cnf-file location " + s.CnfLocation)
	}
	if s.CnfPerPhone {
		r.Sub("cnf-file perphone")
	}
	st(2)
	if s.TimeFormat != "" {
		r.Sub("time-format " + s.TimeFormat)
	}
	if s.DateFormat != "" {
		r.Sub("date-format " + s.DateFormat)
	}
	if s.Keepalive != 0 {
		r.Subf("keepalive %d", s.Keepalive)
	}
	if s.Interdigit != 0 {
		r.Subf("timeouts interdigit %d", s.Interdigit)
	}
	st(3)
	if s.ServiceHTTPS {
		r.Sub("service https")
	}
	if s.NoEncryptPW {
		r.Sub("no encrypt password")
	}
	if s.TFTPCredentials != "" {
		r.Sub("tftp-server-credentials trustpoint " + s.TFTPCredentials)
	}
	if s.ServerSecurity != "" {
		r.Sub("server-security-mode " + s.ServerSecurity)
	}
	if s.DeviceSecurity != ModeUnset {
		r.Sub("device-security-mode " + s.DeviceSecurity.String())
	}
	if s.VersionStamp != "" {
		r.Sub("create cnf-files version-stamp " + s.VersionStamp)
	}
	r.Bang()
}

func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// Reconcile regenerates and publishes the phones' configuration files.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.publishCnf()
	return f.reconcileCalls(ctx)
}

// Snapshot is a copy of the telephony configuration for other services
// (the SCCP server looks phones up by MAC address).
type Snapshot struct {
	Service Service
	DNs     map[int]DN
	Ephones map[int]Ephone
}

// Snapshot copies the configuration; it takes the configuration lock, so
// it must be called without it.
func (f *Feature) Snapshot() Snapshot {
	f.sys.Lock()
	defer f.sys.Unlock()
	return f.snapshotLocked()
}

// snapshotLocked is Snapshot with the configuration lock held.
func (f *Feature) snapshotLocked() Snapshot {
	sn := Snapshot{Service: f.svc, DNs: map[int]DN{}, Ephones: map[int]Ephone{}}
	sn.Service.Loads = append([]Load(nil), f.svc.Loads...)
	sn.Service.Settings = Settings{}
	for k, d := range f.dns {
		c := *d
		c.Forward = append([]string(nil), d.Forward...)
		sn.DNs[k] = c
	}
	for k, e := range f.ephones {
		c := *e
		c.Buttons = append([]Button(nil), e.Buttons...)
		c.SpeedDials = append([]SpeedDial(nil), e.SpeedDials...)
		sn.Ephones[k] = c
	}
	return sn
}

// EphoneByMAC finds a configured phone by MAC address (any notation
// ParseMAC accepts, or 12 hex digits).
func (sn Snapshot) EphoneByMAC(mac string) (Ephone, bool) {
	want := strings.ToUpper(strings.NewReplacer(".", "", ":", "", "-", "").Replace(mac))
	for _, e := range sn.Ephones {
		if e.MAC != "" && e.MACHex() == want {
			return e, true
		}
	}
	return Ephone{}, false
}
