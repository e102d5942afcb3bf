package sfnresource

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/sfnecs"
	"github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// sdkModel is a service model ecsrun carries, for the AWS SDK
// integrations of that service.
type sdkModel struct {
	Operations map[string]wire.Operation
}

func (m sdkModel) actions() []string {
	out := make([]string, 0, len(m.Operations))
	for name := range m.Operations {
		out = append(out, camel(name))
	}
	slices.Sort(out)
	return out
}

// sdkModels are the AWS SDK integration services (by their Step Functions
// name) whose actions and request members are checked.
var sdkModels = map[string]sdkModel{
	"ecs":            {ecsmodel.Operations},
	"cloudwatchlogs": {logsmodel.Operations},
	"sfn":            {sfnmodel.Operations},
}

// fieldSet is the request of an optimized integration: the fields it
// accepts and those it needs.
type fieldSet struct {
	known, required []string
}

var (
	ddbCommon = []string{"TableName", "ReturnConsumedCapacity", "ExpressionAttributeNames"}
	ddbWrite  = append(slices.Clone(ddbCommon), "ConditionExpression", "ConditionalOperator", "Expected",
		"ExpressionAttributeValues", "ReturnItemCollectionMetrics", "ReturnValues", "ReturnValuesOnConditionCheckFailure")
)

// optimizedFields are the requests of the optimized integrations ecsrun
// checks (top-level field names; the API's request members in PascalCase,
// as the Step Functions developer guide lists them).
var optimizedFields = map[string]fieldSet{
	"lambda:invoke": {known: []string{"FunctionName", "Payload", "InvocationType", "LogType", "ClientContext", "Qualifier"},
		required: []string{"FunctionName"}},
	"sns:publish": {known: []string{"TopicArn", "TargetArn", "PhoneNumber", "Message", "Subject", "MessageStructure",
		"MessageAttributes", "MessageDeduplicationId", "MessageGroupId"}, required: []string{"Message"}},
	"sqs:sendMessage": {known: []string{"QueueUrl", "MessageBody", "DelaySeconds", "MessageAttributes",
		"MessageDeduplicationId", "MessageGroupId", "MessageSystemAttributes"}, required: []string{"QueueUrl", "MessageBody"}},
	"dynamodb:getItem": {known: append(slices.Clone(ddbCommon), "Key", "AttributesToGet", "ConsistentRead", "ProjectionExpression"),
		required: []string{"TableName", "Key"}},
	"dynamodb:putItem":    {known: append(slices.Clone(ddbWrite), "Item"), required: []string{"TableName", "Item"}},
	"dynamodb:deleteItem": {known: append(slices.Clone(ddbWrite), "Key"), required: []string{"TableName", "Key"}},
	"dynamodb:updateItem": {known: append(slices.Clone(ddbWrite), "Key", "AttributeUpdates", "UpdateExpression"),
		required: []string{"TableName", "Key"}},
	"events:putEvents": {known: []string{"Entries", "EndpointId"}, required: []string{"Entries"}},
	"states:startExecution": {known: []string{"StateMachineArn", "Input", "Name", "TraceHeader"},
		required: []string{"StateMachineArn"}},
	"http:invoke": {known: []string{"ApiEndpoint", "Method", "Authentication", "Headers", "QueryParameters", "Transform", "RequestBody"},
		required: []string{"ApiEndpoint", "Method", "Authentication"}},
}

// CheckParameters validates a Task state's Parameters (as written, keys
// ending in ".$" included) for resource, which Parse recognises. Each
// problem's Path is relative to Parameters.
func CheckParameters(resource string, params map[string]any) []workflow.Problem {
	r, err := Parse(resource)
	if err != nil {
		return nil
	}
	switch r.Kind {
	case KindOptimized, KindHTTP:
		if r.Service == "ecs" && r.Action == "runTask" {
			return sfnecs.CheckParameters(params)
		}
		fs, ok := optimizedFields[r.Service+":"+r.Action]
		if !ok {
			return nil
		}
		return checkFieldSet(r, fs, params)
	case KindSDK:
		m, ok := sdkModels[r.Service]
		if !ok {
			return nil
		}
		op := m.Operations[pascal(r.Action)]
		var out []workflow.Problem
		checkMembers(params, reflect.TypeOf(op.NewInput()), "", &out)
		return out
	}
	return nil
}

func checkFieldSet(r Resource, fs fieldSet, params map[string]any) []workflow.Problem {
	var out []workflow.Problem
	for _, k := range sortedKeys(params) {
		name := strings.TrimSuffix(k, ".$")
		if slices.Contains(fs.known, name) {
			continue
		}
		msg := fmt.Sprintf("The field %q is not supported by Step Functions for %s:%s", name, r.Service, r.Action)
		if s := ecs.Suggest(name, fs.known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; its fields: " + strings.Join(fs.known, ", ")
		}
		out = append(out, workflow.Problem{Path: "/" + k, Message: msg})
	}
	if params == nil {
		return nil // the state input is the request: known only at run time
	}
	for _, req := range fs.required {
		_, static := params[req]
		_, dynamic := params[req+".$"]
		if !static && !dynamic {
			out = append(out, workflow.Problem{Message: fmt.Sprintf("The field %q is required but was missing (%s:%s)", req, r.Service, r.Action)})
		}
	}
	return out
}

// checkMembers reports the members of v (a JSON value as written) that the
// model shape t lacks, recursing into structures and lists. Keys ending in
// ".$" are dynamic: their name is checked, not their value.
func checkMembers(v any, t reflect.Type, at string, out *[]workflow.Problem) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct || t == reflect.TypeFor[json.RawMessage]() {
			return // a map or a document: any member goes
		}
		fields := structFields(t)
		names := sortedKeys(fields)
		for _, k := range sortedKeys(x) {
			name, dynamic := strings.CutSuffix(k, ".$")
			ft, ok := fields[name]
			if !ok {
				msg := fmt.Sprintf("The field %q is not supported by Step Functions", name)
				if s := ecs.Suggest(name, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				} else {
					msg += "; the request's fields: " + strings.Join(names, ", ")
				}
				*out = append(*out, workflow.Problem{Path: at + "/" + k, Message: msg})
				continue
			}
			if !dynamic {
				checkMembers(x[k], ft, at+"/"+k, out)
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			if msg := sfnecs.StaticTypeProblem(at[strings.LastIndexByte(at, '/')+1:], v, t); msg != "" {
				*out = append(*out, workflow.Problem{Path: at, Message: msg})
			}
			return
		}
		for i, e := range x {
			checkMembers(e, t.Elem(), fmt.Sprintf("%s/%d", at, i), out)
		}
	default:
		if msg := sfnecs.StaticTypeProblem(at[strings.LastIndexByte(at, '/')+1:], v, t); msg != "" {
			*out = append(*out, workflow.Problem{Path: at, Message: msg})
		}
	}
}

// structFields maps the PascalCase member names of a model shape to their
// types.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[pascal(name)] = f.Type
	}
	return out
}

// pascal returns a model name as Step Functions spells it ("runTask" ->
// "RunTask").
func pascal(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// camel returns an operation name as a Resource spells it ("RunTask" ->
// "runTask").
func camel(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func suggest(name string, known []string) string { return ecs.Suggest(name, known) }
