package ctlclient

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"cmeos/crypto/ctl"
	"cmeos/ios/cli"
	"cmeos/ios/fs"
)

var roleLabel = map[string]string{"cme": "CME", "cme-tftp": "CME-TFTP", "tftp": "TFTP", "capf": "CAPF", "application": "APP"}

func registerShow(f *Feature) {
	t := f.sys.Tree
	h := map[string]string{"show": "Show running system information", "ctl-client": "CTL client information",
		"ctl-file": "Parse and verify a CTL or ITL file", "url": "File to show (e.g. flash:CTLFile.tlv)"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ctl-client", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.show(c.Out)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show ctl-file url:WORD", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		p, err := f.sys.FS.Parse(c.String("url"))
		if err != nil {
			return errors.New(fs.IOSError("opening", fs.Path{}, err))
		}
		b, err := f.sys.FS.ReadFile(p)
		if err != nil {
			return errors.New(fs.IOSError("opening", p, err))
		}
		return dump(c.Out, c.String("url"), b)
	}})
}

// show prints `show ctl-client` (ios-commands.md §3.3, with the §8
// correction "SAST 2" on the second line). Lock held.
func (f *Feature) show(w io.Writer) {
	if !f.on {
		return
	}
	fmt.Fprintf(w, "\nCTL Client Information\n-----\n")
	fmt.Fprintf(w, "SAST 1 Certificate Trustpoint: %s\n", f.sast1)
	fmt.Fprintf(w, "SAST 2 Certificate Trustpoint: %s\n", f.sast2)
	fmt.Fprintf(w, "List of Trusted Servers in the CTL\n")
	for _, role := range roleOrder {
		for _, s := range f.servers {
			if s.Role != role {
				continue
			}
			what := s.Trustpoint
			if s.User != "" {
				what = "CTL provider, user " + s.User
			}
			fmt.Fprintf(w, "%-9s%-14s%s\n", roleLabel[role], s.Addr, what)
		}
	}
	for _, im := range f.imports {
		fmt.Fprintf(w, "%-9s%-14s%s %s\n", "IMPORT", strconv.Itoa(im.Tag), im.Description, im.URL)
	}
}

// dump prints a CTL or ITL file in the layout of seed 001 and whether its
// signature verifies. A file that does not decode is an error.
func dump(w io.Writer, name string, b []byte) error {
	file, verr := ctl.Verify(b)
	if file == nil {
		return fmt.Errorf("%% %s is not a valid CTL or ITL file: %v", name, verr)
	}
	return ctl.Dump(w, file, verr)
}

// DumpCommand is `cmeos ctl dump FILE`: it prints a CTL or ITL file of the
// host file system as `show ctl-file` does. The exit status is 0 when the
// signature verifies, 1 when it does not or the file does not decode, 2 on
// a usage error.
func DumpCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || args[0] != "dump" {
		fmt.Fprintln(stderr, "usage: cmeos ctl dump FILE")
		return 2
	}
	b, err := os.ReadFile(args[1])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	file, verr := ctl.Verify(b)
	if file == nil {
		fmt.Fprintf(stderr, "%s: not a valid CTL or ITL file: %v\n", args[1], verr)
		return 1
	}
	if err := ctl.Dump(stdout, file, verr); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if verr != nil {
		return 1
	}
	return 0
}
