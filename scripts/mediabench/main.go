// Command mediabench measures how many secure transcoded calls the media
// engine (telephony/media, the software DSP farm's engine) sustains on one
// core. scripts/bench-media runs it; see there.
//
// The engine side (this process, pinned to one core by the script, with
// GOMAXPROCS=1) opens N sessions, each joining a G.711 µ-law leg and a
// G.722 leg with SRTP (AES_CM_128_HMAC_SHA1_80) on both. It starts a load
// process on the other core (-role load) that plays 2N phones: each sends
// a 20 ms SRTP packet every 20 ms to its leg and counts what comes back.
// After a warm-up the engine counts, over the measuring window, the frames
// it sent and those that left after their 20 ms slot was over (late).
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"cmeos/crypto/srtp"
	"cmeos/scripts/internal/loadproc"
	"cmeos/telephony/media"
)

func main() {
	role := flag.String("role", "engine", "engine or load")
	n := flag.Int("sessions", 100, "transcoding sessions (calls)")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up before measuring")
	dur := flag.Duration("duration", 6*time.Second, "measuring window")
	loadCPU := flag.String("load-cpu", "1", "CPU list for the load process (taskset)")
	prof := flag.String("cpuprofile", "", "write the engine's CPU profile of the measuring window here")
	flag.Parse()
	var err error
	if *role == "load" {
		err = load()
	} else {
		err = engine(*n, *warm, *dur, *loadCPU, *prof)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mediabench:", err)
		os.Exit(1)
	}
}

func newKey() srtp.Key {
	k, err := srtp.NewKey(srtp.AESCM128HMACSHA1_80)
	if err != nil {
		panic(err)
	}
	return k
}

// engine runs the sessions and reports. Keys travel to the load process
// over a pipe as SDES inline text (these are throw-away benchmark keys).
func engine(n int, warm, dur time.Duration, loadCPU, prof string) error {
	e, err := media.New(media.Config{Addr: netip.MustParseAddr("127.0.0.1"), MaxSessions: n})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx)

	lp, err := loadproc.Start(loadCPU)
	if err != nil {
		return err
	}
	defer lp.Kill()
	stdin, in := lp.In, lp.Out

	type call struct {
		s          *media.Session
		aRx, bRx   srtp.Key // what the engine sends to the phones with
		legA, legB netip.AddrPort
		aTx, bTx   srtp.Key
	}
	calls := make([]call, n)
	for i := range calls {
		c := &calls[i]
		c.aTx, c.aRx, c.bTx, c.bRx = newKey(), newKey(), newKey(), newKey()
		if c.s, err = e.NewSession(); err != nil {
			return err
		}
		if c.legA, err = c.s.Open(0, media.G711Ulaw, c.aTx, netip.Addr{}); err != nil {
			return err
		}
		if c.legB, err = c.s.Open(1, media.G722, c.bTx, netip.Addr{}); err != nil {
			return err
		}
		fmt.Fprintf(stdin, "%d %s %s %s %s %s %s\n", i, c.legA, c.legB, c.aTx.Inline(), c.aRx.Inline(), c.bTx.Inline(), c.bRx.Inline())
	}
	fmt.Fprintln(stdin, "go")
	for i := range calls {
		if !in.Scan() {
			return fmt.Errorf("load process: %v", in.Err())
		}
		var idx int
		var pa, pb string
		if _, err := fmt.Sscan(in.Text(), &idx, &pa, &pb); err != nil || idx != i {
			return fmt.Errorf("load process said %q", in.Text())
		}
		calls[i].s.Start(0, netip.MustParseAddrPort(pa), calls[i].aRx)
		calls[i].s.Start(1, netip.MustParseAddrPort(pb), calls[i].bRx)
	}
	time.Sleep(warm)
	s0 := e.Stats()
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	time.Sleep(dur)
	if prof != "" {
		pprof.StopCPUProfile()
	}
	s1 := e.Stats()
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	el := time.Since(t0)
	out := s1.FramesOut - s0.FramesOut
	late := s1.FramesLate - s0.FramesLate
	cpu := float64(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) / float64(el.Nanoseconds())
	expect := float64(2*n) * el.Seconds() * 50
	var auth, unexpected uint64
	for _, c := range calls {
		for i := 0; i < 2; i++ {
			st := c.s.Stats(i)
			auth += st.AuthFailures
			unexpected += st.UnexpectedSource
		}
	}
	fmt.Fprintln(stdin, "stop")
	if !in.Scan() {
		return fmt.Errorf("load process ended: %v", in.Err())
	}
	fmt.Printf("sessions %4d  GOMAXPROCS %d  frames out %8d (%.1f%% of 50/s per leg)  late %6.2f%%  engine CPU %4.0f%%  SRTP auth failures %d  %s\n",
		n, runtime.GOMAXPROCS(0), out, 100*float64(out)/expect, 100*float64(late)/max(1, float64(out)), 100*cpu, auth, in.Text())
	return nil
}

// phone is one simulated endpoint of the load process.
type phone struct {
	conn *net.UDPConn
	to   netip.AddrPort
	tx   *srtp.Context
	pkt  []byte
	seq  uint16
	ts   uint32
	got  atomic.Uint64
}

// load plays the phones until told to stop.
func load() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<16)
	ulaw := make([]byte, 160)
	g722 := make([]byte, 160)
	{
		pcm8 := make([]int16, 160)
		media.Tone(pcm8, 8000, 1000, 8000, 0)
		for i, s := range pcm8 {
			ulaw[i] = linearToUlaw(s)
		}
		pcm16 := make([]int16, 320)
		media.Tone(pcm16, 16000, 1000, 8000, 0)
		g722 = media.NewG722Encoder().Encode(g722[:0], pcm16)
	}
	var phones []*phone
	mk := func(to, txInline string, pt byte, payload []byte) (*phone, error) {
		k, err := srtp.ParseInline(srtp.AESCM128HMACSHA1_80, txInline)
		if err != nil {
			return nil, err
		}
		ctx, err := srtp.NewContext(k)
		if err != nil {
			return nil, err
		}
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, err
		}
		p := &phone{conn: c, to: netip.MustParseAddrPort(to), tx: ctx}
		p.pkt = make([]byte, 12, 200)
		p.pkt[0], p.pkt[1] = 0x80, pt
		binary.BigEndian.PutUint32(p.pkt[8:], uint32(len(phones)+1))
		p.pkt = append(p.pkt, payload...)
		return p, nil
	}
	var lines []string
	for in.Scan() {
		if in.Text() == "go" {
			break
		}
		lines = append(lines, in.Text())
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 7 {
			return fmt.Errorf("bad line %q", l)
		}
		a, err := mk(f[1], f[3], 0, ulaw)
		if err != nil {
			return err
		}
		phones = append(phones, a)
		b, err := mk(f[2], f[5], 9, g722)
		if err != nil {
			return err
		}
		phones = append(phones, b)
		fmt.Printf("%s %s %s\n", f[0], a.conn.LocalAddr(), b.conn.LocalAddr())
	}
	for _, p := range phones {
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := p.conn.ReadFromUDPAddrPort(buf); err != nil {
					return
				}
				p.got.Add(1)
			}
		}()
	}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(media.Ptime)
		defer t.Stop()
		enc := make([]byte, 0, 256)
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			for _, p := range phones {
				binary.BigEndian.PutUint16(p.pkt[2:], p.seq)
				binary.BigEndian.PutUint32(p.pkt[4:], p.ts)
				p.seq++
				p.ts += 160
				e, err := p.tx.Protect(enc[:0], p.pkt)
				if err == nil {
					p.conn.WriteToUDPAddrPort(e, p.to)
				}
			}
		}
	}()
	for in.Scan() {
		if in.Text() == "stop" {
			break
		}
	}
	close(stop)
	var got uint64
	for _, p := range phones {
		got += p.got.Load()
	}
	fmt.Printf("phones received %d packets\n", got)
	return nil
}

// linearToUlaw is G.711 µ-law (the load's own encoder, so that the
// engine's decoder meets a second implementation).
func linearToUlaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int(s)
	sign := 0
	if v < 0 {
		v, sign = -v, 0x80
	}
	if v > clip {
		v = clip
	}
	v += bias
	exp := 7
	for mask := 0x4000; exp > 0 && v&mask == 0; mask >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0F
	return ^byte(sign | exp<<4 | mant)
}
