package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testTree builds a small tree resembling the real one.
func testTree(log *[]string) *Tree {
	t := NewTree()
	rec := func(c *Context) error {
		s := c.Canonical()
		for _, n := range []string{"WORD", "zone", "hours", "minutes", "mac", "LINE", "dest"} {
			if v := c.String(n); v != "" {
				s += " {" + n + "=" + v + "}"
			}
		}
		if c.Negate {
			s += " [neg]"
		}
		if c.Default {
			s += " [default]"
		}
		*log = append(*log, s)
		return nil
	}
	h := map[string]string{"show": "Show running system information", "running-config": "Current operating configuration",
		"version": "System hardware and software status", "WORD": "This system's network name"}
	t.Add(ModeExec, Command{Syntax: "show running-config", Pipe: true, Help: h, Run: func(c *Context) error {
		c.Printf("hostname R1\n!\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n!\nline con 0\n speed 9600\nend\n")
		return nil
	}})
	t.Add(ModeExec, Command{Syntax: "show version", Help: h, Priv: PrivUser, Run: rec})
	t.Add(ModeExec, Command{Syntax: "show sessions", Help: h, Priv: PrivUser, Run: rec})
	t.Add(ModeExec, Command{Syntax: "show ssh", Help: h, Priv: PrivUser, Run: rec})
	t.Add(ModeExec, Command{Syntax: "configure terminal", Run: func(c *Context) error { c.Enter(ModeConfig, nil); return nil }})
	t.Add(ModeConfig, Command{Syntax: "hostname WORD", No: true, Help: h, Run: rec})
	t.Add(ModeConfig, Command{Syntax: "clock timezone zone:WORD hours:<-23-23> [ minutes:<0-59> ]", Run: rec})
	t.Add(ModeConfig, Command{Syntax: "banner motd LINE", Run: rec})
	t.AddMode("config-ephone", "(config-ephone)#", ModeConfig)
	t.Add(ModeConfig, Command{Syntax: "ephone <1-100>", Run: func(c *Context) error { c.Enter("config-ephone", c.Int("<1-100>", 0)); return rec(c) }})
	t.Add("config-ephone", Command{Syntax: "mac-address mac:H.H.H", No: true, Run: rec})
	t.Add("config-ephone", Command{Syntax: "type { 7960 | 7970 | 7975 }", Run: rec})
	t.Add(ModeConfig, Command{Syntax: "ip route dest:A.B.C.D A.B.C.D A.B.C.D", Run: rec})
	return t
}

func TestExecute(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		out   string
		log   []string
	}{
		{name: "abbreviation", lines: []string{"sh ver", "conf t", "hostn R1", "clo time IST 5 30"},
			log: []string{"show version", "hostname R1 {WORD=R1}", "clock timezone IST 5 30 {zone=IST} {hours=5} {minutes=30}"}},
		{name: "case insensitive keywords", lines: []string{"SH VER"}, log: []string{"show version"}},
		{name: "ambiguous", lines: []string{"sh s"}, out: "% Ambiguous command:  \"sh s\"\n"},
		{name: "unknown in exec", lines: []string{"frobnicate"}, out: "% Unknown command or computer name, or unable to find computer address\n"},
		{name: "invalid keyword caret at furthest character", lines: []string{"show verzion"},
			out: "R#show verzion\n          ^\n% Invalid input detected at '^' marker.\n\n"},
		{name: "incomplete", lines: []string{"show"}, out: "% Incomplete command.\n\n"},
		{name: "range", lines: []string{"conf t", "clock timezone X 24"},
			out: "R(config)#clock timezone X 24\n                           ^\n% Invalid input detected at '^' marker.\n\n"},
		{name: "invalid in config", lines: []string{"conf t", "hostname"}, out: "% Incomplete command.\n\n"},
		{name: "no form with optional args", lines: []string{"conf t", "no hostname", "no hostname R1", "default hostname"},
			log: []string{"no hostname [neg]", "no hostname R1 {WORD=R1} [neg]", "default hostname [neg] [default]"}},
		{name: "LINE keeps spacing", lines: []string{"conf t", "banner motd #Hello   world#"},
			log: []string{"banner motd #Hello   world# {LINE=#Hello   world#}"}},
		{name: "sub-mode and fall through", lines: []string{"conf t", "ephone 5", "mac 0012.4302.a7cc", "type 7970", "hostname R2", "mac 1.2.3"},
			log: []string{"ephone 5", "mac-address 0012.4302.A7CC {mac=0012.4302.A7CC}", "type 7970", "hostname R2 {WORD=R2}"},
			out: "R(config)#mac 1.2.3\n          ^\n% Invalid input detected at '^' marker.\n\n"},
		{name: "exact keyword beats prefix", lines: []string{"conf t", "ephone 1", "type 7970"}, log: []string{"ephone 1", "type 7970"}},
		{name: "ip arguments", lines: []string{"conf t", "ip route 0.0.0.0 0.0.0.0 10.1.1.1", "ip route 1.2.3.4 1.2.3 1.1.1.1"},
			log: []string{"ip route 0.0.0.0 0.0.0.0 10.1.1.1 {dest=0.0.0.0}"},
			out: "R(config)#ip route 1.2.3.4 1.2.3 1.1.1.1\n                           ^\n% Invalid input detected at '^' marker.\n\n"},
		{name: "do", lines: []string{"conf t", "do sh ver", "do frob"}, log: []string{"show version"},
			out: "R(config)#do frob\n             ^\n% Invalid input detected at '^' marker.\n\n"},
		{name: "comment lines", lines: []string{"conf t", "! comment", "   ", "hostname X"}, log: []string{"hostname X {WORD=X}"}},
		{name: "filters", lines: []string{"sh run | i ip|line", "sh run | ex address|!", "sh run | b line", "sh run | sec interface", "sh run | count !", "sh run | co"},
			out: " ip address 10.0.0.1 255.255.255.0\nline con 0\n" +
				"hostname R1\ninterface Gi0/0\nline con 0\n speed 9600\nend\n" +
				"line con 0\n speed 9600\nend\n" +
				"interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n" +
				"Number of lines which match regexp = 2\n" +
				"Number of lines which match regexp = 8\n"},
		{name: "filter errors", lines: []string{"sh run |", "sh run | x y", "sh ver | i x"},
			out: "% Incomplete command.\n\n" +
				"R#sh run | x y\n           ^\n% Invalid input detected at '^' marker.\n\n" +
				"R#sh ver | i x\n         ^\n% Invalid input detected at '^' marker.\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			tr := testTree(&log)
			var out bytes.Buffer
			s := tr.NewSession(PrivMax, &out)
			s.Hostname = func() string { return "R" }
			for _, l := range tt.lines {
				s.PromptLen = len(s.Prompt())
				before := out.Len()
				prompt := s.Prompt()
				s.Execute(l)
				// Show a line with a caret error the way a console echo would.
				if tail := out.String()[before:]; strings.Contains(tail, "^\n") {
					out.Truncate(before)
					out.WriteString(prompt + l + "\n" + tail)
				}
			}
			if diff := cmp.Diff(tt.out, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.log, log); diff != "" {
				t.Errorf("commands run (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrivilege(t *testing.T) {
	var log []string
	tr := testTree(&log)
	var out bytes.Buffer
	s := tr.NewSession(PrivUser, &out)
	if s.Prompt() != "Router>" {
		t.Fatalf("prompt %q", s.Prompt())
	}
	s.Execute("show running-config")
	s.Execute("configure terminal")
	if s.InConfig() {
		t.Fatal("user EXEC entered config mode")
	}
	if !s.Execute("show version") || len(log) != 1 {
		t.Fatalf("user command did not run: %v", log)
	}
	if got := s.Help("show "); strings.Contains(got, "running-config") {
		t.Errorf("help offers a privileged command at level 1:\n%s", got)
	}
}

func TestHelp(t *testing.T) {
	var log []string
	tr := testTree(&log)
	s := tr.NewSession(PrivMax, &bytes.Buffer{})
	s.Hostname = func() string { return "R" }
	check := func(before, want string) {
		t.Helper()
		s.PromptLen = len(s.Prompt())
		if diff := cmp.Diff(want, s.Help(before)); diff != "" {
			t.Errorf("Help(%q) (-want +got):\n%s", before, diff)
		}
	}
	check("show ", "  running-config  Current operating configuration\n  sessions\n  ssh\n  version         System hardware and software status\n\n")
	check("sh", "show  \n\n")
	check("show ver", "version  \n\n")
	check("show version ", "  <cr>\n\n")
	check("shx ", "% Unrecognized command\n")
	check("show x ", "       ^\n% Invalid input detected at '^' marker.\n\n")
	check("sh run | ", "  begin    Begin with the line that matches\n  count    Count number of lines which match regular expression\n  exclude  Exclude lines that match\n  include  Include lines that match\n  section  Filter a section of output\n\n")
	check("sh run | inc ", "  LINE  Regular Expression\n\n")
	s.Execute("configure terminal")
	check("clock timezone X ", "  <-23-23>\n\n")
	check("hostname ", "  WORD  This system's network name\n\n")
	check("no hostname ", "  WORD  This system's network name\n  <cr>\n\n")
}

func TestComplete(t *testing.T) {
	var log []string
	tr := testTree(&log)
	s := tr.NewSession(PrivMax, &bytes.Buffer{})
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"sh", "show ", true},
		{"sh ru", "sh running-config ", true},
		{"sh s", "", false},
		{"sh se", "sh sessions ", true},
		{"show version", "show version ", true},
		{"frob", "", false},
		{"sh ", "", false},
	} {
		got, ok := s.Complete(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Complete(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseMAC(t *testing.T) {
	for in, want := range map[string]string{
		"0012.4302.a7cc": "0012.4302.A7CC", "00:12:43:02:A7:CC": "0012.4302.A7CC", "00-12-43-02-a7-cc": "0012.4302.A7CC",
		"00C.CE3A.817C": "000C.CE3A.817C", "1.2.3": "0001.0002.0003",
		"0012.4302": "", "0012.4302.A7CG": "", "00:12:43:02:A7": "", "": "",
	} {
		got, ok := ParseMAC(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseMAC(%q) = %q, %v", in, got, ok)
		}
	}
}

func TestBadSyntaxPanics(t *testing.T) {
	for _, syn := range []string{"", "[ a", "a { b | }", "LINE x", "a <5-1>", "a name:FOO", "Bad"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("syntax %q accepted", syn)
				}
			}()
			NewTree().Add(ModeConfig, Command{Syntax: syn, Run: func(*Context) error { return nil }})
		}()
	}
}

// FuzzExecute checks that no input line crashes the engine or leaves it in a
// mode it cannot name.
func FuzzExecute(f *testing.F) {
	for _, s := range []string{"sh run | i x", "conf t", "ephone 1", "mac 1.2.3", "no hostname", "do sh ver", "\"quoted", "banner motd #x#", "| | |", "clock timezone A -5 0", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var log []string
		tr := testTree(&log)
		var out bytes.Buffer
		s := tr.NewSession(PrivMax, &out)
		s.Execute("configure terminal")
		s.Execute(line)
		s.Help(line)
		s.Complete(line)
		if s.Mode() == nil || s.Prompt() == "" {
			t.Fatal("session lost its mode")
		}
	})
}
