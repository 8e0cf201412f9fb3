package system

import (
	"fmt"
	"strings"

	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// banner holds `banner motd|login|exec`. The text is kept as typed between
// the delimiters; running-config shows it between ^C delimiters, as IOS does.
type banner struct{ text map[string]string }

var bannerKinds = []string{"motd", "login", "exec"}

func newBanner(sys *config.System) config.Feature {
	f := &banner{text: map[string]string{}}
	help := map[string]string{
		"banner": "Define a login banner", "motd": "Set Message of the Day banner", "login": "Set login banner",
		"exec": "Set EXEC process creation banner", "LINE": "c banner-text c, where 'c' is a delimiting character",
	}
	for _, kind := range bannerKinds {
		sys.Tree.Add(cli.ModeConfig, cli.Command{Syntax: "banner " + kind + " LINE", Help: help, Owner: "banner", No: true,
			Run: func(c *cli.Context) error {
				if c.Negate {
					delete(f.text, kind)
					return nil
				}
				text, err := readBanner(c, c.String("LINE"))
				if err != nil {
					return err
				}
				f.text[kind] = text
				return nil
			}})
	}
	return f
}

// readBanner takes the text after the delimiter; when the closing delimiter is
// not on the first line it asks for more lines, as IOS does.
func readBanner(c *cli.Context, arg string) (string, error) {
	delim := arg[:1]
	if strings.HasPrefix(arg, "^C") {
		delim = "^C" // how running-config writes the ETX delimiter
	}
	rest := arg[len(delim):]
	if i := strings.Index(rest, delim); i >= 0 {
		return rest[:i], nil
	}
	if c.Interactive() && delim != "^C" {
		c.Printf("Enter TEXT message.  End with the character '%s'.\n", delim)
	}
	var b strings.Builder
	b.WriteString(rest)
	for range 1000 {
		line, err := c.Ask("")
		if err != nil {
			return "", fmt.Errorf("%% Banner text not terminated")
		}
		b.WriteString("\n")
		if i := strings.Index(line, delim); i >= 0 {
			b.WriteString(line[:i])
			return b.String(), nil
		}
		b.WriteString(line)
	}
	return "", fmt.Errorf("%% Banner text too long")
}

func (f *banner) Render(r *config.Renderer) {
	for _, kind := range bannerKinds {
		if t, ok := f.text[kind]; ok {
			r.Line("banner " + kind + " ^C" + t + "^C")
		}
	}
}

// Banner returns a banner's text ("" if none); the lock must be held.
func Banner(sys *config.System, kind string) string {
	f, _ := sys.Feature("banner").(*banner)
	if f == nil {
		return ""
	}
	return f.text[kind]
}
