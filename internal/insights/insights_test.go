package insights

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// base is 2026-01-02 03:04:00 UTC.
var base = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC).UnixMilli()

func events() []Event {
	msgs := []string{
		`{"level":"INFO","latency":120,"path":"/a","user":{"id":"u1"},"tags":["x","y"]}`,
		`{"level":"ERROR","latency":480.5,"path":"/b","user":{"id":"u2"}}`,
		`127.0.0.1 GET /index.html 200 512`,
		`{"level":"ERROR","latency":30,"path":"/a","user":{"id":"u1"}}`,
		`plain ERROR: disk full on /dev/sda1`,
		`{"level":"WARN","latency":75,"path":"/c"}`,
	}
	var out []Event
	// Newest first, as the service feeds a run.
	for i := len(msgs) - 1; i >= 0; i-- {
		out = append(out, Event{
			Timestamp: base + int64(i)*60_000, IngestionTime: base + int64(i)*60_000 + 5,
			Message: msgs[i], Stream: fmt.Sprintf("s%d", i%2), Group: "/app", Ptr: fmt.Sprintf("p%d", i),
		})
	}
	return out
}

func run(t *testing.T, q string, limit int) Result {
	t.Helper()
	p, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q) = %v", q, err)
	}
	r := p.Start(Options{Account: "123456789012", Limit: limit})
	for _, e := range events() {
		r.Add(e)
	}
	return r.Result()
}

// rows renders rows as "name=value name=value" lines.
func rows(res Result, skipPtr bool) []string {
	var out []string
	for _, row := range res.Rows {
		var parts []string
		for _, f := range row {
			if skipPtr && f.Name == "@ptr" {
				continue
			}
			parts = append(parts, f.Name+"="+f.Value)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestQueries(t *testing.T) {
	tests := []struct {
		name, q string
		want    []string
	}{
		{"fields and sort", `fields @timestamp, level | filter ispresent(level) | sort @timestamp asc | limit 2`, []string{
			"@timestamp=2026-01-02 03:04:00.000 level=INFO", "@timestamp=2026-01-02 03:05:00.000 level=ERROR"}},
		{"filter comparisons", `fields path, latency | filter level = "ERROR" and latency > 100`, []string{"path=/b latency=480.5"}},
		{"like string", `fields @message | filter @message like "disk full"`, []string{"@message=plain ERROR: disk full on /dev/sda1"}},
		{"like regex", `fields @logStream | filter @message like /GET \/index/`, []string{"@logStream=s0"}},
		{"=~ regex case-insensitive", `fields path | filter path =~ /\/A/i | sort @timestamp desc`, []string{"path=/a", "path=/a"}},
		{"in", `fields level | filter level in ["WARN", "INFO"] | sort @timestamp`, []string{"level=WARN", "level=INFO"}},
		{"not in", `fields level | filter ispresent(level) and level not in ["ERROR"] | sort @timestamp asc`, []string{"level=INFO", "level=WARN"}},
		{"not like", `fields path | filter ispresent(path) and path not like "/a" | sort @timestamp asc`, []string{"path=/b", "path=/c"}},
		{"or and parentheses", `fields level | filter (level = "WARN" or latency < 50) and not ispresent(nothing) | sort @timestamp asc`, []string{"level=ERROR", "level=WARN"}},
		{"nested JSON fields", `fields user.id, tags.1 | filter user.id = "u1" | sort @timestamp asc`, []string{"user.id=u1 tags.1=y", "user.id=u1"}},
		{"stats count by", `filter ispresent(level) | stats count(*) as n by level | sort n desc, level asc`, []string{"level=ERROR n=2", "level=INFO n=1", "level=WARN n=1"}},
		{"stats aggregates", `filter ispresent(latency) | stats count(latency), sum(latency), avg(latency), min(latency), max(latency), count_distinct(path)`, []string{
			"count(latency)=4 sum(latency)=705.5 avg(latency)=176.375 min(latency)=30 max(latency)=480.5 count_distinct(path)=3"}},
		{"stats bin", `stats count() as c by bin(2m) | sort bin(2m) asc`, []string{
			"bin(2m)=2026-01-02 03:04:00.000 c=2", "bin(2m)=2026-01-02 03:06:00.000 c=2", "bin(2m)=2026-01-02 03:08:00.000 c=2"}},
		{"stats pct stddev earliest latest", `filter ispresent(latency) | stats pct(latency, 50) as p50, earliest(path) as first, latest(path) as last`, []string{
			"p50=75 first=/a last=/c"}},
		{"parse glob", `parse @message "* GET * * *" as ip, path2, status, size | filter ispresent(ip) | display ip, status, size`, []string{"ip=127.0.0.1 status=200 size=512"}},
		{"parse regex", `parse @message /ERROR: (?<what>\w+ \w+) on (?<dev>\S+)/ | filter ispresent(dev) | fields what, dev`, []string{"what=disk full dev=/dev/sda1"}},
		{"functions", `fields toupper(path) as up, strlen(path) as n, concat(level, "-", path) as c, latency * 2 as twice | filter path = "/c"`, []string{"up=/C n=2 c=WARN-/c twice=150"}},
		{"more functions", `fields substr(@message, 0, 5) as s, replace(@message, "plain", "x") as r, strcontains(@message, "disk") as has, trim("  a ") as t | filter @message like "plain"`, []string{"s=plain r=x ERROR: disk full on /dev/sda1 has=1 t=a"}},
		{"dedup", `fields path | filter ispresent(path) | sort @timestamp asc | dedup path`, []string{"path=/a", "path=/b", "path=/c"}},
		{"builtins", `fields @log, @logStream, @ingestionTime | sort @timestamp asc | limit 1`, []string{"@log=123456789012:/app @logStream=s0 @ingestionTime=2026-01-02 03:04:00.005"}},
		{"limit keeps newest first", `fields @timestamp | limit 2`, []string{"@timestamp=2026-01-02 03:09:00.000", "@timestamp=2026-01-02 03:08:00.000"}},
		{"comment", "# find errors\nfields level | filter level = 'ERROR' | stats count(*) as n", []string{"n=2"}},
		{"no match", `filter level = "NOPE" | stats count(*)`, nil},
		{"stats then filter", `stats count(*) as n by path | filter n > 1 | sort path`, []string{"path=/a n=2", "n=2"}},
		{"arithmetic precedence", `fields 1 + 2 * 3 ^ 2 as x, (1 + 2) * 3 as y, -latency as z | filter path = "/c"`, []string{"x=19 y=9 z=-75"}},
		{"datefloor", `fields datefloor(@timestamp, 1h) as h | limit 1`, []string{"h=2026-01-02 03:00:00.000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rows(run(t, tt.q, 0), true)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("%s\n got: %q\nwant: %q", tt.q, got, tt.want)
			}
		})
	}
}

func TestDefaultFieldsAndPtr(t *testing.T) {
	res := run(t, `filter path = "/c"`, 0)
	if len(res.Rows) != 1 {
		t.Fatalf("rows = %v", res.Rows)
	}
	got := rows(res, false)[0]
	for _, want := range []string{"@timestamp=2026-01-02 03:09:00.000", `@message={"level":"WARN"`, "@logStream=s1", "level=WARN", "latency=75", "@ptr=p5"} {
		if !strings.Contains(got, want) {
			t.Errorf("row %q lacks %q", got, want)
		}
	}
	if res.Stats.RecordsScanned != 6 || res.Stats.RecordsMatched != 1 || res.Stats.BytesScanned == 0 {
		t.Errorf("stats = %+v", res.Stats)
	}
	if st := run(t, `stats count(*)`, 0); strings.Contains(strings.Join(rows(st, false), ""), "@ptr") {
		t.Error("stats rows carry @ptr")
	}
	if n := len(run(t, `fields @message`, 3).Rows); n != 3 {
		t.Errorf("StartQuery limit 3: %d rows", n)
	}
	if n := len(run(t, `fields @message | limit 4`, 3).Rows); n != 4 {
		t.Errorf("query limit 4 over StartQuery limit 3: %d rows", n)
	}
}

func TestParse_Errors(t *testing.T) {
	for _, tt := range []struct {
		q          string
		start, end int
		msg        string
	}{
		{"fields @message | filter", 24, 24, "unexpected end of query"},
		{"fields @message | bogus x", 18, 23, "unexpected symbol found bogus"},
		{"stats nope(x)", 6, 10, "stats takes aggregation functions"},
		{"stats sum(*)", 6, 12, "only count takes *"},
		{"limit 0", 6, 7, "limit takes a whole number"},
		{"filter x = 'unterminated", 11, 24, "unterminated string literal"},
		{"parse @message 'a * b *' as x", 29, 29, "captures 2 values but 1 names"},
		{"parse @message /(\\w+)/", 15, 22, "named groups"},
		{"fields foo(1)", 7, 10, "unknown function foo"},
		{"fields strlen(1, 2)", 7, 19, "strlen takes 1 argument(s)"},
		{"filter x in [1, 2", 17, 17, "unexpected end"},
		{"fields a ; b", 9, 10, "unexpected symbol found ;"},
		{"", 0, 0, "the query is empty"},
		{"filter a like 5", 14, 15, "like takes"},
	} {
		_, err := Parse(tt.q)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v; want a *SyntaxError", tt.q, err)
			continue
		}
		if se.Start != tt.start || se.End != tt.end || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) = %q [%d,%d]; want %q [%d,%d]", tt.q, se.Msg, se.Start, se.End, tt.msg, tt.start, tt.end)
		}
	}
	_, err := Parse("fields a\n| nope")
	if se := (*SyntaxError)(nil); !errors.As(err, &se) || se.Line != 2 || se.Col != 3 || se.Error() != "unexpected symbol found nope; a command (fields, filter, stats, sort, limit, parse, display, dedup) is expected at line 2 and position 3" {
		t.Errorf("multi-line error = %v", err)
	}
}

func TestFieldNames(t *testing.T) {
	got := strings.Join(FieldNames(`{"a":{"b":1},"c":[true,"x"],"n":null}`), ",")
	if got != "@timestamp,@message,@logStream,@log,@ingestionTime,a.b,c.0,c.1" {
		t.Fatalf("FieldNames = %s", got)
	}
	if len(DiscoverFields("not json")) != 0 {
		t.Fatal("plain text has no discovered fields")
	}
}

func TestNaturalSort(t *testing.T) {
	// AWS's example of an ascending sort.
	in := []Value{"1", "a12345hfh", "A9876fghj", "@_", "2345_", "111A", "5A", "0#", "*%04", "!:", "01", "2", "3", "0"}
	want := []string{"!:", "*%04", "0#", "5A", "111A", "2345_", "@_", "A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"}
	sort.SliceStable(in, func(i, j int) bool { return naturalCompare(in[i], in[j]) < 0 })
	var got []string
	for _, v := range in {
		got = append(got, text(v))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("sorted = %q\nwant %q", got, want)
	}
}

func TestLogRecord(t *testing.T) {
	for _, tt := range []struct {
		name    string
		e       Event
		account string
		want    map[string]string
	}{
		{"json", Event{Timestamp: 1716099016682, IngestionTime: 1716099017288, Stream: "s", Group: "/g", Ptr: "p",
			Message: `{"a":{"b":1.5,"c":[true,"x"]},"n":200,"null":null,"@message":"shadowed"}`}, "123456789012",
			map[string]string{"@timestamp": "1716099016682", "@ingestionTime": "1716099017288", "@logStream": "s", "@log": "123456789012:/g",
				"@message": `{"a":{"b":1.5,"c":[true,"x"]},"n":200,"null":null,"@message":"shadowed"}`,
				"a.b":      "1.5", "a.c.0": "true", "a.c.1": "x", "n": "200"}},
		{"plain text, no account", Event{Timestamp: 1, IngestionTime: 2, Message: "hello {", Stream: "s", Group: "/g"}, "",
			map[string]string{"@timestamp": "1", "@ingestionTime": "2", "@message": "hello {", "@logStream": "s", "@log": "/g"}},
		{"json field named like a time", Event{Timestamp: 1, IngestionTime: 2, Message: `{"@ingestionTime":"x","ts":3}`, Stream: "s", Group: "/g"}, "1",
			map[string]string{"@timestamp": "1", "@ingestionTime": "2", "@message": `{"@ingestionTime":"x","ts":3}`, "@logStream": "s", "@log": "1:/g", "ts": "3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := LogRecord(tt.e, tt.account)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("LogRecord = %v\nwant %v", got, tt.want)
			}
		})
	}
}
