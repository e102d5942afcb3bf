package executions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

const (
	passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"End":true}}}`
	waitDef = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	role    = "arn:aws:iam::000000000000:role/test"
)

// fakeTask is a task resource run by a function.
const fakeTask = "arn:aws:states:::lambda:invoke.waitForTaskToken"

type env struct {
	t      *testing.T
	dir    string
	m      *Manager
	tokens *Tokens
	orphan *orphans
	task   func(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError)
}

type orphans struct {
	mu      sync.Mutex
	stopped []string
	reasons []string
}

func (o *orphans) StopTasks(_ context.Context, cluster string, arns []string, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, a := range arns {
		o.stopped = append(o.stopped, cluster+" "+a)
	}
	o.reasons = append(o.reasons, reason)
	return nil
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, dir: t.TempDir(), tokens: NewTokens(), orphan: &orphans{}}
	e.open()
	t.Cleanup(func() { e.m.Close() })
	return e
}

func (e *env) open() {
	e.t.Helper()
	d, err := store.Open(context.Background(), e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { d.Close() })
	reg := workflow.Registry{fakeTask: workflow.TaskHandlerFunc(func(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
		return e.task(ctx, req)
	})}
	e.m, err = Open(context.Background(), Options{DB: d, Region: "us-east-1", Account: "000000000000", Tasks: reg, Orphans: e.orphan})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.m.Recover(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func (e *env) create(name, def string) *StateMachine {
	e.t.Helper()
	sm, err := e.m.CreateStateMachine(ctxT(e.t), name, def, role, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return sm
}

func (e *env) types(arn string) []string {
	e.t.Helper()
	p, err := e.m.GetExecutionHistory(ctxT(e.t), arn, 1000, "", false, true)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range p.Events {
		out = append(out, string(ev.Type))
	}
	return out
}

func TestStateMachines(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("one", passDef)
	if sm.Arn != "arn:aws:states:us-east-1:000000000000:stateMachine:one" || sm.Type != TypeStandard {
		t.Errorf("created %+v", sm)
	}
	again, err := e.m.CreateStateMachine(c, "one", passDef, role, "")
	if err != nil || again.Arn != sm.Arn {
		t.Errorf("identical CreateStateMachine = %v, %v; want the existing machine", again, err)
	}
	tests := []struct {
		name, sm, def string
		kind          error
		msg           string
	}{
		{"other definition, same name", "one", waitDef, ErrStateMachineExists, "State Machine Already Exists: 'arn:aws:states:us-east-1:000000000000:stateMachine:one'"},
		{"bad name", "a b", passDef, ErrInvalidName, "Invalid Name: 'a b'"},
		{"invalid definition", "two", `{"StartAt":"X"}`, ErrInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"},
		{"resource AWS refuses", "three", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.sync","End":true}}}`, ErrInvalidDefinition, "The resource provided arn:aws:states:::lambda:invoke.sync is not recognized"},
	}
	for _, tt := range tests {
		_, err := e.m.CreateStateMachine(c, tt.sm, tt.def, role, "")
		if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: CreateStateMachine error %v; want %v containing %q", tt.name, err, tt.kind, tt.msg)
		}
	}
	def := waitDef
	up, err := e.m.UpdateStateMachine(c, sm.Arn, &def, nil)
	if err != nil || up.Definition != waitDef || up.RevisionID == sm.RevisionID {
		t.Errorf("UpdateStateMachine = %+v, %v", up, err)
	}
	if _, err := e.m.UpdateStateMachine(c, sm.Arn, nil, nil); !errors.Is(err, ErrMissingRequiredParameter) {
		t.Errorf("UpdateStateMachine with nothing = %v; want MissingRequiredParameter", err)
	}
	e.create("two", passDef)
	list, next, err := e.m.ListStateMachines(c, 1, "")
	if err != nil || len(list) != 1 || list[0].Name != "one" || next == "" {
		t.Fatalf("ListStateMachines page 1 = %v %q %v", list, next, err)
	}
	list, next, err = e.m.ListStateMachines(c, 1, next)
	if err != nil || len(list) != 1 || list[0].Name != "two" || next != "" {
		t.Fatalf("ListStateMachines page 2 = %v %q %v", list, next, err)
	}
	if err := e.m.DeleteStateMachine(c, sm.Arn); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.DescribeStateMachine(c, sm.Arn); !errors.Is(err, ErrStateMachineDoesNotExist) {
		t.Errorf("DescribeStateMachine after delete = %v; want StateMachineDoesNotExist", err)
	}
	if _, err := e.m.DescribeStateMachine(c, "not-an-arn"); !errors.Is(err, ErrInvalidArn) || err.Error() != "Invalid Arn: 'Invalid ARN prefix: not-an-arn'" {
		t.Errorf("DescribeStateMachine(bad arn) = %v", err)
	}
}

func TestExecution_succeeds(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("pass", passDef)
	ex, err := e.m.StartExecution(c, sm.Arn, StartOptions{Name: "run1", Input: `{"x":1}`})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Arn != "arn:aws:states:us-east-1:000000000000:execution:pass:run1" {
		t.Errorf("execution arn %s", ex.Arn)
	}
	done, err := e.m.Wait(c, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != workflow.StatusSucceeded || done.Output != `{"a":1}` || done.Stop.IsZero() || done.Input != `{"x":1}` {
		t.Errorf("finished execution %+v", done)
	}
	if got := strings.Join(e.types(ex.Arn), ","); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}
	if _, err := e.m.StartExecution(c, sm.Arn, StartOptions{Name: "run1", Input: `{"x":1}`}); !errors.Is(err, ErrExecutionExists) {
		t.Errorf("StartExecution of a closed name = %v; want ExecutionAlreadyExists", err)
	}
	if _, err := e.m.StartExecution(c, sm.Arn, StartOptions{Input: `not json`}); !errors.Is(err, ErrInvalidExecutionInput) {
		t.Errorf("StartExecution with bad input = %v; want InvalidExecutionInput", err)
	}
	list, _, err := e.m.ListExecutions(c, sm.Arn, "SUCCEEDED", 0, "")
	if err != nil || len(list) != 1 || list[0].Arn != ex.Arn {
		t.Errorf("ListExecutions = %v, %v", list, err)
	}
	list, _, _ = e.m.ListExecutions(c, sm.Arn, "FAILED", 0, "")
	if len(list) != 0 {
		t.Errorf("ListExecutions(FAILED) = %v; want none", list)
	}
}

func TestExecution_historyPaging(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("pass", passDef)
	ex, _ := e.m.StartExecution(c, sm.Arn, StartOptions{})
	e.m.Wait(c, ex.Arn)
	var ids []int64
	token := ""
	for {
		p, err := e.m.GetExecutionHistory(c, ex.Arn, 3, token, true, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range p.Events {
			ids = append(ids, ev.Id)
			if ev.StateEnteredEventDetails != nil && ev.StateEnteredEventDetails.Input != "" {
				t.Errorf("includeExecutionData false kept the input: %+v", ev.StateEnteredEventDetails)
			}
		}
		if token = p.NextToken; token == "" {
			break
		}
	}
	if got := fmt.Sprint(ids); got != "[4 3 2 1]" {
		t.Errorf("reverse history ids = %s; want [4 3 2 1]", got)
	}
}

func TestExecution_stop(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("wait", waitDef)
	ex, err := e.m.StartExecution(c, sm.Arn, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.m.StopExecution(c, ex.Arn, "Cancelled", "by the test")
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != workflow.StatusAborted || done.Error != "Cancelled" || done.Cause != "by the test" {
		t.Errorf("stopped execution %+v", done)
	}
	p, _ := e.m.GetExecutionHistory(c, ex.Arn, 0, "", false, true)
	last := p.Events[len(p.Events)-1]
	if last.Type != sfnmodel.HistoryEventTypeExecutionAborted || *last.PreviousEventId != 0 || last.ExecutionAbortedEventDetails.Error != "Cancelled" {
		t.Errorf("last event %+v", last)
	}
	// Stopping again changes nothing.
	again, err := e.m.StopExecution(c, ex.Arn, "", "")
	if err != nil || again.Status != workflow.StatusAborted || again.Error != "Cancelled" {
		t.Errorf("second StopExecution = %+v, %v", again, err)
	}
}

func TestExecution_delayScale(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	sm := e.create("wait", waitDef)
	start := time.Now()
	ex, err := e.m.StartExecution(c, sm.Arn, StartOptions{DelayScale: 0.0001}) // 100 s -> 10 ms
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.m.Wait(c, ex.Arn)
	if err != nil || done.Status != workflow.StatusSucceeded {
		t.Fatalf("execution %+v, %v", done, err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("a scaled 100 s Wait took %v", d)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	tokens := make(chan string, 1)
	heartbeats := make(chan struct{}, 4)
	e.task = func(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
		wait, done := e.tokens.Register(req.Token)
		defer done()
		tokens <- req.Token
		return wait(ctx, func() { heartbeats <- struct{}{}; req.Heartbeat() })
	}
	sm := e.create("cb", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+fakeTask+`","Catch":[{"ErrorEquals":["Custom"],"ResultPath":"$.err","Next":"P"}],"End":true},"P":{"Type":"Pass","End":true}}}`)

	ex, _ := e.m.StartExecution(c, sm.Arn, StartOptions{})
	tok := <-tokens
	if err := e.tokens.Heartbeat(tok); err != nil {
		t.Fatal(err)
	}
	<-heartbeats
	if err := e.tokens.Succeed(tok, `not json`); !errors.Is(err, ErrInvalidOutput) {
		t.Errorf("Succeed with bad output = %v; want InvalidOutput", err)
	}
	if err := e.tokens.Succeed(tok, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	done, _ := e.m.Wait(c, ex.Arn)
	if done.Status != workflow.StatusSucceeded || done.Output != `{"ok":true}` {
		t.Errorf("execution %+v", done)
	}
	if err := e.tokens.Succeed(tok, `{}`); !errors.Is(err, ErrTaskTimedOut) {
		t.Errorf("late Succeed = %v; want TaskTimedOut", err)
	}
	if err := e.tokens.Heartbeat("never-issued"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Heartbeat(unknown) = %v; want InvalidToken", err)
	}

	ex, _ = e.m.StartExecution(c, sm.Arn, StartOptions{})
	tok = <-tokens
	if err := e.tokens.Fail(tok, "Custom", "it broke"); err != nil {
		t.Fatal(err)
	}
	done, _ = e.m.Wait(c, ex.Arn)
	if done.Status != workflow.StatusSucceeded || done.Output != `{"err":{"Cause":"it broke","Error":"Custom"}}` {
		t.Errorf("execution after SendTaskFailure %+v", done)
	}
}

func TestRecover_ResumesRunningExecutions(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	submitted := make(chan struct{})
	var resumed []*workflow.Resume
	e.task = func(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
		if req.Resume != nil {
			resumed = append(resumed, req.Resume)
			return map[string]any{"ok": true}, nil
		}
		req.Submitted(map[string]any{"Tasks": []any{map[string]any{"TaskArn": "arn:task/1", "ClusterArn": "arn:cluster/c"}}})
		close(submitted)
		<-ctx.Done()
		return nil, workflow.NewStatesError("States.Aborted", "")
	}
	sm := e.create("long", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+fakeTask+`","End":true}}}`)
	ex, err := e.m.StartExecution(c, sm.Arn, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-submitted
	e.m.Close()
	if got, _ := e.m.DescribeExecution(c, ex.Arn); got.Status != StatusRunning {
		t.Fatalf("after Close the execution is %s; want it left RUNNING", got.Status)
	}

	e.open()
	got, err := e.m.Wait(c, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != workflow.StatusSucceeded || got.Output != `{"ok":true}` {
		t.Errorf("resumed execution %+v; want SUCCEEDED with the task's output", got)
	}
	if len(resumed) != 1 || resumed[0].Submitted == nil {
		t.Errorf("the task was resumed %d times (%+v); want once, with its submitted job", len(resumed), resumed)
	}
	if got, want := strings.Join(e.types(ex.Arn), " "), "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited ExecutionSucceeded"; got != want {
		t.Errorf("history\n got  %s\n want %s", got, want)
	}
	if len(e.orphan.stopped) != 0 {
		t.Errorf("stopped %v; a resumed execution's tasks go on", e.orphan.stopped)
	}
}

func TestRecover_FailsWhatCannotResume(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	submitted := make(chan struct{})
	e.task = func(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
		req.Submitted(map[string]any{"Tasks": []any{map[string]any{"TaskArn": "arn:task/1", "ClusterArn": "arn:cluster/c"}}})
		close(submitted)
		<-ctx.Done()
		return nil, workflow.NewStatesError("States.Aborted", "")
	}
	// The fake resource stands in for runTask.sync in the history.
	sm := e.create("long", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+fakeTask+`","End":true}}}`)
	ex, err := e.m.StartExecution(c, sm.Arn, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-submitted
	e.m.Close()
	// Make the submitted task look like a runTask.sync one, and the
	// execution one an older ecsrun started (no secret).
	e.m.db.Exec(`UPDATE sfn_events SET event = replace(event, '"resource":"invoke.waitForTaskToken"', '"resource":"runTask.sync"') WHERE execution_arn = ?`, ex.Arn)
	e.m.db.Exec(`UPDATE sfn_executions SET secret = '' WHERE arn = ?`, ex.Arn)

	e.open()
	got, err := e.m.DescribeExecution(c, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != workflow.StatusFailed || got.Error != ErrEngineRestarted || !strings.Contains(got.Cause, "after event 5") || !strings.Contains(got.Cause, "secret") {
		t.Errorf("recovered execution %+v", got)
	}
	types := e.types(ex.Arn)
	if types[len(types)-1] != "ExecutionFailed" {
		t.Errorf("history %v; want it to end with ExecutionFailed", types)
	}
	if strings.Join(e.orphan.stopped, ";") != "arn:cluster/c arn:task/1" || !strings.Contains(e.orphan.reasons[0], ex.Arn) {
		t.Errorf("stopped tasks %v (%v); want the submitted task", e.orphan.stopped, e.orphan.reasons)
	}
}

func TestRedriveExecution(t *testing.T) {
	e := newEnv(t)
	c := ctxT(t)
	var calls []string
	fail := true
	// The first task waits until the test has tried to redrive the running
	// execution.
	tried := make(chan struct{})
	e.task = func(_ context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
		p, _ := req.Parameters.(map[string]any)
		p, _ = p["Payload"].(map[string]any)
		if len(calls) == 0 {
			<-tried
		}
		calls = append(calls, fmt.Sprint(p["n"]))
		if fail && p["n"] == "2" {
			return nil, workflow.NewStatesError("Boom", "failed")
		}
		return p, nil
	}
	sm := e.create("redrive", `{"StartAt":"A","States":{
	  "A":{"Type":"Task","Resource":"`+fakeTask+`","Parameters":{"FunctionName":"f","Payload":{"n":"1"}},"ResultPath":"$.a","Next":"B"},
	  "B":{"Type":"Task","Resource":"`+fakeTask+`","Parameters":{"FunctionName":"f","Payload":{"n":"2"}},"ResultPath":"$.b","End":true}}}`)
	ex, err := e.m.StartExecution(c, sm.Arn, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.RedriveExecution(c, ex.Arn); !errors.Is(err, ErrExecutionNotRedrivable) {
		t.Fatalf("RedriveExecution of a running execution = %v; want ExecutionNotRedrivable", err)
	}
	close(tried)
	done, _ := e.m.Wait(c, ex.Arn)
	if done.Status != workflow.StatusFailed {
		t.Fatalf("first run %s; want FAILED", done.Status)
	}
	if ok, why := e.m.Redrivable(c, done); !ok {
		t.Fatalf("a failed execution is not redrivable: %s", why)
	}
	fail = false
	calls = nil
	re, err := e.m.RedriveExecution(c, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if re.RedriveCount != 1 || re.RedriveDate.IsZero() {
		t.Errorf("redriven %+v; want redriveCount 1 and a date", re)
	}
	done, _ = e.m.Wait(c, ex.Arn)
	if done.Status != workflow.StatusSucceeded || done.Output != `{"a":{"n":"1"},"b":{"n":"2"}}` || done.RedriveCount != 1 {
		t.Errorf("after the redrive %+v", done)
	}
	if strings.Join(calls, ",") != "2" {
		t.Errorf("the redrive ran tasks %v; want only the failed B", calls)
	}
	want := "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited TaskStateEntered TaskScheduled TaskStarted TaskFailed ExecutionFailed " +
		"ExecutionRedriven TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(e.types(ex.Arn), " "); got != want {
		t.Errorf("history\n got  %s\n want %s", got, want)
	}
	if _, err := e.m.RedriveExecution(c, ex.Arn); !errors.Is(err, ErrExecutionNotRedrivable) {
		t.Errorf("redriving a SUCCEEDED execution: %v; want ExecutionNotRedrivable", err)
	}
	list, _, err := e.m.ListExecutionsRedriven(c, sm.Arn, "", "REDRIVEN", 10, "")
	if err != nil || len(list) != 1 {
		t.Errorf("redriven executions %d, %v; want 1", len(list), err)
	}
	list, _, _ = e.m.ListExecutionsRedriven(c, sm.Arn, "", "NOT_REDRIVEN", 10, "")
	if len(list) != 0 {
		t.Errorf("%d executions not redriven; want 0", len(list))
	}
}
