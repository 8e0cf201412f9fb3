package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/smallstep/scep"

	"cmeos/crypto/pki"
)

// RA is a certificate server in `mode ra`: a registration authority in
// front of an issuing CA (the same-label trustpoint's `enrollment url`).
// Clients enroll with it by SCEP; requests it grants (grant auto, or
// `crypto pki server NAME grant`) are forwarded to the issuing CA by SCEP,
// signed with the RA certificate, and the issued certificate is returned to
// the client. Like Authority it never takes the configuration lock.
type RA struct {
	limit sourceLimit // PKIOperation rate per source
	ctx   context.Context
	url   string            // the issuing CA's enrollment url
	ca    *x509.Certificate // the issuing CA
	cert  *x509.Certificate // the RA certificate
	key   crypto.Signer
	now   func() time.Time

	mu      sync.Mutex
	grant   bool
	reject  bool // grant none
	reqs    []*raRequest
	byTID   map[string]*raRequest
	nextReq int
}

type raRequest struct {
	Request
	approved bool // granted here; forwarded to the CA
}

// NewRA starts a registration authority.
func NewRA(ctx context.Context, url string, ca, cert *x509.Certificate, key crypto.Signer, now func() time.Time, grantAuto bool) *RA {
	return &RA{ctx: ctx, url: url, ca: ca, cert: cert, key: key, now: now, grant: grantAuto, byTID: map[string]*raRequest{}, nextReq: 1}
}

// SetGrant changes the grant mode: auto, none (reject), or neither (manual).
func (ra *RA) SetGrant(auto, none bool) {
	ra.mu.Lock()
	ra.grant, ra.reject = auto, none
	ra.mu.Unlock()
}

// ServeHTTP is the RA's SCEP server at /cgi-bin/pkiclient.exe.
func (ra *RA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Query().Get("operation") {
	case "GetCACaps":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, Capabilities)
	case "GetCACert":
		// The RA convention: a degenerate PKCS#7 with the RA certificate
		// (clients encrypt to it) and the issuing CA certificate.
		deg, err := scep.DegenerateCertificates([]*x509.Certificate{ra.cert, ra.ca})
		if err != nil {
			http.Error(w, "GetCACert failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-x509-ca-ra-cert")
		w.Write(deg)
	case "GetCRL":
		ra.proxyCRL(w, r)
	case "PKIOperation":
		servePKIOperation(w, r, ra.PKIOperation, &ra.limit, ra.now())
	default:
		http.Error(w, "unknown SCEP operation", http.StatusBadRequest)
	}
}

func (ra *RA) proxyCRL(w http.ResponseWriter, r *http.Request) {
	base, err := pki.SCEPURL(ra.url)
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		var req *http.Request
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"?operation=GetCRL", nil); err == nil {
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				defer resp.Body.Close()
				b, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				if rerr == nil && resp.StatusCode == http.StatusOK {
					w.Header().Set("Content-Type", "application/pkix-crl")
					w.Write(b)
					return
				}
			}
		}
	}
	http.Error(w, "CRL unavailable", http.StatusBadGateway)
}

// PKIOperation answers one client pkiMessage: decrypt with the RA key,
// hold or forward the request, relay the CA's answer.
func (ra *RA) PKIOperation(msg []byte) ([]byte, error) {
	m, err := parsePKIMessage(msg)
	if err != nil {
		return nil, err
	}
	tid, rep := m.tid, m.rep
	fail := func(f scep.FailInfo) ([]byte, error) {
		return signRep(ra.cert, ra.key, ra.now(), rep, scep.FAILURE, f, nil)
	}
	var r *raRequest
	switch m.typ {
	case scep.PKCSReq, scep.RenewalReq, scep.UpdateReq:
		if m.substituted {
			return fail(scep.BadMessageCheck)
		}
		csr, _, f := m.request(ra.cert, ra.key)
		if f != "" {
			return fail(f)
		}
		if csr.CheckSignature() != nil {
			return fail(scep.BadRequest)
		}
		if !m.selfSigned(csr) && m.typ == scep.PKCSReq {
			return fail(scep.BadMessageCheck)
		}
		r = ra.submit(tid, csr)
	case scep.CertPoll:
		ra.mu.Lock()
		r = ra.byTID[tid]
		ra.mu.Unlock()
		if r == nil {
			return fail(scep.BadCertID)
		}
	default:
		return fail(scep.BadRequest)
	}
	st := ra.forward(r)
	switch st.State {
	case "granted":
		return signRep(ra.cert, ra.key, ra.now(), rep, scep.SUCCESS, "", st.Cert)
	case "pending":
		return signRep(ra.cert, ra.key, ra.now(), rep, scep.PENDING, "", nil)
	}
	return fail(scep.BadRequest)
}

func (ra *RA) submit(tid string, csr *x509.CertificateRequest) *raRequest {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if r := ra.byTID[tid]; r != nil && (r.State == "pending" || bytes.Equal(r.CSR.Raw, csr.Raw)) {
		return r
	}
	r := &raRequest{Request: Request{ID: ra.nextReq, TID: tid, CSR: csr, State: "pending", Created: ra.now()}, approved: ra.grant}
	if ra.reject && !ra.grant {
		r.State = "rejected" // grant none
	}
	ra.nextReq++
	ra.reqs = append(ra.reqs, r)
	ra.byTID[tid] = r
	return r
}

// forward sends an approved, still pending request to the issuing CA (a
// repeated PKCSReq polls the CA) and returns the request's state.
func (ra *RA) forward(r *raRequest) Request {
	ra.mu.Lock()
	if r.State != "pending" || !r.approved {
		defer ra.mu.Unlock()
		return r.Request
	}
	csr := r.CSR
	ra.mu.Unlock()
	res, err := pki.SCEPRequest(ra.ctx, ra.url, ra.ca, csr.Raw, ra.cert, ra.key)
	ra.mu.Lock()
	defer ra.mu.Unlock()
	switch {
	case err != nil:
		// The CA is unreachable: the client is told PENDING and polls again.
	case res.Status == scep.SUCCESS && res.Cert != nil && res.Cert.CheckSignatureFrom(ra.ca) == nil:
		r.State, r.Cert = "granted", res.Cert
	case res.Status == scep.FAILURE:
		r.State = "rejected"
	}
	return r.Request
}

// Grant approves pending requests (id 0: all) for forwarding; the client's
// next poll carries them to the CA.
func (ra *RA) Grant(id int) (int, error) {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	n := 0
	for _, r := range ra.reqs {
		if (id == 0 || r.ID == id) && r.State == "pending" && !r.approved {
			r.approved = true
			n++
		}
	}
	if id != 0 && n == 0 {
		return 0, ErrNoSuch
	}
	return n, nil
}

// Reject rejects pending requests (id 0: all) that were not forwarded.
func (ra *RA) Reject(id int) (int, error) {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	n := 0
	for _, r := range ra.reqs {
		if (id == 0 || r.ID == id) && r.State == "pending" && !r.approved {
			r.State = "rejected"
			n++
		}
	}
	if id != 0 && n == 0 {
		return 0, ErrNoSuch
	}
	return n, nil
}

// Requests returns a copy of the request table.
func (ra *RA) Requests() []Request {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	out := make([]Request, len(ra.reqs))
	for i, r := range ra.reqs {
		out[i] = r.Request
	}
	return out
}
