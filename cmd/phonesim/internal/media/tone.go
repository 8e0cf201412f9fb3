package media

import (
	"math"
	"math/cmplx"
)

// Tone generates a sine wave, continuously across calls to Fill.
type Tone struct {
	Freq      float64 // Hz; 0 means silence
	Amplitude float64 // of full scale, 0..1 (default 0.5, -6 dBFS)
	Rate      int     // samples per second (default 8000)
	phase     float64
}

// Fill writes the next len(pcm) samples.
func (t *Tone) Fill(pcm []int16) {
	rate, amp := float64(t.Rate), t.Amplitude
	if rate == 0 {
		rate = 8000
	}
	if amp == 0 {
		amp = 0.5
	}
	step := 2 * math.Pi * t.Freq / rate
	for i := range pcm {
		if t.Freq == 0 {
			pcm[i] = 0
			continue
		}
		pcm[i] = int16(math.Round(amp * 32767 * math.Sin(t.phase)))
		t.phase += step
		if t.phase > 2*math.Pi {
			t.phase -= 2 * math.Pi
		}
	}
}

// Analysis is what Analyse measured.
type Analysis struct {
	Freq  float64 // frequency of the strongest component, Hz
	SNR   float64 // its power over everything else, dB
	Level float64 // RMS level, dBFS
}

// Analyse measures the strongest tone in pcm (at least 256 samples are
// needed): a Hann-windowed FFT over the largest power-of-two prefix, the
// peak bin refined by parabolic interpolation of the log magnitudes. The
// SNR counts the peak's main lobe (±3 bins) as signal and every other bin
// except DC as noise.
func Analyse(pcm []int16, rate int) Analysis {
	n := 1
	for n*2 <= len(pcm) && n < 1<<15 {
		n *= 2
	}
	if n < 256 {
		return Analysis{}
	}
	x := make([]complex128, n)
	var sum float64
	for i := range n {
		s := float64(pcm[i]) / 32768
		sum += s * s
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		x[i] = complex(s*w, 0)
	}
	level := 10 * math.Log10(sum/float64(n)+1e-20)
	fft(x)
	half := n / 2
	pow := make([]float64, half)
	peak := 1
	for i := 1; i < half; i++ {
		a := cmplx.Abs(x[i])
		pow[i] = a * a
		if pow[i] > pow[peak] {
			peak = i
		}
	}
	var sig, noise float64
	for i := 2; i < half; i++ { // bins 0 and 1 hold DC leakage through the window
		if i >= peak-3 && i <= peak+3 {
			sig += pow[i]
		} else {
			noise += pow[i]
		}
	}
	delta := 0.0
	if peak > 1 && peak < half-1 {
		a, b, c := math.Log(pow[peak-1]+1e-30), math.Log(pow[peak]+1e-30), math.Log(pow[peak+1]+1e-30)
		if d := a - 2*b + c; d != 0 {
			delta = 0.5 * (a - c) / d
		}
	}
	return Analysis{
		Freq:  (float64(peak) + delta) * float64(rate) / float64(n),
		SNR:   10 * math.Log10(sig/(noise+1e-30)),
		Level: level,
	}
}

// fft is an in-place iterative radix-2 Cooley-Tukey transform; len(x)
// must be a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*wk
				x[start+k], x[start+k+size/2] = a+b, a-b
				wk *= w
			}
		}
	}
}
