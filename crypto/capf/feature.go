package capf

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cmeos/crypto/pki"
	"cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/service"
)

// Mode is the capf-server configuration mode.
const Mode = "config-capf-server"

// FeatureName is the registration name.
const FeatureName = "capf-server"

// Defaults and ranges of seed 004 (Configuring the CAPF Server).
const (
	DefaultPort          = 3804
	DefaultKeySize       = 1024
	DefaultKeygenRetry   = 3
	DefaultKeygenTimeout = 30 // minutes
	DefaultECKeySize     = 256
)

// TopicLSC is published when a phone's certificate record changes (an LSC
// installed, fetched or deleted, or an operation's status): the ephone
// feature regenerates that phone's cnf file and the 2443 check reads the
// new LSC.
var TopicLSC = config.DeclareTopic("capf-lsc")

// Authentication modes as the commands spell them (auth-mode, and the
// ephone `cert-oper ... auth-mode`).
const (
	ModeAuthString = "auth-string"
	ModeLSC        = "LSC"
	ModeMIC        = "MIC"
	ModeNone       = "none"
	ModeNullString = "null-string"
)

// Operations (cert-oper).
const (
	OperUpgrade = "upgrade"
	OperDelete  = "delete"
	OperFetch   = "fetch"
)

// Phone is what the CAPF server needs of one configured phone.
type Phone struct {
	Tag        int    // ephone tag
	MAC        string // 12 upper-case hex digits
	AuthString string // capf-auth-str, "" when none
	CertOper   string // per-ephone cert-oper: "", OperUpgrade, OperDelete, OperFetch
	AuthMode   string // per-ephone auth-mode of cert-oper ("" when none)
}

// Device is the phone's CAPF device name, SEP + MAC.
func (p Phone) Device() string { return "SEP" + p.MAC }

// Directory is the list of configured phones, kept by the ephone feature
// (telephony), which installs it with SetDirectory: the CAPF server reads
// it, and `auth-string generate|delete` writes the phones' capf-auth-str
// through it. Both methods are called with the configuration lock held.
type Directory interface {
	CAPFPhones() []Phone
	// SetCAPFAuthString sets the capf-auth-str of ephone tag ("" removes
	// it) and reports whether the ephone exists.
	SetCAPFAuthString(tag int, s string) bool
}

// SetDirectory installs the phone directory of sys (configuration lock
// held or during feature construction).
func SetDirectory(sys *config.System, d Directory) {
	if f := FromSystem(sys); f != nil {
		f.dir = d
	}
}

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderCAPF, New: newFeature,
		Examples: "capf-server\n port 3804\n auth-mode null-string\n cert-enroll-trustpoint iosra password 1 00071A1507545A545C\n" +
			" trustpoint-label cmeserver\n source-addr 10.1.1.1\n phone-key-size 512\n keygen-retry 5\n keygen-timeout 45\n" +
			" cert-oper upgrade all\n key-order ec-preferred\n ec-key-size 384\n shutdown\n"})
}

// Feature is the capf-server configuration, the phones' certificate
// records and the CAPF service.
type Feature struct {
	sys *config.System
	dir Directory // installed by the ephone feature; nil: no phones

	// Guarded by the configuration lock.
	on            bool
	trustpoint    string            // trustpoint-label: TLS certificate towards phones
	enrollTP      string            // cert-enroll-trustpoint: the CA issuing LSCs
	enrollPW      *aaa.SharedSecret // its password (type 0 or 1)
	source        netip.Addr
	port          int
	authMode      string
	keySize       int
	keygenRetry   int
	keygenTimeout int
	certOper      string // cert-oper ... all
	keyOrder      string // rsa, ec, ec-preferred
	ecKeySize     int
	shutdown      bool

	store *Store // LSC records, in nvram

	rmu      sync.Mutex     // serializes Reconcile
	svc      service.Runner // the listener and its connections
	testPort *int           // SetListenPort

	minute  time.Duration // the unit of keygen-timeout (tests shorten it)
	session atomic.Uint32 // last session id handed out
	debug   debugFlags

	// mu guards the counters.
	mu       sync.Mutex
	counters Counters
}

// Counters are the service's totals since boot (show capf-server summary
// in cmeos; the seed prints configuration only).
type Counters struct {
	Sessions, Installed, Fetched, Deleted, Failed, AuthFailures int
}

// FromSystem returns the capf-server feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

func (f *Feature) setDefaults() {
	f.trustpoint, f.enrollTP, f.enrollPW, f.source = "", "", nil, netip.Addr{}
	f.port, f.authMode, f.keySize, f.keygenRetry, f.keygenTimeout = DefaultPort, ModeNone, DefaultKeySize, DefaultKeygenRetry, DefaultKeygenTimeout
	f.certOper, f.keyOrder, f.ecKeySize, f.shutdown = "", "rsa", DefaultECKeySize, false
}

var help = map[string]string{
	"capf-server":            "Enable CAPF server and enter CAPF config mode",
	"trustpoint-label":       "Trustpoint for TLS connection with phones",
	"label":                  "Trustpoint label",
	"cert-enroll-trustpoint": "Enroll CAPF with CA (or RA)",
	"password":               "Password used for certificate enrollment",
	"0":                      "Unencrypted password follows",
	"1":                      "Encrypted password follows",
	"pw":                     "Password string",
	"source-addr":            "CAPF server IP address on the CME router",
	"addr":                   "IP address",
	"port":                   "TCP port the CAPF server listens on for phone connections",
	"tcp-port":               "TCP port number (default 3804)",
	"auth-mode":              "Authentication mode for CAPF sessions",
	"auth-string":            "Phone user enters a special authentication string",
	"lsc":                    "Phone provides its LSC for authentication, if it exists",
	"mic":                    "Phone provides its MIC for authentication, if it exists",
	"none":                   "No certificate upgrade is initiated (default)",
	"null-string":            "No authentication",
	"delete":                 "Delete",
	"generate":               "Generate",
	"all":                    "All phones",
	"ephone-tag":             "Ephone identifier",
	"digit-string":           "Authentication string, 4 to 10 digits (random when omitted)",
	"phone-key-size":         "Size of the RSA key pair generated on the phone",
	"512":                    "512 bits",
	"1024":                   "1024 bits (default)",
	"2048":                   "2048 bits",
	"keygen-retry":           "Number of times the server sends the key generation request",
	"number":                 "Number of retries (default 3)",
	"keygen-timeout":         "Time the server waits for the key generation response",
	"minutes":                "Minutes (default 30)",
	"cert-oper":              "Initiate a certificate operation on all configured phones",
	"fetch":                  "Fetch",
	"upgrade":                "Upgrade",
	"key-order":              "Key type the phone generates for its LSC",
	"rsa":                    "RSA only (default)",
	"ec":                     "EC only",
	"ec-preferred":           "EC preferred, RSA backup",
	"ec-key-size":            "Curve of the EC key generated on the phone",
	"256":                    "secp256r1 (default)",
	"384":                    "secp384r1",
	"521":                    "secp521r1",
	"shutdown":               "Stop the CAPF server",
}

var errIncomplete = errors.New("% Incomplete command.\n\n")

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, minute: time.Minute}
	f.svc = service.Runner{Name: "CAPF server", Facility: "CAPF", Log: sys.Log}
	f.setDefaults()
	f.store = NewStore(sys.FS)
	t := sys.Tree
	t.AddMode(Mode, "(config-capf-server)#", cli.ModeConfig)
	t.Add(cli.ModeConfig, cli.Command{Syntax: "capf-server", Help: help, Owner: FeatureName, No: true, Run: func(c *cli.Context) error {
		if c.Negate {
			f.on = false
			f.setDefaults()
			return nil
		}
		f.on = true
		c.Enter(Mode, nil)
		return nil
	}})
	add := func(syntax string, run func(c *cli.Context) error) {
		t.Add(Mode, cli.Command{Syntax: syntax, Help: help, Owner: FeatureName, No: true, Run: run})
	}
	add("trustpoint-label label:WORD", func(c *cli.Context) error {
		f.trustpoint = c.String("label")
		if c.Negate {
			f.trustpoint = ""
		}
		return nil
	})
	add("cert-enroll-trustpoint label:WORD [ password typ:{ 0 | 1 } pw:WORD ]", func(c *cli.Context) error {
		if c.Negate {
			f.enrollTP, f.enrollPW = "", nil
			return nil
		}
		if !c.Has("pw") {
			return errIncomplete
		}
		typ, _ := strconv.Atoi(c.String("typ"))
		p, err := aaa.ParseSharedSecret(sys, typ, c.String("pw"))
		if err != nil {
			return c.InvalidInput("pw")
		}
		f.enrollTP, f.enrollPW = c.String("label"), p
		return nil
	})
	add("source-addr [ addr:A.B.C.D ]", func(c *cli.Context) error {
		if c.Negate {
			f.source = netip.Addr{}
			return nil
		}
		if !c.Has("addr") {
			return errIncomplete
		}
		f.source = netip.MustParseAddr(c.String("addr"))
		return nil
	})
	add("port [ tcp-port:<2000-9999> ]", func(c *cli.Context) error {
		if c.Negate {
			f.port = DefaultPort
			return nil
		}
		if !c.Has("tcp-port") {
			return errIncomplete
		}
		f.port = c.Int("tcp-port", DefaultPort)
		return nil
	})
	add("auth-mode [ mode:{ auth-string | lsc | mic | none | null-string } ]", func(c *cli.Context) error {
		if c.Negate {
			f.authMode = ModeNone
			return nil
		}
		if !c.Has("mode") {
			return errIncomplete
		}
		f.authMode = canonicalMode(c.String("mode"))
		return nil
	})
	t.Add(Mode, cli.Command{Syntax: "auth-string op:{ delete | generate } which:{ all | ephone-tag:<1-1000> } [ digit-string:WORD ]",
		Help: help, Owner: FeatureName, Run: func(c *cli.Context) error { return f.authStringCmd(c) }})
	add("phone-key-size [ bits:{ 512 | 1024 | 2048 } ]", func(c *cli.Context) error {
		if c.Negate {
			f.keySize = DefaultKeySize
			return nil
		}
		if !c.Has("bits") {
			return errIncomplete
		}
		f.keySize, _ = strconv.Atoi(c.String("bits"))
		return nil
	})
	add("keygen-retry [ number:<0-100> ]", func(c *cli.Context) error {
		if c.Negate {
			f.keygenRetry = DefaultKeygenRetry
			return nil
		}
		if !c.Has("number") {
			return errIncomplete
		}
		f.keygenRetry = c.Int("number", DefaultKeygenRetry)
		return nil
	})
	add("keygen-timeout [ minutes:<1-120> ]", func(c *cli.Context) error {
		if c.Negate {
			f.keygenTimeout = DefaultKeygenTimeout
			return nil
		}
		if !c.Has("minutes") {
			return errIncomplete
		}
		f.keygenTimeout = c.Int("minutes", DefaultKeygenTimeout)
		return nil
	})
	add("cert-oper [ op:{ delete | fetch | upgrade } all ]", func(c *cli.Context) error {
		if c.Negate {
			f.certOper = ""
			return nil
		}
		if !c.Has("op") {
			return errIncomplete
		}
		f.certOper = c.String("op")
		// Entering the command starts the operation again on every phone,
		// also where the same operation completed before.
		if !f.sys.IsLoading() {
			f.store.Reschedule("")
		}
		return nil
	})
	// Seeds 001 and 003 (CUCM): key order and EC key size; IOS has no
	// syntax for them, so these are cmeos commands (tier X).
	add("key-order [ order:{ rsa | ec | ec-preferred } ]", func(c *cli.Context) error {
		if c.Negate {
			f.keyOrder = "rsa"
			return nil
		}
		if !c.Has("order") {
			return errIncomplete
		}
		f.keyOrder = c.String("order")
		return nil
	})
	add("ec-key-size [ curve:{ 256 | 384 | 521 } ]", func(c *cli.Context) error {
		if c.Negate {
			f.ecKeySize = DefaultECKeySize
			return nil
		}
		if !c.Has("curve") {
			return errIncomplete
		}
		f.ecKeySize, _ = strconv.Atoi(c.String("curve"))
		return nil
	})
	add("shutdown", func(c *cli.Context) error {
		f.shutdown = !c.Negate
		return nil
	})
	registerShow(f)
	sys.Subscribe(pki.TopicCertificates, FeatureName, f.Reconcile)
	return f
}

// canonicalMode spells an auth-mode keyword as IOS shows it (LSC and MIC
// in capitals, however typed).
func canonicalMode(m string) string {
	switch strings.ToLower(m) {
	case "lsc":
		return ModeLSC
	case "mic":
		return ModeMIC
	}
	return strings.ToLower(m)
}

// authStringCmd is `auth-string {delete|generate} {all|tag} [digits]`:
// it writes capf-auth-str under the ephones, as seed 004 says.
func (f *Feature) authStringCmd(c *cli.Context) error {
	digits := c.String("digit-string")
	gen := c.String("op") == "generate"
	if c.Has("digit-string") && (!gen || len(digits) < 4 || len(digits) > 10 || strings.Trim(digits, "0123456789") != "") {
		return c.InvalidInput("digit-string")
	}
	if f.dir == nil {
		return errors.New("% No ephones configured")
	}
	var tags []int
	if c.Has("ephone-tag") {
		tags = []int{c.Int("ephone-tag", 0)}
	} else {
		for _, p := range f.dir.CAPFPhones() {
			tags = append(tags, p.Tag)
		}
	}
	for _, tag := range tags {
		s := ""
		if gen {
			s = digits
			if s == "" {
				var err error
				if s, err = randomDigits(); err != nil {
					return err
				}
			}
		}
		if !f.dir.SetCAPFAuthString(tag, s) {
			return fmt.Errorf("%% Ephone %d is not configured", tag)
		}
	}
	return nil
}

// randomDigits is a random authentication string: 4 to 10 keypad digits
// (seed 004: random per phone when omitted); cmeos uses 8.
func randomDigits() (string, error) {
	const n = 8
	b := make([]byte, n)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", fmt.Errorf("capf: random auth string: %w", err)
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b), nil
}

// Render writes the capf-server block, in the order of seed 004's example.
func (f *Feature) Render(r *config.Renderer) {
	if !f.on {
		return
	}
	r.Line("capf-server")
	if f.port != DefaultPort {
		r.Subf("port %d", f.port)
	}
	if f.authMode != ModeNone {
		r.Sub("auth-mode " + f.authMode)
	}
	if f.enrollTP != "" {
		r.Sub("cert-enroll-trustpoint " + f.enrollTP + " password " + f.enrollPW.Render(f.sys))
	}
	if f.trustpoint != "" {
		r.Sub("trustpoint-label " + f.trustpoint)
	}
	if f.source.IsValid() {
		r.Sub("source-addr " + f.source.String())
	}
	if f.keySize != DefaultKeySize {
		r.Subf("phone-key-size %d", f.keySize)
	}
	if f.keygenRetry != DefaultKeygenRetry {
		r.Subf("keygen-retry %d", f.keygenRetry)
	}
	if f.keygenTimeout != DefaultKeygenTimeout {
		r.Subf("keygen-timeout %d", f.keygenTimeout)
	}
	if f.certOper != "" {
		r.Sub("cert-oper " + f.certOper + " all")
	}
	if f.keyOrder != "rsa" {
		r.Sub("key-order " + f.keyOrder)
	}
	if f.ecKeySize != DefaultECKeySize {
		r.Subf("ec-key-size %d", f.ecKeySize)
	}
	if f.shutdown {
		r.Sub("shutdown")
	}
	r.Bang()
}

// Address is where phones reach the CAPF server (source-addr), for the cnf
// files; invalid when not configured (lock held).
func (f *Feature) Address() netip.Addr {
	if !f.on || f.shutdown {
		return netip.Addr{}
	}
	return f.source
}

// Addr is the listener's address, or nil when the service is stopped.
func (f *Feature) Addr() net.Addr { return f.svc.Addr() }

// Reconcile loads the LSC records and starts, restarts or stops the
// listener to match the configuration.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	if err := f.store.Load(); err != nil {
		f.sys.Log.Logf(3, "CAPF", "DB_ERR", "LSC records not loaded: %v", err)
	}
	f.sys.Lock()
	if f.sys.IsLoading() {
		f.sys.Unlock()
		return nil
	}
	why := ""
	switch {
	case !f.on || f.shutdown || f.trustpoint == "":
		why = "-"
	default:
		if _, _, ok := pki.FromSystem(f.sys).Credentials(f.trustpoint); !ok {
			why = fmt.Sprintf("trustpoint %s has no certificate or key", f.trustpoint)
		}
	}
	host := "0.0.0.0"
	if f.source.IsValid() {
		host = f.source.String()
	}
	port := f.port
	if f.testPort != nil {
		port = *f.testPort
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	f.sys.Unlock()
	if why != "" {
		f.svc.Down(why)
		return nil
	}
	return f.svc.Up(ctx, service.Config{Addr: addr, TLS: f.tlsConfig, Handle: f.handle,
		MaxConns: MaxSessions, MaxPerSource: MaxPerSource, Handshake: StepTimeout})
}

// SetListenPort makes the listener use this port instead of the configured
// one (0: a free port), for tests that run boxes side by side. Call it
// before the configuration is loaded.
func (f *Feature) SetListenPort(port int) {
	f.sys.Lock()
	f.testPort = &port
	f.sys.Unlock()
}

// Close stops the service.
func (f *Feature) Close() error {
	f.svc.Close()
	return nil
}

// Reschedule makes a device's configured operation due again although it
// completed before (what entering its cert-oper anew does; "" for every
// device).
func (f *Feature) Reschedule(device string) { f.store.Reschedule(strings.ToUpper(device)) }

// Stats returns the counters.
func (f *Feature) Stats() Counters {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counters
}

func (f *Feature) count(fn func(c *Counters)) {
	f.mu.Lock()
	fn(&f.counters)
	f.mu.Unlock()
}
