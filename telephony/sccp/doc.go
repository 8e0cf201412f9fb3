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
package sccp
