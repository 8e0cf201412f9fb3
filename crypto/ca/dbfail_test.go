package ca_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smallstep/scep"

	"cmeos/crypto/ca"
	"cmeos/crypto/keys"
	"cmeos/ios/fs"
)

// A database write that fails (here a read-only file system standing in
// for a full one) refuses the request, does not advance the serial, and
// leaves the database files as they were; SCEP answers FAILURE.
func TestDatabaseWriteFailure(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	os.MkdirAll(db, 0o755)
	os.WriteFile(filepath.Join(db, "x.ser"), []byte("7\n"), 0o644)
	st, err := fs.New("flash", fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "slot0", Dir: db, Kind: fs.KindDisk, ReadOnly: true},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, _ := keys.NewMemoryStore().GenerateRSA("ca", 1024, false)
	cert, _ := ca.NewCACertificate(k.Signer, pkix.Name{CommonName: "x"}, time.Now(), 30, "")
	a, err := ca.Open(st, time.Now, cert, k.Signer, ca.Settings{Name: "x", DBURL: "slot0:", Level: ca.LevelComplete, Lifetime: 10, CRLHours: 24, GrantAuto: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.LastSerial() != 6 {
		t.Fatalf("serial from database %d, want 6", a.LastSerial())
	}
	ek, _ := keys.NewMemoryStore().GenerateEC("e", 256)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, ek.Signer)
	csr, _ := x509.ParseCertificateRequest(der)
	if _, err := a.Issue(csr, ca.ProfileServer); !errors.Is(err, ca.ErrDatabase) {
		t.Fatalf("Issue on a failing database: %v", err)
	}
	if a.LastSerial() != 6 {
		t.Fatal("serial advanced although the counter was not saved")
	}
	if b, _ := os.ReadFile(filepath.Join(db, "x.ser")); string(b) != "7\n" {
		t.Fatalf("serial file changed: %q", b)
	}
	rep, err := a.PKIOperation(pkcsReq(t, a))
	if err != nil {
		t.Fatal(err)
	}
	m, err := scep.ParsePKIMessage(rep, scep.WithCACerts([]*x509.Certificate{a.Cert()}))
	if err != nil || m.PKIStatus != scep.FAILURE {
		t.Fatalf("SCEP answer %v %v", m, err)
	}
	// A damaged serial file stops the CA from starting rather than reusing serials.
	os.Chmod(db, 0o755)
	os.WriteFile(filepath.Join(db, "x.ser"), []byte("garbage"), 0o644)
	if _, err := ca.Open(st, time.Now, cert, k.Signer, ca.Settings{Name: "x", DBURL: "slot0:", Level: ca.LevelMinimal, Lifetime: 10, CRLHours: 24}); err == nil {
		t.Fatal("CA opened on a damaged serial file")
	}
}
