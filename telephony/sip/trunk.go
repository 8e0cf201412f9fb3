package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Trunk is the box's SIP user agent for trunk calls, on
// github.com/emiago/sipgo (RFC 3261 transactions and dialogs): outbound
// calls with an SDP offer (Call), inbound INVITEs handed to Incoming, BYE
// in both directions. It serves the UDP socket it is given; what goes in
// the SDP is the caller's business (sdp.go).
type Trunk struct {
	ua  *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client
	dcc *sipgo.DialogClientCache
	dsc *sipgo.DialogServerCache

	addr  netip.AddrPort
	conn  net.PacketConn
	guard *floodGuard // conn as sipgo reads it

	// TLS: the listener (nil: no TLS) and the dialog caches whose
	// Contact says transport=tls.
	tlsLn   net.Listener
	tcpLn   net.Listener
	tlsAddr netip.AddrPort
	dccTLS  *sipgo.DialogClientCache
	dscTLS  *sipgo.DialogServerCache

	// incoming is called, on its own goroutine, for each INVITE that
	// opens a dialog; nil answers 480 Temporarily Unavailable.
	incoming func(*InCall)
	reinvite func(callID string, offer []byte) ([]byte, bool)

	wg sync.WaitGroup
}

// quiet discards sipgo's own logs (slog to stderr, which is the console
// on a board, peer data included): the trunk reports through the box's
// logger. Set once, before any user agent runs (sipgo's default logger is
// a global).
var quiet = slog.New(slog.DiscardHandler)

func init() { sipmsg.SetDefaultLogger(quiet) }

// ErrRejected is returned by Call for a final non-2xx answer.
var ErrRejected = errors.New("sip: call rejected")

// Options configure a Trunk.
type Options struct {
	Name string // User-Agent header
	// Incoming gets each inbound call, on its own goroutine (nil: 480).
	Incoming func(*InCall)
	// TLS, when set, is a listener the trunk serves SIP over TLS on (the
	// trunk owns it); TLSConfig is then both its server side and the
	// client side of calls placed with transport tls (certificate of the
	// sip-ua trustpoint, the roots peers are checked against).
	TLS       net.Listener
	TLSConfig *tls.Config
	// TCP, when set, is a listener the trunk serves SIP over TCP on (the
	// trunk owns it).
	TCP net.Listener
	// ReInvite answers an INVITE within a call's dialog (the far end's
	// hold, resume or new address): the SDP answer, or ok false for 488.
	// Nil: 488.
	ReInvite func(callID string, offer []byte) (answer []byte, ok bool)
	// NoFloodGuard lifts the UDP socket's rate limits (100 datagrams a
	// second per source, 2,000 in all): for benchmarks of the stack.
	NoFloodGuard bool
}

// NewTrunk makes a user agent serving conn (UDP), whose local address is
// its contact, and opt.TLS when given; the trunk owns them from now on
// (Close closes them).
func NewTrunk(conn net.PacketConn, opt Options) (*Trunk, error) {
	ap, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return nil, err
	}
	host := ap.Addr().Unmap().String()
	uaOpts := []sipgo.UserAgentOption{sipgo.WithUserAgent(opt.Name), sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet))}
	if opt.TLSConfig != nil {
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(opt.TLSConfig))
	}
	ua, err := sipgo.NewUA(uaOpts...)
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		ua.Close()
		return nil, err
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname(host), sipgo.WithClientPort(int(ap.Port())), sipgo.WithClientLogger(quiet))
	if err != nil {
		ua.Close()
		return nil, err
	}
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "cmeos", Host: host, Port: int(ap.Port())}}
	t := &Trunk{ua: ua, srv: srv, cli: cli, addr: ap, conn: conn, guard: newFloodGuard(conn, opt.NoFloodGuard), incoming: opt.Incoming, reinvite: opt.ReInvite,
		dcc: sipgo.NewDialogClientCache(cli, contact), dsc: sipgo.NewDialogServerCache(cli, contact)}
	if opt.TLS != nil {
		t.tlsLn = opt.TLS
		if t.tlsAddr, err = netip.ParseAddrPort(opt.TLS.Addr().String()); err != nil {
			ua.Close()
			return nil, err
		}
		tc := sipmsg.ContactHeader{Address: sipmsg.Uri{User: "cmeos", Host: host, Port: int(t.tlsAddr.Port()),
			UriParams: transportParam("tls")}}
		t.dccTLS, t.dscTLS = sipgo.NewDialogClientCache(cli, tc), sipgo.NewDialogServerCache(cli, tc)
	}
	srv.OnInvite(contained(t.onInvite))
	srv.OnAck(contained(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if err := t.dsc.ReadAck(req, tx); err != nil && t.dscTLS != nil {
			t.dscTLS.ReadAck(req, tx)
		}
	}))
	srv.OnBye(contained(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		for _, read := range t.byeReaders() {
			if err := read(req, tx); !errors.Is(err, sipgo.ErrDialogDoesNotExists) {
				return
			}
		}
		tx.Respond(sipmsg.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	}))
	srv.OnOptions(contained(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) { respondAllow(req, tx, 200, "OK") }))
	srv.OnCancel(contained(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		// A CANCEL that matched a pending INVITE was answered by the
		// transaction layer; one that reaches here matched nothing.
		respondAllow(req, tx, 481, "Call/Transaction Does Not Exist")
	}))
	srv.OnNoRoute(contained(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if knownMethod(req.Method) {
			respondAllow(req, tx, 405, "Method Not Allowed")
			return
		}
		respondAllow(req, tx, 501, "Not Implemented")
	}))
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		srv.ServeUDP(t.guard)
	}()
	if t.tlsLn != nil {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			srv.ServeTLS(t.tlsLn)
		}()
	}
	if t.tcpLn = opt.TCP; t.tcpLn != nil {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			srv.ServeTCP(t.tcpLn)
		}()
	}
	return t, nil
}

// byeReaders are the dialog caches a BYE may belong to.
func (t *Trunk) byeReaders() []func(*sipmsg.Request, sipmsg.ServerTransaction) error {
	r := []func(*sipmsg.Request, sipmsg.ServerTransaction) error{t.dsc.ReadBye, t.dcc.ReadBye}
	if t.dscTLS != nil {
		r = append(r, t.dscTLS.ReadBye, t.dccTLS.ReadBye)
	}
	return r
}

// TLSAddr is the TLS listener's address (invalid without TLS).
func (t *Trunk) TLSAddr() netip.AddrPort { return t.tlsAddr }

// ErrNoTLS: a call with transport tls on a trunk without a TLS listener
// (no sip-ua trustpoint).
var ErrNoTLS = errors.New("sip: no TLS: sip-ua has no crypto signaling trustpoint with a certificate")

// contained runs a request handler so that a panic in it (the box's
// call control included: it runs in the INVITE handler) answers 500 and
// ends that transaction, never the process (cmeos is PID 1 on a board).
func contained(h func(*sipmsg.Request, sipmsg.ServerTransaction)) func(*sipmsg.Request, sipmsg.ServerTransaction) {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				tx.Respond(sipmsg.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
			}
		}()
		h(req, tx)
	}
}

// allow is the trunk's Allow header: the methods it serves.
const allow = "INVITE, ACK, CANCEL, BYE, OPTIONS"

// knownMethod: the methods of RFC 3261 and its extensions a far end may
// send; others are 501 Not Implemented, these 405 when not served.
func knownMethod(m sipmsg.RequestMethod) bool {
	switch strings.ToUpper(string(m)) {
	case "REGISTER", "SUBSCRIBE", "NOTIFY", "REFER", "INFO", "MESSAGE", "PRACK", "UPDATE", "PUBLISH":
		return true
	}
	return false
}

// respondAllow answers with the trunk's Allow header (RFC 3261 8.2.1 asks
// for it on 405; on 200 to OPTIONS it says what the trunk does).
func respondAllow(req *sipmsg.Request, tx sipmsg.ServerTransaction, status int, reason string) {
	res := sipmsg.NewResponseFromRequest(req, status, reason, nil)
	res.AppendHeader(sipmsg.NewHeader("Allow", allow))
	tx.Respond(res)
}

// Addr is the trunk's contact address.
func (t *Trunk) Addr() netip.AddrPort { return t.addr }

// Close stops the user agent and closes its socket.
func (t *Trunk) Close() error {
	err := t.ua.Close()
	t.conn.Close()
	if t.tlsLn != nil {
		t.tlsLn.Close()
	}
	if t.tcpLn != nil {
		t.tcpLn.Close()
	}
	t.wg.Wait()
	return err
}

// OutCall is a call the box placed.
type OutCall struct {
	sess   *sipgo.DialogClientSession
	Answer []byte // the far end's SDP
}

// Call sends INVITE to user@target from the calling number with the SDP
// offer, waits for the final answer (ringing reports provisional
// responses, with their SDP for early media), acknowledges a
// 2xx and returns the call with the far end's SDP. A non-2xx final answer
// is ErrRejected with its status; ctx ending before the answer cancels.
func (t *Trunk) Call(ctx context.Context, target netip.AddrPort, transport, calling, user string, offer []byte, ringing func(status int, sdp []byte)) (*OutCall, error) {
	uri := sipmsg.Uri{User: user, Host: target.Addr().String(), Port: int(target.Port())}
	dcc := t.dcc
	switch transport {
	case "", "udp":
	case "tcp":
		uri.UriParams = transportParam("tcp")
	case "tls":
		if t.dccTLS == nil {
			return nil, ErrNoTLS
		}
		uri.UriParams = transportParam("tls")
		dcc = t.dccTLS
	default:
		return nil, fmt.Errorf("sip: transport %q", transport)
	}
	// From carries the calling number (the far end shows it and may
	// route on it), as a gateway's does.
	from := &sipmsg.FromHeader{Address: sipmsg.Uri{User: calling, Host: t.addr.Addr().Unmap().String()}, Params: sipmsg.NewParams()}
	if calling == "" {
		from.Address.User = "anonymous"
	}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	sess, err := dcc.Invite(ctx, uri, offer, sipmsg.NewHeader("Content-Type", "application/sdp"), from)
	if err != nil {
		return nil, err
	}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sipmsg.Response) error {
		if ringing != nil && res.IsProvisional() && res.StatusCode > 100 {
			ringing(int(res.StatusCode), res.Body())
		}
		return nil
	}})
	var re *sipgo.ErrDialogResponse
	if errors.As(err, &re) {
		sess.Close()
		return nil, fmt.Errorf("%w: %d %s", ErrRejected, re.Res.StatusCode, re.Res.Reason)
	}
	if err != nil {
		sess.Close()
		return nil, err
	}
	if err := sess.Ack(ctx); err != nil {
		sess.Close()
		return nil, err
	}
	return &OutCall{sess: sess, Answer: sess.InviteResponse.Body()}, nil
}

// CallID is the dialog's Call-ID.
func (c *InCall) CallID() string {
	if id := c.sess.InviteRequest.CallID(); id != nil {
		return id.Value()
	}
	return ""
}

// CallID is the dialog's Call-ID.
func (c *OutCall) CallID() string {
	if id := c.sess.InviteRequest.CallID(); id != nil {
		return id.Value()
	}
	return ""
}

// Hangup sends BYE (the call ends either way).
func (c *OutCall) Hangup(ctx context.Context) error {
	defer c.sess.Close()
	return c.sess.Bye(ctx)
}

// Done is closed when the call ends (BYE from the far end, or Hangup).
func (c *OutCall) Done() <-chan struct{} { return c.sess.Context().Done() }

// InCall is an INVITE the trunk received.
type InCall struct {
	sess      *sipgo.DialogServerSession
	pending   chan struct{} // closed by CANCEL or the transaction's end
	once      sync.Once
	To        string         // request URI user (the called number)
	From      string         // From user (the calling number)
	Offer     []byte         // the far end's SDP (may be empty: late offer)
	Source    netip.AddrPort // where the INVITE came from
	Transport string         // udp, tcp or tls
}

func (t *Trunk) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		t.onReInvite(req, tx)
		return
	}
	dsc := t.dsc
	tp := strings.ToLower(req.Transport())
	if tp == "tls" && t.dscTLS != nil {
		dsc = t.dscTLS
	}
	sess, err := dsc.ReadInvite(req, tx)
	if err != nil {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	if t.incoming == nil {
		sess.Respond(480, "Temporarily Unavailable", nil)
		sess.Close()
		return
	}
	from := ""
	if f := req.From(); f != nil {
		from = f.Address.User
	}
	src, _ := netip.ParseAddrPort(req.Source())
	in := &InCall{sess: sess, pending: make(chan struct{}), To: req.Recipient.User, From: from, Offer: req.Body(),
		Source: netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), Transport: tp}
	stop := func() { in.once.Do(func() { close(in.pending) }) }
	tx.OnCancel(func(*sipmsg.Request) { stop() })
	go func() { <-tx.Done(); stop() }()
	// The handler answers; this function returns only when the INVITE
	// transaction is over (sipgo's contract for OnInvite).
	t.incoming(in)
	<-tx.Done()
}

// Pending is closed when the far end cancels the INVITE (the transaction
// layer answers the CANCEL 200 and the INVITE 487), or when the INVITE
// transaction ends.
func (c *InCall) Pending() <-chan struct{} { return c.pending }

// Ringing sends 180 Ringing.
func (c *InCall) Ringing() error { return c.sess.Respond(180, "Ringing", nil) }

// Accept answers 200 OK with the box's SDP.
func (c *InCall) Accept(sdp []byte) error { return c.sess.RespondSDP(sdp) }

// Reject answers a final failure (486 Busy Here, 488 Not Acceptable
// Here, 404 Not Found ...).
func (c *InCall) Reject(status int, reason string) error {
	defer c.sess.Close()
	return c.sess.Respond(status, reason, nil)
}

// Hangup sends BYE.
func (c *InCall) Hangup(ctx context.Context) error {
	defer c.sess.Close()
	return c.sess.Bye(ctx)
}

// Done is closed when the call ends.
func (c *InCall) Done() <-chan struct{} { return c.sess.Context().Done() }

func transportParam(tp string) sipmsg.HeaderParams {
	p := sipmsg.NewParams()
	p.Add("transport", tp)
	return p
}

// onReInvite answers an INVITE inside a dialog (RFC 3261 14.2) with the
// call's new SDP, or 488 (481 for no such call: the callback says).
func (t *Trunk) onReInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id := ""
	if h := req.CallID(); h != nil {
		id = h.Value()
	}
	var answer []byte
	ok := false
	if t.reinvite != nil {
		answer, ok = t.reinvite(id, req.Body())
	}
	if !ok {
		tx.Respond(sipmsg.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", answer)
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(sipmsg.NewHeader("Contact", "<sip:cmeos@"+t.addr.String()+">"))
	tx.Respond(res) // the ACK of a 2xx is a transaction of its own (OnAck)
}

// inDialog is what a call's dialog session offers for requests within it.
type inDialog interface {
	Do(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error)
	WriteRequest(req *sipmsg.Request) error
}

// reInvite sends an INVITE within the dialog to target with sdp, and the
// ACK of its 2xx; it returns the answer's SDP.
func reInvite(ctx context.Context, d inDialog, target sipmsg.Uri, transport string, sdp []byte) ([]byte, error) {
	req := sipmsg.NewRequest(sipmsg.INVITE, target)
	req.SetTransport(transport)
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(sdp)
	res, err := d.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if !res.IsSuccess() {
		return nil, fmt.Errorf("%w: %d %s", ErrRejected, res.StatusCode, res.Reason)
	}
	ack := sipmsg.NewRequest(sipmsg.ACK, target)
	ack.SetTransport(transport)
	if err := d.WriteRequest(ack); err != nil {
		return nil, err
	}
	return res.Body(), nil
}

// ReInvite re-offers the call's media (hold: a=sendonly; resume).
func (c *OutCall) ReInvite(ctx context.Context, sdp []byte) ([]byte, error) {
	target := c.sess.InviteRequest.Recipient
	if h := c.sess.InviteResponse.Contact(); h != nil {
		target = h.Address
	}
	return reInvite(ctx, c.sess, target, c.sess.InviteRequest.Transport(), sdp)
}

// ReInvite re-offers the call's media (hold: a=sendonly; resume).
func (c *InCall) ReInvite(ctx context.Context, sdp []byte) ([]byte, error) {
	h := c.sess.InviteRequest.Contact()
	if h == nil {
		return nil, errors.New("sip: the caller sent no Contact")
	}
	return reInvite(ctx, c.sess, h.Address, c.sess.InviteRequest.Transport(), sdp)
}
