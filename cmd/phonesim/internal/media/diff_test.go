package media

import (
	"testing"

	"github.com/zaf/g711"
)

// TestG711AgainstZaf cross-checks the simulator's G.711 with an
// independent implementation (github.com/zaf/g711, test-only): the
// decoders must agree on all 256 code words, the encoders on every
// 16-bit sample.
func TestG711AgainstZaf(t *testing.T) {
	for c := range 256 {
		if got, want := UlawDecode(byte(c)), g711.DecodeUlawFrame(uint8(c)); got != want {
			t.Errorf("UlawDecode(0x%02X) = %d, zaf %d", c, got, want)
		}
		if got, want := AlawDecode(byte(c)), g711.DecodeAlawFrame(uint8(c)); got != want {
			t.Errorf("AlawDecode(0x%02X) = %d, zaf %d", c, got, want)
		}
	}
	bad := 0
	for x := -32768; x <= 32767; x++ {
		if got, want := UlawEncode(int16(x)), g711.EncodeUlawFrame(int16(x)); got != want {
			if bad++; bad < 5 {
				t.Errorf("UlawEncode(%d) = 0x%02X, zaf 0x%02X", x, got, want)
			}
		}
		if got, want := AlawEncode(int16(x)), g711.EncodeAlawFrame(int16(x)); got != want {
			if bad++; bad < 5 {
				t.Errorf("AlawEncode(%d) = 0x%02X, zaf 0x%02X", x, got, want)
			}
		}
	}
}
