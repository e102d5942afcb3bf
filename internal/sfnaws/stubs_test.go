package sfnaws_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnaws"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// recorded is a request a stub received.
type recorded struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// answer is what a stub sends back.
type answer struct {
	Status int
	Header map[string]string
	Body   string
}

// stub is a service endpoint that records requests and answers them.
type stub struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newStub(t *testing.T, reply func(r recorded) answer) *stub {
	t.Helper()
	s := &stub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: string(b)}
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
		a := reply(rec)
		w.Header().Set("x-amzn-RequestId", "req-1")
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		if a.Status == 0 {
			a.Status = http.StatusOK
		}
		w.WriteHeader(a.Status)
		io.WriteString(w, a.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stub) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *stub) last(t *testing.T) recorded {
	t.Helper()
	r := s.requests()
	if len(r) == 0 {
		t.Fatal("the stub received no request")
	}
	return r[len(r)-1]
}

// lambdaStub answers Invoke: it echoes {"got": payload}, or fails as a
// function that raised when the payload asks for it.
func lambdaStub(t *testing.T) *stub {
	return newStub(t, func(r recorded) answer {
		if !strings.HasPrefix(r.Path, "/2015-03-31/functions/") || !strings.HasSuffix(r.Path, "/invocations") {
			return answer{Status: 404, Header: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}, Body: `{"Type":"User","Message":"Function not found: ` + r.Path + `"}`}
		}
		if strings.Contains(r.Path, "missing") {
			return answer{Status: 404, Header: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"}, Body: `{"Type":"User","Message":"Function not found: missing"}`}
		}
		if strings.Contains(r.Body, "raise") {
			return answer{Header: map[string]string{"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"},
				Body: `{"errorMessage":"boom","errorType":"ValueError","stackTrace":[]}`}
		}
		if strings.Contains(r.Body, "plain") {
			return answer{Header: map[string]string{"X-Amz-Executed-Version": "$LATEST"}, Body: `not json`}
		}
		return answer{Header: map[string]string{"X-Amz-Executed-Version": "$LATEST", "Content-Type": "application/json"}, Body: `{"got":` + r.Body + `}`}
	})
}

func snsStub(t *testing.T) *stub {
	return newStub(t, func(r recorded) answer {
		form, _ := url.ParseQuery(r.Body)
		if strings.HasSuffix(form.Get("TopicArn"), ":missing") {
			return answer{Status: 404, Header: map[string]string{"Content-Type": "text/xml"},
				Body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`}
		}
		return answer{Header: map[string]string{"Content-Type": "text/xml"},
			Body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-1</MessageId></PublishResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></PublishResponse>`}
	})
}

// sqsStub answers SendMessage in the JSON protocol; messages also go to
// sent.
func sqsStub(t *testing.T, sent chan<- map[string]any) *stub {
	return newStub(t, func(r recorded) answer {
		var in map[string]any
		json.Unmarshal([]byte(r.Body), &in)
		if sent != nil {
			sent <- in
		}
		body, _ := in["MessageBody"].(string)
		sum := md5.Sum([]byte(body))
		return answer{Header: map[string]string{"Content-Type": "application/x-amz-json-1.0"},
			Body: `{"MD5OfMessageBody":"` + hex.EncodeToString(sum[:]) + `","MessageId":"msg-1"}`}
	})
}

func dynamoStub(t *testing.T) *stub {
	return newStub(t, func(r recorded) answer {
		h := map[string]string{"Content-Type": "application/x-amz-json-1.0"}
		switch r.Header.Get("X-Amz-Target") {
		case "DynamoDB_20120810.GetItem":
			if strings.Contains(r.Body, `"missing"`) {
				return answer{Status: 400, Header: h, Body: `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`}
			}
			return answer{Header: h, Body: `{"Item":{"id":{"S":"1"},"n":{"N":"42"},"tags":{"L":[{"S":"a"},{"BOOL":true}]}}}`}
		case "DynamoDB_20120810.UpdateItem":
			return answer{Header: h, Body: `{"Attributes":{"n":{"N":"43"}}}`}
		}
		return answer{Header: h, Body: `{}`}
	})
}

func eventsStub(t *testing.T) *stub {
	return newStub(t, func(r recorded) answer {
		h := map[string]string{"Content-Type": "application/x-amz-json-1.1"}
		if strings.Contains(r.Body, `"Source":"bad"`) {
			return answer{Header: h, Body: `{"Entries":[{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid."}],"FailedEntryCount":1}`}
		}
		return answer{Header: h, Body: `{"Entries":[{"EventId":"ev-1"}],"FailedEntryCount":0}`}
	})
}

// integration is an Integration whose services are the stubs.
func integration(t *testing.T, eps map[string]string, cb sfnaws.Callbacks) *sfnaws.Integration {
	t.Helper()
	return sfnaws.New(sfnaws.Options{Region: "us-east-1", Endpoints: eps, Callbacks: cb})
}

func invoke(t *testing.T, g *sfnaws.Integration, res, params string) (map[string]any, any, *workflow.StatesError) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !g.Supports(res) {
		t.Fatalf("Supports(%s) = false", res)
	}
	h, ok := g.Lookup(res)
	if !ok {
		t.Fatalf("Lookup(%s) found nothing", res)
	}
	p, err := workflow.DecodeJSON([]byte(params))
	if err != nil {
		t.Fatal(err)
	}
	out, se := h.Invoke(ctx, &workflow.TaskRequest{Resource: res, ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", StateName: "S", Parameters: p, Token: "tok-1"})
	m, _ := out.(map[string]any)
	return m, out, se
}

func encode(v any) string { return workflow.EncodeJSON(v) }

func TestLambda(t *testing.T) {
	s := lambdaStub(t)
	g := integration(t, map[string]string{sfnaws.Lambda: s.URL}, nil)

	t.Run("invoke", func(t *testing.T) {
		m, _, se := invoke(t, g, "arn:aws:states:::lambda:invoke", `{"FunctionName":"hello","Payload":{"order":7}}`)
		if se != nil {
			t.Fatal(se)
		}
		req := s.last(t)
		if req.Method != "POST" || req.Path != "/2015-03-31/functions/hello/invocations" || req.Body != `{"order":7}` {
			t.Errorf("request = %s %s %s", req.Method, req.Path, req.Body)
		}
		if got := encode(m["Payload"]); got != `{"got":{"order":7}}` {
			t.Errorf("Payload = %s", got)
		}
		if m["StatusCode"] != json.Number("200") || m["ExecutedVersion"] != "$LATEST" {
			t.Errorf("result = %s", encode(m))
		}
		md, _ := m["SdkHttpMetadata"].(map[string]any)
		if md == nil || md["HttpStatusCode"] != json.Number("200") || m["SdkResponseMetadata"] == nil {
			t.Errorf("result has no HTTP metadata: %s", encode(m))
		}
	})
	t.Run("string payload is sent as it is", func(t *testing.T) {
		if _, _, se := invoke(t, g, "arn:aws:states:::lambda:invoke", `{"FunctionName":"hello","Payload":"\"HelloWorld\""}`); se != nil {
			t.Fatal(se)
		}
		if got := s.last(t).Body; got != `"HelloWorld"` {
			t.Errorf("payload sent = %s", got)
		}
	})
	t.Run("function ARN", func(t *testing.T) {
		res := "arn:aws:lambda:us-east-1:123456789012:function:hello:live"
		_, out, se := invoke(t, g, res, `{"n":1}`)
		if se != nil {
			t.Fatal(se)
		}
		req := s.last(t)
		if req.Path != "/2015-03-31/functions/"+url.PathEscape(res)+"/invocations" && req.Path != "/2015-03-31/functions/"+res+"/invocations" {
			t.Errorf("path = %s", req.Path)
		}
		if got := encode(out); got != `{"got":{"n":1}}` {
			t.Errorf("result = %s; want the function's answer", got)
		}
		if _, out, _ := invoke(t, g, res, `"plain"`); out != "not json" {
			t.Errorf("result of a function answering text = %#v", out)
		}
	})
	t.Run("function error", func(t *testing.T) {
		_, _, se := invoke(t, g, "arn:aws:states:::lambda:invoke", `{"FunctionName":"hello","Payload":{"raise":true}}`)
		if se == nil || se.Name != "ValueError" || !strings.Contains(se.Cause, `"errorMessage":"boom"`) {
			t.Errorf("error = %v", se)
		}
	})
	t.Run("service error", func(t *testing.T) {
		_, _, se := invoke(t, g, "arn:aws:states:::lambda:invoke", `{"FunctionName":"missing"}`)
		if se == nil || se.Name != "Lambda.ResourceNotFoundException" ||
			se.Cause != "Function not found: missing (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: req-1; Proxy: null)" {
			t.Errorf("error = %v", se)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		g := integration(t, map[string]string{sfnaws.Lambda: down.URL}, nil)
		_, _, se := invoke(t, g, "arn:aws:states:::lambda:invoke", `{"FunctionName":"hello"}`)
		if se == nil || se.Name != "Lambda.SdkClientException" || !strings.HasPrefix(se.Cause, "Unable to execute HTTP request: ") {
			t.Errorf("error = %v", se)
		}
	})
}

func TestSNSPublish(t *testing.T) {
	s := snsStub(t)
	g := integration(t, map[string]string{sfnaws.SNS: s.URL}, nil)
	m, _, se := invoke(t, g, "arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:123456789012:done","Message":{"status":"ok"},"MessageAttributes":{"kind":{"DataType":"String","StringValue":"report"}}}`)
	if se != nil {
		t.Fatal(se)
	}
	form, err := url.ParseQuery(s.last(t).Body)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("Action") != "Publish" || form.Get("TopicArn") != "arn:aws:sns:us-east-1:123456789012:done" || form.Get("Message") != `{"status":"ok"}` ||
		form.Get("MessageAttributes.entry.1.Name") != "kind" || form.Get("MessageAttributes.entry.1.Value.StringValue") != "report" {
		t.Errorf("request = %v", form)
	}
	if m["MessageId"] != "msg-1" || m["SdkHttpMetadata"] == nil {
		t.Errorf("result = %s", encode(m))
	}

	_, _, se = invoke(t, g, "arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:123456789012:missing","Message":"x"}`)
	if se == nil || se.Name != "SNS.NotFoundException" || !strings.HasPrefix(se.Cause, "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound;") {
		t.Errorf("error = %v", se)
	}
}

// tokens is a Callbacks whose tokens the test answers.
type tokens struct {
	mu      sync.Mutex
	waiting map[string]chan any
}

func (c *tokens) Register(token string) (func(context.Context, func()) (any, *workflow.StatesError), func()) {
	ch := make(chan any, 1)
	c.mu.Lock()
	if c.waiting == nil {
		c.waiting = map[string]chan any{}
	}
	c.waiting[token] = ch
	c.mu.Unlock()
	wait := func(ctx context.Context, _ func()) (any, *workflow.StatesError) {
		select {
		case v := <-ch:
			return v, nil
		case <-ctx.Done():
			return nil, workflow.NewStatesError("States.Aborted", "cancelled")
		}
	}
	return wait, func() {}
}

func (c *tokens) succeed(token string, v any) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.waiting[token]
	if ok {
		ch <- v
	}
	return ok
}

func TestSQSSendMessage(t *testing.T) {
	sent := make(chan map[string]any, 4)
	s := sqsStub(t, sent)
	cb := &tokens{}
	g := integration(t, map[string]string{sfnaws.SQS: s.URL}, cb)

	m, _, se := invoke(t, g, "arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"http://queue/jobs","MessageBody":{"job":1}}`)
	if se != nil {
		t.Fatal(se)
	}
	req := s.last(t)
	if req.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" {
		t.Errorf("target = %q", req.Header.Get("X-Amz-Target"))
	}
	if in := <-sent; in["QueueUrl"] != "http://queue/jobs" || in["MessageBody"] != `{"job":1}` {
		t.Errorf("request = %v", in)
	}
	if m["MessageId"] != "msg-1" || m["MD5OfMessageBody"] == nil || m["SdkHttpMetadata"] == nil {
		t.Errorf("result = %s", encode(m))
	}

	// .waitForTaskToken: the message carries the token; its answer is the
	// result.
	done := make(chan any, 1)
	go func() {
		_, out, se := invoke(t, g, "arn:aws:states:::sqs:sendMessage.waitForTaskToken", `{"QueueUrl":"http://queue/jobs","MessageBody":{"token":"tok-1"}}`)
		if se != nil {
			done <- se
			return
		}
		done <- out
	}()
	if in := <-sent; in["MessageBody"] != `{"token":"tok-1"}` {
		t.Errorf("request = %v", in)
	}
	if !cb.succeed("tok-1", map[string]any{"answer": "yes"}) {
		t.Fatal("the token was not registered")
	}
	if got := encode(<-done); got != `{"answer":"yes"}` {
		t.Errorf("result = %s", got)
	}
}

func TestDynamoDB(t *testing.T) {
	s := dynamoStub(t)
	g := integration(t, map[string]string{sfnaws.DynamoDB: s.URL}, nil)

	m, _, se := invoke(t, g, "arn:aws:states:::dynamodb:getItem", `{"TableName":"orders","Key":{"id":{"S":"1"}}}`)
	if se != nil {
		t.Fatal(se)
	}
	req := s.last(t)
	if req.Header.Get("X-Amz-Target") != "DynamoDB_20120810.GetItem" {
		t.Errorf("target = %q", req.Header.Get("X-Amz-Target"))
	}
	var body map[string]any
	json.Unmarshal([]byte(req.Body), &body)
	if encode(body) != `{"Key":{"id":{"S":"1"}},"TableName":"orders"}` {
		t.Errorf("request = %s", req.Body)
	}
	if got := encode(m["Item"]); got != `{"id":{"S":"1"},"n":{"N":"42"},"tags":{"L":[{"S":"a"},{"BOOL":true}]}}` {
		t.Errorf("Item = %s", got)
	}

	if _, _, se := invoke(t, g, "arn:aws:states:::dynamodb:putItem", `{"TableName":"orders","Item":{"id":{"S":"2"},"n":{"N":"1"}}}`); se != nil {
		t.Fatal(se)
	}
	if got := s.last(t).Body; !strings.Contains(got, `"Item":{`) || !strings.Contains(got, `"n":{"N":"1"}`) {
		t.Errorf("putItem request = %s", got)
	}
	m, _, se = invoke(t, g, "arn:aws:states:::dynamodb:updateItem", `{"TableName":"orders","Key":{"id":{"S":"1"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`)
	if se != nil || encode(m["Attributes"]) != `{"n":{"N":"43"}}` {
		t.Errorf("updateItem = %s, %v", encode(m), se)
	}
	if _, _, se := invoke(t, g, "arn:aws:states:::dynamodb:deleteItem", `{"TableName":"orders","Key":{"id":{"S":"1"}}}`); se != nil {
		t.Fatal(se)
	}
	if got := s.last(t).Header.Get("X-Amz-Target"); got != "DynamoDB_20120810.DeleteItem" {
		t.Errorf("deleteItem target = %s", got)
	}

	_, _, se = invoke(t, g, "arn:aws:states:::dynamodb:getItem", `{"TableName":"missing","Key":{"id":{"S":"1"}}}`)
	if se == nil || se.Name != "DynamoDB.ResourceNotFoundException" || !strings.Contains(se.Cause, "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException;") {
		t.Errorf("error = %v", se)
	}
	_, _, se = invoke(t, g, "arn:aws:states:::dynamodb:getItem", `{"TableName":"orders","Key":{"id":{"Q":"1"}}}`)
	if se == nil || se.Name != workflow.ErrRuntime || !strings.Contains(se.Cause, "/Key/id") {
		t.Errorf("error of a bad key = %v", se)
	}
}

func TestEventBridgePutEvents(t *testing.T) {
	s := eventsStub(t)
	g := integration(t, map[string]string{sfnaws.EventBridge: s.URL}, nil)
	m, _, se := invoke(t, g, "arn:aws:states:::events:putEvents", `{"Entries":[{"Source":"app","DetailType":"done","Detail":{"id":1}}]}`)
	if se != nil {
		t.Fatal(se)
	}
	req := s.last(t)
	if req.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" || !strings.Contains(req.Body, `"Detail":"{\"id\":1}"`) {
		t.Errorf("request = %s %s", req.Header.Get("X-Amz-Target"), req.Body)
	}
	if got := encode(m); got != `{"Entries":[{"EventId":"ev-1"}],"FailedEntryCount":0}` {
		t.Errorf("result = %s", got)
	}
	_, _, se = invoke(t, g, "arn:aws:states:::events:putEvents", `{"Entries":[{"Source":"bad","DetailType":"done","Detail":"{}"}]}`)
	if se == nil || se.Name != "EventBridge.FailedEntry" || se.Cause != `{"Entries":[{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Source is not valid."}],"FailedEntryCount":1}` {
		t.Errorf("error = %v", se)
	}
}

func TestSupports(t *testing.T) {
	env := map[string]string{"AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:1"}
	g := sfnaws.New(sfnaws.Options{Getenv: func(k string) string { return env[k] }})
	for res, want := range map[string]bool{
		"arn:aws:states:::sns:publish":                        true,
		"arn:aws:states:::sns:publish.waitForTaskToken":       false, // no callbacks
		"arn:aws:states:::lambda:invoke":                      false,
		"arn:aws:lambda:us-east-1:123456789012:function:f":    false,
		"arn:aws:states:::aws-sdk:ecs:listTasks":              false, // no ECS client
		"arn:aws:states:::states:startExecution.sync:2":       false, // no executions
		"arn:aws:states:::dynamodb:query":                     false,
		"arn:aws:states:::ecs:runTask.sync":                   false,
		"arn:aws:states:us-east-1:123456789012:activity:work": false,
	} {
		if got := g.Supports(res); got != want {
			t.Errorf("Supports(%s) = %v; want %v", res, got, want)
		}
	}
	env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:2"
	if !g.Supports("arn:aws:lambda:us-east-1:123456789012:function:f") || !g.Supports("arn:aws:states:::dynamodb:putItem") {
		t.Error("AWS_ENDPOINT_URL does not configure every service")
	}
	g = sfnaws.New(sfnaws.Options{Endpoints: map[string]string{sfnaws.Lambda: "http://127.0.0.1:3"}})
	if !g.Supports("arn:aws:states:::lambda:invoke") || g.Supports("arn:aws:states:::sqs:sendMessage") {
		t.Error("configured endpoints are not what is supported")
	}
}
