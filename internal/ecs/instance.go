package ecs

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Built-in container instance attributes (set at registration; the cluster
// query language reads them as attribute:<name>).
const (
	AttrAMIID            = "ecs.ami-id"
	AttrAvailabilityZone = "ecs.availability-zone"
	AttrInstanceType     = "ecs.instance-type"
	AttrOSType           = "ecs.os-type"
	AttrOSFamily         = "ecs.os-family"
	AttrCPUArchitecture  = "ecs.cpu-architecture"
)

// Resource names of a container instance's totalResources.
const (
	ResourceCPU      = "CPU"
	ResourceMemory   = "MEMORY"
	ResourcePorts    = "PORTS"
	ResourcePortsUDP = "PORTS_UDP"
	ResourceGPU      = "GPU"
)

// Resource value types.
const (
	ResourceTypeInteger   = "INTEGER"
	ResourceTypeLong      = "LONG"
	ResourceTypeDouble    = "DOUBLE"
	ResourceTypeStringSet = "STRINGSET"
)

// MaxCustomAttributes is how many custom attributes a container instance
// may carry (AttributeLimitExceededException beyond).
const MaxCustomAttributes = 10

// MaxAttributesPerCall is how many attributes PutAttributes and
// DeleteAttributes take at once.
const MaxAttributesPerCall = 10

// LocalAgentVersion is the Amazon ECS agent version the local agent
// reports in versionInfo (the agentVersion of the cluster query language):
// the agent release whose capabilities it advertises.
const LocalAgentVersion = "1.89.0"

// AgentPorts are the TCP ports the ECS agent reserves on every instance it
// registers (SSH, the Docker daemon, the agent's introspection API).
var AgentPorts = []uint16{22, 2375, 2376, 51678, 51679}

// AgentCapabilities returns the capability attributes ecsrun's local agent
// advertises when it registers a container instance, as the ECS agent for
// Linux does: Docker Remote API versions, logging drivers and agent
// features. Task definitions' requiresAttributes are matched against them.
func AgentCapabilities() []string {
	out := []string{
		"com.amazonaws.ecs.capability.privileged-container",
		"com.amazonaws.ecs.capability.ecr-auth",
		"com.amazonaws.ecs.capability.task-iam-role",
		"com.amazonaws.ecs.capability.task-iam-role-network-host",
		"com.amazonaws.ecs.capability.selinux",
		"com.amazonaws.ecs.capability.apparmor",
		"ecs.capability.private-registry-authentication.secretsmanager",
		"ecs.capability.pid-ipc-namespace-sharing",
		"ecs.capability.extensible-ephemeral-storage",
		"ecs.capability.execution-role-awslogs",
		"ecs.capability.execution-role-ecr-pull",
		"ecs.capability.task-eni",
		"ecs.capability.container-health-check",
		"ecs.capability.container-ordering",
		"ecs.capability.secrets.asm.environment-variables",
		"ecs.capability.secrets.ssm.environment-variables",
		"ecs.capability.secrets.asm.bootstrap.log-driver",
		"ecs.capability.secrets.ssm.bootstrap.log-driver",
		"ecs.capability.env-files.s3",
		"ecs.capability.efs",
		"ecs.capability.efsAuth",
		"ecs.capability.aws-appmesh",
		"ecs.capability.firelens.fluentd",
		"ecs.capability.firelens.fluentbit",
		"ecs.capability.docker-plugin.local",
		"ecs.capability.container-restart-policy",
	}
	for _, d := range []string{"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "awsfirelens", "none"} {
		out = append(out, attrLoggingDriverPrefix+d)
	}
	for minor := 17; minor <= 44; minor++ {
		out = append(out, attrDockerAPIPrefix+"1."+strconv.Itoa(minor))
	}
	slices.Sort(out)
	return out
}

// VolumePluginCapabilities returns the capability attributes the ECS agent
// advertises for the volume drivers of its Docker engine
// (ecs.capability.docker-plugin.<name>, a tag's colon turned into a period;
// a plugin tagged latest also without its tag), sorted, without "local"
// (AgentCapabilities has it).
func VolumePluginCapabilities(drivers []string) []string {
	var out []string
	for _, d := range drivers {
		if d == "" || d == "local" {
			continue
		}
		if name, tag, ok := strings.Cut(d, ":"); ok && tag == "latest" {
			out = append(out, attrDockerPluginPrefix+name)
		}
		out = append(out, DockerPluginAttribute(d))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DockerPluginAttribute is the capability attribute of a volume driver:
// ecs.capability.docker-plugin.<driver>, its tag's colon a period.
func DockerPluginAttribute(driver string) string {
	return attrDockerPluginPrefix + strings.ReplaceAll(driver, ":", ".")
}

// IsVolumePluginAttribute reports whether name is the capability attribute
// of a volume plugin (ecs.capability.docker-plugin.<name>), not the local
// driver's, which every agent has.
func IsVolumePluginAttribute(name string) bool {
	return strings.HasPrefix(name, attrDockerPluginPrefix) && name != attrDockerPluginPrefix+"local"
}

// IsCapabilityAttribute reports whether name is an agent capability
// (com.amazonaws.ecs.capability.* or ecs.capability.*).
func IsCapabilityAttribute(name string) bool {
	return strings.HasPrefix(name, "com.amazonaws.ecs.capability.") || strings.HasPrefix(name, "ecs.capability.")
}

// IsCustomAttribute reports whether name is a custom attribute, as opposed
// to the built-in ones the agent sets (the ecs. and com.amazonaws.ecs.
// prefixes are reserved for those).
func IsCustomAttribute(name string) bool {
	return !strings.HasPrefix(name, "ecs.") && !strings.HasPrefix(name, "com.amazonaws.ecs.")
}

// ValidateAttribute checks an attribute's name and value as ECS does: a
// name of 1 to 128 letters, digits, hyphens, underscores, slashes, back
// slashes and periods; a value (optional) of 1 to 128 of those plus at
// signs, colons and spaces, neither starting nor ending with a space.
func ValidateAttribute(name, value string) error {
	if name == "" || len(name) > 128 {
		return Errorf(ErrInvalidParameter, "Attribute name must be 1 to 128 characters long; %q has %d.", clip(name), len(name))
	}
	for _, r := range name {
		if !attrNameChar(r) {
			return Errorf(ErrInvalidParameter, "Attribute name %q contains %q: use letters, numbers, hyphens (-), underscores (_), forward slashes (/), back slashes (\\) or periods (.).", clip(name), r)
		}
	}
	if value == "" {
		return nil
	}
	if len(value) > 128 {
		return Errorf(ErrInvalidParameter, "The value of attribute %q can be up to 128 characters long; got %d.", name, len(value))
	}
	if value[0] == ' ' || value[len(value)-1] == ' ' {
		return Errorf(ErrInvalidParameter, "The value of attribute %q can't start or end with a space: %q.", name, value)
	}
	for _, r := range value {
		if !attrNameChar(r) && r != '@' && r != ':' && r != ' ' {
			return Errorf(ErrInvalidParameter, "The value of attribute %q contains %q: use letters, numbers, hyphens (-), underscores (_), periods (.), at signs (@), forward slashes (/), back slashes (\\), colons (:) or spaces.", name, r)
		}
	}
	return nil
}

func attrNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '-' || r == '_' || r == '/' || r == '\\' || r == '.'
}

// clip is where long values used to be cut; AWS quotes the whole offending
// value, so it returns s unchanged.
func clip(s string) string { return s }

// InstanceResources is what a container instance offers: its
// RegisterContainerInstance totalResources, parsed.
type InstanceResources struct {
	// CPU in CPU units and Memory in MiB.
	CPU, Memory int64
	// TCPPorts and UDPPorts are the host ports reserved on the instance
	// (PORTS and PORTS_UDP), sorted.
	TCPPorts, UDPPorts []uint16
	// GPUs are the ids of the instance's GPUs (GPU).
	GPUs []string
	// Other holds user-defined resources as given; placement ignores them.
	Other []ecsmodel.Resource
}

// ParseInstanceResources reads totalResources: CPU and MEMORY are required
// (INTEGER or LONG, positive); PORTS and PORTS_UDP are string sets of port
// numbers; GPU a string set of GPU ids; other names are kept as given.
func ParseInstanceResources(rs []ecsmodel.Resource) (InstanceResources, error) {
	var out InstanceResources
	seen := map[string]bool{}
	bad := func(format string, args ...any) (InstanceResources, error) {
		return InstanceResources{}, Errorf(ErrInvalidParameter, "totalResources: "+format, args...)
	}
	for _, r := range rs {
		if r.Name == "" {
			return bad("every resource needs a name (CPU, MEMORY, PORTS, PORTS_UDP, GPU or your own).")
		}
		if seen[r.Name] {
			return bad("resource %s is given twice.", r.Name)
		}
		seen[r.Name] = true
		switch r.Name {
		case ResourceCPU, ResourceMemory:
			var v int64
			switch r.Type {
			case ResourceTypeInteger, "":
				v = int64(r.IntegerValue)
			case ResourceTypeLong:
				v = r.LongValue
			default:
				return bad("resource %s must have type INTEGER (integerValue); got %q.", r.Name, r.Type)
			}
			if v <= 0 || v > math.MaxInt32 {
				return bad("resource %s must be a positive integerValue (CPU units, or MiB of memory); got %d.", r.Name, v)
			}
			if r.Name == ResourceCPU {
				out.CPU = v
			} else {
				out.Memory = v
			}
		case ResourcePorts, ResourcePortsUDP:
			if r.Type != ResourceTypeStringSet && r.Type != "" {
				return bad("resource %s must have type STRINGSET (stringSetValue: reserved port numbers); got %q.", r.Name, r.Type)
			}
			ports, err := parsePortSet(r.Name, r.StringSetValue)
			if err != nil {
				return InstanceResources{}, err
			}
			if r.Name == ResourcePorts {
				out.TCPPorts = ports
			} else {
				out.UDPPorts = ports
			}
		case ResourceGPU:
			if r.Type != ResourceTypeStringSet && r.Type != "" {
				return bad("resource GPU must have type STRINGSET (stringSetValue: GPU ids); got %q.", r.Type)
			}
			ids := slices.Clone(r.StringSetValue)
			slices.Sort(ids)
			for i, id := range ids {
				if id == "" || (i > 0 && ids[i-1] == id) {
					return bad("GPU ids must be non-empty and distinct; got %q.", r.StringSetValue)
				}
			}
			out.GPUs = ids
		default:
			switch r.Type {
			case ResourceTypeInteger, ResourceTypeLong, ResourceTypeDouble, ResourceTypeStringSet:
			default:
				return bad("resource %s needs a type: INTEGER, LONG, DOUBLE or STRINGSET; got %q.", r.Name, r.Type)
			}
			out.Other = append(out.Other, r)
		}
	}
	if out.CPU == 0 || out.Memory == 0 {
		return bad("CPU and MEMORY are required, for example [{name: CPU, type: INTEGER, integerValue: 2048}, {name: MEMORY, type: INTEGER, integerValue: 4096}].")
	}
	return out, nil
}

func parsePortSet(name string, values []string) ([]uint16, error) {
	ports := make([]uint16, 0, len(values))
	for _, s := range values {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 65535 {
			return nil, Errorf(ErrInvalidParameter, "totalResources: resource %s lists %q, which is not a port number (1-65535).", name, s)
		}
		ports = append(ports, uint16(n))
	}
	slices.Sort(ports)
	return slices.Compact(ports), nil
}

// Wire returns the resources in the API's shape: CPU, MEMORY, PORTS and
// PORTS_UDP always, GPU when the instance has GPUs, then the others.
func (r InstanceResources) Wire() []ecsmodel.Resource {
	out := []ecsmodel.Resource{
		{Name: ResourceCPU, Type: ResourceTypeInteger, IntegerValue: int32(r.CPU)},
		{Name: ResourceMemory, Type: ResourceTypeInteger, IntegerValue: int32(r.Memory)},
		{Name: ResourcePorts, Type: ResourceTypeStringSet, StringSetValue: portStrings(r.TCPPorts)},
		{Name: ResourcePortsUDP, Type: ResourceTypeStringSet, StringSetValue: portStrings(r.UDPPorts)},
	}
	if len(r.GPUs) > 0 {
		out = append(out, ecsmodel.Resource{Name: ResourceGPU, Type: ResourceTypeStringSet, StringSetValue: slices.Clone(r.GPUs)})
	}
	return append(out, r.Other...)
}

func portStrings(ports []uint16) []string {
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = strconv.Itoa(int(p))
	}
	return out
}

// IdentityDocument is the part of an EC2 instance identity document that
// registration uses.
type IdentityDocument struct {
	InstanceID       string `json:"instanceId"`
	InstanceType     string `json:"instanceType"`
	AvailabilityZone string `json:"availabilityZone"`
	Region           string `json:"region"`
	ImageID          string `json:"imageId"`
	Architecture     string `json:"architecture"`
}

// ParseIdentityDocument reads an EC2 instance identity document (JSON);
// instanceId is required.
func ParseIdentityDocument(doc string) (IdentityDocument, error) {
	var d IdentityDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return IdentityDocument{}, Errorf(ErrInvalidParameter, "instanceIdentityDocument is not an EC2 instance identity document (JSON with instanceId, instanceType, availabilityZone, ...): %v.", err)
	}
	if d.InstanceID == "" {
		return IdentityDocument{}, Errorf(ErrInvalidParameter, "instanceIdentityDocument has no instanceId.")
	}
	return d, nil
}

// TaskResources is what one task reserves on a container instance.
type TaskResources struct {
	// CPU in CPU units and Memory in MiB.
	CPU, Memory int64
	// TCPPorts and UDPPorts are the static host ports of its port mappings.
	TCPPorts, UDPPorts []uint16
	// GPUs is the number of GPUs.
	GPUs int
}

// TaskResourceNeeds computes what a task of def with overrides reserves on
// an EC2 container instance, as ECS does: the task-level cpu and memory
// when set (overrides first), otherwise the sum over the containers of
// their cpu and of their memoryReservation, or memory when no reservation
// is set (container overrides first); static host ports of bridge and host
// mode port mappings (awsvpc tasks get their own network interface); and
// the GPUs of resourceRequirements. A task that reserves no CPU counts 0.
func TaskResourceNeeds(def *ecsmodel.TaskDefinition, o *ecsmodel.TaskOverride) (TaskResources, error) {
	var need TaskResources
	overrides := map[string]*ecsmodel.ContainerOverride{}
	if o != nil {
		for i := range o.ContainerOverrides {
			overrides[o.ContainerOverrides[i].Name] = &o.ContainerOverrides[i]
		}
	}
	taskCPU, taskMem := def.Cpu, def.Memory
	if o != nil && o.Cpu != "" {
		taskCPU = o.Cpu
	}
	if o != nil && o.Memory != "" {
		taskMem = o.Memory
	}
	if taskCPU != "" {
		n, err := ParseCPU(taskCPU)
		if err != nil {
			return need, Errorf(ErrInvalidParameter, "%s", err.Error())
		}
		need.CPU = int64(n)
	}
	if taskMem != "" {
		n, err := ParseMemory(taskMem)
		if err != nil {
			return need, Errorf(ErrInvalidParameter, "%s", err.Error())
		}
		need.Memory = int64(n)
	}
	mode := EffectiveNetworkMode(def)
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		co := overrides[cd.Name]
		if taskCPU == "" {
			cpu := int64(cd.Cpu)
			if co != nil && co.Cpu != nil {
				cpu = int64(*co.Cpu)
			}
			need.CPU += cpu
		}
		if taskMem == "" {
			mem, res := cd.Memory, cd.MemoryReservation
			if co != nil && co.Memory != nil {
				mem = co.Memory
			}
			if co != nil && co.MemoryReservation != nil {
				res = co.MemoryReservation
			}
			switch {
			case res != nil:
				need.Memory += int64(*res)
			case mem != nil:
				need.Memory += int64(*mem)
			}
		}
		reqs := cd.ResourceRequirements
		if co != nil && co.ResourceRequirements != nil {
			reqs = co.ResourceRequirements
		}
		for _, rr := range reqs {
			if rr.Type != ecsmodel.ResourceTypeGPU {
				continue
			}
			n, err := strconv.Atoi(rr.Value)
			if err != nil || n < 0 {
				return need, Errorf(ErrInvalidParameter, "Container %s: the GPU resource requirement must be a whole number of GPUs; got %q.", cd.Name, rr.Value)
			}
			need.GPUs += n
		}
		if mode != ecsmodel.NetworkModeBridge && mode != ecsmodel.NetworkModeHost {
			continue
		}
		for _, pm := range cd.PortMappings {
			hp := int32(0)
			switch {
			case mode == ecsmodel.NetworkModeHost && pm.ContainerPort != nil:
				hp = *pm.ContainerPort
			case pm.HostPort != nil:
				hp = *pm.HostPort
			}
			if hp <= 0 || hp > 65535 {
				continue
			}
			if pm.Protocol == ecsmodel.TransportProtocolUdp {
				need.UDPPorts = append(need.UDPPorts, uint16(hp))
			} else {
				need.TCPPorts = append(need.TCPPorts, uint16(hp))
			}
		}
	}
	slices.Sort(need.TCPPorts)
	slices.Sort(need.UDPPorts)
	need.TCPPorts = slices.Compact(need.TCPPorts)
	need.UDPPorts = slices.Compact(need.UDPPorts)
	return need, nil
}

// CPUArchitecture returns the ecs.cpu-architecture value of a Go GOARCH
// (x86_64, arm64, or GOARCH itself for others).
func CPUArchitecture(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "arm64"
	case "386":
		return "i386"
	}
	return goarch
}

// ValidateInstanceRef returns an error unless ref is a container instance
// id or ARN.
func ValidateInstanceRef(ref string) error {
	if ref == "" {
		return Errorf(ErrInvalidParameter, "Container instance identifier cannot be empty.")
	}
	if strings.HasPrefix(ref, "arn:") && !strings.Contains(ref, ":container-instance/") {
		return Errorf(ErrInvalidParameter, "%s is not a container instance ARN (arn:aws:ecs:<region>:<account>:container-instance/<cluster>/<id>).", ref)
	}
	return nil
}

// String formats r for messages.
func (r TaskResources) String() string {
	return fmt.Sprintf("cpu %d, memory %d MiB, tcp ports %v, udp ports %v, gpus %d", r.CPU, r.Memory, r.TCPPorts, r.UDPPorts, r.GPUs)
}
