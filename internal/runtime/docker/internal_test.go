package docker

import (
	"slices"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

func TestConfigs_MapsSpec(t *testing.T) {
	spec := runtime.ContainerSpec{
		Name: "n", Image: "img", EntryPoint: []string{"/bin/x"}, Command: []string{"a", "b"},
		Env: []string{"A=1"}, WorkingDir: "/w", User: "1:2", Hostname: "h",
		Labels:      map[string]string{"k": "v"},
		MemoryBytes: 64 << 20, MemoryReservationBytes: 32 << 20, CPUShares: 512,
		Ulimits:        []runtime.Ulimit{{Name: "nofile", Soft: 10, Hard: 20}},
		ReadonlyRootfs: true, Privileged: true, Init: true,
		NetworkMode: "bridge",
		PortBindings: []runtime.PortBinding{
			{ContainerPort: 80, HostPort: 8080},
			{ContainerPort: 53, Protocol: "udp", HostIP: "127.0.0.1"},
		},
		Mounts: []runtime.Mount{
			{Source: "/host", Target: "/c", ReadOnly: true},
			{Source: "vol", Target: "/v", Volume: true},
			{Target: "/anon"},
		},
		ExtraHosts: []string{"db:10.0.0.1"}, DNSServers: []string{"1.1.1.1"}, DNSSearch: []string{"corp.example"}, StopSignal: "SIGINT",
		LogDriver: "fluentd", LogOptions: map[string]string{"tag": "app-firelens-1"},
	}
	cfg, hc, err := configs(spec)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Image != "img" || !slices.Equal(cfg.Entrypoint, []string{"/bin/x"}) || !slices.Equal(cfg.Cmd, []string{"a", "b"}) ||
		cfg.WorkingDir != "/w" || cfg.User != "1:2" || cfg.Hostname != "h" || cfg.Labels["k"] != "v" || cfg.StopSignal != "SIGINT" ||
		!slices.Equal(cfg.Env, []string{"A=1"}) {
		t.Errorf("Config = %+v", cfg)
	}
	if _, ok := cfg.Volumes["/anon"]; !ok {
		t.Errorf("Volumes = %v; want /anon", cfg.Volumes)
	}
	if hc.Memory != 64<<20 || hc.MemoryReservation != 32<<20 || hc.CPUShares != 512 || !hc.ReadonlyRootfs ||
		!hc.Privileged || hc.Init == nil || !*hc.Init || hc.NetworkMode != "bridge" ||
		!slices.Equal(hc.ExtraHosts, spec.ExtraHosts) || !slices.Equal(hc.DNS, spec.DNSServers) || !slices.Equal(hc.DNSSearch, spec.DNSSearch) {
		t.Errorf("HostConfig = %+v", hc)
	}
	if hc.LogConfig.Type != "fluentd" || hc.LogConfig.Config["tag"] != "app-firelens-1" {
		t.Errorf("LogConfig = %+v; want fluentd with its options", hc.LogConfig)
	}
	if len(hc.Ulimits) != 1 || *hc.Ulimits[0] != (container.Ulimit{Name: "nofile", Soft: 10, Hard: 20}) {
		t.Errorf("Ulimits = %v", hc.Ulimits)
	}
	if want := []string{"/host:/c:ro", "vol:/v"}; !slices.Equal(hc.Binds, want) {
		t.Errorf("Binds = %q; want %q", hc.Binds, want)
	}
	wantPorts := nat.PortMap{
		"80/tcp": {{HostPort: "8080"}},
		"53/udp": {{HostIP: "127.0.0.1"}},
	}
	if len(hc.PortBindings) != 2 || !slices.Equal(hc.PortBindings["80/tcp"], wantPorts["80/tcp"]) ||
		!slices.Equal(hc.PortBindings["53/udp"], wantPorts["53/udp"]) {
		t.Errorf("PortBindings = %v; want %v", hc.PortBindings, wantPorts)
	}
	if len(cfg.ExposedPorts) != 2 {
		t.Errorf("ExposedPorts = %v; want 80/tcp and 53/udp", cfg.ExposedPorts)
	}

	if len(hc.DeviceRequests) != 0 || cfg.Tty || cfg.OpenStdin {
		t.Errorf("DeviceRequests %v, Tty %v, OpenStdin %v; want none without GPUs, terminal or stdin", hc.DeviceRequests, cfg.Tty, cfg.OpenStdin)
	}
	gpu := spec
	gpu.GPUs, gpu.Tty, gpu.OpenStdin = []string{"GPU-a", "GPU-b"}, true, true
	cfg, hc, _ = configs(gpu)
	if len(hc.DeviceRequests) != 1 || hc.DeviceRequests[0].Driver != "nvidia" || !slices.Equal(hc.DeviceRequests[0].DeviceIDs, gpu.GPUs) ||
		len(hc.DeviceRequests[0].Capabilities) != 1 || !slices.Equal(hc.DeviceRequests[0].Capabilities[0], []string{"gpu"}) {
		t.Errorf("DeviceRequests = %+v; want the nvidia driver with GPU-a, GPU-b and the gpu capability", hc.DeviceRequests)
	}
	if !cfg.Tty || !cfg.OpenStdin {
		t.Errorf("Tty %v, OpenStdin %v; want both", cfg.Tty, cfg.OpenStdin)
	}

	spec.NetworkMode = "host"
	_, hc, _ = configs(spec)
	if len(hc.PortBindings) != 0 {
		t.Errorf("host mode PortBindings = %v; want none", hc.PortBindings)
	}
}

func TestDigest(t *testing.T) {
	rds := []string{"other/x@sha256:1", "busybox@sha256:2"}
	for _, tc := range []struct{ ref, want string }{
		{"busybox", "sha256:2"},
		{"busybox:1.36", "sha256:2"},
		{"docker.io/library/busybox:latest", "sha256:1"}, // no exact match: the first
		{"nothing", "sha256:1"},
	} {
		if got := digest(tc.ref, rds); got != tc.want {
			t.Errorf("digest(%q) = %q; want %q", tc.ref, got, tc.want)
		}
	}
	if got := digest("x", nil); got != "" {
		t.Errorf("digest without repo digests = %q; want empty", got)
	}
}

func TestUnreachable(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want bool
	}{
		{`Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.1:53: no such host`, true},
		{`dial tcp 127.0.0.1:5000: connect: connection refused`, true},
		{`manifest for x:latest not found: manifest unknown`, false},
		{`pull access denied for x, repository does not exist`, false},
	} {
		if got := unreachable(errorString(tc.msg)); got != tc.want {
			t.Errorf("unreachable(%q) = %v; want %v", tc.msg, got, tc.want)
		}
	}
	if registry("busybox") != "docker.io" || registry("127.0.0.1:5000/a/b:c") != "127.0.0.1:5000" {
		t.Errorf("registry() wrong: %q %q", registry("busybox"), registry("127.0.0.1:5000/a/b:c"))
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
