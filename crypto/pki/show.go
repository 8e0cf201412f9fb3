package pki

import (
	"crypto/x509"
	"strings"
	"time"

	"cmeos/crypto/keys"
	"cmeos/ios/cli"
)

// iosTime formats certificate times as IOS does: "09:30:00 UTC Nov 23 2026".
func iosTime(t time.Time) string { return t.UTC().Format("15:04:05 MST Jan 2 2006") }

func (f *Feature) showTrustpoints(c *cli.Context) error {
	only := c.String("name")
	for _, name := range f.order {
		if only != "" && name != only {
			continue
		}
		tp := f.tps[name]
		c.Printf("Trustpoint %s:\n", name)
		if !c.Has("status") {
			if ca := f.CACertificate(name); ca != nil {
				c.Printf("    Subject Name: \n    %s\n          Serial Number (hex): %s\n", DN(ca.RawSubject), SerialHex(ca))
				c.Printf("    Certificate configured.\n")
			} else {
				c.Printf("    Not authenticated.\n")
			}
			if tp.URL != "" {
				c.Printf("    SCEP URL: %s\n", tp.URL)
			}
			continue
		}
		if ca := f.CACertificate(name); ca != nil {
			md, sh := Fingerprints(ca.Raw)
			c.Printf("Issuing CA certificate configured:\nSubject Name:\n%s\nFingerprint MD5: %s\nFingerprint SHA1: %s\n", DN(ca.RawSubject), md, sh)
		} else {
			c.Printf("Issuing CA certificate pending:\n")
		}
		if rc := f.Certificate(name); rc != nil {
			md, sh := Fingerprints(rc.Raw)
			c.Printf("Router General Purpose certificate configured:\nSubject Name:\n%s\nFingerprint MD5: %s\nFingerprint SHA1: %s\n", DN(rc.RawSubject), md, sh)
		}
		c.Printf("State:\n")
		if k, ok := keys.FromSystem(f.sys).Get(f.KeyLabel(tp)); ok {
			u := "General Purpose"
			if k.Usage == keys.UsageSplit {
				u = "Signature and Encryption"
			}
			c.Printf("Keys generated ..... Yes (%s)\n", u)
		} else {
			c.Printf("Keys generated ..... No\n")
		}
		if f.CACertificate(name) != nil {
			c.Printf("Issuing CA authenticated ..... Yes\n")
		} else {
			c.Printf("Issuing CA authenticated ..... No\n")
		}
		switch {
		case tp.pending != nil:
			c.Printf("Certificate request(s) ..... Pending\n")
		case f.Certificate(name) != nil:
			c.Printf("Certificate request(s) ..... Yes\n")
		default:
			c.Printf("Certificate request(s) ..... None\n")
		}
	}
	return nil
}

func (f *Feature) status(cert *x509.Certificate) string {
	now := f.sys.Now()
	switch {
	case now.After(cert.NotAfter):
		return "Expired"
	case now.Before(cert.NotBefore):
		return "Not yet valid"
	}
	return "Available"
}

func (f *Feature) showCertificates(c *cli.Context) error {
	only := c.String("name")
	verbose := c.Has("verbose")
	for _, name := range f.corder {
		if only != "" && name != only {
			continue
		}
		for _, e := range f.chains[name].Entries {
			title := "Certificate"
			if e.CA {
				title = "CA Certificate"
			}
			c.Printf("%s\n", title)
			cert, err := e.Certificate()
			if err != nil {
				c.Printf("  Status: Undecodable\n  Certificate Serial Number (hex): %s\n  Associated Trustpoints: %s\n\n", e.Serial, name)
				continue
			}
			c.Printf("  Status: %s\n  Certificate Serial Number (hex): %s\n", f.status(cert), SerialHex(cert))
			if e.CA {
				c.Printf("  Certificate Usage: Signature\n")
			} else {
				c.Printf("  Certificate Usage: General Purpose\n")
			}
			c.Printf("  Issuer: \n    %s\n  Subject: \n", DN(cert.RawIssuer))
			if cn := cert.Subject.CommonName; cn != "" {
				c.Printf("    Name: %s\n", cn)
			}
			for _, part := range strings.Split(DN(cert.RawSubject), ",") {
				c.Printf("    %s\n", part)
			}
			c.Printf("  Validity Date: \n    start date: %s\n    end   date: %s\n", iosTime(cert.NotBefore), iosTime(cert.NotAfter))
			if verbose {
				md, sh := Fingerprints(cert.Raw)
				c.Printf("  Subject Key Info:\n    Public Key Algorithm: %s\n", cert.PublicKeyAlgorithm)
				c.Printf("  Signature Algorithm: %s\n", cert.SignatureAlgorithm)
				c.Printf("  Fingerprint MD5: %s \n  Fingerprint SHA1: %s \n", md, sh)
			}
			c.Printf("  Associated Trustpoints: %s \n\n", name)
		}
	}
	return nil
}
