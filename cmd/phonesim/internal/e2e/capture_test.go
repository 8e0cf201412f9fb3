package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cmeos/cmd/phonesim/internal/phone"
)

// recConn records a phone's connection as the phone saw it, in order.
type recConn struct {
	net.Conn
	mu   sync.Mutex
	segs []recSeg
}

type recSeg struct {
	fromPhone bool
	b         []byte
}

func (r *recConn) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	if n > 0 {
		r.mu.Lock()
		r.segs = append(r.segs, recSeg{false, append([]byte(nil), b[:n]...)})
		r.mu.Unlock()
	}
	return n, err
}

func (r *recConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.segs = append(r.segs, recSeg{true, append([]byte(nil), b...)})
	r.mu.Unlock()
	return r.Conn.Write(b)
}

// pcapOf lays a recorded conversation out as IPv4/TCP packets (link type
// RAW) between the phone (10.0.0.2:50000) and port on 10.0.0.1, with
// consistent sequence numbers, so that tshark reassembles it.
func pcapOf(segs []recSeg, port uint16) []byte {
	var b bytes.Buffer
	le, be := binary.LittleEndian, binary.BigEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 262144)
	le.PutUint32(hdr[20:], 101) // LINKTYPE_RAW
	b.Write(hdr)
	seqP, seqS := uint32(1), uint32(1)
	n := 0
	for _, s := range segs {
		for off := 0; off < len(s.b); off += 1400 {
			chunk := s.b[off:min(len(s.b), off+1400)]
			pkt := make([]byte, 40, 40+len(chunk))
			pkt[0], pkt[8], pkt[9] = 0x45, 64, 6
			be.PutUint16(pkt[2:], uint16(40+len(chunk)))
			src, dst, sp, dp := []byte{10, 0, 0, 2}, []byte{10, 0, 0, 1}, uint16(50000), port
			seq, ack := &seqP, seqS
			if !s.fromPhone {
				src, dst, sp, dp = dst, src, dp, sp
				seq, ack = &seqS, seqP
			}
			copy(pkt[12:], src)
			copy(pkt[16:], dst)
			be.PutUint16(pkt[20:], sp)
			be.PutUint16(pkt[22:], dp)
			be.PutUint32(pkt[24:], *seq)
			be.PutUint32(pkt[28:], ack)
			pkt[32], pkt[33] = 5<<4, 0x18 // PSH ACK
			be.PutUint16(pkt[34:], 65535)
			pkt = append(pkt, chunk...)
			*seq += uint32(len(chunk))
			rec := make([]byte, 16)
			le.PutUint32(rec[0:], uint32(1700000000+n))
			le.PutUint32(rec[8:], uint32(len(pkt)))
			le.PutUint32(rec[12:], uint32(len(pkt)))
			b.Write(rec)
			b.Write(pkt)
			n++
		}
	}
	return b.Bytes()
}

// TestSecureCMECapture is issue 11's dissection check: the plain call of
// phones 3 and 4 as captured on the wire is dissected by tshark -d
// tcp.port==2000,skinny with every message recognised and nothing
// malformed; the TLS call of phones 1 and 2 is decrypted with the key log
// the simulator writes (SSLKEYLOGFILE format) and its Skinny dissected.
func TestSecureCMECapture(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatal("tshark not found: scripts/deps installs it")
	}
	recs := make([]*recConn, 4)
	keylogs := make([]*bytes.Buffer, 4)
	b := bootSecureCMEWith(t, func(i int, c *phone.Config) {
		keylogs[i] = &bytes.Buffer{}
		if c.Secure {
			c.KeyLog = keylogs[i]
		}
		c.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			recs[i] = &recConn{Conn: nc}
			return recs[i], nil
		}
	})
	p := b.phones
	basicCall(t, p[2], p[3], "93621003")
	basicCall(t, p[0], p[1], "93621001")
	for _, ph := range p {
		ph.Close()
	}
	dir := t.TempDir()
	for i, rec := range recs {
		port, args := uint16(2000), []string{"-d", "tcp.port==2000,skinny"}
		if i < 2 {
			port = 2443
			keys := filepath.Join(dir, "keys"+string(rune('1'+i))+".log")
			os.WriteFile(keys, keylogs[i].Bytes(), 0o600)
			args = []string{"-d", "tcp.port==2443,tls", "-o", "tls.keylog_file:" + keys}
		}
		file := filepath.Join(dir, "phone"+string(rune('1'+i))+".pcap")
		rec.mu.Lock()
		os.WriteFile(file, pcapOf(rec.segs, port), 0o644)
		rec.mu.Unlock()
		out, err := exec.Command(tshark, append([]string{"-n", "-r", file, "-Y", "skinny", "-T", "fields", "-e", "skinny.messageId", "-e", "_ws.col.Info"}, args...)...).Output()
		if err != nil {
			t.Fatalf("tshark: %v\n%s", err, out)
		}
		info := string(out)
		names := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSpace(info), "\n") {
			if _, col, ok := strings.Cut(l, "\t"); ok {
				for _, n := range strings.FieldsFunc(col, func(r rune) bool { return r == ' ' || r == ',' }) {
					names[n] = true
				}
			}
		}
		// Wireshark 4.0's names (RegisterReq, TimeDateRes = DefineTimeDate, ...)
		for _, want := range []string{"RegisterReq", "RegisterAck", "CapabilitiesReq", "CapabilitiesRes", "ButtonTemplateRes",
			"SoftKeyTemplateRes", "SoftKeySetRes", "LineStatRes", "TimeDateRes", "CallState", "CallInfo", "SetLamp",
			"SelectSoftKeys", "StopTone", "SetRinger", "OpenReceiveChannel", "OpenReceiveChannelAck",
			"StartMediaTransmission", "StartMediaTransmissionAck", "CloseReceiveChannel", "StopMediaTransmission"} {
			if !names[want] || (i%2 == 0 && !names["StartTone"]) { // callers hear dial tone
				t.Errorf("phone %d: tshark did not see %s:\n%s", i+1, want, info)
			}
		}
		if strings.Contains(info, "Unknown") {
			t.Errorf("phone %d: messages tshark does not know:\n%s", i+1, info)
		}
		bad, err := exec.Command(tshark, append([]string{"-n", "-r", file, "-Y", "_ws.malformed || _ws.expert.severity == error"}, args...)...).Output()
		if err != nil || strings.TrimSpace(string(bad)) != "" {
			t.Errorf("phone %d: malformed packets (%v):\n%s", i+1, err, bad)
		}
	}
}
