// Package image assembles the initramfs contents (see rootfs/mkimage).
package image

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"cmeos/board"
	_ "cmeos/board/qemuvirt"
	_ "cmeos/board/rpi4"
	"cmeos/rootfs/cpio"
	rinit "cmeos/rootfs/init"
)

// Spec is what goes into an image.
type Spec struct {
	Binary    string   // the cmeos binary, installed as /init
	ModuleDir string   // lib/modules/VERSION of the kernel ("" for no modules)
	Modules   []string // modules to load, by name
	// FlashImage is an empty flash file system image for `format flash:`
	// ("" for none); it is stored gzip-compressed.
	FlashImage string
}

// BoardModules returns the modules a board definition asks for.
func BoardModules(name string) ([]string, error) {
	b, err := board.Lookup(name, board.Options{})
	if err != nil {
		return nil, err
	}
	return b.Modules, nil
}

// Build writes the cpio archive to w and returns how many modules it holds.
func Build(w io.Writer, s Spec) (int, error) {
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return 0, err
	}
	var order []string
	if len(s.Modules) > 0 {
		if order, err = ResolveModules(s.ModuleDir, s.Modules); err != nil {
			return 0, err
		}
	}
	cw := cpio.NewWriter(w)
	for _, d := range []string{"dev", "proc", "sys", "tmp", "run", "mnt", "etc", "lib", "lib/modules", strings.TrimPrefix(rinit.ModuleDir, "/")} {
		if err := cw.Dir(d, 0o755); err != nil {
			return 0, err
		}
	}
	if err := cw.CharDev("dev/console", 0o600, 5, 1); err != nil {
		return 0, err
	}
	if err := cw.File("init", 0o755, bin); err != nil {
		return 0, err
	}
	var list bytes.Buffer
	for _, p := range order {
		data, err := os.ReadFile(p)
		if err != nil {
			return 0, err
		}
		name := filepath.Base(p)
		if err := cw.File(strings.TrimPrefix(rinit.ModuleDir, "/")+"/"+name, 0o644, data); err != nil {
			return 0, err
		}
		list.WriteString(name + "\n")
	}
	if err := cw.File(strings.TrimPrefix(rinit.ModuleOrder, "/"), 0o644, list.Bytes()); err != nil {
		return 0, err
	}
	if s.FlashImage != "" {
		raw, err := os.ReadFile(s.FlashImage)
		if err != nil {
			return 0, err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return 0, err
		}
		dir := filepath.Dir(strings.TrimPrefix(rinit.FlashImage, "/"))
		if err := cw.Dir(dir, 0o755); err != nil {
			return 0, err
		}
		if err := cw.File(strings.TrimPrefix(rinit.FlashImage, "/"), 0o644, gz.Bytes()); err != nil {
			return 0, err
		}
	}
	return len(order), cw.Close()
}

// ResolveModules finds the named modules under dir and returns their paths
// with every dependency before its dependents. Modules built into the
// kernel (listed in modules.builtin) are skipped.
func ResolveModules(dir string, names []string) ([]string, error) {
	paths := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".ko") {
			paths[modName(filepath.Base(p))] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	if data, err := os.ReadFile(filepath.Join(dir, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(data)) {
			builtin[modName(filepath.Base(l))] = true
		}
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string) error
	visit = func(n string) error {
		n = modName(n)
		switch {
		case state[n] == 2 || builtin[n]:
			return nil
		case state[n] == 1:
			return fmt.Errorf("module dependency cycle at %s", n)
		}
		p, ok := paths[n]
		if !ok {
			return fmt.Errorf("module %s not found under %s", n, dir)
		}
		state[n] = 1
		deps, err := moduleDepends(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		order = append(order, p)
		return nil
	}
	for _, n := range names {
		if err := visit(strings.TrimSpace(n)); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func modName(file string) string {
	return strings.ReplaceAll(strings.TrimSuffix(file, ".ko"), "-", "_")
}

// moduleDepends reads "depends=" from a module's .modinfo section.
func moduleDepends(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("no .modinfo section")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(data, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			if len(v) == 0 {
				return nil, nil
			}
			return strings.Split(string(v), ","), nil
		}
	}
	return nil, nil
}
