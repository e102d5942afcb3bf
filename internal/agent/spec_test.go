package agent

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func i32(v int32) *int32 { return &v }

func TestContainerSpec_AppliesOverridesAndECSLabels(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "web", Revision: 3, ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "app", Image: "img", Cpu: 1, Memory: i32(64), MemoryReservation: i32(32),
		Command:      []string{"serve"},
		Environment:  []ecsmodel.KeyValuePair{{Name: "A", Value: "def"}, {Name: "B", Value: "def"}},
		DockerLabels: map[string]string{"team": "x", LabelCluster: "spoofed"},
		PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(0)}},
	}}}
	spec := &TaskSpec{ID: "abc", ARN: "arn:task/abc", Cluster: "ci", Definition: def, Overrides: &ecsmodel.TaskOverride{
		ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "app", Command: []string{"migrate"}, Memory: i32(128), Environment: []ecsmodel.KeyValuePair{{Name: "B", Value: "override"}}}},
	}}
	cs := containerSpec(spec, &Resources{}, &def.ContainerDefinitions[0], "eu-west-1")
	if !slices.Equal(cs.Command, []string{"migrate"}) {
		t.Errorf("Command = %q; want the override", cs.Command)
	}
	if cs.MemoryBytes != 128<<20 || cs.MemoryReservationBytes != 32<<20 {
		t.Errorf("memory = %d/%d; want 128 MiB hard (override), 32 MiB soft", cs.MemoryBytes, cs.MemoryReservationBytes)
	}
	if cs.CPUShares != 2 {
		t.Errorf("CPUShares = %d; want 2 (Docker's minimum for cpu 1)", cs.CPUShares)
	}
	env := strings.Join(cs.Env, " ")
	for _, want := range []string{"A=def", "B=override", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "AWS_EXECUTION_ENV=AWS_ECS_EC2"} {
		if !slices.Contains(cs.Env, want) {
			t.Errorf("Env = %s; lacks %s", env, want)
		}
	}
	if cs.Labels[LabelCluster] != "ci" || cs.Labels[LabelTaskARN] != "arn:task/abc" || cs.Labels[LabelFamilyRevision] != "3" || cs.Labels["team"] != "x" {
		t.Errorf("Labels = %v; want the ECS labels over dockerLabels", cs.Labels)
	}
	if !strings.HasPrefix(cs.Name, "ecs-web-3-app-") || len(cs.Name) != len("ecs-web-3-app-")+20 {
		t.Errorf("Name = %q; want ecs-web-3-app-<20 hex>", cs.Name)
	}
	if len(cs.PortBindings) != 1 || cs.PortBindings[0].ContainerPort != 80 || cs.PortBindings[0].HostPort != 0 || cs.PortBindings[0].Protocol != "tcp" {
		t.Errorf("PortBindings = %+v; want 80 on a dynamic tcp port", cs.PortBindings)
	}
}

func TestContainerSpec_NetworkModes(t *testing.T) {
	tests := []struct {
		mode         ecsmodel.NetworkMode
		wantMode     string
		wantBindings int
	}{
		{"", "bridge", 1},
		{ecsmodel.NetworkModeBridge, "bridge", 1},
		{ecsmodel.NetworkModeHost, "host", 0},
		{ecsmodel.NetworkModeNone, "none", 0},
		{ecsmodel.NetworkModeAwsvpc, "bridge", 0},
	}
	for _, tt := range tests {
		def := &ecsmodel.TaskDefinition{Family: "f", NetworkMode: tt.mode, ContainerDefinitions: []ecsmodel.ContainerDefinition{{
			Name: "app", PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}},
		}}}
		cs := containerSpec(&TaskSpec{ID: "t", Definition: def}, &Resources{}, &def.ContainerDefinitions[0], "us-east-1")
		if cs.NetworkMode != tt.wantMode || len(cs.PortBindings) != tt.wantBindings {
			t.Errorf("networkMode %q: mode %q with %d bindings; want %q with %d", tt.mode, cs.NetworkMode, len(cs.PortBindings), tt.wantMode, tt.wantBindings)
		}
	}
}

func TestHostBindings_HostPortIsContainerPort(t *testing.T) {
	got := hostBindings([]ecsmodel.PortMapping{{ContainerPort: i32(8080)}, {ContainerPort: i32(53), Protocol: ecsmodel.TransportProtocolUdp}, {}})
	if len(got) != 2 {
		t.Fatalf("bindings = %+v; want 2", got)
	}
	if *got[0].HostPort != 8080 || got[0].Protocol != "tcp" || got[0].BindIP != "0.0.0.0" {
		t.Errorf("binding 0 = %+v; want 0.0.0.0:8080/tcp", got[0])
	}
	if *got[1].HostPort != 53 || got[1].Protocol != "udp" {
		t.Errorf("binding 1 = %+v; want 53/udp", got[1])
	}
}

func TestCheck_NamesEveryUnsupportedMember(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", TaskRoleArn: "arn:role",
		Volumes: []ecsmodel.Volume{{Name: "s3", S3filesVolumeConfiguration: &ecsmodel.S3FilesVolumeConfiguration{FileSystemArn: "arn:aws:s3files:us-east-1:123456789012:file-system/fs-1"}}},
		ContainerDefinitions: []ecsmodel.ContainerDefinition{
			{Name: "a", DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "b", Condition: "START"}}, HealthCheck: &ecsmodel.HealthCheck{Command: []string{"CMD", "true"}},
				Secrets: []ecsmodel.Secret{{Name: "S", ValueFrom: "arn:secret"}}, PortMappings: []ecsmodel.PortMapping{{ContainerPortRange: "8000-8010"}}},
			{Name: "b", LinuxParameters: &ecsmodel.LinuxParameters{}},
		}}
	err := Check(&TaskSpec{Definition: def})
	if !errors.Is(err, ecs.ErrUnsupportedFeature) {
		t.Fatalf("Check = %v; want ErrUnsupportedFeature", err)
	}
	for _, want := range []string{"taskRoleArn", `volume "s3": s3filesVolumeConfiguration`, `container "a": secrets`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, supported := range []string{"dependsOn", "healthCheck", "linuxParameters", "containerPortRange"} {
		if strings.Contains(err.Error(), supported) {
			t.Errorf("error %q refuses %s, which is supported", err, supported)
		}
	}
	if err := Check(&TaskSpec{Definition: &ecsmodel.TaskDefinition{Family: "ok", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a"}}}}); err != nil {
		t.Errorf("Check of a plain definition: %v", err)
	}
}

func TestCheck_RefusesHostnameWithAwsvpc(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", NetworkMode: ecsmodel.NetworkModeAwsvpc, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Hostname: "h"}}}
	if err := Check(&TaskSpec{Definition: def}); !errors.Is(err, ecs.ErrClient) || !strings.Contains(err.Error(), "hostname") {
		t.Fatalf("Check = %v; want a ClientException about hostname", err)
	}
}

func TestCheck_RefusesACycleThroughLinksAndVolumesFrom(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "a", Links: []string{"b:db"}},
		{Name: "b", VolumesFrom: []ecsmodel.VolumeFrom{{SourceContainer: "a"}}},
	}}
	err := Check(&TaskSpec{Definition: def})
	if !errors.Is(err, ecs.ErrClient) || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("Check = %v; want a ClientException naming the cycle", err)
	}
}
