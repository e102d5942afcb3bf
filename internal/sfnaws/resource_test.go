package sfnaws

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

func TestParseResource(t *testing.T) {
	tests := []struct {
		arn  string
		want resource
		ok   bool
	}{
		{"arn:aws:states:::aws-sdk:ecs:describeClusters", resource{sdk: true, service: "ecs", action: "describeClusters"}, true},
		{"arn:aws:states:::aws-sdk:ecs:listTasks.waitForTaskToken", resource{sdk: true, service: "ecs", action: "listTasks", pattern: patternToken}, true},
		{"arn:aws:states:::lambda:invoke", resource{service: "lambda", action: "invoke"}, true},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", resource{service: "lambda", action: "invoke", pattern: patternToken}, true},
		{"arn:aws:states:::states:startExecution.sync", resource{service: "states", action: "startExecution", pattern: patternSync}, true},
		{"arn:aws:states:::states:startExecution.sync:2", resource{service: "states", action: "startExecution", pattern: patternSync2}, true},
		{"arn:aws:lambda:eu-west-1:123456789012:function:hello", resource{function: "arn:aws:lambda:eu-west-1:123456789012:function:hello", region: "eu-west-1"}, true},
		{"arn:aws:lambda:eu-west-1:123456789012:function:hello:live", resource{function: "arn:aws:lambda:eu-west-1:123456789012:function:hello:live", region: "eu-west-1"}, true},
		{"arn:aws:lambda:eu-west-1:123456789012:layer:x", resource{}, false},
		{"arn:aws:states:us-east-1:123456789012:activity:work", resource{}, false},
		{"arn:aws:states:::sns", resource{}, false},
		{"arn:aws:states:::sns:publish.bogus", resource{}, false},
		{"arn:aws:states:::aws-sdk:ecs:", resource{}, false},
	}
	for _, tt := range tests {
		got, ok := parseResource(tt.arn)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseResource(%q) = %+v, %v; want %+v, %v", tt.arn, got, ok, tt.want, tt.ok)
		}
	}
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecode(t *testing.T) {
	in, err := decode(jsonValue(t, `{"Cluster":"c","Count":2,"Overrides":{"ContainerOverrides":[{"Name":"app","Command":["a","b"],"Environment":[{"Name":"K","Value":"V"}]}]},"LaunchType":"FARGATE","Tags":[{"Key":"k","Value":"v"}]}`),
		typeOf[awsecs.RunTaskInput](), "")
	if err != nil {
		t.Fatal(err)
	}
	got := in.Interface().(*awsecs.RunTaskInput)
	if *got.Cluster != "c" || *got.Count != 2 || got.LaunchType != ecstypes.LaunchTypeFargate ||
		*got.Overrides.ContainerOverrides[0].Environment[0].Value != "V" || got.Overrides.ContainerOverrides[0].Command[1] != "b" || *got.Tags[0].Key != "k" {
		t.Errorf("decode = %+v", got)
	}

	av, err := decode(jsonValue(t, `{"TableName":"t","Item":{"id":{"S":"1"},"n":{"N":"2"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}},"ss":{"SS":["a"]}}}`),
		typeOf[dynamodb.PutItemInput](), "")
	if err != nil {
		t.Fatal(err)
	}
	item := av.Interface().(*dynamodb.PutItemInput).Item
	if s := item["id"].(*ddbtypes.AttributeValueMemberS).Value; s != "1" {
		t.Errorf("Item.id = %q", s)
	}
	if back := attributeMap(item); !reflect.DeepEqual(back, jsonValue(t, `{"id":{"S":"1"},"n":{"N":"2"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}},"ss":{"SS":["a"]}}`)) {
		t.Errorf("attributeMap(decoded item) = %v", back)
	}

	for _, tt := range []struct{ params, wantErr string }{
		{`{"Clusterr":"c"}`, `the field "Clusterr" is not supported`},
		{`{"Count":"2"}`, `/Count: expected a number, got a string`},
		{`{"Count":2.5}`, `/Count: expected an integer`},
		{`{"Overrides":{"ContainerOverrides":{}}}`, `/Overrides/ContainerOverrides: expected an array`},
		{`{"Tags":[{"Key":1}]}`, `/Tags/0/Key: expected a string`},
	} {
		_, err := decode(jsonValue(t, tt.params), typeOf[awsecs.RunTaskInput](), "")
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("decode(%s) error = %v; want %q", tt.params, err, tt.wantErr)
		}
	}
	if _, err := decode(jsonValue(t, `{"Item":{"id":{"X":"1"}}}`), typeOf[dynamodb.PutItemInput](), ""); err == nil || !strings.Contains(err.Error(), `unknown attribute value type "X"`) {
		t.Errorf("decode of a bad attribute value: %v", err)
	}
}

func TestOperations(t *testing.T) {
	c := awsecs.New(awsecs.Options{Region: "us-east-1"})
	if _, ok := operation(c, "describeClusters"); !ok {
		t.Error("describeClusters is not an operation")
	}
	for _, a := range []string{"options", "Options", "noSuchThing", ""} {
		if _, ok := operation(c, a); ok {
			t.Errorf("%q is an operation", a)
		}
	}
	if ops := operations(c); len(ops) < 50 || !slices.Contains(ops, "listTasks") || slices.Contains(ops, "options") {
		t.Errorf("operations = %v", ops)
	}
}

func TestExceptionName(t *testing.T) {
	ecsSvc := sdkService("Ecs")
	tests := []struct {
		err  smithy.APIError
		svc  service
		want string
	}{
		{&ecstypes.ClusterNotFoundException{}, ecsSvc, "ClusterNotFoundException"},
		{&smithy.GenericAPIError{Code: "Throttling"}, ecsSvc, "EcsException"},
		{&smithy.GenericAPIError{Code: "MissingParameter"}, svcSQS, "AmazonSQSException"},
		{&ddbtypes.ResourceNotFoundException{}, svcDynamo, "ResourceNotFoundException"},
		{&sqstypes.QueueDoesNotExist{}, svcSQS, "QueueDoesNotExistException"},
	}
	for _, tt := range tests {
		if got := tt.svc.exceptionName(tt.err); got != tt.want {
			t.Errorf("exceptionName(%T) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestAttributesText(t *testing.T) {
	in := map[string]any{
		"Message": "m",
		"MessageAttributes": map[string]any{
			"ExitCode": map[string]any{"DataType": "String", "StringValue": []any{json.Number("0")}},
			"Task":     map[string]any{"DataType": "String", "StringValue": map[string]any{"LastStatus": "STOPPED"}},
			"Plain":    map[string]any{"DataType": "String", "StringValue": "as is"},
		},
	}
	got := attributesText(in).(map[string]any)["MessageAttributes"].(map[string]any)
	want := map[string]string{"ExitCode": "[0]", "Task": `{"LastStatus":"STOPPED"}`, "Plain": "as is"}
	for name, w := range want {
		if v := got[name].(map[string]any)["StringValue"]; v != w {
			t.Errorf("%s: StringValue = %#v; want %q", name, v, w)
		}
	}
	if _, ok := in["MessageAttributes"].(map[string]any)["ExitCode"].(map[string]any)["StringValue"].([]any); !ok {
		t.Error("attributesText changed its argument")
	}
}
