package sfnapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// harness is an engine with SDK clients talking to it in-process.
type harness struct {
	t     *testing.T
	dir   string
	rt    runtime.Runtime
	eng   *engine.Engine
	ecs   *awsecs.Client
	sfn   *sfn.Client
	image string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	image := testimage.Image(t)
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	h := &harness{t: t, dir: t.TempDir(), rt: rt, image: image}
	h.open()
	t.Cleanup(func() {
		if h.eng != nil {
			h.removeContainers()
			h.eng.Close()
		}
	})
	return h
}

func (h *harness) open() {
	h.t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: h.dir, Runtime: h.rt, PullBehavior: runtime.PullPreferCached})
	if err != nil {
		h.t.Fatal(err)
	}
	h.connect(eng)
}

// connect points the harness's clients at eng, in-process.
func (h *harness) connect(eng *engine.Engine) {
	h.eng = eng
	modelcheck.Attach(h.t, eng.Handler().(*awsjson.Server))
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}
	h.ecs = awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	h.sfn = sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String("http://engine") })
}

// removeContainers removes the containers of the tasks this engine ran
// (only those: other packages run tasks on the same Docker engine).
func (h *harness) removeContainers() {
	ctx := context.Background()
	out, err := h.ecs.ListTasks(ctx, &awsecs.ListTasksInput{DesiredStatus: ecstypes.DesiredStatusStopped})
	if err != nil {
		return
	}
	running, _ := h.ecs.ListTasks(ctx, &awsecs.ListTasksInput{})
	arns := out.TaskArns
	if running != nil {
		arns = append(arns, running.TaskArns...)
	}
	for _, arn := range arns {
		h.ecs.StopTask(ctx, &awsecs.StopTaskInput{Task: aws.String(arn)})
		cs, _ := h.rt.List(ctx, map[string]string{"com.amazonaws.ecs.task-arn": arn})
		for _, c := range cs {
			h.rt.Remove(ctx, c.ID)
		}
	}
}

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

// register registers a one-container task definition running the toolbox
// with args.
func (h *harness) register(family string, args ...string) {
	h.t.Helper()
	_, err := h.ecs.RegisterTaskDefinition(ctxT(h.t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String(family),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String(h.image), Essential: aws.Bool(true), Memory: aws.Int32(64), Command: args,
		}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// start creates the state machine and starts an execution with delay
// scale scale (1: none).
func (h *harness) start(name, definition, input string, scale float64) string {
	h.t.Helper()
	c := ctxT(h.t)
	sm, err := h.sfn.CreateStateMachine(c, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::000000000000:role/test"),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	ex, err := h.sfn.StartExecution(c, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(input)},
		sfn.WithAPIOptions(smithyhttp.AddHeaderValue(sfnapi.DelayScaleHeader, fmt.Sprint(scale))))
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(ex.ExecutionArn)
}

// wait polls DescribeExecution until the execution ends.
func (h *harness) wait(arn string) *sfn.DescribeExecutionOutput {
	h.t.Helper()
	c := ctxT(h.t)
	for {
		out, err := h.sfn.DescribeExecution(c, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			h.t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out
		}
		select {
		case <-c.Done():
			h.t.Fatalf("execution %s still running", arn)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (h *harness) history(arn string) []sfntypes.HistoryEvent {
	h.t.Helper()
	var out []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(h.sfn, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctxT(h.t))
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, page.Events...)
	}
	return out
}

// submitted waits for the execution's first TaskSubmitted event and
// returns its output's first task.
func (h *harness) submitted(arn string) map[string]any {
	h.t.Helper()
	c := ctxT(h.t)
	for {
		for _, ev := range h.history(arn) {
			if ev.Type == sfntypes.HistoryEventTypeTaskSubmitted {
				o := decode(h.t, aws.ToString(ev.TaskSubmittedEventDetails.Output))
				return o["Tasks"].([]any)[0].(map[string]any)
			}
		}
		select {
		case <-c.Done():
			h.t.Fatalf("execution %s submitted no task", arn)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitTask polls DescribeTasks until cond holds for the task.
func (h *harness) waitTask(arn, what string, cond func(ecstypes.Task) bool) ecstypes.Task {
	h.t.Helper()
	c := ctxT(h.t)
	for {
		dt, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Tasks: []string{arn}})
		if err != nil || len(dt.Tasks) != 1 {
			h.t.Fatalf("DescribeTasks(%s) = %+v, %v", arn, dt, err)
		}
		if cond(dt.Tasks[0]) {
			return dt.Tasks[0]
		}
		select {
		case <-c.Done():
			h.t.Fatalf("task %s: %s: still %s", arn, what, aws.ToString(dt.Tasks[0].LastStatus))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func stopped(t ecstypes.Task) bool { return aws.ToString(t.DesiredStatus) == "STOPPED" }

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// The state machine of the example (../shared/seeds): runTask.sync
// with a Retry on States.TaskFailed (IntervalSeconds 10, MaxAttempts 3,
// BackoffRate 2) and a TimeoutSeconds, plus a Catch that routes to a
// recovery state parsing the Cause with States.StringToJson.
const retryCatchDef = `{
  "Version": "1.0",
  "Comment": "Run ECS tasks",
  "TimeoutSeconds": 1200,
  "StartAt": "RunTask",
  "States": {
    "RunTask": {
      "Type": "Task",
      "Resource": "arn:aws:states:::ecs:runTask.sync",
      "Parameters": {"LaunchType": "EC2", "Cluster": "default", "TaskDefinition": "flaky"},
      "TimeoutSeconds": 300,
      "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 10, "MaxAttempts": 3, "BackoffRate": 2}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
      "End": true
    },
    "Recover": {
      "Type": "Pass",
      "Parameters": {"failed.$": "States.StringToJson($.error.Cause)"},
      "End": true
    }
  }
}`

func TestWorkflow_RunTaskSyncRetriesThenCatches(t *testing.T) {
	h := newHarness(t)
	h.register("flaky", "out", "failing", "--", "exit", "3")
	const scale = 0.02 // retry delays of 10, 20 and 40 s become 200, 400 and 800 ms
	arn := h.start("retry-catch", retryCatchDef, `{}`, scale)
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}

	evs := h.history(arn)
	var submitted, failed []sfntypes.HistoryEvent
	var scheduled []time.Time
	for _, ev := range evs {
		switch ev.Type {
		case sfntypes.HistoryEventTypeTaskScheduled:
			scheduled = append(scheduled, aws.ToTime(ev.Timestamp))
			if p := decode(t, aws.ToString(ev.TaskScheduledEventDetails.Parameters)); p["StartedBy"] != "AWS Step Functions" {
				t.Errorf("TaskScheduled parameters %v; want StartedBy added", p)
			}
		case sfntypes.HistoryEventTypeTaskSubmitted:
			submitted = append(submitted, ev)
		case sfntypes.HistoryEventTypeTaskFailed:
			failed = append(failed, ev)
		}
	}
	// One task, then three retries: four ECS tasks, each failing.
	if len(submitted) != 4 || len(failed) != 4 {
		t.Fatalf("%d tasks submitted, %d failed; want 4 and 4", len(submitted), len(failed))
	}
	for i, ev := range failed {
		d := ev.TaskFailedEventDetails
		if aws.ToString(d.Error) != "States.TaskFailed" {
			t.Errorf("attempt %d: error %s", i+1, aws.ToString(d.Error))
		}
		task := decode(t, aws.ToString(d.Cause))
		c := task["Containers"].([]any)[0].(map[string]any)
		if c["ExitCode"] != 3.0 || task["LastStatus"] != "STOPPED" || task["StartedBy"] != "AWS Step Functions" {
			t.Errorf("attempt %d: cause task %v", i+1, task)
		}
		// The ECS task really ran and stopped with exit code 3.
		arn := task["TaskArn"].(string)
		dt, err := h.ecs.DescribeTasks(ctxT(t), &awsecs.DescribeTasksInput{Tasks: []string{arn}})
		if err != nil || len(dt.Tasks) != 1 || aws.ToInt32(dt.Tasks[0].Containers[0].ExitCode) != 3 {
			t.Errorf("attempt %d: DescribeTasks(%s) = %+v, %v", i+1, arn, dt, err)
		}
	}
	// The delays between a failure and the next attempt follow
	// IntervalSeconds x BackoffRate^n, scaled.
	for i := 1; i < len(scheduled); i++ {
		want := time.Duration(float64(10*time.Second) * scale * float64(int(1)<<(i-1)))
		got := scheduled[i].Sub(aws.ToTime(failed[i-1].Timestamp))
		if got < want-20*time.Millisecond || got > want+10*time.Second {
			t.Errorf("retry %d started %v after the failure; want about %v", i, got, want)
		}
	}
	// Catch routed the error to Recover, which parsed the Cause.
	out := decode(t, aws.ToString(ex.Output))
	parsed, ok := out["failed"].(map[string]any)
	if !ok || parsed["StopCode"] != "EssentialContainerExited" {
		t.Fatalf("output %s; want the parsed task under \"failed\"", aws.ToString(ex.Output))
	}
	if last := evs[len(evs)-3]; last.Type != sfntypes.HistoryEventTypePassStateEntered || aws.ToString(last.StateEnteredEventDetails.Name) != "Recover" {
		t.Errorf("history ends %v; want the Recover state", last.Type)
	}
}

func TestWorkflow_TimeoutStopsTheTask(t *testing.T) {
	h := newHarness(t)
	h.register("sleeper", "sleep", "120s")
	arn := h.start("timeout", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
		"Parameters":{"TaskDefinition":"sleeper"},"TimeoutSeconds":3,"End":true}}}`, `{}`, 1)
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusFailed || aws.ToString(ex.Error) != "States.Timeout" {
		t.Fatalf("execution %s %s; want FAILED States.Timeout", ex.Status, aws.ToString(ex.Error))
	}
	task := h.waitTask(h.submitted(arn)["TaskArn"].(string), "stop after the timeout", stopped)
	want := "The Task state in AWS Step Functions execution [" + arn + "] which was managing this resource timed out"
	if task.StopCode != ecstypes.TaskStopCodeUserInitiated || aws.ToString(task.StoppedReason) != want {
		t.Errorf("task stopped with %s %q; want UserInitiated %q", task.StopCode, aws.ToString(task.StoppedReason), want)
	}
}

func TestWorkflow_WaitForTaskToken(t *testing.T) {
	h := newHarness(t)
	h.register("worker", "sleep", "120s")
	arn := h.start("callback", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken",
		"Parameters":{"TaskDefinition":"worker","Overrides":{"ContainerOverrides":[{"Name":"app","Environment":[{"Name":"TASK_TOKEN","Value.$":"$$.Task.Token"}]}]}},
		"HeartbeatSeconds":60,"End":true}}}`, `{}`, 1)
	c := ctxT(t)
	task := h.submitted(arn)
	env := task["Overrides"].(map[string]any)["ContainerOverrides"].([]any)[0].(map[string]any)["Environment"].([]any)
	token := env[0].(map[string]any)["Value"].(string)
	if _, err := h.sfn.SendTaskHeartbeat(c, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sfn.SendTaskSuccess(c, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"done":true}`)}); err != nil {
		t.Fatal(err)
	}
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(ex.Output) != `{"done":true}` {
		t.Errorf("execution %s %s", ex.Status, aws.ToString(ex.Output))
	}
	_, err := h.sfn.SendTaskSuccess(c, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	var tto *sfntypes.TaskTimedOut
	if !errors.As(err, &tto) {
		t.Errorf("SendTaskSuccess after the end = %v; want TaskTimedOut", err)
	}
}

func TestWorkflow_RunTaskRequestResponse(t *testing.T) {
	h := newHarness(t)
	h.register("quick", "out", "hi")
	arn := h.start("fire-and-forget", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask",
		"Parameters":{"TaskDefinition":"quick"},"ResultSelector":{"arn.$":"$.Tasks[0].TaskArn","status.$":"$.SdkHttpMetadata.HttpStatusCode","failures.$":"$.Failures"},"End":true}}}`, `{}`, 1)
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}
	out := decode(t, aws.ToString(ex.Output))
	if !strings.Contains(fmt.Sprint(out["arn"]), ":task/default/") || out["status"] != 200.0 || fmt.Sprint(out["failures"]) != "[]" {
		t.Errorf("output %v", out)
	}
}

func TestWorkflow_RestartResumesExecutionOnItsTask(t *testing.T) {
	h := newHarness(t)
	h.register("long", "sleep", "3s", "--", "out", "finished")
	arn := h.start("interrupted", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
		"Parameters":{"TaskDefinition":"long"},"ResultSelector":{"arn.$":"$.TaskArn"},"End":true}}}`, `{}`, 1)
	// Once the task runs, the engine stops (its containers keep running)
	// and starts again.
	taskArn := h.submitted(arn)["TaskArn"].(string)
	h.waitTask(taskArn, "run", func(t ecstypes.Task) bool { return aws.ToString(t.LastStatus) == "RUNNING" })
	if err := h.eng.Close(); err != nil {
		t.Fatal(err)
	}
	h.open()
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(ex.Output) != `{"arn":"`+taskArn+`"}` {
		t.Errorf("after the restart: %s %s %s %s; want SUCCEEDED on task %s", ex.Status, aws.ToString(ex.Output), aws.ToString(ex.Error), aws.ToString(ex.Cause), taskArn)
	}
	var types []string
	for _, ev := range h.history(arn) {
		types = append(types, string(ev.Type))
	}
	if got, want := strings.Join(types, " "), "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited ExecutionSucceeded"; got != want {
		t.Errorf("history\n got  %s\n want %s", got, want)
	}
	// One task ran, to its end.
	all, err := h.ecs.ListTasks(ctxT(t), &awsecs.ListTasksInput{DesiredStatus: ecstypes.DesiredStatusStopped})
	if err != nil || len(all.TaskArns) != 1 || all.TaskArns[0] != taskArn {
		t.Errorf("stopped tasks %v, %v; want only %s", all.TaskArns, err, taskArn)
	}
	task := h.waitTask(taskArn, "stop", stopped)
	if c := task.Containers[0]; c.ExitCode == nil || *c.ExitCode != 0 {
		t.Errorf("the task's container exited %v; want 0 (it ran to its end)", c.ExitCode)
	}
}

func TestWorkflow_RedriveExecution(t *testing.T) {
	h := newHarness(t)
	c := ctxT(t)
	h.register("job", "exit", "3")
	arn := h.start("redriven", `{"StartAt":"First","States":{
		"First":{"Type":"Pass","Result":"kept","ResultPath":"$.first","Next":"Run"},
		"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"job"},"ResultSelector":{"code.$":"$.Containers[0].ExitCode"},"ResultPath":"$.run","End":true}}}`, `{}`, 1)
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusFailed || ex.RedriveStatus != sfntypes.ExecutionRedriveStatusRedrivable || aws.ToInt32(ex.RedriveCount) != 0 {
		t.Fatalf("first run: %s, redrive %s (%s), count %d; want FAILED, REDRIVABLE, 0", ex.Status, ex.RedriveStatus, aws.ToString(ex.RedriveStatusReason), aws.ToInt32(ex.RedriveCount))
	}
	// The job is fixed; the redrive runs the failed state again.
	h.register("job", "exit", "0")
	out, err := h.sfn.RedriveExecution(c, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil || out.RedriveDate == nil {
		t.Fatalf("RedriveExecution = %+v, %v", out, err)
	}
	ex = h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(ex.Output) != `{"first":"kept","run":{"code":0}}` ||
		aws.ToInt32(ex.RedriveCount) != 1 || ex.RedriveDate == nil || ex.RedriveStatus != sfntypes.ExecutionRedriveStatusNotRedrivable {
		t.Errorf("after the redrive: %s %s, count %d, date %v, %s", ex.Status, aws.ToString(ex.Output), aws.ToInt32(ex.RedriveCount), ex.RedriveDate, ex.RedriveStatus)
	}
	var types []string
	for _, ev := range h.history(arn) {
		types = append(types, string(ev.Type))
	}
	want := "ExecutionStarted PassStateEntered PassStateExited TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskFailed ExecutionFailed " +
		"ExecutionRedriven TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("history\n got  %s\n want %s", got, want)
	}
	_, err = h.sfn.RedriveExecution(c, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
	var nr *sfntypes.ExecutionNotRedrivable
	if !errors.As(err, &nr) {
		t.Errorf("redriving a SUCCEEDED execution = %v; want ExecutionNotRedrivable", err)
	}
	sm := arn[:strings.LastIndexByte(arn, ':')]
	sm = strings.Replace(sm, ":execution:", ":stateMachine:", 1)
	list, err := h.sfn.ListExecutions(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), RedriveFilter: sfntypes.ExecutionRedriveFilterRedriven})
	if err != nil || len(list.Executions) != 1 || aws.ToInt32(list.Executions[0].RedriveCount) != 1 {
		t.Errorf("ListExecutions(REDRIVEN) = %+v, %v; want the execution, redriveCount 1", list, err)
	}
}
