// Package serial opens a console UART (or a pty standing in for one in
// tests) with github.com/tarm/serial at the board's speed, and keeps it open
// across the far end going away: a console must come back when a terminal
// server or a USB-serial adapter reconnects.
package serial

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tarm/serial"
)

// Open opens a serial device in raw mode at baud bits per second.
func Open(device string, baud int) (io.ReadWriteCloser, error) {
	return open(device, baud, 0)
}

// pollInterval bounds how long a console read blocks, so that Close never
// waits on a read stuck in the kernel (the device is in blocking mode).
const pollInterval = 200 * time.Millisecond

func open(device string, baud int, timeout time.Duration) (io.ReadWriteCloser, error) {
	if baud == 0 {
		baud = 9600
	}
	p, err := serial.OpenPort(&serial.Config{Name: device, Baud: baud, ReadTimeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("opening console %s at %d baud: %w", device, baud, err)
	}
	return p, nil
}

// Console is a serial console that reopens its device when reads fail or
// end (the far end disconnected), until Close.
type Console struct {
	device string
	baud   int
	retry  time.Duration

	// mu guards port and closed.
	mu     sync.Mutex
	port   io.ReadWriteCloser
	closed bool
	done   chan struct{}
}

// OpenConsole opens device and returns a Console that survives reconnects.
func OpenConsole(device string, baud int) (*Console, error) {
	p, err := open(device, baud, pollInterval)
	if err != nil {
		return nil, err
	}
	return &Console{device: device, baud: baud, retry: 200 * time.Millisecond, port: p, done: make(chan struct{})}, nil
}

// ErrClosed is returned by a closed Console.
var ErrClosed = errors.New("serial: console closed")

// Read reads from the device; when the device fails or reports end of file
// it is reopened (every retry interval) and reading goes on.
func (c *Console) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		p, closed := c.port, c.closed
		c.mu.Unlock()
		if closed {
			return 0, ErrClosed
		}
		if p != nil {
			start := time.Now()
			n, err := p.Read(b)
			if n > 0 {
				return n, nil
			}
			// A read timeout returns no bytes after pollInterval (os.File
			// reports it as io.EOF, tarm/serial may report nil); no bytes at
			// once is a real end of file: the far end hung up.
			if (err == nil || errors.Is(err, io.EOF)) && time.Since(start) >= pollInterval/2 {
				continue
			}
			c.mu.Lock()
			replaced := c.port != p // SetBaud swapped the port: read the new one
			if !replaced {
				p.Close()
				c.port = nil
			}
			c.mu.Unlock()
			if replaced {
				continue
			}
		}
		select {
		case <-c.done:
			return 0, ErrClosed
		case <-time.After(c.retry):
		}
		if np, err := open(c.device, c.baud, pollInterval); err == nil {
			c.mu.Lock()
			if c.closed {
				np.Close()
			} else {
				c.port = np
			}
			c.mu.Unlock()
		}
	}
}

// SetBaud reopens the device at another speed (line con 0 `speed`).
func (c *Console) SetBaud(baud int) error {
	np, err := open(c.device, baud, pollInterval)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		np.Close()
		return ErrClosed
	}
	old := c.port
	c.port, c.baud = np, baud
	if old != nil {
		// A read in progress on the old port ends at its poll timeout.
		old.Close()
	}
	return nil
}

// Baud returns the current speed.
func (c *Console) Baud() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.baud
}

// Write writes to the device; while it is gone, output is dropped as a
// disconnected UART would drop it.
func (c *Console) Write(b []byte) (int, error) {
	c.mu.Lock()
	p := c.port
	c.mu.Unlock()
	if p != nil {
		p.Write(b)
	}
	return len(b), nil
}

// Close closes the device and ends Read.
func (c *Console) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	close(c.done)
	if c.port != nil {
		return c.port.Close()
	}
	return nil
}
