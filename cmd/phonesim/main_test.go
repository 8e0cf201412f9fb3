package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pin/tftp/v3"

	"cmeos/crypto/ctl" // the box's encoder, only to produce the files
)

func cert(t *testing.T, cn string, serial int64) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k
}

// TestFetchAndVerify serves a CTL and a signed cnf file from a TFTP server
// on loopback, fetches them with `phonesim fetch` and checks them with
// `phonesim verify`; a tampered file and an untrusted signer fail.
func TestFetchAndVerify(t *testing.T) {
	sast, sastKey := cert(t, "sast1", 1)
	tftpCert, tftpKey := cert(t, "cme-tftp", 2)
	var recs []ctl.Record
	for _, x := range []struct {
		c    *x509.Certificate
		role ctl.Role
	}{{sast, ctl.RoleSAST}, {tftpCert, ctl.RoleTFTP}} {
		r, err := ctl.RecordFromCertificate(x.c, x.role)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	ctlFile, err := ctl.Sign(&ctl.File{Records: recs}, sastKey, sast, crypto.SHA1, "CTLFile.tlv", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sgn, err := ctl.SignFile([]byte("<device/>"), "SEP0012434B2AD5.cnf.xml.sgn", tftpKey, tftpCert, crypto.SHA1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"CTLFile.tlv": ctlFile, "SEP0012434B2AD5.cnf.xml.sgn": sgn}
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		b, ok := files[name]
		if !ok {
			return errors.New("file not found")
		}
		_, err := rf.ReadFrom(bytes.NewReader(b))
		return err
	}, nil)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(conn)
	t.Cleanup(srv.Shutdown)

	dir := t.TempDir()
	var out bytes.Buffer
	for name := range files {
		if err := run([]string{"fetch", "-o", filepath.Join(dir, name), conn.LocalAddr().String(), name}, &out); err != nil {
			t.Fatalf("fetch %s: %v", name, err)
		}
	}
	if err := run([]string{"fetch", "-o", filepath.Join(dir, "x"), conn.LocalAddr().String(), "nosuch"}, &out); err == nil {
		t.Error("fetch of a missing file succeeded")
	}
	ctlPath := filepath.Join(dir, "CTLFile.tlv")
	sgnPath := filepath.Join(dir, "SEP0012434B2AD5.cnf.xml.sgn")
	out.Reset()
	if err := run([]string{"verify", ctlPath}, &out); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"verify", "-ctl", ctlPath, sgnPath}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 records, signed by CN=sast1: signature verified", "record 2: role 3, CN=cme-tftp", "SEP0012434B2AD5.cnf.xml.sgn: signature verified, signer CN=cme-tftp"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A .sgn needs the CTL; one signed by a certificate the CTL lacks fails.
	if err := run([]string{"verify", sgnPath}, &out); err == nil {
		t.Error(".sgn verified without a CTL")
	}
	other, _ := ctl.SignFile([]byte("<device/>"), "SEP0012434B2AD5.cnf.xml.sgn", sastKey, sast, crypto.SHA1, time.Now())
	os.WriteFile(sgnPath, other, 0o644)
	if err := run([]string{"verify", "-ctl", ctlPath, sgnPath}, &out); err == nil {
		t.Error(".sgn signed by the SAST (not a TFTP certificate) verified")
	}
	// Tamper with a copy: the TFTP server may still be reading the original.
	bad := append([]byte(nil), ctlFile...)
	bad[len(bad)-10] ^= 1
	os.WriteFile(ctlPath, bad, 0o644)
	if err := run([]string{"verify", ctlPath}, &out); err == nil {
		t.Error("tampered CTL verified")
	}
	if err := run([]string{"bogus"}, &out); err == nil {
		t.Error("unknown subcommand accepted")
	}
}
