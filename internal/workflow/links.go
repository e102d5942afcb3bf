package workflow

import "sync"

// fanout links the events of a Parallel or Map state's branches or
// iterations as the recorded AWS histories do (previousEventId names the
// event that caused this one):
//
//   - an iteration started when another ended (MaxConcurrency) follows
//     the last state event of the one that ended;
//   - MapStateSucceeded, and MapStateExited after it, follow the last
//     MapIterationSucceeded;
//   - once a branch or iteration fails, the failure's last event (a
//     TaskFailed, a TaskTimedOut, a FailStateEntered) causes everything
//     the failure aborts: the <Type>StateAborted and MapIterationAborted
//     events of the others, MapIterationFailed, and the state's
//     MapStateFailed or ParallelStateFailed (or the start of its retry).
type fanout struct {
	mu       sync.Mutex
	cause    int64   // the failure's event (0: none yet)
	free     []int64 // last events of ended iterations, for the next to start
	lastDone int64   // the last MapIterationSucceeded
}

// failed records prev, the last event of a failing lane, as the cause of
// the aborts unless one failed before.
func (f *fanout) failed(prev int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cause == 0 {
		f.cause = prev
	}
}

// causeOr returns the failure's event, or prev when nothing failed.
func (f *fanout) causeOr(prev int64) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cause != 0 {
		return f.cause
	}
	return prev
}

// ended records the last state event of an iteration that succeeded.
func (f *fanout) ended(last int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.free = append(f.free, last)
}

// startAfter returns the event a new iteration follows: the last event of
// an iteration that ended, or started (the MapStateStarted event).
func (f *fanout) startAfter(started int64) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.free) == 0 {
		return started
	}
	p := f.free[0]
	f.free = f.free[1:]
	return p
}

// done records a MapIterationSucceeded event.
func (f *fanout) done(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastDone = max(f.lastDone, id)
}
