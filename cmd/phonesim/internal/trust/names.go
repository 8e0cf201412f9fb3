package trust

import (
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// The name elements (SIGNER_NAME, ISSUER_NAME, SUBJECT_NAME) are "str0,
// certificate subject DN" with no stated syntax (§2.2, §2.5). certutils
// writes RFC 4514 attributes joined by "," in certificate order; CUCM joins
// them with ";" (seed 001). MatchName accepts both separators and either
// order (certificate order, or the reversed order of RFC 4514 strings).

type attr struct {
	typ   string // short name or dotted OID
	value string // decoded text, or "#"+hex of the DER value
}

var shortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
	"2.5.4.6": "C", "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1": "UID", "2.5.4.5": "SERIALNUMBER", "1.2.840.113549.1.9.1": "E",
	"1.2.840.113549.1.9.2": "UNSTRUCTUREDNAME", "1.2.840.113549.1.9.8": "UNSTRUCTUREDADDRESS",
}

// aliases maps other spellings of attribute types to the short names above.
var aliases = map[string]string{"EMAILADDRESS": "E", "EMAIL": "E", "S": "ST"}

// certAttrs decodes a DER Name into its attributes in encoded order.
func certAttrs(der []byte) ([]attr, error) {
	var rdns []asn1.RawValue
	rest, err := asn1.Unmarshal(der, &rdns)
	if err != nil || len(rest) > 0 {
		return nil, errors.New("certificate name does not decode")
	}
	var out []attr
	for _, set := range rdns {
		var atvs []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if _, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set"); err != nil {
			return nil, errors.New("certificate name does not decode")
		}
		for _, a := range atvs {
			t := a.Type.String()
			if s, ok := shortNames[t]; ok {
				t = s
			}
			out = append(out, attr{t, decodeValue(a.Value)})
		}
	}
	return out, nil
}

func decodeValue(v asn1.RawValue) string {
	if v.Class == asn1.ClassUniversal && !v.IsCompound {
		switch v.Tag {
		case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagIA5String, asn1.TagT61String, asn1.TagNumericString, 26:
			return string(v.Bytes)
		case asn1.TagBMPString:
			if len(v.Bytes)%2 == 0 {
				u := make([]uint16, len(v.Bytes)/2)
				for i := range u {
					u[i] = uint16(v.Bytes[2*i])<<8 | uint16(v.Bytes[2*i+1])
				}
				return string(utf16.Decode(u))
			}
		}
	}
	return "#" + hex.EncodeToString(v.FullBytes)
}

// textAttrs splits a name element into attributes: separators are
// unescaped ",", ";" and "+", values are RFC 4514 unescaped.
func textAttrs(s string) ([]attr, error) {
	var out []attr
	var cur strings.Builder
	var parts []string
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case c == ',' || c == ';' || c == '+':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		p = strings.TrimLeft(p, " ")
		if p == "" {
			continue
		}
		t, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("attribute %q has no '='", p)
		}
		t = strings.ToUpper(strings.TrimSpace(t))
		if a, ok := aliases[t]; ok {
			t = a
		}
		t = strings.TrimPrefix(t, "OID.")
		if s, ok := shortNames[t]; ok {
			t = s
		}
		u, err := unescape(v)
		if err != nil {
			return nil, err
		}
		out = append(out, attr{t, u})
	}
	return out, nil
}

func unescape(v string) (string, error) {
	if strings.HasPrefix(v, "#") {
		return strings.ToLower(v), nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		if i+1 >= len(v) {
			return "", errors.New("trailing backslash")
		}
		if i+2 < len(v) {
			if x, err := hex.DecodeString(v[i+1 : i+3]); err == nil {
				b.Write(x)
				i += 2
				continue
			}
		}
		b.WriteByte(v[i+1])
		i++
	}
	return b.String(), nil
}

// MatchName reports (as a nil error) whether text names the same
// attributes as the DER-encoded name der.
func MatchName(text string, der []byte) error {
	want, err := certAttrs(der)
	if err != nil {
		return err
	}
	got, err := textAttrs(text)
	if err != nil {
		return err
	}
	if equalAttrs(got, want) {
		return nil
	}
	rev := make([]attr, len(got))
	for i, a := range got {
		rev[len(got)-1-i] = a
	}
	if equalAttrs(rev, want) {
		return nil
	}
	return errors.New("names differ from the certificate")
}

func equalAttrs(a, b []attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
