package term

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Output bytes used by the interactive editor.
const (
	bell   = "\a"
	crlf   = "\r\n"
	ctrlC  = "^C\r\n"
	ctrlZ  = "^Z\r\n"
	helpQ  = "?\r\n" // echoed when '?' asks for help
	redraw = "\r\n"  // Ctrl-L/Ctrl-R redraw the prompt and line below this
)

// editor is the state of one interactive ReadLine beyond the line itself,
// which lives in the Terminal so that Notify can redraw it.
type editor struct {
	t     *Terminal
	ctx   context.Context
	h     Helper
	hist  []string // history when the call started
	idx   int      // entry of hist on screen; len(hist) is the new line
	saved []rune   // the new line, kept while walking the history
}

func (t *Terminal) readLineInteractive(ctx context.Context, prompt string, h Helper) (string, error) {
	if err := t.show(prompt, true); err != nil {
		t.finish("")
		return "", err
	}
	e := &editor{t: t, ctx: ctx, h: h, hist: t.History()}
	e.idx = len(e.hist)
	for {
		k, err := t.readKey(ctx)
		if err != nil {
			t.finish("")
			return "", apiErr(err)
		}
		line, done, err := e.key(k)
		if err != nil {
			t.finish("")
			return "", err
		}
		if done {
			return line, nil
		}
	}
}

// key applies one keystroke. done reports that ReadLine returns line; err
// may be ErrInterrupt or ErrCtrlZ as well as a write error.
func (e *editor) key(k key) (line string, done bool, err error) {
	t := e.t
	// Only this goroutine changes t.line and t.pos, so it reads them without
	// t.mu; every change goes through e.edit or e.moveTo, which lock.
	n, pos := len(t.line), t.pos
	switch k {
	case keyCR, keyLF:
		s := string(t.line)
		t.mu.Lock()
		t.addHistoryLocked(s)
		t.mu.Unlock()
		if err := t.finish(crlf); err != nil {
			return "", true, err
		}
		return s, true, nil
	case keyCtrlC:
		if err := t.finish(ctrlC); err != nil {
			return "", true, err
		}
		return "", true, ErrInterrupt
	case keyCtrlZ:
		if err := t.finish(ctrlZ); err != nil {
			return "", true, err
		}
		return "", true, ErrCtrlZ
	case keyCtrlA, keyHome:
		return "", false, e.moveTo(0)
	case keyCtrlE, keyEnd:
		return "", false, e.moveTo(n)
	case keyCtrlB, keyLeft:
		return "", false, e.moveTo(max(pos-1, 0))
	case keyCtrlF, keyRight:
		return "", false, e.moveTo(min(pos+1, n))
	case keyWordLeft:
		return "", false, e.moveTo(wordLeft(t.line, pos))
	case keyWordRight:
		return "", false, e.moveTo(wordRight(t.line, pos))
	case keyBackspace, keyCtrlH:
		if pos == 0 {
			return "", false, nil
		}
		return "", false, e.edit(slices.Concat(t.line[:pos-1], t.line[pos:]), pos-1)
	case keyCtrlD, keyDelete:
		if pos == n {
			return "", false, nil
		}
		return "", false, e.edit(slices.Concat(t.line[:pos], t.line[pos+1:]), pos)
	case keyCtrlK:
		return "", false, e.edit(slices.Concat(t.line[:pos], nil), pos)
	case keyCtrlU:
		return "", false, e.edit(nil, 0)
	case keyCtrlW:
		w := wordLeft(t.line, pos)
		return "", false, e.edit(slices.Concat(t.line[:w], t.line[pos:]), w)
	case keyWordDelete:
		w := wordRight(t.line, pos)
		return "", false, e.edit(slices.Concat(t.line[:pos], t.line[w:]), pos)
	case keyCtrlL, keyCtrlR:
		return "", false, e.output(func(o []byte) []byte {
			return t.appendPromptLine(append(o, redraw...))
		})
	case keyUp, keyCtrlP:
		return "", false, e.historyMove(-1)
	case keyDown, keyCtrlN:
		return "", false, e.historyMove(+1)
	case keyTab:
		return "", false, e.complete()
	case keyCtrlV:
		// IOS quotes the next key with Ctrl-V, which is how a literal '?'
		// gets into a line (a description, a banner).
		k, err := t.readKey(e.ctx)
		if err != nil {
			return "", true, apiErr(err)
		}
		if k >= 0 && printable(rune(k)) {
			return "", false, e.insert(rune(k))
		}
		return "", false, nil
	}
	if k == '?' && e.h != nil {
		return "", false, e.help()
	}
	if k >= 0 && printable(rune(k)) {
		return "", false, e.insert(rune(k))
	}
	return "", false, nil // other control characters are ignored
}

// printable reports whether r may be inserted into a line: it must take a
// column of its own, since the editor moves the cursor one column per rune.
func printable(r rune) bool {
	return unicode.IsPrint(r) && !unicode.In(r, unicode.Mn, unicode.Me)
}

// runesLen returns the UTF-8 length of rs in bytes.
func runesLen(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += utf8.RuneLen(r)
	}
	return n
}

func (e *editor) insert(r rune) error {
	t := e.t
	if runesLen(t.line)+utf8.RuneLen(r) > t.maxLine {
		return e.output(func(o []byte) []byte { return append(o, bell...) })
	}
	return e.edit(slices.Concat(t.line[:t.pos], []rune{r}, t.line[t.pos:]), t.pos+1)
}

// output appends the bytes built by f under t.mu and writes them at once.
func (e *editor) output(f func(o []byte) []byte) error {
	t := e.t
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.emitLocked(f(nil))
}

// edit replaces the line with nl and puts the cursor at pos, echoing the
// change.
func (e *editor) edit(nl []rune, pos int) error {
	return e.output(func(o []byte) []byte { return e.t.setLineLocked(o, nl, pos) })
}

// moveTo moves the cursor to pos.
func (e *editor) moveTo(pos int) error {
	t := e.t
	if pos == t.pos {
		return nil
	}
	return e.edit(t.line, pos)
}

// setLineLocked replaces the line on screen and in t with nl, leaving the
// cursor at pos. t.line is never modified in place, only replaced, so the
// old line is still there to compare with. It appends the echo
// to o using only "\b", spaces and reprinted text:
//
//   - move the cursor to the end of the part common to old and new line,
//     with "\b" to go left or by reprinting characters to go right;
//   - print the rest of the new line, then spaces over what is left of the
//     old one;
//   - go back to pos with "\b".
//
// So a backspace in the middle of "abcd" (cursor after 'b') echoes
// "\b" "cd" " " "\b\b\b". When only the cursor moves it prints just "\b"s
// or the characters moved over. The caller holds t.mu.
func (t *Terminal) setLineLocked(o []byte, nl []rune, pos int) []byte {
	old, cur := t.line, t.pos
	t.line, t.pos = nl, pos
	if slices.Equal(old, nl) {
		if pos < cur {
			return appendBackspaces(o, cur-pos)
		}
		return appendRunes(o, nl[cur:pos])
	}
	c := 0
	for c < len(old) && c < len(nl) && old[c] == nl[c] {
		c++
	}
	if cur > c {
		o = appendBackspaces(o, cur-c)
	} else {
		o = appendRunes(o, old[cur:c])
	}
	o = appendRunes(o, nl[c:])
	end := len(nl)
	if pad := len(old) - len(nl); pad > 0 {
		o = append(o, strings.Repeat(" ", pad)...)
		end += pad
	}
	return appendBackspaces(o, end-pos)
}

func appendRunes(o []byte, rs []rune) []byte {
	for _, r := range rs {
		o = utf8.AppendRune(o, r)
	}
	return o
}

func appendBackspaces(o []byte, n int) []byte {
	for range n {
		o = append(o, '\b')
	}
	return o
}

// wordLeft returns where the word left of pos starts: spaces are skipped,
// then non-spaces.
func wordLeft(line []rune, pos int) int {
	for pos > 0 && line[pos-1] == ' ' {
		pos--
	}
	for pos > 0 && line[pos-1] != ' ' {
		pos--
	}
	return pos
}

// wordRight returns where the word right of pos ends.
func wordRight(line []rune, pos int) int {
	for pos < len(line) && line[pos] == ' ' {
		pos++
	}
	for pos < len(line) && line[pos] != ' ' {
		pos++
	}
	return pos
}

// historyMove walks the history: dir -1 is older (Up, Ctrl-P), +1 newer.
// The line being typed is kept and comes back below the newest entry.
func (e *editor) historyMove(dir int) error {
	i := e.idx + dir
	if i < 0 || i > len(e.hist) {
		return nil
	}
	if e.idx == len(e.hist) {
		e.saved = slices.Clone(e.t.line)
	}
	e.idx = i
	var nl []rune
	if i == len(e.hist) {
		nl = slices.Clone(e.saved)
	} else {
		nl = []rune(e.hist[i])
	}
	return e.edit(nl, len(nl))
}

// complete handles Tab: the Helper rewrites the text left of the cursor.
func (e *editor) complete() error {
	t := e.t
	if e.h == nil {
		return e.output(func(o []byte) []byte { return append(o, bell...) })
	}
	rep, ok := e.h.Complete(string(t.line[:t.pos]))
	if ok {
		// Keep only what the editor can display, so the cursor stays right.
		var rs []rune
		for _, r := range rep {
			if printable(r) { // invalid UTF-8 arrives here as U+FFFD
				rs = append(rs, r)
			}
		}
		nl := slices.Concat(rs, t.line[t.pos:])
		if runesLen(nl) <= t.maxLine {
			return e.edit(nl, len(rs))
		}
	}
	return e.output(func(o []byte) []byte { return append(o, bell...) })
}

// help handles '?': the '?' is echoed, not inserted; the Helper's text is
// printed below and the prompt and line are redrawn with the cursor where it
// was.
//
// Long help pages at --More-- like any other output (IOS does): the
// pager's prompt takes the terminal's input state, so the line being edited
// is kept aside and put back afterwards.
func (e *editor) help() error {
	t := e.t
	text := e.h.Help(string(t.line[:t.pos]))
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	t.mu.Lock()
	prompt, echo, line, pos := t.prompt, t.echo, t.line, t.pos
	err := t.emitLocked([]byte(helpQ))
	t.active = false
	t.mu.Unlock()
	if err != nil {
		return err
	}
	pg := t.Pager()
	pg.rows = 1 // the line with the '?'
	if _, err := pg.Write([]byte(text)); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active, t.prompt, t.echo, t.line, t.pos = true, prompt, echo, line, pos
	return t.emitLocked(t.appendPromptLine(nil))
}

func (t *Terminal) readSecretInteractive(ctx context.Context, prompt string) (string, error) {
	if err := t.show(prompt, false); err != nil {
		t.finish("")
		return "", err
	}
	var buf []rune
	defer func() { clear(buf) }() // do not leave the secret in memory longer than needed
	for {
		k, err := t.readKey(ctx)
		if err != nil {
			t.finish("")
			return "", apiErr(err)
		}
		switch k {
		case keyCR, keyLF:
			if err := t.finish(crlf); err != nil {
				return "", err
			}
			return string(buf), nil
		case keyCtrlC:
			if err := t.finish(ctrlC); err != nil {
				return "", err
			}
			return "", ErrInterrupt
		case keyBackspace, keyCtrlH:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
			}
		case keyCtrlU:
			buf = buf[:0]
		default:
			if k < 0 || !printable(rune(k)) {
				continue
			}
			if runesLen(buf)+utf8.RuneLen(rune(k)) > t.maxLine {
				t.mu.Lock()
				err = t.emitLocked([]byte(bell))
				t.mu.Unlock()
				if err != nil {
					t.finish("")
					return "", err
				}
				continue
			}
			buf = append(buf, rune(k))
		}
	}
}

func (t *Terminal) confirmInteractive(ctx context.Context, prompt string) (bool, error) {
	if err := t.show(prompt, false); err != nil {
		t.finish("")
		return false, err
	}
	k, err := t.readKey(ctx)
	if err != nil {
		t.finish("")
		return false, apiErr(err)
	}
	if err := t.finish(crlf); err != nil {
		return false, err
	}
	return k == keyCR || k == keyLF || k == 'y' || k == 'Y', nil
}
