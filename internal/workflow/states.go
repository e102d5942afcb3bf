package workflow

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// children runs fn for n indexes, at most limit at once (0: no limit),
// handing the clock's idle hold from each finished child to the waiting
// parent so a FakeClock in auto-advance mode only moves when everyone is
// blocked. It stops starting new children once one fails, and returns the
// first failure's index (or -1).
func (ex *execution) children(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) *StatesError) (int, *StatesError) {
	if limit <= 0 || limit > n {
		limit = n
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type done struct {
		i   int
		err *StatesError
	}
	ch := make(chan done, n)
	started, finished := 0, 0
	failIdx, firstErr := -1, (*StatesError)(nil)
	start := func() {
		i := started
		started++
		ex.hold()
		go func() {
			// The child's hold is handed to the parent with the result.
			ch <- done{i, fn(cctx, i)}
		}()
	}
	for started < limit {
		start()
	}
	for finished < started {
		ex.release()
		d := <-ch // inherits the child's hold
		finished++
		if d.err != nil && failIdx < 0 {
			failIdx, firstErr = d.i, d.err
			// The other children are aborted (their tasks are stopped).
			cancel(&StatesError{Name: "States.Aborted", Cause: "another branch failed"})
		}
		if failIdx < 0 && started < n {
			start()
		}
	}
	return failIdx, firstErr
}

// task runs a Task state's resource with params; its TimeoutSecondsPath
// and HeartbeatSecondsPath refer to input (the effective input, before
// Parameters).
func (r *stateRun) task(ctx context.Context, input, params any) (any, *StatesError) {
	st, ex := r.st, r.ex
	var h TaskHandler
	if ex.opts.Tasks != nil {
		h, _ = ex.opts.Tasks.Lookup(st.Resource)
	}
	if h == nil {
		return nil, r.runtimeError(ErrRuntime, "The resource '%s' is not supported.", st.Resource)
	}
	timeout, heartbeat := st.TimeoutSeconds, st.HeartbeatSeconds
	if st.TimeoutSecondsPath != nil {
		n, err := r.positivePath(st.TimeoutSecondsPath, input, "TimeoutSecondsPath")
		if err != nil {
			return nil, err
		}
		timeout = n
	}
	if r.jTimeout > 0 {
		timeout = r.jTimeout
	}
	if r.jHeartbeat > 0 {
		heartbeat = r.jHeartbeat
	}
	if st.HeartbeatSecondsPath != nil {
		n, err := r.positivePath(st.HeartbeatSecondsPath, input, "HeartbeatSecondsPath")
		if err != nil {
			return nil, err
		}
		heartbeat = n
	}
	if a, ok := h.(ParameterAdjuster); ok {
		params = a.AdjustParameters(st.Resource, params)
	}
	rtype, resName := splitResource(st.Resource)
	sched := &sfnmodel.TaskScheduledEventDetails{
		ResourceType: rtype, Resource: resName, Region: ex.region(), Parameters: EncodeJSON(params),
	}
	if timeout > 0 {
		sched.TimeoutInSeconds = &timeout
	}
	if heartbeat > 0 {
		sched.HeartbeatInSeconds = &heartbeat
	}
	te := &taskEvents{r: r, activity: IsActivityArn(st.Resource), rtype: rtype, res: resName, sched: sched, startedC: make(chan struct{})}
	te.begin()
	if out, err, done, _ := r.replayTask(te); done {
		if err != nil {
			return nil, err
		}
		return normalize(out), nil
	}
	resume := te.resume
	ex.frontier()

	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hb := make(chan struct{}, 1)
	req := &TaskRequest{
		Resource: st.Resource, ExecutionArn: ex.opts.ExecutionArn, StateName: st.Name, Parameters: params, Token: r.token,
		Resume: resume, ScheduledEventID: te.scheduledID,
		TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat,
		Heartbeat: func() {
			select {
			case hb <- struct{}{}:
			default:
			}
		},
		Submitted: func(output any) {
			if te.submitted {
				return // (recorded before a restart)
			}
			te.submitted = true
			ex.rec.emit(r.lane, sfnmodel.HistoryEvent{
				Type: sfnmodel.HistoryEventTypeTaskSubmitted,
				TaskSubmittedEventDetails: &sfnmodel.TaskSubmittedEventDetails{
					ResourceType: rtype, Resource: resName, Output: EncodeJSON(normalize(output)), OutputDetails: dataDetails(),
				},
			})
		},
		Scheduled: te.markScheduled,
		Started:   te.markStarted,
	}
	type result struct {
		out any
		err *StatesError
	}
	resCh := make(chan result, 1)
	ex.hold()
	go func() {
		out, err := h.Invoke(hctx, req)
		resCh <- result{out, err} // hands the hold to the receiver
	}()
	var timeoutC, hbC <-chan time.Time
	if timeout > 0 {
		// (A resumed attempt keeps the deadline it had.)
		left := seconds(float64(timeout))
		if !te.beganAt.IsZero() {
			left -= ex.opts.Clock.Now().Sub(te.beganAt)
		}
		t := ex.opts.Clock.NewTimer(left)
		defer t.Stop()
		timeoutC = t.C()
	}
	var hbTimer Timer
	startHeartbeat := func() {
		if hbTimer != nil {
			hbTimer.Stop()
		}
		hbTimer = ex.opts.Clock.NewTimer(seconds(float64(heartbeat)))
		hbC = hbTimer.C()
	}
	// The heartbeat clock of an activity starts when a worker takes it.
	var startedC <-chan struct{}
	if heartbeat > 0 {
		if te.activity {
			startedC = te.startedC
		} else {
			startHeartbeat()
		}
	}
	defer func() {
		if hbTimer != nil {
			hbTimer.Stop()
		}
	}()
	ex.release()
	var se *StatesError
	var why error // the cause the handler's context is cancelled with
	for se == nil {
		select {
		case res := <-resCh:
			if res.err != nil {
				if te.scheduleFailed(res.err) {
					return nil, r.runtimeError(ErrRuntime, "%s", res.err.Cause)
				}
				te.failed(res.err)
				return nil, res.err
			}
			out := normalize(res.out)
			te.succeeded(out)
			return out, nil
		case <-startedC:
			startedC = nil
			startHeartbeat()
		case <-hb:
			if hbTimer != nil {
				startHeartbeat()
			}
		case <-timeoutC:
			ex.hold()
			se = &StatesError{Name: ErrTimeout}
		case <-hbC:
			// AWS reports a missed heartbeat as States.Timeout too (a
			// Retry or Catch may name it States.HeartbeatTimeout).
			ex.hold()
			hbTimer = nil
			se = heartbeatTimeout()
		case <-ctx.Done():
			ex.hold()
			se = &StatesError{Name: "States.Aborted", Cause: "cancelled"}
			// The handler learns why from its context's cause: the
			// state's end (a *StatesError: StopExecution, a failed
			// sibling branch) or the engine's (closing: the task is left
			// to the execution's resumption). Context cancellation
			// reaches hctx a moment after ctx.Done() is closed, so it
			// is passed on here rather than raced.
			why = context.Cause(ctx)
			// A timeout that came due at the same moment still counts.
			select {
			case <-timeoutC:
				se, why = &StatesError{Name: ErrTimeout}, nil
			case <-hbC:
				se, why = heartbeatTimeout(), nil
			default:
			}
		}
	}
	// Stop the handler and wait for it (inheriting, then dropping, its hold).
	if why == nil {
		why = se
	}
	cancel(why)
	ex.release()
	<-resCh
	if se.Name == ErrTimeout || se.Name == ErrHeartbeatTimeout {
		te.timedOut(se)
	}
	return nil, se
}

func (r *stateRun) positivePath(p *Path, input any, field string) (int64, *StatesError) {
	v, err := r.evalPath(p, input)
	if err != nil {
		return 0, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", p.raw, err)
	}
	n, ok := isInteger(v)
	if !ok || n <= 0 {
		return 0, r.runtimeError(ErrRuntime, "The %s field refers to value \"%s\" which is not a valid positive integer: %s", field, EncodeJSON(v), p.raw)
	}
	return n, nil
}

func (r *stateRun) parallel(ctx context.Context, input any) (any, *StatesError) {
	st, ex := r.st, r.ex
	startedID := ex.rec.emit(r.lane, plain("ParallelStateStarted"))
	results := make([]any, len(st.Branches))
	fan := &fanout{}
	_, err := ex.children(ctx, len(st.Branches), 0, func(ctx context.Context, i int) *StatesError {
		l := &lane{prev: startedID, nested: true, fan: fan}
		out, err := ex.runMachine(ctx, l, st.Branches[i], deepCopy(input), nil)
		if err != nil && err.Name != "States.Aborted" {
			fan.failed(l.prev)
		}
		results[i] = out
		return err
	})
	if err != nil {
		r.lane.prev = fan.causeOr(r.lane.prev)
		return nil, err
	}
	return results, nil
}

func (r *stateRun) mapState(ctx context.Context, input any) (any, *StatesError) {
	st, ex := r.st, r.ex
	if st.Distributed != nil {
		return r.distributedMap(ctx, input)
	}
	items := input
	if st.JSONata {
		v, err := r.mapItemsJSONata(input)
		if err != nil {
			return nil, err
		}
		items = v
	}
	if st.ItemsPath.Path != nil {
		v, err := r.evalPath(st.ItemsPath.Path, input)
		if err != nil {
			return nil, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", st.ItemsPath.Path.raw, err)
		}
		items = v
	}
	arr, ok := items.([]any)
	if !ok {
		return nil, r.runtimeError(ErrRuntime, "Map state input must be an array but was: %s", EncodeJSON(items))
	}
	limit := int(st.MaxConcurrency)
	if st.MaxConcurrencyPath != nil {
		v, err := r.evalPath(st.MaxConcurrencyPath, input)
		if err != nil {
			return nil, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", st.MaxConcurrencyPath.raw, err)
		}
		if str, isStr := v.(string); isStr {
			// AWS takes a number in a string too.
			if _, perr := strconv.ParseInt(str, 10, 64); perr == nil {
				v = json.Number(str)
			}
		}
		n, isInt := isInteger(v)
		if !isInt {
			return nil, r.runtimeError(ErrRuntime, "The MaxConcurrencyPath field refers to value \"%s\" which is not a valid integer: %s", stringOf(v), st.MaxConcurrencyPath.raw)
		}
		if n < 0 {
			return nil, r.runtimeError(ErrRuntime, "The MaxConcurrencyPath field refers to value \"%d\" which is not a valid integer: %s", n, st.MaxConcurrencyPath.raw)
		}
		limit = int(n)
	}
	if st.jx.MaxConcurrency != nil {
		n, err := r.nonNegativeJ(st.jx.MaxConcurrency, r.jenv(input), "MaxConcurrency")
		if err != nil {
			return nil, err
		}
		limit = int(n)
	}
	startedID := ex.rec.emit(r.lane, sfnmodel.HistoryEvent{
		Type:                        sfnmodel.HistoryEventTypeMapStateStarted,
		MapStateStartedEventDetails: &sfnmodel.MapStateStartedEventDetails{Length: int32p(len(arr))},
	})
	tolerance, err := r.tolerance(input)
	if err != nil {
		return nil, err
	}
	// Item inputs are computed up front, in order.
	inputs := make([]any, len(arr))
	for i, it := range arr {
		inputs[i] = it
		if st.jx.ItemSelector != nil {
			v, err := r.mapItemSelectorJSONata(input, i, it)
			if err != nil {
				return nil, err
			}
			inputs[i] = v
		}
		if st.ItemSelector != nil {
			saved := r.item
			r.item = &mapItem{index: i, value: it}
			v, err := r.applyTemplate(st.ItemSelector, input, "ItemSelector")
			r.item = saved
			if err != nil {
				return nil, err
			}
			inputs[i] = v
		}
	}
	results := make([]any, len(arr))
	var failedMu sync.Mutex
	failed, anyFailed := 0, false
	fan := &fanout{}
	_, err = ex.children(ctx, len(arr), limit, func(ctx context.Context, i int) *StatesError {
		l := &lane{nested: true, fan: fan}
		if p, ok := ex.replay.iterationStart(st.Name, i, startedID); ok {
			fan.follow(p) // replaying: the record says which it follows
			l.prev = p
		} else {
			// Replaying, an iteration the record does not show starts at
			// the frontier, once the replayed ones have taken theirs.
			ex.frontier()
			l.prev = fan.startAfter(startedID, limit > 0 && i >= limit)
		}
		ex.rec.emit(l, sfnmodel.HistoryEvent{
			Type:                            sfnmodel.HistoryEventTypeMapIterationStarted,
			MapIterationStartedEventDetails: &sfnmodel.MapIterationEventDetails{Name: st.Name, Index: int32p(i)},
		})
		out, err := ex.runMachine(ctx, l, st.Processor, inputs[i], nil)
		if err != nil {
			failedMu.Lock()
			first := !anyFailed
			anyFailed = true
			failed++
			n := failed
			failedMu.Unlock()
			if err.Name != "States.Aborted" {
				fan.failed(l.prev)
			}
			l.prev = fan.causeOr(l.prev)
			// The first failure fails its iteration; the others are aborted
			// with the Map state (unless failures are tolerated).
			failedType := sfnmodel.HistoryEventTypeMapIterationAborted
			if first || tolerance.set {
				failedType = sfnmodel.HistoryEventTypeMapIterationFailed
			}
			// (Replaying, which one it was comes from the record.)
			if ex.choose(l, failedType, sfnmodel.HistoryEventTypeMapIterationFailed, sfnmodel.HistoryEventTypeMapIterationAborted) == sfnmodel.HistoryEventTypeMapIterationFailed {
				ex.rec.emit(l, sfnmodel.HistoryEvent{
					Type:                           sfnmodel.HistoryEventTypeMapIterationFailed,
					MapIterationFailedEventDetails: &sfnmodel.MapIterationEventDetails{Name: st.Name, Index: int32p(i)},
				})
			} else {
				ex.rec.emit(l, sfnmodel.HistoryEvent{
					Type:                            sfnmodel.HistoryEventTypeMapIterationAborted,
					MapIterationAbortedEventDetails: &sfnmodel.MapIterationEventDetails{Name: st.Name, Index: int32p(i)},
				})
			}
			if tolerance.set && ctx.Err() == nil {
				// A tolerated failure: the other items go on.
				if !tolerance.exceeded(n, len(arr)) {
					return nil
				}
				return &StatesError{Name: ErrExceedToleratedFailureThreshold, Cause: "The specified tolerated failure threshold was exceeded"}
			}
			return err
		}
		results[i] = out
		fan.ended(l.prev)
		fan.done(ex.rec.emit(l, sfnmodel.HistoryEvent{
			Type:                              sfnmodel.HistoryEventTypeMapIterationSucceeded,
			MapIterationSucceededEventDetails: &sfnmodel.MapIterationEventDetails{Name: st.Name, Index: int32p(i)},
		}))
		return nil
	})
	if err != nil {
		r.lane.prev = fan.causeOr(r.lane.prev)
		return nil, err
	}
	if fan.lastDone != 0 {
		r.lane.prev = fan.lastDone
	}
	after := r.lane.prev
	ex.rec.emit(r.lane, plain("MapStateSucceeded"))
	r.lane.prev = after // MapStateExited follows the same event
	return results, nil
}

// tolerance is how many failed items a Map state tolerates.
type tolerance struct {
	set     bool
	count   int64   // -1: no count limit
	percent float64 // -1: no percentage limit
}

// exceeded reports whether failed of total items are too many: more than
// either limit.
func (t tolerance) exceeded(failed, total int) bool {
	over := false
	if t.count >= 0 && int64(failed) > t.count {
		over = true
	}
	if t.percent >= 0 && float64(failed)*100/float64(max(total, 1)) > t.percent {
		over = true
	}
	return over
}

// tolerance evaluates the ToleratedFailure fields of a Map state.
func (r *stateRun) tolerance(input any) (tolerance, *StatesError) {
	st := r.st
	t := tolerance{count: -1, percent: -1}
	if st.ToleratedFailureCount != nil {
		t.set, t.count = true, *st.ToleratedFailureCount
	}
	if st.ToleratedFailurePercentage != nil {
		t.set, t.percent = true, *st.ToleratedFailurePercentage
	}
	if j := st.jx.ToleratedFailureCount; j != nil {
		n, err := r.nonNegativeJ(j, r.jenv(input), "ToleratedFailureCount")
		if err != nil {
			return t, err
		}
		t.set, t.count = true, n
	}
	if j := st.jx.ToleratedFailurePercentage; j != nil {
		v, err := r.evalJ(j, r.jenv(input), "ToleratedFailurePercentage")
		if err != nil {
			return t, err
		}
		f, isNum := toFloat(v)
		if !isNum || f < 0 || f > 100 {
			return t, r.fieldFailed("ToleratedFailurePercentage", "The ToleratedFailurePercentage field must evaluate to a number between 0 and 100, but was: %s", EncodeJSON(v))
		}
		t.set, t.percent = true, f
	}
	if p := st.ToleratedFailureCountPath; p != nil {
		v, err := r.evalPath(p, input)
		n, isInt := pathInteger(v)
		if err != nil || !isInt {
			return t, r.runtimeError(ErrRuntime, "The ToleratedFailureCountPath field refers to value \"%s\" which is not a valid integer: %s", stringOf(v), p.raw)
		}
		if n < 0 {
			return t, r.runtimeError(ErrRuntime, "ToleratedFailureCount cannot be negative.")
		}
		t.set, t.count = true, n
	}
	if p := st.ToleratedFailurePercentagePath; p != nil {
		v, err := r.evalPath(p, input)
		f, isNum := pathNumber(v)
		if err != nil || !isNum {
			return t, r.runtimeError(ErrRuntime, "The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", stringOf(v), p.raw)
		}
		if f < 0 || f > 100 {
			return t, r.runtimeError(ErrRuntime, "ToleratedFailurePercentage must be between 0 and 100.")
		}
		t.set, t.percent = true, f
	}
	return t, nil
}

func stringOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return EncodeJSON(v)
}
