//go:build !linux && !darwin

package engine

import (
	"context"
	"errors"
)

// totalMemoryMiB returns the machine's memory in MiB.
func totalMemoryMiB() (int64, error) {
	return 0, errors.New("reading the memory size is not supported on this system")
}

// nvidiaGPUs returns no GPUs: NVIDIA GPUs reach containers only on Linux.
func nvidiaGPUs(context.Context) []string { return nil }
