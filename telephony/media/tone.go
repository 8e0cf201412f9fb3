package media

import (
	"math"
	"sort"
)

// Tone fills pcm with a sine of freq Hz at the given sample rate and peak
// amplitude, starting at sample offset n0 (so consecutive frames join).
func Tone(pcm []int16, rate int, freq, amp float64, n0 int) {
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(n0+i)/float64(rate)))
	}
}

// ToneSNR measures how well pcm is a sine of freq Hz: it fits
// a·sin + b·cos at freq by least squares and returns the fitted peak
// amplitude and the ratio, in dB, of the fitted tone's power to the power
// of everything else (noise, distortion, other tones). Phase and delay do
// not matter, so a codec's or a network's delay needs no alignment.
func ToneSNR(pcm []int16, rate int, freq float64) (amp, snrDB float64) {
	if len(pcm) == 0 {
		return 0, math.Inf(-1)
	}
	var ss, cc, sc, xs, xc float64
	w := 2 * math.Pi * freq / float64(rate)
	for i, v := range pcm {
		s, c := math.Sincos(w * float64(i))
		x := float64(v)
		ss += s * s
		cc += c * c
		sc += s * c
		xs += x * s
		xc += x * c
	}
	det := ss*cc - sc*sc
	if det == 0 {
		return 0, math.Inf(-1)
	}
	a := (xs*cc - xc*sc) / det
	b := (xc*ss - xs*sc) / det
	var sig, noise float64
	for i, v := range pcm {
		s, c := math.Sincos(w * float64(i))
		fit := a*s + b*c
		sig += fit * fit
		e := float64(v) - fit
		noise += e * e
	}
	amp = math.Hypot(a, b)
	if noise == 0 {
		return amp, math.Inf(1)
	}
	return amp, 10 * math.Log10(sig/noise)
}

// WindowedToneSNR is ToneSNR over 100 ms windows, returning the median
// window's figures: what a listener hears most of the time. A frame
// inserted or dropped by a jitter buffer shifts the tone's phase, which
// spoils one window, not the whole measurement.
func WindowedToneSNR(pcm []int16, rate int, freq float64) (amp, snrDB float64) {
	w := rate / 10
	type fig struct{ amp, snr float64 }
	var figs []fig
	for i := 0; i+w <= len(pcm); i += w {
		a, s := ToneSNR(pcm[i:i+w], rate, freq)
		figs = append(figs, fig{a, s})
	}
	if len(figs) == 0 {
		return ToneSNR(pcm, rate, freq)
	}
	sort.Slice(figs, func(i, j int) bool { return figs[i].snr < figs[j].snr })
	m := figs[len(figs)/2]
	return m.amp, m.snr
}
