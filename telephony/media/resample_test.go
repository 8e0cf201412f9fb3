package media

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// refUp and refDown are the direct convolutions (every tap, zeros
// included) the polyphase resamplers must match sample for sample.
type refUp struct{ hist [hbTaps]int32 }

func (u *refUp) up(dst, in []int16) []int16 {
	for _, s := range in {
		for phase := 0; phase < 2; phase++ {
			copy(u.hist[:hbTaps-1], u.hist[1:])
			u.hist[hbTaps-1] = 0
			if phase == 0 {
				u.hist[hbTaps-1] = int32(s)
			}
			var acc int64
			for i := range hbTaps {
				acc += int64(u.hist[i]) * int64(halfBand[i])
			}
			dst = append(dst, int16(sat16(int32(acc>>(hbShift-1)))))
		}
	}
	return dst
}

type refDown struct{ hist [hbTaps]int32 }

func (d *refDown) down(dst, in []int16) []int16 {
	for j := 0; j+1 < len(in); j += 2 {
		copy(d.hist[:hbTaps-2], d.hist[2:])
		d.hist[hbTaps-2], d.hist[hbTaps-1] = int32(in[j]), int32(in[j+1])
		var acc int64
		for i := range hbTaps {
			acc += int64(d.hist[i]) * int64(halfBand[i])
		}
		dst = append(dst, int16(sat16(int32(acc>>hbShift))))
	}
	return dst
}

// TestResamplersMatchConvolution: over frames of varying sizes (odd ones
// too, and smaller than the filter), with full-scale noise, the
// polyphase resamplers give exactly the direct convolution's samples.
func TestResamplersMatchConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var u Upsampler
	var d Downsampler
	var ru refUp
	var rd refDown
	for frame := range 200 {
		n := []int{160, 320, 1, 7, 15, 16, 31, 0, 240}[frame%9]
		in := make([]int16, n)
		for i := range in {
			in[i] = int16(r.IntN(65536) - 32768)
		}
		if got, want := u.Upsample(nil, in), ru.up(nil, in); !slices.Equal(got, want) {
			t.Fatalf("frame %d (%d samples): upsampled output differs", frame, n)
		}
		if got, want := d.Downsample(nil, in), rd.down(nil, in); !slices.Equal(got, want) {
			t.Fatalf("frame %d (%d samples): downsampled output differs", frame, n)
		}
	}
}

func BenchmarkResample(b *testing.B) {
	in8 := make([]int16, 160)
	in16 := make([]int16, 320)
	for i := range in8 {
		in8[i] = int16(i * 97)
	}
	var u Upsampler
	var d Downsampler
	out := make([]int16, 0, 320)
	b.ReportAllocs()
	for b.Loop() {
		out = u.Upsample(out[:0], in8)
		out = d.Downsample(out[:0], in16)
	}
}
