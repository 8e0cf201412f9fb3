package cnf

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/netip"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/ctl"
)

func selfSigned(t *testing.T, cn string, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Unix(1_700_000_000, 0), NotAfter: time.Unix(1_900_000_000, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testSigner signs and encrypts with crypto/ctl, as the
// telephony feature's signer does.
type testSigner struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func (s testSigner) Sign(name string, content []byte) ([]byte, error) {
	return ctl.SignFile(content, name+".sgn", s.key, s.cert, crypto.SHA1, time.Unix(1_800_000_000, 0))
}

func (s testSigner) SignEncrypted(name string, plain []byte, phone *x509.Certificate) ([]byte, error) {
	return ctl.EncryptFile(plain, name+".enc.sgn", phone, s.key, s.cert, crypto.SHA1, time.Unix(1_800_000_000, 0))
}

// onlySigner cannot encrypt.
type onlySigner struct{ testSigner }

func (s onlySigner) SignEncrypted() {}

func TestBuildEncrypted(t *testing.T) {
	tk := rsaKey(t)
	s := testSigner{tk, selfSigned(t, "tftp", tk)}
	pk := rsaKey(t)
	phoneCert := selfSigned(t, "SEP00124302A7CC", pk)
	sys := System{CallManagers: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, Port: SCCPPort,
		Loads: map[string]string{"7970": "SCCP70.9-4-2SR3-1S"}, VersionStamp: "v1", CAPF: netip.MustParseAddr("10.0.0.1")}
	phones := []Phone{
		{MAC: "00124302A7CC", Type: "7970", Security: Encrypted, Cert: phoneCert, CapfInCnf: true, CapfAuthMode: 3},
		{MAC: "0012430200B1", Type: "7970", Security: Encrypted}, // no certificate
		{MAC: "0012430200C3", Type: "7970", Security: Authenticated, Cert: phoneCert},
	}
	names := func(fs []File) string {
		var n []string
		for _, f := range fs {
			n = append(n, f.Name)
		}
		return strings.Join(n, " ")
	}
	files, err := Build(sys, phones, s)
	if err != nil {
		t.Fatal(err)
	}
	want := "XMLDefault.cnf.xml XMLDefault.cnf.xml.sgn SEP0012430200B1.cnf.xml SEP0012430200B1.cnf.xml.sgn " +
		"SEP0012430200C3.cnf.xml SEP0012430200C3.cnf.xml.sgn SEP00124302A7CC.cnf.xml.enc.sgn SEP00124302A7CC.cnf.xml.sgn"
	if got := names(files); got != want {
		t.Errorf("files:\n got %s\nwant %s", got, want)
	}
	for _, f := range files {
		if f.Name == "SEP00124302A7CC.cnf.xml.sgn" {
			_, stub, err := ctl.VerifySigned(f.Data, s.cert)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"<certHash>" + CertHash(phoneCert) + "</certHash>", "<encrConfig>true</encrConfig>",
				"<fullConfig>false</fullConfig>", "<capfAuthMode>3</capfAuthMode>", "<processNodeName>10.0.0.1</processNodeName>"} {
				if !strings.Contains(string(stub), w) {
					t.Errorf("stub lacks %s:\n%s", w, stub)
				}
			}
		}
	}
	// A signer that cannot encrypt keeps the plain file.
	files, err = Build(sys, []Phone{{MAC: "00124302A7CC", Type: "7970", Security: Encrypted, Cert: phoneCert}}, onlySigner{s})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(files); got != "XMLDefault.cnf.xml XMLDefault.cnf.xml.sgn SEP00124302A7CC.cnf.xml SEP00124302A7CC.cnf.xml.sgn" {
		t.Errorf("without an Encrypter: %s", got)
	}
	if len(CertHash(phoneCert)) != 32 {
		t.Errorf("certHash %q is not hex MD5", CertHash(phoneCert))
	}
}
