// Package serial opens a console UART (or a pty standing in for one in
// tests) with github.com/tarm/serial at the board's speed.
package serial

import (
	"fmt"
	"io"

	"github.com/tarm/serial"
)

// Open opens a serial device in raw mode at baud bits per second.
func Open(device string, baud int) (io.ReadWriteCloser, error) {
	if baud == 0 {
		baud = 9600
	}
	p, err := serial.OpenPort(&serial.Config{Name: device, Baud: baud})
	if err != nil {
		return nil, fmt.Errorf("opening console %s at %d baud: %w", device, baud, err)
	}
	return p, nil
}
