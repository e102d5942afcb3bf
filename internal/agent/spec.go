package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// ECS agent labels put on every container (set last, over dockerLabels).
const (
	LabelTaskARN        = "com.amazonaws.ecs.task-arn"
	LabelContainerName  = "com.amazonaws.ecs.container-name"
	LabelFamily         = "com.amazonaws.ecs.task-definition-family"
	LabelFamilyRevision = "com.amazonaws.ecs.task-definition-version"
	LabelCluster        = "com.amazonaws.ecs.cluster"
	// LabelEngine names the ecsrun engine (state directory) that runs the
	// container; it is ecsrun's own, not the ECS agent's.
	LabelEngine = "io.ecsrun.engine"
)

// DefaultStopTimeout is how long a container gets between its stop signal
// and SIGKILL when its definition sets no stopTimeout (the ECS agent's
// ECS_CONTAINER_STOP_TIMEOUT default).
const DefaultStopTimeout = 30 * time.Second

// RuntimeName returns the runtime name of a container, as the ECS agent
// names them: ecs-<family>-<revision>-<container>-<20 hex>. The suffix is
// derived from the task id so a restarted agent can find it again.
func RuntimeName(def *ecsmodel.TaskDefinition, container, taskID string) string {
	sum := sha256.Sum256([]byte(taskID + "/" + container))
	return fmt.Sprintf("ecs-%s-%d-%s-%s", def.Family, def.Revision, container, hex.EncodeToString(sum[:10]))
}

// Check reports what in spec the agent cannot run yet, as an
// ecs.ErrUnsupportedFeature error naming the container and the member, so a
// task never runs with part of its definition silently ignored.
func Check(spec *TaskSpec) error {
	def := spec.Definition
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(def.Volumes) > 0 {
		add("volumes")
	}
	if def.TaskRoleArn != "" || (spec.Overrides != nil && spec.Overrides.TaskRoleArn != "") {
		add("taskRoleArn (task role credentials)")
	}
	if def.ProxyConfiguration != nil {
		add("proxyConfiguration")
	}
	if def.PidMode != "" {
		add("pidMode")
	}
	if def.IpcMode != "" {
		add("ipcMode")
	}
	if def.NetworkMode == ecsmodel.NetworkModeAwsvpc && len(def.ContainerDefinitions) > 1 {
		add("networkMode awsvpc with more than one container (a shared network namespace)")
	}
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		c := func(member string) { add("container %q: %s", cd.Name, member) }
		if len(cd.DependsOn) > 0 {
			c("dependsOn")
		}
		if cd.HealthCheck != nil {
			c("healthCheck")
		}
		if len(cd.Secrets) > 0 {
			c("secrets")
		}
		if len(cd.EnvironmentFiles) > 0 {
			c("environmentFiles")
		}
		if len(cd.MountPoints) > 0 {
			c("mountPoints")
		}
		if len(cd.VolumesFrom) > 0 {
			c("volumesFrom")
		}
		if len(cd.Links) > 0 {
			c("links")
		}
		if cd.LinuxParameters != nil {
			c("linuxParameters")
		}
		if cd.FirelensConfiguration != nil {
			c("firelensConfiguration")
		}
		if len(cd.SystemControls) > 0 {
			c("systemControls")
		}
		if len(cd.ResourceRequirements) > 0 {
			c("resourceRequirements")
		}
		if len(cd.DockerSecurityOptions) > 0 {
			c("dockerSecurityOptions")
		}
		if cd.Interactive != nil && *cd.Interactive || cd.PseudoTerminal != nil && *cd.PseudoTerminal {
			c("interactive/pseudoTerminal")
		}
		if cd.RestartPolicy != nil && cd.RestartPolicy.Enabled != nil && *cd.RestartPolicy.Enabled {
			c("restartPolicy")
		}
	}
	if spec.Overrides != nil {
		for _, o := range spec.Overrides.ContainerOverrides {
			if len(o.EnvironmentFiles) > 0 {
				add("container override %q: environmentFiles", o.Name)
			}
			if len(o.ResourceRequirements) > 0 {
				add("container override %q: resourceRequirements", o.Name)
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun cannot run this task definition yet; it uses: %s", strings.Join(problems, "; "))
}

// override returns the container override for name, or nil.
func override(o *ecsmodel.TaskOverride, name string) *ecsmodel.ContainerOverride {
	if o == nil {
		return nil
	}
	for i := range o.ContainerOverrides {
		if o.ContainerOverrides[i].Name == name {
			return &o.ContainerOverrides[i]
		}
	}
	return nil
}

// containerSpec builds the runtime spec of one container of spec: the
// definition with its overrides applied, the ECS environment and labels.
func containerSpec(spec *TaskSpec, cd *ecsmodel.ContainerDefinition, region string) runtime.ContainerSpec {
	def := spec.Definition
	ov := override(spec.Overrides, cd.Name)
	cs := runtime.ContainerSpec{
		Name:        RuntimeName(def, cd.Name, spec.ID),
		Image:       cd.Image,
		EntryPoint:  cd.EntryPoint,
		Command:     cd.Command,
		WorkingDir:  cd.WorkingDirectory,
		User:        cd.User,
		Hostname:    cd.Hostname,
		CPUShares:   int64(cd.Cpu),
		DNSServers:  cd.DnsServers,
		NetworkMode: "bridge",
	}
	if ov != nil && len(ov.Command) > 0 {
		cs.Command = ov.Command
	}
	mem, res := cd.Memory, cd.MemoryReservation
	if ov != nil {
		if ov.Memory != nil {
			mem = ov.Memory
		}
		if ov.MemoryReservation != nil {
			res = ov.MemoryReservation
		}
		if ov.Cpu != nil {
			cs.CPUShares = int64(*ov.Cpu)
		}
	}
	if mem != nil {
		cs.MemoryBytes = int64(*mem) << 20
	}
	if res != nil {
		cs.MemoryReservationBytes = int64(*res) << 20
	}
	if cs.CPUShares == 1 {
		cs.CPUShares = 2 // Docker's minimum; the ECS agent does the same.
	}
	cs.Env = environment(spec, cd, ov, region)
	labels := map[string]string{}
	for k, v := range cd.DockerLabels {
		labels[k] = v
	}
	labels[LabelTaskARN] = spec.ARN
	labels[LabelContainerName] = cd.Name
	labels[LabelFamily] = def.Family
	labels[LabelFamilyRevision] = strconv.Itoa(int(def.Revision))
	labels[LabelCluster] = spec.Cluster
	cs.Labels = labels
	for _, u := range cd.Ulimits {
		cs.Ulimits = append(cs.Ulimits, runtime.Ulimit{Name: string(u.Name), Soft: int64(u.SoftLimit), Hard: int64(u.HardLimit)})
	}
	cs.ReadonlyRootfs = cd.ReadonlyRootFilesystem != nil && *cd.ReadonlyRootFilesystem
	cs.Privileged = cd.Privileged != nil && *cd.Privileged
	for _, h := range cd.ExtraHosts {
		cs.ExtraHosts = append(cs.ExtraHosts, h.Hostname+":"+h.IpAddress)
	}
	switch def.NetworkMode {
	case ecsmodel.NetworkModeHost:
		cs.NetworkMode = "host"
	case ecsmodel.NetworkModeNone:
		cs.NetworkMode = "none"
	}
	if cd.DisableNetworking != nil && *cd.DisableNetworking {
		cs.NetworkMode = "none"
	}
	if cs.NetworkMode == "bridge" && def.NetworkMode != ecsmodel.NetworkModeAwsvpc {
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort == nil {
				continue
			}
			b := runtime.PortBinding{ContainerPort: int(*pm.ContainerPort), Protocol: "tcp"}
			if pm.HostPort != nil {
				b.HostPort = int(*pm.HostPort)
			}
			if pm.Protocol != "" {
				b.Protocol = string(pm.Protocol)
			}
			cs.PortBindings = append(cs.PortBindings, b)
		}
	}
	return cs
}

// environment merges, each winning over the ones before it, the variables
// the ECS agent sets, the environment files', the definition's environment,
// the override's, and the secrets and endpoint variables; sorted by name.
func environment(spec *TaskSpec, cd *ecsmodel.ContainerDefinition, ov *ecsmodel.ContainerOverride, region string) []string {
	env := map[string]string{}
	execEnv := "AWS_ECS_EC2"
	if spec.LaunchType == "FARGATE" {
		execEnv = "AWS_ECS_FARGATE"
	}
	env["AWS_EXECUTION_ENV"] = execEnv
	env["AWS_REGION"] = region
	env["AWS_DEFAULT_REGION"] = region
	extra := spec.Env[cd.Name]
	for k, v := range extra.Files {
		env[k] = v
	}
	for _, kv := range cd.Environment {
		env[kv.Name] = kv.Value
	}
	if ov != nil {
		for _, kv := range ov.Environment {
			env[kv.Name] = kv.Value
		}
	}
	for k, v := range extra.Set {
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// stopTimeout returns the container's stop timeout.
func stopTimeout(cd *ecsmodel.ContainerDefinition) time.Duration {
	if cd.StopTimeout != nil && *cd.StopTimeout > 0 {
		return time.Duration(*cd.StopTimeout) * time.Second
	}
	return DefaultStopTimeout
}
