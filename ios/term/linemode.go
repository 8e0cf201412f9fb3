package term

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// readLineMode is ReadLine without echo: the prompt is printed before
// reading, and the line (as cleaned up by sanitize) and "\n" after it, so
// the output reads like a console log. A line with '?' asks for help and
// does not return: the help is printed and the next line is read, as if the
// user had read the help and erased the line.
func (t *Terminal) readLineMode(ctx context.Context, prompt string, h Helper) (string, error) {
	for {
		if err := t.show(prompt, false); err != nil {
			t.finish("")
			return "", err
		}
		s, err := t.readSanitizedLine(ctx)
		if errors.Is(err, ErrLineTooLong) {
			if werr := t.finish(s + "\n"); werr != nil {
				return "", werr
			}
			return "", err
		}
		if err != nil {
			// At EOF the prompt stays as it is: nothing extra is printed.
			t.finish("")
			return "", err
		}
		if h != nil {
			if before, _, ok := strings.Cut(s, "?"); ok {
				text := h.Help(before)
				if text != "" && !strings.HasSuffix(text, "\n") {
					text += "\n"
				}
				if err := t.finish(before + "?\n" + text); err != nil {
					return "", err
				}
				continue
			}
		}
		t.mu.Lock()
		t.addHistoryLocked(s)
		t.mu.Unlock()
		if err := t.finish(s + "\n"); err != nil {
			return "", err
		}
		return s, nil
	}
}

func (t *Terminal) readSecretLineMode(ctx context.Context, prompt string) (string, error) {
	if err := t.show(prompt, false); err != nil {
		t.finish("")
		return "", err
	}
	s, err := t.readSanitizedLine(ctx)
	if err != nil && !errors.Is(err, ErrLineTooLong) {
		t.finish("")
		return "", err
	}
	if werr := t.finish("\n"); werr != nil {
		return "", werr
	}
	if err != nil {
		return "", err
	}
	return s, nil
}

func (t *Terminal) confirmLineMode(ctx context.Context, prompt string) (bool, error) {
	if err := t.show(prompt, false); err != nil {
		t.finish("")
		return false, err
	}
	s, err := t.readSanitizedLine(ctx)
	if err != nil && !errors.Is(err, ErrLineTooLong) {
		t.finish("")
		return false, err
	}
	if werr := t.finish("\n"); werr != nil {
		return false, werr
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "y", "yes":
		return err == nil, nil
	}
	return false, nil
}

// readSanitizedLine reads one line and cleans it up with sanitize. If the
// line is longer than MaxLine bytes, it returns its first MaxLine bytes
// (cut at a rune boundary) with ErrLineTooLong.
func (t *Terminal) readSanitizedLine(ctx context.Context) (string, error) {
	raw, overflow, err := t.readRawLine(ctx)
	if err != nil {
		return "", apiErr(err)
	}
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	s := sanitize(raw)
	if overflow || len(s) > t.maxLine {
		return truncate(s, t.maxLine), ErrLineTooLong
	}
	return s, nil
}

// readRawLine reads up to and excluding the next "\n". At most MaxLine+1
// bytes of the line are kept (one more than fits, so that a line of exactly
// MaxLine bytes plus "\r" still fits); overflow reports that more were
// dropped. That bounds memory however long the line is. A final line
// without "\n" is returned at EOF, and io.EOF only after it.
//
// The partial line survives in t.lbuf when ctx is cancelled or the idle
// timeout strikes, so the next call carries on where this one stopped.
func (t *Terminal) readRawLine(ctx context.Context) (line []byte, overflow bool, err error) {
	limit := t.maxLine + 1
	for {
		if err := t.fill(ctx); err != nil {
			if err == io.EOF && (len(t.lbuf) > 0 || t.lOverflow) {
				break
			}
			return nil, false, err
		}
		seg := t.pending
		i := bytes.IndexByte(seg, '\n')
		if i >= 0 {
			seg = seg[:i]
		}
		if room := limit - len(t.lbuf); len(seg) > room {
			seg = seg[:room]
			t.lOverflow = true
		}
		t.lbuf = append(t.lbuf, seg...)
		if i >= 0 {
			t.pending = t.pending[i+1:]
			break
		}
		t.pending = nil
	}
	line, overflow = t.lbuf, t.lOverflow
	t.lbuf, t.lOverflow = nil, false
	return line, overflow, nil
}

// sanitize turns a raw input line into text: control characters are
// removed, except Tab which becomes a space, and invalid UTF-8 becomes
// U+FFFD.
func sanitize(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for len(raw) > 0 {
		r, size := utf8.DecodeRune(raw)
		raw = raw[size:]
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncate returns the longest prefix of s of at most n bytes that does not
// split a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
