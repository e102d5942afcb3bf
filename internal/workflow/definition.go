package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// State types.
const (
	TypeTask     = "Task"
	TypePass     = "Pass"
	TypeChoice   = "Choice"
	TypeWait     = "Wait"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// StateMachine is a parsed and validated definition (or one branch of a
// Parallel state, or a Map state's item processor).
type StateMachine struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	Order          []string // state names in definition order
	TimeoutSeconds int64    // 0: none
	Version        string
}

// OptPath is an optional JSONPath field that may be explicitly null.
type OptPath struct {
	Set  bool  // the field was present
	Null bool  // it was null
	Path *Path // the path when present and not null
}

// Retrier is one element of a Retry array.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds float64 // 0: none
	JitterStrategy  string  // "FULL" or "NONE"
}

// Catcher is one element of a Catch array.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  OptPath
	Assign      *Assignment // variables set when it catches
	Output      *jvalue     // JSONata: the state's output when it catches
}

// ChoiceRule is a Choice state rule (top level when Next is set) or a
// nested rule inside And/Or/Not.
type ChoiceRule struct {
	Next      string
	Variable  *Path
	Operator  string // e.g. "StringEquals", "NumericLessThanPath", "IsPresent"
	Value     any    // literal operand
	ValuePath *Path  // operand of a ...Path operator
	And, Or   []*ChoiceRule
	Not       *ChoiceRule
	Condition *jvalue     // JSONata rules: a boolean expression
	Assign    *Assignment // top-level rules: variables set when it matches
	Output    *jvalue     // JSONata rules: the state's output when it matches
}

// State is one state of a state machine. Fields not used by the state's
// Type are zero.
type State struct {
	Name    string
	Type    string
	Comment string
	Next    string
	End     bool

	InputPath      OptPath
	OutputPath     OptPath
	ResultPath     OptPath
	Parameters     *Template
	ResultSelector *Template
	Result         any
	HasResult      bool

	// Task
	Resource             string
	TimeoutSeconds       int64 // 0: not set
	TimeoutSecondsPath   *Path
	HeartbeatSeconds     int64
	HeartbeatSecondsPath *Path
	Credentials          any

	Retry []Retrier
	Catch []Catcher

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       *int64
	Timestamp     *time.Time
	SecondsPath   *Path
	TimestampPath *Path

	// Fail
	Error     string
	Cause     string
	ErrorPath *Template // a path or an intrinsic, held as a one-value template
	CausePath *Template

	// Parallel
	Branches []*StateMachine

	// Map
	Processor          *StateMachine
	ItemsPath          OptPath
	ItemSelector       *Template
	MaxConcurrency     int64
	MaxConcurrencyPath *Path
	Label              string
	// Failures of items a Map state tolerates (nil: none), as a count or
	// a percentage of the items, or paths to them.
	ToleratedFailureCount          *int64
	ToleratedFailurePercentage     *float64
	ToleratedFailureCountPath      *Path
	ToleratedFailurePercentagePath *Path
	// Distributed is set when the Map state runs in DISTRIBUTED mode.
	Distributed *DistributedMap

	// JSONata is set when the state's QueryLanguage (its own or the state
	// machine's) is JSONata; jx then holds its expression fields.
	JSONata bool
	jx      jsonataFields
	// Assign sets variables when the state exits (for a Choice state,
	// when it follows Default).
	Assign *Assignment
}

// ResourceChecker reports whether a Task Resource ARN is supported and,
// when it is not, what is.
type ResourceChecker interface {
	Supports(resource string) bool
	Supported() []string
}

// ResourceExplainer is implemented by resource checkers that say why a
// resource they do not support is wrong; the validator then reports that
// instead of the list of supported resources.
type ResourceExplainer interface {
	// Unsupported says why resource is refused ("" when it is not).
	Unsupported(resource string) string
}

// ParseOptions tune Parse.
type ParseOptions struct {
	// Resources decides which Task resources validate. Nil means the
	// default ECS resources (see DefaultResources).
	Resources ResourceChecker
	// Express validates for an EXPRESS state machine, which refuses the
	// .sync and .waitForTaskToken patterns and activities.
	Express bool
}

// ECS task resources the engine supports.
const (
	ResourceECSRunTask             = "arn:aws:states:::ecs:runTask"
	ResourceECSRunTaskSync         = "arn:aws:states:::ecs:runTask.sync"
	ResourceECSRunTaskWaitForToken = "arn:aws:states:::ecs:runTask.waitForTaskToken"
)

type resourceList []string

func (r resourceList) Supports(s string) bool { return slices.Contains(r, s) }
func (r resourceList) Supported() []string    { return r }

// DefaultResources is the resource checker for the ECS resources.
func DefaultResources() ResourceChecker {
	return resourceList{ResourceECSRunTask, ResourceECSRunTaskSync, ResourceECSRunTaskWaitForToken}
}

// Parse decodes and validates a definition in JSON. It returns a
// *ValidationError (errors.Is ErrInvalidDefinition) listing every problem.
func Parse(definition []byte, opts ParseOptions) (*StateMachine, error) {
	if opts.Resources == nil {
		opts.Resources = DefaultResources()
	}
	v, err := DecodeJSON(definition)
	if err != nil {
		return nil, &ValidationError{Problems: []Problem{{Message: "definition is not valid JSON: " + err.Error()}}}
	}
	p := &parser{opts: opts}
	p.probs.list = append(p.probs.list, duplicateStates(definition)...)
	sm := p.machine(v, "", true)
	p.checkStateNames()
	if len(p.probs.list) > 0 {
		return nil, &ValidationError{Problems: p.probs.list}
	}
	return sm, nil
}

type parser struct {
	opts  ParseOptions
	probs problems
	// machines: every (sub-)machine parsed, with where it is.
	machines []machineAt
	// jsonataDefault: the enclosing state machine's QueryLanguage is
	// JSONata.
	jsonataDefault bool
}

type machineAt struct {
	sm *StateMachine
	at string
}

var topFields = []string{"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"}
var branchFields = []string{"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"}

var commonFields = []string{"Type", "Comment", "QueryLanguage"}

var stateFields = map[string][]string{
	TypePass:     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
	TypeTask:     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch", "Credentials"},
	TypeChoice:   {"InputPath", "OutputPath", "Choices", "Default"},
	TypeWait:     {"Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
	TypeSucceed:  {"InputPath", "OutputPath"},
	TypeFail:     {"Error", "Cause", "ErrorPath", "CausePath"},
	TypeParallel: {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch"},
	TypeMap:      {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath", "Label", "ToleratedFailureCount", "ToleratedFailurePercentage", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher", "ResultWriter"},
}

func (p *parser) checkQueryLanguage(obj map[string]any, at string) {
	if ql, ok := obj["QueryLanguage"]; ok {
		switch ql {
		case QueryLanguageJSONPath:
			if p.jsonataDefault {
				p.probs.add(at+"/QueryLanguage", "a state machine inside a JSONata one cannot use JSONPath")
			}
		case QueryLanguageJSONata:
			p.jsonataDefault = true
		default:
			p.probs.add(at+"/QueryLanguage", "must be \"JSONPath\" or \"JSONata\"")
		}
	}
}

func (p *parser) machine(v any, at string, top bool) *StateMachine {
	obj, ok := v.(map[string]any)
	if !ok {
		p.probs.add(at, "must be an object")
		return nil
	}
	allowed := branchFields
	if top {
		allowed = topFields
	}
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(allowed, k) {
			p.probs.add(at+"/"+k, "field is not allowed here")
		}
	}
	savedQL := p.jsonataDefault
	defer func() { p.jsonataDefault = savedQL }()
	p.checkQueryLanguage(obj, at)
	sm := &StateMachine{States: map[string]*State{}}
	sm.Comment = p.str(obj, "Comment", at, false)
	if !p.requiredFields(obj, at, "States", "StartAt") {
		// One problem for the missing fields, not a cascade of them.
		if _, ok := obj["StartAt"]; ok {
			sm.StartAt = p.str(obj, "StartAt", at, true)
		}
		return sm
	}
	sm.StartAt = p.str(obj, "StartAt", at, true)
	if top {
		if _, ok := obj["TimeoutSeconds"]; ok {
			sm.TimeoutSeconds = p.posInt(obj, "TimeoutSeconds", at, 1, 99999999)
		}
		if ver, ok := obj["Version"]; ok && ver != "1.0" {
			p.probs.add(at+"/Version", "must be \"1.0\"")
		}
		sm.Version = "1.0"
	}
	states, ok := obj["States"].(map[string]any)
	if !ok {
		p.probs.add(at+"/States", "must be an object")
		return sm
	}
	if len(states) == 0 {
		p.probs.add(at+"/States", "must contain at least one state")
	}
	// Definition order (and duplicate detection) is recovered by the
	// caller through orderedKeys when available; map order otherwise.
	sm.Order = sortedKeys(states)
	p.machines = append(p.machines, machineAt{sm, at})
	for _, name := range sm.Order {
		sat := at + "/States/" + name
		if len(name) > 80 {
			p.probs.addCode(CodeInvalidStateName, sat, "state name must be at most 80 characters")
		}
		st := p.state(name, states[name], sat)
		if st != nil {
			sm.States[name] = st
		}
	}
	if sm.StartAt != "" {
		if _, ok := states[sm.StartAt]; !ok {
			p.probs.addCode(CodeMissingTransitionTarget, at+"/StartAt", "%q is not a state of this state machine", sm.StartAt)
		}
	}
	p.checkTransitions(sm, at, states)
	return sm
}

// checkTransitions checks the targets of sm's transitions against the
// names declared in states (a state that did not parse is still a target),
// that some state ends the machine and that every state can be reached.
func (p *parser) checkTransitions(sm *StateMachine, at string, states map[string]any) {
	check := func(from, field, to string) {
		if to == "" {
			return
		}
		if _, ok := states[to]; !ok {
			p.probs.addCode(CodeMissingTransitionTarget, at+"/States/"+from+"/"+field, "%q is not a state of this state machine", to)
		}
	}
	for _, name := range sm.Order {
		st := sm.States[name]
		if st == nil {
			continue
		}
		check(name, "Next", st.Next)
		check(name, "Default", st.Default)
		for i, c := range st.Choices {
			check(name, fmt.Sprintf("Choices/%d/Next", i), c.Next)
		}
		for i, c := range st.Catch {
			check(name, fmt.Sprintf("Catch/%d/Next", i), c.Next)
		}
	}
	// No terminal state (statelint's rule); a dangling transition is
	// reported instead, being the likelier mistake.
	terminal, dangling := false, false
	for _, st := range sm.States {
		if st.End || st.Type == TypeSucceed || st.Type == TypeFail {
			terminal = true
		}
		if _, ok := sm.States[st.Next]; st.Next != "" && !ok {
			dangling = true
		}
	}
	if len(sm.States) < len(states) {
		return // a state did not parse: what follows would only cascade
	}
	if !terminal && !dangling && len(sm.States) > 0 {
		p.probs.addCode(CodeMissingEndState, at+"/States", "no terminal state: at least one state must have \"End\": true or be a Succeed or Fail state")
	}
	// Reachability from StartAt.
	if _, ok := sm.States[sm.StartAt]; !ok {
		return
	}
	seen := map[string]bool{}
	queue := []string{sm.StartAt}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] {
			continue
		}
		seen[n] = true
		st := sm.States[n]
		if st == nil {
			continue
		}
		var next []string
		next = append(next, st.Next, st.Default)
		for _, c := range st.Choices {
			next = append(next, c.Next)
		}
		for _, c := range st.Catch {
			next = append(next, c.Next)
		}
		for _, x := range next {
			if _, ok := sm.States[x]; ok && !seen[x] {
				queue = append(queue, x)
			}
		}
	}
	for _, name := range sm.Order {
		if _, ok := sm.States[name]; ok && !seen[name] {
			p.probs.add(at+"/States/"+name, "state is not reachable from StartAt %q", sm.StartAt)
		}
	}
}

func (p *parser) str(obj map[string]any, key, at string, required bool) string {
	v, ok := obj[key]
	if !ok {
		if required {
			p.probs.add(at, "missing required field %q", key)
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.probs.add(at+"/"+key, "must be a string")
		return ""
	}
	if required && s == "" {
		p.probs.add(at+"/"+key, "must not be empty")
	}
	return s
}

func (p *parser) posInt(obj map[string]any, key, at string, lo, hi int64) int64 {
	v := obj[key]
	n, ok := isInteger(v)
	if !ok {
		p.probs.add(at+"/"+key, "must be an integer")
		return 0
	}
	if n < lo {
		p.probs.add(at+"/"+key, "must be >= %d", lo)
		return 0
	}
	if hi > 0 && n > hi {
		p.probs.add(at+"/"+key, "must be <= %d", hi)
		return 0
	}
	return n
}

func (p *parser) path(obj map[string]any, key, at string, ref bool) OptPath {
	v, ok := obj[key]
	if !ok {
		return OptPath{}
	}
	if v == nil {
		return OptPath{Set: true, Null: true}
	}
	s, ok := v.(string)
	if !ok {
		p.probs.add(at+"/"+key, "must be a string or null")
		return OptPath{Set: true}
	}
	var pp *Path
	var err error
	if ref {
		pp, err = ParseReferencePath(trimPath(s))
	} else {
		pp, err = ParsePath(trimPath(s))
	}
	if err != nil {
		p.probs.add(at+"/"+key, "%v", err)
		return OptPath{Set: true}
	}
	return OptPath{Set: true, Path: pp}
}

func (p *parser) refPath(obj map[string]any, key, at string) *Path {
	op := p.path(obj, key, at, true)
	if op.Null {
		p.probs.add(at+"/"+key, "must be a string")
	}
	return op.Path
}

func (p *parser) state(name string, v any, at string) *State {
	obj, ok := v.(map[string]any)
	if !ok {
		p.probs.add(at, "must be an object")
		return nil
	}
	st := &State{Name: name}
	st.Type = p.str(obj, "Type", at, true)
	allowed, ok := stateFields[st.Type]
	st.JSONata = p.stateIsJSONata(obj, at)
	if st.JSONata {
		allowed = jsonataStateFields[st.Type]
	} else if st.Type != TypeSucceed && st.Type != TypeFail {
		allowed = append(slices.Clip(allowed), "Assign")
	}
	if !ok {
		if st.Type != "" {
			p.probs.add(at+"/Type", "The field 'Type' should have one of these values: %s", stateTypes)
		}
		return nil
	}
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(allowed, k) && !slices.Contains(commonFields, k) {
			p.probs.add(at+"/"+k, "field is not allowed in a %s state", st.Type)
		}
	}
	st.Comment = p.str(obj, "Comment", at, false)

	// Transitions.
	if slices.Contains(allowed, "Next") {
		_, hasNext := obj["Next"]
		endV, hasEnd := obj["End"]
		if hasNext {
			st.Next = p.str(obj, "Next", at, true)
		}
		if hasEnd {
			b, ok := endV.(bool)
			if !ok {
				p.probs.add(at+"/End", "must be a boolean")
			}
			st.End = b
			if !b {
				p.probs.add(at+"/End", "must be true when present")
			}
		}
		switch {
		case hasNext && hasEnd:
			p.probs.add(at, "must have exactly one of \"Next\" and \"End\", not both")
		case !hasNext && !hasEnd:
			p.probs.add(at, "must have \"Next\" or \"End\": true")
		}
	}

	if st.JSONata {
		p.jsonataState(st, obj, at)
		if st.Type == TypeParallel {
			p.branches(st, obj, at)
		}
		if slices.Contains(allowed, "Retry") {
			p.retry(st, obj, at)
			p.catch(st, obj, at)
		}
		return st
	}
	st.Assign = p.assignment(obj, at, false)

	// Data flow.
	st.InputPath = p.path(obj, "InputPath", at, false)
	st.OutputPath = p.path(obj, "OutputPath", at, false)
	st.ResultPath = p.path(obj, "ResultPath", at, true)
	if st.ResultPath.Path != nil && st.ResultPath.Path.context {
		p.probs.add(at+"/ResultPath", "must not refer to the context object")
	}
	if pv, ok := obj["Parameters"]; ok {
		st.Parameters = p.template(pv, at+"/Parameters")
	}
	if pv, ok := obj["ResultSelector"]; ok {
		st.ResultSelector = p.template(pv, at+"/ResultSelector")
	}
	if rv, ok := obj["Result"]; ok {
		st.Result, st.HasResult = rv, true
	}

	switch st.Type {
	case TypeTask:
		p.task(st, obj, at)
	case TypeChoice:
		p.choice(st, obj, at)
	case TypeWait:
		p.wait(st, obj, at)
	case TypeFail:
		st.Error = p.str(obj, "Error", at, false)
		st.Cause = p.str(obj, "Cause", at, false)
		st.ErrorPath = p.pathOrIntrinsic(obj, "ErrorPath", at)
		st.CausePath = p.pathOrIntrinsic(obj, "CausePath", at)
		if _, ok := obj["Error"]; ok && st.ErrorPath != nil {
			p.probs.add(at, "must not have both \"Error\" and \"ErrorPath\"")
		}
		if _, ok := obj["Cause"]; ok && st.CausePath != nil {
			p.probs.add(at, "must not have both \"Cause\" and \"CausePath\"")
		}
	case TypeParallel:
		p.branches(st, obj, at)
	case TypeMap:
		p.mapState(st, obj, at)
	}
	if slices.Contains(allowed, "Retry") {
		p.retry(st, obj, at)
		p.catch(st, obj, at)
	}
	return st
}

func (p *parser) pathOrIntrinsic(obj map[string]any, key, at string) *Template {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		p.probs.add(at+"/"+key, "must be a string")
		return nil
	}
	t := &Template{}
	if IsIntrinsic(s) {
		c, err := ParseIntrinsic(s)
		if err != nil {
			p.probs.add(at+"/"+key, "%v", err)
			return nil
		}
		t.intrinsic = c
		return t
	}
	pp, err := ParseReferencePath(trimPath(s))
	if err != nil {
		p.probs.add(at+"/"+key, "%v", err)
		return nil
	}
	t.path = pp
	return t
}

func (p *parser) task(st *State, obj map[string]any, at string) {
	st.Resource = p.str(obj, "Resource", at, true)
	if st.Resource != "" && !p.opts.Resources.Supports(st.Resource) {
		if ex, ok := p.opts.Resources.(ResourceExplainer); ok {
			p.probs.add(at+"/Resource", "%s", ex.Unsupported(st.Resource))
		} else {
			p.probs.add(at+"/Resource", "resource %q is not supported; supported resources: %s",
				st.Resource, strings.Join(p.opts.Resources.Supported(), ", "))
		}
	}
	if p.opts.Express && st.Resource != "" {
		p.checkExpress(st.Resource, at+"/Resource")
	}
	_, hasT := obj["TimeoutSeconds"]
	_, hasTP := obj["TimeoutSecondsPath"]
	_, hasH := obj["HeartbeatSeconds"]
	_, hasHP := obj["HeartbeatSecondsPath"]
	if hasT {
		st.TimeoutSeconds = p.posInt(obj, "TimeoutSeconds", at, 1, 99999999)
	}
	if hasTP {
		st.TimeoutSecondsPath = p.refPath(obj, "TimeoutSecondsPath", at)
	}
	if hasH {
		st.HeartbeatSeconds = p.posInt(obj, "HeartbeatSeconds", at, 1, 99999999)
	}
	if hasHP {
		st.HeartbeatSecondsPath = p.refPath(obj, "HeartbeatSecondsPath", at)
	}
	if hasT && hasTP {
		p.probs.add(at, "must not have both \"TimeoutSeconds\" and \"TimeoutSecondsPath\"")
	}
	if hasH && hasHP {
		p.probs.add(at, "must not have both \"HeartbeatSeconds\" and \"HeartbeatSecondsPath\"")
	}
	if hasT && hasH && st.TimeoutSeconds > 0 && st.HeartbeatSeconds >= st.TimeoutSeconds {
		p.probs.add(at+"/HeartbeatSeconds", "must be smaller than TimeoutSeconds")
	}
	if c, ok := obj["Credentials"]; ok {
		st.Credentials = c
		p.checkCredentials(c, at+"/Credentials")
	}
	if pc, ok := p.opts.Resources.(ParameterChecker); ok && st.Resource != "" && p.opts.Resources.Supports(st.Resource) {
		params, _ := obj["Parameters"].(map[string]any)
		for _, pr := range pc.CheckParameters(st.Resource, params) {
			p.probs.add(at+"/Parameters"+pr.Path, "%s", pr.Message)
		}
	}
}

func (p *parser) retry(st *State, obj map[string]any, at string) {
	rv, ok := obj["Retry"]
	if !ok {
		return
	}
	arr, ok := rv.([]any)
	if !ok {
		p.probs.add(at+"/Retry", "must be an array")
		return
	}
	for i, e := range arr {
		rat := fmt.Sprintf("%s/Retry/%d", at, i)
		ro, ok := e.(map[string]any)
		if !ok {
			p.probs.add(rat, "must be an object")
			continue
		}
		for _, k := range sortedKeys(ro) {
			if !slices.Contains([]string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"}, k) {
				p.probs.add(rat+"/"+k, "field is not allowed in a retrier")
			}
		}
		r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "NONE"}
		r.ErrorEquals = p.errorEquals(ro, rat, i == len(arr)-1)
		if _, ok := ro["IntervalSeconds"]; ok {
			r.IntervalSeconds = float64(p.posInt(ro, "IntervalSeconds", rat, 1, 99999999))
		}
		if _, ok := ro["MaxAttempts"]; ok {
			r.MaxAttempts = p.posInt(ro, "MaxAttempts", rat, 0, 99999999)
		}
		if bv, ok := ro["BackoffRate"]; ok {
			f, isNum := toFloat(bv)
			switch {
			case !isNum:
				p.probs.add(rat+"/BackoffRate", "must be a number")
			case f < 1.0:
				p.probs.add(rat+"/BackoffRate", "must be >= 1.0")
			default:
				r.BackoffRate = f
			}
		}
		if _, ok := ro["MaxDelaySeconds"]; ok {
			r.MaxDelaySeconds = float64(p.posInt(ro, "MaxDelaySeconds", rat, 1, 31622401))
		}
		if jv, ok := ro["JitterStrategy"]; ok {
			if jv != "FULL" && jv != "NONE" {
				p.probs.add(rat+"/JitterStrategy", "must be \"FULL\" or \"NONE\"")
			} else {
				r.JitterStrategy = jv.(string)
			}
		}
		st.Retry = append(st.Retry, r)
	}
}

func (p *parser) errorEquals(o map[string]any, at string, last bool) []string {
	ev, ok := o["ErrorEquals"]
	if !ok {
		p.probs.add(at, "missing required field \"ErrorEquals\"")
		return nil
	}
	arr, ok := ev.([]any)
	if !ok || len(arr) == 0 {
		p.probs.add(at+"/ErrorEquals", "must be a non-empty array of strings")
		return nil
	}
	var out []string
	for j, x := range arr {
		s, ok := x.(string)
		if !ok {
			p.probs.add(fmt.Sprintf("%s/ErrorEquals/%d", at, j), "must be a string")
			continue
		}
		if s == ErrALL {
			if len(arr) != 1 {
				p.probs.add(fmt.Sprintf("%s/ErrorEquals/%d", at, j), "\"States.ALL\" must appear alone in ErrorEquals")
			}
			if !last {
				p.probs.add(fmt.Sprintf("%s/ErrorEquals/%d", at, j), "\"States.ALL\" must be in the last retrier or catcher")
			}
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) catch(st *State, obj map[string]any, at string) {
	cv, ok := obj["Catch"]
	if !ok {
		return
	}
	arr, ok := cv.([]any)
	if !ok {
		p.probs.add(at+"/Catch", "must be an array")
		return
	}
	for i, e := range arr {
		cat := fmt.Sprintf("%s/Catch/%d", at, i)
		co, ok := e.(map[string]any)
		if !ok {
			p.probs.add(cat, "must be an object")
			continue
		}
		catcherFields := []string{"ErrorEquals", "Next", "ResultPath", "Comment", "Assign"}
		if st.JSONata {
			catcherFields = []string{"ErrorEquals", "Next", "Output", "Comment", "Assign"}
		}
		for _, k := range sortedKeys(co) {
			if !slices.Contains(catcherFields, k) {
				p.probs.add(cat+"/"+k, "field is not allowed in a catcher")
			}
		}
		c := Catcher{ErrorEquals: p.errorEquals(co, cat, i == len(arr)-1)}
		c.Next = p.str(co, "Next", cat, true)
		if !st.JSONata {
			c.ResultPath = p.path(co, "ResultPath", cat, true)
		}
		p.catcherExtras(&c, co, cat, st.JSONata)
		st.Catch = append(st.Catch, c)
	}
}

func (p *parser) wait(st *State, obj map[string]any, at string) {
	n := 0
	if v, ok := obj["Seconds"]; ok {
		n++
		s, isInt := isInteger(v)
		if !isInt || s < 0 {
			p.probs.add(at+"/Seconds", "must be a non-negative integer")
		} else {
			st.Seconds = &s
		}
	}
	if v, ok := obj["Timestamp"]; ok {
		n++
		s, _ := v.(string)
		ts, err := parseTimestamp(s)
		if err != nil {
			p.probs.add(at+"/Timestamp", "String does not match RFC3339 timestamp")
		} else {
			st.Timestamp = &ts
		}
	}
	if _, ok := obj["SecondsPath"]; ok {
		n++
		st.SecondsPath = p.refPath(obj, "SecondsPath", at)
	}
	if _, ok := obj["TimestampPath"]; ok {
		n++
		st.TimestampPath = p.refPath(obj, "TimestampPath", at)
	}
	if n != 1 {
		p.probs.add(at, "must have exactly one of \"Seconds\", \"Timestamp\", \"SecondsPath\" and \"TimestampPath\"")
	}
}

func (p *parser) mapState(st *State, obj map[string]any, at string) {
	p.distributedMap(st, obj, at)
	st.ItemsPath = p.path(obj, "ItemsPath", at, true)
	if st.ItemsPath.Null {
		p.probs.add(at+"/ItemsPath", "must be a string")
	}
	_, hasSel := obj["ItemSelector"]
	if hasSel {
		st.ItemSelector = p.template(obj["ItemSelector"], at+"/ItemSelector")
		if st.Parameters != nil {
			p.probs.add(at, "must not have both \"ItemSelector\" and \"Parameters\"")
		}
	} else if st.Parameters != nil {
		st.ItemSelector, st.Parameters = st.Parameters, nil
	}
	if _, ok := obj["MaxConcurrency"]; ok {
		st.MaxConcurrency = p.posInt(obj, "MaxConcurrency", at, 0, 0)
	}
	if _, ok := obj["MaxConcurrencyPath"]; ok {
		st.MaxConcurrencyPath = p.refPath(obj, "MaxConcurrencyPath", at)
		if _, ok := obj["MaxConcurrency"]; ok {
			p.probs.add(at, "must not have both \"MaxConcurrency\" and \"MaxConcurrencyPath\"")
		}
	}
	if _, ok := obj["ToleratedFailureCount"]; ok {
		n := p.posInt(obj, "ToleratedFailureCount", at, 0, 0)
		st.ToleratedFailureCount = &n
	}
	if v, ok := obj["ToleratedFailurePercentage"]; ok {
		f, isNum := toFloat(v)
		if !isNum || f < 0 || f > 100 {
			p.probs.add(at+"/ToleratedFailurePercentage", "must be a number between 0 and 100")
		}
		st.ToleratedFailurePercentage = &f
	}
	if _, ok := obj["ToleratedFailureCountPath"]; ok {
		st.ToleratedFailureCountPath = p.refPath(obj, "ToleratedFailureCountPath", at)
	}
	if _, ok := obj["ToleratedFailurePercentagePath"]; ok {
		st.ToleratedFailurePercentagePath = p.refPath(obj, "ToleratedFailurePercentagePath", at)
	}
	if st.ToleratedFailureCount != nil && st.ToleratedFailureCountPath != nil {
		p.probs.add(at, "must not have both \"ToleratedFailureCount\" and \"ToleratedFailureCountPath\"")
	}
	if st.ToleratedFailurePercentage != nil && st.ToleratedFailurePercentagePath != nil {
		p.probs.add(at, "must not have both \"ToleratedFailurePercentage\" and \"ToleratedFailurePercentagePath\"")
	}
	p.mapLabelAndProcessor(st, obj, at)
}

// mapLabelAndProcessor parses the Label and the ItemProcessor (or legacy
// Iterator) of a Map state, JSONPath or JSONata.
func (p *parser) mapLabelAndProcessor(st *State, obj map[string]any, at string) {
	if lv, ok := obj["Label"]; ok {
		s, _ := lv.(string)
		if s == "" || len(s) > 40 || strings.ContainsAny(s, " <>{}[]?*\"#%\\^|~`$&,;:/") {
			p.probs.addCode(CodeInvalidLabelName, at+"/Label", "must be 1 to 40 characters without whitespace or special characters")
		}
		st.Label = s
	}
	ip, hasIP := obj["ItemProcessor"]
	it, hasIt := obj["Iterator"]
	switch {
	case hasIP && hasIt:
		p.probs.add(at, "must not have both \"ItemProcessor\" and \"Iterator\"")
	case hasIP:
		st.Processor = p.machine(ip, at+"/ItemProcessor", false)
		if m, ok := ip.(map[string]any); ok {
			if pc, ok := m["ProcessorConfig"].(map[string]any); ok {
				if mode, ok := pc["Mode"]; ok && mode != "INLINE" && mode != "DISTRIBUTED" {
					p.probs.add(at+"/ItemProcessor/ProcessorConfig/Mode", "must be \"INLINE\" or \"DISTRIBUTED\"")
				}
			}
		}
	case hasIt:
		st.Processor = p.machine(it, at+"/Iterator", false)
	default:
		p.probs.add(at, "missing required field \"ItemProcessor\"")
	}
}

var comparisonOps = []string{
	"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals", "StringMatches",
	"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
	"BooleanEquals",
	"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals",
	"IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

func isComparison(k string) bool {
	if slices.Contains(comparisonOps, k) {
		return true
	}
	base, ok := strings.CutSuffix(k, "Path")
	return ok && slices.Contains(comparisonOps, base) && !strings.HasPrefix(base, "Is") && base != "StringMatches"
}

func (p *parser) choice(st *State, obj map[string]any, at string) {
	for i, c := range p.nonEmptyArray(obj, "Choices", at) {
		st.Choices = append(st.Choices, p.rule(c, fmt.Sprintf("%s/Choices/%d", at, i), true))
	}
	if _, ok := obj["Default"]; ok {
		st.Default = p.str(obj, "Default", at, true)
	}
}

func (p *parser) rule(v any, at string, top bool) *ChoiceRule {
	obj, ok := v.(map[string]any)
	if !ok {
		p.probs.add(at, "must be an object")
		return &ChoiceRule{}
	}
	r := &ChoiceRule{}
	if top {
		r.Next = p.str(obj, "Next", at, true)
	} else if _, ok := obj["Next"]; ok {
		p.probs.add(at+"/Next", "only top-level choice rules may have \"Next\"")
	}
	var ops []string
	for _, k := range sortedKeys(obj) {
		switch {
		case k == "Next" || k == "Comment" || k == "Variable" || k == "Assign" && top:
		case k == "And" || k == "Or" || k == "Not" || isComparison(k):
			ops = append(ops, k)
		default:
			p.probs.add(at+"/"+k, "field is not allowed in a choice rule")
		}
	}
	if len(ops) != 1 {
		p.probs.add(at, "must have exactly one comparison operator or And/Or/Not, found %d", len(ops))
		return r
	}
	if top {
		r.Assign = p.assignment(obj, at, false)
	}
	op := ops[0]
	r.Operator = op
	switch op {
	case "And", "Or":
		sub, ok := obj[op].([]any)
		if !ok || len(sub) == 0 {
			p.probs.add(at+"/"+op, "must be a non-empty array of choice rules")
			return r
		}
		for i, s := range sub {
			rr := p.rule(s, fmt.Sprintf("%s/%s/%d", at, op, i), false)
			if op == "And" {
				r.And = append(r.And, rr)
			} else {
				r.Or = append(r.Or, rr)
			}
		}
		if _, ok := obj["Variable"]; ok {
			p.probs.add(at+"/Variable", "must not be used with %s", op)
		}
		return r
	case "Not":
		r.Not = p.rule(obj[op], at+"/Not", false)
		if _, ok := obj["Variable"]; ok {
			p.probs.add(at+"/Variable", "must not be used with Not")
		}
		return r
	}
	if _, ok := obj["Variable"]; !ok {
		p.probs.add(at, "missing required field \"Variable\"")
	} else {
		r.Variable = p.refPathOrPath(obj, "Variable", at)
	}
	val := obj[op]
	base, isPath := strings.CutSuffix(op, "Path")
	if isPath && slices.Contains(comparisonOps, base) {
		r.ValuePath = p.refPathOrPath(obj, op, at)
		return r
	}
	switch {
	case strings.HasPrefix(op, "Is"):
		if _, ok := val.(bool); !ok {
			p.probs.add(at+"/"+op, "must be a boolean")
		}
	case strings.HasPrefix(op, "String"):
		if _, ok := val.(string); !ok {
			p.probs.add(at+"/"+op, "must be a string")
		}
	case strings.HasPrefix(op, "Numeric"):
		if _, ok := toFloat(val); !ok {
			p.probs.add(at+"/"+op, "must be a number")
		}
	case op == "BooleanEquals":
		if _, ok := val.(bool); !ok {
			p.probs.add(at+"/"+op, "must be a boolean")
		}
	case strings.HasPrefix(op, "Timestamp"):
		s, _ := val.(string)
		if _, err := parseTimestamp(s); err != nil {
			p.probs.add(at+"/"+op, "must be an ISO-8601 extended offset date-time string")
		}
	}
	r.Value = val
	return r
}

func (p *parser) refPathOrPath(obj map[string]any, key, at string) *Path {
	s, ok := obj[key].(string)
	if !ok {
		p.probs.add(at+"/"+key, "must be a string")
		return nil
	}
	pp, err := ParsePath(trimPath(s))
	if err != nil {
		p.probs.add(at+"/"+key, "%v", err)
		return nil
	}
	return pp
}

// parseTimestamp parses an RFC 3339 timestamp as Step Functions accepts it
// (the 'T' separator and a zone are required).
func parseTimestamp(s string) (time.Time, error) {
	if len(s) < 20 || (s[10] != 'T') {
		return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// Template is a compiled Parameters / ResultSelector / ItemSelector payload
// template: keys ending in ".$" take a path, a context path or an intrinsic.
type Template struct {
	lit       any
	fields    []templateField
	items     []*Template
	kind      int // 0 literal, 1 object, 2 array, 3 path, 4 intrinsic
	path      *Path
	intrinsic *Intrinsic
}

type templateField struct {
	key   string // with ".$" stripped
	field string // as written
	val   *Template
}

func (p *parser) template(v any, at string) *Template {
	switch x := v.(type) {
	case map[string]any:
		t := &Template{kind: 1}
		for _, k := range sortedKeys(x) {
			fat := at + "/" + k
			if base, ok := strings.CutSuffix(k, ".$"); ok {
				s, isStr := x[k].(string)
				if !isStr {
					p.probs.add(fat, "the value of a field ending in \".$\" must be a path or an intrinsic function")
					continue
				}
				var sub *Template
				switch {
				case IsIntrinsic(s) && strings.TrimLeft(s, " \t\n\r") != s:
					p.probs.add(fat, "the intrinsic function call %q must not start with white space", s)
					continue
				case IsIntrinsic(s):
					c, err := ParseIntrinsic(s)
					if err != nil {
						p.probs.add(fat, "%v", err)
						continue
					}
					sub = &Template{kind: 4, intrinsic: c}
				case strings.HasPrefix(s, "$"):
					// AWS ignores white space after a path ("$$.Execution.Name ").
					pp, err := ParsePath(trimPath(s))
					if err != nil {
						p.probs.add(fat, "%v", err)
						continue
					}
					sub = &Template{kind: 3, path: pp}
				default:
					p.probs.add(fat, "the value of a field ending in \".$\" must be a path or an intrinsic function, got %q", s)
					continue
				}
				t.fields = append(t.fields, templateField{key: base, field: k, val: sub})
				continue
			}
			t.fields = append(t.fields, templateField{key: k, field: k, val: p.template(x[k], fat)})
		}
		return t
	case []any:
		t := &Template{kind: 2}
		for i, e := range x {
			t.items = append(t.items, p.template(e, fmt.Sprintf("%s/%d", at, i)))
		}
		return t
	}
	return &Template{kind: 0, lit: v}
}
