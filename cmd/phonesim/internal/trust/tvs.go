package trust

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// TVS protocol constants (protocols.md §5).
const (
	tvsProto          = 0x57
	tvsVersion        = 1
	tvsVerifyRequest  = 1
	tvsVerifyResponse = 2
	tvsDeviceName     = 1
	tvsCertificate    = 2
	tvsStatus         = 7
	tvsRoles          = 8
	tvsTTL            = 9
)

// TVSAnswer is the VERIFY_RESPONSE to a query.
type TVSAnswer struct {
	Session uint32
	Valid   bool     // STATUS 0
	Roles   []uint16 // the roles the TVS vouches for (§2.6 codes)
	TTL     uint32   // seconds the answer may be cached
}

// EncodeVerifyRequest builds a VERIFY_REQUEST for device (CP-7975-SEP...)
// asking about the DER certificate cert.
func EncodeVerifyRequest(session uint32, device string, cert []byte) ([]byte, error) {
	var body []byte
	add := func(tag byte, v []byte) {
		body = append(body, tag)
		body = binary.BigEndian.AppendUint16(body, uint16(len(v)))
		body = append(body, v...)
	}
	if len(device)+1 > 0xffff || len(cert) > 0xffff {
		return nil, errors.New("trust: TVS element too long")
	}
	add(tvsDeviceName, append([]byte{1}, device...))
	add(tvsCertificate, cert)
	if len(body) > 0xffff {
		return nil, errors.New("trust: TVS request too long")
	}
	b := []byte{tvsProto, tvsVersion, tvsVerifyRequest, 0}
	b = binary.BigEndian.AppendUint32(b, session)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...), nil
}

// DecodeVerifyResponse decodes a complete VERIFY_RESPONSE message.
func DecodeVerifyResponse(b []byte) (*TVSAnswer, error) {
	if len(b) < 10 || b[0] != tvsProto || b[1] != tvsVersion {
		return nil, fmt.Errorf("%w: not a TVS message", ErrFormat)
	}
	if b[2] != tvsVerifyResponse {
		return nil, fmt.Errorf("%w: TVS command %d, want VERIFY_RESPONSE", ErrFormat, b[2])
	}
	n := int(binary.BigEndian.Uint16(b[8:]))
	if len(b) != 10+n {
		return nil, fmt.Errorf("%w: TVS body length %d, have %d bytes", ErrFormat, n, len(b)-10)
	}
	a := &TVSAnswer{Session: binary.BigEndian.Uint32(b[4:])}
	status := -1
	for off := 10; off < len(b); {
		e, err := readTLV(b, off, len(b))
		if err != nil {
			return nil, err
		}
		switch e.tag {
		case tvsStatus:
			if len(e.value) != 1 {
				return nil, formatErr(off, "STATUS length %d", len(e.value))
			}
			status = int(e.value[0])
		case tvsRoles:
			for _, r := range e.value {
				a.Roles = append(a.Roles, uint16(r))
			}
		case tvsTTL:
			if len(e.value) != 4 {
				return nil, formatErr(off, "TTL length %d", len(e.value))
			}
			a.TTL = binary.BigEndian.Uint32(e.value)
		}
		off += 3 + len(e.value)
	}
	if status < 0 {
		return nil, fmt.Errorf("%w: TVS response without STATUS", ErrFormat)
	}
	a.Valid = status == 0
	return a, nil
}

// QueryTVS asks the TVS at addr whether cert is trusted, as phone device
// does: TLS to the TVS, whose certificate must match a TVS record of the
// phone's ITL (its certificate, or the certificate hash CUCM-style records
// carry, seed 001), one VERIFY_REQUEST, one VERIFY_RESPONSE.
func QueryTVS(ctx context.Context, addr string, itl *List, device string, session uint32, cert []byte) (*TVSAnswer, error) {
	return QueryTVSWith(ctx, addr, func(der []byte) bool { return itl.Trusts(der, RoleTVS) }, device, session, cert)
}

// QueryTVSWith is QueryTVS with the server's certificate accepted by trusted.
func QueryTVSWith(ctx context.Context, addr string, trusted func(der []byte) bool, device string, session uint32, cert []byte) (*TVSAnswer, error) {
	req, err := EncodeVerifyRequest(session, device, cert)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // the phone pins the ITL's TVS certificate instead of a CA chain
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) > 0 && trusted(raw[0]) {
				return nil
			}
			return errors.New("trust: TVS server certificate is not a TVS record of the ITL")
		},
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: conf}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nc.SetDeadline(deadline)
	if _, err := nc.Write(req); err != nil {
		return nil, err
	}
	var h [10]byte
	if _, err := io.ReadFull(nc, h[:]); err != nil {
		return nil, fmt.Errorf("trust: TVS closed without an answer: %w", err)
	}
	body := make([]byte, binary.BigEndian.Uint16(h[8:]))
	if _, err := io.ReadFull(nc, body); err != nil {
		return nil, err
	}
	a, err := DecodeVerifyResponse(append(h[:], body...))
	if err != nil {
		return nil, err
	}
	if a.Session != session {
		return nil, fmt.Errorf("trust: TVS answered session %d, asked %d", a.Session, session)
	}
	return a, nil
}
