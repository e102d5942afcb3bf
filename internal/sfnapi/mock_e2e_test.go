package sfnapi_test

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// realWorldMachine is a machine of the real-world corpus: an ECS
// runTask.sync state (Fargate, awsvpc, retries on States.TaskFailed) whose
// outcome is notified through SNS (toricls, CloudFormation template).
const realWorldMachine = "../../../shared/conformance/statemachines/realworld/ecs-toricls-1-resilient.json"

// lambdaThenECS is a published AWS sample: a Lambda step, then an ECS
// runTask.sync state (swc-fargate-dotnet).
const lambdaThenECS = "../../../shared/conformance/statemachines/realworld/ecs-swc-fargate-dotnet.json"

// readMachine reads a corpus machine and fills in its template
// placeholders as its deployment would.
func readMachine(t *testing.T, path string, values map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("state machine corpus is absent (%v); set CI to make this a failure", err)
		}
		t.Fatal(err)
	}
	def := string(data)
	for k, v := range values {
		def = strings.ReplaceAll(def, "${"+k+"}", v)
	}
	if strings.Contains(def, "${") {
		t.Fatalf("%s: placeholders left: %s", path, def)
	}
	return def
}

// registerFargate registers a Fargate task definition (awsvpc) whose one
// container, named name, runs the toolbox with entryPoint.
func (h *harness) registerFargate(family, name string, entryPoint ...string) {
	h.t.Helper()
	_, err := h.ecs.RegisterTaskDefinition(ctxT(h.t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String(family), NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String(name), Image: aws.String(h.image), Essential: aws.Bool(true), EntryPoint: append([]string{"/toolbox"}, entryPoint...),
		}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// startMocked creates the state machine and starts its test case with the
// mock configuration in the request, as `ecsrun workflow run --mock-config
// FILE --test-case NAME` does.
func (h *harness) startMocked(name, definition, input, mockConfig, testCase string) (string, error) {
	h.t.Helper()
	c := ctxT(h.t)
	arn := "arn:aws:states:us-east-1:000000000000:stateMachine:" + name
	if _, err := h.sfn.DescribeStateMachine(c, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		sm, err := h.sfn.CreateStateMachine(c, &sfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::000000000000:role/test"),
		})
		if err != nil {
			h.t.Fatal(err)
		}
		arn = aws.ToString(sm.StateMachineArn)
	}
	opts := []func(*sfn.Options){sfn.WithAPIOptions(smithyhttp.AddHeaderValue(sfnapi.DelayScaleHeader, "0.01"))}
	if mockConfig != "" {
		opts = append(opts, sfn.WithAPIOptions(smithyhttp.AddHeaderValue(sfnapi.MockConfigHeader, base64.StdEncoding.EncodeToString([]byte(mockConfig)))))
	}
	ex, err := h.sfn.StartExecution(c, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + "#" + testCase), Input: aws.String(input)}, opts...)
	if err != nil {
		return "", err
	}
	return aws.ToString(ex.ExecutionArn), nil
}

// stateEvents returns "State:EventType" for the Task events of a history,
// in order.
func stateEvents(evs []sfntypes.HistoryEvent) []string {
	var out []string
	state := ""
	for _, ev := range evs {
		if d := ev.StateEnteredEventDetails; d != nil {
			state = aws.ToString(d.Name)
		}
		t := string(ev.Type)
		if strings.HasPrefix(t, "Task") && !strings.HasPrefix(t, "TaskState") {
			out = append(out, state+":"+t)
		}
	}
	return out
}

const realWorldMocks = `{
  "StateMachines": {
    "resilient": {"TestCases": {
      "Notified": {"Notify Success": "Published", "Notify Failure": "Published"},
      "NoContainers": {"Run Fargate Task": "TaskKeepsFailing", "Notify Failure": "Published"}
    }},
    "copy-files": {"TestCases": {
      "FlakyLambda": {"ListFiles": "ListFilesAfterAFault"}
    }}
  },
  "MockedResponses": {
    "Published": {"0": {"Return": {"MessageId": "f2b3c6ee-0d6e-4c1a-9b53-5c1bd8e0b6a9"}}},
    "TaskKeepsFailing": {"0-3": {"Throw": {"Error": "States.TaskFailed", "Cause": "{\"StopCode\":\"EssentialContainerExited\"}"}}},
    "ListFilesAfterAFault": {
      "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "Lambda was unavailable."}},
      "1": {"Return": {"StatusCode": 200, "Payload": {"files": ["a.txt", "b.txt"]}}}
    }
  }
}`

// TestMocks_realWorld runs real-world ECS machines with a mock
// configuration: their ECS states run real tasks on Docker, their SNS and
// Lambda states answer from the mocks; a test case may mock the ECS state
// too, and then no container runs.
func TestMocks_realWorld(t *testing.T) {
	h := newHarness(t)
	def := readMachine(t, realWorldMachine, map[string]string{
		"Cluster": "default", "TaskDefinition": "fargate-example", "Subnets": "subnet-0123456789abcdef0",
		"AssignPublicIp": "DISABLED", "SecurityGroups": "sg-0123456789abcdef0", "SNSTopicArn": "arn:aws:sns:us-east-1:000000000000:alerts",
	})
	h.registerFargate("fargate-example", "fargate-example-app", "getenv", "PARAM")

	t.Run("ECS task runs, SNS is mocked", func(t *testing.T) {
		arn, err := h.startMocked("resilient", def, `{}`, realWorldMocks, "Notified")
		if err != nil {
			t.Fatal(err)
		}
		ex := h.wait(arn)
		if ex.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
		}
		if out := decode(t, aws.ToString(ex.Output)); out["MessageId"] != "f2b3c6ee-0d6e-4c1a-9b53-5c1bd8e0b6a9" {
			t.Errorf("output %v; want the mocked SNS answer", out)
		}
		evs := h.history(arn)
		want := "Run Fargate Task:TaskScheduled,Run Fargate Task:TaskStarted,Run Fargate Task:TaskSubmitted,Run Fargate Task:TaskSucceeded," +
			"Notify Success:TaskScheduled,Notify Success:TaskStarted,Notify Success:TaskSucceeded"
		if got := strings.Join(stateEvents(evs), ","); got != want {
			t.Errorf("task events\n got  %s\n want %s", got, want)
		}
		// The ECS task really ran: its container read the override.
		for _, ev := range evs {
			if d := ev.TaskSucceededEventDetails; d != nil && aws.ToString(d.Resource) == "runTask.sync" {
				task := decode(t, aws.ToString(d.Output))
				c := task["Containers"].([]any)[0].(map[string]any)
				if c["ExitCode"] != float64(0) || task["LaunchType"] != "FARGATE" {
					t.Errorf("task %v; want FARGATE with exit code 0", task)
				}
				arns := []string{task["TaskArn"].(string)}
				dt, err := h.ecs.DescribeTasks(ctxT(t), &awsecs.DescribeTasksInput{Tasks: arns})
				if err != nil || len(dt.Tasks) != 1 || aws.ToString(dt.Tasks[0].LastStatus) != "STOPPED" {
					t.Errorf("DescribeTasks(%v) = %+v, %v; want the stopped task", arns, dt, err)
				}
			}
		}
	})

	t.Run("ECS state mocked too: no container", func(t *testing.T) {
		before, err := h.ecs.ListTasks(ctxT(t), &awsecs.ListTasksInput{DesiredStatus: ecstypes.DesiredStatusStopped})
		if err != nil {
			t.Fatal(err)
		}
		arn, err := h.startMocked("resilient", def, `{}`, realWorldMocks, "NoContainers")
		if err != nil {
			t.Fatal(err)
		}
		ex := h.wait(arn)
		if ex.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
		}
		var got []string
		for _, e := range stateEvents(h.history(arn)) {
			if strings.HasSuffix(e, "TaskFailed") || strings.HasSuffix(e, "TaskSucceeded") {
				got = append(got, e)
			}
		}
		// Three retries on States.TaskFailed (invocations 0-3), then the Catch.
		want := "Run Fargate Task:TaskFailed,Run Fargate Task:TaskFailed,Run Fargate Task:TaskFailed,Run Fargate Task:TaskFailed,Notify Failure:TaskSucceeded"
		if strings.Join(got, ",") != want {
			t.Errorf("outcomes\n got  %s\n want %s", strings.Join(got, ","), want)
		}
		after, err := h.ecs.ListTasks(ctxT(t), &awsecs.ListTasksInput{DesiredStatus: ecstypes.DesiredStatusStopped})
		if err != nil {
			t.Fatal(err)
		}
		if len(after.TaskArns) != len(before.TaskArns) {
			t.Errorf("tasks ran: %d stopped tasks before, %d after; a mocked ECS state runs none", len(before.TaskArns), len(after.TaskArns))
		}
	})

	t.Run("Lambda step mocked with a fault and a retry, then a real ECS task", func(t *testing.T) {
		def := readMachine(t, lambdaThenECS, map[string]string{
			"ListFilesFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:list-files", "WorkflowAppCLuster": "default",
		})
		h.registerFargate("workflowAppCdkStackWorkflowAppTaskDef", "WorkflowAppContainer", "out")
		arn, err := h.startMocked("copy-files", def, `{"bucket":"in"}`, realWorldMocks, "FlakyLambda")
		if err != nil {
			t.Fatal(err)
		}
		ex := h.wait(arn)
		if ex.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
		}
		want := "ListFiles:TaskScheduled,ListFiles:TaskStarted,ListFiles:TaskFailed,ListFiles:TaskScheduled,ListFiles:TaskStarted,ListFiles:TaskSucceeded," +
			"CopyFiles:TaskScheduled,CopyFiles:TaskStarted,CopyFiles:TaskSubmitted,CopyFiles:TaskSucceeded"
		evs := h.history(arn)
		if got := strings.Join(stateEvents(evs), ","); got != want {
			t.Errorf("task events\n got  %s\n want %s", got, want)
		}
		// The ECS task got the Lambda's mocked Payload (OutputPath $.Payload)
		// as its Input environment variable.
		for _, ev := range evs {
			if d := ev.TaskScheduledEventDetails; d != nil && aws.ToString(d.Resource) == "runTask.sync" {
				params := decode(t, aws.ToString(d.Parameters))
				if !strings.Contains(workflow.EncodeJSON(params["Overrides"]), `{\"files\":[\"a.txt\",\"b.txt\"]}`) {
					t.Errorf("RunTask parameters %v; want the mocked payload in the environment", params)
				}
			}
		}
	})
}

// TestMocks_errors: what StartExecution says about test cases it cannot
// run, and what a state nothing runs fails with.
func TestMocks_errors(t *testing.T) {
	h := newHarness(t)
	def := readMachine(t, realWorldMachine, map[string]string{
		"Cluster": "default", "TaskDefinition": "fargate-example", "Subnets": "subnet-0123456789abcdef0",
		"AssignPublicIp": "DISABLED", "SecurityGroups": "sg-0123456789abcdef0", "SNSTopicArn": "arn:aws:sns:us-east-1:000000000000:alerts",
	})
	tests := []struct {
		name, conf, tc, code, msg string
	}{
		{"no configuration", "", "Notified", "ValidationException", "the engine has no mock configuration"},
		{"unknown test case", realWorldMocks, "Sad", "ValidationException", `no test case "Sad" for state machine "resilient"`},
		{"invalid configuration", `{"StateMachines":{},"MockedResponses":{"R":{"x":{"Return":1}}}}`, "Notified", "ValidationException", "/MockedResponses/R/x: invocation numbers"},
	}
	for _, tt := range tests {
		_, err := h.startMocked("resilient", def, `{}`, tt.conf, tt.tc)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tt.code || !strings.Contains(ae.ErrorMessage(), tt.msg) {
			t.Errorf("%s: StartExecution error %v; want %s containing %q", tt.name, err, tt.code, tt.msg)
		}
	}
	// A mocked ECS state and an SNS state nothing runs: a clear failure.
	conf := `{"StateMachines":{"resilient":{"TestCases":{"T":{"Run Fargate Task":"Ok"}}}},"MockedResponses":{"Ok":{"0":{"Return":{"Containers":[]}}}}}`
	arn, err := h.startMocked("resilient", def, `{}`, conf, "T")
	if err != nil {
		t.Fatal(err)
	}
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusFailed || aws.ToString(ex.Error) != "Ecsrun.IntegrationUnavailable" ||
		!strings.Contains(aws.ToString(ex.Cause), "AWS_ENDPOINT_URL_SNS") || !strings.Contains(aws.ToString(ex.Cause), `"Notify Success"`) {
		t.Errorf("execution %s %s: %s; want Ecsrun.IntegrationUnavailable naming the state and the remedies", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}
}
