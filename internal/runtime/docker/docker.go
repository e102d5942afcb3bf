package docker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.Runtime = (*Runtime)(nil)

// Options configures a Runtime. The zero value is ready to use.
type Options struct {
	// Host overrides DOCKER_HOST (for example "unix:///var/run/docker.sock").
	Host string
	// PullStartTimeout bounds one pull attempt until the engine starts
	// answering, which it does only once the registry has resolved the
	// image (default 5s).
	PullStartTimeout time.Duration
	// PullInactivityTimeout bounds the silence between two progress messages
	// of a running pull, like the agent's ECS_IMAGE_PULL_INACTIVITY_TIMEOUT
	// (default 1m).
	PullInactivityTimeout time.Duration
	// UnreachableTTL is how long a registry that could not be reached at all
	// (DNS failure, refused connection, no answer) is remembered as down:
	// meanwhile the default pull behaviour uses a cached image without
	// asking the engine to pull (default 30s; negative: always try).
	UnreachableTTL time.Duration
	// NoLogFiles makes Logs read a running container's output only through
	// the engine's logs endpoint, never from its json-file log (see
	// followFile).
	NoLogFiles bool
}

// Defaults for Options.
const (
	DefaultPullStartTimeout      = 3 * time.Second
	DefaultPullInactivityTimeout = time.Minute
	DefaultUnreachableTTL        = 30 * time.Second
)

// Runtime runs containers on a Docker Engine. It is safe for concurrent use.
type Runtime struct {
	cli                   *client.Client
	pullStartTimeout      time.Duration
	pullInactivityTimeout time.Duration
	unreachableTTL        time.Duration

	mu      sync.Mutex
	flights map[string]*flight   // pulls in progress by reference
	down    map[string]time.Time // unreachable registries, until when
	// pauseRef is the pause image once it is known to exist.
	pauseRef string
	// cgroups is how task cgroups are made here, once probed.
	cgroups *cgroupSupport
	// noLogFiles is Options.NoLogFiles.
	noLogFiles bool
	// stops holds the ids of the containers Stop was called for (see
	// settleOOM).
	stops sync.Map
	// ended holds, by id, what ended a follow of a container's output
	// (Logs): the inspection that found it stopped, or the exit status its
	// die event gave. The Wait that comes next answers from it instead of
	// asking the engine twice more. Start and Remove drop it.
	ended sync.Map // string -> container.InspectResponse or runtime.ExitStatus
}

// New returns a Runtime talking to the engine named by the environment
// (DOCKER_HOST and friends) or opts.Host. It does not contact the engine; use
// Ping or Available for that.
func New(opts Options) (*Runtime, error) {
	cli, err := newClient(opts.Host)
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		cli:                   cli,
		pullStartTimeout:      opts.PullStartTimeout,
		pullInactivityTimeout: opts.PullInactivityTimeout,
		unreachableTTL:        opts.UnreachableTTL,
		noLogFiles:            opts.NoLogFiles,
		flights:               map[string]*flight{},
		down:                  map[string]time.Time{},
	}
	if r.pullStartTimeout <= 0 {
		r.pullStartTimeout = DefaultPullStartTimeout
	}
	if r.pullInactivityTimeout <= 0 {
		r.pullInactivityTimeout = DefaultPullInactivityTimeout
	}
	if r.unreachableTTL == 0 {
		r.unreachableTTL = DefaultUnreachableTTL
	}
	return r, nil
}

func newClient(host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker: client: %w: %w", runtime.ErrUnavailable, err)
	}
	// Negotiate the API version now, before the client is shared: left to
	// the first requests, the negotiation writes the client's version while
	// concurrent calls (ContainerList's filters) read it unlocked, a data
	// race in the Docker client. An engine that does not answer yet is
	// negotiated with on first use, as before.
	ctx, cancel := context.WithTimeout(context.Background(), negotiateTimeout)
	defer cancel()
	cli.NegotiateAPIVersion(ctx)
	return cli, nil
}

// negotiateTimeout bounds the API version negotiation when a client is made.
const negotiateTimeout = 2 * time.Second

// Available reports whether the Docker engine named by the environment
// answers within a few seconds. The error wraps runtime.ErrUnavailable.
func Available(ctx context.Context) error {
	r, err := New(Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	return r.Ping(ctx)
}

// Ping checks that the engine answers within a few seconds (less if ctx
// ends first). The error wraps runtime.ErrUnavailable.
func (r *Runtime) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := r.cli.Ping(ctx); err != nil {
		return fmt.Errorf("docker: ping: %w: %w", runtime.ErrUnavailable, err)
	}
	return nil
}

// Close releases the client's connections.
func (r *Runtime) Close() error { return r.cli.Close() }

// Client returns the underlying Docker client, for callers that need more
// than the Runtime interface (events, health status, networks).
func (r *Runtime) Client() *client.Client { return r.cli }

// Name returns "docker".
func (r *Runtime) Name() string { return "docker" }

// wrap builds "docker: op id: kind: err", replacing kind with ErrUnavailable
// when the engine could not be reached and with notFound (when not nil) when
// the engine answered 404.
func wrap(op, id string, kind, notFound, err error) error {
	switch {
	case client.IsErrConnectionFailed(err):
		kind = runtime.ErrUnavailable
	case notFound != nil && cerrdefs.IsNotFound(err):
		kind = notFound
	}
	if kind == nil {
		return fmt.Errorf("docker: %s %s: %w", op, id, err)
	}
	return fmt.Errorf("docker: %s %s: %w: %w", op, id, kind, err)
}

// Create creates a container from spec and returns its id.
func (r *Runtime) Create(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	cfg, hcfg, err := configs(spec)
	if err != nil {
		return "", fmt.Errorf("docker: create %s: %w: %w", spec.Name, runtime.ErrCreate, err)
	}
	resp, err := r.cli.ContainerCreate(ctx, cfg, hcfg, nil, nil, spec.Name)
	if err != nil {
		if cerrdefs.IsNotFound(err) && strings.Contains(strings.ToLower(err.Error()), "image") {
			return "", fmt.Errorf("docker: create %s: %w, %w: %w", spec.Name, runtime.ErrCreate, runtime.ErrImageNotFound, err)
		}
		if cerrdefs.IsConflict(err) {
			// 409: the name is taken, perhaps by a create still under way.
			return "", fmt.Errorf("docker: create %s: %w, %w: %w", spec.Name, runtime.ErrCreate, runtime.ErrNameInUse, err)
		}
		return "", wrap("create", spec.Name, runtime.ErrCreate, nil, err)
	}
	return resp.ID, nil
}

// configs maps a ContainerSpec to the engine's container and host configs.
func configs(spec runtime.ContainerSpec) (*container.Config, *container.HostConfig, error) {
	cfg := &container.Config{
		Image:      spec.Image,
		Env:        spec.Env,
		WorkingDir: spec.WorkingDir,
		User:       spec.User,
		Hostname:   spec.Hostname,
		Labels:     spec.Labels,
		StopSignal: spec.StopSignal,
		OpenStdin:  spec.OpenStdin,
		Tty:        spec.Tty,
	}
	if len(spec.EntryPoint) > 0 {
		cfg.Entrypoint = spec.EntryPoint
	}
	if len(spec.Command) > 0 {
		cfg.Cmd = spec.Command
	}
	hcfg := &container.HostConfig{
		NetworkMode:    container.NetworkMode(spec.NetworkMode),
		ReadonlyRootfs: spec.ReadonlyRootfs,
		Privileged:     spec.Privileged,
		ExtraHosts:     spec.ExtraHosts,
		DNS:            spec.DNSServers,
		DNSSearch:      spec.DNSSearch,
		Resources: container.Resources{
			Memory:            spec.MemoryBytes,
			MemoryReservation: spec.MemoryReservationBytes,
			MemorySwap:        spec.MemorySwapBytes,
			MemorySwappiness:  spec.Swappiness,
			CPUShares:         spec.CPUShares,
			NanoCPUs:          spec.NanoCPUs,
			CgroupParent:      spec.CgroupParent,
		},
		Links:       spec.Links,
		VolumesFrom: spec.VolumesFrom,
		PidMode:     container.PidMode(spec.PidMode),
		IpcMode:     container.IpcMode(spec.IpcMode),
		CapAdd:      spec.CapAdd,
		CapDrop:     spec.CapDrop,
		Tmpfs:       spec.Tmpfs,
		ShmSize:     spec.ShmSizeBytes,
		Sysctls:     spec.Sysctls,
		SecurityOpt: spec.SecurityOpt,
		LogConfig:   container.LogConfig{Type: spec.LogDriver, Config: spec.LogOptions},
	}
	if len(spec.GPUs) > 0 {
		// The NVIDIA container toolkit's device request, as the ECS agent
		// makes it for external instances.
		hcfg.DeviceRequests = []container.DeviceRequest{{
			Driver: "nvidia", DeviceIDs: spec.GPUs, Capabilities: [][]string{{"gpu"}},
		}}
	}
	for _, d := range spec.Devices {
		dm, err := device(d)
		if err != nil {
			return nil, nil, err
		}
		hcfg.Devices = append(hcfg.Devices, dm)
	}
	if h := spec.HealthCheck; h != nil {
		cfg.Healthcheck = &container.HealthConfig{
			Test:        h.Test,
			Interval:    h.Interval,
			Timeout:     h.Timeout,
			StartPeriod: h.StartPeriod,
			Retries:     h.Retries,
		}
	}
	if spec.Init {
		init := true
		hcfg.Init = &init
	}
	for _, u := range spec.Ulimits {
		hcfg.Ulimits = append(hcfg.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	if len(spec.PortBindings) > 0 {
		cfg.ExposedPorts = nat.PortSet{}
		publish := hcfg.NetworkMode.IsDefault() || hcfg.NetworkMode.IsBridge() || hcfg.NetworkMode.IsUserDefined()
		if publish {
			hcfg.PortBindings = nat.PortMap{}
		}
		for _, pb := range spec.PortBindings {
			proto := strings.ToLower(pb.Protocol)
			if proto == "" {
				proto = "tcp"
			}
			p, err := nat.NewPort(proto, strconv.Itoa(pb.ContainerPort))
			if err != nil {
				return nil, nil, err
			}
			cfg.ExposedPorts[p] = struct{}{}
			if !publish {
				continue
			}
			b := nat.PortBinding{HostIP: pb.HostIP}
			if pb.HostPort != 0 {
				b.HostPort = strconv.Itoa(pb.HostPort)
			}
			hcfg.PortBindings[p] = append(hcfg.PortBindings[p], b)
		}
	}
	for _, m := range spec.Mounts {
		if m.Target == "" {
			return nil, nil, fmt.Errorf("mount of %q has no target", m.Source)
		}
		if m.Source == "" {
			// An anonymous volume.
			if cfg.Volumes == nil {
				cfg.Volumes = map[string]struct{}{}
			}
			cfg.Volumes[m.Target] = struct{}{}
			continue
		}
		// Binds (not Mounts) like the ECS agent: the engine creates a missing
		// host directory or named volume.
		b := m.Source + ":" + m.Target
		if m.ReadOnly {
			b += ":ro"
		}
		hcfg.Binds = append(hcfg.Binds, b)
	}
	return cfg, hcfg, nil
}

// device parses "hostPath[:containerPath[:permissions]]".
func device(s string) (container.DeviceMapping, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 || parts[0] == "" {
		return container.DeviceMapping{}, fmt.Errorf("device %q: want hostPath[:containerPath[:permissions]]", s)
	}
	d := container.DeviceMapping{PathOnHost: parts[0], PathInContainer: parts[0], CgroupPermissions: "rwm"}
	if len(parts) > 1 && parts[1] != "" {
		d.PathInContainer = parts[1]
	}
	if len(parts) > 2 && parts[2] != "" {
		d.CgroupPermissions = parts[2]
	}
	return d, nil
}

// Start starts a created container.
func (r *Runtime) Start(ctx context.Context, id string) error {
	r.ended.Delete(id)
	if err := r.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return wrap("start", id, runtime.ErrStart, runtime.ErrNotFound, err)
	}
	return nil
}

// Wait blocks until the container has stopped and reports how it ended. It
// returns at once for a container that already stopped, and keeps waiting
// for one that was created but not started yet.
func (r *Runtime) Wait(ctx context.Context, id string) (runtime.ExitStatus, error) {
	if v, ok := r.ended.LoadAndDelete(id); ok {
		switch e := v.(type) {
		case container.InspectResponse:
			return r.settleOOM(ctx, id, e, exitStatus(e)), nil
		case runtime.ExitStatus:
			return e, nil
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// With API >= 1.30 ContainerWait returns once the engine has registered
	// the wait, so an exit after this point cannot be missed; an exit
	// before it shows in the inspect below.
	resC, errC := r.cli.ContainerWait(wctx, id, container.WaitConditionNextExit)
	select {
	case err := <-errC:
		return runtime.ExitStatus{}, wrap("wait", id, nil, runtime.ErrNotFound, err)
	default:
	}
	info, err := r.cli.ContainerInspect(ctx, id)
	if err != nil {
		return runtime.ExitStatus{}, wrap("wait", id, nil, runtime.ErrNotFound, err)
	}
	if stopped(info.State) {
		return r.settleOOM(ctx, id, info, exitStatus(info)), nil
	}
	select {
	case res := <-resC:
		st := runtime.ExitStatus{ExitCode: int(res.StatusCode), FinishedAt: time.Now()}
		if res.Error != nil {
			st.Error = res.Error.Message
		}
		if info, err := r.cli.ContainerInspect(ctx, id); err == nil && stopped(info.State) {
			st = r.settleOOM(ctx, id, info, exitStatus(info))
		}
		return st, nil
	case err := <-errC:
		if ctx.Err() != nil {
			return runtime.ExitStatus{}, fmt.Errorf("docker: wait %s: %w", id, ctx.Err())
		}
		return runtime.ExitStatus{}, wrap("wait", id, nil, runtime.ErrNotFound, err)
	case <-ctx.Done():
		return runtime.ExitStatus{}, fmt.Errorf("docker: wait %s: %w", id, ctx.Err())
	}
}

// How long Wait looks for an OOM kill that the engine has not recorded yet
// (see settleOOM): oomSettleStopped for a container this runtime stopped
// (whose exit code 137 is most likely the SIGKILL after its stop timeout),
// oomSettle for one that died by itself.
const (
	oomSettleStopped = 300 * time.Millisecond
	oomSettle        = 3 * time.Second
)

// settleOOM gives the engine a moment to record an OOM kill: Docker learns
// of a container's exit and of its OOM kill from separate containerd
// events, so a container killed by the OOM killer (exit code 137) may at
// first show OOMKilled false, for longer the busier the machine. Only
// containers under a memory limit (their own, or their task cgroup's) are
// looked at again.
func (r *Runtime) settleOOM(ctx context.Context, id string, info container.InspectResponse, st runtime.ExitStatus) runtime.ExitStatus {
	if st.OOMKilled || st.ExitCode != 137 || info.HostConfig == nil || info.HostConfig.Memory == 0 && info.HostConfig.CgroupParent == "" {
		return st
	}
	settle := oomSettle
	if _, stopped := r.stops.Load(id); stopped {
		settle = oomSettleStopped
	}
	deadline := time.Now().Add(settle)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return st
		case <-time.After(25 * time.Millisecond):
		}
		again, err := r.cli.ContainerInspect(ctx, id)
		if err != nil || again.State == nil {
			return st
		}
		if again.State.OOMKilled {
			st.OOMKilled = true
			return st
		}
	}
	return st
}

// stopped reports whether a container has run and ended.
func stopped(s *container.State) bool {
	if s == nil {
		return false
	}
	return s.Status == container.StateExited || s.Status == container.StateDead
}

// oomKilled reports whether the OOM killer ended the container. Docker
// flags a container OOMKilled when the OOM killer acted anywhere in its
// cgroup: under a task cgroup every container of the task is flagged when
// one of them is killed, so there only one that died of SIGKILL (exit code
// 137) counts.
func oomKilled(info container.InspectResponse) bool {
	s := info.State
	if s == nil || !s.OOMKilled {
		return false
	}
	return info.HostConfig == nil || info.HostConfig.CgroupParent == "" || s.ExitCode == 137
}

func exitStatus(info container.InspectResponse) runtime.ExitStatus {
	s := info.State
	return runtime.ExitStatus{
		ExitCode:   s.ExitCode,
		OOMKilled:  oomKilled(info),
		Error:      s.Error,
		FinishedAt: parseTime(s.FinishedAt),
	}
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// Stop sends the container's stop signal, then SIGKILL after timeout
// (rounded up to whole seconds, as the engine counts them). It returns once
// the container has stopped.
func (r *Runtime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(math.Ceil(timeout.Seconds()))
	if timeout < 0 {
		secs = 0
	}
	r.stops.Store(id, struct{}{})
	if err := r.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs}); err != nil {
		return wrap("stop", id, nil, runtime.ErrNotFound, err)
	}
	return nil
}

// Inspect reports a container's state.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.State, error) {
	info, err := r.cli.ContainerInspect(ctx, id)
	if err != nil {
		return runtime.State{}, wrap("inspect", id, nil, runtime.ErrNotFound, err)
	}
	return state(info), nil
}

func state(info container.InspectResponse) runtime.State {
	st := runtime.State{
		ID:      info.ID,
		Name:    strings.TrimPrefix(info.Name, "/"),
		ImageID: info.Image,
	}
	if info.Config != nil {
		st.Image = info.Config.Image
		st.Labels = info.Config.Labels
	}
	if s := info.State; s != nil {
		st.Running = s.Running || s.Restarting || s.Paused
		st.Exited = stopped(s)
		st.ExitCode = s.ExitCode
		st.OOMKilled = oomKilled(info)
		st.Error = s.Error
		st.StartedAt = parseTime(s.StartedAt)
		st.FinishedAt = parseTime(s.FinishedAt)
	}
	if s := info.State; s != nil && s.Health != nil {
		st.Health = s.Health.Status
	}
	if ns := info.NetworkSettings; ns != nil {
		st.IPAddress, st.MACAddress = ns.IPAddress, ns.MacAddress
		if st.IPAddress == "" {
			for _, n := range ns.Networks {
				if n != nil && n.IPAddress != "" {
					st.IPAddress, st.MACAddress = n.IPAddress, n.MacAddress
					break
				}
			}
		}
	}
	if info.NetworkSettings != nil {
		for p, bindings := range info.NetworkSettings.Ports {
			for _, b := range bindings {
				hp, err := strconv.Atoi(b.HostPort)
				if err != nil {
					continue
				}
				st.Ports = append(st.Ports, runtime.PortBinding{
					ContainerPort: p.Int(),
					HostPort:      hp,
					Protocol:      p.Proto(),
					HostIP:        b.HostIP,
				})
			}
		}
		sort.Slice(st.Ports, func(i, j int) bool {
			a, b := st.Ports[i], st.Ports[j]
			if a.ContainerPort != b.ContainerPort {
				return a.ContainerPort < b.ContainerPort
			}
			if a.Protocol != b.Protocol {
				return a.Protocol < b.Protocol
			}
			return a.HostIP < b.HostIP
		})
	}
	return st
}

// List returns every container (running or not) that carries all of labels,
// inspected.
func (r *Runtime) List(ctx context.Context, labels map[string]string) ([]runtime.State, error) {
	args := filters.NewArgs()
	for k, v := range labels {
		if v == "" {
			args.Add("label", k) // any value
		} else {
			args.Add("label", k+"="+v)
		}
	}
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, wrap("list", "", nil, nil, err)
	}
	out := make([]runtime.State, len(cs))
	ok := make([]bool, len(cs))
	errs := make([]error, len(cs))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			info, err := r.cli.ContainerInspect(ctx, c.ID)
			switch {
			case cerrdefs.IsNotFound(err):
				// Removed since the list: leave it out.
			case err != nil:
				errs[i] = wrap("list", c.ID, nil, nil, err)
			default:
				out[i], ok[i] = state(info), true
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := out[:0]
	for i := range out {
		if ok[i] {
			res = append(res, out[i])
		}
	}
	return res, nil
}

// Remove deletes a container with its anonymous volumes, killing it first
// if it still runs.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	r.stops.Delete(id)
	r.ended.Delete(id)
	err := r.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil {
		if cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress") {
			return nil
		}
		return wrap("remove", id, nil, runtime.ErrNotFound, err)
	}
	return nil
}
