package capf

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKill9Child is TestKill9's child: it boots the box saved in
// CMEOS_CAPF_KILL_DIR and installs LSCs on two phones in turn until
// killed, printing each serial once the phone was told the session ended.
func TestKill9Child(t *testing.T) {
	root := os.Getenv("CMEOS_CAPF_KILL_DIR")
	if root == "" {
		return // only as TestKill9's child
	}
	b := bootBox(t, root, false)
	b.f.Reschedule("")
	for i := 0; ; i++ {
		dev := []string{dev1, dev2}[i%2]
		p := &phone{device: dev, password: str("")}
		r, err := p.run(t, b.addr, b.capf)
		if err != nil || r != ReasonUpdateCertificate {
			fmt.Println("error", r, err)
			os.Exit(1)
		}
		fmt.Printf("installed %s %X\n", dev, p.lsc.SerialNumber)
		b.f.Reschedule(dev)
	}
}

// TestKill9 kills a box that is installing LSCs with SIGKILL at varying
// moments and checks that it boots again with consistent CA and CAPF
// state: the records decode, each recorded LSC verifies against the CA
// and is at least as new as the last one a phone was told about, and new
// installs get serials never issued before.
func TestKill9(t *testing.T) {
	skipEmulated(t)
	root := t.TempDir()
	b := bootBox(t, root, true, " auth-mode null-string")
	b.sys.Close()
	seen := map[string]*big.Int{} // newest serial a phone completed, by device
	var all []*big.Int
	for round, delay := range []time.Duration{400 * time.Millisecond, 730 * time.Millisecond, 1100 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CMEOS_CAPF_KILL_DIR="+root)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		var timer *time.Timer
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "installed" {
				s, _ := new(big.Int).SetString(f[2], 16)
				seen[f[1]] = s
				all = append(all, s)
				if n++; n == 2 {
					// Kill at an arbitrary point of a later session.
					timer = time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
				}
			} else if strings.HasPrefix(sc.Text(), "error") {
				t.Fatalf("round %d: child: %s", round, sc.Text())
			}
		}
		if timer != nil {
			timer.Stop()
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if n < 2 {
			t.Fatalf("round %d: the child installed %d LSCs before dying", round, n)
		}
		// The records file is whole JSON, never half written.
		raw, err := os.ReadFile(filepath.Join(root, "nvram", "capf-lsc.db"))
		if err != nil {
			t.Fatal(err)
		}
		var recs []Record
		if err := json.Unmarshal(raw, &recs); err != nil {
			t.Fatalf("round %d: records damaged: %v", round, err)
		}
	}
	// Boot again: every record verifies against the CA and is not older
	// than what a phone was told.
	b2 := bootBox(t, root, false)
	for dev, s := range seen {
		lsc := b2.f.LSC(dev)
		if lsc == nil {
			t.Fatalf("%s: LSC lost", dev)
		}
		checkLSC(t, lsc, b2.ca, dev, nil)
		if lsc.SerialNumber.Cmp(s) < 0 {
			t.Errorf("%s: recorded serial %X older than completed %X", dev, lsc.SerialNumber, s)
		}
	}
	// The CA goes on with fresh serials, and CAPF with it.
	b2.f.Reschedule("")
	p := &phone{device: dev1, password: str("")}
	if r, err := p.run(t, b2.addr, b2.capf); err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("after the kills: %d %v", r, err)
	}
	for _, s := range all {
		if p.lsc.SerialNumber.Cmp(s) <= 0 {
			t.Fatalf("serial %X reused or gone backwards (issued %X before)", p.lsc.SerialNumber, s)
		}
	}
}
