package term

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadLineLineMode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		nilHelp bool
		maxLine int
		want    []result
		wantOut string
	}{
		{
			name: "echo", in: "show version\nshow clock\n",
			want:    []result{{Line: "show version"}, {Line: "show clock"}},
			wantOut: "R1#show version\nR1#show clock\nR1#",
		},
		{
			name: "CR LF", in: "show\r\nend\r\n",
			want:    []result{{Line: "show"}, {Line: "end"}},
			wantOut: "R1#show\nR1#end\nR1#",
		},
		{
			name: "final line without newline", in: "a\nb",
			want:    []result{{Line: "a"}, {Line: "b"}},
			wantOut: "R1#a\nR1#b\nR1#",
		},
		{name: "empty input", in: "", wantOut: "R1#"},
		{
			name: "empty lines", in: "\n\r\n",
			want:    []result{{Line: ""}, {Line: ""}},
			wantOut: "R1#\nR1#\nR1#",
		},
		{
			name: "control characters", in: "a\x01b\tc\x7fd\x1b[Ae\rf\n",
			want:    []result{{Line: "ab cd[Aef"}},
			wantOut: "R1#ab cd[Aef\nR1#",
		},
		{
			name: "invalid utf8", in: "a\xffb\xc3(c\xc2\x85d \u00e9\n",
			want:    []result{{Line: "a\ufffdb\ufffd(cd é"}},
			wantOut: "R1#a\ufffdb\ufffd(cd é\nR1#",
		},
		{
			name: "help loop", in: "show ?\nshow version\n",
			want:    []result{{Line: "show version"}},
			wantOut: "R1#show ?\n  version  System hardware and software status\nR1#show version\nR1#",
		},
		{
			name: "help text after question mark dropped", in: "sh? junk\n?\n",
			wantOut: "R1#sh?\n  show\nR1#?\n  configure  Enter configuration mode\n  show       Show running system information\nR1#",
		},
		{
			name: "help without helper", in: "show ?\n", nilHelp: true,
			want:    []result{{Line: "show ?"}},
			wantOut: "R1#show ?\nR1#",
		},
		{
			name: "too long", in: "123456789\nok\n", maxLine: 8,
			want:    []result{{Err: ErrLineTooLong}, {Line: "ok"}},
			wantOut: "R1#12345678\nR1#ok\nR1#",
		},
		{
			name: "exactly MaxLine with CR", in: "12345678\r\n", maxLine: 8,
			want:    []result{{Line: "12345678"}},
			wantOut: "R1#12345678\nR1#",
		},
		{
			name: "too long without newline", in: "123456789", maxLine: 8,
			want:    []result{{Err: ErrLineTooLong}},
			wantOut: "R1#12345678\nR1#",
		},
		{
			name: "too long after U+FFFD expansion", in: "\xff\xff\n", maxLine: 4,
			want:    []result{{Err: ErrLineTooLong}},
			wantOut: "R1#\ufffd\nR1#",
		},
		{
			name: "too long line is not help", in: "12345?789\n", maxLine: 8,
			want:    []result{{Err: ErrLineTooLong}},
			wantOut: "R1#12345?78\nR1#",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			term := New(Config{In: strings.NewReader(tc.in), Out: out, MaxLine: tc.maxLine})
			defer term.Close()
			var h Helper = testHelper{}
			if tc.nilHelp {
				h = nil
			}
			got := readLines(t, term, h)
			if diff := cmp.Diff(tc.want, got, equateErrors); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLineModeHistory(t *testing.T) {
	term, _ := newTerm(strings.NewReader("show ?\nshow clock\n\nshow clock\nend\n"), false)
	readLines(t, term, testHelper{})
	if diff := cmp.Diff([]string{"show clock", "end"}, term.History()); diff != "" {
		t.Errorf("History() (-want +got):\n%s", diff)
	}
}

// lazyReader produces n bytes of 'a' without a newline, then tail, without
// ever holding more than one read's worth. It records the peak heap seen
// while the Terminal consumes it.
type lazyReader struct {
	n    int
	tail string

	mu       sync.Mutex
	produced int
	nextPeek int
	peakHeap uint64
}

func (r *lazyReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.produced >= r.nextPeek {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		r.peakHeap = max(r.peakHeap, ms.HeapAlloc)
		r.nextPeek += 8 << 20
	}
	if r.n > 0 {
		k := min(len(p), r.n)
		for i := range p[:k] {
			p[i] = 'a'
		}
		r.n -= k
		r.produced += k
		return k, nil
	}
	if r.tail != "" {
		k := copy(p, r.tail)
		r.tail = r.tail[k:]
		return k, nil
	}
	return 0, io.EOF
}

// TestHugeLine feeds a 100 MB line: it must be refused with ErrLineTooLong
// without buffering it, and the next line must still be read.
func TestHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB of input")
	}
	const size = 100 << 20
	r := &lazyReader{n: size, tail: "\r\nnext\n"}
	out := &syncBuffer{}
	term := New(Config{In: r, Out: out})
	defer term.Close()
	ctx := context.Background()
	if _, err := term.ReadLine(ctx, "R1#", nil); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("ReadLine = %v, want ErrLineTooLong", err)
	}
	if line, err := term.ReadLine(ctx, "R1#", nil); line != "next" || err != nil {
		t.Fatalf("ReadLine after the huge line = %q, %v; want \"next\", nil", line, err)
	}
	want := "R1#" + strings.Repeat("a", DefaultMaxLine) + "\nR1#next\n"
	if got := out.String(); got != want {
		t.Errorf("output is %d bytes starting %.40q, want %d bytes starting %.40q", len(got), got, len(want), want)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.peakHeap > 32<<20 {
		t.Errorf("heap reached %d MB while reading a %d MB line", r.peakHeap>>20, size>>20)
	}
	if cap(term.lbuf) > 2*DefaultMaxLine+2 {
		t.Errorf("line buffer capacity %d", cap(term.lbuf))
	}
}

// TestLineModePartialAfterTimeout checks that a line interrupted by the idle
// timeout is completed by the next ReadLine, not split in two.
func TestLineModePartialAfterTimeout(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	term, _ := newTerm(pr, false)
	defer term.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		pw.Write([]byte("sh"))
		pw.Write([]byte("ow"))
		cancel()
	}()
	if _, err := term.ReadLine(ctx, "R1#", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadLine = %v, want context.Canceled", err)
	}
	go pw.Write([]byte(" clock\n"))
	if line, err := term.ReadLine(context.Background(), "R1#", nil); line != "show clock" || err != nil {
		t.Errorf("ReadLine = %q, %v; want \"show clock\", nil", line, err)
	}
}
