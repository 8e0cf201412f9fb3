package media

// G.722 at 64 kbit/s (mode 1): sub-band ADPCM over a two-band QMF, written
// from ITU-T Recommendation G.722 (09/2012), §3 (encoder), §4 (decoder)
// and §6 (the computational blocks, whose names the functions below keep:
// QUANTL, INVQAL, LOGSCL, SCALEL, QUANTH, INVQAH, LOGSCH, SCALEH, RECONS,
// PARREC, UPPOL1, UPPOL2, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC). The
// tables are the Recommendation's. 16 kHz linear PCM in, one byte per two
// samples out: the high sub-band's 2 bits above the low sub-band's 6.
// A test decodes our output with ffmpeg's independent G.722 decoder.

// qmf holds the 24 transmit/receive QMF coefficients h0..h23 (Table 11)
// split into the even ones (qmfEven[i] = h(2i)) and the odd ones
// (qmfOdd[i] = h(2i+1)); the filter is symmetric, so qmfOdd is qmfEven
// reversed.
var (
	qmfEven = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
	qmfOdd  = [12]int32{-11, 53, -156, 362, -805, 3876, 951, -210, 32, 12, -11, 3}
)

// Lower sub-band quantizer decision levels (Table 6, ×det >> 12), and the
// codes for positive and negative differences.
var (
	q6  = [31]int32{0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0}
	iln = [32]int32{0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0}
	ilp = [32]int32{0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0}
)

// Inverse quantizer outputs: qm6 for the 6-bit decoder output (Table 7),
// qm4 for the 4-bit predictor-adaptation path (Table 9), qm2 for the high
// band (Table 10).
var (
	qm6 = [64]int32{
		-136, -136, -136, -136, -24808, -21904, -19008, -16704,
		-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
		-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728, 432, 136, -432, -136,
	}
	qm4 = [16]int32{0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0}
	qm2 = [4]int32{-7408, -1616, 7408, 1616}
)

// Scale-factor adaptation: rl42 maps the 4-bit code to its magnitude
// class, wl/wh are the log-scale increments (Tables 12, 13), ilb the
// inverse log table (Table 14).
var (
	rl42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	wl   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	rh2  = [4]int32{2, 1, 2, 1}
	wh   = [3]int32{0, -214, 798}
	ihn  = [3]int32{0, 1, 0}
	ihp  = [3]int32{0, 3, 2}
	ilb  = [32]int32{
		2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
	}
)

// sat16 limits v to the 16-bit two's complement range (the Recommendation's
// saturation in every block).
func sat16(v int32) int32 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return v
}

// band is one sub-band's adaptive predictor and scale factor state.
type band struct {
	s, sp, sz int32    // predictor output, pole and zero parts
	r         [3]int32 // reconstructed signal, delayed
	a, ap     [3]int32 // pole coefficients (a[1], a[2]) and their updates
	b, bp     [7]int32 // zero coefficients b[1..6] and their updates
	d         [7]int32 // quantized difference signal, delayed
	p         [3]int32 // partial reconstructed signal, delayed
	nb, det   int32    // log scale factor and scale factor
}

// scale is SCALEL/SCALEH: det from the log scale factor nb. shift is 8 for
// the low band and 10 for the high band.
func (b *band) scale(shift int32) {
	wd1 := (b.nb >> 6) & 31
	wd2 := shift - (b.nb >> 11)
	var wd3 int32
	if wd2 < 0 {
		wd3 = ilb[wd1] << uint(-wd2)
	} else {
		wd3 = ilb[wd1] >> uint(wd2)
	}
	b.det = wd3 << 2
}

// adapt is LOGSCL/LOGSCH followed by SCALEL/SCALEH.
func (b *band) adapt(inc, limit, shift int32) {
	nb := (b.nb*127)>>7 + inc
	if nb < 0 {
		nb = 0
	} else if nb > limit {
		nb = limit
	}
	b.nb = nb
	b.scale(shift)
}

// update is block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA,
// FILTEP, FILTEZ and PREDIC, given the quantized difference d.
func (b *band) update(d int32) {
	b.d[0] = d
	b.r[0] = sat16(b.s + d)  // RECONS
	b.p[0] = sat16(b.sz + d) // PARREC

	// UPPOL2
	var sg [7]int32
	for i := 0; i < 3; i++ {
		sg[i] = b.p[i] >> 15
	}
	wd1 := sat16(b.a[1] << 2)
	wd2 := wd1
	if sg[0] == sg[1] {
		wd2 = -wd1
	}
	if wd2 > 32767 {
		wd2 = 32767
	}
	wd3 := wd2 >> 7
	if sg[0] == sg[2] {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (b.a[2] * 32512) >> 15
	if wd3 > 12288 {
		wd3 = 12288
	} else if wd3 < -12288 {
		wd3 = -12288
	}
	b.ap[2] = wd3

	// UPPOL1
	wd1 = -192
	if sg[0] == sg[1] {
		wd1 = 192
	}
	wd2 = (b.a[1] * 32640) >> 15
	b.ap[1] = sat16(wd1 + wd2)
	wd3 = sat16(15360 - b.ap[2])
	if b.ap[1] > wd3 {
		b.ap[1] = wd3
	} else if b.ap[1] < -wd3 {
		b.ap[1] = -wd3
	}

	// UPZERO
	wd1 = 128
	if d == 0 {
		wd1 = 0
	}
	sg[0] = d >> 15
	for i := 1; i < 7; i++ {
		sg[i] = b.d[i] >> 15
		wd2 = -wd1
		if sg[i] == sg[0] {
			wd2 = wd1
		}
		wd3 = (b.b[i] * 32640) >> 15
		b.bp[i] = sat16(wd2 + wd3)
	}

	// DELAYA
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = b.bp[i]
	}
	for i := 2; i > 0; i-- {
		b.r[i] = b.r[i-1]
		b.p[i] = b.p[i-1]
		b.a[i] = b.ap[i]
	}

	// FILTEP
	wd1 = (b.a[1] * sat16(b.r[1]+b.r[1])) >> 15
	wd2 = (b.a[2] * sat16(b.r[2]+b.r[2])) >> 15
	b.sp = sat16(wd1 + wd2)

	// FILTEZ
	var sz int32
	for i := 6; i > 0; i-- {
		sz += (b.b[i] * sat16(b.d[i]+b.d[i])) >> 15
	}
	b.sz = sat16(sz)

	// PREDIC
	b.s = sat16(b.sp + b.sz)
}

// G722Encoder encodes 16 kHz linear PCM to G.722 at 64 kbit/s. Its zero
// value is not ready: use NewG722Encoder (the scale factors start at
// their minimum, not zero).
type G722Encoder struct {
	low, high band
	x         [24]int32 // QMF delay line, newest last
}

// NewG722Encoder returns an encoder in the Recommendation's reset state.
func NewG722Encoder() *G722Encoder {
	e := &G722Encoder{}
	e.Reset()
	return e
}

// Reset puts the encoder in its initial state.
func (e *G722Encoder) Reset() {
	*e = G722Encoder{}
	e.low.det = 32
	e.high.det = 8
}

// Encode appends to dst one code byte per two samples of pcm (an odd
// trailing sample is ignored) and returns the extended slice.
func (e *G722Encoder) Encode(dst []byte, pcm []int16) []byte {
	for j := 0; j+1 < len(pcm); j += 2 {
		// Transmit QMF: two new samples in, one low and one high sample out.
		copy(e.x[:22], e.x[2:])
		e.x[22] = int32(pcm[j])
		e.x[23] = int32(pcm[j+1])
		var even, odd int32
		for i := 0; i < 12; i++ {
			odd += e.x[2*i] * qmfEven[i]
			even += e.x[2*i+1] * qmfOdd[i]
		}
		xlow := (even + odd) >> 14
		xhigh := (even - odd) >> 14

		// Lower sub-band: QUANTL, INVQAL, LOGSCL, SCALEL, block 4.
		el := sat16(xlow - e.low.s)
		wd := el
		if el < 0 {
			wd = -(el + 1)
		}
		i := int32(1)
		for ; i < 30; i++ {
			if wd < (q6[i]*e.low.det)>>12 {
				break
			}
		}
		ilow := ilp[i]
		if el < 0 {
			ilow = iln[i]
		}
		ril := ilow >> 2
		dlow := (e.low.det * qm4[ril]) >> 15
		e.low.adapt(wl[rl42[ril]], 18432, 8)
		e.low.update(dlow)

		// Higher sub-band: QUANTH, INVQAH, LOGSCH, SCALEH, block 4.
		eh := sat16(xhigh - e.high.s)
		wd = eh
		if eh < 0 {
			wd = -(eh + 1)
		}
		mih := int32(1)
		if wd >= (564*e.high.det)>>12 {
			mih = 2
		}
		ihigh := ihp[mih]
		if eh < 0 {
			ihigh = ihn[mih]
		}
		dhigh := (e.high.det * qm2[ihigh]) >> 15
		e.high.adapt(wh[rh2[ihigh]], 22528, 10)
		e.high.update(dhigh)

		dst = append(dst, byte(ihigh<<6|ilow))
	}
	return dst
}

// G722Decoder decodes G.722 at 64 kbit/s to 16 kHz linear PCM.
type G722Decoder struct {
	low, high band
	x         [24]int32 // receive QMF delay line, newest last
}

// NewG722Decoder returns a decoder in the Recommendation's reset state.
func NewG722Decoder() *G722Decoder {
	d := &G722Decoder{}
	d.Reset()
	return d
}

// Reset puts the decoder in its initial state.
func (d *G722Decoder) Reset() {
	*d = G722Decoder{}
	d.low.det = 32
	d.high.det = 8
}

// Decode appends two samples per code byte to dst and returns it.
func (d *G722Decoder) Decode(dst []int16, codes []byte) []int16 {
	for _, c := range codes {
		ilow := int32(c & 0x3F)
		ihigh := int32(c>>6) & 0x03

		// Lower sub-band: the 6-bit reconstruction for output, the 4-bit
		// one for adaptation.
		rlow := d.low.s + (d.low.det*qm6[ilow])>>15
		if rlow > 16383 {
			rlow = 16383
		} else if rlow < -16384 {
			rlow = -16384
		}
		ril := ilow >> 2
		dlow := (d.low.det * qm4[ril]) >> 15
		d.low.adapt(wl[rl42[ril]], 18432, 8)
		d.low.update(dlow)

		// Higher sub-band.
		dhigh := (d.high.det * qm2[ihigh]) >> 15
		rhigh := dhigh + d.high.s
		if rhigh > 16383 {
			rhigh = 16383
		} else if rhigh < -16384 {
			rhigh = -16384
		}
		d.high.adapt(wh[rh2[ihigh]], 22528, 10)
		d.high.update(dhigh)

		// Receive QMF: one low and one high sample in, two samples out.
		copy(d.x[:22], d.x[2:])
		d.x[22] = rlow + rhigh
		d.x[23] = rlow - rhigh
		var out1, out2 int32
		for i := 0; i < 12; i++ {
			out2 += d.x[2*i] * qmfEven[i]
			out1 += d.x[2*i+1] * qmfOdd[i]
		}
		dst = append(dst, int16(sat16(out1>>11)), int16(sat16(out2>>11)))
	}
	return dst
}
