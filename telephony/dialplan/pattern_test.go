package dialplan

import "testing"

func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		pat, num       string
		complete, more bool
	}{
		{".....", "12345", true, false},
		{".....", "1234", false, true},
		{".....", "123456", false, false},
		{"9362....", "93621234", true, false},
		{"9362....", "9363", false, false},
		{"9362....", "936", false, true},
		{"93621101", "93621101", true, false},
		{"9T", "9", true, true},
		{"9T", "91234", true, true},
		{"9T", "8", false, false},
		{"[2-4]...", "3999", true, false},
		{"[2-4]...", "5999", false, false},
		{"[^2-4]...", "5999", true, false},
		{"[^2-4]...", "2999", false, false},
		{"[13579]1", "51", true, false},
		{"1[0-9]+", "1", false, true},
		{"1[0-9]+", "10", true, true},
		{"1[0-9]+", "1000", true, true},
		{"12?3", "13", true, false},
		{"12?3", "123", true, false},
		{"12?3", "1223", false, false},
		{"12%3", "12223", true, false},
		{"+1408.......", "+14085551234", true, false},
		{"^93625...$", "93625000", true, false},
		{"*8.", "*81", true, false},
		{"#", "#", true, false},
	} {
		p, err := ParsePattern(tc.pat)
		if err != nil {
			t.Errorf("%s: %v", tc.pat, err)
			continue
		}
		c, m := p.Match(tc.num)
		if c != tc.complete || m != tc.more {
			t.Errorf("%s against %s: complete %v more %v, want %v %v", tc.pat, tc.num, c, m, tc.complete, tc.more)
		}
	}
	for _, bad := range []string{"", "[", "[]", "[5-1]", "9x", "+", "?1", "1??", "[a-z]", "123456789012345678901234567890123456789012345678901234567890123456"} {
		if _, err := ParsePattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzPattern(f *testing.F) {
	for _, s := range []string{".....", "9T", "[^2-4]+..", "1%2?3+", "+1408"} {
		f.Add(s, "14085551234")
	}
	f.Fuzz(func(t *testing.T, pat, num string) {
		p, err := ParsePattern(pat)
		if err != nil {
			return
		}
		p.Match(num)
	})
}
