package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ecsrun/ecsrun/internal/depgraph"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

type stopRequest struct{ code, reason string }

type exitEvent struct {
	name   string
	status runtime.ExitStatus
	err    error
}

type healthEvent struct {
	name   string
	health taskstate.Health
}

// runner owns one task: it is the only writer of state, info and res.
//
// Its loop, until every container has stopped:
//
//	  ┌──────────────────────────────────────────────────────────────┐
//	  v                                                              │
//	desired RUNNING: start what the dependency graph allows, stop    │
//	                 (exit 143) what can never start                 │
//	desired STOPPED: mark pending containers stopped, stop running   │
//	                 ones in reverse dependency order                │
//	  │                                                              │
//	wait for: a container exit, a health change, a stop request, ───┘
//	          a dependency's start timeout (an exit its restart
//	          policy answers with a restart is no change)
//
// then it releases the task's resources (deprovisioning) and reports
// STOPPED.
type runner struct {
	// prepared is called once an adopted task is prepared (or its runner
	// ends); see Agent.Adopted.
	prepared func()
	a        *Agent
	spec     TaskSpec
	rt       runtime.Runtime
	state    taskstate.Task
	info     map[string]ContainerInfo
	defs     map[string]*ecsmodel.ContainerDefinition
	graph    *depgraph.Graph
	res      Resources

	pullStartedAt, pullStoppedAt time.Time

	stop     chan stopRequest
	exits    chan exitEvent
	health   chan healthEvent
	stopping map[string]bool
	// restarts tracks the restarts of containers with a restart policy.
	restarts map[string]restartTrack
	// steps is the array of the reports sent at once, reused; unsynced:
	// reports were sent since the last sync.
	steps    []Report
	unsynced bool
}

func newRunner(a *Agent, spec TaskSpec) *runner {
	n := len(spec.Definition.ContainerDefinitions)
	r := &runner{
		a: a, spec: spec, rt: a.opts.Runtime, prepared: func() {},
		info:          map[string]ContainerInfo{},
		defs:          map[string]*ecsmodel.ContainerDefinition{},
		res:           spec.Resources,
		pullStartedAt: spec.PullStartedAt,
		pullStoppedAt: spec.PullStoppedAt,
		stop:          make(chan stopRequest, 1),
		exits:         make(chan exitEvent, n),
		health:        make(chan healthEvent, n),
		stopping:      map[string]bool{},
		restarts:      map[string]restartTrack{},
	}
	var cs []taskstate.Container
	for i := range spec.Definition.ContainerDefinitions {
		cd := &spec.Definition.ContainerDefinitions[i]
		r.defs[cd.Name] = cd
		cs = append(cs, taskstate.Container{Name: cd.Name, Essential: ecs.IsEssential(cd), HealthChecked: cd.HealthCheck != nil})
	}
	if spec.State != nil {
		r.state = *spec.State
		// Tasks recorded before health was tracked lack HealthChecked.
		for i := range r.state.Containers {
			if cd := r.defs[r.state.Containers[i].Name]; cd != nil {
				r.state.Containers[i].HealthChecked = cd.HealthCheck != nil
			}
		}
	} else {
		r.state = taskstate.New(cs, a.opts.Now())
	}
	for k, v := range spec.Containers {
		r.info[k] = v
	}
	// Check refused a definition whose graph is invalid, so this succeeds;
	// a graph of no edges keeps a task going if it somehow does not.
	g, err := depgraph.New(graphNodes(spec.Definition))
	if err != nil {
		a.opts.Log.Error("dependency graph", "task", spec.ID, "err", err)
		g, _ = depgraph.New(plainNodes(spec.Definition))
	}
	r.graph = g
	return r
}

func (r *runner) now() time.Time { return r.a.opts.Now() }

// report advances the task as far as it can go, reporting every status it
// passes (or the unchanged status once, for changes within it) in one
// call.
func (r *runner) report(ctx context.Context) {
	steps := r.steps[:0]
	for {
		next, moved := r.state.Advance(r.now())
		if !moved {
			break
		}
		r.state = next
		steps = r.snapshot(steps)
	}
	if len(steps) == 0 {
		steps = r.snapshot(steps)
	}
	r.send(ctx, steps)
}

// publish reports the task as it is.
func (r *runner) publish(ctx context.Context) {
	r.send(ctx, r.snapshot(r.steps[:0]))
}

// send hands steps to the reporter, which keeps none of the slice, so
// that its array serves the next report.
func (r *runner) send(ctx context.Context, steps []Report) {
	r.a.opts.Reporter.Report(ctx, steps...)
	clear(steps)
	r.steps = steps[:0]
	r.unsynced = true
}

// sync returns once the task's reports are stored. The runner calls it
// before it changes the runtime in a way a restarted agent could not undo
// or read back, so that an engine killed at any moment re-adopts the task
// as if every report had been stored before the runner went on: before it
// stops or removes a container (the stop code and reason, or a failure,
// exist only in the reports) and before it sets up or releases the task's
// resources. What it creates and starts needs none: a restarted agent
// finds containers by their names, provisioning runs again, and what a
// container did while the engine was down is read from the runtime.
func (r *runner) sync(ctx context.Context) {
	if r.unsynced {
		r.a.opts.Reporter.Sync(ctx, r.spec.ID)
		r.unsynced = false
	}
}

// snapshot appends the task as it is to steps. The reports of one burst
// share their copies of the containers and resources, which change only
// between bursts.
func (r *runner) snapshot(steps []Report) []Report {
	if n := len(steps); n > 0 {
		s := steps[n-1]
		s.State = r.state
		return append(steps, s)
	}
	// Pointers: a map holds room for 8 values, and these are large.
	info := make(map[string]*ContainerInfo, len(r.info))
	for k, v := range r.info {
		info[k] = &v
	}
	res := r.res
	if res.Volumes != nil {
		res.Volumes = make(map[string]string, len(r.res.Volumes))
		for k, v := range r.res.Volumes {
			res.Volumes[k] = v
		}
	}
	return append(steps, Report{
		TaskID:        r.spec.ID,
		State:         r.state,
		Containers:    info,
		PullStartedAt: r.pullStartedAt,
		PullStoppedAt: r.pullStoppedAt,
		Resources:     res,
	})
}

func (r *runner) run(ctx context.Context) {
	// Reports must land even while the agent shuts down mid-step, so they use
	// a context that is not cancelled with the agent.
	rep := context.WithoutCancel(ctx)
	adopting := r.spec.State != nil
	defer r.prepared()
	if adopting {
		if !r.adopt(ctx, rep) {
			return
		}
	}
	if adopting {
		// Adopted tasks get their credentials and endpoints back.
		r.prepare(ctx, rep, true)
		r.prepared()
	}
	if !r.state.Provisioned && !r.stopRequested(rep) {
		if !adopting {
			r.prepare(ctx, rep, false)
		}
		if !r.stopRequested(rep) {
			r.sync(rep)
			if err := r.provision(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				r.state = r.state.FailedToStart(failureReason("ResourceInitializationError", err), r.now())
			}
		}
		r.state.Provisioned = true
		r.report(rep)
	}
	if r.pullStoppedAt.IsZero() && !r.stopRequested(rep) {
		r.pull(ctx, rep)
	}
	r.loop(ctx, rep)
}

// stopRequested records a stop request that has arrived, if any, and
// reports whether the task is to stop. The runner asks it before each step
// that would take the task further (provisioning, each pull, each create
// and start), so that a task stopped while PENDING never starts a
// container: as on ECS, desired STOPPED before RUNNING goes to STOPPED.
func (r *runner) stopRequested(rep context.Context) bool {
	select {
	case s := <-r.stop:
		r.state = r.state.RequestStop(s.code, s.reason, r.now())
		r.report(rep)
	default:
	}
	return r.state.Desired == taskstate.Stopped
}

// untilStop runs fn with a context that ends when a stop request arrives,
// so that a step that may take long (an image pull) is cut short; the
// request is then recorded as stopRequested would. It reports whether the
// task is to stop.
func (r *runner) untilStop(ctx, rep context.Context, fn func(context.Context)) bool {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done, got := make(chan struct{}), make(chan *stopRequest, 1)
	go func() {
		select {
		case s := <-r.stop:
			cancel()
			got <- &s
		case <-done:
			got <- nil
		}
	}()
	fn(sctx)
	close(done)
	if s := <-got; s != nil {
		r.state = r.state.RequestStop(s.code, s.reason, r.now())
		r.report(rep)
	}
	return r.state.Desired == taskstate.Stopped
}

// pull makes every image available, recording pullStartedAt/pullStoppedAt.
// Like the ECS agent with ECS_PULL_DEPENDENT_CONTAINERS_UPFRONT, every
// image is pulled before any container starts, so a missing image fails the
// task at once.
func (r *runner) pull(ctx, rep context.Context) {
	r.pullStartedAt = r.now()
	pulled := map[string]error{}
	for _, cd := range r.spec.Definition.ContainerDefinitions {
		if r.stopRequested(rep) {
			break
		}
		if r.containerStatus(cd.Name) != taskstate.ContainerPending {
			continue
		}
		auth := r.spec.Env[cd.Name].RegistryAuth
		key := cd.Image
		if auth != nil {
			key += "\x00" + auth.Username + "\x00" + auth.Password
		}
		err, seen := pulled[key]
		if !seen {
			var res runtime.PullResult
			stop := r.untilStop(ctx, rep, func(ctx context.Context) {
				if ap, ok := r.rt.(runtime.AuthPuller); ok && auth != nil {
					res, err = ap.PullAuth(ctx, cd.Image, r.a.opts.PullBehavior, *auth)
				} else {
					res, err = r.rt.Pull(ctx, cd.Image, r.a.opts.PullBehavior)
				}
			})
			if stop {
				// Stopped while pulling: no container of the task starts,
				// and the pull cut short is no failure.
				break
			}
			pulled[key] = err
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

// loop starts, stops and follows containers until every one has stopped,
// then deprovisions the task.
func (r *runner) loop(ctx, rep context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for !r.state.AllStopped() {
		if ctx.Err() != nil {
			return
		}
		var recheck time.Time
		if r.state.Desired == taskstate.Stopped {
			r.stopContainers(ctx, rep)
		} else {
			recheck = r.startReady(ctx, rep)
			if ctx.Err() != nil {
				return
			}
			if r.state.Desired == taskstate.Stopped {
				continue // a start failed: stop the rest at once
			}
		}
		if r.state.AllStopped() {
			break
		}
		var wake <-chan time.Time
		if !recheck.IsZero() {
			timer.Reset(max(recheck.Sub(r.now()), time.Millisecond))
			wake = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case ev := <-r.exits:
			if r.restart(ctx, ev) {
				break
			}
			r.exited(ev)
			r.report(rep)
		case h := <-r.health:
			r.state = r.state.ContainerHealth(h.name, h.health)
			r.report(rep)
		case s := <-r.stop:
			r.state = r.state.RequestStop(s.code, s.reason, r.now())
			r.report(rep)
		case <-wake:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
	r.release()
	r.sync(rep)
	r.deprovision(ctx)
	r.state.Deprovisioned = true
	r.a.forget(r)
	r.report(rep)
}

// exited records a container's exit.
func (r *runner) exited(ev exitEvent) {
	if ev.err != nil {
		r.state = r.state.ContainerStopped(ev.name, nil, "ContainerVanishedError: "+ev.err.Error(), r.now())
		return
	}
	code := ev.status.ExitCode
	reason := ""
	if ev.status.OOMKilled {
		reason = "OutOfMemoryError: Container killed due to memory usage"
	}
	r.state = r.state.ContainerStopped(ev.name, &code, reason, r.now())
}

// graphStates is what the dependency graph needs to know of each container.
func (r *runner) graphStates() map[string]depgraph.State {
	out := make(map[string]depgraph.State, len(r.state.Containers))
	for _, c := range r.state.Containers {
		ci := r.info[c.Name]
		s := depgraph.State{StartedAt: ci.StartedAt, ExitCode: c.ExitCode}
		switch c.Status {
		case taskstate.ContainerPending:
			s.Status = depgraph.Pending
		case taskstate.ContainerRunning:
			s.Status, s.Ran = depgraph.Running, true
		default:
			s.Status, s.Ran = depgraph.Stopped, !ci.StartedAt.IsZero()
		}
		switch c.Health {
		case taskstate.HealthHealthy:
			s.Health = depgraph.HealthHealthy
		case taskstate.HealthUnhealthy:
			s.Health = depgraph.HealthUnhealthy
		}
		out[c.Name] = s
	}
	return out
}

// startReady starts every pending container whose dependencies are met, and
// stops with exit code 143 those that can never start, until the graph
// allows nothing more; it returns when to look again for a start timeout.
func (r *runner) startReady(ctx, rep context.Context) time.Time {
	for {
		select {
		case s := <-r.stop:
			r.state = r.state.RequestStop(s.code, s.reason, r.now())
			r.report(rep)
		default:
		}
		if r.state.Desired == taskstate.Stopped || ctx.Err() != nil {
			return time.Time{}
		}
		plan := r.graph.Plan(r.graphStates(), r.now())
		if len(plan.Start) == 0 && len(plan.Blocked) == 0 {
			return plan.Recheck
		}
		for _, b := range plan.Blocked {
			code := 143
			r.state = r.state.ContainerStopped(b.Container, &code, "CannotStartContainerError: "+b.Reason, r.now())
		}
		if len(plan.Blocked) > 0 {
			r.report(rep)
			continue
		}
		if !r.startContainer(ctx, rep, plan.Start[0]) {
			return time.Time{}
		}
	}
}

// startContainer creates and starts one container; false when it failed
// (the task then stops) or the agent is shutting down.
func (r *runner) startContainer(ctx, rep context.Context, name string) bool {
	cd := r.defs[name]
	cs := r.containerSpec(ctx, cd)
	if err := publishRanges(&cs, cd, r.a.opts.HostPorts); err != nil {
		r.state = r.state.ContainerFailedToStart(name, "CannotCreateContainerError: "+err.Error(), r.now())
		r.report(rep)
		return false
	}
	ci := r.info[name]
	ci.RuntimeName = cs.Name
	r.info[name] = ci
	// No report before Create: the name is derived from the task id, so a
	// restarted agent finds a container created just before it died (the
	// ECS agent, whose names are random, saves the name first instead).
	id, err := r.rt.Create(ctx, cs)
	if errors.Is(err, runtime.ErrNameInUse) && r.spec.State != nil {
		// Re-adopted: the name is taken by a container the killed engine
		// created (or asked for: its create may still be under way in the
		// runtime, which then holds the name but finds no container yet).
		st, ierr := r.inspectNamed(ctx, cs.Name)
		switch {
		case ierr != nil:
			if ctx.Err() != nil {
				return false
			}
			r.a.opts.Log.Warn("the container's name is in use, but no container of that name was found", "task", r.spec.ID, "container", name, "err", ierr)
		case !st.Running && !st.Exited:
			// Created, never started: start it as if it were ours.
			id, err = st.ID, nil
		default:
			// Started already (and maybe exited): follow it as adopt does,
			// without starting it again.
			ci.LogGroup, ci.LogStream = ecs.LogDestination(r.spec.Definition, cd, r.spec.ID, st.ID)
			ci.Bindings = startedBindings(cd, cs, st)
			r.adoptStarted(ctx, name, ci, st)
			r.report(rep)
			return true
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		r.state = r.state.ContainerFailedToStart(name, failureReason("CannotCreateContainerError", err), r.now())
		r.report(rep)
		return false
	}
	ci.RuntimeID = id
	ci.LogGroup, ci.LogStream = ecs.LogDestination(r.spec.Definition, cd, r.spec.ID, id)
	r.info[name] = ci
	// The id is published before the container starts: from its first
	// instruction the container may ask the task metadata and credentials
	// endpoints, which find it (and check the caller's address) by this id.
	r.publish(rep)
	if r.stopRequested(rep) {
		// Stopped while it was created: it never starts, and goes (a
		// created container would otherwise be kept, never having exited).
		r.sync(rep)
		if err := r.rt.Remove(ctx, id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			r.a.opts.Log.Warn("remove a container the task's stop left unstarted", "task", r.spec.ID, "container", name, "err", err)
		}
		return false
	}
	if err := r.rt.Start(ctx, id); err != nil {
		if ctx.Err() != nil {
			return false
		}
		r.state = r.state.ContainerFailedToStart(name, failureReason("CannotStartContainerError", err), r.now())
		r.report(rep)
		return false
	}
	ci.StartedAt = r.now()
	var st runtime.State
	var ierr error
	if len(cs.PortBindings) > 0 {
		// Dynamic host ports are known only once the container started.
		st, ierr = r.rt.Inspect(ctx, id)
	}
	if ierr == nil {
		ci.Bindings = startedBindings(cd, cs, st)
	}
	r.info[name] = ci
	r.state = r.state.ContainerStarted(name)
	r.follow(ctx, name, id, runtime.NewLogPosition(time.Time{}, 0))
	r.report(rep)
	return true
}

// nameInUseWait bounds how long a re-adopted task looks for the container
// that holds a container's name (see inspectNamed), and nameInUseRetryMax
// the pause between two looks.
const (
	nameInUseWait     = 5 * time.Second
	nameInUseRetryMax = 250 * time.Millisecond
)

// inspectNamed finds the container whose name a Create found in use. A
// create sent by an engine killed just before may still be under way in
// the runtime: Docker holds the name before it can find the container by
// it. So while the runtime answers not found (or cannot be reached), it
// looks again, with a short backoff, for up to nameInUseWait.
func (r *runner) inspectNamed(ctx context.Context, name string) (runtime.State, error) {
	ctx, cancel := context.WithTimeout(ctx, nameInUseWait)
	defer cancel()
	delay := 10 * time.Millisecond
	for {
		st, err := r.rt.Inspect(ctx, name)
		if err == nil || !errors.Is(err, runtime.ErrNotFound) && !errors.Is(err, runtime.ErrUnavailable) {
			return st, err
		}
		if !sleepCtx(ctx, delay) {
			return st, err
		}
		delay = min(2*delay, nameInUseRetryMax)
	}
}

// startedBindings returns the network bindings of a started container of
// definition cd, created from cs: with published ports, those st (its
// Inspect) shows, dynamic host ports included; with host networking, its
// port mappings, each container port being the host port.
func startedBindings(cd *ecsmodel.ContainerDefinition, cs runtime.ContainerSpec, st runtime.State) []ecsmodel.NetworkBinding {
	switch {
	case len(cs.PortBindings) > 0 && hasPortRange(cd):
		return rangeBindings(st.Ports, cd.PortMappings)
	case len(cs.PortBindings) > 0:
		return bindings(st.Ports)
	case cs.NetworkMode == "host":
		return hostBindings(cd.PortMappings)
	}
	return nil
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

// stopContainers, once the task should stop, marks containers that never
// started as stopped and stops running ones in reverse dependency order: a
// container is stopped only once those that depend on it have stopped.
func (r *runner) stopContainers(ctx, rep context.Context) {
	changed := false
	for _, c := range r.state.Containers {
		if c.Status == taskstate.ContainerPending {
			r.state = r.state.ContainerStopped(c.Name, nil, "", r.now())
			changed = true
		}
	}
	if changed {
		r.report(rep)
	}
	states := r.graphStates()
	for _, c := range r.state.Containers {
		if c.Status != taskstate.ContainerRunning || r.stopping[c.Name] {
			continue
		}
		if len(r.graph.StopBlockers(c.Name, states)) > 0 {
			continue
		}
		r.stopping[c.Name] = true
		r.sync(rep)
		id, timeout := r.info[c.Name].RuntimeID, stopTimeout(r.defs[c.Name])
		go r.stopRetry(ctx, c.Name, id, timeout)
	}
}

// adopt re-attaches to the containers of a task after a restart. It
// returns false when the agent is shutting down.
func (r *runner) adopt(ctx, rep context.Context) bool {
	for _, c := range r.state.Containers {
		if c.Status == taskstate.ContainerStopped {
			continue
		}
		ci := r.info[c.Name]
		id := ci.RuntimeID
		if id == "" {
			// Perhaps created just before the engine died: find it by name.
			id = RuntimeName(r.spec.Definition, c.Name, r.spec.ID)
		}
		st, err := r.inspectRetry(ctx, id)
		if ctx.Err() != nil {
			return false
		}
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
		if !st.Running && !st.Exited {
			// Created but never started: start it as a pending container.
			r.sync(rep)
			if err := r.rt.Remove(ctx, st.ID); err == nil {
				ci.RuntimeID = ""
				r.info[c.Name] = ci
				continue
			}
		}
		r.adoptStarted(ctx, c.Name, ci, st)
	}
	r.report(rep)
	return true
}

// adoptStarted makes a container that was started before the engine
// restarted (st is its Inspect; it may have exited since) the task's
// container name, RUNNING, and follows it: its output after what the sink
// holds (all of it when the sink holds none), its health, its exit code.
// ci is what the runner knows of the container; the caller reports.
func (r *runner) adoptStarted(ctx context.Context, name string, ci ContainerInfo, st runtime.State) {
	ci.RuntimeID = st.ID
	if ci.LogStream == "" {
		ci.LogGroup, ci.LogStream = ecs.LogDestination(r.spec.Definition, r.defs[name], r.spec.ID, st.ID)
	}
	if ci.StartedAt.IsZero() {
		ci.StartedAt = st.StartedAt
		if ci.StartedAt.IsZero() {
			ci.StartedAt = r.now()
		}
	}
	r.info[name] = ci
	r.state = r.state.ContainerStarted(name)
	r.follow(ctx, name, st.ID, r.storedPosition(ctx, name, ci))
}

// storedPosition returns how far the sink holds a container's output: the
// mark stored with its last lines, or, for a stream stored without marks,
// its last line's millisecond (which can lose a line of one stream stamped
// before a line of the other stored already).
func (r *runner) storedPosition(ctx context.Context, name string, ci ContainerInfo) *runtime.LogPosition {
	mark, err := r.a.opts.Logs.Mark(ctx, ci.LogGroup, ci.LogStream)
	if err == nil && mark != "" {
		m, perr := runtime.ParseLogMark(mark)
		if perr == nil {
			return runtime.NewLogPositionAt(m)
		}
		err = perr
	}
	var last time.Time
	var atLast int
	if err == nil {
		last, atLast, err = r.a.opts.Logs.LastEventTime(ctx, ci.LogGroup, ci.LogStream)
	}
	if err != nil {
		r.a.opts.Log.Warn("container output: cannot find where it stopped; reading it all again", "task", r.spec.ID, "container", name, "err", err)
		last, atLast = time.Time{}, 0
	}
	return runtime.NewLogPosition(last, atLast)
}
