package logs_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/ecsrun/ecsrun/internal/logs"
)

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		reject  []string
	}{
		{"", []string{"anything", "x"}, nil},
		{`""`, []string{"anything"}, nil},
		{"ERROR", []string{"ERROR: boom", "[ERROR] x", "xERRORx"}, []string{"error: boom", "Error"}},
		{"ERROR Exception", []string{"ERROR IllegalException", "Exception then ERROR"}, []string{"ERROR only", "Exception only"}},
		{`"Connection refused"`, []string{"dial: Connection refused (111)"}, []string{"Connection was refused", "connection refused"}},
		{`ERROR "disk full"`, []string{"ERROR: disk full"}, []string{"ERROR: disk is full", "disk full"}},
		{`"say \"hi\""`, []string{`they say "hi" to you`}, []string{"say hi"}},
		{"?ERROR ?WARN", []string{"ERROR x", "WARN y", "WARN ERROR"}, []string{"INFO z", "warn"}},
		{`?"no such host" ?timeout`, []string{"lookup: no such host", "i/o timeout"}, []string{"no host"}},
		{"ERROR -Exiting", []string{"ERROR: retrying"}, []string{"ERROR: Exiting", "INFO"}},
		{"task ?started ?stopped", []string{"task started", "task stopped"}, []string{"task running", "started"}},
		{"%timeout after [0-9]+s%", []string{"timeout after 30s"}, []string{"timeout after s"}},
		{"  spaced   out  ", []string{"out is spaced"}, []string{"spaced"}},
		{"-", []string{"a-b"}, []string{"ab"}},
		{`{ $.level = "error" && $.ms > 100 }`, []string{`{"level":"error","ms":250}`}, []string{`{"level":"error","ms":50}`, "level error"}},
		{"[ip, user, ..., status=5*, size]", []string{"1.2.3.4 bob GET / 503 12"}, []string{"1.2.3.4 bob GET / 200 12"}},
	}
	for _, tt := range tests {
		p, err := logs.CompilePattern(tt.pattern)
		if err != nil {
			t.Fatalf("CompilePattern(%q) = %v", tt.pattern, err)
		}
		for _, m := range tt.match {
			if !p.Match(m) {
				t.Errorf("CompilePattern(%q).Match(%q) = false; want true", tt.pattern, m)
			}
		}
		for _, m := range tt.reject {
			if p.Match(m) {
				t.Errorf("CompilePattern(%q).Match(%q) = true; want false", tt.pattern, m)
			}
		}
	}
}

func TestCompilePattern_Invalid(t *testing.T) {
	for _, p := range []string{`{ $.level = }`, `[ip, user, status>abc]`, `"unclosed`, `%(bad%`} {
		if _, err := logs.CompilePattern(p); !errors.Is(err, logs.ErrInvalid) {
			t.Errorf("CompilePattern(%q) = %v; want ErrInvalid", p, err)
		}
	}
}

// filterAll pages through a filter, checking the token rules, and returns
// "stream:message" of every event.
func filterAll(t *testing.T, st *logs.Store, q logs.FilterQuery) []string {
	t.Helper()
	ctx := testCtx(t)
	var got []string
	for range 100 {
		page, err := st.FilterLogEvents(ctx, q)
		if err != nil {
			t.Fatalf("FilterLogEvents(%+v) = %v", q, err)
		}
		if q.Limit > 0 && len(page.Events) > q.Limit {
			t.Fatalf("page of %d events; limit %d", len(page.Events), q.Limit)
		}
		for _, e := range page.Events {
			got = append(got, e.Stream+":"+e.Message)
		}
		if page.NextToken == "" {
			return got
		}
		q.NextToken = page.NextToken
	}
	t.Fatal("FilterLogEvents never finished")
	return nil
}

func TestFilterLogEvents(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	base := t0.UnixMilli()
	// Streams written in this order; timestamps interleave.
	appends := []struct {
		stream string
		ts     int64
		msg    string
	}{
		{"app/web/1", 10, "GET / 200"},
		{"app/web/1", 30, "ERROR GET /x 500"},
		{"app/worker/1", 20, "job started"},
		{"app/worker/1", 30, "ERROR job failed"},
		{"db/1", 15, "ready"},
		{"app/web/1", 40, "WARN slow"},
		{"db/1", 30, "ERROR checkpoint"},
	}
	for _, a := range appends {
		if err := st.Append(ctx, "g", a.stream, []logs.Event{{Timestamp: base + a.ts, Message: a.msg}}); err != nil {
			t.Fatal(err)
		}
	}
	all := []string{
		"app/web/1:GET / 200", "db/1:ready", "app/worker/1:job started",
		"app/web/1:ERROR GET /x 500", "app/worker/1:ERROR job failed", "db/1:ERROR checkpoint",
		"app/web/1:WARN slow",
	}
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	tests := []struct {
		name string
		q    logs.FilterQuery
		want []string
	}{
		{"everything interleaved", logs.FilterQuery{}, all},
		{"paged by one", logs.FilterQuery{Limit: 1}, all},
		{"paged by three", logs.FilterQuery{Limit: 3}, all},
		{"newest first", logs.FilterQuery{Descending: true, Limit: 2}, reversed},
		{"prefix", logs.FilterQuery{StreamNamePrefix: "app/", Limit: 2}, []string{"app/web/1:GET / 200", "app/worker/1:job started", "app/web/1:ERROR GET /x 500", "app/worker/1:ERROR job failed", "app/web/1:WARN slow"}},
		{"names", logs.FilterQuery{StreamNames: []string{"db/1", "app/worker/1", "missing"}}, []string{"db/1:ready", "app/worker/1:job started", "app/worker/1:ERROR job failed", "db/1:ERROR checkpoint"}},
		{"pattern", logs.FilterQuery{Pattern: "ERROR", Limit: 2}, []string{"app/web/1:ERROR GET /x 500", "app/worker/1:ERROR job failed", "db/1:ERROR checkpoint"}},
		{"alternatives", logs.FilterQuery{Pattern: "?WARN ?ready"}, []string{"db/1:ready", "app/web/1:WARN slow"}},
		{"time range", logs.FilterQuery{StartTime: base + 15, EndTime: base + 30}, []string{"db/1:ready", "app/worker/1:job started"}},
		{"time range and pattern", logs.FilterQuery{StartTime: base + 30, Pattern: "ERROR -checkpoint", Limit: 1}, []string{"app/web/1:ERROR GET /x 500", "app/worker/1:ERROR job failed"}},
		{"no match", logs.FilterQuery{Pattern: "nothing like this"}, nil},
		{"no stream", logs.FilterQuery{StreamNamePrefix: "zzz"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Group = "g"
			if got := filterAll(t, st, q); !slices.Equal(got, tt.want) {
				t.Fatalf("FilterLogEvents(%+v) = %q; want %q", tt.q, got, tt.want)
			}
		})
	}

	// The last page has no token; a full page followed by nothing more has
	// none either.
	page, err := st.FilterLogEvents(ctx, logs.FilterQuery{Group: "g", Pattern: "ERROR", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 3 || page.NextToken != "" {
		t.Fatalf("exactly-full last page: %d events, token %q; want 3 and none", len(page.Events), page.NextToken)
	}
	if len(page.Searched) != 3 || !page.Searched[0].Complete {
		t.Fatalf("searched = %+v; want 3 complete streams", page.Searched)
	}
	ids := map[string]bool{}
	for _, e := range page.Events {
		if e.EventID() == "" || ids[e.EventID()] || e.IngestionTime != t0.UnixMilli() {
			t.Fatalf("event %+v: want a unique id and the ingestion time", e)
		}
		ids[e.EventID()] = true
	}

	errTests := []struct {
		name string
		q    logs.FilterQuery
		kind error
	}{
		{"names and prefix", logs.FilterQuery{Group: "g", StreamNames: []string{"a"}, StreamNamePrefix: "a"}, logs.ErrInvalid},
		{"missing group", logs.FilterQuery{Group: "nope"}, logs.ErrNotFound},
		{"bad token", logs.FilterQuery{Group: "g", NextToken: "f/0001"}, logs.ErrInvalid},
		{"bad JSON pattern", logs.FilterQuery{Group: "g", Pattern: "{ $.x = 1 "}, logs.ErrInvalid},
	}
	for _, tt := range errTests {
		if _, err := st.FilterLogEvents(ctx, tt.q); !errors.Is(err, tt.kind) {
			t.Errorf("%s: FilterLogEvents = %v; want %v", tt.name, err, tt.kind)
		}
	}
}
