package tvs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"net"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "cmeos/crypto/credentials"
	"cmeos/crypto/ctl"
	_ "cmeos/crypto/ctlclient"
	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/crypto/tvs"
	_ "cmeos/ios/aaa"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

var testNow = time.Date(2026, time.November, 23, 9, 30, 0, 0, time.UTC)

func clock() time.Time { return testNow }

func certificate(t *testing.T, cn string, serial int64, parent *x509.Certificate, parentKey *rsa.PrivateKey, ca bool) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(1, 0, 0), BasicConstraintsValid: ca, IsCA: ca,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func configure(sys *config.System, lines ...string) string {
	var out bytes.Buffer
	s := sys.NewSession("test", cli.PrivMax, &out, nil)
	s.Enter(cli.ModeConfig, nil)
	for _, l := range lines {
		s.Execute(l)
	}
	return out.String()
}

func execCmd(sys *config.System, line string) string {
	var out bytes.Buffer
	sys.NewSession("test", cli.PrivMax, &out, nil).Execute(line)
	return out.String()
}

type router struct {
	sys             *config.System
	tftp, tvs, capf *x509.Certificate
}

// newRouter sets up trustpoints cme-tftp, cmeserver (TVS) and capf issued
// by one CA, and the tvs mode on 127.0.0.1 at a free port.
func newRouter(t *testing.T) *router {
	t.Helper()
	sys := configtest.NewSystem(t, nil, clock, "")
	caCert, caKey := certificate(t, "iosca", 1, nil, nil, true)
	r := &router{sys: sys}
	for i, name := range []string{"cme-tftp", "cmeserver", "capf"} {
		cert, key := certificate(t, name, int64(10+i), caCert, caKey, false)
		configure(sys, "crypto pki trustpoint "+name, " enrollment terminal", " rsakeypair "+name)
		if err := keys.FromSystem(sys).Put(&keys.Key{Label: name, Signer: key}); err != nil {
			t.Fatal(err)
		}
		sys.Lock()
		pki.FromSystem(sys).SetCertificate(name, caCert, true)
		pki.FromSystem(sys).SetCertificate(name, cert, false)
		sys.Unlock()
		switch name {
		case "cme-tftp":
			r.tftp = cert
		case "cmeserver":
			r.tvs = cert
		default:
			r.capf = cert
		}
	}
	out := configure(sys, "tvs", " ip source-address 127.0.0.1 port 0", " trustpoint cmeserver",
		" itl tftp trustpoint cme-tftp", " itl capf trustpoint capf", " itl perphone 000C.CE3A.817C", " end")
	if strings.Contains(out, "%") {
		t.Fatal(out)
	}
	if tvs.FromSystem(sys).Addr() == nil {
		t.Fatalf("TVS not listening: %v", sys.Log.Entries())
	}
	return r
}

func TestITLContentAndSignature(t *testing.T) {
	r := newRouter(t)
	tf := tftpd.FromSystem(r.sys)
	itl, ok := tf.Generated("ITLFile.tlv")
	if !ok {
		t.Fatal("ITLFile.tlv not on TFTP")
	}
	if per, _ := tf.Generated("ITLSEP000CCE3A817C.tlv"); !bytes.Equal(per, itl) {
		t.Error("ITLSEP000CCE3A817C.tlv differs from ITLFile.tlv")
	}
	f, err := ctl.Verify(itl, r.tftp)
	if err != nil {
		t.Fatalf("ITL does not verify with the TFTP certificate: %v", err)
	}
	// Seed 001's layout: SAST and TFTP records carry the certificate, the
	// TVS and CAPF records its SHA-1 hash.
	type rec struct {
		Role ctl.Role
		Cert []byte
		Hash []byte
	}
	var got []rec
	for _, x := range f.Records {
		got = append(got, rec{x.Role, x.Certificate, x.CertificateHash})
	}
	hash := func(c *x509.Certificate) []byte { s := sha1.Sum(c.Raw); return s[:] }
	want := []rec{{ctl.RoleSAST, r.tftp.Raw, nil}, {ctl.RoleCCMTFTP, r.tftp.Raw, nil}, {ctl.RoleTVS, nil, hash(r.tvs)}, {ctl.RoleCAPF, nil, hash(r.capf)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ITL records (-want +got):\n%s", diff)
	}
	if f.Header.Filename != "ITLFile.tlv" {
		t.Errorf("FILENAME %q", f.Header.Filename)
	}
	// Same content: not rebuilt (the checksum changes only with content).
	configure(r.sys, "tvs", " trustpoint cmeserver", " end")
	if again, _ := tf.Generated("ITLFile.tlv"); !bytes.Equal(again, itl) {
		t.Error("ITL rebuilt although its content did not change")
	}
	out := execCmd(r.sys, "show itl")
	for _, w := range []string{"Parse ITL File", "ITL Record #:4", "1 RECORDLENGTH 2 ", "\n2 DNSNAME 2\n3 SUBJECTNAME ", "\n4 FUNCTION 2 CAPF\n5 ISSUERNAME ",
		"\n11 CERTHASH 20 ", "\n12 HASH ALGORITHM 1 null\n", "This etoken was used to sign the ITL file.", "The ITL file was verified successfully."} {
		if !strings.Contains(out, w) {
			t.Errorf("show itl lacks %q", w)
		}
	}
	if out := execCmd(r.sys, "show tvs"); !strings.Contains(out, "  State: Running\n") || !strings.Contains(out, "Served as: ITLSEP000CCE3A817C.tlv") {
		t.Errorf("show tvs:\n%s", out)
	}
	// shutdown withdraws the ITL and stops the TVS.
	configure(r.sys, "tvs", " shutdown", " end")
	if _, ok := tf.Generated("ITLFile.tlv"); ok {
		t.Error("ITL still served after shutdown")
	}
	if tvs.FromSystem(r.sys).Addr() != nil {
		t.Error("TVS still listening after shutdown")
	}
}

// query is a TVS client written from protocols.md §5: it sends one
// VERIFY_REQUEST and returns the raw response (nil if the server closed
// without answering).
func query(t *testing.T, addr string, tvsCert *x509.Certificate, payload []byte) []byte {
	t.Helper()
	conf := &tls.Config{InsecureSkipVerify: true, // a phone trusts the TVS record of its ITL, not a CA
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], tvsCert.Raw) {
				return errors.New("server is not the TVS of the ITL")
			}
			return nil
		}}
	c, err := tls.Dial("tcp", addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(payload)
	c.CloseWrite() // a short message must not wait for the server's timeout
	b, _ := io.ReadAll(c)
	return b
}

func verifyRequest(session uint32, device string, cert []byte) []byte {
	var body []byte
	el := func(tag byte, v []byte) {
		body = append(body, tag, byte(len(v)>>8), byte(len(v)))
		body = append(body, v...)
	}
	el(1, append([]byte{1}, device...))
	el(2, cert)
	b := []byte{0x57, 1, 1, 0}
	b = binary.BigEndian.AppendUint32(b, session)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

func TestTVSVerify(t *testing.T) {
	r := newRouter(t)
	addr := tvs.FromSystem(r.sys).Addr().String()

	// Known: the CAPF certificate of the ITL.
	resp := query(t, addr, r.tvs, verifyRequest(0x12345678, "CP-7975-SEP000CCE3A817C", r.capf.Raw))
	want := []byte{0x57, 1, 2, 0, 0x12, 0x34, 0x56, 0x78, 0, 15,
		7, 0, 1, 0, // STATUS valid
		8, 0, 1, 4, // ROLES CAPF
		9, 0, 4, 0, 1, 0x51, 0x80} // TTL 86400
	if !bytes.Equal(resp, want) {
		t.Errorf("known certificate:\n got %x\nwant %x", resp, want)
	}
	// Known in two roles: the TFTP certificate (SAST and CCM+TFTP).
	resp = query(t, addr, r.tvs, verifyRequest(7, "CP-7975-SEP000CCE3A817C", r.tftp.Raw))
	if len(resp) < 18 || resp[10] != 7 || resp[13] != 0 || !bytes.Equal(resp[14:19], []byte{8, 0, 2, 0, 2}) {
		t.Errorf("TFTP certificate: %x", resp)
	}
	// Unknown certificate.
	stranger, _ := certificate(t, "stranger", 99, nil, nil, false)
	resp = query(t, addr, r.tvs, verifyRequest(9, "CP-7975-SEP000CCE3A817C", stranger.Raw))
	if want := []byte{0x57, 1, 2, 0, 0, 0, 0, 9, 0, 4, 7, 0, 1, 1}; !bytes.Equal(resp, want) {
		t.Errorf("unknown certificate:\n got %x\nwant %x", resp, want)
	}
	// Malformed queries get no answer; the server goes on.
	for _, bad := range [][]byte{
		[]byte("garbage that is not TVS at all"),
		{0x57, 1, 1, 0, 0, 0, 0, 1, 0xff, 0xff, 2, 0, 1}, // body length beyond the data
		{0x57, 1, 1, 0, 0, 0, 0, 1, 0, 3, 1, 0, 0},       // no certificate
		{0x57, 1, 1, 0, 0, 0, 0, 1, 0, 5, 2, 0, 9, 1, 2}, // element beyond the body
	} {
		if resp := query(t, addr, r.tvs, bad); len(resp) != 0 {
			t.Errorf("malformed %x answered %x", bad, resp)
		}
	}
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	raw.Write([]byte("\x16\x03\x01 not a TLS hello"))
	raw.Close()
	if resp := query(t, addr, r.tvs, verifyRequest(1, "CP-7975-SEP000CCE3A817C", r.capf.Raw)); len(resp) == 0 || resp[13] != 0 {
		t.Errorf("after bad clients: %x", resp)
	}
	if out := execCmd(r.sys, "show tvs"); !strings.Contains(out, "Verifications: 3 valid, 1 invalid") {
		t.Errorf("show tvs:\n%s", out)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(verifyRequest(1, "CP-7975-SEP000CCE3A817C", []byte{0x30, 0}))
	f.Add([]byte{0x57, 1, 2, 0, 0, 0, 0, 9, 0, 4, 7, 0, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m tvs.Message
		if m.UnmarshalBinary(b) != nil {
			return
		}
		again, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		want := bytes.Clone(b)
		want[3] = 0 // reserved: ignored on input, written as 0
		if !bytes.Equal(again, want) {
			t.Fatalf("round trip:\n%x\n%x", b, again)
		}
	})
}

// TestTVSWithOpenSSL sends a VERIFY_REQUEST through openssl s_client, a
// TLS client nobody here wrote.
func TestTVSWithOpenSSL(t *testing.T) {
	if _, err := osexec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not installed (scripts/deps)")
	}
	r := newRouter(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, "openssl", "s_client", "-connect", tvs.FromSystem(r.sys).Addr().String(),
		"-quiet", "-ign_eof", "-cipher", "DEFAULT:@SECLEVEL=0")
	cmd.Stdin = bytes.NewReader(verifyRequest(0xCAFE, "CP-7975-SEP000CCE3A817C", r.tvs.Raw))
	out, err := cmd.Output()
	want := []byte{0x57, 1, 2, 0, 0, 0, 0xCA, 0xFE, 0, 15, 7, 0, 1, 0, 8, 0, 1, 21, 9, 0, 4, 0, 1, 0x51, 0x80}
	if !bytes.Equal(out, want) {
		t.Fatalf("openssl: %v\n got %x\nwant %x", err, out, want)
	}
}
