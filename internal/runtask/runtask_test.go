package runtask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask/request"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

func TestRun_ExitCodes(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("ok", fake.Exits(0, "fine"))
	h.rt.OnImage("seven", fake.Exits(7, "failing"))
	h.rt.OnImage("private/unpullable", fake.Behavior{PullErr: fmt.Errorf("registry unreachable")})
	h.rt.OnImage("main-ok", fake.Exits(0).After(20*time.Millisecond))
	h.rt.OnImage("side-fails", fake.Exits(3))
	two := h.file("sidecar.yaml", `family: sidecar
containerDefinitions:
  - {name: setup, image: side-fails, memory: 64, essential: false}
  - {name: app, image: main-ok, memory: 64}
`)
	secondFails := h.file("second.yaml", `family: second
containerDefinitions:
  - {name: first, image: main-ok, memory: 64}
  - {name: second, image: seven, memory: 64}
`)
	tests := []struct {
		name      string
		opts      Options
		wantCode  int
		wantOut   Outcome
		wantError string
		wantWhy   string
	}{
		{"every essential container exited 0", Options{TaskDefinition: h.taskDef("ok", "ok")}, 0, OutcomeSucceeded, "", "every essential container"},
		{"the application's exit code", Options{TaskDefinition: h.taskDef("seven", "seven")}, 7, OutcomeFailed, retry.TaskFailed, "container app exited with code 7"},
		{"never started: CannotPullContainerError", Options{TaskDefinition: h.taskDef("unpullable", "private/unpullable")}, ExitNeverStarted, OutcomeNeverStarted, retry.FailedToStart, "CannotPullContainerError"},
		{"a failing non-essential sidecar does not count", Options{TaskDefinition: two}, 0, OutcomeSucceeded, "", ""},
		{"--success-container picks the sidecar", Options{TaskDefinition: two, SuccessContainer: "setup"}, 3, OutcomeFailed, retry.TaskFailed, "container setup exited with code 3"},
		{"the first failing essential container decides", Options{TaskDefinition: secondFails}, 7, OutcomeFailed, retry.TaskFailed, "container second exited with code 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, o := h.run(testCtx(t), tt.opts)
			if rep.ExitCode != tt.wantCode || len(rep.Attempts) != 1 {
				t.Fatalf("exit code %d with %d attempts; want %d with 1\n%s", rep.ExitCode, len(rep.Attempts), tt.wantCode, o.Info())
			}
			a := rep.Attempts[0]
			if a.Outcome != tt.wantOut || a.Error != tt.wantError || !strings.Contains(a.Reason, tt.wantWhy) {
				t.Errorf("attempt: outcome %s, error %q, reason %q; want %s, %q, reason mentioning %q", a.Outcome, a.Error, a.Reason, tt.wantOut, tt.wantError, tt.wantWhy)
			}
			if a.LastStatus != "STOPPED" || a.StoppedAt == nil || a.DurationSeconds == nil {
				t.Errorf("attempt not recorded as stopped: %+v", a)
			}
		})
	}
}

func TestRun_CountAbove10BatchesWithOneTokenPerBatch(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("ok", fake.Exits(0, "done"))
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("many", "ok"), Count: 23})
	if rep.ExitCode != 0 || len(rep.Attempts) != 23 || len(rep.Tasks) != 23 {
		t.Fatalf("exit %d, %d attempts, %d tasks; want 0, 23, 23\n%s", rep.ExitCode, len(rep.Attempts), len(rep.Tasks), o.Info())
	}
	if got := rep.APICalls["ECS.RunTask"]; got != 3 {
		t.Errorf("RunTask calls = %d; want 3 (10 + 10 + 3)", got)
	}
	arns, tokens := map[string]bool{}, map[string]int{}
	for _, a := range rep.Attempts {
		arns[a.TaskArn] = true
		tokens[a.ClientToken]++
		if a.Outcome != OutcomeSucceeded {
			t.Errorf("task %d: %s", a.Task, a.Outcome)
		}
	}
	if len(arns) != 23 {
		t.Errorf("%d distinct task ARNs; want 23", len(arns))
	}
	var sizes []int
	for _, n := range tokens {
		sizes = append(sizes, n)
	}
	if len(tokens) != 3 || tokens[rep.Attempts[0].ClientToken] != 10 || tokens[rep.Attempts[22].ClientToken] != 3 {
		t.Errorf("client tokens: %v; want 3 tokens for batches of 10, 10, 3", tokens)
	}
	if n := strings.Count(o.String(), "| done"); n != 23 {
		t.Errorf("%d log lines; want one per task (23)", n)
	}
	if !strings.Contains(o.Info(), "Triggering 23 tasks") || !strings.Contains(o.Info(), "23 tasks were triggered successfully and 0 failures were received.") {
		t.Errorf("progress log lacks the trigger lines:\n%s", o.Info())
	}
}

func TestRun_MaxAttempts2MeansThreeTasks(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("flaky", fake.Exits(3, "attempt"))
	pol := retry.Policy{MaxAttempts: 2, Interval: 20 * time.Millisecond, BackoffRate: 2, Jitter: retry.JitterNone, RetryOn: []string{retry.TaskFailed}}
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("flaky", "flaky"), Retry: pol})
	if rep.ExitCode != 3 || len(rep.Attempts) != 3 {
		t.Fatalf("exit %d with %d attempts; want 3 with 3\n%s", rep.ExitCode, len(rep.Attempts), o.Info())
	}
	wantDelays := []float64{0.02, 0.04}
	for i, a := range rep.Attempts {
		if a.Task != 1 || a.Attempt != i+1 || a.Outcome != OutcomeFailed {
			t.Errorf("attempt %d: task %d attempt %d %s", i, a.Task, a.Attempt, a.Outcome)
		}
		switch {
		case i < 2 && (!a.Retried || a.RetryDelaySeconds == nil || *a.RetryDelaySeconds != wantDelays[i]):
			t.Errorf("attempt %d: retried %v after %v; want retried after %vs", i+1, a.Retried, a.RetryDelaySeconds, wantDelays[i])
		case i == 2 && a.Retried:
			t.Errorf("the last attempt says it was retried")
		}
	}
	if rep.Tasks[0].Attempts != 3 {
		t.Errorf("task summary counts %d attempts; want 3", rep.Tasks[0].Attempts)
	}
	if rep.Attempts[0].TaskArn == rep.Attempts[1].TaskArn {
		t.Error("a retry reused the task: each attempt must be a new task")
	}
}

func TestRun_RetriesATaskThatFailedToStart(t *testing.T) {
	h := newHarness(t, nil)
	var creates atomic.Int32
	h.rt.OnImage("eventually", fake.Exits(0, "started at last"))
	h.rt.On(func(s runtime.ContainerSpec) bool {
		return s.Image == "eventually" && s.Name != "" && creates.Add(1) == 1
	}, fake.Behavior{CreateErr: fmt.Errorf("no space left on device")})
	pol := retry.Default()
	pol.MaxAttempts, pol.Interval = 3, 10*time.Millisecond
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("eventually", "eventually"), Retry: pol})
	if rep.ExitCode != 0 || len(rep.Attempts) != 2 {
		t.Fatalf("exit %d with %d attempts; want 0 after 2\n%s", rep.ExitCode, len(rep.Attempts), o.Info())
	}
	first := rep.Attempts[0]
	if first.Outcome != OutcomeNeverStarted || strings.Join(first.ErrorNames, ",") != "TaskFailedToStart,CannotCreateContainerError" || !first.Retried {
		t.Errorf("first attempt: %s %v retried %v; want neverStarted [TaskFailedToStart CannotCreateContainerError], retried", first.Outcome, first.ErrorNames, first.Retried)
	}
}

func TestRun_DefaultPolicyDoesNotRetryApplicationFailures(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("fails", fake.Exits(2))
	pol := retry.Default()
	pol.MaxAttempts, pol.Interval = 3, time.Millisecond
	rep, _ := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("fails", "fails"), Retry: pol})
	if rep.ExitCode != 2 || len(rep.Attempts) != 1 {
		t.Errorf("exit %d with %d attempts; want 2 with 1 (States.TaskFailed is not retried by default)", rep.ExitCode, len(rep.Attempts))
	}
}

func TestRun_LogDrainLosesNothing(t *testing.T) {
	h := newHarness(t, nil)
	var want []string
	for i := 1; i <= 2000; i++ {
		want = append(want, fmt.Sprintf("line %d", i))
	}
	h.rt.OnImage("chatty", fake.Exits(0, want...))
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("chatty", "chatty")})
	if rep.ExitCode != 0 {
		t.Fatalf("exit %d", rep.ExitCode)
	}
	got := lines(o.String())
	if len(got) != len(want) {
		t.Fatalf("%d lines; want %d (the last: %q)", len(got), len(want), got[len(got)-1])
	}
	id := shortID(rep.Attempts[0].TaskArn)
	for i, l := range got {
		if w := id + " app | " + want[i]; l != w {
			t.Fatalf("line %d = %q; want %q", i, l, w)
		}
	}
}

func TestRun_LogsOfEveryContainerLabelled(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("main", fake.Exits(0, "from main").After(30*time.Millisecond))
	h.rt.OnImage("side", fake.Exits(0, "from side"))
	def := h.file("two.yaml", `family: two
containerDefinitions:
  - name: main
    image: main
    memory: 64
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/two, awslogs-region: us-east-1, awslogs-stream-prefix: ecs}
  - {name: side, image: side, memory: 64, essential: false}
`)
	for _, tc := range []struct {
		mode LogMode
		want []string
		not  []string
	}{
		{LogsAll, []string{"main | from main", "side | from side"}, nil},
		{LogsEssential, []string{"main | from main"}, []string{"from side"}},
		{LogsNone, nil, []string{"from main", "from side"}},
	} {
		rep, o := h.run(testCtx(t), Options{TaskDefinition: def, Logs: tc.mode, Count: 2})
		for _, w := range tc.want {
			if n := strings.Count(o.String(), w); n != 2 {
				t.Errorf("--logs %s: %q appears %d times; want once per task\n%s", tc.mode, w, n, o.String())
			}
		}
		for _, n := range tc.not {
			if strings.Contains(o.String(), n) {
				t.Errorf("--logs %s: output has %q", tc.mode, n)
			}
		}
		// The report names each container's stream, which holds its output.
		c := rep.Attempts[0].Containers[0]
		id := rep.Attempts[0].TaskArn[strings.LastIndexByte(rep.Attempts[0].TaskArn, '/')+1:]
		if c.LogGroup != "/ecs/two" || c.LogStream != "ecs/main/"+id {
			t.Errorf("log destination %s %s; want /ecs/two ecs/main/%s", c.LogGroup, c.LogStream, id)
		}
		ev, err := h.logs.GetLogEvents(testCtx(t), &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(c.LogGroup), LogStreamName: aws.String(c.LogStream), StartFromHead: aws.Bool(true)})
		if err != nil || len(ev.Events) != 1 || aws.ToString(ev.Events[0].Message) != "from main" {
			t.Errorf("the reported stream: %v %+v", err, ev)
		}
	}
}

func TestRun_TimeoutStopsTheTasks(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("forever", fake.RunsUntilStopped("working"))
	start := time.Now()
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("forever", "forever"), Count: 2, Timeout: 300 * time.Millisecond})
	if rep.ExitCode != ExitTimeout || !rep.TimedOut {
		t.Fatalf("exit %d, timedOut %v; want 124\n%s", rep.ExitCode, rep.TimedOut, o.Info())
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("the run ended after %s, before its timeout", d)
	}
	for _, a := range rep.Attempts {
		status, reason := h.describe(a.TaskArn)
		if a.Outcome != OutcomeTimedOut || status != "STOPPED" || a.LastStatus != "STOPPED" || !strings.Contains(reason, "ecsrun") || !strings.Contains(reason, "--timeout") {
			t.Errorf("task %s: outcome %s, status %s (report %s), reason %q; want timedOut, STOPPED by ecsrun", a.TaskArn, a.Outcome, status, a.LastStatus, reason)
		}
	}
}

func TestRun_StartTimeoutStopsAPendingTask(t *testing.T) {
	rt := slowPull{Runtime: fake.New(), image: "huge", delay: 2 * time.Second}
	h := newHarness(t, rt)
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("huge", "huge"), StartTimeout: 200 * time.Millisecond})
	if rep.ExitCode != ExitTimeout || rep.TimedOut {
		t.Fatalf("exit %d, run timedOut %v; want 124 from the start timeout\n%s", rep.ExitCode, rep.TimedOut, o.Info())
	}
	a := rep.Attempts[0]
	if a.Outcome != OutcomeTimedOut || a.Error != retry.Timeout || !strings.Contains(a.Reason, "--start-timeout") || !strings.Contains(a.Reason, "PENDING") {
		t.Errorf("attempt: %s %s %q; want timedOut States.Timeout naming --start-timeout and PENDING", a.Outcome, a.Error, a.Reason)
	}
	if a.LastStatus != "STOPPED" {
		t.Errorf("the task is %s; want STOPPED before the run returns", a.LastStatus)
	}
}

func TestRun_StartTimeoutRetriedAsStatesTimeout(t *testing.T) {
	rt := slowPull{Runtime: fake.New(), image: "huge", delay: time.Second}
	h := newHarness(t, rt)
	pol := retry.Policy{MaxAttempts: 1, BackoffRate: 1, Jitter: retry.JitterNone, RetryOn: []string{retry.Timeout}}
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("huge", "huge"), StartTimeout: 100 * time.Millisecond, Retry: pol})
	if len(rep.Attempts) != 2 || rep.ExitCode != ExitTimeout {
		t.Fatalf("%d attempts, exit %d; want 2 attempts, then 124\n%s", len(rep.Attempts), rep.ExitCode, o.Info())
	}
}

func TestRun_InterruptStopsEveryTask(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("forever", fake.RunsUntilStopped("ready").OnStop("got the stop signal"))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	o := &output{}
	opts := Options{TaskDefinition: h.taskDef("forever", "forever"), Count: 3,
		Signal: func() (string, int) { return "SIGTERM", 143 }}
	opts.Console = o.console(func(s string) {
		if strings.Count(s, "| ready") == 3 {
			cancel()
		}
	})
	rep, _ := h.run(ctx, opts)
	if rep.Interrupted != "SIGTERM" {
		t.Fatalf("interrupted = %q; want SIGTERM\n%s", rep.Interrupted, o.Info())
	}
	for _, a := range rep.Attempts {
		status, reason := h.describe(a.TaskArn)
		if a.Outcome != OutcomeInterrupted || status != "STOPPED" || !strings.Contains(reason, "interrupted (SIGTERM)") {
			t.Errorf("task %s: %s, %s %q; want interrupted and STOPPED by ecsrun", a.TaskArn, a.Outcome, status, reason)
		}
	}
	// The output printed on the stop signal was drained before returning.
	if n := strings.Count(o.String(), "got the stop signal"); n != 3 {
		t.Errorf("%d stop lines drained; want 3\n%s", n, o.String())
	}
}

func TestRun_WaitRunning(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("server", fake.RunsUntilStopped("serving"))
	h.rt.OnImage("quick0", fake.Exits(0, "bye"))
	h.rt.OnImage("quick3", fake.Exits(3, "bye"))

	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("server", "server"), Wait: WaitRunning, Count: 2})
	defer h.stopAll(rep)
	if rep.ExitCode != 0 || rep.Attempts[0].Outcome != OutcomeRunning || rep.Attempts[1].Outcome != OutcomeRunning {
		t.Fatalf("a running server: exit %d, %+v\n%s", rep.ExitCode, rep.Tasks, o.Info())
	}
	if status, _ := h.describe(rep.Attempts[0].TaskArn); status != "RUNNING" {
		t.Errorf("--wait running left the task %s; want it RUNNING", status)
	}
	// Tasks that exit at once are judged by their exit codes, never an
	// error of the waiter. With a slow first poll the task is STOPPED when
	// first described.
	for _, tc := range []struct {
		image string
		want  int
	}{{"quick0", 0}, {"quick3", 3}} {
		rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef(tc.image, tc.image), Wait: WaitRunning, Poll: 500 * time.Millisecond})
		if rep.ExitCode != tc.want || rep.Attempts[0].LastStatus != "STOPPED" {
			t.Errorf("%s with --wait running: exit %d, %s; want %d, judged STOPPED\n%s", tc.image, rep.ExitCode, rep.Attempts[0].LastStatus, tc.want, o.Info())
		}
		if !strings.Contains(o.String(), "| bye") {
			t.Errorf("%s: the output was not drained: %q", tc.image, o.String())
		}
	}
}

func TestRun_WaitNone(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("server", fake.RunsUntilStopped())
	rep, _ := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("server", "server"), Wait: WaitNone, Count: 12})
	defer h.stopAll(rep)
	if rep.ExitCode != 0 || len(rep.Attempts) != 12 || rep.APICalls["ECS.DescribeTasks"] != 0 {
		t.Fatalf("exit %d, %d attempts, %d DescribeTasks calls; want 0, 12, 0", rep.ExitCode, len(rep.Attempts), rep.APICalls["ECS.DescribeTasks"])
	}
	for _, a := range rep.Attempts {
		if a.Outcome != OutcomeLaunched {
			t.Errorf("task %d: %s; want launched", a.Task, a.Outcome)
		}
	}
}

func TestRun_ReuseIfUnchanged(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("ok", fake.Exits(0))
	content := `family: reuse
cpu: "0.25 vCPU"
memory: 0.5GB
tags: [{key: team, value: data}]
containerDefinitions:
  - name: app
    image: ok
    memory: 64
    portMappings: [{containerPort: 8080}]
    environment: [{name: B, value: "2"}, {name: A, value: "1"}]
`
	file := h.file("reuse.yaml", content)
	first, _ := h.run(testCtx(t), Options{TaskDefinition: file, ReuseIfUnchanged: true})
	if first.TaskDefinitionSource != SourceRegistered || !strings.HasSuffix(first.TaskDefinitionArn, ":1") {
		t.Fatalf("first run: %s %s; want registered revision 1", first.TaskDefinitionSource, first.TaskDefinitionArn)
	}
	second, _ := h.run(testCtx(t), Options{TaskDefinition: file, ReuseIfUnchanged: true})
	if second.TaskDefinitionSource != SourceReused || second.TaskDefinitionArn != first.TaskDefinitionArn {
		t.Errorf("unchanged file: %s %s; want reused %s", second.TaskDefinitionSource, second.TaskDefinitionArn, first.TaskDefinitionArn)
	}
	// The same definition in another order and spelling is unchanged too.
	same := h.file("same.json", `{"containerDefinitions": [{"environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
  "essential": true, "portMappings": [{"containerPort": 8080, "protocol": "tcp"}], "memory": 64, "image": "ok", "name": "app"}],
  "memory": "512", "cpu": "256", "family": "reuse", "tags": [{"key": "team", "value": "data"}]}`)
	third, _ := h.run(testCtx(t), Options{TaskDefinition: same, ReuseIfUnchanged: true})
	if third.TaskDefinitionSource != SourceReused {
		t.Errorf("equivalent file: %s; want reused", third.TaskDefinitionSource)
	}
	changed := h.file("changed.yaml", strings.Replace(content, "image: ok", "image: ok\n    command: [x]", 1))
	fourth, o := h.run(testCtx(t), Options{TaskDefinition: changed, ReuseIfUnchanged: true})
	if fourth.TaskDefinitionSource != SourceRegistered || !strings.HasSuffix(fourth.TaskDefinitionArn, ":2") || !strings.Contains(o.Info(), "containerDefinitions[0].command added") {
		t.Errorf("changed file: %s %s; want registered revision 2 naming the change\n%s", fourth.TaskDefinitionSource, fourth.TaskDefinitionArn, o.Info())
	}
	// Without the flag every run registers.
	fifth, _ := h.run(testCtx(t), Options{TaskDefinition: changed})
	if !strings.HasSuffix(fifth.TaskDefinitionArn, ":3") {
		t.Errorf("without --reuse-if-unchanged: %s; want revision 3", fifth.TaskDefinitionArn)
	}
}

func TestRun_OverridesReachTheContainers(t *testing.T) {
	h := newHarness(t, nil)
	var seen atomic.Pointer[runtime.ContainerSpec]
	h.rt.OnImage("probe", fake.Exits(0))
	h.rt.On(func(s runtime.ContainerSpec) bool {
		if s.Name != "" && s.Image == "probe" {
			c := s
			seen.Store(&c)
		}
		return false
	}, fake.Behavior{})
	opts := Options{
		TaskDefinition: h.taskDef("probe", "probe"),
		Request: func() (r ecsmodel.RunTaskRequest) {
			r.Cluster = "default"
			r.StartedBy = "ci-pipeline"
			return
		}(),
		Changes: request.Changes{Env: []request.EnvVar{{Name: "MANAGE_PY_TASK", Value: "migrate --no-input"}}, Command: []string{"manage.py", "migrate"}},
	}
	rep, o := h.run(testCtx(t), opts)
	if rep.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", rep.ExitCode, o.Info())
	}
	s := seen.Load()
	if s == nil {
		t.Fatal("the container was never created")
	}
	if strings.Join(s.Command, " ") != "manage.py migrate" || !containsEnv(s.Env, "MANAGE_PY_TASK=migrate --no-input") {
		t.Errorf("container spec: command %q env %q", s.Command, s.Env)
	}
	if rep.Request.StartedBy != "ci-pipeline" {
		t.Errorf("startedBy %q", rep.Request.StartedBy)
	}
}

func containsEnv(env []string, kv string) bool {
	for _, e := range env {
		if e == kv {
			return true
		}
	}
	return false
}

func TestRun_DryRunTouchesNothing(t *testing.T) {
	h := newHarness(t, nil)
	file := h.taskDef("dry", "ok")
	rep, err := (&Runner{}).Run(testCtx(t), Options{TaskDefinition: file, DryRun: true, Count: 25})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || fmt.Sprint(rep.Batches) != "[10 10 5]" || len(rep.Attempts) != 0 || rep.TaskDefinitionSource != SourceFile {
		t.Errorf("dry run report: %+v", rep)
	}
	b, _ := json.Marshal(rep.TaskDefinition)
	if !strings.Contains(string(b), `"family":"dry"`) {
		t.Errorf("dry run task definition: %s", b)
	}
	out, err := h.ecs.ListTaskDefinitionFamilies(testCtx(t), nil)
	if err == nil && len(out.Families) != 0 {
		t.Errorf("a dry run registered %v", out.Families)
	}
}

func TestRun_StopGraceBoundsTheWait(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("stubborn", fake.IgnoresStop())
	start := time.Now()
	rep, o := h.run(testCtx(t), Options{TaskDefinition: h.taskDef("stubborn", "stubborn"), Timeout: 100 * time.Millisecond, StopGrace: 300 * time.Millisecond})
	defer h.stopAll(rep)
	if d := time.Since(start); rep.ExitCode != ExitTimeout || d > 10*time.Second {
		t.Errorf("exit %d after %s; want 124 soon after the stop grace", rep.ExitCode, d)
	}
	if !strings.Contains(o.Info(), "did not stop within 300ms") {
		t.Errorf("the log does not say the task did not stop:\n%s", o.Info())
	}
}

func TestRun_SecondInterruptAbortsTheWait(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("stubborn", fake.IgnoresStop().Errors("up"))
	ctx, cancel := context.WithCancel(testCtx(t))
	abort, abortNow := context.WithCancel(context.Background())
	defer abortNow()
	o := &output{}
	opts := Options{TaskDefinition: h.taskDef("stubborn", "stubborn"), Abort: abort}
	var once atomic.Bool
	opts.Console = o.console(func(s string) {
		if strings.Contains(s, "| up") && once.CompareAndSwap(false, true) {
			cancel()                                       // the first interrupt: the task is stopped
			time.AfterFunc(200*time.Millisecond, abortNow) // the second: stop waiting
		}
	})
	start := time.Now()
	rep, _ := h.run(ctx, opts)
	defer h.stopAll(rep)
	if d := time.Since(start); rep.Interrupted == "" || d > 10*time.Second {
		t.Errorf("interrupted %q after %s; want a prompt return (the task ignores SIGTERM for 30 s)\n%s", rep.Interrupted, d, o.Info())
	}
	if rep.Attempts[0].StopRequested == "" {
		t.Error("StopTask was not called before giving up")
	}
}

func TestResolveTaskDefinition(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	t.Setenv("ECSRUN_TEST_IMAGE", "from-env")
	file := h.file("shared.yaml", "family: shared\ncontainerDefinitions: [{name: app, image: \"${ECSRUN_TEST_IMAGE}\", memory: 64}]\n")
	def, line, err := ResolveTaskDefinition(ctx, h.ecs, file, true, true)
	if err != nil || line != "arn:aws:ecs:us-east-1:000000000000:task-definition/shared:1 (registered: family shared had no ACTIVE revision)" ||
		aws.ToString(def.ContainerDefinitions[0].Image) != "from-env" {
		t.Fatalf("first: %q, %v, %+v", line, err, def)
	}
	if _, line, err = ResolveTaskDefinition(ctx, h.ecs, file, true, true); err != nil || line != "arn:aws:ecs:us-east-1:000000000000:task-definition/shared:1 (unchanged: reused)" {
		t.Errorf("unchanged: %q, %v", line, err)
	}
	if _, line, err = ResolveTaskDefinition(ctx, h.ecs, "shared", false, false); err != nil || line != "arn:aws:ecs:us-east-1:000000000000:task-definition/shared:1" {
		t.Errorf("by family: %q, %v", line, err)
	}
	// A file with a mistake is a *FileError naming the member.
	bad := h.file("bad.yaml", "family: bad\ncontainerDefinitions: [{name: app, imagee: x}]\n")
	_, _, err = ResolveTaskDefinition(ctx, h.ecs, bad, false, false)
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `containerDefinitions[0].imagee: unknown member; did you mean "image"?`) {
		t.Errorf("bad file: %v", err)
	}
	// A file ECS refuses: ECS's words, without the SDK's request details.
	nomem := h.file("nomem.yaml", "family: nomem\ncontainerDefinitions: [{name: app, image: x}]\n")
	_, _, err = ResolveTaskDefinition(ctx, h.ecs, nomem, false, false)
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "register task definition "+nomem+": ClientException: Invalid setting for container 'app'.") || strings.Contains(err.Error(), "RequestID") {
		t.Errorf("refused file: %v", err)
	}
	// Neither a file nor a registered family: the error says both, without
	// the SDK's request details.
	_, _, err = ResolveTaskDefinition(ctx, h.ecs, "sharde", false, false)
	if err == nil || errors.As(err, &fe) || !strings.Contains(err.Error(), `task definition "sharde": there is no such file, and the target has no task definition of that name (ClientException:`) || strings.Contains(err.Error(), "RequestID") {
		t.Errorf("unknown family: %v", err)
	}
}

func TestRun_NoticesArePrintedOnceAndReported(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("meshed", fake.Exits(0))
	h.rt.OnImage("envoy", fake.Exits(0))
	def := h.file("mesh.yaml", `family: mesh
networkMode: awsvpc
proxyConfiguration:
  type: APPMESH
  containerName: envoy
  properties: [{name: IgnoredUID, value: "1337"}, {name: ProxyIngressPort, value: "15000"}, {name: ProxyEgressPort, value: "15001"}, {name: AppPorts, value: "8080"}]
containerDefinitions:
  - {name: app, image: meshed, memory: 64}
  - {name: envoy, image: envoy, memory: 64, essential: false}
`)
	opts := Options{TaskDefinition: def, Count: 3, Request: ecsmodel.RunTaskRequest{NetworkConfiguration: &ecsmodel.NetworkConfiguration{
		AwsvpcConfiguration: &ecsmodel.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}}}
	for _, notices := range []bool{true, false} {
		o := &output{}
		opts.Console = o.console(nil)
		opts.Notices = nil
		if notices {
			opts.Notices = func(def *types.TaskDefinition, req *ecsmodel.RunTaskRequest) []string {
				if def.ProxyConfiguration == nil || req.NetworkConfiguration == nil {
					return nil
				}
				return []string{"traffic is not redirected through " + aws.ToString(def.ProxyConfiguration.ContainerName)}
			}
		}
		rep, err := (&Runner{ECS: h.ecs, Logs: h.logs, Target: "test engine"}).Run(testCtx(t), opts)
		if err != nil {
			t.Fatalf("Run: %v\n%s", err, o.Info())
		}
		if rep.ExitCode != 0 {
			t.Errorf("notices %v: exit code %d; want 0 (the task runs)\n%s", notices, rep.ExitCode, o.Info())
		}
		n := strings.Count(o.Info(), "Warning: traffic is not redirected through envoy")
		if want := map[bool]int{true: 1, false: 0}[notices]; n != want || len(rep.Warnings) != want {
			t.Errorf("notices %v: the warning is printed %d times and reported %q; want %d\n%s", notices, n, rep.Warnings, want, o.Info())
		}
	}
}
