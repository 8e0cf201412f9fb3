package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pin/tftp/v3"

	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/cmd/phonesim/internal/sccp"
	"cmeos/crypto/ctl"    // test only: the box's encoders produce the files
	"cmeos/telephony/cnf" // test only
)

func serveFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	srv := tftp.NewServer(func(name string, rf io.ReaderFrom) error {
		b, ok := files[name]
		if !ok {
			return errors.New("file not found")
		}
		_, err := rf.ReadFrom(bytes.NewReader(b))
		return err
	}, nil)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(conn)
	t.Cleanup(srv.Shutdown)
	return conn.LocalAddr().String()
}

// TestPhoneCommand provisions from TFTP (CTL with a TFTP record, the
// box's signed cnf naming a call manager on loopback), registers with a
// minimal call manager, runs a script and writes the JSON report.
func TestPhoneCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				write := func(id uint32, b []byte) {
					f, _ := sccp.Message{ID: id, Data: b}.MarshalBinary()
					c.Write(f)
				}
				for {
					m, err := sccp.ReadMessage(c)
					if err != nil {
						return
					}
					switch m.ID {
					case sccp.MsgRegister:
						ack := make([]byte, 20)
						binary.LittleEndian.PutUint32(ack, 30)
						ack[16] = 11
						write(sccp.MsgRegisterAck, ack)
						write(sccp.MsgCapabilitiesReq, nil)
					case sccp.MsgTimeDateReq:
						b := make([]byte, 36)
						binary.LittleEndian.PutUint32(b[32:], uint32(time.Now().Unix()))
						write(sccp.MsgDefineTimeDate, b)
					case sccp.MsgUnregister:
						write(sccp.MsgUnregisterAck, make([]byte, 4))
					}
				}
			}()
		}
	}()
	port := int(ln.Addr().(*net.TCPAddr).AddrPort().Port())

	sast, sastKey := cert(t, "sast1", 1)
	tftpCert, tftpKey := cert(t, "cme-tftp", 2)
	var recs []ctl.Record
	for _, r := range []struct {
		c    *x509.Certificate
		role ctl.Role
	}{{sast, ctl.RoleSAST}, {tftpCert, ctl.RoleTFTP}} {
		rec, err := ctl.RecordFromCertificate(r.c, r.role)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	ctlFile, err := ctl.Sign(&ctl.File{Records: recs}, sastKey, sast, crypto.SHA1, "CTLFile.tlv", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cnfXML := cnf.Device(cnf.System{CallManagers: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Port: port}, cnf.Phone{MAC: "0012434B2AD5", Type: "7970"})
	sgn, err := ctl.SignFile(cnfXML, "SEP0012434B2AD5.cnf.xml.sgn", tftpKey, tftpCert, crypto.SHA1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	addr := serveFiles(t, map[string][]byte{"CTLFile.tlv": ctlFile, "SEP0012434B2AD5.cnf.xml.sgn": sgn})
	report := filepath.Join(t.TempDir(), "report.json")
	var out bytes.Buffer
	if err := run([]string{"phone", "-mac", "0012.434B.2AD5", "-tftp", addr, "-script", "wait registered 5s; sleep 50ms", "-report", report}, &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep phone.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Device != "SEP0012434B2AD5" || rep.Registration.Result != "registered" || rep.Provisioning == nil ||
		strings.Join(rep.Provisioning.Files, " ") != "CTLFile.tlv SEP0012434B2AD5.cnf.xml.sgn" || rep.Provisioning.SecurityMode != 1 ||
		rep.Transport != "tcp" || rep.Server != ln.Addr().String() || len(rep.Actions) != 2 || rep.Counts["rx DefineTimeDate"] != 1 {
		t.Errorf("report:\n%s", b)
	}
	// A script error is reported and returned.
	out.Reset()
	if err := run([]string{"phone", "-mac", "0012434B2AD5", "-server", ln.Addr().String(), "-script", "wait ring 100ms"}, &out); err == nil ||
		!strings.Contains(out.String(), `"error": "phone: timeout waiting for ring`) {
		t.Errorf("wait ring: %v\n%s", err, out.String())
	}
	// Load mode over the same call manager.
	out.Reset()
	if err := run([]string{"load", "-n", "10", "-rate", "100", "-hold", "100ms", "-server", ln.Addr().String()}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "phones 10 registered 10 rejected 0 failed 0") || !strings.Contains(out.String(), "registrations/s") {
		t.Errorf("load output:\n%s", out.String())
	}
}

// TestMICCACommand: mic-ca creates the CA once and prints the same root
// certificate on every run; a bad key type is refused.
func TestMICCACommand(t *testing.T) {
	dir := t.TempDir()
	var a, b bytes.Buffer
	if err := run([]string{"mic-ca", "-mic-key", "ecdsa", dir}, &a); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"mic-ca", dir}, &b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("a second run printed another certificate")
	}
	blk, _ := pem.Decode(a.Bytes())
	if blk == nil {
		t.Fatalf("no PEM: %q", a.String())
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || !c.IsCA || c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("root %v, CA %v, key %v", err, c != nil && c.IsCA, c.PublicKeyAlgorithm)
	}
	if err := run([]string{"mic-ca", "-mic-key", "dsa", t.TempDir()}, &a); err == nil {
		t.Error("key type dsa accepted")
	}
}
