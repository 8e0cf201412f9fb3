package term

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// readChunk is the most the reader goroutine reads at once. Together with
// the unbuffered channel it bounds what is buffered ahead of the consumer.
const readChunk = 4096

// readResult is one Read from In, handed to the session goroutine.
type readResult struct {
	b   []byte
	err error
}

// start launches the reader goroutine on first use.
func (t *Terminal) start() {
	t.startOnce.Do(func() { go t.readLoop() })
}

// readLoop copies In into t.inCh until a read error or Close. Reading in a
// goroutine is what lets ReadLine give up on ctx or the idle timeout while
// In.Read is blocked; the bytes it already read wait in the channel for the
// next call, so nothing is lost.
func (t *Terminal) readLoop() {
	buf := make([]byte, readChunk)
	for {
		n, err := t.in.Read(buf)
		if n == 0 && err == nil {
			continue // io.Reader allows an empty read; it means nothing
		}
		r := readResult{b: bytes.Clone(buf[:n]), err: err}
		select {
		case t.inCh <- r:
		case <-t.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// fill makes sure t.pending holds at least one byte, waiting for the reader
// goroutine, ctx, the idle timeout or Close.
func (t *Terminal) fill(ctx context.Context) error {
	select {
	case <-t.done:
		return errClosed
	default:
	}
	for len(t.pending) == 0 {
		if t.rerr != nil {
			return t.rerr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.receive(ctx); err != nil {
			return err
		}
	}
	return nil
}

// receive waits for the next chunk from the reader goroutine and stores it
// in t.pending, and any read error in t.rerr.
func (t *Terminal) receive(ctx context.Context) error {
	t.start()
	var timeout <-chan time.Time
	if d := t.idleTimeout(); d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		timeout = tm.C
	}
	select {
	case r := <-t.inCh:
		t.pending = r.b
		switch {
		case r.err == nil:
		case errors.Is(r.err, io.EOF):
			t.rerr = io.EOF
		default:
			t.rerr = fmt.Errorf("term: read: %w", r.err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return ErrTimeout
	case <-t.done:
		return errClosed
	}
}

// peekByte returns the next input byte without consuming it.
func (t *Terminal) peekByte(ctx context.Context) (byte, error) {
	if err := t.fill(ctx); err != nil {
		return 0, err
	}
	return t.pending[0], nil
}

// readByte consumes and returns the next input byte.
func (t *Terminal) readByte(ctx context.Context) (byte, error) {
	c, err := t.peekByte(ctx)
	if err != nil {
		return 0, err
	}
	t.pending = t.pending[1:]
	return c, nil
}

// key is one decoded keystroke in interactive mode: a printable rune, a
// control character (0x00-0x1f, 0x7f) as itself, or one of the negative
// constants below for keys sent as escape sequences.
type key rune

const (
	keyUp key = -1 - iota
	keyDown
	keyLeft
	keyRight
	keyHome
	keyEnd
	keyDelete
	keyWordLeft   // Esc-b
	keyWordRight  // Esc-f
	keyWordDelete // Esc-d
)

const (
	keyCtrlA     key = 0x01
	keyCtrlB     key = 0x02
	keyCtrlC     key = 0x03
	keyCtrlD     key = 0x04
	keyCtrlE     key = 0x05
	keyCtrlF     key = 0x06
	keyCtrlH     key = 0x08
	keyTab       key = 0x09
	keyLF        key = 0x0a
	keyCtrlK     key = 0x0b
	keyCtrlL     key = 0x0c
	keyCR        key = 0x0d
	keyCtrlN     key = 0x0e
	keyCtrlP     key = 0x10
	keyCtrlR     key = 0x12
	keyCtrlU     key = 0x15
	keyCtrlV     key = 0x16
	keyCtrlW     key = 0x17
	keyCtrlZ     key = 0x1a
	keyBackspace key = 0x7f
)

// readKey decodes the next keystroke. CR, LF and CR LF each give one Enter
// (keyCR or keyLF): after a CR, an LF arriving next is swallowed, even if it
// arrives during a later call. Invalid UTF-8 and unknown escape sequences are
// consumed and skipped.
func (t *Terminal) readKey(ctx context.Context) (key, error) {
	for {
		c, err := t.readByte(ctx)
		if err != nil {
			return 0, err
		}
		if t.skipLF {
			t.skipLF = false
			if c == '\n' {
				continue
			}
		}
		switch {
		case c == '\r':
			t.skipLF = true
			return keyCR, nil
		case c == 0x1b:
			k, ok, err := t.readEscape(ctx)
			if err != nil {
				return 0, err
			}
			if ok {
				return k, nil
			}
		case c < utf8.RuneSelf:
			return key(c), nil
		default:
			r, ok, err := t.readUTF8(ctx, c)
			if err != nil {
				return 0, err
			}
			if ok {
				return key(r), nil
			}
		}
	}
}

// isControl reports whether c is a C0 control character or DEL.
func isControl(c byte) bool { return c < ' ' || c == 0x7f }

// readEscape decodes what follows an ESC: CSI (ESC [) and SS3 (ESC O)
// sequences and the Esc-letter word commands. ok is false for sequences it
// does not know, which are consumed and ignored. A control character ends a
// sequence early and is left unread, so that an Enter or Ctrl-C typed after
// a stray ESC still works.
func (t *Terminal) readEscape(ctx context.Context) (k key, ok bool, err error) {
	for {
		c, err := t.peekByte(ctx)
		if err != nil {
			return 0, false, err
		}
		if c == 0x1b {
			// ESC ESC: start over, as some terminals send meta-arrow this way.
			t.pending = t.pending[1:]
			continue
		}
		if isControl(c) {
			return 0, false, nil
		}
		t.pending = t.pending[1:]
		switch c {
		case '[':
			return t.readCSI(ctx)
		case 'O':
			c, err := t.peekByte(ctx)
			if err != nil {
				return 0, false, err
			}
			if c < 0x40 || c > 0x7e {
				return 0, false, nil
			}
			t.pending = t.pending[1:]
			k, ok := finalKey(c)
			return k, ok, nil
		case 'b', 'B':
			return keyWordLeft, true, nil
		case 'f', 'F':
			return keyWordRight, true, nil
		case 'd', 'D':
			return keyWordDelete, true, nil
		}
		return 0, false, nil
	}
}

// readCSI decodes a control sequence after ESC [: parameter bytes, then
// intermediate bytes, then one final byte (ECMA-48).
func (t *Terminal) readCSI(ctx context.Context) (key, bool, error) {
	var param []byte
	for {
		c, err := t.peekByte(ctx)
		if err != nil {
			return 0, false, err
		}
		switch {
		case c >= 0x30 && c <= 0x3f:
			if len(param) < 16 { // bound memory against endless garbage
				param = append(param, c)
			}
		case c >= 0x20 && c <= 0x2f:
			// Intermediate byte: none of the keys we know use one.
		case c >= 0x40 && c <= 0x7e:
			t.pending = t.pending[1:]
			if c == '~' {
				// VT220 editing keypad: ESC [ n ~. Modifiers (";5") are ignored.
				n, _, _ := bytes.Cut(param, []byte(";"))
				switch string(n) {
				case "1", "7":
					return keyHome, true, nil
				case "4", "8":
					return keyEnd, true, nil
				case "3":
					return keyDelete, true, nil
				}
				return 0, false, nil
			}
			k, ok := finalKey(c)
			return k, ok, nil
		default:
			// Not part of a sequence: abandon it and leave c for the next key.
			return 0, false, nil
		}
		t.pending = t.pending[1:]
	}
}

// finalKey maps the final byte of a cursor-key sequence (ESC [ x or ESC O x,
// with any modifiers ignored) to a key.
func finalKey(c byte) (key, bool) {
	switch c {
	case 'A':
		return keyUp, true
	case 'B':
		return keyDown, true
	case 'C':
		return keyRight, true
	case 'D':
		return keyLeft, true
	case 'H':
		return keyHome, true
	case 'F':
		return keyEnd, true
	}
	return 0, false
}

// readUTF8 completes the UTF-8 sequence that starts with c. ok is false if
// the sequence is invalid; its bytes are dropped, and a byte that cannot
// continue it is left unread.
func (t *Terminal) readUTF8(ctx context.Context, c byte) (rune, bool, error) {
	var n int
	switch {
	case c >= 0xc2 && c <= 0xdf:
		n = 2
	case c >= 0xe0 && c <= 0xef:
		n = 3
	case c >= 0xf0 && c <= 0xf4:
		n = 4
	default:
		return 0, false, nil // a stray continuation byte or an impossible lead byte
	}
	var buf [utf8.UTFMax]byte
	buf[0] = c
	for i := 1; i < n; i++ {
		c, err := t.peekByte(ctx)
		if err != nil {
			return 0, false, err
		}
		if c&0xc0 != 0x80 {
			return 0, false, nil
		}
		t.pending = t.pending[1:]
		buf[i] = c
	}
	r, size := utf8.DecodeRune(buf[:n])
	if size != n || r == utf8.RuneError && size == 1 {
		return 0, false, nil // overlong form or surrogate
	}
	return r, true, nil
}
