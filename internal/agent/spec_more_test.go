package agent

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
)

func boolp(b bool) *bool { return &b }

func TestContainerSpec_HealthCheckDefaults(t *testing.T) {
	tests := []struct {
		in   ecsmodel.HealthCheck
		want runtime.HealthCheck
	}{
		{ecsmodel.HealthCheck{Command: []string{"CMD-SHELL", "curl -f localhost"}},
			runtime.HealthCheck{Test: []string{"CMD-SHELL", "curl -f localhost"}, Interval: 30 * time.Second, Timeout: 5 * time.Second, Retries: 3}},
		{ecsmodel.HealthCheck{Command: []string{"CMD", "/check"}, Interval: i32(5), Timeout: i32(2), Retries: i32(1), StartPeriod: i32(60)},
			runtime.HealthCheck{Test: []string{"CMD", "/check"}, Interval: 5 * time.Second, Timeout: 2 * time.Second, Retries: 1, StartPeriod: time.Minute}},
	}
	for _, tt := range tests {
		h := tt.in
		def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", HealthCheck: &h}}}
		cs := containerSpec(&TaskSpec{ID: "t", Definition: def}, &Resources{}, &def.ContainerDefinitions[0], "us-east-1")
		got := cs.HealthCheck
		if got == nil || !slices.Equal(got.Test, tt.want.Test) || got.Interval != tt.want.Interval || got.Timeout != tt.want.Timeout || got.Retries != tt.want.Retries || got.StartPeriod != tt.want.StartPeriod {
			t.Errorf("healthCheck %+v -> %+v; want %+v", tt.in, got, tt.want)
		}
	}
}

func TestContainerSpec_VolumesAndLinks(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", Revision: 2,
		Volumes: []ecsmodel.Volume{
			{Name: "scratch", Host: &ecsmodel.HostVolumeProperties{}},
			{Name: "hostdir", Host: &ecsmodel.HostVolumeProperties{SourcePath: "/srv/data"}},
		},
		ContainerDefinitions: []ecsmodel.ContainerDefinition{
			{Name: "db"},
			{Name: "app",
				MountPoints: []ecsmodel.MountPoint{{SourceVolume: "scratch", ContainerPath: "/scratch"}, {SourceVolume: "hostdir", ContainerPath: "/data", ReadOnly: boolp(true)}},
				VolumesFrom: []ecsmodel.VolumeFrom{{SourceContainer: "db", ReadOnly: boolp(true)}},
				Links:       []string{"db:database", "db"},
			},
		}}
	spec := &TaskSpec{ID: "t1", Definition: def}
	res := &Resources{Volumes: map[string]string{"scratch": VolumeName(def, "scratch", "t1"), "hostdir": "/srv/data"}}
	cs := containerSpec(spec, res, &def.ContainerDefinitions[1], "us-east-1")
	wantMounts := []runtime.Mount{
		{Source: VolumeName(def, "scratch", "t1"), Target: "/scratch", Volume: true},
		{Source: "/srv/data", Target: "/data", ReadOnly: true},
	}
	if !slices.Equal(cs.Mounts, wantMounts) {
		t.Errorf("Mounts = %+v; want %+v", cs.Mounts, wantMounts)
	}
	db := RuntimeName(def, "db", "t1")
	if !slices.Equal(cs.VolumesFrom, []string{db + ":ro"}) {
		t.Errorf("VolumesFrom = %q; want [%s:ro]", cs.VolumesFrom, db)
	}
	if !slices.Equal(cs.Links, []string{db + ":database", db + ":db"}) {
		t.Errorf("Links = %q; want db's runtime name with each alias", cs.Links)
	}
	if got := graphNodes(def)[1].DependsOn; len(got) != 1 || got[0].Container != "db" || got[0].Condition != "START" {
		t.Errorf("graph dependencies of app = %+v; want one START on db (links and volumesFrom)", got)
	}
}

func TestContainerSpec_AwsvpcJoinsThePauseContainer(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", NetworkMode: ecsmodel.NetworkModeAwsvpc, PidMode: ecsmodel.PidModeTask, IpcMode: ecsmodel.IpcModeTask,
		ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Hostname: "h", DnsServers: []string{"10.0.0.2"}, DnsSearchDomains: []string{"corp.example"},
			PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}}}}}
	cs := containerSpec(&TaskSpec{ID: "t", Definition: def}, &Resources{PauseID: "p123"}, &def.ContainerDefinitions[0], "us-east-1")
	if cs.NetworkMode != "container:p123" || cs.PidMode != "container:p123" || cs.IpcMode != "container:p123" {
		t.Errorf("modes = net %q pid %q ipc %q; want all container:p123", cs.NetworkMode, cs.PidMode, cs.IpcMode)
	}
	if cs.Hostname != "" || cs.DNSServers != nil || cs.DNSSearch != nil || len(cs.PortBindings) != 0 {
		t.Errorf("hostname %q dns %q bindings %v; want none (they belong to the shared namespace)", cs.Hostname, cs.DNSServers, cs.PortBindings)
	}
	def.PidMode, def.IpcMode = ecsmodel.PidModeHost, ecsmodel.IpcModeNone
	cs = containerSpec(&TaskSpec{ID: "t", Definition: def}, &Resources{PauseID: "p123"}, &def.ContainerDefinitions[0], "us-east-1")
	if cs.PidMode != "host" || cs.IpcMode != "none" {
		t.Errorf("pid %q ipc %q; want host and none", cs.PidMode, cs.IpcMode)
	}
}

func TestContainerSpec_TaskLimits(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", Cpu: "512", Memory: "256", ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "free"}, {Name: "capped", Memory: i32(64)},
	}}
	spec := &TaskSpec{ID: "t", Definition: def}
	// With a task cgroup, the containers keep their own limits only.
	for i, wantMem := range []int64{0, 64 << 20} {
		cs := containerSpec(spec, &Resources{Cgroup: "t", CgroupParent: "/ecsrun/t"}, &def.ContainerDefinitions[i], "us-east-1")
		if cs.CgroupParent != "/ecsrun/t" || cs.MemoryBytes != wantMem || cs.NanoCPUs != 0 {
			t.Errorf("%s with a task cgroup: parent %q memory %d nanoCPUs %d; want /ecsrun/t, %d, 0", def.ContainerDefinitions[i].Name, cs.CgroupParent, cs.MemoryBytes, cs.NanoCPUs, wantMem)
		}
	}
	// Without one, each container is held to the task's limits.
	for i, wantMem := range []int64{256 << 20, 64 << 20} {
		cs := containerSpec(spec, &Resources{}, &def.ContainerDefinitions[i], "us-east-1")
		if cs.CgroupParent != "" || cs.MemoryBytes != wantMem || cs.NanoCPUs != 5e8 {
			t.Errorf("%s without a task cgroup: memory %d nanoCPUs %d; want %d and 5e8", def.ContainerDefinitions[i].Name, cs.MemoryBytes, cs.NanoCPUs, wantMem)
		}
	}
	spec.Overrides = &ecsmodel.TaskOverride{Cpu: "2048", Memory: "1024"}
	if cpu, mem := taskLimits(spec); cpu != 2048 || mem != 1024 {
		t.Errorf("taskLimits with overrides = %d, %d; want 2048, 1024", cpu, mem)
	}
}

func TestContainerSpec_LinuxParameters(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Memory: i32(128),
		LinuxParameters: &ecsmodel.LinuxParameters{
			Capabilities:       &ecsmodel.KernelCapabilities{Add: []string{"NET_ADMIN"}, Drop: []string{"MKNOD"}},
			Devices:            []ecsmodel.Device{{HostPath: "/dev/fuse", Permissions: []ecsmodel.DeviceCgroupPermission{"read", "write"}}},
			InitProcessEnabled: boolp(true), SharedMemorySize: i32(64), MaxSwap: i32(32), Swappiness: i32(10),
			Tmpfs: []ecsmodel.Tmpfs{{ContainerPath: "/run", Size: 16, MountOptions: []string{"noexec"}}},
		},
		SystemControls:        []ecsmodel.SystemControl{{Namespace: "net.core.somaxconn", Value: "1024"}},
		DockerSecurityOptions: []string{"no-new-privileges"},
		Interactive:           boolp(true), PseudoTerminal: boolp(true),
	}}}
	cs := containerSpec(&TaskSpec{ID: "t", Definition: def}, &Resources{}, &def.ContainerDefinitions[0], "us-east-1")
	if !slices.Equal(cs.CapAdd, []string{"NET_ADMIN"}) || !slices.Equal(cs.CapDrop, []string{"MKNOD"}) ||
		!slices.Equal(cs.Devices, []string{"/dev/fuse:/dev/fuse:rw"}) || !cs.Init || cs.ShmSizeBytes != 64<<20 ||
		cs.MemorySwapBytes != 160<<20 || cs.Swappiness == nil || *cs.Swappiness != 10 ||
		cs.Tmpfs["/run"] != "size=16m,noexec" || cs.Sysctls["net.core.somaxconn"] != "1024" || !slices.Equal(cs.SecurityOpt, []string{"no-new-privileges"}) ||
		!cs.OpenStdin || !cs.Tty {
		t.Errorf("spec = %+v; want every linuxParameter, systemControl, security option, interactive and pseudoTerminal mapped", cs)
	}
}

func TestAgentCheck_RefusesWhatTheProcessRuntimeCannotDo(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f",
		Volumes: []ecsmodel.Volume{{Name: "v", Host: &ecsmodel.HostVolumeProperties{}}},
		ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", HealthCheck: &ecsmodel.HealthCheck{Command: []string{"CMD", "x"}},
			MountPoints: []ecsmodel.MountPoint{{SourceVolume: "v", ContainerPath: "/v"}}, PseudoTerminal: boolp(true)}}}
	err := New(Options{Runtime: process.New()}).Check(&TaskSpec{Definition: def})
	if !errors.Is(err, ecs.ErrUnsupportedFeature) {
		t.Fatalf("Check on the process runtime = %v; want ErrUnsupportedFeature", err)
	}
	for _, want := range []string{"the process runtime", `volume "v"`, `container "a": healthCheck`, `container "a": mountPoints`, `container "a": interactive/pseudoTerminal`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := New(Options{Runtime: fake.New()}).Check(&TaskSpec{Definition: def}); err != nil {
		t.Errorf("Check on a runtime with volumes and health checks: %v", err)
	}
}

func TestContainerSpec_DNSSearchDomains(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "app", DnsServers: []string{"10.0.0.2"}, DnsSearchDomains: []string{"corp.example", "example.com"}}}}
	cs := containerSpec(&TaskSpec{ID: "t", Definition: def}, &Resources{}, &def.ContainerDefinitions[0], "us-east-1")
	if !slices.Equal(cs.DNSSearch, []string{"corp.example", "example.com"}) || !slices.Equal(cs.DNSServers, []string{"10.0.0.2"}) {
		t.Errorf("DNSSearch %q, DNSServers %q; want the definition's", cs.DNSSearch, cs.DNSServers)
	}
}

func TestContainerGPUs(t *testing.T) {
	gpu := func(n string) []ecsmodel.ResourceRequirement {
		return []ecsmodel.ResourceRequirement{{Type: ecsmodel.ResourceTypeGPU, Value: n}}
	}
	def := &ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "one", ResourceRequirements: gpu("1")},
		{Name: "none"},
		{Name: "two", ResourceRequirements: gpu("2")},
	}}
	all := []string{"GPU-a", "GPU-b", "GPU-c", "GPU-d"}
	tests := []struct {
		name string
		o    *ecsmodel.TaskOverride
		gpus []string
		want map[string][]string
	}{
		{"in container order", nil, all[:3], map[string][]string{"one": {"GPU-a"}, "none": nil, "two": {"GPU-b", "GPU-c"}}},
		{"an override's requirement replaces the definition's",
			&ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "one", ResourceRequirements: gpu("2")}}},
			all, map[string][]string{"one": {"GPU-a", "GPU-b"}, "none": nil, "two": {"GPU-c", "GPU-d"}}},
		{"no GPUs placed", nil, nil, map[string][]string{"one": nil, "two": nil}},
	}
	for _, tt := range tests {
		for name, want := range tt.want {
			if got := ContainerGPUs(def, tt.o, tt.gpus, name); !slices.Equal(got, want) {
				t.Errorf("%s: ContainerGPUs(%s) = %q; want %q", tt.name, name, got, want)
			}
		}
	}
	spec := &TaskSpec{ID: "t", Definition: def, GPUs: all[:3]}
	cs := containerSpec(spec, &Resources{}, &def.ContainerDefinitions[2], "us-east-1")
	if !slices.Equal(cs.GPUs, []string{"GPU-b", "GPU-c"}) || !slices.Contains(cs.Env, "NVIDIA_VISIBLE_DEVICES=GPU-b,GPU-c") {
		t.Errorf("spec GPUs %q, environment %q; want GPU-b,GPU-c in both", cs.GPUs, cs.Env)
	}
}

func TestCheck_GPUsRunInferenceAcceleratorsAreRefused(t *testing.T) {
	rr := func(typ ecsmodel.ResourceType, v string) []ecsmodel.ResourceRequirement {
		return []ecsmodel.ResourceRequirement{{Type: typ, Value: v}}
	}
	gpu := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", ResourceRequirements: rr(ecsmodel.ResourceTypeGPU, "1")}}}
	if err := Check(&TaskSpec{Definition: gpu}); err != nil {
		t.Errorf("Check of a GPU definition = %v; want nil", err)
	}
	eia := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", ResourceRequirements: rr(ecsmodel.ResourceTypeInferenceAccelerator, "device_1")}}}
	if err := Check(&TaskSpec{Definition: eia}); !errors.Is(err, ecs.ErrUnsupportedFeature) || !strings.Contains(err.Error(), "InferenceAccelerator") {
		t.Errorf("Check of an Elastic Inference definition = %v; want ErrUnsupportedFeature naming InferenceAccelerator", err)
	}
	task := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a"}},
		InferenceAccelerators: []ecsmodel.InferenceAccelerator{{DeviceName: "device_1", DeviceType: "eia2.medium"}}}
	if err := Check(&TaskSpec{Definition: task}); !errors.Is(err, ecs.ErrUnsupportedFeature) || !strings.Contains(err.Error(), "inferenceAccelerators") {
		t.Errorf("Check of task-level inferenceAccelerators = %v; want ErrUnsupportedFeature naming them", err)
	}
	task.InferenceAccelerators = []ecsmodel.InferenceAccelerator{}
	if err := Check(&TaskSpec{Definition: task}); err != nil {
		t.Errorf("Check of an empty inferenceAccelerators list (as describe-task-definition saves it) = %v; want nil", err)
	}
}
