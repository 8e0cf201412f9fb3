// Package media is the box's media engine: RTP and SRTP legs, the audio
// codecs a software DSP farm needs (G.711 µ-law and A-law, G.722 at
// 64 kbit/s), resampling between 8 and 16 kHz, a jitter buffer, and
// transcoding sessions that join two legs. Calls between phones that share
// a codec never come here (their RTP flows directly between them); the
// DSP farm (telephony/dspfarm) and SIP trunks use a Session when codecs
// differ or when each leg must keep its own SRTP keys.
//
// The hot path (receive, unprotect, jitter buffer, decode, resample,
// encode, protect, send) works in buffers owned by the session and does
// not allocate. G.729 is a known gap: no G.729 codec may be linked here
// (the free ones are GPL), so NewSession refuses it with ErrG729.
package media

import (
	"errors"
	"fmt"

	"github.com/zaf/g711"
)

// Codec is an audio codec, numbered as SCCP's payload capability values
// (reference protocols.md §6.6.2), which is how call control names them.
type Codec uint32

// Codecs the engine knows. G729 values are named so that a refusal can
// say what was asked for.
const (
	G711Alaw   Codec = 2
	G711Ulaw   Codec = 4
	G722       Codec = 6 // G.722 64 kbit/s
	G729       Codec = 11
	G729AnnexA Codec = 12
)

// ErrG729 is returned for a session that would need G.729.
var ErrG729 = errors.New("media: G.729 is not available in the software DSP farm (no free codec may be linked)")

var codecInfo = map[Codec]struct {
	name string
	pt   uint8 // static RTP payload type (RFC 3551)
	rate int   // audio sample rate
}{
	G711Alaw: {"g711alaw", 8, 8000},
	G711Ulaw: {"g711ulaw", 0, 8000},
	G722:     {"g722r64", 9, 16000},
}

// String is the IOS keyword of the codec (`codec g711ulaw`).
func (c Codec) String() string {
	if i, ok := codecInfo[c]; ok {
		return i.name
	}
	switch c {
	case G729:
		return "g729r8"
	case G729AnnexA:
		return "g729ar8"
	}
	return fmt.Sprintf("codec-%d", uint32(c))
}

// Supported reports whether the engine can decode and encode c.
func (c Codec) Supported() bool { _, ok := codecInfo[c]; return ok }

// PayloadType is c's static RTP payload type.
func (c Codec) PayloadType() uint8 { return codecInfo[c].pt }

// SampleRate is the audio rate of c (G.722's RTP clock is 8 kHz by RFC
// 3551's historical error, but its audio is 16 kHz).
func (c Codec) SampleRate() int { return codecInfo[c].rate }

// FrameSamples is the number of audio samples in a 20 ms packet.
func (c Codec) FrameSamples() int { return c.SampleRate() / 50 }

// FrameBytes is the payload size of a 20 ms packet: 160 bytes for each
// codec here (8 bits per 8 kHz sample, or per two 16 kHz samples).
func (c Codec) FrameBytes() int { return 160 }

// TimestampStep is the RTP timestamp increment per 20 ms packet (8 kHz
// clock for all three codecs).
const TimestampStep = 160

// encoder and decoder are one direction of one codec, with state.
type encoder interface {
	encode(dst []byte, pcm []int16) []byte
}

type decoder interface {
	decode(dst []int16, payload []byte) []int16
}

type g711enc struct{ alaw bool }

func (e g711enc) encode(dst []byte, pcm []int16) []byte {
	for _, s := range pcm {
		if e.alaw {
			dst = append(dst, g711.EncodeAlawFrame(s))
		} else {
			dst = append(dst, g711.EncodeUlawFrame(s))
		}
	}
	return dst
}

type g711dec struct{ alaw bool }

func (d g711dec) decode(dst []int16, payload []byte) []int16 {
	for _, b := range payload {
		if d.alaw {
			dst = append(dst, g711.DecodeAlawFrame(b))
		} else {
			dst = append(dst, g711.DecodeUlawFrame(b))
		}
	}
	return dst
}

type g722enc struct{ *G722Encoder }

func (e g722enc) encode(dst []byte, pcm []int16) []byte { return e.Encode(dst, pcm) }

type g722dec struct{ *G722Decoder }

func (d g722dec) decode(dst []int16, payload []byte) []int16 { return d.Decode(dst, payload) }

func newEncoder(c Codec) (encoder, error) {
	switch c {
	case G711Ulaw, G711Alaw:
		return g711enc{alaw: c == G711Alaw}, nil
	case G722:
		return g722enc{NewG722Encoder()}, nil
	case G729, G729AnnexA:
		return nil, ErrG729
	}
	return nil, fmt.Errorf("media: unsupported codec %v", c)
}

func newDecoder(c Codec) (decoder, error) {
	switch c {
	case G711Ulaw, G711Alaw:
		return g711dec{alaw: c == G711Alaw}, nil
	case G722:
		return g722dec{NewG722Decoder()}, nil
	case G729, G729AnnexA:
		return nil, ErrG729
	}
	return nil, fmt.Errorf("media: unsupported codec %v", c)
}
