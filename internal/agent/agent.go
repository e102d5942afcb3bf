package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskstate"
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
	Log    *slog.Logger
	// Resources provides task roles, secrets and environment files (nil:
	// tasks using them are refused).
	Resources TaskResources
}

// Agent runs tasks on the local host.
type Agent struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	tasks map[string]*runner
}

// New returns an agent; Close stops following its tasks.
func New(opts Options) *Agent {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PullBehavior == "" {
		opts.PullBehavior = runtime.PullDefault
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Agent{opts: opts, ctx: ctx, cancel: cancel, tasks: map[string]*runner{}}
}

// Launch starts running a new task in its own goroutine.
func (a *Agent) Launch(spec TaskSpec) { a.start(spec) }

// Adopt resumes a task that was running when the engine stopped: containers
// still running are followed again, those that exited meanwhile get their
// real exit codes, and those that vanished are stopped with
// ContainerVanishedError.
func (a *Agent) Adopt(spec TaskSpec) { a.start(spec) }

func (a *Agent) start(spec TaskSpec) {
	r := newRunner(a, spec)
	a.mu.Lock()
	a.tasks[spec.ID] = r
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		r.run(a.ctx)
		a.mu.Lock()
		delete(a.tasks, spec.ID)
		a.mu.Unlock()
	}()
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

type stopRequest struct{ code, reason string }

type exitEvent struct {
	name   string
	status runtime.ExitStatus
	err    error
}

// runner owns one task: it is the only writer of state.
type runner struct {
	a     *Agent
	spec  TaskSpec
	rt    runtime.Runtime
	state taskstate.Task
	info  map[string]ContainerInfo
	defs  map[string]*ecsmodel.ContainerDefinition

	pullStartedAt, pullStoppedAt time.Time

	stop     chan stopRequest
	exits    chan exitEvent
	stopping map[string]bool
}

func newRunner(a *Agent, spec TaskSpec) *runner {
	r := &runner{
		a: a, spec: spec, rt: a.opts.Runtime,
		info:     map[string]ContainerInfo{},
		defs:     map[string]*ecsmodel.ContainerDefinition{},
		stop:     make(chan stopRequest, 1),
		exits:    make(chan exitEvent, len(spec.Definition.ContainerDefinitions)),
		stopping: map[string]bool{},
	}
	var cs []taskstate.Container
	for i := range spec.Definition.ContainerDefinitions {
		cd := &spec.Definition.ContainerDefinitions[i]
		r.defs[cd.Name] = cd
		cs = append(cs, taskstate.Container{Name: cd.Name, Essential: ecs.IsEssential(cd)})
	}
	if spec.State != nil {
		r.state = *spec.State
	} else {
		r.state = taskstate.New(cs, a.opts.Now())
	}
	for k, v := range spec.Containers {
		r.info[k] = v
	}
	return r
}

func (r *runner) now() time.Time { return r.a.opts.Now() }

// report advances the task as far as it can go, publishing every status it
// passes (or the unchanged status once, for changes within it).
func (r *runner) report(ctx context.Context) {
	published := false
	for {
		next, moved := r.state.Advance(r.now())
		if !moved {
			break
		}
		r.state = next
		r.publish(ctx)
		published = true
	}
	if !published {
		r.publish(ctx)
	}
}

func (r *runner) publish(ctx context.Context) {
	info := make(map[string]ContainerInfo, len(r.info))
	for k, v := range r.info {
		info[k] = v
	}
	r.a.opts.Reporter.Report(ctx, Report{
		TaskID:        r.spec.ID,
		State:         r.state,
		Containers:    info,
		PullStartedAt: r.pullStartedAt,
		PullStoppedAt: r.pullStoppedAt,
	})
}

func (r *runner) run(ctx context.Context) {
	// Reports must land even while the agent shuts down mid-step, so they use
	// a context that is not cancelled with the agent.
	rep := context.WithoutCancel(ctx)
	adopting := r.spec.State != nil
	if adopting {
		r.adopt(ctx, rep)
		r.prepare(ctx, rep, true)
	} else {
		r.state.Provisioned = true
		r.report(rep)
		r.prepare(ctx, rep, false)
		if r.state.Desired != taskstate.Stopped {
			r.pull(ctx, rep)
		}
	}
	r.startPending(ctx, rep)
	r.loop(ctx, rep)
}

// pull makes every image available, recording pullStartedAt/pullStoppedAt.
func (r *runner) pull(ctx, rep context.Context) {
	r.pullStartedAt = r.now()
	pulled := map[string]error{}
	for _, cd := range r.spec.Definition.ContainerDefinitions {
		if r.state.Desired == taskstate.Stopped {
			break
		}
		err, seen := pulled[cd.Image]
		if !seen {
			var res runtime.PullResult
			res, err = r.rt.Pull(ctx, cd.Image, r.a.opts.PullBehavior)
			pulled[cd.Image] = err
			if err == nil {
				ci := r.info[cd.Name]
				ci.ImageDigest = res.Digest
				r.info[cd.Name] = ci
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.state = r.state.ContainerFailedToStart(cd.Name, "CannotPullContainerError: "+err.Error(), r.now())
		}
	}
	r.pullStoppedAt = r.now()
	r.report(rep)
}

// startPending creates and starts every container still PENDING, in
// definition order, unless the task should stop.
func (r *runner) startPending(ctx, rep context.Context) {
	for i := range r.spec.Definition.ContainerDefinitions {
		cd := &r.spec.Definition.ContainerDefinitions[i]
		if ctx.Err() != nil {
			return
		}
		select {
		case s := <-r.stop:
			r.state = r.state.RequestStop(s.code, s.reason, r.now())
			r.report(rep)
		default:
		}
		if r.state.Desired == taskstate.Stopped {
			break
		}
		if r.containerStatus(cd.Name) != taskstate.ContainerPending {
			continue
		}
		cs := containerSpec(&r.spec, cd, r.a.opts.Region)
		cs.Labels[LabelEngine] = r.a.opts.Engine
		ci := r.info[cd.Name]
		ci.RuntimeName = cs.Name
		id, err := r.rt.Create(ctx, cs)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.state = r.state.ContainerFailedToStart(cd.Name, failureReason("CannotCreateContainerError", err), r.now())
			r.report(rep)
			break
		}
		ci.RuntimeID = id
		ci.LogGroup, ci.LogStream = ecs.LogDestination(r.spec.Definition, cd, r.spec.ID, id)
		r.info[cd.Name] = ci
		// The id is saved before the container starts, so a restart finds it.
		r.publish(rep)
		if err := r.rt.Start(ctx, id); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.state = r.state.ContainerFailedToStart(cd.Name, failureReason("CannotStartContainerError", err), r.now())
			r.report(rep)
			break
		}
		switch {
		case len(cs.PortBindings) > 0:
			// Dynamic host ports are known only once the container started.
			if st, err := r.rt.Inspect(ctx, id); err == nil {
				ci.Bindings = bindings(st.Ports)
				r.info[cd.Name] = ci
			}
		case cs.NetworkMode == "host":
			// Host networking: each container port is the host port.
			ci.Bindings = hostBindings(cd.PortMappings)
			r.info[cd.Name] = ci
		}
		r.state = r.state.ContainerStarted(cd.Name)
		r.follow(ctx, cd.Name, id, time.Time{})
		r.report(rep)
	}
}

func failureReason(kind string, err error) string {
	msg := err.Error()
	if errors.Is(err, runtime.ErrImageNotFound) {
		kind = "CannotPullContainerError"
	}
	return kind + ": " + msg
}

func bindings(ports []runtime.PortBinding) []ecsmodel.NetworkBinding {
	var out []ecsmodel.NetworkBinding
	for _, p := range ports {
		cp, hp := int32(p.ContainerPort), int32(p.HostPort)
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		out = append(out, ecsmodel.NetworkBinding{BindIP: ip, ContainerPort: &cp, HostPort: &hp, Protocol: ecsmodel.TransportProtocol(p.Protocol)})
	}
	return out
}

// hostBindings reports a host-mode container's port mappings, whose host
// ports are their container ports.
func hostBindings(pms []ecsmodel.PortMapping) []ecsmodel.NetworkBinding {
	var ports []runtime.PortBinding
	for _, pm := range pms {
		if pm.ContainerPort == nil {
			continue
		}
		proto := "tcp"
		if pm.Protocol != "" {
			proto = string(pm.Protocol)
		}
		ports = append(ports, runtime.PortBinding{ContainerPort: int(*pm.ContainerPort), HostPort: int(*pm.ContainerPort), Protocol: proto})
	}
	return bindings(ports)
}

func (r *runner) containerStatus(name string) taskstate.ContainerStatus {
	for _, c := range r.state.Containers {
		if c.Name == name {
			return c.Status
		}
	}
	return taskstate.ContainerStopped
}

// follow copies a container's output into the log sink and, once the
// container has exited and its output is drained, sends its exit event.
func (r *runner) follow(ctx context.Context, name, id string, since time.Time) {
	ci := r.info[name]
	go func() {
		cur := &logCursor{last: since}
		logErr := r.copyLogs(ctx, ci.LogGroup, ci.LogStream, id, true, cur)
		st, err := r.rt.Wait(ctx, id)
		if ctx.Err() != nil {
			return
		}
		if err == nil && logErr != nil {
			// The follow broke off: now that the container has stopped, read
			// what it wrote after the last line stored.
			r.a.opts.Log.Warn("container output: resuming", "task", r.spec.ID, "container", name, "err", logErr)
			if logErr = r.copyLogs(ctx, ci.LogGroup, ci.LogStream, id, false, cur); logErr != nil {
				r.a.opts.Log.Error("container output lost", "task", r.spec.ID, "container", name, "err", logErr)
			}
		}
		r.exits <- exitEvent{name: name, status: st, err: err}
	}()
}

// logCursor remembers how far a container's output was stored: the newest
// timestamp and how many lines carried it, so a re-read from that time skips
// what was stored already.
type logCursor struct {
	last   time.Time
	atLast int
	skip   int
}

// keep reports whether l is new, and advances the cursor past it.
func (c *logCursor) keep(l runtime.LogLine) bool {
	if l.Time.Before(c.last) {
		return false
	}
	if l.Time.Equal(c.last) {
		if c.skip > 0 {
			c.skip--
			return false
		}
		c.atLast++
		return true
	}
	c.last, c.atLast, c.skip = l.Time, 1, 0
	return true
}

// appendRetries is how often a failed append of container output is retried
// before the batch is given up.
const appendRetries = 5

// copyLogs copies a container's output into the sink, in batches of
// whatever has arrived: with follow until the container exits, otherwise what
// it has written so far, starting after cur.
func (r *runner) copyLogs(ctx context.Context, group, stream, id string, follow bool, cur *logCursor) error {
	cur.skip = cur.atLast
	lines := make(chan runtime.LogLine, 1024)
	errc := make(chan error, 1)
	go func() {
		errc <- r.rt.Logs(ctx, id, runtime.LogOptions{Since: cur.last, Follow: follow}, func(l runtime.LogLine) { lines <- l })
		close(lines)
	}()
	var batch []LogEvent
	var appendErr error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		var err error
		for try := 0; try < appendRetries; try++ {
			if err = r.a.opts.Logs.Append(context.WithoutCancel(ctx), group, stream, batch); err == nil {
				break
			}
			select {
			case <-time.After(time.Duration(try+1) * 50 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		if err != nil && appendErr == nil {
			appendErr = err
		}
		batch = batch[:0]
	}
	add := func(l runtime.LogLine) {
		if cur.keep(l) {
			batch = append(batch, LogEvent{Time: l.Time, Message: l.Text})
		}
	}
	for l := range lines {
		add(l)
	drain:
		for len(batch) < 1000 {
			select {
			case l, ok := <-lines:
				if !ok {
					break drain
				}
				add(l)
			default:
				break drain
			}
		}
		flush()
	}
	flush()
	if err := <-errc; err != nil {
		return err
	}
	return appendErr
}

// loop handles exits and stop requests until every container has stopped,
// then deprovisions the task.
func (r *runner) loop(ctx, rep context.Context) {
	for !r.state.AllStopped() {
		r.stopIfDesired(ctx, rep)
		if r.state.AllStopped() {
			break
		}
		select {
		case <-ctx.Done():
			return
		case ev := <-r.exits:
			code := ev.status.ExitCode
			reason := ""
			if ev.err != nil {
				reason = "ContainerVanishedError: " + ev.err.Error()
				r.state = r.state.ContainerStopped(ev.name, nil, reason, r.now())
			} else {
				if ev.status.OOMKilled {
					reason = "OutOfMemoryError: Container killed due to memory usage"
				}
				r.state = r.state.ContainerStopped(ev.name, &code, reason, r.now())
			}
			r.report(rep)
		case s := <-r.stop:
			r.state = r.state.RequestStop(s.code, s.reason, r.now())
			r.report(rep)
		}
	}
	r.release()
	r.state.Deprovisioned = true
	r.report(rep)
}

// stopIfDesired stops every running container once the task should stop;
// containers never started are marked stopped.
func (r *runner) stopIfDesired(ctx, rep context.Context) {
	if r.state.Desired != taskstate.Stopped {
		return
	}
	changed := false
	for _, c := range r.state.Containers {
		switch c.Status {
		case taskstate.ContainerPending:
			r.state = r.state.ContainerStopped(c.Name, nil, "", r.now())
			changed = true
		case taskstate.ContainerRunning:
			if r.stopping[c.Name] {
				continue
			}
			r.stopping[c.Name] = true
			id, timeout := r.info[c.Name].RuntimeID, stopTimeout(r.defs[c.Name])
			go func() {
				if err := r.rt.Stop(ctx, id, timeout); err != nil && ctx.Err() == nil {
					r.a.opts.Log.Warn("stop container", "task", r.spec.ID, "container", c.Name, "err", err)
				}
			}()
		}
	}
	if changed {
		r.report(rep)
	}
}

// adopt re-attaches to the containers of a task after a restart.
func (r *runner) adopt(ctx, rep context.Context) {
	for _, c := range r.state.Containers {
		if c.Status == taskstate.ContainerStopped {
			continue
		}
		ci := r.info[c.Name]
		id := ci.RuntimeID
		if id == "" {
			id = ci.RuntimeName
		}
		if id == "" {
			continue // never created: startPending creates it
		}
		st, err := r.rt.Inspect(ctx, id)
		if errors.Is(err, runtime.ErrNotFound) {
			if c.Status == taskstate.ContainerPending {
				ci.RuntimeID = ""
				r.info[c.Name] = ci
				continue
			}
			r.state = r.state.ContainerStopped(c.Name, nil, "ContainerVanishedError: No container matching saved ID found", r.now())
			continue
		}
		if err != nil {
			r.state = r.state.ContainerStopped(c.Name, nil, fmt.Sprintf("ContainerVanishedError: cannot inspect container: %v", err), r.now())
			continue
		}
		ci.RuntimeID = st.ID
		r.info[c.Name] = ci
		if !st.Running && !st.Exited {
			// Created but never started: start it as a pending container.
			if err := r.rt.Remove(ctx, st.ID); err == nil {
				ci.RuntimeID = ""
				r.info[c.Name] = ci
				continue
			}
		}
		since := time.Time{}
		if last, err := r.a.opts.Logs.LastEventTime(ctx, ci.LogGroup, ci.LogStream); err == nil && !last.IsZero() {
			since = last.Add(time.Millisecond)
		}
		r.state = r.state.ContainerStarted(c.Name)
		r.follow(ctx, c.Name, st.ID, since)
	}
	r.report(rep)
}

// Check reports what in spec the agent cannot run yet (see the package
// function Check).
func (a *Agent) Check(spec *TaskSpec) error { return a.check(spec) }

// DefaultContainerRetention is how long stopped containers are kept before
// RemoveExpired deletes them (the ECS agent's ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION).
const DefaultContainerRetention = 3 * time.Hour

// RemoveExpired deletes the containers of ECS tasks on this host that
// stopped more than retention ago, and returns how many it removed.
func (a *Agent) RemoveExpired(ctx context.Context, retention time.Duration) (int, error) {
	states, err := a.opts.Runtime.List(ctx, map[string]string{LabelTaskARN: "", LabelEngine: a.opts.Engine})
	if err != nil {
		return 0, err
	}
	cutoff := a.opts.Now().Add(-retention)
	removed := 0
	for _, st := range states {
		if st.Running || !st.Exited || st.FinishedAt.IsZero() || st.FinishedAt.After(cutoff) {
			continue
		}
		if err := a.opts.Runtime.Remove(ctx, st.ID); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
