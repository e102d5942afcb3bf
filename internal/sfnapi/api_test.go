package sfnapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// apiClient is a Step Functions client on an engine whose containers are
// fakes (these tests run no task).
func apiClient(t *testing.T) *sfn.Client {
	_, c := apiEngine(t)
	return c
}

// apiEngine is apiClient with its engine.
func apiEngine(t *testing.T) (*engine.Engine, *sfn.Client) {
	t.Helper()
	return apiEngineWith(t, engine.Options{Runtime: fake.New()})
}

// apiEngineWith is apiEngine on an engine opened with opts (in a new
// state directory).
func apiEngineWith(t *testing.T, opts engine.Options) (*engine.Engine, *sfn.Client) {
	t.Helper()
	opts.StateDir = t.TempDir()
	eng, err := engine.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	modelcheck.Attach(t, eng.Handler().(*awsjson.Server))
	return eng, sfn.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}, func(o *sfn.Options) { o.BaseEndpoint = aws.String("http://engine") })
}

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`

func TestAPI_Errors(t *testing.T) {
	c := apiClient(t)
	ctx := context.Background()
	role := aws.String("arn:aws:iam::000000000000:role/r")
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("std"), Definition: aws.String(passDef), RoleArn: role})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"invalid definition", func() error {
			_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.sync","End":true}}}`), RoleArn: role})
			return err
		}, "InvalidDefinition", "The resource provided arn:aws:states:::lambda:invoke.sync is not recognized"},
		{"unknown field in RunTask parameters", func() error {
			_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("y"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"t","Clutser":"c"},"End":true}}}`), RoleArn: role})
			return err
		}, "InvalidDefinition", `the field "Clutser" is not supported by the ECS RunTask integration`},
		{"unknown execution", func() error {
			_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:std:nope")})
			return err
		}, "ExecutionDoesNotExist", "Execution Does Not Exist: 'arn:aws:states:us-east-1:000000000000:execution:std:nope'"},
		{"invalid arn", func() error {
			_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("nope")})
			return err
		}, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		{"status filter outside the enum", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: "succeeded"})
			return err
		}, "ValidationException", "statusFilter"},
		{"sync execution of a STANDARD machine", func() error {
			_, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn})
			return err
		}, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine"},
		{"unknown token", func() error {
			_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("nope"), Output: aws.String("{}")})
			return err
		}, "InvalidToken", "Invalid Token"},
		{"an operation ecsrun lacks", func() error {
			_, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: sm.StateMachineArn})
			return err
		}, "UnsupportedOperation", "ecsrun does not implement ListTagsForResource yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiErr(t, tt.name, tt.call(), tt.code, tt.msg)
		})
	}
}

func TestAPI_ExpressSyncAndValidate(t *testing.T) {
	c := apiClient(t)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("exp"), Definition: aws.String(passDef),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), Type: sfntypes.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != sfntypes.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"ok":true}` || out.StopDate == nil {
		t.Errorf("StartSyncExecution = %+v", out)
	}
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || d.Type != sfntypes.StateMachineTypeExpress || aws.ToString(d.Definition) != passDef || d.Status != sfntypes.StateMachineStatusActive {
		t.Errorf("DescribeStateMachine = %+v, %v", d, err)
	}
	v, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if v.Result != sfntypes.ValidateStateMachineDefinitionResultCodeFail || len(v.Diagnostics) != 1 ||
		aws.ToString(v.Diagnostics[0].Location) != "/States/A/Next" || aws.ToString(v.Diagnostics[0].Code) != "MISSING_TRANSITION_TARGET" {
		t.Errorf("ValidateStateMachineDefinition = %+v %+v", v, v.Diagnostics)
	}
	// An EXPRESS machine cannot wait for a task token (AWS's message).
	v, err = c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Type: sfntypes.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}`)})
	if err != nil || len(v.Diagnostics) != 1 || aws.ToString(v.Diagnostics[0].Location) != "/States/A/Resource" ||
		aws.ToString(v.Diagnostics[0].Message) != "Express state machine does not support '.waitForTaskToken' service integration " {
		t.Errorf("ValidateStateMachineDefinition(EXPRESS, waitForTaskToken) = %+v %v", v, err)
	}
	v, err = c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef)})
	if err != nil || v.Result != sfntypes.ValidateStateMachineDefinitionResultCodeOk || len(v.Diagnostics) != 0 {
		t.Errorf("ValidateStateMachineDefinition(valid) = %+v, %v", v, err)
	}
}

// Invalid UTF-8 in a string member is refused, as AWS refuses it, instead
// of being stored with U+FFFD in its place. (The SDKs replace such bytes
// before sending, so raw requests are sent.)
func TestAPI_InvalidUTF8IsRefused(t *testing.T) {
	eng, c := apiEngine(t)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("utf8"), Definition: aws.String(passDef), RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, op, body string }{
		{"state machine name", "CreateStateMachine", `{"name":"m` + "\xff" + `","definition":` + strconv.Quote(passDef) + `,"roleArn":"arn:aws:iam::000000000000:role/r"}`},
		{"execution input", "StartExecution", `{"stateMachineArn":"` + *sm.StateMachineArn + `","input":"{\"v\":\"` + "\xc3\x28" + `\"}"}`},
		{"execution name", "StartExecution", `{"stateMachineArn":"` + *sm.StateMachineArn + `","name":"\udfff"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+tc.op)
			rec := httptest.NewRecorder()
			eng.Handler().ServeHTTP(rec, req)
			if rec.Code != 400 || rec.Header().Get("X-Amzn-ErrorType") != "SerializationException" {
				t.Errorf("%s: %d %s", tc.op, rec.Code, rec.Body)
			}
		})
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || len(l.Executions) != 0 {
		t.Errorf("executions after the refused requests: %v, %v", l, err)
	}
}
