package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cmeos/board"
	"cmeos/ios/config/configtest"
)

var update = flag.Bool("update", false, "rewrite the output sections of testdata/*.txt")

// A golden transcript is a file of sections:
//
//	# free text
//	=== input [interactive]
//	lines typed at the console (one boot of cmeos)
//	=== input
//	more lines (the next boot, on the same flash: and nvram:)
//	=== output
//	what the console printed, each boot preceded by "=== boot N"
//
// Line-mode input is fed as is. Interactive input is keystrokes: each line is
// read as the inside of a Go string literal ("\t", "\x1b[A", "\x03") and
// followed by a carriage return unless it ends in "\c". Interactive output is
// shown with "\r" removed and other control characters as ^X.
//
// Files named *.files.txt are not transcripts: see TestGolden.
type transcript struct {
	header string
	files  []seedFile
	boots  []boot
	output string
}

// seedFile is a file placed under the root before the first boot
// ("=== file nvram/startup-config"), e.g. a damaged startup-config.
type seedFile struct {
	path, content string
}

type boot struct {
	interactive bool
	input       string
}

func parseTranscript(b []byte) (transcript, error) {
	var t transcript
	var cur *strings.Builder
	var header strings.Builder
	inOutput := false
	var out strings.Builder
	var file *seedFile
	for _, line := range strings.SplitAfter(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "=== file "):
			t.files = append(t.files, seedFile{path: strings.TrimSpace(strings.TrimPrefix(line, "=== file "))})
			file = &t.files[len(t.files)-1]
			continue
		case strings.HasPrefix(line, "=== input"):
			file = nil
			t.boots = append(t.boots, boot{interactive: strings.Contains(line, "interactive")})
			cur = &strings.Builder{}
			inOutput = false
			continue
		case strings.HasPrefix(line, "=== output"):
			inOutput = true
			continue
		}
		switch {
		case file != nil:
			file.content += line
		case inOutput:
			out.WriteString(line)
		case len(t.boots) == 0:
			header.WriteString(line)
		default:
			cur.WriteString(line)
			t.boots[len(t.boots)-1].input = cur.String()
		}
	}
	if len(t.boots) == 0 {
		return t, fmt.Errorf("no === input section")
	}
	t.header, t.output = header.String(), out.String()
	return t, nil
}

func keystrokes(in string) (string, error) {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(in, "\n"), "\n") {
		cr := "\r"
		if strings.HasSuffix(line, `\c`) {
			line, cr = strings.TrimSuffix(line, `\c`), ""
		}
		s, err := strconv.Unquote(`"` + strings.ReplaceAll(line, `"`, `\"`) + `"`)
		if err != nil {
			return "", fmt.Errorf("input line %q: %w", line, err)
		}
		b.WriteString(s + cr)
	}
	return b.String(), nil
}

// visible renders terminal output for a transcript.
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString("^" + string(rune(r+'@')))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fixedClock is a clock stopped at a fixed instant, so that transcripts do
// not depend on when, or how often, the code reads the time.
func fixedClock() func() time.Time {
	t := time.Date(2026, time.November, 23, 9, 30, 0, 0, time.UTC)
	return func() time.Time { return t }
}

// runBoots runs cmeos once per boot on one root and returns the transcript output.
func runBoots(t *testing.T, root string, boots []boot) string {
	t.Helper()
	b, err := board.Lookup("host", board.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for i, bt := range boots {
		in := bt.input
		if bt.interactive {
			if in, err = keystrokes(bt.input); err != nil {
				t.Fatal(err)
			}
		}
		var out configtest.SyncBuffer
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		err := run(ctx, b, consoleIO{in: strings.NewReader(in), out: &out, interactive: bt.interactive, width: 80, length: 24, now: fixedClock()})
		cancel()
		if err != nil {
			t.Fatalf("boot %d: %v", i+1, err)
		}
		fmt.Fprintf(&all, "=== boot %d\n", i+1)
		text := out.String()
		if bt.interactive {
			text = visible(text)
		}
		all.WriteString(text)
		if !strings.HasSuffix(text, "\n") {
			all.WriteString("\n")
		}
	}
	return all.String()
}

// TestGolden runs every testdata/*.txt transcript through the real boot path
// (board, file systems, startup-config, console) and compares the output.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := parseTranscript(raw)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			root := t.TempDir()
			for _, f := range tr.files {
				p := filepath.Join(root, filepath.FromSlash(f.path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := runBoots(t, root, tr.boots)
			if *update {
				var b strings.Builder
				b.WriteString(tr.header)
				for _, f := range tr.files {
					b.WriteString("=== file " + f.path + "\n" + f.content)
				}
				for _, bt := range tr.boots {
					if bt.interactive {
						b.WriteString("=== input interactive\n")
					} else {
						b.WriteString("=== input\n")
					}
					b.WriteString(bt.input)
				}
				b.WriteString("=== output\n" + got)
				if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(tr.output, got); diff != "" {
				t.Errorf("%s: console output differs (-want +got):\n%s\nrun `go test ./cmd/cmeos -run TestGolden -update` if the change is intended", file, diff)
			}
		})
	}
}
