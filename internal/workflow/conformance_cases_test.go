package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// recordedDef is the definition a recorded test ran, as LocalStack's test
// code (not among the recordings) builds it: which template it loads and
// what it changes, or the definition it writes itself. The recordings keep
// only the history, so these are facts taken from that test code
// (localstack/localstack, tests/aws/services/stepfunctions/v2, at the
// commit the recordings' README names).
type recordedDef struct {
	// template is the definition's file under templates/.
	template string
	// byParam is the template by test parameter, for a test whose
	// parameter is the template it loads (instead of template).
	byParam map[string]string
	// literal replaces the template's %..% placeholder.
	literal string
	// edit is the test code's change to the loaded template; param is the
	// test's parameter (the text in brackets of its id).
	edit func(def map[string]any, param string)
	// build returns a definition written by the test code; it may read
	// the recorded events (a definition the test synthesises with the
	// AWS CDK, whose Task parameters the recording shows).
	build func(events []any) string
	// input builds the execution input from the time the execution
	// starts, for a test that put the current time in it; it returns the
	// input and the replacements the test's snapshot transformer made
	// (the real value and the placeholder recorded in its place); a nil
	// input keeps the recorded one.
	input func(start time.Time, param string) (any, map[string]string)
}

// lambdaFunctionArn stands for the function a test created.
const lambdaFunctionArn = "arn:aws:lambda:us-east-1:111111111111:function:lambda_function_name"

func setResource(state, arn string) func(map[string]any, string) {
	return func(def map[string]any, _ string) {
		stateOf(def, state)["Resource"] = arn
	}
}

func stateOf(def map[string]any, name string) map[string]any {
	states, _ := def["States"].(map[string]any)
	st, _ := states[name].(map[string]any)
	return st
}

func appendErrorEquals(def map[string]any, state, name string) {
	catch, _ := stateOf(def, state)["Catch"].([]any)
	c, _ := catch[0].(map[string]any)
	eq, _ := c["ErrorEquals"].([]any)
	c["ErrorEquals"] = append(eq, name)
}

// waitInput is test_wait's input: the current time (whole seconds, UTC)
// plus days, with a suffix; the test's transformer records it as
// "<timestamp>".
func waitInput(start time.Time, days int, suffix string) (any, map[string]string) {
	ts := start.UTC().AddDate(0, 0, days).Format("2006-01-02T15:04:05") + suffix
	return map[string]any{"start_at": ts}, map[string]string{ts: "<timestamp>"}
}

// waitTimestampValues are the timestamps test_wait_timestamp_path and
// test_wait_timestamp_jsonata put in their input, by test parameter; the
// recording shows "date" or (under a key naming a timestamp) "timestamp".
var waitTimestampValues = map[string]string{
	"SECONDS":      "2016-03-14T01:59:00Z",
	"NANOSECONDS":  "2016-03-05T21:29:29.243167252Z",
	"NO_T":         "2016-12-05 21:29:29Z",
	"NO_Z":         "2016-12-05T21:29:29",
	"INVALID_DATE": "2016-13-05T21:29:29Z",
	"INVALID_TIME": "2016-12-05T25:29:29Z",
	"INVALID_ISO":  "05-12-2016T21:29:29Z",
}

func timestampValueInput(_ time.Time, param string) (any, map[string]string) {
	v, ok := waitTimestampValues[param]
	if !ok {
		return nil, nil // an older recording without the parameter
	}
	return map[string]any{"TimestampValue": v}, nil
}

// recordedDefs are the recorded tests whose definition the template index
// cannot find by name (or finds wrongly), keyed by snapshot file base name
// and test id; an id with a parameter falls back to its name without it.
var recordedDefs = map[string]recordedDef{
	"test_base::test_state_fail_intrinsic": {template: "base/statemachines/raise_failure_path_intrinsic.json5"},
	"test_base::test_state_pass_result_jsonpaths": {template: "base/statemachines/pass_result.json5",
		edit: func(def map[string]any, _ string) {
			stateOf(def, "State_1")["Result"] = map[string]any{"unsupported1.$": "$.jsonpath", "unsupported2.$": "$$"}
		}},
	// The parameter is the timestamp's suffix.
	"test_wait::test_wait_timestamppath": {template: "base/statemachines/wait_timestamp_path.json5",
		input: func(start time.Time, param string) (any, map[string]string) { return waitInput(start, 0, param) }},
	// The parameter is the number of days ahead.
	"test_wait::test_timestamp_too_far_in_future_boundary": {template: "base/statemachines/wait_timestamp_path.json5",
		input: func(start time.Time, param string) (any, map[string]string) {
			days, _ := strconv.Atoi(param)
			return waitInput(start, days, ".000Z")
		}},
	"test_base_scenarios::test_wait_timestamp_path": {template: "scenarios/statemachines/wait_timestamp_path.json5",
		input: timestampValueInput},
	"test_base_scenarios::test_wait_timestamp_jsonata": {template: "scenarios/statemachines/wait_timestamp_jsonata.json5",
		input: timestampValueInput},
	"test_context_object::test_items_path": {template: "context_object/statemachines/context_object_items_path.json5",
		literal: "$$.Execution.Input.input-values"},
	"test_context_object::test_result_selector": {template: "context_object/statemachines/context_object_result_selector.json5",
		literal: "$$.Execution.Input"},
	"test_context_object::test_variable": {template: "context_object/statemachines/context_object_variable.json5",
		literal: "$$.Execution.Input.input-value"},
	"test_states_errors::test_start_large_input": {build: func([]any) string {
		// A Pass state whose Result is over the 256 KiB payload limit.
		return EncodeJSON(map[string]any{"StartAt": "State_1", "States": map[string]any{"State_1": map[string]any{
			"Type": "Pass", "Result": map[string]any{"Arg1": strings.Repeat("a", 257*1024)}, "End": true}}})
	}},
	"test_states_errors::test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response": {
		template: "errorhandling/statemachines/task_service_lambda_invoke_catch_all.json5"},
	"test_states_errors::test_task_lambda_data_limit_exceeded_on_large_utf8_response": {
		template: "errorhandling/statemachines/task_service_lambda_invoke_catch_data_limit_exceeded.json5",
		edit:     setResource("InvokeLambda", lambdaFunctionArn)},
	"test_states_errors::test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response": {
		template: "errorhandling/statemachines/task_service_lambda_invoke_catch_all.json5",
		edit:     setResource("InvokeLambda", lambdaFunctionArn)},
	"test_task_lambda::test_raise_exception": {template: "errorhandling/statemachines/task_lambda_invoke_catch_unknown.json5",
		edit: setResource("Start", lambdaFunctionArn)},
	"test_task_lambda::test_raise_custom_exception": {template: "errorhandling/statemachines/task_lambda_invoke_catch_tbd.json5",
		edit: func(def map[string]any, _ string) {
			stateOf(def, "InvokeLambda")["Resource"] = lambdaFunctionArn
			appendErrorEquals(def, "InvokeLambda", "CustomException")
		}},
	"test_task_lambda::test_raise_exception_catch": {template: "errorhandling/statemachines/task_lambda_invoke_catch_relevant.json5",
		edit: setResource("Start", lambdaFunctionArn)},
	"test_task_lambda::test_no_such_function": {template: "errorhandling/statemachines/task_lambda_invoke_catch_unknown.json5",
		edit: setResource("Start", lambdaFunctionArn)},
	"test_task_lambda::test_no_such_function_catch": {template: "errorhandling/statemachines/task_lambda_invoke_catch_relevant.json5",
		edit: setResource("Start", lambdaFunctionArn)},
	"test_task_service_lambda::test_raise_exception": {template: "errorhandling/statemachines/task_service_lambda_invoke_catch_unknown.json5"},
	"test_task_service_lambda::test_raise_custom_exception": {template: "errorhandling/statemachines/task_service_lambda_invoke_catch_tbd.json5",
		edit: func(def map[string]any, _ string) { appendErrorEquals(def, "InvokeLambda", "CustomException") }},
	"test_task_service_lambda::test_raise_exception_catch": {template: "errorhandling/statemachines/task_service_lambda_invoke_catch_relevant.json5"},
	"test_task_service_lambda::test_raise_exception_catch_output_path": {
		template: "errorhandling/statemachines/task_service_lambda_invoke_catch_all_output_path.json5",
		edit: func(def map[string]any, param string) {
			var v any = param
			if param == "None" {
				v = nil
			}
			stateOf(def, "InvokeLambda")["OutputPath"] = v
		}},
	"test_task_service_lambda::test_no_such_function":       {template: "errorhandling/statemachines/task_service_lambda_invoke_catch_unknown.json5"},
	"test_task_service_lambda::test_no_such_function_catch": {template: "errorhandling/statemachines/task_service_lambda_invoke_catch_relevant.json5"},
	// LocalStack's test_array_unique runs the ArrayLength template (the
	// recording's output, 20, is the input's length).
	"test_array::test_array_unique": {template: "intrinsicfunctions/statemachines/array/array_length.json5"},
	"test_callback::test_sqs_wait_for_task_tok_with_heartbeat": {
		template: "timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat.json5"},
	"test_callback::test_multiple_heartbeat_notifications": {
		template: "timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json5"},
	"test_callback::test_multiple_executions_and_heartbeat_notifications": {
		template: "timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json5"},
	"test_base_scenarios::test_choice_singleton_composite[CHOICE_STATE_SINGLETON_COMPOSITE_LITERAL_JSONATA]": {
		template: "scenarios/statemachines/choice_state_singleton_composite_literal_string_jsonata.json5"},
	"test_base_scenarios::test_max_concurrency_path_negative": {template: "scenarios/statemachines/max_concurrency_path.json5"},
	"test_base_scenarios::test_map_item_reader_csv_max_items_paths": {
		template: "scenarios/statemachines/map_item_reader_base_csv_max_items_path.json5"},
	// The "inline" test loads the distributed template.
	"test_base_scenarios::test_map_state_config_inline_item_selector": {
		template: "scenarios/statemachines/map_state_config_distributed_item_selector.json5"},
	// query_language: the parameter names the template loaded.
	"test_base_query_language::test_base_query_language_field": {byParam: map[string]string{
		"JSON_PATH": "querylanguage/statemachines/base_pass_jsonpath.json5",
		"JSONATA":   "querylanguage/statemachines/base_pass_jsonata.json5",
	}},
	"test_base_query_language::test_query_language_field_override": {byParam: map[string]string{
		"JSONATA_OVERRIDE":         "querylanguage/statemachines/base_pass_jsonata_override.json5",
		"JSONATA_OVERRIDE_DEFAULT": "querylanguage/statemachines/base_pass_jsonata_override_default.json5",
	}},
	"test_mixed_query_language::test_variable_sampling": {byParam: map[string]string{
		"JSONATA_ASSIGN_JSONPATH_REF": "querylanguage/statemachines/jsonata_assign_jsonpath_reference.json5",
		"JSONPATH_ASSIGN_JSONATA_REF": "querylanguage/statemachines/jsonpath_assign_jsonata_reference.json5",
	}},
	"test_mixed_query_language::test_lambda_task_resource_data_flow": {literal: lambdaFunctionArn, byParam: map[string]string{
		"TASK_LAMBDA_LEGACY_RESOURCE_JSONATA_TO_JSONPATH": "querylanguage/statemachines/task_lambda_legacy_resource_from_jsonata_to_jsonpath.json5",
		"TASK_LAMBDA_SDK_RESOURCE_JSONATA_TO_JSONPATH":    "querylanguage/statemachines/task_lambda_sdk_resource_from_jsonata_to_jsonpath.json5",
		"TASK_LAMBDA_LEGACY_RESOURCE_JSONPATH_TO_JSONATA": "querylanguage/statemachines/task_lambda_legacy_resource_from_jsonpath_to_jsonata.json5",
		"TASK_LAMBDA_SDK_RESOURCE_JSONPATH_TO_JSONATA":    "querylanguage/statemachines/task_lambda_sdk_resource_from_jsonpath_to_jsonata.json5",
	}},
	// evaluate_jsonata: the base templates with the field under test set.
	"test_base_evaluate_expressions::test_base_task": {template: "evaluatejsonata/statemachines/base_task.json5", literal: lambdaFunctionArn,
		edit: setFields("Start", map[string]map[string]any{
			"TIMEOUT_SECONDS":   {"TimeoutSeconds": ejtNumberExpression},
			"HEARTBEAT_SECONDS": {"HeartbeatSeconds": ejtNumberExpression},
		})},
	"test_base_evaluate_expressions::test_base_task_from_input": {template: "evaluatejsonata/statemachines/base_task.json5", literal: lambdaFunctionArn,
		edit: setFields("Start", map[string]map[string]any{
			"TIMEOUT_SECONDS":   {"TimeoutSeconds": ejtStateInputExpression},
			"HEARTBEAT_SECONDS": {"HeartbeatSeconds": ejtStateInputExpression},
		})},
	"test_base_evaluate_expressions::test_base_map": {template: "evaluatejsonata/statemachines/base_map.json5",
		edit: setFields("Start", map[string]map[string]any{
			"ITEMS":                        {"Items": []any{1, `{% $number("2") %}`, 3}},
			"ITEMS_DOUBLE_QUOTES":          {"Items": []any{1, `{% $number('2') %}`, 3}},
			"MAX_CONCURRENCY":              {"MaxConcurrency": ejtNumberExpression},
			"TOLERATED_FAILURE_PERCENTAGE": {"ToleratedFailurePercentage": ejtNumberExpression},
			"TOLERATED_FAILURE_COUNT":      {"ToleratedFailureCount": ejtNumberExpression},
		})},
	"test_base_evaluate_expressions::test_base_map_from_input": {template: "evaluatejsonata/statemachines/base_map.json5",
		edit: setFields("Start", map[string]map[string]any{
			"ITEMS":                        {"Items": ejtStateInputExpression},
			"MAX_CONCURRENCY":              {"MaxConcurrency": ejtStateInputExpression},
			"TOLERATED_FAILURE_PERCENTAGE": {"ToleratedFailurePercentage": ejtStateInputExpression},
			"TOLERATED_FAILURE_COUNT":      {"ToleratedFailureCount": ejtStateInputExpression},
		})},
	"test_base_evaluate_expressions::test_base_jsonata_regular_expressions": {template: "evaluatejsonata/statemachines/base_pass.json5",
		edit: setFields("Start", map[string]map[string]any{
			"BASE":                    {"Output": `{% $contains("hello$world", /^hello\$/) %}`},
			"BASE_FALSE":              {"Output": `{% $contains("hello$world", /^hello\ /) %}`},
			"BASE_SINGLE_QUOTE":       {"Output": `{% $contains('hello$world', /^hello\$/) %}`},
			"BASE_SINGLE_QUOTE_FALSE": {"Output": `{% $contains('hello$world', /^hello\ /) %}`},
		})},
	"test_base_evaluate_expressions::test_merge_with_dynamic_args": {template: "evaluatejsonata/statemachines/base_pass.json5",
		edit: setFields("Start", map[string]map[string]any{
			"": {"Output": "{% $merge([$states.input.part1, $states.input.part2]) %}"},
		})},
	// outputdecl and assign: two templates share the name.
	"test_output::test_output_in_choice":      {template: "outputdecl/statemachines/choice_condition_jsonata.json5"},
	"test_assign_base::test_assign_in_choice": {template: "assign/statemachines/choice_condition_jsonata.json5"},
	"test_output::test_base_output_any_non_dict": {template: "outputdecl/statemachines/base_output_any.json5",
		edit: setFields("State0", map[string]map[string]any{
			"NULL": {"Output": nil}, "INT": {"Output": 0}, "FLOAT": {"Output": 0.1}, "BOOL": {"Output": true},
			"STR_LIT": {"Output": "string literal"}, "JSONATA_EXPR": {"Output": "{% $states.input %}"},
			"LIST_EMPY": {"Output": []any{}},
			"LIST_RICH": {"Output": []any{nil, 0, 0.1, true, "string", []any{}, "$nosuchvar", "$.no.such.path", "{% $states.input %}", map[string]any{"key": "{% true %}"}}},
		})},
	"test_base_scenarios::test_map_state_items_variable_sampling": {template: "scenarios/statemachines/map_state_items_variable.json5",
		edit: func(def map[string]any, param string) {
			// The test replaces the string "_tbd_" by a JSON literal.
			lit, ok := map[string]string{"number": "1", "string": `"string"`, "boolean": "true", "object": `{"foo": "bar"}`, "null": "null"}[param]
			if v, err := DecodeJSON([]byte(lit)); ok && err == nil {
				stateOf(def, "Start")["Assign"].(map[string]any)["ItemsVar"] = v
			}
		}},
	"test_base_scenarios::test_map_state_items_eval_jsonata_variable_sampling_fail": {template: "scenarios/statemachines/map_state_items_variable.json5",
		edit: fillTBD(itemsMapLiterals)},
	"test_base_scenarios::test_map_state_items_eval_jsonata": {template: "scenarios/statemachines/map_state_items_literal.json5",
		edit: fillTBD(itemsMapLiterals)},
	"test_base_scenarios::test_map_state_items_eval_jsonata_fail": {template: "scenarios/statemachines/map_state_items_literal.json5",
		edit: fillTBD(itemsMapLiterals)},
	"test_ecs_task_service::test_run_task":                    {build: ecsRunTaskDefinition},
	"test_ecs_task_service::test_run_task_raise_failure":      {build: ecsRunTaskDefinition},
	"test_ecs_task_service::test_run_task_sync":               {build: ecsRunTaskDefinition},
	"test_ecs_task_service::test_run_task_sync_raise_failure": {build: ecsRunTaskDefinition},
}

// setFields is a test's change to one state: the fields it sets, by test
// parameter (a parameter not listed changes nothing).
func setFields(state string, byParam map[string]map[string]any) func(map[string]any, string) {
	return func(def map[string]any, param string) {
		for k, v := range byParam[param] {
			stateOf(def, state)[k] = v
		}
	}
}

// fillTBD is a test that replaces "_tbd_" in the definition's text by the
// JSONata expression "{% <literal> %}", the literal by test parameter.
func fillTBD(byParam map[string]string) func(map[string]any, string) {
	return func(def map[string]any, param string) {
		lit, ok := byParam[param]
		if !ok {
			return
		}
		replaceStrings(def, "_tbd_", "{% "+lit+" %}")
	}
}

// replaceStrings replaces old by new in every string of v, as the tests'
// text replacement in the JSON definition does.
func replaceStrings(v any, old, new string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok {
				x[k] = strings.ReplaceAll(s, old, new)
			} else {
				replaceStrings(e, old, new)
			}
		}
	case []any:
		for i, e := range x {
			if s, ok := e.(string); ok {
				x[i] = strings.ReplaceAll(s, old, new)
			} else {
				replaceStrings(e, old, new)
			}
		}
	}
}

// evaluate_jsonata's EvaluateJsonataTemplate constants.
const (
	ejtNumberExpression     = "{% $variable := 1 %}"
	ejtStateInputExpression = "{% $states.input.input_value %}"
)

// itemsMapLiterals are the literals test_map_state_items_eval_jsonata and
// its _fail twin put in the Items expression (Python's rendering of its
// parameter).
var itemsMapLiterals = map[string]string{
	"empty": "[]", "singleton": "[0]", "mixed": "[1, 'two', 3]",
	"number": "1", "string": "'string'", "boolean": "true", "object": "{'foo': 'bar'}", "null": "null",
	"function": "$fn := function($x){$x}",
}

// lookupRecordedDef finds the recorded test's entry in recordedDefs.
func lookupRecordedDef(snapshot, test string) (recordedDef, bool) {
	if d, ok := recordedDefs[snapshot+"::"+test]; ok {
		return d, true
	}
	d, ok := recordedDefs[snapshot+"::"+bracketParam.ReplaceAllString(test, "")]
	return d, ok
}

// ecsRunTaskDefinition is the definition the ECS tests synthesise with the
// AWS CDK (an EcsRunTask construct as the whole state machine): one Task
// state "ecstask" running the task with the parameters the recording's
// TaskScheduled shows, less StartedBy, which Step Functions adds for .sync.
func ecsRunTaskDefinition(events []any) string {
	for _, e := range events {
		em, _ := e.(map[string]any)
		d, ok := em["taskScheduledEventDetails"].(map[string]any)
		if !ok {
			continue
		}
		params, _ := d["parameters"].(map[string]any)
		p := map[string]any{}
		for k, v := range params {
			if k != "StartedBy" {
				p[k] = v
			}
		}
		return EncodeJSON(map[string]any{"StartAt": "ecstask", "States": map[string]any{"ecstask": map[string]any{
			"Type": "Task", "End": true, "Parameters": p,
			"Resource": fmt.Sprintf("arn:aws:states:::%s:%s", d["resourceType"], d["resource"]),
		}}})
	}
	return ""
}

// The choice operator tests' timestamps (LocalStack's choice_operators
// test code): the recording normalised every one of them to "date".
const (
	choiceT0 = "2012-10-09T19:00:55Z"
	choiceT1 = "2012-10-09T19:00:56Z"
)

// typeComparisonDates are the timestamps among the Variables of the
// type comparisons the Is* and BooleanEquals tests run (cases 18 to 21;
// "2012-10-09T19:00:55" without an offset is not normalised).
var typeComparisonDates = []string{choiceT0, choiceT0, "2012-10-09T19:00:55+01:00", "2012-10-09T19:00:55+01:00"}

// baseTimestampComparisons are the timestamp tests' (Variable, Value)
// pairs: equal, earlier, later.
var baseTimestampComparisons = []string{choiceT0, choiceT0, choiceT0, choiceT1, choiceT1, choiceT0}

// choiceDates are, per choice operator test, the timestamps its inputs
// held where the recording shows "date", in order (case by case, the
// Variable before the Value).
var choiceDates = map[string][]string{
	"test_boolean_equals":                     typeComparisonDates,
	"test_boolean_equals_path":                typeComparisonDates,
	"test_is_boolean":                         typeComparisonDates,
	"test_is_null":                            typeComparisonDates,
	"test_is_numeric":                         typeComparisonDates,
	"test_is_present":                         typeComparisonDates,
	"test_is_string":                          typeComparisonDates,
	"test_timestamp_equals":                   append(repeatString(choiceT0, 14), baseTimestampComparisons...),
	"test_timestamp_equals_path":              baseTimestampComparisons,
	"test_timestamp_greater_than":             baseTimestampComparisons,
	"test_timestamp_greater_than_equals":      baseTimestampComparisons,
	"test_timestamp_less_than":                baseTimestampComparisons,
	"test_timestamp_less_than_equals":         baseTimestampComparisons,
	"test_timestamp_greater_than_path":        {choiceT0, choiceT1},
	"test_timestamp_greater_than_equals_path": {choiceT0, choiceT1},
	"test_timestamp_less_than_path":           {choiceT1, choiceT0},
	"test_timestamp_less_than_equals_path":    {choiceT1, choiceT0},
}

func repeatString(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
