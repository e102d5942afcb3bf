package workflow

import (
	"slices"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// MaxHistoryEvents is the most events an execution's history holds (a
// Step Functions quota): the event that would go past it is replaced by
// an ExecutionFailed event, number 25,000, with States.Runtime, and the
// execution stops there.
const MaxHistoryEvents = 25000

// MaxPayloadBytes is the largest input, output or task result a state may
// have (256 KiB, a Step Functions quota); a larger one fails the state
// with States.DataLimitExceeded, which States.ALL does not match.
const MaxPayloadBytes = 256 * 1024

// historyLimitCause is AWS's cause for an execution whose history is full.
const historyLimitCause = "The execution reached the maximum number of history events (25000)."

// errorMatches reports whether a Retry or Catch ErrorEquals list matches
// err: as matchesError does its name, and a missed heartbeat (recorded as
// States.Timeout, as AWS records it) also matches States.HeartbeatTimeout,
// which AWS offers in Retry and Catch only.
func errorMatches(equals []string, err *StatesError) bool {
	if matchesError(equals, err.Name) {
		return true
	}
	return err.heartbeat && slices.Contains(equals, ErrHeartbeatTimeout)
}

// heartbeatTimeout is the error of a task that missed its heartbeat.
func heartbeatTimeout() *StatesError {
	return &StatesError{Name: ErrTimeout, heartbeat: true}
}

// endsExecution reports whether an event type closes the history.
func endsExecution(typ sfnmodel.HistoryEventType) bool {
	switch typ {
	case sfnmodel.HistoryEventTypeExecutionFailed, sfnmodel.HistoryEventTypeExecutionSucceeded,
		sfnmodel.HistoryEventTypeExecutionTimedOut, sfnmodel.HistoryEventTypeExecutionAborted:
		return true
	}
	return false
}

// overflow turns ev, the event that would be the last the history holds,
// into the ExecutionFailed event AWS writes there, marks the history full
// (later events are dropped) and tells the execution to stop. r.mu is
// held.
func (r *recorder) overflow(ev sfnmodel.HistoryEvent) sfnmodel.HistoryEvent {
	r.full = true
	if r.onFull != nil {
		r.onFull()
	}
	return sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeExecutionFailed,
		ExecutionFailedEventDetails: &sfnmodel.ExecutionFailedEventDetails{
			Error: ErrRuntime, Cause: historyLimitCause,
		},
	}
}

// historyFull reports whether the history reached MaxHistoryEvents.
func (r *recorder) historyFull() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.full
}

// checkSize fails with States.DataLimitExceeded when v, a state's result
// or output, is larger than MaxPayloadBytes.
func (r *stateRun) checkSize(v any) *StatesError {
	if len(EncodeJSON(v)) <= MaxPayloadBytes {
		return nil
	}
	what := r.st.Name
	if r.st.Resource != "" {
		what = r.st.Resource
	}
	return &StatesError{Name: ErrDataLimitExceeded,
		Cause: "The state/task '" + what + "' returned a result with a size exceeding the maximum number of bytes service limit."}
}

// errHistoryFull is the cause the execution is cancelled with when its
// history fills up.
var errHistoryFull = &StatesError{Name: ErrRuntime, Cause: historyLimitCause}
