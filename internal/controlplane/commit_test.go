package controlplane

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ecsrun/ecsrun/internal/store"
)

func TestBatcher_CommitsEveryCallersRows(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.Migrate(ctx, db, "controlplane", migrations); err != nil {
		t.Fatal(err)
	}
	b := &batcher{db: db}
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
	if b.leading || len(b.queue) != 0 || len(b.waiters) != 0 {
		t.Errorf("batcher left leading=%v, %d rows and %d waiters queued; want idle", b.leading, len(b.queue), len(b.waiters))
	}
	// A failed commit reports its error to every caller in the batch.
	db.Close()
	if err := b.commit(ctx, taskRow{id: "late", body: []byte(`{}`)}); err == nil {
		t.Errorf("commit on a closed database succeeded")
	}
}
