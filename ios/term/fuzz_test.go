package term

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzHelper completes by appending text, which may overflow MaxLine, and
// always has some help to print.
type fuzzHelper struct{}

func (fuzzHelper) Complete(before string) (string, bool) {
	if strings.HasSuffix(before, "x") {
		return "", false
	}
	return before + "word\x01\xff ", true
}

func (fuzzHelper) Help(before string) string { return "help for " + before + "\nsecond line" }

// FuzzReadLine feeds arbitrary bytes in both modes and checks that ReadLine
// never panics, returns valid UTF-8 lines of at most MaxLine bytes, and
// reaches io.EOF after a bounded number of calls.
func FuzzReadLine(f *testing.F) {
	for _, seed := range []string{
		"show version\r\n",
		"sh\t\x1b[D\x7f?\r",
		"\x1b[A\x1b[B\x10\x0e\x01\x05\x0b\x15\x17\x1bb\x1bf\x1bd\r",
		"a\x03b\x1a\r",
		"\xff\xc3(\xe2\x82\xac\xed\xa0\x80\r\n",
		"show ?\nconf t\n",
		strings.Repeat("z", 100) + "\n",
		"\x1b[1;5C\x1bO\x1b\x1b[3~\x16?\x16\r",
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	const maxLine = 32
	f.Fuzz(func(t *testing.T, data []byte, interactive bool) {
		var out bytes.Buffer
		term := New(Config{In: bytes.NewReader(data), Out: &out, Interactive: interactive, MaxLine: maxLine, HistorySize: 3})
		defer term.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Every call that does not return io.EOF consumes at least one byte.
		for calls := 0; ; calls++ {
			if calls > len(data)+1 {
				t.Fatalf("ReadLine called %d times on %d bytes without io.EOF", calls, len(data))
			}
			line, err := term.ReadLine(ctx, "R1#", fuzzHelper{})
			if err == io.EOF {
				break
			}
			if err != nil && !errors.Is(err, ErrInterrupt) && !errors.Is(err, ErrCtrlZ) && !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("ReadLine: unexpected error %v", err)
			}
			if len(line) > maxLine {
				t.Fatalf("ReadLine returned %d bytes, more than MaxLine %d: %q", len(line), maxLine, line)
			}
			if !utf8.ValidString(line) {
				t.Fatalf("ReadLine returned invalid UTF-8: %q", line)
			}
			if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Fatalf("ReadLine returned control characters: %q", line)
			}
		}
		if h := term.History(); len(h) > 3 {
			t.Fatalf("history holds %d lines, more than HistorySize 3", len(h))
		}
		// The Pager must cope with whatever the input holds as keys.
		term2 := New(Config{In: bytes.NewReader(data), Out: io.Discard, Interactive: interactive, Length: 3, Width: 8})
		defer term2.Close()
		p := term2.Pager()
		for range 3 {
			p.Write(data)
		}
	})
}
