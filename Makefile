# cmeos — build, run and test. See README.md.
GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
ROOT     ?= run
export CGO_ENABLED := 0

.PHONY: all build run deps test test32 test-short cross lint fuzz clean image qemu vmtest size

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/cmeos ./cmd/cmeos

# Builds and starts cmeos on this host with its flash: and nvram: under ./run/.
run: build
	bin/cmeos --root $(ROOT)

# Debian packages the tests use (idempotent; quick when all are installed).
deps:
	scripts/deps

# The whole test suite (what CI runs). -race needs cgo, so it is enabled here only.
test: deps
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 25m ./...
	$(MAKE) test32

# Wire decoders also run as 32-bit code, where int has 32 bits: GOARCH=386
# natively; where the kernel cannot exec i386 binaries (no IA32 emulation),
# as linux/arm, the board's own 32-bit target, under qemu-arm (qemu-user;
# qemu-i386 crashes the Go 386 runtime at thread start).
TEST32 ?= ./crypto/capf/... ./crypto/ctlprovider/... ./cmd/phonesim/internal/capf/... ./ios/sshd/... ./telephony/sccp/... ./cmd/phonesim/internal/sccp/... ./cmd/phonesim/internal/media/... \
	./crypto/tvs/... ./telephony/tftpd/... ./drivers/capture/... ./cmd/phonesim/internal/trust/... ./ios/term/... ./rootfs/cpio/... \
	./ios/fs/... ./ios/logging/... ./crypto/pki/... ./telephony/sip/...
# Decoder packages whose whole suite is too slow under emulation (RSA key
# generation, network namespaces: crypto/ca alone exceeds 10 minutes under
# qemu-arm): the seed corpora of their fuzz targets run instead (~3 minutes).
TEST32FUZZ ?= ./telephony/dialplan/... ./telephony/media/... ./crypto/ctl/... ./crypto/ca/... ./crypto/ctlclient/... ./telephony/dhcpd/... ./crypto/keys/... ./ios/aaa/pwtype/...
test32:
	@run() { out=$$(CGO_ENABLED=0 GOARCH=386 $(GO) test -count=1 "$$@" 2>&1); rc=$$?; \
	  if echo "$$out" | grep -q 'exec format error'; then \
	    echo "test32: i386 binaries do not run on this kernel; linux/arm under qemu-arm"; \
	    CMEOS_EMULATED=1 CGO_ENABLED=0 GOARCH=arm GOARM=7 $(GO) test -count=1 -exec qemu-arm "$$@"; \
	  else echo "$$out"; return $$rc; fi; }; \
	run $(TEST32) && run -run '^Fuzz' $(TEST32FUZZ)

test-short:
	$(GO) test -count=1 ./...

# Static firmware binaries for the boards.
cross:
	GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/cmeos-linux-arm64 ./cmd/cmeos
	GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/cmeos-linux-arm ./cmd/cmeos
	@file bin/cmeos-linux-arm64 bin/cmeos-linux-arm 2>/dev/null || true

# Firmware images for the qemuvirt board: bin/initramfs-{arm64,arm}.cpio.gz
# (cmeos as /init plus the kernel modules it needs) and bin/flash.img (the
# ext4 disk holding flash: and nvram:, created only if missing). See docs/FIRMWARE.md.
image: cross
	$(GO) run ./rootfs/mkimage -arch arm64 -binary bin/cmeos-linux-arm64 -o bin/initramfs-arm64.cpio.gz -flash bin/flash.img
	$(GO) run ./rootfs/mkimage -arch arm -binary bin/cmeos-linux-arm -o bin/initramfs-arm.cpio.gz

# Boots the image in QEMU with Debian's kernel, serial console on this
# terminal (Ctrl-A x quits). ARCH=arm for the 32-bit image.
ARCH ?= arm64
qemu: image
	$(GO) run ./rootfs/qemu -arch $(ARCH)

# QEMU boot tests (arm64 and arm): persistence across reload, power cut
# during write memory, boot-to-prompt time and memory figures.
vmtest:
	$(GO) test -count=1 -v -timeout 10m ./rootfs/vmtest

# Firmware binary size per architecture.
size: cross
	@for f in bin/cmeos-linux-arm64 bin/cmeos-linux-arm; do printf '%-24s %9d bytes\n' $$f $$(stat -c %s $$f); done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@sc=$$(command -v staticcheck || echo "$$($(GO) env GOPATH)/bin/staticcheck"); \
	if [ -x "$$sc" ]; then "$$sc" ./...; else echo "staticcheck not installed (scripts/deps installs it)"; fi

# A short run of every fuzz target (FUZZTIME each).
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
