package ca_test

import (
	"bufio"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"cmeos/crypto/ca"
	"cmeos/ios/fs"
)

func openAt(t testing.TB, dir string) *ca.Authority {
	t.Helper()
	st, err := fs.New("flash", fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kb, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS1PrivateKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := os.ReadFile(filepath.Join(dir, "ca.der"))
	cert, err := x509.ParseCertificate(cb)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ca.Open(st, time.Now, cert, k, ca.Settings{Name: "k9", DBURL: "flash:", Level: ca.LevelComplete, Lifetime: 30, CRLHours: 24})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestKillChild is the child of TestKill9: it issues certificates until
// killed, printing each serial once its issuance returned.
func TestKillChild(t *testing.T) {
	dir := os.Getenv("CMEOS_CA_KILL_DIR")
	if dir == "" {
		return // only as TestKill9's child
	}
	a := openAt(t, dir)
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "k9"}}, k)
	csr, _ := x509.ParseCertificateRequest(der)
	for {
		c, err := a.Issue(csr, ca.ProfileServer)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(c.SerialNumber)
	}
}

// TestKill9 kills a process that is issuing certificates with SIGKILL and
// checks that the database reopens, that no serial seen issued is reused,
// and that the index is readable.
func TestKill9(t *testing.T) {
	dir := t.TempDir()
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	cert, err := ca.NewCACertificate(k, pkix.Name{CommonName: "k9"}, time.Now(), 365, "")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ca.key"), x509.MarshalPKCS1PrivateKey(k), 0o600)
	os.WriteFile(filepath.Join(dir, "ca.der"), cert.Raw, 0o600)
	last := int64(0)
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
		cmd.Env = append(os.Environ(), "CMEOS_CA_KILL_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		seen := 0
		for sc.Scan() {
			n, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				continue // test framework output
			}
			if n <= last {
				cmd.Process.Kill()
				t.Fatalf("round %d: serial %d reused (last seen %d)", round, n, last)
			}
			last = n
			if seen++; seen == 15+round*7 {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	a := openAt(t, dir)
	if a.LastSerial() < last {
		t.Fatalf("reopened at serial %d, but %d was issued", a.LastSerial(), last)
	}
	list, err := a.Issued()
	if err != nil || len(list) == 0 {
		t.Fatalf("index after kill -9: %v, %d entries", err, len(list))
	}
}
