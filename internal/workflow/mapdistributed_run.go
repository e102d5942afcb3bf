package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/mapruns"
	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// MapRunner is what distributed Map states need from outside the
// interpreter: the S3 objects their ItemReader reads and their
// ResultWriter writes, and a place for Map Runs and child executions
// (internal/executions keeps them in its store and the objects in the
// local S3 directory; MemoryMapRunner keeps everything in memory).
type MapRunner interface {
	// GetObject returns an object's content; an error's text becomes the
	// States.ItemReaderFailed cause.
	GetObject(ctx context.Context, bucket, key string) ([]byte, error)
	// ListObjects lists the objects under prefix, by key.
	ListObjects(ctx context.Context, bucket, prefix string) ([]mapruns.Object, error)
	// PutObject writes an object (ResultWriter).
	PutObject(ctx context.Context, bucket, key string, body []byte) error
	// StartMapRun records a Map Run before its first child starts.
	StartMapRun(ctx context.Context, run *MapRun) error
	// MapRunChanged is called whenever run's counts or status change
	// (the last time once it has ended).
	MapRunChanged(run *MapRun)
	// RunChild runs a child execution by calling child.Run once, with a
	// sink for its events, and returns its result.
	RunChild(ctx context.Context, run *MapRun, child *MapChild) *Result
}

// MapChild is one child execution of a Map Run.
type MapChild struct {
	Index int    // its place among the Map Run's children
	Name  string // its execution name
	Arn   string // its execution ARN
	Input any
	Start time.Time
	// Run runs the child execution in the calling goroutine, sending its
	// history to sink (which may be nil).
	Run func(ctx context.Context, sink EventSink) *Result
}

// MapRunCounts are the item or child execution counts of a Map Run.
type MapRunCounts struct {
	Pending, Running, Succeeded, Failed, TimedOut, Aborted, Total, ResultsWritten int
}

// MapRun is one run of a distributed Map state. Its identity is fixed;
// its limits may be changed while it runs (UpdateMapRun), and its counts
// and status are read with Snapshot.
type MapRun struct {
	Arns          mapruns.Arns
	ExecutionArn  string // the parent execution
	StateName     string
	Label         string
	ExecutionType string
	Definition    string // the child executions' definition
	Start         time.Time

	mu          sync.Mutex
	concurrency int
	tolerance   mapruns.Tolerance
	status      string
	stop        time.Time
	errName     string
	cause       string
	items, runs MapRunCounts
	changed     chan struct{}
}

// MapRunState is a copy of a Map Run's changing fields.
type MapRunState struct {
	MaxConcurrency             int // 0: no limit
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	Status                     string
	Stop                       time.Time
	Error, Cause               string
	Items, Executions          MapRunCounts
}

// Snapshot returns the Map Run's current limits, status and counts.
func (m *MapRun) Snapshot() MapRunState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return MapRunState{
		MaxConcurrency: m.concurrency, ToleratedFailureCount: max(m.tolerance.Count, 0),
		ToleratedFailurePercentage: max(m.tolerance.Percent, 0),
		Status:                     m.status, Stop: m.stop, Error: m.errName, Cause: m.cause,
		Items: m.items, Executions: m.runs,
	}
}

// Update changes a running Map Run's limits (nil leaves one as it is);
// children already running go on.
func (m *MapRun) Update(maxConcurrency *int, toleratedCount *int64, toleratedPercent *float64) {
	m.mu.Lock()
	if maxConcurrency != nil {
		m.concurrency = *maxConcurrency
	}
	if toleratedCount != nil {
		m.tolerance.Count = *toleratedCount
	}
	if toleratedPercent != nil {
		m.tolerance.Percent = *toleratedPercent
	}
	m.mu.Unlock()
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// MemoryMapRunner is a MapRunner that keeps objects in memory and runs
// child executions in-process without keeping them. It is what Run uses
// when Options.MapRuns is nil.
type MemoryMapRunner struct {
	mu      sync.Mutex
	objects map[string][]byte
	runs    []*MapRun
}

// NewMemoryMapRunner returns an empty MemoryMapRunner.
func NewMemoryMapRunner() *MemoryMapRunner {
	return &MemoryMapRunner{objects: map[string][]byte{}}
}

// Put stores an object.
func (r *MemoryMapRunner) Put(bucket, key string, body []byte) {
	r.mu.Lock()
	r.objects[bucket+"/"+key] = body
	r.mu.Unlock()
}

// Object returns a stored object (nil, false when there is none).
func (r *MemoryMapRunner) Object(bucket, key string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.objects[bucket+"/"+key]
	return b, ok
}

// Runs returns the Map Runs started so far.
func (r *MemoryMapRunner) Runs() []*MapRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*MapRun(nil), r.runs...)
}

// GetObject implements MapRunner.
func (r *MemoryMapRunner) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	if b, ok := r.Object(bucket, key); ok {
		return b, nil
	}
	return nil, fmt.Errorf("The specified key does not exist. (Bucket: %s, Key: %s)", bucket, key)
}

// ListObjects implements MapRunner.
func (r *MemoryMapRunner) ListObjects(_ context.Context, bucket, prefix string) ([]mapruns.Object, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []mapruns.Object
	for k, b := range r.objects {
		key, ok := strings.CutPrefix(k, bucket+"/")
		if ok && strings.HasPrefix(key, prefix) {
			out = append(out, mapruns.Object{Key: key, Size: int64(len(b)), ETag: fmt.Sprintf("%q", fmt.Sprintf("%x", len(b)))})
		}
	}
	sortObjects(out)
	return out, nil
}

func sortObjects(objs []mapruns.Object) {
	for i := 1; i < len(objs); i++ {
		for j := i; j > 0 && objs[j].Key < objs[j-1].Key; j-- {
			objs[j], objs[j-1] = objs[j-1], objs[j]
		}
	}
}

// PutObject implements MapRunner.
func (r *MemoryMapRunner) PutObject(_ context.Context, bucket, key string, body []byte) error {
	r.Put(bucket, key, body)
	return nil
}

// StartMapRun implements MapRunner.
func (r *MemoryMapRunner) StartMapRun(_ context.Context, run *MapRun) error {
	r.mu.Lock()
	r.runs = append(r.runs, run)
	r.mu.Unlock()
	return nil
}

// MapRunChanged implements MapRunner.
func (r *MemoryMapRunner) MapRunChanged(*MapRun) {}

// RunChild implements MapRunner.
func (r *MemoryMapRunner) RunChild(ctx context.Context, _ *MapRun, child *MapChild) *Result {
	return child.Run(ctx, nil)
}

// defaultMapConcurrency is how many child executions a distributed Map
// runs at once without MaxConcurrency (Step Functions' default).
const defaultMapConcurrency = 10000

// errThreshold is the error of a Map Run with too many failed items.
var errThreshold = &StatesError{Name: ErrExceedToleratedFailureThreshold, Cause: "The specified tolerated failure threshold was exceeded"}

func (ex *execution) mapRunner() MapRunner { return ex.opts.MapRuns }

// distributedMap runs a Map state in DISTRIBUTED mode: a Map Run whose
// child executions each process one item (or one batch of items).
func (r *stateRun) distributedMap(ctx context.Context, input any) (any, *StatesError) {
	st, ex := r.st, r.ex
	d := st.Distributed
	runner := ex.mapRunner()
	var items []any
	if d.Reader == nil {
		v := input
		if st.JSONata {
			var err *StatesError
			if v, err = r.mapItemsJSONata(input); err != nil {
				return nil, err
			}
		}
		if st.ItemsPath.Path != nil {
			var err error
			if v, err = r.evalPath(st.ItemsPath.Path, input); err != nil {
				return nil, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", st.ItemsPath.Path.raw, err)
			}
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, r.runtimeError(ErrRuntime, "Map state input must be an array but was: %s", EncodeJSON(v))
		}
		items = arr
	}
	ex.rec.emit(r.lane, sfnmodel.HistoryEvent{
		Type:                        sfnmodel.HistoryEventTypeMapStateStarted,
		MapStateStartedEventDetails: &sfnmodel.MapStateStartedEventDetails{Length: int32p(len(items))},
	})
	limit, err := r.mapConcurrency(input)
	if err != nil {
		return nil, err
	}
	tol, err := r.tolerance(input)
	if err != nil {
		return nil, err
	}
	maxItems := int64(0)
	if d.Reader != nil {
		maxItems = d.Reader.Config.MaxItems
		if p := d.Reader.MaxItemsPath; p != nil {
			v, perr := r.evalPath(p, input)
			n, isInt := pathInteger(v)
			if perr != nil || !isInt {
				return nil, r.runtimeError(ErrRuntime, "The MaxItemsPath field refers to value \"%s\" which is not a valid integer: %s", stringOf(v), p.raw)
			}
			maxItems = n
		}
		if j := d.Reader.MaxItemsExpr; j != nil {
			if maxItems, err = r.nonNegativeJ(j, r.jenv(input), "ItemReader/ReaderConfig/MaxItems"); err != nil {
				return nil, err
			}
		}
	}
	batcher, err := r.batcher(input)
	if err != nil {
		return nil, err
	}

	label := st.Label
	if label == "" {
		label = st.Name
	}
	run := &MapRun{
		Arns:         mapruns.NewArns(ex.opts.StateMachineArn, label, ex.uuid()),
		ExecutionArn: ex.opts.ExecutionArn, StateName: st.Name, Label: label,
		ExecutionType: d.ExecutionType, Definition: d.Definition, Start: ex.opts.Clock.Now(),
		concurrency: limit, status: mapruns.StatusRunning, changed: make(chan struct{}, 1),
		tolerance: mapruns.NoTolerance,
	}
	if tol.set {
		run.tolerance = mapruns.Tolerance{Count: tol.count, Percent: tol.percent}
	}
	if serr := runner.StartMapRun(ctx, run); serr != nil {
		return nil, r.runtimeError(ErrRuntime, "The Map Run could not be recorded: %v", serr)
	}
	runStarted := ex.rec.emit(r.lane, sfnmodel.HistoryEvent{
		Type:                      sfnmodel.HistoryEventTypeMapRunStarted,
		MapRunStartedEventDetails: &sfnmodel.MapRunStartedEventDetails{MapRunArn: run.Arns.MapRun},
	})
	fail := func(se *StatesError) (any, *StatesError) {
		run.end(mapruns.StatusFailed, ex.opts.Clock.Now(), se)
		runner.MapRunChanged(run)
		ex.rec.emit(r.lane, sfnmodel.HistoryEvent{
			Type:                     sfnmodel.HistoryEventTypeMapRunFailed,
			MapRunFailedEventDetails: &sfnmodel.MapRunFailedEventDetails{Error: se.Name, Cause: se.Cause},
		})
		return nil, se
	}

	if d.Reader != nil {
		if maxItems < 0 {
			return fail(&StatesError{Name: ErrItemReaderFailed, Cause: "field MaxItems must be positive"})
		}
		var se *StatesError
		if items, se = r.readItems(ctx, runner, d.Reader, input, maxItems); se != nil {
			if se.Name == ErrRuntime {
				return nil, se
			}
			return fail(se)
		}
	}
	inputs := make([]any, len(items))
	for i, it := range items {
		inputs[i] = it
		if st.jx.ItemSelector != nil {
			v, serr := r.mapItemSelectorJSONata(input, i, it)
			if serr != nil {
				return nil, serr
			}
			inputs[i] = v
		}
		if st.ItemSelector != nil {
			saved := r.item
			r.item = &mapItem{index: i, value: it}
			v, serr := r.applyTemplate(st.ItemSelector, input, "ItemSelector")
			r.item = saved
			if serr != nil {
				return nil, serr
			}
			inputs[i] = v
		}
	}
	batched := batcher != nil
	if batched {
		inputs = mapruns.Batches(inputs, *batcher, func(v any) int { return len(EncodeJSON(v)) })
	}
	weights := make([]int, len(inputs))
	for i, in := range inputs {
		weights[i] = mapruns.ItemCount(in, batched)
	}
	run.setTotals(len(items), len(inputs))
	runner.MapRunChanged(run)

	children, runErr := r.runChildren(ctx, runner, run, inputs, weights, len(items))
	now := ex.opts.Clock.Now()
	var out any
	if runErr == nil || runErr.Name == ErrExceedToleratedFailureThreshold {
		var werr *StatesError
		out, werr = r.writeResults(ctx, runner, run, input, children)
		if werr != nil && runErr == nil {
			runErr = werr
		}
	}
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		run.end(mapruns.StatusAborted, now, runErr)
		runner.MapRunChanged(run)
		ex.rec.emit(r.lane, plain(string(sfnmodel.HistoryEventTypeMapRunAborted)))
		return nil, runErr
	default:
		return fail(runErr)
	}
	run.end(mapruns.StatusSucceeded, now, nil)
	runner.MapRunChanged(run)
	ex.rec.emit(r.lane, plain(string(sfnmodel.HistoryEventTypeMapRunSucceeded)))
	// MapStateSucceeded follows MapRunSucceeded, and MapStateExited
	// MapRunStarted, as AWS has linked them since November 2024 (its
	// recordings from before link MapStateExited to MapRunSucceeded).
	ex.rec.emit(r.lane, plain("MapStateSucceeded"))
	r.lane.prev = runStarted
	return out, nil
}

func (m *MapRun) setTotals(items, runs int) {
	m.mu.Lock()
	m.items.Total, m.items.Pending = items, items
	m.runs.Total, m.runs.Pending = runs, runs
	m.mu.Unlock()
}

func (m *MapRun) end(status string, at time.Time, se *StatesError) {
	m.mu.Lock()
	m.status, m.stop = status, at
	if se != nil {
		m.errName, m.cause = se.Name, se.Cause
	}
	m.mu.Unlock()
}

// count moves n items and one execution from one count to another.
func (m *MapRun) count(n int, from, to func(*MapRunCounts) *int) {
	m.mu.Lock()
	*from(&m.items) -= n
	*to(&m.items) += n
	*from(&m.runs)--
	*to(&m.runs)++
	m.mu.Unlock()
}

func pending(c *MapRunCounts) *int { return &c.Pending }
func running(c *MapRunCounts) *int { return &c.Running }

func endCount(status string) func(*MapRunCounts) *int {
	switch status {
	case StatusSucceeded:
		return func(c *MapRunCounts) *int { return &c.Succeeded }
	case StatusTimedOut:
		return func(c *MapRunCounts) *int { return &c.TimedOut }
	case StatusAborted:
		return func(c *MapRunCounts) *int { return &c.Aborted }
	}
	return func(c *MapRunCounts) *int { return &c.Failed }
}

// mapConcurrency evaluates MaxConcurrency(Path); 0 means the default.
func (r *stateRun) mapConcurrency(input any) (int, *StatesError) {
	st := r.st
	limit := int(st.MaxConcurrency)
	if p := st.MaxConcurrencyPath; p != nil {
		v, err := r.evalPath(p, input)
		if err != nil {
			return 0, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", p.raw, err)
		}
		n, isInt := pathInteger(v)
		if !isInt || n < 0 {
			return 0, r.runtimeError(ErrRuntime, "The MaxConcurrencyPath field refers to value \"%s\" which is not a valid integer: %s", stringOf(v), p.raw)
		}
		limit = int(n)
	}
	if j := st.jx.MaxConcurrency; j != nil {
		n, err := r.nonNegativeJ(j, r.jenv(input), "MaxConcurrency")
		if err != nil {
			return 0, err
		}
		limit = int(n)
	}
	return limit, nil
}

// batcher resolves the ItemBatcher's limits and BatchInput (nil without
// an ItemBatcher).
func (r *stateRun) batcher(input any) (*mapruns.Batcher, *StatesError) {
	b := r.st.Distributed.Batcher
	if b == nil {
		return nil, nil
	}
	out := &mapruns.Batcher{MaxItemsPerBatch: b.MaxItemsPerBatch, MaxInputBytesPerBatch: b.MaxInputBytesPerBatch}
	for _, f := range []struct {
		p     *Path
		dst   *int64
		field string
	}{{b.MaxItemsPerBatchPath, &out.MaxItemsPerBatch, "MaxItemsPerBatchPath"}, {b.MaxInputBytesPerBatchPath, &out.MaxInputBytesPerBatch, "MaxInputBytesPerBatchPath"}} {
		if f.p == nil {
			continue
		}
		v, err := r.evalPath(f.p, input)
		n, isInt := pathInteger(v)
		if err != nil || !isInt {
			return nil, r.runtimeError(ErrRuntime, "The %s field refers to value \"%s\" which is not a valid integer: %s", f.field, stringOf(v), f.p.raw)
		}
		if n <= 0 {
			return nil, r.runtimeError(ErrRuntime, "The %s field refers to value \"%d\" which is not a positive integer: %s", f.field, n, f.p.raw)
		}
		*f.dst = n
	}
	for _, f := range []struct {
		j     *jvalue
		dst   *int64
		field string
	}{{b.MaxItemsPerBatchExpr, &out.MaxItemsPerBatch, "MaxItemsPerBatch"}, {b.MaxInputBytesPerBatchExpr, &out.MaxInputBytesPerBatch, "MaxInputBytesPerBatch"}} {
		if f.j == nil {
			continue
		}
		n, err := r.positiveJ(f.j, r.jenv(input), "ItemBatcher/"+f.field)
		if err != nil {
			return nil, err
		}
		*f.dst = n
	}
	if b.BatchInputJ != nil {
		v, err := r.evalJ(b.BatchInputJ, r.jenv(input), "ItemBatcher/BatchInput")
		if err != nil {
			return nil, err
		}
		out.BatchInput = v
	}
	if b.BatchInput != nil {
		v, err := r.applyTemplate(b.BatchInput, input, "BatchInput")
		if err != nil {
			return nil, err
		}
		out.BatchInput = v
	}
	return out, nil
}

// s3Arguments evaluates the Parameters of a JSONPath state's ItemReader
// or ResultWriter, or the Arguments of a JSONata state's (field names
// which).
func (r *stateRun) s3Arguments(params *Template, args *jvalue, input any, field string) (any, *StatesError) {
	if args != nil {
		return r.evalJ(args, r.jenv(input), field+"/Arguments")
	}
	return r.applyTemplate(params, input, "Parameters")
}

// s3Param is a string parameter of an ItemReader or ResultWriter.
func s3Param(params any, key string) string {
	m, _ := params.(map[string]any)
	s, _ := m[key].(string)
	return s
}

// readItems reads the items an ItemReader names.
func (r *stateRun) readItems(ctx context.Context, runner MapRunner, rd *ItemReader, input any, maxItems int64) ([]any, *StatesError) {
	params, err := r.s3Arguments(rd.Parameters, rd.Arguments, input, "ItemReader")
	if err != nil {
		return nil, err
	}
	bucket := s3Param(params, "Bucket")
	if bucket == "" {
		return nil, &StatesError{Name: ErrItemReaderFailed, Cause: "The ItemReader's Parameters must give a Bucket (a string)."}
	}
	readerFailed := func(e error) *StatesError {
		var re *mapruns.ReaderError
		if errors.As(e, &re) {
			return &StatesError{Name: ErrItemReaderFailed, Cause: re.Cause}
		}
		return &StatesError{Name: ErrItemReaderFailed, Cause: e.Error()}
	}
	if rd.Resource == mapruns.ResourceListObjectsV2 {
		objs, lerr := runner.ListObjects(ctx, bucket, s3Param(params, "Prefix"))
		if lerr != nil {
			return nil, readerFailed(lerr)
		}
		return mapruns.ListingItems(objs, maxItems), nil
	}
	key := s3Param(params, "Key")
	if key == "" {
		return nil, &StatesError{Name: ErrItemReaderFailed, Cause: "The ItemReader's Parameters must give a Key (a string)."}
	}
	data, gerr := runner.GetObject(ctx, bucket, key)
	if gerr != nil {
		return nil, readerFailed(gerr)
	}
	cfg := rd.Config
	cfg.MaxItems = maxItems
	if cfg.MaxItems > mapruns.MaxItemsLimit {
		cfg.MaxItems = 0
	}
	if cfg.InputType != mapruns.InputManifest {
		items, rerr := mapruns.ReadItems(cfg, data)
		if rerr != nil {
			return nil, readerFailed(rerr)
		}
		return items, nil
	}
	m, merr := mapruns.ParseManifest(data)
	if merr != nil {
		return nil, readerFailed(merr)
	}
	var items []any
	for _, f := range m.Files {
		fb, ferr := runner.GetObject(ctx, bucket, f.Key)
		if ferr != nil {
			return nil, readerFailed(ferr)
		}
		rows, rerr := m.ManifestItems(fb)
		if rerr != nil {
			return nil, readerFailed(rerr)
		}
		items = append(items, rows...)
		if cfg.MaxItems > 0 && int64(len(items)) >= cfg.MaxItems {
			break
		}
	}
	return mapruns.Limit(items, cfg.MaxItems), nil
}

// childOutcome is how one child execution ended.
type childOutcome struct {
	i   int
	res *Result
}

// runChildren runs one child execution per input, at most the Map Run's
// MaxConcurrency at once, until all have ended or too many items failed.
// It returns every child's record (those never started are PENDING).
func (r *stateRun) runChildren(ctx context.Context, runner MapRunner, run *MapRun, inputs []any, weights []int, totalItems int) ([]mapruns.Child, *StatesError) {
	ex := r.ex
	children := make([]mapruns.Child, len(inputs))
	for i, in := range inputs {
		name := ex.uuid()
		children[i] = mapruns.Child{
			ExecutionArn: run.Arns.Execution(name), Name: name, StateMachineArn: run.Arns.StateMachine,
			Status: mapruns.StatusPending, Input: EncodeJSON(in),
		}
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ch := make(chan childOutcome, len(inputs))
	started, finished, failedItems := 0, 0, 0
	var runErr *StatesError
	start := func() {
		i := started
		started++
		run.count(weights[i], pending, running)
		c := &MapChild{Index: i, Name: children[i].Name, Arn: children[i].ExecutionArn, Input: inputs[i], Start: ex.opts.Clock.Now()}
		children[i].Start = c.Start
		c.Run = func(ctx context.Context, sink EventSink) *Result {
			return RunValue(ctx, r.st.Processor, c.Input, ex.childOptions(run, c, sink))
		}
		runner.MapRunChanged(run)
		ex.hold()
		go func() {
			res := runner.RunChild(cctx, run, c)
			ch <- childOutcome{i, res} // hands the hold to the parent
		}()
	}
	canStart := func() bool {
		if runErr != nil || started >= len(inputs) || ctx.Err() != nil {
			return false
		}
		limit := run.Snapshot().MaxConcurrency
		if limit <= 0 {
			limit = defaultMapConcurrency
		}
		return started-finished < limit
	}
	for {
		for canStart() {
			start()
		}
		if finished == started {
			break
		}
		ex.release()
		var o childOutcome
		select {
		case o = <-ch: // inherits the child's hold
		case <-run.changed: // MaxConcurrency may have grown
			ex.hold()
			continue
		}
		finished++
		c := &children[o.i]
		c.Stop = ex.opts.Clock.Now()
		res := o.res
		if res == nil {
			res = &Result{Status: StatusFailed, Error: &StatesError{Name: ErrRuntime, Cause: "the child execution did not run"}}
		}
		c.Status = res.Status
		switch res.Status {
		case StatusSucceeded:
			c.Output = EncodeJSON(res.Output)
		default:
			if res.Error != nil {
				c.Error, c.Cause = res.Error.Name, res.Error.Cause
			}
			if res.Status != StatusAborted || ctx.Err() == nil {
				failedItems += weights[o.i]
			}
		}
		run.count(weights[o.i], running, endCount(res.Status))
		run.mu.Lock()
		run.items.ResultsWritten += weights[o.i]
		run.runs.ResultsWritten++
		exceeded := run.tolerance.Exceeded(failedItems, totalItems)
		run.mu.Unlock()
		runner.MapRunChanged(run)
		if exceeded && runErr == nil {
			runErr = errThreshold
			cancel(&StatesError{Name: "States.Aborted", Cause: "the Map Run failed"})
		}
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = &StatesError{Name: "States.Aborted", Cause: "cancelled"}
	}
	return children, runErr
}

// childOptions are the options of a child execution: the parent's
// clock, tasks, randomness and Map runner, with the child's identity.
func (ex *execution) childOptions(run *MapRun, c *MapChild, sink EventSink) Options {
	o := ex.opts
	o.Sink = sink
	o.ExecutionArn, o.ExecutionName = c.Arn, c.Name
	o.StateMachineArn = run.Arns.StateMachine
	o.StateMachineName = o.StateMachineArn[strings.LastIndex(o.StateMachineArn, ":")+1:]
	o.Rand = nil
	if ex.opts.Rand != nil {
		ex.rndMu.Lock()
		o.Rand = &lockedSource{seed: ex.rnd.Uint64()}
		ex.rndMu.Unlock()
	}
	return o
}

// lockedSource is a deterministic source for a child execution, seeded
// from its parent's.
type lockedSource struct {
	mu   sync.Mutex
	seed uint64
}

// Uint64 implements rand.Source (splitmix64).
func (s *lockedSource) Uint64() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seed += 0x9e3779b97f4a7c15
	z := s.seed
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// writeResults gives the Map state's result: the children's outputs in
// order, or with a ResultWriter that exports to S3, where it wrote them.
func (r *stateRun) writeResults(ctx context.Context, runner MapRunner, run *MapRun, input any, children []mapruns.Child) (any, *StatesError) {
	w := r.st.Distributed.Writer
	outputs := make([]any, 0, len(children))
	for _, c := range children {
		if c.Status != mapruns.StatusSucceeded {
			outputs = append(outputs, childRecordValue(c))
			continue
		}
		v, err := DecodeJSON([]byte(c.Output))
		if err != nil {
			v = c.Output
		}
		switch {
		case w != nil && w.Transformation == "NONE":
			outputs = append(outputs, childRecordValue(c))
		case w != nil && w.Transformation == "FLATTEN":
			if arr, ok := v.([]any); ok {
				outputs = append(outputs, arr...)
				continue
			}
			outputs = append(outputs, v)
		default:
			outputs = append(outputs, v)
		}
	}
	if w == nil || w.Resource == "" {
		return outputs, nil
	}
	params, err := r.s3Arguments(w.Parameters, w.Arguments, input, "ResultWriter")
	if err != nil {
		return nil, err
	}
	bucket, prefix := s3Param(params, "Bucket"), s3Param(params, "Prefix")
	if bucket == "" {
		return nil, &StatesError{Name: ErrResultWriterFailed, Cause: "The ResultWriter's Parameters must give a Bucket (a string)."}
	}
	files := mapruns.WriteResults(bucket, prefix, run.Arns.MapRun, children)
	for _, f := range files {
		if perr := runner.PutObject(ctx, bucket, f.Key, f.Body); perr != nil {
			return nil, &StatesError{Name: ErrResultWriterFailed, Cause: perr.Error()}
		}
	}
	return map[string]any{
		"MapRunArn": run.Arns.MapRun,
		"ResultWriterDetails": map[string]any{
			"Bucket": bucket, "Key": mapruns.ManifestKey(prefix, run.Arns.MapRun),
		},
	}, nil
}

// childRecordValue is a child's result-file record as a JSON value.
func childRecordValue(c mapruns.Child) any {
	files := mapruns.WriteResults("", "", "x:id", []mapruns.Child{c})
	v, err := DecodeJSON(files[0].Body)
	if err != nil {
		return nil
	}
	arr, _ := v.([]any)
	if len(arr) == 0 {
		return nil
	}
	return arr[0]
}
