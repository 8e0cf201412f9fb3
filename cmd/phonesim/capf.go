// seed 004's phone-key-size 512 asks phones for 512-bit RSA keys, which
// Go refuses to generate unless told otherwise.

//go:debug rsa1024min=0

package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"cmeos/cmd/phonesim/internal/capf"
	"cmeos/cmd/phonesim/internal/mic"
)

// runCAPF is `phonesim capf`: one CAPF session as a phone, writing the
// LSC it gets to <dir>/SEP<MAC>-lsc.pem (for `phonesim phone -cert`) and
// a JSON result to out.
func runCAPF(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("capf", flag.ContinueOnError)
	mac := fl.String("mac", "", "phone MAC address (12 hex digits); the device name is SEP<MAC>")
	auth := fl.String("auth-string", "", "authentication string the user keys in (empty: null string)")
	cert := fl.String("cert", "", "existing LSC or MIC (PEM, with the key unless -key) to authenticate with")
	key := fl.String("key", "", "its PEM private key")
	micCA := fl.String("mic-ca", "", "directory of the test manufacturing CA: authenticate with a MIC from it")
	model := fl.String("model", "7970", "phone model (names the MIC)")
	trustPEM := fl.String("capf-cert", "", "PEM CAPF certificate the phone trusts (as from its CTL); default: any")
	dir := fl.String("out", ".", "directory for the LSC")
	noEC := fl.Bool("no-ec", false, "answer an EC key request without a key (a phone without EC)")
	timeout := fl.Duration("timeout", 2*time.Minute, "session timeout")
	if err := fl.Parse(args); err != nil || fl.NArg() != 1 || *mac == "" {
		return errors.New("usage: phonesim capf -mac MAC [-auth-string N] [-cert FILE [-key FILE] | -mic-ca DIR] [-capf-cert FILE] [-out DIR] HOST:PORT")
	}
	m := strings.ToUpper(strings.NewReplacer(".", "", ":", "", "-", "").Replace(*mac))
	c := &capf.Client{Device: "SEP" + m, AuthString: *auth, Timeout: *timeout, NoEC: *noEC}
	switch {
	case *cert != "":
		pair, err := mic.LoadPair(*cert, *key)
		if err != nil {
			return err
		}
		pair.Leaf, _ = x509.ParseCertificate(pair.Certificate[0])
		c.Credential, c.CredentialType, c.Current = &pair, capf.CertLSC, pair.Leaf
	case *micCA != "":
		ca, err := mic.Load(*micCA, mic.RSA2048)
		if err != nil {
			return err
		}
		pair, err := ca.Issue(*model, m)
		if err != nil {
			return err
		}
		c.Credential, c.CredentialType = &pair, capf.CertMIC
	}
	if *trustPEM != "" {
		b, err := os.ReadFile(*trustPEM)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return fmt.Errorf("%s: no PEM certificate", *trustPEM)
		}
		tc, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return err
		}
		c.Roots = x509.NewCertPool()
		c.Roots.AddCert(tc)
	}
	ctx, cancel := signalContext()
	defer cancel()
	res, err := c.Run(ctx, fl.Arg(0))
	report := map[string]any{"device": c.Device, "server": fl.Arg(0)}
	if res != nil {
		report["reason"], report["operation"], report["status"], report["key_generation_requests"] = res.Reason, res.Operation, res.Status(), res.KeyGenRequests
		if res.LSC != nil {
			p, serr := res.Save(*dir, c.Device)
			if serr != nil {
				return serr
			}
			report["lsc"], report["lsc_serial"] = p, fmt.Sprintf("%X", res.LSC.SerialNumber)
		}
	}
	if err != nil {
		report["error"] = err.Error()
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if jerr := enc.Encode(report); jerr != nil {
		return jerr
	}
	return err
}
