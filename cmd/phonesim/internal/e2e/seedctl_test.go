// Package e2e holds end-to-end tests: a box booted in-process with every
// feature (cmd/internal/features) against the phone simulator's
// independent implementation (cmd/phonesim/internal/...). It has no code
// outside its tests, so neither binary links it.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "cmeos/cmd/internal/features"
	"cmeos/cmd/phonesim/internal/trust"
	"cmeos/crypto/credentials"
	"cmeos/crypto/pki"
	"cmeos/crypto/tvs"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/ios/httpd"
	"cmeos/telephony/tftpd"
)

// seedAnswers answers a session's questions from a list.
type seedAnswers struct{ list []string }

func (a *seedAnswers) next() (string, error) {
	if len(a.list) == 0 {
		return "", io.EOF
	}
	s := a.list[0]
	a.list = a.list[1:]
	return s, nil
}
func (a *seedAnswers) Ask(string) (string, error)       { return a.next() }
func (a *seedAnswers) AskSecret(string) (string, error) { return a.next() }
func (a *seedAnswers) Confirm(string) (bool, error) {
	s, err := a.next()
	return s == "y" || s == "yes" || s == "", err
}

// seedConsole types lines in configuration mode; "line|a|b" answers the
// questions of line with a and b.
func seedConsole(sys *config.System, lines ...string) string {
	var out bytes.Buffer
	in := &seedAnswers{}
	s := sys.NewSession("console", cli.PrivMax, &out, in)
	s.Execute("configure terminal")
	for _, l := range lines {
		parts := strings.Split(l, "|")
		in.list = parts[1:]
		s.Execute(parts[0])
	}
	s.Execute("end")
	return out.String()
}

// seedRouter boots a System whose HTTP and TFTP servers listen on
// loopback at free ports.
func seedRouter(t *testing.T) *config.System {
	t.Helper()
	sys := config.New(config.Options{FS: configtest.NewStore(t)})
	t.Cleanup(func() { sys.Close() })
	httpd.FromSystem(sys).SetListen("127.0.0.1", 0)
	var boot bytes.Buffer
	if n := sys.Load("tftp-server port 0 source-address 127.0.0.1\n", &boot); n != 0 {
		t.Fatal(boot.String())
	}
	sys.Start()
	return sys
}

// seedCA is E1/E5: the IOS CA on the CME router, granting automatically.
// It returns the SCEP enrollment URL.
func seedCA(t *testing.T, sys *config.System) string {
	t.Helper()
	out := seedConsole(sys, "hostname cme", "ip domain-name example.com", "ip http server",
		"crypto key generate rsa label cme_root modulus 1024",
		"crypto pki server cme_root", " database url flash:", " grant auto", " no shutdown|Secret123|Secret123", " exit")
	if !strings.Contains(out, "% Certificate Server enabled.") {
		t.Fatalf("CA not enabled:\n%s", out)
	}
	return "http://" + httpd.FromSystem(sys).Addr()
}

// seedEnroll is E2: trustpoints enrolled with the CA at caURL by SCEP.
func seedEnroll(t *testing.T, sys *config.System, caURL string, tps ...string) {
	t.Helper()
	for _, tp := range tps {
		out := seedConsole(sys, "crypto pki trustpoint "+tp, " enrollment url "+caURL, " revocation-check none",
			" rsakeypair "+tp+" 1024", " serial-number none", " ip-address none", " exit",
			"crypto pki authenticate "+tp+"|yes", "crypto pki enroll "+tp+"|pw1|pw1|yes")
		if !strings.Contains(out, "% Certificate request sent to Certificate Authority") {
			t.Fatalf("enroll %s:\n%s", tp, out)
		}
	}
}

func seedCert(sys *config.System, tp string) *x509.Certificate {
	sys.Lock()
	defer sys.Unlock()
	return pki.FromSystem(sys).Certificate(tp)
}

// TestSeedProviderTFTP is E9 with two routers on loopback: router A runs
// the CA, telephony-service with its TFTP credentials and the CTL
// provider; router B enrolls its trustpoints with A's CA over SCEP and
// its ctl-client pulls A's certificates through the provider. The
// simulator verifies B's CTL, which lists A's CME and TFTP certificates.
func TestSeedProviderTFTP(t *testing.T) {
	a := seedRouter(t)
	caURL := seedCA(t, a)
	seedEnroll(t, a, caURL, "cmeserver", "cme-tftp")
	out := seedConsole(a, "telephony-service", " ip source-address 127.0.0.1 port 2000",
		" tftp-server-credentials trustpoint cme-tftp", " device-security-mode authenticated", " create cnf-files", " exit",
		"ephone 1", " mac-address 0012.4302.A7CC", " type 7970", " exit",
		"credentials", " ip source-address 127.0.0.1 port 0", " trustpoint cmeserver",
		" ctl-service admin cisco secret 1 094F471A1A0A464058", " exit")
	if strings.Contains(out, "% ") {
		t.Fatalf("router A:\n%s", out)
	}
	pa := credentials.FromSystem(a).Addr()
	if pa == nil {
		t.Fatal("CTL provider not listening")
	}
	port := strconv.Itoa(pa.(*net.TCPAddr).Port)

	b := seedRouter(t)
	seedEnroll(t, b, caURL, "cmeserver", "sast1", "sast2")
	out = seedConsole(b, "ctl-client",
		" server cme 10.1.1.100 trustpoint cmeserver",
		" server cme 127.0.0.1 username cisco password 0 cisco123 port "+port,
		" sast1 trustpoint sast1", " sast2 trustpoint sast2", " regenerate", " exit")
	if strings.Contains(out, "% ") {
		t.Fatalf("router B:\n%s", out)
	}
	ctlFile, err := trust.Fetch(tftpd.FromSystem(b).Addr().String(), "CTLFile.tlv")
	if err != nil {
		t.Fatal(err)
	}
	list, err := trust.ParseList(ctlFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := list.Verify(seedCert(b, "sast1")); err != nil {
		t.Fatalf("B's CTL: %v", err)
	}
	want := []struct {
		role uint16
		cert *x509.Certificate
	}{{trust.RoleCCM, seedCert(a, "cmeserver")}, {trust.RoleTFTP, seedCert(a, "cme-tftp")}, {trust.RoleCCM, seedCert(b, "cmeserver")},
		{trust.RoleSAST, seedCert(b, "sast1")}, {trust.RoleSAST, seedCert(b, "sast2")}}
	for _, w := range want {
		found := false
		for i := range list.Records {
			found = found || (list.Records[i].Role == w.role && bytes.Equal(list.Records[i].Certificate, w.cert.Raw))
		}
		if !found {
			t.Errorf("B's CTL lacks role %d %s", w.role, w.cert.Subject)
		}
	}
	if len(list.Records) != len(want) {
		t.Errorf("B's CTL has %d records, want %d", len(list.Records), len(want))
	}
	// The simulator on router B's phones checks A's signed files with it.
	tftpCerts, _ := list.Certificates(trust.RoleTFTP)
	sgn, err := trust.Fetch(tftpd.FromSystem(a).Addr().String(), "SEP00124302A7CC.cnf.xml.sgn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trust.VerifySigned(sgn, "SEP00124302A7CC.cnf.xml.sgn", tftpCerts...); err != nil {
		t.Errorf("A's signed cnf with the TFTP certificate of B's CTL: %v", err)
	}
}

// TestSeedSecureCTL is issue 6's "done when" on the seed 004 secure
// example: the box's own CA (crypto pki server, E1/E5) enrolls the
// trustpoints cmeserver and sast2 over SCEP and real HTTP, the E8
// ctl-client builds CTLFile.tlv, and the phone simulator (phonesim/trust,
// a decoder independent of crypto/ctl) fetches it over TFTP, checks every
// record against the trustpoint certificates and verifies the SAST1
// signature; openssl verifies that signature over the covered bytes,
// extracted here by hand. The simulator then verifies SEP<MAC>.cnf.xml.sgn
// and a `load-cfg-file ... sign create` file with the TFTP certificate of
// the CTL, and asks the TVS about a known and an unknown certificate.
func TestSeedSecureCTL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl not found: scripts/deps installs it")
	}
	sys := seedRouter(t)
	caURL := seedCA(t, sys)
	seedEnroll(t, sys, caURL, "cmeserver", "sast2")
	sys.Lock()
	caCert := pki.FromSystem(sys).CACertificate("cme_root")
	cme := pki.FromSystem(sys).Certificate("cmeserver")
	sast2 := pki.FromSystem(sys).Certificate("sast2")
	sys.Unlock()
	if caCert == nil || cme == nil || sast2 == nil {
		t.Fatalf("certificates: CA %v, cmeserver %v, sast2 %v", caCert != nil, cme != nil, sast2 != nil)
	}
	for _, c := range []*x509.Certificate{cme, sast2} {
		if err := c.CheckSignatureFrom(caCert); err != nil {
			t.Fatalf("%s not issued by the box's CA: %v", c.Subject, err)
		}
	}

	// E6/E9 telephony-service, an ephone, a file for load-cfg-file, the
	// E8 ctl-client and the TVS (seed 003) on the same trustpoint.
	p, _ := sys.FS.Parse("flash:Ringlist.xml")
	ringlist := []byte("<CiscoIPPhoneRingList><Ring><DisplayName>Piano</DisplayName><FileName>Piano1.raw</FileName></Ring></CiscoIPPhoneRingList>\n")
	if err := sys.FS.WriteFile(p, ringlist); err != nil {
		t.Fatal(err)
	}
	out := seedConsole(sys,
		"telephony-service", " ip source-address 127.0.0.1 port 2000", " device-security-mode authenticated",
		" tftp-server-credentials trustpoint cmeserver", " load-cfg-file flash:Ringlist.xml alias Ringlist.xml sign create",
		" create cnf-files", " exit",
		"ephone 1", " mac-address 0012.4302.A7CC", " type 7970", " exit",
		"ctl-client",
		" server capf 10.1.1.1 trustpoint cmeserver",
		" server cme 10.1.1.1 trustpoint cmeserver",
		" server tftp 10.1.1.1 trustpoint cmeserver",
		" sast1 trustpoint cmeserver",
		" sast2 trustpoint sast2",
		" regenerate", " exit",
		"tvs", " ip source-address 127.0.0.1 port 0", " trustpoint cmeserver", " itl tftp trustpoint cmeserver", " exit")
	if strings.Contains(out, "% ") {
		t.Fatalf("configuration rejected:\n%s", out)
	}
	addr := tftpd.FromSystem(sys).Addr()
	if addr == nil {
		t.Fatal("TFTP server not running")
	}

	// The phone: CTLFile.tlv over TFTP, decoded and verified independently.
	b, err := trust.Fetch(addr.String(), "CTLFile.tlv")
	if err != nil {
		t.Fatal(err)
	}
	list, err := trust.ParseList(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := list.Verify(); err != nil {
		t.Fatalf("CTL does not verify: %v", err)
	}
	if _, signer, _ := list.Signer(); !signer.Equal(cme) {
		t.Errorf("CTL signed by %s, want SAST1 cmeserver", signer.Subject)
	}
	if list.Header.Filename != "CTLFile.tlv" || list.Header.HashAlgorithm != trust.HashSHA1 {
		t.Errorf("header filename %q hash %d", list.Header.Filename, list.Header.HashAlgorithm)
	}
	// Every record is one of the trustpoint certificates, in the roles E8 gives.
	wantRoles := []struct {
		role uint16
		cert *x509.Certificate
	}{{trust.RoleSAST, cme}, {trust.RoleSAST, sast2}, {trust.RoleCCM, cme}, {trust.RoleTFTP, cme}, {trust.RoleCAPF, cme}}
	found := make([]bool, len(wantRoles))
	for i := range list.Records {
		r := &list.Records[i]
		c, err := r.Check()
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		for j, w := range wantRoles {
			if !found[j] && r.Role == w.role && c.Equal(w.cert) {
				found[j], ok = true, true
				break
			}
		}
		if !ok {
			t.Errorf("unexpected record: role %d, %s", r.Role, c.Subject)
		}
		if r.Subject == "" || r.Issuer == "" || r.Serial == nil || r.PublicKey == nil || r.CertSignature == nil {
			t.Errorf("record role %d lacks certificate-derived elements", r.Role)
		}
	}
	for j, w := range wantRoles {
		if !found[j] {
			t.Errorf("no record for role %d %s", w.role, w.cert.Subject)
		}
	}

	// openssl confirms the SAST1 signature over the covered bytes.
	dir := t.TempDir()
	signed, sig := coveredBytes(t, b)
	pub, _ := x509.MarshalPKIXPublicKey(cme.PublicKey)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubFile := write("sast1.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	sigFile := write("sig.bin", sig)
	if o, err := exec.Command(openssl, "dgst", "-sha1", "-verify", pubFile, "-signature", sigFile, write("signed.bin", signed)).CombinedOutput(); err != nil || !strings.Contains(string(o), "Verified OK") {
		t.Fatalf("openssl dgst -verify: %v\n%s", err, o)
	}
	signed[len(signed)-1] ^= 1
	if o, err := exec.Command(openssl, "dgst", "-sha1", "-verify", pubFile, "-signature", sigFile, write("bad.bin", signed)).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified changed bytes:\n%s", o)
	}

	// Signed configuration with the TFTP certificate taken from the CTL.
	tftpCerts, err := list.Certificates(trust.RoleTFTP, trust.RoleCCMTFTP)
	if err != nil || len(tftpCerts) != 1 {
		t.Fatalf("TFTP certificates in the CTL: %d %v", len(tftpCerts), err)
	}
	sgn, err := trust.Fetch(addr.String(), "SEP00124302A7CC.cnf.xml.sgn")
	if err != nil {
		t.Fatal(err)
	}
	s, err := trust.VerifySigned(sgn, "SEP00124302A7CC.cnf.xml.sgn", tftpCerts...)
	if err != nil {
		t.Fatalf("cnf .sgn: %v", err)
	}
	if !strings.Contains(string(s.Content), "<deviceSecurityMode>2</deviceSecurityMode>") {
		t.Errorf("signed cnf content:\n%s", s.Content)
	}
	if _, err := trust.VerifySigned(sgn, "", sast2); err == nil {
		t.Error("cnf .sgn verified with a certificate that did not sign it")
	}
	// load-cfg-file ... sign create: flash:Ringlist.xml.sgn made next to
	// the file, served under the alias, both verifying.
	p, _ = sys.FS.Parse("flash:Ringlist.xml.sgn")
	onFlash, err := sys.FS.ReadFile(p)
	if err != nil {
		t.Fatalf("sign create wrote no flash:Ringlist.xml.sgn: %v", err)
	}
	served, err := trust.Fetch(addr.String(), "Ringlist.xml.sgn")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, onFlash) {
		t.Error("TFTP serves a Ringlist.xml.sgn other than the one sign create wrote")
	}
	for what, f := range map[string][]byte{"flash": onFlash, "tftp": served} {
		s, err := trust.VerifySigned(f, "Ringlist.xml.sgn", tftpCerts...)
		if err != nil || !bytes.Equal(s.Content, ringlist) {
			t.Errorf("Ringlist.xml.sgn on %s: %v", what, err)
		}
	}
	sys.Lock()
	rendered := sys.RenderFeatures()
	sys.Unlock()
	if !strings.Contains(rendered, " load-cfg-file flash:Ringlist.xml alias Ringlist.xml sign\n") || strings.Contains(rendered, "sign create") {
		t.Errorf("load-cfg-file rendering:\n%s", rendered)
	}

	// TVS: the ITL names the TVS; the simulator asks about a certificate
	// of the CTL (known) and a stranger (unknown).
	itlBytes, err := trust.Fetch(addr.String(), "ITLFile.tlv")
	if err != nil {
		t.Fatal(err)
	}
	itl, err := trust.ParseList(itlBytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := itl.Verify(); err != nil {
		t.Fatalf("ITL: %v", err)
	}
	// The TVS record carries the certificate's hash (seed 001), which
	// names the TVS's certificate and no other.
	if !itl.Trusts(cme.Raw, trust.RoleTVS) || itl.Trusts(sast2.Raw, trust.RoleTVS) {
		t.Fatal("the ITL's TVS record does not name the TVS certificate alone")
	}
	tvsAddr := tvs.FromSystem(sys).Addr()
	if tvsAddr == nil {
		t.Fatal("TVS not listening")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := trust.QueryTVS(ctx, tvsAddr.String(), itl, "CP-7970-SEP00124302A7CC", 0x2445, sast2.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Valid || len(a.Roles) != 1 || a.Roles[0] != trust.RoleSAST || a.TTL != 86400 {
		t.Errorf("known certificate (SAST2 of the CTL): %+v", a)
	}
	strangerKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "stranger"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	stranger, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &strangerKey.PublicKey, strangerKey)
	a, err = trust.QueryTVS(ctx, tvsAddr.String(), itl, "CP-7970-SEP00124302A7CC", 7, stranger)
	if err != nil {
		t.Fatal(err)
	}
	if a.Valid || len(a.Roles) != 0 {
		t.Errorf("unknown certificate: %+v", a)
	}
	// A server that is not the ITL's TVS is refused by the phone.
	if _, err := trust.QueryTVSWith(ctx, tvsAddr.String(), func(der []byte) bool { return bytes.Equal(der, sast2.Raw) }, "CP-7970-SEP00124302A7CC", 8, sast2.Raw); err == nil {
		t.Error("simulator trusted a TVS whose certificate is not in the ITL")
	}

	// The same through the cmd/phonesim command.
	bin := filepath.Join(t.TempDir(), "phonesim")
	if o, err := exec.Command("go", "build", "-o", bin, "cmeos/cmd/phonesim").CombinedOutput(); err != nil {
		t.Fatalf("go build phonesim: %v\n%s", err, o)
	}
	sim := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		o, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("phonesim %v: %v\n%s", args, err, o)
		}
		return string(o)
	}
	for _, name := range []string{"CTLFile.tlv", "ITLFile.tlv", "SEP00124302A7CC.cnf.xml.sgn"} {
		sim("fetch", addr.String(), name)
	}
	write("known.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sast2.Raw}))
	write("unknown.der", stranger)
	got := sim("verify", "CTLFile.tlv") + sim("verify", "-ctl", "CTLFile.tlv", "SEP00124302A7CC.cnf.xml.sgn") +
		sim("tvs", "-itl", "ITLFile.tlv", tvsAddr.String(), "known.pem") + sim("tvs", "-itl", "ITLFile.tlv", tvsAddr.String(), "unknown.der")
	for _, want := range []string{"CTLFile.tlv: FILENAME CTLFile.tlv, 5 records, signed by", ": signature verified",
		"SEP00124302A7CC.cnf.xml.sgn: signature verified", "valid: roles [0], cache 86400 seconds", "invalid: the TVS does not know the certificate"} {
		if !strings.Contains(got, want) {
			t.Errorf("phonesim output lacks %q:\n%s", want, got)
		}
	}
}

// coveredBytes splits a signed trust list into the bytes the signature
// covers and the signature, walking the header as protocols.md §2.1-2.4
// describe: containers 3, 7 and 9 are entered, tag 13 is one byte, and the
// SIGNATURE (tag 12) element is cut out.
func coveredBytes(t *testing.T, b []byte) (covered, sig []byte) {
	t.Helper()
	if len(b) < 10 || b[0] != 1 || b[5] != 2 {
		t.Fatal("not a trust list header")
	}
	hdrLen := int(binary.BigEndian.Uint16(b[8:]))
	for off := 10; off < hdrLen; {
		switch tag := b[off]; tag {
		case 13:
			off++
		case 3, 7, 9:
			off += 3
		case 12:
			n := int(binary.BigEndian.Uint16(b[off+1:]))
			sig = b[off+3 : off+3+n]
			covered = append(append([]byte(nil), b[:off]...), b[off+3+n:]...)
			return covered, sig
		default:
			off += 3 + int(binary.BigEndian.Uint16(b[off+1:]))
		}
	}
	t.Fatal("no SIGNATURE element in the header")
	return nil, nil
}
