package pki

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cmeos/crypto/keys"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
)

// CLI modes of the feature.
const (
	ModeTrustpoint = "ca-trustpoint"
	ModeCertChain  = "config-cert-chain"
	ModePubkey     = "config-pubkey"
)

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderPKI + 1, New: newFeature, Examples: examples})
}

const examples = `crypto pki trustpoint cme_tftp
 enrollment url http://10.1.1.1:80
 serial-number none
 fqdn cme.example.com
 ip-address none
 subject-name cn=cme_tftp,o=Example
 subject-alt-name cme.example.com
 revocation-check crl none
 rsakeypair cme_tftp 2048
 auto-enroll 70 regenerate
 ocsp url http://10.1.1.1/ocsp
crypto pki trustpoint 7970
 enrollment terminal
 revocation-check none
crypto pki trustpoint self
 enrollment selfsigned
 serial-number
 ip-address 10.1.1.1
 revocation-check ocsp
crypto pki certificate chain capf-tp
crypto pki certificate chain sast2
 certificate 03
  30820207 30820170 A0030201 0202011C 300D0609 2A864886 F70D0101 04050030
  41EAF3A
  quit
 certificate ca 01
  3082026B 308201D4
  quit
`

var help = map[string]string{
	"crypto": "Encryption module", "pki": "Public Key components", "trustpoint": "Define a CA trustpoint",
	"tpname": "Trustpoint name", "certificate": "Certificate", "chain": "Certificate chain for a trustpoint",
	"chainname": "Trustpoint name", "authenticate": "Get the certificate of the CA",
	"enroll": "Request a certificate from a CA", "import": "Import certificate from the terminal",
	"export": "Export certificate or keys", "pem": "Cut and paste PEM format", "terminal": "Use the terminal",
	"enrollment": "Enrollment parameters", "url": "CA server enrollment URL", "urlvalue": "URL",
	"selfsigned": "Generate a Self Signed Certificate", "revocation-check": "Revocation checking options",
	"crl": "Revocation check by CRL", "none": "Ignore revocation check", "ocsp": "Revocation check by OCSP",
	"rsakeypair": "Specify the key pair", "keylabel": "Key label", "keysize": "Key size", "encsize": "Encryption key size",
	"serial-number": "Include the router serial number in the request", "ip-address": "Include an IP address in the request",
	"addr": "IP address", "subject-name": "Subject name", "dn": "Subject name (DN)",
	"subject-alt-name": "Subject alternative name", "alt": "Subject alternative name", "fqdn": "Fully qualified domain name",
	"fqdnvalue": "Domain name", "auto-enroll": "Auto-enroll before the certificate expires", "percent": "Percent of lifetime",
	"regenerate": "Generate a new key when re-enrolling", "ca": "A CA certificate", "serial": "Serial number (hex)",
	"hex": "Certificate data (hex)", "quit": "Exit data entry mode", "eku": "Extended key usage", "request": "EKU to request",
	"ekus": "Extended key usages",
	"show": "Show running system information", "trustpoints": "Show trustpoints", "status": "Show trustpoint status",
	"certificates": "Show certificates", "verbose": "Display in verbose mode", "name": "Trustpoint name",
	"validate": "Validate the certificate chain of a trustpoint", "cert": "Certificate operations",
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, tps: map[string]*Trustpoint{}, chains: map[string]*Chain{}}
	t := sys.Tree
	t.AddMode(ModeTrustpoint, "(ca-trustpoint)#", cli.ModeConfig)
	t.AddMode(ModeCertChain, "(config-cert-chain)#", cli.ModeConfig)
	t.AddMode(ModePubkey, "(config-pubkey)#", ModeCertChain)
	own := FeatureName
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki trustpoint tpname:WORD", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			name := c.String("tpname")
			if c.Negate {
				if f.tps[name] == nil {
					return fmt.Errorf("%% Trustpoint %s not found.", name)
				}
				delete(f.tps, name)
				f.order = remove(f.order, name)
				if f.chains[name] != nil {
					delete(f.chains, name)
					f.corder = remove(f.corder, name)
					sys.Publish(TopicCertificates)
				}
				return nil
			}
			c.Enter(ModeTrustpoint, f.Ensure(name))
			return nil
		}})
	tpCmd := func(syntax string, no bool, run func(c *cli.Context, tp *Trustpoint)) {
		t.Add(ModeTrustpoint, cli.Command{Syntax: syntax, Help: help, Owner: own, No: no, Run: func(c *cli.Context) error {
			tp := c.ModeValue().(*Trustpoint)
			if f.tps[tp.Name] != tp {
				return errors.New("% Trustpoint was removed.")
			}
			run(c, tp)
			return nil
		}})
	}
	tpCmd("enrollment url urlvalue:WORD", true, func(c *cli.Context, tp *Trustpoint) {
		tp.URL, tp.Terminal, tp.SelfSigned, tp.PEM = c.String("urlvalue"), false, false, false
		if c.Negate {
			tp.URL = ""
		}
	})
	tpCmd("enrollment terminal [ pem ]", true, func(c *cli.Context, tp *Trustpoint) {
		tp.URL, tp.Terminal, tp.SelfSigned, tp.PEM = "", !c.Negate, false, !c.Negate && c.Has("pem")
	})
	tpCmd("enrollment selfsigned", true, func(c *cli.Context, tp *Trustpoint) {
		tp.URL, tp.Terminal, tp.SelfSigned, tp.PEM = "", false, !c.Negate, false
	})
	tpCmd("revocation-check { crl | none | ocsp } [ { crl | none | ocsp } [ { crl | none | ocsp } ] ]", true, func(c *cli.Context, tp *Trustpoint) {
		tp.Revocation = nil
		if !c.Negate {
			// Canonical args: "revocation-check m1 m2 ..."
			tp.Revocation = strings.Fields(c.CanonicalArgs())[1:]
		}
	})
	tpCmd("rsakeypair keylabel:WORD [ keysize:<360-4096> [ encsize:<360-4096> ] ]", true, func(c *cli.Context, tp *Trustpoint) {
		tp.KeyLabel, tp.KeySize, tp.EncSize = c.String("keylabel"), c.Int("keysize", 0), c.Int("encsize", 0)
	})
	tpCmd("serial-number [ none ]", true, func(c *cli.Context, tp *Trustpoint) {
		switch {
		case c.Negate:
			tp.SerialNumber = 0
		case c.Has("none"):
			tp.SerialNumber = 2
		default:
			tp.SerialNumber = 1
		}
	})
	tpCmd("ip-address { none | addr:A.B.C.D }", true, func(c *cli.Context, tp *Trustpoint) {
		tp.IPAddress = c.String("addr")
		if c.Has("none") {
			tp.IPAddress = "none"
		}
		if c.Negate {
			tp.IPAddress = ""
		}
	})
	tpCmd("subject-name dn:LINE", true, func(c *cli.Context, tp *Trustpoint) { tp.SubjectName = c.String("dn") })
	tpCmd("subject-alt-name alt:LINE", true, func(c *cli.Context, tp *Trustpoint) { tp.SubjectAlt = c.String("alt") })
	tpCmd("fqdn fqdnvalue:WORD", true, func(c *cli.Context, tp *Trustpoint) { tp.FQDN = c.String("fqdnvalue") })
	tpCmd("eku request ekus:LINE", true, func(c *cli.Context, tp *Trustpoint) { tp.EKURequest = c.String("ekus") })
	tpCmd("ocsp url urlvalue:WORD", true, func(c *cli.Context, tp *Trustpoint) { tp.OCSPURL = c.String("urlvalue") })
	tpCmd("auto-enroll [ percent:<1-100> ] [ regenerate ]", true, func(c *cli.Context, tp *Trustpoint) {
		tp.AutoEnroll, tp.Regenerate = c.Int("percent", 80), c.Has("regenerate")
		if c.Negate {
			tp.AutoEnroll, tp.Regenerate = 0, false
		}
	})

	// Certificate chains.
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki certificate chain chainname:WORD", Help: help, Owner: own, No: true,
		Run: func(c *cli.Context) error {
			name := c.String("chainname")
			if c.Negate {
				if f.chains[name] != nil {
					delete(f.chains, name)
					f.corder = remove(f.corder, name)
					sys.Publish(TopicCertificates)
				}
				return nil
			}
			c.Enter(ModeCertChain, f.ensureChain(name))
			return nil
		}})
	t.Add(ModeCertChain, cli.Command{Syntax: "certificate [ ca ] serial:HEX", Help: help, Owner: own, No: true,
		NoSyntax: "certificate [ ca ] serial:HEX",
		Run: func(c *cli.Context) error {
			ch := c.ModeValue().(*Chain)
			serial := strings.ToUpper(c.String("serial"))
			var kept []*Entry
			for _, e := range ch.Entries {
				if e.Serial != serial {
					kept = append(kept, e)
				}
			}
			if c.Negate {
				if len(kept) == len(ch.Entries) {
					return fmt.Errorf("%% Certificate %s not found.", serial)
				}
				ch.Entries = kept
				sys.Publish(TopicCertificates)
				return nil
			}
			e := &Entry{Serial: serial, CA: c.Has("ca")}
			ch.Entries = append(kept, e)
			if !sys.IsLoading() {
				c.Printf("Enter the certificate in hexidecimal representation....\nEnd with the word \"quit\" on a line by itself\n")
			}
			c.Enter(ModePubkey, e)
			return nil
		}})
	t.Add(ModePubkey, cli.Command{Syntax: "hex:HEX...", Help: help, Owner: own, Run: func(c *cli.Context) error {
		e := c.ModeValue().(*Entry)
		e.Hex += strings.ToUpper(strings.Join(c.Strings("hex"), ""))
		e.Lines = append(e.Lines, strings.ToUpper(strings.Join(c.Strings("hex"), " ")))
		return nil
	}})
	t.Add(ModePubkey, cli.Command{Syntax: "quit", Help: help, Owner: own, Run: func(c *cli.Context) error {
		c.Session.Exit()
		sys.Publish(TopicCertificates)
		return nil
	}})

	// Actions.
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki authenticate tpname:WORD", Help: help, Run: f.authenticate})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki enroll tpname:WORD", Help: help, Run: f.enroll})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki import tpname:WORD { certificate | pem terminal }", Help: help, Run: f.importCert})
	t.Add(cli.ModeConfig, cli.Command{Syntax: "crypto pki export tpname:WORD pem terminal", Help: help, Run: f.exportCert})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show crypto pki trustpoints [ name:WORD ] [ status ]", Help: help, Pipe: true, Run: f.showTrustpoints})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show crypto pki certificates [ name:WORD ] [ verbose ]", Help: help, Pipe: true, Run: f.showCertificates})
	t.Add(cli.ModeExec, cli.Command{Syntax: "crypto pki cert validate tpname:WORD", Help: help, Run: f.validate})
	return f
}

func remove(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// Render writes the trustpoints, then the certificate chains, as IOS orders them.
func (f *Feature) Render(r *config.Renderer) {
	for _, name := range f.order {
		tp := f.tps[name]
		r.Line("crypto pki trustpoint " + name)
		switch {
		case tp.URL != "":
			r.Sub("enrollment url " + tp.URL)
		case tp.Terminal && tp.PEM:
			r.Sub("enrollment terminal pem")
		case tp.Terminal:
			r.Sub("enrollment terminal")
		case tp.SelfSigned:
			r.Sub("enrollment selfsigned")
		}
		switch tp.SerialNumber {
		case 1:
			r.Sub("serial-number")
		case 2:
			r.Sub("serial-number none")
		}
		if tp.FQDN != "" {
			r.Sub("fqdn " + tp.FQDN)
		}
		if tp.IPAddress != "" {
			r.Sub("ip-address " + tp.IPAddress)
		}
		if tp.SubjectName != "" {
			r.Sub("subject-name " + tp.SubjectName)
		}
		if tp.SubjectAlt != "" {
			r.Sub("subject-alt-name " + tp.SubjectAlt)
		}
		if tp.EKURequest != "" {
			r.Sub("eku request " + tp.EKURequest)
		}
		if len(tp.Revocation) > 0 && strings.Join(tp.Revocation, " ") != "crl" {
			r.Sub("revocation-check " + strings.Join(tp.Revocation, " "))
		}
		if tp.KeyLabel != "" {
			s := "rsakeypair " + tp.KeyLabel
			if tp.KeySize != 0 {
				s += " " + strconv.Itoa(tp.KeySize)
				if tp.EncSize != 0 {
					s += " " + strconv.Itoa(tp.EncSize)
				}
			}
			r.Sub(s)
		}
		if tp.AutoEnroll != 0 {
			s := "auto-enroll " + strconv.Itoa(tp.AutoEnroll)
			if tp.Regenerate {
				s += " regenerate"
			}
			r.Sub(s)
		}
		if tp.OCSPURL != "" {
			r.Sub("ocsp url " + tp.OCSPURL)
		}
		r.Bang()
	}
	for _, name := range f.corder {
		ch := f.chains[name]
		r.Line("crypto pki certificate chain " + name)
		for _, e := range ch.Entries {
			if e.CA {
				r.Sub("certificate ca " + e.Serial)
			} else {
				r.Sub("certificate " + e.Serial)
			}
			lines := e.Lines
			if lines == nil {
				lines = hexLines(e.Hex)
			}
			for _, l := range lines {
				r.Indent(2, l)
			}
			r.Indent(2, "\tquit")
		}
	}
	if len(f.corder) > 0 {
		r.Bang()
	}
}

// ParseCertificateText decodes a pasted certificate: PEM, or bare base64
// (IOS accepts both at authenticate and import).
func ParseCertificateText(text string) (*x509.Certificate, error) {
	if blk, _ := pem.Decode([]byte(text)); blk != nil {
		return x509.ParseCertificate(blk.Bytes)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func (f *Feature) lookup(name string) (*Trustpoint, error) {
	tp := f.tps[name]
	if tp == nil {
		return nil, fmt.Errorf("%% Trustpoint %s not found.", name)
	}
	return tp, nil
}

// acceptCA prints the fingerprints of a CA certificate, asks, and installs it.
func (f *Feature) acceptCA(c *cli.Context, name string, ca *x509.Certificate) bool {
	md, sh := Fingerprints(ca.Raw)
	c.Printf("Certificate has the following attributes:\nFingerprint MD5: %s\nFingerprint SHA1: %s\n", md, sh)
	if !keys.YesNo(c, "% Do you accept this certificate? [yes/no]: ") {
		c.Printf("%% Certificate not accepted.\n")
		return false
	}
	if f.tps[name] == nil {
		c.Printf("%% Trustpoint %s was removed.\n", name)
		return false
	}
	f.SetCertificate(name, ca, true)
	c.Printf("Trustpoint CA certificate accepted.\n")
	return true
}

func (f *Feature) authenticate(c *cli.Context) error {
	name := c.String("tpname")
	tp, err := f.lookup(name)
	if err != nil {
		return err
	}
	if f.sys.IsLoading() {
		return nil // an action, not configuration
	}
	switch {
	case tp.URL != "":
		url := tp.URL
		ca, err := f.fetchCA(c, url)
		if err != nil {
			f.sys.Log.Logf(logging.Errors, "PKI", "CA_CERT_FETCH_FAIL", "Cannot get the CA certificate of trustpoint %s: %v", name, err)
			return errors.New("% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0")
		}
		f.acceptCA(c, name, ca)
		return nil
	case tp.Terminal:
		c.Printf("\nEnter the base 64 encoded CA certificate.\nEnd with a blank line or the word \"quit\" on a line by itself\n")
		text, _ := keys.ReadPaste(c, true)
		ca, err := ParseCertificateText(text)
		if err != nil {
			return errors.New("% Error: certificate decoding failed; no certificate imported.")
		}
		c.Printf("\n")
		if f.acceptCA(c, name, ca) {
			c.Printf("%% Certificate successfully imported\n")
		}
		return nil
	}
	return errors.New("% Please configure an enrollment method (enrollment url or enrollment terminal) first.")
}

func (f *Feature) importCert(c *cli.Context) error {
	name := c.String("tpname")
	if _, err := f.lookup(name); err != nil {
		return err
	}
	if f.sys.IsLoading() {
		return nil
	}
	ca := f.CACertificate(name)
	if ca == nil {
		return errors.New("% You must authenticate the Certificate Authority before you can import the router's certificate.")
	}
	c.Printf("\nEnter the base 64 encoded certificate.\nEnd with a blank line or the word \"quit\" on a line by itself\n")
	text, _ := keys.ReadPaste(c, true)
	cert, err := ParseCertificateText(text)
	if err != nil {
		return errors.New("% Error: certificate decoding failed; no certificate imported.")
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return errors.New("% Error: the certificate was not issued by the trustpoint's CA.")
	}
	f.SetCertificate(name, cert, false)
	c.Printf("\n%% Router Certificate successfully imported\n\n")
	return nil
}

func (f *Feature) exportCert(c *cli.Context) error {
	name := c.String("tpname")
	if _, err := f.lookup(name); err != nil {
		return err
	}
	ca, cert := f.CACertificate(name), f.Certificate(name)
	if ca == nil && cert == nil {
		return fmt.Errorf("%% Trustpoint %s has no certificates.", name)
	}
	if ca != nil {
		c.Printf("%% CA certificate:\n%s", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	}
	if cert != nil {
		c.Printf("\n%% General Purpose Certificate:\n%s", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	}
	return nil
}
