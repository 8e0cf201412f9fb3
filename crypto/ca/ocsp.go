package ca

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSPPath is where the certificate server answers OCSP (beyond IOS CME,
// which has no responder): POST with an application/ocsp-request body, or
// GET /ocsp/<base64 request> (RFC 6960 appendix A).
const OCSPPath = "/ocsp"

// ocspValidity is how long an OCSP answer may be cached.
const ocspValidity = time.Hour

// maxOCSPRequest bounds a request.
const maxOCSPRequest = 16 << 10

// ErrNotOurs is returned for an OCSP request about another CA's certificate.
var ErrNotOurs = errors.New("ca: OCSP request for another issuer")

// OCSP answers a DER OCSP request: good for serials this CA issued and has
// not revoked, revoked with the time of `revoke`, unknown otherwise. The
// response is signed by the CA key itself.
func (a *Authority) OCSP(req []byte) ([]byte, error) {
	r, err := ocsp.ParseRequest(req)
	if err != nil {
		return nil, err
	}
	if !a.issuerMatches(r) {
		return nil, ErrNotOurs
	}
	a.mu.Lock()
	now := a.now()
	tmpl := ocsp.Response{SerialNumber: r.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(ocspValidity), Status: ocsp.Unknown}
	s := r.SerialNumber.Int64()
	if r.SerialNumber.IsInt64() && s >= 2 && s < a.serial {
		tmpl.Status = ocsp.Good
		if t, ok := a.revoked[strings.ToUpper(r.SerialNumber.Text(16))]; ok {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, t, ocsp.Unspecified
		}
	}
	a.mu.Unlock()
	return ocsp.CreateResponse(a.cert, a.cert, tmpl, a.key)
}

func (a *Authority) issuerMatches(r *ocsp.Request) bool {
	if !r.HashAlgorithm.Available() {
		return false
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(a.cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := r.HashAlgorithm.New()
	h.Write(spki.PublicKey.RightAlign())
	kh := h.Sum(nil)
	h = r.HashAlgorithm.New()
	h.Write(a.cert.RawSubject)
	return bytes.Equal(kh, r.IssuerKeyHash) && bytes.Equal(h.Sum(nil), r.IssuerNameHash)
}

// serveOCSP is the OCSP responder's HTTP side.
func (a *Authority) serveOCSP(w http.ResponseWriter, r *http.Request) {
	var req []byte
	var err error
	switch r.Method {
	case http.MethodPost:
		req, err = io.ReadAll(io.LimitReader(r.Body, maxOCSPRequest+1))
		if len(req) > maxOCSPRequest {
			err = errors.New("too large")
		}
	case http.MethodGet:
		p := strings.TrimPrefix(strings.TrimPrefix(r.URL.EscapedPath(), OCSPPath), "/")
		if p, err = url.PathUnescape(p); err == nil {
			req, err = base64.StdEncoding.DecodeString(p)
		}
	default:
		err = errors.New("method")
	}
	var resp []byte
	if err == nil {
		resp, err = a.OCSP(req)
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	if errors.Is(err, ErrNotOurs) {
		w.Write(ocsp.UnauthorizedErrorResponse)
		return
	}
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	w.Write(resp)
}
