package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/smallstep/scep"
)

// SCEPPath is where IOS (and cmeos) serve SCEP.
const SCEPPath = "/cgi-bin/pkiclient.exe"

// scepTimeout bounds every SCEP exchange.
const scepTimeout = 15 * time.Second

// maxSCEPResponse bounds what a CA may send back.
const maxSCEPResponse = 1 << 20

// SCEPURL turns an `enrollment url` into the SCEP endpoint: IOS appends
// /cgi-bin/pkiclient.exe when the URL has no path.
func SCEPURL(enrollment string) (string, error) {
	u, err := url.Parse(enrollment)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("bad enrollment url %q", enrollment)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = SCEPPath
	}
	return u.String(), nil
}

func scepGet(ctx context.Context, base, op, message string) ([]byte, string, error) {
	u := base + "?operation=" + op
	if message != "" {
		u += "&message=" + url.QueryEscape(message)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	return do(req)
}

func do(req *http.Request) ([]byte, string, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSCEPResponse))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("HTTP %s", resp.Status)
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// FetchCACert performs SCEP GetCACert and returns the CA certificate (the
// first CA certificate of an RA chain).
func FetchCACert(ctx context.Context, enrollment string) (*x509.Certificate, error) {
	base, err := SCEPURL(enrollment)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, scepTimeout)
	defer cancel()
	b, ct, err := scepGet(ctx, base, "GetCACert", "cmeos")
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(ct, "application/x-x509-ca-cert") {
		return x509.ParseCertificate(b)
	}
	certs, err := scep.CACerts(b)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if c.IsCA {
			return c, nil
		}
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate in GetCACert response")
	}
	return certs[0], nil
}

// EnrollResult is the CA's answer to a SCEP request.
type EnrollResult struct {
	Status scep.PKIStatus
	Cert   *x509.Certificate // when Status is SUCCESS
	Fail   scep.FailInfo
}

// SCEPEnroll sends a PKCSReq for csr (signed by key, which must be RSA) to
// the CA and returns its answer. Sending the same CSR again polls a pending
// request: the transaction ID derives from the public key.
func SCEPEnroll(ctx context.Context, enrollment string, ca *x509.Certificate, csrDER []byte, key crypto.Signer) (*EnrollResult, error) {
	if _, ok := key.Public().(*rsa.PublicKey); !ok {
		return nil, errors.New("SCEP needs an RSA key")
	}
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		return nil, err
	}
	signer, err := selfSigned(key, csr.Subject)
	if err != nil {
		return nil, err
	}
	return SCEPRequest(ctx, enrollment, ca, csrDER, signer, key)
}

// SCEPRequest sends a PKCSReq for csrDER signed by signer/key: a
// registration authority forwards a client's request this way, signed by
// its RA certificate (the transaction ID still derives from the client's
// public key, so the same request again polls it). The CertRep is
// decrypted with key.
func SCEPRequest(ctx context.Context, enrollment string, ca *x509.Certificate, csrDER []byte, signer *x509.Certificate, key crypto.Signer) (*EnrollResult, error) {
	base, err := SCEPURL(enrollment)
	if err != nil {
		return nil, err
	}
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		return nil, err
	}
	msg, err := scep.NewCSRRequest(csr, &scep.PKIMessage{MessageType: scep.PKCSReq, Recipients: []*x509.Certificate{ca},
		SignerKey: key, SignerCert: signer})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, scepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"?operation=PKIOperation", bytes.NewReader(msg.Raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-pki-message")
	b, _, err := do(req)
	if err != nil {
		return nil, err
	}
	return parseCertRep(b, ca, msg.TransactionID, signer, key)
}

// parseCertRep reads the CA's (or an upstream CA's, for the RA) answer to
// the request of transaction tid, decrypting an issued certificate with
// key. The body comes from the network: it is fuzzed (FuzzCertRep).
func parseCertRep(b []byte, ca *x509.Certificate, tid scep.TransactionID, signer *x509.Certificate, key crypto.Signer) (*EnrollResult, error) {
	rep, err := scep.ParsePKIMessage(b, scep.WithCACerts([]*x509.Certificate{ca}))
	if err != nil {
		return nil, fmt.Errorf("bad CertRep: %w", err)
	}
	if rep.CertRepMessage == nil || rep.TransactionID != tid {
		return nil, errors.New("CertRep does not answer the request")
	}
	res := &EnrollResult{Status: rep.PKIStatus, Fail: rep.FailInfo}
	if rep.PKIStatus == scep.SUCCESS {
		if err := rep.DecryptPKIEnvelope(signer, key); err != nil {
			return nil, fmt.Errorf("decrypt CertRep: %w", err)
		}
		if rep.Certificate == nil {
			return nil, errors.New("CertRep SUCCESS without a certificate")
		}
		res.Cert = rep.Certificate
	}
	return res, nil
}

// selfSigned makes the transient certificate that signs a SCEP request.
// Its validity follows the host's clock on purpose, not the software
// clock: smallstep/scep stamps the request's signingTime with time.Now,
// and the CA checks that time against this certificate.
func selfSigned(key crypto.Signer, subject pkix.Name) (*x509.Certificate, error) {
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
