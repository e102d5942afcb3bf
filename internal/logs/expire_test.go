package logs_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

// clock is a test clock that tests move forward.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.ns.Store(t.UnixNano()); return c }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func openWith(t *testing.T, opts logs.Options) *logs.Store {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := logs.Open(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestExpireEvents_DeletesEventsPastTheRetention(t *testing.T) {
	ctx := testCtx(t)
	clk := newClock(t0)
	st := openWith(t, logs.Options{Now: clk.now})
	day := int64(24 * time.Hour / time.Millisecond)
	base := t0.UnixMilli()
	// 3 days old, 1 day old, and now, in a group kept 1 day, one kept 3
	// days and one kept forever; the old lines outnumber a batch.
	for _, g := range []string{"one-day", "three-days", "forever"} {
		if err := st.Append(ctx, g, "s", lines("old", base-3*day, 6000)); err != nil {
			t.Fatal(err)
		}
		if err := st.Append(ctx, g, "s", lines("day", base-day, 10)); err != nil {
			t.Fatal(err)
		}
		if err := st.Append(ctx, g, "s", lines("new", base, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutRetentionPolicy(ctx, "one-day", 1); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRetentionPolicy(ctx, "three-days", 3); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)
	n, err := st.ExpireEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// one-day loses old and day (day is 25 h old now), three-days old (3 d 1 h).
	if want := int64(6000 + 10 + 6000); n != want {
		t.Errorf("ExpireEvents = %d; want %d", n, want)
	}
	for _, tc := range []struct {
		group string
		want  int
		bytes int64
	}{
		{"one-day", 10, 40},
		{"three-days", 20, 40 + 40},
		{"forever", 6020, 0},
	} {
		got := eventsOf(t, st, tc.group, "s")
		if len(got) != tc.want {
			t.Errorf("%s: %d events left; want %d", tc.group, len(got), tc.want)
		}
		if tc.group == "forever" {
			continue
		}
		g, err := st.LogGroup(ctx, tc.group)
		if err != nil {
			t.Fatal(err)
		}
		if g.StoredBytes != tc.bytes {
			t.Errorf("%s: storedBytes = %d; want %d (the events left)", tc.group, g.StoredBytes, tc.bytes)
		}
		ss, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: tc.group})
		if err != nil {
			t.Fatal(err)
		}
		if first := *ss[0].FirstEventTimestamp; first != got[0].Timestamp {
			t.Errorf("%s: firstEventTimestamp = %d; want %d (the oldest left)", tc.group, first, got[0].Timestamp)
		}
	}
	if n, err := st.ExpireEvents(ctx); n != 0 || err != nil {
		t.Errorf("ExpireEvents again = %d, %v; want 0", n, err)
	}
}

func eventsOf(t *testing.T, st *logs.Store, group, stream string) []logs.StoredEvent {
	t.Helper()
	return pagedEvents(t, st, group, stream, 0)
}

// pagedEvents reads a stream from its head with GetLogEvents, limit events
// a page (0: the default), following the tokens to the end.
func pagedEvents(t *testing.T, st *logs.Store, group, stream string, limit int) []logs.StoredEvent {
	t.Helper()
	var all []logs.StoredEvent
	q := logs.EventQuery{Group: group, Stream: stream, StartFromHead: true, Limit: limit}
	for {
		p, err := st.GetLogEvents(testCtx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Events...)
		if len(p.Events) == 0 || p.NextForwardToken == q.NextToken {
			return all
		}
		q.NextToken = p.NextForwardToken
	}
}

func TestAppend_CreateRetention(t *testing.T) {
	ctx := testCtx(t)
	st := openWith(t, logs.Options{Now: newClock(t0).now, CreateRetention: map[string]int32{"/ecsrun/tasks": 7}})
	for _, g := range []string{"/ecsrun/tasks", "mine"} {
		if err := st.Append(ctx, g, "s", lines("m", t0.UnixMilli(), 1)); err != nil {
			t.Fatal(err)
		}
	}
	for g, want := range map[string]int32{"/ecsrun/tasks": 7, "mine": 0} {
		got, err := st.LogGroup(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if got.RetentionInDays != want {
			t.Errorf("retention of %s = %d; want %d", g, got.RetentionInDays, want)
		}
	}
}

func TestDeleteStreams(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	for _, s := range []string{"a", "b", "c"} {
		if err := st.Append(ctx, "g", s, lines("m", t0.UnixMilli(), 3)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteStreams(ctx, "g", []string{"a", "c", "missing"}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteStreams(ctx, "no-such-group", []string{"a"}); err != nil {
		t.Fatalf("DeleteStreams in a missing group = %v; want nil", err)
	}
	ss, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, s := range ss {
		left = append(left, s.Name)
	}
	if !slices.Equal(left, []string{"b"}) {
		t.Errorf("streams left = %v; want [b]", left)
	}
	// Append after a purge creates the stream again.
	if err := st.Append(ctx, "g", "a", lines("x", t0.UnixMilli(), 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "a"}); errors.Is(err, logs.ErrNotFound) {
		t.Fatal("stream a not recreated by Append after DeleteStreams")
	}
}

func TestExpireEvents_DropsStreamsLeftEmpty(t *testing.T) {
	ctx := testCtx(t)
	clk := newClock(t0)
	st := openWith(t, logs.Options{Now: clk.now})
	base := t0.UnixMilli()
	for _, s := range []string{"old", "busy"} {
		if err := st.Append(ctx, "g", s, lines("m", base, 3)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateLogStream(ctx, "g", "never-written"); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRetentionPolicy(ctx, "g", 1); err != nil {
		t.Fatal(err)
	}
	clk.advance(25 * time.Hour)
	if err := st.Append(ctx, "g", "busy", lines("n", clk.now().UnixMilli(), 1)); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateLogStream(ctx, "g", "new-empty"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExpireEvents(ctx); err != nil {
		t.Fatal(err)
	}
	ss, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, s := range ss {
		left = append(left, s.Name)
	}
	if want := []string{"busy", "new-empty"}; !slices.Equal(left, want) {
		t.Errorf("streams after expiry = %v; want %v", left, want)
	}
	// The cache forgot the dropped stream: appending creates it again.
	if err := st.Append(ctx, "g", "old", lines("again", clk.now().UnixMilli(), 1)); err != nil {
		t.Fatal(err)
	}
	if got := eventsOf(t, st, "g", "old"); len(got) != 1 {
		t.Errorf("events in the recreated stream = %d; want 1", len(got))
	}
}
