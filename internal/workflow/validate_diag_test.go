package workflow

import (
	"strings"
	"testing"
)

// TestValidate_diagnostics checks each validation rule's code, location
// and message (AWS's words where AWS's recordings show them).
func TestValidate_diagnostics(t *testing.T) {
	const task = `"Type":"Task","Resource":"arn:aws:states:::ecs:runTask","Parameters":{"TaskDefinition":"td"}`
	tests := []struct {
		name, def string
		express   bool
		want      []string // "CODE @location: message"
	}{
		{"empty", ``, false, []string{"SCHEMA_VALIDATION_FAILED @: Definition must be a valid JSON object"}},
		{"not an object", `[1]`, false, []string{"SCHEMA_VALIDATION_FAILED @: Definition must be a valid JSON object"}},
		{"not JSON", `{"StartAt":`, false, []string{"INVALID_JSON_DESCRIPTION @line 1, column 12: The definition is not valid JSON: unexpected EOF at line 1, column 12"}},
		{"no fields", `{}`, false, []string{"SCHEMA_VALIDATION_FAILED @/: These fields are required: [States, StartAt]"}},
		{"no StartAt: one problem, not a cascade", `{"States":{"A":{"Type":"Pass","Next":"B"}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/: These fields are required: [StartAt]"}},
		{"States not an object", `{"StartAt":"A","States":[1]}`, false, []string{"SCHEMA_VALIDATION_FAILED @/States: must be an object"}},
		{"no terminal state", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`, false,
			[]string{`MISSING_END_STATE @/States: no terminal state: at least one state must have "End": true or be a Succeed or Fail state`}},
		{"no terminal state in a branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}]}}}`, false,
			[]string{`MISSING_END_STATE @/States/P/Branches/0/States: no terminal state: at least one state must have "End": true or be a Succeed or Fail state`}},
		{"missing target", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Z"}}}`, false,
			[]string{`MISSING_TRANSITION_TARGET @/States/A/Next: "Z" is not a state of this state machine`}},
		{"unknown StartAt", `{"StartAt":"Z","States":{"A":{"Type":"Succeed"}}}`, false,
			[]string{`MISSING_TRANSITION_TARGET @/StartAt: "Z" is not a state of this state machine`}},
		{"bad type: one problem, not a cascade", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Nope","End":true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/B/Type: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"}},
		{"duplicate in one States", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"A":{"Type":"Succeed"}}}`, false,
			[]string{"DUPLICATE_STATE_NAME @/States/A: duplicate state name"}},
		{"duplicate across a branch and the top level", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Next":"B","Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}]},"B":{"Type":"Succeed"}}}`, false,
			[]string{"DUPLICATE_STATE_NAME @/States/A/Branches/0/States/B: Duplicate State name: 'B' (also at /States/B); state names must be unique in the whole state machine, branches and Map processors included"}},
		{"duplicate across two branches", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"X","States":{"X":{"Type":"Succeed"}}},{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}]}}}`, false,
			[]string{"DUPLICATE_STATE_NAME @/States/P/Branches/1/States/X: Duplicate State name: 'X' (also at /States/P/Branches/0/States/X); state names must be unique in the whole state machine, branches and Map processors included"}},
		{"duplicate in a Map processor", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"M","States":{"M":{"Type":"Succeed"}}}}}}`, false,
			[]string{"DUPLICATE_STATE_NAME @/States/M/ItemProcessor/States/M: Duplicate State name: 'M' (also at /States/M); state names must be unique in the whole state machine, branches and Map processors included"}},
		{"long state name", `{"StartAt":"` + strings.Repeat("a", 81) + `","States":{"` + strings.Repeat("a", 81) + `":{"Type":"Succeed"}}}`, false,
			[]string{"INVALID_STATE_NAME @/States/" + strings.Repeat("a", 81) + ": state name must be at most 80 characters"}},
		{"credentials without RoleArn", `{"StartAt":"A","States":{"A":{` + task + `,"Credentials":{"Other":"x"},"End":true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/A/Credentials: The field 'RoleArn' is required but was missing"}},
		{"credentials not an object", `{"StartAt":"A","States":{"A":{` + task + `,"Credentials":"foo:bar","End":true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/A/Credentials: The value for the field 'Credentials' must be an object"}},
		{"credentials with both", `{"StartAt":"A","States":{"A":{` + task + `,"Credentials":{"RoleArn":"r","RoleArn.$":"$.r"},"End":true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/A/Credentials: The fields 'RoleArn' and 'RoleArn.$' are mutually exclusive"}},
		{"credentials with a bad path", `{"StartAt":"A","States":{"A":{` + task + `,"Credentials":{"RoleArn.$":"$.a["},"End":true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/A/Credentials/RoleArn.$: invalid path \"$.a[\": missing ']'"}},
		{"credentials by path", `{"StartAt":"A","States":{"A":{` + task + `,"Credentials":{"RoleArn.$":"$.role "},"End":true}}}`, false, nil},
		{"empty Branches", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[]}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/P/Branches: Value cannot be empty"}},
		{"bad Timestamp", `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2016-03-14T01:59:00","End":true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/W/Timestamp: String does not match RFC3339 timestamp"}},
		{"bad Label", `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"a b","End":true,"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}}}}`, false,
			[]string{"INVALID_LABEL_NAME @/States/M/Label: must be 1 to 40 characters without whitespace or special characters"}},
		{"JSONata: empty Branches", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[]}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/P/Branches: Value cannot be empty"}},
		{"JSONata: bad Label", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Label":"a b","End":true,"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}}}}`, false,
			[]string{"INVALID_LABEL_NAME @/States/M/Label: must be 1 to 40 characters without whitespace or special characters"}},
		{"JSONata: Label not a string", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Label":7,"End":true,"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}}}}`, false,
			[]string{"INVALID_LABEL_NAME @/States/M/Label: must be 1 to 40 characters without whitespace or special characters"}},
		{"bad ProcessorConfig Mode", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"SIDEWAYS"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}}}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/M/ItemProcessor/ProcessorConfig/Mode: must be \"INLINE\" or \"DISTRIBUTED\""}},
		{"JSONata: bad ProcessorConfig Mode", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"SIDEWAYS"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}}}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/M/ItemProcessor/ProcessorConfig/Mode: must be \"INLINE\" or \"DISTRIBUTED\""}},
		{"express .sync", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"td"},"End":true}}}`, true,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/A/Resource: Express state machine does not support '.sync' service integration"}},
		{"express .waitForTaskToken", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken","Parameters":{"TaskDefinition":"td"},"End":true}}}`, true,
			[]string{"SCHEMA_VALIDATION_FAILED @/States/A/Resource: Express state machine does not support '.waitForTaskToken' service integration "}},
		{"express request-response", `{"StartAt":"A","States":{"A":{` + task + `,"End":true}}}`, true, nil},
		{"trailing white space in paths", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a ","ResultPath":"$.b\t","OutputPath":"$ ","Parameters":{"x.$":"$$.Execution.Name "},"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.x ","IsPresent":true,"Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`, false, nil},
		{"leading white space in a path", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":" $.a","End":true}}}`, false,
			[]string{`SCHEMA_VALIDATION_FAILED @/States/A/InputPath: path " $.a" must start with '$'`}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range Validate([]byte(tt.def), ParseOptions{Express: tt.express}) {
			got = append(got, p.DiagnosticCode()+" @"+p.Location()+": "+p.Message)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, got, tt.want)
		}
	}
}

func TestInvalidDefinitionMessage(t *testing.T) {
	probs := Validate([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Z"},"B":{"Type":"Wait","Timestamp":"x","End":true}}}`), ParseOptions{})
	want := `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/B/Timestamp, MISSING_TRANSITION_TARGET: "Z" is not a state of this state machine at /States/A/Next, SCHEMA_VALIDATION_FAILED: state is not reachable from StartAt "A" at /States/B'`
	if got := InvalidDefinitionMessage(probs); got != want {
		t.Errorf("message:\n got  %s\n want %s", got, want)
	}
	if got := InvalidDefinitionMessage(Validate(nil, ParseOptions{})); got != "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'" {
		t.Errorf("empty definition: %s", got)
	}
}
