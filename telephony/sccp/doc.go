// Package sccp is the server side of Skinny (SCCP), the signalling protocol
// of Cisco IP phones: the message codec (reference protocols.md §6, §7.2)
// and, in server.go, the connection server on TCP 2000 and TLS 2443.
//
// # Codec
//
// Every message is a Go type named as in the protocol (*Register,
// *RegisterAck, *OpenReceiveChannel, ...) implementing Message. A frame is
// a little-endian length (message ID + payload), a header version and the
// message ID (§6.1). Layouts depend on the protocol version:
//
//   - IP address fields are 4 bytes before v17 and ipType + 16 bytes from
//     v17 (OpenReceiveChannelAck, StartMediaTransmission, ...);
//   - directory-number fields of EnblocCall, DialedNumber, ForwardStat and
//     the connection statistics are char[24] before v18 and char[25] after;
//   - media qualifiers carry a G.723.1 bit rate up to v10, codec parameter
//     bytes from v11; later fields of OpenReceiveChannel and
//     StartMediaTransmission appear at v11, v15, v16, v17 and v21.
//
// WriteMessage / AppendMessage lay a message out for the negotiated
// protocol version and write the header version of §6.1 (HeaderVersion: 0
// on KeepAliveAck, RegisterAck and UnregisterAck and below v10). Payloads
// are padded to a multiple of 4 bytes. ReadMessage decodes with the
// layout of the received header version, as Wireshark does; it trusts the
// length field, so shorter forms sent by phones decode with the missing
// fields zero, and a message ID this package does not lay out decodes to
// *Unknown (never an error). The length field is bounded (MaxFrameSize or
// less) before anything is allocated; a bad length is ErrFrame and ends
// the connection because the stream cannot be resynchronised.
//
// The SRTP key block of OpenReceiveChannel and StartMediaTransmission is
// the typed field KeyInfo (MediaEncryptionKeyInfo, §6.8); its zero value
// means no encryption. Its String, GoString and LogValue methods never
// show the key.
//
// Texts are carried as Go strings holding the bytes the peer sent: a
// device name, alarm text or number from the wire must be escaped before
// it reaches a log or terminal.
//
// Which text form to send is the caller's choice: chan-sccp sends the
// static DisplayPromptStatus / DisplayNotify / CallInfo to phones below
// protocol 8 / 16 and the dynamic V2 forms (DisplayPromptStatusV2,
// DisplayNotifyV2, CallInfoV2) to phones that advertise
// PhoneFeatureDynamicMessages at or above those versions.
//
// # Server
//
// Server is the transport of the call server: it listens on the plain port
// (telephony-service ip source-address A.B.C.D port N, 2000 by default) and,
// when Config.TLS is set, on the secure port N+443 (2443) with TLS 1.2 or
// later and a client certificate required and verified. Both listeners run
// on ios/service runners: connections per source and in total are limited,
// the TLS handshake and the Register must come within RegisterTimeout, a
// panic closes only its connection.
//
// The registration policy and call control are not here: they belong to
// the ephone feature, which plugs in through two interfaces.
//
//	type Registrar interface {
//		Register(st *Station, reg *Register, peer *x509.Certificate, secure bool) (Device, *RegisterReject)
//	}
//	type Device interface {
//		Handle(msg Message)
//		Closed(err error)
//	}
//
// Per connection, one goroutine:
//
//  1. reads the first frame; anything but Register closes the connection
//     (logged, rate-limited, as %SCCP-4-BADMSG);
//  2. negotiates the protocol version: the highest this package lays out
//     (MaxProtocolVersion, capped by Config.MaxProtocolVersion) that is not
//     above the phone's (§6.2); Station.ProtocolVersion reports it and
//     Station.Send lays every message out for it;
//  3. calls Registrar.Register with the Register, the verified client
//     certificate (nil on the plain port) and whether the connection is
//     secure. The Registrar checks the MAC against the configured ephones,
//     the device-security-mode against the port, the certificate's subject
//     against the device name, and returns the Device — or a RegisterReject,
//     which the server sends before closing. It must not Send before it
//     returns, and may Close another Station (a phone registering again);
//  4. sends RegisterAck (keepalive interval, date template, negotiated
//     version and the §6.2 feature bytes) and CapabilitiesReq, then calls
//     Registered if the Device implements Registerer;
//  5. answers every KeepAlive with KeepAliveAck and hands every other
//     message, *Unknown included, to Device.Handle in order;
//  6. ends when the phone closes, a frame is bad, nothing arrives for
//     2×keepalive + KeepAliveMargin (ErrKeepAliveTimeout), the phone stops
//     reading (ErrSlowConsumer), the Device calls Station.Close (after an
//     UnregisterAck, for instance: queued frames are written first) or the
//     server stops; Device.Closed(err) is then called once, last.
//
// Station.Send never blocks: frames are queued (bounded) and written by a
// writer goroutine that exists only while there is something to write,
// with a write deadline, so call control may send to any phone from any
// goroutine without a slow or vanished phone holding it up.
package sccp
