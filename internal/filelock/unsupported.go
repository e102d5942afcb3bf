//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package filelock

import (
	"errors"
	"fmt"
	"os"
)

func lock(f *os.File, wait bool) error {
	return fmt.Errorf("lock %s: file locks are not implemented on this system: %w", f.Name(), errors.ErrUnsupported)
}
