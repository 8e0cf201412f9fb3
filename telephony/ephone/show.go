package ephone

import (
	"fmt"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/logging"
	"cmeos/telephony/cnf"
	"cmeos/telephony/tftpd"
)

// SignerFunc returns the signer of a trustpoint (tftp-server-credentials),
// or an error when it has no usable certificate. The PKI feature provides it.
type SignerFunc func(trustpoint string) (cnf.Signer, error)

// SetSigner plugs in the signing of cnf files; files are unsigned until then.
func (f *Feature) SetSigner(fn SignerFunc) {
	f.pubMu.Lock()
	f.signer = fn
	f.pubMu.Unlock()
	f.publishCnf()
}

var capfModes = map[string]int{"auth-string": 1, "null-string": 2, "LSC": 3, "MIC": 4}

// snapshot copies what the cnf files need (configuration lock held).
func (f *Feature) snapshot() (cnf.System, []cnf.Phone, string, bool) {
	s := &f.svc
	on := s.Enabled && s.VersionStamp != ""
	sys := cnf.System{Port: s.Port, Loads: map[string]string{}, VersionStamp: s.VersionStamp, CAPF: s.Source}
	if s.Source.IsValid() {
		sys.CallManagers = append(sys.CallManagers, s.Source)
	}
	if s.Secondary.IsValid() {
		sys.CallManagers = append(sys.CallManagers, s.Secondary)
	}
	for _, l := range s.Loads {
		sys.Loads[l.Type] = l.Firmware
	}
	var phones []cnf.Phone
	for _, tag := range sortedKeys(f.ephones) {
		e := f.ephones[tag]
		if e.MAC == "" {
			continue
		}
		mode := cnf.NonSecure
		switch EffectiveSecurity(s, e) {
		case ModeAuthenticated:
			mode = cnf.Authenticated
		case ModeEncrypted:
			mode = cnf.Encrypted
		}
		phones = append(phones, cnf.Phone{MAC: e.MACHex(), Type: e.Type, Security: mode, CapfInCnf: e.CapfIPInCnf,
			CapfAuthMode: f.capfAuthMode(e)})
	}
	return sys, phones, s.TFTPCredentials, on
}

// publishCnf regenerates the cnf files and writes them to system:/its/,
// from where TFTP and HTTP serve them, removing those of removed phones. It
// takes the configuration lock.
func (f *Feature) publishCnf() {
	f.sys.Lock()
	sys, phones, tp, on := f.snapshot()
	lcf := f.loadCfgFiles()
	https := f.svc.Enabled && (f.svc.ServiceHTTPS || f.svc.ServerSecurity == "secure")
	loc := f.svc.CnfLocation
	f.sys.Unlock()
	f.syncHTTPS(https, tp)
	f.pubMu.Lock()
	defer f.pubMu.Unlock()
	srv := tftpd.FromSystem(f.sys)
	var files []cnf.File
	var signer cnf.Signer
	if f.signer != nil && tp != "" {
		if s, err := f.signer(tp); err == nil {
			signer = s
		}
	}
	if on {
		var err error
		f.addPhoneCerts(phones)
		files, err = cnf.Build(sys, phones, signer)
		if err != nil {
			files, _ = cnf.Build(sys, phones, nil)
		}
	}
	f.writeFlashCnf(loc, files)
	// load-cfg-file: the file under its alias, and signed when asked.
	var binds []tftpd.Binding
	for _, l := range lcf {
		binds = append(binds, tftpd.Binding{Name: l.alias, URL: l.url})
		if l.sign && f.signedOnFlash(l.url) {
			// Made by `sign create` (or copied in already signed): served as it is.
			binds = append(binds, tftpd.Binding{Name: l.alias + ".sgn", URL: l.url + ".sgn"})
			continue
		}
		if l.sign && signer != nil && f.sys.FS != nil {
			if p, err := f.sys.FS.Parse(l.url); err == nil {
				if b, err := f.sys.FS.ReadFile(p); err == nil {
					if sgn, err := signer.Sign(l.alias, b); err == nil {
						files = append(files, cnf.File{Name: l.alias + ".sgn", Data: sgn})
					}
				}
			}
		}
	}
	if srv != nil {
		srv.Bind("telephony-service", binds)
	}
	now := map[string]bool{}
	failed := false
	for _, fl := range files {
		now[fl.Name] = true
		if err := f.sys.WriteGenerated(fl.Name, fl.Data); err != nil {
			if !f.itsFailed {
				f.sys.Log.Logf(logging.Errors, "IPPHONE", "CNF_WRITE", "Cannot write %s: %v", config.ITSPath(fl.Name), err)
			}
			failed = true
		}
	}
	f.itsFailed = failed
	for name := range f.published {
		if !now[name] {
			f.sys.RemoveGenerated(name)
		}
	}
	f.published = now
}

type loadCfgFile struct {
	url, alias string
	sign       bool
}

// loadCfgFiles lists the load-cfg-file lines (lock held).
func (f *Feature) loadCfgFiles() []loadCfgFile {
	if !f.svc.Enabled {
		return nil
	}
	var out []loadCfgFile
	for _, l := range f.svc.Settings.LoadCfg {
		out = append(out, loadCfgFile{url: l.URL, alias: l.Alias, sign: l.Sign})
	}
	return out
}

// createCnfFiles is `create cnf-files`: stamp and regenerate (Reconcile,
// which runs after the command, publishes).
func (f *Feature) createCnfFiles(c *cli.Context) {
	c.Printf("Creating CNF files\n")
	f.svc.VersionStamp = "7960 " + f.sys.Now().UTC().Format("Jan 02 2006 15:04:05")
}

func (f *Feature) showCommands() {
	t := f.sys.Tree
	h := map[string]string{"show": "Show running system information", "telephony-service": "Show telephony-service configuration",
		"security-info": "Security information", "tftp-bindings": "Files served by the TFTP server",
		"ephone": "Show ephone (IP phone) status", "summary": "Summary of all ephones"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show telephony-service security-info", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		s := &f.svc
		field := func(label, v string) {
			if v == "" {
				c.Printf("%s\n", label)
			} else {
				c.Printf("%s %s\n", label, v)
			}
		}
		c.Printf("\n")
		field("Skinny Server Trustpoint for TLS:", s.SecureSignaling)
		field("TFTP Credentials Trustpoint:", s.TFTPCredentials)
		ssm := map[string]string{"secure": "Secure", "non-secure": "Non-Secure", "": "Non-Secure"}[s.ServerSecurity]
		field("Server Security Mode:", ssm)
		dm := s.DeviceSecurity
		if dm == ModeUnset {
			dm = ModeNone
		}
		field("Global Device Security Mode:", dm.Title())
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show telephony-service tftp-bindings", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		srv := tftpd.FromSystem(f.sys)
		if srv == nil {
			return nil
		}
		for _, e := range srv.Entries() {
			if e.Generated {
				c.Printf("tftp-server system:/its/%s\n", e.Name)
			} else if strings.HasSuffix(e.URL, "/"+e.Name) || strings.HasSuffix(e.URL, ":"+e.Name) {
				c.Printf("tftp-server %s\n", e.URL)
			} else {
				c.Printf("tftp-server %s alias %s\n", e.URL, e.Name)
			}
		}
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show telephony-service", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.showTelephony(c)
		return nil
	}})
}

func (f *Feature) showTelephony(c *cli.Context) {
	s := &f.svc
	if !s.Enabled {
		c.Printf("telephony-service is not configured\n")
		return
	}
	c.Printf("CONFIG (Version=12.6)\n=====================\nVersion 12.6\nCisco Unified Communications Manager Express\n")
	c.Printf("For on-site support please contact Cisco Technical Support\n")
	if s.Source.IsValid() {
		l := fmt.Sprintf("ip source-address %s port %d", s.Source, s.Port)
		if s.Secondary.IsValid() {
			l += " secondary " + s.Secondary.String()
		}
		c.Printf("%s\n", l)
	} else {
		c.Printf("ip source-address 0.0.0.0 port 2000\n")
	}
	c.Printf("max-ephones %d\nmax-dn %d\n", s.MaxEphones, s.MaxDN)
	c.Printf("ephones configured %d\nephone-dns configured %d\n", len(f.ephones), len(f.dns))
	for _, l := range s.Loads {
		c.Printf("load %s %s\n", l.Type, l.Firmware)
	}
	ka := s.Keepalive
	if ka == 0 {
		ka = 30
	}
	c.Printf("keepalive %d\n", ka)
	if s.NoAutoReg {
		c.Printf("auto-reg-ephone disabled\n")
	} else {
		c.Printf("auto-reg-ephone enabled\n")
	}
	loc := s.CnfLocation
	if loc == "" {
		loc = "system:"
	}
	c.Printf("cnf-file location: %s\n", loc)
	if s.CnfPerPhone {
		c.Printf("cnf-file option: PER-PHONE\n")
	} else {
		c.Printf("cnf-file option: SYSTEM\n")
	}
	for _, g := range []int{1, 2, 3} {
		for _, l := range f.settingsLines(g, true) { // never a password
			c.Printf("%s\n", l)
		}
	}
	if s.ServiceHTTPS {
		c.Printf("service https\n")
	}
	c.Printf("secure-signaling trustpoint: %s\n", s.SecureSignaling)
	c.Printf("tftp-server-credentials trustpoint: %s\n", s.TFTPCredentials)
	dm := s.DeviceSecurity
	if dm == ModeUnset {
		dm = ModeNone
	}
	c.Printf("device-security-mode: %s\n", dm.Title())
	if s.VersionStamp != "" {
		c.Printf("cnf-files version-stamp: %s\n", s.VersionStamp)
	}
}

var _ config.Feature = (*Feature)(nil)
