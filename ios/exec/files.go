package exec

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
)

// Aliases IOS accepts where a URL is expected.
var urlAliases = map[string]string{
	"running-config": "system:running-config",
	"startup-config": "nvram:startup-config",
}

func registerFileCommands(sys *config.System) {
	t := sys.Tree
	h := map[string]string{
		"dir": "List files on a filesystem", "more": "Display the contents of a file", "copy": "Copy from one file to another",
		"delete": "Delete a file", "mkdir": "Create new directory", "rmdir": "Remove existing directory", "rename": "Rename a file",
		"url": "File or directory URL (flash:, nvram:, system:)", "src": "Source file URL", "dst": "Destination file URL",
		"show": "Show running system information", "file": "Show filesystem information", "systems": "List filesystems",
		"squeeze": "Squeeze a filesystem", "/force": "Force delete", "/recursive": "Delete recursively",
		"pwd": "Display current working directory", "cd": "Change current directory",
	}
	add := func(syntax string, pipe bool, run func(c *cli.Context) error) {
		t.Add(cli.ModeExec, cli.Command{Syntax: syntax, Help: h, Pipe: pipe, Run: run})
	}
	parse := func(url string) (fs.Path, error) {
		return sys.FS.Parse(expandAlias(url))
	}
	add("dir [ url:WORD ]", true, func(c *cli.Context) error {
		u := c.String("url")
		if u == "" {
			u = sys.FS.Default() + ":"
		}
		p, err := parse(u)
		if err != nil {
			return parseError("opening", u, err)
		}
		if err := sys.FS.FormatDir(c.Out, p); err != nil {
			return errors.New(fs.IOSError("opening", p, err))
		}
		return nil
	})
	add("more url:WORD", true, func(c *cli.Context) error {
		p, err := parse(c.String("url"))
		if err != nil {
			return parseError("opening", c.String("url"), err)
		}
		b, err := sys.FS.ReadFile(p)
		if err != nil {
			return errors.New(fs.IOSError("opening", p, err))
		}
		c.Printf("%s", b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			c.Printf("\n")
		}
		return nil
	})
	add("show file systems", false, func(c *cli.Context) error { return sys.FS.FormatFileSystems(c.Out) })
	add("copy src:WORD dst:WORD", false, func(c *cli.Context) error { return copyFile(c, sys, parse) })
	add("delete [ /force ] [ /recursive ] url:WORD", false, func(c *cli.Context) error {
		p, err := parse(c.String("url"))
		if err != nil {
			return parseError("deleting", c.String("url"), err)
		}
		if !c.Has("/force") {
			name, err := askName(c, "Delete filename", p.Name)
			if err != nil {
				return nil
			}
			p.Name = name
			if ok, err := c.Confirm(fmt.Sprintf("Delete %s? [confirm]", slash(p))); err == nil && !ok {
				return nil
			}
		}
		if err := sys.FS.Remove(p); err != nil {
			return errors.New(fs.IOSError("deleting", p, err))
		}
		return nil
	})
	add("mkdir url:WORD", false, func(c *cli.Context) error {
		p, ok, err := target(c, parse, "url", "creating directory", "Create directory filename")
		if !ok {
			return err
		}
		if err := sys.FS.Mkdir(p); err != nil {
			return errors.New(fs.IOSError("creating directory", p, err))
		}
		c.Printf("Created dir %s\n", slash(p))
		return nil
	})
	add("rmdir url:WORD", false, func(c *cli.Context) error {
		p, ok, err := target(c, parse, "url", "removing directory", "Remove directory filename")
		if !ok {
			return err
		}
		if ok, err := c.Confirm(fmt.Sprintf("Delete %s? [confirm]", slash(p))); err == nil && !ok {
			return nil
		}
		if err := sys.FS.Remove(p); err != nil {
			return errors.New(fs.IOSError("removing directory", p, err))
		}
		c.Printf("Removed dir %s\n", slash(p))
		return nil
	})
	add("rename src:WORD dst:WORD", false, func(c *cli.Context) error {
		from, err := parse(c.String("src"))
		if err != nil {
			return parseError("renaming", c.String("src"), err)
		}
		to, ok, err := target(c, parse, "dst", "renaming", "Destination filename")
		if !ok {
			return err
		}
		if err := sys.FS.Rename(from, to); err != nil {
			return errors.New(fs.IOSError("renaming", from, err))
		}
		return nil
	})
	add("squeeze url:WORD", false, func(c *cli.Context) error {
		p, err := parse(c.String("url"))
		if err != nil || p.Name != "" {
			return fmt.Errorf("%%Error squeezing %s (Invalid argument)", c.String("url"))
		}
		if ok, err := c.Confirm("All deleted files will be removed. Continue? [confirm]"); err == nil && !ok {
			return nil
		}
		// The board file systems reclaim space on delete: nothing is left to squeeze.
		c.Printf("Squeeze of %s: complete\n", p.Prefix)
		return nil
	})
}

// parseError renders the IOS error for a URL that could not be parsed.
func parseError(op, url string, err error) error {
	if errors.Is(err, fs.ErrPrivate) {
		return fmt.Errorf("%%Error %s %s (Permission denied)", op, url)
	}
	return errors.New(fs.IOSError(op, fs.Path{}, err))
}

// expandAlias turns "run" or "startup-config" into the URL it stands for;
// like IOS keywords, the aliases may be abbreviated.
func expandAlias(url string) string {
	if strings.Contains(url, ":") || url == "" {
		return url
	}
	var found []string
	for name := range urlAliases {
		if strings.HasPrefix(name, strings.ToLower(url)) {
			found = append(found, name)
		}
	}
	if len(found) == 1 {
		return urlAliases[found[0]]
	}
	return url
}

// target parses a URL argument and asks "QUESTION [name]? " about it, as
// IOS does before acting on a file; ok is false when there is nothing to do
// (err then says why, or is nil when the user gave no answer).
func target(c *cli.Context, parse func(string) (fs.Path, error), arg, op, question string) (p fs.Path, ok bool, err error) {
	p, err = parse(c.String(arg))
	if err != nil {
		return p, false, parseError(op, c.String(arg), err)
	}
	name, err := askName(c, question, p.Name)
	if err != nil {
		return p, false, nil
	}
	p.Name = name
	return p, true, nil
}

// slash renders a path as IOS messages do: "flash:/dir/file".
func slash(p fs.Path) string { return p.Prefix + ":/" + p.Name }

// askName asks "Destination filename [x]? " and returns the answer or the default.
func askName(c *cli.Context, q, def string) (string, error) {
	ans, err := c.Ask(fmt.Sprintf("%s [%s]? ", q, def))
	if errors.Is(err, cli.ErrNoInput) {
		return def, nil
	}
	if err != nil {
		return "", err
	}
	ans = strings.TrimSpace(ans)
	if ans == "" {
		return def, nil
	}
	if strings.Contains(ans, "..") || strings.HasPrefix(ans, "/") {
		return "", fmt.Errorf("bad name")
	}
	return ans, nil
}

// holdsConfig reports whether a copy source is a rendered configuration
// (running-config, startup-config) or an nvram file, whose copies must
// not be readable by others (issue 15 item 10).
func holdsConfig(src fs.Path) bool {
	return src.Prefix == "nvram" || (src.Prefix == "system" && (src.Name == "running-config" || src.Name == "startup-config"))
}

func copyFile(c *cli.Context, sys *config.System, parse func(string) (fs.Path, error)) error {
	src, err := parse(c.String("src"))
	if err != nil {
		return parseError("opening", c.String("src"), err)
	}
	dstURL := c.String("dst")
	dst, err := parse(dstURL)
	if err != nil {
		return parseError("opening", dstURL, err)
	}
	def := dst.Name
	if def == "" {
		def = path.Base(src.Name)
	}
	name, err := askName(c, "Destination filename", def)
	if err != nil {
		return nil
	}
	dst.Name = name
	data, err := sys.FS.ReadFile(src)
	if err != nil {
		return errors.New(fs.IOSError("opening", src, err))
	}
	start := sys.Now()
	switch {
	case dst.Prefix == "system" && dst.Name == "running-config":
		sys.Merge(c, data)
		return nil
	case dst == config.StartupConfig:
		if err := sys.FS.WriteFile(dst, data); err != nil {
			return errors.New(fs.IOSError("writing", dst, err))
		}
		config.PrintCopied(c.Out, int64(len(data)), sys.Now().Sub(start))
		return nil
	}
	if _, err := sys.FS.Stat(dst); err == nil {
		c.Printf("%%Warning:There is a file already existing with this name\n")
		if ok, err := c.Confirm("Do you want to over write? [confirm]"); err == nil && !ok {
			return nil
		}
	}
	write := sys.FS.WriteFile
	if holdsConfig(src) {
		write = sys.FS.WriteSecretFile // a rendered config holds secrets: 0600
	}
	if err := write(dst, data); err != nil {
		return errors.New(fs.IOSError("writing", dst, err))
	}
	c.Printf("Copy in progress...C\n")
	config.PrintCopied(c.Out, int64(len(data)), sys.Now().Sub(start))
	return nil
}
