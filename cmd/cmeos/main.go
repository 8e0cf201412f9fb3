// Command cmeos is the firmware: it boots a board, loads nvram:startup-config,
// starts the configured services and serves the IOS console.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"cmeos/board"
	_ "cmeos/board/host"
	_ "cmeos/board/qemuvirt"
	_ "cmeos/board/rpi4"
	_ "cmeos/cmd/internal/features"
	"cmeos/crypto/ctlclient"
	"cmeos/drivers/serial"
	"cmeos/ios/config"
	"cmeos/ios/console"
	"cmeos/ios/fs"
	"cmeos/ios/line"
	"cmeos/ios/logging"
	iterm "cmeos/ios/term"
	rinit "cmeos/rootfs/init"
)

// version is set at build time: -ldflags "-X main.version=..."
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "ctl" { // cmeos ctl dump FILE: admin tool
		os.Exit(ctlclient.DumpCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "commands" { // cmeos commands: the command tree
		if err := commandsCommand(os.Stdout); err != nil {
			fatal(err)
		}
		return
	}
	boardName := flag.String("board", "", "board definition ("+fmt.Sprint(board.Names())+"; default: detected from the device tree, else host)")
	root := flag.String("root", "run", "host board: directory holding flash/ and nvram/ (created if missing)")
	consoleDev := flag.String("console", "", "console: stdio or a serial device (default: the board's)")
	baud := flag.Int("baud", 0, "console speed for a serial device (default: the board's)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	ifMap := flag.String("interfaces", "", "interface map IOS=linux,... (default: the board's; e.g. GigabitEthernet0/0=veth0)")
	flag.Parse()
	if *showVersion {
		fmt.Println("cmeos", version)
		return
	}
	if rinit.IsInit() {
		for _, w := range rinit.MountKernelFS() { // /proc for board.Detect
			fmt.Fprintln(os.Stderr, w)
		}
	}
	if *boardName == "" {
		*boardName = "host"
		if rootSet := isFlagSet("root"); rinit.IsInit() || !rootSet {
			*boardName = board.Detect()
		}
	}
	b, err := board.Lookup(*boardName, board.Options{Root: *root})
	if err != nil {
		fatal(err)
	}
	if *ifMap != "" {
		if b.Interfaces, err = board.ParseInterfaceMap(*ifMap); err != nil {
			fatal(err)
		}
		board.Activate(b)
	}
	if rinit.IsInit() {
		for _, w := range rinit.Setup(b) {
			fmt.Fprintln(os.Stderr, w)
		}
		if rinit.StorageFailed() {
			b.FormatStorage = func() error { return rinit.FormatStorage(b) }
			board.Activate(b)
		}
		reboot = func() { rinit.Reboot(b, false) }
	}
	if *consoleDev != "" {
		b.Console = *consoleDev
	}
	if *baud != 0 {
		b.Baud = *baud
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in, out, interactive, restore, err := openConsole(b)
	if err != nil {
		fatal(err)
	}
	width, length := 80, 24
	if interactive {
		if f, ok := out.(*os.File); ok {
			if w, h, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
				width, length = w, h
			}
		}
	}
	err = run(ctx, b, consoleIO{in: in, out: out, interactive: interactive, width: width, length: length})
	restore()
	if err != nil && !errors.Is(err, context.Canceled) {
		fatal(err)
	}
	if reboot != nil {
		reboot()
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "cmeos:", err)
	if reboot != nil { // PID 1 must not exit: the kernel would panic
		time.Sleep(5 * time.Second)
		reboot()
	}
	os.Exit(1)
}

// reboot restarts the machine when cmeos is init; nil otherwise.
var reboot func()

func isFlagSet(name string) (set bool) {
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// run boots the board and serves the console until its input ends, the
// session logs out, or a signal arrives. `reload` tears the system down and
// boots it again from startup-config on the same console.
func run(ctx context.Context, b board.Board, cio consoleIO) error {
	store, err := fs.New("flash",
		fs.Mount{Prefix: "system", Kind: fs.KindOpaque},
		fs.Mount{Prefix: "flash", Dir: b.FlashDir, Kind: fs.KindDisk, Size: b.FlashSize},
		fs.Mount{Prefix: "slot0", AliasOf: "flash", Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: b.NVRAMDir, Kind: fs.KindNVRAM, Size: b.NVRAMSize},
	)
	if err != nil {
		return fmt.Errorf("mounting storage: %w", err)
	}
	defer store.Close()

	t := iterm.New(iterm.Config{In: cio.in, Out: cio.out, Interactive: cio.interactive, Width: cio.width, Length: cio.length})
	defer t.Close()

	for {
		reload := make(chan struct{}, 1)
		sys := config.New(config.Options{FS: store, Board: b.Name, Version: version, Now: cio.now,
			Reload: func() { reload <- struct{}{} }})
		lines := line.FromSystem(sys)
		if port, ok := cio.in.(*serial.Console); ok {
			// `speed` on line con 0 sets the UART speed; no speed: the board's.
			applySpeed := func() {
				sys.Lock()
				spd := lines.Console().Speed
				sys.Unlock()
				if spd == 0 {
					spd = b.Baud
				}
				if spd != port.Baud() {
					if err := port.SetBaud(spd); err != nil {
						sys.Log.Logf(logging.Errors, "SYS", "CONSOLE_SPEED", "Console speed %d not set: %v", spd, err)
					}
				}
			}
			sys.Subscribe(line.TopicConsoleSpeed, "console", func(context.Context) error { applySpeed(); return nil })
		}
		sys.Boot(t)
		sctx, cancel := context.WithCancel(ctx)
		conLine := lines.AttachConsole(sys.Now(), nil)
		sess := console.New(sctx, sys, t, console.Options{Name: "console", Console: true, Line: conLine,
			LineConfig:   func() line.Config { sys.Lock(); defer sys.Unlock(); return lines.Console() },
			ExitOnLogout: b.Console == "" || b.Console == "stdio"})
		done := make(chan error, 1)
		go func() { done <- sess.Run(sctx) }()
		// The console that typed `reload` has stopped by itself; a reload
		// from another line (SSH) must stop this console too.
		var err error
		reloading := false
		select {
		case err = <-done:
			select {
			case <-reload:
				reloading = true
			default:
			}
		case <-reload:
			reloading = true
			cancel()
			err = <-done
		}
		cancel()
		sys.Close()
		if reloading && reboot != nil {
			store.Close()
			reboot()
		}
		if !reloading {
			if errors.Is(err, io.EOF) || errors.Is(err, console.ErrClosed) {
				return nil
			}
			return err
		}
		fmt.Fprintf(t, "\n\nSystem Bootstrap, cmeos %s\nRestarting from nvram:startup-config ...\n\n", version)
	}
}

// consoleIO is the console's streams and what is known of its terminal.
type consoleIO struct {
	in            io.Reader
	out           io.Writer
	interactive   bool
	width, length int
	now           func() time.Time // nil: the real clock (tests fix it)
}

// openConsole returns the console streams; restore undoes raw mode.
func openConsole(b board.Board) (in io.Reader, out io.Writer, interactive bool, restore func(), err error) {
	restore = func() {}
	if b.Console == "" || b.Console == "stdio" {
		if term.IsTerminal(int(os.Stdin.Fd())) {
			st, err := term.MakeRaw(int(os.Stdin.Fd()))
			if err != nil {
				return nil, nil, false, nil, fmt.Errorf("console raw mode: %w", err)
			}
			restore = func() { term.Restore(int(os.Stdin.Fd()), st) }
			return os.Stdin, os.Stdout, true, restore, nil
		}
		return os.Stdin, os.Stdout, false, restore, nil
	}
	port, err := openSerial(b.Console, b.Baud)
	if err != nil {
		return nil, nil, false, nil, err
	}
	return port, port, true, func() { port.Close() }, nil
}

func openSerial(dev string, baud int) (io.ReadWriteCloser, error) {
	return serial.OpenConsole(dev, baud)
}
