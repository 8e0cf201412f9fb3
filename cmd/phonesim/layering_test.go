package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestIndependentOfTheBox keeps the simulator a second implementation: no
// package of cmd/phonesim (tests aside, and e2e, which has only tests)
// may depend on the box's crypto or telephony code.
func TestIndependentOfTheBox(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "cmeos/cmd/phonesim/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var n int
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, "cmeos/") {
			continue
		}
		n++
		if strings.HasPrefix(p, "cmeos/crypto/") || strings.HasPrefix(p, "cmeos/telephony/") {
			t.Errorf("the phone simulator depends on %s", p)
		}
	}
	if n < 5 {
		t.Errorf("only %d cmeos packages listed: %s", n, out)
	}
}
