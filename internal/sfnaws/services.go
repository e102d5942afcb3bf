package sfnaws

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ecsrun/ecsrun/internal/sdkjson"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// errLambdaUnknown names a function error without an errorType (an
// out-of-memory error, a timeout).
const errLambdaUnknown = "Lambda.Unknown"

// errFailedEntry fails putEvents when an entry was not accepted.
const errFailedEntry = "EventBridge.FailedEntry"

// invokeFunction runs a Lambda function ARN resource: the effective input
// is the payload, and the function's answer is the result.
func (g *Integration) invokeFunction(ctx context.Context, r resource, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	body := []byte(workflow.EncodeJSON(req.Parameters))
	out, _, se := g.lambdaInvoke(ctx, r.region, map[string]any{"FunctionName": r.function}, body)
	if se != nil {
		return nil, se
	}
	return payloadValue(out.Payload), nil
}

// invokeLambda runs arn:aws:states:::lambda:invoke: Parameters are the
// Invoke request; the result is the response with Payload as JSON.
func (g *Integration) invokeLambda(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	p, _ := params(req).(map[string]any)
	rest := maps.Clone(p)
	delete(rest, "Payload")
	var body []byte
	if v, ok := p["Payload"]; ok {
		// A string is sent as it is (it is the JSON); anything else as
		// JSON.
		if s, ok := v.(string); ok {
			body = []byte(s)
		} else {
			body = []byte(workflow.EncodeJSON(v))
		}
	}
	out, v, se := g.lambdaInvoke(ctx, g.opts.Region, rest, body)
	if se != nil {
		return nil, se
	}
	v["Payload"] = payloadValue(out.Payload)
	return v, nil
}

// lambdaInvoke calls Invoke; a function error fails the state with the
// function's errorType (Lambda.Unknown without one) and its payload as
// the cause.
func (g *Integration) lambdaInvoke(ctx context.Context, region string, p map[string]any, payload []byte) (*lambda.InvokeOutput, map[string]any, *workflow.StatesError) {
	c, err := g.client(ctx, Lambda, region)
	if err != nil {
		return nil, nil, workflow.NewStatesError(svcLambda.prefix+".SdkClientException", err.Error())
	}
	in, err := decode(p, typeOf[lambda.InvokeInput](), "")
	if err != nil {
		return nil, nil, svcLambda.callError(err)
	}
	input := in.Interface().(*lambda.InvokeInput)
	input.Payload = payload
	out, err := c.(*lambda.Client).Invoke(ctx, input)
	if err != nil {
		return nil, nil, svcLambda.callError(err)
	}
	if out.FunctionError != nil {
		name := errLambdaUnknown
		var fe struct {
			ErrorType string `json:"errorType"`
		}
		if json.Unmarshal(out.Payload, &fe) == nil && fe.ErrorType != "" {
			name = fe.ErrorType
		}
		return nil, nil, workflow.NewStatesError(name, string(out.Payload))
	}
	v := object(out, optimizedStyle)
	delete(v, "Payload")
	return out, sdkjson.WithHTTPMetadata(v, out.ResultMetadata), nil
}

// payloadValue is a function's answer as a JSON value; text that is not
// JSON stays a string.
func payloadValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	v, err := workflow.DecodeJSON(b)
	if err != nil {
		return string(b)
	}
	return v
}

// publish runs sns:publish. A Message, or a message attribute's
// StringValue, that is not a string is sent as JSON text: AWS's container
// samples publish "StringValue.$": "$" (the whole ECS task) and a filter
// path's array as attributes.
func (g *Integration) publish(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	p := attributesText(jsonText(params(req), "Message"))
	_, v, se := g.callService(ctx, svcSNS, SNS, g.opts.Region, "Publish", p)
	return v, se
}

// sendMessage runs sqs:sendMessage. A MessageBody that is not a string is
// sent as JSON text.
func (g *Integration) sendMessage(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	p := attributesText(jsonText(params(req), "MessageBody"))
	_, v, se := g.callService(ctx, svcSQS, SQS, g.opts.Region, "SendMessage", p)
	return v, se
}

// dynamo runs dynamodb:getItem, putItem, updateItem and deleteItem; items
// and keys are in DynamoDB's attribute value form ({"S": "text"}).
func (g *Integration) dynamo(ctx context.Context, action string, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	out, v, se := g.callService(ctx, svcDynamo, DynamoDB, g.opts.Region, upperFirst(action), params(req))
	if se != nil {
		return nil, se
	}
	switch o := out.(type) {
	case *dynamodb.GetItemOutput:
		setItem(v, "Item", attributeMap(o.Item))
	case *dynamodb.PutItemOutput:
		setItem(v, "Attributes", attributeMap(o.Attributes))
		fixCollectionKey(v, o.ItemCollectionMetrics != nil, func() any { return attributeMap(o.ItemCollectionMetrics.ItemCollectionKey) })
	case *dynamodb.UpdateItemOutput:
		setItem(v, "Attributes", attributeMap(o.Attributes))
		fixCollectionKey(v, o.ItemCollectionMetrics != nil, func() any { return attributeMap(o.ItemCollectionMetrics.ItemCollectionKey) })
	case *dynamodb.DeleteItemOutput:
		setItem(v, "Attributes", attributeMap(o.Attributes))
		fixCollectionKey(v, o.ItemCollectionMetrics != nil, func() any { return attributeMap(o.ItemCollectionMetrics.ItemCollectionKey) })
	}
	return v, nil
}

func setItem(v map[string]any, k string, item any) {
	if item == nil {
		delete(v, k)
		return
	}
	v[k] = item
}

func fixCollectionKey(v map[string]any, present bool, key func() any) {
	m, ok := v["ItemCollectionMetrics"].(map[string]any)
	if !present || !ok {
		return
	}
	setItem(m, "ItemCollectionKey", key())
}

// putEvents runs events:putEvents. A Detail that is not a string is sent
// as JSON text; an entry EventBridge refuses fails the state with
// EventBridge.FailedEntry and the response as the cause. The result has
// no HTTP metadata.
func (g *Integration) putEvents(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	p, _ := params(req).(map[string]any)
	if entries, ok := p["Entries"].([]any); ok {
		p = maps.Clone(p)
		list := make([]any, len(entries))
		for i, e := range entries {
			list[i] = jsonText(e, "Detail")
		}
		p["Entries"] = list
	}
	out, _, se := g.callService(ctx, svcEvents, EventBridge, g.opts.Region, "PutEvents", p)
	if se != nil {
		return nil, se
	}
	v := object(out, optimizedStyle)
	if o := out.(*eventbridge.PutEventsOutput); o.FailedEntryCount > 0 {
		return nil, workflow.NewStatesError(errFailedEntry, workflow.EncodeJSON(v))
	}
	return v, nil
}

// attributesText returns obj with the StringValue of each of its
// MessageAttributes turned into JSON text when it is not a string.
func attributesText(obj any) any {
	m, ok := obj.(map[string]any)
	if !ok {
		return obj
	}
	attrs, ok := m["MessageAttributes"].(map[string]any)
	if !ok {
		return obj
	}
	out := make(map[string]any, len(attrs))
	for name, a := range attrs {
		out[name] = jsonText(a, "StringValue")
	}
	m = maps.Clone(m)
	m["MessageAttributes"] = out
	return m
}

// jsonText returns obj with its member k turned into JSON text when it is
// not a string.
func jsonText(obj any, k string) any {
	m, ok := obj.(map[string]any)
	if !ok {
		return obj
	}
	v, ok := m[k]
	if _, isString := v.(string); !ok || isString {
		return obj
	}
	m = maps.Clone(m)
	m[k] = workflow.EncodeJSON(v)
	return m
}
