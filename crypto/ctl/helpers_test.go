package ctl

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"flag"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// signTime is the TIMESTAMP of every golden file.
var signTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// identity is a test key with its certificate. The keys live under
// testdata/ as PEM and are generated only when missing, so that the
// certificates (RSA-signed, hence deterministic) and the golden files are
// reproducible.
type identity struct {
	key  crypto.Signer
	cert *x509.Certificate
}

type identitySpec struct {
	name   string
	key    string // "rsa1024", "rsa2048", "p256", "p384"
	cn     string
	serial string // hex
	issuer string // name of the issuing identity; "" for self-signed
}

// The subjects are encoded CN first, as CUCM's certificates are (seed 001).
var identitySpecs = []identitySpec{
	{"sast1", "rsa2048", "sast1-cme", "64F2FE613B79C5D362E26DAB4A8B761B", ""},
	{"sast2", "rsa2048", "sast2-cme", "6B993115D1555E759C428ACEF27EEAE8", ""},
	{"tftp", "rsa2048", "cme-tftp", "48F7D2F3A26637F2DDDFC47CE6B9CD44", "sast1"},
	{"capf", "rsa1024", "CAPF-7f0ae8d7", "01", "sast1"},
	{"tftp-ec", "p384", "cme-tftp-EC", "53CC1D87BA6A28BDDA22B249568B516C", "sast1"},
	{"https-ec", "p256", "cme-https-EC", "00A1", "sast1"},
}

var (
	identitiesOnce sync.Once
	identitiesMap  map[string]identity
	identitiesErr  error
)

func identities(t testing.TB) map[string]identity {
	t.Helper()
	identitiesOnce.Do(func() {
		identitiesMap, identitiesErr = loadIdentities()
	})
	if identitiesErr != nil {
		t.Fatal(identitiesErr)
	}
	return identitiesMap
}

func loadIdentities() (map[string]identity, error) {
	m := map[string]identity{}
	for _, s := range identitySpecs {
		key, err := loadOrCreateKey(filepath.Join("testdata", s.name+".key"), s.key)
		if err != nil {
			return nil, err
		}
		issuer := identity{key: key}
		if s.issuer != "" {
			issuer = m[s.issuer]
		}
		cert, err := loadOrCreateCert(filepath.Join("testdata", s.name+".crt"), s, key, issuer)
		if err != nil {
			return nil, err
		}
		m[s.name] = identity{key: key, cert: cert}
	}
	return m, nil
}

func loadOrCreateKey(path, kind string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		var k crypto.Signer
		switch kind {
		case "rsa1024":
			k, err = rsa.GenerateKey(rand.Reader, 1024)
		case "rsa2048":
			k, err = rsa.GenerateKey(rand.Reader, 2048)
		case "p256":
			k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case "p384":
			k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		}
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		b = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New(path + ": no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	return k.(crypto.Signer), nil
}

// loadOrCreateCert reads the certificate at path, or creates it (also when
// -update is set). Every issuer is RSA, so the result is deterministic.
func loadOrCreateCert(path string, s identitySpec, key crypto.Signer, issuer identity) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if *update || errors.Is(err, fs.ErrNotExist) {
		serial, _ := new(big.Int).SetString(s.serial, 16)
		subject, err := asn1.Marshal(pkix.RDNSequence{
			{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: s.cn}},
			{{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "TAC"}},
			{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Cisco Systems"}},
			{{Type: asn1.ObjectIdentifier{2, 5, 4, 7}, Value: "Boxborough"}},
			{{Type: asn1.ObjectIdentifier{2, 5, 4, 8}, Value: "MA"}},
			{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "US"}},
		})
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial,
			RawSubject:            subject,
			NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:              time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			BasicConstraintsValid: true,
			IsCA:                  s.issuer == "",
			SubjectKeyId:          []byte(s.name),
		}
		parent := tmpl
		if issuer.cert != nil {
			parent = issuer.cert
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), issuer.key)
		if err != nil {
			return nil, err
		}
		b = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New(path + ": no PEM block")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// record is RecordFromCertificate for a test identity.
func record(t testing.TB, id identity, role Role) Record {
	t.Helper()
	r, err := RecordFromCertificate(id.cert, role)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// goldenFile is the ITL every golden test signs: both SAST certificates,
// the TFTP server as CCM+TFTP, CAPF, and EC certificates for HTTPS
// provisioning and an application server, like seed 001's mix.
func goldenFile(t testing.TB) *File {
	t.Helper()
	ids := identities(t)
	return &File{Records: []Record{
		record(t, ids["sast1"], RoleSAST),
		record(t, ids["sast2"], RoleSAST),
		record(t, ids["tftp"], RoleCCMTFTP),
		record(t, ids["capf"], RoleCAPF),
		record(t, ids["tftp-ec"], RoleTFTP),
		record(t, ids["https-ec"], RoleAppServer),
	}}
}

// signGolden signs goldenFile with SAST1, as CME's ctl-client does (§2.7).
func signGolden(t testing.TB, hash crypto.Hash) (*File, []byte) {
	t.Helper()
	f := goldenFile(t)
	sast1 := identities(t)["sast1"]
	b, err := Sign(f, sast1.key, sast1.cert, hash, "ITLFile.tlv", signTime)
	if err != nil {
		t.Fatal(err)
	}
	return f, b
}

// goldenSGNContent is the configuration file the .sgn golden file wraps.
var goldenSGNContent = []byte(`<?xml version="1.0" encoding="UTF-8"?>
<device><fullConfig>true</fullConfig><deviceSecurityMode>2</deviceSecurityMode></device>
`)

func signGoldenSGN(t testing.TB, hash crypto.Hash) []byte {
	t.Helper()
	tftp := identities(t)["tftp"]
	b, err := SignFile(goldenSGNContent, "SEP001122334455.cnf.xml.sgn", tftp.key, tftp.cert, hash, signTime)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: output differs from golden file at byte %d (got %d bytes, want %d); run go test -update if the change is intended", path, i, len(got), len(want))
	}
}
