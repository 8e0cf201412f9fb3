// Package capf is the Certificate Authority Proxy Function of cmeos: the
// CAPF wire codec (reference/protocols.md §4), the capf-server
// configuration mode of seed 004, the per-phone certificate-operation
// state (LSC records kept in nvram, keyed by device name) and the TLS
// service on port 3804 that installs, fetches and deletes phone LSCs.
//
// The package never imports telephony: the ephone feature tells it which
// phones exist and what they are due (a Directory it installs), and reads
// the results back (LSC, operation status) through this package's API and
// the TopicLSC event.
package capf
