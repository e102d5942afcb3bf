package controlplane

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/protection"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// The service scheduler: one goroutine that runs a pass over every
// service when woken (a service task changed, a service was created,
// updated or deleted) and at least every Options.ServiceTick. A pass
// decides under the control plane's lock (decide, in schedule.go), records
// what changed in the services, and then, without the lock, stops and
// starts tasks through the paths StopTask and RunTask use.

// Defaults of the scheduler's timing.
const (
	// DefaultServiceTick is how often the scheduler looks at every service
	// when nothing wakes it.
	DefaultServiceTick = time.Second
	// DefaultServiceRetry is the first delay before a service starts a task
	// again after one failed; it doubles with each failure in a row, up to
	// DefaultServiceRetryMax.
	DefaultServiceRetry    = time.Second
	DefaultServiceRetryMax = time.Minute
	// DefaultServiceSettle is how long a deployment's tasks must have been
	// running for the deployment to complete.
	DefaultServiceSettle = time.Second
)

// healthStopReason is the stoppedReason of a task the scheduler replaces
// because its container health checks failed.
const healthStopReason = "Task failed container health checks"

// wakeScheduler asks for a scheduler pass soon; it never blocks.
func (cp *ControlPlane) wakeScheduler() {
	select {
	case cp.wake <- struct{}{}:
	default:
	}
}

// startScheduler starts the scheduler goroutine (once).
func (cp *ControlPlane) startScheduler() {
	if cp.schedStop != nil {
		return
	}
	cp.schedStop, cp.schedDone = make(chan struct{}), make(chan struct{})
	go cp.runScheduler(cp.schedStop, cp.schedDone)
}

// StopScheduler stops the service scheduler and waits for its pass to
// end; stop it before the launcher, so that it starts no task the
// launcher cannot take any more. Close stops it too.
func (cp *ControlPlane) StopScheduler() { cp.stopScheduler() }

// stopScheduler stops the scheduler goroutine and waits for it.
func (cp *ControlPlane) stopScheduler() {
	if cp.schedStop == nil {
		return
	}
	close(cp.schedStop)
	<-cp.schedDone
	cp.schedStop = nil
}

func (cp *ControlPlane) runScheduler(stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(cp.tick)
	defer tick.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		cp.schedulePass(ctx)
		select {
		case <-stop:
			return
		case <-cp.wake:
		case <-tick.C:
		}
	}
}

// schedJob is what a pass does for one service outside the lock.
type schedJob struct {
	key, name string
	start     int
	dep       string // the deployment that starts tasks
	stops     []stopOrder
}

// schedTaskOf is the scheduler's view of a task.
func schedTaskOf(t *taskRecord) schedTask {
	st := &t.State
	v := schedTask{ID: t.ID, Deployment: t.StartedBy, Seq: t.Seq, StartedAt: st.StartedAt, StoppedAt: st.StoppedAt,
		Running: st.Status == taskstate.Running, Unhealthy: st.Health() == taskstate.HealthUnhealthy}
	for _, c := range st.Containers {
		if c.Essential && c.HealthChecked && st.Health() == taskstate.HealthUnknown {
			v.AwaitingHealth = true
		}
	}
	switch {
	case st.Status.Terminal():
		v.Phase = phaseStopped
		v.HealthStopped = st.StopCode == taskstate.StopServiceSchedulerInitiated && st.StoppedReason == healthStopReason
		v.Failed = st.StopCode == taskstate.StopTaskFailedToStart || st.StopCode == taskstate.StopEssentialContainerExited || v.HealthStopped
	case st.Desired == taskstate.Stopped:
		v.Phase = phaseStopping
		v.WindingDown = st.Status >= taskstate.Stopping
	case st.Status == taskstate.Running:
		v.Phase = phaseRunning
	default:
		v.Phase = phasePending
	}
	return v
}

// inactiveToForget: an INACTIVE service has been so for longer than the
// retention; callers hold cp.mu.
func (cp *ControlPlane) inactiveToForget() bool {
	if len(cp.services) == 0 {
		return false
	}
	now := cp.now()
	for _, s := range cp.services {
		if s.Status == serviceInactive && now.Sub(s.InactiveAt) > cp.keep {
			return true
		}
	}
	return false
}

// schedulePass runs the scheduler once over every service.
func (cp *ControlPlane) schedulePass(ctx context.Context) {
	cp.mu.Lock()
	if !slices.ContainsFunc(slices.Collect(maps.Values(cp.services)), func(s *serviceRecord) bool { return s.Status != serviceInactive }) &&
		!cp.inactiveToForget() {
		cp.mu.Unlock()
		return
	}
	now := cp.now()
	for id := range cp.stopOrdered {
		if t := cp.tasks.Get(id); t == nil || t.State.Status.Terminal() || t.State.Desired == taskstate.Stopped {
			delete(cp.stopOrdered, id)
		}
	}
	byGroup := map[string][]*taskRecord{}
	for _, t := range cp.tasks.All() {
		if strings.HasPrefix(t.Group, "service:") {
			k := t.Cluster + "/" + t.Group
			byGroup[k] = append(byGroup[k], t)
		}
	}
	var jobs []schedJob
	var setJobs []taskSetJob
	for key, s := range cp.services {
		if s.Status == serviceInactive {
			if now.Sub(s.InactiveAt) > cp.keep {
				delete(cp.services, key)
				if err := cp.exec(ctx, `DELETE FROM services WHERE cluster = ? AND name = ?`, s.Cluster, s.Name); err != nil {
					cp.log.Error("cannot forget an inactive service", "service", s.Name, "err", err)
				}
			}
			continue
		}
		if s.external() {
			if j, ok := cp.taskSetPass(ctx, key, s, byGroup[s.Cluster+"/"+serviceGroup(s.Name)], now); ok {
				setJobs = append(setJobs, j)
			}
			continue
		}
		var daemonOn map[string]bool // a DAEMON service's instances
		if s.SchedulingStrategy == string(ecsmodel.SchedulingStrategyDAEMON) && s.Status == serviceActive {
			daemonOn = cp.daemonInstances(s)
			if n := int32(len(daemonOn)); n != s.DesiredCount {
				s.DesiredCount, s.Steady = n, false
				if err := cp.saveService(ctx, s); err != nil {
					cp.log.Error("cannot store a service", "service", s.Name, "err", err)
				}
			}
		}
		deps := map[string]bool{}
		view := schedService{
			Draining: s.Status == serviceDraining, Desired: s.DesiredCount,
			MaxPercent: s.MaxPercent, MinHealthyPercent: s.MinHealthyPercent,
			CircuitBreaker: s.CircuitBreaker, Rollback: s.Rollback,
			Cumulative: s.ResetOnHealthy != nil && !*s.ResetOnHealthy,
			RetryBase:  cp.retryBase, RetryMax: cp.retryMax, Settle: cp.settle,
		}
		if tc := s.Threshold; tc != nil {
			view.Threshold = breakerThreshold(string(tc.Type), tc.Value, s.DesiredCount)
		}
		if s.HealthCheckGrace != nil {
			view.Grace = time.Duration(*s.HealthCheckGrace) * time.Second
		}
		for _, d := range s.Deployments {
			deps[d.ID] = true
			view.Deployments = append(view.Deployments, schedDeployment{ID: d.ID, Rollout: d.RolloutState})
		}
		view.CanRollBack = s.LastCompleted != "" && len(s.Deployments) > 0 && s.LastCompleted != s.Deployments[0].TaskDefinition
		binpack := false
		if len(s.Deployments) > 0 {
			for _, ps := range serviceStrategy(s, &s.Deployments[0]) {
				view.Strategy = append(view.Strategy, schedStrategy{Type: string(ps.Type), Field: ps.Field})
				binpack = binpack || ps.Type == ecsmodel.PlacementStrategyTypeBinpack
			}
		}
		var tasks []schedTask
		for _, t := range byGroup[s.Cluster+"/"+serviceGroup(s.Name)] {
			if deps[t.StartedBy] {
				v := schedTaskOf(t)
				v.Protected = protection.Active(t.Protection, now)
				if r := cp.instances[t.ContainerInstance]; r != nil {
					// A DAEMON service's task on an instance that no longer
					// satisfies its constraints is replaced as one on a
					// draining instance is (ECS stops such tasks).
					v.OnDraining = r.Status == instanceDraining || daemonOn != nil && !daemonOn[r.ARN]
					v.Instance, v.Attributes = r.ARN, r.Attributes
					if binpack && v.Phase != phaseStopped {
						cp.binpackView(&v, t, r)
					}
				}
				if cp.stopOrdered[t.ID] && v.Phase != phaseStopped {
					v.Phase = phaseStopping // the agent has not said so yet
				}
				tasks = append(tasks, v)
			}
		}
		dec := decide(view, tasks, now)
		if now.Before(s.placeRetryAt) {
			dec.Start = 0
		}
		if cp.recordDecision(s, dec, now) {
			if err := cp.saveService(ctx, s); err != nil {
				cp.log.Error("cannot store a service", "service", s.Name, "err", err)
			}
		}
		if dec.Failed {
			cp.wakeScheduler() // the rollback deployment starts at once
		}
		if dec.Start > 0 || len(dec.Stop) > 0 {
			jobs = append(jobs, schedJob{key: key, name: s.Name, start: dec.Start, dep: s.Deployments[0].ID, stops: dec.Stop})
		}
	}
	cp.mu.Unlock()
	for _, j := range jobs {
		cp.stopServiceTasks(ctx, j)
		cp.startServiceTasks(ctx, j)
	}
	for _, j := range setJobs {
		cp.runTaskSetJob(ctx, j)
	}
}

// recordDecision folds what decide found into the service; true when the
// service changed. Callers hold cp.mu.
func (cp *ControlPlane) recordDecision(s *serviceRecord, dec decision, now time.Time) bool {
	changed := false
	for i := range s.Deployments {
		d := &s.Deployments[i]
		if n := dec.Counts[d.ID].Failed; n != d.FailedTasks {
			d.FailedTasks, d.UpdatedAt, changed = n, now, true
			s.History = s.History.Failures(d.ServiceDeployment, n, now)
		}
	}
	if dec.Inactive {
		s.Status, s.InactiveAt = serviceInactive, now
		return true
	}
	if dec.Failed {
		p := &s.Deployments[0]
		p.RolloutState, p.RolloutStateReason, p.UpdatedAt = rolloutFailed, "ECS deployment circuit breaker: tasks failed to start.", now
		s.addEvent(now, "(service %s) (deployment %s) deployment failed: tasks failed to start.", s.Name, p.ID)
		if dec.RollBack {
			failed := p.ID
			s.TaskDefinition = s.LastCompleted
			s.deploy(now)
			s.Deployments[0].RolloutStateReason = fmt.Sprintf("ECS deployment circuit breaker: rolling back to deploymentId %s.", failed)
			s.addEvent(now, "(service %s) rolling back to task definition %s after deployment %s failed.", s.Name, s.LastCompleted, failed)
		}
		cp.deploymentFailed(s, *p, dec.Counts[p.ID].Failed, dec.RollBack, now)
		return true
	}
	if len(dec.Drop) > 0 {
		s.Deployments = slices.DeleteFunc(s.Deployments, func(d deploymentRecord) bool { return slices.Contains(dec.Drop, d.ID) })
		changed = true
	}
	if dec.Completed {
		p := &s.Deployments[0]
		p.RolloutState, p.RolloutStateReason, p.UpdatedAt = rolloutCompleted, fmt.Sprintf("ECS deployment %s completed.", p.ID), now
		s.LastCompleted = p.TaskDefinition
		s.deploymentCompleted(p, dec.Counts[p.ID].Running, now)
		s.addEvent(now, "(service %s) (deployment %s) deployment completed.", s.Name, p.ID)
		changed = true
	}
	if dec.Steady != s.Steady {
		s.Steady = dec.Steady
		if dec.Steady {
			s.addEvent(now, "(service %s) has reached a steady state.", s.Name)
		}
		changed = true
	}
	return changed
}

// stopServiceTasks stops the tasks a pass decided to stop and says so in
// the service's events.
func (cp *ControlPlane) stopServiceTasks(ctx context.Context, j schedJob) {
	if len(j.stops) == 0 {
		return
	}
	cp.mu.Lock()
	for _, o := range j.stops {
		cp.stopOrdered[o.ID] = true
	}
	cp.mu.Unlock()
	byReason := map[string][]string{}
	var order []string
	var ids []string
	for _, o := range j.stops {
		reason := fmt.Sprintf("Scaling activity initiated by (deployment %s)", o.Deployment)
		if o.Health {
			reason = healthStopReason
		}
		if _, ok := byReason[reason]; !ok {
			order = append(order, reason)
		}
		byReason[reason] = append(byReason[reason], o.ID)
		ids = append(ids, o.ID)
	}
	for _, reason := range order {
		if err := cp.stopTasks(ctx, byReason[reason], taskstate.StopServiceSchedulerInitiated, reason); err != nil {
			cp.log.Error("service scheduler: cannot stop tasks", "service", j.name, "err", err)
		}
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s := cp.services[j.key]
	if s == nil {
		return
	}
	now := cp.now()
	for _, o := range j.stops {
		if o.Health {
			s.addEvent(now, "(service %s) (task %s) failed container health checks.", s.Name, o.ID)
		}
	}
	s.addEvent(now, "(service %s) has stopped %d running tasks: %s.", s.Name, len(ids), taskList(ids))
	if err := cp.saveService(ctx, s); err != nil {
		cp.log.Error("cannot store a service", "service", s.Name, "err", err)
	}
}

func taskList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "(task " + id + ")"
	}
	return strings.Join(parts, " ")
}

// defaultServiceStrategy places the tasks of a REPLICA service that names
// no placement strategy: spread over availability zones, as ECS does, then
// over the instances of each zone (ECS leaves the choice within a zone
// open; RunTask's default, random, would let tasks pile up on one).
var defaultServiceStrategy = []ecsmodel.PlacementStrategy{
	{Type: ecsmodel.PlacementStrategyTypeSpread, Field: "attribute:ecs.availability-zone"},
	{Type: ecsmodel.PlacementStrategyTypeSpread, Field: "instanceId"},
}

// serviceStrategy is the placement strategy deployment dep of service s
// places its tasks with, and which chooses the tasks it stops: the
// service's own, or for a REPLICA service on container instances that names
// none, defaultServiceStrategy. Callers hold cp.mu.
func serviceStrategy(s *serviceRecord, dep *deploymentRecord) []ecsmodel.PlacementStrategy {
	if len(s.PlacementStrategy) == 0 && s.SchedulingStrategy == string(ecsmodel.SchedulingStrategyREPLICA) &&
		dep.LaunchType != string(ecsmodel.LaunchTypeFARGATE) && len(dep.CapacityProviders) == 0 {
		return defaultServiceStrategy
	}
	return s.PlacementStrategy
}

// binpackView fills in what binpack needs to choose tasks to stop: what
// task t holds and what its instance r has left; callers hold cp.mu.
func (cp *ControlPlane) binpackView(v *schedTask, t *taskRecord, r *instanceRecord) {
	if need, err := cp.taskNeed(t); err == nil {
		v.CPU, v.Memory = need.CPU, need.Memory
	}
	if pi, ok := cp.placer(t.Cluster).Instance(r.ARN); ok {
		v.FreeCPU, v.FreeMemory = pi.Free.CPU, pi.Free.Memory
	}
}

// serviceRunRequest is the RunTask request that starts tasks of the
// service's deployment dep; callers hold cp.mu.
func (cp *ControlPlane) serviceRunRequest(s *serviceRecord, dep *deploymentRecord) ecsmodel.RunTaskRequest {
	in := ecsmodel.RunTaskRequest{
		Cluster: s.Cluster, TaskDefinition: dep.TaskDefinition,
		Group: serviceGroup(s.Name), StartedBy: dep.ID,
		LaunchType: ecsmodel.LaunchType(s.AskedLaunchType), CapacityProviderStrategy: dep.CapacityProviders,
		PlacementConstraints: s.PlacementConstraints, PlacementStrategy: serviceStrategy(s, dep),
		NetworkConfiguration: dep.NetworkConfiguration, PlatformVersion: dep.PlatformVersion,
		EnableExecuteCommand: s.EnableExecuteCommand,
	}
	switch s.PropagateTags {
	case string(ecsmodel.PropagateTagsSERVICE):
		in.Tags = append(in.Tags, s.Tags...)
	case string(ecsmodel.PropagateTagsTASKDEFINITION):
		in.PropagateTags = ecsmodel.PropagateTagsTASKDEFINITION
	}
	if s.SchedulingStrategy == string(ecsmodel.SchedulingStrategyDAEMON) {
		// One task on each instance: never a second one where the service
		// has one.
		in.PlacementConstraints = append(slices.Clone(in.PlacementConstraints), ecsmodel.PlacementConstraint{Type: ecsmodel.PlacementConstraintTypeDistinctInstance})
	}
	if s.EnableManagedTags {
		in.Tags = append(in.Tags,
			ecsmodel.Tag{Key: "aws:ecs:clusterName", Value: s.Cluster},
			ecsmodel.Tag{Key: "aws:ecs:serviceName", Value: s.Name})
	}
	return in
}

// startServiceTasks starts the tasks a pass decided to start (RunTask
// starts at most 10 at once) and says so, or why it could not, in the
// service's events.
func (cp *ControlPlane) startServiceTasks(ctx context.Context, j schedJob) {
	if j.start <= 0 {
		return
	}
	cp.mu.Lock()
	s := cp.services[j.key]
	if s == nil || s.Status != serviceActive || len(s.Deployments) == 0 || s.Deployments[0].ID != j.dep {
		cp.mu.Unlock()
		return // the service changed meanwhile: the next pass decides again
	}
	in := cp.serviceRunRequest(s, &s.Deployments[0])
	cp.mu.Unlock()
	cp.startTasksOf(ctx, j.key, in, j.start)
}

// startTasksOf starts n tasks of the service at key with in (RunTask
// starts at most 10 at once) and says so, or why it could not, in the
// service's events.
func (cp *ControlPlane) startTasksOf(ctx context.Context, key string, in ecsmodel.RunTaskRequest, n int) {
	var started []string
	var problem string
	for left := n; left > 0 && problem == ""; {
		n := int32(min(left, 10))
		req := in
		req.Count = &n
		out, err := cp.runTasks(ctx, &req, true)
		if err != nil {
			problem = err.Error()
			break
		}
		for _, t := range out.Tasks {
			started = append(started, taskIDOf(t.TaskArn))
		}
		if len(out.Failures) > 0 {
			problem = out.Failures[0].Reason
			if out.Failures[0].Detail != "" {
				problem += ": " + out.Failures[0].Detail
			}
		}
		left -= int(n)
	}

	cp.mu.Lock()
	defer cp.mu.Unlock()
	s := cp.services[key]
	if s == nil {
		return
	}
	now := cp.now()
	if len(started) > 0 {
		s.addEvent(now, "(service %s) has started %d tasks: %s.", s.Name, len(started), taskList(started))
		s.placeFailures = 0
		s.placeRetryAt = time.Time{}
	}
	if problem != "" {
		msg := fmt.Sprintf("(service %s) was unable to place a task because no container instance met all of its requirements. Reason: %s", s.Name, problem)
		if len(s.Events) == 0 || s.Events[0].Message != msg {
			s.addEvent(now, "%s", msg)
		}
		s.placeFailures++
		s.placeRetryAt = now.Add(retryDelay(s.placeFailures, cp.retryBase, cp.retryMax))
	}
	if err := cp.saveService(ctx, s); err != nil {
		cp.log.Error("cannot store a service", "service", s.Name, "err", err)
	}
}

func taskIDOf(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}
