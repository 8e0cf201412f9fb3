package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/crypto/ocsp"
)

// ErrRevoked is returned for a certificate on its CA's CRL.
var ErrRevoked = errors.New("certificate revoked")

// FetchCRL downloads a CRL (DER) and checks it is signed by ca.
func FetchCRL(ctx context.Context, url string, ca *x509.Certificate) (*x509.RevocationList, error) {
	ctx, cancel := context.WithTimeout(ctx, scepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	b, _, err := do(req)
	if err != nil {
		return nil, err
	}
	crl, err := x509.ParseRevocationList(b)
	if err != nil {
		return nil, err
	}
	if err := crl.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("CRL not signed by the CA: %w", err)
	}
	return crl, nil
}

// crlURL is where the CRL of a certificate is: its CRL distribution point,
// else the trustpoint's SCEP GetCRL.
func crlURL(tp *Trustpoint, c *x509.Certificate) (string, error) {
	if len(c.CRLDistributionPoints) > 0 {
		return c.CRLDistributionPoints[0], nil
	}
	if tp.URL == "" {
		return "", errors.New("no CRL distribution point")
	}
	u, err := SCEPURL(tp.URL)
	if err != nil {
		return "", err
	}
	return u + "?operation=GetCRL", nil
}

// CheckRevocation applies a trustpoint's revocation-check methods in order
// to c (issued by ca): crl downloads and checks the CRL, none accepts, and
// a method that fails (server down, ocsp not available) passes to the next.
// It returns nil when the certificate is accepted.
func CheckRevocation(ctx context.Context, tp *Trustpoint, c, ca *x509.Certificate) error {
	methods := tp.Revocation
	if len(methods) == 0 {
		methods = []string{"crl"}
	}
	var last error
	for _, m := range methods {
		switch m {
		case "none":
			return nil
		case "crl":
			url, err := crlURL(tp, c)
			if err != nil {
				last = err
				continue
			}
			crl, err := FetchCRL(ctx, url, ca)
			if err != nil {
				last = err
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
					return ErrRevoked
				}
			}
			return nil
		case "ocsp":
			err := checkOCSP(ctx, tp, c, ca)
			if err == nil || errors.Is(err, ErrRevoked) {
				return err
			}
			last = err
		default:
			last = fmt.Errorf("revocation method %s is not available", m)
		}
	}
	return last
}

// checkOCSP asks the trustpoint's `ocsp url`, else the certificate's AIA
// responder, about c.
func checkOCSP(ctx context.Context, tp *Trustpoint, c, ca *x509.Certificate) error {
	url := tp.OCSPURL
	if url == "" && len(c.OCSPServer) > 0 {
		url = c.OCSPServer[0]
	}
	if url == "" {
		return errors.New("no OCSP responder")
	}
	req, err := ocsp.CreateRequest(c, ca, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, scepTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/ocsp-request")
	b, _, err := do(hr)
	if err != nil {
		return err
	}
	resp, err := ocsp.ParseResponseForCert(b, c, ca)
	if err != nil {
		return fmt.Errorf("OCSP: %w", err)
	}
	switch resp.Status {
	case ocsp.Good:
		return nil
	case ocsp.Revoked:
		return ErrRevoked
	}
	return errors.New("OCSP: certificate status unknown")
}
