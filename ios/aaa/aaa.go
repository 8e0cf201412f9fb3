package aaa

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"cmeos/ios/aaa/pwtype"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/ios/system"
)

func init() {
	for _, r := range []config.Registration{
		{Name: "password-encryption", Order: config.OrderService + 50, New: newKeyFeature,
			Examples: "key config-key password-encrypt Cisco123key\npassword encryption aes\n"},
		{Name: "enable", Order: config.OrderEnable, New: newEnable,
			Examples: "enable secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM\nenable password 7 0822455D0A16\n"},
		{Name: "aaa", Order: config.OrderAAA, New: newAAA,
			Examples: "aaa new-model\naaa authentication login default local\naaa authentication login CONSOLE none\n" +
				"aaa authorization exec default local\naaa accounting connection h323 start-stop group radius\naaa session-id common\n"},
		{Name: "username", Order: config.OrderUsername, New: newUsers,
			Examples: "login block-for 120 attempts 3 within 60\nlogin delay 2\nusername admin privilege 15 secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM\n" +
				"username cisco password 0 mypassword2\nusername ops privilege 5 password 7 0822455D0A16\nusername md5 secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0\n"},
		{Name: "radius", Order: config.OrderRadius, New: newRadius,
			Examples: "radius-server host 10.13.32.241 auth-port 1645 acct-port 1646\nradius-server timeout 40\nradius-server deadtime 2\nradius-server key cisco\nradius-server vsa send accounting\n"},
	} {
		config.Register(r)
	}
}

// ---- master key and type 6 ----

// keyFeature holds `key config-key password-encrypt` (kept in private NVRAM,
// never rendered) and `password encryption aes`.
type keyFeature struct {
	sys *config.System
	key *pwtype.MasterKey
	aes bool
}

const masterKeyFile = "config-key"

func newKeyFeature(sys *config.System) config.Feature {
	f := &keyFeature{sys: sys}
	if sys.FS != nil {
		if b, err := sys.FS.PrivateRead(masterKeyFile); err == nil {
			if k, err := pwtype.NewMasterKey(string(b)); err == nil {
				f.key = k
			}
		}
	}
	help := map[string]string{"key": "Key management", "config-key": "Set a private configuration key",
		"password-encrypt": "Set a private configuration key for password encryption", "WORD": "The new config key",
		"password": "Configure password encryption", "encryption": "Configure password encryption", "aes": "Enable type 6 encrypted preshared key"}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "key config-key password-encrypt [ WORD ]", Help: help, Owner: "password-encryption", No: true,
		Run: func(c *cli.Context) error { return f.configKey(c) }})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "password encryption aes", Help: help, Owner: "password-encryption", No: true,
		Run: func(c *cli.Context) error {
			f.aes = !c.Negate
			if f.aes && f.key == nil && c.Interactive() && !sys.IsLoading() {
				c.Printf("%% Please configure the master key (key config-key password-encrypt) for type 6 encryption.\n")
			}
			return nil
		}})
	return f
}

func (f *keyFeature) configKey(c *cli.Context) error {
	if c.Negate {
		if f.key == nil {
			return nil
		}
		ans, err := c.Ask("WARNING: All type 6 encrypted keys will become unusable\nContinue with master key deletion? [yes/no]: ")
		if err == nil && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ans)), "y") {
			return nil
		}
		if f.sys.FS == nil {
			return nil
		}
		if err := f.sys.FS.PrivateRemove(masterKeyFile); err != nil {
			return fmt.Errorf("%% Failed to remove the master key: %v", err)
		}
		f.key = nil
		return nil
	}
	newKey := c.String("WORD")
	if newKey == "" {
		if f.key != nil {
			old, err := c.AskSecret("Old key: ")
			if err != nil {
				return nil
			}
			if !f.key.Equal(old) {
				return fmt.Errorf("%% Invalid key entered")
			}
		}
		k1, err := c.AskSecret("New key: ")
		if err != nil {
			return nil
		}
		k2, err := c.AskSecret("Confirm key: ")
		if err != nil {
			return nil
		}
		if k1 != k2 {
			return fmt.Errorf("%% Key mismatch. Operation aborted")
		}
		newKey = k1
	}
	k, err := pwtype.NewMasterKey(newKey)
	if err != nil {
		return fmt.Errorf("%% Master key must be at least %d characters. Operation aborted", pwtype.MinMasterKeyLen)
	}
	if f.key.Equal(newKey) {
		return nil
	}
	if f.sys.FS == nil {
		return fmt.Errorf("%% No NVRAM to store the master key")
	}
	if err := f.sys.FS.PrivateWrite(masterKeyFile, []byte(newKey)); err != nil {
		return fmt.Errorf("%% Failed to store the master key: %v", err)
	}
	// Type 6 passwords re-encrypt under the new key the next time they render.
	f.key = k
	if !f.sys.IsLoading() {
		f.sys.Log.Logf(logging.Notifications, "PASSWD", "MASTER_KEY", "Master key changed")
	}
	return nil
}

func (f *keyFeature) Render(r *config.Renderer) {
	// The key itself lives in private NVRAM: IOS never shows it.
	if f.aes {
		r.Line("password encryption aes")
		r.Bang()
	}
}

func masterKey(sys *config.System) *pwtype.MasterKey {
	f, _ := sys.Feature("password-encryption").(*keyFeature)
	if f == nil {
		return nil
	}
	return f.key
}

// AESEnabled reports whether type 6 storage is on: `password encryption aes`
// and a master key (lock held).
func AESEnabled(sys *config.System) bool {
	f, _ := sys.Feature("password-encryption").(*keyFeature)
	return f != nil && f.aes && f.key != nil
}

func serviceEncryption(sys *config.System) bool { return system.PasswordEncryption(sys) }

// ---- secrets (one-way) ----

// secret is a one-way hash as IOS stores it: type 5, 8 or 9.
type secret struct {
	typ  pwtype.Type
	text string
}

func (s secret) verify(plain string) bool { return pwtype.Verify(s.typ, s.text, plain) }

// newSecret hashes a clear-text secret with the algorithm named (default scrypt, type 9).
func newSecret(plain, algo string) (secret, error) {
	switch algo {
	case "md5":
		h, err := pwtype.NewType5(plain)
		return secret{pwtype.Type5, h}, err
	case "sha256":
		h, err := pwtype.NewType8(plain)
		return secret{pwtype.Type8, h}, err
	default:
		h, err := pwtype.NewType9(plain)
		return secret{pwtype.Type9, h}, err
	}
}

// parseSecret reads `secret [0|5|8|9] TEXT`.
func parseSecret(c *cli.Context, typArg, textArg string) (secret, error) {
	text := c.String(textArg)
	typ := c.String(typArg)
	if typ == "" || typ == "0" {
		return newSecret(text, c.String("algo"))
	}
	t := pwtype.Type(atoiType(typ))
	ok := false
	switch t {
	case pwtype.Type5:
		ok = strings.HasPrefix(text, "$1$")
	case pwtype.Type8:
		ok = strings.HasPrefix(text, "$8$")
	case pwtype.Type9:
		ok = strings.HasPrefix(text, "$9$")
	}
	if !ok {
		return secret{}, fmt.Errorf("ERROR: The secret you entered is not a valid encrypted secret.\nTo enter an UNENCRYPTED secret, do not specify type %d encryption.\nWhen you properly enter an UNENCRYPTED secret, it will be encrypted.", t)
	}
	return secret{t, text}, nil
}

// ---- enable ----

type enable struct {
	sys      *config.System
	secret   *secret
	password *Password
}

func newEnable(sys *config.System) config.Feature {
	f := &enable{sys: sys}
	help := map[string]string{"enable": "Modify enable password parameters", "secret": "Assign the privileged level secret (MAX of 25 characters)",
		"password": "Assign the privileged level password (MAX of 25 characters)", "0": "Specifies an UNENCRYPTED password will follow",
		"5": "Specifies a MD5 HASHED secret will follow", "8": "Specifies a PBKDF2 HASHED secret will follow",
		"9": "Specifies a SCRYPT HASHED secret will follow", "7": "Specifies a HIDDEN password will follow",
		"algorithm-type": "Algorithm to use for hashing the plaintext 'enable' secret", "md5": "Encode the password using the MD5 algorithm",
		"sha256": "Encode the password using the PBKDF2 hashing algorithm", "scrypt": "Encode the password using the SCRYPT hashing algorithm",
		"LINE": "The UNENCRYPTED (cleartext) 'enable' secret"}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "enable [ algorithm-type algo:{ md5 | sha256 | scrypt } ] secret [ typ:{ 0 | 5 | 8 | 9 } ] LINE",
		NoSyntax: "enable secret [ LINE ]", Help: help, Owner: "enable", No: true,
		Run: func(c *cli.Context) error {
			if c.Negate {
				f.secret = nil
				return nil
			}
			s, err := parseSecret(c, "typ", "LINE")
			if err != nil {
				return err
			}
			f.secret = &s
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "enable password [ typ:{ 0 | 7 } ] LINE", NoSyntax: "enable password [ LINE ]", Help: help, Owner: "enable", No: true,
		Run: func(c *cli.Context) error {
			if c.Negate {
				f.password = nil
				return nil
			}
			p, err := ParsePassword(sys, atoiType(orZero(c.String("typ"))), c.String("LINE"))
			if err != nil {
				return err
			}
			f.password = p
			return nil
		}})
	return f
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func (f *enable) Render(r *config.Renderer) {
	if f.secret != nil {
		r.Linef("enable secret %d %s", f.secret.typ, f.secret.text)
	}
	if f.password != nil {
		r.Line("enable password " + f.password.RenderType7(f.sys))
	}
	if f.secret != nil || f.password != nil {
		r.Bang()
	}
}

// ---- aaa new-model and method lists ----

type aaaFeature struct {
	newModel bool
	lists    []methodList // in the order typed
}

// methodList is one `aaa authentication login`, `aaa authorization exec`,
// `aaa accounting` or `aaa session-id` line, kept typed.
type methodList struct {
	kind    string   // "authentication login", "authorization exec", "accounting", "session-id"
	name    string   // the list name ("default"); for accounting its first two words
	methods []string // the methods in order
}

func (m methodList) String() string {
	return strings.Join(append([]string{"aaa", m.kind, m.name}, m.methods...), " ")
}

func newAAA(sys *config.System) config.Feature {
	f := &aaaFeature{}
	help := map[string]string{"aaa": "Authentication, Authorization and Accounting.", "new-model": "Enable NEW access control commands and functions.(Disables OLD commands.)",
		"authentication": "Authentication configurations parameters.", "authorization": "Authorization configurations parameters.",
		"accounting": "Accounting configurations parameters.", "login": "Set authentication lists for logins.",
		"session-id": "AAA Session ID", "common": "Common Session ID for all records", "default": "The default authentication list.",
		"list": "Named authentication list.", "local": "Use local username authentication.", "none": "NO authentication.",
		"enable": "Use enable password for authentication.", "line": "Use line password for authentication.",
		"exec": "For starting an exec (shell).", "LINE": "Accounting method list and methods"}
	add := func(syntax string, run func(c *cli.Context) error) {
		sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: syntax, Help: help, Owner: "aaa", No: true, Run: run})
	}
	add("aaa new-model", func(c *cli.Context) error { f.newModel = !c.Negate; return nil })
	// set replaces the list of that kind and name (or removes it for no).
	set := func(c *cli.Context, m methodList) {
		var keep []methodList
		for _, l := range f.lists {
			if l.kind != m.kind || l.name != m.name {
				keep = append(keep, l)
			}
		}
		if !c.Negate {
			keep = append(keep, m)
		}
		f.lists = keep
	}
	// methodWords are the typed methods after the list name, canonical
	// (abbreviations expanded).
	methodWords := func(c *cli.Context, skip int) []string {
		w := strings.Fields(c.CanonicalArgs())
		if len(w) <= skip {
			return nil
		}
		return w[skip:]
	}
	methods := "{ local | none | enable | line | group WORD }..."
	add("aaa authentication login list:WORD "+methods, func(c *cli.Context) error {
		if !f.newModel && !c.Negate {
			return fmt.Errorf("%% AAA: Command requires 'aaa new-model'")
		}
		if c.Has("group") && !c.Negate && c.Interactive() && !sys.IsLoading() {
			c.Printf("%% RADIUS and TACACS+ servers are not supported on cmeos: only local methods are used.\n")
		}
		set(c, methodList{"authentication login", c.String("list"), methodWords(c, 4)})
		return nil
	})
	add("aaa authorization exec list:WORD "+methods, func(c *cli.Context) error {
		set(c, methodList{"authorization exec", c.String("list"), methodWords(c, 4)})
		return nil
	})
	add("aaa accounting LINE", func(c *cli.Context) error {
		w := strings.Fields(c.String("LINE"))
		m := methodList{kind: "accounting", name: firstWords(c.String("LINE"), 2)}
		if len(w) > 2 {
			m.methods = w[2:]
		}
		set(c, m)
		return nil
	})
	add("aaa session-id common", func(c *cli.Context) error { set(c, methodList{kind: "session-id", name: "common"}); return nil })
	return f
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}

func (f *aaaFeature) Render(r *config.Renderer) {
	if !f.newModel {
		return
	}
	r.Line("aaa new-model")
	r.Bang()
	for _, l := range f.lists {
		r.Line(l.String())
		r.Bang()
	}
}

// LoginMethods returns the methods of `aaa authentication login LIST` (or
// default), or nil when aaa new-model is off or no such list exists (lock held).
func LoginMethods(sys *config.System, list string) []string {
	f, _ := sys.Feature("aaa").(*aaaFeature)
	if f == nil || !f.newModel {
		return nil
	}
	if list == "" {
		list = "default"
	}
	for _, l := range f.lists {
		if l.kind == "authentication login" && l.name == list {
			return append([]string(nil), l.methods...)
		}
	}
	return nil
}

// NewModel reports whether aaa new-model is on (lock held).
func NewModel(sys *config.System) bool {
	f, _ := sys.Feature("aaa").(*aaaFeature)
	return f != nil && f.newModel
}

// ---- usernames and login lockout ----

type user struct {
	name     string
	priv     int
	privSet  bool
	secret   *secret
	password *Password
}

type users struct {
	sys    *config.System
	byName map[string]*user

	blockFor, attempts, within int
	delay                      int

	// mu guards the failure history and block state, which change at login
	// time outside configuration commands.
	mu           sync.Mutex
	failures     []time.Time
	blockedUntil time.Time
}

func newUsers(sys *config.System) config.Feature {
	f := &users{sys: sys, byName: map[string]*user{}}
	help := map[string]string{"username": "Establish User Name Authentication", "name": "User name",
		"privilege": "Set user privilege level", "level": "User privilege level", "secret": "Specify the secret for the user",
		"password": "Specify the password for the user", "0": "Specifies an UNENCRYPTED password/secret will follow",
		"5": "Specifies a MD5 HASHED secret will follow", "7": "Specifies a HIDDEN password will follow",
		"8": "Specifies a PBKDF2 HASHED secret will follow", "9": "Specifies a SCRYPT HASHED secret will follow",
		"algorithm-type": "Algorithm to use for hashing the plaintext secret for the user", "md5": "Encode the password using the MD5 algorithm",
		"sha256": "Encode the password using the PBKDF2 hashing algorithm", "scrypt": "Encode the password using the SCRYPT hashing algorithm",
		"LINE": "The password/secret", "login": "Enable secured login checking", "block-for": "Set quiet-mode active time period",
		"attempts": "Set max number of fail attempts", "within": "Watch period for repeated login failures",
		"seconds": "Quiet-mode active time period", "tries": "Fail attempts", "period": "Watch period",
		"delay": "Set delay between successive fail login", "dsec": "Seconds between successive login attempts"}
	sys.Tree.Add(cli.ModeConfig, cli.Command{
		Syntax:   "username name:WORD [ privilege level:<0-15> ] [ algorithm-type algo:{ md5 | sha256 | scrypt } ] { secret [ typ:{ 0 | 5 | 8 | 9 } ] LINE | password [ ptyp:{ 0 | 7 } ] LINE }",
		NoSyntax: "username name:WORD [ LINE ]", Help: help, Owner: "username", No: true,
		Run: func(c *cli.Context) error {
			name := c.String("name")
			if c.Negate {
				delete(f.byName, name)
				return nil
			}
			u := &user{name: name, priv: c.Int("level", 1), privSet: c.Has("level")}
			if c.Has("secret") {
				s, err := parseSecret(c, "typ", "LINE")
				if err != nil {
					return err
				}
				u.secret = &s
			} else {
				p, err := ParsePassword(sys, atoiType(orZero(c.String("ptyp"))), c.String("LINE"))
				if err != nil {
					return err
				}
				u.password = p
			}
			f.byName[name] = u
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "login block-for seconds:<1-65535> attempts tries:<1-65535> within period:<1-65535>",
		Help: help, Owner: "username", No: true, NoSyntax: "login block-for [ seconds:<1-65535> attempts tries:<1-65535> within period:<1-65535> ]",
		Run: func(c *cli.Context) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			if c.Negate {
				f.blockFor, f.attempts, f.within = 0, 0, 0
				f.blockedUntil = time.Time{}
				return nil
			}
			f.blockFor, f.attempts, f.within = c.Int("seconds", 0), c.Int("tries", 0), c.Int("period", 0)
			return nil
		}})
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "login delay dsec:<1-10>", Help: help, Owner: "username", No: true,
		Run: func(c *cli.Context) error {
			f.delay = c.Int("dsec", 0)
			if c.Negate {
				f.delay = 0
			}
			return nil
		}})
	sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show privilege", Priv: cli.PrivUser,
		Help: map[string]string{"show": "Show running system information", "privilege": "Show current privilege level"},
		Run:  func(c *cli.Context) error { c.Printf("Current privilege level is %d\n", c.Session.Priv); return nil }})
	sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "show login [ failures ]", Pipe: true,
		Help: map[string]string{"show": "Show running system information", "login": "Display Secure Login Configurations and State", "failures": "Display the login failures"},
		Run:  func(c *cli.Context) error { f.showLogin(c); return nil }})
	return f
}

func (f *users) Render(r *config.Renderer) {
	if f.blockFor > 0 {
		r.Linef("login block-for %d attempts %d within %d", f.blockFor, f.attempts, f.within)
	}
	if f.delay > 0 {
		r.Linef("login delay %d", f.delay)
	}
	names := make([]string, 0, len(f.byName))
	for n := range f.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		u := f.byName[n]
		s := "username " + n
		if u.privSet {
			s += fmt.Sprintf(" privilege %d", u.priv)
		}
		if u.secret != nil {
			s += fmt.Sprintf(" secret %d %s", u.secret.typ, u.secret.text)
		} else {
			s += " password " + u.password.RenderType7(f.sys)
		}
		r.Line(s)
	}
	if len(names) > 0 || f.blockFor > 0 || f.delay > 0 {
		r.Bang()
	}
}

func (f *users) showLogin(c *cli.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blockFor == 0 {
		c.Printf("     No login delay has been applied.\n     No Quiet-Mode access list has been configured.\n\n     Router NOT enabled to watch for login Attacks\n")
		return
	}
	c.Printf("     A login delay of %d seconds is applied.\n     No Quiet-Mode access list has been configured.\n\n", max(f.delay, 1))
	c.Printf("     Router enabled to watch for login Attacks.\n     If more than %d login failures occur in %d seconds or less,\n     logins will be disabled for %d seconds.\n\n", f.attempts, f.within, f.blockFor)
	now := f.sys.Now()
	if now.Before(f.blockedUntil) {
		c.Printf("     Router presently in Quiet-Mode.\n     Will remain in Quiet-Mode for %d seconds.\n", int(f.blockedUntil.Sub(now).Seconds()+0.5))
	} else {
		c.Printf("     Router presently in Normal-Mode.\n     Current Watch Window remaining time %d seconds.\n", f.within)
		c.Printf("     Present login failure count %d.\n", len(f.failures))
	}
}

// ErrBlocked is returned while login block-for keeps the router in quiet mode.
var ErrBlocked = errors.New("login blocked (quiet mode)")

// Login is the outcome of a successful local login.
type Login struct {
	User string
	Priv int
}

// CheckLocal verifies a local username and password, applying login
// block-for. It takes the lock itself. from names the source for the log.
func CheckLocal(sys *config.System, name, pass, from string) (Login, error) {
	return CheckLocalPort(sys, name, pass, from, 0)
}

// CheckLocalPort is CheckLocal for a login that arrived on a local port
// (SSH: 22), which IOS names in its log lines ("[localport: 22]").
func CheckLocalPort(sys *config.System, name, pass, from string, localPort int) (Login, error) {
	sys.Lock()
	f, _ := sys.Feature("username").(*users)
	var u *user
	if f != nil {
		u = f.byName[name]
	}
	var ok bool
	if u != nil {
		if u.secret != nil {
			ok = u.secret.verify(pass)
		} else {
			ok = u.password.Plain() == pass
		}
	}
	priv := 1
	if u != nil {
		priv = u.priv
	}
	sys.Unlock()
	if f == nil {
		return Login{}, errors.New("no users")
	}
	if f.blocked() {
		return Login{}, ErrBlocked
	}
	if !ok {
		f.failed(name, from, localPort)
		return Login{}, errors.New("login invalid")
	}
	sys.Log.Logf(logging.Notifications, "SEC_LOGIN", "LOGIN_SUCCESS", "Login Success [user: %s] [Source: %s] [localport: %d] at %s", logging.Escape(name), from, localPort, sys.Now().UTC().Format("15:04:05 UTC Mon Jan 2 2006"))
	return Login{User: name, Priv: priv}, nil
}

// UserPrivilege returns a local user's privilege level (1 if unknown). Lock held.
func UserPrivilege(sys *config.System, name string) int {
	f, _ := sys.Feature("username").(*users)
	if f == nil || f.byName[name] == nil {
		return 1
	}
	return f.byName[name].priv
}

// HasUsers reports whether any local username is configured (lock held).
func HasUsers(sys *config.System) bool {
	f, _ := sys.Feature("username").(*users)
	return f != nil && len(f.byName) > 0
}

func (f *users) blocked() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sys.Now().Before(f.blockedUntil)
}

// failed records a failure and enters quiet mode when block-for says so.
func (f *users) failed(name, from string, localPort int) {
	f.mu.Lock()
	now := f.sys.Now()
	f.failures = append(f.failures, now)
	if f.within > 0 {
		cut := now.Add(-time.Duration(f.within) * time.Second)
		i := 0
		for i < len(f.failures) && f.failures[i].Before(cut) {
			i++
		}
		f.failures = f.failures[i:]
	}
	block := f.blockFor > 0 && len(f.failures) >= f.attempts
	if block {
		f.blockedUntil = now.Add(time.Duration(f.blockFor) * time.Second)
		f.failures = nil
	}
	f.mu.Unlock()
	f.sys.Log.Logf(logging.Notifications, "SEC_LOGIN", "LOGIN_FAILED", "Login failed [user: %s] [Source: %s] [localport: %d] [Reason: Login Authentication Failed] at %s",
		logging.Escape(name), from, localPort, now.UTC().Format("15:04:05 UTC Mon Jan 2 2006"))
	if block {
		f.sys.Log.Logf(logging.Alerts, "SEC_LOGIN", "QUIET_MODE_ON", "Still timeleft for watching failures is %d secs, [user: %s] [Source: %s] [localport: %d] [Reason: Login Authentication Failed] [ACL: sl_def_acl] at %s",
			f.within, logging.Escape(name), from, localPort, now.UTC().Format("15:04:05 UTC Mon Jan 2 2006"))
	}
}

// FailureDelay is the pause after a failed login (login delay, default 1s
// once login block-for is configured; IOS applies no delay otherwise).
func FailureDelay(sys *config.System) time.Duration {
	sys.Lock()
	defer sys.Unlock()
	f, _ := sys.Feature("username").(*users)
	if f == nil {
		return 0
	}
	switch {
	case f.delay > 0:
		return time.Duration(f.delay) * time.Second
	case f.blockFor > 0:
		return time.Second
	}
	return 0
}

// EnableConfigured reports whether an enable secret or password is set (lock held).
func EnableConfigured(sys *config.System) bool {
	f, _ := sys.Feature("enable").(*enable)
	return f != nil && (f.secret != nil || f.password != nil)
}

// VerifyEnable verifies the enable secret (or, without one, the enable
// password). The lock must be held (it is, inside the enable command).
func VerifyEnable(sys *config.System, pass string) bool {
	f, _ := sys.Feature("enable").(*enable)
	switch {
	case f == nil:
		return false
	case f.secret != nil:
		return f.secret.verify(pass)
	case f.password != nil:
		return f.password.Plain() == pass
	}
	return false
}

// ---- RADIUS lines (stored only) ----

type radius struct{ lines []string }

func newRadius(sys *config.System) config.Feature {
	f := &radius{}
	sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "radius-server LINE", Owner: "radius", No: true,
		Help: map[string]string{"radius-server": "Modify RADIUS query parameters", "LINE": "RADIUS server parameters"},
		Run: func(c *cli.Context) error {
			line := "radius-server " + c.String("LINE")
			key := firstWords(line, 2)
			if strings.HasPrefix(line, "radius-server host ") {
				key = firstWords(line, 3)
			}
			var keep []string
			for _, l := range f.lines {
				if firstWords(l, len(strings.Fields(key))) != key {
					keep = append(keep, l)
				}
			}
			if !c.Negate {
				keep = append(keep, line)
				if c.Interactive() && !sys.IsLoading() && strings.HasPrefix(line, "radius-server host ") {
					c.Printf("%% RADIUS is not supported on cmeos: the line is stored only.\n")
				}
			}
			f.lines = keep
			return nil
		}})
	return f
}

func (f *radius) Render(r *config.Renderer) {
	for _, l := range f.lines {
		r.Line(l)
	}
	if len(f.lines) > 0 {
		r.Bang()
	}
}
