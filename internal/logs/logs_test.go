package logs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

// t0 is the tests' "now".
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func openStore(t testing.TB, dir string) *logs.Store {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := logs.Open(ctx, db, logs.Options{Region: "eu-west-1", Account: "123456789012", Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newStore(t testing.TB) *logs.Store { return openStore(t, t.TempDir()) }

// lines returns n events "<prefix>0".."<prefix>n-1" with timestamps
// base, base+1, ...
func lines(prefix string, base int64, n int) []logs.Event {
	ev := make([]logs.Event, n)
	for i := range ev {
		ev[i] = logs.Event{Timestamp: base + int64(i), Message: fmt.Sprintf("%s%d", prefix, i)}
	}
	return ev
}

func messages(events []logs.StoredEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Message
	}
	return out
}

func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func TestGetLogEvents_Pages(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	base := t0.UnixMilli()
	if err := st.Append(ctx, "g", "s", lines("m", base, 10)); err != nil {
		t.Fatal(err)
	}
	type call struct {
		head     bool
		limit    int
		token    string // "" none, "F"/"B" previous answer's forward/backward token
		start    int64  // offsets from base; -1 none
		end      int64
		want     []string
		sameToks bool // the token passed comes back unchanged
	}
	tests := []struct {
		name  string
		calls []call
	}{
		{"default returns the last limit events", []call{
			{limit: 3, start: -1, end: -1, want: names("m", 7, 10)},
		}},
		{"default limit returns all", []call{
			{start: -1, end: -1, want: names("m", 0, 10)},
		}},
		{"forward from head to the end", []call{
			{head: true, limit: 4, start: -1, end: -1, want: names("m", 0, 4)},
			{token: "F", limit: 4, start: -1, end: -1, want: names("m", 4, 8)},
			{token: "F", limit: 4, start: -1, end: -1, want: names("m", 8, 10)},
			{token: "F", limit: 4, start: -1, end: -1, want: nil, sameToks: true},
			{token: "F", limit: 4, start: -1, end: -1, want: nil, sameToks: true},
		}},
		{"backward from the tail to the start", []call{
			{limit: 4, start: -1, end: -1, want: names("m", 6, 10)},
			{token: "B", limit: 4, start: -1, end: -1, want: names("m", 2, 6)},
			{token: "B", limit: 4, start: -1, end: -1, want: names("m", 0, 2)},
			{token: "B", limit: 4, start: -1, end: -1, want: nil, sameToks: true},
		}},
		{"forward after backward", []call{
			{limit: 4, start: -1, end: -1, want: names("m", 6, 10)},
			{token: "B", limit: 2, start: -1, end: -1, want: names("m", 4, 6)},
			{token: "F", limit: 2, start: -1, end: -1, want: names("m", 6, 8)},
		}},
		{"forward token ignores startFromHead false", []call{
			{head: true, limit: 2, start: -1, end: -1, want: names("m", 0, 2)},
			{head: false, token: "F", limit: 2, start: -1, end: -1, want: names("m", 2, 4)},
		}},
		{"start inclusive end exclusive", []call{
			{head: true, start: 3, end: 6, want: names("m", 3, 6)},
		}},
		{"time range from the tail", []call{
			{limit: 2, start: 2, end: 8, want: names("m", 6, 8)},
			{token: "B", limit: 10, start: 2, end: 8, want: names("m", 2, 6)},
			{token: "B", limit: 10, start: 2, end: 8, want: nil, sameToks: true},
		}},
		{"time range paging forward", []call{
			{head: true, limit: 2, start: 5, end: -1, want: names("m", 5, 7)},
			{token: "F", limit: 2, start: 5, end: -1, want: names("m", 7, 9)},
			{token: "F", limit: 2, start: 5, end: -1, want: names("m", 9, 10)},
			{token: "F", limit: 2, start: 5, end: -1, want: nil, sameToks: true},
		}},
		{"empty time range", []call{
			{head: true, start: 100, end: -1, want: nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev logs.EventPage
			for i, c := range tt.calls {
				q := logs.EventQuery{Group: "g", Stream: "s", StartFromHead: c.head, Limit: c.limit}
				if c.start >= 0 {
					q.StartTime = base + c.start
				}
				if c.end >= 0 {
					q.EndTime = base + c.end
				}
				switch c.token {
				case "F":
					q.NextToken = prev.NextForwardToken
				case "B":
					q.NextToken = prev.NextBackwardToken
				}
				page, err := st.GetLogEvents(ctx, q)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got := messages(page.Events); !slices.Equal(got, c.want) {
					t.Fatalf("call %d: events = %q; want %q", i, got, c.want)
				}
				if page.NextForwardToken == "" || page.NextBackwardToken == "" {
					t.Fatalf("call %d: empty token in %+v", i, page)
				}
				for _, tok := range []string{page.NextForwardToken, page.NextBackwardToken} {
					if !strings.HasPrefix(tok, "f/") && !strings.HasPrefix(tok, "b/") || strings.Trim(tok[2:], "0123456789") != "" {
						t.Fatalf("call %d: token %q is not f/<digits> or b/<digits>", i, tok)
					}
				}
				if c.sameToks {
					got := page.NextForwardToken
					if c.token == "B" {
						got = page.NextBackwardToken
					}
					if got != q.NextToken {
						t.Fatalf("call %d: token = %q; want the token passed, %q", i, got, q.NextToken)
					}
				} else if c.token != "" && (page.NextForwardToken == q.NextToken || page.NextBackwardToken == q.NextToken) && len(c.want) > 0 {
					t.Fatalf("call %d: got events but the token passed came back", i)
				}
				prev = page
			}
		})
	}
}

func TestGetLogEvents_TailSeesExactlyNewEvents(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	base := t0.UnixMilli()
	// An empty stream first: the tail token must catch the first events.
	if err := st.EnsureStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	page, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 0 {
		t.Fatalf("events = %v; want none", page.Events)
	}
	tok := page.NextForwardToken
	var got []string
	for round := range 4 {
		if err := st.Append(ctx, "g", "s", lines(fmt.Sprintf("r%d-", round), base, 3)); err != nil {
			t.Fatal(err)
		}
		for {
			page, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s", NextToken: tok, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, messages(page.Events)...)
			if page.NextForwardToken == tok {
				break
			}
			tok = page.NextForwardToken
		}
	}
	var want []string
	for round := range 4 {
		want = append(want, names(fmt.Sprintf("r%d-", round), 0, 3)...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("tailed %q; want %q", got, want)
	}
}

// TestGetLogEvents_ConcurrentTail follows a stream while it is written to
// and checks every line arrives once, in order.
func TestGetLogEvents_ConcurrentTail(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	const batches, perBatch = 50, 20
	if err := st.EnsureStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	errc := make(chan error, 2)
	go func() {
		defer wg.Done()
		for b := range batches {
			if err := st.Append(ctx, "g", "s", lines(fmt.Sprintf("b%02d-", b), t0.UnixMilli(), perBatch)); err != nil {
				errc <- err
				return
			}
		}
	}()
	go func() { // noise in another stream
		defer wg.Done()
		for b := range batches {
			if err := st.Append(ctx, "g", "other", lines("x", t0.UnixMilli(), perBatch)); err != nil {
				errc <- fmt.Errorf("batch %d: %w", b, err)
				return
			}
		}
	}()
	var got []string
	tok := ""
	for len(got) < batches*perBatch {
		if ctx.Err() != nil {
			t.Fatalf("deadline: got %d of %d lines", len(got), batches*perBatch)
		}
		q := logs.EventQuery{Group: "g", Stream: "s", StartFromHead: true, Limit: 7, NextToken: tok}
		page, err := st.GetLogEvents(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, messages(page.Events)...)
		tok = page.NextForwardToken
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	var want []string
	for b := range batches {
		want = append(want, names(fmt.Sprintf("b%02d-", b), 0, perBatch)...)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("tailed %d lines, first difference at %d", len(got), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestGetLogEvents_ByteCap(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	big := strings.Repeat("x", 100_000)
	var ev []logs.Event
	for i := range 25 {
		ev = append(ev, logs.Event{Timestamp: t0.UnixMilli(), Message: fmt.Sprintf("%02d%s", i, big)})
	}
	if err := st.Append(ctx, "g", "s", ev); err != nil {
		t.Fatal(err)
	}
	perPage := logs.MaxPageBytes / (100_002 + logs.EventOverhead)
	page, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s", StartFromHead: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != perPage {
		t.Fatalf("head page holds %d events; want %d (1 MB cap)", len(page.Events), perPage)
	}
	page, err = st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != perPage || !strings.HasPrefix(page.Events[len(page.Events)-1].Message, "24") {
		t.Fatalf("tail page holds %d events ending %.2q; want %d ending with event 24", len(page.Events), page.Events[len(page.Events)-1].Message, perPage)
	}
}

func TestGetLogEvents_Errors(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	if err := st.Append(ctx, "g", "s", lines("m", t0.UnixMilli(), 3)); err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, "g", "other", lines("m", t0.UnixMilli(), 3)); err != nil {
		t.Fatal(err)
	}
	other, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "other"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    logs.EventQuery
		kind error
		msg  string
	}{
		{"missing group", logs.EventQuery{Group: "nope", Stream: "s"}, logs.ErrNotFound, "The specified log group does not exist."},
		{"missing stream", logs.EventQuery{Group: "g", Stream: "nope"}, logs.ErrNotFound, "The specified log stream does not exist."},
		{"garbage token", logs.EventQuery{Group: "g", Stream: "s", NextToken: "f/12x"}, logs.ErrInvalid, "The specified nextToken is invalid."},
		{"wrong prefix", logs.EventQuery{Group: "g", Stream: "s", NextToken: "x" + other.NextForwardToken[1:]}, logs.ErrInvalid, ""},
		{"token of another stream", logs.EventQuery{Group: "g", Stream: "s", NextToken: other.NextForwardToken}, logs.ErrInvalid, ""},
		{"limit too large", logs.EventQuery{Group: "g", Stream: "s", Limit: 10001}, logs.ErrInvalid, ""},
		{"negative start", logs.EventQuery{Group: "g", Stream: "s", StartTime: -1}, logs.ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.GetLogEvents(ctx, tt.q)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("GetLogEvents(%+v) = %v; want kind %v", tt.q, err, tt.kind)
			}
			var le *logs.Error
			if tt.msg != "" && (!errors.As(err, &le) || le.Msg != tt.msg) {
				t.Fatalf("GetLogEvents(%+v) = %v; want message %q", tt.q, err, tt.msg)
			}
		})
	}
}

func TestStore_GroupsAndStreams(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	if err := st.CreateLogStream(ctx, "g", "s"); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("CreateLogStream in a missing group = %v; want ErrNotFound", err)
	}
	if err := st.CreateLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateLogGroup(ctx, "g"); !errors.Is(err, logs.ErrExists) {
		t.Fatalf("CreateLogGroup twice = %v; want ErrExists", err)
	}
	if err := st.CreateLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateLogStream(ctx, "g", "s"); !errors.Is(err, logs.ErrExists) {
		t.Fatalf("CreateLogStream twice = %v; want ErrExists", err)
	}
	if err := st.EnsureStream(ctx, "g", "s"); err != nil {
		t.Fatalf("EnsureStream of an existing stream = %v", err)
	}
	for _, bad := range []struct{ g, s string }{{"bad name!", "s"}, {"g", "a:b"}, {"g", "a*"}, {"", "s"}, {"g", ""}} {
		if err := st.Append(ctx, bad.g, bad.s, lines("m", 1, 1)); !errors.Is(err, logs.ErrInvalid) {
			t.Fatalf("Append(%q, %q) = %v; want ErrInvalid", bad.g, bad.s, err)
		}
	}
	if err := st.Append(ctx, "g", "s", []logs.Event{{Timestamp: 5, Message: "hello"}, {Timestamp: 3, Message: ""}, {Timestamp: 9, Message: "world"}}); err != nil {
		t.Fatal(err)
	}
	streams, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 {
		t.Fatalf("streams = %+v; want 1", streams)
	}
	s := streams[0]
	if *s.FirstEventTimestamp != 5 || *s.LastEventTimestamp != 9 || *s.LastIngestionTime != t0.UnixMilli() || s.StoredBytes != 10 || s.CreationTime != t0.UnixMilli() {
		t.Fatalf("stream = %+v (first %d last %d); want first 5, last 9, ingested at t0, 10 bytes (empty line dropped)", s, *s.FirstEventTimestamp, *s.LastEventTimestamp)
	}
	if want := "arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:s"; s.ARN != want {
		t.Fatalf("stream ARN = %q; want %q", s.ARN, want)
	}
	groups, _, err := st.DescribeLogGroups(ctx, logs.GroupQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].ARN != "arn:aws:logs:eu-west-1:123456789012:log-group:g" || groups[0].StoredBytes != 10 {
		t.Fatalf("groups = %+v", groups)
	}
	if err := st.PutRetentionPolicy(ctx, "g", 4); !errors.Is(err, logs.ErrInvalid) {
		t.Fatalf("PutRetentionPolicy(4) = %v; want ErrInvalid", err)
	}
	if err := st.PutRetentionPolicy(ctx, "g", 7); err != nil {
		t.Fatal(err)
	}
	if groups, _, _ = st.DescribeLogGroups(ctx, logs.GroupQuery{}); groups[0].RetentionInDays != 7 {
		t.Fatalf("retention = %d; want 7", groups[0].RetentionInDays)
	}
	if err := st.DeleteLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteLogStream(ctx, "g", "s"); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("DeleteLogStream twice = %v; want ErrNotFound", err)
	}
	// Append after the deletion recreates the stream (the cache must not
	// point at the deleted one).
	if err := st.Append(ctx, "g", "s", lines("again", 20, 2)); err != nil {
		t.Fatal(err)
	}
	page, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := messages(page.Events); !slices.Equal(got, []string{"again0", "again1"}) {
		t.Fatalf("events after recreation = %q", got)
	}
	if err := st.DeleteLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteLogGroup(ctx, "g"); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("DeleteLogGroup twice = %v; want ErrNotFound", err)
	}
	if _, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s"}); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("GetLogEvents after DeleteLogGroup = %v; want ErrNotFound", err)
	}
}

func TestDescribeLogGroups_Paging(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	for _, n := range []string{"/ecs/b", "/ecs/a", "/other", "/ecs/c", "x/ecs/d"} {
		if err := st.CreateLogGroup(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		q    logs.GroupQuery
		want []string
	}{
		{logs.GroupQuery{Limit: 2}, []string{"/ecs/a", "/ecs/b", "/ecs/c", "/other", "x/ecs/d"}},
		{logs.GroupQuery{Prefix: "/ecs/", Limit: 1}, []string{"/ecs/a", "/ecs/b", "/ecs/c"}},
		{logs.GroupQuery{Pattern: "ecs", Limit: 3}, []string{"/ecs/a", "/ecs/b", "/ecs/c", "x/ecs/d"}},
		{logs.GroupQuery{Prefix: "/none"}, nil},
	}
	for _, tt := range tests {
		var got []string
		q := tt.q
		for range 10 {
			groups, next, err := st.DescribeLogGroups(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(groups) > max(q.Limit, 1) && q.Limit > 0 {
				t.Fatalf("page of %d; limit %d", len(groups), q.Limit)
			}
			for _, g := range groups {
				got = append(got, g.Name)
			}
			if next == "" {
				break
			}
			q.NextToken = next
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("DescribeLogGroups(%+v) = %q; want %q", tt.q, got, tt.want)
		}
	}
	if _, _, err := st.DescribeLogGroups(ctx, logs.GroupQuery{Prefix: "a", Pattern: "b"}); !errors.Is(err, logs.ErrInvalid) {
		t.Fatalf("prefix and pattern = %v; want ErrInvalid", err)
	}
	if _, _, err := st.DescribeLogGroups(ctx, logs.GroupQuery{NextToken: "garbage"}); !errors.Is(err, logs.ErrInvalid) {
		t.Fatalf("bad token = %v; want ErrInvalid", err)
	}
}

func TestDescribeLogStreams_OrderAndPaging(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	// Last event times: c=30, a=10, b=20, d none, e=20.
	for _, s := range []struct {
		name string
		ts   int64
	}{{"c", 30}, {"a", 10}, {"b", 20}, {"e", 20}} {
		if err := st.Append(ctx, "g", s.name, []logs.Event{{Timestamp: s.ts, Message: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateLogStream(ctx, "g", "d"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateLogStream(ctx, "g", "aa"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"é/1", "é/2", "éa", "f"} {
		if err := st.CreateLogStream(ctx, "h", n); err != nil && !errors.Is(err, logs.ErrNotFound) {
			t.Fatal(err)
		} else if err != nil {
			if err := st.CreateLogGroup(ctx, "h"); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateLogStream(ctx, "h", n); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "h", Prefix: "é/"}); err != nil || len(got) != 2 || got[0].Name != "é/1" || got[1].Name != "é/2" {
		t.Fatalf("non-ASCII prefix: %+v, %v; want é/1 and é/2", got, err)
	}
	tests := []struct {
		q    logs.StreamQuery
		want []string
	}{
		{logs.StreamQuery{Limit: 2}, []string{"a", "aa", "b", "c", "d", "e"}},
		{logs.StreamQuery{Limit: 4, Descending: true}, []string{"e", "d", "c", "b", "aa", "a"}},
		{logs.StreamQuery{Prefix: "a", Limit: 1}, []string{"a", "aa"}},
		{logs.StreamQuery{OrderBy: logs.OrderByLastEventTime, Limit: 2}, []string{"aa", "d", "a", "b", "e", "c"}},
		{logs.StreamQuery{OrderBy: logs.OrderByLastEventTime, Descending: true, Limit: 1}, []string{"c", "e", "b", "a", "d", "aa"}},
	}
	for _, tt := range tests {
		q := tt.q
		q.Group = "g"
		var got []string
		for range 10 {
			streams, next, err := st.DescribeLogStreams(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range streams {
				got = append(got, s.Name)
			}
			if next == "" {
				break
			}
			q.NextToken = next
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("DescribeLogStreams(%+v) = %q; want %q", tt.q, got, tt.want)
		}
	}
	if _, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "g", Prefix: "a", OrderBy: logs.OrderByLastEventTime}); !errors.Is(err, logs.ErrInvalid) {
		t.Fatalf("prefix with LastEventTime = %v; want ErrInvalid", err)
	}
	if _, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "nope"}); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("missing group = %v; want ErrNotFound", err)
	}
}

func TestPutLogEvents_Rules(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	now := t0.UnixMilli()
	hour := int64(time.Hour / time.Millisecond)
	day := 24 * hour
	if _, err := st.PutLogEvents(ctx, "g", "s", lines("m", now, 1)); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("PutLogEvents to a missing group = %v; want ErrNotFound", err)
	}
	if err := st.CreateLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutLogEvents(ctx, "g", "s", lines("m", now, 1)); !errors.Is(err, logs.ErrNotFound) {
		t.Fatalf("PutLogEvents to a missing stream = %v; want ErrNotFound", err)
	}
	if err := st.CreateLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	ptr := func(i int) *int { return &i }
	tests := []struct {
		name    string
		ts      []int64
		kind    error
		stored  int
		reject  *logs.Rejected
		retDays int32
	}{
		{"ok", []int64{now - 5, now - 5, now}, nil, 3, nil, 0},
		{"not chronological", []int64{now, now - 1}, logs.ErrInvalid, 0, nil, 0},
		{"too old and too new", []int64{now - 15*day, now - 15*day, now, now + 3*hour}, nil, 1, &logs.Rejected{TooOldEnd: ptr(1), TooNewStart: ptr(3)}, 0},
		{"all too new", []int64{now + 3*hour}, nil, 0, &logs.Rejected{TooNewStart: ptr(0)}, 0},
		{"span over 24h", []int64{now - 2*day, now}, logs.ErrInvalid, 0, nil, 0},
		{"expired by retention", []int64{now - 3*day, now - 2*day, now - day/2}, nil, 1, &logs.Rejected{ExpiredEnd: ptr(1)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.retDays > 0 {
				if err := st.PutRetentionPolicy(ctx, "g", tt.retDays); err != nil {
					t.Fatal(err)
				}
				defer st.DeleteRetentionPolicy(ctx, "g")
			}
			before := countEvents(t, st)
			var ev []logs.Event
			for _, ts := range tt.ts {
				ev = append(ev, logs.Event{Timestamp: ts, Message: "x"})
			}
			res, err := st.PutLogEvents(ctx, "g", "s", ev)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("PutLogEvents = %v; want %v", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := countEvents(t, st) - before; got != tt.stored {
				t.Fatalf("stored %d events; want %d", got, tt.stored)
			}
			if fmt.Sprint(deref(res.Rejected)) != fmt.Sprint(deref(tt.reject)) {
				t.Fatalf("rejected = %v; want %v", deref(res.Rejected), deref(tt.reject))
			}
			if res.NextSequenceToken == "" {
				t.Fatal("no NextSequenceToken")
			}
		})
	}
}

func deref(r *logs.Rejected) []int {
	if r == nil {
		return nil
	}
	v := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	return []int{v(r.TooNewStart), v(r.TooOldEnd), v(r.ExpiredEnd)}
}

func countEvents(t *testing.T, st *logs.Store) int {
	page, err := st.FilterLogEvents(testCtx(t), logs.FilterQuery{Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

func TestStore_Reopen(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	st := openStore(t, dir)
	if err := st.Append(ctx, "g", "s", lines("m", t0.UnixMilli(), 5)); err != nil {
		t.Fatal(err)
	}
	page, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	st2 := openStore(t, dir)
	if err := st2.Append(ctx, "g", "s", lines("n", t0.UnixMilli(), 2)); err != nil {
		t.Fatal(err)
	}
	page2, err := st2.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s", NextToken: page.NextForwardToken})
	if err != nil {
		t.Fatalf("forward token after reopening: %v", err)
	}
	if got := messages(page2.Events); !slices.Equal(got, []string{"n0", "n1"}) {
		t.Fatalf("events after reopening = %q; want n0 n1", got)
	}
}
