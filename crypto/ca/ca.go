// Package ca is the router's certificate server (`crypto pki server`): an
// issuing CA whose key lives in the key store, whose CA certificate lives
// in the same-label trustpoint, and whose database (serial counter,
// issued-certificate index, certificates, revocations, CRL) lives under
// `database url`. It serves SCEP on the HTTP server at
// /cgi-bin/pkiclient.exe and grants requests automatically or by hand.
package ca

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/fs"
)

// Profile is a certificate profile: the extensions a role needs (issue 5 item 7).
type Profile int

// Profiles.
const (
	// ProfileServer: CallManager, TFTP, SAST, TVS, HTTPS: digitalSignature
	// + keyEncipherment + dataEncipherment, serverAuth + clientAuth,
	// CA:FALSE (seed 002, table 1: the CallManager, tomcat and TVS rows).
	ProfileServer Profile = iota
	// ProfileCAPF: CA:TRUE pathlen:0, digitalSignature + keyCertSign (seed
	// 000: CAPF issues phone LSCs) + keyEncipherment, serverAuth (seed 002,
	// table 1: the CAPF row; CAPF is the TLS server of port 3804).
	ProfileCAPF
	// ProfilePhone: phone LSC: digitalSignature + keyEncipherment, clientAuth.
	ProfilePhone
	// ProfileLSC: a phone LSC as CAPF issues it (protocols.md §4.9):
	// digitalSignature + keyEncipherment, serverAuth + clientAuth + IPsec
	// end system, the URI SAN of the request, SHA-256. See IssueLSC.
	ProfileLSC
)

// capfSubject reports whether a subject names a CAPF certificate the way
// seed 004 names them: CN=CAPF-... or hostname=capf.
func capfSubject(subject pkix.Name, raw string) bool {
	return strings.HasPrefix(strings.ToUpper(subject.CommonName), "CAPF") || strings.Contains(strings.ToLower(raw), "hostname=capf")
}

// ProfileFor is the profile a grant gives csr. A CA certificate
// (ProfileCAPF: CA:TRUE pathlen:0, keyCertSign, which seed 000 requires of
// the CAPF certificate) is issued only for a key pair of this box itself
// (Settings.OwnKey: a key of the box's key store, which no remote
// requester can sign with) whose trustpoint names it a CAPF certificate.
// The subject of a request from anyone else decides nothing: CN=CAPF-x
// from the network gets a server certificate like any other.
func (a *Authority) ProfileFor(csr *x509.CertificateRequest) Profile {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.profileLocked(csr)
}

func (a *Authority) profileLocked(csr *x509.CertificateRequest) Profile {
	if a.ownKey != nil && a.ownKey(csr.RawSubjectPublicKeyInfo) && capfSubject(csr.Subject, subjectOf(csr)) {
		return ProfileCAPF
	}
	return ProfileServer
}

// Database levels.
const (
	LevelMinimal  = "minimal"
	LevelNames    = "names"
	LevelComplete = "complete"
)

// Authority is a running issuing CA. It never takes the configuration
// lock: its settings are copied in by the feature (Configure), so that the
// SCEP handler can answer while a console holds the lock (crypto pki
// enroll to our own CA).
type Authority struct {
	fs   *fs.Store
	now  func() time.Time
	cert *x509.Certificate
	key  crypto.Signer

	mu       sync.Mutex // guards everything below and the database files
	name     string
	dbURL    string
	level    string
	lifetime int // days of issued certificates
	crlHours int
	grant    bool // grant auto
	rollover bool // grant auto rollover: renewals by holders of our certificates are granted
	reject   bool // grant none: requests without a valid one-time password are rejected
	cdpURL   string
	hash     string // sha256 (default), sha384, sha512
	serial   int64  // next serial to issue
	last     int64  // last serial issued (0: none)
	revoked  map[string]time.Time
	reqs     []*Request
	nextReq  int
	byTID    map[string]*Request
	crl      []byte
	otps     map[string]time.Time // one-time challenge passwords and their expiry
	reqLife  time.Duration        // `lifetime enrollment-request`
	limit    sourceLimit          // PKIOperation rate per source; own lock
	ownKey   func(spki []byte) bool
}

// Request is an enrollment request held by the server.
type Request struct {
	ID    int
	TID   string
	CSR   *x509.CertificateRequest
	State string // pending, granted, rejected
	// Profile is what a grant issues, decided by the CA's configuration
	// when the request was filed (ProfileFor).
	Profile Profile
	Cert    *x509.Certificate
	Created time.Time
}

// Settings are the parts of the configuration the Authority uses.
type Settings struct {
	Name      string
	DBURL     string
	Level     string
	Lifetime  int
	CRLHours  int
	GrantAuto bool
	// GrantRollover grants automatically the requests signed by a valid
	// certificate this CA issued (re-enrollment of a subordinate CA, RA or
	// router), leaving new requests to a manual grant (grant auto rollover).
	GrantRollover bool
	CDPURL        string
	Hash          string // `hash`: sha256 (default), sha384, sha512
	GrantNone     bool   // `grant none`: reject requests automatically (one-time passwords excepted)
	// RequestHours is how long an enrollment request stays in the request
	// table (`lifetime enrollment-request`); 0 is DefaultRequestHours.
	RequestHours int
	// OwnKey reports whether spki (a DER SubjectPublicKeyInfo) is a key
	// pair of this box's own key store; only those can be given a CA
	// certificate (see ProfileFor). Nil: none can.
	OwnKey func(spki []byte) bool
}

// Errors.
var (
	ErrBadCSR   = errors.New("ca: bad certificate request")
	ErrDatabase = errors.New("ca: database write failed")
	ErrNoSuch   = errors.New("ca: no such request")
)

// Open starts an Authority on an existing CA certificate and key and loads
// its database.
func Open(st *fs.Store, now func() time.Time, cert *x509.Certificate, key crypto.Signer, s Settings) (*Authority, error) {
	a := &Authority{fs: st, now: now, cert: cert, key: key, revoked: map[string]time.Time{}, otps: map[string]time.Time{}, byTID: map[string]*Request{}, nextReq: 1}
	a.Configure(s)
	if err := a.loadDB(); err != nil {
		return nil, err
	}
	return a, nil
}

// Configure applies new settings.
func (a *Authority) Configure(s Settings) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.name, a.dbURL, a.level, a.lifetime, a.crlHours, a.grant, a.cdpURL = s.Name, s.DBURL, s.Level, s.Lifetime, s.CRLHours, s.GrantAuto, s.CDPURL
	a.rollover = s.GrantRollover
	a.hash, a.reject = s.Hash, s.GrantNone
	a.ownKey = s.OwnKey
	a.reqLife = time.Duration(s.RequestHours) * time.Hour
	if s.RequestHours <= 0 {
		a.reqLife = DefaultRequestHours * time.Hour
	}
}

// Bounds of the request table (issue 15 item 6). A request leaves the
// table when it is older than `lifetime enrollment-request` (IOS: 168
// hours by default), whatever its state; the table never holds more than
// MaxRequests: when full, the oldest finished requests make room, and a
// new request is refused while MaxRequests are pending.
const (
	DefaultRequestHours = 168
	MaxRequests         = 1000
)

// ErrTableFull refuses a request while MaxRequests are pending.
var ErrTableFull = errors.New("ca: enrollment request table full")

// pruneLocked applies the bounds of the request table before one more
// request is filed; it reports whether there is room.
func (a *Authority) pruneLocked(now time.Time) bool {
	keep := a.reqs[:0]
	for _, r := range a.reqs {
		if now.Sub(r.Created) > a.reqLife {
			delete(a.byTID, r.TID)
			continue
		}
		keep = append(keep, r)
	}
	clear(a.reqs[len(keep):])
	a.reqs = keep
	for i := 0; len(a.reqs) >= MaxRequests && i < len(a.reqs); {
		if r := a.reqs[i]; r.State != "pending" {
			if a.byTID[r.TID] == r {
				delete(a.byTID, r.TID)
			}
			a.reqs = append(a.reqs[:i], a.reqs[i+1:]...)
			continue
		}
		i++
	}
	return len(a.reqs) < MaxRequests
}

// SignatureAlgorithm is the signature of certificates and CRLs made with
// key under the server's `hash` (sha256 when unset).
func SignatureAlgorithm(key crypto.Signer, hash string) x509.SignatureAlgorithm {
	_, isRSA := key.Public().(*rsa.PublicKey)
	switch {
	case hash == "sha384" && isRSA:
		return x509.SHA384WithRSA
	case hash == "sha512" && isRSA:
		return x509.SHA512WithRSA
	case isRSA:
		return x509.SHA256WithRSA
	case hash == "sha384":
		return x509.ECDSAWithSHA384
	case hash == "sha512":
		return x509.ECDSAWithSHA512
	case hash == "sha256":
		return x509.ECDSAWithSHA256
	}
	return x509.UnknownSignatureAlgorithm // Go's choice for the key (Ed25519, ECDSA by curve)
}

// Cert is the CA certificate.
func (a *Authority) Cert() *x509.Certificate { return a.cert }

// NewCACertificate makes the self-signed CA certificate.
func NewCACertificate(key crypto.Signer, issuer pkix.Name, now time.Time, days int, hash string) (*x509.Certificate, error) {
	return newCA(key, issuer, big.NewInt(1), now, days, hash)
}

func newCA(key crypto.Signer, issuer pkix.Name, serial *big.Int, now time.Time, days int, hash string) (*x509.Certificate, error) {
	return newCARaw(key, issuer, nil, serial, now, days, hash)
}

func newCARaw(key crypto.Signer, issuer pkix.Name, rawSubject []byte, serial *big.Int, now time.Time, days int, hash string) (*x509.Certificate, error) {
	ski := sha256.Sum256(publicBytes(key.Public()))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: issuer, NotBefore: now.Add(-time.Minute),
		NotAfter: now.AddDate(0, 0, days), BasicConstraintsValid: true, IsCA: true, SignatureAlgorithm: SignatureAlgorithm(key, hash),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: ski[:20], RawSubject: rawSubject}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func publicBytes(pub crypto.PublicKey) []byte {
	b, _ := x509.MarshalPKIXPublicKey(pub)
	return b
}

// database files under the database url.
func (a *Authority) path(file string) (fs.Path, error) {
	u := a.dbURL
	if !strings.HasSuffix(u, ":") && !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return a.fs.Parse(u + file)
}

func (a *Authority) read(file string) ([]byte, error) {
	p, err := a.path(file)
	if err != nil {
		return nil, err
	}
	return a.fs.ReadFile(p)
}

func (a *Authority) write(file string, b []byte) error {
	p, err := a.path(file)
	if err != nil {
		return err
	}
	if err := a.fs.WriteFile(p, b); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDatabase, p, err)
	}
	return nil
}

func (a *Authority) append(file string, b []byte) error {
	p, err := a.path(file)
	if err != nil {
		return err
	}
	if err := a.fs.Append(p, b); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDatabase, p, err)
	}
	return nil
}

// loadDB reads NAME.ser (next serial) and NAME.rev (revocations).
func (a *Authority) loadDB() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.serial, a.last = 2, 1 // 1 is the CA certificate
	if b, err := a.read(a.name + ".ser"); err == nil {
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n < 2 {
			return fmt.Errorf("ca: damaged serial file %s.ser", a.name)
		}
		a.serial, a.last = n, n-1
	} else if !errors.Is(err, fs.ErrNotFound) {
		return fmt.Errorf("ca: read %s.ser: %w", a.name, err)
	}
	if b, err := a.read(a.name + ".rev"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) == 2 {
				t, _ := time.Parse(time.RFC3339, f[1])
				a.revoked[strings.ToUpper(f[0])] = t
			}
		}
	}
	if b, err := a.read(a.name + ".crl"); err == nil {
		a.crl = b
	}
	return nil
}

// Issue signs a certificate for csr under profile. The serial counter is
// persisted before the certificate exists, so that serials never repeat,
// even after a crash or a full disk.
func (a *Authority) Issue(csr *x509.CertificateRequest, profile Profile) (*x509.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.issueLocked(csr, profile)
}

func (a *Authority) issueLocked(csr *x509.CertificateRequest, profile Profile) (*x509.Certificate, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSR, err)
	}
	return a.signLocked(csr, profile)
}

// signLocked issues a certificate for a request whose proof of possession
// was checked by the caller (the CSR signature, or CAPF's own dialogue).
func (a *Authority) signLocked(csr *x509.CertificateRequest, profile Profile) (*x509.Certificate, error) {
	serial := a.serial
	if err := a.write(a.name+".ser", []byte(strconv.FormatInt(serial+1, 10)+"\n")); err != nil {
		return nil, err
	}
	a.serial, a.last = serial+1, serial
	now := a.now()
	notAfter := now.AddDate(0, 0, a.lifetime)
	if notAfter.After(a.cert.NotAfter) {
		notAfter = a.cert.NotAfter
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: csr.Subject, NotBefore: now.Add(-time.Minute), NotAfter: notAfter,
		DNSNames: csr.DNSNames, IPAddresses: csr.IPAddresses, BasicConstraintsValid: true, SignatureAlgorithm: SignatureAlgorithm(a.key, a.hash)}
	tmpl.RawSubject = csr.RawSubject // keep hostname=, serialNumber= and unstructuredAddress as requested
	switch profile {
	case ProfileCAPF:
		tmpl.IsCA, tmpl.MaxPathLenZero = true, true
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case ProfilePhone:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case ProfileLSC:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageIPSECEndSystem}
		tmpl.URIs = csr.URIs
		tmpl.SignatureAlgorithm = SignatureAlgorithm(a.key, "sha256")
	default:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	if a.cdpURL != "" {
		tmpl.CRLDistributionPoints = []string{a.cdpURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, csr.PublicKey, a.key)
	if err != nil {
		return nil, fmt.Errorf("ca: sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	// Index and certificate per database level; a failure here leaves the
	// serial used but the database consistent.
	switch a.level {
	case LevelNames, LevelComplete:
		line := fmt.Sprintf("%X %s %s %s\n", serial, now.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339), subjectString(cert))
		// Appended, not rewritten: one request costs one line.
		if err := a.append(a.name+".cnm", []byte(line)); err != nil {
			return nil, err
		}
		if a.level == LevelComplete {
			if err := a.write(fmt.Sprintf("%X.cer", serial), der); err != nil {
				return nil, err
			}
		}
	}
	return cert, nil
}

// subjectString is the subject as IOS shows it, on one line.
func subjectString(c *x509.Certificate) string {
	return pki.DN(c.RawSubject) // escaped: one line
}

// LastSerial is the serial of the last certificate issued (0: none).
func (a *Authority) LastSerial() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// Submit handles a request arriving by SCEP: a known transaction gets its
// current state; a new one is granted at once (grant auto) or held.
// It returns a copy of the request's state.
func (a *Authority) Submit(tid string, csr *x509.CertificateRequest) (Request, error) {
	return a.SubmitChallenge(tid, csr, "")
}

// GeneratePassword makes a one-time challenge password valid for minutes
// (`crypto pki server NAME password generate`): a SCEP request carrying it
// as its challenge password is granted at once, whatever the grant mode,
// and the password is then used up.
func (a *Authority) GeneratePassword(minutes int) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	pw := strings.ToUpper(hex.EncodeToString(b))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.otps[pw] = a.now().Add(time.Duration(minutes) * time.Minute)
	return pw, nil
}

// useOTP consumes a valid one-time password (lock held).
func (a *Authority) useOTP(challenge string) bool {
	now := a.now()
	for pw, exp := range a.otps {
		if now.After(exp) {
			delete(a.otps, pw)
		}
	}
	if challenge == "" {
		return false
	}
	if _, ok := a.otps[challenge]; !ok {
		return false
	}
	delete(a.otps, challenge)
	return true
}

// SubmitChallenge is Submit for a request whose challenge password is
// challenge: a valid one-time password grants it at once.
func (a *Authority) SubmitChallenge(tid string, csr *x509.CertificateRequest, challenge string) (Request, error) {
	return a.submit(tid, csr, challenge, false)
}

// submit files a request; renewal says it was signed by a valid certificate
// this CA issued (grant auto rollover grants those at once).
func (a *Authority) submit(tid string, csr *x509.CertificateRequest, challenge string, renewal bool) (Request, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// The same request again (a client polling, or a duplicate) gets the
	// transaction's state. A new CSR under the same transaction ID (the ID
	// derives from the key: a renewal with the same key) is a new request.
	if r := a.byTID[tid]; r != nil && (r.State == "pending" || bytes.Equal(r.CSR.Raw, csr.Raw)) {
		return *r, nil
	}
	if err := csr.CheckSignature(); err != nil {
		return Request{}, fmt.Errorf("%w: %v", ErrBadCSR, err)
	}
	if !a.pruneLocked(a.now()) {
		return Request{}, ErrTableFull
	}
	r := &Request{ID: a.nextReq, TID: tid, CSR: csr, State: "pending", Created: a.now(), Profile: a.profileLocked(csr)}
	otp := a.useOTP(challenge)
	if !otp && !a.grant && a.reject {
		r.State = "rejected" // grant none
	}
	if a.grant || otp || (a.rollover && renewal) {
		cert, err := a.issueLocked(csr, r.Profile)
		if err != nil {
			return Request{}, err
		}
		r.State, r.Cert = "granted", cert
	}
	a.nextReq++
	a.reqs = append(a.reqs, r)
	a.byTID[tid] = r
	return *r, nil
}

func subjectOf(csr *x509.CertificateRequest) string { return pki.DN(csr.RawSubject) }

// Lookup returns a copy of the request of a transaction.
func (a *Authority) Lookup(tid string) (Request, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.byTID[tid]
	if r == nil {
		return Request{}, false
	}
	return *r, true
}

// Grant issues pending requests (id 0: all). It returns how many were granted.
func (a *Authority) Grant(id int) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	found := false
	for _, r := range a.reqs {
		if (id == 0 || r.ID == id) && r.State == "pending" {
			found = true
			cert, err := a.issueLocked(r.CSR, r.Profile)
			if err != nil {
				return n, err
			}
			r.State, r.Cert = "granted", cert
			n++
		}
	}
	if id != 0 && !found {
		return 0, ErrNoSuch
	}
	return n, nil
}

// Reject rejects pending requests (id 0: all).
func (a *Authority) Reject(id int) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, r := range a.reqs {
		if (id == 0 || r.ID == id) && r.State == "pending" {
			r.State = "rejected"
			n++
		}
	}
	if id != 0 && n == 0 {
		return 0, ErrNoSuch
	}
	return n, nil
}

// Requests returns a copy of the request table.
func (a *Authority) Requests() []Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Request, len(a.reqs))
	for i, r := range a.reqs {
		out[i] = *r
	}
	return out
}

// Revoke adds a serial (hex) to the revocation list and regenerates the CRL.
func (a *Authority) Revoke(serialHex string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := strings.ToUpper(strings.TrimLeft(serialHex, "0"))
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Int64() < 2 || n.Int64() >= a.serial {
		return fmt.Errorf("ca: certificate %s was not issued by this CA", strings.ToUpper(serialHex))
	}
	if _, dup := a.revoked[s]; dup {
		return fmt.Errorf("ca: certificate %s is already revoked", strings.ToUpper(serialHex))
	}
	a.revoked[s] = a.now()
	var sb strings.Builder
	for k, t := range a.revoked {
		fmt.Fprintf(&sb, "%s %s\n", k, t.UTC().Format(time.RFC3339))
	}
	if err := a.write(a.name+".rev", []byte(sb.String())); err != nil {
		delete(a.revoked, s)
		return err
	}
	_, err := a.crlLocked(true)
	return err
}

// CRL returns the current CRL (DER), generating it when missing or stale.
func (a *Authority) CRL() ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.crlLocked(false)
}

func (a *Authority) crlLocked(force bool) ([]byte, error) {
	now := a.now()
	if !force && a.crl != nil {
		if c, err := x509.ParseRevocationList(a.crl); err == nil && now.Before(c.NextUpdate) {
			return a.crl, nil
		}
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(now.Unix()), ThisUpdate: now, NextUpdate: now.Add(time.Duration(a.crlHours) * time.Hour),
		SignatureAlgorithm: SignatureAlgorithm(a.key, a.hash)}
	for s, t := range a.revoked {
		n, _ := new(big.Int).SetString(s, 16)
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: t})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, a.cert, a.key)
	if err != nil {
		return nil, err
	}
	if err := a.write(a.name+".crl", der); err != nil {
		return nil, err
	}
	a.crl = der
	return der, nil
}

// Fingerprint is what `info requests` shows for a request, as IOS: the
// MD5 digest of the PKCS#10 request, in hex (an identifier, not a security
// check).
func Fingerprint(csr *x509.CertificateRequest) string {
	s := md5.Sum(csr.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// iosTime formats times as IOS shows them: "09:30:00 UTC Nov 23 2026".
func iosTime(t time.Time) string { return t.UTC().Format("15:04:05 MST Jan 2 2006") }

// IssuedEntry is one line of the issued-certificate index (database level
// names or complete).
type IssuedEntry struct {
	Serial          string
	Issued, Expires time.Time
	Subject         string
}

// Issued reads the issued-certificate index.
func (a *Authority) Issued() ([]IssuedEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, err := a.read(a.name + ".cnm")
	if errors.Is(err, fs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []IssuedEntry
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.SplitN(l, " ", 4)
		if len(f) != 4 {
			continue
		}
		is, _ := time.Parse(time.RFC3339, f[1])
		ex, _ := time.Parse(time.RFC3339, f[2])
		out = append(out, IssuedEntry{Serial: f[0], Issued: is, Expires: ex, Subject: f[3]})
	}
	return out, nil
}

// WriteArchive writes the CA key and certificate to the database url
// (`database archive`), protected by password: NAME.p12 (PKCS#12) or
// NAME.pem (the certificate and the key in legacy encrypted PEM, 3DES, as
// IOS exports keys). It returns the file name.
func (a *Authority) WriteArchive(format, password string) (string, error) {
	var file string
	var data []byte
	var err error
	switch format {
	case "pkcs12":
		file = a.name + ".p12"
		data, err = EncodePKCS12(a.cert, a.key, password)
	case "pem":
		file = a.name + ".pem"
		var key []byte
		if key, err = keys.EncryptPEM(a.key, "3des", password); err == nil {
			data = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.cert.Raw}), key...)
		}
	default:
		return "", fmt.Errorf("ca: unknown archive format %q", format)
	}
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, err := a.path(file)
	if err != nil {
		return "", err
	}
	return p.String(), a.write(file, data)
}

// Rollover (shadow) CA certificate: NAME-rollover.cer (DER) under the
// database url while a shadow CA certificate waits for activation.

// NewShadowCertificate makes the rollover CA certificate for key: the
// current CA's subject, a serial from the counter (persisted first, as for
// issued certificates), valid from the current CA certificate's expiry for
// days. It is saved in the database before it is returned.
func (a *Authority) NewShadowCertificate(key crypto.Signer, days int, hash string) (*x509.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	serial := a.serial
	if err := a.write(a.name+".ser", []byte(strconv.FormatInt(serial+1, 10)+"\n")); err != nil {
		return nil, err
	}
	a.serial, a.last = serial+1, serial
	start := a.cert.NotAfter.Add(time.Minute) // newCA starts a minute before
	cert, err := newCARaw(key, pkix.Name{}, a.cert.RawSubject, big.NewInt(serial), start, days, hash)
	if err != nil {
		return nil, err
	}
	if err := a.write(a.name+"-rollover.cer", cert.Raw); err != nil {
		return nil, err
	}
	return cert, nil
}

// ShadowCertificate reads the waiting rollover CA certificate (nil: none).
func (a *Authority) ShadowCertificate() *x509.Certificate {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, err := a.read(a.name + "-rollover.cer")
	if err != nil {
		return nil
	}
	c, _ := x509.ParseCertificate(b)
	return c
}

// RemoveShadow deletes the rollover CA certificate (activated or cancelled).
func (a *Authority) RemoveShadow() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, err := a.path(a.name + "-rollover.cer")
	if err != nil {
		return err
	}
	if err := a.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotFound) {
		return err
	}
	return nil
}
