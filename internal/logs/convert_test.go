package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/store"
)

// TestOpen_ConvertsLegacyEvents: a state directory written before blocks
// (one row per event in logs_events, ids of two streams interleaved) opens with the same
// events, ids and tokens, and new events get ids above all the old ones.
func TestOpen_ConvertsLegacyEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The schema before blocks, and what that version stored.
	if err := store.Migrate(ctx, db, Component, migrations[:2]); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO logs_groups (id, name, creation_time) VALUES (1, 'g', 1)`)
	exec(`INSERT INTO logs_streams (id, group_id, name, creation_time, seq, stored_bytes, writer_mark) VALUES (1, 1, 'a', 1, 0, 0, 'mark-a'), (2, 1, 'b', 1, 0, 0, NULL)`)
	type legacy struct {
		id, stream, ts int64
		msg            string
	}
	var old []legacy
	const n = 9000 // stream a: 6,000 events, more than one block
	for i := int64(1); i <= n; i++ {
		e := legacy{id: i, stream: 1, ts: now.UnixMilli() - 10_000 + i%7, msg: fmt.Sprintf("line %d", i)}
		if i%3 == 0 {
			e.stream = 2
		}
		old = append(old, e)
		exec(`INSERT INTO logs_events (id, stream_id, ts, ingested, message) VALUES (?, ?, ?, ?, ?)`, e.id, e.stream, e.ts, now.UnixMilli()-5000+i, e.msg)
	}
	// The streams' statistics, as that version kept them.
	exec(`UPDATE logs_streams SET seq = (SELECT count(*) FROM logs_events WHERE stream_id = logs_streams.id),
		stored_bytes = (SELECT sum(length(message)) FROM logs_events WHERE stream_id = logs_streams.id),
		first_event = (SELECT min(ts) FROM logs_events WHERE stream_id = logs_streams.id),
		last_event = (SELECT max(ts) FROM logs_events WHERE stream_id = logs_streams.id)`)

	st, err := Open(ctx, db, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'logs_events'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("logs_events still there (%d, %v)", tables, err)
	}
	// Every event reads back with its id, timestamp, ingestion time, stream.
	for _, stream := range []struct {
		name string
		id   int64
	}{{"a", 1}, {"b", 2}} {
		var want []legacy
		for _, e := range old {
			if e.stream == stream.id {
				want = append(want, e)
			}
		}
		q := EventQuery{Group: "g", Stream: stream.name, StartFromHead: true, Limit: 2500}
		var got []StoredEvent
		for {
			p, err := st.GetLogEvents(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) == 0 {
				break
			}
			got = append(got, p.Events...)
			q.NextToken = p.NextForwardToken
		}
		if len(got) != len(want) {
			t.Fatalf("stream %s: %d events, want %d", stream.name, len(got), len(want))
		}
		for i, e := range got {
			w := want[i]
			if e.ID != w.id || e.Timestamp != w.ts || e.Message != w.msg || e.IngestionTime != now.UnixMilli()-5000+w.id {
				t.Fatalf("stream %s event %d: %+v, want %+v", stream.name, i, e, w)
			}
		}
		// A token written before the upgrade reads the same events.
		tok := formatToken('f', stream.id, want[100].id)
		p, err := st.GetLogEvents(ctx, EventQuery{Group: "g", Stream: stream.name, NextToken: tok, Limit: 2})
		if err != nil || len(p.Events) != 2 || p.Events[0].ID != want[100].id || p.Events[1].ID != want[101].id {
			t.Errorf("stream %s from %s: %+v, %v", stream.name, tok, p.Events, err)
		}
	}
	if e, err := st.EventByID(ctx, "g", 4244); err != nil || e.Message != "line 4244" || e.Stream != "a" {
		t.Errorf("EventByID(4244) = %+v, %v", e, err)
	}
	if e, err := st.EventByID(ctx, "g", 4245); err != nil || e.Message != "line 4245" || e.Stream != "b" {
		t.Errorf("EventByID(4245) = %+v, %v", e, err)
	}
	if mark, err := st.WriterMark(ctx, "g", "a"); err != nil || mark != "mark-a" {
		t.Errorf("WriterMark = %q, %v", mark, err)
	}
	evs, err := st.EventsAfter(ctx, "g", 4000, 5)
	if err != nil || len(evs) != 5 {
		t.Fatalf("EventsAfter = %+v, %v", evs, err)
	}
	for i, e := range evs {
		if e.ID != 4001+int64(i) {
			t.Errorf("EventsAfter(4000)[%d] has id %d", i, e.ID)
		}
	}
	// New events come after every old id.
	if err := st.Append(ctx, "g", "b", []Event{{Timestamp: now.UnixMilli(), Message: "new"}}); err != nil {
		t.Fatal(err)
	}
	p, err := st.GetLogEvents(ctx, EventQuery{Group: "g", Stream: "b"})
	if err != nil || len(p.Events) == 0 || p.Events[len(p.Events)-1].ID != n+1 {
		t.Errorf("new event: %+v, %v", p.Events[len(p.Events)-1:], err)
	}
	// A second Open finds nothing to convert.
	st2, err := Open(ctx, db, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	st2.Close()
}
