package ctl

import (
	"crypto"
	"strconv"
)

// Header element tags, named as in the reference (protocols.md §2.2).
const (
	hdrVersion                = 1  // VERSION: major, minor
	hdrLength                 = 2  // HEADER_LENGTH: u16, counted from offset 0
	hdrSignerInfo             = 3  // SIGNER_INFO: container of 4, 6, 5
	hdrSignerName             = 4  // SIGNER_NAME: str0
	hdrSerialNumber           = 5  // SERIAL_NUMBER: raw big-endian
	hdrIssuerName             = 6  // ISSUER_NAME: str0
	hdrSignatureInfo          = 7  // SIGNATURE_INFO: container of 8, 9
	hdrHashAlgorithm          = 8  // HASH_ALGORITHM: u8
	hdrSignatureAlgorithmInfo = 9  // SIGNATURE_ALGORITHM_INFO: container of 10, 11
	hdrSignatureAlgorithm     = 10 // SIGNATURE_ALGORITHM: u8, 0 = RSA
	hdrSignatureModulus       = 11 // SIGNATURE_MODULUS: u8 index into modulusSizes
	hdrSignature              = 12 // SIGNATURE: raw RSA signature
	hdrPadding                = 13 // PADDING: the single byte 0x0D, no length
	hdrFilename               = 14 // FILENAME: str0
	hdrTimestamp              = 15 // TIMESTAMP: u32 Unix seconds
	hdrSignerVersion          = 28 // SIGNER_VERSION: major, minor (.tlv only)
)

// Record element tags (§2.5).
const (
	recLength          = 1  // RECORD_LENGTH: u16, whole record including this element
	recDNSName         = 2  // DNS_NAME: str0
	recSubjectName     = 3  // SUBJECT_NAME: str0
	recRole            = 4  // ROLE: u16
	recIssuerName      = 5  // ISSUER_NAME: str0
	recSerialNumber    = 6  // SERIAL_NUMBER: raw big-endian
	recPublicKey       = 7  // PUBLIC_KEY: PKCS#1 RSAPublicKey or X9.62 point
	recSignature       = 8  // SIGNATURE: the certificate's own signature
	recCertificate     = 9  // CERTIFICATE: DER
	recIPAddress       = 10 // IP_ADDRESS: encoding unspecified
	recCertificateHash = 11 // CERTIFICATE_HASH: raw digest
	recHashAlgorithm   = 12 // HASH_ALGORITHM: u8
)

// signatureAlgorithmRSA is the only SIGNATURE_ALGORITHM value any source
// writes (§2.2 tag 10).
const signatureAlgorithmRSA = 0

// modulusSizes maps the SIGNATURE_MODULUS index (§2.2 tag 11) to the RSA
// modulus size in bytes, which is also the signature length.
var modulusSizes = [...]int{64, 128, 256, 512}

// paddingByte is the PADDING element: tag 13 with no length (§2.1).
const paddingByte = hdrPadding

// Version is the major.minor pair of the VERSION (tag 1) and SIGNER_VERSION
// (tag 28) header elements.
type Version struct {
	Major, Minor uint8
}

// String returns "major.minor", as certutils and CUCM print it.
func (v Version) String() string {
	return strconv.Itoa(int(v.Major)) + "." + strconv.Itoa(int(v.Minor))
}

// Versions written by the builders (§2.3, §2.7).
var (
	versionTLV       = Version{1, 2} // VERSION of .tlv files
	versionSGN       = Version{1, 0} // VERSION of .sgn files
	signerVersionRSA = Version{1, 0} // SIGNER_VERSION default
	signerVersionEC  = Version{1, 1} // SIGNER_VERSION that unlocks EC keys on phones
)

// HashAlgorithm is the value of the header HASH_ALGORITHM element (tag 8,
// §2.2) and of the record HASH_ALGORITHM element (tag 12, §2.5).
type HashAlgorithm uint8

// Hash algorithm codes (§2.2 tag 8).
const (
	HashSHA1   HashAlgorithm = 1
	HashSHA256 HashAlgorithm = 2 // defined, never produced by certutils
	HashSHA512 HashAlgorithm = 3
)

// Hash returns the crypto.Hash for h, or 0 when h is not a known code.
func (h HashAlgorithm) Hash() crypto.Hash {
	switch h {
	case HashSHA1:
		return crypto.SHA1
	case HashSHA256:
		return crypto.SHA256
	case HashSHA512:
		return crypto.SHA512
	}
	return 0
}

// String returns the name certutils prints ("SHA1", "SHA512"), or the
// decimal code when h is unknown.
func (h HashAlgorithm) String() string {
	switch h {
	case HashSHA1:
		return "SHA1"
	case HashSHA256:
		return "SHA256"
	case HashSHA512:
		return "SHA512"
	}
	return strconv.Itoa(int(h))
}

// hashAlgorithmFor is the inverse of [HashAlgorithm.Hash] for the hashes the
// builders produce. certutils only ever writes SHA-1 or SHA-512 (§2.2), so
// those are the only ones offered for signing.
func hashAlgorithmFor(h crypto.Hash) (HashAlgorithm, bool) {
	switch h {
	case crypto.SHA1:
		return HashSHA1, true
	case crypto.SHA512:
		return HashSHA512, true
	}
	return 0, false
}

// Role is the function of a certificate record (ROLE, tag 4, §2.6). On the
// wire it is a u16; the TVS protocol carries the same codes as single bytes.
type Role uint16

// Role codes (§2.6). Codes 5, 6 and 8–20 are not used by any reviewed source.
const (
	RoleSAST      Role = 0  // may sign CTL/ITL files
	RoleCCM       Role = 1  // signalling TLS (SCCP-TLS, SIP-TLS)
	RoleCCMTFTP   Role = 2  // CCM and TFTP
	RoleTFTP      Role = 3  // signs .sgn files; HTTPS provisioning with an EC key
	RoleCAPF      Role = 4  // CAPF TLS server (3804)
	RoleAppServer Role = 7  // HTTPS server for XML services
	RoleTVS       Role = 21 // TVS TLS server (2445)
)

// String returns the name CUCM's "show itl" prints in the FUNCTION line
// (seed 001: "System Administrator Security Token", "CCM+TFTP", "CAPF",
// "TVS", "TFTP"). "CCM" and "APP-SERVER" are the certutils names, as no
// CUCM dump in the sources shows those roles. Unknown codes print as a
// decimal number, as certutils does.
func (r Role) String() string {
	switch r {
	case RoleSAST:
		return "System Administrator Security Token"
	case RoleCCM:
		return "CCM"
	case RoleCCMTFTP:
		return "CCM+TFTP"
	case RoleTFTP:
		return "TFTP"
	case RoleCAPF:
		return "CAPF"
	case RoleAppServer:
		return "APP-SERVER"
	case RoleTVS:
		return "TVS"
	}
	return strconv.Itoa(int(r))
}
