// Package capf is the phone side of the Certificate Authority Proxy
// Function (reference/protocols.md §4), written from the reference alone
// and independent of the box's crypto/capf, so that each checks the other:
// it connects to CAPF over TLS, answers the Auth Request with the device
// name and the authentication string (or an existing LSC or MIC and a
// signature over it), generates the key the server asks for, and keeps
// the LSC the server stores; it also answers fetch and delete.
package capf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Wire constants (§4.1–§4.4), named as in the reference.
const (
	protocolID = 0x55
	version    = 3

	cmdAuthRequest     = 1
	cmdAuthResponse    = 2
	cmdKeyGenRequest   = 3
	cmdKeyGenResponse  = 4
	cmdStoreCertReq    = 9
	cmdStoreCertResp   = 10
	cmdFetchCertReq    = 11
	cmdFetchCertResp   = 12
	cmdDeleteCertReq   = 13
	cmdDeleteCertResp  = 14
	cmdEndSession      = 15
	cmdRequestProgress = 17

	tagReason     = 1
	tagCertType   = 3
	tagCert       = 4
	tagSignedData = 6
	tagVersion    = 7
	tagPublicKey  = 9
	tagKeySize    = 10
	tagPassword   = 11
	tagDevice     = 13
	tagKeyType    = 17
	tagCurve      = 18
	tagSHA2Signed = 20

	reasonSuccess = 1
	reasonFailed  = 7

	// CertLSC and CertMIC are the certificate types of CERTIFICATE.
	CertLSC = 1
	CertMIC = 2

	maxBody = 16 * 1024 // what this phone accepts from a server
)

// Client is one phone's CAPF side.
type Client struct {
	// Device is the device name, SEP + 12 hex digits.
	Device string
	// AuthString is what the user keyed (auth-string mode); empty for
	// null-string, and sent as an empty PASSWORD.
	AuthString string
	// Credential, if set, is the LSC or MIC (with its key) the phone
	// authenticates with (LSC and MIC modes); CredentialType says which.
	Credential     *tls.Certificate
	CredentialType byte
	// Current is the LSC the phone holds, handed over on fetch.
	Current *x509.Certificate
	// Roots are the certificates the phone trusts for CAPF (its CTL's
	// CAPF record); nil accepts any server (a phone without a CTL).
	Roots *x509.CertPool
	// Timeout bounds the whole session (default 2 minutes).
	Timeout time.Duration
	// NoEC makes the phone answer an EC key request without a key, as a
	// phone without EC support (seed 001: RSA backup).
	NoEC bool
	// Key, if set, supplies the key a request asks for ("rsa" and the
	// modulus bits, or "ec" and the curve's bits) instead of generating one:
	// load mode, where a real phone's key generation happens on the phone's
	// own CPU and not on the machine that plays a thousand phones.
	Key func(kind string, bits int) (crypto.Signer, error)
	// Source, if set, is the local address to connect from (load mode
	// spreads phones over 127.0.0.0/8 as over a LAN's addresses).
	Source net.IP
	// Retries and RetryInterval are RunWithRetry's: a phone retries a
	// failed certificate operation 3 more times at 30-second intervals
	// (seed 000, not configurable on the phone); zero values mean those.
	Retries       int
	RetryInterval time.Duration
}

// RunWithRetry is Run as a phone does it: on a communication failure
// (no connection, TLS or protocol error) it tries again up to Retries more
// times, RetryInterval apart. A session that ended with END_SESSION is
// not retried, whatever its reason. It returns the last attempt's result
// and the number of attempts.
func (c *Client) RunWithRetry(ctx context.Context, addr string) (*Result, int, error) {
	retries, every := c.Retries, c.RetryInterval
	if retries == 0 {
		retries = 3
	}
	if every == 0 {
		every = 30 * time.Second
	}
	for attempt := 1; ; attempt++ {
		res, err := c.Run(ctx, addr)
		if err == nil || attempt > retries {
			return res, attempt, err
		}
		select {
		case <-time.After(every):
		case <-ctx.Done():
			return res, attempt, ctx.Err()
		}
	}
}

// Result is what a session did.
type Result struct {
	// Reason is the END_SESSION reason: 0 nothing to do, 1 done, 7
	// failed, 9 unknown device.
	Reason int
	// Operation is what the server asked: "install", "fetch", "delete"
	// or "" (nothing).
	Operation string
	// LSC and Key are the new certificate and its key after an install.
	LSC *x509.Certificate
	Key crypto.Signer
	// Deleted reports that the server had the phone delete its LSC.
	Deleted bool
	// KeyGenRequests counts the key generation requests received.
	KeyGenRequests int
}

// Status is the phone's word for the result (ios-commands.md §4.3).
func (r *Result) Status() string {
	switch {
	case r.Reason == reasonSuccess && r.LSC != nil:
		return "Installed"
	case r.Deleted:
		return "Not Installed"
	case r.Reason == 0 || (r.Reason == reasonSuccess && r.Operation == "fetch"):
		return "Success"
	}
	return "LSC: Failed"
}

type element struct {
	tag   byte
	value []byte
}

type message struct {
	cmd      byte
	session  uint32
	elements []element
}

func (m *message) get(tag byte) []byte {
	for _, e := range m.elements {
		if e.tag == tag {
			return e.value
		}
	}
	return nil
}

func (m *message) u8(tag byte) (byte, bool) {
	v := m.get(tag)
	if len(v) != 1 {
		return 0, false
	}
	return v[0], true
}

func encode(m message) ([]byte, error) {
	var body []byte
	for _, e := range m.elements {
		if len(e.value) > 0xffff {
			return nil, errors.New("capf: element too long")
		}
		body = append(body, e.tag, byte(len(e.value)>>8), byte(len(e.value)))
		body = append(body, e.value...)
	}
	if len(body) > 0xffff {
		return nil, errors.New("capf: message too long")
	}
	h := []byte{protocolID, m.cmd, 0, 0, 0, 0, byte(len(body) >> 8), byte(len(body))}
	binary.BigEndian.PutUint32(h[2:], m.session)
	return append(h, body...), nil
}

func read(r io.Reader) (message, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return message{}, err
	}
	if h[0] != protocolID {
		return message{}, fmt.Errorf("capf: protocol id %#x", h[0])
	}
	n := binary.BigEndian.Uint16(h[6:])
	if n > maxBody {
		return message{}, fmt.Errorf("capf: %d-byte message", n)
	}
	body := make([]byte, int(n))
	if _, err := io.ReadFull(r, body); err != nil {
		return message{}, fmt.Errorf("capf: body: %w", err)
	}
	m := message{cmd: h[1], session: binary.BigEndian.Uint32(h[2:])}
	for len(body) > 0 {
		if len(body) < 3 {
			return message{}, errors.New("capf: truncated element")
		}
		l := int(binary.BigEndian.Uint16(body[1:]))
		if l > len(body)-3 {
			return message{}, errors.New("capf: element past the end")
		}
		m.elements = append(m.elements, element{body[0], body[3 : 3+l]})
		body = body[3+l:]
	}
	return m, nil
}

// wrapCert is the CERTIFICATE value (§4.5).
func wrapCert(typ byte, der []byte) []byte {
	b := []byte{1, byte((len(der) + 2) >> 8), byte(len(der) + 2), 0, typ}
	return append(b, der...)
}

func unwrapCert(v []byte) ([]byte, error) {
	if len(v) < 6 || v[0] != 1 || int(binary.BigEndian.Uint16(v[1:])) != len(v)-3 {
		return nil, errors.New("capf: bad CERTIFICATE element")
	}
	return v[5:], nil
}

// sign makes the §4.6 signature: raw RSA over type-1 padding and the
// bare digest (no DigestInfo), or ECDSA.
func sign(key crypto.Signer, sha2 bool, in []byte) ([]byte, error) {
	var d []byte
	if sha2 {
		s := sha512.Sum512(in)
		d = s[:]
	} else {
		s := sha1.Sum(in)
		d = s[:]
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		// Type-1 padding built by hand, then the private-key operation.
		n := k.Size()
		if len(d)+11 > n {
			return nil, errors.New("capf: key too small")
		}
		em := make([]byte, n)
		em[1] = 1
		for i := 2; i < n-len(d)-1; i++ {
			em[i] = 0xff
		}
		copy(em[n-len(d):], d)
		return rsaPrivate(k, em)
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand.Reader, k, d)
	}
	return nil, fmt.Errorf("capf: cannot sign with %T", key)
}

// Run performs one CAPF session with the server at addr.
func (c *Client) Run(ctx context.Context, addr string) (*Result, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	if c.Source != nil {
		d.LocalAddr = &net.TCPAddr{IP: c.Source}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("LSC: Connection Failed: %w", err)
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	cfg := &tls.Config{InsecureSkipVerify: true}
	if c.Roots != nil {
		// The CAPF certificate must be the one the CTL lists (seed 001:
		// otherwise "LSC: Connection Failed").
		roots := c.Roots
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no CAPF certificate")
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			return err
		}
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("LSC: Connection Failed: %w", err)
	}
	res := &Result{}
	send := func(m message) error {
		b, err := encode(m)
		if err == nil {
			_, err = tc.Write(b)
		}
		return err
	}
	var session uint32
	first := true
	for {
		m, err := read(tc)
		if err != nil {
			return res, err
		}
		if first {
			if m.cmd != cmdAuthRequest {
				return res, fmt.Errorf("capf: server opened with command %d", m.cmd)
			}
			session, first = m.session, false
		} else if m.session != session {
			return res, fmt.Errorf("capf: session %d in session %d", m.session, session)
		}
		switch m.cmd {
		case cmdAuthRequest:
			if v, _ := m.u8(tagVersion); v != version {
				return res, fmt.Errorf("capf: server version %d", v)
			}
			if err := send(c.authResponse(session)); err != nil {
				return res, err
			}
		case cmdKeyGenRequest:
			res.Operation = "install"
			res.KeyGenRequests++
			key, err := c.generate(&m)
			if err != nil {
				if err := send(message{cmdKeyGenResponse, session, []element{{tagReason, []byte{reasonFailed}}}}); err != nil {
					return res, err
				}
				continue
			}
			res.Key = key
			der, err := x509.MarshalPKIXPublicKey(key.Public())
			if err != nil {
				return res, err
			}
			if err := send(message{cmd: cmdRequestProgress, session: session}); err != nil {
				return res, err
			}
			if err := send(message{cmdKeyGenResponse, session, []element{{tagPublicKey, der}}}); err != nil {
				return res, err
			}
		case cmdStoreCertReq:
			der, err := unwrapCert(m.get(tagCert))
			var lsc *x509.Certificate
			if err == nil {
				lsc, err = x509.ParseCertificate(der)
			}
			if err == nil && res.Key != nil && !publicEqual(lsc.PublicKey, res.Key.Public()) {
				err = errors.New("the certificate is not for the key generated")
			}
			r := byte(reasonSuccess)
			if err != nil {
				r = reasonFailed
			} else {
				res.LSC = lsc
			}
			if err := send(message{cmdStoreCertResp, session, []element{{tagReason, []byte{r}}}}); err != nil {
				return res, err
			}
		case cmdFetchCertReq:
			res.Operation = "fetch"
			resp := message{cmdFetchCertResp, session, []element{{tagReason, []byte{reasonFailed}}}}
			if c.Current != nil {
				resp.elements = []element{{tagReason, []byte{reasonSuccess}}, {tagCert, wrapCert(CertLSC, c.Current.Raw)}}
			}
			if err := send(resp); err != nil {
				return res, err
			}
		case cmdDeleteCertReq:
			res.Operation = "delete"
			res.Deleted = true
			if err := send(message{cmdDeleteCertResp, session, []element{{tagReason, []byte{reasonSuccess}}}}); err != nil {
				return res, err
			}
		case cmdEndSession:
			r, _ := m.u8(tagReason)
			res.Reason = int(r)
			if res.Operation == "install" && res.LSC == nil {
				res.Key = nil
			}
			return res, nil
		default:
			return res, fmt.Errorf("capf: unexpected command %d", m.cmd)
		}
	}
}

func publicEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

func (c *Client) authResponse(session uint32) message {
	els := []element{{tagReason, []byte{reasonSuccess}}, {tagVersion, []byte{version}},
		{tagDevice, append([]byte(c.Device), 0)}, {tagPassword, append([]byte(c.AuthString), 0)}}
	if c.Credential != nil && c.Credential.Leaf != nil {
		der := c.Credential.Leaf.Raw
		in := append(append([]byte(c.Device), 0), der...)
		if key, ok := c.Credential.PrivateKey.(crypto.Signer); ok {
			typ := c.CredentialType
			if typ == 0 {
				typ = CertLSC
			}
			els = append(els, element{tagCertType, []byte{typ}}, element{tagCert, wrapCert(typ, der)})
			if s, err := sign(key, false, in); err == nil {
				els = append(els, element{tagSignedData, s})
			}
			if s, err := sign(key, true, in); err == nil {
				v := []byte{3, byte(len(s) >> 8), byte(len(s))}
				els = append(els, element{tagSHA2Signed, append(v, s...)})
			}
		}
	}
	return message{cmdAuthResponse, session, els}
}

// generate makes the key a KEY_GENERATE_REQUEST asks for.
func (c *Client) generate(m *message) (crypto.Signer, error) {
	kt, _ := m.u8(tagKeyType)
	if kt == 1 {
		if c.NoEC {
			return nil, errors.New("no EC")
		}
		cv, _ := m.u8(tagCurve)
		curves := []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()}
		if int(cv) >= len(curves) {
			return nil, fmt.Errorf("curve %d", cv)
		}
		if c.Key != nil {
			return c.Key("ec", curves[cv].Params().BitSize)
		}
		return ecdsa.GenerateKey(curves[cv], rand.Reader)
	}
	v := m.get(tagKeySize)
	if len(v) != 2 {
		return nil, errors.New("no key size")
	}
	bits := int(binary.BigEndian.Uint16(v))
	switch bits {
	case 512, 1024, 2048, 3072, 4096: // what capfc accepts (§4.8)
	default:
		return nil, fmt.Errorf("key size %d", bits)
	}
	if c.Key != nil {
		return c.Key("rsa", bits)
	}
	return rsa.GenerateKey(rand.Reader, bits)
}

// Save writes the LSC and its key as PEM files in dir:
// <device>-lsc.pem (certificate, then key; mode 0600), which
// `phonesim phone -cert` reads.
func (r *Result) Save(dir, device string) (string, error) {
	if r.LSC == nil || r.Key == nil {
		return "", errors.New("no LSC to save")
	}
	kd, err := x509.MarshalPKCS8PrivateKey(r.Key)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.LSC.Raw})
	pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: kd})
	p := filepath.Join(dir, device+"-lsc.pem")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// rsaPrivate is the raw RSA private-key operation em^d mod n (the phone's
// CAPF signature is not RSASSA-PKCS1-v1_5: it lacks the DigestInfo).
func rsaPrivate(k *rsa.PrivateKey, em []byte) ([]byte, error) {
	m := new(big.Int).SetBytes(em)
	if m.Cmp(k.N) >= 0 {
		return nil, errors.New("capf: message out of range")
	}
	s := new(big.Int).Exp(m, k.D, k.N)
	return s.FillBytes(make([]byte, k.Size())), nil
}
