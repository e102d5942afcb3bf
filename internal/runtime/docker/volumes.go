package docker

import (
	"context"
	"fmt"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.Volumes = (*Runtime)(nil)

// CreateVolume creates a named volume; the engine answers an existing
// volume of the same name and driver without changing it.
func (r *Runtime) CreateVolume(ctx context.Context, spec runtime.VolumeSpec) error {
	driver := spec.Driver
	if driver == "" {
		driver = "local"
	}
	_, err := r.cli.VolumeCreate(ctx, volume.CreateOptions{Name: spec.Name, Driver: driver, DriverOpts: spec.DriverOpts, Labels: spec.Labels})
	if err != nil {
		// The engine answers NotFound when no plugin serves the driver.
		return wrap("create volume", spec.Name, runtime.ErrVolume, runtime.ErrNoVolumeDriver, err)
	}
	return nil
}

var _ runtime.VolumeDrivers = (*Runtime)(nil)

// VolumeDrivers lists the engine's volume drivers: those docker info
// shows ("local", and plugins in use) and the enabled managed plugins with
// the volume driver capability (name:tag), as the ECS agent lists them.
func (r *Runtime) VolumeDrivers(ctx context.Context) ([]string, error) {
	info, err := r.cli.Info(ctx)
	if err != nil {
		return nil, wrap("info", "", nil, nil, err)
	}
	out := slices.Clone(info.Plugins.Volume)
	ps, err := r.cli.PluginList(ctx, filters.NewArgs(filters.Arg("enabled", "true"), filters.Arg("capability", "volumedriver")))
	if err != nil {
		return nil, wrap("list plugins", "", nil, nil, err)
	}
	for _, p := range ps {
		if p != nil {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// InspectVolume describes a volume; ErrNotFound when there is none.
func (r *Runtime) InspectVolume(ctx context.Context, name string) (runtime.VolumeSpec, error) {
	v, err := r.cli.VolumeInspect(ctx, name)
	if err != nil {
		return runtime.VolumeSpec{}, wrap("inspect volume", name, runtime.ErrVolume, runtime.ErrNotFound, err)
	}
	return volumeSpec(v), nil
}

func volumeSpec(v volume.Volume) runtime.VolumeSpec {
	return runtime.VolumeSpec{Name: v.Name, Driver: v.Driver, DriverOpts: v.Options, Labels: v.Labels}
}

// ListVolumes returns the volumes carrying every label in labels.
func (r *Runtime) ListVolumes(ctx context.Context, labels map[string]string) ([]runtime.VolumeSpec, error) {
	args := filters.NewArgs()
	for k, v := range labels {
		if v == "" {
			args.Add("label", k)
		} else {
			args.Add("label", k+"="+v)
		}
	}
	resp, err := r.cli.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, wrap("list volumes", "", runtime.ErrVolume, nil, err)
	}
	out := make([]runtime.VolumeSpec, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		if v != nil {
			out = append(out, volumeSpec(*v))
		}
	}
	return out, nil
}

// RemoveVolume deletes a volume; ErrInUse while a container (even a
// stopped one) still mounts it.
func (r *Runtime) RemoveVolume(ctx context.Context, name string) error {
	err := r.cli.VolumeRemove(ctx, name, false)
	if err != nil {
		if cerrdefs.IsConflict(err) {
			return fmt.Errorf("docker: remove volume %s: %w: %w", name, runtime.ErrInUse, err)
		}
		return wrap("remove volume", name, runtime.ErrVolume, runtime.ErrNotFound, err)
	}
	return nil
}
