package runtask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/broadcast"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

// stubECS answers the ECS and CloudWatch Logs JSON protocols at the HTTP
// transport, keyed on X-Amz-Target, so the real aws-sdk-go-v2 clients (their
// serialisation, error decoding and retries) are exercised as against AWS.
type stubECS struct {
	t  *testing.T
	mu sync.Mutex
	// handle answers one operation (called with mu held); a nil answer
	// falls back to the defaults.
	handle func(op string, in map[string]any) (status int, out any)
	calls  []call
	tasks  map[string]map[string]any
	seq    int
	// out is what the last run printed.
	out *output
}

type call struct {
	op string
	in map[string]any
}

func (s *stubECS) RoundTrip(r *http.Request) (*http.Response, error) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	var in map[string]any
	b, _ := io.ReadAll(r.Body)
	json.Unmarshal(b, &in)
	s.mu.Lock()
	s.calls = append(s.calls, call{op, in})
	var status int
	var out any
	if s.handle != nil {
		status, out = s.handle(op, in)
	}
	if out == nil {
		status, out = s.defaults(op, in)
	}
	s.mu.Unlock()
	body, _ := json.Marshal(out)
	h := http.Header{"Content-Type": []string{"application/x-amz-json-1.1"}, "X-Amzn-Requestid": []string{"stub"}}
	if e, ok := out.(apiErr); ok {
		h.Set("X-Amzn-Errortype", e.Type)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

type apiErr struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

const stubTD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/job:4"

// defaults: the task definition "job:4" with one essential container
// "app"; RunTask starts tasks that are STOPPED with exit code 0 when first
// described.
func (s *stubECS) defaults(op string, in map[string]any) (int, any) {
	switch op {
	case "DescribeTaskDefinition":
		return 200, map[string]any{"taskDefinition": map[string]any{
			"taskDefinitionArn": stubTD, "family": "job", "revision": 4, "status": "ACTIVE",
			"containerDefinitions": []any{map[string]any{"name": "app", "image": "app:1", "essential": true,
				"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{"awslogs-group": "/ecs/job", "awslogs-stream-prefix": "ecs"}}}},
		}}
	case "RunTask":
		var tasks []any
		n := int(in["count"].(float64))
		for i := 0; i < n; i++ {
			tasks = append(tasks, s.newTask("PROVISIONING"))
		}
		return 200, map[string]any{"tasks": tasks, "failures": []any{}}
	case "DescribeTasks":
		var tasks []any
		for _, a := range in["tasks"].([]any) {
			t := s.tasks[a.(string)]
			t["lastStatus"] = "STOPPED"
			t["stopCode"] = "EssentialContainerExited"
			t["containers"] = []any{map[string]any{"name": "app", "exitCode": 0, "lastStatus": "STOPPED", "runtimeId": "r"}}
			tasks = append(tasks, t)
		}
		return 200, map[string]any{"tasks": tasks, "failures": []any{}}
	case "StopTask":
		return 200, map[string]any{"task": s.tasks[in["task"].(string)]}
	case "GetLogEvents":
		return 200, map[string]any{"events": []any{}, "nextForwardToken": "f/1"}
	}
	return 400, apiErr{"UnknownOperationException", op}
}

func (s *stubECS) newTask(status string) map[string]any {
	s.seq++
	if s.tasks == nil {
		s.tasks = map[string]map[string]any{}
	}
	arn := fmt.Sprintf("arn:aws:ecs:eu-west-1:123456789012:task/ci/%032x", s.seq)
	t := map[string]any{"taskArn": arn, "clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/ci",
		"taskDefinitionArn": stubTD, "lastStatus": status, "createdAt": float64(time.Now().Unix()),
		"containers": []any{map[string]any{"name": "app", "lastStatus": "PENDING"}}}
	s.tasks[arn] = t
	return t
}

func (s *stubECS) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.op == op {
			n++
		}
	}
	return n
}

func (s *stubECS) callsOf(op string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, c := range s.calls {
		if c.op == op {
			out = append(out, c.in)
		}
	}
	return out
}

// run runs opts through the stub's Runner with the tuning Amazon ECS gets
// but fast polls.
func (s *stubECS) run(t *testing.T, opts Options) *Report {
	t.Helper()
	opts.AWSTuning()
	opts.Poll, opts.MaxPoll, opts.LogPoll, opts.LogSettle = time.Millisecond, 10*time.Millisecond, time.Millisecond, 0
	if opts.TaskDefinition == "" {
		opts.TaskDefinition = "job:4"
	}
	return s.runWith(t, s.runner(), opts)
}

// runner returns a Runner whose SDK clients go through the stub.
func (s *stubECS) runner() *Runner {
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		HTTPClient:  &http.Client{Transport: s},
	}
	noRetryWait := func(o *awsecs.Options) { o.Retryer = retryNoWait(o.Retryer) }
	return &Runner{
		ECS:    awsecs.NewFromConfig(cfg, noRetryWait),
		Logs:   cloudwatchlogs.NewFromConfig(cfg),
		Target: "stub",
	}
}

// runWith runs opts with r, printing to a console kept in s.out.
func (s *stubECS) runWith(t *testing.T, r *Runner, opts Options) *Report {
	t.Helper()
	out := &output{}
	s.out = out
	opts.Console = out.console(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := r.Run(ctx, opts)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.Info())
	}
	return rep
}

func TestStub_ManyTasksCostFewCalls(t *testing.T) {
	s := &stubECS{t: t}
	rep := s.run(t, Options{Count: 150})
	if rep.ExitCode != 0 || len(rep.Attempts) != 150 {
		t.Fatalf("exit %d with %d attempts", rep.ExitCode, len(rep.Attempts))
	}
	runs := s.callsOf("RunTask")
	tokens := map[string]bool{}
	for i, in := range runs {
		if c := in["count"].(float64); c != 10 {
			t.Errorf("RunTask %d: count %v; want 10", i, c)
		}
		tokens[in["clientToken"].(string)] = true
	}
	if len(runs) != 15 || len(tokens) != 15 {
		t.Errorf("%d RunTask calls with %d tokens; want 15 and 15", len(runs), len(tokens))
	}
	for _, in := range s.callsOf("DescribeTasks") {
		if n := len(in["tasks"].([]any)); n > 100 {
			t.Errorf("DescribeTasks with %d tasks; at most 100", n)
		}
	}
	if n := s.count("DescribeTasks"); n != 2 {
		t.Errorf("%d DescribeTasks calls; want 2 (150 tasks, all STOPPED at the first poll)", n)
	}
}

func TestStub_RetriesPlacementFailures(t *testing.T) {
	s := &stubECS{t: t}
	runTasks := 0
	s.handle = func(op string, in map[string]any) (int, any) {
		if op == "RunTask" {
			runTasks++
		}
		if op == "RunTask" && runTasks == 1 {
			return 200, map[string]any{"tasks": []any{}, "failures": []any{
				map[string]any{"arn": "arn:aws:ecs:eu-west-1:123456789012:container-instance/ci/1", "reason": "RESOURCE:MEMORY"}}}
		}
		return 0, nil
	}
	pol := retry.Default()
	pol.MaxAttempts, pol.Interval = 2, time.Millisecond
	rep := s.run(t, Options{Retry: pol})
	if rep.ExitCode != 0 || len(rep.Attempts) != 2 {
		t.Fatalf("exit %d with %d attempts; want 0 after a retry", rep.ExitCode, len(rep.Attempts))
	}
	a := rep.Attempts[0]
	if a.TaskArn != "" || a.Failure == nil || a.Failure.Reason != "RESOURCE:MEMORY" || strings.Join(a.ErrorNames, ",") != "TaskFailedToStart,RESOURCE:MEMORY" {
		t.Errorf("first attempt: %+v", a)
	}
	toks := s.callsOf("RunTask")
	if toks[0]["clientToken"] == toks[1]["clientToken"] {
		t.Error("the retry reused the first attempt's client token")
	}
}

func TestStub_PlacementFailureWithoutRetryIs125(t *testing.T) {
	s := &stubECS{t: t}
	s.handle = func(op string, in map[string]any) (int, any) {
		if op == "RunTask" {
			return 200, map[string]any{"tasks": []any{s.newTask("PROVISIONING")}, "failures": []any{
				map[string]any{"arn": "arn:aws:ecs:eu-west-1:123456789012:container-instance/ci/1", "reason": "RESOURCE:CPU"}}}
		}
		return 0, nil
	}
	rep := s.run(t, Options{Count: 2})
	if rep.ExitCode != ExitNeverStarted || rep.Attempts[0].Outcome != OutcomeSucceeded || rep.Attempts[1].Outcome != OutcomeNeverStarted {
		t.Errorf("exit %d, outcomes %s %s; want 125 with the second task never started", rep.ExitCode, rep.Attempts[0].Outcome, rep.Attempts[1].Outcome)
	}
}

func TestStub_RejectedRequestIsNeverRetried(t *testing.T) {
	s := &stubECS{t: t}
	s.handle = func(op string, in map[string]any) (int, any) {
		if op == "RunTask" {
			return 400, apiErr{"InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified."}
		}
		return 0, nil
	}
	pol := retry.Default()
	pol.MaxAttempts, pol.RetryOn = 5, []string{retry.All}
	rep := s.run(t, Options{Count: 25, Retry: pol})
	if rep.ExitCode != ExitNeverStarted || len(rep.Attempts) != 25 || s.count("RunTask") != 1 {
		t.Fatalf("exit %d, %d attempts, %d RunTask calls; want 125, 25, 1 (a rejected request is not repeated)", rep.ExitCode, len(rep.Attempts), s.count("RunTask"))
	}
	if !strings.Contains(rep.ExitReason, "InvalidParameterException: Network Configuration must be provided") {
		t.Errorf("exit reason %q lacks the error", rep.ExitReason)
	}
}

func TestStub_ToleratesEventualConsistencyAndThrottling(t *testing.T) {
	s := &stubECS{t: t}
	describes := 0
	s.handle = func(op string, in map[string]any) (int, any) {
		if op != "DescribeTasks" {
			return 0, nil
		}
		describes++
		switch describes {
		case 1: // right after RunTask: not visible yet
			arn := in["tasks"].([]any)[0].(string)
			return 200, map[string]any{"tasks": []any{}, "failures": []any{map[string]any{"arn": arn, "reason": "MISSING"}}}
		case 2:
			return 400, apiErr{"ThrottlingException", "Rate exceeded"}
		}
		return 0, nil
	}
	rep := s.run(t, Options{})
	if rep.ExitCode != 0 || rep.Attempts[0].Outcome != OutcomeSucceeded {
		t.Errorf("exit %d, %s; want success despite MISSING and throttling", rep.ExitCode, rep.Attempts[0].Outcome)
	}
}

func TestStub_StopsOnTimeoutWithAReason(t *testing.T) {
	s := &stubECS{t: t}
	stopped := map[string]bool{}
	s.handle = func(op string, in map[string]any) (int, any) {
		switch op {
		case "DescribeTasks":
			var tasks []any
			for _, a := range in["tasks"].([]any) {
				t := s.tasks[a.(string)]
				t["lastStatus"] = "RUNNING"
				if stopped[a.(string)] {
					t["lastStatus"], t["stopCode"], t["stoppedReason"] = "STOPPED", "UserInitiated", "stopped"
					t["containers"] = []any{map[string]any{"name": "app", "exitCode": 143, "lastStatus": "STOPPED"}}
				}
				tasks = append(tasks, t)
			}
			return 200, map[string]any{"tasks": tasks, "failures": []any{}}
		case "StopTask":
			stopped[in["task"].(string)] = true
		}
		return 0, nil
	}
	rep := s.run(t, Options{Count: 3, Timeout: 50 * time.Millisecond})
	stops := s.callsOf("StopTask")
	if rep.ExitCode != ExitTimeout || len(stops) != 3 {
		t.Fatalf("exit %d with %d StopTask calls; want 124 and 3", rep.ExitCode, len(stops))
	}
	for _, in := range stops {
		if r, _ := in["reason"].(string); !strings.HasPrefix(r, "Stopped by ecsrun: --timeout of 50ms expired") || in["cluster"] != "arn:aws:ecs:eu-west-1:123456789012:cluster/ci" {
			t.Errorf("StopTask %v", in)
		}
	}
	for _, a := range rep.Attempts {
		if a.LastStatus != "STOPPED" || a.Containers[0].LogStream == "" {
			t.Errorf("attempt %+v", a)
		}
	}
}

// retryNoWait keeps the SDK's retry decisions but without waiting, so
// throttling tests stay fast.
func retryNoWait(r aws.Retryer) aws.Retryer { return noWait{r} }

type noWait struct{ aws.Retryer }

func (noWait) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

func TestStub_SaysWhenAContainerHasNoLogStream(t *testing.T) {
	s := &stubECS{t: t}
	s.handle = func(op string, in map[string]any) (int, any) {
		if op != "DescribeTaskDefinition" {
			return 0, nil
		}
		return 200, map[string]any{"taskDefinition": map[string]any{
			"taskDefinitionArn": stubTD, "family": "job", "revision": 4, "status": "ACTIVE",
			"containerDefinitions": []any{map[string]any{"name": "app", "image": "app:1", "essential": true}},
		}}
	}
	rep := s.run(t, Options{Count: 3})
	if rep.ExitCode != 0 || s.count("GetLogEvents") != 0 {
		t.Fatalf("exit %d, %d GetLogEvents calls; want 0 and none", rep.ExitCode, s.count("GetLogEvents"))
	}
	if n := strings.Count(s.out.Info(), "Container app has no awslogs log configuration"); n != 1 {
		t.Errorf("the note was printed %d times; want once\n%s", n, s.out.Info())
	}
}

// A target that signals its task changes (the embedded engine) gets a
// DescribeTasks as soon as a task changed, not at the next poll: here the
// polls are a minute apart, and the run still ends as soon as its task
// stopped.
func TestStub_DescribesAtOnceWhenTheTargetSignalsAChange(t *testing.T) {
	s := &stubECS{t: t}
	var changes broadcast.Signal
	launched := make(chan struct{}, 1)
	s.handle = func(op string, in map[string]any) (int, any) {
		if op == "RunTask" {
			launched <- struct{}{}
		}
		return 0, nil // the defaults: the task is STOPPED when described
	}
	go func() {
		<-launched
		changes.Notify() // the task changed (it stopped)
	}()
	r := s.runner()
	r.Changes = changes.C
	opts := Options{TaskDefinition: "job:4"}
	opts.Poll, opts.MaxPoll, opts.LogPoll, opts.LogSettle = time.Minute, time.Minute, time.Millisecond, 0
	// Without the wake, the first poll comes after the run's 30 s context
	// ends, and the run ends interrupted, not with exit code 0.
	if rep := s.runWith(t, r, opts); rep.ExitCode != 0 {
		t.Fatalf("exit code %d: the change did not wake the run (polls are a minute apart)\n%s", rep.ExitCode, s.out.Info())
	}
	if n := s.count("DescribeTasks"); n != 1 {
		t.Errorf("%d DescribeTasks calls; want 1 (the one the change asked for)", n)
	}
}
