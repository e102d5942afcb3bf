//go:build !linux && !darwin

package engine

import "errors"

// totalMemoryMiB returns the machine's memory in MiB.
func totalMemoryMiB() (int64, error) {
	return 0, errors.New("reading the memory size is not supported on this system")
}
