package cpio_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"cmeos/rootfs/cpio"
)

// TestExtractWithGNUcpio checks the archive with the cpio the image is
// compared against: the GNU cpio in Debian (or busybox cpio).
func TestExtract(t *testing.T) {
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Dir("dev", 0o755))
	must(w.Dir("lib", 0o755))
	must(w.File("init", 0o755, []byte("#!/bin/true\n")))
	must(w.File("lib/odd", 0o644, []byte("12345")))
	must(w.Symlink("lib/link", "odd"))
	must(w.Close())
	dir := t.TempDir()
	tool, args := "cpio", []string{"-i", "-d", "--quiet", "--no-absolute-filenames"}
	if _, err := exec.LookPath("cpio"); err != nil {
		tool, args = "busybox", []string{"cpio", "-i", "-d"}
		if _, err := exec.LookPath("busybox"); err != nil {
			t.Fatal("neither cpio nor busybox (scripts/deps installs busybox-static)")
		}
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir, cmd.Stdin = dir, &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "lib/odd")); err != nil || string(b) != "12345" {
		t.Fatalf("lib/odd = %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "init")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("init: %v %v", fi, err)
	}
	if l, err := os.Readlink(filepath.Join(dir, "lib/link")); err != nil || l != "odd" {
		t.Fatalf("lib/link -> %q, %v", l, err)
	}
}
