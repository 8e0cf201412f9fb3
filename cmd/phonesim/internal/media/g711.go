package media

// G.711 written from ITU-T Recommendation G.711 (1988), tables 1a/1b and
// 2a/2b: 8-bit logarithmic companding of 14-bit (µ-law) or 13-bit (A-law)
// linear samples. It is the simulator's own, so that a wrong table in the
// box's media path (or in a library both might share) shows up as a wrong
// frequency or a poor SNR here.

// Ulaw is G.711 µ-law (RTP payload type 0, SCCP capability 4).
type Ulaw struct{}

// Alaw is G.711 A-law (RTP payload type 8, SCCP capability 2).
type Alaw struct{}

func (Ulaw) Name() string       { return "g711ulaw" }
func (Ulaw) PayloadType() uint8 { return 0 }
func (Ulaw) Capability() uint32 { return 4 }
func (Ulaw) SampleRate() int    { return 8000 }
func (Alaw) Name() string       { return "g711alaw" }
func (Alaw) PayloadType() uint8 { return 8 }
func (Alaw) Capability() uint32 { return 2 }
func (Alaw) SampleRate() int    { return 8000 }

// Encode appends the µ-law bytes of pcm to dst.
func (Ulaw) Encode(dst []byte, pcm []int16) []byte {
	for _, s := range pcm {
		dst = append(dst, UlawEncode(s))
	}
	return dst
}

// Decode appends the linear samples of payload to dst.
func (Ulaw) Decode(dst []int16, payload []byte) []int16 {
	for _, c := range payload {
		dst = append(dst, UlawDecode(c))
	}
	return dst
}

// Encode appends the A-law bytes of pcm to dst.
func (Alaw) Encode(dst []byte, pcm []int16) []byte {
	for _, s := range pcm {
		dst = append(dst, AlawEncode(s))
	}
	return dst
}

// Decode appends the linear samples of payload to dst.
func (Alaw) Decode(dst []int16, payload []byte) []int16 {
	for _, c := range payload {
		dst = append(dst, AlawDecode(c))
	}
	return dst
}

const ulawBias = 0x84 // 132: shifts the segment ends to powers of two (G.711 table 2a)

// UlawEncode compresses one 16-bit linear sample (its top 14 bits are
// used) to µ-law: sign, 3-bit segment, 4-bit step, all bits inverted.
func UlawEncode(s int16) byte {
	// Magnitudes of negative samples are taken as one's complement, as
	// the ITU-T G.191 reference implementation does.
	sign := byte(0) // positive: the sign bit is 1 once inverted
	if s < 0 {
		s = ^s
		sign = 0x80
	}
	v := int32(s) >> 2             // 14-bit
	v = min(v, 8159) + ulawBias>>2 // clip, add the bias (33 in 14-bit units)
	seg := byte(0)
	for t := v >> 6; t > 0; t >>= 1 {
		seg++
	}
	if seg > 7 {
		return ^(sign | 0x7F)
	}
	step := byte(v>>(seg+1)) & 0x0F
	return ^(sign | seg<<4 | step)
}

// UlawDecode expands one µ-law byte to a 16-bit linear sample.
func UlawDecode(c byte) int16 {
	c = ^c
	seg := (c >> 4) & 7
	step := int32(c & 0x0F)
	v := ((step<<1 | 1 | 0x20) << seg) - 33 // middle of the step, less the bias
	v <<= 2
	if c&0x80 != 0 {
		v = -v
	}
	return int16(v)
}

// AlawEncode compresses one 16-bit linear sample (its top 13 bits are
// used) to A-law: sign, 3-bit segment, 4-bit step, even bits inverted.
func AlawEncode(s int16) byte {
	v := int32(s) >> 3 // 13-bit
	sign := byte(0x80)
	if v < 0 {
		v = -v - 1
		sign = 0
	}
	v = min(v, 4095)
	var c byte
	if v < 32 {
		c = byte(v >> 1)
	} else {
		seg := byte(1)
		for t := v >> 6; t > 0 && seg < 7; t >>= 1 {
			seg++
		}
		c = seg<<4 | byte(v>>seg)&0x0F
	}
	return (sign | c) ^ 0x55
}

// AlawDecode expands one A-law byte to a 16-bit linear sample.
func AlawDecode(c byte) int16 {
	c ^= 0x55
	seg := (c >> 4) & 7
	step := int32(c & 0x0F)
	var v int32
	if seg == 0 {
		v = step<<1 | 1
	} else {
		v = (step<<1 | 1 | 0x20) << (seg - 1)
	}
	v <<= 3
	if c&0x80 == 0 {
		v = -v
	}
	return int16(v)
}
