package dspfarm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"cmeos/crypto/pki"
	"cmeos/crypto/srtp"
	"cmeos/ios/config"
	"cmeos/ios/interfaces"
	"cmeos/telephony/media"
	"cmeos/telephony/sccp"
)

// DeviceType is the SCCP device type the farm registers with. What an IOS
// DSP farm reports is not public (reference protocols.md §7.1, §11); we
// use MediaTerminationPoint, the media-resource type transcoders are
// grouped under in Wireshark's table.
const DeviceType = sccp.DeviceMediaTerminationPoint

// protocolFor maps `sccp ccm ... version` to the SCCP protocol version the
// farm announces (our choice: the version each CallManager release
// introduced, capped at 17, the last layout change that matters to media
// resources).
func protocolFor(v string) uint8 {
	switch v {
	case "3.0", "3.1", "3.2", "3.3":
		return 5
	case "4.0", "4.1":
		return 9
	case "5.0.1":
		return 11
	case "6.0":
		return 15
	}
	return 17
}

// plan is what one farm should be doing: derived from the config under
// the lock, compared by value to restart a farm whose plan changed.
type plan struct {
	profile     int
	device      string
	ccm         netip.AddrPort
	version     string
	security    bool
	codecs      string // for comparison
	maxSessions int
	local       netip.Addr // `sccp local` address, zero: the connection's own
	tls         *tls.Config
	tlsKey      string // what the TLS config was made from (trustpoint + cert serial)
}

func (p plan) same(q plan) bool {
	return p.profile == q.profile && p.device == q.device && p.ccm == q.ccm && p.version == q.version &&
		p.security == q.security && p.codecs == q.codecs && p.maxSessions == q.maxSessions && p.local == q.local && p.tlsKey == q.tlsKey
}

// plans reads the configuration (lock held) and returns the farms that
// should run.
func (f *Feature) plans() []plan {
	if !f.enabled {
		return nil
	}
	var local netip.Addr
	if f.local != "" {
		if ifc := interfaces.Lookup(f.sys, f.local); ifc != nil && len(ifc.Addresses) > 0 {
			local = ifc.Addresses[0].IP
		}
	}
	var out []plan
	for _, gid := range sortedKeys(f.groups) {
		g := f.groups[gid]
		if len(g.CCMs) == 0 {
			continue
		}
		ccm := f.ccms[g.CCMs[0].CCM]
		if ccm == nil {
			continue
		}
		for _, pid := range sortedKeys(g.Profiles) {
			p := f.profiles[pid]
			if p == nil || p.Shutdown || !p.SCCP {
				continue
			}
			port := ccm.Port
			if port == 0 {
				port = 2000
			}
			pl := plan{profile: pid, device: g.Profiles[pid], version: ccm.Version, security: p.Security,
				maxSessions: p.MaxSessions, local: local, codecs: fmt.Sprint(p.Codecs)}
			if p.Security {
				port += 443
				tc, key, err := f.tlsFor(p.Trustpoint)
				if err != nil {
					f.sys.Log.Logf(3, "DSPFARM", "SECURE_PROFILE", "profile %d: %v", pid, err)
					continue
				}
				pl.tls, pl.tlsKey = tc, key
			}
			pl.ccm = netip.AddrPortFrom(ccm.Addr, uint16(port))
			out = append(out, pl)
		}
	}
	return out
}

// tlsFor builds the client TLS configuration of a secure profile from its
// trustpoint (lock held): the trustpoint's certificate is the farm's
// client certificate, and call control's certificate must chain to the
// trustpoint's CA.
func (f *Feature) tlsFor(tp string) (*tls.Config, string, error) {
	if tp == "" {
		return nil, "", errors.New("a security profile needs a trustpoint")
	}
	p := pki.FromSystem(f.sys)
	cert, key, ok := p.Credentials(tp)
	if !ok {
		return nil, "", fmt.Errorf("trustpoint %s has no certificate", tp)
	}
	ca := p.CACertificate(tp)
	if ca == nil {
		if !cert.IsCA || cert.CheckSignatureFrom(cert) != nil {
			return nil, "", fmt.Errorf("trustpoint %s has no CA certificate", tp)
		}
		ca = cert // a self-signed trustpoint trusts itself
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: chain(cert, ca), PrivateKey: key, Leaf: cert}},
		// Call control is addressed by IP and its certificate names the
		// router, not the address: verify the chain, not the name.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no server certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			return err
		},
	}
	return cfg, tp + "/" + cert.SerialNumber.String(), nil
}

// Reconcile starts, restarts and stops the farms to match the
// configuration. It reads the config under the lock and starts nothing
// under it.
func (f *Feature) Reconcile(ctx context.Context) error {
	f.sys.Lock()
	want := f.plans()
	f.sys.Unlock()

	f.mu.Lock()
	defer f.mu.Unlock()
	keep := map[int]bool{}
	for _, p := range want {
		keep[p.profile] = true
		if fm := f.farms[p.profile]; fm != nil {
			if fm.plan.same(p) {
				continue
			}
			fm.close()
			delete(f.farms, p.profile)
		}
		if err := f.ensureEngine(ctx); err != nil {
			return err
		}
		fm := &farm{f: f, plan: p, engine: f.engine, sessions: map[uint32]*xsession{}}
		f.farms[p.profile] = fm
		fm.start(f.sys.Context())
	}
	for id, fm := range f.farms {
		if !keep[id] {
			fm.close()
			delete(f.farms, id)
		}
	}
	if len(f.farms) == 0 && f.engine != nil {
		f.stop()
		<-f.done
		f.engine, f.stop, f.done = nil, nil, nil
	}
	return nil
}

// ensureEngine starts the media engine (mu held). Legs bind to every
// address (the engine's address is only a default): each leg binds to the
// address its farm registered from.
func (f *Feature) ensureEngine(_ context.Context) error {
	if f.engine != nil {
		return nil
	}
	e, err := media.New(media.Config{Addr: netip.IPv4Unspecified(), MaxSessions: 1024})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(f.sys.Context())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	f.engine, f.stop, f.done = e, cancel, done
	return nil
}

// Close stops every farm and the media engine.
func (f *Feature) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, fm := range f.farms {
		fm.close()
		delete(f.farms, id)
	}
	if f.engine != nil {
		f.stop()
		<-f.done
		f.engine, f.stop, f.done = nil, nil, nil
	}
	return nil
}

// farm is one registered profile: an SCCP connection to call control
// and the transcoding sessions call control opened on it.
type farm struct {
	f      *Feature
	plan   plan
	engine *media.Engine // the feature's engine, which outlives its farms

	cancel context.CancelFunc
	done   chan struct{}

	// mu guards the fields below.
	mu         sync.Mutex
	state      string // "REGISTERED", "NOT REGISTERED", ...
	cause      string
	conn       net.Conn
	localIP    netip.Addr
	proto      uint8
	keepalive  time.Duration
	sessions   map[uint32]*xsession // by ConferenceID
	registered time.Time
}

// xsession is one transcoding session: a media session and its two legs,
// each named by call control's PassThruPartyID.
type xsession struct {
	id     uint32
	media  *media.Session
	legs   [2]uint32 // pass-through party IDs, 0: free
	open   [2]bool
	codecs [2]media.Codec
	secure bool
	remote [2]netip.AddrPort
}

func (fm *farm) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	fm.cancel, fm.done = cancel, make(chan struct{})
	fm.state = "NOT REGISTERED"
	go func() {
		defer close(fm.done)
		fm.loop(ctx)
	}()
}

func (fm *farm) close() {
	fm.cancel()
	fm.mu.Lock()
	if fm.conn != nil {
		fm.conn.Close()
	}
	fm.mu.Unlock()
	<-fm.done
}

func (fm *farm) logf(sev int, mn, format string, args ...any) {
	fm.f.sys.Log.Logf(sev, "DSPFARM", mn, format, args...)
}

// loop registers and serves until ctx ends, reconnecting with a growing
// pause (1 s to 30 s) when call control is unreachable or refuses.
func (fm *farm) loop(ctx context.Context) {
	pause := time.Second
	lastErr := ""
	for ctx.Err() == nil {
		err := fm.session(ctx)
		fm.closeSessions()
		if ctx.Err() != nil {
			return
		}
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		fm.mu.Lock()
		wasUp := fm.state == "REGISTERED"
		fm.state, fm.cause = "NOT REGISTERED", msg
		fm.mu.Unlock()
		if wasUp {
			fm.logf(4, "UNREGISTERED", "DSP farm profile %d (%s) unregistered from %s: %s", fm.plan.profile, fm.plan.device, fm.plan.ccm, msg)
			pause = time.Second
		} else if msg != lastErr {
			fm.logf(4, "NOT_REGISTERED", "DSP farm profile %d (%s) cannot register to %s: %s", fm.plan.profile, fm.plan.device, fm.plan.ccm, msg)
		}
		lastErr = msg
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// session runs one connection: register, then serve call control.
func (fm *farm) session(ctx context.Context) error {
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", fm.plan.ccm.String())
	if err != nil {
		return err
	}
	if fm.plan.tls != nil {
		tc := tls.Client(nc, fm.plan.tls)
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		nc = tc
	}
	defer nc.Close()
	local := fm.plan.local
	if !local.IsValid() {
		if a, ok := nc.LocalAddr().(*net.TCPAddr); ok {
			local = a.AddrPort().Addr().Unmap()
		}
	}
	fm.mu.Lock()
	fm.conn, fm.localIP, fm.proto = nc, local, protocolFor(fm.plan.version)
	fm.mu.Unlock()

	w := &writer{c: nc}
	reg := &sccp.Register{DeviceName: fm.plan.device, Instance: 1, StationIP: local, DeviceType: DeviceType,
		MaxStreams: uint32(2 * fm.plan.maxSessions), ProtocolVersion: fm.proto}
	if err := w.send(fm.proto, reg); err != nil {
		return err
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	ka := time.Duration(0)
	stopKA := make(chan struct{})
	defer close(stopKA)
	for {
		m, err := sccp.ReadMessage(nc, sccp.MaxFrameSize)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *sccp.RegisterAck:
			fm.mu.Lock()
			if m.MaxProtocolVersion != 0 && m.MaxProtocolVersion < fm.proto {
				fm.proto = m.MaxProtocolVersion
			}
			ka = time.Duration(m.KeepAliveInterval) * time.Second
			if ka <= 0 {
				ka = 30 * time.Second
			}
			fm.keepalive, fm.state, fm.cause, fm.registered = ka, "REGISTERED", "", time.Now()
			fm.mu.Unlock()
			fm.logf(5, "REGISTERED", "DSP farm profile %d registered to %s as %s", fm.plan.profile, fm.plan.ccm, fm.plan.device)
			w.send(fm.proto, &sccp.MediaResourceNotification{DeviceType: DeviceType,
				InServiceStreams: uint32(2 * fm.plan.maxSessions), MaxStreamsPerConf: 2})
			go keepalives(w, fm.proto, ka, stopKA)
		case *sccp.RegisterReject:
			return fmt.Errorf("registration rejected: %s", m.Text)
		case *sccp.CapabilitiesReq:
			w.send(fm.proto, fm.capabilities())
		case *sccp.KeepAliveAck:
		case *sccp.KeepAlive:
			w.send(fm.proto, &sccp.KeepAliveAck{})
		case *sccp.OpenReceiveChannel:
			w.send(fm.proto, fm.openReceive(m))
		case *sccp.StartMediaTransmission:
			if ack := fm.startMedia(m); ack != nil {
				w.send(fm.proto, ack)
			}
		case *sccp.CloseReceiveChannel:
			fm.closeLeg(m.ConferenceID, m.PassThruPartyID)
		case *sccp.StopMediaTransmission:
			fm.closeLeg(m.ConferenceID, m.PassThruPartyID)
		case *sccp.Reset:
			return errors.New("reset by call control")
		case *sccp.Unregister:
			return nil
		}
		if ka > 0 {
			nc.SetReadDeadline(time.Now().Add(3 * ka))
		}
	}
}

// writer serialises writes to the connection, each with a deadline.
type writer struct {
	mu sync.Mutex
	c  net.Conn
}

func (w *writer) send(ver uint8, m sccp.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return sccp.WriteMessage(w.c, uint32(ver), m)
}

func keepalives(w *writer, ver uint8, every time.Duration, stop chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if w.send(ver, &sccp.KeepAlive{}) != nil {
				return
			}
		}
	}
}

func (fm *farm) capabilities() *sccp.CapabilitiesRes {
	p := fm.f.profileCodecs(fm.plan.profile)
	res := &sccp.CapabilitiesRes{}
	for _, c := range p {
		if c.Supported() {
			res.Caps = append(res.Caps, sccp.Capability{PayloadCapability: uint32(c), MaxFramesPerPacket: 40})
		}
	}
	return res
}

func (f *Feature) profileCodecs(id int) []media.Codec {
	f.sys.Lock()
	defer f.sys.Unlock()
	if p := f.profiles[id]; p != nil {
		return append([]media.Codec(nil), p.codecs()...)
	}
	return nil
}

// keyFrom turns an SCCP key block into an SRTP key (zero: plain RTP).
func keyFrom(k sccp.MediaEncryptionKeyInfo) (srtp.Key, error) {
	if k.Algorithm == sccp.EncryptionNone {
		return srtp.Key{}, nil
	}
	if int(k.KeyLen) > len(k.Key) || int(k.SaltLen) > len(k.Salt) {
		return srtp.Key{}, srtp.ErrKeyLength
	}
	return srtp.FromParts(srtp.Suite(k.Algorithm), k.Key[:k.KeyLen], k.Salt[:k.SaltLen])
}

// openReceive opens one leg of a session (creating the session for its
// first leg) and answers with the leg's RTP address.
func (fm *farm) openReceive(m *sccp.OpenReceiveChannel) *sccp.OpenReceiveChannelAck {
	ack := &sccp.OpenReceiveChannelAck{PassThruPartyID: m.PassThruPartyID, CallRef: m.CallRef}
	fail := func(status uint32, why string) *sccp.OpenReceiveChannelAck {
		fm.logf(4, "SESSION_REFUSED", "DSP farm profile %d: session %d leg %d refused: %s", fm.plan.profile, m.ConferenceID, m.PassThruPartyID, why)
		ack.Status = status
		return ack
	}
	codec := media.Codec(m.CompressionType)
	if codec == media.G729 || codec == media.G729AnnexA || codec == 15 || codec == 16 {
		return fail(sccp.MediaStatusCodecTooComplex, media.ErrG729.Error())
	}
	if !codec.Supported() {
		return fail(sccp.MediaStatusInvalidCodec, "codec "+strconv.Itoa(int(m.CompressionType))+" not supported")
	}
	key, err := keyFrom(m.KeyInfo)
	if err != nil {
		return fail(sccp.MediaStatusUnknown, err.Error())
	}
	if key.Enabled() && !fm.plan.security {
		return fail(sccp.MediaStatusUnknown, "SRTP keys sent to a non-secure profile")
	}
	fm.mu.Lock()
	defer fm.mu.Unlock()
	s := fm.sessions[m.ConferenceID]
	if s == nil {
		if len(fm.sessions) >= fm.plan.maxSessions {
			return fail(sccp.MediaStatusOutOfChannels, "maximum sessions reached")
		}
		ms, err := fm.engine.NewSession()
		if err != nil {
			return fail(sccp.MediaStatusOutOfChannels, err.Error())
		}
		s = &xsession{id: m.ConferenceID, media: ms}
		fm.sessions[m.ConferenceID] = s
	}
	leg := -1
	for i, p := range s.legs {
		if p == m.PassThruPartyID {
			leg = i
		}
	}
	if leg < 0 {
		for i, p := range s.legs {
			if p == 0 {
				leg = i
				break
			}
		}
	}
	if leg < 0 {
		ack.Status = sccp.MediaStatusInvalidPartyID
		return ack
	}
	addr, err := s.media.Open(leg, codec, key, fm.localIP)
	if err != nil {
		ack.Status = sccp.MediaStatusOutOfSockets
		return ack
	}
	s.legs[leg], s.open[leg], s.codecs[leg] = m.PassThruPartyID, true, codec
	s.secure = s.secure || key.Enabled()
	ack.IP, ack.Port = addr.Addr(), uint32(addr.Port())
	return ack
}

// startMedia points a leg at its far end.
func (fm *farm) startMedia(m *sccp.StartMediaTransmission) *sccp.StartMediaTransmissionAck {
	ack := &sccp.StartMediaTransmissionAck{CallRef: m.CallRef, PassThruPartyID: m.PassThruPartyID, ConferenceID: m.ConferenceID}
	key, err := keyFrom(m.KeyInfo)
	fm.mu.Lock()
	defer fm.mu.Unlock()
	s := fm.sessions[m.ConferenceID]
	if s == nil || err != nil {
		ack.Status = sccp.MediaStatusInvalidPartyID
		return ack
	}
	for i, p := range s.legs {
		if p == m.PassThruPartyID {
			remote := netip.AddrPortFrom(m.RemoteIP.Unmap(), uint16(m.RemotePort))
			if err := s.media.Start(i, remote, key); err != nil {
				ack.Status = sccp.MediaStatusUnknown
				return ack
			}
			s.remote[i] = remote
			ack.IP, ack.Port = m.RemoteIP, m.RemotePort
			return ack
		}
	}
	ack.Status = sccp.MediaStatusInvalidPartyID
	return ack
}

// closeLeg marks a leg closed; the session ends with its last leg.
func (fm *farm) closeLeg(conf, party uint32) {
	fm.mu.Lock()
	s := fm.sessions[conf]
	if s == nil {
		fm.mu.Unlock()
		return
	}
	for i, p := range s.legs {
		if p == party {
			s.open[i] = false
		}
	}
	done := !s.open[0] && !s.open[1]
	if done {
		delete(fm.sessions, conf)
	}
	fm.mu.Unlock()
	if done {
		s.media.Close()
	}
}

func (fm *farm) closeSessions() {
	fm.mu.Lock()
	all := fm.sessions
	fm.sessions = map[uint32]*xsession{}
	fm.conn = nil
	fm.mu.Unlock()
	for _, s := range all {
		s.media.Close()
	}
}

var _ config.Reconciler = (*Feature)(nil)

func chain(cert, ca *x509.Certificate) [][]byte {
	if cert.Equal(ca) {
		return [][]byte{cert.Raw}
	}
	return [][]byte{cert.Raw, ca.Raw}
}
