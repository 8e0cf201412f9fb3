package ephone

import (
	"sort"
	"strconv"
	"strings"
)

// Button is one entry of an ephone's `button` command: its index on the
// phone, the separator that chose the ring behaviour (':' normal, 's'
// silent, 'b' beep, 'f' feature ring, 'o'/'c' overlay, 'm' monitor, 'w'
// watch, 'x' expansion) and the ephone-dn tags behind it (several for
// overlays). The command parses it once; show, registration and call
// control read it typed.
type Button struct {
	Index int
	Kind  byte
	DNs   []int
}

// String is the entry as the running-config shows it: "1:1", "3o4,5".
func (b Button) String() string {
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(b.Index))
	sb.WriteByte(b.Kind)
	for i, d := range b.DNs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(d))
	}
	return sb.String()
}

// parseButton reads one `button` word ("1:1", "2s3", "3o4,5") that the
// command's pattern has accepted.
func parseButton(w string) (Button, bool) {
	i := strings.IndexAny(w, ":sbfomcwx")
	if i <= 0 {
		return Button{}, false
	}
	idx, err := strconv.Atoi(w[:i])
	if err != nil || idx < 1 {
		return Button{}, false
	}
	b := Button{Index: idx, Kind: w[i]}
	for _, d := range strings.Split(w[i+1:], ",") {
		tag, err := strconv.Atoi(d)
		if err != nil || tag < 1 {
			return Button{}, false
		}
		b.DNs = append(b.DNs, tag)
	}
	return b, len(b.DNs) > 0
}

// byIndex returns the buttons in the order of their index on the phone.
func byIndex(bs []Button) []Button {
	out := append([]Button(nil), bs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// A line is one line appearance on a registered phone: the SCCP line
// instance (1-based, in button order) and the directory numbers it carries.
type line struct {
	instance int
	button   int
	kind     byte
	dns      []int // the first is the primary; more for overlays
	monitor  bool  // 'm': shows the state, places and answers no calls
}

// linesOf makes the line appearances of an ephone from its buttons.
func linesOf(bs []Button) []*line {
	var ls []*line
	for _, b := range byIndex(bs) {
		ls = append(ls, &line{instance: len(ls) + 1, button: b.Index, kind: b.Kind, dns: b.DNs, monitor: b.Kind == 'm' || b.Kind == 'w'})
	}
	return ls
}

// channels is how many calls a DN carries at once (dual-line: two).
func channels(d DN) int {
	if d.DualLine {
		return 2
	}
	return 1
}

// forward is one `call-forward` setting of a DN.
type forward struct {
	all, busy, noan string
	noanTimeout     int // seconds
}

// forwards reads the stored call-forward lines of a DN.
func forwards(d DN) forward {
	var f forward
	for _, l := range d.Forward {
		w := strings.Fields(l) // call-forward KIND TARGET [timeout N]
		if len(w) < 3 {
			continue
		}
		switch w[1] {
		case "all":
			f.all = w[2]
		case "busy":
			f.busy = w[2]
		case "noan":
			f.noan = w[2]
			f.noanTimeout = 20
			if len(w) >= 5 {
				if n, err := strconv.Atoi(w[4]); err == nil {
					f.noanTimeout = n
				}
			}
		}
	}
	return f
}

// dialMatch is what a string of dialled digits means against the DN
// numbers: the DNs whose number (or secondary number) equals the digits,
// in hunting order (preference, then tag), and whether a longer number
// could still match.
type dialMatch struct {
	tag     int   // the first DN to offer the call to; 0 if none
	hunt    []int // the DNs after it, in order
	partial bool  // some number starts with the digits and is longer
}

// matchNumber looks the digits up among the DNs. Numbers may hold '.'
// wildcards (one digit each), as in CME.
func matchNumber(dns map[int]DN, digits string) dialMatch {
	var m dialMatch
	type cand struct{ tag, pref int }
	var cands []cand
	for _, tag := range sortedKeys(dns) {
		d := dns[tag]
		for i, num := range []string{d.Number, d.Secondary} {
			if num == "" {
				continue
			}
			switch {
			case len(num) == len(digits) && numberMatches(num, digits):
				cands = append(cands, cand{tag, pref(d, i == 1)})
			case len(num) > len(digits) && numberMatches(num[:len(digits)], digits):
				m.partial = true
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].pref < cands[j].pref })
	for i, c := range cands {
		if i == 0 {
			m.tag = c.tag
		} else if c.tag != m.tag && !containsInt(m.hunt, c.tag) {
			m.hunt = append(m.hunt, c.tag)
		}
	}
	return m
}

func numberMatches(pattern, digits string) bool {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '.' && !strings.EqualFold(pattern[i:i+1], digits[i:i+1]) {
			return false
		}
	}
	return true
}
