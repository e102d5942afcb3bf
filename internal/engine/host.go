package engine

import (
	"bufio"
	"fmt"
	"maps"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/controlplane"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// HostInstanceType is the ecs.instance-type of the machine ecsrun runs on.
const HostInstanceType = "local"

// fallbackMemoryMiB is the memory reported when the machine's cannot be
// read.
const fallbackMemoryMiB = 4096

// hostInstance describes the machine as the default cluster's container
// instance: CPU units (1024 per core), memory, its NVIDIA GPUs, and the
// built-in attributes of the operating system the tasks' containers see.
func hostInstance(region, runtimeName string, cores int, memMiB int64, gpus []string) *controlplane.HostInstance {
	osType := "linux" // Docker runs Linux containers, in a VM where the host is not Linux
	if runtimeName == "process" {
		osType = goruntime.GOOS
	}
	return &controlplane.HostInstance{
		CPU:    int64(cores) * ecs.CPUUnitsPerVCPU,
		Memory: memMiB,
		Attributes: map[string]string{
			ecs.AttrOSType:           osType,
			ecs.AttrOSFamily:         strings.ToUpper(osType),
			ecs.AttrCPUArchitecture:  ecs.CPUArchitecture(goruntime.GOARCH),
			ecs.AttrAvailabilityZone: region + "a",
			ecs.AttrInstanceType:     HostInstanceType,
		},
		VersionInfo: ecsmodel.VersionInfo{AgentVersion: ecs.LocalAgentVersion, AgentHash: "ecsrun"},
		GPUs:        gpus,
	}
}

// parseNvidiaSmiList returns the GPU UUIDs `nvidia-smi -L` lists, one
// line per GPU: "GPU 0: <name> (UUID: GPU-<uuid>)" (the indented lines of
// MIG devices are parts of a GPU, not GPUs).
func parseNvidiaSmiList(out string) []string {
	var ids []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "GPU ") {
			continue
		}
		_, rest, ok := strings.Cut(line, "(UUID: ")
		if !ok {
			continue
		}
		if id, _, ok := strings.Cut(rest, ")"); ok && strings.TrimSpace(id) != "" {
			ids = append(ids, strings.TrimSpace(id))
		}
	}
	return ids
}

// parseNvidiaInformation returns the "GPU UUID" of a GPU's
// /proc/driver/nvidia/gpus/<bus id>/information, or "".
func parseNvidiaInformation(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "GPU UUID" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// parseMeminfo returns MemTotal of /proc/meminfo, in MiB.
func parseMeminfo(text string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || kb <= 0 {
				return 0, fmt.Errorf("meminfo: bad MemTotal %q", sc.Text())
			}
			if len(f) >= 3 && f[2] != "kB" {
				return 0, fmt.Errorf("meminfo: unexpected unit in %q", sc.Text())
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("meminfo: no MemTotal")
}

// declared maps a configuration's instances to the control plane's
// declarations.
func declared(cfg *serveconfig.Config) []controlplane.DeclaredInstance {
	out := make([]controlplane.DeclaredInstance, len(cfg.Instances))
	for i, in := range cfg.Instances {
		var tags []ecsmodel.Tag // by key: a map has no order, a tag list has
		for _, k := range slices.Sorted(maps.Keys(in.Tags)) {
			tags = append(tags, ecsmodel.Tag{Key: k, Value: in.Tags[k]})
		}
		out[i] = controlplane.DeclaredInstance{
			Cluster: in.Cluster, Key: in.Key, Resources: in.Resources, Attributes: in.Attributes,
			AgentConnected: in.AgentConnected, Tags: tags,
		}
	}
	return out
}
