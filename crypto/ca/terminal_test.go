package ca_test

import (
	"encoding/pem"
	"strings"
	"testing"
)

func pemLines(der []byte, typ string) string {
	return strings.Join(strings.Split(strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))), "\n"), "|")
}

// Cut-and-paste enrollment: authenticate by paste, enroll prints the
// request, the CA signs it from the terminal, import installs it; and a
// self-signed trustpoint.
func TestTerminalAndSelfSignedEnrollment(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.boot()
	r.setupCA("manual")
	ca := r.caCert()
	out := r.run("crypto pki trustpoint term", "enrollment terminal", "rsakeypair term 1024", "serial-number none", "ip-address none", "exit",
		"crypto pki import term certificate",
		"crypto pki authenticate term|"+pemLines(ca.Raw, "CERTIFICATE")+"|quit|yes",
		"crypto pki enroll term|pw|pw|yes")
	if !strings.Contains(out, "% You must authenticate the Certificate Authority before you can import") {
		t.Fatalf("import before authenticate:\n%s", out)
	}
	i := strings.Index(out, "-----BEGIN CERTIFICATE REQUEST-----")
	j := strings.Index(out, "-----END CERTIFICATE REQUEST-----")
	if i < 0 || j < 0 || !strings.Contains(out, "---End - This line not part of the certificate request---") {
		t.Fatalf("no request shown:\n%s", out)
	}
	csrPEM := out[i : j+len("-----END CERTIFICATE REQUEST-----")]
	out = r.run("EXEC crypto pki server cme_root request pkcs10 terminal pem|" + strings.ReplaceAll(csrPEM, "\n", "|") + "|quit")
	k := strings.Index(out, "-----BEGIN CERTIFICATE-----")
	if k < 0 {
		t.Fatalf("not granted:\n%s", out)
	}
	certPEM := strings.TrimSpace(out[k:])
	// Garbage first, then the certificate.
	out = r.run("crypto pki import term certificate|garbage|quit", "crypto pki import term certificate|"+strings.ReplaceAll(certPEM, "\n", "|")+"|quit")
	if !strings.Contains(out, "% Error: certificate decoding failed") || !strings.Contains(out, "% Router Certificate successfully imported") {
		t.Fatalf("import:\n%s", out)
	}
	c := r.cert("term")
	if c == nil || c.CheckSignatureFrom(ca) != nil {
		t.Fatal("imported certificate missing or not from the CA")
	}
	verifyOpenSSL(t, ca, c)
	out = r.run("crypto pki export term pem terminal")
	if strings.Count(out, "-----BEGIN CERTIFICATE-----") != 2 || strings.Contains(out, "PRIVATE") {
		t.Fatalf("export:\n%s", out)
	}

	out = r.run("crypto pki trustpoint self", "enrollment selfsigned", "rsakeypair self 1024", "subject-name cn=self,o=Example", "exit", "crypto pki enroll self")
	s := r.cert("self")
	if s == nil || s.CheckSignatureFrom(s) != nil || s.Subject.CommonName != "self" {
		t.Fatalf("self-signed:\n%s", out)
	}
}
