package logs_test

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// TestEventIDs_NeverReused: deleting the newest events (their stream, their
// group, their expiry) and reopening the store never gives their ids again,
// so a reader that follows ids (subscription filters) never misses an event.
func TestEventIDs_NeverReused(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	st := openStore(t, dir)
	if err := st.Append(ctx, "g", "keep", lines("k", t0.UnixMilli(), 2)); err != nil {
		t.Fatal(err)
	}
	high := int64(0)
	check := func(step string, st *logs.Store, group, stream string) {
		t.Helper()
		if err := st.Append(ctx, group, stream, lines("n", t0.UnixMilli(), 3)); err != nil {
			t.Fatal(err)
		}
		p, err := st.GetLogEvents(ctx, logs.EventQuery{Group: group, Stream: stream, StartFromHead: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			if e.ID <= high {
				t.Errorf("%s: event %q got id %d, at most the %d given before", step, e.Message, e.ID, high)
			}
		}
		high = p.Events[len(p.Events)-1].ID
		last, err := st.LastEventID(ctx, st.DB())
		if err != nil || last != high {
			t.Errorf("%s: LastEventID = %d, %v; want %d", step, last, err, high)
		}
	}
	check("first", st, "g", "s")
	if err := st.DeleteLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	check("after DeleteLogStream", st, "g", "s")
	if err := st.DeleteStreams(ctx, "g", []string{"s"}); err != nil {
		t.Fatal(err)
	}
	st2 := openStore(t, dir)
	check("reopened after DeleteStreams", st2, "g", "s")
	if err := st2.DeleteLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	st3 := openStore(t, dir)
	if last, err := st3.LastEventID(ctx, st3.DB()); err != nil || last != high {
		t.Errorf("LastEventID with no event left = %d, %v; want %d", last, err, high)
	}
	check("reopened after DeleteLogGroup", st3, "g2", "s")
}

// TestAppend_LargeBatch: a batch larger than a block is stored in several,
// and reads see one stream.
func TestAppend_LargeBatch(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	const n = 10_000
	if err := st.Append(ctx, "g", "s", lines("m", t0.UnixMilli(), n)); err != nil {
		t.Fatal(err)
	}
	got := pagedEvents(t, st, "g", "s", 3000) // pages that cross blocks
	if len(got) != n {
		t.Fatalf("read %d events, want %d", len(got), n)
	}
	for i, e := range got {
		if e.Message != fmt.Sprintf("m%d", i) || e.ID != got[0].ID+int64(i) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	e, err := st.EventByID(ctx, "g", got[5000].ID)
	if err != nil || e.Message != "m5000" {
		t.Errorf("EventByID = %+v, %v", e, err)
	}
}

// TestAppend_RepetitiveOutputStoredCompressed: a chatty container's lines
// take a fraction of their size in the database, and read back as written.
func TestAppend_RepetitiveOutputStoredCompressed(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	const n = 20_000
	evs := lines("2026-12-07T08:00:00Z INFO migrate applied table=items row=", t0.UnixMilli(), n)
	if err := st.Append(ctx, "g", "s", evs); err != nil {
		t.Fatal(err)
	}
	var stored, messages int64
	if err := st.DB().QueryRowContext(ctx, `SELECT sum(length(data)), sum(bytes) FROM logs_blocks`).Scan(&stored, &messages); err != nil {
		t.Fatal(err)
	}
	if stored*4 > messages {
		t.Errorf("%d bytes of messages stored in %d bytes, want at most a quarter", messages, stored)
	}
	got := pagedEvents(t, st, "g", "s", 7000)
	if len(got) != n {
		t.Fatalf("read %d events, want %d", len(got), n)
	}
	for i, e := range got {
		if e.Message != evs[i].Message || e.Timestamp != evs[i].Timestamp {
			t.Fatalf("event %d: %+v, want %+v", i, e, evs[i])
		}
	}
}

// TestCrossStreamOrder compares FilterLogEvents (both directions, paged),
// ScanEvents and EventsAfter with the order they promise, on streams whose
// batches interleave in time and carry timestamps out of order.
func TestCrossStreamOrder(t *testing.T) {
	ctx := testCtx(t)
	st := newStore(t)
	r := rand.New(rand.NewPCG(1, 2))
	base := t0.UnixMilli() - 3600_000
	type ev struct {
		stream, msg string
		ts          int64
	}
	var all []ev
	for i := range 60 {
		stream := fmt.Sprintf("s%d", r.IntN(12))
		batch := make([]logs.Event, 1+r.IntN(200))
		for j := range batch {
			// Mostly in order, some lines late or early.
			ts := base + int64(i*100+j/3)
			if r.IntN(10) == 0 {
				ts += int64(r.IntN(2000) - 1000)
			}
			batch[j] = logs.Event{Timestamp: ts, Message: fmt.Sprintf("b%d-%d", i, j)}
			all = append(all, ev{stream, batch[j].Message, ts})
		}
		if err := st.Append(ctx, "g", stream, batch); err != nil {
			t.Fatal(err)
		}
	}
	// Ids are ingestion order: the order of all.
	byMsg := map[string]int{}
	for i, e := range all {
		byMsg[e.msg] = i
	}
	want := slices.Clone(all)
	slices.SortStableFunc(want, func(a, b ev) int { return cmp.Compare(a.ts, b.ts) })
	wantMsgs := func(lo, hi int64, desc bool) []string {
		var out []string
		for _, e := range want {
			if e.ts >= lo && e.ts < hi {
				out = append(out, e.msg)
			}
		}
		if desc {
			slices.Reverse(out)
		}
		return out
	}
	for _, desc := range []bool{false, true} {
		for _, rng := range [][2]int64{{0, 0}, {base + 1000, base + 4000}} {
			q := logs.FilterQuery{Group: "g", Descending: desc, Limit: 97, StartTime: rng[0], EndTime: rng[1]}
			var got []string
			for range 1000 {
				p, err := st.FilterLogEvents(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, messages(p.Events)...)
				if p.NextToken == "" {
					break
				}
				q.NextToken = p.NextToken
			}
			hi := rng[1]
			if hi == 0 {
				hi = 1 << 62
			}
			if w := wantMsgs(rng[0], hi, desc); !slices.Equal(got, w) {
				t.Errorf("FilterLogEvents desc=%v range %v: %d events, want %d in order (first difference at %d)", desc, rng, len(got), len(w), firstDiff(got, w))
			}
		}
	}
	var scanned []string
	if err := st.ScanEvents(ctx, logs.ScanQuery{Groups: []string{"g"}}, func(e logs.ScannedEvent) error {
		if e.Group != "g" || e.Stream != all[byMsg[e.Message]].stream {
			t.Fatalf("scanned %+v", e)
		}
		scanned = append(scanned, e.Message)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if w := wantMsgs(0, 1<<62, true); !slices.Equal(scanned, w) {
		t.Errorf("ScanEvents: first difference at %d", firstDiff(scanned, w))
	}
	var after int64
	var followed []string
	for {
		evs, err := st.EventsAfter(ctx, "g", after, 333)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.ID <= after || e.Stream != all[byMsg[e.Message]].stream {
				t.Fatalf("EventsAfter(%d) gave %+v", after, e)
			}
			after = e.ID
			followed = append(followed, e.Message)
		}
	}
	allMsgs := make([]string, len(all))
	for i, e := range all {
		allMsgs[i] = e.msg
	}
	if !slices.Equal(followed, allMsgs) {
		t.Errorf("EventsAfter: first difference at %d", firstDiff(followed, allMsgs))
	}
}

// TestExpireEvents_PartOfABlock: a batch whose lines straddle the cutoff
// loses only its old lines; the others keep their ids, and the stream's
// stored bytes and first event time follow.
func TestExpireEvents_PartOfABlock(t *testing.T) {
	ctx := testCtx(t)
	clk := newClock(t0)
	st := openWith(t, logs.Options{Now: clk.now})
	day := int64(24 * time.Hour / time.Millisecond)
	base := t0.UnixMilli()
	// One batch, old and new lines mixed (Append keeps any timestamps).
	batch := []logs.Event{
		{Timestamp: base - 2*day, Message: "old-1"},
		{Timestamp: base - 10, Message: "new-1"},
		{Timestamp: base - 2*day + 5, Message: "old-2"},
		{Timestamp: base - 5, Message: "new-22"},
	}
	if err := st.Append(ctx, "g", "s", batch); err != nil {
		t.Fatal(err)
	}
	before, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s", StartFromHead: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutRetentionPolicy(ctx, "g", 1); err != nil {
		t.Fatal(err)
	}
	n, err := st.ExpireEvents(ctx)
	if err != nil || n != 2 {
		t.Fatalf("ExpireEvents = %d, %v; want 2", n, err)
	}
	after, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "g", Stream: "s", StartFromHead: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []logs.StoredEvent{before.Events[1], before.Events[3]}
	if !slices.Equal(after.Events, want) {
		t.Errorf("after expiry: %+v, want %+v", after.Events, want)
	}
	streams, _, err := st.DescribeLogStreams(ctx, logs.StreamQuery{Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	if s := streams[0]; s.StoredBytes != int64(len("new-1")+len("new-22")) || s.FirstEventTimestamp == nil || *s.FirstEventTimestamp != base-10 {
		t.Errorf("stream after expiry: %+v", s)
	}
	for _, e := range want {
		got, err := st.EventByID(ctx, "g", e.ID)
		if err != nil || got.StoredEvent != e {
			t.Errorf("EventByID(%d) = %+v, %v", e.ID, got, err)
		}
	}
	if _, err := st.EventByID(ctx, "g", before.Events[0].ID); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("EventByID of an expired event: %v", err)
	}
	// Nothing left to expire.
	if n, err := st.ExpireEvents(ctx); err != nil || n != 0 {
		t.Errorf("second ExpireEvents = %d, %v", n, err)
	}
}
