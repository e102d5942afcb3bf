package logs

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/store"
)

// TestTail_AnswersAsSQLite follows two interleaved streams while they grow
// (batches of every size, empty messages, timestamps out of order, large
// messages that cut pages at MaxPageBytes, PutLogEvents, a deleted and
// recreated stream, a tail trimmed past its bounds) and checks that every
// page read through the store that keeps tails equals the page a second
// store over the same database, which never appends and so always reads
// SQLite, answers to the same query; and that the tails answered most pages.
func unreadLines(round int) []Event {
	ev := make([]Event, 10)
	for i := range ev {
		ev[i] = Event{Timestamp: 2000, Message: fmt.Sprintf("unread %d.%d", round, i)}
	}
	return ev
}

func TestTail_AnswersAsSQLite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	st, err := Open(ctx, db, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ref, err := Open(ctx, db, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()

	const group = "/ecs/tail"
	streams := []string{"ecs/app/a", "ecs/app/b"}
	tokens := map[string]string{}
	hits, reads := 0, 0
	// follow reads every stream forward until a page is empty, comparing
	// each page, with the given limit and time range.
	follow := func(limit int, startTime, endTime int64) {
		t.Helper()
		for _, name := range streams {
			for range 1000 {
				q := EventQuery{Group: group, Stream: name, StartFromHead: true, NextToken: tokens[name], Limit: limit, StartTime: startTime, EndTime: endTime}
				sid, err := ref.streamID(ctx, db, group, name)
				if err != nil {
					t.Fatal(err)
				}
				_, pos, _ := parseToken(q.NextToken, sid)
				if _, ok := st.tails.read(sid, name, pos, 0, 1<<62, 1, now); ok && q.NextToken != "" {
					hits++
				}
				reads++
				got, err := st.GetLogEvents(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ref.GetLogEvents(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s from %q (limit %d, time %d-%d): the tail's page differs from SQLite's:\n got %d events %s %s\nwant %d events %s %s",
						name, q.NextToken, limit, startTime, endTime, len(got.Events), got.NextForwardToken, got.NextBackwardToken, len(want.Events), want.NextForwardToken, want.NextBackwardToken)
				}
				tokens[name] = got.NextForwardToken
				if len(got.Events) == 0 {
					break
				}
			}
		}
	}
	appendBatch := func(name string, n, round int) {
		t.Helper()
		ev := make([]Event, n)
		for i := range ev {
			msg := fmt.Sprintf("round %d line %d of %s", round, i, name)
			switch {
			case i%97 == 5:
				msg = "" // dropped
			case i%501 == 7:
				msg = strings.Repeat("x", 300<<10)
			}
			ev[i] = Event{Timestamp: 1000 + int64(round%3+i%13), Message: msg}
		}
		if err := st.AppendMarked(ctx, group, name, ev, fmt.Sprint(round)); err != nil {
			t.Fatal(err)
		}
	}

	// The follower asks before the stream exists: the tail then holds the
	// whole stream, and the first read from the head is answered by it.
	for _, name := range streams {
		if _, err := st.GetLogEvents(ctx, EventQuery{Group: group, Stream: name, StartFromHead: true}); err == nil {
			t.Fatalf("%s: read before it exists: no error", name)
		}
		appendBatch(name, 1, 0)
	}
	follow(0, 0, 0)
	sizes := []int{1, 3, 128, 255, 1000, 4096, 7}
	for round := 1; round <= 40; round++ {
		for i, name := range streams {
			appendBatch(name, sizes[(round+i)%len(sizes)], round)
		}
		switch round % 5 {
		case 0:
			follow(0, 0, 0)
		case 1:
			follow(37, 0, 0)
		case 2:
			follow(0, 1003, 1009)
		case 3:
			// Several batches pile up before the next read.
		case 4:
			follow(10000, 1005, 0)
		}
		if round == 20 {
			if _, err := st.PutLogEvents(ctx, group, streams[0], []Event{{Timestamp: now.UnixMilli(), Message: "put"}}); err != nil {
				t.Fatal(err)
			}
		}
		if round == 30 {
			if err := st.DeleteLogStream(ctx, group, streams[1]); err != nil {
				t.Fatal(err)
			}
			delete(tokens, streams[1])
			appendBatch(streams[1], 5, round)
			follow(0, 0, 0)
		}
	}
	follow(0, 0, 0)
	// More than a tail holds, unread: the oldest are dropped and the
	// reader catches up through SQLite, then reads the tail again.
	big := strings.Repeat("y", 500<<10)
	for i := range 40 {
		ev := append(unreadLines(i), Event{Timestamp: 2000, Message: big})
		if err := st.Append(ctx, group, streams[0], ev); err != nil {
			t.Fatal(err)
		}
	}
	follow(0, 0, 0)
	appendBatch(streams[0], 10, 50)
	follow(0, 0, 0)
	t.Logf("the tails answered %d of %d reads", hits, reads)
	if hits < reads/2 {
		t.Errorf("the tails answered %d of %d reads with a token, want most", hits, reads)
	}
}

// TestAppend_KeepsOrder appends batches whose sizes cross the insert
// statements' chunks, with timestamps going backwards, and reads them back
// from SQLite in the order given, with consecutive ids.
func TestAppend_KeepsOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var want []string
	for _, n := range []int{1, 127, 128, 129, 255, 1000, 4096} {
		ev := make([]Event, n)
		for i := range ev {
			ev[i] = Event{Timestamp: int64(100000 - len(want) - i), Message: fmt.Sprintf("line %d", len(want)+i)}
		}
		for _, e := range ev {
			want = append(want, e.Message)
		}
		if err := st.Append(ctx, "g", "s", ev); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var last int64
	for tok := ""; ; {
		p, err := st.GetLogEvents(ctx, EventQuery{Group: "g", Stream: "s", StartFromHead: true, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) == 0 {
			break
		}
		for _, e := range p.Events {
			if last != 0 && e.ID != last+1 {
				t.Fatalf("event %q has id %d after %d", e.Message, e.ID, last)
			}
			last = e.ID
			got = append(got, e.Message)
		}
		tok = p.NextForwardToken
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %d events, not in the order appended (%d)", len(got), len(want))
	}
}

// TestTails_Bounds checks that what a tail keeps is bounded: a reader's
// reads free what it passed, an unread tail keeps at most tailMaxEvents,
// and tails and watches unused for tailWatch go at the next watch.
func TestTails_Bounds(t *testing.T) {
	var tl tails
	t0 := time.Unix(1000, 0)
	k := streamKey{"g", "s"}
	tl.watch(k, t0)
	batch := make([]Event, 1000)
	for i := range batch {
		batch[i] = Event{Timestamp: 1, Message: "m"}
	}
	next := int64(1)
	for range tailMaxEvents/len(batch) + 10 {
		tl.record(k, 7, next, next == 1, 5, batch, len(batch), t0)
		next += int64(len(batch))
	}
	if n := tl.byID[7].events; n > tailMaxEvents {
		t.Fatalf("an unread tail holds %d events, more than %d", n, tailMaxEvents)
	}
	if _, ok := tl.read(7, "s", 1, 0, 1<<62, 10, t0); ok {
		t.Fatal("a read from the head was answered after the tail dropped its oldest batches")
	}
	evs, ok := tl.read(7, "s", next-1500, 0, 1<<62, 10000, t0)
	if !ok || len(evs) != 1500 || evs[0].ID != next-1500 || evs[1499].ID != next-1 {
		t.Fatalf("read of the last 1,500 events: ok %v, %d events", ok, len(evs))
	}
	if n := tl.byID[7].events; n != 2000 {
		t.Fatalf("after a read of the last 1,500 events the tail holds %d events, want the 2,000 of the batches that hold them", n)
	}
	if _, ok := tl.read(7, "s", next, 0, 1<<62, 10000, t0); !ok || tl.byID[7].events != 0 {
		t.Fatalf("a read at the end: ok %v, %d events left", ok, tl.byID[7].events)
	}
	tl.watch(streamKey{"g", "other"}, t0.Add(tailWatch+time.Second))
	if tl.byID[7] != nil {
		t.Error("a tail unused for longer than tailWatch is kept")
	}
	if _, ok := tl.watched[k]; ok {
		t.Error("a watch older than tailWatch is kept")
	}
}
