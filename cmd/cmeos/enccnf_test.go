package main

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/ephone"
	"cmeos/telephony/tftpd"
)

// phoneIdentity is a phone's key pair and certificate (what CAPF would
// have installed as its LSC).
func phoneIdentity(t *testing.T, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// encSgn is an .enc.sgn file taken apart as the phone does, written from
// reference/protocols.md §2.1-§2.4 and §3.2-§3.3 (not with telephony/cnf).
type encSgn struct {
	version            [2]byte
	headerLen          int
	hashAlg, encHash   byte
	filename           string
	iv, wrapped, hash  []byte
	pad                int
	keySize, keyAlg    int
	signature          []byte
	signed, ciphertext []byte
}

func parseEncSgn(t *testing.T, b []byte) encSgn {
	t.Helper()
	var e encSgn
	if len(b) < 10 || b[0] != 1 || b[3] != 2 {
		t.Fatalf("enc.sgn does not start with VERSION, HEADER_LENGTH: % x", b[:min(len(b), 10)])
	}
	e.version = [2]byte{b[3], b[4]}
	e.headerLen = int(binary.BigEndian.Uint16(b[8:10]))
	if e.headerLen > len(b) || e.headerLen%4 != 0 {
		t.Fatalf("HEADER_LENGTH %d (file %d bytes)", e.headerLen, len(b))
	}
	sigAt := -1
	containers := map[byte]bool{3: true, 7: true, 9: true, 16: true, 17: true, 21: true}
	for off := 10; off < e.headerLen; {
		tag := b[off]
		if tag == 13 {
			off++
			continue
		}
		if off+3 > e.headerLen {
			t.Fatalf("truncated element at %d", off)
		}
		n := int(binary.BigEndian.Uint16(b[off+1:]))
		if containers[tag] {
			off += 3
			continue
		}
		v := b[off+3 : off+3+n]
		switch tag {
		case 8:
			e.hashAlg = v[0]
		case 12:
			sigAt = off
			e.signature = v
		case 14:
			e.filename = strings.TrimSuffix(string(v), "\x00")
		case 19:
			e.iv = v
		case 20:
			e.pad = int(binary.BigEndian.Uint16(v))
		case 23:
			e.keySize = int(binary.BigEndian.Uint16(v))
		case 24:
			e.keyAlg = int(v[0])
		case 25:
			e.wrapped = v
		case 26:
			e.encHash = v[0]
		case 27:
			e.hash = v
		}
		off += 3 + n
	}
	if sigAt < 0 {
		t.Fatal("no SIGNATURE element")
	}
	e.signed = append(append([]byte(nil), b[:sigAt]...), b[sigAt+3+len(e.signature):]...)
	e.ciphertext = b[e.headerLen:]
	return e
}

// decrypt is §3.3 step 7 with the phone's private key.
func (e encSgn) decrypt(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	//lint:ignore SA1019 the format wraps the key with PKCS#1 v1.5 (protocols.md §3.3)
	aesKey, err := rsa.DecryptPKCS1v15(nil, key, e.wrapped)
	if err != nil {
		t.Fatalf("unwrapping the AES key with the phone key: %v", err)
	}
	if len(aesKey) != 16 || len(e.iv) != 16 || len(e.ciphertext)%16 != 0 || len(e.ciphertext) == 0 {
		t.Fatalf("key %d, iv %d, ciphertext %d bytes", len(aesKey), len(e.iv), len(e.ciphertext))
	}
	blk, err := aes.NewCipher(aesKey)
	if err != nil {
		t.Fatal(err)
	}
	plain := make([]byte, len(e.ciphertext))
	cipher.NewCBCDecrypter(blk, e.iv).CryptBlocks(plain, e.ciphertext)
	if e.pad < 1 || e.pad > 16 || !bytes.Equal(plain[len(plain)-e.pad:], bytes.Repeat([]byte{'\r'}, e.pad)) {
		t.Fatalf("padding %d does not match the decrypted tail % x", e.pad, plain[len(plain)-16:])
	}
	plain = plain[:len(plain)-e.pad]
	if e.encHash != 1 {
		t.Fatalf("ENCRYPTION_HASH_ALGORITHM %d, want 1 (SHA-1)", e.encHash)
	}
	if d := sha1.Sum(plain); !bytes.Equal(d[:], e.hash) {
		t.Fatal("ENCRYPTION_HASH is not the SHA-1 of the decrypted file")
	}
	return plain
}

// TestEncryptedCnfOverTFTP: phones with device-security-mode encrypted and a
// known certificate (one from flash:SEP<MAC>.cer, one given through the API
// CAPF will use) get SEP<MAC>.cnf.xml.enc.sgn and a signed stub over TFTP
// (curl, and tftp-hpa's tftp for the .enc.sgn); the .enc.sgn verifies with the TFTP trustpoint certificate and
// decrypts with the phone's private key to exactly the plain file the phone
// would have had. A phone in authenticated mode keeps plain + .sgn, and
// an encrypted phone without a certificate keeps them too.
func TestEncryptedCnfOverTFTP(t *testing.T) {
	for _, tool := range []string{"curl", "tftp"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: scripts/deps installs it (curl, tftp-hpa)", tool)
		}
	}
	keyA, certA := phoneIdentity(t, "SEP00124302A7CC")
	keyB, certB := phoneIdentity(t, "SEP0012430200B1")
	store := configtest.NewStore(t)
	p, _ := store.Parse("flash:SEP00124302A7CC.cer")
	if err := store.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certA.Raw})); err != nil {
		t.Fatal(err)
	}
	sys := configtest.NewSystem(t, store, nil, "tftp-server port 0 source-address 127.0.0.1\n")
	configtest.Configure(sys, `crypto pki trustpoint cme-tftp
 enrollment selfsigned
 subject-name CN=cme-tftp
 rsakeypair cme-tftp 1024
crypto pki enroll cme-tftp
telephony-service
 ip source-address 127.0.0.1 port 2000
 tftp-server-credentials trustpoint cme-tftp
 device-security-mode authenticated
 load 7970 SCCP70.9-4-2SR3-1S
 create cnf-files
ephone 1
 mac-address 0012.4302.A7CC
 type 7970
 device-security-mode encrypted
 capf-ip-in-cnf
 cert-oper upgrade auth-mode LSC
ephone 2
 mac-address 0012.4302.00B1
 type 7970
 device-security-mode encrypted
ephone 3
 mac-address 0012.4302.00C3
 type 7970
`)
	sys.Lock()
	tftpCert := pki.FromSystem(sys).Certificate("cme-tftp")
	sys.Unlock()
	if tftpCert == nil {
		t.Fatal("trustpoint cme-tftp has no certificate")
	}
	srv := tftpd.FromSystem(sys)
	// Phone 2 has no certificate yet: signed plain file, nothing encrypted.
	if _, ok := srv.Generated("SEP0012430200B1.cnf.xml.enc.sgn"); ok {
		t.Error("an encrypted file for a phone without a certificate")
	}
	if _, ok := srv.Generated("SEP0012430200B1.cnf.xml"); !ok {
		t.Error("phone without a certificate lost its plain file")
	}
	plainB := cnfOf(t, sys, "0012.4302.00B1")
	ephone.FromSystem(sys).SetPhoneCertificate("0012.4302.00b1", certB)

	addr := tftpd.FromSystem(sys).Addr()
	if addr == nil {
		t.Fatal("TFTP server not running")
	}
	dir := t.TempDir()
	get := func(name string) ([]byte, error) {
		out := filepath.Join(dir, name)
		if b, err := exec.Command("curl", "-s", "-S", "-o", out, "tftp://"+addr.String()+"/"+name).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("curl %s: %v\n%s", name, err, b)
		}
		return readFile(t, out), nil
	}

	for _, ph := range []struct {
		mac  string
		key  *rsa.PrivateKey
		cert *x509.Certificate
	}{{"00124302A7CC", keyA, certA}, {"0012430200B1", keyB, certB}} {
		name := "SEP" + ph.mac + ".cnf.xml"
		encFile, err := get(name + ".enc.sgn")
		if err != nil {
			t.Fatal(err)
		}
		// tftp-hpa's client gets the same bytes (blksize 1428, tsize).
		hpaOut := filepath.Join(dir, "hpa-"+name)
		hpa := exec.Command("tftp", "-v", "127.0.0.1", strconv.Itoa(addr.Port))
		hpa.Stdin = strings.NewReader("binary\nblksize 1428\ntsize\nget " + name + ".enc.sgn " + hpaOut + "\nquit\n")
		if b, err := hpa.CombinedOutput(); err != nil {
			t.Fatalf("tftp-hpa: %v\n%s", err, b)
		}
		if !bytes.Equal(readFile(t, hpaOut), encFile) {
			t.Errorf("tftp-hpa and curl got different %s.enc.sgn", name)
		}
		e := parseEncSgn(t, encFile)
		if e.version != [2]byte{2, 0} || e.filename != name+".enc.sgn" || e.hashAlg != 1 || e.keyAlg != 1 || e.keySize != 1024 {
			t.Errorf("%s header: version %v filename %q hash %d keyalg %d keysize %d", name, e.version, e.filename, e.hashAlg, e.keyAlg, e.keySize)
		}
		d := sha1.Sum(e.signed)
		if err := rsa.VerifyPKCS1v15(tftpCert.PublicKey.(*rsa.PublicKey), crypto.SHA1, d[:], e.signature); err != nil {
			t.Errorf("%s.enc.sgn signature does not verify with the TFTP trustpoint certificate: %v", name, err)
		}
		plain := e.decrypt(t, ph.key)
		if !strings.Contains(string(plain), "<deviceSecurityMode>3</deviceSecurityMode>") {
			t.Errorf("decrypted %s is not an encrypted-mode cnf:\n%s", name, plain)
		}
		if ph.mac == "0012430200B1" && !bytes.Equal(plain, plainB) {
			t.Errorf("decrypted %s differs from the plain file it replaced:\n%s\n---\n%s", name, plain, plainB)
		}
		// Tampering breaks the signature.
		tampered := parseEncSgn(t, append(append([]byte(nil), encFile[:len(encFile)-1]...), encFile[len(encFile)-1]^1))
		td := sha1.Sum(tampered.signed)
		if rsa.VerifyPKCS1v15(tftpCert.PublicKey.(*rsa.PublicKey), crypto.SHA1, td[:], tampered.signature) == nil {
			t.Error("a tampered .enc.sgn still verifies")
		}
		// The other phone's key cannot unwrap it.
		other := keyA
		if ph.key == keyA {
			other = keyB
		}
		//lint:ignore SA1019 the format wraps the key with PKCS#1 v1.5 (protocols.md §3.3)
		if k, err := rsa.DecryptPKCS1v15(nil, other, e.wrapped); err == nil && len(k) == 16 {
			t.Error("another phone's key unwraps the configuration key")
		}

		// The stub (§3.4), signed, and no plain file.
		sgn, err := get(name + ".sgn")
		if err != nil {
			t.Fatal(err)
		}
		_, stub, err := ctl.VerifySigned(sgn, tftpCert)
		if err != nil {
			t.Fatalf("%s.sgn stub does not verify: %v", name, err)
		}
		md := md5.Sum(ph.cert.Raw)
		for _, want := range []string{"<fullConfig>false</fullConfig>", "<encrConfig>true</encrConfig>",
			"<certHash>" + hex.EncodeToString(md[:]) + "</certHash>", "<loadInformation>SCCP70.9-4-2SR3-1S</loadInformation>"} {
			if !strings.Contains(string(stub), want) {
				t.Errorf("%s.sgn stub lacks %s:\n%s", name, want, stub)
			}
		}
		if strings.Contains(string(stub), "callManagerGroup") {
			t.Errorf("%s.sgn stub carries the configuration:\n%s", name, stub)
		}
		if ph.mac == "00124302A7CC" && (!strings.Contains(string(stub), "<capfList>") || !strings.Contains(string(stub), "<capfAuthMode>3</capfAuthMode>")) {
			t.Errorf("stub lacks the CAPF settings:\n%s", stub)
		}
		if _, err := get(name); err == nil {
			t.Errorf("plain %s is served for an encrypted phone", name)
		}
	}

	// Phone 3 (authenticated) keeps plain + .sgn, no .enc.sgn.
	if _, err := get("SEP0012430200C3.cnf.xml"); err != nil {
		t.Error(err)
	}
	if _, err := get("SEP0012430200C3.cnf.xml.sgn"); err != nil {
		t.Error(err)
	}
	if _, ok := srv.Generated("SEP0012430200C3.cnf.xml.enc.sgn"); ok {
		t.Error("authenticated phone got an encrypted file")
	}

	// Forgetting the certificate brings the plain file back.
	ephone.FromSystem(sys).SetPhoneCertificate("0012430200B1", nil)
	if _, ok := srv.Generated("SEP0012430200B1.cnf.xml.enc.sgn"); ok {
		t.Error("encrypted file still served after the certificate was removed")
	}
	if _, ok := srv.Generated("SEP0012430200B1.cnf.xml"); !ok {
		t.Error("plain file not restored after the certificate was removed")
	}
}

// cnfOf is the plain cnf file currently published for a phone.
func cnfOf(t *testing.T, sys *config.System, mac string) []byte {
	t.Helper()
	name := "SEP" + strings.ReplaceAll(mac, ".", "") + ".cnf.xml"
	b, ok := tftpd.FromSystem(sys).Generated(name)
	if !ok {
		t.Fatalf("%s not published", name)
	}
	return b
}
