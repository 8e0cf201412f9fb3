package phone

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cmeos/cmd/phonesim/internal/mic"
	"cmeos/cmd/phonesim/internal/sccp"
)

// recConn records the bytes of a connection in order, per direction.
type recConn struct {
	net.Conn
	mu   sync.Mutex
	segs []seg
}

type seg struct {
	fromClient bool
	b          []byte
}

func (r *recConn) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	if n > 0 {
		r.mu.Lock()
		r.segs = append(r.segs, seg{false, append([]byte(nil), b[:n]...)})
		r.mu.Unlock()
	}
	return n, err
}

func (r *recConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.segs = append(r.segs, seg{true, append([]byte(nil), b...)})
	r.mu.Unlock()
	return r.Conn.Write(b)
}

// TestKeyLogDecrypts records a TLS registration as the phone saw it,
// writes it as a pcap, and has tshark decrypt it with the phone's key log
// and dissect the Skinny messages inside.
func TestKeyLogDecrypts(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	ca, _ := mic.Load(t.TempDir(), mic.ECDSA)
	micCert, _ := ca.Issue("7970", "00124302A7CC")
	srvCert, ccm := selfSigned(t, "cmeserver")
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAnyClientCert,
			MinVersion: version, MaxVersion: version})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		testCM(t, ln, 30, 17, "")
		var rec *recConn
		var keylog bytes.Buffer
		p, _ := New(Config{MAC: "00124302A7CC", Server: ln.Addr().String(), Secure: true, Certificate: &micCert,
			ServerCerts: []*x509.Certificate{ccm}, KeyLog: &keylog,
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				rec = &recConn{Conn: c}
				return rec, err
			}})
		if err := p.Connect(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(t.Context(), Registered, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		p.Close()
		dir := t.TempDir()
		pcap, keys := filepath.Join(dir, "tls.pcap"), filepath.Join(dir, "keys.log")
		rec.mu.Lock()
		os.WriteFile(pcap, twoWayPcap(rec.segs, 2443), 0o644)
		rec.mu.Unlock()
		os.WriteFile(keys, keylog.Bytes(), 0o600)
		out, err := exec.Command(tshark, "-n", "-r", pcap, "-o", "tls.keylog_file:"+keys, "-d", "tcp.port==2443,tls",
			"-T", "fields", "-e", "skinny.messageId").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		var names []string
		for _, f := range strings.Fields(strings.ReplaceAll(string(out), ",", " ")) {
			id, _ := strconv.ParseUint(f, 0, 32)
			names = append(names, sccp.Name(uint32(id)))
		}
		got := strings.Join(names, " ")
		for _, want := range []string{"Register", "RegisterAck", "CapabilitiesReq", "CapabilitiesRes", "ButtonTemplate", "DefineTimeDate", "Unregister", "UnregisterAck"} {
			if !strings.Contains(" "+got+" ", " "+want+" ") {
				t.Errorf("%s: tshark decrypted %q, lacks %s", tls.VersionName(version), got, want)
			}
		}
	}
}

// twoWayPcap lays out a recorded TCP conversation between a phone
// (10.0.0.2:50000) and port on 10.0.0.1 as IPv4 segments (link type RAW)
// with consistent sequence and acknowledgement numbers.
func twoWayPcap(segs []seg, port uint16) []byte {
	var b bytes.Buffer
	le, be := binary.LittleEndian, binary.BigEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 262144)
	le.PutUint32(hdr[20:], 101)
	b.Write(hdr)
	seqC, seqS := uint32(1), uint32(1)
	for i, s := range segs {
		for off := 0; off < len(s.b); off += 60000 {
			chunk := s.b[off:min(len(s.b), off+60000)]
			pkt := make([]byte, 40, 40+len(chunk))
			pkt[0], pkt[8], pkt[9] = 0x45, 64, 6
			be.PutUint16(pkt[2:], uint16(40+len(chunk)))
			src, dst := []byte{10, 0, 0, 2}, []byte{10, 0, 0, 1}
			sp, dp := uint16(50000), port
			seq, ack := &seqC, seqS
			if !s.fromClient {
				src, dst, sp, dp = dst, src, dp, sp
				seq, ack = &seqS, seqC
			}
			copy(pkt[12:], src)
			copy(pkt[16:], dst)
			be.PutUint16(pkt[20:], sp)
			be.PutUint16(pkt[22:], dp)
			be.PutUint32(pkt[24:], *seq)
			be.PutUint32(pkt[28:], ack)
			pkt[32], pkt[33] = 5<<4, 0x18
			be.PutUint16(pkt[34:], 65535)
			pkt = append(pkt, chunk...)
			*seq += uint32(len(chunk))
			rec := make([]byte, 16)
			le.PutUint32(rec[0:], uint32(1700000000+i))
			le.PutUint32(rec[8:], uint32(len(pkt)))
			le.PutUint32(rec[12:], uint32(len(pkt)))
			b.Write(rec)
			b.Write(pkt)
		}
	}
	return b.Bytes()
}
