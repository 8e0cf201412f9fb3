package ctlprovider

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cmeos/crypto/ctl"
)

func testCert(t testing.TB) *x509.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "cme"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestRequestRoundTrip(t *testing.T) {
	b, err := MarshalRequest("cisco", "cisco123")
	if err != nil {
		t.Fatal(err)
	}
	body, err := ReadFrame(bytes.NewReader(b), TypeRequest, MaxRequest)
	if err != nil {
		t.Fatal(err)
	}
	u, p, err := ParseRequest(body)
	if err != nil || u != "cisco" || p != "cisco123" {
		t.Fatalf("got %q %q %v", u, p, err)
	}
	if _, err := ReadFrame(bytes.NewReader(b), TypeResponse, MaxResponse); err == nil {
		t.Error("request read as a response")
	}
	if _, err := ReadFrame(bytes.NewReader(b[:len(b)-1]), TypeRequest, MaxRequest); err == nil {
		t.Error("truncated frame accepted")
	}
}

func TestResponseRoundTrip(t *testing.T) {
	c := testCert(t)
	in := []Credential{{ctl.RoleCCM, c}, {ctl.RoleTFTP, c}}
	b, err := MarshalResponse(StatusOK, in)
	if err != nil {
		t.Fatal(err)
	}
	st, out, err := ParseResponse(b[frameHeader:])
	if err != nil || st != StatusOK {
		t.Fatal(st, err)
	}
	got := []ctl.Role{out[0].Role, out[1].Role}
	if diff := cmp.Diff([]ctl.Role{ctl.RoleCCM, ctl.RoleTFTP}, got); diff != "" || !bytes.Equal(out[1].Cert.Raw, c.Raw) {
		t.Errorf("roles (-want +got): %s", diff)
	}
	for _, bad := range [][]byte{nil, {TagStatus, 0, 2, 0, 0}, {TagStatus, 0, 1, 0, TagRole, 0, 2, 0, 1}, {TagStatus, 0, 1, 0, TagRole, 0, 2, 0, 1, TagCertificate, 0, 1, 0}} {
		if _, _, err := ParseResponse(bad); err == nil {
			t.Errorf("ParseResponse(%x) accepted", bad)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	b, _ := MarshalRequest("cisco", "cisco123")
	f.Add(b[frameHeader:])
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		u, p, err := ParseRequest(body)
		if err != nil {
			return
		}
		again, err := MarshalRequest(u, p)
		if err != nil {
			return
		}
		u2, p2, err := ParseRequest(again[frameHeader:])
		if err != nil || u2 != u || p2 != p {
			t.Fatalf("round trip: %q %q %v", u2, p2, err)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	b, _ := MarshalResponse(StatusOK, []Credential{{ctl.RoleCCM, testCert(f)}})
	f.Add(b[frameHeader:])
	f.Add([]byte{TagStatus, 0, 1, 1})
	f.Fuzz(func(t *testing.T, body []byte) {
		st, creds, err := ParseResponse(body)
		if err != nil {
			return
		}
		again, err := MarshalResponse(st, creds)
		if err != nil {
			t.Fatal(err)
		}
		if st2, creds2, err := ParseResponse(again[frameHeader:]); err != nil || st2 != st || len(creds2) != len(creds) {
			t.Fatalf("round trip: %v %v %v", st2, len(creds2), err)
		}
	})
}
