package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"cmeos/cmd/phonesim/internal/media"
	"cmeos/cmd/phonesim/internal/phone"
	"cmeos/crypto/ca"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/ephone"
)

// provider is the far end of the trunk tests: a SIP user agent written on
// sipgo directly (not on the box's telephony/sip), reading and writing
// its SDP by hand, with the simulator's RTP/SRTP stream (pion/srtp) as
// its media. With a certificate it serves and dials SIP over TLS.
type provider struct {
	t      *testing.T
	ua     *sipgo.UserAgent
	cli    *sipgo.Client
	addr   netip.AddrPort // UDP, or TLS when tls
	tls    bool
	secure bool // answers and offers RTP/SAVP with a key

	mu     sync.Mutex
	stream *media.Stream
	offer  string
	sess   *sipgo.DialogServerSession
	key    string   // its own inline key (what it encrypts with)
	reinv  []string // directions of the re-INVITEs received ("" sendrecv)
}

var (
	sdpConn   = regexp.MustCompile(`c=IN IP4 ([0-9.]+)`)
	sdpMedia  = regexp.MustCompile(`m=audio ([0-9]+) (RTP/S?AVP)`)
	sdpCrypto = regexp.MustCompile(`a=crypto:([0-9]+) AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/=]{40})`)
)

// keyBlock makes the simulator's key block from an SDES inline key.
func keyBlock(t *testing.T, inline string) media.KeyBlock {
	raw, err := base64.StdEncoding.DecodeString(inline)
	if err != nil || len(raw) != 30 {
		t.Fatalf("inline key %q: %v", inline, err)
	}
	return media.KeyBlock{Algorithm: media.AlgAESCM128SHA1_80, KeyLen: 16, SaltLen: 14, Key: raw[:16], Salt: raw[16:]}
}

// remote reads the address, profile and key of an SDP body.
func remote(t *testing.T, sdp string) (netip.AddrPort, bool, string) {
	c, m := sdpConn.FindStringSubmatch(sdp), sdpMedia.FindStringSubmatch(sdp)
	if c == nil || m == nil {
		t.Fatalf("SDP without address:\n%s", sdp)
	}
	port, _ := strconv.Atoi(m[1])
	ap := netip.AddrPortFrom(netip.MustParseAddr(c[1]), uint16(port))
	key := ""
	if k := sdpCrypto.FindStringSubmatch(sdp); k != nil {
		key = k[2]
	}
	return ap, m[2] == "RTP/SAVP", key
}

// body is the provider's SDP for its stream: RTP/SAVP with its key when
// secure.
func (p *provider) body() string {
	port := p.stream.Port()
	prof, crypto := "RTP/AVP", ""
	if p.secure {
		prof = "RTP/SAVP"
		crypto = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + p.key + "\r\n"
	}
	return fmt.Sprintf("v=0\r\no=provider 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d %s 0 101\r\n%sa=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n", port, prof, crypto)
}

// startMedia points the provider's stream at the box's side of the call
// described by sdp (the box's offer or answer).
func (p *provider) startMedia(sdp string) {
	to, secure, boxKey := remote(p.t, sdp)
	if p.secure && !secure {
		p.t.Errorf("the box's SDP is not SRTP:\n%s", sdp)
	}
	// A provider without SRTP answers an SRTP offer in RTP (the box's
	// srtp fallback then carries RTP).
	var rx, tx media.KeyBlock
	if secure && p.secure {
		rx, tx = keyBlock(p.t, boxKey), keyBlock(p.t, p.key)
	}
	p.stream.SetReceive(media.Ulaw{}, rx)
	p.stream.StartTransmit(to, media.Ulaw{}, 20, tx)
}

func newProvider(t *testing.T, cert *tls.Certificate, roots *x509.CertPool, secure bool) *provider {
	t.Helper()
	p := &provider{t: t, secure: secure, tls: cert != nil}
	raw := make([]byte, 30)
	rand.Read(raw)
	p.key = base64.StdEncoding.EncodeToString(raw)
	s, err := media.Listen(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	p.stream = s
	var conf *tls.Config
	opts := []sipgo.UserAgentOption{sipgo.WithUserAgent("provider"), sipgo.WithUserAgentHostname("127.0.0.1")}
	if cert != nil {
		// The box is named by its address, which its certificate need not
		// carry: the chain is what is checked.
		conf = &tls.Config{Certificates: []tls.Certificate{*cert}, ClientAuth: tls.RequireAnyClientCert, InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return fmt.Errorf("no certificate from the box")
				}
				_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
				return err
			}}
		opts = append(opts, sipgo.WithUserAgenTLSConfig(conf))
	}
	ua, _ := sipgo.NewUA(opts...)
	srv, _ := sipgo.NewServer(ua)
	var serve func() error
	var closeLn func()
	if cert != nil {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
		if err != nil {
			t.Fatal(err)
		}
		p.addr = netip.MustParseAddrPort(ln.Addr().String())
		serve = func() error { return srv.ServeTLS(ln) }
		closeLn = func() { ln.Close() }
	} else {
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.addr = netip.MustParseAddrPort(conn.LocalAddr().String())
		serve = func() error { return srv.ServeUDP(conn) }
		closeLn = func() { conn.Close() }
	}
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(int(p.addr.Port())))
	p.ua, p.cli = ua, cli
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "provider", Host: "127.0.0.1", Port: int(p.addr.Port())}}
	if cert != nil {
		contact.Address.UriParams = sipmsg.NewParams()
		contact.Address.UriParams.Add("transport", "tls")
	}
	dsc := sipgo.NewDialogServerCache(cli, contact)
	srv.OnInvite(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if to := req.To(); to != nil && to.Params.Has("tag") { // re-INVITE: hold or resume
			dir := ""
			for _, d := range []string{"sendonly", "recvonly", "inactive"} {
				if strings.Contains(string(req.Body()), "a="+d) {
					dir = d
				}
			}
			p.mu.Lock()
			p.reinv = append(p.reinv, dir)
			p.mu.Unlock()
			body := p.body()
			if dir == "sendonly" {
				body += "a=recvonly\r\n"
			}
			res := sipmsg.NewResponseFromRequest(req, 200, "OK", []byte(body))
			res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
			res.AppendHeader(&contact)
			tx.Respond(res) // its ACK, a transaction of its own, goes to OnAck
			return
		}
		sess, err := dsc.ReadInvite(req, tx)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.offer, p.sess = string(req.Body()), sess
		p.mu.Unlock()
		sess.Respond(180, "Ringing", nil)
		time.Sleep(200 * time.Millisecond)
		p.startMedia(string(req.Body()))
		sess.RespondSDP([]byte(p.body()))
		<-tx.Done()
	})
	srv.OnAck(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) { dsc.ReadAck(req, tx) })
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		p.stream.StopTransmit()
		dsc.ReadBye(req, tx)
	})
	done := make(chan struct{})
	go func() { serve(); close(done) }()
	t.Cleanup(func() { ua.Close(); closeLn(); s.Close(); <-done })
	return p
}

// expectTone waits for freq in what the provider receives.
func (p *provider) expectTone(freq float64, timeout time.Duration) error {
	var last media.Analysis
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		last = media.Analyse(p.stream.Recent(512*time.Millisecond), 8000)
		if math.Abs(last.Freq-freq) <= freq*0.02 && last.SNR >= 20 {
			return nil
		}
	}
	return fmt.Errorf("no %.0f Hz tone at the provider (last %.1f Hz, SNR %.1f dB)", freq, last.Freq, last.SNR)
}

// talkTrunk: a tone from the phone is heard by the provider, and one
// from the provider by the phone.
func talkTrunk(t *testing.T, ph *phone.Phone, p *provider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	go ph.PlayTone(ctx, 1000, 4*time.Second)
	if err := p.expectTone(1000, 8*time.Second); err != nil {
		t.Errorf("phone %s -> provider: %v", name(ph), err)
	}
	p.stream.SetTone(600)
	if err := ph.ExpectTone(ctx, 600, 8*time.Second); err != nil {
		t.Errorf("provider -> phone %s: %v", name(ph), err)
	}
	p.stream.SetTone(0)
}

// TestSecureSIPTrunk is issue 14's end-to-end trunk test on seed 004's
// secure box: phone 1 (encrypted, over TLS) dials a number a dial-peer
// routes over a TLS SIP trunk with srtp to the provider; the INVITE
// arrives over mutually authenticated TLS with an RTP/SAVP offer and an
// SDES key, tones cross both ways as SRTP (each side decrypts with the
// other's key: a clear or mis-keyed packet would be an authentication
// failure and no tone), show sip-ua calls prints both keys, and the
// phone's hang-up reaches the provider. Then the provider calls phone 1
// over TLS with SRTP: the phone rings, answers, tones cross, the
// provider's BYE clears the phone. Then phone 3 (not secure) dials a
// dial-peer with srtp fallback whose provider answers in RTP: the call
// connects in RTP.
func TestSecureSIPTrunk(t *testing.T) {
	b := bootSecureCME(t)
	sys := b.sys
	// The provider's certificate, issued by the box's CA (the trust the
	// box already has); the provider trusts that CA back.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sys.Lock()
	auth := ca.FromSystem(sys).Authority("cme_root")
	provCert, err := auth.IssueLSC("sip-provider", key.Public())
	caCert := auth.Cert()
	sys.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	secureProv := newProvider(t, &tls.Certificate{Certificate: [][]byte{provCert.Raw}, PrivateKey: key, Leaf: provCert}, roots, true)
	plainProv := newProvider(t, nil, nil, false)

	out := seedConsole(sys, "sip-ua", " crypto signaling default trustpoint mytrustpoint1", " exit",
		"dial-peer voice 100 voip", " destination-pattern 5551....", " session protocol sipv2",
		" session target ipv4:"+secureProv.addr.String(), " session transport tls", " srtp", " dtmf-relay rtp-nte", " codec g711ulaw", " exit",
		"dial-peer voice 101 voip", " destination-pattern 5552....", " session protocol sipv2",
		" session target ipv4:"+plainProv.addr.String(), " srtp fallback", " exit",
		"dial-peer voice 200 voip", " incoming called-number 9362....", " session protocol sipv2", " srtp", " exit")
	for _, bad := range []string{"% Invalid", "% Incomplete", "% Error"} {
		if strings.Contains(out, bad) {
			t.Fatalf("trunk configuration:\n%s", out)
		}
	}
	_, boxTLS, err := ephone.FromSystem(sys).SIPAddr()
	if err != nil || !boxTLS.IsValid() {
		t.Fatalf("SIP trunk TLS address %v: %v\n%s", boxTLS, err, strings.Join(sys.Log.Entries(), "\n"))
	}

	// Outbound, TLS + SRTP.
	ph := b.phones[0]
	run(t, ph, "offhook; wait dialtone; dial 55511234; wait ringout; wait connected; wait media 5s")
	secureProv.mu.Lock()
	offer := secureProv.offer
	secureProv.mu.Unlock()
	if _, secure, boxKey := remote(t, offer); !secure || boxKey == "" {
		t.Fatalf("the INVITE's offer is not SRTP:\n%s", offer)
	}
	talkTrunk(t, ph, secureProv)
	// Hold and resume: re-INVITEs with a=sendonly, then sendrecv; the
	// phone's channel reopens with its keys and the tones cross again.
	run(t, ph, "hold; wait hold")
	run(t, ph, "resume; wait connected; wait media 5s")
	talkTrunk(t, ph, secureProv)
	secureProv.mu.Lock()
	reinv := strings.Join(secureProv.reinv, ",")
	secureProv.mu.Unlock()
	if reinv != "sendonly," {
		t.Errorf("re-INVITE directions %q, want \"sendonly,\" (hold, resume)", reinv)
	}
	calls := configtest.Exec(sys, "show sip-ua calls")
	_, _, boxKey := remote(t, offer)
	for _, want := range []string{"Number of SIP User Agent Client(UAC) calls: 1\n", "Called Number : 55511234\n",
		"Media Mode : flow-through\n", "Local Crypto Suite : AES_CM_128_HMAC_SHA1_80\n",
		"Local Crypto Key : " + boxKey + "\n", "Remote Crypto Key : " + secureProv.key + "\n"} {
		if !strings.Contains(calls, want) {
			t.Errorf("show sip-ua calls lacks %q:\n%s", want, calls)
		}
	}
	for _, m := range ph.Report().Media {
		if m.RxKey.Algorithm == 0 || m.TxKey.Algorithm == 0 || m.AuthFailures != 0 || m.RxPackets == 0 {
			t.Errorf("phone stream %+v", m.Stats)
		}
	}
	if st := secureProv.stream.Stats(); st.AuthFailures != 0 || st.RxPackets == 0 {
		t.Errorf("provider stream %+v", st)
	}
	run(t, ph, "onhook; wait onhook")

	// Inbound over TLS with SRTP: the provider calls phone 1's number.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	secureProv.stream.StopTransmit()
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "provider", Host: "127.0.0.1", Port: int(secureProv.addr.Port()),
		UriParams: sipmsg.NewParams()}}
	contact.Address.UriParams.Add("transport", "tls")
	target := sipmsg.Uri{User: "93621000", Host: "127.0.0.1", Port: int(boxTLS.Port()), UriParams: sipmsg.NewParams()}
	target.UriParams.Add("transport", "tls")
	dcc := sipgo.NewDialogClientCache(secureProv.cli, contact)
	sess, err := dcc.Invite(ctx, target, []byte(secureProv.body()), sipmsg.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() { answered <- sess.WaitAnswer(ctx, sipgo.AnswerOptions{}) }()
	run(t, ph, "wait ring; answer; wait connected")
	if err := <-answered; err != nil {
		t.Fatalf("inbound INVITE: %v", err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	secureProv.startMedia(string(sess.InviteResponse.Body()))
	run(t, ph, "wait media 5s")
	talkTrunk(t, ph, secureProv)
	if calls := configtest.Exec(sys, "show sip-ua calls"); !strings.Contains(calls, "Number of SIP User Agent Server(UAS) calls: 1\n") ||
		!strings.Contains(calls, "Remote Crypto Key : "+secureProv.key+"\n") {
		t.Errorf("show sip-ua calls:\n%s", calls)
	}
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	run(t, ph, "wait onhook")

	// srtp fallback to a provider without SRTP: the call is RTP.
	p3 := b.phones[2]
	run(t, p3, "offhook; wait dialtone; dial 55521234; wait ringout; wait connected; wait media 5s")
	talkTrunk(t, p3, plainProv)
	if !strings.Contains(strings.Join(sys.Log.Entries(), "\n"), "%DIALPEER-6-SRTP_FALLBACK") {
		t.Errorf("no SRTP_FALLBACK log line:\n%s", strings.Join(sys.Log.Entries(), "\n"))
	}
	calls = configtest.Exec(sys, "show sip-ua calls")
	if strings.Contains(calls, "Crypto Key") {
		t.Errorf("keys shown for an RTP call:\n%s", calls)
	}
	run(t, p3, "onhook; wait onhook")
}

// need returns the path of an external program that scripts/deps
// installs; a missing one fails the test (CI installs it).
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (scripts/deps installs it): %v", name, err)
	}
	return p
}

// writeToneWAV writes seconds of freq Hz, 8 kHz 16-bit mono.
func writeToneWAV(t *testing.T, path string, freq float64, seconds int) {
	n := 8000 * seconds
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(int16(8000*math.Sin(2*math.Pi*freq*float64(i)/8000))))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readWAV returns the first channel of a 16-bit PCM WAV file and its rate.
func readWAV(b []byte) ([]int16, int) {
	if len(b) < 12 || string(b[:4]) != "RIFF" {
		return nil, 0
	}
	rate, channels := 0, 1
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8:]
		if size > len(body) || size < 0 {
			size = len(body)
		}
		switch id {
		case "fmt ":
			if size >= 16 {
				channels = int(binary.LittleEndian.Uint16(body[2:]))
				rate = int(binary.LittleEndian.Uint32(body[4:]))
			}
		case "data":
			var pcm []int16
			for i := 0; i+2*channels <= size; i += 2 * channels {
				pcm = append(pcm, int16(binary.LittleEndian.Uint16(body[i:])))
			}
			return pcm, rate
		}
		off += 8 + size + size%2
	}
	return nil, 0
}

// TestSIPTrunkBaresip: the third-party user agent. Debian's baresip,
// reached over TLS (its certificate from the box's CA, the box's from
// mytrustpoint1), answers automatically with mandatory SRTP (mediaenc=srtp-mand, its own
// libre/libsrtp-based SRTP) and plays a 440 Hz file; phone 1 (encrypted,
// TLS) dials it through a dial-peer with srtp. The phone hears baresip's
// tone (through the box's relay, re-keyed into the phone's SRTP keys) and
// baresip's decoded-audio dump (sndfile) holds the phone's 1000 Hz tone.
func TestSIPTrunkBaresip(t *testing.T) {
	bin := need(t, "baresip")
	dir := t.TempDir()
	b := bootSecureCME(t)
	// baresip's TLS certificate, from the box's CA (the box checks the
	// chain), in the one PEM file baresip reads.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b.sys.Lock()
	cert, err := ca.FromSystem(b.sys).Authority("cme_root").IssueLSC("baresip", key.Public())
	b.sys.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(key)
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})...)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pemData, 0o600)
	// baresip listens on sip_listen's port for UDP and TCP and on the
	// next one for TLS: find a free pair.
	port := 0
	for try := 0; try < 20 && port == 0; try++ {
		l, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.LocalAddr().(*net.UDPAddr).Port
		free := p < 65535
		for _, q := range []int{p, p + 1} {
			if tl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", q)); err == nil {
				tl.Close()
			} else {
				free = false
			}
		}
		l.Close()
		if free {
			port = p
		}
	}
	if port == 0 {
		t.Fatal("no free port pair for baresip")
	}
	writeToneWAV(t, filepath.Join(dir, "tone.wav"), 440, 20)
	cfg := fmt.Sprintf("poll_method epoll\nsip_listen 127.0.0.1:%d\nsip_certificate %s\naudio_source aufile,%s\nmodule_path /usr/lib/baresip/modules\n"+
		"module g711.so\nmodule srtp.so\nmodule aufile.so\nmodule sndfile.so\nsnd_path %s\nmodule_app account.so\nmodule_app menu.so\n",
		port, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "tone.wav"), dir)
	os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o644)
	os.WriteFile(filepath.Join(dir, "accounts"), []byte("<sip:55511234@127.0.0.1>;regint=0;answermode=auto;mediaenc=srtp-mand\n"), 0o644)
	var out configtest.SyncBuffer
	cmd := exec.Command(bin, "-f", dir, "-n", "127.0.0.1") // its SDP carries 127.0.0.1, where it sends from
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "baresip is ready"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not start:\n%s", out.String())
		}
	}

	if out := seedConsole(b.sys, "sip-ua", " crypto signaling default trustpoint mytrustpoint1", " exit",
		"dial-peer voice 100 voip", " destination-pattern 5551....", " session protocol sipv2",
		" session target ipv4:127.0.0.1:"+strconv.Itoa(port+1), " session transport tls", " srtp", " exit"); strings.Contains(out, "%") {
		t.Fatal(out)
	}
	// The trunk's TLS side follows sip-ua (a reconcile away).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, tlsAddr, err := ephone.FromSystem(b.sys).SIPAddr(); err == nil && tlsAddr.IsValid() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the SIP trunk has no TLS side")
		}
	}
	ph := b.phones[0]
	if err := ph.Run(t.Context(), phone.MustParseScript("offhook; wait dialtone; dial 55511234; wait connected; wait media 5s")); err != nil {
		t.Fatalf("call to baresip: %v\nlog:\n%s\nbaresip:\n%s", err, strings.Join(b.sys.Log.Entries(), "\n"), out.String())
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	go ph.PlayTone(ctx, 1000, 4*time.Second)
	if err := ph.ExpectTone(ctx, 440, 8*time.Second); err != nil {
		t.Errorf("baresip's 440 Hz not heard at the phone: %v\n%s", err, out.String())
	}
	time.Sleep(3 * time.Second) // the phone's tone plays on
	if calls := configtest.Exec(b.sys, "show sip-ua calls"); !strings.Contains(calls, "Local Crypto Key : ") ||
		!strings.Contains(calls, fmt.Sprintf("Destn SIP Req Addr:Port : [127.0.0.1]:%d\n", port+1)) {
		t.Errorf("show sip-ua calls:\n%s", calls)
	}
	run(t, ph, "onhook; wait onhook")
	for _, m := range ph.Report().Media {
		if m.AuthFailures != 0 || m.RxKey.Algorithm == 0 {
			t.Errorf("phone stream %+v", m.Stats)
		}
	}
	// baresip's dump of what it decoded.
	var heard bool
	var last media.Analysis
	for deadline := time.Now().Add(10 * time.Second); !heard && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dir, "dump-*-dec.wav"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			pcm, rate := readWAV(data)
			win := rate / 2
			for i := 0; win > 0 && i+win <= len(pcm) && !heard; i += win / 2 {
				last = media.Analyse(pcm[i:i+win], rate)
				heard = math.Abs(last.Freq-1000) <= 20 && last.SNR >= 20
			}
		}
	}
	if !heard {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		t.Errorf("the phone's 1000 Hz is not in baresip's decoded audio (last %.1f Hz, SNR %.1f dB; files %v)\n%s", last.Freq, last.SNR, files, out.String())
	}
	if !strings.Contains(out.String(), "SRTP is Enabled") {
		t.Errorf("baresip did not report SRTP:\n%s", out.String())
	}
}
