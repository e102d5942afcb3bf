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
		{"valid UTF-8 and escapes", `{"labels":{"é":"é \u00e9 \ud83d\ude00 😀 \\ud800 \"\ud800\udc00"}}`, ""},
		{"invalid byte in a value", "{\"labels\":{\"a\":\"x\xffy\"}}", "invalid UTF-8 at byte 17 (0xFF) in a string"},
		{"invalid byte in a member name", "{\"labels\":{\"\xc3\":\"x\"}}", "invalid UTF-8 at byte 12 (0xC3)"},
		{"truncated sequence", "{\"items\":[{\"name\":\"\xe2\x82\"}]}", "invalid UTF-8 at byte 19 (0xE2)"},
		{"encoded surrogate", "{\"items\":[{\"name\":\"\xed\xa0\x80\"}]}", "invalid UTF-8 at byte 19 (0xED)"},
		{"overlong encoding", "{\"labels\":{\"a\":\"\xc0\xaf\"}}", "invalid UTF-8 at byte 16 (0xC0)"},
		{"invalid byte in a document", "{\"doc\":{\"k\":[\"\x80\"]}}", "invalid UTF-8 at byte 14 (0x80)"},
		{"lone high surrogate", `{"labels":{"a":"\ud800"}}`, `the escape \uD800 is half of a UTF-16 surrogate pair`},
		{"high surrogate then a letter", `{"labels":{"a":"\uD800\u0041"}}`, `the escape \uD800 is half`},
		{"lone low surrogate", `{"labels":{"a":"x\udc00"}}`, `the escape \uDC00 is half`},
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
