package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"cmeos/crypto/ctl"
	"cmeos/crypto/pki"
	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

// readmeBlock returns the code block after "<!-- name -->" in README.md
// (a fenced block, or a table up to the first blank line).
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<!-- "+name+" -->\n")
	if i < 0 {
		t.Fatalf("README.md has no <!-- %s --> block", name)
	}
	s = s[i+len("<!-- "+name+" -->\n"):]
	if strings.HasPrefix(s, "```") {
		s = s[strings.Index(s, "\n")+1:]
		return s[:strings.Index(s, "```")]
	}
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j+1]
	}
	return s
}

var promptRE = regexp.MustCompile(`^[A-Za-z0-9-]+(\([a-z0-9-]+\))?[>#]`)

// TestREADMEFirstSession: README's first session is what the console
// prints for its input lines (issue 16 item 9).
func TestREADMEFirstSession(t *testing.T) {
	want := readmeBlock(t, "first-session")
	var in strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if m := promptRE.FindString(l); m != "" {
			in.WriteString(l[len(m):] + "\n")
		}
	}
	got := runBoots(t, t.TempDir(), []boot{{input: in.String()}})
	got = strings.TrimPrefix(got, "=== boot 1\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README first session differs from a real run (-README +real):\n%s", diff)
	}
}

// TestREADMEFlags: README's flags table names the flags `cmeos --help`
// prints, no more and no fewer.
func TestREADMEFlags(t *testing.T) {
	var table []string
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)").FindAllStringSubmatch(readmeBlock(t, "flags"), -1) {
		table = append(table, m[1])
	}
	out, _ := exec.Command(buildBinary(t), "--help").CombinedOutput()
	var help []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(string(out), -1) {
		help = append(help, m[1])
	}
	if len(help) == 0 {
		t.Fatalf("--help printed no flags:\n%s", out)
	}
	sort.Strings(help)
	sort.Strings(table)
	if diff := cmp.Diff(help, table); diff != "" {
		t.Errorf("README flags table vs --help (-help +README):\n%s", diff)
	}
}

// TestREADMECommands: every line of README's command excerpt is printed
// by `cmeos commands` (the list README points to).
func TestREADMECommands(t *testing.T) {
	var out bytes.Buffer
	if err := commandsCommand(&out); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(out.String(), "\n") {
		have[l] = true
	}
	for _, l := range strings.Split(readmeBlock(t, "commands"), "\n") {
		if l != "" && !have[l] {
			t.Errorf("README command line %q is not in `cmeos commands`", l)
		}
	}
	if !strings.Contains(out.String(), "(no effect yet)") || !strings.Contains(out.String(), "[user EXEC]") {
		t.Error("cmeos commands marks neither inert nor user EXEC commands")
	}
}

// feeder answers a session's questions with the next lines of a script,
// as the console does with piped input.
type feeder struct{ lines []string }

func (f *feeder) next() (string, error) {
	if len(f.lines) == 0 {
		return "", cli.ErrNoInput
	}
	l := f.lines[0]
	f.lines = f.lines[1:]
	return l, nil
}
func (f *feeder) Ask(string) (string, error)       { return f.next() }
func (f *feeder) AskSecret(string) (string, error) { return f.next() }
func (f *feeder) Confirm(string) (bool, error) {
	l, err := f.next()
	return l == "" || strings.HasPrefix("yes", strings.ToLower(l)), err
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestREADMESeed004Example runs README's worked example on a fresh box,
// as piped input (questions take the next lines), with the HTTP and TFTP
// ports moved to free ones: no line is refused, and a phone's signed cnf
// file and the CTL come over TFTP (curl) and verify with the CME
// trustpoint's certificate.
func TestREADMESeed004Example(t *testing.T) {
	script := readmeBlock(t, "seed004-example")
	port := strconv.Itoa(freePort(t))
	script = strings.ReplaceAll(script, "8080", port)
	script = strings.ReplaceAll(script, "tftp-server port 6969", "tftp-server port 0")
	sys := config.New(config.Options{FS: configtest.NewStore(t)})
	t.Cleanup(func() { sys.Close() })
	sys.Boot(&bytes.Buffer{})
	var out bytes.Buffer
	in := &feeder{lines: strings.Split(strings.TrimSuffix(script, "\n"), "\n")}
	s := sys.NewSession("console", cli.PrivUser, &out, in)
	for {
		l, err := in.next()
		if err != nil {
			break
		}
		s.Execute(l)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "% Invalid") || strings.HasPrefix(l, "% Incomplete") || strings.HasPrefix(l, "% Ambiguous") ||
			strings.HasPrefix(l, "%Error") || strings.Contains(l, "not found") || strings.Contains(l, "FAIL") {
			t.Errorf("the example printed %q:\n%s", l, out.String())
		}
	}
	for _, want := range []string{"% Certificate Server enabled.", "%CTL_CLIENT-5-GENERATED", "tftp-server system:/its/SEP00124302A7CC.cnf.xml.sgn"} {
		if !strings.Contains(out.String()+sys.Log.Show(), want) {
			t.Errorf("the example's output lacks %q:\n%.3000s", want, out.String())
		}
	}
	addr := tftpd.FromSystem(sys).Addr()
	if addr == nil {
		t.Fatal("TFTP server not running")
	}
	sys.Lock()
	cert := pki.FromSystem(sys).Certificate("cmeserver")
	sys.Unlock()
	dir := t.TempDir()
	for _, name := range []string{"SEP00124302A7CC.cnf.xml.sgn", "CTLFile.tlv"} {
		if o, err := exec.Command("curl", "-s", "-S", "-o", filepath.Join(dir, name), "tftp://"+addr.String()+"/"+name).CombinedOutput(); err != nil {
			t.Fatalf("curl %s: %v\n%s", name, err, o)
		}
	}
	if _, content, err := ctl.VerifySigned(readFile(t, filepath.Join(dir, "SEP00124302A7CC.cnf.xml.sgn")), cert); err != nil ||
		!strings.Contains(string(content), "<deviceSecurityMode>2</deviceSecurityMode>") {
		t.Errorf("signed cnf over TFTP: %v", err)
	}
	if _, err := ctl.Verify(readFile(t, filepath.Join(dir, "CTLFile.tlv")), cert); err != nil {
		t.Errorf("CTL over TFTP: %v", err)
	}
}
