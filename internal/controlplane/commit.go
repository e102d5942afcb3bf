package controlplane

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// taskRow is a task as stored.
type taskRow struct {
	id, cluster string
	seq         int64
	stopped     bool
	body        []byte
}

func rowOf(t *taskRecord) taskRow {
	return taskRow{id: t.ID, cluster: t.Cluster, seq: t.Seq, stopped: t.State.Status.Terminal(), body: mustJSON(t)}
}

// batcher commits task rows written by many goroutines in shared
// transactions (group commit): each caller's rows join the next
// transaction and the caller returns once it is committed. One caller at a
// time leads: it commits everything queued, answers the others, and hands
// the lead to the first caller that queued meanwhile, so that no caller
// commits more than one batch:
//
//	A: queue ─▶ lead: commit [A B C] ─▶ answer B, C ─▶ hand lead to D ─▶ return
//	B, C: queue ─▶ wait ───────────────▶ return
//	D:        queue ─▶ wait ──────────────────────────▶ lead: commit [D E] ...
type batcher struct {
	db      *sql.DB
	mu      sync.Mutex
	leading bool
	queue   []taskRow
	waiters []chan error
	upsert  *sql.Stmt // prepared on first use; used by the leader only
}

// errLead tells a waiting caller to lead the next commit.
var errLead = errors.New("controlplane: lead the next commit")

// commit stores rows durably; it completes even when ctx is cancelled,
// because the caller has already decided to commit.
func (b *batcher) commit(ctx context.Context, rows ...taskRow) error {
	w := make(chan error, 1)
	b.mu.Lock()
	b.queue = append(b.queue, rows...)
	b.waiters = append(b.waiters, w)
	if b.leading {
		b.mu.Unlock()
		if err := <-w; err != errLead {
			return err
		}
		b.mu.Lock()
	}
	b.leading = true
	batch, waiters := b.queue, b.waiters
	b.queue, b.waiters = nil, nil
	b.mu.Unlock()

	err := b.write(context.WithoutCancel(ctx), batch)
	for _, x := range waiters {
		if x != w {
			x <- err
		}
	}
	b.mu.Lock()
	if len(b.waiters) > 0 {
		b.waiters[0] <- errLead
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	return err
}

const upsertTask = `INSERT INTO tasks(id, seq, cluster, stopped, body) VALUES(?, ?, ?, ?, ?)
	ON CONFLICT(id) DO UPDATE SET stopped = excluded.stopped, body = excluded.body`

// write commits rows in one transaction. Only the leader calls it, so the
// prepared statement needs no lock.
func (b *batcher) write(ctx context.Context, rows []taskRow) error {
	if b.upsert == nil {
		stmt, err := b.db.PrepareContext(ctx, upsertTask)
		if err != nil {
			return fmt.Errorf("controlplane: store: %w", err)
		}
		b.upsert = stmt
	}
	if len(rows) == 1 {
		r := rows[0]
		if _, err := b.upsert.ExecContext(ctx, r.id, r.seq, r.cluster, r.stopped, r.body); err != nil {
			return fmt.Errorf("controlplane: store: %w", err)
		}
		return nil
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	stmt := tx.StmtContext(ctx, b.upsert)
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r.id, r.seq, r.cluster, r.stopped, r.body); err != nil {
			tx.Rollback()
			return fmt.Errorf("controlplane: store: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	return nil
}
