package executions

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/sfnresource"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/wire"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// State machine types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// ErrEngineRestarted is the error of executions the engine stopped
// following because it was stopped and that cannot resume when it starts
// again (their definition or mock test case is gone).
const ErrEngineRestarted = "Ecsrun.EngineRestarted"

// TaskStopper stops ECS tasks that executions left running; the engine
// passes the ECS integration.
type TaskStopper interface {
	StopTasks(ctx context.Context, cluster string, taskArns []string, reason string) error
}

// Options configure a Manager.
type Options struct {
	DB *sql.DB
	// Region and Account make the ARNs.
	Region, Account string
	// Tasks runs Task states (the ECS integration); it is the first of
	// the registries the dispatch chain tries (see Dispatcher).
	Tasks workflow.TaskRegistry
	// Registries run the Task states Tasks does not, in order: the first
	// whose Supports(resource) is true runs it.
	Registries []workflow.TaskRegistry
	// Resources decides which Task resources and parameters validate
	// (sfnresource.Checker, every resource AWS accepts, when nil).
	Resources workflow.ResourceChecker
	// Mocks is the engine's mock configuration (ecsrun serve
	// --mock-config, SFN_MOCK_CONFIG): StartExecution with
	// stateMachineArn#TestCase runs that test case (optional).
	Mocks *sfnmock.Config
	// Orphans stops the .sync ECS tasks of executions Recover cannot
	// resume and closes (optional).
	Orphans TaskStopper
	// S3Dir is the local directory S3 objects map to
	// (<S3Dir>/<bucket>/<key>): distributed Map states read their items
	// from it and write their results to it.
	S3Dir string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Rand picks the version of each execution started from an alias
	// that routes to two (a generator seeded at random when nil).
	Rand *rand.Rand
	Log  *slog.Logger
}

// Manager keeps state machines and runs their executions.
type Manager struct {
	opts    Options
	db      db
	ctx     context.Context
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	closing bool
	running map[string]*run
	wg      sync.WaitGroup
	maps    *mapRuns
	routes  router
}

// run is an execution in progress.
type run struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// errClosing cancels the executions of a closing manager; they stay
// RUNNING in the store (Recover resumes them on the next start).
var errClosing = errors.New("executions: the engine is closing")

// Open migrates the store and returns a Manager. Call Recover once the ECS
// API answers, to resume the executions a previous engine left running.
func Open(ctx context.Context, opts Options) (*Manager, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Resources == nil {
		opts.Resources = sfnresource.Checker{}
	}
	if err := store.Migrate(ctx, opts.DB, Component, migrations); err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, opts.DB, VersionsComponent, versionMigrations); err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancelCause(context.Background())
	m := &Manager{opts: opts, db: db{opts.DB}, ctx: mctx, cancel: cancel, running: map[string]*run{}}
	maps, err := openMapRuns(ctx, m)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	m.maps = maps
	return m, nil
}

// Close stops following the running executions without ending them: they
// stay RUNNING in the store, and the next Recover resumes them.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closing = true
	m.mu.Unlock()
	m.cancel(errClosing)
	m.wg.Wait()
}

func (m *Manager) isClosing() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closing
}

func (m *Manager) arn(kind, rest string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:%s:%s", m.opts.Region, m.opts.Account, kind, rest)
}

func (m *Manager) now() time.Time { return m.opts.Now().UTC() }

// Diagnostic is one finding of ValidateDefinition.
type Diagnostic struct {
	Code     string // SCHEMA_VALIDATION_FAILED, INVALID_JSON_DESCRIPTION, MISSING_END_STATE, ...
	Message  string
	Location string // a path like /States/Run/Parameters, or "/"
}

// ValidateDefinition checks a definition as CreateStateMachine would for
// a STANDARD state machine.
func (m *Manager) ValidateDefinition(definition string) []Diagnostic {
	return m.ValidateDefinitionType(definition, TypeStandard)
}

// ValidateDefinitionType checks a definition as CreateStateMachine would
// for a state machine of type typ (STANDARD when empty).
func (m *Manager) ValidateDefinitionType(definition, typ string) []Diagnostic {
	probs := m.problems(definition, typ)
	out := make([]Diagnostic, len(probs))
	for i, p := range probs {
		out[i] = Diagnostic{Code: p.DiagnosticCode(), Message: p.Message, Location: p.Location()}
	}
	return out
}

func (m *Manager) problems(definition, typ string) []workflow.Problem {
	return workflow.Validate([]byte(definition), workflow.ParseOptions{Resources: m.opts.Resources, Express: typ == TypeExpress})
}

func (m *Manager) parse(definition string) (*workflow.StateMachine, error) {
	return m.parseType(definition, TypeStandard)
}

func (m *Manager) parseType(definition, typ string) (*workflow.StateMachine, error) {
	if probs := m.problems(definition, typ); len(probs) > 0 {
		return nil, errorf(ErrInvalidDefinition, "%s", workflow.InvalidDefinitionMessage(probs))
	}
	return workflow.Parse([]byte(definition), workflow.ParseOptions{Resources: m.opts.Resources, Express: typ == TypeExpress})
}

// CreateStateMachine stores a new state machine. Creating one again with
// the same name, definition, role and type returns the existing one.
func (m *Manager) CreateStateMachine(ctx context.Context, name, definition, roleArn, typ string) (*StateMachine, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if typ == "" {
		typ = TypeStandard
	}
	if _, err := m.parseType(definition, typ); err != nil {
		return nil, err
	}
	arn := m.arn(arnStateMachine, name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, err := m.db.stateMachine(ctx, arn); err == nil {
		if old.Definition == definition && old.RoleArn == roleArn && old.Type == typ {
			return old, nil
		}
		return nil, errorf(ErrStateMachineExists, "State Machine Already Exists: '%s'", arn)
	} else if !errors.Is(err, ErrStateMachineDoesNotExist) {
		return nil, err
	}
	now := m.now()
	sm := &StateMachine{Arn: arn, Name: name, Definition: definition, RoleArn: roleArn, Type: typ, Created: now, Updated: now}
	if err := m.db.insertStateMachine(ctx, sm); err != nil {
		return nil, err
	}
	return sm, nil
}

// DescribeStateMachine returns a state machine.
func (m *Manager) DescribeStateMachine(ctx context.Context, arn string) (*StateMachine, error) {
	if _, err := parseArn(arn, arnStateMachine); err != nil {
		return nil, err
	}
	return m.db.stateMachine(ctx, arn)
}

// UpdateStateMachine changes a state machine's definition and/or role
// (nil leaves it), making a new revision; an update that changes nothing
// keeps the revision.
func (m *Manager) UpdateStateMachine(ctx context.Context, arn string, definition, roleArn *string) (*StateMachine, error) {
	if definition == nil && roleArn == nil {
		return nil, errorf(ErrMissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	sm, err := m.stateMachine(ctx, arn)
	if err != nil {
		return nil, err
	}
	if (definition == nil || *definition == sm.Definition) && (roleArn == nil || *roleArn == sm.RoleArn) {
		return sm, nil
	}
	if definition != nil {
		if _, err := m.parseType(*definition, sm.Type); err != nil {
			return nil, err
		}
		sm.Definition = *definition
	}
	if roleArn != nil {
		sm.RoleArn = *roleArn
	}
	sm.Updated, sm.RevisionID = m.now(), newUUID()
	if err := m.db.updateStateMachine(ctx, sm); err != nil {
		return nil, err
	}
	return sm, nil
}

// DeleteStateMachine deletes a state machine; its executions keep running
// and stay describable.
func (m *Manager) DeleteStateMachine(ctx context.Context, arn string) error {
	if _, err := parseArn(arn, arnStateMachine); err != nil {
		return err
	}
	if err := deleteVersionsAndAliases(ctx, m.db, arn); err != nil {
		return err
	}
	return m.db.deleteStateMachine(ctx, arn)
}

// page decodes a paging token (an offset).
func page(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(b), "o:")); err == nil && n >= 0 && strings.HasPrefix(string(b), "o:") {
			return n, nil
		}
	}
	return 0, errorf(ErrInvalidToken, "Invalid Token: 'Invalid token'")
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func pageSize(max int32) int {
	if max <= 0 {
		return 100
	}
	return int(max)
}

// ListStateMachines lists state machines by name.
func (m *Manager) ListStateMachines(ctx context.Context, maxResults int32, token string) ([]*StateMachine, string, error) {
	off, err := page(token)
	if err != nil {
		return nil, "", err
	}
	n := pageSize(maxResults)
	sms, err := m.db.stateMachines(ctx, off, n+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(sms) > n {
		sms, next = sms[:n], pageToken(off+n)
	}
	return sms, next, nil
}

// StartOptions tune one execution.
type StartOptions struct {
	// Name of the execution (a UUID when empty).
	Name string
	// Input is the JSON input ("{}" when empty).
	Input string
	// DelayScale shortens (or lengthens) Wait states and retry delays
	// (1 when 0).
	DelayScale float64
	// Mocks is a mock configuration given with this start (ecsrun
	// workflow run --mock-config); the engine's (Options.Mocks) when nil.
	Mocks *sfnmock.Config
}

// StartExecution starts an execution of the state machine arn: a state
// machine's, a version's (stateMachine:NAME:3) or an alias's
// (stateMachine:NAME:PROD, which picks one of its versions by weight).
// Starting one again with the same name and input while it runs returns
// it. As in Step Functions Local, arn may end with #TestCase: the
// execution then answers the Task states that test case of the mock
// configuration names with their mocked responses.
func (m *Manager) StartExecution(ctx context.Context, arn string, o StartOptions) (*Execution, error) {
	arn, testCase := sfnmock.SplitTestCase(arn)
	sm, versionArn, aliasArn, err := m.resolveStart(ctx, arn)
	if err != nil {
		return nil, err
	}
	mocks, err := m.mocks(sm, testCase, o.Mocks)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = newUUID()
	}
	if err := checkName(o.Name); err != nil {
		return nil, err
	}
	if o.Input == "" {
		o.Input = "{}"
	}
	input, err := workflow.DecodeJSON([]byte(o.Input))
	if err != nil {
		return nil, errorf(ErrInvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}
	if o.DelayScale <= 0 {
		o.DelayScale = 1
	}
	parsed, err := m.parse(sm.Definition)
	if err != nil {
		return nil, err
	}
	ex := &Execution{
		Arn: m.arn(arnExecution, sm.Name+":"+o.Name), StateMachineArn: sm.Arn, Name: o.Name, Status: StatusRunning,
		Input: o.Input, Start: m.now(), Definition: sm.Definition, RoleArn: sm.RoleArn, DelayScale: o.DelayScale,
		VersionArn: versionArn, AliasArn: aliasArn,
		Secret: newSecret(), TestCase: testCase,
	}
	m.mu.Lock()
	if m.closing {
		m.mu.Unlock()
		return nil, errors.New("executions: the engine is closing")
	}
	if old, err := m.db.execution(ctx, ex.Arn); err == nil {
		m.mu.Unlock()
		if old.Status == StatusRunning && old.Input == ex.Input {
			return old, loadExecutionRefs(ctx, m.db, old)
		}
		return nil, errorf(ErrExecutionExists, "Execution Already Exists: '%s'", ex.Arn)
	} else if !errors.Is(err, ErrExecutionDoesNotExist) {
		m.mu.Unlock()
		return nil, err
	}
	if err := putExecutionRefs(ctx, m.db, ex); err != nil {
		m.mu.Unlock()
		return nil, err
	}
	if err := m.db.insertExecution(ctx, ex); err != nil {
		m.mu.Unlock()
		return nil, err
	}
	started := m.launch(ex, sm, parsed, input, mocks, replay{})
	m.mu.Unlock()
	select {
	case <-started:
	case <-ctx.Done():
	}
	return ex, nil
}

// mocks returns the mocks of a test case (nil without one).
func (m *Manager) mocks(sm *StateMachine, testCase string, given *sfnmock.Config) (*sfnmock.Mocks, error) {
	if testCase == "" {
		return nil, nil
	}
	cfg := given
	if cfg == nil {
		cfg = m.opts.Mocks
	}
	if cfg == nil {
		return nil, errorf(ErrValidation, "Test case %q was asked for (stateMachineArn#%s), but the engine has no mock configuration: start ecsrun serve with --mock-config FILE (or SFN_MOCK_CONFIG=FILE), or use ecsrun workflow run --mock-config FILE --test-case NAME", testCase, testCase)
	}
	mocks, err := cfg.TestCase(sm.Name, testCase)
	if err != nil {
		return nil, errorf(ErrValidation, "%v", err)
	}
	return mocks, nil
}

// launch runs an execution in a goroutine (resuming it from rp.history
// when given); the returned channel closes once its first new event is
// stored. Call with m.mu held.
func (m *Manager) launch(ex *Execution, sm *StateMachine, parsed *workflow.StateMachine, input any, mocks *sfnmock.Mocks, rp replay) <-chan struct{} {
	ctx, cancel := context.WithCancelCause(m.ctx)
	r := &run{cancel: cancel, done: make(chan struct{})}
	m.running[ex.Arn] = r
	sink := &sink{m: m, arn: ex.Arn, started: make(chan struct{})}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(r.done)
		defer cancel(nil)
		res := workflow.RunValue(ctx, parsed, input, workflow.Options{
			Clock: workflow.RealClock{}, Tasks: NewDispatcher(mocks, append([]workflow.TaskRegistry{m.opts.Tasks}, m.opts.Registries...)...), Sink: sink,
			Region: m.opts.Region, DelayScale: ex.DelayScale, MapRuns: m.maps,
			ExecutionArn: ex.Arn, ExecutionName: ex.Name, StateMachineArn: sm.Arn, StateMachineName: sm.Name, RoleArn: ex.RoleArn,
			Key: ex.Secret, History: rp.history, Redrive: rp.redrive, RedriveCount: ex.RedriveCount,
		})
		sink.markStarted()
		m.finish(ex, res)
	}()
	return sink.started
}

// sink stores an execution's events as the interpreter emits them.
type sink struct {
	m       *Manager
	arn     string
	once    sync.Once
	started chan struct{}
}

func (s *sink) markStarted() { s.once.Do(func() { close(s.started) }) }

func (s *sink) Emit(ev sfnmodel.HistoryEvent) {
	if s.m.isClosing() {
		return
	}
	if err := s.m.db.appendEvent(context.Background(), s.arn, ev); err != nil {
		s.m.opts.Log.Error("store execution event", "execution", s.arn, "err", err)
	}
	s.markStarted()
}

// finish records how an execution ended.
// The execution leaves m.running only once its end is stored, so Wait and
// DescribeExecution never see it RUNNING after it ended.
func (m *Manager) finish(ex *Execution, res *workflow.Result) {
	defer func() {
		m.mu.Lock()
		delete(m.running, ex.Arn)
		m.mu.Unlock()
	}()
	if m.isClosing() {
		return
	}
	done := *ex
	done.Status, done.Stop = res.Status, m.now()
	switch res.Status {
	case workflow.StatusSucceeded:
		done.Output = workflow.EncodeJSON(res.Output)
	case workflow.StatusFailed, workflow.StatusAborted:
		if res.Error != nil {
			done.Error, done.Cause = res.Error.Name, res.Error.Cause
		}
	}
	if _, err := m.db.closeExecution(context.Background(), &done); err != nil {
		m.opts.Log.Error("close execution", "execution", ex.Arn, "err", err)
	}
}

// DescribeExecution returns an execution.
func (m *Manager) DescribeExecution(ctx context.Context, arn string) (*Execution, error) {
	if _, err := parseArn(arn, arnExecution); err != nil {
		return nil, err
	}
	ex, err := m.db.execution(ctx, arn)
	if err != nil {
		return nil, err
	}
	return ex, loadExecutionRefs(ctx, m.db, ex)
}

// Wait blocks until the execution ends (or ctx does) and returns it.
func (m *Manager) Wait(ctx context.Context, arn string) (*Execution, error) {
	m.mu.Lock()
	r := m.running[arn]
	m.mu.Unlock()
	if r != nil {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return m.DescribeExecution(ctx, arn)
}

// StartSyncExecution runs an execution of an EXPRESS state machine (or
// of its version or alias) to its end.
func (m *Manager) StartSyncExecution(ctx context.Context, arn string, o StartOptions) (*Execution, error) {
	base, _ := sfnmock.SplitTestCase(arn)
	q, err := parseQualified(base)
	if err != nil {
		return nil, err
	}
	sm, err := m.db.stateMachine(ctx, q.base)
	if err != nil {
		if errors.Is(err, ErrStateMachineDoesNotExist) {
			return nil, errorf(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
		}
		return nil, err
	}
	if sm.Type != TypeExpress {
		return nil, errorf(ErrStateMachineType, "This operation is not supported by this type of state machine")
	}
	ex, err := m.StartExecution(ctx, arn, o)
	if err != nil {
		return nil, err
	}
	return m.Wait(ctx, ex.Arn)
}

// ListExecutions lists a state machine's executions (or a version's or an
// alias's), newest first, optionally only those with a status.
func (m *Manager) ListExecutions(ctx context.Context, smArn, status string, maxResults int32, token string) ([]*Execution, string, error) {
	return m.ListExecutionsRedriven(ctx, smArn, status, "", maxResults, token)
}

// ListExecutionsRedriven is ListExecutions with ListExecutions'
// redriveFilter: "REDRIVEN", "NOT_REDRIVEN" or "" (all).
func (m *Manager) ListExecutionsRedriven(ctx context.Context, smArn, status, redriven string, maxResults int32, token string) ([]*Execution, string, error) {
	off, err := page(token)
	if err != nil {
		return nil, "", err
	}
	n := pageSize(maxResults)
	exs, err := m.listExecutions(ctx, smArn, status, redriven, off, n+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(exs) > n {
		exs, next = exs[:n], pageToken(off+n)
	}
	return exs, next, nil
}

// StopExecution aborts a running execution with an optional error and
// cause; it returns the execution as it ended. Stopping an execution that
// has ended changes nothing.
func (m *Manager) StopExecution(ctx context.Context, arn, errName, cause string) (*Execution, error) {
	ex, err := m.DescribeExecution(ctx, arn)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	r := m.running[arn]
	m.mu.Unlock()
	if r != nil {
		r.cancel(workflow.NewStatesError(errName, cause))
		return m.Wait(ctx, arn)
	}
	if ex.Status != StatusRunning {
		return ex, nil
	}
	// Running in the store but followed by no one (cannot happen after
	// Recover): close it here.
	return m.closeOrphan(ctx, ex, workflow.StatusAborted, errName, cause, &sfnmodel.HistoryEvent{
		Type:                         sfnmodel.HistoryEventTypeExecutionAborted,
		ExecutionAbortedEventDetails: &sfnmodel.ExecutionAbortedEventDetails{Error: errName, Cause: cause},
	})
}

// closeOrphan ends an execution nobody runs, with a last event.
func (m *Manager) closeOrphan(ctx context.Context, ex *Execution, status, errName, cause string, ev *sfnmodel.HistoryEvent) (*Execution, error) {
	last, err := m.db.lastEventID(ctx, ex.Arn)
	if err != nil {
		return nil, err
	}
	zero := int64(0)
	ev.Id, ev.PreviousEventId, ev.Timestamp = last+1, &zero, wire.At(m.now())
	if err := m.db.appendEvent(ctx, ex.Arn, *ev); err != nil {
		return nil, err
	}
	done := *ex
	done.Status, done.Error, done.Cause, done.Stop = status, errName, cause, m.now()
	if _, err := m.db.closeExecution(ctx, &done); err != nil {
		return nil, err
	}
	return &done, nil
}

// HistoryPage is a page of GetExecutionHistory.
type HistoryPage struct {
	Events    []sfnmodel.HistoryEvent
	NextToken string
}

// GetExecutionHistory returns an execution's events, oldest first (newest
// first when reverse), without the inputs and outputs when !includeData.
func (m *Manager) GetExecutionHistory(ctx context.Context, arn string, maxResults int32, token string, reverse, includeData bool) (*HistoryPage, error) {
	if _, err := m.DescribeExecution(ctx, arn); err != nil {
		return nil, err
	}
	from := int64(0)
	if reverse {
		from = 1 << 62
	}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, perr := strconv.ParseInt(strings.TrimPrefix(string(b), "e:"), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "e:") {
			return nil, errorf(ErrInvalidToken, "Invalid Token: 'Invalid token'")
		}
		from = n
	}
	n := pageSize(maxResults)
	evs, err := m.db.events(ctx, arn, from, reverse, n+1)
	if err != nil {
		return nil, err
	}
	p := &HistoryPage{Events: evs}
	if len(evs) > n {
		p.Events = evs[:n]
		p.NextToken = base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(evs[n-1].Id, 10)))
	}
	if !includeData {
		for i := range p.Events {
			stripData(&p.Events[i])
		}
	}
	return p, nil
}

// stripData removes the inputs and outputs of an event
// (includeExecutionData false).
func stripData(ev *sfnmodel.HistoryEvent) {
	if d := ev.ExecutionStartedEventDetails; d != nil {
		c := *d
		c.Input, c.InputDetails = "", nil
		ev.ExecutionStartedEventDetails = &c
	}
	if d := ev.ExecutionSucceededEventDetails; d != nil {
		c := *d
		c.Output, c.OutputDetails = "", nil
		ev.ExecutionSucceededEventDetails = &c
	}
	if d := ev.StateEnteredEventDetails; d != nil {
		c := *d
		c.Input, c.InputDetails = "", nil
		ev.StateEnteredEventDetails = &c
	}
	if d := ev.StateExitedEventDetails; d != nil {
		c := *d
		c.Output, c.OutputDetails = "", nil
		ev.StateExitedEventDetails = &c
	}
	if d := ev.TaskScheduledEventDetails; d != nil {
		c := *d
		c.Parameters = ""
		ev.TaskScheduledEventDetails = &c
	}
	if d := ev.TaskSubmittedEventDetails; d != nil {
		c := *d
		c.Output, c.OutputDetails = "", nil
		ev.TaskSubmittedEventDetails = &c
	}
	if d := ev.TaskSucceededEventDetails; d != nil {
		c := *d
		c.Output, c.OutputDetails = "", nil
		ev.TaskSucceededEventDetails = &c
	}
}

// inFlightTasks returns, by cluster, the ECS tasks that .sync states
// submitted and were still waiting for at the end of the history.
func inFlightTasks(evs []sfnmodel.HistoryEvent) map[string][]string {
	type task struct{ cluster string }
	open := map[string]task{}
	var order []string
	taskOf := func(text string) (arn, cluster string) {
		v, err := workflow.DecodeJSON([]byte(text))
		if err != nil {
			return "", ""
		}
		m, _ := v.(map[string]any)
		if ts, ok := m["Tasks"].([]any); ok && len(ts) > 0 {
			m, _ = ts[0].(map[string]any)
		}
		arn, _ = m["TaskArn"].(string)
		cluster, _ = m["ClusterArn"].(string)
		return arn, cluster
	}
	for _, ev := range evs {
		switch {
		case ev.TaskSubmittedEventDetails != nil && ev.TaskSubmittedEventDetails.Resource == "runTask.sync":
			if arn, cluster := taskOf(ev.TaskSubmittedEventDetails.Output); arn != "" {
				open[arn] = task{cluster}
				order = append(order, arn)
			}
		case ev.TaskSucceededEventDetails != nil && ev.TaskSucceededEventDetails.Resource == "runTask.sync":
			arn, _ := taskOf(ev.TaskSucceededEventDetails.Output)
			delete(open, arn)
		case ev.TaskFailedEventDetails != nil && ev.TaskFailedEventDetails.Resource == "runTask.sync":
			arn, _ := taskOf(ev.TaskFailedEventDetails.Cause)
			delete(open, arn)
		}
	}
	out := map[string][]string{}
	for _, arn := range order {
		if t, ok := open[arn]; ok {
			out[t.cluster] = append(out[t.cluster], arn)
			delete(open, arn)
		}
	}
	return out
}
