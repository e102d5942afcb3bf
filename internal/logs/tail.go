package logs

import (
	"math"
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
// the oldest event it holds, a backward read, no token) goes to SQLite.

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
}

// tail is one stream's newest events: every event of the stream whose id is
// at least from is in events, in id order; when whole, they are all the
// stream's events.
type tail struct {
	from   int64
	whole  bool
	events []tailEvent
	bytes  int
}

// tailEvent is a StoredEvent without its stream's name.
type tailEvent struct {
	id, ts, ingested int64
	message          string
}

// watch notes a forward read of a stream at now.
func (t *tails) watch(k streamKey, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.watched == nil {
		t.watched = map[streamKey]int64{}
	}
	if _, ok := t.watched[k]; !ok && len(t.watched) >= 1024 {
		// Reads of many streams that are never appended to: forget
		// those not read lately.
		for w, at := range t.watched {
			if now.UnixNano()-at > int64(tailWatch) {
				delete(t.watched, w)
			}
		}
	}
	t.watched[k] = now.UnixNano()
}

// record adds a committed batch of stream sid (named k) whose ids are
// first, first+1, ...; whole says the stream had no event before it. It
// keeps the batch only while the stream is watched. Called with the Store's
// write lock held, so batches come in commit order.
func (t *tails) record(k streamKey, sid int64, first int64, whole bool, ingested int64, events []Event, now time.Time) {
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
	for i, e := range events {
		tl.events = append(tl.events, tailEvent{id: first + int64(i), ts: e.Timestamp, ingested: ingested, message: e.Message})
		tl.bytes += len(e.Message)
	}
	if len(tl.events) > tailMaxEvents || tl.bytes > tailMaxBytes {
		n := len(tl.events) / 2
		tl.drop(n, tl.events[n].id)
	}
}

// drop removes the tail's n oldest events; from is the new bound: at most
// the id of the first event kept, and above those dropped.
func (tl *tail) drop(n int, from int64) {
	// Keep the rest in a new array, so the old one's messages can be
	// collected.
	keep := slices.Clone(tl.events[n:])
	for _, e := range tl.events[:n] {
		tl.bytes -= len(e.message)
	}
	tl.events = keep
	tl.from, tl.whole = from, false
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

// read answers a forward read of stream sid from position pos (the events
// whose ids are at least pos, timestamps in [lo, hi), at most limit events
// and MaxPageBytes) as the SQL query would, when the tail holds every event
// it could return; ok is false otherwise.
func (t *tails) read(sid int64, stream string, pos, lo, hi int64, limit int) (events []StoredEvent, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl := t.byID[sid]
	if tl == nil || (pos < tl.from && !tl.whole) {
		return nil, false
	}
	i := sort.Search(len(tl.events), func(i int) bool { return tl.events[i].id >= pos })
	if i > 0 && i >= len(tl.events)/2 {
		// The reader is past these: free them (another reader further
		// behind reads SQLite). Every event at or after pos is still
		// held.
		tl.drop(i, pos)
		i = 0
	}
	bytes := 0
	for _, e := range tl.events[i:] {
		if len(events) == limit {
			break
		}
		if e.ts < lo || e.ts >= hi {
			continue
		}
		se := StoredEvent{ID: e.id, Stream: stream, Timestamp: e.ts, IngestionTime: e.ingested, Message: e.message}
		if bytes += se.size(); bytes > MaxPageBytes && len(events) > 0 {
			break
		}
		if events == nil {
			events = make([]StoredEvent, 0, min(limit, len(tl.events)-i))
		}
		events = append(events, se)
	}
	return events, true
}

// consecutive reports whether a multi-row insert of n rows that ended at
// rowid last, following one that ended at prev (0 for the first), gave
// its rows the ids last-n+1 ... last right after prev. SQLite gives a new
// row the largest rowid plus one (it picks at random only once the largest
// is the maximum), and the Store's writes are serialised, so this holds
// unless the table reached that maximum.
func consecutive(prev, last int64, n int) bool {
	if last <= 0 || last == math.MaxInt64 {
		return false
	}
	return prev == 0 || last-int64(n) == prev
}
