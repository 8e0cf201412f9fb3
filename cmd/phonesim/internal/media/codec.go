// Package media is the phone simulator's audio: the Codec seam (G.711
// µ-law and A-law written here from ITU-T G.711; G.722 is advertised, not
// spoken), a tone generator, an analyser that measures the frequency and
// signal-to-noise ratio of what arrives (so tests judge audio, not
// packets), and a minimal RTP sender/receiver (RFC 3550 fixed header
// only) with loss and lateness counters, SRTP with the call manager's key
// blocks (srtp.go, pion/srtp).
package media

import (
	"fmt"
	"strings"
)

// Codec turns linear 16-bit samples into an RTP payload and back.
type Codec interface {
	Name() string       // "g711ulaw"
	PayloadType() uint8 // RTP static payload type
	Capability() uint32 // SCCP payload capability (reference §6.6.2)
	SampleRate() int    // samples per second of the PCM side
	Encode(dst []byte, pcm []int16) []byte
	Decode(dst []int16, payload []byte) []int16
}

// Capabilities maps the codec names ParseCodecs accepts to their SCCP
// payload capability values (§6.6.2). Only the G.711 ones have a Codec today;
// the others are advertised in CapabilitiesRes so that the box's codec
// choice can be tested, and a call that lands on them reports
// "unsupported codec".
var Capabilities = map[string]uint32{
	"g711alaw": 2, "g711ulaw": 4, "g722": 6, "g729": 11, "g729a": 12,
}

// ParseCodecs parses a comma-separated list of capability names.
func ParseCodecs(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if _, ok := Capabilities[f]; !ok {
			return nil, fmt.Errorf("media: unknown codec %q (g711ulaw, g711alaw, g722, g729, g729a)", f)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("media: no codec in %q", s)
	}
	return out, nil
}

// ForCapability returns the Codec for an SCCP payload capability
// (compressionType of OpenReceiveChannel / StartMediaTransmission).
func ForCapability(c uint32) (Codec, error) {
	switch c {
	case 4, 5:
		return Ulaw{}, nil
	case 2, 3:
		return Alaw{}, nil
	}
	return nil, fmt.Errorf("media: unsupported codec (payload capability %d)", c)
}

// KeyBlock is an SRTP key block read from OpenReceiveChannel (Rx) or
// StartMediaTransmission (Tx). A non-zero Algorithm means the call
// manager asked for SRTP: the stream encrypts or decrypts with Key and
// Salt (srtp.go). Only the algorithm is ever reported (JSON, String).
type KeyBlock struct {
	Algorithm       uint32 `json:"algorithm"`
	KeyLen, SaltLen uint16 `json:"-"`
	Key, Salt       []byte `json:"-"`
}

// String shows the algorithm and lengths, never the key.
func (k KeyBlock) String() string {
	return fmt.Sprintf("algorithm %d, key %d bytes, salt %d bytes", k.Algorithm, k.KeyLen, k.SaltLen)
}
