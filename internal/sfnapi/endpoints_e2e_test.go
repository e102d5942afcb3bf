package sfnapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
)

// servicesStub stands in for Lambda (REST-JSON invoke) and SNS (query
// Publish) on one loopback server, recording what it received.
type servicesStub struct {
	mu        sync.Mutex
	invoked   []string // function name: payload
	published []string // topic: message
	failFirst bool     // the first invocation answers a 500 ServiceException
}

func (s *servicesStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/"); ok && strings.HasSuffix(fn, "/invocations") {
		fn = strings.TrimSuffix(fn, "/invocations")
		if fn, err := url.PathUnescape(fn); err == nil {
			if s.failFirst && len(s.invoked) == 0 {
				s.invoked = append(s.invoked, fn+": (fault)")
				w.Header().Set("X-Amzn-ErrorType", "ServiceException")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"Type":"Service","message":"Lambda was unavailable."}`)
				return
			}
			s.invoked = append(s.invoked, fn+": "+string(body))
			w.Header().Set("X-Amz-Executed-Version", "$LATEST")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"files":["a.txt","b.txt"]}`)
			return
		}
	}
	form, _ := url.ParseQuery(string(body))
	if form.Get("Action") == "Publish" {
		s.published = append(s.published, form.Get("TopicArn")+": "+form.Get("Message"))
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>0c8c4d6e-1b1f-4d2e-8a47-5d2a3e9f6b21</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`)
		return
	}
	http.Error(w, "not a Lambda invoke or an SNS Publish", http.StatusNotFound)
}

// TestEndpoints_realWorld runs real-world ECS machines whose Lambda and SNS
// states reach a local stand-in configured as the serve configuration's
// endpoints, their ECS states running real tasks on Docker: nothing is
// mocked.
func TestEndpoints_realWorld(t *testing.T) {
	stub := &servicesStub{failFirst: true}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	h := newHarnessWith(t, func(o *engine.Options) {
		o.Config = &serveconfig.Config{Endpoints: map[string]string{"lambda": srv.URL, "sns": srv.URL}}
	})
	start := func(name, def, input string) *sfn.DescribeExecutionOutput {
		t.Helper()
		c := ctxT(t)
		sm, err := h.sfn.CreateStateMachine(c, &sfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::000000000000:role/test"),
		})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := h.sfn.StartExecution(c, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(input)},
			sfn.WithAPIOptions(smithyhttp.AddHeaderValue(sfnapi.DelayScaleHeader, "0.01")))
		if err != nil {
			t.Fatal(err)
		}
		return h.wait(aws.ToString(ex.ExecutionArn))
	}

	t.Run("ECS task, then SNS at the endpoint", func(t *testing.T) {
		def := readMachine(t, realWorldMachine, map[string]string{
			"Cluster": "default", "TaskDefinition": "fargate-example", "Subnets": "subnet-0123456789abcdef0",
			"AssignPublicIp": "DISABLED", "SecurityGroups": "sg-0123456789abcdef0", "SNSTopicArn": "arn:aws:sns:us-east-1:000000000000:alerts",
		})
		h.registerFargate("fargate-example", "fargate-example-app", "getenv", "PARAM")
		ex := start("resilient", def, `{}`)
		if ex.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
		}
		if out := decode(t, aws.ToString(ex.Output)); out["MessageId"] != "0c8c4d6e-1b1f-4d2e-8a47-5d2a3e9f6b21" {
			t.Errorf("output %v; want the SNS endpoint's answer", out)
		}
		stub.mu.Lock()
		published := append([]string(nil), stub.published...)
		stub.mu.Unlock()
		if len(published) != 1 || !strings.HasPrefix(published[0], "arn:aws:sns:us-east-1:000000000000:alerts: ") || !strings.Contains(published[0], "succeeded") {
			t.Errorf("the SNS endpoint received %q; want one success notification to the topic", published)
		}
		if got := strings.Join(stateEvents(h.history(aws.ToString(ex.ExecutionArn))), ","); !strings.Contains(got, "Run Fargate Task:TaskSubmitted,Run Fargate Task:TaskSucceeded") {
			t.Errorf("task events %s; want the ECS task submitted and succeeded", got)
		}
	})

	t.Run("Lambda at the endpoint with a fault and a retry, then an ECS task", func(t *testing.T) {
		def := readMachine(t, lambdaThenECS, map[string]string{
			"ListFilesFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:list-files", "WorkflowAppCLuster": "default",
		})
		h.registerFargate("workflowAppCdkStackWorkflowAppTaskDef", "WorkflowAppContainer", "out")
		ex := start("copy-files", def, `{"bucket":"in"}`)
		if ex.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
		}
		stub.mu.Lock()
		invoked := append([]string(nil), stub.invoked...)
		stub.mu.Unlock()
		want := []string{"arn:aws:lambda:us-east-1:000000000000:function:list-files: (fault)", `arn:aws:lambda:us-east-1:000000000000:function:list-files: {"bucket":"in"}`}
		if strings.Join(invoked, "\n") != strings.Join(want, "\n") {
			t.Errorf("the Lambda endpoint received\n%s\nwant\n%s", strings.Join(invoked, "\n"), strings.Join(want, "\n"))
		}
		var ecsInput string
		for _, ev := range h.history(aws.ToString(ex.ExecutionArn)) {
			if d := ev.TaskScheduledEventDetails; d != nil && aws.ToString(d.Resource) == "runTask.sync" {
				ecsInput = aws.ToString(d.Parameters)
			}
			if d := ev.TaskFailedEventDetails; d != nil && aws.ToString(d.Error) != "Lambda.ServiceException" {
				t.Errorf("a task failed with %s; want only the Lambda fault, retried", aws.ToString(d.Error))
			}
		}
		var params map[string]any
		if err := json.Unmarshal([]byte(ecsInput), &params); err != nil || !strings.Contains(ecsInput, `a.txt`) {
			t.Errorf("RunTask parameters %s; want the Lambda's payload in the container's environment", ecsInput)
		}
	})
}

// newHarnessWith is newHarness with the engine's options changed by set.
func newHarnessWith(t *testing.T, set func(*engine.Options)) *harness {
	t.Helper()
	h := newHarness(t)
	h.eng.Close()
	o := engine.Options{StateDir: t.TempDir(), Runtime: h.rt, PullBehavior: runtime.PullPreferCached}
	set(&o)
	eng, err := engine.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	h.dir = o.StateDir
	h.connect(eng)
	return h
}
