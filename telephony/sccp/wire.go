package sccp

import (
	"encoding/binary"
	"net/netip"
)

// le is the byte order of every Skinny integer (addresses excepted).
var le = binary.LittleEndian

// Field sizes that depend on the protocol version (reference §6.1).
const (
	dnSizeOld = 24 // directory-number fields before v18
	dnSizeV18 = 25 // directory-number fields from v18
)

// dnSize is the size of a variable directory-number field at version ver
// (per Wireshark packet-skinny.c VariableDirnumSize).
func dnSize(ver uint32) int {
	if ver >= 18 {
		return dnSizeV18
	}
	return dnSizeOld
}

// enc appends little-endian fields to a payload.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)   { e.b = append(e.b, v) }
func (e *enc) u16(v uint16) { e.b = le.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32) { e.b = le.AppendUint32(e.b, v) }
func (e *enc) raw(p []byte) { e.b = append(e.b, p...) }

// str writes s as a char[n] field: at most n-1 bytes, so that the field is
// always NUL-terminated, then NUL padding.
func (e *enc) str(s string, n int) {
	if len(s) > n-1 {
		s = s[:n-1]
	}
	e.b = append(e.b, s...)
	for i := len(s); i < n; i++ {
		e.b = append(e.b, 0)
	}
}

// cstr writes s NUL-terminated (the variable strings of the dynamic
// messages); an embedded NUL ends it early.
func (e *enc) cstr(s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			s = s[:i]
			break
		}
	}
	e.b = append(e.b, s...)
	e.b = append(e.b, 0)
}

// ip4 writes a 4-byte IPv4 address in network order (zero if a is not IPv4).
func (e *enc) ip4(a netip.Addr) {
	var b [4]byte
	if a.Is4() || a.Is4In6() {
		b = a.Unmap().As4()
	}
	e.b = append(e.b, b[:]...)
}

// ip writes an address field: 4 bytes before v17, from v17 an ipType u32
// (0 IPv4, 1 IPv6) and 16 bytes with an IPv4 address in the first 4
// (reference §6.1, per Wireshark dissect_skinny_ipv4or6).
func (e *enc) ip(a netip.Addr, ver uint32) {
	if ver < 17 {
		e.ip4(a)
		return
	}
	var b [16]byte
	if a.Is6() && !a.Is4In6() {
		e.u32(IPAddrTypeIPv6)
		b = a.As16()
	} else {
		e.u32(IPAddrTypeIPv4)
		if a.IsValid() {
			v4 := a.Unmap().As4()
			copy(b[:], v4[:])
		}
	}
	e.b = append(e.b, b[:]...)
}

// dec reads fields from a payload. Phones send shorter forms of many
// messages, so reading past the end is not an error: missing fields read as
// zero (reference §6.1: trust length, not struct sizes).
type dec struct{ p []byte }

func (d *dec) take(n int) []byte {
	if n > len(d.p) {
		var z = make([]byte, n)
		copy(z, d.p)
		d.p = nil
		return z
	}
	b := d.p[:n]
	d.p = d.p[n:]
	return b
}

func (d *dec) u8() uint8   { return d.take(1)[0] }
func (d *dec) u16() uint16 { return le.Uint16(d.take(2)) }
func (d *dec) u32() uint32 { return le.Uint32(d.take(4)) }
func (d *dec) left() int   { return len(d.p) }

// str reads a char[n] field up to its first NUL.
func (d *dec) str(n int) string {
	b := d.take(n)
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// cstr reads a NUL-terminated string (or the rest of the payload).
func (d *dec) cstr() string {
	for i, c := range d.p {
		if c == 0 {
			s := string(d.p[:i])
			d.p = d.p[i+1:]
			return s
		}
	}
	s := string(d.p)
	d.p = nil
	return s
}

// ip4 reads a 4-byte IPv4 address.
func (d *dec) ip4() netip.Addr {
	return netip.AddrFrom4([4]byte(d.take(4)))
}

// ip reads an address field of version ver (see enc.ip). An IPv6 or
// "both" type yields the 16-byte address (an IPv4-mapped one unmapped); an
// unknown type yields 0.0.0.0, like an absent address.
func (d *dec) ip(ver uint32) netip.Addr {
	if ver < 17 {
		return d.ip4()
	}
	t := d.u32()
	b := d.take(16)
	switch t {
	case IPAddrTypeIPv4:
		return netip.AddrFrom4([4]byte(b[:4]))
	case IPAddrTypeIPv6, IPAddrTypeBoth:
		return netip.AddrFrom16([16]byte(b)).Unmap()
	}
	return netip.IPv4Unspecified()
}

func netipFrom16(b [16]byte) netip.Addr { return netip.AddrFrom16(b) }
