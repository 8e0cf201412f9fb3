// Package ctl encodes, decodes, signs, verifies and dumps the Cisco
// Certificate Trust List and Initial Trust List files (CTLFile.tlv,
// ITLFile.tlv and their per-phone CTLSEP<MAC>.tlv / ITLSEP<MAC>.tlv
// variants) and the ".sgn" envelope that carries signed configuration files.
//
// Both formats share one signed header (reference protocols.md §2.2, §2.3).
// A .tlv file follows it with certificate records ([File], [Record]); a .sgn
// file follows it with the unmodified original file ([SignFile],
// [ParseSigned], [VerifySigned]). The signature covers every byte of the file
// except the SIGNATURE element itself (§2.4).
//
// Signatures are RSA PKCS#1 v1.5 with SHA-1 (what classic phones check) or
// SHA-512. The header has no way to describe an ECDSA signature: tag 10
// SIGNATURE_ALGORITHM only knows RSA and tag 11 SIGNATURE_MODULUS only lists
// RSA modulus sizes (§2.2), and certutils refuses non-RSA signers. EC keys
// appear only inside records; an ITL whose SIGNER_VERSION is 1.1 lets phones
// use them for HTTPS provisioning and EC LSCs (§2.7). [Sign] therefore
// rejects an ECDSA signer and picks signer version 1.1 by default when a
// record holds an EC key.
//
// Where the reference leaves a detail open, this package does what the
// certutils scripts tlvfile and sgnfile (usecallmanagernz/certutils) do, and
// says so next to the code. [Dump] prints the layout of CUCM's "show itl" /
// "show ctl" (seed 001, ios-commands.md §7).
package ctl

// The names phones request the trust lists under; the box keeps the files
// in service in system:/its/ under these names (per-phone ITLs are
// "ITLSEP" + MAC + ".tlv").
const (
	CTLFileName = "CTLFile.tlv"
	ITLFileName = "ITLFile.tlv"
)
