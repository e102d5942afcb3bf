package sfnaws_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// flows is an engine (on the fake runtime: these machines run no
// containers) with a Step Functions client talking to it in-process.
type flows struct {
	t   *testing.T
	sfn *sfn.Client
}

func newFlows(t *testing.T, cfg *serveconfig.Config) *flows {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: t.TempDir(), Runtime: fake.New(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	modelcheck.Attach(t, eng.Handler().(*awsjson.Server))
	client := sfn.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}, func(o *sfn.Options) { o.BaseEndpoint = aws.String("http://engine") })
	return &flows{t: t, sfn: client}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// create creates a state machine and returns its ARN.
func (f *flows) create(name, definition string) string {
	f.t.Helper()
	out, err := f.sfn.CreateStateMachine(ctxT(f.t), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::123456789012:role/flows"),
	})
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	return aws.ToString(out.StateMachineArn)
}

// run runs an execution of the machine to its end.
func (f *flows) run(smArn, input string) *sfn.DescribeExecutionOutput {
	f.t.Helper()
	ctx := ctxT(f.t)
	out, err := f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn), Input: aws.String(input)})
	if err != nil {
		f.t.Fatal(err)
	}
	for {
		d, err := f.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
		if err != nil {
			f.t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
		select {
		case <-ctx.Done():
			f.t.Fatalf("execution %s still running", aws.ToString(out.ExecutionArn))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (f *flows) output(d *sfn.DescribeExecutionOutput) map[string]any {
	f.t.Helper()
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		f.t.Fatalf("execution %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	v, err := workflow.DecodeJSON([]byte(aws.ToString(d.Output)))
	if err != nil {
		f.t.Fatal(err)
	}
	return v.(map[string]any)
}

func TestEngine_AWSSDKIntegrationsOnTheLocalEngine(t *testing.T) {
	f := newFlows(t, nil)
	sm := f.create("ecs-sdk", `{
	  "StartAt": "Describe",
	  "States": {
	    "Describe": {
	      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ecs:describeClusters",
	      "Parameters": {"Clusters": ["default"]},
	      "ResultSelector": {"name.$": "$.Clusters[0].ClusterName", "status.$": "$.Clusters[0].Status"},
	      "ResultPath": "$.described", "Next": "Group"
	    },
	    "Group": {
	      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:createLogGroup",
	      "Parameters": {"LogGroupName": "/flows/sdk"}, "ResultPath": null, "Next": "Groups",
	      "Catch": [{"ErrorEquals": ["CloudWatchLogs.ResourceAlreadyExistsException"], "ResultPath": null, "Next": "Groups"}]
	    },
	    "Groups": {
	      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups",
	      "Parameters": {"LogGroupNamePrefix": "/flows/"},
	      "ResultSelector": {"names.$": "$.LogGroups[*].LogGroupName"},
	      "ResultPath": "$.groups", "Next": "List"
	    },
	    "List": {
	      "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ecs:listTasks",
	      "Parameters": {"Cluster.$": "$.cluster"},
	      "Catch": [{"ErrorEquals": ["Ecs.ClusterNotFoundException"], "ResultPath": "$.error", "Next": "Caught"}],
	      "End": true
	    },
	    "Caught": {"Type": "Pass", "End": true}
	  }
	}`)
	out := f.output(f.run(sm, `{"cluster": "nowhere"}`))
	if got := encode(out["described"]); got != `{"name":"default","status":"ACTIVE"}` {
		t.Errorf("describeClusters result = %s", got)
	}
	if got := encode(out["groups"]); got != `{"names":["/flows/sdk"]}` {
		t.Errorf("describeLogGroups result = %s", got)
	}
	e, _ := out["error"].(map[string]any)
	if e["Error"] != "Ecs.ClusterNotFoundException" || !strings.HasPrefix(e["Cause"].(string), "Cluster not found. (Service: Ecs, Status Code: 400, Request ID: ") {
		t.Errorf("listTasks on a missing cluster caught %s", encode(e))
	}

	// On a cluster that exists, listTasks answers.
	out = f.output(f.run(sm, `{"cluster": "default"}`))
	if _, ok := out["TaskArns"]; !ok || out["error"] != nil {
		t.Errorf("listTasks on the default cluster = %s", encode(out))
	}
}

func TestEngine_NestedExecutions(t *testing.T) {
	f := newFlows(t, nil)
	child := f.create("child", `{"StartAt":"Work","States":{
	  "Work":{"Type":"Choice","Choices":[{"Variable":"$.fail","IsPresent":true,"Next":"Fail"}],"Default":"Done"},
	  "Done":{"Type":"Pass","Parameters":{"Arg1":"argument1","seen.$":"$.x"},"End":true},
	  "Fail":{"Type":"Fail","Error":"SomeFailure","Cause":"asked to fail"}}}`)
	parent := f.create("parent", `{"StartAt":"Sync2","States":{
	  "Sync2":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	    "Parameters":{"StateMachineArn":"`+child+`","Name":"sync2","Input":{"x":1}},"ResultPath":"$.sync2","Next":"Sync"},
	  "Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
	    "Parameters":{"StateMachineArn":"`+child+`","Name":"sync","Input":{"x":2,"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"ResultPath":"$.sync","Next":"Start"},
	  "Start":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
	    "Parameters":{"StateMachineArn":"`+child+`","Name":"fire"},"ResultPath":"$.start","Next":"Failing"},
	  "Failing":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	    "Parameters":{"StateMachineArn":"`+child+`","Name":"failing","Input":{"fail":true}},
	    "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.failed","Next":"Missing"}],"End":true},
	  "Missing":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
	    "Parameters":{"StateMachineArn":"`+child+`-nope"},
	    "Catch":[{"ErrorEquals":["StepFunctions.StateMachineDoesNotExistException"],"ResultPath":"$.missing","Next":"End"}],"End":true},
	  "End":{"Type":"Pass","End":true}}}`)
	d := f.run(parent, `{}`)
	out := f.output(d)
	execArn := strings.Replace(child, ":stateMachine:", ":execution:", 1)

	s2, _ := out["sync2"].(map[string]any)
	if s2["Status"] != "SUCCEEDED" || s2["ExecutionArn"] != execArn+":sync2" || encode(s2["Output"]) != `{"Arg1":"argument1","seen":1}` ||
		encode(s2["Input"]) != `{"x":1}` || s2["StartDate"] == nil || s2["StopDate"] == nil || encode(s2["OutputDetails"]) != `{"Included":true}` {
		t.Errorf(".sync:2 result = %s", encode(s2))
	}
	s1, _ := out["sync"].(map[string]any)
	if s1["Output"] != `{"Arg1":"argument1","seen":2}` {
		t.Errorf(".sync result = %s; want Output as JSON text", encode(s1))
	}
	in, _ := workflow.DecodeJSON([]byte(s1["Input"].(string)))
	if m, _ := in.(map[string]any); m["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] != aws.ToString(d.ExecutionArn) {
		t.Errorf("nested input = %s; want the parent's execution id passed through", s1["Input"])
	}
	st, _ := out["start"].(map[string]any)
	if st["ExecutionArn"] != execArn+":fire" || st["StartDate"] == nil || len(st) != 2 {
		t.Errorf("startExecution result = %s", encode(st))
	}
	fired, err := f.sfn.DescribeExecution(ctxT(t), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn + ":fire")})
	if err != nil || aws.ToString(fired.Input) != "{}" {
		t.Errorf("fired execution input = %v, %v; want {}", fired, err)
	}

	failed, _ := out["failed"].(map[string]any)
	cause, _ := workflow.DecodeJSON([]byte(failed["Cause"].(string)))
	if c, _ := cause.(map[string]any); failed["Error"] != "States.TaskFailed" || c["Status"] != "FAILED" || c["Error"] != "SomeFailure" || c["Cause"] != "asked to fail" {
		t.Errorf("failing nested execution caught %s", encode(failed))
	}
	missing, _ := out["missing"].(map[string]any)
	if !strings.Contains(missing["Cause"].(string), "(Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist;") {
		t.Errorf("missing state machine caught %s", encode(missing))
	}
}

func TestEngine_NestedExecutionStoppedWithItsState(t *testing.T) {
	f := newFlows(t, nil)
	child := f.create("slow", `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":600,"End":true}}}`)
	parent := f.create("impatient", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	  "Parameters":{"StateMachineArn":"`+child+`","Name":"slow-1"},"TimeoutSeconds":1,"End":true}}}`)
	d := f.run(parent, `{}`)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != workflow.ErrTimeout {
		t.Fatalf("parent = %s %s", d.Status, aws.ToString(d.Error))
	}
	execArn := strings.Replace(child, ":stateMachine:", ":execution:", 1) + ":slow-1"
	c, err := f.sfn.DescribeExecution(ctxT(t), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
	if err != nil || c.Status != sfntypes.ExecutionStatusAborted {
		t.Errorf("nested execution after its state timed out: %v, %v; want ABORTED", c.Status, err)
	}
}

// A real-world shape: a Lambda step then an SNS notification, the services
// being local endpoints named in the serve configuration.
func TestEngine_LambdaAndSNSAtConfiguredEndpoints(t *testing.T) {
	lambdaSrv, snsSrv := lambdaStub(t), snsStub(t)
	f := newFlows(t, &serveconfig.Config{Endpoints: map[string]string{"lambda": lambdaSrv.URL, "sns": snsSrv.URL}})
	sm := f.create("notify", `{"StartAt":"Score","States":{
	  "Score":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	    "Parameters":{"FunctionName":"score","Payload.$":"$"},"OutputPath":"$.Payload","Next":"Notify"},
	  "Notify":{"Type":"Task","Resource":"arn:aws:states:::sns:publish",
	    "Parameters":{"TopicArn":"arn:aws:sns:us-east-1:123456789012:results","Message.$":"$"},
	    "ResultSelector":{"id.$":"$.MessageId"},"ResultPath":"$.notified","End":true}}}`)
	out := f.output(f.run(sm, `{"order":7}`))
	if got := encode(out); got != `{"got":{"order":7},"notified":{"id":"msg-1"}}` {
		t.Errorf("output = %s", got)
	}
	if req := lambdaSrv.last(t); req.Path != "/2015-03-31/functions/score/invocations" || req.Body != `{"order":7}` {
		t.Errorf("Lambda got %s %s", req.Path, req.Body)
	}
	form, _ := url.ParseQuery(snsSrv.last(t).Body)
	if form.Get("Message") != `{"got":{"order":7}}` {
		t.Errorf("SNS got %v", form)
	}
}
