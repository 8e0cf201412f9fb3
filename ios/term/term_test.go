package term

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// syncBuffer is an Out that the test can read while the Terminal writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until out holds want, for tests that must not act before
// the Terminal has processed some input.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("output never became %q; have %q", want, out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// testHelper is a tiny command engine: it completes and explains a few
// words.
type testHelper struct{}

func (testHelper) Complete(before string) (string, bool) {
	switch before {
	case "sh":
		return "show ", true
	case "show ver":
		return "show version ", true
	case "long":
		return strings.Repeat("x", 100), true
	}
	return "", false
}

func (testHelper) Help(before string) string {
	switch before {
	case "":
		return "  configure  Enter configuration mode\n  show       Show running system information\n"
	case "show ":
		return "  version  System hardware and software status\n"
	case "sh":
		return "  show" // no trailing newline: the Terminal adds one
	}
	return "% Unrecognized command\n"
}

func newTerm(in io.Reader, interactive bool) (*Terminal, *syncBuffer) {
	out := &syncBuffer{}
	return New(Config{In: in, Out: out, Interactive: interactive}), out
}

type result struct {
	Line string
	Err  error
}

var equateErrors = cmpopts.EquateErrors()

func TestReadLineInteractive(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		nilHelp bool
		maxLine int
		want    result
		wantOut string // everything written after the prompt "R1#"
	}{
		{name: "insert", in: "show\r", want: result{Line: "show"}, wantOut: "show\r\n"},
		{name: "backspace DEL", in: "shox\x7fw\r", want: result{Line: "show"}, wantOut: "shox\b \bw\r\n"},
		{name: "backspace BS", in: "shox\bw\r", want: result{Line: "show"}, wantOut: "shox\b \bw\r\n"},
		{name: "backspace at start", in: "\x7fa\r", want: result{Line: "a"}, wantOut: "a\r\n"},
		{name: "backspace mid-line", in: "abcd\x02\x02\x7f\r", want: result{Line: "acd"}, wantOut: "abcd\b\b\bcd \b\b\b\r\n"},
		{name: "left arrow CSI", in: "shw\x1b[Do\r", want: result{Line: "show"}, wantOut: "shw\bow\b\r\n"},
		{name: "left arrow SS3", in: "shw\x1bODo\r", want: result{Line: "show"}, wantOut: "shw\bow\b\r\n"},
		{name: "left at start", in: "\x1b[Da\r", want: result{Line: "a"}, wantOut: "a\r\n"},
		{name: "ctrl-B ctrl-F", in: "ab\x02\x02\x06X\r", want: result{Line: "aXb"}, wantOut: "ab\b\baXb\b\r\n"},
		{name: "right arrow", in: "ab\x1b[D\x1b[D\x1b[CX\r", want: result{Line: "aXb"}, wantOut: "ab\b\baXb\b\r\n"},
		{name: "right at end", in: "a\x1bOCb\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "ctrl-A ctrl-E", in: "ow\x01sh\x05 ver\r", want: result{Line: "show ver"}, wantOut: "ow\b\bsow\b\bhow\b\bow ver\r\n"},
		{name: "home end keys", in: "ow\x1b[Hsh\x1b[F!\r", want: result{Line: "show!"}, wantOut: "ow\b\bsow\b\bhow\b\bow!\r\n"},
		{name: "vt220 home end", in: "ow\x1b[1~sh\x1b[4~!\r", want: result{Line: "show!"}, wantOut: "ow\b\bsow\b\bhow\b\bow!\r\n"},
		{
			name: "ctrl-K", in: "show ver\x01\x06\x06\x0b\r", want: result{Line: "sh"},
			wantOut: "show ver\b\b\b\b\b\b\b\bsh      \b\b\b\b\b\b\r\n",
		},
		{name: "ctrl-U", in: "junk\x15ok\r", want: result{Line: "ok"}, wantOut: "junk\b\b\b\b    \b\b\b\bok\r\n"},
		{name: "ctrl-U mid-line", in: "junk\x02\x02\x15\r", want: result{Line: ""}, wantOut: "junk\b\b\b\b    \b\b\b\b\r\n"},
		{name: "ctrl-W", in: "show ip int\x17\r", want: result{Line: "show ip "}, wantOut: "show ip int\b\b\b   \b\b\b\r\n"},
		{name: "ctrl-W spaces", in: "a bc  \x17x\r", want: result{Line: "a x"}, wantOut: "a bc  \b\b\b\b    \b\b\b\bx\r\n"},
		{name: "ctrl-D", in: "abc\x01\x04\r", want: result{Line: "bc"}, wantOut: "abc\b\b\bbc \b\b\b\r\n"},
		{name: "ctrl-D at end", in: "ab\x04\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "ctrl-D empty line", in: "\x04x\r", want: result{Line: "x"}, wantOut: "x\r\n"},
		{name: "delete key", in: "abc\x01\x1b[3~\r", want: result{Line: "bc"}, wantOut: "abc\b\b\bbc \b\b\b\r\n"},
		{name: "esc-b", in: "show ip\x1bbx\r", want: result{Line: "show xip"}, wantOut: "show ip\b\bxip\b\b\r\n"},
		{name: "esc-f", in: "show ip\x01\x1bfX\r", want: result{Line: "showX ip"}, wantOut: "show ip\b\b\b\b\b\b\bshowX ip\b\b\b\r\n"},
		{name: "esc-d", in: "show ip\x01\x1bd\r", want: result{Line: " ip"}, wantOut: "show ip\b\b\b\b\b\b\b ip    \b\b\b\b\b\b\b\r\n"},
		{name: "ctrl-L", in: "sh\x0cow\r", want: result{Line: "show"}, wantOut: "sh\r\nR1#show\r\n"},
		{name: "ctrl-R mid-line", in: "sh\x02\x12\r", want: result{Line: "sh"}, wantOut: "sh\b\r\nR1#sh\b\r\n"},
		{name: "unknown CSI", in: "a\x1b[5;3Xb\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "unknown esc", in: "a\x1bxb\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "unknown vt220", in: "a\x1b[15~b\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "esc esc arrow", in: "ab\x1b\x1b[Dc\r", want: result{Line: "acb"}, wantOut: "ab\bcb\b\r\n"},
		{name: "esc then enter", in: "a\x1b\r", want: result{Line: "a"}, wantOut: "a\r\n"},
		{name: "CSI broken by enter", in: "a\x1b[1\r", want: result{Line: "a"}, wantOut: "a\r\n"},
		{name: "control chars ignored", in: "a\x07\x00\x1f\x1cb\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "ctrl-C", in: "sh\x03", want: result{Err: ErrInterrupt}, wantOut: "sh^C\r\n"},
		{name: "ctrl-Z", in: "conf\x1a", want: result{Err: ErrCtrlZ}, wantOut: "conf^Z\r\n"},
		{name: "LF enter", in: "a\nb\n", want: result{Line: "a"}, wantOut: "a\r\n"},
		{name: "tab", in: "sh\t\r", want: result{Line: "show "}, wantOut: "show \r\n"},
		{name: "tab twice", in: "sh\tver\t\r", want: result{Line: "show version "}, wantOut: "show version \r\n"},
		{name: "tab fails", in: "xy\t\r", want: result{Line: "xy"}, wantOut: "xy\a\r\n"},
		{
			name: "tab mid-line", in: "sh ver\x02\x02\x02\x02\t\r", want: result{Line: "show  ver"},
			wantOut: "sh ver\b\b\b\bow  ver\b\b\b\b\r\n",
		},
		{name: "tab beyond MaxLine", in: "long\t\r", maxLine: 50, want: result{Line: "long"}, wantOut: "long\a\r\n"},
		{name: "tab without helper", in: "sh\t\r", nilHelp: true, want: result{Line: "sh"}, wantOut: "sh\a\r\n"},
		{
			name: "help", in: "show ?\r", want: result{Line: "show "},
			wantOut: "show ?\r\n  version  System hardware and software status\r\nR1#show \r\n",
		},
		{
			name: "help on empty line", in: "?x\r", want: result{Line: "x"},
			wantOut: "?\r\n  configure  Enter configuration mode\r\n  show       Show running system information\r\nR1#x\r\n",
		},
		{
			name: "help mid-line", in: "sh ver\x01\x06\x06?\r", want: result{Line: "sh ver"},
			wantOut: "sh ver\b\b\b\b\b\bsh?\r\n  show\r\nR1#sh ver\b\b\b\b\r\n",
		},
		{name: "question mark without helper", in: "a?\r", nilHelp: true, want: result{Line: "a?"}, wantOut: "a?\r\n"},
		{name: "ctrl-V question mark", in: "a\x16?\r", want: result{Line: "a?"}, wantOut: "a?\r\n"},
		{name: "ctrl-V control", in: "a\x16\x01b\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "MaxLine bell", in: "abcde\r", maxLine: 4, want: result{Line: "abcd"}, wantOut: "abcd\a\r\n"},
		{name: "MaxLine utf8", in: "abc\u00e9d\r", maxLine: 4, want: result{Line: "abcd"}, wantOut: "abc\ad\r\n"},
		{name: "utf8", in: "caf\xc3\xa9 \xe2\x82\xac\r", want: result{Line: "café €"}, wantOut: "café €\r\n"},
		{name: "utf8 cursor", in: "\u00e9\x02x\r", want: result{Line: "xé"}, wantOut: "é\bxé\b\r\n"},
		{name: "invalid utf8", in: "a\xffb\xc3(c\xc0\xafd\xe0\x80\x80e\xed\xa0\x80f\r", want: result{Line: "ab(cdef"}, wantOut: "ab(cdef\r\n"},
		{name: "C1 control", in: "a\xc2\x85b\r", want: result{Line: "ab"}, wantOut: "ab\r\n"},
		{name: "EOF mid-line", in: "show", want: result{Err: io.EOF}, wantOut: "show"},
		{name: "EOF inside escape", in: "a\x1b[", want: result{Err: io.EOF}, wantOut: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			term := New(Config{In: strings.NewReader(tc.in), Out: out, Interactive: true, MaxLine: tc.maxLine})
			defer term.Close()
			var h Helper = testHelper{}
			if tc.nilHelp {
				h = nil
			}
			var got result
			got.Line, got.Err = term.ReadLine(context.Background(), "R1#", h)
			if diff := cmp.Diff(tc.want, got, equateErrors); diff != "" {
				t.Errorf("ReadLine(%q) result (-want +got):\n%s", tc.in, diff)
			}
			if diff := cmp.Diff("R1#"+tc.wantOut, out.String()); diff != "" {
				t.Errorf("ReadLine(%q) output (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// readLines calls ReadLine until io.EOF and returns what each call gave.
func readLines(t *testing.T, term *Terminal, h Helper) []result {
	t.Helper()
	var rs []result
	for range 100 {
		line, err := term.ReadLine(context.Background(), "R1#", h)
		if err == io.EOF {
			return rs
		}
		rs = append(rs, result{line, err})
	}
	t.Fatal("ReadLine never returned io.EOF")
	return nil
}

func TestEnterVariants(t *testing.T) {
	term, out := newTerm(strings.NewReader("a\r\nb\nc\r\r\nd\r\x00e\n\rf\r"), true)
	defer term.Close()
	got := readLines(t, term, nil)
	want := []result{{Line: "a"}, {Line: "b"}, {Line: "c"}, {Line: ""}, {Line: "d"}, {Line: "e"}, {Line: ""}, {Line: "f"}}
	if diff := cmp.Diff(want, got, equateErrors); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	wantOut := "R1#a\r\nR1#b\r\nR1#c\r\nR1#\r\nR1#d\r\nR1#e\r\nR1#\r\nR1#f\r\nR1#"
	if diff := cmp.Diff(wantOut, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestLateLF checks that the LF of a CR LF pair that arrives after the CR
// has already ended a line does not produce an empty line.
func TestLateLF(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	term, _ := newTerm(pr, true)
	defer term.Close()
	ctx := context.Background()
	go pw.Write([]byte("a\r"))
	if line, err := term.ReadLine(ctx, "R1#", nil); line != "a" || err != nil {
		t.Fatalf("ReadLine = %q, %v; want \"a\", nil", line, err)
	}
	go pw.Write([]byte("\nb\r"))
	if line, err := term.ReadLine(ctx, "R1#", nil); line != "b" || err != nil {
		t.Fatalf("ReadLine = %q, %v; want \"b\", nil", line, err)
	}
}

func TestHistory(t *testing.T) {
	in := "one\r" + "two\r" + "two\r" + "\r" + "  \r" + // history: one, two
		"\x10\x10\x10\r" + // Ctrl-P three times: two, one, still one
		"ab\x1b[A\x1b[B\r" + // Up then Down brings back the line being typed
		"\x1b[A\x1b[A\x0e\r" + // history is one, two, one, ab: Up, Up, Ctrl-N show ab, one, ab
		"\x0e\x1b[Bz\r" // Down on a new line does nothing
	term, out := newTerm(strings.NewReader(in), true)
	defer term.Close()
	got := readLines(t, term, nil)
	want := []result{
		{Line: "one"}, {Line: "two"}, {Line: "two"}, {Line: ""}, {Line: "  "},
		{Line: "one"},
		{Line: "ab"},
		{Line: "ab"},
		{Line: "z"},
	}
	if diff := cmp.Diff(want, got, equateErrors); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	wantOut := "R1#one\r\nR1#two\r\nR1#two\r\nR1#\r\nR1#  \r\n" +
		"R1#two\b\b\bone\r\n" +
		"R1#ab\b\bone\b\b\bab \b\r\n" +
		"R1#ab\b\bone\b\b\bab \b\r\n" +
		"R1#z\r\nR1#"
	if diff := cmp.Diff(wantOut, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"one", "two", "one", "ab", "z"}, term.History()); diff != "" {
		t.Errorf("History() (-want +got):\n%s", diff)
	}
}

func TestHistorySize(t *testing.T) {
	term := New(Config{In: strings.NewReader("a\rb\rc\rd\r"), Interactive: true, HistorySize: 3})
	defer term.Close()
	readLines(t, term, nil)
	if diff := cmp.Diff([]string{"b", "c", "d"}, term.History()); diff != "" {
		t.Errorf("History() (-want +got):\n%s", diff)
	}
	term.SetHistorySize(2)
	if diff := cmp.Diff([]string{"c", "d"}, term.History()); diff != "" {
		t.Errorf("History() after SetHistorySize(2) (-want +got):\n%s", diff)
	}
	off := New(Config{In: strings.NewReader("a\r"), Interactive: true, HistorySize: -1})
	readLines(t, off, nil)
	if h := off.History(); len(h) != 0 {
		t.Errorf("History() with history disabled = %q, want none", h)
	}
}

func TestReadSecret(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		interactive bool
		want        result
		wantOut     string
	}{
		{name: "no echo", in: "s3cr\x7ft\r", interactive: true, want: result{Line: "s3ct"}, wantOut: "Password: \r\n"},
		{name: "keys ignored", in: "a\x1b[Db\x01\x15cisco\r", interactive: true, want: result{Line: "cisco"}, wantOut: "Password: \r\n"},
		{name: "question mark", in: "a?b\r", interactive: true, want: result{Line: "a?b"}, wantOut: "Password: \r\n"},
		{name: "ctrl-C", in: "abc\x03", interactive: true, want: result{Err: ErrInterrupt}, wantOut: "Password: ^C\r\n"},
		{name: "EOF", in: "abc", interactive: true, want: result{Err: io.EOF}, wantOut: "Password: "},
		{name: "line mode", in: "cisco\r\nnext\n", want: result{Line: "cisco"}, wantOut: "Password: \n"},
		{name: "line mode EOF", in: "", want: result{Err: io.EOF}, wantOut: "Password: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			term, out := newTerm(strings.NewReader(tc.in), tc.interactive)
			defer term.Close()
			var got result
			got.Line, got.Err = term.ReadSecret(context.Background(), "Password: ")
			if diff := cmp.Diff(tc.want, got, equateErrors); diff != "" {
				t.Errorf("ReadSecret(%q) (-want +got):\n%s", tc.in, diff)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("ReadSecret(%q) output (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestReadSecretMaxLine(t *testing.T) {
	out := &syncBuffer{}
	term := New(Config{In: strings.NewReader("abcdef\r"), Out: out, Interactive: true, MaxLine: 4})
	defer term.Close()
	got, err := term.ReadSecret(context.Background(), "Password: ")
	if got != "abcd" || err != nil {
		t.Errorf("ReadSecret = %q, %v; want \"abcd\", nil", got, err)
	}
	if diff := cmp.Diff("Password: \a\a\r\n", out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestConfirm(t *testing.T) {
	const prompt = "Proceed with reload? [confirm]"
	tests := []struct {
		name        string
		in          string
		interactive bool
		want        bool
		wantErr     error
		wantOut     string
	}{
		{name: "CR", in: "\r", interactive: true, want: true, wantOut: prompt + "\r\n"},
		{name: "LF", in: "\n", interactive: true, want: true, wantOut: prompt + "\r\n"},
		{name: "y", in: "y", interactive: true, want: true, wantOut: prompt + "\r\n"},
		{name: "Y", in: "Y", interactive: true, want: true, wantOut: prompt + "\r\n"},
		{name: "n", in: "n", interactive: true, want: false, wantOut: prompt + "\r\n"},
		{name: "other", in: "x", interactive: true, want: false, wantOut: prompt + "\r\n"},
		{name: "ctrl-C", in: "\x03", interactive: true, want: false, wantOut: prompt + "\r\n"},
		{name: "arrow", in: "\x1b[A", interactive: true, want: false, wantOut: prompt + "\r\n"},
		{name: "EOF", in: "", interactive: true, want: false, wantErr: io.EOF, wantOut: prompt},
		{name: "line empty", in: "\n", want: true, wantOut: prompt + "\n"},
		{name: "line y", in: "y\n", want: true, wantOut: prompt + "\n"},
		{name: "line YES", in: " YES \r\n", want: true, wantOut: prompt + "\n"},
		{name: "line no", in: "no\n", want: false, wantOut: prompt + "\n"},
		{name: "line yes without newline", in: "yes", want: true, wantOut: prompt + "\n"},
		{name: "line EOF", in: "", want: false, wantErr: io.EOF, wantOut: prompt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			term, out := newTerm(strings.NewReader(tc.in), tc.interactive)
			defer term.Close()
			got, err := term.Confirm(context.Background(), prompt)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("Confirm(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("Confirm(%q) output (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// TestConfirmThenReadLine checks that a key sequence answering Confirm is
// consumed whole: the LF of CR LF and the rest of an arrow key must not
// leak into the next line.
func TestConfirmThenReadLine(t *testing.T) {
	for _, in := range []string{"\r\nx\r", "\x1b[Ax\r", "\xc3\xa9x\r"} {
		term, _ := newTerm(strings.NewReader(in), true)
		if _, err := term.Confirm(context.Background(), "? "); err != nil {
			t.Fatalf("Confirm(%q): %v", in, err)
		}
		if line, err := term.ReadLine(context.Background(), "R1#", nil); line != "x" || err != nil {
			t.Errorf("after Confirm(%q): ReadLine = %q, %v; want \"x\", nil", in, line, err)
		}
		term.Close()
	}
}

func TestNotify(t *testing.T) {
	const msg = "%SYS-5-CONFIG_I: Configured from console by console"
	t.Run("idle", func(t *testing.T) {
		term, out := newTerm(nil, true)
		term.Notify(msg)
		term.Notify("two\nlines\n")
		if diff := cmp.Diff(msg+"\r\ntwo\r\nlines\r\n", out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
	t.Run("after partial output", func(t *testing.T) {
		term, out := newTerm(nil, true)
		term.Write([]byte("!!!!"))
		term.Notify(msg)
		if diff := cmp.Diff("!!!!\r\n"+msg+"\r\n", out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
	t.Run("line mode", func(t *testing.T) {
		term, out := newTerm(nil, false)
		term.Notify(msg)
		if diff := cmp.Diff(msg+"\n", out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
	t.Run("during ReadLine", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		term, out := newTerm(pr, true)
		defer term.Close()
		done := make(chan result)
		go func() {
			line, err := term.ReadLine(context.Background(), "R1#", nil)
			done <- result{line, err}
		}()
		pw.Write([]byte("sh ver\x02\x02"))
		waitFor(t, out, "R1#sh ver\b\b")
		term.Notify(msg)
		pw.Write([]byte("x\r"))
		if got := <-done; got.Line != "sh vxer" || got.Err != nil {
			t.Errorf("ReadLine = %q, %v; want \"sh vxer\", nil", got.Line, got.Err)
		}
		want := "R1#sh ver\b\b" + "\r\n" + msg + "\r\n" + "R1#sh ver\b\b" + "xer\b\b" + "\r\n"
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
	t.Run("during ReadSecret", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		term, out := newTerm(pr, true)
		defer term.Close()
		done := make(chan result)
		go func() {
			line, err := term.ReadSecret(context.Background(), "Password: ")
			done <- result{line, err}
		}()
		waitFor(t, out, "Password: ")
		pw.Write([]byte("cis"))
		term.Notify(msg)
		pw.Write([]byte("co\r"))
		if got := <-done; got.Line != "cisco" || got.Err != nil {
			t.Errorf("ReadSecret = %q, %v; want \"cisco\", nil", got.Line, got.Err)
		}
		want := "Password: \r\n" + msg + "\r\nPassword: \r\n"
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
	t.Run("during line mode ReadLine", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		term, out := newTerm(pr, false)
		defer term.Close()
		done := make(chan result)
		go func() {
			line, err := term.ReadLine(context.Background(), "R1#", nil)
			done <- result{line, err}
		}()
		waitFor(t, out, "R1#")
		term.Notify(msg)
		pw.Write([]byte("show clock\n"))
		if got := <-done; got.Line != "show clock" || got.Err != nil {
			t.Errorf("ReadLine = %q, %v; want \"show clock\", nil", got.Line, got.Err)
		}
		want := "R1#\n" + msg + "\nR1#show clock\n"
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})
}

// TestNotifyConcurrent hammers Notify from several goroutines while a line
// is typed; run with -race.
func TestNotifyConcurrent(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	term, out := newTerm(pr, true)
	defer term.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					term.Notify("log")
				}
			}
		})
	}
	go func() {
		for _, c := range []byte("show\x02\x02xx\x7f\x01\x05 ip\r") {
			pw.Write([]byte{c})
		}
	}()
	line, err := term.ReadLine(context.Background(), "R1#", nil)
	close(stop)
	wg.Wait()
	if line != "shxow ip" || err != nil {
		t.Errorf("ReadLine = %q, %v; want \"shxow ip\", nil", line, err)
	}
	if !strings.HasSuffix(out.String(), "\r\n") {
		t.Errorf("output does not end with the Enter echo: %q", out.String()[max(0, len(out.String())-40):])
	}
}

func TestIdleTimeout(t *testing.T) {
	const d = 50 * time.Millisecond
	calls := map[string]func(*Terminal) error{
		"ReadLine": func(term *Terminal) error {
			_, err := term.ReadLine(context.Background(), "R1#", nil)
			return err
		},
		"ReadSecret": func(term *Terminal) error {
			_, err := term.ReadSecret(context.Background(), "Password: ")
			return err
		},
		"Confirm": func(term *Terminal) error {
			_, err := term.Confirm(context.Background(), "[confirm]")
			return err
		},
	}
	for name, call := range calls {
		for _, interactive := range []bool{true, false} {
			pr, pw := io.Pipe() // never written: no keystroke ever comes
			term, _ := newTerm(pr, interactive)
			term.SetIdleTimeout(d)
			start := time.Now()
			err := call(term)
			if elapsed := time.Since(start); !errors.Is(err, ErrTimeout) || elapsed < d {
				t.Errorf("%s (interactive=%v) = %v after %v; want ErrTimeout after at least %v", name, interactive, err, elapsed, d)
			}
			term.Close()
			pw.Close()
		}
	}
}

func TestContextCancel(t *testing.T) {
	for _, interactive := range []bool{true, false} {
		pr, pw := io.Pipe()
		term, _ := newTerm(pr, interactive)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			pw.Write([]byte("ab")) // half a line, then the context ends
			cancel()
		}()
		_, err := term.ReadLine(ctx, "R1#", nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interactive=%v: ReadLine = %v, want context.Canceled", interactive, err)
		}
		// Nothing read is lost. Interactively the new ReadLine starts an
		// empty line, but "ab" may still be unprocessed input.
		go pw.Write([]byte("c\n"))
		line, err := term.ReadLine(context.Background(), "R1#", nil)
		if err != nil || (line != "abc" && !(interactive && line == "c")) {
			t.Errorf("interactive=%v: ReadLine after cancel = %q, %v; want \"abc\"", interactive, line, err)
		}
		term.Close()
		pw.Close()
	}
}

func TestContextAlreadyCancelled(t *testing.T) {
	term, _ := newTerm(strings.NewReader("abc\n"), false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := term.ReadLine(ctx, "R1#", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadLine = %v, want context.Canceled", err)
	}
}

func TestClose(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	term, _ := newTerm(pr, true)
	done := make(chan error)
	go func() {
		_, err := term.ReadLine(context.Background(), "R1#", nil)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let ReadLine block
	if err := term.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; err != io.EOF {
		t.Errorf("ReadLine after Close = %v, want io.EOF", err)
	}
	if _, err := term.ReadLine(context.Background(), "R1#", nil); err != io.EOF {
		t.Errorf("second ReadLine after Close = %v, want io.EOF", err)
	}
	term.Close() // a second Close is harmless
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	term, _ := newTerm(errReader{boom}, true)
	if _, err := term.ReadLine(context.Background(), "R1#", nil); !errors.Is(err, boom) {
		t.Errorf("ReadLine = %v, want an error wrapping %v", err, boom)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteError(t *testing.T) {
	boom := errors.New("boom")
	term := New(Config{In: strings.NewReader("abc\r"), Out: errWriter{boom}, Interactive: true})
	if _, err := term.ReadLine(context.Background(), "R1#", nil); !errors.Is(err, boom) {
		t.Errorf("ReadLine = %v, want an error wrapping %v", err, boom)
	}
	if _, err := term.Write([]byte("x")); !errors.Is(err, boom) {
		t.Errorf("Write = %v, want an error wrapping %v", err, boom)
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		interactive bool
		in, want    string
	}{
		{true, "a\nb\n", "a\r\nb\r\n"},
		{true, "a\r\nb\r\n", "a\r\nb\r\n"},
		{false, "a\nb\r\n", "a\nb\r\n"},
	}
	for _, tc := range tests {
		term, out := newTerm(nil, tc.interactive)
		n, err := term.Write([]byte(tc.in))
		if n != len(tc.in) || err != nil {
			t.Errorf("Write(%q) = %d, %v", tc.in, n, err)
		}
		if diff := cmp.Diff(tc.want, out.String()); diff != "" {
			t.Errorf("interactive=%v Write(%q) (-want +got):\n%s", tc.interactive, tc.in, diff)
		}
	}
	// A "\r\n" split across two writes is not doubled either.
	term, out := newTerm(nil, true)
	term.Write([]byte("a\r"))
	term.Write([]byte("\nb\n"))
	if diff := cmp.Diff("a\r\nb\r\n", out.String()); diff != "" {
		t.Errorf("split CR LF (-want +got):\n%s", diff)
	}
}

func TestConfigDefaults(t *testing.T) {
	term := New(Config{})
	if term.Width() != 80 || term.Length() != 24 || term.HistorySize() != 20 || term.maxLine != 4096 || term.Interactive() {
		t.Errorf("defaults: width %d, length %d, history %d, maxLine %d, interactive %v",
			term.Width(), term.Length(), term.HistorySize(), term.maxLine, term.Interactive())
	}
	term = New(Config{Length: -1, Width: 132, Interactive: true})
	if term.Length() != 0 || term.Width() != 132 || !term.Interactive() {
		t.Errorf("Length -1, Width 132: got length %d, width %d", term.Length(), term.Width())
	}
	term.SetLength(40)
	term.SetWidth(100)
	if term.Length() != 40 || term.Width() != 100 {
		t.Errorf("after SetLength(40), SetWidth(100): got %d, %d", term.Length(), term.Width())
	}
	term.SetLength(0)
	if term.Length() != 0 {
		t.Errorf("after SetLength(0): got %d", term.Length())
	}
}
