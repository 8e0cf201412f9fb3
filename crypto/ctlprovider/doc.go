// Package ctlprovider is the wire protocol of the CTL provider
// (docs/CTL-PROVIDER.md), shared by both sides: the provider service of
// crypto/credentials answers requests with it, and the CTL client of
// crypto/ctlclient asks a remote CME router's provider for its
// certificates with [Fetch]. It holds the frame codec, the client and the
// TLS checks both ends make ([ClientTLS], [VerifyChain]); no configuration
// and no feature, so neither side imports the other.
package ctlprovider
