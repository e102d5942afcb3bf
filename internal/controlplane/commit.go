package controlplane

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
)

// taskRow is a task as stored.
type taskRow struct {
	id, cluster string
	seq         int64
	stopped     bool
	// stoppedAt is when a stopped task stopped (Unix milliseconds); token
	// and tokenKey its RunTask client token and request fingerprint. Open
	// reads them without decoding the body.
	stoppedAt       int64
	token, tokenKey string
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
	r := taskRow{id: t.ID, cluster: t.Cluster, seq: t.Seq, stopped: t.State.Status.Terminal(), token: t.ClientToken, tokenKey: t.TokenKey, rec: t, update: t.Version > 1}
	if r.stopped {
		r.stoppedAt = t.State.StoppedAt.UnixMilli()
	}
	return r
}

// batcher commits task rows written by many goroutines in shared
// transactions (group commit). A committer goroutine, started when rows
// are queued and none runs, commits everything queued in one transaction,
// answers the callers who wait for it, and goes on while rows are queued:
//
//	RunTask:  enqueue [a b] ─▶ wait ─────────────────────▶ return
//	Report:     post c ─▶ return
//	Report:        post c' (replaces c: not taken yet)
//	committer:          commit [a b c'] ─▶ answer RunTask ─▶ commit [...] ─▶ exit when none
//
// A queued row that the committer has not taken yet is replaced by a later
// version of the same task (each row holds the whole task), in its place;
// rows are otherwise committed in the order they were queued, so callers
// that queue under the control plane's lock commit the versions of one
// task in order.
type batcher struct {
	db  *sql.DB
	log *slog.Logger

	mu      sync.Mutex
	queue   []taskRow
	at      map[string]int // task id -> its row in queue
	waiters []chan error
	// running: a committer goroutine runs.
	running bool
	// upsert and update are prepared on first use; they and bodies are
	// the committer's.
	upsert, update *sql.Stmt
	bodies         []byte
}

// maxBodies is the largest body buffer the committer keeps for the next
// batch.
const maxBodies = 1 << 20

func newBatcher(db *sql.DB, log *slog.Logger) *batcher {
	return &batcher{db: db, log: log, at: map[string]int{}}
}

// ticket is a caller's place in the queue.
type ticket struct {
	w chan error
}

// queueLocked queues rows, replacing queued rows of the same tasks, and
// makes sure a committer runs; callers hold b.mu.
func (b *batcher) queueLocked(rows []taskRow) {
	for _, r := range rows {
		if i, ok := b.at[r.id]; ok {
			r.update = b.queue[i].update // inserted when the first one was to be
			b.queue[i] = r
			continue
		}
		b.at[r.id] = len(b.queue)
		b.queue = append(b.queue, r)
	}
	if !b.running {
		b.running = true
		go b.run()
	}
}

// post queues rows for commit without waiting for it.
func (b *batcher) post(rows ...taskRow) {
	b.mu.Lock()
	b.queueLocked(rows)
	b.mu.Unlock()
}

// enqueue queues rows for the next commit; wait on the ticket for it.
func (b *batcher) enqueue(rows ...taskRow) ticket {
	w := make(chan error, 1)
	b.mu.Lock()
	b.waiters = append(b.waiters, w)
	b.queueLocked(rows)
	b.mu.Unlock()
	return ticket{w}
}

// commit stores rows durably (see enqueue and wait).
func (b *batcher) commit(ctx context.Context, rows ...taskRow) error {
	return b.enqueue(rows...).wait(ctx)
}

// wait returns once the ticket's rows are committed. It completes even
// when ctx is cancelled, because the caller has already decided to commit.
func (t ticket) wait(context.Context) error {
	return <-t.w
}

// flush returns once every row queued before it has been committed (or
// has failed to be): the next commit holds them.
func (b *batcher) flush() error {
	return b.commit(context.Background())
}

// run commits what is queued until nothing is.
func (b *batcher) run() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 && len(b.waiters) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		batch, waiters := b.queue, b.waiters
		b.queue, b.waiters = nil, nil
		clear(b.at)
		b.mu.Unlock()

		err := b.write(context.Background(), batch)
		if err != nil {
			b.log.Error("cannot store tasks", "tasks", len(batch), "err", err)
		}
		for _, w := range waiters {
			w <- err
		}
	}
}

const (
	upsertTask = `INSERT INTO tasks(id, seq, cluster, stopped, stopped_at, client_token, token_key, body) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(id) DO UPDATE SET stopped = excluded.stopped, stopped_at = excluded.stopped_at, body = excluded.body`
	updateTask = `UPDATE tasks SET stopped = ?, stopped_at = ?, body = ? WHERE id = ?`
)

// exec stores one row: with update when the row says it exists (and it
// does), otherwise with upsert.
func (r *taskRow) exec(ctx context.Context, upsert, update *sql.Stmt) error {
	if r.update {
		res, err := update.ExecContext(ctx, r.stopped, r.stoppedAt, r.body, r.id)
		if err != nil {
			return fmt.Errorf("controlplane: store: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			return nil
		}
	}
	if _, err := upsert.ExecContext(ctx, r.id, r.seq, r.cluster, r.stopped, r.stoppedAt, r.token, r.tokenKey, r.body); err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	return nil
}

// write commits rows in one transaction. Only the committer calls it, so
// the prepared statements need no lock.
func (b *batcher) write(ctx context.Context, rows []taskRow) error {
	if len(rows) == 0 {
		return nil
	}
	// The bodies share one buffer, kept for the next batch: the driver
	// copies what it stores.
	buf := b.bodies[:0]
	for i := range rows {
		if rows[i].body == nil {
			n := len(buf)
			buf = appendTaskJSON(buf, rows[i].rec)
			rows[i].body = buf[n:len(buf):len(buf)]
		}
	}
	if cap(buf) <= maxBodies {
		b.bodies = buf
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
