package capf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	_ "cmeos/ios/exec"
	_ "cmeos/ios/httpd"
	_ "cmeos/ios/system"
)

// testPhones is the phone directory the ephone feature provides in the
// firmware (crypto/capf cannot import telephony).
type testPhones struct {
	mu   sync.Mutex
	list []Phone
}

func (d *testPhones) CAPFPhones() []Phone {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.list)
}

func (d *testPhones) SetCAPFAuthString(tag int, s string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.list {
		if d.list[i].Tag == tag {
			d.list[i].AuthString = s
			return true
		}
	}
	return false
}

const (
	mac1 = "000CCE3A817C"
	mac2 = "0013C352E7F1"
	dev1 = "SEP" + mac1
	dev2 = "SEP" + mac2
)

// answers answers console questions (the CA's passwords).
type answers []string

func (a *answers) Ask(string) (string, error) {
	if len(*a) == 0 {
		return "", io.EOF
	}
	s := (*a)[0]
	*a = (*a)[1:]
	return s, nil
}
func (a *answers) AskSecret(p string) (string, error) { return a.Ask(p) }
func (a *answers) Confirm(string) (bool, error)       { return true, nil }

func console(t *testing.T, sys *config.System, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	in := &answers{}
	s := sys.NewSession("console", cli.PrivMax, &out, in)
	s.Execute("configure terminal")
	for _, l := range lines {
		parts := strings.Split(l, "|")
		*in = parts[1:]
		s.Execute(parts[0])
	}
	s.Execute("end")
	return out.String()
}

// box is a System with the CA cme_root issuing LSCs, a self-signed CAPF
// trustpoint, two phones and the CAPF server on a free loopback port.
type box struct {
	sys    *config.System
	f      *Feature
	phones *testPhones
	root   string // where flash: and nvram: live
	addr   string
	capf   *x509.Certificate
	ca     *x509.Certificate
}

// skipEmulated: under make test32's qemu-arm fallback (CMEOS_EMULATED)
// the 32-bit run is for the codec; the service tests' RSA key generation
// and TLS take minutes there, and a test binary cannot exec itself.
func skipEmulated(t *testing.T) {
	if os.Getenv("CMEOS_EMULATED") != "" {
		t.Skip("service test: run natively (make test), not under qemu-arm")
	}
}

func newBox(t *testing.T, extra ...string) *box {
	t.Helper()
	skipEmulated(t)
	root := t.TempDir()
	return bootBox(t, root, true, extra...)
}

func bootBox(t *testing.T, root string, first bool, extra ...string) *box {
	t.Helper()
	store := configtest.StoreAt(t, root)
	sys := config.New(config.Options{FS: store})
	t.Cleanup(func() { sys.Close() })
	b := &box{sys: sys, f: FromSystem(sys), root: root, phones: &testPhones{list: []Phone{
		{Tag: 1, MAC: mac1, AuthString: "2734"}, {Tag: 2, MAC: mac2}}}}
	// keygen-timeout minutes pass as seconds (the default 30 leaves a
	// loaded machine time for RSA 2048 keys under -race).
	b.f.minute = time.Second
	sys.Lock()
	SetDirectory(sys, b.phones)
	sys.Unlock()
	if first {
		out := console(t, sys, "hostname cme", "ip domain-name example.com",
			"crypto key generate rsa label cme_root modulus 1024",
			"crypto pki server cme_root", " database url nvram:", " grant auto", " no shutdown|Secret123|Secret123", " exit",
			"crypto key generate rsa label capf modulus 1024",
			"crypto pki trustpoint capf", " enrollment selfsigned", " rsakeypair capf", " exit", "crypto pki enroll capf|no|yes")
		if !strings.Contains(out, "% Certificate Server enabled.") {
			t.Fatalf("CA not enabled:\n%s", out)
		}
		lines := append([]string{"capf-server", " port 2000", " trustpoint-label capf", " source-addr 127.0.0.1",
			" cert-enroll-trustpoint cme_root password 0 x8oWiet", " auth-mode auth-string", " cert-oper upgrade all"}, extra...)
		out = console(t, sys, lines...)
		if strings.Contains(out, "% ") {
			t.Fatalf("capf-server:\n%s", out)
		}
		console(t, sys, "do write memory")
	} else {
		text, err := sys.ReadStartup()
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		sys.Load(string(text), &out)
		sys.Start()
	}
	b.restart(t)
	return b
}

// restart moves the listener to a free port (port 0 is not a valid
// `port`, so the test reconfigures the service underneath).
func (b *box) restart(t *testing.T) {
	t.Helper()
	b.f.SetListenPort(0)
	b.sys.Lock()
	p := pki.FromSystem(b.sys)
	b.capf, b.ca = p.Certificate("capf"), b.f.Issuer()
	b.sys.Unlock()
	if err := b.f.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := b.f.Addr()
	if a == nil {
		t.Fatalf("CAPF server not listening:\n%s", configtest.Exec(b.sys, "show logging"))
	}
	b.addr = a.String()
	if b.capf == nil || b.ca == nil {
		t.Fatal("no CAPF or CA certificate")
	}
}

func (b *box) set(fn func()) {
	b.sys.Lock()
	fn()
	b.sys.Unlock()
}

// phone is the test's side of the protocol, written from §4.8.
type phone struct {
	device   string
	password *string // nil: no PASSWORD element
	// cert and key authenticate the phone (LSC or MIC mode).
	cert     *x509.Certificate
	certType CertificateType
	key      crypto.Signer
	// behaviour on the server's requests
	noEC         bool // answer an EC request without a key
	silentKeyGen bool // never answer key generation
	wrongKey     bool // answer with a key of another size
	noStore      bool // close instead of answering STORE_CERTIFICATE_REQUEST
	fetchCert    []byte
	sessionSkew  uint32 // added to the session id of the phone's messages

	// results
	newKey   crypto.Signer
	lsc      *x509.Certificate
	keyGens  int
	deleted  bool
	commands []Command
}

// run connects, runs the dialogue and returns the END_SESSION reason.
func (p *phone) run(t *testing.T, addr string, capfCert *x509.Certificate) (Reason, error) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if got := c.ConnectionState().PeerCertificates[0]; !got.Equal(capfCert) {
		return 0, errors.New("CAPF presented another certificate than its trustpoint's")
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	send := func(m *Message) error {
		m.Session += p.sessionSkew
		b, err := m.MarshalBinary()
		if err != nil {
			return err
		}
		_, err = c.Write(b)
		return err
	}
	for {
		m, err := ReadMessage(c, MaxBody)
		if err != nil {
			return 0, err
		}
		p.commands = append(p.commands, m.Command)
		sid := m.Session
		switch m.Command {
		case CmdAuthRequest:
			if v, _ := m.Uint8(TagVersion); v != ProtocolVersion {
				return 0, fmt.Errorf("version %d", v)
			}
			els := []Element{U8(TagReason, 1), U8(TagVersion, 3), Str0(TagDeviceName, p.device)}
			if p.password != nil {
				els = append(els, Str0(TagPassword, *p.password))
			}
			if p.cert != nil {
				v, _ := EncodeCertificate(p.certType, p.cert.Raw)
				sig, err := Sign(rand.Reader, p.key, HashSHA512, SignedInput(p.device, p.cert.Raw))
				if err != nil {
					return 0, err
				}
				s2, _ := EncodeSHA2Signature(HashSHA512, sig)
				els = append(els, U8(TagCertificateType, uint8(p.certType)), Element{TagCertificate, v}, Element{TagSHA2SignedData, s2})
			}
			if err := send(&Message{CmdAuthResponse, sid, els}); err != nil {
				return 0, err
			}
		case CmdKeyGenRequest:
			p.keyGens++
			if p.silentKeyGen {
				continue
			}
			kt, _ := m.Uint8(TagKeyType)
			var key crypto.Signer
			switch {
			case KeyType(kt) == KeyEC && p.noEC:
				send(&Message{Command: CmdKeyGenResponse, Session: sid, Elements: []Element{U8(TagReason, uint8(ReasonInvalidElement))}})
				continue
			case KeyType(kt) == KeyEC:
				cv, _ := m.Uint8(TagCurve)
				curve := map[Curve]elliptic.Curve{CurveP256: elliptic.P256(), CurveP384: elliptic.P384(), CurveP521: elliptic.P521()}[Curve(cv)]
				key, err = ecdsa.GenerateKey(curve, rand.Reader)
			default:
				bits, _ := m.Uint16(TagKeySize)
				if p.wrongKey {
					bits = 2048
				}
				key, err = rsa.GenerateKey(rand.Reader, int(bits))
			}
			if err != nil {
				return 0, err
			}
			p.newKey = key
			der, _ := x509.MarshalPKIXPublicKey(key.Public())
			send(&Message{Command: CmdRequestInProgress, Session: sid})
			send(&Message{CmdKeyGenResponse, sid, []Element{{TagPublicKey, der}}})
		case CmdStoreCertRequest:
			if p.noStore {
				return 0, errors.New("phone gave up before storing")
			}
			ct, der, err := m.Certificate()
			if err != nil || ct != CertificateLSC {
				return 0, fmt.Errorf("store: type %d %v", ct, err)
			}
			if p.lsc, err = x509.ParseCertificate(der); err != nil {
				return 0, err
			}
			send(&Message{CmdStoreCertResponse, sid, []Element{U8(TagReason, 1)}})
		case CmdFetchCertRequest:
			if p.fetchCert == nil {
				send(&Message{CmdFetchCertResponse, sid, []Element{U8(TagReason, 7)}})
				continue
			}
			v, _ := EncodeCertificate(CertificateLSC, p.fetchCert)
			send(&Message{CmdFetchCertResponse, sid, []Element{U8(TagReason, 1), {TagCertificate, v}}})
		case CmdDeleteCertRequest:
			p.deleted = true
			send(&Message{CmdDeleteCertResponse, sid, []Element{U8(TagReason, 1)}})
		case CmdEndSession:
			r, err := m.Uint8(TagReason)
			return Reason(r), err
		default:
			return 0, fmt.Errorf("unexpected %v", m.Command)
		}
	}
}

func str(s string) *string { return &s }

// checkLSC verifies an LSC against the CA with the §4.9 profile.
func checkLSC(t *testing.T, lsc, caCert *x509.Certificate, device string, pub crypto.PublicKey) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	if _, err := lsc.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("LSC does not verify against the CA: %v", err)
	}
	if lsc.Subject.CommonName != device || len(lsc.URIs) != 1 || lsc.URIs[0].String() != device {
		t.Errorf("LSC subject %v, URIs %v", lsc.Subject, lsc.URIs)
	}
	if !slices.Equal(lsc.Subject.Organization, caCert.Subject.Organization) {
		t.Errorf("LSC O %v, CA O %v", lsc.Subject.Organization, caCert.Subject.Organization)
	}
	if lsc.IsCA || lsc.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
		t.Errorf("LSC CA %v, key usage %b", lsc.IsCA, lsc.KeyUsage)
	}
	wantEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageIPSECEndSystem}
	if !slices.Equal(lsc.ExtKeyUsage, wantEKU) {
		t.Errorf("LSC EKU %v", lsc.ExtKeyUsage)
	}
	for _, e := range lsc.Extensions {
		oid := e.Id.String()
		if (oid == "2.5.29.19" || oid == "2.5.29.15") != e.Critical && oid != "2.5.29.35" && oid != "2.5.29.14" && oid != "2.5.29.31" {
			t.Errorf("extension %s critical %v", oid, e.Critical)
		}
	}
	if lsc.SignatureAlgorithm != x509.SHA256WithRSA && lsc.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("LSC signed with %v", lsc.SignatureAlgorithm)
	}
	if pub != nil {
		if k, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(lsc.PublicKey) {
			t.Error("LSC is not for the phone's key")
		}
	}
}

func TestInstallAuthString(t *testing.T) {
	b := newBox(t)
	p := &phone{device: dev1, password: str("2734")}
	r, err := p.run(t, b.addr, b.capf)
	if err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("session: reason %d, %v", r, err)
	}
	if p.lsc == nil || p.keyGens != 1 {
		t.Fatalf("no LSC (%d key generation requests)", p.keyGens)
	}
	checkLSC(t, p.lsc, b.ca, dev1, p.newKey.Public())
	if k := p.newKey.Public().(*rsa.PublicKey); k.N.BitLen() != DefaultKeySize {
		t.Errorf("key of %d bits", k.N.BitLen())
	}
	if got := b.f.LSC(dev1); got == nil || !got.Equal(p.lsc) {
		t.Error("LSC not recorded")
	}
	if rec := b.f.Record(dev1); rec.Status != StatusUpgradeOK {
		t.Errorf("status %q", rec.Status)
	}
	want := []Command{CmdAuthRequest, CmdKeyGenRequest, CmdStoreCertRequest, CmdEndSession}
	if !slices.Equal(p.commands, want) {
		t.Errorf("server sent %v, want %v", p.commands, want)
	}
	// Done: the next session is told there is nothing to do, and the
	// auth string is used up (seed 004: single use).
	p2 := &phone{device: dev1, password: str("2734")}
	if r, err := p2.run(t, b.addr, b.capf); err != nil || r != ReasonNone || p2.lsc != nil {
		t.Errorf("second session: reason %d, %v", r, err)
	}
	b.set(func() { b.f.store.Reschedule(dev1) })
	p3 := &phone{device: dev1, password: str("2734")}
	if r, err := p3.run(t, b.addr, b.capf); err != nil || r != ReasonInvalidElement || p3.lsc != nil {
		t.Errorf("reused auth string: reason %d, %v", r, err)
	}
	// The records survive a reboot.
	b.sys.Close()
	b2 := bootBox(t, b.root, false)
	if got := b2.f.LSC(dev1); got == nil || !got.Equal(p.lsc) {
		t.Error("LSC lost across a restart")
	}
	out := configtest.Exec(b2.sys, "show capf-server cert-oper")
	if !strings.Contains(out, "000CCE3A817C  upgrade    auth-string  Installed      Operation Pending") {
		t.Errorf("show capf-server cert-oper:\n%s", out)
	}
}

func TestWrongAuthString(t *testing.T) {
	b := newBox(t)
	p := &phone{device: dev1, password: str("9999")}
	r, err := p.run(t, b.addr, b.capf)
	if err != nil || r != ReasonInvalidElement || p.keyGens != 0 || p.lsc != nil {
		t.Fatalf("reason %d, %v, %d key generations", r, err, p.keyGens)
	}
	rec := b.f.Record(dev1)
	if rec.Status != "Upgrade Failed: Authentication Failed" || rec.AuthFailures != 1 || rec.LSC != nil {
		t.Errorf("record %+v", rec)
	}
	if n := b.f.Stats(); n.AuthFailures != 1 || n.Failed != 1 {
		t.Errorf("counters %+v", n)
	}
	logs := configtest.Exec(b.sys, "show logging")
	if !strings.Contains(logs, "%CAPF-4-AUTH_FAIL: Wrong authentication string from "+dev1) || strings.Contains(logs, "9999") || strings.Contains(logs, "2734") {
		t.Errorf("log:\n%s", logs)
	}
	nvram, _ := os.ReadFile(filepath.Join(b.root, "nvram", "capf-lsc.db"))
	if bytes.Contains(nvram, []byte("9999")) || bytes.Contains(nvram, []byte("2734")) {
		t.Error("an auth string reached nvram")
	}
	// No password at all, and a phone that is not configured.
	if r, _ := (&phone{device: dev1}).run(t, b.addr, b.capf); r != ReasonInvalidElement {
		t.Errorf("no password: reason %d", r)
	}
	if r, _ := (&phone{device: "SEP001122334455", password: str("2734")}).run(t, b.addr, b.capf); r != ReasonUnknownDevice {
		t.Errorf("unknown device: reason %d", r)
	}
	if r, _ := (&phone{device: "BAT\x1b[2J", password: str("2734")}).run(t, b.addr, b.capf); r != ReasonUnknownDevice {
		t.Errorf("bogus device: reason %d", r)
	}
}

func TestNullStringEC(t *testing.T) {
	b := newBox(t, " auth-mode null-string", " key-order ec-preferred")
	p := &phone{device: dev2, password: str("")}
	if r, err := p.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("reason %d, %v", r, err)
	}
	if k, ok := p.newKey.Public().(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Fatalf("key %T", p.newKey.Public())
	}
	checkLSC(t, p.lsc, b.ca, dev2, p.newKey.Public())
	// EC preferred, RSA backup: a phone without EC gets an RSA LSC.
	b.set(func() { b.f.store.Reschedule("") })
	q := &phone{device: dev1, noEC: true}
	if r, err := q.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate || q.keyGens != 2 {
		t.Fatalf("RSA backup: reason %d, %v, %d key generations", r, err, q.keyGens)
	}
	checkLSC(t, q.lsc, b.ca, dev1, q.newKey.Public())
	if _, ok := q.newKey.(*rsa.PrivateKey); !ok {
		t.Errorf("backup key %T", q.newKey)
	}
}

func TestUpgradeWithLSCAndMIC(t *testing.T) {
	b := newBox(t, " auth-mode null-string")
	first := &phone{device: dev1, password: str("")}
	if r, err := first.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("first LSC: reason %d, %v", r, err)
	}
	// Upgrade authenticated by the existing LSC.
	console(t, b.sys, "capf-server", " auth-mode LSC", " phone-key-size 2048", " cert-oper upgrade all")
	p := &phone{device: dev1, cert: first.lsc, certType: CertificateLSC, key: first.newKey}
	if r, err := p.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("LSC upgrade: reason %d, %v", r, err)
	}
	checkLSC(t, p.lsc, b.ca, dev1, p.newKey.Public())
	if p.newKey.Public().(*rsa.PublicKey).N.BitLen() != 2048 {
		t.Error("phone-key-size 2048 not requested")
	}
	// The old LSC signed by another key: refused.
	b.set(func() { b.f.store.Reschedule("") })
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	bad := &phone{device: dev1, cert: p.lsc, certType: CertificateLSC, key: other}
	if r, _ := bad.run(t, b.addr, b.capf); r != ReasonInvalidElement || bad.keyGens != 0 {
		t.Errorf("forged LSC signature: reason %d", r)
	}
	// Another phone's LSC: refused.
	stolen := &phone{device: dev2, cert: p.lsc, certType: CertificateLSC, key: p.newKey}
	if r, _ := stolen.run(t, b.addr, b.capf); r != ReasonInvalidElement {
		t.Errorf("another phone's LSC: reason %d", r)
	}

	// MIC: a manufacturer root imported in a trustpoint (seed 004 "Manually
	// importing MIC root certificate"); a MIC from another root fails.
	micRoot, micKey := selfSigned(t, "CAP-RTP-002")
	mic, micPhoneKey := issued(t, micRoot, micKey, dev2)
	strangeRoot, strangeKey := selfSigned(t, "Untrusted Manufacturing CA")
	strange, strangePhoneKey := issued(t, strangeRoot, strangeKey, dev2)
	b.set(func() {
		pf := pki.FromSystem(b.sys)
		pf.Ensure("7970")
		pf.SetCertificate("7970", micRoot, true)
	})
	console(t, b.sys, "capf-server", " auth-mode MIC")
	un := &phone{device: dev2, cert: strange, certType: CertificateMIC, key: strangePhoneKey}
	if r, _ := un.run(t, b.addr, b.capf); r != ReasonInvalidElement || un.keyGens != 0 {
		t.Errorf("MIC from an untrusted root: reason %d", r)
	}
	if st := b.f.Record(dev2).Status; st != "Upgrade Failed: Authentication Failed" {
		t.Errorf("status %q", st)
	}
	m := &phone{device: dev2, cert: mic, certType: CertificateMIC, key: micPhoneKey}
	if r, err := m.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("MIC: reason %d, %v", r, err)
	}
	checkLSC(t, m.lsc, b.ca, dev2, m.newKey.Public())
}

func selfSigned(t *testing.T, cn string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"Cisco Systems"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k
}

func issued(t *testing.T, parent *x509.Certificate, pk *rsa.PrivateKey, cn string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, pk)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k
}

func TestFetchAndDelete(t *testing.T) {
	b := newBox(t, " auth-mode null-string")
	first := &phone{device: dev1, password: str("")}
	if r, err := first.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
		t.Fatalf("install: %d %v", r, err)
	}
	console(t, b.sys, "capf-server", " cert-oper fetch all")
	f := &phone{device: dev1, password: str(""), fetchCert: first.lsc.Raw}
	if r, err := f.run(t, b.addr, b.capf); err != nil || r != ReasonNone {
		t.Fatalf("fetch: %d %v", r, err)
	}
	if rec := b.f.Record(dev1); rec.Status != StatusFetchOK || !bytes.Equal(rec.LSC, first.lsc.Raw) {
		t.Errorf("after fetch: %q", rec.Status)
	}
	// A phone with nothing to fetch.
	if r, _ := (&phone{device: dev2, password: str("")}).run(t, b.addr, b.capf); r != ReasonInvalidElement {
		t.Errorf("fetch without certificate: %d", r)
	}
	if st := b.f.Record(dev2).Status; st != "Fetch Failed: No Certificate" {
		t.Errorf("status %q", st)
	}
	console(t, b.sys, "capf-server", " cert-oper delete all")
	d := &phone{device: dev1, password: str("")}
	if r, err := d.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate || !d.deleted {
		t.Fatalf("delete: %d %v", r, err)
	}
	if rec := b.f.Record(dev1); rec.Status != StatusDeleteOK || rec.LSC != nil || b.f.LSC(dev1) != nil {
		t.Errorf("after delete: %+v", rec)
	}
	if n := b.f.Stats(); n.Installed != 1 || n.Fetched != 1 || n.Deleted != 1 {
		t.Errorf("counters %+v", n)
	}
	// The per-ephone cert-oper wins over the capf-server one.
	b.set(func() { b.phones.list[1].CertOper, b.phones.list[1].AuthMode = OperUpgrade, "null-string" })
	u := &phone{device: dev2, password: str("")}
	if r, err := u.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate || u.lsc == nil {
		t.Fatalf("per-ephone upgrade: %d %v", r, err)
	}
}

func TestKeygenTimeout(t *testing.T) {
	b := newBox(t, " auth-mode null-string", " keygen-retry 2", " keygen-timeout 1")
	b.set(func() { b.f.minute = 50 * time.Millisecond })
	start := time.Now()
	p := &phone{device: dev1, password: str(""), silentKeyGen: true}
	r, err := p.run(t, b.addr, b.capf)
	if err != nil || r != ReasonInvalidElement {
		t.Fatalf("reason %d, %v", r, err)
	}
	if p.keyGens != 3 {
		t.Errorf("%d key generation requests, want 1 + 2 retries", p.keyGens)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("gave up after %v, before 3 timeouts", d)
	}
	if st := b.f.Record(dev1).Status; st != "Upgrade Failed: Key Generation Timedout" {
		t.Errorf("status %q", st)
	}
	// Other sessions go on.
	b.set(func() { b.f.minute = time.Second })
	console(t, b.sys, "capf-server", " no keygen-timeout")
	q := &phone{device: dev2, password: str("")}
	if r, err := q.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
		t.Errorf("next phone: %d %v", r, err)
	}
}

func TestBadSessions(t *testing.T) {
	b := newBox(t, " auth-mode null-string")
	for _, tc := range []struct {
		name   string
		p      *phone
		status string
	}{
		{"key of the wrong size", &phone{device: dev1, password: str(""), wrongKey: true}, "Upgrade Failed: Key Generation Failed"},
		{"replayed session id", &phone{device: dev1, password: str(""), sessionSkew: 1}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.p.run(t, b.addr, b.capf)
			if r != ReasonInvalidElement || tc.p.lsc != nil {
				t.Errorf("reason %d, %v", r, err)
			}
			if tc.status != "" {
				if rec := b.f.Record(dev1); rec == nil || rec.Status != tc.status {
					t.Errorf("record %+v", rec)
				}
			}
		})
	}
	t.Run("interrupted before store", func(t *testing.T) {
		before, _ := os.ReadFile(filepath.Join(b.root, "nvram", "capf-lsc.db"))
		p := &phone{device: dev1, password: str(""), noStore: true}
		p.run(t, b.addr, b.capf)
		waitFor(t, func() bool { return b.f.Stats().Failed >= 2 })
		if b.f.LSC(dev1) != nil {
			t.Error("an LSC the phone never stored was recorded")
		}
		after, _ := os.ReadFile(filepath.Join(b.root, "nvram", "capf-lsc.db"))
		if bytes.Contains(after, []byte(`"lsc"`)) {
			t.Errorf("nvram records an LSC:\n%s\nwas\n%s", after, before)
		}
	})
	// Raw byte-level abuse: each ends the session, the server keeps serving.
	raw := func(t *testing.T, write func(c *tls.Conn, sid uint32)) *Message {
		t.Helper()
		c, err := tls.Dial("tcp", b.addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		m, err := ReadMessage(c, MaxBody)
		if err != nil {
			t.Fatal(err)
		}
		write(c, m.Session)
		end, _ := ReadMessage(c, MaxBody)
		return end
	}
	for _, tc := range []struct {
		name  string
		write func(c *tls.Conn, sid uint32)
	}{
		{"truncated", func(c *tls.Conn, sid uint32) { c.Write([]byte{0x55, 2, 0, 0}); c.CloseWrite() }},
		{"oversized", func(c *tls.Conn, sid uint32) {
			c.Write([]byte{0x55, 2, byte(sid >> 24), byte(sid >> 16), byte(sid >> 8), byte(sid), 0xff, 0xff})
		}},
		{"unknown command", func(c *tls.Conn, sid uint32) {
			bb, _ := (&Message{Command: 99, Session: sid}).MarshalBinary()
			c.Write(bb)
		}},
		{"out of order", func(c *tls.Conn, sid uint32) {
			bb, _ := (&Message{CmdStoreCertResponse, sid, []Element{U8(TagReason, 1)}}).MarshalBinary()
			c.Write(bb)
		}},
		{"wrong version", func(c *tls.Conn, sid uint32) {
			bb, _ := (&Message{CmdAuthResponse, sid, []Element{U8(TagVersion, 2), Str0(TagDeviceName, dev1), Str0(TagPassword, "")}}).MarshalBinary()
			c.Write(bb)
		}},
		{"not CAPF", func(c *tls.Conn, sid uint32) { c.Write([]byte("GET / HTTP/1.0\r\n\r\n")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end := raw(t, tc.write)
			if end != nil && (end.Command != CmdEndSession || !bytes.Equal(end.Elements[0].Value, []byte{byte(ReasonInvalidElement)})) {
				t.Errorf("answered %+v", end)
			}
			q := &phone{device: dev2, password: str("")}
			b.set(func() { b.f.store.Reschedule("") })
			if r, err := q.run(t, b.addr, b.capf); err != nil || r != ReasonUpdateCertificate {
				t.Errorf("a good phone after that: %d %v", r, err)
			}
		})
	}
	t.Run("CA stopped", func(t *testing.T) {
		console(t, b.sys, "crypto pki server cme_root", " shutdown")
		b.set(func() { b.f.store.Reschedule("") })
		p := &phone{device: dev2, password: str("")}
		if r, _ := p.run(t, b.addr, b.capf); r != ReasonInvalidElement || p.lsc != nil {
			t.Errorf("reason %d", r)
		}
		if st := b.f.Record(dev2).Status; st != "Upgrade Failed: CA Not Available" {
			t.Errorf("status %q", st)
		}
	})
	t.Run("per-source limit", func(t *testing.T) {
		// MaxPerSource sessions wait for their Auth Response; one more
		// connection from the same address is closed at once.
		var conns []*tls.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range MaxPerSource {
			c, err := tls.Dial("tcp", b.addr, &tls.Config{InsecureSkipVerify: true})
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if m, err := ReadMessage(c, MaxBody); err != nil || m.Command != CmdAuthRequest {
				t.Fatalf("session %d: %v", len(conns), err)
			}
		}
		c, err := tls.Dial("tcp", b.addr, &tls.Config{InsecureSkipVerify: true})
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = ReadMessage(c, MaxBody)
			c.Close()
		}
		if err == nil {
			t.Error("a session over the per-source limit was served")
		}
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for range 200 {
		if ok() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("condition not reached")
}
