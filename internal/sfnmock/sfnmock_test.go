package sfnmock

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

// docExample is the example of AWS's documentation of Step Functions
// Local's mocked service integrations.
const docExample = `{
  "StateMachines":{
    "LambdaSQSIntegration":{
      "TestCases":{
        "HappyPath":{"LambdaState":"MockedLambdaSuccess","SQSState":"MockedSQSSuccess"},
        "RetryPath":{"LambdaState":"MockedLambdaRetry","SQSState":"MockedSQSSuccess"},
        "HybridPath":{"LambdaState":"MockedLambdaSuccess"}
      }
    }
  },
  "MockedResponses":{
    "MockedLambdaSuccess":{"0":{"Return":{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}}},
    "LambdaMockedResourceNotReady":{"0":{"Throw":{"Error":"Lambda.ResourceNotReadyException","Cause":"Lambda resource is not ready."}}},
    "MockedSQSSuccess":{"0":{"Return":{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}},
    "MockedLambdaRetry":{
      "0":{"Throw":{"Error":"Lambda.ResourceNotReadyException","Cause":"Lambda resource is not ready."}},
      "1-2":{"Throw":{"Error":"Lambda.TimeoutException","Cause":"Lambda timed out."}},
      "3":{"Return":{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}}
    }
  }
}`

func TestParse_docExample(t *testing.T) {
	c, err := Parse([]byte(docExample))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.TestCase("LambdaSQSIntegration", "RetryPath")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"0 throw Lambda.ResourceNotReadyException",
		"1 throw Lambda.TimeoutException",
		"2 throw Lambda.TimeoutException",
		"3 return {\"Payload\":{\"StatusCode\":200,\"body\":\"Hello from Lambda!\"},\"StatusCode\":200}",
		"4 none",
		"5 none",
	}
	for i, w := range want {
		n, o, ok := m.Next("LambdaState")
		got := ""
		switch {
		case !ok:
			got = "none"
		case o.Throw != nil:
			got = "throw " + o.Throw.Error
		default:
			got = "return " + workflow.EncodeJSON(o.Return)
		}
		if got = strings.TrimSpace(strings.Join([]string{itoa(n), got}, " ")); got != w {
			t.Errorf("invocation %d: got %q; want %q", i, got, w)
		}
	}
	if !m.Has("SQSState") || m.Has("Nope") {
		t.Errorf("Has: SQSState %v, Nope %v; want true, false", m.Has("SQSState"), m.Has("Nope"))
	}
	hybrid, _ := c.TestCase("LambdaSQSIntegration", "HybridPath")
	if hybrid.Has("SQSState") {
		t.Errorf("HybridPath mocks SQSState; it should run the real integration")
	}
	if got := c.Responses["MockedLambdaRetry"].Invocations(); got != "0, 1-2, 3" {
		t.Errorf("Invocations = %q", got)
	}
}

func itoa(n int) string { return workflow.EncodeJSON(n) }

func TestParse_errors(t *testing.T) {
	tests := []struct {
		name, conf string
		want       []string
	}{
		{"not json", `{`, []string{"not valid JSON"}},
		{"not object", `[]`, []string{"/: must be an object"}},
		{"typo top", `{"StateMachines":{},"MockedResponse":{}}`, []string{`/MockedResponse: field is not allowed here; did you mean "MockedResponses"?`}},
		{"no state machines", `{"MockedResponses":{}}`, []string{`/: missing required field "StateMachines"`}},
		{"no test cases", `{"StateMachines":{"sm":{}}}`, []string{`/StateMachines/sm: missing required field "TestCases"`}},
		{"undefined response", `{"StateMachines":{"sm":{"TestCases":{"t":{"A":"Ok"}}}},"MockedResponses":{"OK":{"0":{"Return":1}}}}`,
			[]string{`/StateMachines/sm/TestCases/t/A: mocked response "Ok" is not defined in MockedResponses; did you mean "OK"?`}},
		{"response not string", `{"StateMachines":{"sm":{"TestCases":{"t":{"A":1}}}}}`, []string{`/StateMachines/sm/TestCases/t/A: must be the name of a mocked response`}},
		{"bad key", `{"StateMachines":{},"MockedResponses":{"R":{"first":{"Return":1}}}}`, []string{`/MockedResponses/R/first: invocation numbers are written`}},
		{"negative", `{"StateMachines":{},"MockedResponses":{"R":{"-1":{"Return":1}}}}`, []string{`/MockedResponses/R/-1: invocation numbers`}},
		{"backwards", `{"StateMachines":{},"MockedResponses":{"R":{"3-1":{"Return":1}}}}`, []string{`/MockedResponses/R/3-1: range "3-1" ends before it starts`}},
		{"overlap", `{"StateMachines":{},"MockedResponses":{"R":{"0-2":{"Return":1},"2":{"Return":2}}}}`, []string{`/MockedResponses/R: invocation 2 is given twice (in 0-2 and 2)`}},
		{"both", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"e","Cause":"c"}}}}}`, []string{`/MockedResponses/R/0: must have exactly one of "Return"`}},
		{"neither", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Retrun":1}}}}`, []string{`/MockedResponses/R/0/Retrun: field is not allowed here; did you mean "Return"?`, `/MockedResponses/R/0: must have exactly one of`}},
		{"throw fields", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Throw":{"Error":"e"}}}}}`, []string{`/MockedResponses/R/0/Throw: "Cause" must be a string`}},
		{"empty", `{"StateMachines":{},"MockedResponses":{"R":{}}}`, []string{`/MockedResponses/R: must give at least one invocation`}},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.conf))
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Parse = %v; want a ConfigError", tt.name, err)
			continue
		}
		if len(ce.Problems) != len(tt.want) {
			t.Errorf("%s: problems %q; want %q", tt.name, ce.Problems, tt.want)
			continue
		}
		for i, w := range tt.want {
			if !strings.HasPrefix(ce.Problems[i], w) && !strings.Contains(ce.Problems[i], w) {
				t.Errorf("%s: problem %d = %q; want %q", tt.name, i, ce.Problems[i], w)
			}
		}
	}
}

func TestConfig_TestCase(t *testing.T) {
	c, err := Parse([]byte(docExample))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ sm, tc, want string }{
		{"Other", "HappyPath", `no state machine "Other" (it has "LambdaSQSIntegration"`},
		{"LambdaSQSIntegration", "Sad", `no test case "Sad" for state machine "LambdaSQSIntegration" (it has "HappyPath", "HybridPath", "RetryPath")`},
	}
	for _, tt := range tests {
		_, err := c.TestCase(tt.sm, tt.tc)
		if !errors.Is(err, ErrNoTestCase) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("TestCase(%q, %q) = %v; want %q", tt.sm, tt.tc, err, tt.want)
		}
	}
}

func TestResponse_At(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":"a"},"2-3":{"Return":"b"},"5":{"Throw":{"Error":"E","Cause":"C"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Responses["R"]
	want := map[int]string{0: `"a"`, 1: "", 2: `"b"`, 3: `"b"`, 4: "", 5: "E", 6: ""}
	for n := 0; n <= 6; n++ {
		o, ok := r.At(n)
		got := ""
		switch {
		case !ok:
		case o.Throw != nil:
			got = o.Throw.Error
		default:
			got = workflow.EncodeJSON(o.Return)
		}
		if got != want[n] {
			t.Errorf("At(%d) = %q; want %q", n, got, want[n])
		}
	}
}

func TestMocks_Next_concurrent(t *testing.T) {
	c, _ := Parse([]byte(`{"StateMachines":{"sm":{"TestCases":{"t":{"A":"R"}}}},"MockedResponses":{"R":{"0-99":{"Return":1}}}}`))
	m, _ := c.TestCase("sm", "t")
	var wg sync.WaitGroup
	seen := make([]bool, 100)
	var mu sync.Mutex
	for range 100 {
		wg.Go(func() {
			n, _, ok := m.Next("A")
			mu.Lock()
			defer mu.Unlock()
			if !ok || seen[n] {
				t.Errorf("invocation %d: ok %v, seen before %v", n, ok, seen[n])
			}
			seen[n] = true
		})
	}
	wg.Wait()
}

func TestSplitTestCase(t *testing.T) {
	tests := []struct{ in, arn, tc string }{
		{"arn:aws:states:us-east-1:1:stateMachine:sm#HappyPath", "arn:aws:states:us-east-1:1:stateMachine:sm", "HappyPath"},
		{"arn:aws:states:us-east-1:1:stateMachine:sm", "arn:aws:states:us-east-1:1:stateMachine:sm", ""},
	}
	for _, tt := range tests {
		if a, tc := SplitTestCase(tt.in); a != tt.arn || tc != tt.tc {
			t.Errorf("SplitTestCase(%q) = %q, %q; want %q, %q", tt.in, a, tc, tt.arn, tt.tc)
		}
	}
}
