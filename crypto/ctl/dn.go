package ctl

import (
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf16"
)

// DistinguishedName renders a DER-encoded X.501 Name (such as
// x509.Certificate.RawSubject) as text for the SIGNER_NAME, ISSUER_NAME and
// SUBJECT_NAME elements.
//
// The reference only says "str0, certificate subject DN" (protocols.md
// §2.2, §2.5). This follows certutils (tlvfile, sgnfile), which joins the
// RFC 4514 form of every attribute with "," in the order the certificate
// encodes them: "CN=ao115sub,OU=TAC,O=Cisco Systems,C=US" for a name encoded
// CN first. Attribute types are the short names of Python cryptography's
// rfc4514_string (CN, L, ST, O, OU, C, STREET, DC, UID), other types are
// dotted OIDs. CUCM writes the same attributes joined by ";" instead
// (seed 001); phones are not known to parse the text.
func DistinguishedName(raw []byte) (string, error) {
	var rdns []attributeSET
	rest, err := asn1.Unmarshal(raw, &rdns)
	if err != nil {
		return "", err
	}
	if len(rest) > 0 {
		return "", errors.New("ctl: trailing data after distinguished name")
	}
	var parts []string
	for _, set := range rdns {
		for _, atv := range set {
			parts = append(parts, attributeType(atv.Type)+"="+attributeValue(atv.Value))
		}
	}
	return strings.Join(parts, ","), nil
}

// attributeSET is one RelativeDistinguishedName (the SET suffix makes
// encoding/asn1 expect a SET). The value stays raw so that every
// string type can be decoded here.
type attributeSET []struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

var attributeNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{2, 5, 4, 3}, "CN"},
	{asn1.ObjectIdentifier{2, 5, 4, 7}, "L"},
	{asn1.ObjectIdentifier{2, 5, 4, 8}, "ST"},
	{asn1.ObjectIdentifier{2, 5, 4, 10}, "O"},
	{asn1.ObjectIdentifier{2, 5, 4, 11}, "OU"},
	{asn1.ObjectIdentifier{2, 5, 4, 6}, "C"},
	{asn1.ObjectIdentifier{2, 5, 4, 9}, "STREET"},
	{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, "DC"},
	{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, "UID"},
}

func attributeType(oid asn1.ObjectIdentifier) string {
	for _, a := range attributeNames {
		if a.oid.Equal(oid) {
			return a.name
		}
	}
	return oid.String()
}

// attributeValue decodes the ASN.1 string types and escapes the result as
// RFC 4514 §2.4 asks; any other type is written as "#" and the hex of its
// DER encoding.
func attributeValue(v asn1.RawValue) string {
	var s string
	switch {
	case v.Class != asn1.ClassUniversal || v.IsCompound:
		return "#" + hex.EncodeToString(v.FullBytes)
	case v.Tag == asn1.TagUTF8String, v.Tag == asn1.TagPrintableString,
		v.Tag == asn1.TagIA5String, v.Tag == asn1.TagNumericString,
		v.Tag == asn1.TagT61String, v.Tag == 26: // VisibleString
		s = string(v.Bytes)
	case v.Tag == asn1.TagBMPString && len(v.Bytes)%2 == 0:
		u := make([]uint16, len(v.Bytes)/2)
		for i := range u {
			u[i] = uint16(v.Bytes[2*i])<<8 | uint16(v.Bytes[2*i+1])
		}
		s = string(utf16.Decode(u))
	case v.Tag == 28 && len(v.Bytes)%4 == 0: // UniversalString, UTF-32BE
		r := make([]rune, len(v.Bytes)/4)
		for i := range r {
			b := v.Bytes[4*i:]
			r[i] = rune(b[0])<<24 | rune(b[1])<<16 | rune(b[2])<<8 | rune(b[3])
		}
		s = string(r)
	default:
		return "#" + hex.EncodeToString(v.FullBytes)
	}
	return escapeDN(s)
}

// escapeDN escapes an attribute value like RFC 4514 §2.4 (and Python
// cryptography, which certutils uses).
func escapeDN(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"', '+', ',', ';', '<', '>':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\00`)
		case '#', ' ':
			if i == 0 || (c == ' ' && i == len(s)-1) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// CUCMName renders a DER-encoded Name the way CUCM writes SUBJECT_NAME and
// ISSUER_NAME into ITL records (seed 001,
// "CN=CAPF-7f0ae8d7;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US" for a
// name encoded CN first): the attributes in certificate order as
// [DistinguishedName] gives them, relative names joined by ";" and the
// attributes of one by "+". The PKCS#9 attributes IOS puts in its requests
// are named as OpenSSL names them (unstructuredName, unstructuredAddress),
// not as dotted OIDs.
func CUCMName(raw []byte) (string, error) {
	var rdns []attributeSET
	rest, err := asn1.Unmarshal(raw, &rdns)
	if err != nil {
		return "", err
	}
	if len(rest) > 0 {
		return "", errors.New("ctl: trailing data after distinguished name")
	}
	parts := make([]string, 0, len(rdns))
	for _, rdn := range rdns {
		var atvs []string
		for _, atv := range rdn {
			name := attributeType(atv.Type)
			for _, p := range pkcs9Names {
				if p.oid.Equal(atv.Type) {
					name = p.name
				}
			}
			atvs = append(atvs, name+"="+attributeValue(atv.Value))
		}
		parts = append(parts, strings.Join(atvs, "+"))
	}
	return strings.Join(parts, ";"), nil
}

var pkcs9Names = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, "emailAddress"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 2}, "unstructuredName"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 8}, "unstructuredAddress"},
	{asn1.ObjectIdentifier{2, 5, 4, 5}, "serialNumber"},
}
