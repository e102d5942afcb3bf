package workflow

import (
	"context"
	"slices"
	"sort"
)

// TaskRequest is what a Task state hands its handler.
type TaskRequest struct {
	// Resource is the state's Resource ARN.
	Resource string
	// ExecutionArn names the execution the task belongs to.
	ExecutionArn string
	// StateName names the Task state.
	StateName string
	// Parameters is the effective input: the state input after InputPath
	// and Parameters (JSON values: map[string]any, []any, string,
	// json.Number, bool, nil).
	Parameters any
	// Token is the task token ($$.Task.Token) for callback patterns.
	Token string
	// TimeoutSeconds and HeartbeatSeconds are the effective limits (0:
	// none). The interpreter enforces them; handlers may use them.
	TimeoutSeconds   int64
	HeartbeatSeconds int64
	// Heartbeat resets the heartbeat timer (SendTaskHeartbeat).
	Heartbeat func()
	// Submitted records a TaskSubmitted event with the given output, as
	// .sync integrations do once the job has been started.
	Submitted func(output any)
	// Scheduled and Started matter for activity resources only (see
	// IsActivityArn): the handler calls Scheduled once the task is queued
	// for workers (ActivityScheduled), and Started with the worker's name
	// once one takes it (ActivityStarted; its heartbeat clock starts then).
	// A handler of an activity that returns States.Runtime without calling
	// Scheduled fails the execution with no task event (the activity does
	// not exist). Other handlers ignore them.
	Scheduled func()
	Started   func(workerName string)

	// Resume is set when the attempt began before the engine restarted
	// and is resumed from the execution's history (see Resume): the
	// handler must re-attach to the work it started, not start it again.
	Resume *Resume
	// ScheduledEventID is the id of the attempt's TaskScheduled event
	// (0 for activities): the same when the attempt is resumed, so a
	// handler can derive an idempotency token from it and ExecutionArn.
	ScheduledEventID int64
}

// TaskHandler runs what a Task state's Resource names. Invoke blocks until
// the task has a result (for .sync, until the job ends; for
// .waitForTaskToken, until SendTaskSuccess/Failure for req.Token). It
// returns the task result or a *StatesError (error name and cause) such as
// States.TaskFailed. ctx is cancelled when the state times out, the
// execution stops, or a sibling branch fails; context.Cause(ctx) is then a
// *StatesError naming why (States.Timeout, States.HeartbeatTimeout or
// States.Aborted).
type TaskHandler interface {
	Invoke(ctx context.Context, req *TaskRequest) (any, *StatesError)
}

// ParameterAdjuster is implemented by task handlers that change the
// effective parameters before the task is scheduled (and before the
// TaskScheduled event shows them), as the ECS .sync integration adds
// StartedBy.
type ParameterAdjuster interface {
	AdjustParameters(resource string, params any) any
}

// ParameterChecker is implemented by resource checkers that validate a Task
// state's Parameters when the definition is parsed. params is the
// Parameters object as written (keys ending in ".$" included); each
// problem's Path is relative to it (e.g. "/Overrides").
type ParameterChecker interface {
	CheckParameters(resource string, params map[string]any) []Problem
}

// TaskHandlerFunc adapts a function to TaskHandler.
type TaskHandlerFunc func(ctx context.Context, req *TaskRequest) (any, *StatesError)

// Invoke calls f.
func (f TaskHandlerFunc) Invoke(ctx context.Context, req *TaskRequest) (any, *StatesError) {
	return f(ctx, req)
}

// TaskRegistry resolves Task resources to handlers. It is also the
// ResourceChecker the validator uses, so a definition validates exactly
// when every Resource it names has a handler.
type TaskRegistry interface {
	ResourceChecker
	Lookup(resource string) (TaskHandler, bool)
}

// Registry is a TaskRegistry keyed by exact Resource ARN.
type Registry map[string]TaskHandler

var _ TaskRegistry = Registry(nil)

// Supports reports whether a handler is registered for resource.
func (r Registry) Supports(resource string) bool { _, ok := r[resource]; return ok }

// Supported lists the registered resources, sorted.
func (r Registry) Supported() []string {
	out := make([]string, 0, len(r))
	for k := range r {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the handler for resource.
func (r Registry) Lookup(resource string) (TaskHandler, bool) {
	h, ok := r[resource]
	return h, ok
}

// ECSRegistry returns a Registry with h registered for the three ECS
// resources (runTask, runTask.sync, runTask.waitForTaskToken).
func ECSRegistry(h TaskHandler) Registry {
	r := Registry{}
	for _, res := range DefaultResources().Supported() {
		r[res] = h
	}
	return r
}

// matchesError reports whether a Retry/Catch ErrorEquals list matches the
// error name, with the Step Functions rules: States.ALL matches everything
// except States.Runtime and States.DataLimitExceeded; States.TaskFailed
// matches any task failure except States.Timeout.
func matchesError(equals []string, name string) bool {
	if name == ErrRuntime {
		return false
	}
	if slices.Contains(equals, name) {
		return true
	}
	for _, e := range equals {
		switch e {
		case ErrALL:
			if name != ErrDataLimitExceeded {
				return true
			}
		case ErrTaskFailed:
			if name != ErrTimeout && name != ErrHeartbeatTimeout && !isPredefined(name) {
				return true
			}
		}
	}
	return false
}

func isPredefined(name string) bool {
	return len(name) > 7 && name[:7] == "States."
}
