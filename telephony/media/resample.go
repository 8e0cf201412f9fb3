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

// Upsampler doubles the rate of 8 kHz audio.
type Upsampler struct {
	hist [hbTaps]int32 // input history at 16 kHz (zeros between samples)
}

// Upsample appends 2×len(in) samples at 16 kHz to dst.
func (u *Upsampler) Upsample(dst []int16, in []int16) []int16 {
	for _, s := range in {
		// Insert the sample and a zero; the filter's gain of 1 at DC is
		// doubled to make up for the zeros.
		for phase := 0; phase < 2; phase++ {
			copy(u.hist[:hbTaps-1], u.hist[1:])
			if phase == 0 {
				u.hist[hbTaps-1] = int32(s)
			} else {
				u.hist[hbTaps-1] = 0
			}
			var acc int64
			for i := 0; i < hbTaps; i++ {
				acc += int64(u.hist[i]) * int64(halfBand[i])
			}
			dst = append(dst, int16(sat16(int32(acc>>(hbShift-1)))))
		}
	}
	return dst
}

// Downsampler halves the rate of 16 kHz audio.
type Downsampler struct {
	hist [hbTaps]int32
}

// Downsample appends len(in)/2 samples at 8 kHz to dst.
func (d *Downsampler) Downsample(dst []int16, in []int16) []int16 {
	for j := 0; j+1 < len(in); j += 2 {
		copy(d.hist[:hbTaps-2], d.hist[2:])
		d.hist[hbTaps-2] = int32(in[j])
		d.hist[hbTaps-1] = int32(in[j+1])
		var acc int64
		for i := 0; i < hbTaps; i++ {
			acc += int64(d.hist[i]) * int64(halfBand[i])
		}
		dst = append(dst, int16(sat16(int32(acc>>hbShift))))
	}
	return dst
}
