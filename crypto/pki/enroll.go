package pki

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/smallstep/scep"
	"github.com/smallstep/scep/x509util"

	"cmeos/crypto/keys"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
)

// TopicGranted is published by the certificate server when it grants
// requests, so that pending enrollments poll at once.
var TopicGranted = config.DeclareTopic("pki-granted")

// TopicCertificates is published when a trustpoint's certificate (its own
// or its CA's) changes: installed, enrolled, renewed, rolled over, removed.
var TopicCertificates = config.DeclareTopic("certificates")

// PollInterval is how often a pending enrollment asks the CA again
// (IOS: enrollment retry period, 1 minute).
var PollInterval = time.Minute

// pendingRequest is an enrollment the CA has not answered yet.
type pendingRequest struct {
	url string
	ca  *x509.Certificate
	csr []byte
	key crypto.Signer
	// newKey is the key pair `auto-enroll ... regenerate` made for this
	// request; it replaces the trustpoint's key only once the certificate
	// for it has arrived.
	newKey *keys.Key
}

var (
	oidUnstructuredName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 2}
	oidUnstructuredAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 8}
	oidSerialNumber        = asn1.ObjectIdentifier{2, 5, 4, 5}
)

var dnOIDs = map[string]asn1.ObjectIdentifier{
	"cn": {2, 5, 4, 3}, "c": {2, 5, 4, 6}, "l": {2, 5, 4, 7}, "st": {2, 5, 4, 8}, "o": {2, 5, 4, 10}, "ou": {2, 5, 4, 11},
	"serialnumber": oidSerialNumber, "e": {1, 2, 840, 113549, 1, 9, 1}, "ea": {1, 2, 840, 113549, 1, 9, 1},
}

// ParseDN parses an IOS subject-name ("cn=x,o=y,c=US") into a name, most
// specific first as typed.
func ParseDN(s string) (pkix.Name, error) {
	var n pkix.Name
	parts := strings.Split(s, ",")
	for i := len(parts) - 1; i >= 0; i-- {
		p := strings.TrimSpace(parts[i])
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		oid, known := dnOIDs[strings.ToLower(strings.TrimSpace(k))]
		if !ok || !known || v == "" {
			return n, fmt.Errorf("bad subject-name component %q", p)
		}
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oid, Value: strings.TrimSpace(v)})
	}
	return n, nil
}

// fqdn is the name IOS puts in enrollment requests (lock held).
func (f *Feature) fqdn(tp *Trustpoint) string {
	if tp.FQDN != "" {
		return tp.FQDN
	}
	return keys.DefaultLabel(f.sys)
}

// boardSerial stands in for the router serial number.
func (f *Feature) boardSerial() string { return "CMEOS" + strings.ToUpper(f.sys.Opts.Board) }

// buildCSR makes the PKCS#10 request for a trustpoint.
func (f *Feature) buildCSR(tp *Trustpoint, key crypto.Signer, challenge string, serial bool, ip string) ([]byte, error) {
	var subj pkix.Name
	if tp.SubjectName != "" {
		var err error
		if subj, err = ParseDN(tp.SubjectName); err != nil {
			return nil, err
		}
	}
	extra := []pkix.AttributeTypeAndValue{{Type: oidUnstructuredName, Value: f.fqdn(tp)}}
	if serial {
		extra = append(extra, pkix.AttributeTypeAndValue{Type: oidSerialNumber, Value: f.boardSerial()})
	}
	if ip != "" {
		extra = append(extra, pkix.AttributeTypeAndValue{Type: oidUnstructuredAddress, Value: ip})
	}
	subj.ExtraNames = append(subj.ExtraNames, extra...)
	tmpl := &x509util.CertificateRequest{ChallengePassword: challenge}
	tmpl.Subject = subj
	if tp.SubjectAlt != "" {
		tmpl.DNSNames = strings.Fields(strings.ReplaceAll(tp.SubjectAlt, ",", " "))
	}
	if ip != "" {
		tmpl.IPAddresses = []net.IP{net.ParseIP(ip)}
	}
	return x509util.CreateCertificateRequest(rand.Reader, tmpl, key)
}

// enrollKey returns the trustpoint's key pair, generating it if missing.
func (f *Feature) enrollKey(c *cli.Context, tp *Trustpoint) (*keys.Key, error) {
	st := keys.FromSystem(f.sys)
	label := f.KeyLabel(tp)
	if k, ok := st.Get(label); ok {
		return k, nil
	}
	bits := tp.KeySize
	if bits == 0 {
		bits = 2048
	}
	c.Printf("%% Generating %d bit RSA keys, keys will be non-exportable...\n", bits)
	k, err := st.GenerateRSA(label, bits, false)
	if err != nil {
		return nil, fmt.Errorf("%% Key generation failed: %v", errors.Unwrap(err))
	}
	c.Printf("[OK] (elapsed time was 0 seconds)\n\n")
	return k, nil
}

func (f *Feature) enroll(c *cli.Context) error {
	name := c.String("tpname")
	tp, err := f.lookup(name)
	if err != nil {
		return err
	}
	if f.sys.IsLoading() {
		return nil
	}
	if tp.SelfSigned {
		return f.enrollSelf(c, tp)
	}
	ca := f.CACertificate(name)
	if ca == nil {
		return errors.New("% You must authenticate the Certificate Authority before\n  you can enroll with it.")
	}
	if _, ok := ca.PublicKey.(*rsa.PublicKey); !ok && tp.URL != "" && !tp.Terminal {
		return errors.New("% SCEP enrollment needs a CA with an RSA key; use enrollment terminal.")
	}
	if f.Certificate(name) != nil {
		c.Printf("%%\n%% You already have a certificate from this trustpoint.\n")
		if !keys.YesNo(c, "% Do you want to replace it? [yes/no]: ") {
			return nil
		}
	}
	k, err := f.enrollKey(c, tp)
	if err != nil {
		return err
	}
	c.Printf("%s", "%\n% Start certificate enrollment .. \n"+
		"% Create a challenge password. You will need to verbally provide this\n"+
		"   password to the CA Administrator in order to revoke your certificate.\n"+
		"   For security reasons your password will not be saved in the configuration.\n"+
		"   Please make a note of it.\n\n")
	pw, err := c.AskSecret("Password: ")
	if err != nil {
		return nil
	}
	pw2, err := c.AskSecret("Re-enter password: ")
	if err != nil {
		return nil
	}
	if pw != pw2 {
		return errors.New("% Passwords do not match.")
	}
	c.Printf("\n%% The subject name in the certificate will include: %s\n", f.fqdn(tp))
	serial := tp.SerialNumber == 1
	if tp.SerialNumber == 0 {
		serial = keys.YesNo(c, "% Include the router serial number in the subject name? [yes/no]: ")
	}
	if serial {
		c.Printf("%% The serial number in the certificate will be: %s\n", f.boardSerial())
	}
	ip := tp.IPAddress
	if ip == "none" {
		ip = ""
	} else if ip == "" {
		if keys.YesNo(c, "% Include an IP address in the subject name? [no]: ") {
			a, err := c.Ask("Enter Interface name or IP Address[]: ")
			if err != nil || net.ParseIP(strings.TrimSpace(a)).To4() == nil {
				return errors.New("% Invalid IP address.")
			}
			ip = strings.TrimSpace(a)
		}
	}
	// Re-check: the lock was released while asking.
	if f.tps[name] != tp {
		return fmt.Errorf("%% Trustpoint %s was removed.", name)
	}
	csr, err := f.buildCSR(tp, k.Signer, pw, serial, ip)
	if err != nil {
		return fmt.Errorf("%% Cannot build the certificate request: %v", err)
	}
	if tp.Terminal || tp.URL == "" {
		if !keys.YesNo(c, "Display Certificate Request to terminal? [yes/no]: ") {
			return nil
		}
		c.Printf("Certificate Request follows:\n\n%s\n---End - This line not part of the certificate request---\n\n",
			pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}))
		return nil
	}
	if !keys.YesNo(c, "Request certificate from CA? [yes/no]: ") {
		return nil
	}
	c.Printf("%% Certificate request sent to Certificate Authority\n%% The 'show crypto pki certificate verbose %s' commmand will show the fingerprint.\n", name)
	p := &pendingRequest{url: tp.URL, ca: ca, csr: csr, key: k.Signer}
	f.send(name, tp, p)
	return nil
}

// send performs one SCEP exchange for trustpoint name and acts on the
// answer. The configuration lock is held by the caller; the CA side of the
// exchange never takes it.
func (f *Feature) send(name string, tp *Trustpoint, p *pendingRequest) {
	res, err := SCEPEnroll(f.sys.Context(), p.url, p.ca, p.csr, p.key)
	f.handle(name, tp, p, res, err)
}

func (f *Feature) handle(name string, tp *Trustpoint, p *pendingRequest, res *EnrollResult, err error) {
	switch {
	case err != nil:
		tp.pending = nil
		f.sys.Log.Logf(logging.Errors, "PKI", "CERT_ENROLL_FAIL", "Certificate enrollment failed for trustpoint %s: %v", name, err)
	case res.Status == scep.SUCCESS:
		tp.pending = nil
		if err := res.Cert.CheckSignatureFrom(p.ca); err != nil {
			f.sys.Log.Logf(logging.Errors, "PKI", "CERT_ENROLL_FAIL", "Certificate enrollment failed for trustpoint %s: certificate not signed by the CA", name)
			return
		}
		if p.newKey != nil {
			if err := keys.FromSystem(f.sys).Put(p.newKey); err != nil {
				f.sys.Log.Logf(logging.Errors, "PKI", "CERT_ENROLL_FAIL", "Certificate enrollment failed for trustpoint %s: storing the new key: %v", name, err)
				return
			}
		}
		f.SetCertificate(name, res.Cert, false)
		f.sys.Log.Logf(logging.Informational, "PKI", "CERTRET", "Certificate received from Certificate Authority")
	case res.Status == scep.PENDING:
		if tp.pending == nil {
			f.sys.Log.Logf(logging.Informational, "PKI", "CERT_PENDING", "Certificate request for trustpoint %s is pending", name)
		}
		tp.pending = p
		f.startPoller()
	default:
		tp.pending = nil
		f.sys.Log.Logf(logging.Errors, "PKI", "CERTREJECT", "Certificate enrollment request was rejected by Certificate Authority")
	}
}

// poller state: one goroutine polls every pending trustpoint.
type poller struct {
	once sync.Once
	kick chan struct{}
	done chan struct{}
}

func (f *Feature) startPoller() {
	f.poll.once.Do(func() {
		f.poll.kick = make(chan struct{}, 1)
		f.poll.done = make(chan struct{})
		f.sys.Subscribe(TopicGranted, "pki", func(context.Context) error {
			select {
			case f.poll.kick <- struct{}{}:
			default:
			}
			return nil
		})
		go f.pollLoop()
	})
}

func (f *Feature) pollLoop() {
	defer close(f.poll.done)
	ctx := f.sys.Context()
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.poll.kick:
		}
		f.sys.Lock()
		type job struct {
			name string
			tp   *Trustpoint
			p    *pendingRequest
		}
		var jobs []job
		for _, n := range f.order {
			if tp := f.tps[n]; tp.pending != nil {
				jobs = append(jobs, job{n, tp, tp.pending})
			}
		}
		f.sys.Unlock()
		for _, j := range jobs {
			res, err := SCEPEnroll(ctx, j.p.url, j.p.ca, j.p.csr, j.p.key)
			if ctx.Err() != nil {
				return
			}
			f.sys.Lock()
			if f.tps[j.name] == j.tp && j.tp.pending == j.p {
				f.handle(j.name, j.tp, j.p, res, err)
			}
			f.sys.Unlock()
		}
	}
}

// Close stops the poller and the expiry monitor (the System's context is
// already cancelled).
func (f *Feature) Close() error {
	if f.poll.done != nil {
		<-f.poll.done
	}
	if f.mon.done != nil {
		<-f.mon.done
	}
	return nil
}

// Pending reports whether trustpoint name has an enrollment waiting for the CA (lock held).
func (f *Feature) Pending(name string) bool {
	tp := f.tps[name]
	return tp != nil && tp.pending != nil
}

// enrollSelf issues a self-signed certificate for an `enrollment selfsigned` trustpoint.
func (f *Feature) enrollSelf(c *cli.Context, tp *Trustpoint) error {
	k, err := f.enrollKey(c, tp)
	if err != nil {
		return err
	}
	subj := pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUnstructuredName, Value: f.fqdn(tp)}}}
	if tp.SubjectName != "" {
		if subj, err = ParseDN(tp.SubjectName); err != nil {
			return fmt.Errorf("%% Bad subject-name: %v", err)
		}
	}
	now := f.sys.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subj, NotBefore: now.Add(-time.Minute),
		NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), BasicConstraintsValid: true, IsCA: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Signer.Public(), k.Signer)
	if err != nil {
		return fmt.Errorf("%% Failed to generate the self-signed certificate: %v", err)
	}
	cert, _ := x509.ParseCertificate(der)
	f.SetCertificate(tp.Name, cert, false)
	c.Printf("%% Generating Self Signed Certificate ...\n%% Self Signed Certificate successfully generated.\n")
	return nil
}

func (f *Feature) fetchCA(c *cli.Context, url string) (*x509.Certificate, error) {
	return FetchCACert(f.sys.Context(), url)
}

func (f *Feature) validate(c *cli.Context) error {
	name := c.String("tpname")
	if _, err := f.lookup(name); err != nil {
		return err
	}
	ca, cert := f.CACertificate(name), f.Certificate(name)
	if cert == nil {
		return fmt.Errorf("%% Trustpoint %s has no router certificate.", name)
	}
	roots := x509.NewCertPool()
	if ca != nil {
		roots.AddCert(ca)
	}
	_, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: f.sys.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err == nil {
		err = CheckRevocation(f.sys.Context(), f.tps[name], cert, ca)
	}
	if err != nil {
		c.Printf("Certificate chain has 1 certificates.\nCertificate chain for %s is not valid\n  (%v)\n", name, err)
		return nil
	}
	c.Printf("Certificate chain has 2 certificates.\nCertificate chain for %s is valid\n", name)
	return nil
}

// EnrollRA enrolls trustpoint name for a registration authority (the
// certificate server in `mode ra`, lock held): it fetches and accepts the
// issuing CA's certificate when missing (fingerprints and the accept
// question), generates the key when missing, and sends the request by SCEP
// (no serial number, no IP address, no challenge). The certificate is
// installed when the CA grants; a pending request is polled as for
// `crypto pki enroll`.
func (f *Feature) EnrollRA(c *cli.Context, name string) error {
	tp, err := f.lookup(name)
	if err != nil {
		return err
	}
	if tp.URL == "" {
		return fmt.Errorf("%% Trustpoint %s needs an enrollment url (the issuing CA) for RA mode.", name)
	}
	ca := f.CACertificate(name)
	if ca == nil {
		fetched, err := f.fetchCA(c, tp.URL)
		if err != nil {
			f.sys.Log.Logf(logging.Errors, "PKI", "CA_CERT_FETCH_FAIL", "Cannot get the CA certificate of trustpoint %s: %v", name, err)
			return errors.New("% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0")
		}
		if !f.acceptCA(c, name, fetched) {
			return nil
		}
		ca = fetched
	}
	if f.Certificate(name) != nil || tp.pending != nil {
		return nil
	}
	k, err := f.enrollKey(c, tp)
	if err != nil {
		return err
	}
	if f.tps[name] != tp {
		return fmt.Errorf("%% Trustpoint %s was removed.", name)
	}
	csr, err := f.buildCSR(tp, k.Signer, "", false, "")
	if err != nil {
		return fmt.Errorf("%% Cannot build the certificate request: %v", err)
	}
	c.Printf("%% Enrollment in progress...\n")
	f.send(name, tp, &pendingRequest{url: tp.URL, ca: ca, csr: csr, key: k.Signer})
	return nil
}
