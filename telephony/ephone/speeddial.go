package ephone

import (
	"fmt"
	"regexp"
	"sort"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/telephony/sccp"
)

// ephone `speed-dial TAG NUMBER [label TEXT]`: speed-dial buttons placed
// after the line buttons; pressing one dials its number.

var speedNumber = regexp.MustCompile(`^[0-9*#+]{1,24}$`)

func (f *Feature) speedDialCommands() {
	help := map[string]string{"speed-dial": "Define ephone speed-dial number", "tag": "Speed-dial tag",
		"number": "Speed-dial number", "label": "Speed-dial label", "text": "Label text"}
	f.sys.Tree.Add(ModeEphone, cli.Command{Syntax: "speed-dial tag:<1-33> number:WORD [ label text:LINE ]", Help: help,
		Owner: FeatureTelephony, No: true, NoSyntax: "speed-dial tag:<1-33> [ number:WORD ] [ label text:LINE ]",
		Run: func(c *cli.Context) error {
			e := c.ModeValue().(*Ephone)
			tag := c.Int("tag", 0)
			var keep []SpeedDial
			for _, s := range e.SpeedDials {
				if s.Tag != tag {
					keep = append(keep, s)
				}
			}
			if !c.Negate {
				if !speedNumber.MatchString(c.String("number")) {
					return c.InvalidInput("number")
				}
				if len(c.String("text")) > 30 {
					return c.InvalidInput("text")
				}
				keep = append(keep, SpeedDial{Tag: tag, Number: c.String("number"), Label: c.String("text")})
				sort.Slice(keep, func(i, j int) bool { return keep[i].Tag < keep[j].Tag })
			}
			e.SpeedDials = keep
			return nil
		}})
}

func renderSpeedDials(r *config.Renderer, e *Ephone) {
	for _, s := range e.SpeedDials {
		l := fmt.Sprintf("speed-dial %d %s", s.Tag, s.Number)
		if s.Label != "" {
			l += " label " + s.Label
		}
		r.Sub(l)
	}
}

// speedDial returns the phone's speed dial with this index (1-based, in
// tag order), if any.
func (p *phone) speedDial(index int) (SpeedDial, bool) {
	if index >= 1 && index <= len(p.speedDials) {
		return p.speedDials[index-1], true
	}
	return SpeedDial{}, false
}

// speedDialStat answers SpeedDialStatReq.
func (p *phone) speedDialStat(index uint32) *sccp.SpeedDialStat {
	s, _ := p.speedDial(int(index))
	return &sccp.SpeedDialStat{Index: index, Number: s.Number, Name: s.Label}
}
