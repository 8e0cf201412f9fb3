package ctl

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDumpGolden(t *testing.T) {
	_, b := signGolden(t, crypto.SHA1)
	f, err := Verify(b, identities(t)["sast1"].cert)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Dump(&out, f, err); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "dump.txt", out.Bytes())

	s := out.String()
	for _, want := range []string{
		"Parse ITL File\n----------------\nVersion: 1.2\n",
		"ITL Record #:1\n----\nBYTEPOS TAG LENGTH VALUE\n------- --- ------ -----\n1 RECORDLENGTH 2 ",
		"4 FUNCTION 2 System Administrator Security Token\n",
		"This etoken was used to sign the ITL file.\nITL Record #:2\n",
		"This etoken was not used to sign the ITL file.\nITL Record #:3\n",
		"4 FUNCTION 2 CCM+TFTP\n",
		"7 PUBLICKEY 97\n", // P-384, as seed 001's EC record
		" (SHA1 Hash HEX)\n",
		"The ITL file was verified successfully.\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("dump lacks %q", want)
		}
	}
}

func TestDumpFailureAndCTL(t *testing.T) {
	f, _ := signGolden(t, crypto.SHA1)
	f.Header.Filename = "CTLFile.tlv"
	var out bytes.Buffer
	if err := Dump(&out, f, errors.New("bad\x1b[2J")); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, "Parse CTL File\n") || !strings.Contains(s, "CTL Record #:6\n") {
		t.Error("a CTLFile.tlv is not dumped as CTL")
	}
	if want := "The CTL file could not be verified: bad?[2J\n"; !strings.HasSuffix(s, want) {
		t.Errorf("dump ends %q, want %q", s[len(s)-60:], want)
	}
}

// TestDumpSeedRecord rebuilds the CAPF and TVS records of seed 001 (a CUCM
// ITL carrying certificate hashes) and checks that Dump prints the seed's
// lines, lengths included. Only the order differs: CUCM writes tags in
// ascending order, this package the certutils order (§2.5).
func TestDumpSeedRecord(t *testing.T) {
	seed := []struct {
		rec   Record
		lines string
	}{{
		Record{
			DNSName:         "\x00", // "2 DNSNAME 2": two bytes, nothing to print
			SubjectName:     "CN=CAPF-7f0ae8d7;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US",
			Role:            RoleCAPF,
			IssuerName:      "CN=CAPF-7f0ae8d7;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US",
			SerialNumber:    unhex(t, "64F2FE613B79C5D362E26DAB4A8B761B"),
			PublicKey:       make([]byte, 270),
			Signature:       make([]byte, 256),
			CertificateHash: unhex(t, "C3E697D08AE10BF231ECED20ECC5BC0F83BCBC5E"),
			HashAlgorithm:   HashSHA1,
		}, `1 RECORDLENGTH 2 727
2 DNSNAME 2
3 SUBJECTNAME 64 CN=CAPF-7f0ae8d7;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US
4 FUNCTION 2 CAPF
5 ISSUERNAME 64 CN=CAPF-7f0ae8d7;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US
6 SERIALNUMBER 16 64:F2:FE:61:3B:79:C5:D3:62:E2:6D:AB:4A:8B:76:1B
7 PUBLICKEY 270
8 SIGNATURE 256
11 CERTHASH 20 C3 E6 97 D0 8A E1 0B F2 31 EC ED 20 EC C5 BC 0F 83 BC BC 5E
12 HASH ALGORITHM 1 null`,
	}, {
		Record{
			DNSName:         "\x00",
			SubjectName:     "CN=ao115pub;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US",
			Role:            RoleTVS,
			IssuerName:      "CN=ao115pub;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US",
			SerialNumber:    unhex(t, "6B993115D1555E759C428ACEF27EEAE8"),
			PublicKey:       make([]byte, 270),
			Signature:       make([]byte, 256),
			CertificateHash: unhex(t, "059ADE201455232D0820314EB59CE9FEBD2D5587"),
			HashAlgorithm:   HashSHA1,
		}, `1 RECORDLENGTH 2 717
2 DNSNAME 2
3 SUBJECTNAME 59 CN=ao115pub;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US
4 FUNCTION 2 TVS
5 ISSUERNAME 59 CN=ao115pub;OU=TAC;O=Cisco Systems;L=Boxborough;ST=MA;C=US
6 SERIALNUMBER 16 6B:99:31:15:D1:55:5E:75:9C:42:8A:CE:F2:7E:EA:E8
7 PUBLICKEY 270
8 SIGNATURE 256
11 CERTHASH 20 05 9A DE 20 14 55 23 2D 08 20 31 4E B5 9C E9 FE BD 2D 55 87
12 HASH ALGORITHM 1 null`,
	}}
	f := &File{Header: Header{Version: Version{1, 2}, Filename: "ITLFile.tlv"}}
	for _, s := range seed {
		f.Records = append(f.Records, s.rec)
	}
	var out bytes.Buffer
	if err := Dump(&out, f, nil); err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(out.String(), "ITL Record #:1\n----\nBYTEPOS TAG LENGTH VALUE\n------- --- ------ -----\n")
	rec1, rec2, _ := strings.Cut(body, "ITL Record #:2\n----\nBYTEPOS TAG LENGTH VALUE\n------- --- ------ -----\n")
	rec2 = strings.TrimSuffix(rec2, "The ITL file was verified successfully.\n")
	for i, got := range []string{rec1, rec2} {
		gotLines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		wantLines := strings.Split(seed[i].lines, "\n")
		slices.Sort(gotLines)
		slices.Sort(wantLines)
		if diff := cmp.Diff(wantLines, gotLines); diff != "" {
			t.Errorf("record %d lines (-seed +dump):\n%s", i+1, diff)
		}
	}
}

func TestDumpSignatureHex(t *testing.T) {
	var d dumper
	d.signatureHex([]byte{0x65, 0xba, 0x26, 0xb4, 0xba, 0xde, 0x2b, 0x13, 0xb8, 0x18, 0x02, 0x4a, 0x00})
	// As in CUCM's "show ctl": no leading zeros, 4 columns, 8 a line.
	want := "65  ba  26  b4  ba  de  2b  13\nb8  18  2   4a  0\n"
	if got := d.out.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
