package agent

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/hostports"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// Options configures an Agent.
type Options struct {
	Runtime  runtime.Runtime
	Logs     LogSink
	Reporter Reporter
	// Region is put in every container's AWS_REGION and AWS_DEFAULT_REGION.
	Region string
	// PullBehavior is the image pull behaviour (runtime.PullDefault when "").
	PullBehavior runtime.PullBehavior
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Engine identifies this engine's containers (label LabelEngine), so
	// engines sharing one Docker host clean up only their own.
	Engine string
	// HealthPoll is how often the health of containers with a health check
	// is read (DefaultHealthPoll when 0).
	HealthPoll time.Duration
	Log        *slog.Logger
	// Resources provides task roles, secrets and environment files (nil:
	// tasks using them are refused).
	Resources TaskResources
	// DataDir holds the agent's files of each task that containers mount
	// (FireLens: <DataDir>/firelens/<task id>); the runtime must see it at
	// the same path. "" refuses tasks that need it.
	DataDir string
	// S3Dir is the local directory S3 objects map to
	// (<S3Dir>/<bucket>/<key>), for FireLens configuration files in S3.
	S3Dir string
	// EFS provides the host directories that stand in for EFS volumes
	// (nil: tasks with EFS volumes are refused).
	EFS EFSMounter
	// HostPorts hands out the host ports of containerPortRange mappings
	// (nil: the kernel's ephemeral range, checked by listening).
	HostPorts *hostports.Allocator
}

// DefaultHealthPoll is how often container health is read by default.
const DefaultHealthPoll = time.Second

// Agent runs tasks on the local host.
type Agent struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	tasks map[string]*runner
	// adopting counts the adopted tasks not yet prepared (see Adopted).
	adopting sync.WaitGroup
}

// New returns an agent; Close stops following its tasks.
func New(opts Options) *Agent {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PullBehavior == "" {
		opts.PullBehavior = runtime.PullDefault
	}
	if opts.HealthPoll <= 0 {
		opts.HealthPoll = DefaultHealthPoll
	}
	if opts.HostPorts == nil {
		first, last := hostports.KernelRange()
		opts.HostPorts = hostports.New(first, last, nil)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Agent{opts: opts, ctx: ctx, cancel: cancel, tasks: map[string]*runner{}}
}

// Launch starts running a new task in its own goroutine.
//
// A task whose definition has a proxyConfiguration (App Mesh) runs with a
// warning in the log: the agent does not redirect its traffic through the
// proxy container as the ECS agent's App Mesh CNI plugin does.
func (a *Agent) Launch(spec TaskSpec) {
	if p := spec.Definition.ProxyConfiguration; p != nil {
		a.opts.Log.Warn("proxyConfiguration (App Mesh): the task runs, but its traffic is not redirected through the proxy container (no iptables rules)",
			"task", spec.ID, "family", spec.Definition.Family, "type", p.Type, "proxyContainer", p.ContainerName)
	}
	a.start(spec, func() {})
}

// Adopt resumes a task that was running when the engine stopped: containers
// still running are followed again, those that exited meanwhile get their
// real exit codes, and those that vanished are stopped with
// ContainerVanishedError.
func (a *Agent) Adopt(spec TaskSpec) {
	a.adopting.Add(1)
	a.start(spec, sync.OnceFunc(a.adopting.Done))
}

// Adopted returns once every task adopted so far has its credentials and
// task metadata endpoints back (or has stopped), or when ctx ends: until
// then the endpoints would answer its containers that they are unknown.
func (a *Agent) Adopted(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		a.adopting.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Agent) start(spec TaskSpec, prepared func()) {
	r := newRunner(a, spec)
	r.prepared = prepared
	a.mu.Lock()
	a.tasks[spec.ID] = r
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		r.run(a.ctx)
		a.forget(r)
	}()
}

// forget stops counting r's task as run here. The runner calls it before it
// reports the task STOPPED, so whoever sees STOPPED (and then removes
// expired containers and volumes) finds the task no longer running.
func (a *Agent) forget(r *runner) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tasks[r.spec.ID] == r {
		delete(a.tasks, r.spec.ID)
	}
}

// running reports whether the agent runs the task with this id.
func (a *Agent) running(taskID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tasks[taskID] != nil
}

// Stop asks a task to stop with the given stop code and reason. It reports
// false when the agent does not run that task.
func (a *Agent) Stop(taskID, code, reason string) bool {
	a.mu.Lock()
	r := a.tasks[taskID]
	a.mu.Unlock()
	if r == nil {
		return false
	}
	// The first stop request wins; a later one while it is pending is moot.
	select {
	case r.stop <- stopRequest{code, reason}:
	default:
	}
	return true
}

// Close stops following tasks without stopping their containers, so a later
// Adopt can resume them, and waits for the task goroutines to return.
func (a *Agent) Close() {
	a.cancel()
	a.wg.Wait()
}

// Check reports what in spec this agent cannot run: what no runtime
// supports (see the package function Check), and what its runtime lacks.
func (a *Agent) Check(spec *TaskSpec) error {
	if err := a.check(spec); err != nil {
		return err
	}
	if a.opts.EFS == nil {
		for _, v := range spec.Definition.Volumes {
			if v.EfsVolumeConfiguration != nil {
				return ecs.Errorf(ecs.ErrUnsupportedFeature, "volume %q: efsVolumeConfiguration: this agent has no EFS file systems", v.Name)
			}
		}
	}
	if err := checkRuntime(spec, a.opts.Runtime); err != nil {
		return err
	}
	return a.checkFirelens(spec)
}

// DefaultContainerRetention is how long stopped containers are kept before
// RemoveExpired deletes them (the ECS agent's ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION).
const DefaultContainerRetention = 3 * time.Hour

// RemoveExpired deletes the containers of ECS tasks on this host that
// stopped more than retention ago (never those of a task still run here,
// as the ECS agent cleans up only stopped tasks), then the task-scoped
// volumes and FireLens directories of tasks that have no container left,
// and returns how many
// containers it removed.
func (a *Agent) RemoveExpired(ctx context.Context, retention time.Duration) (int, error) {
	states, err := a.opts.Runtime.List(ctx, map[string]string{LabelTaskARN: "", LabelEngine: a.opts.Engine})
	if err != nil {
		return 0, err
	}
	cutoff := a.opts.Now().Add(-retention)
	removed := 0
	left := map[string]bool{} // task ARNs that keep a container
	for _, st := range states {
		arn := st.Labels[LabelTaskARN]
		// A pause container of a task no longer run here is left over from
		// a deprovisioning that did not finish.
		running := a.running(taskIDOf(arn))
		orphanPause := st.Labels[LabelContainerName] == PauseContainerName && !running
		if !orphanPause && (running || st.Running || !st.Exited || st.FinishedAt.IsZero() || st.FinishedAt.After(cutoff)) {
			left[arn] = true
			continue
		}
		if err := a.opts.Runtime.Remove(ctx, st.ID); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			return removed, err
		}
		removed++
	}
	vr, ok := a.opts.Runtime.(runtime.Volumes)
	if !ok {
		return removed, a.removeFirelensDirs(left)
	}
	vols, err := vr.ListVolumes(ctx, map[string]string{LabelTaskARN: "", LabelEngine: a.opts.Engine})
	if err != nil {
		return removed, err
	}
	for _, v := range vols {
		arn := v.Labels[LabelTaskARN]
		if left[arn] || a.running(taskIDOf(arn)) {
			continue
		}
		if err := vr.RemoveVolume(ctx, v.Name); err != nil && !errors.Is(err, runtime.ErrNotFound) && !errors.Is(err, runtime.ErrInUse) {
			return removed, err
		}
	}
	return removed, a.removeFirelensDirs(left)
}

// taskIDOf returns the task id at the end of a task ARN.
func taskIDOf(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }
