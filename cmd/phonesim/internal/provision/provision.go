// Package provision is what a phone does before it registers (reference
// protocols.md §8, §9.1): learn the TFTP server (DHCP option 150, or a
// given address), download and verify the CTL and ITL with the
// simulator's own trust decoder, download SEP<MAC>.cnf.xml (signed
// .cnf.xml.sgn, verified with the TFTP certificates of the trust lists,
// when the lists have them), and read the call managers, their ports and
// deviceSecurityMode from it. It parses the cnf independently of the
// box's generator (telephony/cnf); both follow §9.3.
package provision

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"cmeos/cmd/phonesim/internal/capf"
	"cmeos/cmd/phonesim/internal/trust"
)

// Config says how to provision one phone.
type Config struct {
	MAC  string // 12 hex digits
	TFTP string // TFTP server host[:port]; empty: ask DHCP on Interface
	// Interface for DHCP (a raw socket: root, or a namespace of a test).
	Interface   string
	DHCPTimeout time.Duration // default 10 s
	// Fetch downloads a file over TFTP (default trust.Fetch).
	Fetch func(addr, name string) ([]byte, error)
	// Key is the phone's LSC private key (RSA): with it, an encrypted
	// configuration (the signed stub says encrConfig) is fetched as
	// SEP<MAC>.cnf.xml.enc.sgn, verified and decrypted (§3.2-3.4).
	Key crypto.PrivateKey
}

// CallManager is one member of the cnf's callManagerGroup.
type CallManager struct {
	Priority   int    `json:"priority"`
	Host       string `json:"host"`        // processNodeName
	Port       int    `json:"port"`        // ethernetPhonePort (2000)
	SecurePort int    `json:"secure_port"` // Port + 443 (2443): no cnf element carries it (§9.3)
	MGCPListen int    `json:"mgcp_listen,omitempty"`
	MGCPKeep   int    `json:"mgcp_keepalive,omitempty"`
}

// Result is what provisioning learnt.
type Result struct {
	TFTP         string
	Lease        *Lease // when DHCP was used
	CTL, ITL     *trust.List
	Files        []string // fetched and verified, in order
	Cnf          []byte   // the configuration file's content
	CnfName      string
	Signed       bool // the cnf came as a verified .sgn
	Encrypted    bool // the cnf came as a verified, decrypted .enc.sgn
	SecurityMode int  // deviceSecurityMode: 1 none, 2 authenticated, 3 encrypted
	DateTemplate string
	CallManagers []CallManager // by priority
	CCMCerts     []*x509.Certificate
	TFTPCerts    []*x509.Certificate
	CAPF         string // host:port of capfList, if any
}

// Secure reports whether the phone registers over TLS: security mode 2
// or 3 and a CTL with a CCM certificate (§6.9).
func (r *Result) Secure() bool { return r.SecurityMode >= 2 && len(r.CCMCerts) > 0 }

// Server is the SCCP address of the first call manager, on the secure
// port when Secure.
func (r *Result) Server() (string, error) {
	if len(r.CallManagers) == 0 {
		return "", errors.New("provision: the configuration names no call manager")
	}
	cm := r.CallManagers[0]
	port := cm.Port
	if r.Secure() {
		port = cm.SecurePort
	}
	return net.JoinHostPort(cm.Host, strconv.Itoa(port)), nil
}

// ErrNotFound is reported by fetchers for a missing file; any error from
// the TFTP client counts as "not there" when trying alternatives.
var ErrNotFound = errors.New("provision: file not found")

// Run provisions the phone.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	mac := strings.ToUpper(cfg.MAC)
	if len(mac) != 12 {
		return nil, fmt.Errorf("provision: MAC %q", cfg.MAC)
	}
	if cfg.Fetch == nil {
		cfg.Fetch = trust.Fetch
	}
	r := &Result{TFTP: cfg.TFTP}
	if r.TFTP == "" {
		if cfg.Interface == "" {
			return nil, errors.New("provision: no TFTP address and no interface for DHCP")
		}
		hw, err := ParseMAC(mac)
		if err != nil {
			return nil, err
		}
		// The phone's MAC as chaddr: the DHCP server sees the phone, not
		// the interface the simulator borrows. The lease is reported, not
		// applied to the interface.
		l, err := DHCPAs(ctx, cfg.Interface, hw, cfg.DHCPTimeout)
		if err != nil {
			return nil, err
		}
		if len(l.TFTP) == 0 {
			return nil, fmt.Errorf("provision: DHCP lease of %s names no TFTP server (option 150 or 66)", l.Addr)
		}
		r.Lease = l
		r.TFTP = l.TFTP[0]
	}
	if _, _, err := net.SplitHostPort(r.TFTP); err != nil {
		r.TFTP = net.JoinHostPort(r.TFTP, "69")
	}
	fetch := func(names ...string) ([]byte, string, error) {
		var last error
		for _, n := range names {
			if err := ctx.Err(); err != nil {
				return nil, "", err
			}
			b, err := cfg.Fetch(r.TFTP, n)
			if err == nil {
				return b, n, nil
			}
			last = err
		}
		return nil, "", fmt.Errorf("%w: %s (%v)", ErrNotFound, strings.Join(names, ", "), last)
	}
	list := func(names ...string) (*trust.List, error) {
		b, name, err := fetch(names...)
		if err != nil {
			return nil, nil // no trust list: a non-secure phone
		}
		l, err := trust.ParseList(b)
		if err == nil {
			err = l.Verify()
		}
		if err != nil {
			return nil, fmt.Errorf("provision: %s: %w", name, err)
		}
		r.Files = append(r.Files, name)
		return l, nil
	}
	var err error
	if r.CTL, err = list("CTLSEP"+mac+".tlv", "CTLFile.tlv"); err != nil {
		return nil, err
	}
	if r.ITL, err = list("ITLSEP"+mac+".tlv", "ITLFile.tlv"); err != nil {
		return nil, err
	}
	for _, l := range []*trust.List{r.CTL, r.ITL} {
		if l == nil {
			continue
		}
		c, _ := l.Certificates(trust.RoleTFTP, trust.RoleCCMTFTP)
		r.TFTPCerts = append(r.TFTPCerts, c...)
	}
	if r.CTL != nil {
		r.CCMCerts, _ = r.CTL.Certificates(trust.RoleCCM, trust.RoleCCMTFTP)
	}
	name := "SEP" + mac + ".cnf.xml"
	if len(r.TFTPCerts) > 0 {
		// A phone whose trust list has a TFTP certificate takes only
		// signed configuration (§9.1 step 4).
		b, err := cfg.Fetch(r.TFTP, name+".sgn")
		if err != nil {
			return nil, fmt.Errorf("provision: %s.sgn: %w", name, err)
		}
		s, err := trust.VerifySigned(b, name+".sgn", r.TFTPCerts...)
		if err != nil {
			return nil, fmt.Errorf("provision: %s.sgn: %w", name, err)
		}
		r.Cnf, r.CnfName, r.Signed = s.Content, name+".sgn", true
	} else {
		b, n, err := fetch(name, "XMLDefault.cnf.xml")
		if err != nil {
			return nil, err
		}
		r.Cnf, r.CnfName = b, n
	}
	r.Files = append(r.Files, r.CnfName)
	err = r.parseCnf()
	if errors.Is(err, ErrEncrypted) && cfg.Key != nil && r.Signed {
		err = r.decrypt(cfg, name+".enc.sgn")
	}
	if err != nil {
		return nil, fmt.Errorf("provision: %s: %w", r.CnfName, err)
	}
	return r, nil
}

// ErrEncrypted reports a stub (encrConfig true) that the phone cannot
// open without its LSC key.
var ErrEncrypted = errors.New("the configuration is encrypted (.enc.sgn): the phone needs its LSC key")

// decrypt fetches, verifies and opens the encrypted configuration.
func (r *Result) decrypt(cfg Config, name string) error {
	key, ok := cfg.Key.(*rsa.PrivateKey)
	if !ok {
		return fmt.Errorf("%w (an RSA key; got %T)", ErrEncrypted, cfg.Key)
	}
	b, err := cfg.Fetch(r.TFTP, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if _, err := trust.VerifyEncrypted(b, name, r.TFTPCerts...); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	plain, err := capf.DecryptConfig(b, key)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r.Cnf, r.CnfName, r.Encrypted = plain, name, true
	r.Files = append(r.Files, name)
	return r.parseCnf()
}

// cnfXML holds the elements of §9.3 the phone uses; <device> and
// XMLDefault's <Default> share the callManagerGroup layout.
type cnfXML struct {
	XMLName            xml.Name
	DeviceSecurityMode string `xml:"deviceSecurityMode"`
	EncrConfig         string `xml:"encrConfig"`
	DevicePool         struct {
		DateTemplate string   `xml:"dateTimeSetting>dateTemplate"`
		Members      []member `xml:"callManagerGroup>members>member"`
	} `xml:"devicePool"`
	Members []member `xml:"callManagerGroup>members>member"` // XMLDefault
	Capf    []struct {
		PhonePort       string `xml:"phonePort"`
		ProcessNodeName string `xml:"processNodeName"`
	} `xml:"capfList>capf"`
}

type member struct {
	Priority        string `xml:"priority,attr"`
	ProcessNodeName string `xml:"callManager>processNodeName"`
	Ethernet        string `xml:"callManager>ports>ethernetPhonePort"`
	MGCPListen      string `xml:"callManager>ports>mgcpPorts>listen"`
	MGCPKeep        string `xml:"callManager>ports>mgcpPorts>keepAlive"`
}

// ParseCnf reads a SEP<MAC>.cnf.xml (or XMLDefault.cnf.xml) into a
// Result's SecurityMode, DateTemplate, CallManagers and CAPF.
func ParseCnf(b []byte) (*Result, error) {
	r := &Result{Cnf: b}
	return r, r.parseCnf()
}

func (r *Result) parseCnf() error {
	if len(r.Cnf) > 1<<20 {
		return errors.New("configuration larger than 1 MiB")
	}
	var c cnfXML
	if err := xml.Unmarshal(r.Cnf, &c); err != nil {
		return err
	}
	if c.XMLName.Local != "device" && c.XMLName.Local != "Default" {
		return fmt.Errorf("root element <%s>, want <device> or <Default>", c.XMLName.Local)
	}
	if strings.TrimSpace(c.EncrConfig) == "true" {
		return ErrEncrypted
	}
	r.SecurityMode = 1
	if s := strings.TrimSpace(c.DeviceSecurityMode); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3 {
			return fmt.Errorf("deviceSecurityMode %q", s)
		}
		r.SecurityMode = n
	}
	r.DateTemplate = strings.TrimSpace(c.DevicePool.DateTemplate)
	members := c.DevicePool.Members
	if c.XMLName.Local == "Default" {
		members = c.Members
	}
	num := func(s string, def int) (int, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return def, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 65535 {
			return 0, fmt.Errorf("port %q", s)
		}
		return n, nil
	}
	for _, m := range members {
		var cm CallManager
		var err error
		if cm.Priority, err = num(m.Priority, 0); err != nil {
			return err
		}
		cm.Host = strings.TrimSpace(m.ProcessNodeName)
		if cm.Host == "" {
			continue
		}
		if cm.Port, err = num(m.Ethernet, 2000); err != nil {
			return err
		}
		if cm.MGCPListen, err = num(m.MGCPListen, 0); err != nil {
			return err
		}
		if cm.MGCPKeep, err = num(m.MGCPKeep, 0); err != nil {
			return err
		}
		cm.SecurePort = cm.Port + 443
		r.CallManagers = append(r.CallManagers, cm)
	}
	sort.SliceStable(r.CallManagers, func(i, j int) bool { return r.CallManagers[i].Priority < r.CallManagers[j].Priority })
	if len(c.Capf) > 0 && c.Capf[0].ProcessNodeName != "" {
		port := strings.TrimSpace(c.Capf[0].PhonePort)
		if port == "" {
			port = "3804"
		}
		r.CAPF = net.JoinHostPort(strings.TrimSpace(c.Capf[0].ProcessNodeName), port)
	}
	return nil
}

// Lease is the outcome of DHCP.
type Lease struct {
	Addr   netip.Prefix // the phone's address
	Router netip.Addr
	TFTP   []string // option 150 addresses in order, else option 66, else siaddr
}
