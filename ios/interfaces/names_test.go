package interfaces

import (
	"net/netip"
	"testing"
)

func TestCanonicalName(t *testing.T) {
	for _, tc := range []struct{ typ, unit, want string }{
		{"gi0/0", "", "GigabitEthernet0/0"}, {"GigabitEthernet", "0/1", "GigabitEthernet0/1"},
		{"lo0", "", "Loopback0"}, {"Serial1/0:15", "", "Serial1/0:15"}, {"fa0/1.100", "", "FastEthernet0/1.100"},
		{"e0", "", "Ethernet0"}, {"Foo0", "", ""}, {"gi", "", ""}, {"gi0/0x", "", ""},
	} {
		got, err := CanonicalName(tc.typ, tc.unit)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("CanonicalName(%q, %q) = %q, %v", tc.typ, tc.unit, got, err)
		}
	}
}

func TestMaskBits(t *testing.T) {
	for m, want := range map[string]int{"255.255.255.0": 24, "255.255.255.255": 32, "0.0.0.0": 0, "255.0.255.0": -1, "255.255.254.0": 23} {
		n, ok := MaskBits(netip.MustParseAddr(m))
		if (want < 0) == ok || (ok && n != want) {
			t.Errorf("MaskBits(%s) = %d, %v", m, n, ok)
		}
	}
}
