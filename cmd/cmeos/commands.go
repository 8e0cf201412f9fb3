package main

import (
	"fmt"
	"io"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
)

// commandsCommand is `cmeos commands`: the command tree of this binary,
// one line per command under a heading per mode, so that README's list of
// commands cannot drift from the code. Inert commands (accepted and saved,
// no effect yet) are marked "(no effect yet)"; hidden ones are left out.
func commandsCommand(w io.Writer) error {
	store, err := fs.New("system", fs.Mount{Prefix: "system", Kind: fs.KindOpaque})
	if err != nil {
		return err
	}
	defer store.Close()
	sys := config.New(config.Options{FS: store, Version: version})
	defer sys.Close()
	writeCommands(w, sys.Tree.Commands())
	return nil
}

// writeCommands prints commands grouped by mode.
func writeCommands(w io.Writer, cmds []cli.CommandInfo) {
	mode := ""
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		if c.Mode != mode {
			if mode != "" {
				fmt.Fprintln(w)
			}
			mode = c.Mode
			prompt := "Router" + c.Prompt
			if c.Mode == cli.ModeExec {
				prompt = "Router> / Router#"
			}
			fmt.Fprintf(w, "%s (%s)\n", c.Mode, prompt)
		}
		line := "  " + c.Syntax
		if c.Mode == cli.ModeExec && c.Priv < cli.PrivMax {
			line += "   [user EXEC]"
		}
		if c.Inert {
			line += "   (no effect yet)"
		}
		fmt.Fprintln(w, line)
	}
}
