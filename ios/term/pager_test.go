package term

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The exact bytes of the --More-- prompt and of its erasure.
const (
	more  = " --More-- "
	erase = "\b\b\b\b\b\b\b\b\b\b" + "          " + "\b\b\b\b\b\b\b\b\b\b"
)

func TestMoreBytes(t *testing.T) {
	if morePrompt != more || moreErase != erase || len(more) != 10 {
		t.Errorf("morePrompt %q, moreErase %q", morePrompt, moreErase)
	}
}

// lines returns "line<from>\n" ... "line<to>\n" and the same with "\r\n".
func lines(from, to int) (lf, crlf string) {
	var a, b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&a, "line%d\n", i)
		fmt.Fprintf(&b, "line%d\r\n", i)
	}
	return a.String(), b.String()
}

func TestPager(t *testing.T) {
	text, _ := lines(1, 10)
	_, l1to4 := lines(1, 4)
	_, l5to8 := lines(5, 8)
	_, l9 := lines(9, 9)
	_, l10 := lines(10, 10)
	_, l1to10 := lines(1, 10)
	tests := []struct {
		name        string
		keys        string
		text        string
		length      int
		width       int
		interactive bool
		perLine     bool // write the text one line per Write call
		wantOut     string
		wantStopped bool
		wantErr     error
	}{
		{
			name: "space enter q", keys: " \rq", text: text, length: 5, interactive: true,
			wantOut:     l1to4 + more + erase + l5to8 + more + erase + l9 + more + erase,
			wantStopped: true,
		},
		{
			name: "one write per line", keys: " \rq", text: text, length: 5, interactive: true, perLine: true,
			wantOut:     l1to4 + more + erase + l5to8 + more + erase + l9 + more + erase,
			wantStopped: true,
		},
		{
			name: "space to the end", keys: "  ", text: text, length: 5, interactive: true,
			wantOut: l1to4 + more + erase + l5to8 + more + erase + l9 + l10,
		},
		{
			name: "CR LF is one Enter", keys: "\r\n  ", text: text, length: 5, interactive: true,
			wantOut: l1to4 + more + erase + "line5\r\n" + more + erase + "line6\r\nline7\r\nline8\r\nline9\r\n" + more + erase + l10,
		},
		{
			name: "LF is Enter", keys: "\n\n\n\n\n\n", text: text, length: 5, interactive: true,
			wantOut: l1to4 + more + erase + "line5\r\n" + more + erase + "line6\r\n" + more + erase + "line7\r\n" +
				more + erase + "line8\r\n" + more + erase + "line9\r\n" + more + erase + l10,
		},
		{
			name: "ctrl-C quits", keys: "\x03", text: text, length: 5, interactive: true,
			wantOut: l1to4 + more + erase, wantStopped: true,
		},
		{
			name: "any other key quits", keys: "x", text: text, length: 5, interactive: true,
			wantOut: l1to4 + more + erase, wantStopped: true,
		},
		{
			name: "exactly one page", text: "a\nb\nc\nd\n", length: 5, interactive: true,
			wantOut: "a\r\nb\r\nc\r\nd\r\n",
		},
		{
			name: "EOF at More", text: "a\nb\nc\nd\ne\n", length: 5, interactive: true,
			wantOut: "a\r\nb\r\nc\r\nd\r\n" + more, wantStopped: true, wantErr: io.EOF,
		},
		{
			name: "wrapped lines count", keys: "q", text: "0123456789abcde\nx\n", length: 3, width: 10, interactive: true,
			wantOut: "0123456789abcde\r\n" + more + erase, wantStopped: true,
		},
		{
			name: "line of exactly Width", keys: "q", text: "0123456789\nab\nc\n", length: 3, width: 10, interactive: true,
			wantOut: "0123456789\r\nab\r\n" + more + erase, wantStopped: true,
		},
		{
			name: "wrap starts the page", keys: "q", text: "0123456789012345678901\n", length: 3, width: 10, interactive: true,
			wantOut: "01234567890123456789" + more + erase, wantStopped: true,
		},
		{name: "length 0", text: text, length: 0, interactive: true, wantOut: l1to10},
		{name: "line mode", text: text, length: 5, wantOut: text},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			term := New(Config{In: strings.NewReader(tc.keys), Out: out, Interactive: tc.interactive, Width: tc.width})
			defer term.Close()
			term.SetLength(tc.length)
			p := term.Pager()
			var err error
			if tc.perLine {
				for _, l := range strings.SplitAfter(tc.text, "\n") {
					n, werr := p.Write([]byte(l))
					if n != len(l) || werr != nil {
						t.Fatalf("Write(%q) = %d, %v", l, n, werr)
					}
				}
			} else {
				var n int
				n, err = p.Write([]byte(tc.text))
				if err == nil && n != len(tc.text) {
					t.Errorf("Write returned %d, want %d", n, len(tc.text))
				}
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Write error = %v, want %v", err, tc.wantErr)
			}
			if got := p.Stopped(); got != tc.wantStopped {
				t.Errorf("Stopped() = %v, want %v", got, tc.wantStopped)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPagerDiscardsAfterQuit checks that once the user quits, later writes
// succeed silently.
func TestPagerDiscardsAfterQuit(t *testing.T) {
	out := &syncBuffer{}
	term := New(Config{In: strings.NewReader("q"), Out: out, Interactive: true, Length: 3})
	defer term.Close()
	p := term.Pager()
	fmt.Fprint(p, "a\nb\nc\n")
	before := out.String()
	n, err := fmt.Fprint(p, "more output\n")
	if n != len("more output\n") || err != nil {
		t.Errorf("Write after quit = %d, %v; want all bytes, nil", n, err)
	}
	if !p.Stopped() || out.String() != before {
		t.Errorf("output after quit: %q (stopped=%v)", out.String()[len(before):], p.Stopped())
	}
	// A new Pager for the next command pages again.
	if term.Pager().Stopped() {
		t.Error("new Pager is already stopped")
	}
}

// TestPagerNotify checks that a log message arriving at --More-- redraws
// the prompt, which the erase sequence then removes as usual.
func TestPagerNotify(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &syncBuffer{}
	term := New(Config{In: pr, Out: out, Interactive: true, Length: 2})
	defer term.Close()
	done := make(chan error)
	go func() {
		_, err := fmt.Fprint(term.Pager(), "a\nb\n")
		done <- err
	}()
	waitFor(t, out, "a\r\n"+more)
	term.Notify("%LOG")
	pw.Write([]byte(" "))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := "a\r\n" + more + "\r\n%LOG\r\n" + more + erase + "b\r\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
