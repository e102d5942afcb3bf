package engine

import "os"

// totalMemoryMiB returns the machine's memory in MiB.
func totalMemoryMiB() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	return parseMeminfo(string(b))
}
