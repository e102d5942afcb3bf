package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

const (
	resSync     = "arn:aws:states:::ecs:runTask.sync"
	resToken    = "arn:aws:states:::ecs:runTask.waitForTaskToken"
	resActivity = "arn:aws:states:us-east-1:123456789012:activity:work"
)

// invocation is one call of a test handler.
type invocation struct {
	state     string
	scheduled int64
	resume    *Resume
}

// replayTasks is a deterministic set of handlers: a task fails while
// Parameters.attempt (from $$.State.RetryCount) is below
// Parameters.failUntil, or when Parameters.fail is true and failing is
// set; .sync submits a job; .waitForTaskToken answers with its token.
type replayTasks struct {
	mu      sync.Mutex
	calls   []invocation
	failing bool
}

func (h *replayTasks) registry() Registry {
	r := Registry{}
	for _, res := range []string{ResourceECSRunTask, resSync, resToken, resActivity} {
		r[res] = TaskHandlerFunc(h.invoke)
	}
	return r
}

func num(v any) int {
	var n int
	fmt.Sscan(fmt.Sprint(v), &n)
	return n
}

func (h *replayTasks) invoke(_ context.Context, req *TaskRequest) (any, *StatesError) {
	h.mu.Lock()
	h.calls = append(h.calls, invocation{req.StateName, req.ScheduledEventID, req.Resume})
	failing := h.failing
	h.mu.Unlock()
	p, _ := req.Parameters.(map[string]any)
	if num(p["attempt"]) < num(p["failUntil"]) {
		return nil, NewStatesError("Flaky", fmt.Sprintf("attempt %v", p["attempt"]))
	}
	if failing && p["fail"] == true {
		return nil, NewStatesError("Boom", "asked to fail")
	}
	switch req.Resource {
	case resSync:
		if req.Resume == nil || req.Resume.Submitted == nil {
			req.Submitted(map[string]any{"TaskArn": "task-" + req.StateName})
		}
	case resToken:
		return map[string]any{"token": req.Token}, nil
	case resActivity:
		if req.Resume == nil || !req.Resume.Started {
			req.Scheduled()
			req.Started("worker-1")
		}
	}
	return map[string]any{"done": p}, nil
}

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func runRecorded(t *testing.T, sm *StateMachine, input string, h *replayTasks, start time.Time, history []sfnmodel.HistoryEvent, redrive bool) (*Result, []sfnmodel.HistoryEvent) {
	t.Helper()
	clock := NewFakeClock(start)
	clock.SetAutoAdvance(true)
	hist := &History{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, sm, []byte(input), Options{
		Clock: clock, Tasks: h.registry(), Sink: hist, Key: []byte("secret"),
		ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", History: history, Redrive: redrive, RedriveCount: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the execution did not end")
	}
	return res, hist.Events()
}

// label names an event within its lane.
func label(ev *sfnmodel.HistoryEvent) string {
	s := string(ev.Type)
	if d := ev.StateEnteredEventDetails; d != nil {
		s += ":" + d.Name
	}
	if d := ev.StateExitedEventDetails; d != nil {
		s += ":" + d.Name
	}
	for _, d := range []*sfnmodel.MapIterationEventDetails{ev.MapIterationStartedEventDetails, ev.MapIterationSucceededEventDetails, ev.MapIterationFailedEventDetails, ev.MapIterationAbortedEventDetails} {
		if d != nil && d.Index != nil {
			s += fmt.Sprintf("[%d]", *d.Index)
		}
	}
	return s
}

// exact renders events with their ids, links, times and details.
func exact(evs []sfnmodel.HistoryEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = EncodeJSON(normalize(jsonOf(ev)))
	}
	return out
}

func jsonOf(ev sfnmodel.HistoryEvent) any {
	v, _ := DecodeJSON([]byte(mustMarshal(ev)))
	return v
}

func mustMarshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// structural renders events by their path of labels from the start (not
// by id), for runs whose concurrent branches interleave differently.
func structural(evs []sfnmodel.HistoryEvent) []string {
	byID := map[int64]*sfnmodel.HistoryEvent{}
	for i := range evs {
		byID[evs[i].Id] = &evs[i]
	}
	var path func(ev *sfnmodel.HistoryEvent) string
	path = func(ev *sfnmodel.HistoryEvent) string {
		if p := byID[prevOf(ev)]; p != nil && p != ev {
			return path(p) + " > " + label(ev)
		}
		return label(ev)
	}
	var out []string
	for i := range evs {
		ev := evs[i]
		key := path(&ev)
		ev.Id, ev.PreviousEventId, ev.Timestamp = 0, nil, nil
		out = append(out, key+" "+EncodeJSON(normalize(jsonOf(ev))))
	}
	sort.Strings(out)
	return out
}

func TestReplay_EveryPrefixGivesTheUninterruptedHistory(t *testing.T) {
	task := func(res, next string, extra string) string {
		end := `"End":true`
		if next != "" {
			end = `"Next":"` + next + `"`
		}
		return `{"Type":"Task","Resource":"` + res + `","Parameters":{"attempt.$":"$$.State.RetryCount","in.$":"$"` + extra + `},` + end + "}"
	}
	// jtask is a JSONata Task, without its closing brace.
	jtask := func(res, next string, extra string) string {
		end := `"End":true`
		if next != "" {
			end = `"Next":"` + next + `"`
		}
		return `{"Type":"Task","Resource":"` + res + `","Arguments":{"attempt":"{% $states.context.State.RetryCount %}","in":"{% $states.input %}"` + extra + `},` + end
	}
	tests := []struct {
		name, def, input string
		// concurrent: compare the structure, not ids and times (branches
		// interleave differently; a FakeClock may run past a timeout).
		concurrent bool
	}{
		{"pass and succeed", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"Next":"S"},"S":{"Type":"Succeed"}}}`, `{}`, false},
		{"choice", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Big"}],"Default":"Small"},
		  "Big":{"Type":"Pass","End":true},"Small":{"Type":"Fail","Error":"Small","Cause":"too small"}}}`, `{"n":2}`, false},
		{"fail", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}`, `{}`, false},
		{"wait seconds and timestamp", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"W2"},
		  "W2":{"Type":"Wait","Timestamp":"2025-01-02T04:00:00Z","Next":"T"},"T":` + task(ResourceECSRunTask, "", "") + `}}}`, `{}`, false},
		{"task with retries and catch", `{"StartAt":"T","States":{"T":` + strings.TrimSuffix(task(ResourceECSRunTask, "After", `,"failUntil":3`), "}") +
			`,"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":5,"BackoffRate":2,"MaxAttempts":2,"JitterStrategy":"FULL"}],
		  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"After"}]},
		  "After":` + task(ResourceECSRunTask, "", `,"token.$":"$$.Task.Token","id.$":"States.UUID()"`) + `}}}`, `{"x":1}`, false},
		{"sync, token and activity", `{"StartAt":"S","States":{"S":` + strings.TrimSuffix(task(resSync, "K", `,"failUntil":1`), "}") +
			`,"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":60}],"TimeoutSeconds":3600},
		  "K":` + task(resToken, "A", `,"t.$":"$$.Task.Token"`) + `,"A":` + task(resActivity, "", "") + `}}`, `{}`, false},
		{"map, one at a time", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
		  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"T"},"T":` + task(resSync, "", "") + `}},"End":true}}}`, `{"items":[1,2,3]}`, false},
		{"map failing, caught", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
		  "ItemProcessor":{"StartAt":"T","States":{"T":` + task(ResourceECSRunTask, "", `,"failUntil.$":"$"`) + `}},
		  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"D"}],"Next":"D"},"D":{"Type":"Pass","End":true}}}`, `{"items":[0,0,5]}`, false},
		{"parallel", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		  {"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":5,"Next":"A2"},"A2":` + task(ResourceECSRunTask, "", "") + `}},
		  {"StartAt":"B","States":{"B":` + task(resSync, "", "") + `}}]}}}`, `{}`, true},
		{"parallel, a branch fails", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		  {"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":5,"Next":"A2"},"A2":` + task(ResourceECSRunTask, "", `,"failUntil":9`) + `}},
		  {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":50,"End":true}}}]}}}`, `{}`, true},
		{"map, concurrent", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$","Next":"T"},"T":` + task(resSync, "", "") + `}},"End":true}}}`, `{"items":[3,1,2]}`, true},
		{"map, two at a time", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
		  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$","Next":"T"},"T":` + task(resSync, "", "") + `}},"End":true}}}`, `{"items":[3,1,5,2]}`, true},
		{"execution timeout", `{"TimeoutSeconds":100,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"W2"},"W2":{"Type":"Wait","Seconds":300,"End":true}}}`, `{}`, true},
		{"map with UUIDs", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
		  "ItemProcessor":{"StartAt":"T","States":{"T":` + strings.TrimSuffix(task(resSync, "", ""), "}") + `,"ResultSelector":{"r.$":"$","u.$":"States.UUID()"}}}},"End":true}}}`, `{"items":[1,2,3]}`, false},
		{"JSONata: task with retries and catch", `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":` + jtask(ResourceECSRunTask, "After", `,"failUntil":3`) +
			`,"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":5,"BackoffRate":2,"MaxAttempts":2,"JitterStrategy":"FULL"}],
		  "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $merge([$states.input, {'err': $states.errorOutput, 'u': $uuid()}]) %}","Next":"After"}]},
		  "After":` + jtask(ResourceECSRunTask, "", `,"token":"{% $states.context.Task.Token %}","id":"{% $uuid() %}"`) +
			`,"Output":"{% {'r': $states.result, 'u': $uuid(), 'x': $random()} %}"}}}`, `{"x":1}`, false},
		{"JSONata: waits, token and activity", `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"W2"},
		  "W2":{"Type":"Wait","Timestamp":"{% '2025-01-02T04:00:00Z' %}","Next":"W3"},"W3":{"Type":"Wait","Seconds":"{% 20 %}","Next":"S"},
		  "S":` + jtask(resSync, "K", `,"failUntil":1`) + `,"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":60,"JitterStrategy":"FULL"}],"TimeoutSeconds":3600},
		  "K":` + jtask(resToken, "A", `,"t":"{% $states.context.Task.Token %}"`) + `},"A":` + jtask(resActivity, "", "") + `}}}`, `{}`, false},
		{"JSONata: map, one at a time", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.items %}","MaxConcurrency":1,
		  "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","u":"{% $uuid() %}"},
		  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"T"},"T":` + jtask(resSync, "", "") +
			`,"Output":"{% {'r': $states.result, 'u': $uuid(), 'x': $random()} %}"}}},
		  "Output":"{% {'items': $states.result, 'u': $uuid(), 'x': $random()} %}","Next":"P"},
		  "P":{"Type":"Pass","Output":"{% $merge([$states.input, {'u': $uuid(), 'x': $random()}]) %}","End":true}}}`, `{"items":[1,2,3]}`, false},
		{"JSONata: map failing, caught", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.items %}","MaxConcurrency":1,
		  "ItemProcessor":{"StartAt":"T","States":{"T":` + jtask(ResourceECSRunTask, "", `,"failUntil":"{% $states.input %}"`) + `}}},
		  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"D"}],"Next":"D"},"D":{"Type":"Pass","Output":"{% {'u': $uuid()} %}","End":true}}}`, `{"items":[0,0,5]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &replayTasks{}
			sm, err := Parse([]byte(tt.def), ParseOptions{Resources: h.registry()})
			if err != nil {
				t.Fatal(err)
			}
			wantRes, want := runRecorded(t, sm, tt.input, h, t0, nil, false)
			render := exact
			if tt.concurrent {
				render = structural
			}
			for k := 1; k < len(want); k++ {
				h := &replayTasks{}
				prefix := want[:k]
				res, got := runRecorded(t, sm, tt.input, h, prefix[k-1].Timestamp.Time, prefix, false)
				all := append(slices.Clone(prefix), got...)
				if res.Status != wantRes.Status || EncodeJSON(res.Output) != EncodeJSON(wantRes.Output) {
					t.Errorf("resumed after event %d: %s %s; want %s %s", k, res.Status, EncodeJSON(res.Output), wantRes.Status, EncodeJSON(wantRes.Output))
				}
				if g, w := render(all), render(want); !slices.Equal(g, w) {
					t.Errorf("resumed after event %d (%s), the history differs:\n got  %s\n want %s", k, label(&prefix[k-1]), strings.Join(g, "\n      "), strings.Join(w, "\n      "))
				}
				// Nothing runs twice: no handler for an attempt whose outcome
				// is recorded; a resumed one is told so.
				for _, c := range h.calls {
					if c.scheduled != 0 && c.scheduled < int64(k) && c.resume == nil {
						t.Errorf("resumed after event %d: state %s's attempt (TaskScheduled %d) ran again without Resume", k, c.state, c.scheduled)
					}
					if c.scheduled >= int64(k) && c.resume != nil {
						t.Errorf("resumed after event %d: a new attempt of %s got a Resume", k, c.state)
					}
					if outcomeRecorded(prefix, c.scheduled) {
						t.Errorf("resumed after event %d: state %s's attempt (TaskScheduled %d) has a recorded outcome but ran again", k, c.state, c.scheduled)
					}
				}
			}
		})
	}
}

// outcomeRecorded reports whether the attempt whose TaskScheduled is
// scheduled has its outcome in evs.
func outcomeRecorded(evs []sfnmodel.HistoryEvent, scheduled int64) bool {
	if scheduled == 0 {
		return false
	}
	next := map[int64]*sfnmodel.HistoryEvent{}
	for i := range evs {
		next[prevOf(&evs[i])] = &evs[i]
	}
	for ev := next[scheduled]; ev != nil; ev = next[ev.Id] {
		switch ev.Type {
		case sfnmodel.HistoryEventTypeTaskSucceeded, sfnmodel.HistoryEventTypeTaskFailed, sfnmodel.HistoryEventTypeTaskTimedOut:
			return true
		case sfnmodel.HistoryEventTypeTaskStarted, sfnmodel.HistoryEventTypeTaskSubmitted:
		default:
			return false
		}
	}
	return false
}

func TestRedrive_RunsAgainOnlyWhatFailed(t *testing.T) {
	def := `{"StartAt":"First","States":{
	  "First":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","Parameters":{"n":1},"ResultPath":"$.first","Next":"M"},
	  "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ResultPath":"$.m","Next":"Last",
	    "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"fail.$":"$.fail"},"End":true}}}},
	  "Last":{"Type":"Pass","End":true}}}`
	input := `{"items":[{"fail":false},{"fail":true},{"fail":false}]}`
	h := &replayTasks{failing: true}
	sm, err := Parse([]byte(def), ParseOptions{Resources: h.registry()})
	if err != nil {
		t.Fatal(err)
	}
	res, first := runRecorded(t, sm, input, h, t0, nil, false)
	if res.Status != StatusFailed || res.Error.Name != "Boom" {
		t.Fatalf("first run: %s %v; want FAILED Boom", res.Status, res.Error)
	}
	h2 := &replayTasks{}
	res, more := runRecorded(t, sm, input, h2, t0.Add(time.Hour), first, true)
	if res.Status != StatusSucceeded {
		t.Fatalf("redriven: %s %v; want SUCCEEDED", res.Status, res.Error)
	}
	last := first[len(first)-1]
	if more[0].Type != sfnmodel.HistoryEventTypeExecutionRedriven || more[0].Id != last.Id+1 || prevOf(&more[0]) != last.Id ||
		more[0].ExecutionRedrivenEventDetails == nil || *more[0].ExecutionRedrivenEventDetails.RedriveCount != 1 {
		t.Errorf("first event after the redrive = %s; want ExecutionRedriven %d after %d, redriveCount 1", EncodeJSON(jsonOf(more[0])), last.Id+1, last.Id)
	}
	// Only the failed iteration and the one never started run again.
	var ran []string
	for _, c := range h2.calls {
		ran = append(ran, c.state)
	}
	if !slices.Equal(ran, []string{"T", "T"}) {
		t.Errorf("redrive ran %v; want the failed iteration's T and the next one's", ran)
	}
	var labels []string
	for i := range more {
		labels = append(labels, label(&more[i]))
	}
	want := "ExecutionRedriven TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited:T MapIterationSucceeded[1] " +
		"MapIterationStarted[2] TaskStateEntered:T TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited:T MapIterationSucceeded[2] " +
		"MapStateSucceeded MapStateExited:M PassStateEntered:Last PassStateExited:Last ExecutionSucceeded"
	if got := strings.Join(labels, " "); got != want {
		t.Errorf("redriven events:\n got  %s\n want %s", got, want)
	}
	// The Map's output has every item, the one kept from the first run too.
	if m := EncodeJSON(res.Output.(map[string]any)["m"]); strings.Count(m, `"done"`) != 3 {
		t.Errorf("map output %s; want three results", m)
	}
}
