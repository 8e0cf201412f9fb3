// Package features links every feature of the firmware. A feature package
// registers its commands, state, rendering and service with ios/config in
// init; adding one to cmeos is one line here. cmd/cmeos imports this
// package, and so do the end-to-end tests that boot a box in-process.
package features

import (
	_ "cmeos/crypto/ca"
	_ "cmeos/crypto/capf"
	_ "cmeos/crypto/credentials"
	_ "cmeos/crypto/ctlclient"
	_ "cmeos/crypto/keys"
	_ "cmeos/crypto/pki"
	_ "cmeos/crypto/tvs"
	_ "cmeos/ios/aaa"
	_ "cmeos/ios/acl"
	_ "cmeos/ios/capture"
	_ "cmeos/ios/exec"
	_ "cmeos/ios/format"
	_ "cmeos/ios/httpd"
	_ "cmeos/ios/interfaces"
	_ "cmeos/ios/iproute"
	_ "cmeos/ios/line"
	_ "cmeos/ios/sshd"
	_ "cmeos/ios/system"
	_ "cmeos/telephony/dhcpd"
	_ "cmeos/telephony/dialplan"
	_ "cmeos/telephony/dspfarm"
	_ "cmeos/telephony/ephone"
	_ "cmeos/telephony/tftpd"
)
