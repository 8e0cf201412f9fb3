package ctlprovider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"cmeos/crypto/ctl"
)

// The CTL provider protocol (docs/CTL-PROVIDER.md). Cisco's own protocol on
// 2444 is not public; this one is ours. After a mutually authenticated TLS
// handshake the client sends one REQUEST frame and the server answers with
// one RESPONSE frame, then closes the connection.
//
//	frame:   magic "CTLP" | version u8 (1) | type u8 | length u32 BE | elements
//	element: tag u8 | length u16 BE | value
const (
	Magic   = "CTLP"
	Version = 1

	// Frame types.
	TypeRequest  = 1
	TypeResponse = 2

	// Element tags.
	TagUsername    = 1 // request: admin user name (UTF-8)
	TagPassword    = 2 // request: admin password (UTF-8)
	TagStatus      = 3 // response: u8 status, first element
	TagRole        = 4 // response: u16 BE CTL role code (protocols.md §2.6) of the next certificate
	TagCertificate = 5 // response: DER X.509 certificate, preceded by its TagRole

	// Status codes.
	StatusOK          = 0
	StatusAuthFailed  = 1 // unknown user or wrong secret
	StatusUnavailable = 2 // the provider has no certificate to hand out
	StatusBadRequest  = 3 // malformed request

	// DefaultPort is the CTL provider port of seed 004.
	DefaultPort = 2444

	// MaxRequest bounds a request frame; MaxResponse a response frame.
	MaxRequest  = 1024
	MaxResponse = 1 << 20

	frameHeader = 10
)

// Credential is one certificate the provider hands out, with the role it
// takes in the CTL.
type Credential struct {
	Role ctl.Role
	Cert *x509.Certificate
}

// Errors of the client.
var (
	ErrAuthFailed  = errors.New("CTL provider rejected the admin user name or password")
	ErrUnavailable = errors.New("CTL provider has no credentials to offer")
	ErrBadRequest  = errors.New("CTL provider did not understand the request")
)

type element struct {
	tag   uint8
	value []byte
}

func appendElement(b []byte, tag uint8, v []byte) []byte {
	b = append(b, tag)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func frame(typ uint8, body []byte) []byte {
	b := make([]byte, 0, frameHeader+len(body))
	b = append(b, Magic...)
	b = append(b, Version, typ)
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// ReadFrame reads one frame of type typ, at most max bytes of body.
func ReadFrame(r io.Reader, typ uint8, max int) ([]byte, error) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("reading frame header: %w", err)
	}
	if string(h[:4]) != Magic {
		return nil, errors.New("not a CTL provider frame (bad magic)")
	}
	if h[4] != Version {
		return nil, fmt.Errorf("unsupported protocol version %d", h[4])
	}
	if h[5] != typ {
		return nil, fmt.Errorf("frame type %d, want %d", h[5], typ)
	}
	n := binary.BigEndian.Uint32(h[6:])
	if n > uint32(max) {
		return nil, fmt.Errorf("frame of %d bytes exceeds %d", n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("reading frame body: %w", err)
	}
	return body, nil
}

func parseElements(b []byte) ([]element, error) {
	var out []element
	for len(b) > 0 {
		if len(b) < 3 {
			return nil, errors.New("truncated element header")
		}
		n := int(binary.BigEndian.Uint16(b[1:]))
		if len(b) < 3+n {
			return nil, fmt.Errorf("element %d: length %d exceeds the frame", b[0], n)
		}
		out = append(out, element{b[0], b[3 : 3+n]})
		b = b[3+n:]
	}
	return out, nil
}

// MarshalRequest encodes a request frame.
func MarshalRequest(user, password string) ([]byte, error) {
	if len(user)+len(password)+6 > MaxRequest {
		return nil, errors.New("user name and password too long")
	}
	var body []byte
	body = appendElement(body, TagUsername, []byte(user))
	body = appendElement(body, TagPassword, []byte(password))
	return frame(TypeRequest, body), nil
}

// ParseRequest decodes a request body (the frame without its header).
func ParseRequest(body []byte) (user, password string, err error) {
	els, err := parseElements(body)
	if err != nil {
		return "", "", err
	}
	var haveUser, havePass bool
	for _, e := range els {
		switch e.tag {
		case TagUsername:
			if haveUser {
				return "", "", errors.New("duplicate user name")
			}
			user, haveUser = string(e.value), true
		case TagPassword:
			if havePass {
				return "", "", errors.New("duplicate password")
			}
			password, havePass = string(e.value), true
		default:
			return "", "", fmt.Errorf("unknown request element %d", e.tag)
		}
	}
	if !haveUser || !havePass {
		return "", "", errors.New("request lacks the user name or password")
	}
	return user, password, nil
}

// MarshalResponse encodes a response frame.
func MarshalResponse(status uint8, creds []Credential) ([]byte, error) {
	body := appendElement(nil, TagStatus, []byte{status})
	for _, c := range creds {
		if len(c.Cert.Raw) > 0xffff {
			return nil, errors.New("certificate larger than 64 KB")
		}
		body = appendElement(body, TagRole, binary.BigEndian.AppendUint16(nil, uint16(c.Role)))
		body = appendElement(body, TagCertificate, c.Cert.Raw)
	}
	if len(body) > MaxResponse {
		return nil, errors.New("response too large")
	}
	return frame(TypeResponse, body), nil
}

// ParseResponse decodes a response body: the status and, for StatusOK, the
// credentials.
func ParseResponse(body []byte) (status uint8, creds []Credential, err error) {
	els, err := parseElements(body)
	if err != nil {
		return 0, nil, err
	}
	if len(els) == 0 || els[0].tag != TagStatus || len(els[0].value) != 1 {
		return 0, nil, errors.New("response does not start with a status")
	}
	status = els[0].value[0]
	els = els[1:]
	for len(els) > 0 {
		if len(els) < 2 || els[0].tag != TagRole || len(els[0].value) != 2 || els[1].tag != TagCertificate {
			return 0, nil, errors.New("malformed role/certificate pair")
		}
		cert, err := x509.ParseCertificate(els[1].value)
		if err != nil {
			return 0, nil, fmt.Errorf("certificate: %w", err)
		}
		creds = append(creds, Credential{Role: ctl.Role(binary.BigEndian.Uint16(els[0].value)), Cert: cert})
		els = els[2:]
	}
	return status, creds, nil
}

// Fetch connects to a CTL provider at addr ("host:port"), authenticates
// with user and password over TLS configured by cfg (its client
// certificate and the roots that must vouch for the provider), and returns
// the provider's credentials. The whole exchange is bounded by ctx and by
// a 10-second deadline.
func Fetch(ctx context.Context, addr, user, password string, cfg *tls.Config) ([]Credential, error) {
	req, err := MarshalRequest(user, password)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: cfg}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	if _, err := nc.Write(req); err != nil {
		return nil, err
	}
	body, err := ReadFrame(nc, TypeResponse, MaxResponse)
	if err != nil {
		return nil, err
	}
	status, creds, err := ParseResponse(body)
	if err != nil {
		return nil, err
	}
	switch status {
	case StatusOK:
		return creds, nil
	case StatusAuthFailed:
		return nil, ErrAuthFailed
	case StatusUnavailable:
		return nil, ErrUnavailable
	case StatusBadRequest:
		return nil, ErrBadRequest
	}
	return nil, fmt.Errorf("CTL provider answered with unknown status %d", status)
}

// ClientTLS is the TLS configuration of a CTL client: it presents cert and
// key, and accepts a provider whose certificate chains to one of roots
// (the CA certificates of the client's trustpoints) at time now. Host names
// are not checked: providers are addressed by IP and carry router names.
func ClientTLS(cert *x509.Certificate, key any, roots []*x509.Certificate, now func() time.Time) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		Certificates:       []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}},
		InsecureSkipVerify: true, // replaced by VerifyChain: IP-addressed peers, CA pool from trustpoints
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return VerifyChain(raw, roots, now(), x509.ExtKeyUsageAny)
		},
	}
}

// VerifyChain checks that the peer's certificate chains to one of roots,
// or is itself one of them.
func VerifyChain(raw [][]byte, roots []*x509.Certificate, now time.Time, usage x509.ExtKeyUsage) error {
	if len(raw) == 0 {
		return errors.New("peer sent no certificate")
	}
	leaf, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("peer certificate: %w", err)
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		if bytes.Equal(r.Raw, leaf.Raw) {
			return nil
		}
		pool.AddCert(r)
	}
	inter := x509.NewCertPool()
	for _, b := range raw[1:] {
		if c, err := x509.ParseCertificate(b); err == nil {
			inter.AddCert(c)
		}
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		return fmt.Errorf("peer certificate %s not trusted: %w", leaf.Subject, err)
	}
	return nil
}
