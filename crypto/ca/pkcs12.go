package ca

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"unicode/utf16"
)

// A minimal PKCS#12 (RFC 7292) encoder for `database archive pkcs12`: the
// CA certificate in a CertBag and the CA key in a PKCS8ShroudedKeyBag
// (pbeWithSHAAnd3-KeyTripleDES-CBC), the whole protected by an HMAC-SHA1
// MAC, the form IOS writes and every reader (openssl, Go's
// x/crypto/pkcs12, Windows) accepts. x/crypto/pkcs12 only decodes.

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidCertBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidX509Certificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidPBE3DES         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidLocalKeyID      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
)

const pkcs12Iterations = 2048

type p12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type p12Attribute struct {
	ID     asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type p12SafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue  // [0] EXPLICIT, built by explicit0
	Attributes []p12Attribute `asn1:"set,optional"`
}

type p12CertBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

type p12PBEParams struct {
	Salt       []byte
	Iterations int
}

type p12AlgID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type p12EncryptedKey struct {
	Algorithm p12AlgID
	Data      []byte
}

type p12DigestInfo struct {
	Algorithm p12AlgID
	Digest    []byte
}

type p12MacData struct {
	Mac        p12DigestInfo
	Salt       []byte
	Iterations int
}

type p12PFX struct {
	Version  int
	AuthSafe p12ContentInfo
	MacData  p12MacData
}

// bmpPassword is the password as RFC 7292 wants it: UTF-16BE, NUL-terminated.
func bmpPassword(pw string) []byte {
	var out []byte
	for _, r := range utf16.Encode([]rune(pw)) {
		out = append(out, byte(r>>8), byte(r))
	}
	return append(out, 0, 0)
}

// pkcs12KDF is the RFC 7292 appendix B.2 key derivation with SHA-1.
func pkcs12KDF(id byte, pw, salt []byte, iter, n int) []byte {
	const u, v = 20, 64
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	D := make([]byte, v)
	for i := range D {
		D[i] = id
	}
	I := append(fill(salt), fill(pw)...)
	var out []byte
	for len(out) < n {
		h := sha1.New()
		h.Write(D)
		h.Write(I)
		A := h.Sum(nil)
		for j := 1; j < iter; j++ {
			s := sha1.Sum(A)
			A = s[:]
		}
		out = append(out, A...)
		// I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block.
		B := new(big.Int).SetBytes(fill(A)[:v])
		B.Add(B, big.NewInt(1))
		mod := new(big.Int).Lsh(big.NewInt(1), 8*v)
		for j := 0; j < len(I); j += v {
			x := new(big.Int).SetBytes(I[j : j+v])
			x.Add(x, B).Mod(x, mod)
			b := x.Bytes()
			blk := I[j : j+v]
			clear(blk)
			copy(blk[v-len(b):], b)
		}
	}
	return out[:n]
}

func rawSeq(v any) (asn1.RawValue, error) {
	b, err := asn1.Marshal(v)
	if err != nil {
		return asn1.RawValue{}, err
	}
	return asn1.RawValue{FullBytes: b}, nil
}

// explicit0 wraps DER in [0] EXPLICIT (encoding/asn1 writes a RawValue's
// FullBytes as they are, ignoring the field's tag).
func explicit0(v asn1.RawValue) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: v.FullBytes}
}

func dataInfo(content []byte) (p12ContentInfo, error) {
	oct, err := asn1.Marshal(content)
	if err != nil {
		return p12ContentInfo{}, err
	}
	return p12ContentInfo{ContentType: oidData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: oct}}, nil
}

// EncodePKCS12 archives cert and its private key (any key x509 can
// marshal as PKCS#8) under password.
func EncodePKCS12(cert *x509.Certificate, key any, password string) ([]byte, error) {
	pw := bmpPassword(password)
	keyID := sha1.Sum(cert.Raw)
	idSet, err := asn1.Marshal(keyID[:])
	if err != nil {
		return nil, err
	}
	attrs := []p12Attribute{{ID: oidLocalKeyID, Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: idSet}}}

	// Shrouded key bag.
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	blockKey := pkcs12KDF(1, pw, salt, pkcs12Iterations, 24)
	iv := pkcs12KDF(2, pw, salt, pkcs12Iterations, 8)
	blk, err := des.NewTripleDESCipher(blockKey)
	if err != nil {
		return nil, err
	}
	pad := 8 - len(p8)%8
	plain := append(append([]byte(nil), p8...), make([]byte, pad)...)
	for i := len(p8); i < len(plain); i++ {
		plain[i] = byte(pad)
	}
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(enc, plain)
	params, err := rawSeq(p12PBEParams{Salt: salt, Iterations: pkcs12Iterations})
	if err != nil {
		return nil, err
	}
	shrouded, err := rawSeq(p12EncryptedKey{Algorithm: p12AlgID{Algorithm: oidPBE3DES, Parameters: params}, Data: enc})
	if err != nil {
		return nil, err
	}
	certBag, err := rawSeq(p12CertBag{ID: oidX509Certificate, Data: cert.Raw})
	if err != nil {
		return nil, err
	}
	var infos []p12ContentInfo
	for _, bag := range []p12SafeBag{{ID: oidCertBag, Value: explicit0(certBag), Attributes: attrs}, {ID: oidShroudedKeyBag, Value: explicit0(shrouded), Attributes: attrs}} {
		safe, err := asn1.Marshal([]p12SafeBag{bag})
		if err != nil {
			return nil, err
		}
		ci, err := dataInfo(safe)
		if err != nil {
			return nil, err
		}
		infos = append(infos, ci)
	}
	authSafe, err := asn1.Marshal(infos)
	if err != nil {
		return nil, err
	}
	outer, err := dataInfo(authSafe)
	if err != nil {
		return nil, err
	}
	macSalt := make([]byte, 8)
	if _, err := rand.Read(macSalt); err != nil {
		return nil, err
	}
	mac := hmac.New(sha1.New, pkcs12KDF(3, pw, macSalt, pkcs12Iterations, 20))
	mac.Write(authSafe)
	null := asn1.RawValue{Tag: asn1.TagNull}
	return asn1.Marshal(p12PFX{Version: 3, AuthSafe: outer,
		MacData: p12MacData{Mac: p12DigestInfo{Algorithm: p12AlgID{Algorithm: oidSHA1, Parameters: null}, Digest: mac.Sum(nil)}, Salt: macSalt, Iterations: pkcs12Iterations}})
}
