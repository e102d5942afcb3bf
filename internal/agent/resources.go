package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// PauseContainerName is the container name label of a task's pause
// container (the ECS agent calls its own "~internal~ecs~pause").
const PauseContainerName = "~internal~ecs~pause"

// needsPause reports whether the task's containers share namespaces held
// by a pause container: the network with awsvpc, pid and ipc with "task".
func needsPause(def *ecsmodel.TaskDefinition) bool {
	return def.NetworkMode == ecsmodel.NetworkModeAwsvpc || def.PidMode == ecsmodel.PidModeTask || def.IpcMode == ecsmodel.IpcModeTask
}

// VolumeName returns the runtime name of a task-scoped volume, as the ECS
// agent names them: ecs-<family>-<revision>-<volume>-<20 hex>, the suffix
// derived from the task id.
func VolumeName(def *ecsmodel.TaskDefinition, volume, taskID string) string {
	sum := sha256.Sum256([]byte(taskID + "/volume/" + volume))
	return fmt.Sprintf("ecs-%s-%d-%s-%s", def.Family, def.Revision, volume, hex.EncodeToString(sum[:10]))
}

// taskLimits returns the task-level cpu (in CPU units) and memory (MiB),
// with the overrides applied; 0 when not set.
func taskLimits(spec *TaskSpec) (cpu, memory int64) {
	c, m := spec.Definition.Cpu, spec.Definition.Memory
	if o := spec.Overrides; o != nil {
		if o.Cpu != "" {
			c = o.Cpu
		}
		if o.Memory != "" {
			m = o.Memory
		}
	}
	cpu, _ = strconv.ParseInt(c, 10, 64)
	memory, _ = strconv.ParseInt(m, 10, 64)
	return max(cpu, 0), max(memory, 0)
}

// provision sets up what the task needs before its containers: the task
// cgroup, its volumes, its FireLens directory and its pause container. Every step may run again
// after a restart.
func (r *runner) provision(ctx context.Context) error {
	def := r.spec.Definition
	if cpu, mem := taskLimits(&r.spec); cpu > 0 || mem > 0 {
		if tc, ok := r.rt.(runtime.TaskCgroups); ok {
			parent, err := tc.TaskCgroup(ctx, r.spec.ID, runtime.TaskLimits{NanoCPUs: cpu * 1e9 / 1024, MemoryBytes: mem << 20})
			switch {
			case err == nil:
				r.res.Cgroup, r.res.CgroupParent = r.spec.ID, parent
			case errors.Is(err, runtime.ErrNotSupported):
				r.a.opts.Log.Info("task cpu and memory are enforced per container", "task", r.spec.ID, "why", err)
			default:
				return err
			}
		}
	}
	if err := r.provisionVolumes(ctx); err != nil {
		return err
	}
	if err := r.provisionFirelens(); err != nil {
		return err
	}
	if needsPause(def) {
		if err := r.startPause(ctx); err != nil {
			return err
		}
	}
	return nil
}

// provisionVolumes creates the task's Docker volumes and records where each
// volume of the definition comes from.
func (r *runner) provisionVolumes(ctx context.Context) error {
	def := r.spec.Definition
	if len(def.Volumes) == 0 {
		return nil
	}
	vr, _ := r.rt.(runtime.Volumes)
	if r.res.Volumes == nil {
		r.res.Volumes = map[string]string{}
	}
	for _, v := range def.Volumes {
		if v.Host != nil && v.Host.SourcePath != "" {
			r.res.Volumes[v.Name] = v.Host.SourcePath
			continue
		}
		if e := v.EfsVolumeConfiguration; e != nil {
			if r.a.opts.EFS == nil {
				return fmt.Errorf("volume %q: this agent has no EFS file systems", v.Name)
			}
			dir, warning, err := r.a.opts.EFS.Mount(ctx, e)
			if err != nil {
				return fmt.Errorf("volume %q: %w", v.Name, err)
			}
			if warning != "" {
				r.a.opts.Log.Warn("EFS volume: "+warning, "task", r.spec.ID, "volume", v.Name)
			}
			r.res.Volumes[v.Name] = dir
			continue
		}
		if v.FsxWindowsFileServerVolumeConfiguration != nil {
			return fmt.Errorf("volume %q: FSx for Windows File Server volumes need a Windows container instance (attribute %s); ecsrun runs Linux containers", v.Name, ecs.AttrFSxWindowsFileServer)
		}
		if vr == nil {
			return fmt.Errorf("volume %q: the %s runtime has no volumes", v.Name, r.rt.Name())
		}
		dvc := v.DockerVolumeConfiguration
		if dvc == nil {
			// A volume with no host path: a Docker volume owned by the task.
			dvc = &ecsmodel.DockerVolumeConfiguration{Scope: ecsmodel.ScopeTask, Driver: "local"}
		}
		if dvc.Scope == ecsmodel.ScopeShared {
			if err := r.sharedVolume(ctx, vr, v.Name, dvc); err != nil {
				return err
			}
			r.res.Volumes[v.Name] = v.Name
			continue
		}
		name := VolumeName(def, v.Name, r.spec.ID)
		labels := maps.Clone(dvc.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		labels[LabelTaskARN] = r.spec.ARN
		labels[LabelEngine] = r.a.opts.Engine
		if err := vr.CreateVolume(ctx, runtime.VolumeSpec{Name: name, Driver: dvc.Driver, DriverOpts: dvc.DriverOpts, Labels: labels}); err != nil {
			return volumeError(v.Name, dvc.Driver, err)
		}
		r.res.Volumes[v.Name] = name
	}
	return nil
}

// sharedVolume makes sure a shared-scope volume exists: it is used as it
// is, created when missing and autoprovision is true, and must then match
// the definition's driver, options and labels.
func (r *runner) sharedVolume(ctx context.Context, vr runtime.Volumes, name string, dvc *ecsmodel.DockerVolumeConfiguration) error {
	driver := dvc.Driver
	if driver == "" {
		driver = "local"
	}
	auto := dvc.Autoprovision != nil && *dvc.Autoprovision
	got, err := vr.InspectVolume(ctx, name)
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		if !auto {
			return fmt.Errorf("shared volume %q does not exist; create it (docker volume create %s) or set autoprovision to true", name, name)
		}
		if err := vr.CreateVolume(ctx, runtime.VolumeSpec{Name: name, Driver: driver, DriverOpts: dvc.DriverOpts, Labels: dvc.Labels}); err != nil {
			return volumeError(name, driver, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("shared volume %q: %w", name, err)
	}
	if !auto {
		return nil
	}
	if got.Driver != driver {
		return fmt.Errorf("shared volume %q exists with driver %q; the task definition asks for %q", name, got.Driver, driver)
	}
	for k, v := range dvc.DriverOpts {
		if got.DriverOpts[k] != v {
			return fmt.Errorf("shared volume %q exists with driver option %s=%q; the task definition asks for %q", name, k, got.DriverOpts[k], v)
		}
	}
	for k, v := range dvc.Labels {
		if got.Labels[k] != v {
			return fmt.Errorf("shared volume %q exists with label %s=%q; the task definition asks for %q", name, k, got.Labels[k], v)
		}
	}
	return nil
}

// volumeError describes a failure to create a volume, naming a volume
// driver that is not installed.
func volumeError(volume, driver string, err error) error {
	if errors.Is(err, runtime.ErrNoVolumeDriver) {
		return fmt.Errorf("volume %q: volume driver %q is not installed on this host: install the Docker volume plugin (docker plugin install ...) or use driver local: %w", volume, driver, err)
	}
	return fmt.Errorf("volume %q: %w", volume, err)
}

// startPause creates and starts the task's pause container (or finds the
// one created before a restart) and records its address.
func (r *runner) startPause(ctx context.Context) error {
	p, ok := r.rt.(runtime.Pauser)
	if !ok {
		// Host processes share every namespace already.
		if r.spec.Definition.NetworkMode == ecsmodel.NetworkModeAwsvpc {
			r.res.PrivateIPv4 = "127.0.0.1"
		}
		return nil
	}
	def := r.spec.Definition
	name := RuntimeName(def, "internalecspause", r.spec.ID)
	st, err := r.rt.Inspect(ctx, name)
	if errors.Is(err, runtime.ErrNotFound) {
		img, err := p.PauseImage(ctx)
		if err != nil {
			return fmt.Errorf("pause container: %w", err)
		}
		cs := runtime.ContainerSpec{
			Name:  name,
			Image: img,
			Labels: map[string]string{
				LabelTaskARN: r.spec.ARN, LabelContainerName: PauseContainerName, LabelFamily: def.Family,
				LabelFamilyRevision: strconv.Itoa(int(def.Revision)), LabelCluster: r.spec.Cluster, LabelEngine: r.a.opts.Engine,
			},
			NetworkMode:  "none",
			CgroupParent: r.res.CgroupParent,
		}
		if def.NetworkMode == ecsmodel.NetworkModeAwsvpc {
			cs.NetworkMode = "bridge"
			// Name resolution and /etc/hosts belong to the namespace holder.
			for _, cd := range def.ContainerDefinitions {
				cs.DNSServers = append(cs.DNSServers, cd.DnsServers...)
				cs.DNSSearch = append(cs.DNSSearch, cd.DnsSearchDomains...)
				for _, h := range cd.ExtraHosts {
					cs.ExtraHosts = append(cs.ExtraHosts, h.Hostname+":"+h.IpAddress)
				}
			}
		}
		if def.IpcMode == ecsmodel.IpcModeTask {
			cs.IpcMode = "shareable"
		}
		r.res.PauseName = name
		id, err := r.rt.Create(ctx, cs)
		if errors.Is(err, runtime.ErrNameInUse) && r.spec.State != nil {
			// Re-adopted: the killed engine's create of it may still be
			// under way (see startContainer).
			st, err = r.inspectNamed(ctx, name)
			id = st.ID
		}
		if err != nil {
			return fmt.Errorf("pause container: %w", err)
		}
		st.ID = id
	} else if err != nil {
		return fmt.Errorf("pause container: %w", err)
	}
	r.res.PauseID, r.res.PauseName = st.ID, name
	if !st.Running {
		if err := r.rt.Start(ctx, st.ID); err != nil {
			return fmt.Errorf("pause container: %w", err)
		}
	}
	if def.NetworkMode == ecsmodel.NetworkModeAwsvpc {
		st, err := r.rt.Inspect(ctx, st.ID)
		if err != nil {
			return fmt.Errorf("pause container: %w", err)
		}
		r.res.PrivateIPv4, r.res.MACAddress = st.IPAddress, st.MACAddress
	}
	return nil
}

// deprovision releases what provision set up, once every container has
// stopped: the pause container and the task cgroup. Task volumes stay until
// the task's containers are removed (RemoveExpired).
func (r *runner) deprovision(ctx context.Context) {
	if id := r.res.PauseID; id != "" {
		if err := r.rt.Remove(ctx, id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			r.a.opts.Log.Warn("remove pause container", "task", r.spec.ID, "err", err)
		}
	}
	if r.res.Cgroup != "" {
		if tc, ok := r.rt.(runtime.TaskCgroups); ok {
			// The containers' own cgroups go away just after they exit.
			var err error
			for try := 0; try < 10; try++ {
				if err = tc.RemoveTaskCgroup(ctx, r.res.Cgroup); err == nil || !sleepCtx(ctx, 100*time.Millisecond) {
					break
				}
			}
			if err != nil {
				r.a.opts.Log.Warn("remove task cgroup", "task", r.spec.ID, "err", err)
			}
		}
	}
}
