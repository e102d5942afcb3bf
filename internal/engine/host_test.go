package engine

import (
	"slices"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		text string
		want int64
		ok   bool
	}{
		{"MemTotal:       24539180 kB\nMemFree:         1234 kB\n", 23964, true},
		{"MemFree: 1 kB\nMemTotal: 2097152 kB\n", 2048, true},
		{"MemFree: 1 kB\n", 0, false},
		{"MemTotal: lots kB\n", 0, false},
		{"MemTotal: 1024 MB\n", 0, false},
	}
	for _, tt := range tests {
		got, err := parseMeminfo(tt.text)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMeminfo(%q) = %d, %v; want %d (ok %v)", tt.text, got, err, tt.want, tt.ok)
		}
	}
}

func TestHostInstance(t *testing.T) {
	h := hostInstance("eu-west-1", "docker", 4, 8000, []string{"GPU-a"})
	if h.CPU != 4096 || h.Memory != 8000 || !slices.Equal(h.GPUs, []string{"GPU-a"}) {
		t.Errorf("resources = %d CPU, %d MiB, GPUs %q; want 4096, 8000, [GPU-a]", h.CPU, h.Memory, h.GPUs)
	}
	for name, want := range map[string]string{
		ecs.AttrOSType: "linux", ecs.AttrOSFamily: "LINUX", ecs.AttrAvailabilityZone: "eu-west-1a", ecs.AttrInstanceType: HostInstanceType,
	} {
		if got := h.Attributes[name]; got != want {
			t.Errorf("%s = %q; want %q", name, got, want)
		}
	}
	if h.VersionInfo.AgentVersion != ecs.LocalAgentVersion {
		t.Errorf("agent version = %q", h.VersionInfo.AgentVersion)
	}
}

func TestParseNvidiaSmiList(t *testing.T) {
	tests := []struct {
		out  string
		want []string
	}{
		{"", nil},
		{"No devices were found\n", nil},
		{"GPU 0: Tesla T4 (UUID: GPU-6f1c2d3e-0000-1111-2222-333344445555)\n", []string{"GPU-6f1c2d3e-0000-1111-2222-333344445555"}},
		{"GPU 0: NVIDIA A10G (UUID: GPU-a)\nGPU 1: NVIDIA A10G (UUID: GPU-b)\n  MIG 1g.5gb Device 0: (UUID: MIG-c)\n", []string{"GPU-a", "GPU-b"}},
	}
	for _, tt := range tests {
		if got := parseNvidiaSmiList(tt.out); !slices.Equal(got, tt.want) {
			t.Errorf("parseNvidiaSmiList(%q) = %q; want %q", tt.out, got, tt.want)
		}
	}
}

func TestParseNvidiaInformation(t *testing.T) {
	info := "Model: \t\t Tesla T4\nIRQ:   \t\t 40\nGPU UUID: \t GPU-6f1c2d3e-0000-1111-2222-333344445555\nVideo BIOS: \t 90.04.38.00.03\n"
	if got := parseNvidiaInformation(info); got != "GPU-6f1c2d3e-0000-1111-2222-333344445555" {
		t.Errorf("parseNvidiaInformation = %q; want the GPU UUID", got)
	}
	if got := parseNvidiaInformation("Model: x\n"); got != "" {
		t.Errorf("parseNvidiaInformation without a UUID = %q; want \"\"", got)
	}
}
