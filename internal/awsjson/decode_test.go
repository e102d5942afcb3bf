package awsjson

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/wire"
)

type inner struct {
	Name string `json:"name,omitzero"`
}

type selfDecoding struct{ raw string }

func (s *selfDecoding) UnmarshalJSON(b []byte) error { s.raw = string(b); return nil }

type outer struct {
	Count   *int32            `json:"count,omitzero"`
	Items   []inner           `json:"items,omitzero"`
	ByName  map[string]inner  `json:"byName,omitzero"`
	Labels  map[string]string `json:"labels,omitzero"`
	Doc     json.RawMessage   `json:"doc,omitzero"`
	Self    *selfDecoding     `json:"self,omitzero"`
	At      *wire.Time        `json:"at,omitzero"`
	Nested  *inner            `json:"nested,omitzero"`
	Ignored string            `json:"-"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // substring of the error; "" for none
	}{
		{"empty body", ``, ""},
		{"every member", `{"count":1,"items":[{"name":"a"}],"byName":{"k":{"name":"b"}},"labels":{"Any":"x"},"doc":{"free":[1]},"self":{"whatever":1},"at":1700000000,"nested":{"name":"c"}}`, ""},
		{"null members", `{"count":null,"nested":null}`, ""},
		{"unknown member", `{"cnt":1}`, `unknown member "cnt" in the request: outer does not define it; the members of outer are at, byName, count`},
		{"member in the wrong case", `{"Count":1}`, `did you mean "count"? Member names are case-sensitive`},
		{"unknown member in a list element", `{"items":[{"name":"a"},{"nam":"b"}]}`, `unknown member "nam" in 'items.2.member': inner does not define it`},
		{"unknown member in a map value", `{"byName":{"k":{"x":1}}}`, `unknown member "x" in 'byName.k'`},
		{"unknown member in a structure", `{"nested":{"name":"a","extra":true}}`, `unknown member "extra" in 'nested'`},
		{"a '-' field is not a member", `{"Ignored":"x"}`, `unknown member "Ignored"`},
		{"wrong type", `{"count":"1"}`, "value at 'count' has the wrong type: got a JSON string, want an integer from -2147483648 to 2147483647"},
		{"out of range", `{"count":2147483648}`, "value at 'count' has the wrong type"},
		{"not an object", `[]`, "must be a JSON object"},
		{"trailing data", `{}{}`, "data after the JSON object"},
		{"malformed", `{"count":1`, "malformed JSON"},
		{"bad timestamp", `{"at":"yesterday"}`, "neither epoch seconds nor RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decode([]byte(tt.body), new(outer))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Decode(%s) = %v; want no error", tt.body, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Decode(%s) = %v; want an error containing %q", tt.body, err, tt.want)
			}
		})
	}
}
