package controlplane

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/ecsrun/ecsrun/internal/store"
)

// openTasksDB opens a database with the control plane's tables.
func openTasksDB(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.Migrate(ctx, db, "controlplane", migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestBatcher_CommitsEveryCallersRows(t *testing.T) {
	ctx := context.Background()
	db := openTasksDB(t)
	b := newBatcher(db, slog.New(slog.DiscardHandler))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			rows := []taskRow{
				{id: fmt.Sprintf("t%d-a", g), cluster: "c", seq: int64(2 * g), body: []byte(`{}`)},
				{id: fmt.Sprintf("t%d-b", g), cluster: "c", seq: int64(2*g + 1), body: []byte(`{}`)},
			}
			errs <- b.commit(ctx, rows...)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("commit: %v", err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM tasks`).Scan(&n); err != nil || n != 128 {
		t.Errorf("stored %d rows (%v); want 128", n, err)
	}
	b.flush()
	if len(b.queue) != 0 || len(b.waiters) != 0 {
		t.Errorf("batcher left %d rows and %d waiters queued; want none", len(b.queue), len(b.waiters))
	}
	// A failed commit reports its error to every caller in the batch.
	db.Close()
	if err := b.commit(ctx, taskRow{id: "late", body: []byte(`{}`)}); err == nil {
		t.Errorf("commit on a closed database succeeded")
	}
}

func TestBatcher_ALaterVersionReplacesAQueuedOne(t *testing.T) {
	db := openTasksDB(t)
	b := newBatcher(db, slog.New(slog.DiscardHandler))
	b.mu.Lock()
	b.running = true // as if a committer were busy: the rows stay queued
	b.queueLocked([]taskRow{{id: "a", seq: 1, body: []byte(`{"v":1}`)}, {id: "b", seq: 2, body: []byte(`{"v":1}`)}})
	b.queueLocked([]taskRow{{id: "a", seq: 1, body: []byte(`{"v":2}`), update: true}})
	if len(b.queue) != 2 || b.queue[0].id != "a" || string(b.queue[0].body) != `{"v":2}` || b.queue[0].update {
		t.Errorf("queue = %+v; want a's second version, still to be inserted, in its place, then b", b.queue)
	}
	b.running = false
	b.queueLocked(nil) // starts the committer
	b.mu.Unlock()
	b.flush()
	var body string
	if err := db.QueryRow(`SELECT body FROM tasks WHERE id = 'a'`).Scan(&body); err != nil || body != `{"v":2}` {
		t.Errorf("stored a = %s (%v); want its second version", body, err)
	}
}
