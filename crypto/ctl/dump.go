package ctl

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// Dump writes f in the layout CUCM's "show itl" and "show ctl" print, then
// whether the signature verified: verified is the result of [Verify] (nil
// for success).
//
// The record part is the layout of seed 001 (ios-commands.md §7): a line
// "<tag> <NAME> <length> [value]" per element in file order, CERTIFICATE
// shown as its SHA-1 fingerprint, and after each SAST record whether it
// signed the file. The header part follows the CUCM "show ctl" output
// quoted in Cisco's tokenless-CTL technote (document 118893), including its
// spellings DIGESTALGORTITHM and SIGNATUREALGORTITHM and its signature hex
// without leading zeros; SIGNER_VERSION, absent from that output, is shown
// as "28 SIGNERVERSION 2 <major.minor>". Fields are separated by one space,
// as in the seed. Lengths and order are those of f's encoding.
//
// Text values are shown up to their first NUL, with control characters
// replaced, so that a hostile file cannot drive the console.
func Dump(w io.Writer, f *File, verified error) error {
	b, err := f.MarshalBinary()
	if err != nil {
		return err
	}
	kind := "ITL"
	if strings.HasPrefix(f.Header.Filename, "CTL") {
		kind = "CTL"
	}
	d := &dumper{b: b}
	hdrLen := int(binary.BigEndian.Uint16(b[8:]))
	fmt.Fprintf(&d.out, "Parse %s File\n----------------\n", kind)
	fmt.Fprintf(&d.out, "Version: %s\n", f.Header.Version)
	fmt.Fprintf(&d.out, "HeaderLength: %d (BYTES)\n", hdrLen)
	d.table()
	// b was just encoded, so it scans without error; the skipped elements
	// are VERSION and HEADER_LENGTH, printed above.
	d.header(&scanner{b: b, off: 10, end: hdrLen})

	for i, off := 0, hdrLen; off < len(b); i++ {
		size := int(binary.BigEndian.Uint16(b[off+3:]))
		fmt.Fprintf(&d.out, "%s Record #:%d\n----\n", kind, i+1)
		d.table()
		d.record(&scanner{b: b, off: off, end: off + size})
		if r := &f.Records[i]; r.Role == RoleSAST {
			used := "not used"
			if bytes.Equal(r.SerialNumber, f.Header.SerialNumber) {
				used = "used"
			}
			fmt.Fprintf(&d.out, "This etoken was %s to sign the %s file.\n", used, kind)
		}
		off += size
	}
	if verified == nil {
		fmt.Fprintf(&d.out, "The %s file was verified successfully.\n", kind)
	} else {
		fmt.Fprintf(&d.out, "The %s file could not be verified: %s\n", kind, printable(verified.Error()))
	}
	_, err = io.WriteString(w, d.out.String())
	return err
}

type dumper struct {
	b   []byte
	out strings.Builder
}

func (d *dumper) table() {
	d.out.WriteString("BYTEPOS TAG LENGTH VALUE\n------- --- ------ -----\n")
}

// line prints one element; value may be empty.
func (d *dumper) line(tag uint8, name string, length int, value string) {
	fmt.Fprintf(&d.out, "%d %s %d", tag, name, length)
	if value != "" {
		d.out.WriteString(" " + value)
	}
	d.out.WriteByte('\n')
}

func (d *dumper) header(s *scanner) {
	for s.more() {
		if d.b[s.off] == paddingByte {
			s.off++
			continue
		}
		el, _ := s.next()
		v := el.value
		// CUCM prints the length of a container as if it were a u16
		// value: "3 SIGNERID 2 149".
		container := func(name string) {
			d.line(el.tag, name, 2, strconv.Itoa(len(v)))
			d.header(s.sub(el, ""))
		}
		switch el.tag {
		case hdrSignerVersion:
			d.line(el.tag, "SIGNERVERSION", len(v), Version{v[0], v[1]}.String())
		case hdrSignerInfo:
			container("SIGNERID")
		case hdrSignerName:
			d.line(el.tag, "SIGNERNAME", len(v), text(v))
		case hdrSerialNumber:
			d.line(el.tag, "SERIALNUMBER", len(v), colonHex(v))
		case hdrIssuerName:
			d.line(el.tag, "CANAME", len(v), text(v))
		case hdrSignatureInfo:
			container("SIGNATUREINFO")
		case hdrHashAlgorithm:
			d.line(el.tag, "DIGESTALGORTITHM", len(v), "")
		case hdrSignatureAlgorithmInfo:
			container("SIGNATUREALGOINFO")
		case hdrSignatureAlgorithm:
			d.line(el.tag, "SIGNATUREALGORTITHM", len(v), "")
		case hdrSignatureModulus:
			d.line(el.tag, "SIGNATUREMODULUS", len(v), "")
		case hdrSignature:
			d.line(el.tag, "SIGNATURE", len(v), "")
			d.signatureHex(v)
		case hdrFilename:
			d.line(el.tag, "FILENAME", len(v), "")
		case hdrTimestamp:
			d.line(el.tag, "TIMESTAMP", len(v), "")
		}
	}
}

// signatureHex prints 8 bytes a line, each as CUCM does: lower-case hex
// without a leading zero, left-aligned in 4 columns ("2  4a  5   f2").
func (d *dumper) signatureHex(v []byte) {
	for len(v) > 0 {
		n := min(8, len(v))
		var line strings.Builder
		for _, c := range v[:n] {
			fmt.Fprintf(&line, "%-4x", c)
		}
		d.out.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		v = v[n:]
	}
}

func (d *dumper) record(s *scanner) {
	for s.more() {
		el, _ := s.next()
		v := el.value
		switch el.tag {
		case recLength:
			d.line(el.tag, "RECORDLENGTH", len(v), strconv.Itoa(int(binary.BigEndian.Uint16(v))))
		case recDNSName:
			d.line(el.tag, "DNSNAME", len(v), text(v))
		case recSubjectName:
			d.line(el.tag, "SUBJECTNAME", len(v), text(v))
		case recRole:
			d.line(el.tag, "FUNCTION", len(v), Role(binary.BigEndian.Uint16(v)).String())
		case recIssuerName:
			d.line(el.tag, "ISSUERNAME", len(v), text(v))
		case recSerialNumber:
			d.line(el.tag, "SERIALNUMBER", len(v), colonHex(v))
		case recPublicKey:
			d.line(el.tag, "PUBLICKEY", len(v), "")
		case recSignature:
			d.line(el.tag, "SIGNATURE", len(v), "")
		case recCertificate:
			sum := sha1.Sum(v)
			d.line(el.tag, "CERTIFICATE", len(v), spacedHex(sum[:])+" (SHA1 Hash HEX)")
		case recIPAddress:
			d.line(el.tag, "IPADDRESS", len(v), "")
		case recCertificateHash:
			d.line(el.tag, "CERTHASH", len(v), spacedHex(v))
		case recHashAlgorithm:
			// Seed 001 shows "12 HASH ALGORITHM 1 null" next to a 20-byte
			// SHA-1 hash: CUCM does not name the value, so neither do we.
			d.line(el.tag, "HASH ALGORITHM", len(v), "null")
		}
	}
}

// text is a str0 value as a C program prints it: up to the first NUL.
func text(v []byte) string {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	return printable(string(v))
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '?'
	}, s)
}

// colonHex is "64:F2:FE:61", the SERIALNUMBER format of seed 001.
func colonHex(v []byte) string {
	return hexJoin(v, ":")
}

// spacedHex is "C3 E6 97 D0", the CERTIFICATE and CERTHASH format of seed 001.
func spacedHex(v []byte) string {
	return hexJoin(v, " ")
}

func hexJoin(v []byte, sep string) string {
	var b strings.Builder
	for i, c := range v {
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}
