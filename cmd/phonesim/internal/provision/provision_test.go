package provision

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
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/pin/tftp/v3"

	// The box's encoders, only to produce the files a phone downloads:
	// the simulator must read what the box writes.
	"cmeos/crypto/ctl"
	"cmeos/telephony/cnf"
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

type signer struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func (s signer) Sign(name string, content []byte) ([]byte, error) {
	return ctl.SignFile(content, name+".sgn", s.key, s.cert, crypto.SHA1, time.Now())
}

func (s signer) SignEncrypted(name string, plain []byte, phone *x509.Certificate) ([]byte, error) {
	return ctl.EncryptFile(plain, name+".enc.sgn", phone, s.key, s.cert, crypto.SHA1, time.Now())
}

// fileStore is what the test TFTP server serves; the test changes it
// between downloads while the server's goroutines may still be finishing.
type fileStore struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (f *fileStore) set(name string, b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[name] = b
}

func serveTFTP(t *testing.T, files map[string][]byte) (string, *fileStore) {
	t.Helper()
	store := &fileStore{files: files}
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		store.mu.Lock()
		b, ok := store.files[name]
		store.mu.Unlock()
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
	return conn.LocalAddr().String(), store
}

// TestProvisionSecure: a CTL with SAST, CCM and TFTP records, and the
// box's own cnf generator's signed SEP<MAC>.cnf.xml.sgn for an encrypted
// phone and a non-secure one.
func TestProvisionSecure(t *testing.T) {
	sast, sastKey := cert(t, "sast1", 1)
	ccm, _ := cert(t, "cmeserver", 2)
	tftpCert, tftpKey := cert(t, "cme-tftp", 3)
	var recs []ctl.Record
	for _, x := range []struct {
		c    *x509.Certificate
		role ctl.Role
	}{{sast, ctl.RoleSAST}, {ccm, ctl.RoleCCM}, {tftpCert, ctl.RoleTFTP}} {
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
	sys := cnf.System{CallManagers: []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")}, Port: 2000,
		CAPF: netip.MustParseAddr("10.0.0.1")}
	lsc, lscKey := cert(t, "SEP00124302A7CE", 9)
	built, err := cnf.Build(sys, []cnf.Phone{
		{MAC: "00124302A7CC", Type: "7970", Security: cnf.Encrypted, CapfInCnf: true},
		{MAC: "0012434B2AD5", Type: "7970", Security: cnf.NonSecure},
		{MAC: "00124302A7CE", Type: "7970", Security: cnf.Encrypted, Cert: lsc},
	}, signer{tftpKey, tftpCert})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"CTLFile.tlv": ctlFile}
	for _, f := range built {
		files[f.Name] = f.Data
	}
	addr, store := serveTFTP(t, files)
	r, err := Run(t.Context(), Config{MAC: "00124302a7cc", TFTP: addr})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"CTLFile.tlv", "SEP00124302A7CC.cnf.xml.sgn"}, r.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	want := []CallManager{{0, "10.0.0.1", 2000, 2443, 2427, 2428}, {1, "10.0.0.2", 2000, 2443, 2427, 2428}}
	if diff := cmp.Diff(want, r.CallManagers); diff != "" {
		t.Errorf("call managers (-want +got):\n%s", diff)
	}
	if r.SecurityMode != 3 || !r.Signed || !r.Secure() || len(r.CCMCerts) != 1 || !r.CCMCerts[0].Equal(ccm) || r.CAPF != "10.0.0.1:3804" || r.DateTemplate != "M/D/Y" {
		t.Errorf("result %+v", r)
	}
	if s, _ := r.Server(); s != "10.0.0.1:2443" {
		t.Errorf("server %s", s)
	}
	// The encrypted phone: the signed stub, then .enc.sgn opened with
	// the LSC key; without the key it cannot provision.
	r, err = Run(t.Context(), Config{MAC: "00124302A7CE", TFTP: addr, Key: lscKey})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Server(); !r.Encrypted || r.SecurityMode != 3 || s != "10.0.0.1:2443" ||
		strings.Join(r.Files, " ") != "CTLFile.tlv SEP00124302A7CE.cnf.xml.sgn SEP00124302A7CE.cnf.xml.enc.sgn" {
		t.Errorf("encrypted phone: %+v", r)
	}
	if _, err := Run(t.Context(), Config{MAC: "00124302A7CE", TFTP: addr}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted cnf without a key: %v", err)
	}
	_, otherKey := cert(t, "other", 10)
	if _, err := Run(t.Context(), Config{MAC: "00124302A7CE", TFTP: addr, Key: otherKey}); err == nil {
		t.Error("encrypted cnf opened with another key")
	}
	r, err = Run(t.Context(), Config{MAC: "0012434B2AD5", TFTP: addr})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Server(); r.SecurityMode != 1 || r.Secure() || s != "10.0.0.1:2000" {
		t.Errorf("non-secure phone: mode %d, server %s", r.SecurityMode, s)
	}
	// A cnf signed by someone else than a TFTP certificate of the CTL is
	// refused; so is a missing one, and a tampered CTL.
	other, _ := ctl.SignFile(files["SEP0012434B2AD5.cnf.xml"], "SEP0012434B2AD5.cnf.xml.sgn", sastKey, sast, crypto.SHA1, time.Now())
	store.set("SEP0012434B2AD5.cnf.xml.sgn", other)
	if _, err := Run(t.Context(), Config{MAC: "0012434B2AD5", TFTP: addr}); err == nil {
		t.Error("cnf signed by the SAST accepted")
	}
	if _, err := Run(t.Context(), Config{MAC: "001122334455", TFTP: addr}); err == nil {
		t.Error("missing signed cnf accepted")
	}
	bad := append([]byte(nil), ctlFile...)
	bad[len(bad)-10] ^= 1
	store.set("CTLFile.tlv", bad)
	if _, err := Run(t.Context(), Config{MAC: "00124302A7CC", TFTP: addr}); err == nil {
		t.Error("tampered CTL accepted")
	}
}

// TestProvisionPlain: no trust list, the unsigned cnf (or XMLDefault).
func TestProvisionPlain(t *testing.T) {
	sys := cnf.System{CallManagers: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, Port: 2001}
	built, err := cnf.Build(sys, []cnf.Phone{{MAC: "0012434B2AD5", Type: "7970"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range built {
		files[f.Name] = f.Data
	}
	addr, _ := serveTFTP(t, files)
	for _, mac := range []string{"0012434B2AD5", "001122334455"} {
		r, err := Run(t.Context(), Config{MAC: mac, TFTP: addr})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := r.Server()
		if r.SecurityMode != 1 || r.Signed || s != "192.0.2.1:2001" || r.CTL != nil {
			t.Errorf("%s: %+v", mac, r)
		}
	}
}

func TestParseCnf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		mode int
		err  bool
	}{
		{`<device><deviceSecurityMode>2</deviceSecurityMode><devicePool><callManagerGroup><members><member priority="0"><callManager><ports><ethernetPhonePort>2000</ethernetPhonePort></ports><processNodeName>cm</processNodeName></callManager></member></members></callManagerGroup></devicePool></device>`, 2, false},
		{`<device><deviceSecurityMode>9</deviceSecurityMode></device>`, 0, true},
		{`<device><encrConfig>true</encrConfig></device>`, 0, true},
		{`<html/>`, 0, true},
		{`<device><devicePool><callManagerGroup><members><member priority="0"><callManager><ports><ethernetPhonePort>99999</ethernetPhonePort></ports><processNodeName>cm</processNodeName></callManager></member></members></callManagerGroup></devicePool></device>`, 0, true},
	} {
		r, err := ParseCnf([]byte(tc.in))
		if (err != nil) != tc.err || (err == nil && r.SecurityMode != tc.mode) {
			t.Errorf("%s: %+v %v", tc.in, r, err)
		}
	}
}

func TestTFTPServers(t *testing.T) {
	for _, tc := range []struct {
		opts dhcpv4.Options
		want []string
	}{
		{dhcpv4.Options{150: {10, 0, 0, 1, 10, 0, 0, 2}, 66: []byte("tftp.example")}, []string{"10.0.0.1", "10.0.0.2"}},
		{dhcpv4.Options{150: {10, 0, 0}, 66: []byte("tftp.example")}, []string{"tftp.example"}},
		{dhcpv4.Options{66: []byte("bad\x1bname")}, nil},
		{dhcpv4.Options{}, nil},
	} {
		if diff := cmp.Diff(tc.want, TFTPServers(tc.opts)); diff != "" {
			t.Errorf("%v: %s", tc.opts, diff)
		}
	}
}
