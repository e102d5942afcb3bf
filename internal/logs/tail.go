package logs

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// This file keeps the newest events of the streams someone follows in
// memory, so that GetLogEvents with a forward token (run-task's follower
// reading what the agent has just stored) is answered without reading
// SQLite back. The tail is a copy of what was committed, never ahead of it:
// Append records a batch only after its transaction committed, every other
// write of events (PutLogEvents, deletions, expiry) drops the tails it could
// make wrong, and a query the tail cannot answer exactly (a position before
// the oldest event it holds, unless it holds the whole stream; a backward
// read; the newest events, without a token) goes to SQLite.
// This holds because the Store is the only writer of its tables: one engine
// holds a state directory (its lock file), and it opens one Store.

// Bounds of the tails.
const (
	// tailWatch is how long after its last forward read a stream's new
	// events are kept in memory.
	tailWatch = 30 * time.Second
	// tailMaxEvents and tailMaxBytes bound one stream's tail (what its
	// reader has not read yet: a read drops what lies before it); past
	// them the oldest half is dropped and a reader that far behind reads
	// SQLite.
	tailMaxEvents = 1 << 17
	tailMaxBytes  = 16 << 20
)

// tails holds the streams' tails, by stream id.
type tails struct {
	mu sync.Mutex
	// watched is when each stream was last read forward (or asked for
	// before it existed), in Unix nanoseconds, by group and stream name.
	watched map[streamKey]int64
	byID    map[int64]*tail
	// swept is when tails and watches unused for tailWatch were last
	// dropped, in Unix nanoseconds.
	swept int64
}

// tail is one stream's newest events: every event of the stream whose id is
// at least from is in batches, in id order; when whole, they are all the
// stream's events.
type tail struct {
	from    int64
	whole   bool
	used    int64 // last record or read, in Unix nanoseconds
	batches []tailBatch
	events  int // in batches
	bytes   int // of the messages in batches
}

// tailBatch is a committed batch: its events have the ids first, first+1,
// ... and the ingestion time ingested.
type tailBatch struct {
	first, ingested int64
	events          []Event
	bytes           int
}

func (b *tailBatch) end() int64 { return b.first + int64(len(b.events)) }

// watch notes a forward read of a stream at now.
func (t *tails) watch(k streamKey, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.watched == nil {
		t.watched = map[streamKey]int64{}
	}
	if at := now.UnixNano(); at-t.swept > int64(tailWatch) {
		// Forget the streams no longer read, and the tails no longer
		// used (a reader that left, a stream no longer appended to).
		t.swept = at
		for w, read := range t.watched {
			if at-read > int64(tailWatch) {
				delete(t.watched, w)
			}
		}
		for sid, tl := range t.byID {
			if at-tl.used > int64(tailWatch) {
				delete(t.byID, sid)
			}
		}
	}
	t.watched[k] = now.UnixNano()
}

// record adds a committed batch of stream sid (named k) whose ids are
// first, first+1, ... (bytes of messages); whole says the stream had no
// event before it. It keeps the batch only while the stream is watched.
// Called with the Store's write lock held, so batches come in commit order.
func (t *tails) record(k streamKey, sid int64, first int64, whole bool, ingested int64, events []Event, bytes int, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.watched[k]
	if !ok {
		delete(t.byID, sid)
		return
	}
	if now.UnixNano()-w > int64(tailWatch) {
		delete(t.watched, k)
		delete(t.byID, sid)
		return
	}
	if t.byID == nil {
		t.byID = map[int64]*tail{}
	}
	tl := t.byID[sid]
	if tl == nil {
		tl = &tail{from: first, whole: whole}
		t.byID[sid] = tl
	}
	tl.used = now.UnixNano()
	// A copy: the caller may reuse its slice.
	tl.batches = append(tl.batches, tailBatch{first: first, ingested: ingested, events: slices.Clone(events), bytes: bytes})
	tl.events += len(events)
	tl.bytes += bytes
	for len(tl.batches) > 1 && (tl.events > tailMaxEvents || tl.bytes > tailMaxBytes) {
		tl.dropBatch()
	}
}

// dropBatch removes the tail's oldest batch.
func (tl *tail) dropBatch() {
	b := tl.batches[0]
	tl.batches[0] = tailBatch{}
	tl.batches = tl.batches[1:]
	tl.events -= len(b.events)
	tl.bytes -= b.bytes
	tl.from, tl.whole = tl.batches[0].first, false
}

// forget drops the tail of stream sid.
func (t *tails) forget(sid int64) {
	t.mu.Lock()
	delete(t.byID, sid)
	t.mu.Unlock()
}

// forgetAll drops every tail (a deletion or expiry of events).
func (t *tails) forgetAll() {
	t.mu.Lock()
	t.byID = nil
	t.mu.Unlock()
}

// read answers, at now, a forward read of stream sid from position pos
// (the events whose ids are at least pos, timestamps in [lo, hi), at most
// limit events and MaxPageBytes) as the SQL query would, when the tail
// holds every event it could return; ok is false otherwise.
func (t *tails) read(sid int64, stream string, pos, lo, hi int64, limit int, now time.Time) (events []StoredEvent, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl := t.byID[sid]
	if tl == nil || (pos < tl.from && !tl.whole) {
		return nil, false
	}
	tl.used = now.UnixNano()
	// The first batch that holds events at or after pos.
	i := sort.Search(len(tl.batches), func(i int) bool { return tl.batches[i].end() > pos })
	switch {
	case i == len(tl.batches) && i > 0:
		// The reader has read everything: free it. No event at or after
		// pos is stored but not held.
		*tl = tail{from: pos, used: tl.used}
		return nil, true
	case i > 0:
		// The reader is past the batches before: free them (another
		// reader further behind reads SQLite).
		for range i {
			tl.dropBatch()
		}
		i = 0
	}
	bytes := 0
	for _, b := range tl.batches[i:] {
		j := 0
		if pos > b.first {
			j = int(pos - b.first)
		}
		for k, e := range b.events[j:] {
			if len(events) == limit {
				return events, true
			}
			if e.Timestamp < lo || e.Timestamp >= hi {
				continue
			}
			se := StoredEvent{ID: b.first + int64(j+k), Stream: stream, Timestamp: e.Timestamp, IngestionTime: b.ingested, Message: e.Message}
			if bytes += se.size(); bytes > MaxPageBytes && len(events) > 0 {
				return events, true
			}
			if events == nil {
				events = make([]StoredEvent, 0, min(limit, tl.events))
			}
			events = append(events, se)
		}
	}
	return events, true
}
