package sfnresource

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

func TestParse(t *testing.T) {
	tests := []struct {
		arn     string
		kind    Kind
		svc     string
		act     string
		pattern Pattern
		bad     string // a part of the error; "" when valid
	}{
		{arn: "arn:aws:states:::ecs:runTask", kind: KindOptimized, svc: "ecs", act: "runTask"},
		{arn: "arn:aws:states:::ecs:runTask.sync", kind: KindOptimized, svc: "ecs", act: "runTask", pattern: Sync},
		{arn: "arn:aws:states:::ecs:runTask.waitForTaskToken", kind: KindOptimized, svc: "ecs", act: "runTask", pattern: WaitForTaskToken},
		{arn: "arn:aws:states:::ecs:runTask.sync:2", bad: "does not support the .sync:2 pattern"},
		{arn: "arn:aws:states:::lambda:invoke", kind: KindOptimized, svc: "lambda", act: "invoke"},
		{arn: "arn:aws:states:::lambda:invoke.waitForTaskToken", kind: KindOptimized, svc: "lambda", act: "invoke", pattern: WaitForTaskToken},
		{arn: "arn:aws:states:::lambda:invoke.sync", bad: "lambda:invoke does not support the .sync pattern; it supports request-response and .waitForTaskToken"},
		{arn: "arn:aws:states:::sns:publish", kind: KindOptimized, svc: "sns", act: "publish"},
		{arn: "arn:aws:states:::dynamodb:putItem.waitForTaskToken", bad: "supports only request-response"},
		{arn: "arn:aws:states:::dynamodb:scan", bad: `no action "scan"`},
		{arn: "arn:aws:states:::states:startExecution.sync:2", kind: KindOptimized, svc: "states", act: "startExecution", pattern: Sync2},
		{arn: "arn:aws:states:::batch:submitJob.sync", kind: KindOptimized, svc: "batch", act: "submitJob", pattern: Sync},
		{arn: "arn:aws-cn:states:::glue:startJobRun.sync", kind: KindOptimized, svc: "glue", act: "startJobRun", pattern: Sync},
		{arn: "arn:aws:states:::s3:getObject", bad: "not an optimized integration"},
		{arn: "arn:aws:states:::http:invoke", kind: KindHTTP, svc: "http", act: "invoke"},
		{arn: "arn:aws:states:::aws-sdk:s3:getObject", kind: KindSDK, svc: "s3", act: "getObject"},
		{arn: "arn:aws:states:::aws-sdk:s3:getObject.waitForTaskToken", kind: KindSDK, svc: "s3", act: "getObject", pattern: WaitForTaskToken},
		{arn: "arn:aws:states:::aws-sdk:ecs:describeTasks", kind: KindSDK, svc: "ecs", act: "describeTasks"},
		{arn: "arn:aws:states:::aws-sdk:ecs:describeTask", bad: `Did you mean "describeTasks"?`},
		{arn: "arn:aws:states:::aws-sdk:cloudwatchlogs:getLogEvents", kind: KindSDK, svc: "cloudwatchlogs", act: "getLogEvents"},
		{arn: "arn:aws:states:::aws-sdk:s3:getObject.sync", bad: "only the request-response and .waitForTaskToken patterns"},
		{arn: "arn:aws:states:::aws-sdk:S3:GetObject", bad: "lower case"},
		{arn: "arn:aws:states:::aws-sdk:s3:GetObject", bad: "camel case"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:hello", kind: KindLambda, svc: "lambda", act: "invoke"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:hello:live", kind: KindLambda, svc: "lambda", act: "invoke"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST", kind: KindLambda, svc: "lambda", act: "invoke"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:layer:x", bad: "A Lambda function ARN is"},
		{arn: "arn:aws:states:us-east-1:123456789012:activity:work", kind: KindActivity},
		// The longest names AWS accepts, and one character more.
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:" + strings.Repeat("f", 140) + ":" + strings.Repeat("q", 128), kind: KindLambda, svc: "lambda", act: "invoke"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:" + strings.Repeat("f", 141), bad: "A Lambda function ARN is"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:f:" + strings.Repeat("q", 129), bad: "A Lambda function ARN is"},
		{arn: "arn:aws:states:us-east-1:123456789012:activity:" + strings.Repeat("é", 80), kind: KindActivity},
		{arn: "arn:aws:states:us-east-1:123456789012:activity:" + strings.Repeat("a", 81), bad: "is not recognized"},
		{arn: "arn:aws:states:us-east-1:123456789012:stateMachine:x", bad: "is not recognized"},
		{arn: "foo:bar", bad: "The resource provided foo:bar is not recognized"},
		{arn: "", bad: "is not recognized"},
	}
	for _, tt := range tests {
		r, err := Parse(tt.arn)
		if tt.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tt.bad) || !errors.Is(err, ErrNotRecognized) {
				t.Errorf("Parse(%q) error = %v; want one containing %q", tt.arn, err, tt.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.arn, err)
			continue
		}
		if r.Kind != tt.kind || r.Service != tt.svc || r.Action != tt.act || r.Pattern != tt.pattern {
			t.Errorf("Parse(%q) = %v %q %q %q; want %v %q %q %q", tt.arn, r.Kind, r.Service, r.Action, r.Pattern, tt.kind, tt.svc, tt.act, tt.pattern)
		}
	}
}

func TestParse_lambdaParts(t *testing.T) {
	r, err := Parse("arn:aws:lambda:eu-west-1:123456789012:function:fn:7")
	if err != nil {
		t.Fatal(err)
	}
	if r.Region != "eu-west-1" || r.Account != "123456789012" || r.Name != "fn" || r.Qualifier != "7" {
		t.Errorf("Parse = %+v", r)
	}
}

func TestCheckParameters(t *testing.T) {
	tests := []struct {
		resource string
		params   map[string]any
		want     []string // "path: part of message"
	}{
		{"arn:aws:states:::ecs:runTask.sync", map[string]any{"TaskDefinition": "x", "Clutser": "c"}, []string{`/Clutser: did you mean "Cluster"`}},
		{"arn:aws:states:::ecs:runTask", nil, []string{`: missing required field "TaskDefinition"`}},
		{"arn:aws:states:::lambda:invoke", map[string]any{"FunctionName": "f", "Payload.$": "$"}, nil},
		{"arn:aws:states:::lambda:invoke", map[string]any{"FunctionNam": "f"}, []string{`/FunctionNam: did you mean "FunctionName"`, `: The field "FunctionName" is required`}},
		{"arn:aws:states:::lambda:invoke", nil, nil},
		{"arn:aws:states:::sns:publish", map[string]any{"TopicArn": "t", "Message.$": "$"}, nil},
		{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", map[string]any{"QueueUrl": "q"}, []string{`: The field "MessageBody" is required`}},
		{"arn:aws:states:::dynamodb:getItem", map[string]any{"TableName": "t", "Key": map[string]any{"id": map[string]any{"S": "1"}}}, nil},
		{"arn:aws:states:::aws-sdk:ecs:describeTasks", map[string]any{"Cluster": "c", "Tasks.$": "$.t"}, nil},
		{"arn:aws:states:::aws-sdk:ecs:describeTasks", map[string]any{"Cluster": "c", "Task": []any{"x"}}, []string{`/Task: did you mean "Tasks"`}},
		{"arn:aws:states:::aws-sdk:ecs:runTask", map[string]any{"TaskDefinition": "t", "Overrides": map[string]any{"ContainerOverrides": []any{map[string]any{"Nam": "x"}}}}, []string{`/Overrides/ContainerOverrides/0/Nam: did you mean "Name"`}},
		{"arn:aws:states:::aws-sdk:s3:getObject", map[string]any{"Anything": 1}, nil},
		{"arn:aws:states:::aws-sdk:ecs:describeTasks", map[string]any{"Cluster": 1, "Tasks": "x"}, []string{`/Cluster: The value for the field 'Cluster' must be a string, got 1`, `/Tasks: The value for the field 'Tasks' must be a list, got "x"`}},
		{"arn:aws:states:::batch:submitJob.sync", map[string]any{"Anything": 1}, nil},
	}
	for _, tt := range tests {
		got := CheckParameters(tt.resource, tt.params)
		if len(got) != len(tt.want) {
			t.Errorf("CheckParameters(%s, %v) = %v; want %d problems %v", tt.resource, tt.params, got, len(tt.want), tt.want)
			continue
		}
		for i, w := range tt.want {
			path, msg, _ := strings.Cut(w, ": ")
			if got[i].Path != path || !strings.Contains(got[i].Message, msg) {
				t.Errorf("CheckParameters(%s)[%d] = %s: %s; want %s: ...%s...", tt.resource, i, got[i].Path, got[i].Message, path, msg)
			}
		}
	}
}

// TestChecker_validate checks the path errors a definition gets.
func TestChecker_validate(t *testing.T) {
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.sync","Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"t","Mesage":"m"},"End":true}}}`
	_, err := workflow.Parse([]byte(def), workflow.ParseOptions{Resources: Checker{}})
	var ve *workflow.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse = %v; want a ValidationError", err)
	}
	want := []string{
		"/States/A/Resource: The resource provided arn:aws:states:::lambda:invoke.sync is not recognized",
		`/States/B/Parameters/Mesage: The field "Mesage" is not supported by Step Functions for sns:publish; did you mean "Message"?`,
		`/States/B/Parameters: The field "Message" is required but was missing`,
	}
	if len(ve.Problems) != len(want) {
		t.Fatalf("problems = %v; want %v", ve.Problems, want)
	}
	for i, w := range want {
		if got := ve.Problems[i].Path + ": " + ve.Problems[i].Message; !strings.HasPrefix(got, w) {
			t.Errorf("problem %d = %q; want it to start %q", i, got, w)
		}
	}
}

// TestValidate_parameterTypes: a static value of the wrong type in an
// integration's Parameters is a definition error, as AWS finds it when
// the state machine is created; a path is checked only at run time.
func TestValidate_parameterTypes(t *testing.T) {
	def := func(count string) []byte {
		return []byte(`{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"td",` + count + `},"End":true}}}`)
	}
	probs := workflow.Validate(def(`"Count":"two"`), workflow.ParseOptions{Resources: Checker{}})
	if len(probs) != 1 || probs[0].Location() != "/States/Run/Parameters/Count" || probs[0].Message != `The value for the field 'Count' must be an integer, got "two"` {
		t.Errorf("Count \"two\": %v", probs)
	}
	for _, ok := range []string{`"Count":2`, `"Count.$":"$.n"`} {
		if probs := workflow.Validate(def(ok), workflow.ParseOptions{Resources: Checker{}}); len(probs) != 0 {
			t.Errorf("%s: %v", ok, probs)
		}
	}
}
