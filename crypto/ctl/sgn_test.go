package ctl

import (
	"bytes"
	"crypto"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSignedRoundTrip(t *testing.T) {
	ids := identities(t)
	tftp := ids["tftp"]
	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA512} {
		t.Run(hash.String(), func(t *testing.T) {
			b := signGoldenSGN(t, hash)

			h, content, err := ParseSigned(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(content, goldenSGNContent) {
				t.Errorf("ParseSigned content = %q", content)
			}
			want := Header{
				Version:          Version{1, 0}, // §3.1; no SIGNER_VERSION
				SignerName:       "CN=cme-tftp,OU=TAC,O=Cisco Systems,L=Boxborough,ST=MA,C=US",
				IssuerName:       "CN=sast1-cme,OU=TAC,O=Cisco Systems,L=Boxborough,ST=MA,C=US",
				SerialNumber:     tftp.cert.SerialNumber.Bytes(),
				HashAlgorithm:    map[crypto.Hash]HashAlgorithm{crypto.SHA1: HashSHA1, crypto.SHA512: HashSHA512}[hash],
				SignatureModulus: 2,
				Signature:        h.Signature,
				Filename:         "SEP001122334455.cnf.xml.sgn",
				Timestamp:        signTime,
			}
			if diff := cmp.Diff(want, h); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if hl := int(b[8])<<8 | int(b[9]); hl%4 != 0 || hl != len(b)-len(goldenSGNContent) {
				t.Errorf("HEADER_LENGTH %d: not a multiple of 4 or not where the content starts", hl)
			}

			// The verifying certificate is picked by serial number.
			vh, got, err := VerifySigned(b, ids["sast1"].cert, ids["capf"].cert, tftp.cert)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, goldenSGNContent) {
				t.Errorf("VerifySigned content = %q", got)
			}
			if diff := cmp.Diff(h, vh); diff != "" {
				t.Errorf("VerifySigned header differs from ParseSigned's:\n%s", diff)
			}
			if _, _, err := VerifySigned(b, ids["sast1"].cert); !errors.Is(err, ErrNoSigner) {
				t.Errorf("VerifySigned with another certificate = %v, want ErrNoSigner", err)
			}
		})
	}
}

func TestSignedGolden(t *testing.T) {
	checkGolden(t, "golden.sgn", signGoldenSGN(t, crypto.SHA1))
}

func TestSignedEmptyContent(t *testing.T) {
	tftp := identities(t)["tftp"]
	b, err := SignFile(nil, "empty.sgn", tftp.key, tftp.cert, crypto.SHA1, signTime)
	if err != nil {
		t.Fatal(err)
	}
	_, content, err := VerifySigned(b, tftp.cert)
	if err != nil || len(content) != 0 {
		t.Errorf("VerifySigned = %q, %v; want empty content", content, err)
	}
}

func TestSignedErrors(t *testing.T) {
	ids := identities(t)
	if _, err := SignFile([]byte("x"), "x.sgn", ids["tftp-ec"].key, ids["tftp-ec"].cert, crypto.SHA1, signTime); err == nil {
		t.Error("SignFile with an EC key: no error")
	}
	// A .sgn with a forged signature.
	b := signGoldenSGN(t, crypto.SHA1)
	h, content, err := ParseSigned(b)
	if err != nil {
		t.Fatal(err)
	}
	e := &encoder{}
	h.Signature[0] ^= 1
	sigOff := h.encode(e, len(h.Signature), nil)
	forged := insertSignature(append(e.buf, content...), sigOff, h.Signature)
	if _, _, err := VerifySigned(forged, ids["tftp"].cert); !errors.Is(err, ErrSignature) {
		t.Errorf("VerifySigned(forged) = %v, want ErrSignature", err)
	}
	// Unsigned.
	h.Signature = nil
	e = &encoder{}
	h.encode(e, 0, nil)
	if _, _, err := VerifySigned(append(e.buf, content...), ids["tftp"].cert); !errors.Is(err, ErrUnsigned) {
		t.Errorf("VerifySigned(unsigned) = %v, want ErrUnsigned", err)
	}
	if _, _, err := ParseSigned([]byte{1, 0, 2}); err == nil {
		t.Error("ParseSigned(truncated): no error")
	}
}
