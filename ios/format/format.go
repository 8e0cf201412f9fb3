// Package format is the EXEC command `format flash:`: it erases every file
// of flash:, or, when the board's storage could not be mounted at boot
// (missing or corrupt file system), writes an empty file system on the
// storage device through the board's FormatStorage hook; a reload then
// mounts it.
package format

import (
	"errors"
	"fmt"

	"cmeos/board"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
)

func init() {
	config.Register(config.Registration{Name: "format", Order: config.OrderService, New: newFeature, NoConfig: true})
}

type feature struct{}

func (feature) Render(*config.Renderer) {}

func newFeature(sys *config.System) config.Feature {
	sys.Tree.Add(cli.ModeExec, cli.Command{Syntax: "format fs:WORD", Help: map[string]string{
		"format": "Format a filesystem", "fs": "Filesystem to format (flash:)"},
		Run: func(c *cli.Context) error {
			p, err := sys.FS.Parse(c.String("fs"))
			if err != nil || (p.Prefix != "flash" && p.Prefix != "slot0") || (p.Name != "" && p.Name != "/") {
				return c.InvalidInput("fs")
			}
			if ok, err := c.Confirm("Format operation may take a while. Continue? [confirm]"); err != nil || !ok {
				return nil
			}
			if ok, err := c.Confirm(`Format operation will destroy all data in "flash:".  Continue? [confirm]`); err != nil || !ok {
				return nil
			}
			b, _ := board.Active(sys.Opts.Board)
			if b.FormatStorage != nil {
				if err := b.FormatStorage(); err != nil {
					return fmt.Errorf("%%Error formatting flash: (%v)", err)
				}
				c.Printf("Format of flash: complete\n")
				c.Printf("Reload to mount the new file system (flash: and nvram: are still in RAM until then).\n")
				return nil
			}
			root := fs.Path{Prefix: p.Prefix}
			if err := erase(sys.FS, root); err != nil {
				return errors.New(fs.IOSError("formatting", root, err))
			}
			c.Printf("Format of flash: complete\n")
			return nil
		}})
	return feature{}
}

// erase removes everything below dir, depth first.
func erase(s *fs.Store, dir fs.Path) error {
	entries, err := s.List(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := dir.Join(e.Name)
		if e.Dir {
			if err := erase(s, p); err != nil {
				return err
			}
		}
		if err := s.Remove(p); err != nil {
			return err
		}
	}
	return nil
}
