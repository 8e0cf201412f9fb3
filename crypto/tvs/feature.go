// Package tvs is Security by Default (seed 003) for cmeos: the Initial
// Trust List (ITLFile.tlv and ITLSEP<MAC>.tlv, signed by the TFTP
// credentials) and the Trust Verification Service on TCP 2445 that tells
// phones whether a certificate missing from their ITL is trusted, and in
// which roles.
//
// Seed 003 describes CUCM, which has no IOS syntax for any of this, so the
// configuration is a small cmeos mode (tier X):
//
//	tvs                                    -> (config-tvs)#
//	 ip source-address A.B.C.D [port N]    TVS listener (default 2445; 0 any free port)
//	 trustpoint T                          TVS TLS certificate; role TVS in the ITL
//	 itl tftp trustpoint T                 signs the ITL; SAST and CCM+TFTP records
//	 itl capf trustpoint T                 adds a CAPF record
//	 itl perphone H.H.H                    also serve ITLSEP<MAC>.tlv
//	 shutdown                              stop the TVS, withdraw the ITL
//
// The ITL follows the configuration and the certificates automatically:
// it is rebuilt (and written atomically to flash:ITLFile.tlv) only when
// its records change, so its checksum changes only with its content, as
// seed 003 requires. The TVS vouches for the certificates of the ITL and
// of the CTL in service (system:/its/CTLFile.tlv, which crypto/ctlclient
// writes), looked up by SHA-256 as tvsd does; `show tvs` and `show itl`
// show the state. The ITL files go to system:/its/ too, from where TFTP
// and HTTP serve them.
package tvs

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/logging"
	"cmeos/ios/service"
)

// Mode is the tvs configuration mode.
const Mode = "config-tvs"

// FeatureName is the registration name.
const FeatureName = "tvs"

// ITLName is the generic ITL file name (protocols.md §2.8).
const ITLName = ctl.ITLFileName

// MaxITLSize is the ITL size phones load (seed 003: over 64 KB fails).
const MaxITLSize = 64 * 1024

func init() {
	config.Register(config.Registration{Name: FeatureName, Order: config.OrderCTLClient + 60, New: newFeature,
		Examples: "tvs\n ip source-address 10.1.1.1 port 2445\n trustpoint cmeserver\n itl tftp trustpoint cme-tftp\n" +
			" itl capf trustpoint capf\n itl perphone 000C.CE3A.817C\n shutdown\n"})
}

// Feature is the tvs configuration, the ITL in service and the TVS server.
type Feature struct {
	sys *config.System

	// Guarded by the configuration lock.
	on         bool
	addr       netip.Addr
	port       int
	trustpoint string   // TVS TLS certificate (role TVS in the ITL)
	itlTFTP    string   // signs the ITL; SAST and CCM+TFTP records
	itlCAPF    string   // optional CAPF record
	perPhone   []string // MACs (12 upper-case hex digits) served ITLSEP<MAC>.tlv
	shutdown   bool
	itl        []byte   // ITL in service
	served     []string // names the ITL is published under
	lastITLErr string

	rmu sync.Mutex     // serializes Reconcile
	svc service.Runner // the listener and its connections
	// mu guards valid and invalid, the VERIFY_RESPONSEs sent by status.
	mu             sync.Mutex
	valid, invalid int
}

// FromSystem returns the tvs feature of a System.
func FromSystem(sys *config.System) *Feature {
	f, _ := sys.Feature(FeatureName).(*Feature)
	return f
}

func newFeature(sys *config.System) config.Feature {
	f := &Feature{sys: sys, port: DefaultPort}
	f.svc = service.Runner{Name: "TVS", Facility: "TVS", Log: sys.Log}
	t := sys.Tree
	t.AddMode(Mode, "(config-tvs)#", cli.ModeConfig)
	help := map[string]string{
		"tvs": "Trust Verification Service and ITL file", "ip": "IP configuration",
		"source-address": "Address the TVS listens on", "addr": "IP address", "port": "TCP port",
		"num": "Port number (default 2445; 0 any free port)", "trustpoint": "Trustpoint", "tp": "Trustpoint label",
		"itl": "Initial Trust List file", "tftp": "TFTP credentials that sign the ITL", "capf": "CAPF certificate in the ITL",
		"perphone": "Also serve the ITL as ITLSEP<mac>.tlv", "mac": "MAC address of the phone",
		"shutdown": "Stop the TVS and withdraw the ITL",
	}
	t.Add(cli.ModeConfig, cli.Command{Syntax: "tvs", Help: help, Owner: FeatureName, No: true, Run: func(c *cli.Context) error {
		if c.Negate {
			f.on, f.addr, f.port, f.trustpoint, f.itlTFTP, f.itlCAPF, f.perPhone, f.shutdown = false, netip.Addr{}, DefaultPort, "", "", "", nil, false
			return nil
		}
		f.on = true
		c.Enter(Mode, nil)
		return nil
	}})
	add := func(syntax string, run func(c *cli.Context) error) {
		t.Add(Mode, cli.Command{Syntax: syntax, Help: help, Owner: FeatureName, No: true, Run: run})
	}
	add("ip source-address [ addr:A.B.C.D [ port [ num:<0-65535> ] ] ]", func(c *cli.Context) error {
		if c.Negate {
			f.addr, f.port = netip.Addr{}, DefaultPort
			return nil
		}
		if !c.Has("addr") {
			return errIncomplete
		}
		f.addr, f.port = netip.MustParseAddr(c.String("addr")), c.Int("num", DefaultPort)
		return nil
	})
	add("trustpoint tp:WORD", func(c *cli.Context) error {
		f.trustpoint = c.String("tp")
		if c.Negate {
			f.trustpoint = ""
		}
		return nil
	})
	add("itl which:{ tftp | capf } trustpoint tp:WORD", func(c *cli.Context) error {
		v := c.String("tp")
		if c.Negate {
			v = ""
		}
		if c.String("which") == "tftp" {
			f.itlTFTP = v
		} else {
			f.itlCAPF = v
		}
		return nil
	})
	add("itl perphone mac:H.H.H", func(c *cli.Context) error {
		m := strings.ToUpper(strings.ReplaceAll(c.String("mac"), ".", ""))
		f.perPhone = slices.DeleteFunc(f.perPhone, func(x string) bool { return x == m })
		if !c.Negate {
			f.perPhone = append(f.perPhone, m)
		}
		return nil
	})
	add("shutdown", func(c *cli.Context) error {
		f.shutdown = !c.Negate
		return nil
	})
	registerShow(f)
	sys.Subscribe(pki.TopicCertificates, FeatureName, f.Reconcile)
	sys.Subscribe(config.TopicCTLGenerated, FeatureName, f.Reconcile)
	return f
}

var errIncomplete = errors.New("% Incomplete command.\n\n")

// Render writes the tvs block.
func (f *Feature) Render(r *config.Renderer) {
	if !f.on {
		return
	}
	r.Line("tvs")
	if f.addr.IsValid() {
		r.Subf("ip source-address %s port %d", f.addr, f.port)
	}
	if f.trustpoint != "" {
		r.Sub("trustpoint " + f.trustpoint)
	}
	if f.itlTFTP != "" {
		r.Sub("itl tftp trustpoint " + f.itlTFTP)
	}
	if f.itlCAPF != "" {
		r.Sub("itl capf trustpoint " + f.itlCAPF)
	}
	for _, m := range f.perPhone {
		r.Subf("itl perphone %s.%s.%s", m[0:4], m[4:8], m[8:12])
	}
	if f.shutdown {
		r.Sub("shutdown")
	}
	r.Bang()
}

// buildITL makes the ITL of seed 003 (lock held): the TFTP certificate as
// SAST (it signs) and as CCM+TFTP (the CME router is both), the TVS
// certificate, and the CAPF certificate when configured.
func (f *Feature) buildITL() (records []ctl.Record, signer crypto.Signer, cert *x509.Certificate, err error) {
	p := pki.FromSystem(f.sys)
	cert, signer, ok := p.Credentials(f.itlTFTP)
	if !ok {
		return nil, nil, nil, fmt.Errorf("TFTP trustpoint %s has no certificate or key", f.itlTFTP)
	}
	// The layout of seed 001's ITL: SAST and TFTP records carry the
	// certificate, TVS and CAPF records its hash (ctl.ITLRecord).
	add := func(c *x509.Certificate, role ctl.Role) error {
		withCert := role != ctl.RoleTVS && role != ctl.RoleCAPF
		r, err := ctl.ITLRecord(c, role, withCert)
		if err == nil {
			records = append(records, r)
		}
		return err
	}
	if err = add(cert, ctl.RoleSAST); err == nil {
		err = add(cert, ctl.RoleCCMTFTP)
	}
	if err == nil && f.trustpoint != "" {
		if c := p.Certificate(f.trustpoint); c != nil {
			err = add(c, ctl.RoleTVS)
		} else {
			err = fmt.Errorf("TVS trustpoint %s has no certificate", f.trustpoint)
		}
	}
	if err == nil && f.itlCAPF != "" {
		if c := p.Certificate(f.itlCAPF); c != nil {
			err = add(c, ctl.RoleCAPF)
		} else {
			err = fmt.Errorf("CAPF trustpoint %s has no certificate", f.itlCAPF)
		}
	}
	return records, signer, cert, err
}

func sameRecords(b []byte, signer *x509.Certificate, want []ctl.Record) bool {
	if b == nil {
		return false
	}
	got, err := ctl.Verify(b, signer)
	if err != nil || len(got.Records) != len(want) {
		return false
	}
	for i := range want {
		g, w := &got.Records[i], &want[i]
		if g.Role != w.Role || !g.CUCM || !bytes.Equal(g.Certificate, w.Certificate) || !bytes.Equal(g.CertificateHash, w.CertificateHash) ||
			g.SubjectName != w.SubjectName {
			return false
		}
	}
	return true
}

// syncITL generates, reuses or withdraws the ITL (lock held).
func (f *Feature) syncITL() {
	if !f.on || f.shutdown || f.itlTFTP == "" {
		f.publish(nil)
		return
	}
	records, signer, cert, err := f.buildITL()
	if err != nil {
		f.itlFailed(err)
		return
	}
	path, _ := f.sys.FS.Parse("flash:" + ITLName)
	b := f.itl
	if !sameRecords(b, cert, records) {
		if old, rerr := f.sys.FS.ReadFile(path); rerr == nil && sameRecords(old, cert, records) {
			b = old // checksum changes only with content (seed 003)
		} else {
			b, err = ctl.Sign(&ctl.File{Records: records}, signer, cert, crypto.SHA1, ITLName, f.sys.Now())
			if err == nil && len(b) > MaxITLSize {
				err = fmt.Errorf("ITL would be %d bytes, more than %d", len(b), MaxITLSize)
			}
			if err == nil {
				if werr := f.sys.FS.WriteFile(path, b); werr != nil {
					err = errors.New(fs.IOSError("writing", path, werr))
				}
			}
			if err != nil {
				f.itlFailed(err)
				return
			}
			f.sys.Log.Logf(logging.Notifications, "TVS", "ITL_GENERATED", "%s generated with %d records, signed by trustpoint %s", ITLName, len(records), f.itlTFTP)
		}
	}
	f.lastITLErr = ""
	f.publish(b)
}

// publish puts b in service as system:/its/ITLFile.tlv and
// ITLSEP<MAC>.tlv, or withdraws the ITL when b is nil (lock held).
func (f *Feature) publish(b []byte) {
	var names []string
	if b != nil {
		names = append(names, ITLName)
		for _, m := range f.perPhone {
			names = append(names, "ITLSEP"+m+".tlv")
		}
	}
	for _, n := range f.served {
		if !slices.Contains(names, n) {
			if err := f.sys.RemoveGenerated(n); err != nil {
				f.itlFailed(err)
			}
		}
	}
	var served []string
	for _, n := range names {
		if err := f.sys.WriteGenerated(n, b); err != nil {
			f.itlFailed(errors.New(fs.IOSError("writing", config.ITSPath(n), err)))
			continue
		}
		served = append(served, n)
	}
	f.itl, f.served = b, served
}

func (f *Feature) itlFailed(err error) {
	if msg := err.Error(); msg != f.lastITLErr {
		f.lastITLErr = msg
		f.sys.Log.Logf(logging.Errors, "TVS", "ITL_FAILED", "%s not generated: %s", ITLName, strings.TrimPrefix(msg, "% "))
	}
}

// ITL returns the ITL in service, or nil (lock held).
func (f *Feature) ITL() []byte { return slices.Clone(f.itl) }

// Addr returns the TVS listener's address, or nil.
func (f *Feature) Addr() net.Addr { return f.svc.Addr() }

// Reconcile brings the ITL up to date and starts, restarts or stops the
// TVS listener.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	f.sys.Lock()
	if f.sys.IsLoading() {
		// A certificate event in the middle of startup-config: the
		// feature is reconciled once the whole file is in.
		f.sys.Unlock()
		return nil
	}
	f.syncITL()
	why := ""
	switch {
	case !f.on || f.shutdown || !f.addr.IsValid() || f.trustpoint == "":
		why = "-"
	default:
		if _, _, ok := pki.FromSystem(f.sys).Credentials(f.trustpoint); !ok {
			why = fmt.Sprintf("trustpoint %s has no certificate or key", f.trustpoint)
		}
	}
	addr := net.JoinHostPort(f.addr.String(), strconv.Itoa(f.port))
	f.sys.Unlock()
	if why != "" {
		f.svc.Down(why)
		return nil
	}
	return f.svc.Up(ctx, service.Config{Addr: addr, TLS: f.tlsConfig, Handle: f.handle})
}

// Close stops the service.
func (f *Feature) Close() error {
	f.svc.Close()
	return nil
}

// known maps the SHA-1 fingerprint of every certificate the TVS vouches
// for to its roles: the records of the ITL and of the CTL in service,
// system:/its/CTLFile.tlv (lock held). SHA-1 because the ITL's CAPF and
// TVS records carry only that hash of their certificates (seed 001).
func (f *Feature) known() map[[sha1.Size]byte][]ctl.Role {
	m := map[[sha1.Size]byte][]ctl.Role{}
	var files [][]byte
	if f.itl != nil {
		files = append(files, f.itl)
	}
	if b, ok := f.sys.ReadGenerated(ctl.CTLFileName); ok {
		files = append(files, b)
	}
	for _, b := range files {
		file, err := ctl.Verify(b)
		if err != nil {
			continue
		}
		for _, r := range file.Records {
			var k [sha1.Size]byte
			switch {
			case len(r.Certificate) > 0:
				k = sha1.Sum(r.Certificate)
			case r.HashAlgorithm == ctl.HashSHA1 && len(r.CertificateHash) == sha1.Size:
				k = [sha1.Size]byte(r.CertificateHash)
			default:
				continue
			}
			if !slices.Contains(m[k], r.Role) {
				m[k] = append(m[k], r.Role)
			}
		}
	}
	return m
}

// tlsConfig is the server side of a TVS handshake, built per connection so
// that a new trustpoint certificate is used at once.
func (f *Feature) tlsConfig() (*tls.Config, error) {
	f.sys.Lock()
	cert, key, ok := pki.FromSystem(f.sys).Credentials(f.trustpoint)
	f.sys.Unlock()
	if !ok {
		return nil, errors.New("no credentials")
	}
	return &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}}}, nil
}

// handle answers one VERIFY_REQUEST on a connection whose TLS handshake
// the service runner has done.
func (f *Feature) handle(ctx context.Context, tc net.Conn) {
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := ReadMessage(tc)
	if err != nil || req.Command != CmdVerifyRequest {
		return // tvsd drops what it does not understand
	}
	der, ok := req.Get(TagCertificate)
	if !ok {
		return
	}
	if v, ok := req.Get(TagDeviceName); ok {
		if _, err := DeviceName(v); err != nil {
			return
		}
	}
	f.sys.Lock()
	roles := f.known()[sha1.Sum(der)]
	f.sys.Unlock()
	resp := &Message{Command: CmdVerifyResponse, Session: req.Session}
	f.mu.Lock()
	if len(roles) == 0 {
		f.invalid++
		resp.Elements = []Element{{TagStatus, []byte{StatusInvalid}}}
	} else {
		f.valid++
		rb := make([]byte, len(roles))
		for i, r := range roles {
			rb[i] = byte(r)
		}
		resp.Elements = []Element{{TagStatus, []byte{StatusValid}}, {TagRoles, rb}, {TagTTL, binary.BigEndian.AppendUint32(nil, DefaultTTL)}}
	}
	f.mu.Unlock()
	if b, err := resp.MarshalBinary(); err == nil {
		tc.Write(b)
	}
}
