package media

// Resampling between 8 kHz (G.711) and 16 kHz (G.722) by a factor of two,
// with one 31-tap half-band low-pass filter (windowed sinc, Blackman
// window, cut-off at 4 kHz of the 16 kHz rate) in fixed point. Half of a
// half-band filter's taps are zero, so each output sample costs about 16
// multiplications. State carries across frames so that 20 ms frames join
// without clicks.

import "math"

const (
	hbTaps  = 31
	hbShift = 15
)

// halfBand holds the filter taps scaled by 2^15; computed once from the
// window formula (init), symmetric, normalised to a DC gain of 1.
var halfBand [hbTaps]int32

func init() {
	const m = hbTaps - 1
	var sum float64
	var h [hbTaps]float64
	for n := 0; n < hbTaps; n++ {
		k := float64(n - m/2)
		sinc := 0.5
		if k != 0 {
			sinc = math.Sin(math.Pi*k/2) / (math.Pi * k)
		}
		w := 0.42 - 0.5*math.Cos(2*math.Pi*float64(n)/m) + 0.08*math.Cos(4*math.Pi*float64(n)/m)
		h[n] = sinc * w
		sum += h[n]
	}
	for n := range h {
		halfBand[n] = int32(h[n] / sum * (1 << hbShift))
	}
}

// tap is one non-zero coefficient of a polyphase branch: the output
// takes coef × the input sample back samples before the newest.
type tap struct {
	back int
	coef int64
}

// upTaps are the two branches of the upsampler: output 2m (the newest
// 16 kHz sample is the input s[m]) and output 2m+1 (the newest is an
// inserted zero), as taps on the 8 kHz input; downTaps is the
// decimator's filter on the 16 kHz input. Only non-zero coefficients are
// kept: a half-band filter's even-distance taps are zero, so the second
// upsampler branch is the centre tap alone. The sums are the same as the
// full convolution's (the skipped terms are exact zeros).
var upTaps [2][]tap
var downTaps []tap

const (
	upTail   = (hbTaps - 1) / 2 // 8 kHz samples of history the upsampler needs
	downTail = hbTaps - 2       // 16 kHz samples of history the decimator needs
)

func init() {
	const m = hbTaps - 1
	for i := 0; i < hbTaps; i++ {
		if halfBand[i] == 0 {
			continue
		}
		// Full-rate history position i holds the sample m-i before the
		// newest; in branch 0 even distances are input samples, in
		// branch 1 odd ones are.
		d := m - i
		upTaps[d%2] = append(upTaps[d%2], tap{back: d / 2, coef: int64(halfBand[i])})
		downTaps = append(downTaps, tap{back: d, coef: int64(halfBand[i])})
	}
}

// Upsampler doubles the rate of 8 kHz audio.
type Upsampler struct {
	buf []int32 // the last upTail input samples, then the frame in work
}

// Upsample appends 2×len(in) samples at 16 kHz to dst. It allocates only
// on its first frames (the work buffer grows to the frame size).
func (u *Upsampler) Upsample(dst []int16, in []int16) []int16 {
	if len(u.buf) < upTail {
		u.buf = make([]int32, upTail, upTail+320)
	}
	b := u.buf[:upTail]
	for _, s := range in {
		b = append(b, int32(s))
	}
	for n := upTail; n < len(b); n++ {
		// Each branch's gain is doubled to make up for the zeros.
		for _, taps := range upTaps {
			var acc int64
			for _, t := range taps {
				acc += int64(b[n-t.back]) * t.coef
			}
			dst = append(dst, int16(sat16(int32(acc>>(hbShift-1)))))
		}
	}
	copy(b, b[len(b)-upTail:])
	u.buf = b[:upTail]
	return dst
}

// Downsampler halves the rate of 16 kHz audio.
type Downsampler struct {
	buf []int32 // the last downTail input samples, then the frame in work
}

// Downsample appends len(in)/2 samples at 8 kHz to dst (an odd last
// sample is dropped).
func (d *Downsampler) Downsample(dst []int16, in []int16) []int16 {
	if len(d.buf) < downTail {
		d.buf = make([]int32, downTail, downTail+640)
	}
	b := d.buf[:downTail]
	for _, s := range in[:len(in)&^1] {
		b = append(b, int32(s))
	}
	for n := downTail + 1; n < len(b); n += 2 {
		var acc int64
		for _, t := range downTaps {
			acc += int64(b[n-t.back]) * t.coef
		}
		dst = append(dst, int16(sat16(int32(acc>>hbShift))))
	}
	copy(b, b[len(b)-downTail:])
	d.buf = b[:downTail]
	return dst
}
