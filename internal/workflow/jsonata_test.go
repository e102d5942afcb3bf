package workflow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// runDef parses and runs a definition with a fake clock and no tasks.
func runJSONataDef(t *testing.T, def string, input any) (*Result, []sfnmodel.HistoryEvent) {
	t.Helper()
	sm, err := Parse([]byte(def), ParseOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	hist := &History{}
	clock := NewFakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.SetAutoAdvance(true)
	res := RunValue(context.Background(), sm, input, Options{Clock: clock, Sink: hist, ExecutionName: "exec"})
	return res, hist.Events()
}

func TestJSONataPassOutput(t *testing.T) {
	cases := []struct {
		name, output string
		input        string
		want         string
	}{
		{"input field", `"{% $states.input.a %}"`, `{"a":1}`, `1`},
		{"arithmetic", `"{% $states.input.a * 2 + 0.5 %}"`, `{"a":1}`, `2.5`},
		{"integers stay integers", `"{% 10 / 2 %}"`, `{}`, `5`},
		{"object with expressions and literals", `{"x":"{% $uppercase($states.input.s) %}","lit":"$.not.a.path","n":[1,"{% 1+1 %}"]}`, `{"s":"ab"}`, `{"lit":"$.not.a.path","n":[1,2],"x":"AB"}`},
		{"not an expression with spaces around", `" {% 1 %} "`, `{}`, `" {% 1 %} "`},
		{"null stays null", `"{% $states.input.n %}"`, `{"n":null}`, `null`},
		{"context", `"{% $states.context.Execution.Name %}"`, `{}`, `"exec"`},
		{"partition", `"{% $partition([1,2,3], 2) %}"`, `{}`, `[[1,2],[3]]`},
		{"range", `"{% $range(0, 9, 3) %}"`, `{}`, `[0,3,6,9]`},
		{"range of one", `"{% $range(1, 9, 9) %}"`, `{}`, `1`},
		{"parse", `"{% $parse($states.input.s) %}"`, `{"s":"{\"a\":[1,true]}"}`, `{"a":[1,true]}`},
		{"hash", `"{% $hash('abc', 'SHA-256') %}"`, `{}`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"seeded random is stable", `"{% $random(7) = $random(7) %}"`, `{}`, `true`},
		{"uuid", `"{% $length($uuid()) %}"`, `{}`, `36`},
		{"regex", `"{% $contains($states.input.s, /^a+b$/) %}"`, `{"s":"aab"}`, `true`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":` + c.output + `,"End":true}}}`
			in, _ := DecodeJSON([]byte(c.input))
			res, _ := runJSONataDef(t, def, in)
			if res.Status != StatusSucceeded {
				t.Fatalf("status %s: %v", res.Status, res.Error)
			}
			if got := EncodeJSON(res.Output); got != c.want {
				t.Errorf("output %s, want %s", got, c.want)
			}
		})
	}
}

func TestJSONataErrors(t *testing.T) {
	cases := []struct {
		name, output string
		cause        string
	}{
		{"undefined", `{"r":"{% $nothing %}"}`, "The JSONata expression '$nothing' specified for the field 'Output/r' returned nothing (undefined)."},
		{"a function", `"{% function($x){$x} %}"`, "The JSONata expression 'function($x){$x}' specified for the field 'Output' returned an unsupported result type."},
		{"not a function", `"{% $nope(1) %}"`, "The JSONata expression '$nope(1)' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":` + c.output + `,"End":true}}}`
			res, events := runJSONataDef(t, def, map[string]any{})
			if res.Status != StatusFailed || res.Error.Name != ErrQueryEvaluationError {
				t.Fatalf("got %s %v, want States.QueryEvaluationError", res.Status, res.Error)
			}
			if !strings.HasSuffix(res.Error.Cause, c.cause) {
				t.Errorf("cause %q, want it to end with %q", res.Error.Cause, c.cause)
			}
			found := false
			for _, e := range events {
				if e.Type == sfnmodel.HistoryEventTypeEvaluationFailed && e.EvaluationFailedEventDetails.State == "P" {
					found = true
				}
			}
			if !found {
				t.Error("no EvaluationFailed event")
			}
		})
	}
}

func TestJSONataValidation(t *testing.T) {
	cases := []struct {
		name, def, want string
	}{
		{"JSONPath field in a JSONata state", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","End":true}}}`, "InputPath"},
		{"JSONPath state in a JSONata machine", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`, "cannot use JSONPath"},
		{"bad expression", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% 1 + %}","End":true}}}`, "not valid"},
		{"reserved variable", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"states":1},"End":true}}}`, "reserved"},
		{"bad variable name", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"1x":1},"End":true}}}`, "not a valid variable name"},
		{"Assign in a Succeed state", `{"StartAt":"P","States":{"P":{"Type":"Succeed","Assign":{"x":1}}}}`, "not allowed"},
		{"Condition in a JSONPath choice", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% true %}","Next":"E"}]},"E":{"Type":"Succeed"}}}`, "Condition"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.def), ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// Variables: the evaluation order and the scoping of Map iterations and
// Parallel branches.
func TestVariables(t *testing.T) {
	cases := []struct {
		name, def, input, want string
	}{
		{"Assign sees the old values; Output too", `{"QueryLanguage":"JSONata","StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
			"B":{"Type":"Pass","Assign":{"x":"{% $x + 1 %}","y":"{% $x %}"},"Output":{"x":"{% $x %}"},"Next":"C"},
			"C":{"Type":"Pass","Output":{"x":"{% $x %}","y":"{% $y %}"},"End":true}}}`, `{}`, `{"x":2,"y":1}`},
		{"JSONPath paths and intrinsics read variables", `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"v.$":"$.in","o":{"k":"val"}},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"a.$":"$v","b.$":"$o.k","c.$":"States.Format('{}-{}', $v, $o.k)"},"End":true}}}`, `{"in":"z"}`, `{"a":"z","b":"val","c":"z-val"}`},
		{"JSONPath Assign sees the result, ResultPath the input", `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Result":{"r":5},"ResultPath":"$.res","Assign":{"got.$":"$.r"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"got.$":"$got","in.$":"$"},"End":true}}}`, `{"i":1}`, `{"got":5,"in":{"i":1,"res":{"r":5}}}`},
		{"Map iterations read outer variables, their own stay inside", `{"QueryLanguage":"JSONata","StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"k":10},"Next":"M"},
			"M":{"Type":"Map","Items":[1,2],"ItemProcessor":{"StartAt":"I","States":{
				"I":{"Type":"Pass","Assign":{"inner":"{% $states.input * $k %}"},"Next":"J"},
				"J":{"Type":"Pass","Output":"{% $inner %}","End":true}}},"Next":"Z"},
			"Z":{"Type":"Pass","Output":{"r":"{% $states.input %}","inner":"{% $exists($inner) %}","k":"{% $k %}"},"End":true}}}`, `{}`, `{"inner":false,"k":10,"r":[10,20]}`},
		{"Parallel branches assign their own copies", `{"QueryLanguage":"JSONata","StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"x":1},"Next":"P"},
			"P":{"Type":"Parallel","Branches":[
				{"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"x":2},"Next":"B2"},"B2":{"Type":"Pass","Output":"{% $x %}","End":true}}},
				{"StartAt":"C1","States":{"C1":{"Type":"Pass","Output":"{% $x %}","End":true}}}],
				"Assign":{"res":"{% $states.result %}"},"Output":"{% $x %}","Next":"Z"},
			"Z":{"Type":"Pass","Output":{"res":"{% $res %}","x":"{% $x %}"},"End":true}}}`, `{}`, `{"res":[2,1],"x":1}`},
		{"Catch: errorOutput, Assign and Output", `{"QueryLanguage":"JSONata","StartAt":"P","States":{
			"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"{% 'because ' & $states.input.w %}"}}}],
				"Catch":[{"ErrorEquals":["Boom"],"Assign":{"err":"{% $states.errorOutput.Error %}"},"Output":{"cause":"{% $states.errorOutput.Cause %}"},"Next":"Z"}],"End":true},
			"Z":{"Type":"Pass","Output":{"c":"{% $states.input.cause %}","e":"{% $err %}"},"End":true}}}`, `{"w":"x"}`, `{"c":"because x","e":"Boom"}`},
		{"Choice: Condition, rule Assign and Output", `{"QueryLanguage":"JSONata","StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 1 %}","Assign":{"big":true},"Output":"{% $states.input.n %}","Next":"Z"}],"Default":"Z","Assign":{"big":false}},
			"Z":{"Type":"Pass","Output":{"big":"{% $big %}","in":"{% $states.input %}"},"End":true}}}`, `{"n":3}`, `{"big":true,"in":3}`},
		{"Wait: Seconds from an expression", `{"QueryLanguage":"JSONata","StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Assign":{"waited":"{% $states.input.s %}"},"Next":"Z"},
			"Z":{"Type":"Pass","Output":"{% $waited %}","End":true}}}`, `{"s":5}`, `5`},
		{"mixed: JSONata state assigns, JSONPath state reads", `{"StartAt":"A","States":{
			"A":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"v":"{% $states.input.a & '!' %}"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"v.$":"$v"},"End":true}}}`, `{"a":"hi"}`, `{"v":"hi!"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, _ := DecodeJSON([]byte(c.input))
			res, _ := runJSONataDef(t, c.def, in)
			if res.Status != StatusSucceeded {
				t.Fatalf("status %s: %v", res.Status, res.Error)
			}
			if got := EncodeJSON(res.Output); got != c.want {
				t.Errorf("output %s, want %s", got, c.want)
			}
		})
	}
}

func TestVariableEvents(t *testing.T) {
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"s":"x","n":1},"End":true}}}`
	_, events := runJSONataDef(t, def, map[string]any{})
	for _, e := range events {
		if e.Type == sfnmodel.HistoryEventTypePassStateExited {
			av := e.StateExitedEventDetails.AssignedVariables
			if av["s"] != `"x"` || av["n"] != "1" || len(av) != 2 {
				t.Errorf("assignedVariables %v", av)
			}
			return
		}
	}
	t.Fatal("no PassStateExited")
}

func TestVariableUndefinedInPath(t *testing.T) {
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$nope"},"End":true}}}`
	res, _ := runJSONataDef(t, def, map[string]any{})
	if res.Status != StatusFailed || res.Error.Name != ErrRuntime {
		t.Fatalf("got %s %v, want States.Runtime", res.Status, res.Error)
	}
}

func TestVariableSizeLimit(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"big":"{% $join($map([1..300000], function($v){'x'})) %}"},"End":true}}}`
	res, _ := runJSONataDef(t, def, map[string]any{})
	if res.Status != StatusFailed || res.Error.Name != ErrRuntime || !strings.Contains(res.Error.Cause, "big") {
		t.Fatalf("got %s %v, want States.Runtime naming the variable", res.Status, res.Error)
	}
}
