// Package vmtest holds the QEMU boot tests of the cmeos firmware (`make
// vmtest`, and `make test` through go test ./...): the arm64 and arm images
// boot on the qemuvirt board with Debian's kernels, are configured over the
// serial console, survive `write memory` + `reload`, and survive a power cut
// during `write memory` with either the old or the new configuration.
package vmtest
