package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/protection"
	"github.com/ecsrun/ecsrun/internal/tasksets"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// Task sets: the API of services with the EXTERNAL deployment controller
// (CreateTaskSet and the rest) and the scheduler's pass over them. The
// rules (scale, computed count, stability, what to start and stop) are in
// package tasksets; the task sets live in their service's record, and
// their tasks are ordinary service tasks (group "service:<name>") whose
// startedBy is the task set's id, as on ECS.

// external: the service's tasks are run in task sets an external
// deployment controller manages.
func (s *serviceRecord) external() bool { return s.Controller == tasksets.ControllerExternal }

// createExternalService creates a service with the EXTERNAL deployment
// controller: it holds what all its task sets share (desired count,
// deployment configuration, placement, tags); the task definition, launch
// type, network configuration and platform version belong to task sets.
func (cp *ControlPlane) createExternalService(ctx context.Context, in *ecsmodel.CreateServiceRequest) (*ecsmodel.CreateServiceResponse, error) {
	if err := tasksets.CheckCreateService(in); err != nil {
		return nil, err
	}
	if err := unsupportedServiceFeatures(0, len(in.ServiceRegistries), in.ServiceConnectConfiguration != nil && in.ServiceConnectConfiguration.Enabled,
		len(in.VolumeConfigurations), len(in.VpcLatticeConfigurations), nil); err != nil {
		return nil, err
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	maxPct, minPct, breaker, rollback, err := deploymentSettings(in.DeploymentConfiguration, 200, 100, false, false)
	if err != nil {
		return nil, err
	}
	if err := checkServicePlacement(&ecsmodel.TaskDefinition{}, in.PlacementConstraints, in.PlacementStrategy); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(mustJSON(in))
	key := hex.EncodeToString(sum[:])
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if out, err := cp.existingService(c.Name, in.ServiceName, key); out != nil || err != nil {
		return out, err
	}
	now := cp.now()
	s := &serviceRecord{
		Name: in.ServiceName, Cluster: c.Name, Status: serviceActive, Controller: tasksets.ControllerExternal,
		DesiredCount: *in.DesiredCount, SchedulingStrategy: string(ecsmodel.SchedulingStrategyREPLICA),
		MaxPercent: maxPct, MinHealthyPercent: minPct, CircuitBreaker: breaker, Rollback: rollback,
		PlacementConstraints: in.PlacementConstraints, PlacementStrategy: in.PlacementStrategy,
		HealthCheckGrace: in.HealthCheckGracePeriodSeconds,
		Tags:             in.Tags, EnableManagedTags: in.EnableECSManagedTags, PropagateTags: string(in.PropagateTags),
		EnableExecuteCommand: in.EnableExecuteCommand, RoleArn: in.Role,
		CreatedAt: now, CreatedBy: fmt.Sprintf("arn:aws:iam::%s:root", cp.acct.ID), CreateKey: key,
	}
	if err := cp.saveService(ctx, s); err != nil {
		return nil, err
	}
	cp.services[serviceKey(c.Name, s.Name)] = s
	cp.wakeScheduler()
	w := cp.serviceWire(s, true)
	return &ecsmodel.CreateServiceResponse{Service: &w}, nil
}

// externalService returns the ACTIVE service with the EXTERNAL deployment
// controller that a task set call names; callers hold cp.mu.
func (cp *ControlPlane) externalService(cluster, service string) (*serviceRecord, error) {
	if service == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "service must be specified.")
	}
	s, err := cp.activeService(cluster, service)
	if err != nil {
		return nil, err
	}
	if !s.external() {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Amazon ECS only supports task set management on services configured to use external deployment controllers.")
	}
	return s, nil
}

// taskSetOf finds a service's task set by id or ARN; callers hold cp.mu.
func taskSetOf(s *serviceRecord, ref string) (int, error) {
	id := tasksets.IDOf(ref)
	i := slices.IndexFunc(s.TaskSets, func(ts tasksets.TaskSet) bool { return ts.ID == id })
	if ref == "" || i < 0 {
		return -1, ecs.Errorf(ecs.ErrTaskSetNotFound, "The specified task set does not exist: %s.", ref)
	}
	return i, nil
}

// CreateTaskSet creates a task set in a service with the EXTERNAL
// deployment controller; the scheduler starts its tasks.
func (cp *ControlPlane) CreateTaskSet(ctx context.Context, in *ecsmodel.CreateTaskSetRequest) (*ecsmodel.CreateTaskSetResponse, error) {
	if err := unsupportedServiceFeatures(len(in.LoadBalancers), len(in.ServiceRegistries), false, 0, 0, nil); err != nil {
		return nil, err
	}
	scale, err := tasksets.CheckScale(in.Scale)
	if err != nil {
		return nil, err
	}
	if in.LaunchType != "" && len(in.CapacityProviderStrategy) > 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	}
	if len(in.ClientToken) > 36 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "clientToken can be up to 36 characters; got %d.", len(in.ClientToken))
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(mustJSON(in))
	key := hex.EncodeToString(sum[:])
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, err := cp.externalService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	if in.ClientToken != "" {
		for i := range s.TaskSets {
			if ts := &s.TaskSets[i]; ts.ClientToken == in.ClientToken {
				if ts.Key != key {
					return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Creation of task set was not idempotent: clientToken %s was used with other parameters.", in.ClientToken)
				}
				w := cp.taskSetWire(s, ts, true)
				return &ecsmodel.CreateTaskSetResponse{TaskSet: &w}, nil
			}
		}
	}
	live := 0
	for _, ts := range s.TaskSets {
		if ts.Status != tasksets.Draining {
			live++
		}
	}
	if live >= tasksets.MaxPerService {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "%d deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit.", live)
	}
	def, err := cp.resolveServiceTaskDef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	lt, err := checkServiceLaunch(def, in.LaunchType, in.NetworkConfiguration, len(s.PlacementConstraints) > 0 || len(s.PlacementStrategy) > 0)
	if err != nil {
		return nil, err
	}
	if err := cp.checkRunnable(def, lt); err != nil {
		return nil, err
	}
	if len(in.CapacityProviderStrategy) > 0 {
		lt = ""
	}
	pv := in.PlatformVersion
	if pv == "" && lt == string(ecsmodel.LaunchTypeFARGATE) {
		pv = "LATEST"
	}
	now := cp.now()
	ts := tasksets.TaskSet{
		ID: tasksets.NewID(), ExternalID: in.ExternalId, Status: tasksets.Active, TaskDefinition: def.TaskDefinitionArn,
		LaunchType: lt, AskedLaunchType: string(in.LaunchType), CapacityProviders: in.CapacityProviderStrategy, PlatformVersion: pv,
		NetworkConfiguration: in.NetworkConfiguration, Scale: scale,
		Stability: tasksets.Stabilizing, StabilityAt: now, CreatedAt: now, UpdatedAt: now,
		Tags: in.Tags, ClientToken: in.ClientToken, Key: key,
	}
	upd := *s
	upd.TaskSets = append(slices.Clone(s.TaskSets), ts)
	upd.Steady = false
	if _, err := cp.replaceService(ctx, s, upd, false); err != nil {
		return nil, err
	}
	w := cp.taskSetWire(s, &s.TaskSets[len(s.TaskSets)-1], true)
	return &ecsmodel.CreateTaskSetResponse{TaskSet: &w}, nil
}

// UpdateTaskSet changes a task set's scale.
func (cp *ControlPlane) UpdateTaskSet(ctx context.Context, in *ecsmodel.UpdateTaskSetRequest) (*ecsmodel.UpdateTaskSetResponse, error) {
	if in.Scale == nil {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "scale must be specified.")
	}
	scale, err := tasksets.CheckScale(in.Scale)
	if err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, i, err := cp.liveTaskSet(in.Cluster, in.Service, in.TaskSet, "be scaled")
	if err != nil {
		return nil, err
	}
	upd := *s
	upd.TaskSets = slices.Clone(s.TaskSets)
	upd.TaskSets[i].Scale, upd.TaskSets[i].UpdatedAt, upd.Steady = scale, cp.now(), false
	w, err := cp.saveTaskSets(ctx, s, upd, i)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.UpdateTaskSetResponse{TaskSet: &w}, nil
}

// UpdateServicePrimaryTaskSet makes a task set the service's PRIMARY one;
// the previous primary becomes ACTIVE.
func (cp *ControlPlane) UpdateServicePrimaryTaskSet(ctx context.Context, in *ecsmodel.UpdateServicePrimaryTaskSetRequest) (*ecsmodel.UpdateServicePrimaryTaskSetResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, i, err := cp.liveTaskSet(in.Cluster, in.Service, in.PrimaryTaskSet, "become the primary task set")
	if err != nil {
		return nil, err
	}
	now := cp.now()
	upd := *s
	upd.TaskSets = slices.Clone(s.TaskSets)
	for j := range upd.TaskSets {
		ts := &upd.TaskSets[j]
		switch {
		case j == i && ts.Status != tasksets.Primary:
			ts.Status, ts.UpdatedAt = tasksets.Primary, now
		case j != i && ts.Status == tasksets.Primary:
			ts.Status, ts.UpdatedAt = tasksets.Active, now
		}
	}
	w, err := cp.saveTaskSets(ctx, s, upd, i)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.UpdateServicePrimaryTaskSetResponse{TaskSet: &w}, nil
}

// liveTaskSet returns the EXTERNAL service and the index of its task set
// ref, refusing a DRAINING one: it cannot <what>. cp.mu is held.
func (cp *ControlPlane) liveTaskSet(cluster, service, ref, what string) (*serviceRecord, int, error) {
	s, err := cp.externalService(cluster, service)
	if err != nil {
		return nil, 0, err
	}
	i, err := taskSetOf(s, ref)
	if err != nil {
		return nil, 0, err
	}
	if s.TaskSets[i].Status == tasksets.Draining {
		return nil, 0, ecs.Errorf(ecs.ErrInvalidParameter, "The task set %s is DRAINING (being deleted): it cannot %s.", s.TaskSets[i].ID, what)
	}
	return s, i, nil
}

// saveTaskSets stores upd in place of s and returns task set i as it now
// is. cp.mu is held.
func (cp *ControlPlane) saveTaskSets(ctx context.Context, s *serviceRecord, upd serviceRecord, i int) (ecsmodel.TaskSet, error) {
	if _, err := cp.replaceService(ctx, s, upd, false); err != nil {
		return ecsmodel.TaskSet{}, err
	}
	return cp.taskSetWire(s, &s.TaskSets[i], false), nil
}

// DeleteTaskSet deletes a task set: it goes DRAINING while the scheduler
// stops its tasks, and leaves the service once they have stopped. Without
// force, a task set not scaled down to zero is refused.
func (cp *ControlPlane) DeleteTaskSet(ctx context.Context, in *ecsmodel.DeleteTaskSetRequest) (*ecsmodel.DeleteTaskSetResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, err := cp.externalService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	i, err := taskSetOf(s, in.TaskSet)
	if err != nil {
		return nil, err
	}
	ts := s.TaskSets[i]
	force := in.Force != nil && *in.Force
	if ts.Status == tasksets.Primary && !force {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Cannot delete task set %s: it is the service's PRIMARY task set. Make another task set primary (UpdateServicePrimaryTaskSet), or delete it with force.", ts.ID)
	}
	if ts.Status != tasksets.Draining && ts.Scale > 0 && !force {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Cannot delete task set %s: it has not been scaled down to zero (scale %v%%). Scale it to 0 with UpdateTaskSet, or delete it with force.", ts.ID, ts.Scale)
	}
	upd := *s
	upd.TaskSets = slices.Clone(s.TaskSets)
	upd.TaskSets[i].Status, upd.TaskSets[i].UpdatedAt, upd.Steady = tasksets.Draining, cp.now(), false
	if _, err := cp.replaceService(ctx, s, upd, false); err != nil {
		return nil, err
	}
	w := cp.taskSetWire(s, &s.TaskSets[i], false)
	return &ecsmodel.DeleteTaskSetResponse{TaskSet: &w}, nil
}

// DescribeTaskSets describes a service's task sets (all of them, or those
// named; unknown ones come back as MISSING failures).
func (cp *ControlPlane) DescribeTaskSets(ctx context.Context, in *ecsmodel.DescribeTaskSetsRequest) (*ecsmodel.DescribeTaskSetsResponse, error) {
	tags := slices.Contains(in.Include, ecsmodel.TaskSetFieldTAGS)
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, err := cp.externalService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.DescribeTaskSetsResponse{TaskSets: []ecsmodel.TaskSet{}, Failures: []ecsmodel.Failure{}}
	if len(in.TaskSets) == 0 {
		for i := range s.TaskSets {
			out.TaskSets = append(out.TaskSets, cp.taskSetWire(s, &s.TaskSets[i], tags))
		}
		return out, nil
	}
	for _, ref := range in.TaskSets {
		i, err := taskSetOf(s, ref)
		if err != nil {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: ref, Reason: "MISSING"})
			continue
		}
		out.TaskSets = append(out.TaskSets, cp.taskSetWire(s, &s.TaskSets[i], tags))
	}
	return out, nil
}

// taskSetCounts counts a task set's tasks; callers hold cp.mu.
func (cp *ControlPlane) taskSetCounts(s *serviceRecord, id string) tasksets.Counts {
	var c tasksets.Counts
	group := serviceGroup(s.Name)
	for _, t := range cp.tasks.Decoded() {
		if t.Cluster != s.Cluster || t.Group != group || t.StartedBy != id {
			continue
		}
		switch st := t.State.Status; {
		case st.Terminal():
		case t.State.Desired == taskstate.Stopped:
			c.Stopping++
		case st == taskstate.Running:
			c.Running++
		default:
			c.Pending++
		}
	}
	return c
}

// taskSetWire builds a TaskSet answer; callers hold cp.mu.
func (cp *ControlPlane) taskSetWire(s *serviceRecord, ts *tasksets.TaskSet, withTags bool) ecsmodel.TaskSet {
	return tasksets.Wire(cp.acct, s.Cluster, s.Name, ts, s.DesiredCount, cp.taskSetCounts(s, ts.ID), withTags)
}

// externalWire fills in what a service with the EXTERNAL deployment
// controller shows: its task sets, the counts over them, and the primary
// task set's task definition, launch type and network configuration;
// callers hold cp.mu.
func (cp *ControlPlane) externalWire(s *serviceRecord, w *ecsmodel.Service) {
	w.DeploymentController = &ecsmodel.DeploymentController{Type: ecsmodel.DeploymentControllerTypeEXTERNAL}
	w.TaskSets = []ecsmodel.TaskSet{}
	if s.Status == serviceInactive {
		return
	}
	for i := range s.TaskSets {
		ts := &s.TaskSets[i]
		tw := cp.taskSetWire(s, ts, false)
		w.TaskSets = append(w.TaskSets, tw)
		w.RunningCount += tw.RunningCount
		w.PendingCount += tw.PendingCount
		if ts.Status == tasksets.Primary {
			w.TaskDefinition, w.LaunchType, w.CapacityProviderStrategy = ts.TaskDefinition, ecsmodel.LaunchType(ts.LaunchType), ts.CapacityProviders
			w.PlatformVersion, w.NetworkConfiguration = ts.PlatformVersion, ts.NetworkConfiguration
		}
	}
}

// taskSetJob is what a scheduler pass does for the task sets of one
// service outside the lock: the tasks it stops and, per task set, how
// many it starts.
type taskSetJob struct {
	key, name string
	stops     []stopOrder
	starts    map[string]int // by task set id
}

// taskSetPass is the scheduler's pass over a service with the EXTERNAL
// deployment controller: each task set is brought to its computed count
// (scale-in skips protected tasks), stability is recorded, DRAINING task
// sets whose tasks have stopped leave, and a DRAINING service goes
// INACTIVE once every task is winding down. Callers hold cp.mu.
func (cp *ControlPlane) taskSetPass(ctx context.Context, key string, s *serviceRecord, tasks []*taskRecord, now time.Time) (taskSetJob, bool) {
	view := make([]tasksets.ServiceTask, 0, len(tasks))
	for _, t := range tasks {
		v := tasksets.ServiceTask{Task: tasksets.Task{ID: t.ID, Seq: t.Seq, Protected: protection.Active(t.Protection, now)},
			TaskSet: t.StartedBy, WindingDown: t.State.Status >= taskstate.Stopping}
		switch {
		case t.State.Status.Terminal():
			v.Phase = tasksets.Stopped
		case t.State.Desired == taskstate.Stopped || cp.stopOrdered[t.ID]:
			v.Phase = tasksets.Stopping
		case t.State.Status == taskstate.Running:
			v.Phase = tasksets.Running
		default:
			v.Phase = tasksets.Pending
		}
		view = append(view, v)
	}
	o := tasksets.Pass(s.DesiredCount, s.Status == serviceDraining, now.Before(s.placeRetryAt), s.TaskSets, view, now)
	s.TaskSets = o.TaskSets
	if o.Inactive {
		s.Status, s.InactiveAt = serviceInactive, now
	}
	if o.Changed {
		if err := cp.saveService(ctx, s); err != nil {
			cp.log.Error("cannot store a service", "service", s.Name, "err", err)
		}
	}
	job := taskSetJob{key: key, name: s.Name, starts: o.Starts}
	for _, st := range o.Stops {
		job.stops = append(job.stops, stopOrder{ID: st.ID, Deployment: st.TaskSet})
	}
	return job, len(job.stops) > 0 || len(job.starts) > 0
}

// runTaskSetJob stops and starts what taskSetPass decided, outside the
// lock, through the paths the service scheduler uses.
func (cp *ControlPlane) runTaskSetJob(ctx context.Context, j taskSetJob) {
	cp.stopServiceTasks(ctx, schedJob{key: j.key, name: j.name, stops: j.stops})
	for id, n := range j.starts {
		cp.mu.Lock()
		s := cp.services[j.key]
		var in ecsmodel.RunTaskRequest
		ok := s != nil && s.Status == serviceActive
		if ok {
			i := slices.IndexFunc(s.TaskSets, func(ts tasksets.TaskSet) bool { return ts.ID == id && ts.Status != tasksets.Draining })
			if ok = i >= 0; ok {
				ts := &s.TaskSets[i]
				in = cp.serviceRunRequest(s, &deploymentRecord{ID: ts.ID, TaskDefinition: ts.TaskDefinition,
					NetworkConfiguration: ts.NetworkConfiguration, LaunchType: ts.LaunchType,
					CapacityProviders: ts.CapacityProviders, PlatformVersion: ts.PlatformVersion})
				in.LaunchType = ecsmodel.LaunchType(ts.AskedLaunchType)
			}
		}
		cp.mu.Unlock()
		if ok {
			cp.startTasksOf(ctx, j.key, in, n)
		}
	}
}
