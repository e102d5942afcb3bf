package controlplane

import (
	"context"
	"fmt"
)

// ExpireStopped forgets the tasks that stopped more than the task
// retention ago (Options.TaskRetention), as Open does for those it finds
// expired, and returns how many it forgot. DescribeTasks then answers
// MISSING for them, as ECS does once a stopped task is gone. A long-running
// engine calls it periodically.
func (cp *ControlPlane) ExpireStopped(ctx context.Context) (int, error) {
	cp.mu.Lock()
	cutoff := cp.now().Add(-cp.keep)
	// The tasks not decoded yet had stopped; those past the retention are
	// decoded for their log streams.
	cp.tasks.DecodeWhere(func(_ string, st storedTask) bool { return st.stoppedAt < cutoff.UnixMilli() })
	var ids []string
	var gone []*taskRecord
	for id, t := range cp.tasks.Decoded() {
		if t.State.Status.Terminal() && t.State.StoppedAt.Before(cutoff) {
			ids = append(ids, id)
			gone = append(gone, t)
		}
	}
	if len(ids) == 0 {
		cp.mu.Unlock()
		return 0, nil
	}
	streams := logStreams(gone)
	for _, id := range ids {
		cp.tasks.Delete(id)
	}
	// A client token stays known while any task it started does.
	live := map[string]bool{}
	for _, t := range cp.tasks.Decoded() {
		if t.ClientToken != "" {
			live[t.ClientToken] = true
		}
	}
	for _, st := range cp.tasks.Encoded() {
		if st.token != "" {
			live[st.token] = true
		}
	}
	for tok := range cp.tokens {
		if !live[tok] {
			delete(cp.tokens, tok)
		}
	}
	cp.mu.Unlock()

	// Stopped tasks get no more writes once they left memory, so deleting
	// their rows after the reports already queued are committed races with
	// nothing; rows a failure leaves are expired at the next start.
	if err := cp.batch.flush(); err != nil {
		return 0, fmt.Errorf("controlplane: expire tasks: %w", err)
	}
	if err := cp.forgetLogs(ctx, streams); err != nil {
		// The records stay: the next Open forgets the tasks again.
		return 0, fmt.Errorf("controlplane: expire tasks: %w", err)
	}
	tx, err := cp.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return 0, fmt.Errorf("controlplane: expire tasks: %w", err)
	}
	for _, id := range ids {
		if _, err := tx.Exec(`DELETE FROM tasks WHERE id = ?`, id); err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("controlplane: expire tasks: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("controlplane: expire tasks: %w", err)
	}
	return len(ids), nil
}

// forgetLogs hands the log streams of forgotten tasks to Options.Forget.
func (cp *ControlPlane) forgetLogs(ctx context.Context, streams []LogStream) error {
	if cp.forget == nil || len(streams) == 0 {
		return nil
	}
	return cp.forget(context.WithoutCancel(ctx), streams)
}
