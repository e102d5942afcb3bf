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
	// body is the stored document; when nil, the committer writes it from
	// rec, a version of the task that nothing changes any more, outside
	// the control plane's lock.
	body []byte
	rec  *taskRecord
	// update: the row exists (a task's later versions), so an UPDATE,
	// cheaper than an upsert, stores it.
	update bool
}

// rowOf returns the row of a version of a task; the caller hands t over
// (nothing may change it afterwards).
func rowOf(t *taskRecord) taskRow {
	return taskRow{id: t.ID, cluster: t.Cluster, seq: t.Seq, stopped: t.State.Status.Terminal(), rec: t, update: t.Version > 1}
}

// batcher commits task rows written by many goroutines in shared
// transactions (group commit): each caller's rows join the next
// transaction and the caller returns once it is committed. Rows are
// committed in the order they were queued, so callers that queue under
// the control plane's lock commit the versions of one task in order. One
// caller at a time leads: it commits everything queued, answers the
// others, and hands the lead to the first caller that queued meanwhile, so
// that no caller commits more than one batch:
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
	// upsert and update are prepared on first use; only the leader uses
	// them.
	upsert, update *sql.Stmt
}

// errLead tells a waiting caller to lead the next commit.
var errLead = errors.New("controlplane: lead the next commit")

// ticket is a caller's place in the queue.
type ticket struct {
	b *batcher
	w chan error
}

// enqueue queues rows for the next commit; wait on the ticket for it.
func (b *batcher) enqueue(rows ...taskRow) ticket {
	w := make(chan error, 1)
	b.mu.Lock()
	b.queue = append(b.queue, rows...)
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	return ticket{b, w}
}

// commit stores rows durably (see enqueue and wait).
func (b *batcher) commit(ctx context.Context, rows ...taskRow) error {
	return b.enqueue(rows...).wait(ctx)
}

// wait returns once the ticket's rows are committed, leading the commit
// when no one else does. It completes even when ctx is cancelled, because
// the caller has already decided to commit.
func (t ticket) wait(ctx context.Context) error {
	b := t.b
	b.mu.Lock()
	select {
	case err := <-t.w: // committed already, or handed the lead
		if err != errLead {
			b.mu.Unlock()
			return err
		}
	default:
		if b.leading {
			b.mu.Unlock()
			if err := <-t.w; err != errLead {
				return err
			}
			b.mu.Lock()
		}
	}
	b.leading = true
	batch, waiters := b.queue, b.waiters
	b.queue, b.waiters = nil, nil
	b.mu.Unlock()

	err := b.write(context.WithoutCancel(ctx), batch)
	for _, x := range waiters {
		if x != t.w {
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

const (
	upsertTask = `INSERT INTO tasks(id, seq, cluster, stopped, body) VALUES(?, ?, ?, ?, ?)
	ON CONFLICT(id) DO UPDATE SET stopped = excluded.stopped, body = excluded.body`
	updateTask = `UPDATE tasks SET stopped = ?, body = ? WHERE id = ?`
)

// exec stores one row: with update when the row says it exists (and it
// does), otherwise with upsert.
func (r *taskRow) exec(ctx context.Context, upsert, update *sql.Stmt) error {
	if r.update {
		res, err := update.ExecContext(ctx, r.stopped, r.body, r.id)
		if err != nil {
			return fmt.Errorf("controlplane: store: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			return nil
		}
	}
	if _, err := upsert.ExecContext(ctx, r.id, r.seq, r.cluster, r.stopped, r.body); err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	return nil
}

// write commits rows in one transaction. Only the leader calls it, so the
// prepared statements need no lock.
func (b *batcher) write(ctx context.Context, rows []taskRow) error {
	for i := range rows {
		if rows[i].body == nil {
			rows[i].body = taskJSON(rows[i].rec)
		}
	}
	if b.upsert == nil {
		upsert, err := b.db.PrepareContext(ctx, upsertTask)
		if err != nil {
			return fmt.Errorf("controlplane: store: %w", err)
		}
		update, err := b.db.PrepareContext(ctx, updateTask)
		if err != nil {
			upsert.Close()
			return fmt.Errorf("controlplane: store: %w", err)
		}
		b.upsert, b.update = upsert, update
	}
	if len(rows) == 1 {
		return rows[0].exec(ctx, b.upsert, b.update)
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	upsert, update := tx.StmtContext(ctx, b.upsert), tx.StmtContext(ctx, b.update)
	for i := range rows {
		if err := rows[i].exec(ctx, upsert, update); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	return nil
}
