// Package cnf builds the configuration files Cisco SCCP phones download by
// TFTP: SEP<MAC>.cnf.xml for each configured phone and XMLDefault.cnf.xml for
// unknown ones (reference/protocols.md §9). It knows nothing about IOS: the
// caller describes the system and the phones; a Signer, when given, adds the
// .sgn version of each file (the TFTP credentials trustpoint signs them).
package cnf

import (
	"bytes"
	"crypto/x509"
	"encoding/xml"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Ports used in the files.
const (
	SCCPPort       = 2000
	SCCPSecurePort = 2443
	CAPFPort       = 3804
)

// SecurityMode is deviceSecurityMode as the phone reads it.
type SecurityMode int

// deviceSecurityMode values (protocols.md §9.3).
const (
	NonSecure     SecurityMode = 1
	Authenticated SecurityMode = 2
	Encrypted     SecurityMode = 3
)

// System is what every phone's file shares.
type System struct {
	CallManagers []netip.Addr      // ip source-address, then secondary
	Port         int               // SCCP port (2000)
	Loads        map[string]string // SCCP device type name ("7970") -> load
	CAPF         netip.Addr        // CAPF address (invalid: none)
	VersionStamp string
}

// Phone is one ephone.
type Phone struct {
	MAC          string // 12 hex digits, upper case
	Type         string // "7970"
	Security     SecurityMode
	CapfInCnf    bool
	CapfAuthMode int // capfAuthMode: 1 auth string, 2 null string, 3 LSC, 4 MIC, 0 none
	// Cert is the phone's certificate (LSC, else MIC) when known. An
	// Encrypted phone with a Cert gets SEP<MAC>.cnf.xml.enc.sgn and a signed
	// stub instead of its plain file, when the signer is an Encrypter.
	Cert *x509.Certificate
}

// Signer makes the .sgn envelope of a file (crypto/ctl.SignFile with the
// tftp-server-credentials trustpoint). name is the file's name; the signed
// file is served as name + ".sgn".
type Signer interface {
	Sign(name string, content []byte) ([]byte, error)
}

// File is one generated file.
type File struct {
	Name string
	Data []byte
}

// Build returns the files for a system and its phones, sorted by name:
// XMLDefault.cnf.xml, then SEP<MAC>.cnf.xml per phone with a MAC, each
// followed by its .sgn when signer is not nil. An Encrypted phone with a
// Cert, when signer is also an Encrypter, gets SEP<MAC>.cnf.xml.enc.sgn and
// the signed stub SEP<MAC>.cnf.xml.sgn and no plain file (§3.4).
func Build(sys System, phones []Phone, signer Signer) ([]File, error) {
	var out []File
	add := func(name string, data []byte) error {
		out = append(out, File{name, data})
		if signer != nil {
			sgn, err := signer.Sign(name, data)
			if err != nil {
				return fmt.Errorf("cnf: signing %s: %w", name, err)
			}
			out = append(out, File{name + ".sgn", sgn})
		}
		return nil
	}
	if err := add("XMLDefault.cnf.xml", XMLDefault(sys)); err != nil {
		return nil, err
	}
	sort.Slice(phones, func(i, j int) bool { return phones[i].MAC < phones[j].MAC })
	for _, p := range phones {
		if len(p.MAC) != 12 {
			continue
		}
		if enc, ok := signer.(Encrypter); ok && p.Security == Encrypted && p.Cert != nil {
			// §3.4: the encrypted file and the signed stub; the plain
			// file is never served.
			name := FileName(p.MAC)
			encFile, err := enc.SignEncrypted(name, Device(sys, p), p.Cert)
			if err != nil {
				return nil, fmt.Errorf("cnf: encrypting %s: %w", name, err)
			}
			sgn, err := signer.Sign(name, Stub(sys, p))
			if err != nil {
				return nil, fmt.Errorf("cnf: signing %s: %w", name, err)
			}
			out = append(out, File{name + ".enc.sgn", encFile}, File{name + ".sgn", sgn})
			continue
		}
		if err := add(FileName(p.MAC), Device(sys, p)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FileName is the phone's configuration file name.
func FileName(mac string) string { return "SEP" + strings.ToUpper(mac) + ".cnf.xml" }

type member struct {
	Priority    int    `xml:"priority,attr"`
	CallManager cmElem `xml:"callManager"`
}

type cmElem struct {
	Ports           ports  `xml:"ports"`
	ProcessNodeName string `xml:"processNodeName"`
}

type ports struct {
	EthernetPhonePort int `xml:"ethernetPhonePort"`
	SIPPort           int `xml:"sipPort"`
	SecuredSIPPort    int `xml:"securedSipPort"`
	MGCPPorts         struct {
		Listen    int `xml:"listen"`
		KeepAlive int `xml:"keepAlive"`
	} `xml:"mgcpPorts"`
}

type callManagerGroup struct {
	Members []member `xml:"members>member"`
}

func group(sys System) callManagerGroup {
	var g callManagerGroup
	port := sys.Port
	if port == 0 {
		port = SCCPPort
	}
	for i, a := range sys.CallManagers {
		if i > 4 {
			break
		}
		m := member{Priority: i}
		m.CallManager.Ports.EthernetPhonePort = port
		m.CallManager.Ports.SIPPort = 5060
		m.CallManager.Ports.SecuredSIPPort = 5061
		m.CallManager.Ports.MGCPPorts.Listen = 2427
		m.CallManager.Ports.MGCPPorts.KeepAlive = 2428
		m.CallManager.ProcessNodeName = a.String()
		g.Members = append(g.Members, m)
	}
	return g
}

// DeviceTypes maps phone models to the SCCP device type numbers used in
// XMLDefault's loadInformationNNN element names (protocols.md §6.6.1).
var DeviceTypes = map[string]int{
	"7902": 30008, "7905": 20000, "7910": 6, "7911": 307, "7912": 30007, "7914": 124, "7920": 30002,
	"7921": 365, "7925": 484, "7931": 348, "7935": 9, "7936": 30019, "7937": 431, "7940": 8, "7941": 115, "7941GE": 309,
	"7942": 434, "7945": 435, "7960": 7, "7961": 30018, "7961GE": 308, "7962": 404, "7965": 436, "7970": 30006,
	"7971": 119, "7975": 437, "7985": 302, "8941": 586, "8945": 585, "8961": 540, "9951": 537, "9971": 493, "CIPC": 30016,
}

// XMLDefault renders XMLDefault.cnf.xml: the call-control group and the
// firmware load of every phone type that has one.
func XMLDefault(sys System) []byte {
	var b bytes.Buffer
	b.WriteString("<Default>\n")
	g, _ := xml.MarshalIndent(struct {
		XMLName xml.Name `xml:"callManagerGroup"`
		callManagerGroup
	}{callManagerGroup: group(sys)}, "", "  ")
	b.Write(g)
	b.WriteString("\n")
	types := make([]string, 0, len(sys.Loads))
	for t := range sys.Loads {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		for _, one := range strings.Split(t, "-") {
			n, ok := DeviceTypes[one]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "<loadInformation%d model=\"%s\">%s</loadInformation%d>\n", n, xmlEscape(modelName(one)), xmlEscape(sys.Loads[t]), n)
		}
	}
	if sys.VersionStamp != "" {
		fmt.Fprintf(&b, "<versionStamp>%s</versionStamp>\n", xmlEscape(sys.VersionStamp))
	}
	b.WriteString("</Default>\n")
	return b.Bytes()
}

func modelName(t string) string {
	if t == "CIPC" {
		return "Cisco IP Communicator"
	}
	return "IP Phone " + t
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// deviceXML is SEP<MAC>.cnf.xml.
type deviceXML struct {
	XMLName        xml.Name `xml:"device"`
	FullConfig     bool     `xml:"fullConfig"`
	DeviceProtocol string   `xml:"deviceProtocol"`
	SSHUserID      string   `xml:"sshUserId"`
	SSHPassword    string   `xml:"sshPassword"`
	DevicePool     struct {
		DateTimeSetting struct {
			DateTemplate string `xml:"dateTemplate"`
		} `xml:"dateTimeSetting"`
		CallManagerGroup callManagerGroup `xml:"callManagerGroup"`
		SRSTInfo         struct {
			IsSecure bool `xml:"isSecure"`
		} `xml:"srstInfo"`
	} `xml:"devicePool"`
	LoadInformation        string `xml:"loadInformation"`
	VersionStamp           string `xml:"versionStamp"`
	DeviceSecurityMode     int    `xml:"deviceSecurityMode"`
	TransportLayerProtocol int    `xml:"transportLayerProtocol"`
	CertHash               string `xml:"certHash"`
	EncrConfig             bool   `xml:"encrConfig"`
	CapfAuthMode           int    `xml:"capfAuthMode"`
	CapfList               *struct {
		Capf []capfElem `xml:"capf"`
	} `xml:"capfList,omitempty"`
	VendorConfig struct {
		WebAccess int `xml:"webAccess"`
	} `xml:"vendorConfig"`
}

type capfElem struct {
	PhonePort       int    `xml:"phonePort"`
	ProcessNodeName string `xml:"processNodeName"`
}

// Device renders SEP<MAC>.cnf.xml for one phone.
func Device(sys System, p Phone) []byte {
	d := device(sys, p)
	b, _ := xml.MarshalIndent(d, "", "  ")
	return append(append([]byte(xml.Header), b...), '\n')
}

func device(sys System, p Phone) deviceXML {
	var d deviceXML
	d.FullConfig = true
	d.DeviceProtocol = "SCCP"
	d.DevicePool.DateTimeSetting.DateTemplate = "M/D/Y"
	d.DevicePool.CallManagerGroup = group(sys)
	d.DevicePool.SRSTInfo.IsSecure = p.Security != NonSecure && p.Security != 0
	d.LoadInformation = sys.Loads[p.Type]
	if d.LoadInformation == "" {
		for t, l := range sys.Loads {
			for _, one := range strings.Split(t, "-") {
				if one == p.Type {
					d.LoadInformation = l
				}
			}
		}
	}
	d.VersionStamp = sys.VersionStamp
	d.DeviceSecurityMode = int(p.Security)
	if d.DeviceSecurityMode == 0 {
		d.DeviceSecurityMode = int(NonSecure)
	}
	// SCCP phones: 2 (TCP) in CUCM's templates; SIP's 3 (TLS) does not apply.
	d.TransportLayerProtocol = 2
	d.CapfAuthMode = p.CapfAuthMode
	if p.CapfInCnf && sys.CAPF.IsValid() {
		d.CapfList = &struct {
			Capf []capfElem `xml:"capf"`
		}{Capf: []capfElem{{PhonePort: CAPFPort, ProcessNodeName: sys.CAPF.String()}}}
	}
	return d
}
