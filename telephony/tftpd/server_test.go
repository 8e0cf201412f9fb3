package tftpd

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// need returns the path of an external client that scripts/deps installs;
// a missing one fails the test (CI installs them), it is not skipped.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (scripts/deps installs it): %v", name, err)
	}
	return p
}

func startServer(t *testing.T, cfg Config) (*Server, *Table, *net.UDPAddr) {
	t.Helper()
	tab := cfg.Files.(*Table)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, tab, addr
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestCurlAndTFTPHPA(t *testing.T) {
	curl := need(t, "curl")
	tftpc := need(t, "tftp")
	dir := t.TempDir()
	flashFile := filepath.Join(dir, "flash.bin")
	flashData := randomBytes(100_000)
	os.WriteFile(flashFile, flashData, 0o644)
	tab := NewTable(func(b Binding) (ioReadCloser, int64, error) { return openHost(b.URL) })
	tab.SetBindings([]Binding{{Name: "P00308000300.bin", URL: flashFile}})
	small := []byte("<device><fullConfig>true</fullConfig></device>\n")
	big := randomBytes(3*1428 + 17)
	exact := randomBytes(2 * 512) // a multiple of the block size: needs the empty last block
	tab.Publish("SEP0012A7CC4302.cnf.xml", small)
	tab.Publish("CTLFile.tlv", big)
	tab.Publish("exact.bin", exact)
	s, _, addr := startServer(t, Config{Files: tab})

	cases := []struct {
		name, file string
		want       []byte
		blksize    string
	}{
		{"small", "SEP0012A7CC4302.cnf.xml", small, ""},
		{"case-insensitive", "sep0012a7cc4302.CNF.XML", small, ""},
		{"ctl spelling", "CTLfile.tlv", big, ""},
		{"blksize 1428", "CTLFile.tlv", big, "1428"},
		{"blksize 512", "CTLFile.tlv", big, "512"},
		{"exact multiple", "exact.bin", exact, ""},
		{"flash binding", "P00308000300.bin", flashData, "1428"},
		{"leading slash", "/SEP0012A7CC4302.cnf.xml", small, ""},
	}
	for _, tc := range cases {
		t.Run("curl/"+tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := []string{"-sS", "--max-time", "20", "-o", out}
			if tc.blksize != "" {
				args = append(args, "--tftp-blksize", tc.blksize)
			}
			url := fmt.Sprintf("tftp://127.0.0.1:%d/%s", addr.Port, strings.TrimPrefix(tc.file, "/"))
			if strings.HasPrefix(tc.file, "/") {
				url = fmt.Sprintf("tftp://127.0.0.1:%d//%s", addr.Port, strings.TrimPrefix(tc.file, "/"))
			}
			if b, err := exec.Command(curl, append(args, url)...).CombinedOutput(); err != nil {
				t.Fatalf("curl %s: %v\n%s", url, err, b)
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("curl got %d bytes, want %d", len(got), len(tc.want))
			}
		})
		t.Run("tftp-hpa/"+tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			cmds := "binary\n"
			if tc.blksize != "" {
				cmds += "blksize " + tc.blksize + "\ntsize\n"
			}
			cmds += fmt.Sprintf("get %s %s\nquit\n", tc.file, out)
			cmd := exec.Command(tftpc, "-v", "127.0.0.1", fmt.Sprint(addr.Port))
			cmd.Stdin = strings.NewReader(cmds)
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("tftp: %v\n%s", err, b)
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("tftp-hpa got %d bytes, want %d\n%s", len(got), len(tc.want), b)
			}
		})
	}

	t.Run("curl/missing", func(t *testing.T) {
		b, err := exec.Command(curl, "-sS", "--max-time", "20", "-o", os.DevNull,
			fmt.Sprintf("tftp://127.0.0.1:%d/SEPFFFFFFFFFFFF.cnf.xml", addr.Port)).CombinedOutput()
		// curl exit status 68: "TFTP server: file not found".
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 68 {
			t.Fatalf("curl of a missing file: err=%v output %q", err, b)
		}
	})
	t.Run("tftp-hpa/put refused", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "evil.cnf.xml")
		os.WriteFile(src, []byte("x"), 0o644)
		cmd := exec.Command(tftpc, "127.0.0.1", fmt.Sprint(addr.Port))
		cmd.Stdin = strings.NewReader(fmt.Sprintf("put %s SEP0012A7CC4302.cnf.xml\nquit\n", src))
		b, _ := cmd.CombinedOutput()
		if !strings.Contains(string(b), "Error code") {
			t.Fatalf("tftp put was not refused with a TFTP error:\n%s", b)
		}
		if got, _ := tab.Generated("SEP0012A7CC4302.cnf.xml"); !bytes.Equal(got, small) {
			t.Fatal("a write request changed a served file")
		}
	})
	st := waitStats(t, s, func(st Stats) bool { return st.Completed >= uint64(2*len(cases)) })
	if st.WriteRefused == 0 || st.NotFound == 0 {
		t.Fatalf("counters: %+v", st)
	}
}

// rawClient is a minimal TFTP client for requests real clients will not send.
type rawClient struct {
	t    testing.TB
	conn *net.UDPConn
	srv  *net.UDPAddr
}

func newRaw(t testing.TB, srv *net.UDPAddr) *rawClient {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, conn: c, srv: srv}
}

func rq(op uint16, name string, opts ...string) []byte {
	b := binary.BigEndian.AppendUint16(nil, op)
	b = append(append(b, name...), 0)
	b = append(append(b, "octet"...), 0)
	for _, o := range opts {
		b = append(append(b, o...), 0)
	}
	return b
}

func (c *rawClient) send(p []byte) {
	if _, err := c.conn.WriteToUDP(p, c.srv); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next datagram and who sent it (bounded wait).
func (c *rawClient) recv() ([]byte, *net.UDPAddr) {
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 70000)
	n, from, err := c.conn.ReadFromUDP(buf)
	if err != nil {
		c.t.Fatalf("no answer from the server: %v", err)
	}
	return buf[:n], from
}

func errCode(p []byte) (uint16, string, bool) {
	if len(p) < 4 || binary.BigEndian.Uint16(p) != 5 {
		return 0, "", false
	}
	return binary.BigEndian.Uint16(p[2:]), strings.TrimRight(string(p[4:]), "\x00"), true
}

func TestRefusals(t *testing.T) {
	tab := NewTable(nil)
	tab.Publish("SEP0012A7CC4302.cnf.xml", []byte("config"))
	tab.Publish("sub/dir/file.xml", []byte("nested"))
	s, _, addr := startServer(t, Config{Files: tab})
	for _, name := range []string{"../etc/passwd", "/../../etc/passwd", "sub/../../x", "..", "a\\..\\b", "sub/./dir/file.xml", "x\x01y"} {
		c := newRaw(t, addr)
		c.send(rq(1, name))
		p, _ := c.recv()
		if _, msg, ok := errCode(p); !ok || !strings.Contains(msg, "Access violation") {
			t.Errorf("RRQ %q: got %q, want an Access violation error", name, p)
		}
	}
	c := newRaw(t, addr)
	c.send(rq(2, "SEP0012A7CC4302.cnf.xml"))
	if _, msg, ok := errCode(func() []byte { p, _ := c.recv(); return p }()); !ok || !strings.Contains(msg, "read-only") {
		t.Errorf("WRQ: got %q", msg)
	}
	// Malformed datagrams get no answer and do not disturb the server.
	for _, p := range [][]byte{{}, {0}, {0, 1}, {0, 1, 'a'}, {0, 9, 0, 0}, {0, 3, 0, 1, 'x'}, bytes.Repeat([]byte{0xff}, 600)} {
		c.send(p)
	}
	// Absurd options: a tiny or huge blksize is ignored (RFC 2347 lets a
	// server drop options it will not honour); the file still comes.
	for _, opts := range [][]string{{"blksize", "1"}, {"blksize", "999999"}, {"blksize", "abc"}, {"tsize", "-5"}, {"windowsize", "64"}, {"blksize"}} {
		c := newRaw(t, addr)
		c.send(rq(1, "SEP0012A7CC4302.cnf.xml", opts...))
		got := fetchRaw(t, c)
		if !bytes.Equal(got, []byte("config")) {
			t.Errorf("options %q: got %q", opts, got)
		}
	}
	c2 := newRaw(t, addr)
	c2.send(rq(1, "/sub/dir/file.xml"))
	if got := fetchRaw(t, c2); string(got) != "nested" {
		t.Errorf("nested name: got %q", got)
	}
	st := s.Stats()
	if st.BadNames != 7 || st.WriteRefused != 1 {
		t.Errorf("counters %+v", st)
	}
}

// fetchRaw completes a read transfer started by the caller (OACK or DATA).
func fetchRaw(t testing.TB, c *rawClient) []byte {
	var out []byte
	blk := 512
	for range 1 << 20 {
		p, from := c.recv()
		if len(p) < 2 {
			t.Fatalf("short packet %q", p)
		}
		switch binary.BigEndian.Uint16(p) {
		case 6: // OACK
			f := bytes.Split(p[2:], []byte{0})
			for i := 0; i+1 < len(f); i += 2 {
				if string(f[i]) == "blksize" {
					fmt.Sscan(string(f[i+1]), &blk)
				}
			}
			c.conn.WriteToUDP([]byte{0, 4, 0, 0}, from)
		case 3:
			n := binary.BigEndian.Uint16(p[2:])
			out = append(out, p[4:]...)
			c.conn.WriteToUDP([]byte{0, 4, byte(n >> 8), byte(n)}, from)
			if len(p)-4 < blk {
				return out
			}
		case 5:
			code, msg, _ := errCode(p)
			t.Fatalf("error %d %q", code, msg)
		}
	}
	t.Fatal("transfer did not end")
	return nil
}

// TestStalledClient: a client that never acknowledges loses its slot after
// the retransmissions, while other clients are served meanwhile.
func TestStalledClient(t *testing.T) {
	tab := NewTable(nil)
	tab.Publish("big.bin", randomBytes(64*1024))
	tab.Publish("small", []byte("ok"))
	s, _, addr := startServer(t, Config{Files: tab, Timeout: 50 * time.Millisecond, Retries: 2, MaxTransfers: 1})
	stall := newRaw(t, addr)
	stall.send(rq(1, "big.bin"))
	stall.recv() // first DATA, never acknowledged
	// The only slot is taken: a second request is refused as busy.
	c := newRaw(t, addr)
	c.send(rq(1, "small"))
	if p, _ := c.recv(); !bytes.Contains(p, []byte("busy")) {
		t.Fatalf("second transfer while the slot is taken: %q", p)
	}
	// The stalled transfer times out and frees the slot.
	for i := 0; s.Stats().Active != 0; i++ {
		if i > 1000 {
			t.Fatal("stalled transfer never released its slot")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.send(rq(1, "small"))
	if got := fetchRaw(t, c); string(got) != "ok" {
		t.Fatalf("after the timeout: %q", got)
	}
	if st := s.Stats(); st.Failed != 1 || st.Busy != 1 {
		t.Fatalf("counters %+v", st)
	}
}

// TestConcurrent runs many transfers at once.
func TestConcurrent(t *testing.T) {
	tab := NewTable(nil)
	files := map[string][]byte{}
	for i := range 20 {
		name := fmt.Sprintf("SEP0000000000%02X.cnf.xml", i)
		files[name] = randomBytes(5000 + i*100)
		tab.Publish(name, files[name])
	}
	s, _, addr := startServer(t, Config{Files: tab, MaxPerSource: len(files)}) // 20 phones, one loopback address
	var wg sync.WaitGroup
	errs := make(chan string, len(files))
	for name, want := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newRaw(t, addr)
			c.send(rq(1, name, "blksize", "1428", "tsize", "0"))
			if got := fetchRaw(t, c); !bytes.Equal(got, want) {
				errs <- name
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("%s: wrong content", e)
	}
	if st := waitStats(t, s, func(st Stats) bool { return st.Completed == uint64(len(files)) }); st.Completed != uint64(len(files)) {
		t.Errorf("completed %d, want %d", st.Completed, len(files))
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"SEP0012A7CC4302.cnf.xml", "/CTLFile.tlv", "../x", "a/../b", "a//b", "/", "", "\x00", "Desktops/320x196x4/List.xml"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := CleanName(s)
		if !ok {
			return
		}
		if n == "" || strings.HasPrefix(n, "/") || strings.Contains("/"+n+"/", "/../") || strings.Contains(n, "\\") || strings.ContainsRune(n, 0) {
			t.Fatalf("CleanName(%q) = %q accepted", s, n)
		}
	})
}

// FuzzRequest sends arbitrary datagrams to a live server: it must keep
// serving.
func FuzzRequest(f *testing.F) {
	f.Add(rq(1, "f"))
	f.Add(rq(2, "f"))
	f.Add(rq(1, "f", "blksize", "65464", "tsize", "0", "timeout", "1"))
	f.Add([]byte{0, 1})
	tab := NewTable(nil)
	tab.Publish("f", []byte("content"))
	// Every input comes from 127.0.0.1 and the transfers it starts are
	// never acknowledged: they hold their slots until the retries run out,
	// so the per-source cap (tested by TestSlotsPerSource) is lifted here,
	// where the question is only whether the server keeps serving.
	s, err := New(Config{Files: tab, Timeout: 20 * time.Millisecond, Retries: 1, MaxTransfers: 1 << 20, MaxPerSource: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, p []byte) {
		c := newRaw(t, addr)
		c.send(p)
		c2 := newRaw(t, addr)
		c2.send(rq(1, "f"))
		if got := fetchRaw(t, c2); string(got) != "content" {
			t.Fatalf("server stopped serving after %q", p)
		}
	})
}

// waitStats waits (bounded) until the counters satisfy ok: the server
// counts a transfer when the client's last ACK arrives, after the client
// already has the file.
func waitStats(t *testing.T, s *Server, ok func(Stats) bool) Stats {
	t.Helper()
	for range 500 {
		if st := s.Stats(); ok(st) {
			return st
		}
		time.Sleep(10 * time.Millisecond)
	}
	return s.Stats()
}
