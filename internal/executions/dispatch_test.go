package executions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/sfnresource"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// lambdaSQS is the state machine of AWS's mocked service integrations
// example, with the retry count the recordings show.
const lambdaSQS = `{
  "StartAt": "LambdaState",
  "States": {
    "LambdaState": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
      "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
      "Next": "SQSState"},
    "SQSState": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
      "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue", "MessageBody.$": "$"},
      "End": true}
  }
}`

const lambdaSQSMocks = `{
  "StateMachines": {"LambdaSQSIntegration": {"TestCases": {
    "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
    "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
    "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
    "ShortPath": {"LambdaState": "MockedLambdaFailsTwice"}
  }}},
  "MockedResponses": {
    "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}}},
    "MockedSQSSuccess": {"0": {"Return": {"MessageId": "m-1"}}},
    "MockedLambdaRetry": {
      "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
      "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
      "3": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}}
    },
    "MockedLambdaFailsTwice": {"0-1": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}}}
  }
}`

type runResult struct {
	res    *workflow.Result
	events []string
	hist   *workflow.History
}

func runChain(t *testing.T, def string, input any, d *Dispatcher) runResult {
	t.Helper()
	sm, err := workflow.Parse([]byte(def), workflow.ParseOptions{Resources: sfnresource.Checker{}})
	if err != nil {
		t.Fatal(err)
	}
	clock := workflow.NewFakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.SetAutoAdvance(true)
	hist := &workflow.History{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := workflow.RunValue(ctx, sm, input, workflow.Options{Clock: clock, Tasks: d, Sink: hist})
	var types []string
	for _, ev := range hist.Events() {
		types = append(types, string(ev.Type))
	}
	return runResult{res: res, events: types, hist: hist}
}

func testCase(t *testing.T, conf, sm, tc string) *sfnmock.Mocks {
	t.Helper()
	c, err := sfnmock.Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.TestCase(sm, tc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// registry is a TaskRegistry for one resource that records its calls.
type registry struct {
	resource string
	name     string
	calls    *[]string
}

func (r registry) Supports(res string) bool { return res == r.resource }
func (r registry) Supported() []string      { return []string{r.resource} }
func (r registry) Lookup(res string) (workflow.TaskHandler, bool) {
	if res != r.resource {
		return nil, false
	}
	return workflow.TaskHandlerFunc(func(_ context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
		*r.calls = append(*r.calls, r.name+":"+req.StateName)
		return map[string]any{"by": r.name}, nil
	}), true
}

func TestDispatcher(t *testing.T) {
	taskEvents := func(outcomes ...string) string {
		var out []string
		for _, o := range outcomes {
			out = append(out, "TaskScheduled", "TaskStarted", o)
		}
		return strings.Join(out, ",")
	}
	var calls []string
	sqs := registry{resource: "arn:aws:states:::sqs:sendMessage", name: "sqs", calls: &calls}
	other := registry{resource: "arn:aws:states:::sqs:sendMessage", name: "second", calls: &calls}
	tests := []struct {
		name       string
		tc         string
		registries []workflow.TaskRegistry
		status     string
		errName    string
		cause      []string // parts of the cause
		tasks      string   // the Task events, in order
		calls      string
	}{
		{name: "happy path: both mocked", tc: "HappyPath", status: workflow.StatusSucceeded,
			tasks: taskEvents("TaskSucceeded", "TaskSucceeded")},
		{name: "retry path: invocations 0-2 throw, 3 returns", tc: "RetryPath", status: workflow.StatusSucceeded,
			tasks: taskEvents("TaskFailed", "TaskFailed", "TaskFailed", "TaskSucceeded", "TaskSucceeded")},
		{name: "hybrid path: the unmocked state runs the first registry that supports it", tc: "HybridPath",
			registries: []workflow.TaskRegistry{sqs, other}, status: workflow.StatusSucceeded,
			tasks: taskEvents("TaskSucceeded", "TaskSucceeded"), calls: "sqs:SQSState"},
		{name: "hybrid path without an integration", tc: "HybridPath", status: workflow.StatusFailed,
			errName: ErrIntegrationUnavailable,
			cause:   []string{`state "SQSState"`, "sqs:sendMessage", "--mock-config FILE --test-case NAME", "SFN_MOCK_CONFIG", "AWS_ENDPOINT_URL_SQS"},
			tasks:   taskEvents("TaskSucceeded", "TaskFailed")},
		{name: "past the last invocation the execution fails, retries or not", tc: "ShortPath", status: workflow.StatusFailed,
			errName: workflow.ErrRuntime, cause: []string{`"MockedLambdaFailsTwice"`, "invocation 2", "covers invocations 0-1"},
			tasks: taskEvents("TaskFailed", "TaskFailed", "TaskFailed")},
	}
	for _, tt := range tests {
		calls = nil
		d := NewDispatcher(testCase(t, lambdaSQSMocks, "LambdaSQSIntegration", tt.tc), tt.registries...)
		r := runChain(t, lambdaSQS, map[string]any{"in": 1}, d)
		if r.res.Status != tt.status {
			t.Errorf("%s: status %s (%v); want %s", tt.name, r.res.Status, r.res.Error, tt.status)
		}
		if tt.errName != "" {
			if r.res.Error == nil || r.res.Error.Name != tt.errName {
				t.Errorf("%s: error %v; want %s", tt.name, r.res.Error, tt.errName)
			} else {
				for _, c := range tt.cause {
					if !strings.Contains(r.res.Error.Cause, c) {
						t.Errorf("%s: cause %q lacks %q", tt.name, r.res.Error.Cause, c)
					}
				}
			}
		}
		var tasks []string
		for _, e := range r.events {
			if strings.HasPrefix(e, "Task") && !strings.HasPrefix(e, "TaskState") {
				tasks = append(tasks, e)
			}
		}
		if got := strings.Join(tasks, ","); got != tt.tasks {
			t.Errorf("%s: task events\n got  %s\n want %s", tt.name, got, tt.tasks)
		}
		if got := strings.Join(calls, ","); got != tt.calls {
			t.Errorf("%s: integration calls %q; want %q", tt.name, got, tt.calls)
		}
	}
}

// TestDispatcher_patterns: a mocked .sync or .waitForTaskToken records
// TaskSubmitted, then the mocked outcome; a Throw fails the task.
func TestDispatcher_patterns(t *testing.T) {
	conf := `{"StateMachines":{"m":{"TestCases":{"t":{"T":"R"},"f":{"T":"F"}}}},
	  "MockedResponses":{"R":{"0":{"Return":{"ok":true}}},"F":{"0":{"Throw":{"Error":"E","Cause":"C"}}}}}`
	tests := []struct {
		resource, tc, events string
	}{
		{"arn:aws:states:::ecs:runTask.sync", "t", "TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded"},
		{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", "t", "TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded"},
		{"arn:aws:states:::states:startExecution.sync:2", "t", "TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded"},
		{"arn:aws:states:::sns:publish", "t", "TaskScheduled,TaskStarted,TaskSucceeded"},
		{"arn:aws:states:::aws-sdk:s3:getObject", "t", "TaskScheduled,TaskStarted,TaskSucceeded"},
		{"arn:aws:states:::ecs:runTask.sync", "f", "TaskScheduled,TaskStarted,TaskSubmitted,TaskFailed"},
		{"arn:aws:states:::lambda:invoke", "f", "TaskScheduled,TaskStarted,TaskFailed"},
	}
	for _, tt := range tests {
		def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + tt.resource + `","End":true}}}`
		if strings.Contains(tt.resource, "ecs:") {
			def = strings.Replace(def, `"End"`, `"Parameters":{"TaskDefinition":"job"},"End"`, 1)
		}
		r := runChain(t, def, map[string]any{}, NewDispatcher(testCase(t, conf, "m", tt.tc)))
		var got []string
		for _, e := range r.events {
			if strings.HasPrefix(e, "Task") && !strings.HasPrefix(e, "TaskState") {
				got = append(got, e)
			}
		}
		if strings.Join(got, ",") != tt.events {
			t.Errorf("%s (%s): events %v; want %s", tt.resource, tt.tc, got, tt.events)
		}
		if tt.tc == "t" && (r.res.Status != workflow.StatusSucceeded || workflow.EncodeJSON(r.res.Output) != `{"ok":true}`) {
			t.Errorf("%s: %s %s %v; want SUCCEEDED {\"ok\":true}", tt.resource, r.res.Status, workflow.EncodeJSON(r.res.Output), r.res.Error)
		}
		if tt.tc == "f" && (r.res.Error == nil || r.res.Error.Name != "E" || r.res.Error.Cause != "C") {
			t.Errorf("%s: error %v; want E: C", tt.resource, r.res.Error)
		}
	}
}
