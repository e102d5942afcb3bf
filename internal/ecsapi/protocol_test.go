package ecsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/controlplane"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsapi"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/store"
)

const (
	ecsTarget  = "AmazonEC2ContainerServiceV20141113."
	logsTarget = "Logs_20140328."
)

// newAPI returns the ECS and CloudWatch Logs APIs on one server, as
// `ecsrun serve` mounts them, over a fresh state directory (tasks are
// accepted and never run).
func newAPI(t testing.TB) *awsjson.Server {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cp, err := controlplane.Open(ctx, controlplane.Options{DB: db, Account: ecs.DefaultAccountInfo()})
	if err != nil {
		t.Fatal(err)
	}
	cp.Start(idle{})
	ls, err := logs.Open(ctx, db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	return awsjson.NewServer(ecsapi.New(cp), logsapi.New(ls))
}

type answer struct {
	status  int
	header  http.Header
	errType string
	message string
	body    []byte
}

// call sends one request straight to the handler.
func call(h http.Handler, method, target string, body []byte) answer {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if json.Unmarshal(a.body, &e) == nil {
		a.errType, a.message = e.Type, e.Message
	}
	return a
}

func TestAPI_BadRequestsGetClientErrors(t *testing.T) {
	srv := newAPI(t)
	modelcheck.Attach(t, srv)
	big := append([]byte(`{"clusterName":"`), bytes.Repeat([]byte("a"), awsjson.DefaultMaxBody)...)
	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		wantType                   string
		wantMessage                []string
	}{
		{"malformed JSON", "POST", ecsTarget + "ListClusters", `{"maxResults":`, 400, "SerializationException", []string{"malformed JSON"}},
		{"trailing garbage", "POST", ecsTarget + "ListClusters", `{} {}`, 400, "SerializationException", []string{"data after the JSON object"}},
		{"not an object", "POST", ecsTarget + "ListClusters", `"x"`, 400, "SerializationException", []string{"must be a JSON object"}},
		{"string for integer", "POST", ecsTarget + "RunTask", `{"taskDefinition":"x","count":"2"}`, 400, "SerializationException", []string{"'count'", "got a JSON string, want an integer"}},
		{"nested wrong type", "POST", ecsTarget + "RegisterTaskDefinition", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":true}]}`, 400, "SerializationException", []string{"containerDefinitions", "memory", "got a JSON bool"}},
		{"object for list", "POST", ecsTarget + "DescribeTasks", `{"tasks":{"a":1}}`, 400, "SerializationException", []string{"'tasks'", "want a list"}},
		{"integer overflow", "POST", ecsTarget + "ListTasks", `{"maxResults":99999999999}`, 400, "SerializationException", []string{"'maxResults'", "number 99999999999"}},
		{"unknown member", "POST", ecsTarget + "ListClusters", `{"maxResults":1,"pageSize":3}`, 400, "SerializationException", []string{`unknown member "pageSize"`, "ListClustersRequest", "maxResults, nextToken"}},
		{"member in the wrong case", "POST", ecsTarget + "DescribeTaskDefinition", `{"TaskDefinition":"web"}`, 400, "SerializationException", []string{`"TaskDefinition"`, `did you mean "taskDefinition"`, "case-sensitive"}},
		{"nested unknown member", "POST", ecsTarget + "RegisterTaskDefinition", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":32,"imagee":"x"}]}`, 400, "SerializationException", []string{`"imagee"`, "'containerDefinitions.1.member'", "ContainerDefinition"}},
		{"unknown member in a map value", "POST", ecsTarget + "RegisterTaskDefinition", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":32,"logConfiguration":{"logDriver":"awslogs","option":{}}}]}`, 400, "SerializationException", []string{`"option"`, "logConfiguration"}},
		{"missing required member", "POST", ecsTarget + "DescribeTasks", `{}`, 400, "InvalidParameterException", []string{"Value null at 'tasks' failed to satisfy constraint: Member must not be null"}},
		{"empty body, required member", "POST", ecsTarget + "RunTask", ``, 400, "InvalidParameterException", []string{"'taskDefinition'"}},
		{"enum", "POST", ecsTarget + "ListTasks", `{"desiredStatus":"DONE"}`, 400, "InvalidParameterException", []string{"Value 'DONE' at 'desiredStatus'", "RUNNING, PENDING, STOPPED"}},
		{"list too long", "POST", ecsTarget + "DescribeClusters", `{"clusters":[` + strings.TrimSuffix(strings.Repeat(`"c",`, 101), ",") + `]}`, 400, "InvalidParameterException", []string{"clusters"}},
		{"range", "POST", ecsTarget + "RunTask", `{"taskDefinition":"x","count":11}`, 400, "InvalidParameterException", []string{"count"}},
		{"unknown operation", "POST", ecsTarget + "LaunchRockets", `{}`, 400, "UnknownOperationException", []string{"LaunchRockets"}},
		{"unknown service", "POST", "Nope_2020.ListThings", `{}`, 400, "UnknownOperationException", []string{"Nope_2020.ListThings"}},
		{"no operation", "POST", "AmazonEC2ContainerServiceV20141113", `{}`, 400, "UnknownOperationException", []string{"AmazonEC2ContainerServiceV20141113"}},
		{"no target", "POST", "", `{}`, 400, "UnknownOperationException", []string{"X-Amz-Target"}},
		{"GET", "GET", ecsTarget + "ListClusters", ``, 400, "UnknownOperationException", []string{"POST"}},
		{"operation not implemented", "POST", ecsTarget + "DescribeCapacityProviders", `{}`, 400, "UnsupportedFeatureException", []string{"DescribeCapacityProviders"}},
		{"too large", "POST", ecsTarget + "CreateCluster", string(big), 413, "RequestEntityTooLargeException", []string{"exceeds"}},
		{"logs: malformed JSON", "POST", logsTarget + "CreateLogGroup", `{"logGroupName":`, 400, "SerializationException", []string{"malformed JSON"}},
		{"logs: wrong type", "POST", logsTarget + "GetLogEvents", `{"logGroupName":"g","logStreamName":"s","limit":"ten"}`, 400, "SerializationException", []string{"limit"}},
		{"logs: missing member", "POST", logsTarget + "CreateLogStream", `{"logGroupName":"g"}`, 400, "InvalidParameterException", []string{"'logStreamName'"}},
		{"logs: unknown operation", "POST", logsTarget + "FlyAway", `{}`, 400, "UnknownOperationException", []string{"FlyAway"}},
		{"invalid UTF-8 in an environment value", "POST", ecsTarget + "RegisterTaskDefinition", "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":32,\"environment\":[{\"name\":\"V\",\"value\":\"caf\xe9\"}]}]}", 400, "SerializationException", []string{"invalid UTF-8 at byte", "(0xE9)"}},
		{"lone surrogate in a cluster name", "POST", ecsTarget + "CreateCluster", `{"clusterName":"c\udc80"}`, 400, "SerializationException", []string{`\uDC80 is half of a UTF-16 surrogate pair`}},
		{"logs: invalid UTF-8 in a message", "POST", logsTarget + "PutLogEvents", "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1,\"message\":\"\xff\"}]}", 400, "SerializationException", []string{"invalid UTF-8"}},
		{"logs: operation not implemented", "POST", logsTarget + "PutMetricFilter", `{}`, 400, "InvalidOperationException", []string{"PutMetricFilter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(srv, tt.method, tt.target, []byte(tt.body))
			if a.status != tt.wantStatus || a.errType != tt.wantType || a.header.Get("X-Amzn-ErrorType") != tt.wantType {
				t.Fatalf("got %d %s (header %q) %q; want %d %s", a.status, a.errType, a.header.Get("X-Amzn-ErrorType"), a.message, tt.wantStatus, tt.wantType)
			}
			for _, w := range tt.wantMessage {
				if !strings.Contains(a.message, w) {
					t.Errorf("message %q does not say %q", a.message, w)
				}
			}
			if a.header.Get(awsjson.RequestIDHeader) == "" {
				t.Error("no x-amzn-RequestId header")
			}
		})
	}
}
