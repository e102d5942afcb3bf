package sfnresource_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/sfnresource"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// recordingsDir holds what real AWS Step Functions answered (see its
// README).
const recordingsDir = "../../../shared/conformance/stepfunctions"

// recordedValidation is a definition AWS validated, where the recording
// is, and what AWS said: the ValidateStateMachineDefinition diagnostics,
// or the message of CreateStateMachine's InvalidDefinition.
type recordedValidation struct {
	snapshot, test string // the recording
	key            string // under recorded-content
	template       string // under templates/ ("" when def is given)
	def            string
	express        bool
	// explains: our message is AWS's with a sentence saying why added
	// before the location.
	explains bool
	// gap: why ecsrun does not answer as AWS yet (the test fails when it
	// does, so the entry is removed).
	gap string
}

var recordedValidations = []recordedValidation{
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_not_a_definition[EMPTY_STRING]", key: "validation_response", def: ""},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_not_a_definition[EMPTY_DICT]", key: "validation_response", def: "{}"},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_not_a_definition[NOT_A_DEF]", key: "validation_response", def: "not a definition"},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_type_standard[VALID_BASE_PASS]", key: "validation_response", template: "validation/statemachines/valid_base_pass.json5"},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_type_standard[INVALID_BASE_NO_STARTAT]", key: "validation_response", template: "validation/statemachines/invalid_base_no_startat.json5"},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_type_express[VALID_BASE_PASS]", key: "validation_response", template: "validation/statemachines/valid_base_pass.json5", express: true},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_type_express[INVALID_BASE_NO_STARTAT]", key: "validation_response", template: "validation/statemachines/invalid_base_no_startat.json5", express: true},
	{snapshot: "v2/test_sfn_api_validation.snapshot.json", test: "test_validate_state_machine_definition_type_express[ILLEGAL_WFTT]", key: "validation_response", template: "callbacks/statemachines/sqs_wait_for_task_token.json5", express: true},
	{snapshot: "v2/test_sfn_api_express.snapshot.json", test: "test_illegal_callbacks[WAIT_FOR_TASK_TOKEN]", key: "creation_error", template: "callbacks/statemachines/sns_publish_wait_for_task_token.json5", express: true},
	{snapshot: "v2/test_sfn_api_express.snapshot.json", test: "test_illegal_callbacks[SYNC]", key: "creation_error", template: "callbacks/statemachines/sfn_start_execution_sync.json5", express: true},
	{snapshot: "v2/test_sfn_api_express.snapshot.json", test: "test_illegal_activity_task", key: "creation_error", template: "activities/statemachines/base_activity_task.json5", express: true},
	{snapshot: "v2/credentials/test_credentials_base.snapshot.json", test: "test_invalid_credentials_field[EMPTY_CREDENTIALS]", key: "invalid_definition", template: "credentials/statemachines/empty_credentials.json5", gap: "JSONata (QueryLanguage, Arguments) is another part of issue 13"},
	{snapshot: "v2/credentials/test_credentials_base.snapshot.json", test: "test_invalid_credentials_field[INVALID_CREDENTIALS_FIELD]", key: "invalid_definition", template: "credentials/statemachines/invalid_credentials_field.json5", gap: "JSONata (QueryLanguage, Arguments) is another part of issue 13"},
	{snapshot: "v2/services/test_dynamodb_task_service.snapshot.json", test: "test_invalid_integration", key: "exception", template: "services/statemachines/invalid_integration_dynamodb_query.json5", explains: true},
	{snapshot: "v2/test_state/test_test_state_machine_scenarios.snapshot.json", test: "test_state_name_invalid_state_definition", key: "", template: "test_state/statemachines/base_invalid_state_definition.json5"},
	{snapshot: "v2/scenarios/test_base_scenarios.snapshot.json", test: "test_illegal_escapes[ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION]", key: "exception", template: "scenarios/statemachines/escape_sequences_illegal_intrinsic_function.json5", gap: "the intrinsic function parser accepts the escape \\\" in a string, which AWS refuses"},
	{snapshot: "v2/scenarios/test_base_scenarios.snapshot.json", test: "test_illegal_escapes[ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION_2]", key: "exception", template: "scenarios/statemachines/escape_sequences_illegal_intrinsic_function_2.json5", gap: "the intrinsic function parser accepts the escape \\\" in a string, which AWS refuses"},
	{snapshot: "v2/scenarios/test_base_scenarios.snapshot.json", test: "test_wait_timestamp_invalid[NO_Z]", key: "exception", template: "scenarios/statemachines/wait_timestamp.json5", def: "2016-03-14T01:59:00"},
	{snapshot: "v2/scenarios/test_base_scenarios.snapshot.json", test: "test_wait_timestamp_invalid[NO_T]", key: "exception", template: "scenarios/statemachines/wait_timestamp.json5", def: "2016-03-1401:59:00Z"},
	{snapshot: "v2/scenarios/test_base_scenarios.snapshot.json", test: "test_wait_timestamp_invalid[INVALID_DATE]", key: "exception", template: "scenarios/statemachines/wait_timestamp.json5", def: "2016-13-14T01:59:00Z"},
	{snapshot: "v2/scenarios/test_base_scenarios.snapshot.json", test: "test_wait_timestamp_invalid[INVALID_TIME]", key: "exception", template: "scenarios/statemachines/wait_timestamp.json5", def: "2016-03-14T25:59:00Z"},
}

// wantValidation is what a recording says AWS answered: the diagnostics
// (code, location, message) or "" for a valid definition.
func wantValidation(t *testing.T, rv recordedValidation) []string {
	t.Helper()
	snap := readJSON(t, filepath.Join(recordingsDir, rv.snapshot))
	var entry map[string]any
	for k, v := range snap {
		if strings.HasSuffix(k, "::"+rv.test) {
			entry, _ = v.(map[string]any)
		}
	}
	if entry == nil {
		t.Fatalf("%s: no recording %s", rv.snapshot, rv.test)
	}
	rc, _ := entry["recorded-content"].(map[string]any)
	var rec any = rc
	if rv.key != "" {
		rec = rc[rv.key]
	} else {
		for _, v := range rc {
			rec = v
		}
	}
	m, _ := rec.(map[string]any)
	if diags, ok := m["diagnostics"].([]any); ok {
		out := []string{}
		for _, d := range diags {
			dm, _ := d.(map[string]any)
			loc, _ := dm["location"].(string)
			out = append(out, dm["code"].(string)+" @"+loc+": "+dm["message"].(string))
		}
		return out
	}
	msg := ""
	if e, ok := m["Error"].(map[string]any); ok {
		msg, _ = e["Message"].(string)
	} else if v, ok := m["exception_value"].(string); ok {
		_, msg, _ = strings.Cut(v, "operation: ")
	}
	if msg == "" {
		t.Fatalf("%s: no diagnostics or error message in %v", rv.test, m)
	}
	return []string{strings.ReplaceAll(msg, "<partition>", "aws")}
}

var timestampRe = regexp.MustCompile(`"Timestamp": "[^"]*"`)

// TestConformance_validation validates the definitions whose validation
// AWS recorded and compares the codes, locations and messages.
func TestConformance_validation(t *testing.T) {
	if _, err := os.Stat(recordingsDir); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("recordings %s are absent (set CI to make this a failure)", recordingsDir)
		}
		t.Fatal(err)
	}
	for _, rv := range recordedValidations {
		def := rv.def
		if rv.template != "" {
			data, err := os.ReadFile(filepath.Join(recordingsDir, "templates", rv.template))
			if err != nil {
				t.Fatal(err)
			}
			tmpl := string(workflow.JSON5ToJSON(data))
			if rv.def != "" { // the invalid timestamp under test
				tmpl = timestampRe.ReplaceAllString(tmpl, `"Timestamp": "`+rv.def+`"`)
			}
			def = strings.ReplaceAll(tmpl, `"__tbd__"`, `"arn:aws:states:us-east-1:111111111111:activity:activity"`)
		}
		want := wantValidation(t, rv)
		probs := workflow.Validate([]byte(def), workflow.ParseOptions{Resources: sfnresource.Checker{}, Express: rv.express})
		var got []string
		if len(want) == 1 && strings.HasPrefix(want[0], "Invalid State Machine Definition") {
			if len(probs) > 0 {
				got = []string{workflow.InvalidDefinitionMessage(probs)}
			}
		} else {
			got = []string{}
			for _, p := range probs {
				got = append(got, p.DiagnosticCode()+" @"+p.Location()+": "+p.Message)
			}
		}
		if rv.test == "test_validate_state_machine_definition_not_a_definition[NOT_A_DEF]" && len(got) == 1 {
			// Jackson's words for the syntax error are not ours: compare
			// the code and the position.
			if !strings.HasPrefix(got[0], "INVALID_JSON_DESCRIPTION @line 1, column ") || !strings.HasPrefix(want[0], "INVALID_JSON_DESCRIPTION @") {
				t.Errorf("%s:\n got  %q\n want %q", rv.test, got, want)
			}
			continue
		}
		same := strings.Join(got, "\n") == strings.Join(want, "\n")
		if rv.explains && len(got) == 1 {
			head, loc, _ := strings.Cut(want[0], " at /")
			same = strings.HasPrefix(got[0], head) && strings.HasSuffix(got[0], " at /"+loc)
		}
		switch {
		case same && rv.gap != "":
			t.Errorf("%s: now answers as AWS; remove its gap (%s)", rv.test, rv.gap)
		case !same && rv.gap != "":
			t.Logf("%s: known gap (%s):\n got  %q\n want %q", rv.test, rv.gap, got, want)
		case !same:
			t.Errorf("%s (%s):\n got  %q\n want %q", rv.test, rv.template, got, want)
		}
	}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := workflow.DecodeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.(map[string]any)
	return m
}
