package ca

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/smallstep/pkcs7"
)

// addSigner signs sd like pkcs7's AddSigner, but with the signingTime
// attribute taken from the box's software clock. The library always
// stamps the host's clock; after `clock set` that time can fall outside
// the validity of a certificate the CA issued a moment ago (its NotBefore
// comes from the software clock), and the peer's pkcs7 Verify then rejects
// the CertRep ("signing time ... is outside of certificate validity").
// The attribute is replaced, the set re-sorted as DER requires, and the
// attributes signed again.
func addSigner(sd *pkcs7.SignedData, cert *x509.Certificate, key crypto.Signer, cfg pkcs7.SignerInfoConfig, now time.Time) error {
	if err := sd.AddSigner(cert, key, cfg); err != nil {
		return err
	}
	infos := sd.GetSignedData().SignerInfos
	si := &infos[len(infos)-1]
	when, err := asn1.Marshal(now.UTC())
	if err != nil {
		return fmt.Errorf("signing time: %w", err)
	}
	found := false
	for i := range si.AuthenticatedAttributes {
		if si.AuthenticatedAttributes[i].Type.Equal(pkcs7.OIDAttributeSigningTime) {
			si.AuthenticatedAttributes[i].Value = asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: when}
			found = true
		}
	}
	if !found {
		return errors.New("pkcs7: no signingTime attribute to set")
	}
	// DER orders a SET OF by the encodings of its elements.
	enc := make([][]byte, len(si.AuthenticatedAttributes))
	for i := range si.AuthenticatedAttributes {
		if enc[i], err = asn1.Marshal(si.AuthenticatedAttributes[i]); err != nil {
			return fmt.Errorf("signed attribute: %w", err)
		}
	}
	order := make([]int, len(enc))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return bytes.Compare(enc[order[a]], enc[order[b]]) < 0 })
	sorted := make([]byte, 0, 256)
	attrs := append(si.AuthenticatedAttributes[:0:0], si.AuthenticatedAttributes...)
	for i, j := range order {
		si.AuthenticatedAttributes[i] = attrs[j]
		sorted = append(sorted, enc[j]...)
	}
	set, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: sorted})
	if err != nil {
		return err
	}
	h, err := digestHash(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return err
	}
	d := h.New()
	d.Write(set)
	sig, err := key.Sign(rand.Reader, d.Sum(nil), h)
	if err != nil {
		return fmt.Errorf("pkcs7: sign attributes: %w", err)
	}
	si.EncryptedDigest = sig
	return nil
}

func digestHash(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		return crypto.SHA1, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return crypto.SHA256, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		return crypto.SHA384, nil
	case oid.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("pkcs7: digest algorithm %v", oid)
}
