package logstransform

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestTransform(t *testing.T) {
	meta := Meta{LogGroupName: "/app", LogStreamName: "web/1", AccountID: "000000000000", Region: "us-east-1"}
	for _, tc := range []struct {
		name, config, msg, want string
		failed                  bool
	}{
		{"parseJSON at the root", `[{"parseJSON":{}}]`, `{"a":{"b":1},"c":"x"}`, `{"a":{"b":1},"c":"x"}`, false},
		{"parseJSON under a destination", `[{"parseJSON":{"destination":"body"}}]`, `{"a":1}`, `{"body":{"a":1}}`, false},
		{"parseJSON of a nested field", `[{"parseJSON":{}},{"parseJSON":{"source":"inner","destination":"parsed"}}]`, `{"inner":"{\"k\":\"v\"}"}`, `{"inner":"{\"k\":\"v\"}","parsed":{"k":"v"}}`, false},
		{"parseJSON of text fails", `[{"parseJSON":{}}]`, `plain text`, ``, true},
		{"grok", `[{"grok":{"match":"%{NUMBER:version} %{HOSTNAME:hostname} %{NOTSPACE:status} %{QUOTEDSTRING:logMsg}"}}]`,
			`293750 server-01.internal-network.local OK "[Thread-000] token generated"`,
			`{"hostname":"server-01.internal-network.local","logMsg":"\"[Thread-000] token generated\"","status":"OK","version":"293750"}`, false},
		{"grok nested names and inline groups", `[{"grok":{"match":"%{TIMESTAMP_ISO8601:ts} \\[%{LOGLEVEL:log.level}\\] (?<rest>.*)"}}]`,
			`2024-05-01T10:00:00Z [ERROR] disk full`, `{"log":{"level":"ERROR"},"rest":"disk full","ts":"2024-05-01T10:00:00Z"}`, false},
		{"grok no match", `[{"grok":{"match":"%{IPV4:ip}"}}]`, `no address`, ``, true},
		{"grok apache", `[{"grok":{"match":"%{COMMONAPACHELOG}"}}]`, `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326`,
			`{"auth":"frank","bytes":"2326","clientip":"127.0.0.1","httpversion":"1.0","ident":"-","request":"/a.gif","response":"200","timestamp":"10/Oct/2000:13:55:36 -0700","verb":"GET"}`, false},
		{"csv default columns", `[{"csv":{}}]`, `a,"b,c",d`, `{"column_1":"a","column_2":"b,c","column_3":"d"}`, false},
		{"csv named columns, tab, quote", `[{"csv":{"delimiter":"\\t","quoteCharacter":"'","columns":["x","y"]}}]`, "1\t'two\t2'\t3", `{"column_3":"3","x":"1","y":"two\t2"}`, false},
		{"parseKeyValue", `[{"parseKeyValue":{"fieldDelimiter":" ","keyValueDelimiter":":","keyPrefix":"kv_","nonMatchValue":"none"}}]`, `a:1 b:2 flag`, `{"kv_a":"1","kv_b":"2","kv_flag":"none"}`, false},
		{"mutations", `[{"parseJSON":{}},
			{"addKeys":{"entries":[{"key":"env","value":"dev"},{"key":"name","value":"x"}]}},
			{"renameKeys":{"entries":[{"key":"lvl","renameTo":"level"}]}},
			{"upperCaseString":{"withKeys":["level"]}},
			{"trimString":{"withKeys":["name"]}},
			{"moveKeys":{"entries":[{"source":"user","target":"who.id"}]}},
			{"deleteKeys":{"withKeys":["drop"]}},
			{"copyValue":{"entries":[{"source":"@logGroupName","target":"group"},{"source":"env","target":"env2"}]}}]`,
			`{"lvl":"warn","name":"  keep  ","user":"u1","drop":true}`,
			`{"env":"dev","env2":"dev","group":"/app","level":"WARN","name":"keep","who":{"id":"u1"}}`, false},
		{"split, substitute, convert", `[{"parseJSON":{}},
			{"splitString":{"entries":[{"source":"tags","delimiter":","}]}},
			{"substituteString":{"entries":[{"source":"path","from":"/[0-9]+","to":"/:id"}]}},
			{"typeConverter":{"entries":[{"key":"n","type":"integer"},{"key":"f","type":"double"},{"key":"b","type":"boolean"},{"key":"s","type":"string"}]}}]`,
			`{"tags":"a,b","path":"/users/42/posts/7","n":"12","f":"1.5","b":"TRUE","s":3}`,
			`{"b":true,"f":1.5,"n":12,"path":"/users/:id/posts/:id","s":"3","tags":["a","b"]}`, false},
		{"typeConverter failure", `[{"parseJSON":{}},{"typeConverter":{"entries":[{"key":"n","type":"integer"}]}}]`, `{"n":"twelve"}`, ``, true},
		{"listToMap", `[{"parseJSON":{}},{"listToMap":{"source":"l","key":"k","valueKey":"v","target":"m"}}]`,
			`{"l":[{"k":"a","v":1},{"k":"b","v":2},{"k":"b","v":3}]}`, `{"l":[{"k":"a","v":1},{"k":"b","v":2},{"k":"b","v":3}],"m":{"a":[1],"b":[2,3]}}`, false},
		{"listToMap flattened", `[{"parseJSON":{}},{"listToMap":{"source":"l","key":"k","valueKey":"v","flatten":true,"flattenedElement":"last"}}]`,
			`{"l":[{"k":"a","v":1},{"k":"a","v":2}]}`, `{"a":2,"l":[{"k":"a","v":1},{"k":"a","v":2}]}`, false},
		{"dateTimeConverter", `[{"parseJSON":{}},{"dateTimeConverter":{"source":"t","target":"iso","matchPatterns":["dd/MMM/yyyy:HH:mm:ss Z","yyyy-MM-dd HH:mm:ss"],"sourceTimezone":"UTC"}}]`,
			`{"t":"10/Oct/2000:13:55:36 -0700"}`, `{"iso":"2000-10-10T20:55:36.000Z","t":"10/Oct/2000:13:55:36 -0700"}`, false},
		{"dateTimeConverter no match", `[{"parseJSON":{}},{"dateTimeConverter":{"source":"t","target":"iso","matchPatterns":["yyyy-MM-dd"]}}]`, `{"t":"yesterday"}`, ``, true},
	} {
		tr, err := Compile([]byte(tc.config))
		if err != nil {
			t.Errorf("%s: Compile: %v", tc.name, err)
			continue
		}
		got, err := tr.Transform(tc.msg, meta)
		if tc.failed {
			if !IsEventFailure(err) {
				t.Errorf("%s: Transform = %q, %v; want an event failure", tc.name, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Transform: %v", tc.name, err)
			continue
		}
		var g, w any
		json.Unmarshal([]byte(got), &g)
		json.Unmarshal([]byte(tc.want), &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, tc := range []struct{ name, config string }{
		{"empty", `[]`},
		{"not a list", `{"parseJSON":{}}`},
		{"first not a parser", `[{"addKeys":{"entries":[{"key":"a","value":"b"}]}}]`},
		{"two types in one", `[{"parseJSON":{},"grok":{"match":"x"}}]`},
		{"vended parser second", `[{"parseJSON":{}},{"parseVPC":{}}]`},
		{"unknown grok pattern", `[{"grok":{"match":"%{NOPE:x}"}}]`},
		{"grok type conversion", `[{"grok":{"match":"%{INT:n:int}"}}]`},
		{"bad regex", `[{"parseJSON":{}},{"substituteString":{"entries":[{"source":"a","from":"(","to":""}]}}]`},
		{"bad type", `[{"parseJSON":{}},{"typeConverter":{"entries":[{"key":"a","type":"long"}]}}]`},
		{"flatten without element", `[{"parseJSON":{}},{"listToMap":{"source":"a","key":"k","flatten":true}}]`},
		{"bad date pattern", `[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy-QQ"]}}]`},
		{"bad zone", `[{"parseJSON":{}},{"dateTimeConverter":{"source":"a","target":"b","matchPatterns":["yyyy"],"sourceTimezone":"Mars/Base"}}]`},
		{"21 processors", `[{"parseJSON":{}}` + repeat(`,{"trimString":{"withKeys":["a"]}}`, 20) + `]`},
	} {
		if _, err := Compile([]byte(tc.config)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Compile = %v; want ErrInvalid", tc.name, err)
		}
	}
	tr, err := Compile([]byte(`[{"parseVPC":{}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Transform("2 123 eni-1 ...", Meta{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("parseVPC: %v; want ErrUnsupported", err)
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func FuzzTransform(f *testing.F) {
	f.Add(`[{"grok":{"match":"%{WORD:w} %{GREEDYDATA:rest}"}}]`, "hello world")
	f.Add(`[{"csv":{"quoteCharacter":"'"}}]`, `a,'b,c`)
	f.Add(`[{"parseKeyValue":{}},{"typeConverter":{"entries":[{"key":"a","type":"integer"}]}}]`, "a=1&b")
	f.Add(`[{"parseJSON":{}},{"listToMap":{"source":"l","key":"k"}}]`, `{"l":[{"k":1}]}`)
	f.Fuzz(func(t *testing.T, config, msg string) {
		tr, err := Compile([]byte(config))
		if err != nil {
			return
		}
		out, err := tr.Transform(msg, Meta{})
		if err == nil && !json.Valid([]byte(out)) {
			t.Fatalf("Transform(%q) = %q: not JSON", msg, out)
		}
	})
}
