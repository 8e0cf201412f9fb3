package ephone

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"time"

	"cmeos/telephony/sccp"
)

// An interim SCCP connection loop (framing, registration, keepalive and
// a non-blocking send queue) until telephony/sccp's connection server
// takes its place behind the same station interface.

// sendQueue bounds what waits to be written to one phone; a phone that
// does not read is disconnected rather than allowed to block call control.
const sendQueue = 512

// conn is one phone connection.
type conn struct {
	nc   net.Conn
	ver  uint32
	out  chan []byte
	once sync.Once
	done chan struct{}
}

func (c *conn) Send(m sccp.Message) error {
	b := sccp.Marshal(c.ver, m)
	select {
	case <-c.done:
		return net.ErrClosed
	default:
	}
	select {
	case c.out <- b:
		return nil
	default:
		c.Close()
		return errors.New("send queue full")
	}
}

func (c *conn) Close() error {
	c.once.Do(func() { close(c.done); c.nc.Close() })
	return nil
}

func (c *conn) RemoteAddr() net.Addr    { return c.nc.RemoteAddr() }
func (c *conn) ProtocolVersion() uint32 { return c.ver }

func (c *conn) writer() {
	for {
		select {
		case <-c.done:
			return
		case b := <-c.out:
			c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.nc.Write(b); err != nil {
				c.Close()
				return
			}
		}
	}
}

// keepaliveOf is the configured keepalive interval.
func (x *exchange) keepaliveOf() time.Duration {
	x.mu.Lock()
	defer x.mu.Unlock()
	if k := x.cfg.Service.Keepalive; k > 0 {
		return time.Duration(k) * time.Second
	}
	return 30 * time.Second
}

// serveSCCP runs one phone connection.
func (f *Feature) serveSCCP(ctx context.Context, nc net.Conn, peer *x509.Certificate, secure bool) {
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	m, err := sccp.ReadMessage(nc, 0)
	if err != nil {
		return
	}
	reg, ok := m.(*sccp.Register)
	if !ok {
		return
	}
	c := &conn{nc: nc, ver: uint32(sccp.NegotiateVersion(reg.ProtocolVersion)), out: make(chan []byte, sendQueue), done: make(chan struct{})}
	defer c.Close()
	p, rej := f.x.register(c, reg, peer, secure)
	if rej != nil {
		nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		sccp.WriteMessage(nc, c.ver, rej)
		return
	}
	ka := f.x.keepaliveOf()
	go c.writer()
	c.Send(&sccp.RegisterAck{KeepAliveInterval: uint32(ka / time.Second), DateTemplate: "M/D/Y",
		SecondaryKeepAliveInterval: uint32(ka / time.Second), MaxProtocolVersion: uint8(c.ver),
		Features: sccp.RegisterAckFeatures(uint8(c.ver))})
	c.Send(&sccp.CapabilitiesReq{})
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	var rerr error
	for {
		nc.SetReadDeadline(time.Now().Add(2*ka + 5*time.Second))
		m, err := sccp.ReadMessage(nc, 0)
		if err != nil {
			rerr = err
			break
		}
		if _, ok := m.(*sccp.KeepAlive); ok {
			c.Send(&sccp.KeepAliveAck{})
		}
		p.Handle(m)
	}
	c.Close()
	p.Closed(rerr)
}
