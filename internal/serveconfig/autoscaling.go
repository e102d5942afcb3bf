package serveconfig

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// MaxGroupSize is the largest maxSize an Auto Scaling group may declare.
const MaxGroupSize = 1000

// AutoScalingGroupDecl declares a virtual Auto Scaling group: the group a
// capacity provider's autoScalingGroupArn names. Its instances register as
// container instances of the cluster the provider is associated with
// (their tasks run on the local Docker host, as every instance's do).
type AutoScalingGroupDecl struct {
	// Name is the group's name; ARN its ARN (default
	// arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>,
	// the uuid derived from the name).
	Name Scalar `json:"name"`
	ARN  Scalar `json:"arn"`
	// MinSize, MaxSize and DesiredCapacity are the group's bounds and
	// initial size (desiredCapacity defaults to minSize).
	MinSize         int  `json:"minSize"`
	MaxSize         int  `json:"maxSize"`
	DesiredCapacity *int `json:"desiredCapacity"`
	// InstanceType sets ecs.instance-type and, for the types ecsrun
	// knows, the CPU and memory; CPU and Memory give them otherwise (or
	// override them).
	InstanceType Scalar   `json:"instanceType"`
	CPU          Quantity `json:"cpu"`
	Memory       Quantity `json:"memory"`
	// AvailabilityZones spreads the instances over zones, round robin.
	AvailabilityZones []Scalar `json:"availabilityZones"`
	// Attributes are further attributes of every instance.
	Attributes map[string]Scalar `json:"attributes"`
}

// AutoScalingGroup is a validated group declaration.
type AutoScalingGroup struct {
	// ARN is "" when the declaration gives none.
	Name, ARN                 string
	MinSize, MaxSize, Desired int
	// CPU units and MiB of each instance.
	CPU, Memory int64
	Zones       []string
	// Attributes of every instance (ecs.instance-type included).
	Attributes map[string]string
}

// instanceTypes are the sizes of common instance types (CPU units, MiB
// registered by the ECS agent: the memory less what the OS keeps).
var instanceTypes = map[string][2]int64{
	"t3.micro": {2048, 944}, "t3.small": {2048, 1955}, "t3.medium": {2048, 3928},
	"t3.large": {2048, 7946}, "t3.xlarge": {4096, 15857},
	"m5.large": {2048, 7680}, "m5.xlarge": {4096, 15578}, "m5.2xlarge": {8192, 31529},
	"c5.large": {2048, 3704}, "c5.xlarge": {4096, 7624}, "r5.large": {2048, 15713},
}

func (d *AutoScalingGroupDecl) expand() (AutoScalingGroup, error) {
	g := AutoScalingGroup{Name: string(d.Name), ARN: string(d.ARN), MinSize: d.MinSize, MaxSize: d.MaxSize}
	if !validName(g.Name) {
		return g, fmt.Errorf("name %q: give 1 to 64 letters, digits, hyphens, underscores or periods", d.Name)
	}
	if d.MinSize < 0 || d.MaxSize < d.MinSize || d.MaxSize > MaxGroupSize {
		return g, fmt.Errorf("want 0 <= minSize <= maxSize <= %d; got minSize %d, maxSize %d", MaxGroupSize, d.MinSize, d.MaxSize)
	}
	g.Desired = d.MinSize
	if d.DesiredCapacity != nil {
		g.Desired = *d.DesiredCapacity
	}
	if g.Desired < g.MinSize || g.Desired > g.MaxSize {
		return g, fmt.Errorf("desiredCapacity %d is outside minSize %d and maxSize %d", g.Desired, g.MinSize, g.MaxSize)
	}
	if size, ok := instanceTypes[string(d.InstanceType)]; ok {
		g.CPU, g.Memory = size[0], size[1]
	}
	if d.CPU != "" {
		cpu, err := ecs.ParseCPU(string(d.CPU))
		if err != nil {
			return g, fmt.Errorf("cpu: %v", err)
		}
		g.CPU = int64(cpu)
	}
	if d.Memory != "" {
		mem, err := ecs.ParseMemory(string(d.Memory))
		if err != nil {
			return g, fmt.Errorf("memory: %v", err)
		}
		g.Memory = int64(mem)
	}
	if g.CPU == 0 || g.Memory == 0 {
		return g, errors.New("give cpu and memory (for example cpu: 2048, memory: 4GB), or an instanceType ecsrun knows (" + fmt.Sprint(slices.Sorted(maps.Keys(instanceTypes))) + ")")
	}
	g.Attributes = map[string]string{}
	for k, v := range d.Attributes {
		g.Attributes[k] = string(v)
	}
	if d.InstanceType != "" {
		g.Attributes[ecs.AttrInstanceType] = string(d.InstanceType)
	}
	for _, name := range slices.Sorted(maps.Keys(g.Attributes)) {
		if err := ecs.ValidateAttribute(name, g.Attributes[name]); err != nil {
			return g, fmt.Errorf("attributes: %v", err)
		}
	}
	for _, z := range d.AvailabilityZones {
		if err := ecs.ValidateAttribute(ecs.AttrAvailabilityZone, string(z)); err != nil || z == "" {
			return g, fmt.Errorf("availabilityZones: %q is not a valid zone name", z)
		}
		g.Zones = append(g.Zones, string(z))
	}
	return g, nil
}
