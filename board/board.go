// Package board describes the hardware cmeos runs on: where its console is,
// at which speed, where flash: and nvram: are stored and how big they are.
// Features never test for a board; they read these facts.
package board

import (
	"fmt"
	"sort"
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
}

// Options are the command-line facts a board definition may use.
type Options struct {
	Root string // host board: directory holding flash/ and nvram/
}

var boards = map[string]func(Options) (Board, error){}

// Register adds a board definition; called from init functions.
func Register(name string, f func(Options) (Board, error)) { boards[name] = f }

// Lookup returns the named board.
func Lookup(name string, o Options) (Board, error) {
	f, ok := boards[name]
	if !ok {
		return Board{}, fmt.Errorf("unknown board %q (known: %v)", name, Names())
	}
	return f(o)
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
