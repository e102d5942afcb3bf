package request

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Merge overlays src onto dst: every member src sets replaces dst's, except
// tags (merged by key, src winning), the awsvpc network configuration
// (merged by member: subnets, securityGroups, assignPublicIp) and overrides
// (merged as MergeOverrides does). Other lists are replaced whole.
func Merge(dst, src *ecsmodel.RunTaskRequest) {
	if src == nil {
		return
	}
	if len(src.CapacityProviderStrategy) > 0 {
		dst.CapacityProviderStrategy = slices.Clone(src.CapacityProviderStrategy)
		dst.LaunchType = "" // the two exclude each other
	}
	setString(&dst.Cluster, src.Cluster)
	if src.Count != nil {
		c := *src.Count
		dst.Count = &c
	}
	dst.EnableECSManagedTags = dst.EnableECSManagedTags || src.EnableECSManagedTags
	dst.EnableExecuteCommand = dst.EnableExecuteCommand || src.EnableExecuteCommand
	setString(&dst.Group, src.Group)
	if src.LaunchType != "" {
		dst.LaunchType = src.LaunchType
		dst.CapacityProviderStrategy = nil
	}
	if src.NetworkConfiguration != nil {
		mergeNetwork(dst, src.NetworkConfiguration)
	}
	if src.Overrides != nil {
		if dst.Overrides == nil {
			dst.Overrides = &ecsmodel.TaskOverride{}
		}
		MergeOverrides(dst.Overrides, src.Overrides)
	}
	if len(src.PlacementConstraints) > 0 {
		dst.PlacementConstraints = slices.Clone(src.PlacementConstraints)
	}
	if len(src.PlacementStrategy) > 0 {
		dst.PlacementStrategy = slices.Clone(src.PlacementStrategy)
	}
	setString(&dst.PlatformVersion, src.PlatformVersion)
	if src.PropagateTags != "" {
		dst.PropagateTags = src.PropagateTags
	}
	setString(&dst.ReferenceId, src.ReferenceId)
	setString(&dst.StartedBy, src.StartedBy)
	dst.Tags = MergeTags(dst.Tags, src.Tags)
	setString(&dst.TaskDefinition, src.TaskDefinition)
	setString(&dst.ClientToken, src.ClientToken)
	if len(src.VolumeConfigurations) > 0 {
		dst.VolumeConfigurations = slices.Clone(src.VolumeConfigurations)
	}
}

func setString(dst *string, src string) {
	if src != "" {
		*dst = src
	}
}

// mergeNetwork overlays the awsvpc members n sets (subnets, security
// groups, assignPublicIp), keeping the others.
func mergeNetwork(dst *ecsmodel.RunTaskRequest, n *ecsmodel.NetworkConfiguration) {
	a := n.AwsvpcConfiguration
	if a == nil {
		return
	}
	if dst.NetworkConfiguration == nil {
		dst.NetworkConfiguration = &ecsmodel.NetworkConfiguration{}
	} else {
		c := *dst.NetworkConfiguration
		dst.NetworkConfiguration = &c
	}
	d := &ecsmodel.AwsVpcConfiguration{}
	if old := dst.NetworkConfiguration.AwsvpcConfiguration; old != nil {
		*d = *old
	}
	if len(a.Subnets) > 0 {
		d.Subnets = slices.Clone(a.Subnets)
	}
	if len(a.SecurityGroups) > 0 {
		d.SecurityGroups = slices.Clone(a.SecurityGroups)
	}
	if a.AssignPublicIp != "" {
		d.AssignPublicIp = a.AssignPublicIp
	}
	dst.NetworkConfiguration.AwsvpcConfiguration = d
}

// MergeTags returns base with each tag of over set (replacing a tag of the
// same key in place, or appended).
func MergeTags(base, over []ecsmodel.Tag) []ecsmodel.Tag {
	out := slices.Clone(base)
	for _, t := range over {
		i := slices.IndexFunc(out, func(x ecsmodel.Tag) bool { return x.Key == t.Key })
		if i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	return out
}

// MergeOverrides overlays src onto dst: task-level members src sets replace
// dst's; container overrides are merged per container name (command,
// resources replaced, environment merged by variable name).
func MergeOverrides(dst, src *ecsmodel.TaskOverride) {
	setString(&dst.Cpu, src.Cpu)
	setString(&dst.Memory, src.Memory)
	setString(&dst.TaskRoleArn, src.TaskRoleArn)
	setString(&dst.ExecutionRoleArn, src.ExecutionRoleArn)
	if src.EphemeralStorage != nil {
		e := *src.EphemeralStorage
		dst.EphemeralStorage = &e
	}
	if len(src.InferenceAcceleratorOverrides) > 0 {
		dst.InferenceAcceleratorOverrides = slices.Clone(src.InferenceAcceleratorOverrides)
	}
	for _, co := range src.ContainerOverrides {
		d := containerOverride(dst, co.Name)
		if len(co.Command) > 0 {
			d.Command = slices.Clone(co.Command)
		}
		for _, kv := range co.Environment {
			setEnv(d, kv.Name, kv.Value)
		}
		if len(co.EnvironmentFiles) > 0 {
			d.EnvironmentFiles = slices.Clone(co.EnvironmentFiles)
		}
		if co.Cpu != nil {
			v := *co.Cpu
			d.Cpu = &v
		}
		if co.Memory != nil {
			v := *co.Memory
			d.Memory = &v
		}
		if co.MemoryReservation != nil {
			v := *co.MemoryReservation
			d.MemoryReservation = &v
		}
		if len(co.ResourceRequirements) > 0 {
			d.ResourceRequirements = slices.Clone(co.ResourceRequirements)
		}
	}
}

// containerOverride returns the override of the named container in o,
// adding an empty one when there is none.
func containerOverride(o *ecsmodel.TaskOverride, name string) *ecsmodel.ContainerOverride {
	for i := range o.ContainerOverrides {
		if o.ContainerOverrides[i].Name == name {
			return &o.ContainerOverrides[i]
		}
	}
	o.ContainerOverrides = append(o.ContainerOverrides, ecsmodel.ContainerOverride{Name: name})
	return &o.ContainerOverrides[len(o.ContainerOverrides)-1]
}

func setEnv(co *ecsmodel.ContainerOverride, name, value string) {
	for i := range co.Environment {
		if co.Environment[i].Name == name {
			co.Environment[i].Value = value
			return
		}
	}
	co.Environment = append(co.Environment, ecsmodel.KeyValuePair{Name: name, Value: value})
}

// Container is what overrides need to know of a task definition's
// container.
type Container struct {
	Name      string
	Essential bool
}

// Changes are the overrides that depend on the task definition: environment
// variables without a container name go to every essential container, and
// a command without a container name to the only essential one.
type Changes struct {
	Env       []EnvVar
	Container string   // the container Command is for ("": the only essential one)
	Command   []string // nil: unchanged
}

// Apply adds ch to req.Overrides for a task definition with containers cs
// (in definition order). Errors name the containers there are.
func Apply(req *ecsmodel.RunTaskRequest, ch Changes, cs []Container) error {
	if len(ch.Env) == 0 && ch.Command == nil {
		return nil
	}
	var names, essential []string
	for _, c := range cs {
		names = append(names, c.Name)
		if c.Essential {
			essential = append(essential, c.Name)
		}
	}
	known := func(name, what string) error {
		if slices.Contains(names, name) {
			return nil
		}
		return fmt.Errorf("%s: the task definition has no container %q; its containers are %s", what, name, strings.Join(names, ", "))
	}
	if req.Overrides == nil {
		req.Overrides = &ecsmodel.TaskOverride{}
	}
	for _, v := range ch.Env {
		targets := essential
		if v.Container != "" {
			if err := known(v.Container, "--env "+v.Container+":"+v.Name); err != nil {
				return err
			}
			targets = []string{v.Container}
		}
		for _, c := range targets {
			setEnv(containerOverride(req.Overrides, c), v.Name, v.Value)
		}
	}
	if ch.Command != nil {
		target := ch.Container
		switch {
		case target != "":
			if err := known(target, "--container"); err != nil {
				return err
			}
		case len(essential) == 1:
			target = essential[0]
		default:
			return fmt.Errorf("--command: the task definition has %d essential containers (%s); name the one to run it in with --container", len(essential), strings.Join(essential, ", "))
		}
		containerOverride(req.Overrides, target).Command = slices.Clone(ch.Command)
	}
	return nil
}
