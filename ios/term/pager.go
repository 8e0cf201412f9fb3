package term

import (
	"context"
	"fmt"
	"strings"
)

// The --More-- prompt and the bytes that erase it. IOS prints the prompt
// on the row after a full page, and once a key is read it backs up over the
// prompt, blanks it and backs up again, leaving the cursor at the start of
// that row for the rest of the output:
//
//	" --More-- "                          (10 bytes)
//	"\b\b\b\b\b\b\b\b\b\b" + 10 spaces + "\b\b\b\b\b\b\b\b\b\b"
const morePrompt = " --More-- "

var moreErase = strings.Repeat("\b", len(morePrompt)) +
	strings.Repeat(" ", len(morePrompt)) +
	strings.Repeat("\b", len(morePrompt))

// Pager is an io.Writer for one command's output. On an interactive
// Terminal with a page length it stops after each screenful at " --More-- "
// and waits for a key: Space shows the next page, Enter one more line, and
// any other key (q, Ctrl-C, ...) quits, after which the rest of the output
// is discarded. Otherwise it writes straight through to the Terminal.
//
// A Pager belongs to the session goroutine, like ReadLine.
type Pager struct {
	t      *Terminal
	length int // page length in rows; 0 = no paging
	width  int // columns, for counting wrapped lines; 0 = unknown

	rows    int  // rows started since the last --More-- (or the start)
	limit   int  // rows allowed before the next --More--
	inRow   bool // a row has been started and its "\n" not yet seen
	col     int  // column within the current row
	stopped bool
	err     error
}

// Pager returns a Pager for one command's output, paged at Length() lines.
// Length and Width are read now; a new command should get a new Pager.
func (t *Terminal) Pager() *Pager {
	p := &Pager{t: t}
	if t.interactive {
		p.length, p.width = t.Length(), t.Width()
	}
	// The page keeps one row free for the --More-- prompt.
	p.limit = max(p.length-1, 1)
	return p
}

// Stopped reports whether output is being discarded, because the user quit
// at --More-- or reading the key failed.
func (p *Pager) Stopped() bool { return p.stopped }

// Write writes b, stopping at --More-- whenever a page is full and more
// output follows. After the user quits it returns len(b), nil and discards
// b, so that commands finish quietly. If reading the key fails (end of
// input, idle timeout, Close), it returns the error, now and on every later
// call.
func (p *Pager) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.stopped {
		return len(b), nil
	}
	if p.length <= 0 {
		return p.t.Write(b)
	}
	start := 0
	for i, c := range b {
		if p.beginsRow(c) {
			if p.rows >= p.limit {
				if _, err := p.t.Write(b[start:i]); err != nil {
					p.err = err
					return start, err
				}
				start = i
				quit, err := p.more()
				if err != nil {
					p.stopped, p.err = true, err
					return i, err
				}
				if quit {
					p.stopped = true
					return len(b), nil
				}
			}
			p.rows++
		}
		p.advance(c)
	}
	if _, err := p.t.Write(b[start:]); err != nil {
		p.err = err
		return start, err
	}
	return len(b), nil
}

// takesColumn reports whether c moves the cursor one column right: printable
// ASCII or the first byte of a UTF-8 sequence.
func takesColumn(c byte) bool {
	return c >= ' ' && c != 0x7f && (c < 0x80 || c >= 0xc0)
}

// beginsRow reports whether writing c starts a new screen row: c is the
// first byte after a "\n", or c would wrap a row that is already Width
// columns wide.
func (p *Pager) beginsRow(c byte) bool {
	if !p.inRow {
		return true
	}
	return p.width > 0 && p.col >= p.width && takesColumn(c)
}

// advance updates the row and column after writing c.
func (p *Pager) advance(c byte) {
	if p.width > 0 && p.col >= p.width && takesColumn(c) {
		p.col = 0 // the terminal wrapped
	}
	p.inRow = true
	switch {
	case c == '\n':
		p.inRow, p.col = false, 0
	case c == '\r':
		p.col = 0
	case c == '\b':
		p.col = max(p.col-1, 0)
	case c == '\t':
		p.col = (p.col/8 + 1) * 8
		if p.width > 0 {
			p.col = min(p.col, p.width) // a Tab never wraps
		}
	case takesColumn(c):
		p.col++
	}
}

// more shows " --More-- ", reads one key, erases the prompt and reports
// whether the user quit.
func (p *Pager) more() (quit bool, err error) {
	t := p.t
	if err := t.show(morePrompt, false); err != nil {
		t.finish("")
		return true, err
	}
	// The session's context is not available to an io.Writer; Close and the
	// idle timeout still end the wait.
	k, err := t.readKey(context.Background())
	if err != nil {
		t.finish("")
		return true, fmt.Errorf("term: --More--: %w", apiErr(err))
	}
	if err := t.finish(moreErase); err != nil {
		return true, err
	}
	switch k {
	case ' ':
		p.rows, p.limit = 0, max(p.length-1, 1)
	case keyCR, keyLF:
		p.rows, p.limit = 0, 1
	default:
		return true, nil
	}
	return false, nil
}
