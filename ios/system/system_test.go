package system

import "testing"

func TestValidHostname(t *testing.T) {
	for h, ok := range map[string]bool{"R1": true, "cme-router-2": true, "a": true, "1abc": false, "bad_name": false,
		"trailing-": false, "": false, "x" + string(make([]byte, 63)): false, "Router.example": false} {
		if ValidHostname(h) != ok {
			t.Errorf("ValidHostname(%q) = %v", h, !ok)
		}
	}
}
