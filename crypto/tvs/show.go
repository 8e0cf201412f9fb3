package tvs

import (
	"fmt"
	"net"

	"cmeos/crypto/ctl"
	"cmeos/ios/cli"
)

func registerShow(f *Feature) {
	t := f.sys.Tree
	h := map[string]string{"show": "Show running system information", "tvs": "Trust Verification Service information",
		"itl": "Parse and verify the ITL file in service"}
	t.Add(cli.ModeExec, cli.Command{Syntax: "show tvs", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		f.show(c)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show itl", Help: h, Pipe: true, Run: func(c *cli.Context) error {
		if f.itl == nil {
			c.Printf("%% No ITL file in service.\n")
			return nil
		}
		file, err := ctl.Verify(f.itl)
		if file == nil {
			return fmt.Errorf("%% The ITL file does not decode: %v", err)
		}
		return ctl.Dump(c.Out, file, err)
	}})
}

// show prints `show tvs` (lock held), in the style of show capf-server
// summary (ios-commands.md §3.4): the seeds have no TVS output.
func (f *Feature) show(c *cli.Context) {
	if !f.on {
		return
	}
	state := "Not running"
	port := f.port
	if a := f.Addr(); a != nil {
		state = "Running"
		if ta, ok := a.(*net.TCPAddr); ok {
			port = ta.Port
		}
	}
	ip := ""
	if f.addr.IsValid() {
		ip = f.addr.String()
	}
	f.mu.Lock()
	valid, invalid := f.valid, f.invalid
	f.mu.Unlock()
	c.Printf("\nTVS Server Configuration Details\n")
	c.Printf("  Trustpoint for TLS With Phone: %s\n", f.trustpoint)
	c.Printf("  Source Address: %s\n", ip)
	c.Printf("  Listening Port: %d\n", port)
	c.Printf("  State: %s\n", state)
	c.Printf("  Verifications: %d valid, %d invalid\n", valid, invalid)
	c.Printf("ITL File Details\n")
	c.Printf("  TFTP Credentials Trustpoint: %s\n", f.itlTFTP)
	c.Printf("  CAPF Trustpoint: %s\n", f.itlCAPF)
	if f.itl == nil {
		c.Printf("  ITL File: not generated\n")
		return
	}
	n := 0
	if file, err := ctl.Verify(f.itl); err == nil {
		n = len(file.Records)
	}
	c.Printf("  ITL File: %d bytes, %d records\n", len(f.itl), n)
	for _, s := range f.served {
		c.Printf("  Served as: %s\n", s)
	}
}
