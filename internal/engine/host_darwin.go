package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"syscall"
)

// totalMemoryMiB returns the machine's memory in MiB.
func totalMemoryMiB() (int64, error) {
	s, err := syscall.Sysctl("hw.memsize")
	if err != nil {
		return 0, err
	}
	b := []byte(s)
	if len(b) < 8 {
		b = append(b, make([]byte, 8-len(b))...) // Sysctl drops trailing zero bytes
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n == 0 {
		return 0, fmt.Errorf("hw.memsize is 0")
	}
	return int64(n / (1 << 20)), nil
}

// nvidiaGPUs returns no GPUs: NVIDIA GPUs reach containers only on Linux.
func nvidiaGPUs(context.Context) []string { return nil }
