package trust

import (
	"bytes"
	"fmt"
	"time"

	"github.com/pin/tftp/v3"
)

// MaxFetch bounds a TFTP download: trust lists are limited to 64 KB by
// their 16-bit lengths, configuration files are small.
const MaxFetch = 16 << 20

// Fetch downloads name from the TFTP server at addr (host:port), as a
// phone fetches CTLFile.tlv, ITLFile.tlv and SEP<MAC>.cnf.xml.sgn.
func Fetch(addr, name string) ([]byte, error) {
	return fetch(addr, name, 2*time.Second, 3)
}

func fetch(addr, name string, timeout time.Duration, retries int) ([]byte, error) {
	c, err := tftp.NewClient(addr)
	if err != nil {
		return nil, err
	}
	c.SetTimeout(timeout)
	c.SetRetries(retries)
	wt, err := c.Receive(name, "octet")
	if err != nil {
		return nil, fmt.Errorf("tftp %s: %w", name, err)
	}
	var buf limitedBuffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("tftp %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxFetch {
		return 0, fmt.Errorf("file larger than %d bytes", MaxFetch)
	}
	return b.Buffer.Write(p)
}
