package agent

import (
	"context"
	"errors"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// Backoff bounds for retrying the runtime while it is unreachable (a Docker
// daemon restarting).
const (
	retryMin = 100 * time.Millisecond
	retryMax = 5 * time.Second
)

// sleepCtx waits d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// inspectRetry inspects a container, waiting for the runtime to come back
// while it is unreachable.
func (r *runner) inspectRetry(ctx context.Context, id string) (runtime.State, error) {
	delay := retryMin
	for {
		st, err := r.rt.Inspect(ctx, id)
		if !errors.Is(err, runtime.ErrUnavailable) {
			return st, err
		}
		r.a.opts.Log.Warn("runtime unreachable; retrying", "task", r.spec.ID, "err", err)
		if !sleepCtx(ctx, delay) {
			return st, ctx.Err()
		}
		delay = min(2*delay, retryMax)
	}
}

// waitRetry waits for a container to exit. While the runtime cannot be
// reached, or the wait breaks off (the engine restarted), it waits for the
// runtime and asks again, so a container that died meanwhile still gets its
// real exit code. Only a container that no longer exists is an error.
func (r *runner) waitRetry(ctx context.Context, name, id string) (runtime.ExitStatus, error) {
	delay := retryMin
	for {
		st, err := r.rt.Wait(ctx, id)
		if err == nil || errors.Is(err, runtime.ErrNotFound) || ctx.Err() != nil {
			return st, err
		}
		r.a.opts.Log.Warn("waiting for container: retrying", "task", r.spec.ID, "container", name, "err", err)
		if !sleepCtx(ctx, delay) {
			return st, ctx.Err()
		}
		delay = min(2*delay, retryMax)
	}
}

// stopRetry stops a container. While the runtime cannot be reached (a
// Docker daemon restarting) or refuses, it asks again until the container
// has stopped or is gone, so a stop is never lost.
func (r *runner) stopRetry(ctx context.Context, name, id string, timeout time.Duration) {
	delay := retryMin
	for {
		err := r.rt.Stop(ctx, id, timeout)
		if err == nil || errors.Is(err, runtime.ErrNotFound) || ctx.Err() != nil {
			return
		}
		r.a.opts.Log.Warn("stop container: retrying", "task", r.spec.ID, "container", name, "err", err)
		if !sleepCtx(ctx, delay) {
			return
		}
		delay = min(2*delay, retryMax)
	}
}

// follow copies a container's output into the log sink (after pos, what
// the sink holds already), polls its health when it has a health check,
// and, once it has exited and its output is drained, sends its exit event.
func (r *runner) follow(ctx context.Context, name, id string, pos *runtime.LogPosition) {
	ci := r.info[name]
	done := make(chan struct{})
	// Both goroutines count in the agent's wait group, so that Close
	// returns only once they have: the output's last batch is stored with
	// a context that is not cancelled, and a store write still under way
	// after Close would go on after the database closed (database/sql's
	// Close does not wait for a transaction in progress).
	if r.defs[name].HealthCheck != nil {
		r.a.wg.Add(1)
		go func() {
			defer r.a.wg.Done()
			r.pollHealth(ctx, name, id, done)
		}()
	}
	r.a.wg.Add(1)
	go func() {
		defer r.a.wg.Done()
		defer close(done)
		// Follow the output until the container stops; when the runtime
		// goes away meanwhile, resume after the last stored line once it is
		// back.
		var logErr error
		delay := retryMin
		for {
			logErr = r.copyLogs(ctx, ci.LogGroup, ci.LogStream, id, true, pos)
			if logErr == nil || ctx.Err() != nil || !errors.Is(logErr, runtime.ErrUnavailable) {
				break
			}
			r.a.opts.Log.Warn("container output: runtime unreachable; resuming", "task", r.spec.ID, "container", name, "err", logErr)
			if !sleepCtx(ctx, delay) {
				return
			}
			delay = min(2*delay, retryMax)
		}
		st, err := r.waitRetry(ctx, name, id)
		if ctx.Err() != nil {
			return
		}
		if err == nil && logErr != nil {
			// The follow broke off: now that the container has stopped, read
			// what it wrote after the last line stored.
			r.a.opts.Log.Warn("container output: resuming", "task", r.spec.ID, "container", name, "err", logErr)
			if logErr = r.copyLogs(ctx, ci.LogGroup, ci.LogStream, id, false, pos); logErr != nil {
				r.a.opts.Log.Error("container output lost", "task", r.spec.ID, "container", name, "err", logErr)
			}
		}
		r.exits <- exitEvent{name: name, status: st, err: err}
	}()
}

// pollHealth reads a container's health every HealthPoll until done is
// closed, and sends each change.
func (r *runner) pollHealth(ctx context.Context, name, id string, done <-chan struct{}) {
	t := time.NewTicker(r.a.opts.HealthPoll)
	defer t.Stop()
	last := taskstate.Health("")
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
		}
		st, err := r.rt.Inspect(ctx, id)
		if err != nil {
			continue
		}
		h := taskstate.HealthUnknown
		switch st.Health {
		case runtime.HealthHealthy:
			h = taskstate.HealthHealthy
		case runtime.HealthUnhealthy:
			h = taskstate.HealthUnhealthy
		}
		if h == last {
			continue
		}
		last = h
		select {
		case r.health <- healthEvent{name, h}:
		case <-ctx.Done():
			return
		case <-done:
			return
		}
	}
}

// maxLogBatch is the most lines of output copied into the sink at once
// (in one transaction).
const maxLogBatch = 4096

// logBatchEvery is the least time between two batches of a container's
// output, unless a batch fills up (maxLogBatch) or the output ends: lines
// that arrive sooner gather for what remains of it, and held lines (see
// interleave) wait for it. Each batch is a transaction of the store, whose
// own cost (about 0.2 ms) a chatty container otherwise paid hundreds of
// times a second, for batches of the thousand lines or so that one read of
// its log brings. A line after a quiet spell is stored as soon as it is
// due; the awslogs driver waits up to five seconds.
const logBatchEvery = 25 * time.Millisecond

// gather adds to got the lines that come within d, until got holds
// maxLogBatch lines or the queue closes; it returns false once the queue is
// closed and empty.
func gather(lines *lineQueue, got []runtime.LogLine, d time.Duration) ([]runtime.LogLine, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	open := true
	for open && len(got) < maxLogBatch {
		n := len(got)
		if got, open = lines.takeBy(got, maxLogBatch-n, true, t.C); open && len(got) == n {
			break // d has passed
		}
	}
	return got, open
}

// appendRetries is how often a failed append of container output is retried
// before the batch is given up.
const appendRetries = 5

// copyLogs copies a container's output into the sink, in batches of
// whatever has arrived: with follow until the container exits, otherwise what
// it has written so far, starting after pos. Empty lines are left out, as
// the awslogs driver does (CloudWatch Logs refuses empty events), so pos
// counts what the sink holds.
func (r *runner) copyLogs(ctx context.Context, group, stream, id string, follow bool, pos *runtime.LogPosition) error {
	lines := newLineQueue()
	errc := make(chan error, 1)
	since := pos.Resume()
	go func() {
		errc <- r.rt.Logs(ctx, id, runtime.LogOptions{Since: since, Follow: follow}, lines.put)
		lines.close()
	}()
	var batch []LogEvent
	var appendErr error
	var flushed time.Time // when a batch was last stored
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// The position after the batch is stored with it: a restarted
		// agent resumes right after what was stored, on each stream.
		mark := pos.Mark().String()
		var err error
		for try := 0; try < appendRetries; try++ {
			if err = r.a.opts.Logs.Append(context.WithoutCancel(ctx), group, stream, batch, mark); err == nil {
				break
			}
			select {
			case <-time.After(time.Duration(try+1) * 50 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		if err != nil && appendErr == nil {
			appendErr = err
		}
		batch = batch[:0]
		flushed = time.Now()
	}
	add := func(l runtime.LogLine) {
		if l.Text != "" && pos.Keep(l.Stream, l.Time) {
			batch = append(batch, LogEvent{Time: l.Time, Message: l.Text})
		}
	}
	// Each batch holds what has arrived and is ready in time order (see
	// interleave), up to about maxLogBatch lines.
	var (
		got, ready []runtime.LogLine
		order      interleave
		timer      *time.Timer
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for open := true; open || order.holding() > 0; {
		var wake <-chan time.Time
		if due, ok := order.due(); ok && open {
			// Held lines are stored once due, but not sooner than a
			// batch may follow the last one.
			d := max(time.Until(due), time.Until(flushed.Add(logBatchEvery)), time.Millisecond)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			wake = timer.C
		}
		if open {
			got, open = lines.takeBy(got[:0], maxLogBatch, true, wake)
			for n := len(got); open && n > 0 && n < maxLogBatch; {
				if got, open = lines.take(got, maxLogBatch-n, false); len(got) == n {
					break
				}
				n = len(got)
			}
			if n := len(got); open && n > 0 && n < maxLogBatch {
				if rest := logBatchEvery - time.Since(flushed); rest > 0 {
					got, open = gather(lines, got, rest)
				}
			}
		}
		if timer != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		now := time.Now()
		for _, l := range got {
			order.add(l, now)
		}
		got = got[:0]
		ready = order.ready(ready[:0], now, !open)
		for _, l := range ready {
			add(l)
		}
		flush()
	}
	if err := <-errc; err != nil {
		return err
	}
	return appendErr
}
