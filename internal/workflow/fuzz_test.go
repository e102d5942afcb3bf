package workflow

import (
	"context"
	"testing"
	"time"
)

// FuzzParse checks that no definition makes the parser panic, and that a
// definition it accepts runs (its tasks answer at once) without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"ResultPath":"$.r","End":true}}}`,
		`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"S"}],"Default":"F"},"S":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"E"}}}`,
		`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"t","x.$":"States.Format('{}', $.a)"},"Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.i","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}},"End":true}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}],"End":true}}}`,
	} {
		f.Add([]byte(s))
	}
	reg := ECSRegistry(TaskHandlerFunc(func(_ context.Context, req *TaskRequest) (any, *StatesError) {
		return req.Parameters, nil
	}))
	f.Fuzz(func(t *testing.T, def []byte) {
		sm, err := Parse(def, ParseOptions{Resources: reg})
		if err != nil {
			return
		}
		clock := NewFakeClock(time.Unix(0, 0))
		clock.SetAutoAdvance(true)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		RunValue(ctx, sm, map[string]any{"n": json0, "i": []any{json0}, "a": "x"}, Options{Clock: clock, Tasks: reg})
	})
}

// FuzzParsePath checks the JSONPath parser and evaluator on any path.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[0]", "$['a b']['c\\'d']", "$..x", "$.a[?(@.b > 1)]", "$.a[1:3]", "$$.Execution.Id", "$.a[*].b"} {
		f.Add(s)
	}
	doc := map[string]any{"a": []any{map[string]any{"b": json0}}, "x": "y"}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		p.Eval(doc)
	})
}

// FuzzParseIntrinsic checks the intrinsic function parser on any text.
func FuzzParseIntrinsic(f *testing.F) {
	for _, s := range []string{"States.Format('{} {}', $.a, 'b')", "States.ArrayRange(1, 9, 2)", "States.StringToJson($.s)", "States.Hash($.a, 'SHA-256')", "States.MathAdd(States.ArrayLength($.a), -1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseIntrinsic(s)
	})
}
