package ephone

import (
	"cmeos/ios/aaa"
	"net/netip"
	"strings"
)

// SecurityMode is a device-security-mode value.
type SecurityMode int

// Device security modes; ModeUnset means "inherit" on an ephone.
const (
	ModeUnset SecurityMode = iota
	ModeNone
	ModeAuthenticated
	ModeEncrypted
)

var modeWords = map[SecurityMode]string{ModeNone: "none", ModeAuthenticated: "authenticated", ModeEncrypted: "encrypted"}

func (m SecurityMode) String() string { return modeWords[m] }

// Title is the capitalised spelling of show commands.
func (m SecurityMode) Title() string {
	switch m {
	case ModeAuthenticated:
		return "Authenticated"
	case ModeEncrypted:
		return "Encrypted"
	}
	return "None"
}

func parseMode(s string) SecurityMode {
	for m, w := range modeWords {
		if w == s {
			return m
		}
	}
	return ModeUnset
}

// Load is one `load <type> <firmware>` line.
type Load struct{ Type, Firmware string }

// Service is the telephony-service block.
type Service struct {
	Enabled         bool // the block exists
	MaxEphones      int  // 0: not configured
	MaxDN           int
	Source          netip.Addr
	Port            int
	Secondary       netip.Addr
	Loads           []Load
	SecureSignaling string // trustpoint label
	TFTPCredentials string
	DeviceSecurity  SecurityMode
	ServerSecurity  string // erase | non-secure | secure | ""
	CnfLocation     string // "flash:" | "system:" | ""
	CnfPerPhone     bool
	NoAutoReg       bool
	NoEncryptPW     bool
	ServiceHTTPS    bool
	VersionStamp    string // "7960 Oct 25 2006 07:19:39"
	Keepalive       int
	Interdigit      int // timeouts interdigit (seconds); 0: default 10
	TimeFormat      string
	DateFormat      string
	SystemMessage   string
	Settings        Settings // call-control, services and web lines (settings.go)
}

// DN is an ephone-dn.
type DN struct {
	Tag         int
	DualLine    bool
	Number      string
	Secondary   string
	Name        string
	Label       string
	Description string
	Forward     []string // call-forward lines as typed (canonical)
	// Preference orders DNs answering the same number (0 first); -1 when
	// not configured (default 0). PreferenceSecondary is for the
	// secondary number.
	Preference, PreferenceSecondary int
	Huntstop                        bool // no hunting on to another DN when busy
	HuntstopChannel                 bool // dual-line: incoming calls never take channel 2
}

// Ephone is one `ephone N` block.
type Ephone struct {
	Tag            int
	MAC            string // IOS form 0012.4302.A7CC, "" if unset
	Type           string
	Addon          string
	Buttons        []Button // as entered: button 1:1 2s3 3o4,5
	SpeedDials     []SpeedDial
	Security       SecurityMode
	CapfIPInCnf    bool
	CapfAuthStr    string
	CertOper       string // "upgrade"
	AuthMode       string // "auth-string"
	Codec          string
	DSPFarmAssist  bool
	NoMulticastMOH bool
	Template       int
	Description    string
	User           string        // ephone `username NAME password ...`
	Password       *aaa.Password // that user's password (CME password policy applies)
}

// SpeedDial is one ephone `speed-dial TAG NUMBER [label TEXT]`.
type SpeedDial struct {
	Tag    int
	Number string
	Label  string
}

// MACHex returns the MAC as 12 upper-case hex digits (SEP name).
func (e *Ephone) MACHex() string { return strings.ReplaceAll(e.MAC, ".", "") }

// EffectiveSecurity applies the precedence rule: the ephone value, else the
// telephony-service value, else none.
func EffectiveSecurity(svc *Service, e *Ephone) SecurityMode {
	if e.Security != ModeUnset {
		return e.Security
	}
	if svc.DeviceSecurity != ModeUnset {
		return svc.DeviceSecurity
	}
	return ModeNone
}

// Template is an ephone-template.
type Template struct {
	Tag          int
	ServiceHTTPS bool
	Lines        []string // other lines as typed
}
