// Command phonesim is the phone simulator: a Cisco SCCP phone written
// independently of the box (its packages under internal/ import nothing of
// the box's crypto/ or telephony/), so that each checks the other.
//
//	phonesim phone -mac MAC (-tftp ADDR | -iface IF | -server HOST:PORT) [...]
//	                                            provision, register, run a script, report JSON
//	phonesim load -n N -rate R -hold D [-drop F] (-tftp ADDR | -server HOST:PORT) [...]
//	                                            N phones registering at R/s (benchmark)
//	phonesim fetch [-o FILE] HOST:PORT NAME     download NAME over TFTP
//	phonesim verify FILE.tlv                    decode a CTL/ITL, check records and signature
//	phonesim verify -ctl CTLFile.tlv FILE.sgn   verify a signed file with the CTL's TFTP certificates
//	phonesim tvs -itl ITLFile.tlv -device CP-7970-SEP... HOST:PORT CERT.pem|der
//	                                            ask the TVS about a certificate
//	phonesim capf -mac MAC [-auth-string N] [-cert LSC.pem | -mic-ca DIR] HOST:PORT
//	                                            one CAPF session: get, fetch or delete the LSC
//	phonesim mic-ca [-mic-key rsa2048|ecdsa] DIR
//	                                            create (or open) the test manufacturing CA, print its certificate
//
// `phonesim phone -h` and `phonesim load -h` list the flags; README.md,
// section "Phone simulator", explains them.
package main

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/trust"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "phonesim:", err)
		os.Exit(1)
	}
}

const usage = "usage: phonesim phone [flags] | load [flags] | fetch [-o FILE] HOST:PORT NAME | verify [-ctl CTLFILE] FILE | tvs -itl ITLFILE [-device NAME] HOST:PORT CERT | capf -mac MAC [flags] HOST:PORT | mic-ca [-mic-key T] DIR"

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "phone":
		return runPhone(args[1:], out)
	case "load":
		return runLoad(args[1:], out)
	case "capf":
		return runCAPF(args[1:], out)
	case "mic-ca":
		// The root an administrator imports into the box (crypto pki
		// authenticate) before MIC phones register over TLS.
		fl := flag.NewFlagSet("mic-ca", flag.ContinueOnError)
		keyType := fl.String("mic-key", mic.RSA2048, "key type of a new CA and its MICs: rsa2048 or ecdsa")
		if err := fl.Parse(args[1:]); err != nil || fl.NArg() != 1 {
			return errors.New(usage)
		}
		ca, err := mic.Load(fl.Arg(0), *keyType)
		if err != nil {
			return err
		}
		return pem.Encode(out, &pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
	case "fetch":
		fl := flag.NewFlagSet("fetch", flag.ContinueOnError)
		o := fl.String("o", "", "output file (default: NAME in the current directory)")
		if err := fl.Parse(args[1:]); err != nil || fl.NArg() != 2 {
			return errors.New(usage)
		}
		b, err := trust.Fetch(fl.Arg(0), fl.Arg(1))
		if err != nil {
			return err
		}
		dst := *o
		if dst == "" {
			dst = filepath.Base(fl.Arg(1))
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d bytes\n", dst, len(b))
		return nil
	case "verify":
		fl := flag.NewFlagSet("verify", flag.ContinueOnError)
		ctlPath := fl.String("ctl", "", "CTL or ITL whose TFTP certificates sign the .sgn file")
		if err := fl.Parse(args[1:]); err != nil || fl.NArg() != 1 {
			return errors.New(usage)
		}
		return verify(out, fl.Arg(0), *ctlPath)
	case "tvs":
		fl := flag.NewFlagSet("tvs", flag.ContinueOnError)
		itlPath := fl.String("itl", "", "ITL holding the TVS certificate")
		device := fl.String("device", "CP-7970-SEP000000000000", "device name sent to the TVS")
		if err := fl.Parse(args[1:]); err != nil || fl.NArg() != 2 || *itlPath == "" {
			return errors.New(usage)
		}
		return queryTVS(out, *itlPath, *device, fl.Arg(0), fl.Arg(1))
	}
	return errors.New(usage)
}

func loadList(path string) (*trust.List, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := trust.ParseList(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := l.Verify(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

func verify(out io.Writer, path, ctlPath string) error {
	if strings.HasSuffix(path, ".sgn") {
		if ctlPath == "" {
			return errors.New("verify: a .sgn file needs -ctl with the CTL that lists its TFTP certificate")
		}
		l, err := loadList(ctlPath)
		if err != nil {
			return err
		}
		certs, err := l.Certificates(trust.RoleTFTP, trust.RoleCCMTFTP)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s, err := trust.VerifySigned(b, filepath.Base(path), certs...)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(out, "%s: signature verified, signer %s, %d bytes of content\n", path, s.Header.SignerName, len(s.Content))
		return nil
	}
	l, err := loadList(path)
	if err != nil {
		return err
	}
	_, signer, _ := l.Signer()
	fmt.Fprintf(out, "%s: FILENAME %s, %d records, signed by %s: signature verified\n", path, l.Header.Filename, len(l.Records), signer.Subject)
	for i := range l.Records {
		r := &l.Records[i]
		c, err := r.Cert()
		if err != nil {
			fmt.Fprintf(out, "  record %d: role %d, %s, serial %X: certificate hash %X\n", i+1, r.Role, r.Subject, r.Serial, r.CertHash)
			continue
		}
		fmt.Fprintf(out, "  record %d: role %d, %s, serial %X: matches its certificate\n", i+1, r.Role, c.Subject, c.SerialNumber)
	}
	return nil
}

func queryTVS(out io.Writer, itlPath, device, addr, certPath string) error {
	l, err := loadList(itlPath)
	if err != nil {
		return err
	}
	hasTVS := false
	for i := range l.Records {
		hasTVS = hasTVS || l.Records[i].Role == trust.RoleTVS
	}
	if !hasTVS {
		return fmt.Errorf("%s has no TVS record", itlPath)
	}
	der, err := os.ReadFile(certPath)
	if err != nil {
		return err
	}
	if b, _ := pem.Decode(der); b != nil {
		der = b.Bytes
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	a, err := trust.QueryTVS(ctx, addr, l, device, uint32(time.Now().Unix()), der)
	if err != nil {
		return err
	}
	if !a.Valid {
		fmt.Fprintln(out, "invalid: the TVS does not know the certificate")
		return nil
	}
	fmt.Fprintf(out, "valid: roles %v, cache %d seconds\n", a.Roles, a.TTL)
	return nil
}
