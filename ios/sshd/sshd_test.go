package sshd_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	_ "cmeos/crypto/keys"
	_ "cmeos/ios/aaa"
	_ "cmeos/ios/acl"
	"cmeos/ios/config"
	"cmeos/ios/config/configtest"
	_ "cmeos/ios/exec"
	_ "cmeos/ios/line"
	"cmeos/ios/sshd"
	_ "cmeos/ios/system"
)

// base configures a box whose SSH server listens on 127.0.0.1 at a free port.
const base = `hostname R1
ip domain-name example.com
username admin privilege 15 secret Adm1nPass
username oper password 0 Oper4pass
ip ssh port 0
ip ssh address 127.0.0.1
line vty 0 4
 login local
`

// newSystem boots a System from config text, generates its RSA key with the
// console command, and returns it with the SSH address.
func newSystem(t *testing.T, cfg string) (*config.System, string) {
	t.Helper()
	sys := configtest.NewSystem(t, nil, nil, cfg+"crypto key generate rsa modulus 1024\n")
	a := sshd.FromSystem(sys).Addr()
	if a == nil {
		t.Fatal("SSH server not running after key generation")
	}
	return sys, a.String()
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: scripts/deps installs it", name)
	}
}

// openssh runs the OpenSSH client against addr with extra options and a
// remote command, and returns its output.
func openssh(t *testing.T, addr, user, password string, opts []string, command string) (string, error) {
	t.Helper()
	needTool(t, "ssh")
	host, port, _ := net.SplitHostPort(addr)
	args := []string{"-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-o", "NumberOfPasswordPrompts=1"}
	args = append(args, opts...)
	name := "ssh"
	if password != "" {
		needTool(t, "sshpass")
		args = append([]string{"-p", password, "ssh", "-o", "PubkeyAuthentication=no",
			"-o", "PreferredAuthentications=password,keyboard-interactive"}, args...)
		name = "sshpass"
	} else {
		args = append(args, "-o", "BatchMode=yes")
	}
	args = append(args, user+"@"+host)
	if command != "" {
		args = append(args, command)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

func TestPasswordLoginExec(t *testing.T) {
	sys, addr := newSystem(t, base)
	out, err := openssh(t, addr, "admin", "Adm1nPass", nil, "show running-config | include hostname|username")
	if err != nil {
		t.Fatalf("ssh: %v\n%s", err, out)
	}
	if !strings.Contains(out, "hostname R1") || !strings.Contains(out, "username admin privilege 15 secret 9 $9$") {
		t.Errorf("show running-config over SSH:\n%s", out)
	}
	if strings.Contains(out, "Adm1nPass") {
		t.Errorf("the secret's plain text appears in the output:\n%s", out)
	}
	// A level-1 user gets the user EXEC prompt's commands only.
	out, err = openssh(t, addr, "oper", "Oper4pass", nil, "show privilege")
	if err != nil || !strings.Contains(out, "Current privilege level is 1") {
		t.Errorf("oper: %v\n%s", err, out)
	}
	// Wrong password: refused, and the failure is logged without the password.
	if out, err := openssh(t, addr, "admin", "wrong-Pass1", nil, "show users"); err == nil {
		t.Errorf("wrong password accepted:\n%s", out)
	}
	logs := strings.Join(sys.Log.Entries(), "\n")
	if !strings.Contains(logs, "%SEC_LOGIN-5-LOGIN_FAILED: Login failed [user: admin]") {
		t.Errorf("no login failure logged:\n%s", logs)
	}
	for _, secret := range []string{"Adm1nPass", "Oper4pass", "wrong-Pass1"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a password:\n%s", logs)
		}
	}
}

func TestPublicKeyLogin(t *testing.T) {
	needTool(t, "ssh-keygen")
	dir := t.TempDir()
	key := filepath.Join(dir, "id_rsa")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(pub))
	// key-string takes the base64 blob split over lines, as pasted on IOS.
	blob := fields[1]
	var chunks []string
	for len(blob) > 72 {
		chunks = append(chunks, blob[:72])
		blob = blob[72:]
	}
	chunks = append(chunks, blob)
	cfg := base + "ip ssh pubkey-chain\n username admin\n  key-string\n   " + strings.Join(chunks, "\n   ") + "\n   exit\n"
	sys, addr := newSystem(t, cfg)
	out, err := openssh(t, addr, "admin", "", []string{"-i", key, "-o", "IdentitiesOnly=yes"}, "show privilege")
	if err != nil || !strings.Contains(out, "Current privilege level is 15") {
		t.Fatalf("key login: %v\n%s", err, out)
	}
	// The key shows as its hash, as IOS renders it, and survives a reload.
	sys.Lock()
	rendered := sys.RenderFeatures()
	sys.Unlock()
	if !strings.Contains(rendered, "ip ssh pubkey-chain\n  username admin\n   key-hash ssh-rsa ") {
		t.Errorf("pubkey-chain rendering:\n%s", rendered)
	}
	// Another key is refused.
	other := filepath.Join(dir, "other")
	exec.Command("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", other).Run()
	if out, err := openssh(t, addr, "admin", "", []string{"-i", other, "-o", "IdentitiesOnly=yes"}, "show privilege"); err == nil {
		t.Errorf("unknown key accepted:\n%s", out)
	}
}

func TestInteractiveShell(t *testing.T) {
	_, addr := newSystem(t, base)
	needTool(t, "sshpass")
	host, port, _ := net.SplitHostPort(addr)
	// -tt forces a pty: the session gets line editing and '?' help. The
	// keystrokes arrive in one burst; the console reads them as typed.
	keys := "show ?\x15configure terminal\rhostname VTY\r\x1ashow run | i hostname\rexit\r"
	cmd := exec.CommandContext(t.Context(), "sshpass", "-p", "Adm1nPass", "ssh", "-tt", "-p", port,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "PubkeyAuthentication=no", "admin@"+host)
	cmd.Stdin = &slowReader{data: []byte(keys)}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ssh -tt: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"R1#show ?\r\n", "  running-config  Current operating configuration\r\n",
		"R1(config)#hostname VTY\r\n", "VTY(config)#^Z\r\n", "hostname VTY\r\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("interactive session lacks %q:\n%q", want, s)
		}
	}
}

// slowReader hands out its data after a short pause, so ssh has opened the
// session before the keystrokes arrive.
type slowReader struct {
	data    []byte
	started bool
}

func (r *slowReader) Read(p []byte) (int, error) {
	if !r.started {
		time.Sleep(500 * time.Millisecond)
		r.started = true
	}
	if len(r.data) == 0 {
		time.Sleep(2 * time.Second) // let the output arrive before EOF closes stdin
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestAccessClass(t *testing.T) {
	cfg := base + "access-list 10 deny host 127.0.0.1\naccess-list 10 permit any\nline vty 0 4\n access-class 10 in\n"
	sys, addr := newSystem(t, cfg)
	if out, err := openssh(t, addr, "admin", "Adm1nPass", nil, "show users"); err == nil {
		t.Fatalf("access-class did not refuse 127.0.0.1:\n%s", out)
	}
	if logs := strings.Join(sys.Log.Entries(), "\n"); !strings.Contains(logs, "refused by access-class 10") {
		t.Errorf("refusal not logged:\n%s", logs)
	}
}

// goClient logs in with x/crypto/ssh (for the tests that need many connections).
func goClient(addr, user, pass string) (*ssh.Client, error) {
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.Password(pass)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
}

func TestSessionsBoundedByVTYLines(t *testing.T) {
	_, addr := newSystem(t, base)
	var clients []*ssh.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range 5 {
		c, err := goClient(addr, "admin", "Adm1nPass")
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		clients = append(clients, c)
	}
	if c, err := goClient(addr, "admin", "Adm1nPass"); err == nil {
		c.Close()
		t.Fatal("a sixth session was accepted with only vty 0 4")
	}
	// Freeing a line lets the next one in.
	clients[0].Close()
	clients = clients[1:]
	var err error
	for range 50 {
		var c *ssh.Client
		if c, err = goClient(addr, "admin", "Adm1nPass"); err == nil {
			clients = append(clients, c)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("line not freed after a session closed: %v", err)
	}
}

func TestStalledHandshakeIsDropped(t *testing.T) {
	_, addr := newSystem(t, base+"ip ssh time-out 1\n")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	buf := make([]byte, 256)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("server kept a stalled handshake open past its time-out")
			}
			return // closed by the server
		}
	}
}

func TestLoginBlockFor(t *testing.T) {
	_, addr := newSystem(t, base+"login block-for 60 attempts 2 within 60\n")
	for range 2 {
		if c, err := goClient(addr, "admin", "bad"); err == nil {
			c.Close()
			t.Fatal("bad password accepted")
		}
	}
	if c, err := goClient(addr, "admin", "Adm1nPass"); err == nil {
		c.Close()
		t.Fatal("login accepted in quiet mode")
	}
}

func TestZeroizeStopsServer(t *testing.T) {
	sys, _ := newSystem(t, base)
	var out bytes.Buffer
	sess := sys.NewSession("test", 15, &out, yes{})
	sess.Execute("configure terminal")
	sess.Execute("crypto key zeroize rsa")
	if a := sshd.FromSystem(sys).Addr(); a != nil {
		t.Fatalf("SSH still listening on %v after zeroize:\n%s", a, out.String())
	}
	if logs := strings.Join(sys.Log.Entries(), "\n"); !strings.Contains(logs, "%SSH-5-DISABLED: SSH 2.0 has been disabled") {
		t.Errorf("disable not logged:\n%s", logs)
	}
}

// yes answers every question with "yes".
type yes struct{}

func (yes) Ask(string) (string, error)       { return "yes", nil }
func (yes) AskSecret(string) (string, error) { return "", io.EOF }
func (yes) Confirm(string) (bool, error)     { return true, nil }

// console runs EXEC lines on a session of the System (as the serial console
// would) and returns what they print.
func console(sys *config.System, lines ...string) string {
	var out bytes.Buffer
	s := sys.NewSession("console", 15, &out, yes{})
	for _, l := range lines {
		s.Execute(l)
	}
	return out.String()
}

func TestShowAndClearLine(t *testing.T) {
	sys, addr := newSystem(t, base)
	c, err := goClient(addr, "admin", "Adm1nPass")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := sess.StdinPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out := console(sys, "show ssh", "show users")
	for _, want := range []string{"0          2.0     IN ", "Session started       admin", "%No SSHv1 server connections running.", "vty 0     admin"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	out = console(sys, "clear line vty 0")
	if !strings.Contains(out, "[OK]") {
		t.Errorf("clear line: %s", out)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("clear line did not end the SSH session")
	}
}

// TestConcurrentConfiguration has several SSH sessions configure at once;
// every change lands and running-config stays whole (run with -race).
func TestConcurrentConfiguration(t *testing.T) {
	sys, addr := newSystem(t, base)
	const n = 4
	errs := make(chan error, n)
	for i := range n {
		go func() {
			c, err := goClient(addr, "admin", "Adm1nPass")
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			var cmds []string
			for j := range 10 {
				cmds = append(cmds, fmt.Sprintf("configure terminal;username u%d-%d password 0 Pw%d;end", i, j, j))
			}
			s, err := c.NewSession()
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			_, err = s.CombinedOutput(strings.Join(cmds, ";") + ";show running-config")
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sys.Lock()
	rendered := sys.RenderFeatures()
	sys.Unlock()
	for i := range n {
		for j := range 10 {
			if !strings.Contains(rendered, fmt.Sprintf("username u%d-%d password 0 Pw%d\n", i, j, j)) {
				t.Errorf("user u%d-%d missing", i, j)
			}
		}
	}
}

func TestPortChangeRestarts(t *testing.T) {
	sys, addr := newSystem(t, base)
	var out bytes.Buffer
	s := sys.NewSession("console", 15, &out, yes{})
	s.Execute("configure terminal")
	s.Execute("ip ssh port 0")
	// Same port number 0 means "keep": force a real change by binding a
	// specific free port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s.Execute(fmt.Sprintf("ip ssh port %d", port))
	now := sshd.FromSystem(sys).Addr()
	if now == nil || now.String() == addr || !strings.HasSuffix(now.String(), fmt.Sprintf(":%d", port)) {
		t.Fatalf("after ip ssh port %d the server is at %v (was %s)\n%s", port, now, addr, out.String())
	}
	if c, err := goClient(now.String(), "admin", "Adm1nPass"); err != nil {
		t.Fatalf("login on the new port: %v", err)
	} else {
		c.Close()
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the old port still accepts connections")
	}
}

// TestTerminalMonitor: a vty that asked for `terminal monitor` receives log
// messages, one that did not, does not.
func TestTerminalMonitor(t *testing.T) {
	sys, addr := newSystem(t, base)
	open := func(monitor bool) (*syncBuf, func()) {
		c, err := goClient(addr, "admin", "Adm1nPass")
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out := &syncBuf{}
		s.Stdout = out
		in, _ := s.StdinPipe()
		if err := s.Shell(); err != nil {
			t.Fatal(err)
		}
		if monitor {
			io.WriteString(in, "terminal monitor\n")
		}
		io.WriteString(in, "show privilege\n")
		for range 500 {
			if strings.Contains(out.String(), "Current privilege level") {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return out, func() { in.Close(); s.Close(); c.Close() }
	}
	mon, close1 := open(true)
	defer close1()
	quiet, close2 := open(false)
	defer close2()
	console(sys, "configure terminal", "end")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(mon.String(), "%SYS-5-CONFIG_I: Configured from console by console") {
		if time.Now().After(deadline) {
			t.Fatalf("monitoring vty did not get the log message:\n%s", mon.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(quiet.String(), "%SYS-5-CONFIG_I") {
		t.Errorf("vty without terminal monitor got the log message:\n%s", quiet.String())
	}
}

// syncBuf is a bytes.Buffer safe for the SSH session's writer goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
