package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

const exampleWorkflow = "../../examples/workflows/retry-catch.json"

func TestWorkflowValidate(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.sync","Next":"Nowhere"}}}`)
	code, out, _ := run(t, "workflow", "validate", exampleWorkflow, bad)
	if code != ExitError {
		t.Errorf("exit code %d; want %d", code, ExitError)
	}
	for _, want := range []string{
		exampleWorkflow + ": valid",
		bad + `: /States/Run/Resource: SCHEMA_VALIDATION_FAILED: The resource provided arn:aws:states:::lambda:invoke.sync is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. lambda:invoke does not support the .sync pattern; it supports request-response and .waitForTaskToken.`,
		bad + `: /States/Run/Next: MISSING_TRANSITION_TARGET: "Nowhere" is not a state of this state machine`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, out, _ := run(t, "workflow", "validate", exampleWorkflow); code != 0 {
		t.Errorf("validate of a valid file: exit %d\n%s", code, out)
	}
}

func TestWorkflowGraph_file(t *testing.T) {
	code, out, errOut := run(t, "workflow", "graph", exampleWorkflow)
	if code != 0 || !strings.HasPrefix(out, "<svg") || !strings.Contains(out, ">ParseFailure<") {
		t.Fatalf("exit %d, stderr %s, stdout:\n%.300s", code, errOut, out)
	}
	code, out, _ = run(t, "workflow", "graph", "--format", "dot", exampleWorkflow)
	if code != 0 || !strings.Contains(out, `"RunTask" -> "ParseFailure" [label="catch States.ALL", style=dashed];`) {
		t.Errorf("DOT: exit %d:\n%s", code, out)
	}
	if code, _, errOut := run(t, "workflow", "graph", "--format", "png", exampleWorkflow); code != ExitUsage || !strings.Contains(errOut, "--format must be svg or dot") {
		t.Errorf("--format png: exit %d, %s", code, errOut)
	}
	// graph writes SVG or DOT: it takes no --output text|json.
	if code, _, errOut := run(t, "workflow", "graph", "--output", "json", exampleWorkflow); code != ExitUsage || !strings.Contains(errOut, "unknown flag: --output") {
		t.Errorf("graph --output json: exit %d, %s; want the flag refused", code, errOut)
	}
}

// The example state machine with the toolbox image standing in for the
// example image: the job exits with the code its input gives.
const toolboxJob = `{"family": "workflow-job", "containerDefinitions": [{"name": "app", "image": %q, "essential": true, "memory": 64,
  "command": ["out", "working", "--", "exitenv", "EXIT_CODE"]}]}`

var taskArnRe = regexp.MustCompile(`arn:aws:ecs:[^"\s]+:task/[^"\s]+/[0-9a-f]+`)

// removeTaskContainers removes the containers of the tasks named in text.
func removeTaskContainers(t *testing.T, text string) {
	rt, err := docker.New(docker.Options{})
	if err != nil {
		return
	}
	defer rt.Close()
	ctx := context.Background()
	for _, arn := range taskArnRe.FindAllString(text, -1) {
		cs, _ := rt.List(ctx, map[string]string{"com.amazonaws.ecs.task-arn": arn})
		for _, c := range cs {
			rt.Remove(ctx, c.ID)
		}
	}
}

// removeEngineContainers removes the containers of the engine of a state
// directory (labelled, as the engine labels them, with a hash of its path).
func removeEngineContainers(t *testing.T, stateDir string) {
	rt, err := docker.New(docker.Options{})
	if err != nil {
		return
	}
	defer rt.Close()
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return
	}
	sum := sha256.Sum256([]byte(abs))
	ctx := context.Background()
	cs, _ := rt.List(ctx, map[string]string{"io.ecsrun.engine": hex.EncodeToString(sum[:6])})
	for _, c := range cs {
		rt.Remove(ctx, c.ID)
	}
}

func TestWorkflowRun_Example(t *testing.T) {
	image := testimage.Image(t)
	state := t.TempDir()
	job := writeFile(t, "job.json", fmt.Sprintf(toolboxJob, image))
	graph := t.TempDir() + "/run.svg"
	var histories strings.Builder
	t.Cleanup(func() { removeTaskContainers(t, histories.String()); removeEngineContainers(t, state) })

	// A job that keeps failing: four tasks, then the Catch and the Fail state.
	code, out, errOut := run(t, "workflow", "run", "--state-dir", state, "--pull", "prefer-cached", exampleWorkflow,
		"--task-definition", job, "--input", `{"exitCode": "3"}`, "--time-scale", "0.01", "--graph", graph, "--output", "json")
	histories.WriteString(errOut)
	if code != ExitWorkflowFailed {
		t.Fatalf("exit code %d; want %d\nstdout:\n%s\nstderr:\n%s", code, ExitWorkflowFailed, out, errOut)
	}
	for _, want := range []string{
		"RunTask: retry 1 of 3 in 10s (100ms at --time-scale 0.01) after States.TaskFailed\n",
		"RunTask: retry 2 of 3 in 20s (200ms at --time-scale 0.01) after States.TaskFailed\n",
		"RunTask: retry 3 of 3 in 40s (400ms at --time-scale 0.01) after States.TaskFailed\n",
		"RunTask: retry 3 of 3, ecs:runTask.sync\n",
		": STOPPED, exit codes app=3 (EssentialContainerExited: Essential container in task exited)\n",
		"RunTask: failed with States.TaskFailed; caught, going on to ParseFailure\n",
		"ParseFailure: entered", "execution FAILED: JobFailed\n",
		"Execution FAILED in ", "\n  Error: JobFailed\n  Cause: task arn:aws:ecs:", "\n  ECS tasks: 4\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("progress lacks %q:\n%s", want, errOut)
		}
	}
	// Each task: submitted, its status changes, its container's output
	// labelled by state and task, stopped; in that order.
	submitted := regexp.MustCompile(`\] RunTask ([0-9a-f]{8}): ECS task submitted \(workflow-job:1\)\n`).FindAllStringSubmatch(errOut, -1)
	if len(submitted) != 4 {
		t.Errorf("%d ECS tasks submitted; want 4\n%s", len(submitted), errOut)
	}
	for _, m := range submitted {
		id := m[1]
		order := []string{m[0], "RunTask " + id + " app | working\n", "] RunTask " + id + ": STOPPED, exit codes app=3"}
		at := 0
		for _, want := range order {
			i := strings.Index(errOut[at:], want)
			if i < 0 {
				t.Errorf("task %s: %q missing, or not after %q\n%s", id, want, order[0], errOut)
				break
			}
			at += i
		}
	}
	var ex struct{ ExecutionArn, Status, Error, Cause string }
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatalf("--output json: %v\n%s", err, out)
	}
	if ex.Status != "FAILED" || ex.Error != "JobFailed" || !strings.Contains(ex.Cause, "exited with code 3 after 4 attempts") {
		t.Errorf("execution %+v", ex)
	}

	// History and graph of that execution, by its ARN.
	code, hist, errOut := run(t, "workflow", "history", "--state-dir", state, ex.ExecutionArn)
	histories.WriteString(hist)
	if code != 0 || !strings.Contains(hist, "   1 [   0.00s] execution started") || !strings.Contains(hist, "JobFailed: entered (Fail state)") ||
		!strings.Contains(hist, "RunTask: retry 2 of 3 in 20s after States.TaskFailed") ||
		!regexp.MustCompile(`\] RunTask [0-9a-f]{8}: STOPPED, exit codes app=3 \(EssentialContainerExited: Essential container in task exited\)\n {16}RunTask: failed with`).MatchString(hist) {
		t.Errorf("history: exit %d %s\n%s", code, errOut, hist)
	}
	code, hj, _ := run(t, "workflow", "history", "--state-dir", state, "--output", "json", ex.ExecutionArn)
	var events struct {
		Events []struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(hj), &events); code != 0 || err != nil || len(events.Events) == 0 || events.Events[0].Type != "ExecutionStarted" {
		t.Errorf("history --output json: exit %d, %v\n%.500s", code, err, hj)
	}
	code, svg, errOut := run(t, "workflow", "graph", "--state-dir", state, ex.ExecutionArn)
	if code != 0 || !strings.Contains(svg, "4 attempts · caught") || !strings.Contains(svg, "Fail · failed") {
		t.Errorf("graph of the execution: exit %d %s\n%.800s", code, errOut, svg)
	}

	// list and describe find it.
	name := resourceName(ex.ExecutionArn)
	code, list, errOut := run(t, "workflow", "list", "--state-dir", state, "--state-machine", "retry-catch", "--status", "FAILED")
	if code != 0 || !regexp.MustCompile(`(?m)^`+name+` +retry-catch +FAILED +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[0-9.]+m?s$`).MatchString(list) {
		t.Errorf("list: exit %d %s\n%s", code, errOut, list)
	}
	code, list, _ = run(t, "workflow", "list", "--state-dir", state, "--status", "SUCCEEDED")
	if code != 0 || strings.TrimSpace(list) != "no executions" {
		t.Errorf("list --status SUCCEEDED before any: exit %d\n%s", code, list)
	}
	code, desc, errOut := run(t, "workflow", "describe", "--state-dir", state, name)
	for _, want := range []string{"Execution:     " + ex.ExecutionArn + "\n", "Status:        FAILED\n", "Input:\n  {\n    \"exitCode\": \"3\"\n  }\n", "Error: JobFailed\n",
		"ECS tasks (4):\n  RunTask  ", "  STOPPED, exit codes app=3 (EssentialContainerExited: Essential container in task exited)\n"} {
		if code != 0 || !strings.Contains(desc, want) {
			t.Errorf("describe: exit %d %s; lacks %q\n%s", code, errOut, want, desc)
		}
	}
	code, desc, _ = run(t, "workflow", "describe", "--state-dir", state, "--output", "json", ex.ExecutionArn)
	var described struct {
		Status   string `json:"status"`
		ECSTasks []struct {
			State      string `json:"state"`
			TaskArn    string `json:"taskArn"`
			LastStatus string `json:"lastStatus"`
			Containers []struct {
				Name     string `json:"name"`
				ExitCode *int   `json:"exitCode"`
			} `json:"containers"`
		} `json:"ecsTasks"`
	}
	if err := json.Unmarshal([]byte(desc), &described); code != 0 || err != nil || described.Status != "FAILED" || len(described.ECSTasks) != 4 ||
		described.ECSTasks[3].State != "RunTask" || described.ECSTasks[3].LastStatus != "STOPPED" || *described.ECSTasks[3].Containers[0].ExitCode != 3 {
		t.Errorf("describe --output json: exit %d, %v\n%s", code, err, desc)
	}

	// The same job succeeding: one task, exit 0, the output on stdout.
	code, out, errOut = run(t, "workflow", "run", "--state-dir", state, "--pull", "prefer-cached", exampleWorkflow, "--input", `{"exitCode": "0"}`)
	histories.WriteString(errOut)
	if code != 0 || !strings.Contains(out, `"exitCode": 0`) || strings.Contains(errOut, "RunTask: retry") {
		t.Errorf("succeeding run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestWorkflowRun_Usage(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"StartAt":"X","States":{}}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"workflow", "run", bad}, "must contain at least one state"},
		{[]string{"workflow", "run", exampleWorkflow, "--input", "{nope"}, "--input is not valid JSON"},
		{[]string{"workflow", "run", exampleWorkflow, "--time-scale", "0"}, "--time-scale must be positive"},
		{[]string{"workflow", "run", exampleWorkflow, "--output", "yaml"}, "--output must be text or json"},
	} {
		code, _, errOut := run(t, append(tc.args, "--state-dir", t.TempDir())...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, ExitUsage, tc.want)
		}
	}
}

// TestWorkflowRun_Endpoint runs state machines through a Step Functions
// endpoint (--endpoint-url) and through the daemon found in the state
// directory, with the delay scale, stop and the exit codes; no task runs.
func TestWorkflowRun_Endpoint(t *testing.T) {
	dir := t.TempDir()
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: dir, Runtime: fake.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(eng.Handler())
	defer srv.Close()

	// A long Wait, scaled down: 100000 s x 0.00001 = 1 s.
	wait := writeFile(t, "wait.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"Next":"P"},"P":{"Type":"Pass","Parameters":{"in.$":"$"},"End":true}}}`)
	code, out, errOut := run(t, "workflow", "run", "--endpoint-url", srv.URL, wait, "--input", `{"a":1}`, "--time-scale", "0.00001")
	if code != 0 || !strings.Contains(out, `"a": 1`) || !strings.Contains(errOut, "W: entered (Wait state)") {
		t.Fatalf("through --endpoint-url: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	fail := writeFile(t, "fail.json", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"because"}}}`)
	if code, _, errOut := run(t, "workflow", "run", "--endpoint-url", srv.URL, fail); code != ExitWorkflowFailed || !strings.Contains(errOut, "execution FAILED: Nope\n") ||
		!strings.Contains(errOut, "\n  Error: Nope\n  Cause: because\n") {
		t.Errorf("failing machine: exit %d; want %d\n%s", code, ExitWorkflowFailed, errOut)
	}
	timeout := writeFile(t, "timeout.json", `{"StartAt":"W","TimeoutSeconds":1,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
	if code, _, errOut := run(t, "workflow", "run", "--endpoint-url", srv.URL, timeout); code != ExitWorkflowTimedOut {
		t.Errorf("timing-out machine: exit %d; want %d\n%s", code, ExitWorkflowTimedOut, errOut)
	}
	// Through the daemon of the state directory, updating the machine.
	if err := engine.WriteServeInfo(dir, engine.ServeInfo{Endpoint: srv.URL, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	changed := writeFile(t, "wait.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"changed","End":true}}}`)
	code, out, errOut = run(t, "workflow", "run", "--state-dir", dir, changed)
	if code != 0 || strings.TrimSpace(out) != `"changed"` {
		t.Errorf("through the daemon: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// signalWriter collects output and closes seen once it contains want.
type signalWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
	once sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// fakeEndpoint serves an engine on the fake runtime (no task runs a
// process) over HTTP, as ecsrun serve does.
func fakeEndpoint(t *testing.T) *httptest.Server {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: t.TempDir(), Runtime: fake.New()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	return srv
}

// TestWorkflowRun_Interrupted: cancelling the command (what SIGINT does)
// stops the execution before ecsrun exits 130.
func TestWorkflowRun_Interrupted(t *testing.T) {
	srv := fakeEndpoint(t)
	wait := writeFile(t, "long.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errOut := &signalWriter{want: "W: entered", seen: make(chan struct{})}
	go func() {
		<-errOut.seen
		cancel()
	}()
	var out strings.Builder
	code := Main(ctx, []string{"workflow", "run", "--endpoint-url", srv.URL, wait}, strings.NewReader(""), &out, errOut)
	if code != ExitInterrupted || !strings.Contains(errOut.String(), "SIGINT: the execution was stopped") {
		t.Fatalf("exit %d; want %d\n%s", code, ExitInterrupted, errOut.String())
	}
	arn := regexp.MustCompile(`Execution: (\S+)`).FindStringSubmatch(errOut.String())[1]
	code, hist, _ := run(t, "workflow", "history", "--endpoint-url", srv.URL, arn)
	if code != 0 || !strings.Contains(hist, "execution ABORTED Ecsrun.Interrupted ecsrun workflow run received SIGINT") {
		t.Errorf("history of the interrupted execution: exit %d\n%s", code, hist)
	}
}

// TestWorkflowRun_TaskDefinitionFiles: --task-definition registers files as
// run-task does (the same decoder, --expand-env, --reuse-if-unchanged), and
// a mistake in a file is a usage error naming the member.
func TestWorkflowRun_TaskDefinitionFiles(t *testing.T) {
	srv := fakeEndpoint(t)
	pass := writeFile(t, "pass.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	t.Setenv("ECSRUN_TEST_IMAGE", "expanded-image")
	def := writeFile(t, "job.yaml", "family: wf-job\ncontainerDefinitions: [{name: app, image: \"${ECSRUN_TEST_IMAGE}\", memory: 64}]\n")
	for i, want := range []string{
		"TaskDefinition: arn:aws:ecs:us-east-1:000000000000:task-definition/wf-job:1 (registered: family wf-job had no ACTIVE revision)",
		"TaskDefinition: arn:aws:ecs:us-east-1:000000000000:task-definition/wf-job:1 (unchanged: reused)",
	} {
		code, _, errOut := run(t, "workflow", "run", "--endpoint-url", srv.URL, pass, "--task-definition", def, "--expand-env", "--reuse-if-unchanged")
		if code != 0 || !strings.Contains(errOut, want) {
			t.Errorf("run %d: exit %d; want 0 and %q\n%s", i+1, code, want, errOut)
		}
	}
	// API errors about what the user gave are usage errors, worded without
	// the SDK's request details.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", pass, "--name", "bad name!"}, "start execution: InvalidName: Invalid Name: 'bad name!'"},
		{[]string{"history", "arn:aws:states:us-east-1:000000000000:execution:pass:nope"}, "execution history: ExecutionDoesNotExist: Execution Does Not Exist:"},
		{[]string{"graph", "arn:aws:states:us-east-1:000000000000:execution:pass:nope"}, "ExecutionDoesNotExist"},
	} {
		code, _, errOut := run(t, append(append([]string{"workflow"}, tc.args...), "--endpoint-url", srv.URL)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "RequestID") {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, code, errOut, ExitUsage, tc.want)
		}
	}
	bad := writeFile(t, "bad.yaml", "family: wf-bad\ncontainerDefinitions: [{name: app, imagee: x, memory: 64}]\n")
	code, _, errOut := run(t, "workflow", "run", "--endpoint-url", srv.URL, pass, "--task-definition", bad)
	if code != ExitUsage || !strings.Contains(errOut, `containerDefinitions[0].imagee: unknown member; did you mean "image"?`) {
		t.Errorf("bad file: exit %d; want %d naming the member\n%s", code, ExitUsage, errOut)
	}
}

// TestProgress_MapIterations: the lines of concurrent Map iterations name
// their item, and a task of one item is not counted as a retry of the
// other's.
func TestProgress_MapIterations(t *testing.T) {
	start := time.Unix(1000, 0)
	ev := func(id, prev int64, typ sfntypes.HistoryEventType, set func(*sfntypes.HistoryEvent)) sfntypes.HistoryEvent {
		e := sfntypes.HistoryEvent{Id: id, PreviousEventId: prev, Type: typ, Timestamp: aws.Time(start)}
		if set != nil {
			set(&e)
		}
		return e
	}
	entered := func(name string) func(*sfntypes.HistoryEvent) {
		return func(e *sfntypes.HistoryEvent) {
			e.StateEnteredEventDetails = &sfntypes.StateEnteredEventDetails{Name: aws.String(name)}
		}
	}
	iteration := func(i int32) func(*sfntypes.HistoryEvent) {
		return func(e *sfntypes.HistoryEvent) {
			e.MapIterationStartedEventDetails = &sfntypes.MapIterationEventDetails{Name: aws.String("Fan"), Index: i}
		}
	}
	scheduled := func(e *sfntypes.HistoryEvent) {
		e.TaskScheduledEventDetails = &sfntypes.TaskScheduledEventDetails{ResourceType: aws.String("ecs"), Resource: aws.String("runTask.sync")}
	}
	var out strings.Builder
	evs := []sfntypes.HistoryEvent{
		ev(1, 0, sfntypes.HistoryEventTypeExecutionStarted, nil),
		ev(2, 0, sfntypes.HistoryEventTypeMapStateEntered, entered("Fan")),
		ev(3, 2, sfntypes.HistoryEventTypeMapStateStarted, nil),
		ev(4, 3, sfntypes.HistoryEventTypeMapIterationStarted, iteration(0)),
		ev(5, 3, sfntypes.HistoryEventTypeMapIterationStarted, iteration(1)),
		ev(6, 4, sfntypes.HistoryEventTypeTaskStateEntered, entered("Run")),
		ev(7, 5, sfntypes.HistoryEventTypeTaskStateEntered, entered("Run")),
		ev(8, 6, sfntypes.HistoryEventTypeTaskScheduled, scheduled),
		ev(9, 7, sfntypes.HistoryEventTypeTaskScheduled, scheduled),
	}
	printHistory(&out, newProgress(start, nil, 1), evs)
	for _, want := range []string{"] Fan: item 1 started\n", "] Fan[0]/Run: entered (Task state)\n", "] Fan[1]/Run: entered (Task state)\n",
		"] Fan[0]/Run: ecs:runTask.sync\n", "] Fan[1]/Run: ecs:runTask.sync\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "retry") {
		t.Errorf("the second item's task counted as a retry:\n%s", out.String())
	}
}

const mockedFlow = `{
  "StartAt": "LambdaState",
  "States": {
    "LambdaState": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
      "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3}],
      "ResultSelector": {"body.$": "$.Payload.body"},
      "Next": "SQSState"},
    "SQSState": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
      "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody.$": "$.body"},
      "End": true}
  }
}`

const mockedFlowConfig = `{
  "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
    "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
    "HybridPath": {"LambdaState": "MockedLambdaRetry"}
  }}},
  "MockedResponses": {
    "MockedSQSSuccess": {"0": {"Return": {"MessageId": "m-1"}}},
    "MockedLambdaRetry": {
      "0-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
      "3": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}}
    }
  }
}`

// TestWorkflowRun_mocked runs a state machine whose Task states are all
// mocked (no container runs), with --mock-config and with SFN_MOCK_CONFIG.
func TestWorkflowRun_mocked(t *testing.T) {
	def := writeFile(t, "LambdaSQSIntegration.json", mockedFlow)
	conf := writeFile(t, "mocks.json", mockedFlowConfig)
	state := t.TempDir()
	code, out, errOut := run(t, "workflow", "run", "--state-dir", state, "--runtime", "process", "--time-scale", "0.001",
		"--mock-config", conf, "--test-case", "RetryPath", def)
	if code != 0 || !strings.Contains(out, `"MessageId": "m-1"`) || !strings.Contains(errOut, "TestCase: RetryPath") {
		t.Fatalf("exit %d; want 0 with the mocked SQS answer\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// The engine's configuration (SFN_MOCK_CONFIG); the unmocked SQS state
	// has nothing to run it.
	t.Setenv("SFN_MOCK_CONFIG", conf)
	code, out, errOut = run(t, "workflow", "run", "--state-dir", t.TempDir(), "--runtime", "process", "--time-scale", "0.001",
		"--test-case", "HybridPath", "--output", "json", def)
	if code != ExitWorkflowFailed || !strings.Contains(out, "Ecsrun.IntegrationUnavailable") || !strings.Contains(out, "AWS_ENDPOINT_URL_SQS") {
		t.Errorf("hybrid path: exit %d; want %d with Ecsrun.IntegrationUnavailable\nstdout: %s\nstderr: %s", code, ExitWorkflowFailed, out, errOut)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--mock-config", conf}, "--mock-config needs --test-case NAME"},
		{[]string{"--mock-config", writeFile(t, "bad.json", `{"StateMachines":{},"MockedResponses":{"R":{"0":{}}}}`), "--test-case", "X"}, `/MockedResponses/R/0: must have exactly one of "Return"`},
		{[]string{"--mock-config", conf, "--test-case", "Nope"}, `no test case "Nope" for state machine "LambdaSQSIntegration"`},
	} {
		args := append([]string{"workflow", "run", "--state-dir", t.TempDir(), "--runtime", "process"}, tt.args...)
		code, _, errOut := run(t, append(args, def)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %s; want %d with %q", tt.args, code, errOut, ExitUsage, tt.want)
		}
	}
}

// The commands that read executions list no engine flag in their help;
// the one that runs tasks does.
func TestWorkflowHelp_ReadersListNoEngineFlags(t *testing.T) {
	engine := []string{"--runtime", "--pull", "--task-retention", "--container-retention", "--task-roles", "--s3-dir", "--task-endpoint"}
	for _, cmd := range [][]string{{"history"}, {"graph"}, {"list"}, {"describe"}} {
		code, out, errOut := run(t, append([]string{"workflow"}, append(cmd, "--help")...)...)
		if code != 0 || !strings.Contains(out, "--endpoint-url") {
			t.Errorf("workflow %s --help: exit %d\n%s%s", cmd[0], code, out, errOut)
		}
		for _, f := range engine {
			if strings.Contains(out, f) {
				t.Errorf("workflow %s --help lists %s, which it does not use", cmd[0], f)
			}
		}
	}
	if _, out, _ := run(t, "workflow", "run", "--help"); !strings.Contains(out, "--runtime") {
		t.Errorf("workflow run --help lacks --runtime:\n%s", out)
	}
}

// workflow validate catches a malformed task definition ARN in an ECS
// state's Parameters, as CreateStateMachine and RunTask would.
func TestWorkflowValidate_MalformedTaskDefinitionARN(t *testing.T) {
	bad := writeFile(t, "badarn.json", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
  "Parameters":{"TaskDefinition":"arn:aws:ecs:us-east-1:000000000000:task-definition/job"},"End":true}}}`)
	code, out, _ := run(t, "workflow", "validate", bad)
	want := bad + `: /States/Run/Parameters/TaskDefinition: SCHEMA_VALIDATION_FAILED: "arn:aws:ecs:us-east-1:000000000000:task-definition/job" is not a task definition family, family:revision or ARN`
	if code != ExitError || !strings.Contains(out, want) {
		t.Errorf("exit %d; want %d with %q\n%s", code, ExitError, want, out)
	}
}

// A state machine parameter naming a cluster of another region fails the
// state as ECS fails it.
func TestWorkflowRun_ClusterARNOfAnotherRegion(t *testing.T) {
	def := processDef(t, "wf-far", app("exit", "0"))
	flow := writeFile(t, "far.json", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
  "Parameters":{"TaskDefinition":"wf-far","Cluster":"arn:aws:ecs:eu-west-1:000000000000:cluster/default"},"End":true}}}`)
	code, _, errOut := run(t, "workflow", "run", "--runtime", "process", "--state-dir", t.TempDir(), flow, "--task-definition", def)
	if code != ExitWorkflowFailed || !strings.Contains(errOut, "ECS.InvalidParameterException") || !strings.Contains(errOut, "Invalid Region in ARN") {
		t.Errorf("exit %d; want %d with ECS.InvalidParameterException: Invalid Region in ARN\n%s", code, ExitWorkflowFailed, errOut)
	}
}

// TestWorkflowRun_EndsWithTheExecution: on the embedded engine, the watch
// reads the history as soon as the execution ends, not at its next poll
// (an hour away here).
func TestWorkflowRun_EndsWithTheExecution(t *testing.T) {
	def := writeFile(t, "wait.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}`)
	start := time.Now()
	code, out, errOut := run(t, "workflow", "run", "--state-dir", t.TempDir(), "--runtime", "process", "--poll", "1h", "--output", "json", def)
	if code != 0 || !strings.Contains(out, `"status": "SUCCEEDED"`) {
		t.Fatalf("exit %d; want 0 and SUCCEEDED\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %s for a one-second execution", took)
	}
}
