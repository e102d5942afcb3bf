package logpattern

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The cases follow the examples of AWS's "Filter pattern syntax for metric
// filters, subscription filters, filter log events, and Live Tail".
func TestMatch(t *testing.T) {
	const cloudtrail = `{"eventType":"UpdateTrail","sourceIPAddress":"123.123.1.2","arrayKey":["value","another"],
		"objectList":[{"name":"a","id":1},{"name":"b","id":2}],"bandwidth":75,"latency":500,
		"user":{"id":1,"email":"John.Doe@example.com"},"users":[{"id":2,"email":"John.Doe@example.com"}],
		"actions":["GET","PUT","DELETE"],"coordinates":[[0,1],[2,3]],"key1":true,"key2":false,"key3":null,
		"errorCode":"AccessDenied","detail-type":"x"}`
	const apache = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534`
	tests := []struct {
		pattern string
		match   []string
		reject  []string
	}{
		// Unstructured terms.
		{"", []string{"anything", ""}, nil},
		{"ERROR", []string{"[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST"}, []string{"[WARN] error", "Error"}},
		{"ERROR ARGUMENTS", []string{"[ERROR] Missing ARGUMENTS"}, []string{"[ERROR 401] UNAUTHORIZED REQUEST"}},
		{`"INTERNAL SERVER ERROR"`, []string{"[ERROR 500] INTERNAL SERVER ERROR"}, []string{"INTERNAL ERROR"}},
		{"?ERROR ?WARN", []string{"[ERROR 500] x", "[WARN] y"}, []string{"[INFO] z"}},
		{"ERROR -ARGUMENTS", []string{"[ERROR 500] INTERNAL SERVER ERROR"}, []string{"[ERROR] Missing ARGUMENTS"}},
		{`"say \"hi\""`, []string{`they say "hi"`}, []string{"say hi"}},
		// Regular expressions.
		{"%AUTHORIZED%", []string{"[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST"}, []string{"authorized"}},
		{"%ERROR [0-9]+%", []string{"ERROR 500"}, []string{"ERROR x"}},
		// JSON patterns.
		{`{ $.eventType = "UpdateTrail" }`, []string{cloudtrail}, []string{`{"eventType":"CreateTrail"}`, "eventType UpdateTrail", `{"other":1}`}},
		{`{ $.sourceIPAddress != 123.123.* }`, []string{`{"sourceIPAddress":"10.0.0.1"}`}, []string{cloudtrail, `{"x":1}`}},
		{`{ $.arrayKey[0] = "value" }`, []string{cloudtrail}, []string{`{"arrayKey":["other"]}`}},
		{`{ $.objectList[1].id = 2 }`, []string{cloudtrail}, []string{`{"objectList":[{"id":2}]}`}},
		{`{ $.coordinates[1][0] = 2 }`, []string{cloudtrail}, nil},
		{`{ $.bandwidth > 75 }`, []string{`{"bandwidth":76}`}, []string{cloudtrail, `{"bandwidth":"100"}`}},
		{`{ $.latency >= 500 }`, []string{cloudtrail}, []string{`{"latency":499.5}`}},
		{`{ $.bandwidth <= 75 && $.latency < 501 }`, []string{cloudtrail}, nil},
		{`{ $.user.id = 1 && $.users[0].email = "John.Doe@example.com" }`, []string{cloudtrail}, []string{`{"user":{"id":1}}`}},
		{`{ $.user.id = 2 || $.users[0].email = "nobody" }`, nil, []string{cloudtrail}},
		{`{ ($.user.id = 2 && $.users[0].email = "John.Doe@example.com") || $.actions[2] = "GET" }`, nil, []string{cloudtrail}},
		{`{ ($.user.id = 1 && $.users[0].email = "John.Doe@example.com") || $.actions[2] = "GET" }`, []string{cloudtrail}, nil},
		{`{ $.user.email = "John.Doe@example.com" || $.coordinates[0][1] = 1 && $.actions[2] = "DELETE" }`, []string{cloudtrail}, nil},
		{`{ $.key1 IS TRUE }`, []string{cloudtrail}, []string{`{"key1":"true"}`}},
		{`{ $.key2 IS FALSE }`, []string{cloudtrail}, []string{`{"key2":true}`}},
		{`{ $.key3 IS NULL }`, []string{cloudtrail}, []string{`{"key4":1}`}},
		{`{ $.key4 NOT EXISTS }`, []string{cloudtrail}, []string{`{"key4":null}`}},
		{`{ $.errorCode = "*Denied" }`, []string{cloudtrail}, []string{`{"errorCode":"Throttling"}`}},
		{`{ $.errorCode = * }`, []string{cloudtrail}, []string{`{"x":1}`}},
		{`{ $.eventType = %Update[a-zA-Z]+% }`, []string{cloudtrail}, []string{`{"eventType":"Update"}`}},
		{`{ $.actions[*] = "PUT" }`, []string{cloudtrail}, []string{`{"actions":["GET"]}`}},
		{`{ $.objectList[*].name = "b" }`, []string{cloudtrail}, nil},
		{`{ $.detail-type = "x" }`, []string{cloudtrail}, nil},
		{`{$.user.id=1}`, []string{cloudtrail}, nil},
		// Space-delimited patterns.
		{"[ip, user, username, timestamp, request, status_code, bytes]", []string{apache}, []string{"a b c"}},
		{"[ip, user, username, timestamp, request, status_code = 4*, bytes > 1000]", []string{apache}, []string{
			`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`,
			`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 100`,
		}},
		{"[..., status_code = 404, size]", []string{apache}, []string{"404 1534 x"}},
		{"[ip, ...]", []string{apache, "x"}, []string{""}},
		{"[ip=127.0.0.1, ...]", []string{apache}, []string{"10.0.0.1 y"}},
		{`[ip, user, username, timestamp, request = "GET /apache_pb.gif HTTP/1.0", ...]`, []string{apache}, nil},
		{"[ip, user, username, timestamp, request = *gif*, status_code = 4* || status_code = 5*, bytes]", []string{apache}, nil},
		{"[ip, user, username = %fr[a-z]+%, ...]", []string{apache}, []string{"1 - bob"}},
		{"[..., status != 200, size]", []string{apache}, []string{"x 200 1"}},
		{"[a, ..., b = last]", []string{"first middle last", "x last"}, []string{"only", "x last y"}},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Errorf("Parse(%q) = %v", tt.pattern, err)
			continue
		}
		for _, m := range tt.match {
			if !p.Match(m) {
				t.Errorf("Parse(%q).Match(%q) = false; want true", tt.pattern, m)
			}
		}
		for _, m := range tt.reject {
			if p.Match(m) {
				t.Errorf("Parse(%q).Match(%q) = true; want false", tt.pattern, m)
			}
		}
	}
}

func TestParse_Invalid(t *testing.T) {
	for _, tt := range []struct{ pattern, msg string }{
		{`"unclosed`, ""},
		{"%(bad%", "Invalid regex %(bad%: parentheses (subpatterns) are not supported in filter pattern regular expressions."},
		{"%something!%", ""},
		{"Status: timeout", "Invalid character(s) in term ':': quote terms that hold characters other than letters, digits, '_', '-' and '.' (\"Status:\")."},
		{"a,b", ""},
		{"{ $.x = }", ""},
		{"{ $.x }", ""},
		{"{ x = 1 }", ""},
		{"{ $.x > abc }", ""},
		{"{ $.x = 1 ", ""},
		{"{ ($.x = 1 }", ""},
		{"{ $.x = 1 $.y = 2 }", ""},
		{"{ $.x IS MAYBE }", ""},
		{"{ $.x NOT THERE }", ""},
		{"{ $.*.*.x = 1 }", ""},
		{"{ $.a[x] = 1 }", ""},
		{"{ $.a = %a% && $.b = %b% && $.c = %c% }", "Invalid filter pattern: a JSON or space-delimited pattern may hold at most 2 regular expressions."},
		{"[]", ""},
		{"[a, a]", ""},
		{"[a b]", ""},
		{"[a, b > x]", ""},
		{"[a, b = 1 && c = 2]", ""},
		{"[a", ""},
	} {
		_, err := Parse(tt.pattern)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v; want a *SyntaxError", tt.pattern, err)
			continue
		}
		if tt.msg != "" && se.Msg != tt.msg {
			t.Errorf("Parse(%q) = %q; want %q", tt.pattern, se.Msg, tt.msg)
		}
	}
}

func TestTest_Values(t *testing.T) {
	const apache = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`
	tests := []struct {
		pattern, msg string
		values       map[string]string
		sel          string
		selValue     string
	}{
		{"[ip, identity, user_id, timestamp, request, status_code, size]", apache, map[string]string{
			"$ip": "127.0.0.1", "$identity": "-", "$user_id": "frank", "$timestamp": "10/Oct/2000:13:25:15 -0700",
			"$request": "GET /apache_pb.gif HTTP/1.0", "$status_code": "200", "$size": "1534",
		}, "$size", "1534"},
		{`{ $.latency > 100 && $.level = "ERROR" }`, `{"latency": 250.5, "level": "ERROR", "svc": {"name": "api"}}`, map[string]string{
			"$.latency": "250.5", "$.level": "ERROR",
		}, "$.svc.name", "api"},
		{"ERROR", "ERROR boom", map[string]string{}, "", ""},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		r := p.Test(tt.msg)
		if !r.Matched || !reflect.DeepEqual(r.Values, tt.values) {
			t.Errorf("Parse(%q).Test(%q) = %v %v; want true %v", tt.pattern, tt.msg, r.Matched, r.Values, tt.values)
		}
		if tt.sel == "" {
			continue
		}
		if !p.CheckSelector(tt.sel) {
			t.Errorf("CheckSelector(%q) = false", tt.sel)
		}
		if v, ok := r.Value(tt.sel); !ok || v != tt.selValue {
			t.Errorf("Value(%q) = %q, %v; want %q", tt.sel, v, ok, tt.selValue)
		}
	}
	p, _ := Parse("[a, b]")
	if p.CheckSelector("$c") || p.CheckSelector("$.a") {
		t.Error("CheckSelector accepted a field the pattern lacks")
	}
	u, _ := Parse("ERROR")
	if u.CheckSelector("$.a") {
		t.Error("an unstructured pattern has no values")
	}
}

func TestTokenize(t *testing.T) {
	got := Tokenize(`  a "b c" [d e] "unclosed f`)
	want := []string{"a", "b c", "d e", `"unclosed`, "f"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tokenize = %q; want %q", got, want)
	}
}

func TestMatchAll(t *testing.T) {
	for p, want := range map[string]bool{"": true, `""`: true, "x": false, "{ $.a = 1 }": false, "%a%": false} {
		q, err := Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		if q.MatchAll() != want {
			t.Errorf("Parse(%q).MatchAll() = %v; want %v", p, !want, want)
		}
	}
}

func TestUsesRegex(t *testing.T) {
	for p, want := range map[string]bool{"%a%": true, "{ $.a = %x% }": true, "[a = %x%, b]": true, "a": false, "{ $.a = 1 }": false, "[a, b]": false} {
		q, err := Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		if q.UsesRegex() != want {
			t.Errorf("Parse(%q).UsesRegex() = %v; want %v", p, !want, want)
		}
	}
}

func TestDelimited_BoundedWork(t *testing.T) {
	p, err := Parse("[a, ..., b = x, ..., c = y, ..., d = z]")
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Repeat("w ", 5000) + "x y z"
	start := time.Now()
	p.Match(msg) // may or may not match within the budget; it must return soon
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("matching took %v", d)
	}
	if !p.Match("w x y z") {
		t.Fatal("a short event should match")
	}
}
