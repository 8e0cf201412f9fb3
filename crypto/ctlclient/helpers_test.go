package ctlclient_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"strings"
	"testing"
	"time"

	_ "cmeos/crypto/credentials"
	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	_ "cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	_ "cmeos/telephony/tftpd"
)

// testCA issues certificates with crypto/x509, as the router's CA
// would, so that tests do not depend on the SCEP round trip.
type testCA struct {
	cert   *x509.Certificate
	key    *rsa.PrivateKey
	serial int64
}

var testNow = time.Date(2026, time.November, 23, 9, 30, 0, 0, time.UTC)

func clock() time.Time { return testNow }

func newCA(t testing.TB, cn string) *testCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(3, 0, 0),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, serial: 1}
}

func (ca *testCA) issue(t testing.TB, cn string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ca.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(ca.serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"cmeos test"}},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

// newSystem boots a System on its own temporary flash: and nvram:.
func newSystem(t testing.TB, cfg string) *config.System {
	t.Helper()
	return configtest.NewSystem(t, nil, clock, cfg)
}

// trustpoint creates trustpoint name on sys with a certificate issued by
// ca (and ca's certificate as its CA certificate) and its key in the key
// store, as `crypto pki authenticate` and `crypto pki enroll` would leave it.
func (ca *testCA) trustpoint(t testing.TB, sys *config.System, name string) *x509.Certificate {
	t.Helper()
	cert, key := ca.issue(t, name)
	setCredentials(t, sys, name, ca.cert, cert, key)
	return cert
}

func setCredentials(t testing.TB, sys *config.System, name string, caCert, cert *x509.Certificate, key *rsa.PrivateKey) {
	t.Helper()
	configure(t, sys, "crypto pki trustpoint "+name, " enrollment terminal", " rsakeypair "+name, " revocation-check none", " exit")
	if err := keys.FromSystem(sys).Put(&keys.Key{Label: name, Signer: key}); err != nil {
		t.Fatal(err)
	}
	sys.Lock()
	p := pki.FromSystem(sys)
	p.SetCertificate(name, caCert, true)
	p.SetCertificate(name, cert, false)
	sys.Unlock()
	sys.Flush() // the certificate event has reached its subscribers
}

// configure types lines in global configuration mode and returns the output.
func configure(t testing.TB, sys *config.System, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	s := sys.NewSession("test", cli.PrivMax, &out, nil)
	s.Enter(cli.ModeConfig, nil)
	for _, l := range lines {
		s.Execute(l)
	}
	return out.String()
}

// execCmd runs one privileged EXEC command.
func execCmd(t testing.TB, sys *config.System, line string) string {
	t.Helper()
	var out bytes.Buffer
	s := sys.NewSession("test", cli.PrivMax, &out, nil)
	s.Execute(line)
	return out.String()
}

// signedRegion returns a CTL/ITL file without its SIGNATURE element and
// the signature, walking the header as protocols.md §2.1–2.4 describe
// (independently of package ctl).
func signedRegion(t testing.TB, b []byte) (data, sig []byte) {
	t.Helper()
	hdrLen := int(binary.BigEndian.Uint16(b[8:]))
	for off := 0; off < hdrLen; {
		tag := b[off]
		if tag == 13 { // padding: one byte, no length
			off++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[off+1:]))
		switch tag {
		case 3, 7, 9: // containers: step into the children
			off += 3
			continue
		case 12:
			sig = b[off+3 : off+3+n]
			data = append(append([]byte(nil), b[:off]...), b[off+3+n:]...)
			return data, sig
		}
		off += 3 + n
	}
	t.Fatal("no SIGNATURE element in the header")
	return nil, nil
}

func mustContain(t testing.TB, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
}

// logged returns the log buffer.
func logged(sys *config.System) string { return strings.Join(sys.Log.Entries(), "\n") }
