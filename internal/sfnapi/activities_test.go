package sfnapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
)

const role = "arn:aws:iam::000000000000:role/r"

// activityMachine creates an activity and a state machine whose one Task
// state runs it with the given extra fields, and starts an execution.
func activityMachine(t *testing.T, c *sfn.Client, name, fields string) (activityArn, execArn string) {
	t.Helper()
	ctx := context.Background()
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `"` + fields + `,"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"job":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(act.ActivityArn), aws.ToString(ex.ExecutionArn)
}

func waitExecution(t *testing.T, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING", arn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventTypes(t *testing.T, c *sfn.Client, arn string) ([]string, []sfntypes.HistoryEvent) {
	t.Helper()
	h, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range h.Events {
		types = append(types, string(e.Type))
	}
	return types, h.Events
}

// worker polls the activity as an activity worker does, until it gets a
// task or ctx ends.
func worker(ctx context.Context, c *sfn.Client, arn, name string) (*sfn.GetActivityTaskOutput, error) {
	for {
		out, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(arn), WorkerName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		if aws.ToString(out.TaskToken) != "" {
			return out, nil
		}
	}
}

func TestActivities_WorkerCompletesActivityState(t *testing.T) {
	_, c := apiEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	actArn, exArn := activityMachine(t, c, "greet", `,"HeartbeatSeconds":30,"TimeoutSeconds":60`)
	task, err := worker(ctx, c, actArn, "worker-1")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(task.Input) != `{"job":7}` {
		t.Errorf("task input %q; want the state's input", aws.ToString(task.Input))
	}
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"done":7}`)}); err != nil {
		t.Fatal(err)
	}
	d := waitExecution(t, c, exArn)
	if d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"done":7}` {
		t.Errorf("execution %s %s; want SUCCEEDED {\"done\":7}", d.Status, aws.ToString(d.Output))
	}
	types, evs := eventTypes(t, c, exArn)
	want := "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited ExecutionSucceeded"
	if strings.Join(types, " ") != want {
		t.Errorf("history %v; want %s", types, want)
	}
	for _, e := range evs {
		switch e.Type {
		case sfntypes.HistoryEventTypeActivityScheduled:
			s := e.ActivityScheduledEventDetails
			if aws.ToString(s.Resource) != actArn || aws.ToString(s.Input) != `{"job":7}` || aws.ToInt64(s.HeartbeatInSeconds) != 30 || aws.ToInt64(s.TimeoutInSeconds) != 60 {
				t.Errorf("ActivityScheduled %+v", s)
			}
		case sfntypes.HistoryEventTypeActivityStarted:
			if aws.ToString(e.ActivityStartedEventDetails.WorkerName) != "worker-1" {
				t.Errorf("ActivityStarted worker %q; want worker-1", aws.ToString(e.ActivityStartedEventDetails.WorkerName))
			}
		}
	}
	var ae smithy.APIError
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "TaskTimedOut" {
		t.Errorf("SendTaskSuccess after the end = %v; want TaskTimedOut", err)
	}
}

func TestActivities_MissedHeartbeatTimesOut(t *testing.T) {
	_, c := apiEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	actArn, exArn := activityMachine(t, c, "slow", `,"HeartbeatSeconds":1`)
	task, err := worker(ctx, c, actArn, "")
	if err != nil {
		t.Fatal(err)
	}
	// The worker never heartbeats.
	d := waitExecution(t, c, exArn)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Timeout" {
		t.Errorf("execution %s %s; want FAILED States.Timeout", d.Status, aws.ToString(d.Error))
	}
	types, evs := eventTypes(t, c, exArn)
	want := "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivityTimedOut ExecutionFailed"
	if strings.Join(types, " ") != want {
		t.Errorf("history %v; want %s", types, want)
	}
	if s := evs[3].ActivityStartedEventDetails; s == nil || s.WorkerName != nil {
		t.Errorf("ActivityStarted without a worker name = %+v; want empty details", s)
	}
	var ae smithy.APIError
	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
	if !errors.As(err, &ae) || ae.ErrorCode() != "TaskTimedOut" {
		t.Errorf("SendTaskHeartbeat after the timeout = %v; want TaskTimedOut", err)
	}
}

func TestActivities_Errors(t *testing.T) {
	_, c := apiEngine(t)
	ctx := context.Background()
	missing := "arn:aws:states:us-east-1:000000000000:activity:missing"
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"describe a missing activity", func() error {
			_, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(missing)})
			return err
		}, "ActivityDoesNotExist", "Activity Does Not Exist: '" + missing + "'"},
		{"poll a missing activity", func() error {
			_, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(missing)})
			return err
		}, "ActivityDoesNotExist", missing},
		{"a state machine ARN", func() error {
			_, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String("arn:aws:states:us-east-1:000000000000:stateMachine:x")})
			return err
		}, "InvalidArn", "Resource type not valid in this context: stateMachine"},
		{"a bad name", func() error {
			_, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a b")})
			return err
		}, "InvalidName", "Invalid Name: 'a b'"},
		{"a bad list token", func() error {
			_, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{NextToken: aws.String("zzz")})
			return err
		}, "InvalidToken", "Invalid Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiErr(t, tt.name, tt.call(), tt.code, tt.msg)
		})
	}

	// Describe, list and delete; then a state of the deleted activity fails
	// the execution with States.Runtime before scheduling anything.
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	if err != nil || aws.ToString(d.Name) != "gone" || d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != sfntypes.EncryptionTypeAwsOwnedKey {
		t.Errorf("DescribeActivity = %+v, %v", d, err)
	}
	l, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
	if err != nil || len(l.Activities) != 1 || aws.ToString(l.Activities[0].ActivityArn) != aws.ToString(act.ActivityArn) {
		t.Errorf("ListActivities = %+v, %v", l, err)
	}
	def := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("gone"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	out := waitExecution(t, c, aws.ToString(ex.ExecutionArn))
	wantCause := "An error occurred while executing the state 'Work' (entered at the event id #2). The activity " + aws.ToString(act.ActivityArn) + " does not exist."
	if out.Status != sfntypes.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Runtime" || aws.ToString(out.Cause) != wantCause {
		t.Errorf("execution %s %s %q; want FAILED States.Runtime %q (not caught)", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), wantCause)
	}
}

// taskEndpointClient is a Step Functions client of the callback operations
// that containers reach on the task endpoint, with the base path
// aws-sdk-go-v2 keeps.
func taskEndpointClient(eng *engine.Engine) *sfn.Client {
	return sfn.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("any", "thing", ""),
	}, func(o *sfn.Options) { o.BaseEndpoint = aws.String(eng.TaskEndpoint().URL + sfnapi.CallbackPath) })
}

func TestActivities_CallbacksOnTheTaskEndpoint(t *testing.T) {
	eng, c := apiEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tc := taskEndpointClient(eng)
	actArn, exArn := activityMachine(t, c, "remote", "")
	task, err := worker(ctx, tc, actArn, "in-a-task")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`"ok"`)}); err != nil {
		t.Fatal(err)
	}
	if d := waitExecution(t, c, exArn); d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `"ok"` {
		t.Errorf("execution %s %s; want SUCCEEDED \"ok\"", d.Status, aws.ToString(d.Output))
	}
	var ae smithy.APIError
	_, err = tc.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("nope")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidToken" {
		t.Errorf("SendTaskFailure(unknown token) on the task endpoint = %v; want InvalidToken", err)
	}
	_, err = tc.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !strings.Contains(ae.ErrorMessage(), "ListStateMachines is not served on the task endpoint") {
		t.Errorf("ListStateMachines on the task endpoint = %v; want AccessDeniedException", err)
	}
	_, err = tc.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:000000000000:stateMachine:remote")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("StartExecution on the task endpoint = %v; want AccessDeniedException", err)
	}
}
