package vmtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"cmeos/rootfs/vm"
)

// Generous bounds for software emulation on a loaded 2-core CI machine;
// a boot normally reaches the prompt in a few seconds.
const (
	bootTimeout = 90 * time.Second
	cmdTimeout  = 30 * time.Second
)

type image struct {
	once   sync.Once
	dir    string
	kernel string
	initrd string
	binary string
	err    error
}

var (
	imagesMu sync.Mutex
	images   = map[string]*image{}
	workDir  string
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "cmeos-vmtest")
	if err != nil {
		panic(err)
	}
	workDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// build cross-compiles cmeos and builds the initramfs for an arch (once).
func build(t *testing.T, a vm.Arch) *image {
	t.Helper()
	imagesMu.Lock()
	im := images[a.Name]
	if im == nil {
		im = &image{}
		images[a.Name] = im
	}
	imagesMu.Unlock()
	im.once.Do(func() {
		im.dir = filepath.Join(workDir, a.Name)
		if im.err = os.MkdirAll(im.dir, 0o755); im.err != nil {
			return
		}
		if im.kernel, _, im.err = vm.Kernel(a); im.err != nil {
			return
		}
		im.binary = filepath.Join(im.dir, "cmeos")
		if im.err = vm.BuildBinary(a, "../..", im.binary, "vmtest"); im.err != nil {
			return
		}
		im.initrd = filepath.Join(im.dir, "initramfs.cpio.gz")
		im.err = vm.BuildInitramfs(a, im.binary, im.initrd)
	})
	if im.err != nil {
		t.Fatal(im.err)
	}
	return im
}

func requireTools(t *testing.T, a vm.Arch) {
	t.Helper()
	for _, tool := range []string{a.QEMU, "mkfs.ext4"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (scripts/deps installs it): %v", tool, err)
		}
	}
}

// machine is one running QEMU with its serial console on pipes.
type machine struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdin   interface{ Write([]byte) (int, error) }
	mu      sync.Mutex
	out     bytes.Buffer
	mark    int // expect searches from here
	changed chan struct{}
	exited  chan struct{}
	start   time.Time
}

func (m *machine) Write(p []byte) (int, error) {
	m.mu.Lock()
	m.out.Write(p)
	m.mu.Unlock()
	select {
	case m.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func boot(t *testing.T, a vm.Arch, im *image, disk string) *machine {
	t.Helper()
	// The console is cmeos's stdio (/dev/console, which the kernel command
	// line puts on ttyAMA0 at 115200) rather than the board's /dev/ttyAMA0
	// through drivers/serial: that driver currently takes the io.EOF that
	// os.File.Read returns at each 200 ms read timeout for a hang-up,
	// reopens the port and drops output written meanwhile (reported; switch
	// back to the board console once fixed).
	mc := vm.Machine{Arch: a, Kernel: im.kernel, Initrd: im.initrd, Disk: disk, NoReboot: true, Quiet: true, NIC: true,
		InitArgs: []string{"--console=stdio"}}
	args := mc.Args()
	m := &machine{t: t, changed: make(chan struct{}, 1), exited: make(chan struct{})}
	m.cmd = exec.Command(args[0], args[1:]...)
	m.cmd.Stdout, m.cmd.Stderr = m, m
	w, err := m.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	m.stdin = w
	m.start = time.Now()
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(func() {
		m.cmd.Process.Kill()
		<-m.exited
		if t.Failed() {
			t.Logf("console of %s:\n%s", a.Name, m.text())
		}
	})
	return m
}

func (m *machine) text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.out.String()
}

// expect waits until re matches the output after the mark and moves the
// mark past the match; it returns the text from the old mark to the match's
// end. It fails on a kernel panic, on QEMU exiting and on timeout.
func (m *machine) expect(re string, timeout time.Duration) string {
	m.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		m.mu.Lock()
		s := m.out.String()[m.mark:]
		if loc := rx.FindStringIndex(s); loc != nil {
			m.mark += loc[1]
			m.mu.Unlock()
			return s[:loc[1]]
		}
		m.mu.Unlock()
		if strings.Contains(s, "Kernel panic") {
			m.t.Fatalf("kernel panic while waiting for %q", re)
		}
		select {
		case <-m.changed:
		case <-m.exited:
			// drain what was written before the exit
			m.mu.Lock()
			s := m.out.String()[m.mark:]
			m.mu.Unlock()
			if loc := rx.FindStringIndex(s); loc != nil {
				m.mark += loc[1]
				return s[:loc[1]]
			}
			m.t.Fatalf("qemu exited while waiting for %q", re)
		case <-deadline.C:
			m.t.Fatalf("timeout (%v) waiting for %q", timeout, re)
		}
	}
}

func (m *machine) send(line string) {
	m.t.Helper()
	if _, err := m.stdin.Write([]byte(line + "\r")); err != nil {
		m.t.Fatal(err)
	}
}

var promptRE = `(?m)[A-Za-z0-9_.-]+(\([a-z-]+\))?[>#] ?$`

// run sends a line and returns its output up to the next prompt. It waits
// for the echo of the line first, so that a prompt reprinted after an
// asynchronous log message is not taken for the end of this command.
func (m *machine) run(line string) string {
	m.t.Helper()
	m.send(line)
	if line != "" {
		m.expect(regexp.QuoteMeta(line)+`\r?\n`, cmdTimeout)
	}
	return m.expect(promptRE, cmdTimeout)
}

// waitPrompt waits for the first user-mode prompt after boot and returns
// the time since QEMU started.
func (m *machine) waitPrompt(host string) time.Duration {
	m.t.Helper()
	m.expect(regexp.QuoteMeta(host)+`>`, bootTimeout)
	d := time.Since(m.start)
	m.send("")
	m.expect(regexp.QuoteMeta(host)+`> ?$`, cmdTimeout)
	return d
}

func (m *machine) waitExit(timeout time.Duration) {
	m.t.Helper()
	select {
	case <-m.exited:
	case <-time.After(timeout):
		m.t.Fatalf("qemu did not exit (reboot) within %v", timeout)
	}
	if strings.Contains(m.text(), "Kernel panic") {
		m.t.Fatalf("kernel panic")
	}
}

var poolRE = regexp.MustCompile(`Processor Pool Total:\s+(\d+)\s+Used:\s+(\d+)`)

// optional are configuration blocks of features that may or may not be
// linked into the firmware; the test keeps those the firmware accepts and
// checks they survive too.
var optional = [][]string{
	{"ip dhcp pool PHONES", "network 10.1.1.0 255.255.255.0", "default-router 10.1.1.1", "option 150 ip 10.1.1.1"},
	{"telephony-service", "max-ephones 8", "max-dn 16", "ip source-address 10.1.1.1 port 2000"},
}

func TestBoot(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux only")
	}
	for _, name := range []string{"arm64", "arm"} {
		a := vm.Arches[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireTools(t, a)
			im := build(t, a)
			disk := filepath.Join(t.TempDir(), "flash.img")
			if err := vm.MakeFlash(disk); err != nil {
				t.Fatal(err)
			}
			host := "VM-" + strings.ToUpper(name)

			// First boot: empty flash, configure, save, reload.
			m := boot(t, a, im, disk)
			bootTime := m.waitPrompt("Router")
			m.run("enable")
			m.run("terminal length 0")
			m.run("configure terminal")
			want := []string{"hostname " + host, "interface GigabitEthernet0/0", " description uplink", " ip address 10.1.1.1 255.255.255.0",
				"interface GigabitEthernet0/0.100", " encapsulation dot1Q 100", " ip address 192.168.100.1 255.255.255.0",
				"interface Loopback0", " ip address 10.255.255.1 255.255.255.255"}
			for _, l := range []string{"hostname " + host, "interface GigabitEthernet0/0", "description uplink", "ip address 10.1.1.1 255.255.255.0",
				"interface GigabitEthernet0/0.100", "encapsulation dot1Q 100", "ip address 192.168.100.1 255.255.255.0",
				"interface Loopback0", "ip address 10.255.255.1 255.255.255.255", "exit"} {
				if out := m.run(l); strings.Contains(out, "% ") {
					t.Fatalf("%q rejected: %s", l, out)
				}
			}
			for _, block := range optional {
				out := m.run(block[0])
				if strings.Contains(out, "% Invalid") {
					t.Logf("%s: not in this firmware, skipped", block[0])
					continue
				}
				want = append(want, block[0])
				for _, l := range block[1:] {
					if out := m.run(l); !strings.Contains(out, "% ") {
						want = append(want, " "+l)
					}
				}
				m.run("exit")
			}
			m.run("end")
			checkLinks(t, m, "manual")
			if out := m.run("write memory"); !strings.Contains(out, "[OK]") {
				t.Fatalf("write memory: %s", out)
			}
			mem := m.run("show processes memory")
			pool := poolRE.FindStringSubmatch(mem)
			if pool == nil {
				t.Fatalf("show processes memory: %s", mem)
			}
			m.send("reload")
			m.expect(`\[confirm\]`, cmdTimeout)
			m.send("")
			m.waitExit(60 * time.Second)

			// Second boot: the configuration must be back.
			m = boot(t, a, im, disk)
			boot2 := m.waitPrompt(host)
			m.run("enable")
			m.run("terminal length 0")
			rc := m.run("show running-config")
			for _, l := range want {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(l) + `\r?$`).MatchString(rc) {
					t.Errorf("after reload, running-config lacks %q:\n%s", l, rc)
				}
			}
			checkLinks(t, m, "NVRAM")
			fmt.Printf("vmtest %s: boot to prompt %.2fs (empty flash), %.2fs (with startup-config); Go runtime memory %s bytes total, %s used\n",
				name, bootTime.Seconds(), boot2.Seconds(), pool[1], pool[2])

			// Power cut during write memory, at two points (as soon as the
			// command is echoed, and once it reports building the
			// configuration): the next boot has the old or the new
			// configuration, never none or a broken one.
			cur := host
			for i, cut := range []string{`write memory`, `Building configuration`} {
				next := fmt.Sprintf("CUT%d-%s", i, strings.ToUpper(name))
				m.run("configure terminal")
				m.run("hostname " + next)
				m.run("end")
				m.send("write memory")
				m.expect(cut, cmdTimeout)
				m.cmd.Process.Kill()
				<-m.exited
				m = boot(t, a, im, disk)
				out := m.expect(`(`+regexp.QuoteMeta(cur)+`|`+next+`)>`, bootTimeout)
				if strings.Contains(out, "%Error") || strings.Contains(out, "% Invalid") {
					t.Errorf("boot after power cut reported errors:\n%s", out)
				}
				if strings.HasSuffix(out, next+">") {
					cur = next
				}
				t.Logf("power cut at %q: the %s configuration booted", cut, cur)
				m.send("")
				m.expect(regexp.QuoteMeta(cur)+`> ?$`, cmdTimeout)
				m.run("enable")
			}
		})
	}
}

// TestCorruptFlash boots with a disk that holds no file system: the console
// must still come up, say what is wrong and offer format flash:, which
// makes the disk usable after a reload.
func TestCorruptFlash(t *testing.T) {
	a := vm.Arches["arm64"]
	requireTools(t, a)
	im := build(t, a)
	disk := filepath.Join(t.TempDir(), "flash.img")
	if err := os.WriteFile(disk, bytes.Repeat([]byte{0xA5}, 64<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	m := boot(t, a, im, disk)
	out := m.expect(`Router>`, bootTimeout)
	if !strings.Contains(out, "%Error: flash storage /dev/vda could not be mounted") || !strings.Contains(out, "format flash:") {
		t.Fatalf("no storage error on the console:\n%s", out)
	}
	m.send("")
	m.run("enable")
	if out := m.run("dir nvram:"); strings.Contains(out, "%Error") {
		t.Fatalf("nvram: unusable after a storage failure: %s", out)
	}
	m.send("format flash:")
	m.expect(`Continue\? \[confirm\]`, cmdTimeout)
	m.send("")
	m.expect(`Continue\? \[confirm\]`, cmdTimeout)
	if out := m.run(""); !strings.Contains(out, "Format of flash: complete") {
		t.Fatalf("format flash: %q", out)
	}
	m.send("reload")
	m.expect(`\[confirm\]`, cmdTimeout)
	m.send("")
	m.waitExit(60 * time.Second)

	// The formatted disk mounts and keeps a configuration.
	m = boot(t, a, im, disk)
	if out := m.expect(`Router>`, bootTimeout); strings.Contains(out, "%Error") {
		t.Fatalf("errors after format:\n%s", out)
	}
	m.send("")
	m.run("enable")
	m.run("configure terminal")
	m.run("hostname FORMATTED")
	m.run("end")
	if out := m.run("write memory"); !strings.Contains(out, "[OK]") {
		t.Fatalf("write memory: %s", out)
	}
	m.send("reload")
	m.expect(`\[confirm\]`, cmdTimeout)
	m.send("")
	m.waitExit(60 * time.Second)
	m = boot(t, a, im, disk)
	m.waitPrompt("FORMATTED")
}

// checkLinks checks that the interface configuration reached the Linux
// links of the VM (virtio-net eth0, VLAN eth0.100, dummy loop0): their state
// as show ip interface brief reads it back through netlink.
func checkLinks(t *testing.T, m *machine, method string) {
	t.Helper()
	// The line protocol follows the carrier, which virtio-net reports a
	// moment after the link is set up: poll a bounded number of times.
	var brief string
	for i := 0; i < 50; i++ {
		brief = m.run("show ip interface brief")
		if regexp.MustCompile(`GigabitEthernet0/0\s+10\.1\.1\.1\s+YES (manual|NVRAM)\s+up\s+up`).MatchString(brief) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{
		`GigabitEthernet0/0\s+10\.1\.1\.1\s+YES ` + method + `\s+up\s+up`,
		`GigabitEthernet0/0\.100\s+192\.168\.100\.1\s+YES ` + method + `\s+up\s+up`,
		`Loopback0\s+10\.255\.255\.1\s+YES ` + method + `\s+up\s+up`,
		`GigabitEthernet0/1\s+unassigned\s+YES unset  down\s+down`,
	} {
		if !regexp.MustCompile(want).MatchString(brief) {
			t.Errorf("show ip interface brief does not match %q:\n%s", want, brief)
		}
	}
	if si := m.run("show interfaces GigabitEthernet0/0"); !strings.Contains(si, "address is 5254.") {
		t.Errorf("show interfaces lacks the virtio MAC:\n%s", si)
	}
}
