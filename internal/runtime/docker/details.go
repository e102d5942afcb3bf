package docker

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/docker/docker/api/types/container"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.Describer = (*Runtime)(nil)

// Details describes a container: when it was created, its network mode
// and its addresses (those of the container whose network namespace it
// shares, for a container:<id> network mode).
func (r *Runtime) Details(ctx context.Context, id string) (runtime.Details, error) {
	info, err := r.cli.ContainerInspect(ctx, id)
	if err != nil {
		return runtime.Details{}, wrap("inspect", id, nil, runtime.ErrNotFound, err)
	}
	d := runtime.Details{CreatedAt: parseTime(info.Created)}
	if info.HostConfig != nil {
		d.NetworkMode = string(info.HostConfig.NetworkMode)
		if mode := info.HostConfig.NetworkMode; mode.IsContainer() {
			owner, err := r.cli.ContainerInspect(ctx, mode.ConnectedContainer())
			if err != nil {
				return d, wrap("inspect", mode.ConnectedContainer(), nil, runtime.ErrNotFound, err)
			}
			info = owner
		}
	}
	d.Networks = addresses(info)
	return d, nil
}

func addresses(info container.InspectResponse) []runtime.NetworkAddress {
	if info.NetworkSettings == nil {
		return nil
	}
	var out []runtime.NetworkAddress
	for name, ep := range info.NetworkSettings.Networks {
		if ep == nil || ep.IPAddress == "" {
			continue
		}
		out = append(out, runtime.NetworkAddress{
			Network: name, IPv4: ep.IPAddress, PrefixLen: ep.IPPrefixLen, Gateway: ep.Gateway, MAC: ep.MacAddress,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Network < out[j].Network })
	return out
}

// Stats returns one sample of Docker's statistics of a container.
func (r *Runtime) Stats(ctx context.Context, id string) ([]byte, error) {
	resp, err := r.cli.ContainerStatsOneShot(ctx, id)
	if err != nil {
		return nil, wrap("stats", id, nil, runtime.ErrNotFound, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("docker: stats %s: %w", id, err)
	}
	return b, nil
}
