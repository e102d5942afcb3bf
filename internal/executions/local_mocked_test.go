package executions

import (
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// stepfunctionsDir is the AWS-recorded Step Functions data.
const stepfunctionsDir = "../../../shared/conformance/stepfunctions"

// localMockedCases are LocalStack's mocked-integration tests (recorded
// against AWS with the real services, replayed locally with a mock
// configuration): the definition each runs (LocalStack's test code picks
// it), how its template's placeholder Resource is filled in, and the state
// whose Task the test case mocks. Each case's mocked responses are the
// outcomes AWS recorded for those states, as LocalStack's mock files are.
var localMockedCases = []struct {
	snapshot, test, template, resource string
	// mocks is the test case's mocked responses (by state) when the
	// recording cannot tell which state an outcome belongs to (Parallel
	// branches interleave); LocalStack's test code gives the same.
	mocks string
	// outcomesFrom names the recorded test whose Task outcomes the mocks
	// hold, for a recording of StartSyncExecution (its response has the
	// execution's input and output, not the Task's outcome; LocalStack
	// mocks it with the same response as that test).
	outcomesFrom string
	// notApplicable says why the case cannot run here.
	notApplicable string
}{
	{snapshot: "test_base_scenarios", test: "test_lambda_invoke", template: "services/statemachines/lambda_invoke_resource.json5",
		resource: "arn:aws:lambda:us-east-1:111111111111:function:lambda_function_name"},
	{snapshot: "test_base_scenarios", test: "test_lambda_service_invoke", template: "services/statemachines/lambda_invoke.json5"},
	{snapshot: "test_base_scenarios", test: "test_lambda_service_invoke_sync_execution", template: "services/statemachines/lambda_invoke.json5",
		outcomesFrom: "test_lambda_service_invoke"},
	{snapshot: "test_base_scenarios", test: "test_sqs_send_message", template: "services/statemachines/sqs_send_msg.json5"},
	{snapshot: "test_base_scenarios", test: "test_sns_publish_base", template: "services/statemachines/sns_publish.json5"},
	{snapshot: "test_base_scenarios", test: "test_events_put_events", template: "services/statemachines/events_put_events.json5"},
	{snapshot: "test_base_scenarios", test: "test_dynamodb_put_get_item", template: "services/statemachines/dynamodb_put_get_item.json5"},
	{snapshot: "test_base_scenarios", test: "test_parallel_state_lambda", template: "scenarios/statemachines/parallel_state_service_lambda.json5",
		mocks: `{"Branch1": {"0": {"Return": {"StatusCode": 200, "Payload": ["string-literal"]}}},
		         "Branch2": {"0": {"Return": {"StatusCode": 200, "Payload": "input-event-['string-literal']"}}}}`},
	{snapshot: "test_base_scenarios", test: "test_map_state_lambda", template: "scenarios/statemachines/map_state_config_distributed_reentrant_lambda.json5",
		notApplicable: "its Lambda tasks run in distributed Map child executions, whose histories (and so the mocked responses) the recording does not hold"},
	{snapshot: "test_base_scenarios", test: "test_numbered_mock_responses_multiple_success_invocations",
		notApplicable: "its definition (which uses Assign) is built by LocalStack's test code: no template holds it"},
	{snapshot: "test_base_callbacks", test: "test_sfn_start_execution_sync[SFN_SYNC]", template: "callbacks/statemachines/sfn_start_execution_sync.json5"},
	{snapshot: "test_base_callbacks", test: "test_sfn_start_execution_sync[SFN_SYNC2]", template: "callbacks/statemachines/sfn_start_execution_sync2.json5"},
	{snapshot: "test_base_callbacks", test: "test_sqs_wait_for_task_token", template: "callbacks/statemachines/sqs_wait_for_task_token.json5"},
	{snapshot: "test_base_callbacks", test: "test_sqs_wait_for_task_token_task_failure", template: "callbacks/statemachines/sqs_wait_for_task_token_catch.json5"},
}

// recordedJSON decodes a recorded value that is JSON text in a string.
func recordedJSON(v any) any {
	if s, ok := v.(string); ok {
		if d, err := workflow.DecodeJSON([]byte(s)); err == nil {
			return d
		}
	}
	return v
}

// mockConfigOf builds the mock configuration of a recorded execution:
// each Task state's outcomes, in order, as numbered mocked responses.
func mockConfigOf(events []any) (string, error) {
	responses := map[string]map[string]any{}
	count := map[string]int{}
	state := ""
	for _, e := range events {
		em, _ := e.(map[string]any)
		typ, _ := em["type"].(string)
		var outcome map[string]any
		switch typ {
		case "TaskStateEntered":
			state, _ = em["stateEnteredEventDetails"].(map[string]any)["name"].(string)
		case "TaskSucceeded", "LambdaFunctionSucceeded":
			key := "taskSucceededEventDetails"
			if typ != "TaskSucceeded" {
				key = "lambdaFunctionSucceededEventDetails"
			}
			d, _ := em[key].(map[string]any)
			outcome = map[string]any{"Return": recordedJSON(d["output"])}
		case "TaskFailed", "LambdaFunctionFailed":
			var d map[string]any
			for k, v := range em {
				if strings.HasSuffix(k, "EventDetails") {
					d, _ = v.(map[string]any)
				}
			}
			outcome = map[string]any{"Throw": map[string]any{"Error": d["error"], "Cause": d["cause"]}}
		}
		if outcome == nil {
			continue
		}
		if responses[state] == nil {
			responses[state] = map[string]any{}
		}
		responses[state][workflow.EncodeJSON(count[state])] = outcome
		count[state]++
	}
	tc := map[string]any{}
	mocked := map[string]any{}
	for st, r := range responses {
		tc[st] = "Mocked" + st
		mocked["Mocked"+st] = r
	}
	return workflow.EncodeJSON(map[string]any{
		"StateMachines":   map[string]any{"sm-name": map[string]any{"TestCases": map[string]any{"TestCaseName": tc}}},
		"MockedResponses": mocked,
	}), nil
}

// TestConformance_localMocked replays LocalStack's mocked service
// integration cases: the definition runs through the dispatch chain with a
// mock configuration (Step Functions Local's format) holding what AWS
// answered, and the outcome and the sequence of history events must be
// what AWS recorded with the real services.
func TestConformance_localMocked(t *testing.T) {
	if _, err := os.Stat(stepfunctionsDir); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("conformance data %s is absent (set CI to make this a failure)", stepfunctionsDir)
		}
		t.Fatal(err)
	}
	snaps := map[string]map[string]any{}
	for _, name := range []string{"test_base_scenarios", "test_base_callbacks"} {
		data, err := os.ReadFile(filepath.Join(stepfunctionsDir, "v2/local_mocking", name+".snapshot.json"))
		if err != nil {
			t.Fatal(err)
		}
		v, err := workflow.DecodeJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		snaps[name] = v.(map[string]any)
	}
	passed, na := 0, 0
	for _, c := range localMockedCases {
		var rc map[string]any
		for k, v := range snaps[c.snapshot] {
			if strings.HasSuffix(k, "::"+c.test) {
				rc, _ = v.(map[string]any)["recorded-content"].(map[string]any)
			}
		}
		if rc == nil {
			t.Errorf("%s: not in the recordings", c.test)
			continue
		}
		if c.notApplicable != "" {
			na++
			t.Logf("%s: not applicable: %s", c.test, c.notApplicable)
			continue
		}
		if c.outcomesFrom != "" {
			rc = maps.Clone(rc)
			for k, v := range snaps[c.snapshot] {
				if strings.HasSuffix(k, "::"+c.outcomesFrom) {
					rc["get_execution_history"] = v.(map[string]any)["recorded-content"].(map[string]any)["get_execution_history"]
				}
			}
		}
		if ok := t.Run(c.test, func(t *testing.T) { runLocalMocked(t, c.template, c.resource, c.mocks, rc) }); ok {
			passed++
		}
	}
	t.Logf("local mocked cases: %d of %d applicable pass; %d not applicable", passed, len(localMockedCases)-na, na)
}

func runLocalMocked(t *testing.T, template, resource, given string, rc map[string]any) {
	data, err := os.ReadFile(filepath.Join(stepfunctionsDir, "templates", template))
	if err != nil {
		t.Fatal(err)
	}
	def := string(workflow.JSON5ToJSON(data))
	if resource != "" {
		def = strings.ReplaceAll(def, `"__tbd__"`, `"`+resource+`"`)
	}
	var events []any
	var input, want any
	wantStatus := workflow.StatusSucceeded
	sync, isSync := rc["start_execution_sync_response"].(map[string]any)
	if h, ok := rc["get_execution_history"].(map[string]any); ok {
		events, _ = h["events"].([]any)
		first := events[0].(map[string]any)["executionStartedEventDetails"].(map[string]any)
		input = recordedJSON(first["input"])
		last := events[len(events)-1].(map[string]any)
		if d, ok := last["executionSucceededEventDetails"].(map[string]any); ok {
			want = recordedJSON(d["output"])
		} else {
			wantStatus = workflow.StatusFailed
		}
	}
	if isSync {
		// StartSyncExecution's response: the input and output to match.
		input, want = recordedJSON(sync["input"]), recordedJSON(sync["output"])
	}
	conf, err := mockConfigOf(events)
	if err != nil {
		t.Fatal(err)
	}
	if given != "" {
		conf = mockConfigFor(t, given)
	}
	c, err := sfnmock.Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	mocks, err := c.TestCase("sm-name", "TestCaseName")
	if err != nil {
		t.Fatal(err)
	}
	r := runChain(t, def, input, NewDispatcher(mocks))
	if r.res.Status != wantStatus {
		t.Fatalf("status %s (%v); want %s", r.res.Status, r.res.Error, wantStatus)
	}
	// The parallel recording normalised its outputs to placeholders.
	if s, ok := want.(string); !ok || !strings.HasSuffix(s, "Details.output") {
		if g, w := workflow.EncodeJSON(r.res.Output), workflow.EncodeJSON(want); g != w {
			t.Errorf("output\n got  %s\n want %s", g, w)
		}
	}
	if isSync {
		return // no history was recorded
	}
	wantTypes := make([]string, 0, len(events))
	for _, e := range events {
		typ := e.(map[string]any)["type"].(string)
		wantTypes = append(wantTypes, strings.Replace(typ, "LambdaFunction", "Task", 1))
	}
	got := append([]string(nil), r.events...)
	if strings.Contains(def, `"Parallel"`) {
		sort.Strings(got)
		sort.Strings(wantTypes)
	}
	if strings.Join(got, ",") != strings.Join(wantTypes, ",") {
		t.Errorf("event types\n got  %v\n want %v", got, wantTypes)
	}
}

// mockConfigFor wraps mocked responses by state into a configuration.
func mockConfigFor(t *testing.T, byState string) string {
	t.Helper()
	v, err := workflow.DecodeJSON([]byte(byState))
	if err != nil {
		t.Fatal(err)
	}
	tc, mocked := map[string]any{}, map[string]any{}
	for st, r := range v.(map[string]any) {
		tc[st] = "Mocked" + st
		mocked["Mocked"+st] = r
	}
	return workflow.EncodeJSON(map[string]any{
		"StateMachines":   map[string]any{"sm-name": map[string]any{"TestCases": map[string]any{"TestCaseName": tc}}},
		"MockedResponses": mocked,
	})
}
