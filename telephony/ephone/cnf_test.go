package ephone_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/telephony/cnf"
	"cmeos/telephony/ephone"
	"cmeos/telephony/tftpd"
)

func systemWithFS(t *testing.T) *config.System {
	dir := t.TempDir()
	store, err := fs.New("flash",
		fs.Mount{Prefix: "system", Kind: fs.KindOpaque},
		fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	sys := config.New(config.Options{FS: store})
	t.Cleanup(func() { sys.Close(); store.Close() })
	return sys
}

func fetch(t *testing.T, client string, port int, name string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "f")
	var cmd *exec.Cmd
	if client == "curl" {
		cmd = exec.Command("curl", "-sS", "--max-time", "20", "-o", out, fmt.Sprintf("tftp://127.0.0.1:%d/%s", port, name))
	} else {
		cmd = exec.Command("tftp", "127.0.0.1", fmt.Sprint(port))
		cmd.Stdin = strings.NewReader(fmt.Sprintf("binary\nget %s %s\nquit\n", name, out))
	}
	if _, err := exec.LookPath(cmd.Path); err != nil {
		t.Fatalf("%s not installed (scripts/deps)", client)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", client, name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("%s did not fetch %s", client, name)
	}
	return b
}

// device is the part of SEP<MAC>.cnf.xml the test checks.
type device struct {
	FullConfig bool `xml:"fullConfig"`
	Members    []struct {
		Priority int    `xml:"priority,attr"`
		Port     int    `xml:"callManager>ports>ethernetPhonePort"`
		Node     string `xml:"callManager>processNodeName"`
	} `xml:"devicePool>callManagerGroup>members>member"`
	Load         string `xml:"loadInformation"`
	Security     int    `xml:"deviceSecurityMode"`
	Transport    int    `xml:"transportLayerProtocol"`
	CapfAuthMode int    `xml:"capfAuthMode"`
	Capf         []struct {
		Port int    `xml:"phonePort"`
		Node string `xml:"processNodeName"`
	} `xml:"capfList>capf"`
	EncrConfig bool   `xml:"encrConfig"`
	Stamp      string `xml:"versionStamp"`
}

const phonesConfig = `tftp-server port 0 source-address 127.0.0.1
telephony-service
 load 7970 TERM70.7-0-0-77DEV
 load 7960-7940 P00308000300
 ip source-address 10.13.32.11 port 2000 secondary 10.13.32.12
 cnf-file perphone
 device-security-mode authenticated
ephone 1
 device-security-mode encrypted
 capf-ip-in-cnf
 cert-oper upgrade auth-mode null-string
 mac-address 0012.4302.A7CC
 type 7970
ephone 2
 mac-address 0017.94ca.9ccd
 type 7960
`

func TestCnfFilesOverTFTP(t *testing.T) {
	sys := systemWithFS(t)
	var out bytes.Buffer
	if n := sys.Load(phonesConfig, &out); n != 0 {
		t.Fatal(out.String())
	}
	tf := tftpd.FromSystem(sys)
	if _, ok := tf.Generated("SEP00124302A7CC.cnf.xml"); ok {
		t.Fatal("cnf files published before create cnf-files")
	}
	if n := sys.Load("telephony-service\n create cnf-files\n", &out); n != 0 {
		t.Fatal(out.String())
	}
	if !strings.Contains(out.String(), "Creating CNF files") {
		t.Errorf("create cnf-files printed %q", out.String())
	}
	port := tf.Addr().Port
	for _, client := range []string{"curl", "tftp"} {
		var d device
		if err := xml.Unmarshal(fetch(t, client, port, "SEP00124302A7CC.cnf.xml"), &d); err != nil {
			t.Fatal(err)
		}
		if !d.FullConfig || d.Security != 3 || d.Load != "TERM70.7-0-0-77DEV" || d.CapfAuthMode != 2 || d.Stamp == "" || d.EncrConfig {
			t.Errorf("%s: ephone 1 cnf: %+v", client, d)
		}
		if len(d.Members) != 2 || d.Members[0].Node != "10.13.32.11" || d.Members[0].Port != 2000 || d.Members[1].Node != "10.13.32.12" || d.Members[1].Priority != 1 {
			t.Errorf("callManagerGroup: %+v", d.Members)
		}
		if len(d.Capf) != 1 || d.Capf[0].Port != 3804 || d.Capf[0].Node != "10.13.32.11" {
			t.Errorf("capfList: %+v", d.Capf)
		}
		var d2 device
		xml.Unmarshal(fetch(t, client, port, "SEP001794CA9CCD.cnf.xml"), &d2)
		if d2.Security != 2 || d2.Load != "P00308000300" || len(d2.Capf) != 0 {
			t.Errorf("%s: ephone 2 (inherits authenticated): %+v", client, d2)
		}
		def := fetch(t, client, port, "XMLDefault.cnf.xml")
		var x struct {
			XMLName xml.Name `xml:"Default"`
			Members []string `xml:"callManagerGroup>members>member>callManager>processNodeName"`
			Load7   string   `xml:"loadInformation7"`
			Load    string   `xml:"loadInformation30006"`
		}
		if err := xml.Unmarshal(def, &x); err != nil || x.Load != "TERM70.7-0-0-77DEV" || x.Load7 != "P00308000300" || len(x.Members) != 2 {
			t.Errorf("%s: XMLDefault %v %+v\n%s", client, err, x, def)
		}
	}
	// A change regenerates; a removed phone's file is withdrawn.
	sys.Load("ephone 1\n device-security-mode none\nno ephone 2\n", &out)
	var d device
	xml.Unmarshal(fetch(t, "curl", port, "SEP00124302A7CC.cnf.xml"), &d)
	if d.Security != 1 {
		t.Errorf("after the change deviceSecurityMode = %d, want 1", d.Security)
	}
	if _, ok := tf.Generated("SEP001794CA9CCD.cnf.xml"); ok {
		t.Error("file of a removed ephone still served")
	}
	bind := run(sys, "show telephony-service tftp-bindings")
	if !strings.Contains(bind, "tftp-server system:/its/SEP00124302A7CC.cnf.xml") || !strings.Contains(bind, "XMLDefault.cnf.xml") {
		t.Errorf("tftp-bindings:\n%s", bind)
	}
}

// ctlSigner signs with crypto/ctl's .sgn envelope: how the PKI integration
// will plug in the tftp-server-credentials trustpoint.
type ctlSigner struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func (s ctlSigner) Sign(name string, content []byte) ([]byte, error) {
	return ctl.SignFile(content, name+".sgn", s.key, s.cert, crypto.SHA1, time.Now())
}

func TestSignerPlugsIn(t *testing.T) {
	sys := systemWithFS(t)
	ring := []byte("<CiscoIPPhoneRingList></CiscoIPPhoneRingList>\n")
	if err := sys.FS.WriteFile(fs.Path{Prefix: "flash", Name: "Ringlist.xml"}, ring); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if n := sys.Load(phonesConfig+"telephony-service\n tftp-server-credentials trustpoint cme-tftp\n load-cfg-file flash:Ringlist.xml alias Ringlist.xml sign\n create cnf-files\n", &out); n != 0 {
		t.Fatal(out.String())
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "cme-tftp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	var asked string
	ephone.FromSystem(sys).SetSigner(func(tp string) (cnf.Signer, error) {
		asked = tp
		return ctlSigner{key, cert}, nil
	})
	if asked != "cme-tftp" {
		t.Fatalf("signer asked for trustpoint %q", asked)
	}
	tf := tftpd.FromSystem(sys)
	sgn := fetch(t, "curl", tf.Addr().Port, "SEP00124302A7CC.cnf.xml.sgn")
	plain := fetch(t, "curl", tf.Addr().Port, "SEP00124302A7CC.cnf.xml")
	h, content, err := ctl.VerifySigned(sgn, cert)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(content, plain) || h.Filename != "SEP00124302A7CC.cnf.xml.sgn" {
		t.Fatalf("signed file: filename %q, content matches %v", h.Filename, bytes.Equal(content, plain))
	}
	// load-cfg-file ... sign: the flash file under its alias, and signed.
	if got := fetch(t, "tftp", tf.Addr().Port, "Ringlist.xml"); !bytes.Equal(got, ring) {
		t.Fatalf("Ringlist.xml: %q", got)
	}
	h, content, err = ctl.VerifySigned(fetch(t, "curl", tf.Addr().Port, "Ringlist.xml.sgn"), cert)
	if err != nil || !bytes.Equal(content, ring) || h.Filename != "Ringlist.xml.sgn" {
		t.Fatalf("Ringlist.xml.sgn: %v %q %q", err, h.Filename, content)
	}
}
