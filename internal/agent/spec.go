package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/depgraph"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/firelens"
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

// Check reports what in spec the agent cannot run, as an
// ecs.ErrUnsupportedFeature error naming the container and the member, so a
// task never runs with part of its definition silently ignored; a
// dependency graph that cannot be resolved (a cycle through links or
// volumesFrom) is an ecs.ErrClient error.
func Check(spec *TaskSpec) error {
	def := spec.Definition
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, v := range def.Volumes {
		// EFS volumes are host directories, configuredAtLaunch ones task
		// volumes; FSx volumes fail placement (no Linux instance has
		// ecs.capability.fsxWindowsFileServer) or provisioning.
		if v.S3filesVolumeConfiguration != nil {
			add("volume %q: s3filesVolumeConfiguration", v.Name)
		}
	}
	if len(def.InferenceAccelerators) > 0 || spec.Overrides != nil && len(spec.Overrides.InferenceAcceleratorOverrides) > 0 {
		add("inferenceAccelerators (Amazon Elastic Inference, which AWS has discontinued)")
	}
	if def.TaskRoleArn != "" || (spec.Overrides != nil && spec.Overrides.TaskRoleArn != "") {
		add("taskRoleArn (task role credentials)")
	}
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		c := func(member string) { add("container %q: %s", cd.Name, member) }
		if len(cd.Secrets) > 0 {
			c("secrets")
		}
		if len(cd.EnvironmentFiles) > 0 {
			c("environmentFiles")
		}
		if hasInferenceAccelerator(cd.ResourceRequirements) {
			c("resourceRequirements InferenceAccelerator (Amazon Elastic Inference, which AWS has discontinued)")
		}
	}
	if spec.Overrides != nil {
		for _, o := range spec.Overrides.ContainerOverrides {
			if len(o.EnvironmentFiles) > 0 {
				add("container override %q: environmentFiles", o.Name)
			}
			if hasInferenceAccelerator(o.ResourceRequirements) {
				add("container override %q: resourceRequirements InferenceAccelerator", o.Name)
			}
		}
	}
	if len(problems) > 0 {
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun cannot run this task definition yet; it uses: %s", strings.Join(problems, "; "))
	}
	if def.NetworkMode == ecsmodel.NetworkModeAwsvpc {
		for _, cd := range def.ContainerDefinitions {
			if cd.Hostname != "" {
				return ecs.Errorf(ecs.ErrClient, "Container '%s': hostname is not supported when networkMode=awsvpc (the task's containers share one network namespace). Remove hostname.", cd.Name)
			}
		}
	}
	if _, err := depgraph.New(graphNodes(def)); err != nil {
		return ecs.Errorf(ecs.ErrClient, "The containers of this task definition cannot be started in any order (dependsOn, links and volumesFrom): %v", err)
	}
	return nil
}

// hasInferenceAccelerator reports whether rs asks for an Elastic Inference
// accelerator.
func hasInferenceAccelerator(rs []ecsmodel.ResourceRequirement) bool {
	for _, r := range rs {
		if r.Type == ecsmodel.ResourceTypeInferenceAccelerator {
			return true
		}
	}
	return false
}

// checkRuntime reports what in spec rt cannot do.
func checkRuntime(spec *TaskSpec, rt runtime.Runtime) error {
	def := spec.Definition
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if _, ok := rt.(runtime.Volumes); !ok {
		for _, v := range def.Volumes {
			if v.Host == nil || v.Host.SourcePath == "" {
				add("volume %q (no volumes)", v.Name)
			}
		}
	}
	for _, cd := range def.ContainerDefinitions {
		if rt.Name() != "process" {
			break // the process runtime is the one without these
		}
		if cd.HealthCheck != nil {
			add("container %q: healthCheck (no health checks)", cd.Name)
		}
		if len(cd.MountPoints) > 0 || len(cd.VolumesFrom) > 0 {
			add("container %q: mountPoints/volumesFrom (no mounts)", cd.Name)
		}
		if len(cd.Links) > 0 {
			add("container %q: links (no container network)", cd.Name)
		}
		if cd.FirelensConfiguration != nil {
			add("container %q: firelensConfiguration (no mounts)", cd.Name)
		}
		if firelens.UsesRouter(&cd) {
			add("container %q: the awsfirelens log driver (no log drivers)", cd.Name)
		}
		if cd.Interactive != nil && *cd.Interactive || cd.PseudoTerminal != nil && *cd.PseudoTerminal {
			add("container %q: interactive/pseudoTerminal (no terminal or open standard input)", cd.Name)
		}
		if cd.RestartPolicy != nil && cd.RestartPolicy.Enabled != nil && *cd.RestartPolicy.Enabled {
			add("container %q: restartPolicy (a process cannot be started again)", cd.Name)
		}
		for _, rr := range cd.ResourceRequirements {
			if rr.Type == ecsmodel.ResourceTypeGPU {
				add("container %q: resourceRequirements GPU (a host process cannot be limited to its GPUs)", cd.Name)
				break
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return ecs.Errorf(ecs.ErrUnsupportedFeature, "the %s runtime cannot run this task definition; it uses: %s. Use the docker runtime.", rt.Name(), strings.Join(problems, "; "))
}

// graphNodes returns the dependency graph of a definition: dependsOn, plus
// a START dependency on the target of each link and the source of each
// volumesFrom (those must run before the container is created), and, as
// the ECS agent adds it, a START dependency on the FireLens log router of
// each container that logs through it without depending on it already
// (unless the router itself depends on others).
func graphNodes(def *ecsmodel.TaskDefinition) []depgraph.Container {
	nodes := make([]depgraph.Container, 0, len(def.ContainerDefinitions))
	router := firelens.Router(def)
	if router != nil && len(router.DependsOn) > 0 {
		router = nil
	}
	for _, cd := range def.ContainerDefinitions {
		n := depgraph.Container{Name: cd.Name}
		if cd.StartTimeout != nil && *cd.StartTimeout > 0 {
			n.StartTimeout = time.Duration(*cd.StartTimeout) * time.Second
		}
		seen := map[depgraph.Dependency]bool{}
		dep := func(d depgraph.Dependency) {
			if !seen[d] {
				seen[d] = true
				n.DependsOn = append(n.DependsOn, d)
			}
		}
		for _, d := range cd.DependsOn {
			dep(depgraph.Dependency{Container: d.ContainerName, Condition: depgraph.Condition(d.Condition)})
		}
		for _, l := range cd.Links {
			target, _, _ := strings.Cut(l, ":")
			dep(depgraph.Dependency{Container: target, Condition: depgraph.Start})
		}
		for _, vf := range cd.VolumesFrom {
			dep(depgraph.Dependency{Container: vf.SourceContainer, Condition: depgraph.Start})
		}
		if router != nil && cd.Name != router.Name && firelens.UsesRouter(&cd) &&
			!slices.ContainsFunc(cd.DependsOn, func(d ecsmodel.ContainerDependency) bool { return d.ContainerName == router.Name }) {
			dep(depgraph.Dependency{Container: router.Name, Condition: depgraph.Start})
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// plainNodes returns the containers of def with no dependencies.
func plainNodes(def *ecsmodel.TaskDefinition) []depgraph.Container {
	nodes := make([]depgraph.Container, 0, len(def.ContainerDefinitions))
	for _, cd := range def.ContainerDefinitions {
		nodes = append(nodes, depgraph.Container{Name: cd.Name})
	}
	return nodes
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

// containerSpec builds the runtime spec of one of the runner's containers.
func (r *runner) containerSpec(ctx context.Context, cd *ecsmodel.ContainerDefinition) runtime.ContainerSpec {
	cs := containerSpec(&r.spec, &r.res, cd, r.a.opts.Region)
	cs.Labels[LabelEngine] = r.a.opts.Engine
	if firelens.Router(r.spec.Definition) != nil && r.a.opts.DataDir != "" {
		applyFirelens(&cs, &r.spec, r.a.firelensDir(r.spec.ID), cd, r.routerIP(ctx, cd))
	}
	return cs
}

// containerSpec builds the runtime spec of one container of spec: the
// definition with its overrides applied, the ECS environment and labels,
// and its share of the task's resources res (volumes, pause container,
// task cgroup).
func containerSpec(spec *TaskSpec, res *Resources, cd *ecsmodel.ContainerDefinition, region string) runtime.ContainerSpec {
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
		DNSSearch:   cd.DnsSearchDomains,
		NetworkMode: "bridge",
	}
	if ov != nil && len(ov.Command) > 0 {
		cs.Command = ov.Command
	}
	mem, memRes := cd.Memory, cd.MemoryReservation
	if ov != nil {
		if ov.Memory != nil {
			mem = ov.Memory
		}
		if ov.MemoryReservation != nil {
			memRes = ov.MemoryReservation
		}
		if ov.Cpu != nil {
			cs.CPUShares = int64(*ov.Cpu)
		}
	}
	if mem != nil {
		cs.MemoryBytes = int64(*mem) << 20
	}
	if memRes != nil {
		cs.MemoryReservationBytes = int64(*memRes) << 20
	}
	if cs.CPUShares == 1 {
		cs.CPUShares = 2 // the kernel's minimum, as the ECS agent sets it
	}
	// Unlike the ECS agent, which gives a container without cpu 2 shares,
	// 0 keeps Docker's default weight (1024): on a machine shared with
	// containers ECS does not run, 2 would starve the task's containers.
	cs.CgroupParent = res.CgroupParent
	if taskCPU, taskMem := taskLimits(spec); res.CgroupParent == "" && (taskCPU > 0 || taskMem > 0) {
		// No task cgroup here: each container gets the task's limits, so
		// none of them alone can exceed them.
		if cs.MemoryBytes == 0 && taskMem > 0 {
			cs.MemoryBytes = taskMem << 20
		}
		cs.NanoCPUs = taskCPU * 1e9 / 1024
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
	linuxParameters(&cs, cd)
	for _, sc := range cd.SystemControls {
		if cs.Sysctls == nil {
			cs.Sysctls = map[string]string{}
		}
		cs.Sysctls[sc.Namespace] = sc.Value
	}
	cs.SecurityOpt = cd.DockerSecurityOptions
	cs.GPUs = containerGPUs(spec, cd.Name)
	cs.OpenStdin = cd.Interactive != nil && *cd.Interactive
	cs.Tty = cd.PseudoTerminal != nil && *cd.PseudoTerminal
	if h := cd.HealthCheck; h != nil {
		cs.HealthCheck = healthCheck(h)
	}
	mounts(&cs, spec, res, cd)
	network(&cs, spec, res, cd)
	return cs
}

// healthCheck maps an ECS health check to the runtime's, with ECS's
// defaults for what it leaves out.
func healthCheck(h *ecsmodel.HealthCheck) *runtime.HealthCheck {
	secs := func(v *int32, def int32) time.Duration {
		if v == nil {
			return time.Duration(def) * time.Second
		}
		return time.Duration(*v) * time.Second
	}
	retries := int32(ecs.DefaultHealthCheckRetries)
	if h.Retries != nil {
		retries = *h.Retries
	}
	return &runtime.HealthCheck{
		Test:        h.Command,
		Interval:    secs(h.Interval, ecs.DefaultHealthCheckInterval),
		Timeout:     secs(h.Timeout, ecs.DefaultHealthCheckTimeout),
		StartPeriod: secs(h.StartPeriod, 0),
		Retries:     int(retries),
	}
}

// linuxParameters maps a container's linuxParameters.
func linuxParameters(cs *runtime.ContainerSpec, cd *ecsmodel.ContainerDefinition) {
	lp := cd.LinuxParameters
	if lp == nil {
		return
	}
	if c := lp.Capabilities; c != nil {
		cs.CapAdd, cs.CapDrop = c.Add, c.Drop
	}
	for _, d := range lp.Devices {
		perms := ""
		for _, p := range d.Permissions {
			switch p {
			case ecsmodel.DeviceCgroupPermissionRead:
				perms += "r"
			case ecsmodel.DeviceCgroupPermissionWrite:
				perms += "w"
			case ecsmodel.DeviceCgroupPermissionMknod:
				perms += "m"
			}
		}
		if perms == "" {
			perms = "rwm"
		}
		target := d.ContainerPath
		if target == "" {
			target = d.HostPath
		}
		cs.Devices = append(cs.Devices, d.HostPath+":"+target+":"+perms)
	}
	cs.Init = lp.InitProcessEnabled != nil && *lp.InitProcessEnabled
	if lp.SharedMemorySize != nil {
		cs.ShmSizeBytes = int64(*lp.SharedMemorySize) << 20
	}
	for _, t := range lp.Tmpfs {
		if cs.Tmpfs == nil {
			cs.Tmpfs = map[string]string{}
		}
		opts := append([]string{fmt.Sprintf("size=%dm", t.Size)}, t.MountOptions...)
		cs.Tmpfs[t.ContainerPath] = strings.Join(opts, ",")
	}
	if lp.MaxSwap != nil && cs.MemoryBytes > 0 {
		// maxSwap is the swap allowed on top of the memory limit; 0 is none.
		cs.MemorySwapBytes = cs.MemoryBytes + int64(*lp.MaxSwap)<<20
	}
	if lp.Swappiness != nil {
		v := int64(*lp.Swappiness)
		cs.Swappiness = &v
	}
}

// mounts maps mountPoints and volumesFrom.
func mounts(cs *runtime.ContainerSpec, spec *TaskSpec, res *Resources, cd *ecsmodel.ContainerDefinition) {
	def := spec.Definition
	for _, mp := range cd.MountPoints {
		src, ok := res.Volumes[mp.SourceVolume]
		if !ok {
			continue
		}
		host := false // a host directory to bind, not a runtime volume
		for _, v := range def.Volumes {
			if v.Name == mp.SourceVolume && (v.Host != nil && v.Host.SourcePath != "" || v.EfsVolumeConfiguration != nil) {
				host = true
			}
		}
		cs.Mounts = append(cs.Mounts, runtime.Mount{Source: src, Target: mp.ContainerPath, ReadOnly: mp.ReadOnly != nil && *mp.ReadOnly, Volume: !host})
	}
	for _, vf := range cd.VolumesFrom {
		v := RuntimeName(def, vf.SourceContainer, spec.ID)
		if vf.ReadOnly != nil && *vf.ReadOnly {
			v += ":ro"
		}
		cs.VolumesFrom = append(cs.VolumesFrom, v)
	}
}

// network applies the task's network, pid and ipc modes. In awsvpc mode
// every container joins the pause container's network namespace (so the
// task's containers reach each other on localhost, as on Fargate); name
// servers and extra hosts then belong to the pause container.
func network(cs *runtime.ContainerSpec, spec *TaskSpec, res *Resources, cd *ecsmodel.ContainerDefinition) {
	def := spec.Definition
	pause := ""
	if res.PauseID != "" {
		pause = "container:" + res.PauseID
	}
	switch def.NetworkMode {
	case ecsmodel.NetworkModeHost:
		cs.NetworkMode = "host"
	case ecsmodel.NetworkModeNone:
		cs.NetworkMode = "none"
	case ecsmodel.NetworkModeAwsvpc:
		if pause != "" {
			cs.NetworkMode = pause
			// Check refuses hostname here; name servers and extra hosts
			// belong to the pause container.
			cs.Hostname, cs.DNSServers, cs.DNSSearch, cs.ExtraHosts = "", nil, nil, nil
		}
	}
	if cd.DisableNetworking != nil && *cd.DisableNetworking {
		cs.NetworkMode = "none"
	}
	if cs.NetworkMode == "bridge" && def.NetworkMode != ecsmodel.NetworkModeAwsvpc {
		for _, l := range cd.Links {
			target, alias, found := strings.Cut(l, ":")
			if !found || alias == "" {
				alias = target
			}
			cs.Links = append(cs.Links, RuntimeName(def, target, spec.ID)+":"+alias)
		}
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
	switch def.PidMode {
	case ecsmodel.PidModeHost:
		cs.PidMode = "host"
	case ecsmodel.PidModeTask:
		cs.PidMode = pause
	}
	switch def.IpcMode {
	case ecsmodel.IpcModeHost:
		cs.IpcMode = "host"
	case ecsmodel.IpcModeNone:
		cs.IpcMode = "none"
	case ecsmodel.IpcModeTask:
		cs.IpcMode = pause
	}
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
	if gpus := containerGPUs(spec, cd.Name); len(gpus) > 0 {
		env[NvidiaVisibleDevices] = strings.Join(gpus, ",")
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

// NvidiaVisibleDevices is the variable that tells the NVIDIA container
// runtime which GPUs a container gets; the ECS agent sets it to the ids of
// the container's GPUs, over the definition's environment.
const NvidiaVisibleDevices = "NVIDIA_VISIBLE_DEVICES"

// containerGPUs returns the GPUs of spec's task that the container named
// name gets (see ContainerGPUs).
func containerGPUs(spec *TaskSpec, name string) []string {
	return ContainerGPUs(spec.Definition, spec.Overrides, spec.GPUs, name)
}

// ContainerGPUs returns the GPUs of a task of def with overrides o, which
// placement gave gpus, that the container named name gets: they are handed
// out in container order, each container taking as many as its GPU
// resourceRequirement (its override's when the override gives any) asks
// for.
func ContainerGPUs(def *ecsmodel.TaskDefinition, o *ecsmodel.TaskOverride, gpus []string, name string) []string {
	if len(gpus) == 0 {
		return nil
	}
	next := 0
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		reqs := cd.ResourceRequirements
		if ov := override(o, cd.Name); ov != nil && ov.ResourceRequirements != nil {
			reqs = ov.ResourceRequirements
		}
		n := 0
		for _, rr := range reqs {
			if rr.Type == ecsmodel.ResourceTypeGPU {
				k, _ := strconv.Atoi(rr.Value)
				n += max(k, 0)
			}
		}
		end := min(next+n, len(gpus))
		if cd.Name == name {
			return gpus[next:end]
		}
		next = end
	}
	return nil
}

// stopTimeout returns the container's stop timeout.
func stopTimeout(cd *ecsmodel.ContainerDefinition) time.Duration {
	if cd.StopTimeout != nil && *cd.StopTimeout > 0 {
		return time.Duration(*cd.StopTimeout) * time.Second
	}
	return DefaultStopTimeout
}
