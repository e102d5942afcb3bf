package controlplane

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/protection"
	"github.com/ecsrun/ecsrun/internal/taskstate"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// taskRecord is everything the control plane keeps about a task.
type taskRecord struct {
	// stopAsked: StopTask was answered and the agent has not reported the
	// stop yet; the API shows the task as desired STOPPED meanwhile, as ECS
	// does from the moment StopTask answers. Not stored: the agent's report
	// is.
	stopAsked bool

	ID       string `json:"id"`
	Seq      int64  `json:"seq"`
	Cluster  string `json:"cluster"`
	ARN      string `json:"arn"`
	DefARN   string `json:"taskDefinitionArn"`
	Family   string `json:"family"`
	Revision int32  `json:"revision"`
	// Request holds the RunTask members the task was started with.
	LaunchType           string                          `json:"launchType,omitempty"`
	Group                string                          `json:"group,omitempty"`
	StartedBy            string                          `json:"startedBy,omitempty"`
	Overrides            *ecsmodel.TaskOverride          `json:"overrides,omitempty"`
	Tags                 []ecsmodel.Tag                  `json:"tags,omitempty"`
	EnableExecuteCommand bool                            `json:"enableExecuteCommand,omitempty"`
	ContainerARNs        map[string]string               `json:"containerArns"`
	ClientToken          string                          `json:"clientToken,omitempty"`
	TokenKey             string                          `json:"tokenKey,omitempty"`
	Version              int64                           `json:"version"`
	State                taskstate.Task                  `json:"state"`
	Containers           map[string]*agent.ContainerInfo `json:"containers,omitempty"`
	PullStartedAt        *wire.Time                      `json:"pullStartedAt,omitempty"`
	PullStoppedAt        *wire.Time                      `json:"pullStoppedAt,omitempty"`
	// ContainerInstance is the id of the container instance the task was
	// placed on ("" on the host's own capacity); GPUs the GPUs it holds.
	ContainerInstance string   `json:"containerInstance,omitempty"`
	GPUs              []string `json:"gpus,omitempty"`
	// Resources are what the agent set up for the task (network address,
	// volumes, pause container); Subnet is the awsvpc subnet asked for.
	Resources agent.Resources `json:"resources,omitzero"`
	Subnet    string          `json:"subnet,omitempty"`
	// CapacityProvider is the provider the task was placed by;
	// AwaitingCapacity: it waits in PROVISIONING for that provider's
	// capacity, to be placed with WaitPlacement (see providers.go).
	CapacityProvider string         `json:"capacityProvider,omitempty"`
	AwaitingCapacity bool           `json:"awaitingCapacity,omitempty"`
	WaitPlacement    *waitPlacement `json:"waitPlacement,omitempty"`
	// Protection is the task's scale-in protection (UpdateTaskProtection).
	Protection *protection.State `json:"protection,omitempty"`
}

// saveTasks commits tasks, in one transaction, shared with other callers'
// (see batcher).
func (cp *ControlPlane) saveTasks(ctx context.Context, ts ...*taskRecord) error {
	rows := make([]taskRow, len(ts))
	for i, t := range ts {
		rows[i] = rowOf(t)
	}
	if err := cp.batch.commit(ctx, rows...); err != nil {
		return err
	}
	cp.taskChanges.Notify()
	return nil
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newUUID() string {
	h := newID()
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// MaxOverridesSize is the largest overrides document RunTask accepts, in
// characters of JSON.
const MaxOverridesSize = 8192

// RunTask starts count tasks from a task definition.
func (cp *ControlPlane) RunTask(ctx context.Context, in *ecsmodel.RunTaskRequest) (*ecsmodel.RunTaskResponse, error) {
	count := int32(1)
	if in.Count != nil {
		count = *in.Count
	}
	if count < 1 || count > 10 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "count must be between 1 and 10; got %d. Run larger batches with several RunTask calls.", count)
	}
	if in.LaunchType != "" && len(in.CapacityProviderStrategy) > 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	}
	if len(in.StartedBy) > 128 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "startedBy can be up to 128 characters long; got %d.", len(in.StartedBy))
	}
	if len(in.ClientToken) > 64 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "clientToken can be up to 64 characters long; got %d.", len(in.ClientToken))
	}
	if len(in.PlacementConstraints) > 0 || len(in.PlacementStrategy) > 0 {
		if in.LaunchType == ecsmodel.LaunchTypeFARGATE {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Task placement constraints and strategies are not supported with the FARGATE launch type.")
		}
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	if in.Overrides != nil {
		if b, _ := json.Marshal(in.Overrides); len(b) > MaxOverridesSize {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Container Overrides length must be at most %d; got %d characters.", MaxOverridesSize, len(b))
		}
	}
	return cp.runTasks(ctx, in, false)
}

// runTasks starts the tasks of a RunTask request that passed the checks
// of the request alone: RunTask's, and the service scheduler's, whose
// requests carry ECS-managed aws: tags that RunTask refuses from users.
// forService: the service scheduler starts them, which it may do with an
// INACTIVE task definition (a service whose definition was deregistered
// still scales and replaces its tasks, as on ECS).
func (cp *ControlPlane) runTasks(ctx context.Context, in *ecsmodel.RunTaskRequest, forService bool) (*ecsmodel.RunTaskResponse, error) {
	return cp.runTasksOn(ctx, in, forService, nil)
}

// runTasksOn is runTasks; with targets (StartTask's container instances,
// one per task) the tasks go to those instances instead of being placed.
func (cp *ControlPlane) runTasksOn(ctx context.Context, in *ecsmodel.RunTaskRequest, forService bool, targets []string) (*ecsmodel.RunTaskResponse, error) {
	if err := cp.awaitHost(ctx, in); err != nil {
		return nil, err
	}
	count := int32(1)
	if in.Count != nil {
		count = *in.Count
	}
	tokenKey := ""
	if in.ClientToken != "" {
		fp := *in
		fp.ClientToken = ""
		sum := sha256.Sum256(mustJSON(&fp))
		tokenKey = hex.EncodeToString(sum[:])
	}

	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if in.ClientToken != "" {
		if prev, ok := cp.tokens[in.ClientToken]; ok {
			if prev != tokenKey {
				return nil, ecs.Errorf(ecs.ErrConflict, "The clientToken %q was already used with different parameters.", in.ClientToken)
			}
			return cp.replay(in.ClientToken), nil
		}
	}
	td, err := cp.taskDef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	def := &td.Def
	if def.Status != ecsmodel.TaskDefinitionStatusACTIVE && !forService {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "TaskDefinition is inactive")
	}
	if def.NetworkMode == ecsmodel.NetworkModeAwsvpc && in.NetworkConfiguration == nil {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	if in.Overrides != nil {
		for _, o := range in.Overrides.ContainerOverrides {
			if !hasContainer(def, o.Name) {
				return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Override for container named %s is not a container in the TaskDefinition.", o.Name)
			}
		}
	}
	if err := ecs.CheckVolumeConfigurations(def, in.VolumeConfigurations); err != nil {
		return nil, err
	}
	if err := cp.checkHostPaths(def); err != nil {
		return nil, err
	}
	launchType := string(in.LaunchType)
	if launchType == "" {
		launchType = string(ecsmodel.LaunchTypeEC2)
		if len(def.RequiresCompatibilities) == 1 && def.RequiresCompatibilities[0] == ecsmodel.CompatibilityFARGATE {
			launchType = string(ecsmodel.LaunchTypeFARGATE)
		}
	}
	if launchType == string(ecsmodel.LaunchTypeFARGATE) && def.NetworkMode != ecsmodel.NetworkModeAwsvpc {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Task definition does not support launch_type FARGATE: networkMode must be awsvpc.")
	}
	group := in.Group
	if group == "" {
		group = "family:" + def.Family
	}
	tags := in.Tags
	if in.PropagateTags == ecsmodel.PropagateTagsTASKDEFINITION && len(td.Tags) > 0 {
		tags = append(append([]ecsmodel.Tag{}, td.Tags...), tags...)
	}
	strategy, err := cp.taskStrategy(c, in)
	if err != nil {
		return nil, err
	}
	byProviders := false
	if strategy != nil {
		if _, fargate := cp.lookupProvider(strategy[0].Provider); fargate {
			launchType = string(ecsmodel.LaunchTypeFARGATE)
			if def.NetworkMode != ecsmodel.NetworkModeAwsvpc {
				return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Task definition does not support launch_type FARGATE: networkMode must be awsvpc.")
			}
		} else {
			launchType, byProviders = string(ecsmodel.LaunchTypeEC2), true
		}
	}
	where, err := chooseCapacity(in.LaunchType, launchType, strategy != nil, cp.placer(c.Name).Len())
	if targets != nil { // StartTask: the instances are chosen
		where, byProviders, err = instancePlacement, false, nil
	}
	if err != nil {
		return nil, err
	}
	if byProviders {
		where = instancePlacement
	}
	if err := hostPlacementCheck(where, launchType, in); err != nil {
		return nil, err
	}
	if where == hostCapacity {
		if f := hostCapacityFailure(def, in.Overrides); f != nil {
			return &ecsmodel.RunTaskResponse{Tasks: []ecsmodel.Task{}, Failures: []ecsmodel.Failure{*f}}, nil
		}
	}
	now := cp.now()
	var recs []*taskRecord
	assigned := cp.strategyAssign(strategy, c.Name, group, forService, int(count))
	for i := int32(0); i < count; i++ {
		id := newID()
		cp.taskSeq++
		t := &taskRecord{
			ID: id, Seq: cp.taskSeq, Cluster: c.Name,
			ARN: cp.acct.TaskARN(c.Name, id), DefARN: def.TaskDefinitionArn,
			Family: def.Family, Revision: def.Revision,
			LaunchType: launchType, Group: group, StartedBy: in.StartedBy,
			Overrides: in.Overrides, Tags: tags, EnableExecuteCommand: in.EnableExecuteCommand,
			ContainerARNs: map[string]string{},
			ClientToken:   in.ClientToken, TokenKey: tokenKey,
			Version: 1,
		}
		if assigned != nil {
			t.CapacityProvider = assigned[i]
		}
		if nc := in.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil && len(nc.AwsvpcConfiguration.Subnets) > 0 {
			t.Subnet = nc.AwsvpcConfiguration.Subnets[0]
		}
		var cs []taskstate.Container
		for _, cd := range def.ContainerDefinitions {
			t.ContainerARNs[cd.Name] = cp.acct.ContainerARN(c.Name, id, newUUID())
			cs = append(cs, taskstate.Container{Name: cd.Name, Essential: ecs.IsEssential(&cd)})
		}
		t.State = taskstate.New(cs, now)
		spec, _ := cp.specFor(t)
		if cp.launcher != nil {
			if err := cp.launcher.Check(&spec); err != nil {
				return nil, err
			}
		}
		recs = append(recs, t)
	}
	out := &ecsmodel.RunTaskResponse{Tasks: []ecsmodel.Task{}, Failures: []ecsmodel.Failure{}}
	if byProviders {
		placed, failures, err := cp.placeByProviders(c.Name, def, in, group, recs)
		if err != nil {
			return nil, err
		}
		recs, out.Failures = placed, failures
	} else if where == instancePlacement {
		place := cp.place
		if targets != nil {
			place = cp.placeOn(c, targets)
		}
		placed, failures, err := place(c.Name, def, in, group, recs)
		if err != nil {
			return nil, err
		}
		recs, out.Failures = placed, failures
	}
	if len(recs) == 0 {
		return out, nil
	}
	cp.lendToReports(func() { err = cp.saveTasks(ctx, recs...) })
	if err != nil {
		for _, t := range recs {
			cp.release(t)
		}
		return nil, err
	}
	for _, t := range recs {
		cp.tasks.Put(t.ID, t)
		out.Tasks = append(out.Tasks, cp.taskWire(t, true))
	}
	if in.ClientToken != "" {
		cp.tokens[in.ClientToken] = tokenKey
	}
	if cp.launcher != nil {
		for _, t := range recs {
			if t.AwaitingCapacity {
				continue // PlaceWaiting launches it when capacity arrives
			}
			spec, _ := cp.specFor(t)
			cp.launcher.Launch(spec)
		}
	}
	return out, nil
}

// replay answers a repeated RunTask with the tasks its token started.
func (cp *ControlPlane) replay(token string) *ecsmodel.RunTaskResponse {
	out := &ecsmodel.RunTaskResponse{Tasks: []ecsmodel.Task{}, Failures: []ecsmodel.Failure{}}
	var ts []*taskRecord
	cp.tasks.DecodeWhere(func(_ string, st storedTask) bool { return st.token == token })
	for _, t := range cp.tasks.Decoded() {
		if t.ClientToken == token {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Seq < ts[j].Seq })
	for _, t := range ts {
		out.Tasks = append(out.Tasks, cp.taskWire(t, true))
	}
	return out
}

func hasContainer(def *ecsmodel.TaskDefinition, name string) bool {
	for _, cd := range def.ContainerDefinitions {
		if cd.Name == name {
			return true
		}
	}
	return false
}

// specFor builds the agent's view of a task; callers hold cp.mu.
func (cp *ControlPlane) specFor(t *taskRecord) (agent.TaskSpec, error) {
	revs := cp.families[t.Family]
	if int(t.Revision) > len(revs) || t.Revision < 1 {
		return agent.TaskSpec{}, fmt.Errorf("controlplane: task %s: task definition %s:%d is gone", t.ID, t.Family, t.Revision)
	}
	def := revs[t.Revision-1].Def
	spec := agent.TaskSpec{
		ID: t.ID, ARN: t.ARN, Cluster: t.Cluster, LaunchType: t.LaunchType,
		Definition: &def, Overrides: t.Overrides, GPUs: t.GPUs,
	}
	if in := cp.instances[t.ContainerInstance]; in != nil {
		spec.EC2InstanceID = in.EC2InstanceID
	}
	return spec, nil
}

// Report folds agent reports, successive snapshots of one task, into the
// task one after the other, each a new version that DescribeTasks may
// show, and queues the last for commit without waiting for it: the
// committer stores it promptly, after the versions queued before it. The
// task changes in memory, and its last version is queued, under the lock,
// so that every later writer of the task builds on it and is committed
// after it. The versions before the last are not stored: the last holds
// the whole task as they left it, and a version still queued when a later
// one comes is replaced by it (a transaction holding both would store the
// last one only).
func (cp *ControlPlane) Report(ctx context.Context, steps ...agent.Report) {
	defer cp.taskChanges.Notify()
	for i, r := range steps {
		held := cp.lockForReport()
		t := cp.tasks.Get(r.TaskID)
		if t == nil {
			held.Unlock()
			return
		}
		upd := new(taskRecord)
		*upd = *t
		upd.State = r.State
		upd.Containers = r.Containers
		upd.PullStartedAt = wire.At(r.PullStartedAt)
		upd.PullStoppedAt = wire.At(r.PullStoppedAt)
		upd.Resources = r.Resources
		upd.Version++
		if i == len(steps)-1 {
			cp.batch.post(rowOf(upd))
		}
		*t = *upd
		if t.State.Desired == taskstate.Stopped || t.State.Status.Terminal() {
			cp.release(t)
		} else if t.State.Status >= taskstate.Running {
			cp.markRunning(t)
		}
		ofService := strings.HasPrefix(t.Group, "service:")
		held.Unlock()
		if ofService {
			cp.wakeScheduler()
		}
	}
}

// TaskChanges returns a channel closed the next time a task changes (the
// agent's reports, and every change the control plane stores): an
// in-process client takes it before it describes its
// tasks, and describes them again as soon as it is closed rather than at
// its next poll.
func (cp *ControlPlane) TaskChanges() <-chan struct{} {
	return cp.taskChanges.C()
}

// Sync returns once every report of the task received so far is
// committed: the next commit holds them, or a later version.
func (cp *ControlPlane) Sync(ctx context.Context, taskID string) {
	if err := cp.batch.flush(); err != nil {
		cp.log.Error("cannot store task reports", "task", taskID, "err", err)
	}
}

// lockForReport takes what Report needs to change a task: cp.mu, or, while
// a RunTask holding cp.mu lends it (see lendToReports), cp.reportMu.
func (cp *ControlPlane) lockForReport() sync.Locker {
	if cp.mu.TryLock() {
		return &cp.mu
	}
	cp.reportMu.Lock()
	if cp.lending {
		return &cp.reportMu
	}
	cp.reportMu.Unlock()
	cp.mu.Lock()
	return &cp.mu
}

// lendToReports runs wait, which must touch none of the control plane's
// state, letting reports change tasks meanwhile, as if they took cp.mu:
// the caller holds cp.mu, so no one else does. RunTask lends while it
// waits for its commit, so that the agent's reports are not held up
// behind it; its own tasks are not known yet, and it changes nothing that
// reports change afterwards.
func (cp *ControlPlane) lendToReports(wait func()) {
	cp.reportMu.Lock()
	cp.lending = true
	cp.reportMu.Unlock()
	defer func() {
		cp.reportMu.Lock()
		cp.lending = false
		cp.reportMu.Unlock()
	}()
	wait()
}

// StopTask asks a task to stop; the answer shows desiredStatus STOPPED.
func (cp *ControlPlane) StopTask(ctx context.Context, in *ecsmodel.StopTaskRequest) (*ecsmodel.StopTaskResponse, error) {
	if len(in.Reason) > 255 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "reason can be up to 255 characters long; got %d.", len(in.Reason))
	}
	reason := in.Reason
	if reason == "" {
		reason = taskstate.ReasonUserStopped
	}
	cp.mu.Lock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	t := cp.tasks.Get(ecs.ResourceName(in.Task))
	if t == nil || t.Cluster != c.Name {
		cp.mu.Unlock()
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The referenced task was not found.")
	}
	id := t.ID
	launcher := cp.launcher
	cp.mu.Unlock()

	// The agent owns the task's state; it records the stop and reports it.
	handled := launcher != nil && launcher.Stop(id, taskstate.StopUserInitiated, reason)

	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cur := cp.tasks.Get(id); handled && cur != nil {
		cur.stopAsked = true // described as desired STOPPED from now on
		cp.taskChanges.Notify()
	}
	// ECS counts a stopping task's resources as free at once.
	cp.release(t)
	if !handled {
		if err := cp.stopHere(ctx, t, taskstate.StopUserInitiated, reason); err != nil {
			return nil, err
		}
	}
	w := cp.taskWire(t, false)
	if w.DesiredStatus != "STOPPED" {
		// The agent's report may still be on its way; the request is accepted.
		w.DesiredStatus = "STOPPED"
	}
	return &ecsmodel.StopTaskResponse{Task: &w}, nil
}

// stopHere stops a task no agent runs (it never launched) in the control
// plane itself, unless it has stopped; callers hold cp.mu.
func (cp *ControlPlane) stopHere(ctx context.Context, t *taskRecord, code, reason string) error {
	if t.State.Status.Terminal() {
		return nil
	}
	upd := *t
	upd.State = upd.State.RequestStop(code, reason, cp.now())
	for _, ct := range upd.State.Containers {
		upd.State = upd.State.ContainerStopped(ct.Name, nil, "", cp.now())
	}
	upd.State.Provisioned, upd.State.Deprovisioned = true, true
	for {
		next, moved := upd.State.Advance(cp.now())
		if !moved {
			break
		}
		upd.State = next
	}
	upd.Version++
	if err := cp.saveTasks(ctx, &upd); err != nil {
		return err
	}
	*t = upd
	return nil
}

// stopTasks asks the launcher to stop tasks, and stops those it does not
// run in the control plane. Callers do not hold cp.mu.
func (cp *ControlPlane) stopTasks(ctx context.Context, ids []string, code, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	cp.mu.Lock()
	launcher := cp.launcher
	cp.mu.Unlock()
	var here []string
	for _, id := range ids {
		if launcher == nil || !launcher.Stop(id, code, reason) {
			here = append(here, id)
		}
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, id := range ids {
		if t := cp.tasks.Get(id); t != nil {
			cp.release(t)
		}
	}
	for _, id := range here {
		if t := cp.tasks.Get(id); t != nil {
			if err := cp.stopHere(ctx, t, code, reason); err != nil {
				return err
			}
		}
	}
	return nil
}

// DescribeTasks describes up to 100 tasks of a cluster; unknown ones come
// back as MISSING failures.
func (cp *ControlPlane) DescribeTasks(ctx context.Context, in *ecsmodel.DescribeTasksRequest) (*ecsmodel.DescribeTasksResponse, error) {
	if len(in.Tasks) == 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Tasks cannot be empty.")
	}
	if len(in.Tasks) > 100 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "At most 100 tasks can be described at once; got %d.", len(in.Tasks))
	}
	tags := false
	for _, f := range in.Include {
		tags = tags || f == ecsmodel.TaskFieldTAGS
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.DescribeTasksResponse{Tasks: []ecsmodel.Task{}, Failures: []ecsmodel.Failure{}}
	for _, ref := range in.Tasks {
		t := cp.tasks.Get(ecs.ResourceName(ref))
		if t == nil || t.Cluster != c.Name {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = cp.acct.TaskARN(c.Name, ref)
			}
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.Tasks = append(out.Tasks, cp.taskWire(t, tags))
	}
	return out, nil
}

// ListTasks lists task ARNs of a cluster by filters, oldest first.
func (cp *ControlPlane) ListTasks(ctx context.Context, in *ecsmodel.ListTasksRequest) (*ecsmodel.ListTasksResponse, error) {
	desired := in.DesiredStatus
	if desired == "" {
		desired = ecsmodel.DesiredStatusRUNNING
	}
	if desired == ecsmodel.DesiredStatusPENDING {
		desired = ecsmodel.DesiredStatusRUNNING
	}
	cp.mu.Lock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	var items []keyed
	tasks := cp.tasks.Decoded() // the tasks not decoded yet had stopped
	if desired == ecsmodel.DesiredStatusSTOPPED {
		tasks = cp.tasks.All()
	}
	for _, t := range tasks {
		if t.Cluster != c.Name || t.desired().String() != string(desired) {
			continue
		}
		if in.Family != "" && t.Family != in.Family {
			continue
		}
		if in.StartedBy != "" && t.StartedBy != in.StartedBy {
			continue
		}
		if in.LaunchType != "" && t.LaunchType != string(in.LaunchType) {
			continue
		}
		if in.ContainerInstance != "" && t.ContainerInstance != ecs.ResourceName(in.ContainerInstance) {
			continue
		}
		if in.ServiceName != "" && t.Group != serviceGroup(ecs.ResourceName(in.ServiceName)) {
			continue
		}
		items = append(items, keyed{fmt.Sprintf("%020d", t.Seq), t.ARN})
	}
	cp.mu.Unlock()
	arns, next, err := pageValues(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTasksResponse{TaskArns: arns, NextToken: next}, nil
}

// taskWire builds the Task answer; callers hold cp.mu.
func (cp *ControlPlane) taskWire(t *taskRecord, withTags bool) ecsmodel.Task {
	st := t.State
	revs := cp.families[t.Family]
	var def *ecsmodel.TaskDefinition
	if int(t.Revision) <= len(revs) && t.Revision > 0 {
		def = &revs[t.Revision-1].Def
	}
	w := ecsmodel.Task{
		Attachments:          []ecsmodel.Attachment{},
		Attributes:           []ecsmodel.Attribute{},
		AvailabilityZone:     cp.acct.Region + "a",
		ClusterArn:           cp.acct.ClusterARN(t.Cluster),
		Connectivity:         ecsmodel.ConnectivityCONNECTED,
		ConnectivityAt:       wire.At(st.CreatedAt),
		CreatedAt:            wire.At(st.CreatedAt),
		DesiredStatus:        t.desired().String(),
		EnableExecuteCommand: t.EnableExecuteCommand,
		ExecutionStoppedAt:   wire.At(st.ExecutionStoppedAt),
		Group:                t.Group,
		HealthStatus:         ecsmodel.HealthStatus(st.Health()),
		LastStatus:           st.Status.String(),
		LaunchType:           ecsmodel.LaunchType(t.LaunchType),
		CapacityProviderName: t.CapacityProvider,
		PullStartedAt:        t.PullStartedAt,
		PullStoppedAt:        t.PullStoppedAt,
		StartedAt:            wire.At(st.StartedAt),
		StartedBy:            t.StartedBy,
		StopCode:             ecsmodel.TaskStopCode(st.StopCode),
		StoppedAt:            wire.At(st.StoppedAt),
		StoppedReason:        st.StoppedReason,
		StoppingAt:           wire.At(st.StoppingAt),
		TaskArn:              t.ARN,
		TaskDefinitionArn:    t.DefARN,
		Version:              t.Version,
		Overrides:            t.Overrides,
	}
	if t.ContainerInstance != "" {
		w.ContainerInstanceArn = cp.acct.ContainerInstanceARN(t.Cluster, t.ContainerInstance)
		if r := cp.instances[t.ContainerInstance]; r != nil && r.Attributes[ecs.AttrAvailabilityZone] != "" {
			w.AvailabilityZone = r.Attributes[ecs.AttrAvailabilityZone]
		}
	}
	if w.Overrides == nil {
		w.Overrides = &ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{}, InferenceAcceleratorOverrides: []ecsmodel.InferenceAcceleratorOverride{}}
	}
	if def != nil {
		w.Cpu, w.Memory = def.Cpu, def.Memory
		if t.Overrides != nil {
			if t.Overrides.Cpu != "" {
				w.Cpu = t.Overrides.Cpu
			}
			if t.Overrides.Memory != "" {
				w.Memory = t.Overrides.Memory
			}
		}
	}
	if withTags {
		w.Tags = tagsOrEmpty(t.Tags)
	}
	var eni *ecsmodel.Attachment
	if def != nil && def.NetworkMode == ecsmodel.NetworkModeAwsvpc {
		a := cp.eniAttachment(t)
		w.Attachments = append(w.Attachments, a)
		eni = &a
	}
	w.Containers = []ecsmodel.Container{}
	for _, c := range st.Containers {
		info := t.Containers[c.Name]
		if info == nil {
			info = &agent.ContainerInfo{}
		}
		wc := ecsmodel.Container{
			ContainerArn:    t.ContainerARNs[c.Name],
			TaskArn:         t.ARN,
			Name:            c.Name,
			ImageDigest:     info.ImageDigest,
			RuntimeId:       info.RuntimeID,
			LastStatus:      c.Status.String(),
			Reason:          c.Reason,
			NetworkBindings: info.Bindings,
			HealthStatus:    ecsmodel.HealthStatus(c.Health.String()),
		}
		if wc.NetworkBindings == nil {
			wc.NetworkBindings = []ecsmodel.NetworkBinding{}
		}
		if t.EnableExecuteCommand {
			// ECS Exec's agent, as ECS shows it: the engine itself runs
			// the commands, for as long as the container runs.
			wc.ManagedAgents = []ecsmodel.ManagedAgent{{Name: ecsmodel.ManagedAgentNameExecuteCommandAgent, LastStatus: c.Status.String(), LastStartedAt: wire.At(st.StartedAt)}}
		}
		wc.NetworkInterfaces = []ecsmodel.NetworkInterface{}
		if eni != nil && t.Resources.PrivateIPv4 != "" {
			wc.NetworkInterfaces = append(wc.NetworkInterfaces, ecsmodel.NetworkInterface{AttachmentId: eni.Id, PrivateIpv4Address: t.Resources.PrivateIPv4})
		}
		if c.ExitCode != nil {
			code := int32(*c.ExitCode)
			wc.ExitCode = &code
		}
		if def != nil {
			for _, cd := range def.ContainerDefinitions {
				if cd.Name != c.Name {
					continue
				}
				wc.Image = cd.Image
				wc.Cpu = fmt.Sprint(cd.Cpu)
				if cd.Memory != nil {
					wc.Memory = fmt.Sprint(*cd.Memory)
				}
				if cd.MemoryReservation != nil {
					wc.MemoryReservation = fmt.Sprint(*cd.MemoryReservation)
				}
				if gpus := agent.ContainerGPUs(def, t.Overrides, t.GPUs, c.Name); len(gpus) > 0 {
					wc.GpuIds = append([]string(nil), gpus...)
				}
			}
		}
		w.Containers = append(w.Containers, wc)
	}
	return w
}

// checkHostPaths refuses a task definition whose host volumes mount a path
// the engine protects (Options.HostPaths).
func (cp *ControlPlane) checkHostPaths(def *ecsmodel.TaskDefinition) error {
	if cp.hostPath == nil {
		return nil
	}
	for _, v := range def.Volumes {
		if v.Host == nil || v.Host.SourcePath == "" {
			continue
		}
		if err := cp.hostPath.Check(v.Name, v.Host.SourcePath); err != nil {
			return ecs.Errorf(ecs.ErrClient, "%v", err)
		}
	}
	return nil
}

// desired is the task's desired status as the API shows it: STOPPED from
// the moment StopTask answered, before the agent reports the stop.
func (t *taskRecord) desired() taskstate.Status {
	if t.stopAsked {
		return taskstate.Stopped
	}
	return t.State.Desired
}
