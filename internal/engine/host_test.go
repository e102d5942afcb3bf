package engine

import (
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
	h := hostInstance("eu-west-1", "docker", 4, 8000)
	if h.CPU != 4096 || h.Memory != 8000 {
		t.Errorf("resources = %d CPU, %d MiB; want 4096, 8000", h.CPU, h.Memory)
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
