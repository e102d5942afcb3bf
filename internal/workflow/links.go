package workflow

import (
	"slices"
	"sync"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

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
	// followed: ended iterations' last events a replayed iteration
	// follows (from the record), which free no slot for another.
	followed map[int64]bool
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
	if !f.followed[last] {
		f.free = append(f.free, last)
	}
}

// startAfter returns the event a new iteration follows: the last event of
// an iteration that ended when it waited for one (waited: MaxConcurrency
// iterations were running), or started (the MapStateStarted event).
func (f *fanout) startAfter(started int64, waited bool) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !waited || len(f.free) == 0 {
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

// follow records that a replayed iteration follows prev, as the record
// shows: prev is no longer free for another iteration to follow.
func (f *fanout) follow(prev int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.followed == nil {
		f.followed = map[int64]bool{}
	}
	f.followed[prev] = true
	f.free = slices.DeleteFunc(f.free, func(id int64) bool { return id == prev })
}

// iterationStart returns, when replaying (rp is not nil), the event the
// recorded MapIterationStarted of Map state name's iteration index
// follows: started (the MapStateStarted event), or the last event of an
// iteration of the same Map state that ended before it (one a
// MapIterationSucceeded of name follows). Replaying, iterations start in
// whatever order their goroutines run, so which ended iteration a waiting
// one follows comes from the record.
func (rp *replayLog) iterationStart(name string, index int, started int64) (int64, bool) {
	if rp == nil {
		return 0, false
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	ofMap := func(prev int64) bool {
		if prev == started {
			return true
		}
		if prev < started {
			return false
		}
		for _, ev := range rp.succ[prev] {
			if d := ev.MapIterationSucceededEventDetails; d != nil && d.Name == name {
				return true
			}
		}
		return false
	}
	best := (*sfnmodel.HistoryEvent)(nil)
	for id, ev := range rp.byID {
		d := ev.MapIterationStartedEventDetails
		if rp.used[id] || id <= started || d == nil || d.Name != name || d.Index == nil || int(*d.Index) != index || !ofMap(prevOf(ev)) {
			continue
		}
		if best == nil || id < best.Id {
			best = ev
		}
	}
	if best == nil {
		return 0, false
	}
	return prevOf(best), true
}

// fanEndsAfter reports whether an event of type typ that follows one of
// type prev is a Map or Parallel state's own event following an event of
// its branches or iterations (the last MapIterationSucceeded, or the
// failure that ended them: see fanout), rather than one of the state's
// lane following its previous event.
func fanEndsAfter(typ, prev sfnmodel.HistoryEventType) bool {
	switch typ {
	case sfnmodel.HistoryEventTypeMapStateSucceeded, sfnmodel.HistoryEventTypeMapStateExited,
		sfnmodel.HistoryEventTypeMapStateFailed, sfnmodel.HistoryEventTypeMapStateStarted,
		sfnmodel.HistoryEventTypeParallelStateSucceeded, sfnmodel.HistoryEventTypeParallelStateExited,
		sfnmodel.HistoryEventTypeParallelStateFailed, sfnmodel.HistoryEventTypeParallelStateStarted:
	default:
		return false
	}
	switch prev {
	case sfnmodel.HistoryEventTypeMapStateEntered, sfnmodel.HistoryEventTypeMapStateStarted,
		sfnmodel.HistoryEventTypeMapStateSucceeded, sfnmodel.HistoryEventTypeMapStateFailed,
		sfnmodel.HistoryEventTypeParallelStateEntered, sfnmodel.HistoryEventTypeParallelStateStarted,
		sfnmodel.HistoryEventTypeParallelStateSucceeded, sfnmodel.HistoryEventTypeParallelStateFailed,
		sfnmodel.HistoryEventTypeMapRunStarted, sfnmodel.HistoryEventTypeMapRunSucceeded,
		sfnmodel.HistoryEventTypeMapRunFailed, sfnmodel.HistoryEventTypeMapRunAborted:
		return false
	}
	return true
}
