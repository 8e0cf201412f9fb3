package ca

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"
	"github.com/smallstep/scep"
	"github.com/smallstep/scep/x509util"
)

// SCEP object identifiers (draft-nourse-scep / RFC 8894).
var (
	oidMessageType    = []int{2, 16, 840, 1, 113733, 1, 9, 2}
	oidPKIStatus      = []int{2, 16, 840, 1, 113733, 1, 9, 3}
	oidFailInfo       = []int{2, 16, 840, 1, 113733, 1, 9, 4}
	oidSenderNonce    = []int{2, 16, 840, 1, 113733, 1, 9, 5}
	oidRecipientNonce = []int{2, 16, 840, 1, 113733, 1, 9, 6}
	oidTransactionID  = []int{2, 16, 840, 1, 113733, 1, 9, 7}
)

// maxSCEPMessage bounds a request body.
const maxSCEPMessage = 256 << 10

// Capabilities is what GetCACaps answers.
const Capabilities = "POSTPKIOperation\nSHA-256\nSHA-1\nDES3\nAES\nSCEPStandard\n"

// ServeHTTP is the SCEP server at /cgi-bin/pkiclient.exe.
func (a *Authority) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.URL.Query().Get("operation")
	switch op {
	case "GetCACaps":
		w.Header().Set("Content-Type", "text/plain")
		caps := Capabilities
		if a.ShadowCertificate() != nil {
			caps += "GetNextCACert\n"
		}
		io.WriteString(w, caps)
	case "GetCACert":
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		w.Write(a.cert.Raw)
	case "GetNextCACert":
		// The rollover CA certificate, in a SignedData signed by the
		// current CA (RFC 8894 section 4.7).
		sh := a.ShadowCertificate()
		if sh == nil {
			http.Error(w, "no rollover CA certificate", http.StatusNotFound)
			return
		}
		resp, err := a.nextCACert(sh)
		if err != nil {
			http.Error(w, "GetNextCACert failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-x509-next-ca-cert")
		w.Write(resp)
	case "GetCRL":
		crl, err := a.CRL()
		if err != nil {
			http.Error(w, "CRL unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	case "PKIOperation":
		servePKIOperation(w, r, a.PKIOperation, &a.limit, a.now())
	default:
		http.Error(w, "unknown SCEP operation", http.StatusBadRequest)
	}
}

// servePKIOperation reads a pkiMessage from a POST body or a GET "message"
// parameter (base64), answers it with op, and writes the CertRep.
func servePKIOperation(w http.ResponseWriter, r *http.Request, op func([]byte) ([]byte, error), lim *sourceLimit, now time.Time) {
	if !lim.allow(r, now) {
		http.Error(w, "too many requests from this address", http.StatusServiceUnavailable)
		return
	}
	var body []byte
	var err error
	if r.Method == http.MethodPost {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxSCEPMessage+1))
	} else {
		m := r.URL.Query().Get("message")
		body, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(m, " ", "+"))
	}
	if err != nil || len(body) == 0 || len(body) > maxSCEPMessage {
		http.Error(w, "bad PKIOperation message", http.StatusBadRequest)
		return
	}
	resp, err := op(body)
	if err != nil {
		http.Error(w, "bad PKIOperation message", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-pki-message")
	w.Write(resp)
}

// ErrBadMessage is returned for SCEP messages that cannot be answered at
// all (not PKCS#7, bad signature, missing attributes).
var ErrBadMessage = errors.New("ca: bad SCEP message")

// pkiMessage is a SCEP pkiMessage whose signature verified, with the
// signed attributes every answer needs.
type pkiMessage struct {
	p7   *pkcs7.PKCS7
	tid  string
	typ  scep.MessageType
	rep  certRep
	from *x509.Certificate // the signer: the certificate whose key verified the signature
	// substituted: the first certificate listed is not the signer's. SCEP
	// clients list the signer first; a message listing another certificate
	// (one the CA issued, say) while signed by a different key is an attempt
	// to pass as that certificate's holder, and is answered badMessageCheck.
	substituted bool
}

// parsePKIMessage verifies a pkiMessage and reads its attributes.
func parsePKIMessage(msg []byte) (*pkiMessage, error) {
	p7, err := pkcs7.Parse(msg)
	if err != nil {
		return nil, ErrBadMessage
	}
	// Exactly one signer, whose certificate is found by the issuer and
	// serial its SignerInfo names: that is the certificate whose key
	// Verify checks, and so the only one the message proves anything about.
	if len(p7.Signers) != 1 {
		return nil, ErrBadMessage
	}
	if err := p7.Verify(); err != nil {
		return nil, ErrBadMessage
	}
	signer := p7.GetOnlySigner()
	var tid, mtype string
	var nonce []byte
	if p7.UnmarshalSignedAttribute(oidTransactionID, &tid) != nil || p7.UnmarshalSignedAttribute(oidMessageType, &mtype) != nil ||
		p7.UnmarshalSignedAttribute(oidSenderNonce, &nonce) != nil || tid == "" || signer == nil {
		return nil, ErrBadMessage
	}
	return &pkiMessage{p7: p7, tid: tid, typ: scep.MessageType(mtype), from: signer,
		substituted: !p7.Certificates[0].Equal(signer),
		rep:         certRep{tid: tid, nonce: nonce, recipient: signer}}, nil
}

// request decrypts the CSR of a PKCSReq, RenewalReq or UpdateReq with the
// recipient's key; on failure it names the SCEP failInfo to answer with.
// A PKCSReq must be signed by the key it certifies (renewals are signed by
// the certificate being renewed).
func (m *pkiMessage) request(cert *x509.Certificate, key crypto.Signer) (csr *x509.CertificateRequest, raw []byte, fail scep.FailInfo) {
	inner, err := pkcs7.Parse(m.p7.Content)
	if err != nil {
		return nil, nil, scep.BadRequest
	}
	raw, err = inner.Decrypt(cert, key)
	if err != nil {
		return nil, nil, scep.BadMessageCheck
	}
	csr, err = x509.ParseCertificateRequest(raw)
	if err != nil {
		return nil, nil, scep.BadRequest
	}
	return csr, raw, ""
}

// selfSigned reports whether the message is signed by the key its CSR certifies.
func (m *pkiMessage) selfSigned(csr *x509.CertificateRequest) bool {
	return bytes.Equal(publicBytes(m.from.PublicKey), csr.RawSubjectPublicKeyInfo)
}

// PKIOperation answers one SCEP pkiMessage with a CertRep.
func (a *Authority) PKIOperation(msg []byte) ([]byte, error) {
	m, err := parsePKIMessage(msg)
	if err != nil {
		return nil, err
	}
	tid, rep := m.tid, m.rep
	switch m.typ {
	case scep.PKCSReq, scep.RenewalReq, scep.UpdateReq:
		if m.substituted {
			return a.reply(rep, scep.FAILURE, scep.BadMessageCheck, nil)
		}
		csr, raw, fail := m.request(a.cert, a.key)
		if fail != "" {
			return a.reply(rep, scep.FAILURE, fail, nil)
		}
		challenge, err := x509util.ParseChallengePassword(raw)
		if err != nil {
			return a.reply(rep, scep.FAILURE, scep.BadRequest, nil)
		}
		// The request must be signed by the key it certifies (or by a
		// certificate the CA issued, for renewal); refuse mismatches.
		// A registration authority (`mode ra` in front of this CA) signs
		// the requests it forwards with the RA certificate this CA issued.
		if !m.selfSigned(csr) && m.typ == scep.PKCSReq && !a.isRA(m.from) {
			return a.reply(rep, scep.FAILURE, scep.BadMessageCheck, nil)
		}
		renewal := !m.selfSigned(csr) || m.typ != scep.PKCSReq
		r, err := a.submit(tid, csr, challenge, renewal && a.isRA(m.from))
		if err != nil {
			return a.reply(rep, scep.FAILURE, scep.BadRequest, nil)
		}
		return a.answer(rep, r)
	case scep.CertPoll:
		r, ok := a.Lookup(tid)
		if !ok {
			return a.reply(rep, scep.FAILURE, scep.BadCertID, nil)
		}
		return a.answer(rep, r)
	default:
		return a.reply(rep, scep.FAILURE, scep.BadRequest, nil)
	}
}

func (a *Authority) answer(rep certRep, r Request) ([]byte, error) {
	switch r.State {
	case "granted":
		return a.reply(rep, scep.SUCCESS, "", r.Cert)
	case "pending":
		return a.reply(rep, scep.PENDING, "", nil)
	}
	return a.reply(rep, scep.FAILURE, scep.BadRequest, nil)
}

type certRep struct {
	tid       string
	nonce     []byte
	recipient *x509.Certificate
}

// reply builds a CertRep signed by the CA; on success the issued
// certificate travels in a degenerate PKCS#7 encrypted to the requester.
func (a *Authority) reply(rep certRep, status scep.PKIStatus, fail scep.FailInfo, cert *x509.Certificate) ([]byte, error) {
	return signRep(a.cert, a.key, a.now(), rep, status, fail, cert)
}

// isRA reports whether c is a valid, unrevoked certificate this CA issued
// (the certificate of a registration authority forwarding requests).
func (a *Authority) isRA(c *x509.Certificate) bool {
	if c.CheckSignatureFrom(a.cert) != nil {
		return false
	}
	now := a.now()
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return false
	}
	a.mu.Lock()
	_, revoked := a.revoked[strings.ToUpper(c.SerialNumber.Text(16))]
	a.mu.Unlock()
	return !revoked
}

// signRep builds a CertRep signed by signer/key (the CA, or an RA).
func signRep(signer *x509.Certificate, key crypto.Signer, now time.Time, rep certRep, status scep.PKIStatus, fail scep.FailInfo, cert *x509.Certificate) ([]byte, error) {
	attrs := []pkcs7.Attribute{
		{Type: oidTransactionID, Value: rep.tid},
		{Type: oidPKIStatus, Value: status},
		{Type: oidMessageType, Value: scep.CertRep},
		{Type: oidSenderNonce, Value: rep.nonce},
		{Type: oidRecipientNonce, Value: rep.nonce},
	}
	if status == scep.FAILURE {
		attrs = append(attrs, pkcs7.Attribute{Type: oidFailInfo, Value: fail})
	}
	var content []byte
	if cert != nil {
		deg, err := scep.DegenerateCertificates([]*x509.Certificate{cert})
		if err != nil {
			return nil, err
		}
		if content, err = pkcs7.Encrypt(deg, []*x509.Certificate{rep.recipient}); err != nil {
			return nil, err
		}
	}
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, err
	}
	if cert != nil {
		sd.AddCertificate(cert)
	}
	if err := addSigner(sd, signer, key, pkcs7.SignerInfoConfig{ExtraSignedAttributes: attrs}, now); err != nil {
		return nil, err
	}
	return sd.Finish()
}

func (a *Authority) nextCACert(sh *x509.Certificate) ([]byte, error) {
	deg, err := scep.DegenerateCertificates([]*x509.Certificate{sh})
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSignedData(deg)
	if err != nil {
		return nil, err
	}
	if err := addSigner(sd, a.cert, a.key, pkcs7.SignerInfoConfig{}, a.now()); err != nil {
		return nil, err
	}
	return sd.Finish()
}
