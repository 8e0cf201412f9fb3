// Package phone is the phone simulator as a library: one simulated Cisco
// SCCP phone (a 7970 by default) that registers with a call manager over
// TCP 2000 or TLS 2443, answers the registration requests as a phone does,
// keeps alive, performs scripted actions, plays a tone as RTP and measures
// what it receives, and reports everything as JSON. It uses only the
// simulator's own protocol code (cmd/phonesim/internal/sccp and media),
// never the box's, so that each checks the other.
//
// Use:
//
//	p, err := phone.New(phone.Config{MAC: "00124302A7CC", Server: "127.0.0.1:2000"})
//	if err := p.Connect(ctx); err != nil { ... }   // *sccp.RejectError when refused
//	defer p.Close()
//	err = p.Run(ctx, phone.MustParseScript("offhook; dial 1002; wait connected 5s; tone 1000 2s; onhook"))
//	rep := p.Report()                              // JSON-ready
//
// For TLS set Config.Certificate (the phone's LSC or MIC, see package mic)
// and Config.ServerCerts (the CCM certificates of the CTL: the server must
// present one of them, or a certificate signed by one). Provision (package
// provision) fills Server, Secure and ServerCerts from DHCP/TFTP.
//
// The script language (ParseScript) is a list of actions separated by ";"
// or newlines:
//
//	offhook | onhook | hangup         lift or replace the handset (OffHook/OnHook)
//	newcall | endcall                 the NewCall / EndCall soft keys
//	dial DIGITS                       KeypadButton per digit
//	enbloc DIGITS                     EnblocCall
//	answer [offhook]                  Answer soft key (or lift the handset)
//	hold | resume | transfer          soft keys on the active (or held) call
//	blind-transfer N                  transfer; wait dialtone; dial N; transfer once the call
//	                                  proceeds, rings or is answered (nothing if the box completed it)
//	consult-transfer N [T]            transfer; wait dialtone; dial N; wait connected T; transfer
//	softkey EVENT                     any soft key event number
//	wait STATE [TIMEOUT]              registered, ring, ringout, connected, hold, dialtone,
//	                                  busy, reorder, onhook (no call left), media (RTP flowing),
//	                                  reset (Reset received; the connection then ends with ErrReset)
//	tone HZ DURATION                  send a sine of HZ for DURATION on the open media
//	expect-tone HZ [TIMEOUT]          wait until the received audio is HZ (±2 %, SNR >= 20 dB)
//	sleep DURATION
//	unregister
//
// Timeouts default to 5 s. Each action is recorded in the report with its
// outcome; Run stops at the first failure.
package phone
