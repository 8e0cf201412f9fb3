package ephone

import (
	"fmt"

	"cmeos/ios/cli"
	"cmeos/ios/config"
)

// ephone-dn `preference` and `huntstop`: which DN takes a call to a
// number several DNs answer, and whether a busy DN lets the call hunt on
// (to the next DN, or to its own second channel).

func (f *Feature) huntCommands() {
	t := f.sys.Tree
	help := map[string]string{"preference": "Preference order for ephone-dns sharing a number",
		"pref": "Preference (0 highest, default 0)", "secondary": "Preference of the secondary number", "pref2": "Preference",
		"huntstop": "Stop hunting when this ephone-dn is busy", "channel": "Do not hunt to the second channel of a dual-line ephone-dn"}
	t.Add(ModeDN, cli.Command{Syntax: "preference pref:<0-10> [ secondary pref2:<0-10> ]", Help: help, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			d := c.ModeValue().(*DN)
			d.Preference, d.PreferenceSecondary = -1, -1
			if !c.Negate {
				d.Preference = c.Int("pref", 0)
				if c.Has("pref2") {
					d.PreferenceSecondary = c.Int("pref2", 0)
				}
			}
			return nil
		}})
	t.Add(ModeDN, cli.Command{Syntax: "huntstop [ channel ]", Help: help, Owner: FeatureTelephony, No: true,
		Run: func(c *cli.Context) error {
			d := c.ModeValue().(*DN)
			if c.Has("channel") {
				d.HuntstopChannel = !c.Negate
				return nil
			}
			d.Huntstop = !c.Negate
			if c.Negate {
				d.HuntstopChannel = false
			}
			return nil
		}})
}

// renderHunt writes the preference and huntstop lines of a DN.
func renderHunt(r *config.Renderer, d *DN) {
	if d.Preference > 0 || d.PreferenceSecondary > 0 {
		s := fmt.Sprintf("preference %d", max(d.Preference, 0))
		if d.PreferenceSecondary > 0 {
			s += fmt.Sprintf(" secondary %d", d.PreferenceSecondary)
		}
		r.Sub(s)
	}
	if d.Huntstop {
		r.Sub("huntstop")
	}
	if d.HuntstopChannel {
		r.Sub("huntstop channel")
	}
}

// pref is a DN's preference for the number it matched (secondary: the
// secondary number).
func pref(d DN, secondary bool) int {
	p := d.Preference
	if secondary && d.PreferenceSecondary >= 0 {
		p = d.PreferenceSecondary
	}
	return max(p, 0)
}
