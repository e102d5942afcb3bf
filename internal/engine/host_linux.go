package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// totalMemoryMiB returns the machine's memory in MiB.
func totalMemoryMiB() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	return parseMeminfo(string(b))
}

// nvidiaGPUs returns the UUIDs of the machine's NVIDIA GPUs: those
// `nvidia-smi -L` lists, else those the driver shows under
// /proc/driver/nvidia/gpus; none without the driver.
func nvidiaGPUs(ctx context.Context) []string {
	if path, err := exec.LookPath("nvidia-smi"); err == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, path, "-L").Output(); err == nil {
			if ids := parseNvidiaSmiList(string(out)); len(ids) > 0 {
				return ids
			}
		}
	}
	infos, _ := filepath.Glob("/proc/driver/nvidia/gpus/*/information")
	var ids []string
	for _, f := range infos {
		if b, err := os.ReadFile(f); err == nil {
			if id := parseNvidiaInformation(string(b)); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}
