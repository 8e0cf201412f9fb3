package sip

import "net/netip"

// Peer is a SIP dial-peer as the trunk uses it: the dial plan's answer
// for a call to place (telephony/dialplan fills it, telephony/ephone
// places the call).
type Peer struct {
	Tag       int
	Target    netip.AddrPort // ipv4 session target (port 5060 or 5061 for tls when it names none)
	Transport string         // udp, tcp, tls
	SRTP      SRTPPolicy
	Codecs    []Codec // what the peer's codec setting allows, in order
	NTE       bool    // dtmf-relay rtp-nte
}

// CodecByName is the dial-peer spelling of a codec (codec g711ulaw ...).
func CodecByName(name string) (Codec, bool) {
	switch name {
	case "g711ulaw":
		return PCMU, true
	case "g711alaw":
		return PCMA, true
	case "g722-64":
		return G722, true
	case "g729r8", "g729br8":
		return G729, true
	}
	return Codec{}, false
}

// PolicyOf is the SRTPPolicy of a dial-peer's srtp line ("" none,
// "srtp", "srtp fallback", "srtp pass-thru").
func PolicyOf(line string) SRTPPolicy {
	switch line {
	case "srtp", "srtp pass-thru":
		return SRTPRequired
	case "srtp fallback":
		return SRTPFallback
	}
	return SRTPOff
}
