//go:build linux

package fs

import (
	"os"
	"syscall"
)

// statfs reports the size of the file system holding dir and the space
// available to unprivileged users, as df does.
func statfs(dir string) (total, free int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, &os.PathError{Op: "statfs", Path: dir, Err: err}
	}
	// Block counts are in fragment-size units; old kernels leave Frsize 0.
	bs := int64(st.Frsize)
	if bs == 0 {
		bs = int64(st.Bsize)
	}
	return int64(st.Blocks) * bs, int64(st.Bavail) * bs, nil
}
