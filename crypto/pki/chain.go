package pki

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"

	"cmeos/ios/logging"
)

// Entry is one certificate of a `crypto pki certificate chain`: its serial
// as written, whether it is the CA certificate, and its DER as hex digits.
// The hex is kept as typed (upper-cased, without spaces) so that damaged,
// expired or weak certificates survive a load/save cycle unchanged; it is
// decoded only when used.
type Entry struct {
	Serial string
	CA     bool
	Hex    string
	// Lines are the hex lines as typed (groups upper-cased, one space
	// apart), rendered back as they came so that a chain pasted from a
	// seed round-trips unchanged, 7-digit groups included; nil for a
	// certificate the box made or imported (rendered in IOS's 8-digit
	// groups, 8 to a line).
	Lines []string
}

// DER returns the decoded bytes, or an error for an odd or bad hex string.
func (e *Entry) DER() ([]byte, error) { return hex.DecodeString(e.Hex) }

// Certificate parses the entry.
func (e *Entry) Certificate() (*x509.Certificate, error) {
	der, err := e.DER()
	if err != nil {
		return nil, fmt.Errorf("pki: certificate %s: %w", e.Serial, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate %s: %w", e.Serial, err)
	}
	return c, nil
}

// Chain is the certificate chain of a trustpoint, in config order.
type Chain struct {
	Name    string
	Entries []*Entry
}

// SerialHex renders a certificate serial as IOS does in chains: upper-case
// hex with an even number of digits ("01", "1B").
func SerialHex(c *x509.Certificate) string {
	s := strings.ToUpper(c.SerialNumber.Text(16))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// NewEntry makes an entry from a certificate.
func NewEntry(c *x509.Certificate, ca bool) *Entry {
	return &Entry{Serial: SerialHex(c), CA: ca, Hex: strings.ToUpper(hex.EncodeToString(c.Raw))}
}

// Fingerprints returns the MD5 and SHA1 fingerprints in IOS form: upper-case
// hex in groups of 8 digits.
func Fingerprints(der []byte) (md5s, sha1s string) {
	m := md5.Sum(der)
	s := sha1.Sum(der)
	return group(m[:]), group(s[:])
}

func group(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	var parts []string
	for i := 0; i < len(h); i += 8 {
		parts = append(parts, h[i:min(i+8, len(h))])
	}
	return strings.Join(parts, " ")
}

var attrNames = map[string]string{
	"2.5.4.3": "cn", "2.5.4.6": "c", "2.5.4.7": "l", "2.5.4.8": "st", "2.5.4.10": "o", "2.5.4.11": "ou",
	"2.5.4.5": "serialNumber", "1.2.840.113549.1.9.2": "hostname", "1.2.840.113549.1.9.1": "ea",
	"1.2.840.113549.1.9.8": "ipaddress",
}

// DN renders a distinguished name as IOS shows it: most specific first,
// lower-case attribute names ("cn=CAP-RTP-002,o=Cisco Systems").
func DN(raw []byte) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return ""
	}
	var parts []string
	for i := len(seq) - 1; i >= 0; i-- {
		for _, a := range seq[i] {
			n := attrNames[a.Type.String()]
			if n == "" {
				n = a.Type.String()
			}
			// Subjects come from requesters: escaped before they reach a
			// terminal (issue 15 item 4).
			parts = append(parts, n+"="+logging.Escape(fmt.Sprint(a.Value)))
		}
	}
	return strings.Join(parts, ",")
}

// hexLines renders the entry's hex as IOS does in running-config: 8 groups
// of 8 digits per line.
func hexLines(h string) []string {
	var out []string
	for i := 0; i < len(h); i += 64 {
		line := h[i:min(i+64, len(h))]
		var g []string
		for j := 0; j < len(line); j += 8 {
			g = append(g, line[j:min(j+8, len(line))])
		}
		out = append(out, strings.Join(g, " "))
	}
	return out
}
