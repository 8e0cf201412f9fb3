package pwtype

import (
	"errors"
	"testing"
)

func TestCheckPolicy(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"Cisco1", true},            // 6, the minimum
		{"Abcdefghijklm12", true},   // 15, the maximum
		{"aB3aB3aB3", true},         // digits anywhere
		{"1Aa1Aa", true},            // starts with a digit
		{"Cisc1", false},            // 5: too short
		{"Abcdefghijklm123", false}, // 16: too long
		{"", false},                 // empty
		{"cisco123", false},         // no upper case
		{"CISCO123", false},         // no lower case
		{"CiscoCisco", false},       // no digit
		{"Cisco_123", false},        // underscore is a symbol
		{"Cisco 123", false},        // space
		{"Cisco123!", false},        // symbol
		{"Cisco-123", false},        // hyphen
		{"Ciscó123", false},         // non-ASCII letter
		{"Cisco123\n", false},       // control character
		{"\x00Cisco123", false},     // NUL
		{"Ｃｉｓｃｏ１２３", false},         // full-width letters and digits
	}
	for _, tc := range tests {
		err := CheckPolicy(tc.pw)
		if tc.ok {
			if err != nil {
				t.Errorf("CheckPolicy(%q) = %v; want nil", tc.pw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckPolicy(%q) = nil; want the policy error", tc.pw)
			continue
		}
		if err.Error() != PolicyMessage || !errors.Is(err, ErrPolicy) {
			t.Errorf("CheckPolicy(%q) = %q; want PolicyMessage", tc.pw, err)
		}
	}
}

func TestPolicyMessageText(t *testing.T) {
	const want = "Error: The password you have entered is incorrect.\n" +
		"Your password must contain:\n" +
		"1. A minimum of 6 and a maximum of 15 alphanumeric characters, excluding symbols and special characters.\n" +
		"2. A minimum of one numeral, one uppercase alphabet, and one lowercase alphabet."
	if PolicyMessage != want || ErrPolicy.Error() != want {
		t.Errorf("PolicyMessage = %q", PolicyMessage)
	}
}
