// Package term is the line discipline shared by every cmeos console: the
// serial UART, stdio and SSH channels.
//
// A [Terminal] reads bytes from the user and edits one line at a time with
// echo, history, and Tab and '?' callbacks into a [Helper]. It also reads
// secrets without echo, answers "[confirm]"-style questions, pages command
// output with " --More-- ", and prints asynchronous log messages (see
// [Terminal.Notify]) without breaking the line being typed, like IOS with
// "logging synchronous". It knows nothing about IOS commands: the command
// engine plugs in through [Helper].
//
// A Terminal works in one of two modes:
//
//   - Interactive (character mode): the caller has already put the tty in raw
//     mode. Every key is echoed and the IOS/emacs editing keys work. Output
//     uses "\r\n". Cursor movement and redraw use only "\b", "\r", spaces and
//     reprinted text, never ANSI escape sequences, so the output is safe on
//     dumb serial consoles and predictable in test transcripts.
//   - Line mode (pipes, files, scripted serial logs): input is read a line at
//     a time without echo, but ReadLine writes the prompt and the line it read
//     to Out, so the output reads like a console log ("R1#show version\n"
//     followed by the command output). Output bytes pass through unchanged.
//
// ReadLine, ReadSecret, Confirm and Pager writes belong to the one session
// goroutine that owns the console; Notify, Close and the setters may be
// called from any goroutine.
package term

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Helper supplies command-aware editing: the cli engine implements it.
type Helper interface {
	// Complete is called on Tab with the text left of the cursor. It returns the
	// replacement text for that part (e.g. "sh" -> "show "), or ok=false to ring the bell.
	Complete(before string) (replacement string, ok bool)
	// Help is called when '?' is typed, with the text left of the cursor. It returns the
	// text to print on the lines below (may be several lines, each ending in "\n").
	// The '?' itself is NOT inserted into the line. After printing, the prompt and the
	// current line are redrawn and editing continues.
	Help(before string) string
}

// Config describes a console for [New]. Zero values select the defaults.
type Config struct {
	In          io.Reader // bytes from the user (a raw-mode tty, a UART, an SSH channel, or a pipe/file); nil reads as empty
	Out         io.Writer // where echo and output go; nil discards
	Interactive bool      // true: character mode with echo and editing (the tty is already in raw mode, done by the caller); false: line mode
	Width       int       // columns; 0 selects 80
	Length      int       // page length for --More--; 0 selects 24, a negative value disables paging (SetLength(0) also disables it)
	HistorySize int       // lines of history; 0 selects 20, a negative value disables history
	MaxLine     int       // longest line in bytes; 0 or negative selects 4096
}

// Defaults applied by [New] to zero Config fields.
const (
	DefaultWidth       = 80
	DefaultLength      = 24
	DefaultHistorySize = 20
	DefaultMaxLine     = 4096
)

var (
	ErrInterrupt   = errors.New("term: interrupted") // Ctrl-C
	ErrCtrlZ       = errors.New("term: ctrl-z")      // Ctrl-Z (the session treats it as `end`)
	ErrTimeout     = errors.New("term: idle timeout")
	ErrLineTooLong = errors.New("term: line too long")
)

// errClosed is what the input layer reports after Close; the exported
// methods turn it into io.EOF, because to the session a closed console is
// simply the end of its input.
var errClosed = errors.New("term: closed")

// Terminal is one console's line discipline. Create it with [New].
type Terminal struct {
	in          io.Reader
	out         io.Writer
	interactive bool
	maxLine     int

	// Reader goroutine plumbing. The goroutine is started lazily by the first
	// read so that a Terminal used only for output never reads its input.
	startOnce sync.Once
	inCh      chan readResult
	done      chan struct{} // closed by Close
	closeOnce sync.Once

	// Input state. Only the session goroutine (the caller of ReadLine,
	// ReadSecret, Confirm and Pager.Write) touches these, so they need no lock.
	pending   []byte // bytes received but not yet consumed
	rerr      error  // sticky read error, reported once pending is drained
	skipLF    bool   // the last Enter was a CR: swallow an LF that follows it
	lbuf      []byte // line mode: the partial line read so far (at most maxLine+1 bytes)
	lOverflow bool   // line mode: bytes beyond lbuf's cap were dropped

	// mu guards all output to out and the state of the line being edited, so
	// that Notify, which may run on any goroutine, can interleave a message
	// and redraw the prompt and line consistently. The session goroutine
	// changes line, pos and active only while holding mu; it may read them
	// without mu because it is their only writer.
	mu          sync.Mutex
	width       int
	length      int
	historySize int
	idle        time.Duration
	history     []string
	col         int  // approximate output column, to know whether a message needs a newline first
	lastOut     byte // last byte written, so "\r\n" in output is not doubled
	active      bool // a prompt is on screen waiting for input
	prompt      string
	echo        bool   // the line is echoed (false for secrets, questions and line mode)
	line        []rune // the line being edited; replaced, never modified in place
	pos         int    // cursor position in line, in runes
}

// New returns a Terminal for cfg, applying defaults to zero fields.
func New(cfg Config) *Terminal {
	t := &Terminal{
		in:          cfg.In,
		out:         cfg.Out,
		interactive: cfg.Interactive,
		maxLine:     cfg.MaxLine,
		width:       cfg.Width,
		length:      cfg.Length,
		historySize: cfg.HistorySize,
		inCh:        make(chan readResult),
		done:        make(chan struct{}),
	}
	if t.in == nil {
		t.in = strings.NewReader("")
	}
	if t.out == nil {
		t.out = io.Discard
	}
	if t.maxLine <= 0 {
		t.maxLine = DefaultMaxLine
	}
	if t.width <= 0 {
		t.width = DefaultWidth
	}
	switch {
	case t.length == 0:
		t.length = DefaultLength
	case t.length < 0:
		t.length = 0
	}
	switch {
	case t.historySize == 0:
		t.historySize = DefaultHistorySize
	case t.historySize < 0:
		t.historySize = 0
	}
	return t
}

// ReadLine prints prompt and reads one line. It returns io.EOF at the end of
// input, ErrInterrupt on Ctrl-C, ErrCtrlZ on Ctrl-Z, ErrTimeout after the
// idle timeout, ErrLineTooLong (line mode only: interactive mode refuses
// extra bytes with a bell) and ctx.Err() when ctx is done. h may be nil: Tab
// then rings the bell and '?' is an ordinary character.
//
// In interactive mode a line still being typed when the input ends is
// discarded rather than returned, so a dropped connection never runs a
// half-typed command; so is the line typed so far when ctx ends or the idle
// timeout strikes. In line mode a final line without "\n" is returned, a
// partial line survives ctx and the timeout for the next call, and at the
// end of input the prompt is left as printed: nothing more is written.
func (t *Terminal) ReadLine(ctx context.Context, prompt string, h Helper) (string, error) {
	if t.interactive {
		return t.readLineInteractive(ctx, prompt, h)
	}
	return t.readLineMode(ctx, prompt, h)
}

// ReadSecret prints prompt and reads a line without echoing it, like the IOS
// "Password:" prompt. It returns the same errors as ReadLine.
func (t *Terminal) ReadSecret(ctx context.Context, prompt string) (string, error) {
	if t.interactive {
		return t.readSecretInteractive(ctx, prompt)
	}
	return t.readSecretLineMode(ctx, prompt)
}

// Confirm prints prompt (such as "Proceed with reload? [confirm]") and reads
// the answer. Interactively one key answers: Enter, 'y' or 'Y' mean yes and
// anything else, Ctrl-C included, means no. In line mode a whole line
// answers: "", "y" and "yes" (in any case) mean yes. Either way a newline is
// printed after the answer and the answer itself is not echoed.
func (t *Terminal) Confirm(ctx context.Context, prompt string) (bool, error) {
	if t.interactive {
		return t.confirmInteractive(ctx, prompt)
	}
	return t.confirmLineMode(ctx, prompt)
}

// SetIdleTimeout makes ReadLine, ReadSecret, Confirm and the --More-- prompt
// fail with ErrTimeout when no byte arrives for d. Zero disables the timeout.
func (t *Terminal) SetIdleTimeout(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.idle = max(d, 0)
}

func (t *Terminal) idleTimeout() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.idle
}

// SetLength sets the page length used by [Terminal.Pager], like
// "terminal length N". Zero (or a negative value) disables paging.
func (t *Terminal) SetLength(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.length = max(n, 0)
}

// Length returns the page length; 0 means no paging.
func (t *Terminal) Length() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.length
}

// SetWidth sets the terminal width in columns, like "terminal width N". The
// pager uses it to count wrapped lines; zero (or a negative value) means the
// width is unknown and long lines count as one line.
func (t *Terminal) SetWidth(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.width = max(n, 0)
}

// Width returns the terminal width in columns; 0 means unknown.
func (t *Terminal) Width() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.width
}

// SetHistorySize sets how many lines of history are kept, like "terminal
// history size N"; older lines are dropped. Zero disables history.
func (t *Terminal) SetHistorySize(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.historySize = max(n, 0)
	if over := len(t.history) - t.historySize; over > 0 {
		t.history = append(t.history[:0:0], t.history[over:]...)
	}
}

// HistorySize returns how many lines of history are kept.
func (t *Terminal) HistorySize() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.historySize
}

// Interactive reports whether the Terminal is in character mode.
func (t *Terminal) Interactive() bool { return t.interactive }

// History returns a copy of the history, oldest first, for "show history".
func (t *Terminal) History() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.history...)
}

// addHistoryLocked records a line returned by ReadLine: blank lines and
// repeats of the previous line are not kept. The caller holds t.mu.
func (t *Terminal) addHistoryLocked(s string) {
	if t.historySize == 0 || strings.TrimSpace(s) == "" {
		return
	}
	if n := len(t.history); n > 0 && t.history[n-1] == s {
		return
	}
	if len(t.history) >= t.historySize {
		// Copy rather than reslice so the backing array does not grow forever.
		t.history = append(t.history[:0:0], t.history[len(t.history)-t.historySize+1:]...)
	}
	t.history = append(t.history, s)
}

// Write writes command output without paging. In interactive mode a "\n"
// not already preceded by "\r" is written as "\r\n"; in line mode bytes pass
// through unchanged. It must not be called while the same Terminal is in
// ReadLine on another goroutine: use Notify for asynchronous messages.
func (t *Terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := p
	if t.interactive {
		out = t.appendText(nil, p)
	}
	if err := t.emitLocked(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Notify prints an asynchronous message, such as a log line, and is safe to
// call from any goroutine. If a prompt is waiting for input, the message goes
// on a new line and the prompt and the line typed so far are redrawn below
// it with the cursor where it was, like IOS "logging synchronous". A newline
// is added to msg if it lacks one. Write errors are ignored: there is no one
// to report them to.
func (t *Terminal) Notify(msg string) {
	if msg == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var o []byte
	if t.col != 0 {
		o = t.appendNewline(o)
	}
	o = t.appendText(o, []byte(msg))
	if !strings.HasSuffix(msg, "\n") {
		o = t.appendNewline(o)
	}
	if t.active {
		o = t.appendPromptLine(o)
	}
	_ = t.emitLocked(o)
}

// Close stops the reader goroutine and makes pending and future reads
// return io.EOF. It does not close In, which belongs to the caller; a
// reader goroutine blocked inside In.Read exits when that Read returns, so
// close In too (the SSH channel, the UART) to release it at once.
func (t *Terminal) Close() error {
	t.closeOnce.Do(func() { close(t.done) })
	return nil
}

// beginLocked records that prompt is on screen waiting for input, so that
// Notify can redraw it. The caller holds t.mu.
func (t *Terminal) beginLocked(prompt string, echo bool) {
	t.active = true
	t.prompt = prompt
	t.echo = echo
	t.line = nil
	t.pos = 0
}

// show starts an input prompt: it records it and prints it.
func (t *Terminal) show(prompt string, echo bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.beginLocked(prompt, echo)
	return t.emitLocked([]byte(prompt))
}

// finish ends an input prompt, printing s (already in output form) first.
func (t *Terminal) finish(s string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active = false
	t.line = nil
	t.pos = 0
	return t.emitLocked([]byte(s))
}

// emitLocked writes b to Out as is and tracks the column. The caller holds
// t.mu.
func (t *Terminal) emitLocked(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	for _, c := range b {
		switch {
		case c == '\r' || c == '\n':
			t.col = 0
		case c == '\b':
			t.col = max(t.col-1, 0)
		case c >= ' ' && c != 0x7f && (c < 0x80 || c >= 0xc0):
			// Count printable ASCII and the first byte of each UTF-8 sequence.
			t.col++
		}
	}
	t.lastOut = b[len(b)-1]
	if _, err := t.out.Write(b); err != nil {
		return fmt.Errorf("term: write: %w", err)
	}
	return nil
}

// appendNewline appends the mode's newline: "\r\n" interactively, "\n" in
// line mode.
func (t *Terminal) appendNewline(o []byte) []byte {
	if t.interactive {
		return append(o, '\r', '\n')
	}
	return append(o, '\n')
}

// appendText appends text, turning each "\n" not preceded by "\r" into
// "\r\n" in interactive mode. What precedes the text is the end of o, or
// the last byte already written when o is empty. The caller holds t.mu.
func (t *Terminal) appendText(o, text []byte) []byte {
	if !t.interactive {
		return append(o, text...)
	}
	prev := t.lastOut
	if len(o) > 0 {
		prev = o[len(o)-1]
	}
	for _, c := range text {
		if c == '\n' && prev != '\r' {
			o = append(o, '\r')
		}
		o = append(o, c)
		prev = c
	}
	return o
}

// appendPromptLine appends the prompt, the echoed line and the backspaces
// that put the cursor back where it was. The caller holds t.mu.
func (t *Terminal) appendPromptLine(o []byte) []byte {
	o = append(o, t.prompt...)
	if t.echo {
		o = appendRunes(o, t.line)
		o = appendBackspaces(o, len(t.line)-t.pos)
	}
	return o
}

// apiErr maps internal input errors to the ones callers see.
func apiErr(err error) error {
	if errors.Is(err, errClosed) {
		return io.EOF
	}
	return err
}
