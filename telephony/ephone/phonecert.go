package ephone

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"

	"cmeos/telephony/cnf"
)

// Phone certificates: the key an encrypted configuration file is wrapped
// for (reference/protocols.md §3.3 step 5). On CME this is the phone's LSC,
// installed by CAPF, or its MIC. Two sources, the first one wins:
//   - SetPhoneCertificate, the API the CAPF server calls when it issues or
//     fetches a certificate (kept in memory; CAPF keeps its own store);
//   - a file flash:SEP<MAC>.cer (PEM or DER X.509 certificate, MAC in 12
//     hex digits), read each time the files are regenerated.

// SetPhoneCertificate records the certificate of the phone with that MAC
// address (any notation: 0012.4302.A7CC, 00:12:43:02:a7:cc, 00124302A7CC)
// and regenerates the configuration files; nil forgets it. Call it without
// the configuration lock.
func (f *Feature) SetPhoneCertificate(mac string, cert *x509.Certificate) {
	key := normMAC(mac)
	f.pubMu.Lock()
	if f.phoneCerts == nil {
		f.phoneCerts = map[string]*x509.Certificate{}
	}
	if cert == nil {
		delete(f.phoneCerts, key)
	} else {
		f.phoneCerts[key] = cert
	}
	f.pubMu.Unlock()
	f.publishCnf()
}

// PhoneCertificate returns the certificate known for a phone: the one set
// by SetPhoneCertificate, else flash:SEP<MAC>.cer. Call it without the
// configuration lock.
func (f *Feature) PhoneCertificate(mac string) *x509.Certificate {
	f.pubMu.Lock()
	defer f.pubMu.Unlock()
	return f.phoneCertLocked(normMAC(mac))
}

func normMAC(mac string) string {
	return strings.ToUpper(strings.NewReplacer(".", "", ":", "", "-", "").Replace(mac))
}

// phoneCertLocked looks a certificate up (pubMu held, configuration lock
// not held: it reads flash).
func (f *Feature) phoneCertLocked(macHex string) *x509.Certificate {
	if c := f.phoneCerts[macHex]; c != nil {
		return c
	}
	if c := f.capfLSC(macHex); c != nil {
		return c
	}
	if f.sys.FS == nil {
		return nil
	}
	p, err := f.sys.FS.Parse("flash:SEP" + macHex + ".cer")
	if err != nil {
		return nil
	}
	b, err := f.sys.FS.ReadFile(p)
	if err != nil {
		return nil
	}
	return parseCertificate(b)
}

// parseCertificate accepts one PEM CERTIFICATE block or DER.
func parseCertificate(b []byte) *x509.Certificate {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil
		}
		b = blk.Bytes
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil
	}
	return c
}

// addPhoneCerts fills Cert for the encrypted phones (pubMu held).
func (f *Feature) addPhoneCerts(phones []cnf.Phone) {
	for i := range phones {
		if phones[i].Security != cnf.Encrypted {
			continue
		}
		// Only an RSA key can wrap the AES key (§3.3 step 5); a phone
		// with another key keeps its signed plain file.
		if c := f.phoneCertLocked(phones[i].MAC); c != nil {
			if _, ok := c.PublicKey.(*rsa.PublicKey); ok {
				phones[i].Cert = c
			}
		}
	}
}
