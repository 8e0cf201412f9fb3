// Command sipbench measures the secure SIP trunk; scripts/bench-sip runs
// it (see there).
//
//   - -role setups: the box's trunk user agent (telephony/sip.Trunk) serves
//     SIP over mutually authenticated TLS and answers every INVITE with
//     an SDES SRTP answer (sip.Answer, as call control does); a sipgo
//     load generator places calls over TLS (INVITE with an RTP/SAVP offer,
//     200, ACK, BYE), -concurrency at a time, for -duration. It prints
//     whole calls per second and setup latency (INVITE to 200). With
//     -peer HOST:PORT the same generator (over UDP) calls that user agent
//     instead (baresip in auto-answer).
//   - -role relay: -calls trunk calls' media through media.Relay (the
//     box's flow-through relay: SRTP in on one leg, re-keyed SRTP out on
//     the other), both directions at 50 packets/s, 160-byte G.711
//     payloads; the relay runs in this process (pinned to one core by the
//     script, GOMAXPROCS=1), the phones and providers in a child process
//     on the other core (-role load). It prints the relay's CPU use and
//     the packets lost.
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"cmeos/crypto/srtp"
	"cmeos/scripts/internal/loadproc"
	"cmeos/telephony/media"
	"cmeos/telephony/sip"
)

func main() {
	role := flag.String("role", "setups", "setups, relay or load")
	conc := flag.Int("concurrency", 16, "calls placed at once (setups)")
	dur := flag.Duration("duration", 5*time.Second, "measuring window")
	peer := flag.String("peer", "", "call this UDP user agent instead of the box's trunk (setups)")
	overUDP := flag.Bool("udp", false, "call the box's trunk over UDP instead of TLS (setups)")
	calls := flag.Int("calls", 100, "concurrent calls through the relay (relay)")
	loadCPU := flag.String("load-cpu", "1", "CPU list for the load process (relay)")
	flag.Parse()
	var err error
	switch *role {
	case "setups":
		err = setups(*conc, *dur, *peer, *overUDP)
	case "relay":
		err = relay(*calls, *dur, *loadCPU)
	case "load":
		err = load()
	default:
		err = fmt.Errorf("role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sipbench:", err)
		os.Exit(1)
	}
}

// selfSigned makes a throw-away certificate for one side of the TLS.
func selfSigned(cn string) (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	c, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, c, nil
}

// chainTo checks a peer's certificate against one root, as the box does
// (chain only, no host name).
func chainTo(root *x509.Certificate) func(tls.ConnectionState) error {
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("no certificate")
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return err
	}
}

const offerFmt = "v=0\r\no=load 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/SAVP 0 101\r\n" +
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n"

func setups(conc int, dur time.Duration, peer string, overUDP bool) error {
	boxCert, boxRoot, err := selfSigned("cmeos-trunk")
	if err != nil {
		return err
	}
	loadCert, loadRoot, err := selfSigned("load")
	if err != nil {
		return err
	}
	var target sipmsg.Uri
	what := "cmeos trunk (TLS, SRTP answer, relay per call)"
	if peer == "" {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{boxCert}, ClientAuth: tls.RequireAnyClientCert,
			VerifyConnection: chainTo(loadRoot), MinVersion: tls.VersionTLS12})
		if err != nil {
			return err
		}
		udp, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		// The UDP flood guard (100 datagrams/s per source) is lifted: one
		// load generator is the only source here.
		tr, err := sip.NewTrunk(udp, sip.Options{Name: "cmeos", TLS: ln, NoFloodGuard: true,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{boxCert}, InsecureSkipVerify: true, VerifyConnection: chainTo(loadRoot)},
			Incoming: func(in *sip.InCall) {
				offer, err := sip.Parse(in.Offer)
				if err != nil {
					in.Reject(488, "Not Acceptable Here")
					return
				}
				// As call control does: a relay per call (two RTP/RTCP
				// socket pairs), its trunk leg keyed from the SDP.
				r, err := media.NewRelay(netip.MustParseAddr("127.0.0.1"))
				if err != nil {
					in.Reject(503, "Service Unavailable")
					return
				}
				ans, _, farKey, err := sip.Answer(offer, r.Local(1), []sip.Codec{sip.PCMU}, sip.SRTPRequired)
				if err == nil {
					err = r.Start(1, offer.Addr, farKey, ans.Crypto[0].Key)
				}
				if err != nil {
					r.Close()
					in.Reject(488, "Not Acceptable Here")
					return
				}
				in.Accept(ans.Marshal("cmeos", 1, 1))
				go func() { <-in.Done(); r.Close() }()
			}})
		if err != nil {
			return err
		}
		defer tr.Close()
		a := tr.TLSAddr()
		target = sipmsg.Uri{User: "1001", Host: a.Addr().String(), Port: int(a.Port()), UriParams: sipmsg.NewParams()}
		target.UriParams.Add("transport", "tls")
		if overUDP {
			a = tr.Addr()
			what = "cmeos trunk (UDP, SRTP answer, relay per call)"
			target = sipmsg.Uri{User: "1001", Host: a.Addr().String(), Port: int(a.Port())}
		}
	} else {
		ap, err := netip.ParseAddrPort(peer)
		if err != nil {
			return err
		}
		what = "peer " + peer + " (UDP)"
		target = sipmsg.Uri{User: "1001", Host: ap.Addr().String(), Port: int(ap.Port())}
	}

	// The load generator: one user agent, TLS client certificate.
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("load"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgenTLSConfig(&tls.Config{Certificates: []tls.Certificate{loadCert}, InsecureSkipVerify: true, VerifyConnection: chainTo(boxRoot)}))
	if err != nil {
		return err
	}
	defer ua.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv, _ := sipgo.NewServer(ua)
	port := udp.LocalAddr().(*net.UDPAddr).Port
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port))
	dcc := sipgo.NewDialogClientCache(cli, sipmsg.ContactHeader{Address: sipmsg.Uri{User: "load", Host: "127.0.0.1", Port: port}})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) { dcc.ReadBye(req, tx) })
	go srv.ServeUDP(udp)
	defer udp.Close()

	key, _ := srtp.NewKey(srtp.Default)
	body := []byte(fmt.Sprintf(offerFmt, 41000, key.Inline()))
	one := func(ctx context.Context) (time.Duration, error) {
		start := time.Now()
		s, err := dcc.Invite(ctx, target, body, sipmsg.NewHeader("Content-Type", "application/sdp"))
		if err != nil {
			return 0, err
		}
		defer s.Close()
		if err := s.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
			return 0, err
		}
		setup := time.Since(start)
		if !strings.Contains(string(s.InviteResponse.Body()), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") {
			return 0, errors.New("answer without SRTP key")
		}
		if err := s.Ack(ctx); err != nil {
			return 0, err
		}
		return setup, s.Bye(ctx)
	}
	// Warm-up call (TLS connection, caches).
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	if _, err := one(wctx); err != nil {
		wcancel()
		return fmt.Errorf("first call to %s: %w", what, err)
	}
	wcancel()
	var mu sync.Mutex
	var lat []time.Duration
	var fails atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				d, err := one(ctx)
				cancel()
				if err != nil {
					if fails.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "sipbench: first failed call:", err)
					}
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return fmt.Errorf("%s: no call completed (%d failed)", what, fails.Load())
	}
	fmt.Printf("%-48s concurrency %3d: %7.1f calls/s (INVITE/200/ACK/BYE), setup p50 %5.1f ms p99 %5.1f ms, %d failed\n",
		what, conc, float64(len(lat))/el.Seconds(), ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), fails.Load())
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func newKey() srtp.Key {
	k, err := srtp.NewKey(srtp.Default)
	if err != nil {
		panic(err)
	}
	return k
}

// relay runs n relays and a load process; keys and addresses travel to it
// over a pipe as SDES inline text (throw-away benchmark keys).
func relay(n int, dur time.Duration, loadCPU string) error {
	lp, err := loadproc.Start(loadCPU)
	if err != nil {
		return err
	}
	defer lp.Kill()
	stdin, in := lp.In, lp.Out
	relays := make([]*media.Relay, n)
	for i := range relays {
		r, err := media.NewRelay(netip.MustParseAddr("127.0.0.1"))
		if err != nil {
			return err
		}
		defer r.Close()
		relays[i] = r
		// Phone side (leg 0) and provider side (leg 1): what each sends
		// with, what each receives with.
		pTx, pRx, fTx, fRx := newKey(), newKey(), newKey(), newKey()
		fmt.Fprintf(stdin, "%d %s %s %s %s %s %s\n", i, r.Local(0), r.Local(1), pTx.Inline(), pRx.Inline(), fTx.Inline(), fRx.Inline())
		if !in.Scan() {
			return fmt.Errorf("load process: %v", in.Err())
		}
		var idx int
		var pa, fa string
		if _, err := fmt.Sscan(in.Text(), &idx, &pa, &fa); err != nil || idx != i {
			return fmt.Errorf("load process said %q", in.Text())
		}
		if err := r.Start(0, netip.MustParseAddrPort(pa), pTx, pRx); err != nil {
			return err
		}
		if err := r.Start(1, netip.MustParseAddrPort(fa), fTx, fRx); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdin, "go")
	time.Sleep(2 * time.Second) // warm-up
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	var sent0, recv0, fail0 uint64
	count := func() (sent, recv, fail uint64) {
		for _, r := range relays {
			for i := 0; i < 2; i++ {
				s := r.Stats(i)
				sent += s.Sent
				recv += s.Received
				fail += s.AuthFailures
			}
		}
		return
	}
	sent0, recv0, fail0 = count()
	t0 := time.Now()
	time.Sleep(dur)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	el := time.Since(t0)
	sent1, recv1, fail1 := count()
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	want := float64(n) * 2 * 50 * el.Seconds()
	fmt.Printf("relay %4d SRTP calls (both ways, 50 pps each): CPU %5.1f %% of one core, %8.0f packets/s re-keyed, %.2f %% not forwarded, %d auth failures\n",
		n, 100*cpu.Seconds()/el.Seconds(), float64(sent1-sent0)/el.Seconds(), 100*(1-float64(sent1-sent0)/want), fail1-fail0)
	_ = recv0
	_ = recv1
	_ = fail0
	return nil
}

// load plays both ends of every call: each end sends a 160-byte SRTP
// packet every 20 ms to its relay leg and reads what comes back.
func load() error {
	in := bufio.NewScanner(os.Stdin)
	type end struct {
		conn *net.UDPConn
		to   netip.AddrPort
		tx   *srtp.Context
	}
	var ends []*end
	for in.Scan() {
		line := in.Text()
		if line == "go" {
			break
		}
		var i int
		var l0, l1, pTx, pRx, fTx, fRx string
		if _, err := fmt.Sscan(line, &i, &l0, &l1, &pTx, &pRx, &fTx, &fRx); err != nil {
			return err
		}
		var addrs [2]string
		for k, spec := range []struct{ to, tx string }{{l0, pTx}, {l1, fTx}} {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				return err
			}
			key, err := srtp.ParseInline(srtp.Default, spec.tx)
			if err != nil {
				return err
			}
			ctx, err := srtp.NewContext(key)
			if err != nil {
				return err
			}
			ends = append(ends, &end{conn: c, to: netip.MustParseAddrPort(spec.to), tx: ctx})
			addrs[k] = c.LocalAddr().String()
			go func() {
				buf := make([]byte, 1500)
				for {
					if _, _, err := c.ReadFromUDP(buf); err != nil {
						return
					}
				}
			}()
		}
		fmt.Printf("%d %s %s\n", i, addrs[0], addrs[1])
	}
	pkt := make([]byte, 12+160)
	out := make([]byte, 0, 300)
	tick := time.NewTicker(20 * time.Millisecond)
	var seq uint16
	for range tick.C {
		seq++
		for k, e := range ends {
			pkt[0], pkt[1] = 0x80, 0
			binary.BigEndian.PutUint16(pkt[2:], seq)
			binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
			binary.BigEndian.PutUint32(pkt[8:], uint32(k+1))
			p, err := e.tx.Protect(out[:0], pkt)
			if err != nil {
				return err
			}
			e.conn.WriteToUDPAddrPort(p, e.to)
		}
	}
	return nil
}
