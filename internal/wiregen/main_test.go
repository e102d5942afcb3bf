package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// genFrom generates the package for a model given as JSON.
func genFrom(t *testing.T, src string) string {
	t.Helper()
	var m model
	if err := json.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	if err := memberOrder([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	out, err := (&gen{m: &m, pkg: "x"}).run()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

const primitivesModel = `{
 "metadata": {"targetPrefix": "T", "jsonVersion": "1.0"},
 "operations": {"Op": {"name": "Op", "input": {"shape": "Req"}}},
 "shapes": {
  "Req": {"type": "structure", "required": ["need"], "members": {
    "limit": {"shape": "Int"}, "need": {"shape": "Int"}, "flag": {"shape": "Bool"}, "boxed": {"shape": "BoxedInteger"}}},
  "Int": {"type": "integer", "min": 1},
  "Bool": {"type": "boolean"}%s
 }}`

func TestGen_primitives(t *testing.T) {
	tests := []struct {
		name  string
		extra string // more shapes
		want  []string
	}{
		{
			name:  "box convention (ECS): non-boxed primitives are values",
			extra: `, "BoxedInteger": {"type": "integer", "box": true}`,
			want:  []string{"Limit int32 `json:\"limit\"`", "Need  int32 `json:\"need\"`", "Flag  bool  `json:\"flag\"`", "Boxed *int32 `json:\"boxed,omitzero\"`"},
		},
		{
			name:  "no box convention (Logs, Step Functions): optional primitives are pointers",
			extra: `, "BoxedInteger": {"type": "integer"}`,
			want:  []string{"Limit *int32 `json:\"limit,omitzero\"`", "Need  int32  `json:\"need\"`", "Flag  *bool  `json:\"flag,omitzero\"`", "Boxed *int32 `json:\"boxed,omitzero\"`"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := genFrom(t, strings.Replace(primitivesModel, "%s", tt.extra, 1))
			flat := strings.Join(strings.Fields(src), " ")
			for _, w := range tt.want {
				if w = strings.Join(strings.Fields(w), " "); !strings.Contains(flat, w) {
					t.Errorf("generated code lacks %q:\n%s", w, src)
				}
			}
		})
	}
}

// A required member whose enumeration sorts after its structure is still
// checked for presence.
func TestGen_requiredEnumBeforeItsType(t *testing.T) {
	src := genFrom(t, `{
 "metadata": {"targetPrefix": "T", "jsonVersion": "1.1"},
 "operations": {"Op": {"name": "Op", "input": {"shape": "AReq"}}},
 "shapes": {
  "AReq": {"type": "structure", "required": ["kind"], "members": {"kind": {"shape": "ZKind"}}},
  "ZKind": {"type": "string", "enum": ["one", "two"]}
 }}`)
	flat := strings.Join(strings.Fields(src), " ")
	if want := `if v.Kind == "" { errs.Missing(wire.Join(prefix, "kind")) }`; !strings.Contains(flat, want) {
		t.Errorf("generated code lacks %q:\n%s", want, src)
	}
}

// A required string whose model allows "" (min 0, as CloudWatch Logs'
// filterPattern) may be empty; one without min is still checked.
func TestGen_requiredStringThatMayBeEmpty(t *testing.T) {
	src := genFrom(t, `{
 "metadata": {"targetPrefix": "T", "jsonVersion": "1.1"},
 "operations": {"Op": {"name": "Op", "input": {"shape": "Req"}}},
 "shapes": {
  "Req": {"type": "structure", "required": ["pattern", "name"], "members": {"pattern": {"shape": "Pattern"}, "name": {"shape": "Name"}}},
  "Pattern": {"type": "string", "min": 0, "max": 1024},
  "Name": {"type": "string"}
 }}`)
	flat := strings.Join(strings.Fields(src), " ")
	if bad := `errs.Missing(wire.Join(prefix, "pattern"))`; strings.Contains(flat, bad) {
		t.Errorf("generated code refuses an empty pattern:\n%s", src)
	}
	if want := `if v.Name == "" { errs.Missing(wire.Join(prefix, "name")) }`; !strings.Contains(flat, want) {
		t.Errorf("generated code lacks %q:\n%s", want, src)
	}
}
