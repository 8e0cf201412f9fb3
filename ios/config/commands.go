package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"cmeos/ios/cli"
	"cmeos/ios/fs"
	"cmeos/ios/logging"
)

// StartupConfig is where write memory stores the configuration.
var StartupConfig = fs.Path{Prefix: "nvram", Name: "startup-config"}

// Save writes running-config to nvram:startup-config atomically (lock held).
func (s *System) Save() error {
	if s.FS == nil {
		return errors.New("no nvram")
	}
	if err := s.FS.WriteFile(StartupConfig, []byte(s.StartupText())); err != nil {
		return err
	}
	s.unsaved = false
	return nil
}

// Unsaved reports whether the configuration changed since it was last saved
// or loaded (lock held).
func (s *System) Unsaved() bool { return s.unsaved }

// ReadStartup returns nvram:startup-config, or fs.ErrNotFound.
func (s *System) ReadStartup() ([]byte, error) {
	if s.FS == nil {
		return nil, fs.ErrNotFound
	}
	return s.FS.ReadFile(StartupConfig)
}

// Boot loads nvram:startup-config (if any) and starts the services. Errors
// in the file are reported on out and boot goes on, as on IOS.
func (s *System) Boot(out io.Writer) {
	if b, err := s.ReadStartup(); err == nil {
		s.Load(string(b), out)
	} else if !errors.Is(err, fs.ErrNotFound) {
		fmt.Fprintf(out, "%%Error opening nvram:/startup-config (%v)\n", err)
	}
	s.mu.Lock()
	s.unsaved = false
	s.changed = time.Time{}
	s.mu.Unlock()
	s.Start()
}

// Merge loads text into running-config, as copy ... running-config does.
// It is called from a command, so the lock is released around the load
// (Load runs each line as a command, taking the lock itself).
func (s *System) Merge(c *cli.Context, text []byte) {
	var out bytes.Buffer
	start := s.Opts.Now()
	s.mu.Unlock()
	s.Load(string(text), &out)
	s.mu.Lock()
	c.Out.Write(out.Bytes())
	PrintCopied(c.Out, int64(len(text)), s.Opts.Now().Sub(start))
}

// PrintCopied prints IOS's copy summary line.
func PrintCopied(w io.Writer, n int64, d time.Duration) {
	secs := d.Seconds()
	if secs < 0.001 {
		secs = 0.001
	}
	fmt.Fprintf(w, "%d bytes copied in %.3f secs (%d bytes/sec)\n", n, secs, int64(float64(n)/secs))
}

// configSource is what a session's line tells the CONFIG_I message
// (ios/line.Session): the user, line and peer.
type configSource interface{ ConfigSource() string }

func (s *System) configured(sess *cli.Session, by string) {
	if src, ok := sess.Values["line"].(configSource); ok {
		if who := src.ConfigSource(); who != "" {
			// IOS: "Configured from console by admin on vty0 (10.1.1.1)".
			s.Log.Logf(logging.Notifications, "SYS", "CONFIG_I", "Configured from console by %s", logging.Escape(who))
			return
		}
	}
	s.Log.Logf(logging.Notifications, "SYS", "CONFIG_I", "Configured from %s by %s", by, by)
}

// registerCore adds the commands that act on the configuration as a whole.
func (s *System) registerCore() {
	t := s.Tree
	help := map[string]string{
		"configure":      "Enter configuration mode",
		"terminal":       "Configure from the terminal",
		"memory":         "Configure from NV memory",
		"show":           "Show running system information",
		"running-config": "Current operating configuration", "interface": "Show interface configuration", "name": "Interface name",
		"startup-config": "Contents of startup configuration",
		"write":          "Write running configuration to memory, network, or terminal",
		"erase":          "Erase NV memory",
		"copy":           "Copy from one file to another",
		"nvram:":         "Erase NV memory",
	}
	t.Add(cli.ModeExec, cli.Command{Syntax: "configure [ terminal | memory ]", Help: help, Run: func(c *cli.Context) error {
		from := "terminal"
		switch {
		case c.Has("memory"):
			from = "memory"
		case !c.Has("terminal") && c.Interactive():
			ans, err := c.Ask("Configuring from terminal, memory, or network [terminal]? ")
			if err != nil {
				return nil
			}
			switch ans {
			case "", "t", "te", "ter", "term", "termi", "termin", "termina", "terminal":
			case "m", "me", "mem", "memo", "memor", "memory":
				from = "memory"
			default:
				return fmt.Errorf("?Must be \"terminal\", \"memory\" or \"network\"")
			}
		}
		if from == "memory" {
			b, err := s.ReadStartup()
			if err != nil {
				return fmt.Errorf("%%Error opening nvram:/startup-config (No such file or directory)")
			}
			s.Merge(c, b)
			return nil
		}
		c.Printf("Enter configuration commands, one per line.  End with CNTL/Z.\n")
		c.Enter(cli.ModeConfig, nil)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show running-config", Pipe: true, Help: help, Run: func(c *cli.Context) error {
		c.Printf("%s", s.RunningConfig())
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show running-config interface name:WORD", Pipe: true, Help: help, Run: func(c *cli.Context) error {
		block, ok := interfaceBlock(s.renderBody(), c.String("name"))
		if !ok {
			return c.InvalidInput("name")
		}
		body := "!\n" + block + "end\n"
		c.Printf("Building configuration...\n\nCurrent configuration : %d bytes\n%s", len(body), body)
		return nil
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "show startup-config", Pipe: true, Help: help, Run: func(c *cli.Context) error {
		b, err := s.ReadStartup()
		if err != nil {
			c.Printf("startup-config is not present\n")
			return nil
		}
		total, _, _ := s.FS.Usage("nvram")
		c.Printf("Using %d out of %d bytes\n%s", len(b), total, b)
		return nil
	}})
	save := func(c *cli.Context) error {
		c.Printf("Building configuration...\n")
		if err := s.Save(); err != nil {
			return fmt.Errorf("%%Error writing nvram:/startup-config (%v)", errors.Unwrap(err))
		}
		c.Printf("[OK]\n")
		return nil
	}
	t.Add(cli.ModeExec, cli.Command{Syntax: "write [ memory ]", Help: map[string]string{"write": help["write"], "memory": "Write to NV memory"}, Run: save})
	t.Add(cli.ModeExec, cli.Command{Syntax: "copy running-config startup-config", Help: map[string]string{"copy": help["copy"],
		"running-config": "Copy from current system configuration", "startup-config": "Copy to startup configuration"}, Run: func(c *cli.Context) error {
		if ans, err := c.Ask("Destination filename [startup-config]? "); err == nil && ans != "" && ans != "startup-config" {
			return fmt.Errorf("%%Error opening nvram:/%s (Permission denied)", ans)
		}
		return save(c)
	}})
	t.Add(cli.ModeExec, cli.Command{Syntax: "copy startup-config running-config", Help: map[string]string{"copy": help["copy"],
		"startup-config": "Copy from startup configuration", "running-config": "Update (merge with) current system configuration"}, Run: func(c *cli.Context) error {
		if ans, err := c.Ask("Destination filename [running-config]? "); err == nil && ans != "" && ans != "running-config" {
			return fmt.Errorf("%%Error opening system:/%s (Permission denied)", ans)
		}
		b, err := s.ReadStartup()
		if err != nil {
			return fmt.Errorf("%%Error opening nvram:/startup-config (No such file or directory)")
		}
		s.Merge(c, b)
		return nil
	}})
	erase := func(c *cli.Context) error {
		ok, err := c.Confirm("Erasing the nvram filesystem will remove all configuration files! Continue? [confirm]")
		if err != nil && !errors.Is(err, cli.ErrNoInput) || !ok {
			return nil
		}
		if err := s.FS.Remove(StartupConfig); err != nil && !errors.Is(err, fs.ErrNotFound) {
			return fmt.Errorf("%%Error erasing nvram: (%v)", err)
		}
		c.Printf("[OK]\nErase of nvram: complete\n")
		s.Log.Logf(logging.Notifications, "SYS", "NV_BLOCK_INIT", "Initialized the geometry of nvram")
		return nil
	}
	t.Add(cli.ModeExec, cli.Command{Syntax: "write erase", Help: map[string]string{"write": help["write"], "erase": "Erase NV memory"}, Run: erase})
	t.Add(cli.ModeExec, cli.Command{Syntax: "erase { startup-config | nvram: }", Help: map[string]string{"erase": "Erase a filesystem",
		"startup-config": "Erase contents of configuration memory", "nvram:": "Filesystem to be erased"}, Run: erase})
}

// interfaceBlock finds the `interface NAME` block of a rendered
// configuration; name may be abbreviated as IOS allows ("gi0/0" for
// GigabitEthernet0/0, case-insensitive).
func interfaceBlock(body, name string) (string, bool) {
	split := func(n string) (string, string) {
		i := strings.IndexFunc(n, func(r rune) bool { return r >= '0' && r <= '9' })
		if i < 0 {
			return strings.ToLower(n), ""
		}
		return strings.ToLower(n[:i]), n[i:]
	}
	wantType, wantNum := split(name)
	if wantType == "" {
		return "", false
	}
	lines := strings.SplitAfter(body, "\n")
	for i, l := range lines {
		ifName, ok := strings.CutPrefix(strings.TrimRight(l, "\n"), "interface ")
		if !ok {
			continue
		}
		typ, num := split(ifName)
		if !strings.HasPrefix(typ, wantType) || num != wantNum {
			continue
		}
		var b strings.Builder
		b.WriteString(l)
		for _, sub := range lines[i+1:] {
			if !strings.HasPrefix(sub, " ") {
				break
			}
			b.WriteString(sub)
		}
		return b.String(), true
	}
	return "", false
}
