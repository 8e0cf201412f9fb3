// Package board describes the hardware cmeos runs on: where its console is,
// at which speed, where flash: and nvram: are stored and how big they are,
// which network interfaces it has and how much memory.
// Features never test for a board; they read these facts.
package board

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// Board is one kind of hardware.
type Board struct {
	Name string
	// Console is the console device ("" or "stdio" for the process's stdin/stdout).
	Console string
	Baud    int
	// FlashDir and NVRAMDir back the flash: and nvram: file systems.
	FlashDir, NVRAMDir string
	// FlashSize and NVRAMSize are the capacities shown by dir and show file
	// systems (0: ask the host file system).
	FlashSize, NVRAMSize int64

	// Interfaces maps IOS interface names (GigabitEthernet0/0) to Linux link
	// names (eth0). Nil: the board has no real interfaces and interface
	// configuration is kept but not applied. Loopback and subinterfaces of a
	// mapped interface need no entry.
	Interfaces map[string]string
	// NetNS is the network namespace (a path like /var/run/netns/NAME) whose
	// links Interfaces names; "" for cmeos's own.
	NetNS string
	// RAM is the board's memory in bytes (0: unknown); GOMEMLIMIT is derived
	// from it when cmeos runs as init.
	RAM int64
	// Storage is the block device holding flash: and nvram: when cmeos is
	// init ("" for none: they live in a directory). StorageType is its file
	// system type and StorageMount where init mounts it; FlashDir and
	// NVRAMDir are below StorageMount.
	Storage, StorageType, StorageMount string
	// Modules are kernel modules init loads before mounting Storage (the
	// image builder puts them, with their dependencies, in the initramfs).
	Modules []string
	// FormatStorage, set by init when Storage could not be mounted, writes
	// an empty file system on it (`format flash:`); a reload mounts it.
	FormatStorage func() error
	// LED and Reset are optional hooks (status LED on/off, hardware reset).
	LED   func(on bool) error
	Reset func() error
}

// Options are the command-line facts a board definition may use.
type Options struct {
	Root string // host board: directory holding flash/ and nvram/
}

var (
	boards  = map[string]func(Options) (Board, error){}
	compats = map[string][]string{} // board name -> device-tree compatible strings

	activeMu sync.Mutex
	active   = map[string]Board{}
)

// Register adds a board definition; called from init functions.
func Register(name string, f func(Options) (Board, error)) { boards[name] = f }

// RegisterCompatible declares the device-tree compatible strings that
// identify a board for Detect.
func RegisterCompatible(name string, compatible ...string) {
	compats[name] = append(compats[name], compatible...)
}

// Lookup returns the named board. The result is also made the active
// definition of that name (see Active).
func Lookup(name string, o Options) (Board, error) {
	f, ok := boards[name]
	if !ok {
		return Board{}, fmt.Errorf("unknown board %q (known: %v)", name, Names())
	}
	b, err := f(o)
	if err == nil {
		Activate(b)
	}
	return b, err
}

// Activate records b as the running definition of the board b.Name, so that
// features (which know the board only by name, config.Options.Board) can
// read its interface map. main calls it after applying command-line
// overrides; tests use unique board names.
func Activate(b Board) {
	activeMu.Lock()
	active[b.Name] = b
	activeMu.Unlock()
}

// Active returns the definition last activated under name.
func Active(name string) (Board, bool) {
	activeMu.Lock()
	defer activeMu.Unlock()
	b, ok := active[name]
	return b, ok
}

// Names lists the registered boards.
func Names() []string {
	var n []string
	for k := range boards {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// CompatiblePath is where the kernel exposes the device tree's root
// compatible property.
var CompatiblePath = "/proc/device-tree/compatible"

// Detect returns the name of the board whose compatible strings match the
// running device tree, or "host" when there is no device tree or no board
// matches.
func Detect() string {
	data, err := os.ReadFile(CompatiblePath)
	if err != nil {
		return "host"
	}
	return DetectFrom(data)
}

// DetectFrom matches a compatible property (NUL-separated strings, most
// specific first) against the registered boards.
func DetectFrom(compatible []byte) string {
	for _, c := range bytes.Split(compatible, []byte{0}) {
		s := strings.TrimSpace(string(c))
		if s == "" {
			continue
		}
		for _, name := range Names() {
			for _, want := range compats[name] {
				if want == s {
					return name
				}
			}
		}
	}
	return "host"
}

// ParseInterfaceMap parses "GigabitEthernet0/0=veth0,GigabitEthernet0/1=veth1"
// (the host board's --interfaces flag).
func ParseInterfaceMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ios, linux, ok := strings.Cut(p, "=")
		if !ok || ios == "" || linux == "" {
			return nil, fmt.Errorf("bad interface mapping %q (want IOSNAME=linuxname)", p)
		}
		m[ios] = linux
	}
	return m, nil
}
