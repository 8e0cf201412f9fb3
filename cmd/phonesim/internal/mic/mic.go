// Package mic is the phone simulator's test manufacturing CA: it creates
// (or loads from a directory) a CA in the style of "Cisco Manufacturing
// CA" and issues Manufacturer Installed Certificates named as real ones
// are, CN=CP-<model>G-SEP<MAC> (reference §6.9, DM-tvsd), caching each on
// disk so a load run of a thousand phones pays for its keys once. Import
// the CA's certificate (ca.pem) into the box as a trusted MIC root.
package mic

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Key types.
const (
	RSA2048 = "rsa2048" // as the 79xx MICs
	ECDSA   = "ecdsa"   // P-256, cheaper for large load runs
)

// CA is a test manufacturing CA kept in a directory.
type CA struct {
	Cert    *x509.Certificate
	key     crypto.Signer
	dir     string
	keyType string
}

// Load opens the CA in dir (ca.pem, ca-key.pem), creating it if absent.
// keyType (RSA2048 or ECDSA; default RSA2048) applies to a new CA and to
// the MICs it issues.
func Load(dir, keyType string) (*CA, error) {
	if keyType == "" {
		keyType = RSA2048
	}
	if keyType != RSA2048 && keyType != ECDSA {
		return nil, fmt.Errorf("mic: key type %q (rsa2048 or ecdsa)", keyType)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ca := &CA{dir: dir, keyType: keyType}
	certPEM, err1 := os.ReadFile(filepath.Join(dir, "ca.pem"))
	keyPEM, err2 := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	if err1 == nil && err2 == nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("mic: %s: %w", dir, err)
		}
		ca.Cert = pair.Leaf
		ca.key = pair.PrivateKey.(crypto.Signer)
		return ca, nil
	}
	if !errors.Is(err1, os.ErrNotExist) && err1 != nil {
		return nil, err1
	}
	key, err := newKey(keyType)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Cisco Manufacturing CA (phonesim test)", Organization: []string{"phonesim"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	ca.Cert, _ = x509.ParseCertificate(der)
	ca.key = key
	if err := writePEM(filepath.Join(dir, "ca-key.pem"), key, nil); err != nil {
		return nil, err
	}
	if err := writePEM(filepath.Join(dir, "ca.pem"), nil, der); err != nil {
		return nil, err
	}
	return ca, nil
}

// Dir is the CA's directory.
func (ca *CA) Dir() string { return ca.dir }

// Name is the MIC common name of a phone: CP-<model>G-SEP<MAC>.
func Name(model, mac string) string {
	return "CP-" + model + "G-SEP" + strings.ToUpper(mac)
}

// Issue returns the MIC of the phone with this model and MAC, from the
// cache (dir/<Name>.pem, certificate then key) or newly issued.
func (ca *CA) Issue(model, mac string) (tls.Certificate, error) {
	name := Name(model, mac)
	path := filepath.Join(ca.dir, name+".pem")
	if b, err := os.ReadFile(path); err == nil {
		if pair, err := tls.X509KeyPair(b, b); err == nil && pair.Leaf.CheckSignatureFrom(ca.Cert) == nil {
			pair.Certificate = append(pair.Certificate, ca.Cert.Raw)
			return pair, nil
		}
	}
	key, err := newKey(ca.keyType)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name, Organization: []string{"Cisco Systems Inc."}, OrganizationalUnit: []string{"EVVBU"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writePEM(path, key, der); err != nil {
		return tls.Certificate{}, err
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// LoadPair reads an LSC (or any certificate and key) from PEM files; key
// may be the same file as cert.
func LoadPair(cert, key string) (tls.Certificate, error) {
	if key == "" {
		key = cert
	}
	return tls.LoadX509KeyPair(cert, key)
}

func newKey(t string) (crypto.Signer, error) {
	if t == ECDSA {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	return n.Add(n, big.NewInt(1))
}

// writePEM writes key (PKCS #8) and/or a certificate to path atomically,
// readable by the owner only (it holds a private key).
func writePEM(path string, key crypto.Signer, der []byte) error {
	var out []byte
	if der != nil {
		out = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	if key != nil {
		k, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
