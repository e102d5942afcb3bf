package controlplane

import (
	"context"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/protection"
	"github.com/ecsrun/ecsrun/internal/taskstate"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Task scale-in protection (GetTaskProtection, UpdateTaskProtection). The
// rules are in package protection; the state is in the task's record, and
// the service scheduler reads it when it chooses tasks to stop.

// protectedTasks resolves the tasks a protection call names, answering
// the ones it cannot act on as failures: MISSING for an unknown task,
// TASK_NOT_VALID for one that is not part of a service, and, to update,
// TASK_STOPPING_OR_STOPPED for one that is stopping (ECS's reasons);
// callers hold cp.mu.
func (cp *ControlPlane) protectedTasks(cluster string, refs []string, update bool) ([]*taskRecord, []ecsmodel.Failure, error) {
	if len(refs) == 0 {
		return nil, nil, ecs.Errorf(ecs.ErrInvalidParameter, "Tasks cannot be empty.")
	}
	if len(refs) > 10 {
		return nil, nil, ecs.Errorf(ecs.ErrInvalidParameter, "At most 10 tasks can be given at once; got %d.", len(refs))
	}
	c, err := cp.cluster(cluster)
	if err != nil {
		return nil, nil, err
	}
	var ts []*taskRecord
	failures := []ecsmodel.Failure{}
	for _, ref := range refs {
		arn := ref
		if !strings.HasPrefix(ref, "arn:") {
			arn = cp.acct.TaskARN(c.Name, ref)
		}
		t := cp.tasks.Get(ecs.ResourceName(ref))
		switch {
		case t == nil || t.Cluster != c.Name:
			failures = append(failures, ecsmodel.Failure{Arn: arn, Reason: "MISSING"})
		case !strings.HasPrefix(t.Group, "service:"):
			failures = append(failures, ecsmodel.Failure{Arn: arn, Reason: "TASK_NOT_VALID", Detail: "The task is not part of a service: only service tasks can be protected from scale-in."})
		case update && (t.State.Desired == taskstate.Stopped || t.State.Status.Terminal()):
			failures = append(failures, ecsmodel.Failure{Arn: arn, Reason: "TASK_STOPPING_OR_STOPPED", Detail: "The task is stopping or has stopped: its protection cannot change."})
		default:
			ts = append(ts, t)
		}
	}
	return ts, failures, nil
}

func (cp *ControlPlane) protectedTaskWire(t *taskRecord, now time.Time) ecsmodel.ProtectedTask {
	on, exp := protection.View(t.Protection, now)
	w := ecsmodel.ProtectedTask{TaskArn: t.ARN, ProtectionEnabled: on}
	if on {
		w.ExpirationDate = wire.At(exp)
	}
	return w
}

// GetTaskProtection reports the scale-in protection of up to 10 tasks.
func (cp *ControlPlane) GetTaskProtection(ctx context.Context, in *ecsmodel.GetTaskProtectionRequest) (*ecsmodel.GetTaskProtectionResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	ts, failures, err := cp.protectedTasks(in.Cluster, in.Tasks, false)
	if err != nil {
		return nil, err
	}
	now := cp.now()
	out := &ecsmodel.GetTaskProtectionResponse{ProtectedTasks: []ecsmodel.ProtectedTask{}, Failures: failures}
	for _, t := range ts {
		out.ProtectedTasks = append(out.ProtectedTasks, cp.protectedTaskWire(t, now))
	}
	return out, nil
}

// UpdateTaskProtection turns the scale-in protection of up to 10 service
// tasks on (for expiresInMinutes, 120 by default) or off.
func (cp *ControlPlane) UpdateTaskProtection(ctx context.Context, in *ecsmodel.UpdateTaskProtectionRequest) (*ecsmodel.UpdateTaskProtectionResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	now := cp.now()
	st, err := protection.Update(in.ProtectionEnabled, in.ExpiresInMinutes, now)
	if err != nil {
		return nil, err
	}
	ts, failures, err := cp.protectedTasks(in.Cluster, in.Tasks, true)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.UpdateTaskProtectionResponse{ProtectedTasks: []ecsmodel.ProtectedTask{}, Failures: failures}
	if err := cp.protect(ctx, ts, st); err != nil {
		return nil, err
	}
	for _, t := range ts {
		out.ProtectedTasks = append(out.ProtectedTasks, cp.protectedTaskWire(t, now))
	}
	return out, nil
}

// protect sets the protection of tasks and stores them; callers hold
// cp.mu.
func (cp *ControlPlane) protect(ctx context.Context, ts []*taskRecord, st *protection.State) error {
	upds := make([]*taskRecord, len(ts))
	for i, t := range ts {
		upd := *t
		upd.Protection = st
		upd.Version++
		upds[i] = &upd
	}
	if err := cp.saveTasks(ctx, upds...); err != nil {
		return err
	}
	for i, t := range ts {
		*t = *upds[i]
	}
	cp.wakeScheduler() // protection that ends lets scale-in go on
	return nil
}
