package workflow

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTolerance_exceeded(t *testing.T) {
	tests := []struct {
		tol           tolerance
		failed, total int
		want          bool
	}{
		{tolerance{set: true, count: 1, percent: -1}, 1, 4, false},
		{tolerance{set: true, count: 1, percent: -1}, 2, 4, true},
		{tolerance{set: true, count: -1, percent: 50}, 2, 4, false},
		{tolerance{set: true, count: -1, percent: 50}, 3, 4, true},
		{tolerance{set: true, count: 0, percent: -1}, 1, 1, true},
		{tolerance{set: true, count: 5, percent: 10}, 2, 4, true}, // either limit
	}
	for _, tt := range tests {
		if got := tt.tol.exceeded(tt.failed, tt.total); got != tt.want {
			t.Errorf("%+v.exceeded(%d, %d) = %v; want %v", tt.tol, tt.failed, tt.total, got, tt.want)
		}
	}
}

// failOn is a task that fails for the items named in fail.
func failOn(fail ...string) TaskHandler {
	return TaskHandlerFunc(func(_ context.Context, req *TaskRequest) (any, *StatesError) {
		p, _ := req.Parameters.(map[string]any)
		for _, f := range fail {
			if p["item"] == f {
				return nil, NewStatesError("Boom", f)
			}
		}
		return p["item"], nil
	})
}

func TestRun_MapToleratedFailures(t *testing.T) {
	const def = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",%s,
	  "ItemSelector":{"item.$":"$$.Map.Item.Value"},
	  "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","End":true}}},"End":true}}}`
	tests := []struct {
		tolerance  string
		fail       []string
		wantStatus string
		wantError  string
	}{
		{`"ToleratedFailureCount":1`, []string{"b"}, StatusSucceeded, ""},
		{`"ToleratedFailureCount":1`, []string{"a", "b"}, StatusFailed, ErrExceedToleratedFailureThreshold},
		{`"ToleratedFailurePercentage":50`, []string{"a", "c"}, StatusSucceeded, ""},
		{`"MaxConcurrency":0`, []string{"c"}, StatusFailed, "Boom"},
	}
	for _, tt := range tests {
		reg := Registry{ResourceECSRunTask: failOn(tt.fail...)}
		sm, err := Parse([]byte(strings.Replace(def, "%s", tt.tolerance, 1)), ParseOptions{Resources: reg})
		if err != nil {
			t.Fatal(err)
		}
		res := RunValue(context.Background(), sm, map[string]any{"items": []any{"a", "b", "c", "d"}}, Options{Clock: NewFakeClock(time.Unix(0, 0)), Tasks: reg})
		name := ""
		if res.Error != nil {
			name = res.Error.Name
		}
		if res.Status != tt.wantStatus || name != tt.wantError {
			t.Errorf("%s, failing %v: %s %s; want %s %s", tt.tolerance, tt.fail, res.Status, name, tt.wantStatus, tt.wantError)
		}
	}
}

func TestRun_BranchFailureRecordsStateAborted(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],
	  "Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","End":true}}}]},
	  "Done":{"Type":"Pass","End":true}}}`
	reg := Registry{ResourceECSRunTask: failOn("x")}
	sm, err := Parse([]byte(def), ParseOptions{Resources: reg})
	if err != nil {
		t.Fatal(err)
	}
	hist := &History{}
	res := RunValue(context.Background(), sm, map[string]any{"item": "x"}, Options{Clock: NewFakeClock(time.Unix(0, 0)), Tasks: reg, Sink: hist})
	var types []string
	for _, ev := range hist.Events() {
		types = append(types, string(ev.Type))
	}
	got := strings.Join(types, " ")
	want := "ExecutionStarted ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateAborted ParallelStateFailed ParallelStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	if res.Status != StatusSucceeded || got != want {
		t.Errorf("%s\n got  %s\n want %s", res.Status, got, want)
	}
}

func TestChoiceRule_String(t *testing.T) {
	def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Default":"E","Choices":[
	  {"Variable":"$.n","NumericGreaterThanEquals":3,"Next":"E"},
	  {"Variable":"$.s","StringEqualsPath":"$.t","Next":"E"},
	  {"Variable":"$.x","IsPresent":false,"Next":"E"},
	  {"And":[{"Variable":"$.a","BooleanEquals":true},{"Not":{"Variable":"$.b","StringMatches":"log-*"}}],"Next":"E"}]},
	  "E":{"Type":"Succeed"}}}`
	sm, err := Parse([]byte(def), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`$.n >= 3`, `$.s == $.t`, `$.x not present`, `($.a == true and not $.b matches "log-*")`}
	for i, c := range sm.States["C"].Choices {
		if got := c.String(); got != want[i] {
			t.Errorf("rule %d: String() = %q; want %q", i, got, want[i])
		}
	}
}

func TestEncodeJSON_noHTMLEscaping(t *testing.T) {
	if got := EncodeJSON(map[string]any{"a<b": "<uuid:1> & more"}); got != `{"a<b":"<uuid:1> & more"}` {
		t.Errorf("EncodeJSON = %s", got)
	}
}

func TestRun_DelayScale(t *testing.T) {
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`
	sm, err := Parse([]byte(def), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(0, 0)
	clock := NewFakeClock(start)
	clock.SetAutoAdvance(true)
	RunValue(context.Background(), sm, map[string]any{}, Options{Clock: clock, DelayScale: 0.01})
	if got := clock.Now().Sub(start); got != time.Second {
		t.Errorf("a 100 s Wait scaled by 0.01 took %v; want 1s", got)
	}
	// Scaled up past what a time.Duration holds, a delay stays long.
	long, err := Parse([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":99999999,"End":true}}}`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clock = NewFakeClock(start)
	clock.SetAutoAdvance(true)
	RunValue(context.Background(), long, map[string]any{}, Options{Clock: clock, DelayScale: 1000})
	if got := clock.Now().Sub(start); got < 100*365*24*time.Hour {
		t.Errorf("a 99999999 s Wait scaled by 1000 took %v; want the longest delay, not a wrapped one", got)
	}
}

// TestRun_HugeSecondsFromTheInput: a SecondsPath or TimeoutSecondsPath
// whose input value is beyond what a time.Duration holds waits (or allows)
// the longest time, rather than wrapping to a negative duration that ends
// the wait or times the task out at once.
func TestRun_HugeSecondsFromTheInput(t *testing.T) {
	start := time.Unix(0, 0)
	input := map[string]any{"s": json.Number("9223372036854775807")}
	wait, err := Parse([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clock := NewFakeClock(start)
	clock.SetAutoAdvance(true)
	RunValue(context.Background(), wait, input, Options{Clock: clock})
	if got := clock.Now().Sub(start); got < 100*365*24*time.Hour {
		t.Errorf("a Wait of 2^63-1 s from the input took %v; want the longest delay", got)
	}

	def := `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","TimeoutSecondsPath":"$.s","End":true}}}`
	reg := ECSRegistry(TaskHandlerFunc(func(ctx context.Context, req *TaskRequest) (any, *StatesError) {
		return map[string]any{"LastStatus": "STOPPED"}, nil
	}))
	sm, err := Parse([]byte(def), ParseOptions{Resources: reg})
	if err != nil {
		t.Fatal(err)
	}
	res := RunValue(context.Background(), sm, input, Options{Clock: NewFakeClock(start), Tasks: reg})
	if res.Status != StatusSucceeded {
		t.Errorf("a task with a timeout of 2^63-1 s from the input: %s %v; want SUCCEEDED", res.Status, res.Error)
	}
}
