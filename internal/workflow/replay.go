package workflow

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// Replay: how an execution resumes from its stored history.
//
// An execution that was running when its engine stopped (kill -9
// included), or one that is redriven, is run again from the start with
// Options.History, the events it recorded. The interpreter runs the
// machine exactly as it did live; what the outside world decided the first
// time (task results, the passage of time) comes from the record, and
// every event already recorded is matched instead of emitted:
//
//	Options.History ──► replayLog: recorded events by id and by previousEventId
//	                        │
//	 interpreter ──emit──►  match (lane's previousEventId, type, state name | Map index)
//	                        ├─ recorded: take its id and timestamp; nothing reaches the sink
//	                        └─ not recorded: the lane is at its frontier ──► wait ──► live
//
//	 Task attempt       outcome recorded? ── yes ─► recorded output / error (no handler)
//	                        └ no ─► frontier; handler gets TaskRequest.Resume (what was
//	                                 recorded: TaskSubmitted, ActivityStarted); the
//	                                 timeout counts from the recorded TaskStarted
//	 Wait, retry delay  next event recorded? ── yes ─► no sleep
//	                        └ no ─► frontier; sleep what is left of (recorded time + delay):
//	                                 a deadline that passed while down ends at once
//	 Map, Parallel      every branch / iteration replays its own lane; finished ones
//	                    replay to their end, the others reach their frontier
//
// A lane is one sequential strand of events (the execution, a Parallel
// branch, a Map iteration): concurrent lanes interleave differently on
// every run, so events are matched within their lane (by the event they
// follow), never by position. The frontier is a barrier: a lane that runs
// out of recorded events waits until every goroutine of the execution has
// (quiescence, counted with the same holds the FakeClock uses), so a
// sibling's recorded failure cancels it before it does anything live, as it
// did the first time. Live events then get ids after the highest recorded
// one. Task tokens, retry jitter, States.UUID and States.MathRandom derive
// from Options.Key and event ids when a Key is given, so a replay computes
// the same ones.
//
// Redrive (Options.Redrive) replays the history of a FAILED, TIMED_OUT or
// ABORTED execution without what failed: in each lane that ended
// unsuccessfully, the events after the StateEntered of its last state
// (for Map and Parallel, after their MapStateStarted/ParallelStateStarted,
// keeping the iterations and branches that succeeded) and the execution's
// closing event. That state then runs again live, after an
// ExecutionRedriven event.
type replayLog struct {
	mu    sync.Mutex
	byID  map[int64]*sfnmodel.HistoryEvent
	succ  map[int64][]*sfnmodel.HistoryEvent // by previousEventId, ascending ids
	used  map[int64]bool
	left  int
	maxID int64
	// lastID is the id of the last event of the history (the closing
	// event of a redriven execution).
	lastID int64

	active int
	live   chan struct{}
	isLive bool
}

// isClosing reports whether ev ends an execution.
func isClosing(t sfnmodel.HistoryEventType) bool {
	switch t {
	case sfnmodel.HistoryEventTypeExecutionFailed, sfnmodel.HistoryEventTypeExecutionSucceeded,
		sfnmodel.HistoryEventTypeExecutionAborted, sfnmodel.HistoryEventTypeExecutionTimedOut:
		return true
	}
	return false
}

func newReplayLog(history []sfnmodel.HistoryEvent, redrive bool) *replayLog {
	rp := &replayLog{
		byID: map[int64]*sfnmodel.HistoryEvent{}, succ: map[int64][]*sfnmodel.HistoryEvent{},
		used: map[int64]bool{}, live: make(chan struct{}),
	}
	evs := make([]sfnmodel.HistoryEvent, len(history))
	copy(evs, history)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Id < evs[j].Id })
	var kept []sfnmodel.HistoryEvent
	for _, ev := range evs {
		rp.maxID = max(rp.maxID, ev.Id)
		rp.lastID = ev.Id
		switch {
		case ev.Type == sfnmodel.HistoryEventTypeExecutionRedriven:
			kept = redriveCut(kept)
		case isClosing(ev.Type):
		default:
			kept = append(kept, ev)
		}
	}
	if redrive {
		kept = redriveCut(kept)
	}
	for i := range kept {
		ev := &kept[i]
		rp.byID[ev.Id] = ev
		rp.succ[prevOf(ev)] = append(rp.succ[prevOf(ev)], ev)
	}
	rp.left = len(kept)
	return rp
}

func prevOf(ev *sfnmodel.HistoryEvent) int64 {
	if ev.PreviousEventId == nil {
		return -1
	}
	return *ev.PreviousEventId
}

// sameEvent reports whether rec is the recorded form of ev: the same type,
// and for state and Map iteration events the same state name or index.
func sameEvent(rec, ev *sfnmodel.HistoryEvent) bool {
	if rec.Type != ev.Type {
		return false
	}
	if d := ev.StateEnteredEventDetails; d != nil {
		return rec.StateEnteredEventDetails != nil && rec.StateEnteredEventDetails.Name == d.Name
	}
	if d := ev.StateExitedEventDetails; d != nil {
		return rec.StateExitedEventDetails != nil && rec.StateExitedEventDetails.Name == d.Name
	}
	idx := func(e *sfnmodel.HistoryEvent) *int32 {
		for _, d := range []*sfnmodel.MapIterationEventDetails{e.MapIterationStartedEventDetails, e.MapIterationSucceededEventDetails, e.MapIterationFailedEventDetails, e.MapIterationAbortedEventDetails} {
			if d != nil {
				return d.Index
			}
		}
		return nil
	}
	if i := idx(ev); i != nil {
		j := idx(rec)
		return j != nil && *j == *i
	}
	return true
}

// match finds and uses the recorded event ev replays after prev.
func (rp *replayLog) match(prev int64, ev *sfnmodel.HistoryEvent) *sfnmodel.HistoryEvent {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	for _, rec := range rp.succ[prev] {
		if !rp.used[rec.Id] && sameEvent(rec, ev) {
			rp.useLocked(rec.Id)
			return rec
		}
	}
	return nil
}

func (rp *replayLog) useLocked(id int64) {
	rp.used[id] = true
	rp.left--
	if rp.left <= 0 {
		rp.goLiveLocked()
	}
}

// next returns the first unused recorded event after prev for which ok is
// true (nil when none); use it with take.
func (rp *replayLog) next(prev int64, ok func(*sfnmodel.HistoryEvent) bool) *sfnmodel.HistoryEvent {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	for _, rec := range rp.succ[prev] {
		if !rp.used[rec.Id] && (ok == nil || ok(rec)) {
			return rec
		}
	}
	return nil
}

func (rp *replayLog) take(id int64) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if !rp.used[id] {
		rp.useLocked(id)
	}
}

func (rp *replayLog) goLiveLocked() {
	if !rp.isLive {
		rp.isLive = true
		close(rp.live)
	}
}

func (rp *replayLog) done() bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.isLive
}

// add counts goroutines of the execution at work; when none is, every
// lane has reached its frontier and the replay is over.
func (rp *replayLog) add(n int) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.active += n
	if rp.active <= 0 && n < 0 {
		rp.goLiveLocked()
	}
}

// frontier waits, when l's lane has run out of recorded events, until the
// replay is over (a no-op when not replaying).
func (ex *execution) frontier() {
	rp := ex.replay
	if rp == nil || rp.done() {
		return
	}
	// Only the replay's count is released: a FakeClock must not move
	// while lanes wake from the barrier one by one.
	rp.add(-1)
	<-rp.live
	rp.add(1)
}

// recorded reports whether lane l still has a recorded event to replay
// (one for which ok is true, or any when ok is nil). When it has not, it
// waits at the frontier first.
func (ex *execution) recorded(l *lane, ok func(*sfnmodel.HistoryEvent) bool) bool {
	if ex.replay == nil {
		return false
	}
	if ex.replay.next(l.prev, ok) != nil {
		return true
	}
	ex.frontier()
	return false
}

// wentOn reports whether the record shows lane l going on after a failed
// attempt (a retry or a Catch) rather than being aborted; when the record
// shows neither, it waits at the frontier first.
func (ex *execution) wentOn(l *lane) bool {
	if ex.replay == nil {
		return false
	}
	if ex.replay.next(l.prev, func(ev *sfnmodel.HistoryEvent) bool { return !strings.HasSuffix(string(ev.Type), "StateAborted") }) != nil {
		return true
	}
	ex.frontier()
	return false
}

// stateEnteredNamed matches the StateEntered event of state name.
func stateEnteredNamed(name string) func(*sfnmodel.HistoryEvent) bool {
	return func(ev *sfnmodel.HistoryEvent) bool {
		return ev.StateEnteredEventDetails != nil && ev.StateEnteredEventDetails.Name == name
	}
}

// choose returns the recorded one of two event types that may follow
// lane l (a decision made the first time), else def.
func (ex *execution) choose(l *lane, def sfnmodel.HistoryEventType, alts ...sfnmodel.HistoryEventType) sfnmodel.HistoryEventType {
	if ex.replay == nil {
		return def
	}
	rec := ex.replay.next(l.prev, func(ev *sfnmodel.HistoryEvent) bool {
		if ev.Type == def {
			return true
		}
		for _, a := range alts {
			if ev.Type == a {
				return true
			}
		}
		return false
	})
	if rec == nil {
		return def
	}
	return rec.Type
}

// delayAfter sleeps d (scaled by DelayScale) counted from the last event
// of lane l: a Wait state's entry, a failed attempt. Replaying, a delay
// the record shows was over is skipped, and one that passed while the
// engine was down ends at once.
func (r *stateRun) delayAfter(ctx context.Context, d time.Duration) bool {
	ex := r.ex
	if ex.recorded(r.lane, nil) {
		return true
	}
	if s := ex.opts.DelayScale; s > 0 && s != 1 {
		d = time.Duration(min(float64(d)*s, float64(math.MaxInt64/2)))
	}
	if !r.lane.at.IsZero() {
		d -= ex.opts.Clock.Now().Sub(r.lane.at)
	}
	return ex.sleep(ctx, d)
}

// derive returns n pseudo-random bytes from Options.Key and parts.
func (ex *execution) derive(n int, parts ...any) []byte {
	var out []byte
	for block := 0; len(out) < n; block++ {
		h := hmac.New(sha256.New, ex.opts.Key)
		fmt.Fprint(h, append(parts, block)...)
		out = h.Sum(out)
	}
	return out[:n]
}

// newToken returns the task token of the state's current attempt.
func (r *stateRun) newToken() string {
	if r.ex.opts.Key == nil {
		return r.ex.uuid()
	}
	return base64.RawURLEncoding.EncodeToString(r.ex.derive(96, "token", r.enteredID, r.retryCount))
}

// jitter returns the random factor of a retry delay.
func (r *stateRun) jitter() float64 {
	if r.ex.opts.Key == nil {
		return r.ex.float64()
	}
	b := r.ex.derive(8, "jitter", r.lane.prev)
	return float64(binary.BigEndian.Uint64(b)>>11) / (1 << 53)
}

// uuid is States.UUID's source.
func (r *stateRun) uuid() string {
	if r.ex.opts.Key == nil {
		return r.ex.uuid()
	}
	r.draws++
	b := r.ex.derive(16, "uuid", r.enteredID, r.retryCount, r.draws)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// random is States.MathRandom's source.
func (r *stateRun) random(lo, hi int64, seed *int64) int64 {
	if r.ex.opts.Key == nil || seed != nil {
		return r.ex.random(lo, hi, seed)
	}
	r.draws++
	b := r.ex.derive(8, "random", r.enteredID, r.retryCount, r.draws)
	return lo + int64(binary.BigEndian.Uint64(b)%uint64(hi-lo))
}

// Resume is what a task handler is told of an attempt that began before
// the engine restarted (TaskRequest.Resume): the work may already exist,
// and must not be started twice.
type Resume struct {
	// Submitted is the output the handler gave TaskRequest.Submitted (the
	// RunTask response of runTask.sync and .waitForTaskToken), nil when
	// none was recorded.
	Submitted any
	// Scheduled and Started: an activity task was queued, and a worker
	// took it (its token is still in the worker's hands).
	Scheduled, Started bool
}

// replayTask replays the recorded part of a Task attempt after its
// TaskScheduled/TaskStarted. It returns done with the recorded outcome;
// otherwise the Resume for the live handler (nil when nothing of the
// attempt was recorded).
func (r *stateRun) replayTask(te *taskEvents) (out any, err *StatesError, done bool, resume *Resume) {
	rp := r.ex.replay
	if rp == nil {
		return nil, nil, false, nil
	}
	l := r.lane
	if !te.activity && !te.begunReplayed {
		return nil, nil, false, nil
	}
	take := func(t sfnmodel.HistoryEventType) *sfnmodel.HistoryEvent {
		ev := rp.next(l.prev, func(ev *sfnmodel.HistoryEvent) bool { return ev.Type == t })
		if ev != nil {
			rp.take(ev.Id)
			l.prev = ev.Id
			if ev.Timestamp != nil {
				l.at = ev.Timestamp.Time
			}
		}
		return ev
	}
	resume = &Resume{}
	if te.activity {
		if ev := take(sfnmodel.HistoryEventTypeActivityScheduled); ev == nil {
			return nil, nil, false, nil
		}
		resume.Scheduled = true
		te.scheduled = true
		te.beganAt = l.at
		if take(sfnmodel.HistoryEventTypeActivityStarted) != nil {
			resume.Started = true
			te.started = true
			close(te.startedC)
		}
		if ev := take(sfnmodel.HistoryEventTypeActivitySucceeded); ev != nil {
			v, _ := DecodeJSON([]byte(ev.ActivitySucceededEventDetails.Output))
			return v, nil, true, nil
		}
		if ev := take(sfnmodel.HistoryEventTypeActivityFailed); ev != nil {
			d := ev.ActivityFailedEventDetails
			return nil, &StatesError{Name: d.Error, Cause: d.Cause, NullName: d.Error == "", NullCause: d.Cause == ""}, true, nil
		}
		if ev := take(sfnmodel.HistoryEventTypeActivityTimedOut); ev != nil {
			d := ev.ActivityTimedOutEventDetails
			return nil, &StatesError{Name: d.Error, Cause: d.Cause}, true, nil
		}
		te.resume = resume
		return nil, nil, false, resume
	}
	if ev := take(sfnmodel.HistoryEventTypeTaskSubmitted); ev != nil {
		v, _ := DecodeJSON([]byte(ev.TaskSubmittedEventDetails.Output))
		resume.Submitted = v
		te.submitted = true
	}
	if ev := take(sfnmodel.HistoryEventTypeTaskSucceeded); ev != nil {
		v, _ := DecodeJSON([]byte(ev.TaskSucceededEventDetails.Output))
		return v, nil, true, nil
	}
	if ev := take(sfnmodel.HistoryEventTypeTaskFailed); ev != nil {
		d := ev.TaskFailedEventDetails
		return nil, &StatesError{Name: d.Error, Cause: d.Cause, NullName: d.Error == "", NullCause: d.Cause == ""}, true, nil
	}
	if ev := take(sfnmodel.HistoryEventTypeTaskTimedOut); ev != nil {
		d := ev.TaskTimedOutEventDetails
		return nil, &StatesError{Name: d.Error, Cause: d.Cause}, true, nil
	}
	te.resume = resume
	return nil, nil, false, resume
}

// redriveCut drops from evs (a history without its closing event) what a
// redrive runs again: in each lane that did not succeed, the events after
// the entry of its last state, for a Map or Parallel state after its
// last MapStateStarted/ParallelStateStarted, its branches and iterations
// treated the same way.
func redriveCut(evs []sfnmodel.HistoryEvent) []sfnmodel.HistoryEvent {
	byID := map[int64]*sfnmodel.HistoryEvent{}
	for i := range evs {
		byID[evs[i].Id] = &evs[i]
	}
	// lanes: the events of each lane in order, keyed by the lane's first
	// event (0 for the execution's).
	laneOf := map[int64]int64{}
	lanes := map[int64][]*sfnmodel.HistoryEvent{}
	children := map[int64][]int64{} // fork event id -> lanes it started
	forkOf := map[int64]int64{}     // lane -> the fork event that started it
	for i := range evs {
		ev := &evs[i]
		p := prevOf(ev)
		parent := byID[p]
		lane := int64(0)
		switch {
		case ev.Type == sfnmodel.HistoryEventTypeMapIterationStarted,
			parent != nil && parent.Type == sfnmodel.HistoryEventTypeParallelStateStarted && ev.StateEnteredEventDetails != nil:
			// An iteration started when another ended follows that one's
			// last event (see fanout): its fork is that one's.
			fork := p
			if parent != nil && parent.Type != sfnmodel.HistoryEventTypeMapStateStarted && parent.Type != sfnmodel.HistoryEventTypeParallelStateStarted {
				fork = forkOf[laneOf[p]]
			}
			lane = ev.Id
			forkOf[lane] = fork
			children[fork] = append(children[fork], ev.Id)
		case parent != nil && fanEndsAfter(ev.Type, parent.Type) && forkOf[laneOf[p]] != 0:
			// The Map or Parallel state's own event after its branches
			// (following the last iteration or the failure that ended
			// them) is in the lane of the state.
			lane = laneOf[forkOf[laneOf[p]]]
		case parent != nil:
			lane = laneOf[p]
		}
		laneOf[ev.Id] = lane
		lanes[lane] = append(lanes[lane], ev)
	}
	drop := map[int64]bool{}
	var cut func(lane int64)
	cut = func(lane int64) {
		l := lanes[lane]
		if len(l) > 0 && l[len(l)-1].Type == sfnmodel.HistoryEventTypeMapIterationSucceeded {
			return
		}
		// The lane's last state event: an exit means the lane ended well
		// or was stopped between states (the replay goes on from there).
		k := -1
		for i := len(l) - 1; i >= 0; i-- {
			if l[i].StateEnteredEventDetails != nil || l[i].StateExitedEventDetails != nil {
				k = i
				break
			}
		}
		from := k + 1
		if k < 0 {
			from = min(1, len(l)) // keep ExecutionStarted, MapIterationStarted
		} else if l[k].StateEnteredEventDetails != nil {
			typ := string(l[k].Type)
			if strings.HasPrefix(typ, "Map") || strings.HasPrefix(typ, "Parallel") {
				for i := len(l) - 1; i > k; i-- {
					if l[i].Type == sfnmodel.HistoryEventTypeMapStateStarted || l[i].Type == sfnmodel.HistoryEventTypeParallelStateStarted {
						from = i + 1
						for _, c := range children[l[i].Id] {
							cut(c)
						}
						break
					}
				}
			}
		}
		for _, ev := range l[from:] {
			drop[ev.Id] = true
		}
	}
	cut(0)
	out := evs[:0:0]
	for _, ev := range evs {
		if !drop[ev.Id] {
			out = append(out, ev)
		}
	}
	return out
}

// randomFloat is JSONata $random's source: a value in [0, 1).
func (r *stateRun) randomFloat() float64 {
	if r.ex.opts.Key == nil {
		return r.ex.float64()
	}
	r.floatDraws++
	b := r.ex.derive(8, "randomFloat", r.enteredID, r.retryCount, r.floatDraws)
	return float64(binary.BigEndian.Uint64(b)>>11) / (1 << 53)
}
