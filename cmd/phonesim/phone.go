package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"time"

	"cmeos/cmd/phonesim/internal/load"
	"cmeos/cmd/phonesim/internal/media"
	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/cmd/phonesim/internal/provision"
)

// common are the flags phone and load share.
type common struct {
	tftp, iface, server string
	secure              bool
	cert, key           string
	micCA, micKey       string
	ccmCert             string
	keylog              string
	codecs              string
	model               string
	devType             uint
	proto               uint
	report              string
	timeout             time.Duration
}

func (c *common) flags(fl *flag.FlagSet) {
	fl.StringVar(&c.tftp, "tftp", "", "TFTP server HOST[:PORT]: provision from it (CTL, ITL, SEP<MAC>.cnf.xml[.sgn]) instead of DHCP")
	fl.StringVar(&c.iface, "iface", "", "interface for DHCP (option 150) when neither -tftp nor -server is given")
	fl.StringVar(&c.server, "server", "", "call manager HOST:PORT: skip provisioning (2000 plain, 2443 with -secure)")
	fl.BoolVar(&c.secure, "secure", false, "with -server: register over TLS (deviceSecurityMode 2/3)")
	fl.StringVar(&c.cert, "cert", "", "LSC: PEM certificate (and key, unless -key) presented on TLS")
	fl.StringVar(&c.key, "key", "", "LSC: PEM private key")
	fl.StringVar(&c.micCA, "mic-ca", "", "directory of the test manufacturing CA (created if absent); phones present MICs CN=CP-<model>G-SEP<MAC> from it")
	fl.StringVar(&c.micKey, "mic-key", mic.RSA2048, "key type of a new MIC CA and its MICs: rsa2048 or ecdsa")
	fl.StringVar(&c.ccmCert, "ccm-cert", "", "with -server -secure: PEM file of the call manager certificate(s) to trust (else the CTL's CCM entries)")
	fl.StringVar(&c.keylog, "keylog", "", "append TLS secrets to FILE in SSLKEYLOGFILE format (tshark -o tls.keylog_file:FILE)")
	fl.StringVar(&c.codecs, "codecs", "g711ulaw,g711alaw", "capabilities advertised: g711ulaw, g711alaw, g722, g729, g729a (only G.711 has media today)")
	fl.StringVar(&c.model, "model", "7970", "phone model (MIC name)")
	fl.UintVar(&c.devType, "type", 30006, "SCCP device type (30006 = 7970)")
	fl.UintVar(&c.proto, "proto", 17, "highest SCCP protocol version offered")
	fl.StringVar(&c.report, "report", "", "write the JSON report to FILE (default: standard output)")
	fl.DurationVar(&c.timeout, "timeout", 10*time.Second, "connect + TLS + RegisterAck timeout")
}

// template builds the phone configuration shared by every phone, and
// provisions (for mac) unless -server is given.
func (c *common) template(ctx context.Context, mac string) (phone.Config, *phone.Provisioning, error) {
	codecs, err := media.ParseCodecs(c.codecs)
	if err != nil {
		return phone.Config{}, nil, err
	}
	if c.proto == 0 || c.proto > 255 {
		return phone.Config{}, nil, fmt.Errorf("-proto %d", c.proto)
	}
	pc := phone.Config{Model: c.model, DeviceType: uint32(c.devType), Protocol: uint8(c.proto), Codecs: codecs, DialTimeout: c.timeout,
		Server: c.server, Secure: c.secure}
	if c.cert != "" {
		pair, err := mic.LoadPair(c.cert, c.key)
		if err != nil {
			return phone.Config{}, nil, fmt.Errorf("-cert: %w", err)
		}
		pc.Certificate = &pair
	}
	var prov *phone.Provisioning
	if c.server == "" {
		pcfg := provision.Config{MAC: mac, TFTP: c.tftp, Interface: c.iface}
		if pc.Certificate != nil {
			pcfg.Key = pc.Certificate.PrivateKey // opens an encrypted cnf
		}
		r, err := provision.Run(ctx, pcfg)
		if err != nil {
			return phone.Config{}, nil, err
		}
		if pc.Server, err = r.Server(); err != nil {
			return phone.Config{}, nil, err
		}
		pc.Secure = r.Secure()
		pc.ServerCerts = r.CCMCerts
		prov = &phone.Provisioning{TFTP: r.TFTP, Files: r.Files, SecurityMode: r.SecurityMode}
		for _, cm := range r.CallManagers {
			prov.CallManagers = append(prov.CallManagers, fmt.Sprintf("%s:%d (secure %d)", cm.Host, cm.Port, cm.SecurePort))
		}
		for _, cc := range r.CCMCerts {
			prov.CCMCerts = append(prov.CCMCerts, cc.Subject.String())
		}
	}
	if c.ccmCert != "" {
		b, err := os.ReadFile(c.ccmCert)
		if err != nil {
			return phone.Config{}, nil, err
		}
		for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
			if blk.Type != "CERTIFICATE" {
				continue
			}
			cc, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return phone.Config{}, nil, fmt.Errorf("%s: %w", c.ccmCert, err)
			}
			pc.ServerCerts = append(pc.ServerCerts, cc)
		}
	}
	if pc.Secure && len(pc.ServerCerts) == 0 {
		return phone.Config{}, nil, errors.New("TLS needs the call manager's certificate: a CTL (-tftp) or -ccm-cert")
	}
	if c.keylog != "" {
		f, err := os.OpenFile(c.keylog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return phone.Config{}, nil, err
		}
		pc.KeyLog = f // closed at exit
	}
	return pc, prov, nil
}

func (c *common) writeReport(out io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if c.report == "" {
		_, err = out.Write(b)
		return err
	}
	return os.WriteFile(c.report, b, 0o644)
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

func runPhone(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("phone", flag.ContinueOnError)
	var c common
	c.flags(fl)
	mac := fl.String("mac", "", "the phone's MAC, 12 hex digits (device name SEP<MAC>)")
	script := fl.String("script", "", `actions separated by ";" (e.g. "offhook; dial 1002; wait connected 5s; tone 1000 2s; onhook")`)
	scriptFile := fl.String("script-file", "", "read the actions from FILE (one per line)")
	hold := fl.Duration("hold", 0, "stay registered this long after the script")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *mac == "" || fl.NArg() != 0 {
		return errors.New("usage: phonesim phone -mac MAC (-tftp ADDR | -iface IF | -server HOST:PORT) [-script ACTIONS] [-report FILE]")
	}
	text := *script
	if *scriptFile != "" {
		b, err := os.ReadFile(*scriptFile)
		if err != nil {
			return err
		}
		text += "\n" + string(b)
	}
	actions, err := phone.ParseScript(text)
	if err != nil {
		return err
	}
	hw, err := provision.ParseMAC(*mac)
	if err != nil {
		return err
	}
	*mac = fmt.Sprintf("%X", []byte(hw))
	ctx, cancel := signalContext()
	defer cancel()
	pc, prov, err := c.template(ctx, *mac)
	if err != nil {
		return err
	}
	pc.MAC = *mac
	if pc.Secure && pc.Certificate == nil {
		if c.micCA == "" {
			return errors.New("TLS needs a client certificate: -cert (LSC) or -mic-ca DIR (MIC)")
		}
		ca, err := mic.Load(c.micCA, c.micKey)
		if err != nil {
			return err
		}
		cert, err := ca.Issue(pc.Model, *mac)
		if err != nil {
			return err
		}
		pc.Certificate = &cert
	}
	p, err := phone.New(pc)
	if err != nil {
		return err
	}
	p.SetProvisioning(prov)
	runErr := p.Connect(ctx)
	if runErr == nil {
		runErr = p.Run(ctx, actions)
		if runErr == nil && *hold > 0 {
			select {
			case <-time.After(*hold):
			case <-ctx.Done():
			case <-p.Done():
				runErr = p.Err()
			}
		}
	}
	p.Close()
	if err := c.writeReport(out, p.Report()); err != nil {
		return err
	}
	return runErr
}

func runLoad(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("load", flag.ContinueOnError)
	var c common
	c.flags(fl)
	n := fl.Int("n", 0, "number of phones")
	fl.IntVar(n, "load", 0, "same as -n")
	rate := fl.Float64("rate", 50, "registrations started per second (0: all at once)")
	hold := fl.Duration("hold", 10*time.Second, "how long each phone stays registered")
	drop := fl.Float64("drop", 0, "share of phones (0..1) that drop mid-handshake or mid-registration")
	base := fl.String("mac", "0200000A0000", "MAC of the first phone; phone i has MAC+i")
	seed := fl.Uint64("seed", 1, "seed of the choice of dropped phones")
	conc := fl.Int("concurrency", 0, "at most N phones registering at once (0: no bound; the rate alone paces them)")
	hsOnly := fl.Bool("handshake-only", false, "each phone completes its TLS handshake and closes (compare with any TLS server, e.g. openssl s_server)")
	src := fl.String("src", "", "give phone i the source address PREFIX+1+i, e.g. 127.1.0.0/16 on loopback (a box limits connections per source)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *n <= 0 || fl.NArg() != 0 || *drop < 0 || *drop > 1 {
		return errors.New("usage: phonesim load -n N [-rate R] [-hold D] [-drop F] (-tftp ADDR | -server HOST:PORT [-secure -ccm-cert FILE]) [-mic-ca DIR]")
	}
	hw, err := provision.ParseMAC(*base)
	if err != nil {
		return err
	}
	*base = fmt.Sprintf("%X", []byte(hw))
	ctx, cancel := signalContext()
	defer cancel()
	pc, _, err := c.template(ctx, *base)
	if err != nil {
		return err
	}
	cfg := load.Config{Phones: *n, Rate: *rate, Hold: *hold, Drop: *drop, BaseMAC: *base, Phone: pc, Seed: *seed, Progress: os.Stderr,
		Concurrency: *conc, HandshakeOnly: *hsOnly}
	if *src != "" {
		if cfg.Sources, err = netip.ParsePrefix(*src); err != nil {
			return fmt.Errorf("-src: %w", err)
		}
	}
	if pc.Secure && pc.Certificate == nil {
		if c.micCA == "" {
			return errors.New("TLS load needs -mic-ca DIR (one MIC per phone)")
		}
		if cfg.CA, err = mic.Load(c.micCA, c.micKey); err != nil {
			return err
		}
	}
	sum, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprint(os.Stderr, sum.String())
	if c.report != "" {
		return c.writeReport(out, sum)
	}
	fmt.Fprint(out, sum.String())
	return nil
}
