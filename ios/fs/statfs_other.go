//go:build !linux

package fs

import (
	"errors"
	"os"
)

// statfs is only implemented on Linux, the firmware's target; elsewhere
// mounts need a Size.
func statfs(dir string) (total, free int64, err error) {
	return 0, 0, &os.PathError{Op: "statfs", Path: dir, Err: errors.ErrUnsupported}
}
