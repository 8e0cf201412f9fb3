package media

import (
	"math"
	"net/netip"
	"testing"
	"time"
)

// TestG711Tables checks the codecs against values of ITU-T G.711: the
// code words of zero and of the extremes, and that decode(encode(x)) stays
// within half a quantisation step of x over the whole range.
func TestG711Tables(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  byte
		want byte
	}{
		{"ulaw +0", UlawEncode(0), 0xFF},
		{"ulaw max", UlawEncode(32767), 0x80},
		{"ulaw min", UlawEncode(-32768), 0x00},
		{"ulaw -0", UlawEncode(-4), 0x7F}, {"ulaw -1 (14-bit)", UlawEncode(-5), 0x7E},
		{"alaw +0", AlawEncode(0), 0xD5},
		{"alaw -0", AlawEncode(-8), 0x55},
		{"alaw max", AlawEncode(32767), 0xAA},
		{"alaw min", AlawEncode(-32768), 0x2A},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got 0x%02X, want 0x%02X", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		c    byte
		want int16
	}{{0xFF, 0}, {0x80, 32124}, {0x00, -32124}, {0x7F, 0}} {
		if got := UlawDecode(tc.c); got != tc.want {
			t.Errorf("UlawDecode(0x%02X) = %d, want %d", tc.c, got, tc.want)
		}
	}
	for _, tc := range []struct {
		c    byte
		want int16
	}{{0xD5, 8}, {0x55, -8}, {0xAA, 32256}, {0x2A, -32256}} {
		if got := AlawDecode(tc.c); got != tc.want {
			t.Errorf("AlawDecode(0x%02X) = %d, want %d", tc.c, got, tc.want)
		}
	}
	for x := -32768; x <= 32767; x += 7 {
		s := int16(x)
		for _, c := range []struct {
			name string
			back int16
		}{{"ulaw", UlawDecode(UlawEncode(s))}, {"alaw", AlawDecode(AlawEncode(s))}} {
			// The step doubles per segment: the error is bounded by 1/16
			// of the magnitude plus the smallest step.
			lim := math.Abs(float64(x))/16 + 16
			if math.Abs(float64(c.back)-float64(x)) > lim && math.Abs(float64(x)) < 32000 {
				t.Fatalf("%s: %d -> %d", c.name, x, c.back)
			}
		}
	}
}

// TestToneThroughG711 generates tones, passes them through each codec and
// measures them.
func TestToneThroughG711(t *testing.T) {
	for _, c := range []Codec{Ulaw{}, Alaw{}} {
		for _, f := range []float64{350, 1000, 1004, 2600, 3400} {
			tone := Tone{Freq: f}
			pcm := make([]int16, 8000)
			tone.Fill(pcm)
			dec := c.Decode(nil, c.Encode(nil, pcm))
			a := Analyse(dec, 8000)
			if math.Abs(a.Freq-f) > 1.5 || a.SNR < 30 {
				t.Errorf("%s %v Hz: measured %.2f Hz, SNR %.1f dB", c.Name(), f, a.Freq, a.SNR)
			}
		}
	}
	// Noise has no tone: a low SNR.
	pcm := make([]int16, 8192)
	x := uint32(1)
	for i := range pcm {
		x = x*1664525 + 1013904223
		pcm[i] = int16(x >> 16)
	}
	if a := Analyse(pcm, 8000); a.SNR > 0 {
		t.Errorf("noise: SNR %.1f dB", a.SNR)
	}
	// Two tones: the stronger wins, the weaker is noise.
	t1, t2 := Tone{Freq: 1000, Amplitude: 0.5}, Tone{Freq: 1500, Amplitude: 0.05}
	a1, a2 := make([]int16, 8192), make([]int16, 8192)
	t1.Fill(a1)
	t2.Fill(a2)
	for i := range a1 {
		a1[i] += a2[i]
	}
	if a := Analyse(a1, 8000); math.Abs(a.Freq-1000) > 1 || a.SNR < 17 || a.SNR > 23 {
		t.Errorf("1000 Hz over a 1500 Hz tone 20 dB down: %.2f Hz, SNR %.1f dB", a.Freq, a.SNR)
	}
}

// TestStreamLoopback sends a tone between two streams on loopback.
func TestStreamLoopback(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	a, err := Listen(lo)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Listen(lo)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetReceive(Alaw{}, KeyBlock{})
	a.SetTone(1000)
	a.StartTransmit(netip.AddrPortFrom(lo, b.Port()), Alaw{}, 20, KeyBlock{})
	deadline := time.Now().Add(5 * time.Second)
	for b.Stats().RxPackets < 30 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	a.StopTransmit()
	st := b.Stats()
	if st.RxPackets < 30 || st.Lost != 0 || st.Bad != 0 || math.Abs(st.Freq-1000) > 2 || st.SNR < 30 {
		t.Errorf("received %+v", st)
	}
	if tx := a.Stats(); tx.TxPackets < st.RxPackets {
		t.Errorf("sent %d, received %d", tx.TxPackets, st.RxPackets)
	}
}

func TestSequence(t *testing.T) {
	s := &Stream{}
	for _, q := range []uint16{65534, 65535, 1, 0, 2, 5} {
		s.sequence(q)
	}
	if s.stats.Lost != 2 || s.stats.Late != 1 {
		t.Errorf("lost %d late %d, want 2 and 1", s.stats.Lost, s.stats.Late)
	}
}

func FuzzParseRTP(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF})
	f.Add([]byte{0xB1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 1, 9, 9, 9, 9, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseRTP(b)
	})
}
