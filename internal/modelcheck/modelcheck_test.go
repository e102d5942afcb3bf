package modelcheck

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/wire"
)

const tinyModel = `{
  "metadata": {"targetPrefix": "Tiny_1", "jsonVersion": "1.1"},
  "operations": {
    "Get": {"input": {"shape": "GetIn"}, "output": {"shape": "GetOut"}, "errors": [{"shape": "NotFound"}, {"shape": "Boom"}]},
    "Put": {"input": {"shape": "GetIn"}}
  },
  "shapes": {
    "GetIn": {"type": "structure", "members": {"id": {"shape": "Str"}}},
    "GetOut": {"type": "structure", "required": ["id"], "members": {
      "id": {"shape": "Str"}, "count": {"shape": "Int"}, "big": {"shape": "Long"}, "ratio": {"shape": "Dbl"},
      "ok": {"shape": "Bool"}, "at": {"shape": "Time"}, "color": {"shape": "Color"}, "items": {"shape": "Items"},
      "labels": {"shape": "Labels"}, "data": {"shape": "Blob"}, "byColor": {"shape": "ByColor"}
    }},
    "Item": {"type": "structure", "members": {"name": {"shape": "Str"}}},
    "Items": {"type": "list", "member": {"shape": "Item"}},
    "Labels": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
    "ByColor": {"type": "map", "key": {"shape": "Color"}, "value": {"shape": "Int"}},
    "Str": {"type": "string"},
    "Int": {"type": "integer"},
    "Long": {"type": "long"},
    "Dbl": {"type": "double"},
    "Bool": {"type": "boolean"},
    "Time": {"type": "timestamp"},
    "Blob": {"type": "blob"},
    "Color": {"type": "string", "enum": ["RED", "GREEN"]},
    "NotFound": {"type": "structure", "members": {"message": {"shape": "Str"}, "resource": {"shape": "Str"}}, "exception": true},
    "Boom": {"type": "structure", "members": {"message": {"shape": "Str"}}, "exception": true, "fault": true}
  }
}`

func tiny(t *testing.T) *Model {
	t.Helper()
	m, err := Parse([]byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModel_CheckShape(t *testing.T) {
	m := tiny(t)
	tests := []struct {
		name, doc string
		want      string // substring of the only violation; "" for none
	}{
		{"all members right", `{"id":"a","count":3,"big":9007199254740993,"ratio":0.5,"ok":true,"at":1700000000.123,"color":"RED","items":[{"name":"x"}],"labels":{"k":"v"},"data":"aGk=","byColor":{"GREEN":1}}`, ""},
		{"missing required", `{"count":1}`, "id: required member of GetOut is missing"},
		{"unknown member", `{"id":"a","Count":1}`, `Count: member not in shape GetOut (did you mean "count"?)`},
		{"string for integer", `{"id":"a","count":"3"}`, "count: got a string; want an integer"},
		{"fraction for integer", `{"id":"a","count":1.5}`, "count: 1.5 is not an integer"},
		{"integer out of int32", `{"id":"a","count":4294967296}`, "does not fit a 32-bit integer"},
		{"timestamp as text", `{"id":"a","at":"2024-01-01T00:00:00Z"}`, "at: got a string; want epoch seconds"},
		{"timestamp in milliseconds", `{"id":"a","at":1700000000000}`, "is not epoch seconds"},
		{"enum value", `{"id":"a","color":"BLUE"}`, `color: "BLUE" is not a value of Color`},
		{"enum map key", `{"id":"a","byColor":{"BLUE":1}}`, `byColor.BLUE: map key "BLUE" is not a value of Color`},
		{"list element", `{"id":"a","items":[{"name":"x"},{"nom":"y"}]}`, "items[1].nom: member not in shape Item"},
		{"object for list", `{"id":"a","items":{}}`, "items: got an object; want a list"},
		{"map value", `{"id":"a","labels":{"k":1}}`, "labels.k: got a number; want a string"},
		{"null member", `{"id":"a","ok":null}`, "ok: null"},
		{"bad blob", `{"id":"a","data":"***"}`, "data: not base64"},
		{"not JSON", `{"id":`, "body is not JSON"},
		{"list at top", `[]`, "(top level): got a list; want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.CheckShape("GetOut", []byte(tt.doc))
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("CheckShape(%s) = %q; want no violation", tt.doc, got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("CheckShape(%s) = %q; want one violation containing %q", tt.doc, got, tt.want)
			}
		})
	}
}

func TestChecker_Check(t *testing.T) {
	m := tiny(t)
	svc := &awsjson.Service{TargetPrefix: "Tiny_1", JSONVersion: "1.1", Operations: map[string]wire.Operation{}}
	header := func(errType string) http.Header {
		h := http.Header{}
		h.Set(awsjson.RequestIDHeader, "id")
		h.Set("Content-Type", "application/x-amz-json-1.1")
		if errType != "" {
			h.Set("X-Amzn-Errortype", errType)
		}
		return h
	}
	tests := []struct {
		name string
		a    awsjson.Answer
		want string
	}{
		{"good output", awsjson.Answer{Service: svc, Operation: "Get", Status: 200, Header: header(""), Body: []byte(`{"id":"a"}`)}, ""},
		{"bad output", awsjson.Answer{Service: svc, Operation: "Get", Status: 200, Header: header(""), Body: []byte(`{}`)}, "required member"},
		{"no output shape", awsjson.Answer{Service: svc, Operation: "Put", Status: 200, Header: header(""), Body: []byte(`{}`)}, ""},
		{"no output shape, body", awsjson.Answer{Service: svc, Operation: "Put", Status: 200, Header: header(""), Body: []byte(`{"id":"a"}`)}, "want {}"},
		{"listed error", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("NotFound"), Body: []byte(`{"__type":"NotFound","message":"m"}`)}, ""},
		{"protocol error", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("SerializationException"), Body: []byte(`{"__type":"SerializationException","message":"m"}`)}, ""},
		{"error not listed", awsjson.Answer{Service: svc, Operation: "Put", Status: 400, Header: header("NotFound"), Body: []byte(`{"__type":"NotFound","message":"m"}`)}, "does not list NotFound"},
		{"unknown error type", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("Oops"), Body: []byte(`{"__type":"Oops","message":"m"}`)}, "neither an error shape"},
		{"fault as 400", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("Boom"), Body: []byte(`{"__type":"Boom","message":"m"}`)}, "want 5xx"},
		{"client error as 500", awsjson.Answer{Service: svc, Operation: "Get", Status: 500, Header: header("NotFound"), Body: []byte(`{"__type":"NotFound","message":"m"}`)}, "want 4xx"},
		{"header differs", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("Other"), Body: []byte(`{"__type":"NotFound","message":"m"}`)}, "differs from __type"},
		{"extra error member", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("NotFound"), Body: []byte(`{"__type":"NotFound","message":"m","code":1}`)}, `member "code"`},
		{"error shape member", awsjson.Answer{Service: svc, Operation: "Get", Status: 400, Header: header("NotFound"), Body: []byte(`{"__type":"NotFound","message":"m","resource":"r"}`)}, ""},
		{"no request id", awsjson.Answer{Service: svc, Operation: "Get", Status: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: []byte(`{"id":"a"}`)}, "x-amzn-RequestId"},
		{"no service", awsjson.Answer{Operation: "", Status: 400, Header: header("UnknownOperationException"), Body: []byte(`{"__type":"UnknownOperationException","message":"m"}`)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChecker(m)
			c.Check(tt.a)
			got := c.Violations()
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("violations = %q; want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("violations = %q; want one containing %q", got, tt.want)
			}
		})
	}
}

// TestModels_Load loads the real models: every shape reference resolves.
func TestModels_Load(t *testing.T) {
	c := ForTest(t)
	if c == nil {
		t.Skip("no models")
	}
	for _, p := range []string{"AmazonEC2ContainerServiceV20141113", "Logs_20140328", "AWSStepFunctions"} {
		if m := c.models[p]; m == nil || len(m.Operations) == 0 {
			t.Errorf("model %s missing or without operations", p)
		}
	}
}
