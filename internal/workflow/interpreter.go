package workflow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtask/retry"
	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// Execution status values, as DescribeExecution reports them.
const (
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Options configure one execution.
type Options struct {
	// Clock drives Wait states, retry delays and timeouts (RealClock{}
	// when nil).
	Clock Clock
	// Tasks resolves Task resources to handlers.
	Tasks TaskRegistry
	// Sink receives the history events (may be nil).
	Sink EventSink
	// Rand is the source of randomness for retry jitter, States.MathRandom,
	// States.UUID and task tokens. Nil means a randomly seeded source.
	Rand rand.Source

	// Region is the region TaskScheduled events name ("us-east-1" when
	// empty).
	Region string
	// DelayScale multiplies the delays of Wait states and retries (not
	// timeouts), so tests and demos can run long waits quickly; 0 means 1.
	DelayScale float64
	// MapRuns runs the Map Runs of distributed Map states (an in-memory
	// MemoryMapRunner when nil).
	MapRuns MapRunner

	// Identity of the execution, for the context object.
	ExecutionArn     string
	ExecutionName    string
	StateMachineArn  string
	StateMachineName string
	RoleArn          string

	// History is the execution's recorded history, to replay before it
	// goes on live (see replay.go): an execution resumed after the engine
	// restarted, or redriven.
	History []sfnmodel.HistoryEvent
	// Redrive runs again what failed in History (a closed execution), after
	// an ExecutionRedriven event; RedriveCount is the count that event and
	// $$.Execution.RedriveCount show.
	Redrive      bool
	RedriveCount int
	// Key, when set, is the execution's secret from which task tokens,
	// retry jitter, States.UUID and States.MathRandom derive (with the
	// event ids of the history), so a replay computes the same ones.
	Key []byte
}

// Result is the outcome of an execution.
type Result struct {
	Status string
	Output any          // when SUCCEEDED
	Error  *StatesError // otherwise
}

// Run executes sm with input (JSON text) until it ends or ctx is
// cancelled (which aborts the execution).
func Run(ctx context.Context, sm *StateMachine, input []byte, opts Options) (*Result, error) {
	in, err := DecodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("workflow: execution input is not valid JSON: %w", err)
	}
	return RunValue(ctx, sm, in, opts), nil
}

// RunValue is Run with an already decoded input value.
func RunValue(ctx context.Context, sm *StateMachine, input any, opts Options) *Result {
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.MapRuns == nil {
		opts.MapRuns = NewMemoryMapRunner()
	}
	src := opts.Rand
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	ex := &execution{
		sm:    sm,
		opts:  opts,
		rec:   &recorder{sink: opts.Sink, clock: opts.Clock},
		rnd:   rand.New(src),
		input: input,
	}
	if len(opts.History) > 0 || opts.Redrive {
		ex.replay = newReplayLog(opts.History, opts.Redrive)
		ex.rec.replay, ex.rec.next, ex.rec.frontier = ex.replay, ex.replay.maxID, ex.frontier
	}
	return ex.run(ctx)
}

type execution struct {
	sm    *StateMachine
	opts  Options
	rec   *recorder
	rndMu sync.Mutex
	rnd   *rand.Rand
	input any
	start time.Time
	// replay is the recorded history being replayed (nil when live).
	replay *replayLog
}

func (ex *execution) hold() {
	if ex.replay != nil {
		ex.replay.add(1)
	}
	if t, ok := ex.opts.Clock.(IdleTracker); ok {
		t.Hold()
	}
}

func (ex *execution) release() {
	if ex.replay != nil {
		ex.replay.add(-1)
	}
	if t, ok := ex.opts.Clock.(IdleTracker); ok {
		t.Release()
	}
}

func (ex *execution) region() string {
	if ex.opts.Region == "" {
		return "us-east-1"
	}
	return ex.opts.Region
}

// sleep waits d on the clock; it returns false when ctx ended first.
func (ex *execution) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := ex.opts.Clock.NewTimer(d)
	ex.release()
	defer ex.hold()
	select {
	case <-t.C():
		// (A cancellation that came at the same moment wins, so a run and
		// its replay decide alike.)
		return ctx.Err() == nil
	case <-ctx.Done():
		t.Stop()
		return false
	}
}

func (ex *execution) float64() float64 {
	ex.rndMu.Lock()
	defer ex.rndMu.Unlock()
	return ex.rnd.Float64()
}

func (ex *execution) uuid() string {
	ex.rndMu.Lock()
	var b [16]byte
	for i := range b {
		b[i] = byte(ex.rnd.UintN(256))
	}
	ex.rndMu.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (ex *execution) random(lo, hi int64, seed *int64) int64 {
	if seed != nil {
		return lo + javaRandom(*seed, hi-lo)
	}
	ex.rndMu.Lock()
	defer ex.rndMu.Unlock()
	return lo + ex.rnd.Int64N(hi-lo)
}

type runOutcome struct {
	out any
	err *StatesError
}

func (ex *execution) run(ctx context.Context) *Result {
	ex.hold()
	defer ex.release()
	ex.start = ex.opts.Clock.Now()
	top := &lane{}
	ex.rec.emit(top, sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeExecutionStarted,
		ExecutionStartedEventDetails: &sfnmodel.ExecutionStartedEventDetails{
			Input: EncodeJSON(ex.input), InputDetails: dataDetails(), RoleArn: ex.opts.RoleArn,
		},
	})
	ex.start = top.at
	top.prev = 0 // AWS links the first state to event 0
	if ex.opts.Redrive {
		ex.rec.emit(&lane{prev: ex.replay.lastID}, sfnmodel.HistoryEvent{
			Type:                          sfnmodel.HistoryEventTypeExecutionRedriven,
			ExecutionRedrivenEventDetails: &sfnmodel.ExecutionRedrivenEventDetails{RedriveCount: int32p(ex.opts.RedriveCount)},
		})
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ex.rec.onFull = func() { cancel(errHistoryFull) }
	done := make(chan runOutcome, 1)
	ex.hold()
	go func() {
		out, err := ex.runMachine(runCtx, top, ex.sm, ex.input, nil)
		// Hands the hold to the receiver: were it released first, an
		// auto-advancing clock could fire the execution timeout meanwhile.
		done <- runOutcome{out, err}
	}()

	var timeout <-chan time.Time
	if ex.sm.TimeoutSeconds > 0 {
		// (A replayed execution keeps the deadline it had.)
		t := ex.opts.Clock.NewTimer(seconds(float64(ex.sm.TimeoutSeconds)) - ex.opts.Clock.Now().Sub(ex.start))
		defer t.Stop()
		timeout = t.C()
	}
	ex.release()
	var res *Result
	select {
	case o := <-done: // inherits the machine's hold
		if o.err != nil && ctx.Err() != nil {
			// Stopped: the machine saw the cancellation before this
			// select did (both were ready).
			res = ex.aborted(ctx)
			break
		}
		res = ex.finish(top, o)
	case <-timeout:
		ex.hold()
		se := &StatesError{Name: ErrTimeout, Cause: "The execution timed out."}
		cancel(se)
		ex.release()
		<-done // inherits the machine's hold
		ex.rec.emit(top, sfnmodel.HistoryEvent{
			Type:                          sfnmodel.HistoryEventTypeExecutionTimedOut,
			ExecutionTimedOutEventDetails: &sfnmodel.ExecutionTimedOutEventDetails{Error: se.Name, Cause: se.Cause},
		})
		res = &Result{Status: StatusTimedOut, Error: se}
	case <-ctx.Done():
		ex.hold()
		cancel(context.Cause(ctx))
		ex.release()
		<-done // inherits the machine's hold
		res = ex.aborted(ctx)
	}
	return res
}

// aborted records the end of an execution whose context was cancelled:
// ExecutionAborted with StopExecution's error and cause, when it gave them
// (cancel ctx with a *StatesError as its cause); AWS links the event to no
// other (previousEventId 0).
func (ex *execution) aborted(ctx context.Context) *Result {
	se := &StatesError{}
	var s *StatesError
	if errors.As(context.Cause(ctx), &s) {
		se = s
	}
	ex.rec.emit(&lane{}, sfnmodel.HistoryEvent{
		Type:                         sfnmodel.HistoryEventTypeExecutionAborted,
		ExecutionAbortedEventDetails: &sfnmodel.ExecutionAbortedEventDetails{Error: se.Name, Cause: se.Cause},
	})
	return &Result{Status: StatusAborted, Error: se}
}

func (ex *execution) finish(top *lane, o runOutcome) *Result {
	if ex.rec.historyFull() {
		return &Result{Status: StatusFailed, Error: &StatesError{Name: ErrRuntime, Cause: historyLimitCause}}
	}
	if o.err != nil {
		ex.rec.emit(top, sfnmodel.HistoryEvent{
			Type:                        sfnmodel.HistoryEventTypeExecutionFailed,
			ExecutionFailedEventDetails: &sfnmodel.ExecutionFailedEventDetails{Error: o.err.Name, Cause: o.err.Cause},
		})
		return &Result{Status: StatusFailed, Error: o.err}
	}
	ex.rec.emit(top, sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeExecutionSucceeded,
		ExecutionSucceededEventDetails: &sfnmodel.ExecutionSucceededEventDetails{
			Output: EncodeJSON(o.out), OutputDetails: dataDetails(),
		},
	})
	return &Result{Status: StatusSucceeded, Output: o.out}
}

// mapItem is the $$.Map.Item of an iteration.
type mapItem struct {
	index int
	value any
}

// stateRun holds what one visit of a state needs.
type stateRun struct {
	ex         *execution
	lane       *lane
	st         *State
	enteredID  int64
	enteredAt  time.Time
	retryCount int
	item       *mapItem
	token      string

	// Variables: the scope the state runs in, and what its Assign staged
	// (committed when it exits).
	vars      *varScope
	assigned  map[string]any
	hasAssign bool
	// enteredPrev is the previousEventId of the StateEntered event.
	enteredPrev int64
	// matched is the Choice rule that matched (nil: Default).
	matched *ChoiceRule
	// jTimeout, jHeartbeat: a JSONata Task's evaluated TimeoutSeconds and
	// HeartbeatSeconds (0: the definition's).
	jTimeout, jHeartbeat int64
	draws                int // keyed States.UUID / MathRandom draws so far
	// floatDraws: keyed JSONata $random draws so far (counted apart from
	// draws: jsonata-go evaluates an object constructor's pairs in no
	// fixed order, so a $uuid() and a $random() beside each other must not
	// share a counter).
	floatDraws int
}

// runtimeError is a States.Runtime error with AWS's cause prefix.
func (r *stateRun) runtimeError(name, format string, a ...any) *StatesError {
	return &StatesError{Name: name, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", r.st.Name, r.enteredID) + fmt.Sprintf(format, a...)}
}

func (r *stateRun) context() any {
	ex := r.ex
	c := map[string]any{
		"Execution": map[string]any{
			"Id":           ex.opts.ExecutionArn,
			"Input":        ex.input,
			"Name":         ex.opts.ExecutionName,
			"RoleArn":      ex.opts.RoleArn,
			"StartTime":    formatTime(ex.start),
			"RedriveCount": numberOf(float64(ex.opts.RedriveCount)),
		},
		"StateMachine": map[string]any{"Id": ex.opts.StateMachineArn, "Name": ex.opts.StateMachineName},
	}
	state := map[string]any{"Name": r.st.Name, "EnteredTime": formatTime(r.enteredAt)}
	if r.st.Type == TypeTask || r.st.Type == TypeMap || r.st.Type == TypeParallel {
		state["RetryCount"] = numberOf(float64(r.retryCount))
	}
	c["State"] = state
	if r.token != "" {
		c["Task"] = map[string]any{"Token": r.token}
	}
	if r.item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": numberOf(float64(r.item.index)), "Value": r.item.value}}
	}
	return c
}

const json0 = jsonNumberZero

func (ex *execution) runMachine(ctx context.Context, l *lane, sm *StateMachine, input any, item *mapItem) (any, *StatesError) {
	name := sm.StartAt
	cur := input
	ctx, vars := newScope(ctx)
	for {
		// (Replaying, a state the record shows entered is entered even if
		// a sibling's replayed failure came first: it cancels it later.)
		if !ex.recorded(l, stateEnteredNamed(name)) && ctx.Err() != nil {
			return nil, &StatesError{Name: "States.Aborted", Cause: "cancelled"}
		}
		st := sm.States[name]
		if st == nil {
			return nil, &StatesError{Name: ErrRuntime, Cause: fmt.Sprintf("state %q does not exist", name)}
		}
		r := &stateRun{ex: ex, lane: l, st: st, item: item, vars: vars}
		next, out, err := r.visit(ctx, cur)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, cur = next, out
	}
}

// eventPrefix is the prefix of the state's event types.
func eventPrefix(typ string) string { return typ }

// visit runs one state; it returns the next state's name ("" at the end)
// and the state output.
func (r *stateRun) visit(ctx context.Context, input any) (string, any, *StatesError) {
	st := r.st
	ex := r.ex
	r.enteredPrev = r.lane.prev
	r.enteredID = ex.rec.emit(r.lane, stateEntered(eventPrefix(st.Type), st.Name, input))
	r.enteredAt = r.lane.at
	if r.item != nil {
		r.item = &mapItem{index: r.item.index, value: r.item.value}
	}
	if st.JSONata {
		return r.visitJSONata(ctx, input)
	}

	switch st.Type {
	case TypeFail:
		return "", nil, r.fail(input)
	case TypeSucceed:
		out, err := r.inputOutput(input, input, true)
		if err != nil {
			return "", nil, err
		}
		r.exited(out)
		return "", out, nil
	case TypeChoice:
		eff, err := r.applyInputPath(input)
		if err != nil {
			return "", nil, err
		}
		next, err := r.choose(eff)
		if err != nil {
			return "", nil, err
		}
		assign := st.Assign
		if r.matched != nil {
			assign = r.matched.Assign
		}
		if err := r.evalAssign(assign, eff, nil); err != nil {
			return "", nil, err
		}
		out, err := r.applyOutputPath(eff)
		if err != nil {
			return "", nil, err
		}
		r.exited(out)
		return next, out, nil
	case TypeWait:
		eff, err := r.applyInputPath(input)
		if err != nil {
			return "", nil, err
		}
		d, err := r.waitDuration(eff)
		if err != nil {
			return "", nil, err
		}
		if !r.delayAfter(ctx, d) {
			return "", nil, &StatesError{Name: "States.Aborted", Cause: "cancelled"}
		}
		if err := r.evalAssign(st.Assign, eff, nil); err != nil {
			return "", nil, err
		}
		out, err := r.applyOutputPath(eff)
		if err != nil {
			return "", nil, err
		}
		r.exited(out)
		return st.Next, out, nil
	case TypePass:
		eff, err := r.applyInputPath(input)
		if err != nil {
			return "", nil, err
		}
		var result any
		switch {
		case st.HasResult:
			result = deepCopy(st.Result)
		case st.Parameters != nil:
			result, err = r.applyTemplate(st.Parameters, eff, "Parameters")
			if err != nil {
				return "", nil, err
			}
		default:
			result = eff
		}
		if err := r.evalAssign(st.Assign, result, nil); err != nil {
			return "", nil, err
		}
		out, err := r.applyResultPath(st.ResultPath, input, result)
		if err != nil {
			return "", nil, err
		}
		out, err = r.applyOutputPath(out)
		if err == nil {
			err = r.checkSize(out)
		}
		if err != nil {
			return "", nil, err
		}
		r.exited(out)
		return st.Next, out, nil
	}
	return r.visitWithRetry(ctx, input)
}

// visitWithRetry runs Task, Parallel and Map states, JSONPath or JSONata,
// with Retry and Catch.
func (r *stateRun) visitWithRetry(ctx context.Context, input any) (string, any, *StatesError) {
	st, ex := r.st, r.ex
	attempts := make([]int64, len(st.Retry))
	for {
		r.assigned, r.hasAssign = nil, false
		out, err := r.attempt(ctx, input)
		if err == nil {
			r.exited(out)
			return st.Next, out, nil
		}
		if err.Name == ErrRuntime {
			return "", nil, err
		}
		if ctx.Err() != nil && !ex.wentOn(r.lane) {
			return "", nil, r.aborted(err)
		}
		retried := false
		for i, rt := range st.Retry {
			if !errorMatches(rt.ErrorEquals, err) {
				continue
			}
			if attempts[i] < rt.MaxAttempts {
				d := RetryDelay(rt, int(attempts[i]), r.jitter)
				attempts[i]++
				r.retryCount++
				if !r.delayAfter(ctx, d) {
					return "", nil, &StatesError{Name: "States.Aborted", Cause: "cancelled"}
				}
				retried = true
			}
			break
		}
		if retried {
			continue
		}
		if st.Type == TypeMap || st.Type == TypeParallel {
			ex.rec.emit(r.lane, plain(st.Type+"StateFailed"))
		}
		for _, c := range st.Catch {
			if !errorMatches(c.ErrorEquals, err) {
				continue
			}
			r.assigned, r.hasAssign = nil, false
			out, cerr := r.caught(&c, input, err.output())
			if cerr != nil {
				return "", nil, cerr
			}
			r.exited(out)
			return c.Next, out, nil
		}
		return "", nil, r.aborted(err)
	}
}

// attempt does one attempt of a Task, Parallel or Map state in its query
// language.
func (r *stateRun) attempt(ctx context.Context, input any) (any, *StatesError) {
	if r.st.JSONata {
		return r.workJSONata(ctx, input)
	}
	return r.work(ctx, input)
}

// caught evaluates the Assign of catcher c, which caught the error output
// errOut, and returns the state's output: errOut placed by ResultPath
// (JSONPath) or Output (JSONata).
func (r *stateRun) caught(c *Catcher, input, errOut any) (any, *StatesError) {
	if r.st.JSONata {
		return r.caughtJSONata(c, input, errOut)
	}
	if err := r.evalAssign(c.Assign, errOut, nil); err != nil {
		return nil, err
	}
	return r.applyResultPath(c.ResultPath, input, errOut)
}

// aborted records that a state of a branch or iteration ends it without
// going on (an uncaught error, or a sibling's failure), and returns err.
func (r *stateRun) aborted(err *StatesError) *StatesError {
	if r.lane.nested {
		if f := r.lane.fan; f != nil {
			if err.Name != "States.Aborted" {
				f.failed(r.lane.prev) // this lane's failure aborts the others
			}
			r.lane.prev = f.causeOr(r.lane.prev)
		}
		r.ex.rec.emit(r.lane, plain(r.st.Type+"StateAborted"))
	}
	return err
}

// RetryDelay is the wait before retry number attempt+1 of retrier rt:
// IntervalSeconds x BackoffRate^attempt, capped by MaxDelaySeconds, and
// with FULL jitter drawn uniformly from [0, delay] using rnd (which returns
// values in [0, 1)). It is the formula run-task's --max-attempts uses
// (package retry), which also keeps delays too long for a time.Duration
// at the longest one.
func RetryDelay(rt Retrier, attempt int, rnd func() float64) time.Duration {
	p := retry.Policy{
		Interval:    seconds(rt.IntervalSeconds),
		BackoffRate: rt.BackoffRate,
		MaxDelay:    seconds(rt.MaxDelaySeconds),
		Jitter:      retry.JitterNone,
	}
	r := 1.0
	if rt.JitterStrategy == "FULL" && rnd != nil {
		p.Jitter, r = retry.JitterFull, rnd()
	}
	return p.Delay(attempt+1, r)
}

// seconds converts a number of seconds (of a definition, or of the input
// through a ...Path field) into a duration; one longer than a
// time.Duration holds stays the longest (about 146 years) instead of
// wrapping around to a negative one, which would end a wait or a timeout
// at once.
func seconds(s float64) time.Duration {
	return time.Duration(min(s*float64(time.Second), float64(math.MaxInt64/2)))
}

// work does one attempt of a Task, Parallel or Map state up to and
// including OutputPath.
func (r *stateRun) work(ctx context.Context, input any) (any, *StatesError) {
	st := r.st
	eff, err := r.applyInputPath(input)
	if err != nil {
		return nil, err
	}
	var result any
	switch st.Type {
	case TypeTask:
		r.token = r.newToken()
		params := eff
		if st.Parameters != nil {
			if params, err = r.applyTemplate(st.Parameters, eff, "Parameters"); err != nil {
				return nil, err
			}
		}
		result, err = r.task(ctx, eff, params)
	case TypeParallel:
		params := eff
		if st.Parameters != nil {
			if params, err = r.applyTemplate(st.Parameters, eff, "Parameters"); err != nil {
				return nil, err
			}
		}
		result, err = r.parallel(ctx, params)
	case TypeMap:
		result, err = r.mapState(ctx, eff)
	}
	if err == nil {
		err = r.checkSize(result)
	}
	if err != nil {
		return nil, err
	}
	if st.ResultSelector != nil {
		if result, err = r.applyTemplate(st.ResultSelector, result, "ResultSelector"); err != nil {
			return nil, err
		}
	}
	if err := r.evalAssign(st.Assign, result, nil); err != nil {
		return nil, err
	}
	out, err := r.applyResultPath(st.ResultPath, input, result)
	if err != nil {
		return nil, err
	}
	if out, err = r.applyOutputPath(out); err != nil {
		return nil, err
	}
	return out, r.checkSize(out)
}

func (r *stateRun) fail(input any) *StatesError {
	st := r.st
	se := &StatesError{Name: st.Error, Cause: st.Cause}
	eval := func(t *Template, field string) (string, *StatesError) {
		var v any
		var err *StatesError
		if t.path != nil {
			var perr error
			v, perr = r.evalPath(t.path, input)
			if perr != nil {
				return "", r.runtimeError(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", t.path.raw, field, EncodeJSON(input))
			}
		} else {
			v, err = r.evalIntrinsic(t.intrinsic, input, field)
			if err != nil {
				return "", err
			}
		}
		s, ok := v.(string)
		if !ok {
			return "", r.runtimeError(ErrRuntime, "The JSONPath '%s' specified for the field '%s' returned a %s, expected a string", templateText(t), field, typeName(v))
		}
		return s, nil
	}
	if st.ErrorPath != nil {
		s, err := eval(st.ErrorPath, "ErrorPath")
		if err != nil {
			return err
		}
		se.Name = s
	}
	if st.CausePath != nil {
		s, err := eval(st.CausePath, "CausePath")
		if err != nil {
			return err
		}
		se.Cause = s
	}
	return se
}

func templateText(t *Template) string {
	if t.path != nil {
		return t.path.raw
	}
	if t.intrinsic != nil {
		return t.intrinsic.raw
	}
	return ""
}

func (r *stateRun) inputOutput(input, _ any, _ bool) (any, *StatesError) {
	eff, err := r.applyInputPath(input)
	if err != nil {
		return nil, err
	}
	return r.applyOutputPath(eff)
}

func (r *stateRun) evalPath(p *Path, input any) (any, error) {
	if p.variable != "" {
		v, err := r.lookupVar(p.variable)
		if err != nil {
			return nil, err
		}
		return p.Eval(v)
	}
	if p.context {
		return p.Eval(r.context())
	}
	return p.Eval(input)
}

func (r *stateRun) applyInputPath(input any) (any, *StatesError) {
	ip := r.st.InputPath
	if ip.Null {
		return map[string]any{}, nil
	}
	if ip.Path == nil {
		return input, nil
	}
	v, err := r.evalPath(ip.Path, input)
	if err != nil {
		return nil, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", ip.Path.raw, err)
	}
	return v, nil
}

func (r *stateRun) applyOutputPath(v any) (any, *StatesError) {
	op := r.st.OutputPath
	if op.Null {
		return map[string]any{}, nil
	}
	if op.Path == nil {
		return v, nil
	}
	out, err := r.evalPath(op.Path, v)
	if err != nil {
		return nil, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", op.Path.raw, err)
	}
	return out, nil
}

func (r *stateRun) applyResultPath(rp OptPath, input, result any) (any, *StatesError) {
	if rp.Null {
		return input, nil
	}
	if rp.Path == nil || len(rp.Path.segs) == 0 {
		return result, nil
	}
	out, err := rp.Path.Set(deepCopy(input), result)
	if err != nil {
		return nil, r.runtimeError(ErrResultPathMatchFailure, "Unable to apply ResultPath '%s' to input '%s': %v", rp.Path.raw, EncodeJSON(input), err)
	}
	return out, nil
}

func (r *stateRun) evalIntrinsic(c *Intrinsic, input any, field string) (any, *StatesError) {
	env := &intrinsicEnv{input: input, random: r.random, uuid: r.uuid, lookupVar: r.lookupVar}
	env.context = r.context()
	v, err := c.eval(env)
	if err != nil {
		var ie *intrinsicError
		if errors.As(err, &ie) {
			if ie.path != nil {
				return nil, r.runtimeError(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", ie.path.raw, field, EncodeJSON(input))
			}
			return nil, r.runtimeError(ie.err.Name, "%s", ie.err.Cause)
		}
		return nil, r.runtimeError(ErrIntrinsicFailure, "%v", err)
	}
	return v, nil
}

// applyTemplate evaluates a payload template against input.
func (r *stateRun) applyTemplate(t *Template, input any, _ string) (any, *StatesError) {
	switch t.kind {
	case 0:
		return deepCopy(t.lit), nil
	case 2:
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := r.applyTemplate(it, input, "")
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case 1:
		out := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			var v any
			var err *StatesError
			switch f.val.kind {
			case 3:
				var perr error
				v, perr = r.evalPath(f.val.path, input)
				if perr != nil {
					in := input
					if f.val.path.context {
						in = r.context()
					}
					return nil, r.runtimeError(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", f.val.path.raw, f.field, EncodeJSON(in))
				}
				v = deepCopy(v)
			case 4:
				v, err = r.evalIntrinsic(f.val.intrinsic, input, f.field)
			default:
				v, err = r.applyTemplate(f.val, input, "")
			}
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
		return out, nil
	}
	return nil, nil
}

func (r *stateRun) waitDuration(input any) (time.Duration, *StatesError) {
	st := r.st
	now := r.enteredAt // (a replayed Wait keeps its deadline)
	switch {
	case st.Seconds != nil:
		return seconds(float64(*st.Seconds)), nil
	case st.Timestamp != nil:
		return r.waitUntil(st.Timestamp.Sub(now))
	case st.SecondsPath != nil:
		v, err := r.evalPath(st.SecondsPath, input)
		if err != nil {
			return 0, r.runtimeError(ErrRuntime, "The SecondsPath parameter does not reference an input value: %s", st.SecondsPath.raw)
		}
		n, ok := isInteger(v)
		if !ok {
			return 0, r.runtimeError(ErrRuntime, "The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.SecondsPath.raw, EncodeJSON(v))
		}
		if n < 0 {
			return 0, r.runtimeError(ErrRuntime, "The SecondsPath parameter references a negative value: %s == %d", st.SecondsPath.raw, n)
		}
		return seconds(float64(n)), nil
	case st.TimestampPath != nil:
		v, err := r.evalPath(st.TimestampPath, input)
		if err != nil {
			return 0, r.runtimeError(ErrRuntime, "The TimestampPath parameter does not reference an input value: %s", st.TimestampPath.raw)
		}
		s, _ := v.(string)
		ts, perr := parseTimestamp(s)
		if perr != nil {
			return 0, r.runtimeError(ErrRuntime, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.TimestampPath.raw, strings.Trim(EncodeJSON(v), "\""))
		}
		return r.waitUntil(ts.Sub(now))
	}
	return 0, nil
}
