package ctl

import (
	"crypto"
	"encoding/asn1"
	"testing"
)

func TestRoleString(t *testing.T) {
	tests := []struct {
		role Role
		want string
	}{
		{RoleSAST, "System Administrator Security Token"},
		{RoleCCM, "CCM"},
		{RoleCCMTFTP, "CCM+TFTP"},
		{RoleTFTP, "TFTP"},
		{RoleCAPF, "CAPF"},
		{RoleAppServer, "APP-SERVER"},
		{RoleTVS, "TVS"},
		{Role(5), "5"},
	}
	for _, tt := range tests {
		if got := tt.role.String(); got != tt.want {
			t.Errorf("Role(%d).String() = %q, want %q", uint16(tt.role), got, tt.want)
		}
	}
}

func TestHashAlgorithm(t *testing.T) {
	tests := []struct {
		h    HashAlgorithm
		hash crypto.Hash
		name string
	}{
		{HashSHA1, crypto.SHA1, "SHA1"},
		{HashSHA256, crypto.SHA256, "SHA256"},
		{HashSHA512, crypto.SHA512, "SHA512"},
		{0, 0, "0"},
		{9, 0, "9"},
	}
	for _, tt := range tests {
		if tt.h.Hash() != tt.hash || tt.h.String() != tt.name {
			t.Errorf("HashAlgorithm(%d) = %v, %q; want %v, %q", tt.h, tt.h.Hash(), tt.h.String(), tt.hash, tt.name)
		}
	}
}

func TestDistinguishedName(t *testing.T) {
	str := func(tag int, s string) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(s)}
	}
	oid := func(n ...int) asn1.ObjectIdentifier { return n }
	type atv struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue
	}
	type set []atv
	name := func(sets ...[]atv) []byte {
		var seq []asn1.RawValue
		for _, s := range sets {
			var members []byte
			for _, a := range s {
				b, err := asn1.Marshal(a)
				if err != nil {
					t.Fatal(err)
				}
				members = append(members, b...)
			}
			seq = append(seq, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: members})
		}
		b, err := asn1.Marshal(seq)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cn, ou, c, email := oid(2, 5, 4, 3), oid(2, 5, 4, 11), oid(2, 5, 4, 6), oid(1, 2, 840, 113549, 1, 9, 1)
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"encoding order", name(set{{cn, str(asn1.TagUTF8String, "a")}}, set{{c, str(asn1.TagPrintableString, "US")}}), "CN=a,C=US"},
		{"multi-valued RDN flattened", name(set{{cn, str(asn1.TagUTF8String, "a")}, {ou, str(asn1.TagUTF8String, "b")}}), "CN=a,OU=b"},
		// Expected strings are what Python cryptography 48 prints (certutils).
		{"specials", name(set{{cn, str(asn1.TagUTF8String, "a,b+c")}}, set{{ou, str(asn1.TagUTF8String, "#x ")}}), `CN=a\,b\+c,OU=\#x\ `},
		{"more specials", name(set{{cn, str(asn1.TagUTF8String, "a<b>;\"\\\x00z")}}), `CN=a\<b\>\;\"\\\00z`},
		{"unknown type", name(set{{email, str(asn1.TagIA5String, "a@b")}}), "1.2.840.113549.1.9.1=a@b"},
		{"BMPString", name(set{{cn, asn1.RawValue{Tag: asn1.TagBMPString, Bytes: []byte{0, 'h', 0x00, 0xe9}}}}), "CN=hé"},
		{"non-string value", name(set{{cn, asn1.RawValue{Tag: asn1.TagInteger, Bytes: []byte{5}}}}), "CN=#020105"},
		{"empty", name(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DistinguishedName(tt.der)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := DistinguishedName([]byte{0x30, 0x05}); err == nil {
		t.Error("truncated name: no error")
	}
	if _, err := DistinguishedName(append(name(), 0)); err == nil {
		t.Error("trailing byte: no error")
	}
}
