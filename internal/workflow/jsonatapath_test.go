package workflow

import "testing"

// A path to an empty array: JSONata 2 (AWS) returns the array when the
// last step yields that one value, and nothing when the path reaches no
// value or flattens several empty arrays into none.
func TestJSONataPathToEmptyArray(t *testing.T) {
	cases := []struct {
		name, expr, input string
		want              string // "" for undefined
	}{
		{"field holding []", "$states.input.items", `{"items": []}`, `[]`},
		{"field holding [] in one of several objects", "$states.input.list.tags", `{"list": [{"tags": []}, {"x": 1}]}`, `[]`},
		{"several empty arrays flatten to nothing", "$states.input.list.tags", `{"list": [{"tags": []}, {"tags": []}]}`, ""},
		{"a step past the empty array", "$states.input.items.a", `{"items": []}`, ""},
		{"no such field", "$states.input.nothing", `{"items": []}`, ""},
		{"a non-empty array", "$states.input.items", `{"items": [1]}`, `[1]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% ` + c.expr + ` %}","End":true}}}`
			in, err := DecodeJSON([]byte(c.input))
			if err != nil {
				t.Fatal(err)
			}
			res, _ := runJSONataDef(t, def, in)
			if c.want == "" {
				if res.Status != StatusFailed || res.Error.Name != ErrQueryEvaluationError {
					t.Fatalf("got %s %s, want undefined (States.QueryEvaluationError)", res.Status, EncodeJSON(res.Output))
				}
				return
			}
			if res.Status != StatusSucceeded || EncodeJSON(res.Output) != c.want {
				t.Fatalf("got %s %s %v, want %s", res.Status, EncodeJSON(res.Output), res.Error, c.want)
			}
		})
	}
}
