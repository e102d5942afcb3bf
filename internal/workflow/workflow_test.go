package workflow

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("DecodeJSON(%q): %v", s, err)
	}
	return v
}

func TestPath_Eval(t *testing.T) {
	doc := `{"a":{"b":[1,2,{"c":"x"}]},"users":[{"year":1997,"status":0},{"year":1998,"status":1}],"k y":5}`
	tests := []struct {
		path, want, err string
	}{
		{"$", doc, ""},
		{"$.a.b[1]", "2", ""},
		{"$.a.b[-1].c", `"x"`, ""},
		{"$['k y']", "5", ""},
		{"$.a.b[*]", `[1,2,{"c":"x"}]`, ""},
		{"$.a.b[0:2]", `[1,2]`, ""},
		{"$.a.b[1:]", `[2,{"c":"x"}]`, ""},
		{"$.users[?(@.status == 0)]", `[{"status":0,"year":1997}]`, ""},
		{"$.users[?(@.year <= 1998)].year", `[1997,1998]`, ""},
		{"$.[?(@.year < 1998)]", `[]`, ""},
		{"$..c", `["x"]`, ""},
		{"$.missing", "", "No results for path: $['missing']"},
		{"$.missing.deeper", "", "Missing property in path $['missing']"},
		{"$.nothing[*]", `[]`, ""},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", tt.path, err)
		}
		got, err := p.Eval(mustJSON(t, doc))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Eval(%q) error = %v; want %q", tt.path, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.path, err)
			continue
		}
		if !jsonEqual(got, mustJSON(t, tt.want)) {
			t.Errorf("Eval(%q) = %s; want %s", tt.path, EncodeJSON(got), tt.want)
		}
	}
}

func TestParseReferencePath(t *testing.T) {
	for _, s := range []string{"$", "$.a", "$.a[0].b", "$['x']", "$$.Execution.Id"} {
		if _, err := ParseReferencePath(s); err != nil {
			t.Errorf("ParseReferencePath(%q): %v", s, err)
		}
	}
	for _, s := range []string{"a", "$.a[*]", "$..a", "$.a[0:1]", "$.a[?(@.x == 1)]", "$.a[", "$.a['b"} {
		if _, err := ParseReferencePath(s); err == nil {
			t.Errorf("ParseReferencePath(%q) succeeded; want an error", s)
		}
	}
}

func TestIntrinsic_Eval(t *testing.T) {
	input := `{"s":"a,b,,c","arr":[1,2,2,3],"o1":{"a":1},"o2":{"b":2},"n":1.5,"json":"{\"k\":[1]}"}`
	tests := []struct {
		expr, want string
	}{
		{`States.Format('Hello {}, {}', $.s, $.n)`, `"Hello a,b,,c, 1.5"`},
		{`States.Format('esc \{\} {}', 'x')`, `"esc {} x"`},
		{`States.Format('{}', $.o1)`, `"{a=1}"`},
		{`States.StringToJson($.json)`, `{"k":[1]}`},
		{`States.JsonToString($.o1)`, `"{\"a\":1}"`},
		{`States.Array(1, 'two', $.o1, null, true)`, `[1,"two",{"a":1},null,true]`},
		{`States.ArrayPartition($.arr, 3)`, `[[1,2,2],[3]]`},
		{`States.ArrayContains($.arr, 3)`, `true`},
		{`States.ArrayRange(1, 9, 3)`, `[1,4,7]`},
		{`States.ArrayGetItem($.arr, 3)`, `3`},
		{`States.ArrayLength($.arr)`, `4`},
		{`States.ArrayUnique($.arr)`, `[1,2,3]`},
		{`States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`},
		{`States.Hash('input data', 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.Hash('input data', 'MD5')`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{`States.JsonMerge($.o1, $.o2, false)`, `{"a":1,"b":2}`},
		{`States.MathAdd($.n, -1)`, `1`},
		{`States.StringSplit($.s, ',')`, `["a","b","c"]`},
		{`States.ArrayGetItem(States.StringSplit($.s, ','), States.MathAdd(1, 1))`, `"c"`},
		{`States.MathRandom(1, 2)`, `1`},
	}
	env := &intrinsicEnv{
		input:  mustJSON(t, input),
		random: func(lo, hi int64, _ *int64) int64 { return lo },
		uuid:   func() string { return "uuid" },
	}
	for _, tt := range tests {
		c, err := ParseIntrinsic(tt.expr)
		if err != nil {
			t.Errorf("ParseIntrinsic(%q): %v", tt.expr, err)
			continue
		}
		got, err := c.eval(env)
		if err != nil {
			t.Errorf("eval(%q): %v", tt.expr, err)
			continue
		}
		if !jsonEqual(got, mustJSON(t, tt.want)) {
			t.Errorf("eval(%q) = %s; want %s", tt.expr, EncodeJSON(got), tt.want)
		}
	}
	for _, bad := range []string{`States.Nope(1)`, `States.Format(`, `States.ArrayLength(1, 2)`, `States.UUID(1)`} {
		if _, err := ParseIntrinsic(bad); err == nil {
			t.Errorf("ParseIntrinsic(%q) succeeded; want an error", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		op      string
		v, with string
		want    bool
	}{
		{"StringEquals", `"a"`, `"a"`, true},
		{"StringEquals", `1`, `"1"`, false},
		{"StringLessThan", `"a"`, `"b"`, true},
		{"StringGreaterThanEquals", `"b"`, `"b"`, true},
		{"StringMatches", `"log-2024.txt"`, `"log-*.txt"`, true},
		{"StringMatches", `"a*b"`, `"a\\*b"`, true},
		{"StringMatches", `"axb"`, `"a\\*b"`, false},
		{"NumericEquals", `1`, `1.0`, true},
		{"NumericLessThan", `1`, `1.1`, true},
		{"NumericGreaterThan", `"2"`, `1`, false},
		{"NumericLessThanEquals", `2`, `2`, true},
		{"BooleanEquals", `true`, `true`, true},
		{"BooleanEquals", `"true"`, `true`, false},
		{"TimestampEquals", `"2024-01-01T00:00:00Z"`, `"2024-01-01T01:00:00+01:00"`, true},
		{"TimestampLessThan", `"2024-01-01T00:00:00Z"`, `"2024-01-02T00:00:00Z"`, true},
		{"TimestampGreaterThan", `"nope"`, `"2024-01-02T00:00:00Z"`, false},
		{"IsNull", `null`, `true`, true},
		{"IsNumeric", `"1"`, `true`, false},
		{"IsString", `"1"`, `true`, true},
		{"IsBoolean", `false`, `true`, true},
		{"IsTimestamp", `"2024-01-01T00:00:00Z"`, `true`, true},
		{"IsTimestamp", `"2024-01-01 00:00:00Z"`, `true`, false},
	}
	for _, tt := range tests {
		if got := Compare(tt.op, mustJSON(t, tt.v), mustJSON(t, tt.with)); got != tt.want {
			t.Errorf("Compare(%s, %s, %s) = %v; want %v", tt.op, tt.v, tt.with, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	rt := Retrier{IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 3, JitterStrategy: "NONE"}
	for i, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if got := RetryDelay(rt, i, nil); got != want {
			t.Errorf("RetryDelay(attempt %d) = %v; want %v", i, got, want)
		}
	}
	rt.MaxDelaySeconds = 5
	if got := RetryDelay(rt, 2, nil); got != 5*time.Second {
		t.Errorf("RetryDelay with MaxDelaySeconds 5 = %v; want 5s", got)
	}
	// Without MaxDelaySeconds the delay grows past what a time.Duration
	// holds: it must stay the longest delay, not wrap around to a negative
	// one (which would retry at once).
	long := Retrier{IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 99999999, JitterStrategy: "NONE"}
	for _, attempt := range []int{40, 70, 2000} {
		if got := RetryDelay(long, attempt, nil); got < 100*365*24*time.Hour {
			t.Errorf("RetryDelay(1 s x 2^%d) = %v; want at least 100 years", attempt, got)
		}
	}
	rt.JitterStrategy = "FULL"
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 100 {
		got := RetryDelay(rt, i%3, r.Float64)
		if got < 0 || got > 5*time.Second {
			t.Fatalf("FULL jitter delay %v outside [0, 5s]", got)
		}
	}
}

// failingTask fails with States.TaskFailed n times, recording the fake time
// of each attempt, then succeeds.
type failingTask struct {
	clock    *FakeClock
	failures int
	attempts []time.Time
}

func (f *failingTask) Invoke(_ context.Context, req *TaskRequest) (any, *StatesError) {
	f.attempts = append(f.attempts, f.clock.Now())
	if len(f.attempts) <= f.failures {
		return nil, NewStatesError(ErrTaskFailed, `{"StopCode":"EssentialContainerExited","Containers":[{"ExitCode":1}]}`)
	}
	return map[string]any{"LastStatus": "STOPPED"}, nil
}

func runDef(t *testing.T, def string, clock *FakeClock, h TaskHandler) (*Result, *History) {
	t.Helper()
	reg := ECSRegistry(h)
	sm, err := Parse([]byte(def), ParseOptions{Resources: reg})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	hist := &History{}
	res, err := Run(context.Background(), sm, []byte(`{}`), Options{Clock: clock, Tasks: reg, Sink: hist, Rand: rand.NewPCG(1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	return res, hist
}

func TestRun_RetryTimingAndCatch(t *testing.T) {
	def := `{"StartAt":"Run","TimeoutSeconds":3600,"States":{
	  "Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","TimeoutSeconds":600,
	    "Parameters":{"Cluster":"c","TaskDefinition":"td"},
	    "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2}],
	    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recover"}],"End":true},
	  "Recover":{"Type":"Pass","Parameters":{"task.$":"States.StringToJson($.error.Cause)"},"End":true}}}`
	clock := NewFakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.SetAutoAdvance(true)
	task := &failingTask{clock: clock, failures: 10}
	res, hist := runDef(t, def, clock, task)
	if res.Status != StatusSucceeded {
		t.Fatalf("status = %s (%v); want SUCCEEDED", res.Status, res.Error)
	}
	var offsets []time.Duration
	for _, a := range task.attempts {
		offsets = append(offsets, a.Sub(task.attempts[0]))
	}
	want := []time.Duration{0, 2 * time.Second, 6 * time.Second, 14 * time.Second}
	if len(offsets) != len(want) {
		t.Fatalf("attempts at %v; want %v", offsets, want)
	}
	for i := range want {
		if offsets[i] != want[i] {
			t.Errorf("attempt %d at +%v; want +%v", i, offsets[i], want[i])
		}
	}
	got := EncodeJSON(res.Output)
	if !strings.Contains(got, `"StopCode":"EssentialContainerExited"`) {
		t.Errorf("output = %s; want the parsed task in $.task", got)
	}
	var types []string
	for _, e := range hist.Events() {
		types = append(types, string(e.Type))
	}
	if n := strings.Count(strings.Join(types, ","), "TaskFailed"); n != 4 {
		t.Errorf("%d TaskFailed events; want 4 (%v)", n, types)
	}
}

func TestRun_TaskTimeout(t *testing.T) {
	def := `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken","TimeoutSeconds":30,"HeartbeatSeconds":10,"End":true}}}`
	clock := NewFakeClock(time.Unix(0, 0))
	block := TaskHandlerFunc(func(ctx context.Context, req *TaskRequest) (any, *StatesError) {
		if req.Token == "" {
			return nil, NewStatesError("NoToken", "")
		}
		<-ctx.Done()
		return nil, nil
	})
	done := make(chan *Result)
	go func() {
		res, _ := runDef(t, def, clock, block)
		done <- res
	}()
	if err := clock.BlockUntil(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	res := <-done
	// AWS reports a missed heartbeat as States.Timeout (recorded in
	// ../shared/conformance/stepfunctions/v2/timeouts/test_heartbeats).
	if res.Status != StatusFailed || res.Error.Name != ErrTimeout {
		t.Fatalf("result = %s %v; want FAILED States.Timeout", res.Status, res.Error)
	}
}

func TestRun_ExecutionTimeout(t *testing.T) {
	def := `{"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	clock := NewFakeClock(time.Unix(0, 0))
	clock.SetAutoAdvance(true)
	res, hist := runDef(t, def, clock, nil)
	if res.Status != StatusTimedOut {
		t.Fatalf("status = %s; want TIMED_OUT", res.Status)
	}
	ev := hist.Events()
	if last := ev[len(ev)-1].Type; last != "ExecutionTimedOut" {
		t.Errorf("last event = %s; want ExecutionTimedOut", last)
	}
}

func TestParse_Problems(t *testing.T) {
	tests := []struct {
		name, def, want string
	}{
		{"backoff", `{"StartAt":"Retry Step","States":{"Retry Step":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","End":true,"Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":0.5}]}}}`,
			"/States/Retry Step/Retry/0/BackoffRate: must be >= 1.0"},
		{"unreachable", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`,
			"/States/B: state is not reachable"},
		{"missing end", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`,
			"/States/A: must have \"Next\" or \"End\": true"},
		{"unknown start", `{"StartAt":"X","States":{"A":{"Type":"Succeed"}}}`,
			"/StartAt: \"X\" is not a state"},
		{"unknown next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Z"}}}`,
			"/States/A/Next: \"Z\" is not a state"},
		{"query language", `{"QueryLanguage":"JSONata2","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`,
			"/QueryLanguage: must be \"JSONPath\" or \"JSONata\""},
		{"resource", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`,
			"is not supported; supported resources: arn:aws:states:::ecs:runTask"},
		{"all not last", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"},{"ErrorEquals":["X"],"Next":"A"}]}}}`,
			"/States/A/Catch/0/ErrorEquals/0: \"States.ALL\" must be in the last"},
		{"bad path", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a[","End":true}}}`,
			"/States/A/InputPath: invalid path"},
		{"bad intrinsic", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Nope(1)"},"End":true}}}`,
			"/States/A/Parameters/x.$: invalid intrinsic"},
		{"wait two", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.x","End":true}}}`,
			"must have exactly one of \"Seconds\""},
		{"next and end", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`,
			"not both"},
		{"duplicate", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"A":{"Type":"Succeed"}}}`,
			"/States/A: duplicate state name"},
		{"bad field", `{"StartAt":"A","States":{"A":{"Type":"Succeed","Next":"A"}}}`,
			"/States/A/Next: field is not allowed in a Succeed state"},
		{"no choices", `{"StartAt":"A","States":{"A":{"Type":"Choice","Default":"B"},"B":{"Type":"Succeed"}}}`,
			"/States/A: missing required field \"Choices\""},
		{"empty choices", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[],"Default":"B"},"B":{"Type":"Succeed"}}}`,
			"/States/A/Choices: must be a non-empty array"},
		{"JSONata: no branches", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Parallel","End":true}}}`,
			"/States/A: missing required field \"Branches\""},
		{"JSONata: empty branches", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[],"End":true}}}`,
			"/States/A/Branches: Value cannot be empty"},
		{"empty branches", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[],"End":true}}}`,
			"/States/A/Branches: Value cannot be empty"},
		{"branches not an array", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":{},"End":true}}}`,
			"/States/A/Branches: must be a non-empty array"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.def), ParseOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse error = %v; want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestJSON5ToJSON(t *testing.T) {
	src := "{\n // comment\n Comment: 'it\\'s', /* block */ \"a\": [1, 2,],\n}"
	var v any
	if err := json.Unmarshal(JSON5ToJSON([]byte(src)), &v); err != nil {
		t.Fatalf("JSON5ToJSON output does not parse: %v (%s)", err, JSON5ToJSON([]byte(src)))
	}
}

// TestRun_StoppedBeforeTheFirstState: an execution stopped as it starts
// (StopExecution right after StartExecution) is ABORTED with the stop's
// error, never FAILED with States.Aborted. The race behind the CI failure
// this pins (the machine's own abort and the stop both ready when Run
// chooses) needs a stop between the machine's start and Run's select, which
// a test cannot place; this checks the outcome under load.
func TestRun_StoppedBeforeTheFirstState(t *testing.T) {
	sm, err := Parse([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Many runs at once, so that the machine often ends before Run looks
	// at the cancellation.
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 8 {
		wg.Go(func() {
			for range 300 {
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(NewStatesError("Cancelled", "by the test"))
				hist := &History{}
				res, err := Run(ctx, sm, []byte(`{}`), Options{Clock: NewFakeClock(time.Unix(0, 0)), Sink: hist})
				evs := hist.Events()
				if err != nil || res.Status != StatusAborted || res.Error == nil || res.Error.Name != "Cancelled" || evs[len(evs)-1].Type != "ExecutionAborted" {
					if failed.Add(1) == 1 {
						t.Errorf("%v %s %+v, last event %s; want ABORTED with the stop's error", err, res.Status, res.Error, evs[len(evs)-1].Type)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of 2400 stopped runs did not end ABORTED", n)
	}
}
