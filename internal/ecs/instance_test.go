package ecs

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func TestValidateAttribute(t *testing.T) {
	tests := []struct {
		name, value string
		ok          bool
	}{
		{"stack", "blue", true},
		{"ecs.availability-zone", "us-east-1a", true},
		{`team/a\b_c-d.e`, "x@y:z /\\ w", true},
		{"capability-only", "", true},
		{"", "x", false},
		{strings.Repeat("n", 128), "v", true},
		{strings.Repeat("n", 129), "v", false},
		{"has space", "v", false},
		{"colon:name", "v", false},
		{"n", strings.Repeat("v", 128), true},
		{"n", strings.Repeat("v", 129), false},
		{"n", " leading", false},
		{"n", "trailing ", false},
		{"n", "a,b", false},
		{"n", "quote\"", false},
	}
	for _, tt := range tests {
		err := ValidateAttribute(tt.name, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateAttribute(%q, %q) = %v; want ok=%v", tt.name, tt.value, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("ValidateAttribute(%q, %q) = %v; want InvalidParameterException", tt.name, tt.value, err)
		}
	}
}

func TestIsCustomAttribute(t *testing.T) {
	for name, want := range map[string]bool{
		"stack": true, "ecs.instance-type": false, "com.amazonaws.ecs.capability.ecr-auth": false,
		"ecsx": true, "com.example": true,
	} {
		if got := IsCustomAttribute(name); got != want {
			t.Errorf("IsCustomAttribute(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestAgentCapabilities_CoverDerivedRequirements(t *testing.T) {
	caps := AgentCapabilities()
	if !slices.IsSorted(caps) {
		t.Errorf("capabilities are not sorted")
	}
	// A definition using awslogs, memoryReservation, a health check and
	// dependsOn requires attributes the local agent must advertise.
	td := &ecsmodel.TaskDefinition{
		ExecutionRoleArn: "arn:aws:iam::000000000000:role/exec",
		ContainerDefinitions: []ecsmodel.ContainerDefinition{{
			Name: "a", Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app", MemoryReservation: ptr32(64),
			LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriverAwslogs},
			HealthCheck:      &ecsmodel.HealthCheck{Command: []string{"CMD", "true"}},
			DockerLabels:     map[string]string{"a": "b"},
			StopTimeout:      ptr32(5),
		}},
	}
	for _, a := range requiresAttributes(td) {
		if _, found := slices.BinarySearch(caps, a.Name); !found {
			t.Errorf("required attribute %s is not advertised", a.Name)
		}
	}
}

func TestParseInstanceResources(t *testing.T) {
	cpu := ecsmodel.Resource{Name: "CPU", Type: "INTEGER", IntegerValue: 2048}
	mem := ecsmodel.Resource{Name: "MEMORY", Type: "INTEGER", IntegerValue: 4096}
	tests := []struct {
		name string
		in   []ecsmodel.Resource
		want InstanceResources
		err  string
	}{
		{"cpu and memory", []ecsmodel.Resource{cpu, mem}, InstanceResources{CPU: 2048, Memory: 4096}, ""},
		{"long values", []ecsmodel.Resource{{Name: "CPU", Type: "LONG", LongValue: 1024}, {Name: "MEMORY", Type: "LONG", LongValue: 512}},
			InstanceResources{CPU: 1024, Memory: 512}, ""},
		{"ports and gpus", []ecsmodel.Resource{cpu, mem,
			{Name: "PORTS", Type: "STRINGSET", StringSetValue: []string{"2376", "22", "22"}},
			{Name: "PORTS_UDP", Type: "STRINGSET", StringSetValue: []string{"53"}},
			{Name: "GPU", Type: "STRINGSET", StringSetValue: []string{"gpu1", "gpu0"}},
			{Name: "widgets", Type: "INTEGER", IntegerValue: 3}},
			InstanceResources{CPU: 2048, Memory: 4096, TCPPorts: []uint16{22, 2376}, UDPPorts: []uint16{53},
				GPUs: []string{"gpu0", "gpu1"}, Other: []ecsmodel.Resource{{Name: "widgets", Type: "INTEGER", IntegerValue: 3}}}, ""},
		{"memory missing", []ecsmodel.Resource{cpu}, InstanceResources{}, "CPU and MEMORY are required"},
		{"none", nil, InstanceResources{}, "CPU and MEMORY are required"},
		{"zero cpu", []ecsmodel.Resource{{Name: "CPU", Type: "INTEGER"}, mem}, InstanceResources{}, "positive"},
		{"cpu as string set", []ecsmodel.Resource{{Name: "CPU", Type: "STRINGSET"}, mem}, InstanceResources{}, "type INTEGER"},
		{"twice", []ecsmodel.Resource{cpu, mem, cpu}, InstanceResources{}, "given twice"},
		{"bad port", []ecsmodel.Resource{cpu, mem, {Name: "PORTS", Type: "STRINGSET", StringSetValue: []string{"http"}}}, InstanceResources{}, "not a port number"},
		{"port 0", []ecsmodel.Resource{cpu, mem, {Name: "PORTS", Type: "STRINGSET", StringSetValue: []string{"0"}}}, InstanceResources{}, "not a port number"},
		{"duplicate gpu", []ecsmodel.Resource{cpu, mem, {Name: "GPU", Type: "STRINGSET", StringSetValue: []string{"g", "g"}}}, InstanceResources{}, "distinct"},
		{"custom without type", []ecsmodel.Resource{cpu, mem, {Name: "x"}}, InstanceResources{}, "needs a type"},
		{"no name", []ecsmodel.Resource{cpu, mem, {Type: "INTEGER"}}, InstanceResources{}, "needs a name"},
	}
	for _, tt := range tests {
		got, err := ParseInstanceResources(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalidParameter) {
				t.Errorf("%s: error = %v; want InvalidParameterException containing %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v; want %+v", tt.name, got, tt.want)
		}
	}
}

func TestInstanceResources_Wire(t *testing.T) {
	r := InstanceResources{CPU: 1024, Memory: 2048, TCPPorts: []uint16{22, 80}}
	got := r.Wire()
	want := []ecsmodel.Resource{
		{Name: "CPU", Type: "INTEGER", IntegerValue: 1024},
		{Name: "MEMORY", Type: "INTEGER", IntegerValue: 2048},
		{Name: "PORTS", Type: "STRINGSET", StringSetValue: []string{"22", "80"}},
		{Name: "PORTS_UDP", Type: "STRINGSET", StringSetValue: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Wire() = %+v; want %+v", got, want)
	}
	back, err := ParseInstanceResources(got)
	if err != nil || back.CPU != 1024 || !slices.Equal(back.TCPPorts, r.TCPPorts) {
		t.Errorf("ParseInstanceResources(Wire()) = %+v, %v; want the same resources", back, err)
	}
}

func TestParseIdentityDocument(t *testing.T) {
	d, err := ParseIdentityDocument(`{"instanceId":"i-0abc","instanceType":"m5.large","availabilityZone":"us-east-1b","region":"us-east-1","imageId":"ami-1","architecture":"x86_64"}`)
	if err != nil || d.InstanceID != "i-0abc" || d.InstanceType != "m5.large" || d.AvailabilityZone != "us-east-1b" || d.ImageID != "ami-1" {
		t.Errorf("ParseIdentityDocument = %+v, %v", d, err)
	}
	for _, bad := range []string{`not json`, `{"instanceType":"m5.large"}`} {
		if _, err := ParseIdentityDocument(bad); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("ParseIdentityDocument(%q) = %v; want InvalidParameterException", bad, err)
		}
	}
}

func TestTaskResourceNeeds(t *testing.T) {
	mem := func(n int32) *int32 { return &n }
	port := func(c, h int32, proto ecsmodel.TransportProtocol) ecsmodel.PortMapping {
		return ecsmodel.PortMapping{ContainerPort: &c, HostPort: &h, Protocol: proto}
	}
	tests := []struct {
		name string
		def  ecsmodel.TaskDefinition
		o    *ecsmodel.TaskOverride
		want TaskResources
	}{
		{"containers summed, reservation before memory, no cpu counts 0",
			ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{
				{Name: "a", Memory: mem(512), MemoryReservation: mem(128)},
				{Name: "b", Memory: mem(64), Cpu: 256},
			}},
			nil, TaskResources{CPU: 256, Memory: 192}},
		{"task level wins",
			ecsmodel.TaskDefinition{Cpu: "1024", Memory: "2048", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Memory: mem(64), Cpu: 10}}},
			nil, TaskResources{CPU: 1024, Memory: 2048}},
		{"task overrides",
			ecsmodel.TaskDefinition{Cpu: "1024", Memory: "2048", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a"}}},
			&ecsmodel.TaskOverride{Cpu: "512", Memory: "1GB"}, TaskResources{CPU: 512, Memory: 1024}},
		{"container overrides",
			ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Memory: mem(64), MemoryReservation: mem(32), Cpu: 100}}},
			&ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "a", Cpu: mem(300), MemoryReservation: mem(48)}}},
			TaskResources{CPU: 300, Memory: 48}},
		{"bridge static ports only, by protocol",
			ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Memory: mem(8), PortMappings: []ecsmodel.PortMapping{
				port(80, 8080, ecsmodel.TransportProtocolTcp), port(81, 0, ecsmodel.TransportProtocolTcp), port(53, 5353, ecsmodel.TransportProtocolUdp),
			}}}},
			nil, TaskResources{Memory: 8, TCPPorts: []uint16{8080}, UDPPorts: []uint16{5353}}},
		{"host mode uses the container port",
			ecsmodel.TaskDefinition{NetworkMode: ecsmodel.NetworkModeHost, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Memory: mem(8), PortMappings: []ecsmodel.PortMapping{
				{ContainerPort: mem(9000), Protocol: ecsmodel.TransportProtocolTcp},
			}}}},
			nil, TaskResources{Memory: 8, TCPPorts: []uint16{9000}}},
		{"awsvpc reserves no host ports",
			ecsmodel.TaskDefinition{NetworkMode: ecsmodel.NetworkModeAwsvpc, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Memory: mem(8), PortMappings: []ecsmodel.PortMapping{
				port(80, 80, ecsmodel.TransportProtocolTcp),
			}}}},
			nil, TaskResources{Memory: 8}},
		{"gpus",
			ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{
				{Name: "a", Memory: mem(8), ResourceRequirements: []ecsmodel.ResourceRequirement{{Type: ecsmodel.ResourceTypeGPU, Value: "2"}}},
				{Name: "b", Memory: mem(8), ResourceRequirements: []ecsmodel.ResourceRequirement{{Type: ecsmodel.ResourceTypeGPU, Value: "1"}}},
			}},
			&ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "b", ResourceRequirements: []ecsmodel.ResourceRequirement{}}}},
			TaskResources{Memory: 16, GPUs: 2}},
	}
	for _, tt := range tests {
		got, err := TaskResourceNeeds(&tt.def, tt.o)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: TaskResourceNeeds = %v; want %v", tt.name, got, tt.want)
		}
	}
	_, err := TaskResourceNeeds(&ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a"}}}, &ecsmodel.TaskOverride{Cpu: "lots"})
	if !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("bad cpu override: error = %v; want InvalidParameterException", err)
	}
}

func TestVolumePluginCapabilities(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"local"}, nil},
		{[]string{"local", "rexray"}, []string{"ecs.capability.docker-plugin.rexray"}},
		{[]string{"vieux/sshfs:latest"}, []string{"ecs.capability.docker-plugin.vieux/sshfs", "ecs.capability.docker-plugin.vieux/sshfs.latest"}},
		{[]string{"store/x:1.2", "store/x:1.2"}, []string{"ecs.capability.docker-plugin.store/x.1.2"}},
	}
	for _, tt := range tests {
		if got := VolumePluginCapabilities(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("VolumePluginCapabilities(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	for _, a := range VolumePluginCapabilities([]string{"vieux/sshfs:latest"}) {
		if err := ValidateAttribute(a, ""); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}

func TestRequiresAttributes_CredentialSpecsNeedGMSA(t *testing.T) {
	tests := []struct {
		name string
		c    ecsmodel.ContainerDefinition
		want []string
	}{
		{"domainless", ecsmodel.ContainerDefinition{CredentialSpecs: []string{"credentialspecdomainless:arn:aws:s3:::bucket/spec.json"}}, []string{attrGMSADomainless}},
		{"domain-joined", ecsmodel.ContainerDefinition{CredentialSpecs: []string{"credentialspec:arn:aws:ssm:us-east-1:000000000000:parameter/spec"}}, []string{attrGMSA}},
		{"security option", ecsmodel.ContainerDefinition{DockerSecurityOptions: []string{"no-new-privileges", "credentialspec:file://spec.json"}}, []string{attrGMSA}},
		{"other security options", ecsmodel.ContainerDefinition{DockerSecurityOptions: []string{"no-new-privileges"}}, nil},
	}
	caps := AgentCapabilities()
	for _, tt := range tests {
		tt.c.Name = "a"
		var got []string
		for _, a := range requiresAttributes(&ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{tt.c}}) {
			if strings.Contains(a.Name, "gmsa") {
				got = append(got, a.Name)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: gMSA attributes = %q; want %q", tt.name, got, tt.want)
		}
		for _, a := range got {
			if _, found := slices.BinarySearch(caps, a); found {
				t.Errorf("%s: the local agent advertises %s; it has no credentials-fetcher", tt.name, a)
			}
		}
	}
}
