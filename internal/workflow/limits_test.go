package workflow

import (
	"context"
	"strings"
	"testing"
	"time"
)

// blockingTask waits until its context ends, as a task whose worker never
// answers nor heartbeats (letting the auto-advancing clock move on).
func blockingTask(clock *FakeClock) TaskHandler {
	return TaskHandlerFunc(func(ctx context.Context, _ *TaskRequest) (any, *StatesError) {
		clock.Release()
		<-ctx.Done()
		clock.Hold()
		return nil, &StatesError{Name: "States.Aborted"}
	})
}

// TestRun_HeartbeatTimeout: a missed heartbeat is recorded as
// States.Timeout (as AWS records it) and a Retry or Catch naming
// States.HeartbeatTimeout matches it; one naming it does not match a
// TimeoutSeconds timeout. JSONPath and JSONata states match alike.
func TestRun_HeartbeatTimeout(t *testing.T) {
	tests := []struct {
		name, timeouts, catch string
		wantCaught            bool
	}{
		{"heartbeat caught as HeartbeatTimeout", `"TimeoutSeconds":30,"HeartbeatSeconds":5`, "States.HeartbeatTimeout", true},
		{"heartbeat caught as Timeout", `"TimeoutSeconds":30,"HeartbeatSeconds":5`, "States.Timeout", true},
		{"timeout not caught as HeartbeatTimeout", `"TimeoutSeconds":5`, "States.HeartbeatTimeout", false},
		{"heartbeat not caught as TaskFailed", `"HeartbeatSeconds":5`, "States.TaskFailed", false},
	}
	for _, ql := range []string{QueryLanguageJSONPath, QueryLanguageJSONata} {
		for _, tt := range tests {
			tt.name = ql + ": " + tt.name
			def := `{"QueryLanguage":"` + ql + `","StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken",` + tt.timeouts + `,
		  "Retry":[{"ErrorEquals":["` + tt.catch + `"],"MaxAttempts":1,"IntervalSeconds":1}],
		  "Catch":[{"ErrorEquals":["` + tt.catch + `"],"Next":"Caught"}],"End":true},
		  "Caught":{"Type":"Succeed"}}}`
			clock := NewFakeClock(time.Unix(0, 0))
			clock.SetAutoAdvance(true)
			res, hist := runDef(t, def, clock, blockingTask(clock))
			var timedOut, scheduled int
			for _, e := range hist.Events() {
				switch e.Type {
				case "TaskTimedOut":
					timedOut++
					if e.TaskTimedOutEventDetails.Error != ErrTimeout {
						t.Errorf("%s: TaskTimedOut error %q; want States.Timeout", tt.name, e.TaskTimedOutEventDetails.Error)
					}
				case "TaskScheduled":
					scheduled++
				}
			}
			switch {
			case tt.wantCaught && (res.Status != StatusSucceeded || scheduled != 2 || timedOut != 2):
				t.Errorf("%s: %s %v after %d attempts (%d timed out); want it retried once, then caught", tt.name, res.Status, res.Error, scheduled, timedOut)
			case !tt.wantCaught && (res.Status != StatusFailed || res.Error.Name != ErrTimeout || scheduled != 1):
				t.Errorf("%s: %s %v after %d attempts; want FAILED States.Timeout at once", tt.name, res.Status, res.Error, scheduled)
			}
		}
	}
}

// TestRun_HistoryLimit: an execution that loops forever fails as AWS
// fails it, event 25,000 being ExecutionFailed with States.Runtime.
func TestRun_HistoryLimit(t *testing.T) {
	def := `{"StartAt":"Loop","States":{
	  "Loop":{"Type":"Pass","Result":{"spin":true},"Next":"Again"},
	  "Again":{"Type":"Choice","Choices":[{"Variable":"$.spin","BooleanEquals":true,"Next":"Loop"}],"Default":"Done"},
	  "Done":{"Type":"Succeed"}}}`
	res, hist := runDef(t, def, NewFakeClock(time.Unix(0, 0)), nil)
	if res.Status != StatusFailed || res.Error.Name != ErrRuntime || res.Error.Cause != "The execution reached the maximum number of history events (25000)." {
		t.Fatalf("result = %s %v; want FAILED States.Runtime (history limit)", res.Status, res.Error)
	}
	ev := hist.Events()
	if len(ev) != MaxHistoryEvents {
		t.Fatalf("%d events; want %d", len(ev), MaxHistoryEvents)
	}
	last, before := ev[len(ev)-1], ev[len(ev)-2]
	if last.Type != "ExecutionFailed" || last.Id != 25000 || last.PreviousEventId == nil || *last.PreviousEventId != 24999 ||
		last.ExecutionFailedEventDetails.Error != ErrRuntime || before.Id != 24999 {
		t.Errorf("last events %+v, %+v; want ExecutionFailed #25000 after #24999", before, last)
	}
}

// TestRun_DataLimit: a state output over 256 KiB fails the state with
// States.DataLimitExceeded, which a Catch on States.ALL does not catch
// (an explicit one does).
func TestRun_DataLimit(t *testing.T) {
	half := TaskHandlerFunc(func(context.Context, *TaskRequest) (any, *StatesError) {
		return map[string]any{"s": strings.Repeat("x", 200*1024)}, nil // under the limit
	})
	for _, tt := range []struct{ catch, want string }{
		{"States.ALL", StatusFailed},
		{"States.DataLimitExceeded", StatusSucceeded},
	} {
		def := `{"StartAt":"Run","States":{
		  "Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","Parameters":{"TaskDefinition":"td"},"ResultSelector":{"a.$":"$.s","b.$":"$.s"},
		    "Catch":[{"ErrorEquals":["` + tt.catch + `"],"Next":"Caught"}],"End":true},
		  "Caught":{"Type":"Succeed"}}}`
		res, _ := runDef(t, def, NewFakeClock(time.Unix(0, 0)), half)
		if res.Status != tt.want {
			t.Fatalf("Catch %s: %s %v; want %s", tt.catch, res.Status, res.Error, tt.want)
		}
		if tt.want == StatusFailed && (res.Error.Name != ErrDataLimitExceeded || res.Error.Cause != "The state/task 'arn:aws:states:::ecs:runTask' returned a result with a size exceeding the maximum number of bytes service limit.") {
			t.Errorf("error = %v; want States.DataLimitExceeded", res.Error)
		}
	}
	def := `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","Parameters":{"TaskDefinition":"td"},"Next":"P"},
	  "P":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`
	if res, _ := runDef(t, def, NewFakeClock(time.Unix(0, 0)), half); res.Status != StatusFailed || res.Error.Name != ErrDataLimitExceeded {
		t.Errorf("Pass with a large output: %s %v; want FAILED States.DataLimitExceeded", res.Status, res.Error)
	}
}

// TestIsActivityArn: an activity ARN's name is 1 to 80 characters.
func TestIsActivityArn(t *testing.T) {
	const prefix = "arn:aws:states:us-east-1:123456789012:activity:"
	for _, tc := range []struct {
		resource string
		want     bool
	}{
		{prefix + "work", true},
		{prefix + strings.Repeat("é", 80), true},
		{prefix + strings.Repeat("a", 81), false},
		{prefix, false},
		{prefix + "a:b", false},
		{"arn:aws:states:us-east-1:12345:activity:work", false},
		{"arn:aws:states:::ecs:runTask", false},
	} {
		if got := IsActivityArn(tc.resource); got != tc.want {
			t.Errorf("IsActivityArn(%.70q...) = %v; want %v", tc.resource, got, tc.want)
		}
	}
}
