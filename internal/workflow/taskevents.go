package workflow

import (
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// activityArnRe matches the ARN of a Step Functions activity,
// arn:PARTITION:states:REGION:ACCOUNT:activity:NAME (NAME at most 80
// characters, checked apart: a counted repetition is costly to compile).
var activityArnRe = regexp.MustCompile(`^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:activity:([^:\s]+)$`)

// IsActivityArn reports whether resource names an activity; a Task state
// whose Resource is one waits for an activity worker (GetActivityTask) and
// records Activity* events instead of Task* events.
func IsActivityArn(resource string) bool {
	m := activityArnRe.FindStringSubmatch(resource)
	return m != nil && utf8.RuneCountInString(m[1]) <= 80
}

// taskEvents writes the history events of one Task state attempt: Task*
// events for service integrations, Activity* events for activities.
//
// Task* events are written as the interpreter goes: TaskScheduled and
// TaskStarted before the handler runs. Activity events follow the worker:
// ActivityScheduled once the handler has queued the task (TaskRequest.
// Scheduled), ActivityStarted once a worker took it (TaskRequest.Started);
// a handler that answers without calling them (a mock, a replay) gets both
// written before its outcome. A handler of an activity that returns
// States.Runtime before scheduling (the activity does not exist) fails the
// execution with no task event, as Step Functions does.
type taskEvents struct {
	r        *stateRun
	activity bool
	rtype    string // resourceType of Task events
	res      string // resource of Task events
	sched    *sfnmodel.TaskScheduledEventDetails

	mu        sync.Mutex
	scheduled bool
	started   bool
	// startedC is closed when an activity worker takes the task (the
	// heartbeat clock of an activity starts then).
	startedC chan struct{}

	// begunReplayed: TaskScheduled and TaskStarted were recorded (the
	// attempt began before a restart); submitted: TaskSubmitted was
	// written or recorded; beganAt: when the attempt began (its timeout
	// counts from then).
	scheduledID   int64
	begunReplayed bool
	submitted     bool
	beganAt       time.Time
	resume        *Resume
}

func (te *taskEvents) emit(ev sfnmodel.HistoryEvent) {
	te.r.ex.rec.emit(te.r.lane, ev)
}

// begin writes what precedes the handler's work.
func (te *taskEvents) begin() {
	if te.activity {
		return
	}
	rec := te.r.ex.rec
	id, a := rec.record(te.r.lane, sfnmodel.HistoryEvent{Type: sfnmodel.HistoryEventTypeTaskScheduled, TaskScheduledEventDetails: te.sched})
	_, b := rec.record(te.r.lane, sfnmodel.HistoryEvent{
		Type:                    sfnmodel.HistoryEventTypeTaskStarted,
		TaskStartedEventDetails: &sfnmodel.TaskStartedEventDetails{ResourceType: te.rtype, Resource: te.res},
	})
	te.scheduledID, te.begunReplayed = id, a && b
	te.beganAt = te.r.lane.at
}

// markScheduled writes ActivityScheduled once.
func (te *taskEvents) markScheduled() {
	te.mu.Lock()
	defer te.mu.Unlock()
	te.scheduledLocked()
}

func (te *taskEvents) scheduledLocked() {
	if !te.activity || te.scheduled {
		return
	}
	te.scheduled = true
	te.emit(sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeActivityScheduled,
		ActivityScheduledEventDetails: &sfnmodel.ActivityScheduledEventDetails{
			Resource: te.r.st.Resource, Input: te.sched.Parameters, InputDetails: dataDetails(),
			TimeoutInSeconds: te.sched.TimeoutInSeconds, HeartbeatInSeconds: te.sched.HeartbeatInSeconds,
		},
	})
}

// markStarted writes ActivityStarted once (after ActivityScheduled).
func (te *taskEvents) markStarted(worker string) {
	te.mu.Lock()
	defer te.mu.Unlock()
	if !te.activity || te.started {
		return
	}
	te.scheduledLocked()
	te.started = true
	te.emit(sfnmodel.HistoryEvent{
		Type:                        sfnmodel.HistoryEventTypeActivityStarted,
		ActivityStartedEventDetails: &sfnmodel.ActivityStartedEventDetails{WorkerName: worker},
	})
	close(te.startedC)
}

// scheduleFailed reports whether err, returned by the handler, means the
// activity task could not be scheduled at all.
func (te *taskEvents) scheduleFailed(err *StatesError) bool {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.activity && !te.scheduled && err.Name == ErrRuntime
}

func (te *taskEvents) succeeded(out any) {
	if te.activity {
		te.markStarted("")
		te.emit(sfnmodel.HistoryEvent{
			Type: sfnmodel.HistoryEventTypeActivitySucceeded,
			ActivitySucceededEventDetails: &sfnmodel.ActivitySucceededEventDetails{
				Output: EncodeJSON(out), OutputDetails: dataDetails(),
			},
		})
		return
	}
	te.emit(sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeTaskSucceeded,
		TaskSucceededEventDetails: &sfnmodel.TaskSucceededEventDetails{
			ResourceType: te.rtype, Resource: te.res, Output: EncodeJSON(out), OutputDetails: dataDetails(),
		},
	})
}

func (te *taskEvents) failed(err *StatesError) {
	if te.activity {
		te.markStarted("")
		te.emit(sfnmodel.HistoryEvent{
			Type:                       sfnmodel.HistoryEventTypeActivityFailed,
			ActivityFailedEventDetails: &sfnmodel.ActivityFailedEventDetails{Error: err.Name, Cause: err.Cause},
		})
		return
	}
	te.emit(sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeTaskFailed,
		TaskFailedEventDetails: &sfnmodel.TaskFailedEventDetails{
			ResourceType: te.rtype, Resource: te.res, Error: err.Name, Cause: err.Cause,
		},
	})
}

func (te *taskEvents) timedOut(err *StatesError) {
	if te.activity {
		te.markScheduled()
		te.emit(sfnmodel.HistoryEvent{
			Type:                         sfnmodel.HistoryEventTypeActivityTimedOut,
			ActivityTimedOutEventDetails: &sfnmodel.ActivityTimedOutEventDetails{Error: err.Name, Cause: err.Cause},
		})
		return
	}
	te.emit(sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeTaskTimedOut,
		TaskTimedOutEventDetails: &sfnmodel.TaskTimedOutEventDetails{
			ResourceType: te.rtype, Resource: te.res, Error: err.Name, Cause: err.Cause,
		},
	})
}
