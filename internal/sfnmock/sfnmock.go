package sfnmock

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// ErrInvalid is the kind of the errors Parse returns (errors.Is).
var ErrInvalid = errors.New("invalid mock configuration")

// ErrNoTestCase is the kind of the error TestCase returns for a state
// machine or test case the configuration lacks.
var ErrNoTestCase = errors.New("no such mock test case")

// ConfigError lists what is wrong with a configuration, each problem with
// the path of the field at fault.
type ConfigError struct {
	Problems []string
}

// Error joins the problems.
func (e *ConfigError) Error() string {
	return "mock configuration: " + strings.Join(e.Problems, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalid }

// Throw is a mocked failure: the Task fails with Error and Cause.
type Throw struct {
	Error, Cause string
}

// Outcome is the mocked answer to one invocation: Return (a JSON value as
// workflow.DecodeJSON gives it) when Throw is nil.
type Outcome struct {
	Return any
	Throw  *Throw
}

// span is the entry of a mocked response for invocations From..To.
type span struct {
	From, To int
	Outcome
}

// Response is a mocked response: an outcome per invocation number.
type Response struct {
	Name  string
	spans []span // sorted, not overlapping
}

// At returns the outcome of invocation n (0-based), false when the
// response has none.
func (r *Response) At(n int) (Outcome, bool) {
	i := sort.Search(len(r.spans), func(i int) bool { return r.spans[i].To >= n })
	if i < len(r.spans) && r.spans[i].From <= n {
		return r.spans[i].Outcome, true
	}
	return Outcome{}, false
}

// Invocations describes the invocation numbers the response covers
// ("0, 1-2, 3").
func (r *Response) Invocations() string {
	out := make([]string, len(r.spans))
	for i, s := range r.spans {
		out[i] = strconv.Itoa(s.From)
		if s.To != s.From {
			out[i] += "-" + strconv.Itoa(s.To)
		}
	}
	return strings.Join(out, ", ")
}

// Config is a mock configuration.
type Config struct {
	// TestCases maps a state machine name to its test cases, each a map
	// from Task state name to mocked response name.
	TestCases map[string]map[string]map[string]string
	// Responses are the mocked responses by name.
	Responses map[string]*Response
}

// Parse reads and validates a mock configuration (JSON).
func Parse(data []byte) (*Config, error) {
	v, err := workflow.DecodeJSON(data)
	if err != nil {
		return nil, &ConfigError{Problems: []string{"not valid JSON: " + err.Error()}}
	}
	p := &parser{}
	c := p.config(v)
	if len(p.probs) > 0 {
		return nil, &ConfigError{Problems: p.probs}
	}
	return c, nil
}

type parser struct{ probs []string }

func (p *parser) add(at, format string, a ...any) {
	p.probs = append(p.probs, at+": "+fmt.Sprintf(format, a...))
}

func (p *parser) object(v any, at string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		p.add(at, "must be an object")
	}
	return m, ok
}

func (p *parser) only(m map[string]any, at string, allowed ...string) {
	for _, k := range sortedKeys(m) {
		if slices.Contains(allowed, k) {
			continue
		}
		msg := "field is not allowed here"
		if s := ecs.Suggest(k, allowed); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; allowed: " + strings.Join(allowed, ", ")
		}
		p.add(at+"/"+k, "%s", msg)
	}
}

func (p *parser) config(v any) *Config {
	top, ok := p.object(v, "/")
	if !ok {
		return nil
	}
	p.only(top, "", "StateMachines", "MockedResponses")
	c := &Config{TestCases: map[string]map[string]map[string]string{}, Responses: map[string]*Response{}}
	if rv, ok := top["MockedResponses"]; ok {
		if rs, ok := p.object(rv, "/MockedResponses"); ok {
			for _, name := range sortedKeys(rs) {
				if r := p.response(name, rs[name], "/MockedResponses/"+name); r != nil {
					c.Responses[name] = r
				}
			}
		}
	}
	smv, ok := top["StateMachines"]
	if !ok {
		p.add("/", "missing required field \"StateMachines\"")
		return c
	}
	sms, ok := p.object(smv, "/StateMachines")
	if !ok {
		return c
	}
	for _, sm := range sortedKeys(sms) {
		at := "/StateMachines/" + sm
		smo, ok := p.object(sms[sm], at)
		if !ok {
			continue
		}
		p.only(smo, at, "TestCases")
		tcv, ok := smo["TestCases"]
		if !ok {
			p.add(at, "missing required field \"TestCases\"")
			continue
		}
		tcs, ok := p.object(tcv, at+"/TestCases")
		if !ok {
			continue
		}
		c.TestCases[sm] = map[string]map[string]string{}
		for _, tc := range sortedKeys(tcs) {
			tat := at + "/TestCases/" + tc
			states, ok := p.object(tcs[tc], tat)
			if !ok {
				continue
			}
			m := map[string]string{}
			for _, st := range sortedKeys(states) {
				name, ok := states[st].(string)
				if !ok {
					p.add(tat+"/"+st, "must be the name of a mocked response (a string)")
					continue
				}
				if _, ok := c.Responses[name]; !ok {
					if _, declared := p.declared(top, name); !declared {
						msg := fmt.Sprintf("mocked response %q is not defined in MockedResponses", name)
						if s := ecs.Suggest(name, sortedKeys(c.Responses)); s != "" {
							msg += fmt.Sprintf("; did you mean %q?", s)
						}
						p.add(tat+"/"+st, "%s", msg)
					}
					continue
				}
				m[st] = name
			}
			c.TestCases[sm][tc] = m
		}
	}
	return c
}

// declared reports whether MockedResponses has name (a response with its
// own problems is declared, and not reported twice).
func (p *parser) declared(top map[string]any, name string) (any, bool) {
	rs, _ := top["MockedResponses"].(map[string]any)
	v, ok := rs[name]
	return v, ok
}

func (p *parser) response(name string, v any, at string) *Response {
	obj, ok := p.object(v, at)
	if !ok {
		return nil
	}
	if len(obj) == 0 {
		p.add(at, "must give at least one invocation (\"0\": {\"Return\": ...})")
		return nil
	}
	r := &Response{Name: name}
	bad := false
	for _, key := range sortedKeys(obj) {
		kat := at + "/" + key
		from, to, err := invocationRange(key)
		if err != nil {
			p.add(kat, "%v", err)
			bad = true
			continue
		}
		o, ok := p.outcome(obj[key], kat)
		if !ok {
			bad = true
			continue
		}
		r.spans = append(r.spans, span{From: from, To: to, Outcome: o})
	}
	sort.Slice(r.spans, func(i, j int) bool { return r.spans[i].From < r.spans[j].From })
	for i := 1; i < len(r.spans); i++ {
		a, b := r.spans[i-1], r.spans[i]
		if b.From <= a.To {
			p.add(at, "invocation %d is given twice (in %s and %s)", b.From, spanKey(a), spanKey(b))
			bad = true
		}
	}
	if bad {
		return nil
	}
	return r
}

func spanKey(s span) string {
	if s.From == s.To {
		return strconv.Itoa(s.From)
	}
	return fmt.Sprintf("%d-%d", s.From, s.To)
}

// invocationRange parses "3" or "1-2".
func invocationRange(key string) (int, int, error) {
	num := func(s string) (int, bool) {
		if s == "" || strings.TrimLeft(s, "0123456789") != "" || len(s) > 9 {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	a, b, isRange := strings.Cut(key, "-")
	from, ok := num(a)
	to := from
	if ok && isRange {
		to, ok = num(b)
	}
	if !ok {
		return 0, 0, fmt.Errorf("invocation numbers are written \"0\", \"1\" or as an inclusive range \"1-2\" (0 is the first invocation), not %q", key)
	}
	if to < from {
		return 0, 0, fmt.Errorf("range %q ends before it starts", key)
	}
	return from, to, nil
}

func (p *parser) outcome(v any, at string) (Outcome, bool) {
	obj, ok := p.object(v, at)
	if !ok {
		return Outcome{}, false
	}
	ret, hasRet := obj["Return"]
	thr, hasThr := obj["Throw"]
	p.only(obj, at, "Return", "Throw")
	if hasRet == hasThr {
		p.add(at, "must have exactly one of \"Return\" (the result) and \"Throw\" (an error)")
		return Outcome{}, false
	}
	if hasRet {
		return Outcome{Return: ret}, true
	}
	to, ok := p.object(thr, at+"/Throw")
	if !ok {
		return Outcome{}, false
	}
	p.only(to, at+"/Throw", "Error", "Cause")
	t := &Throw{}
	good := true
	for _, f := range []struct {
		name string
		dst  *string
	}{{"Error", &t.Error}, {"Cause", &t.Cause}} {
		s, ok := to[f.name].(string)
		if !ok {
			p.add(at+"/Throw", "%q must be a string", f.name)
			good = false
			continue
		}
		*f.dst = s
	}
	return Outcome{Throw: t}, good
}

// TestCase returns the mocks of a test case of the state machine named
// stateMachine, for one execution (errors.Is ErrNoTestCase when the
// configuration lacks either).
func (c *Config) TestCase(stateMachine, testCase string) (*Mocks, error) {
	tcs, ok := c.TestCases[stateMachine]
	if !ok {
		msg := fmt.Sprintf("the mock configuration has no state machine %q", stateMachine)
		if names := sortedKeys(c.TestCases); len(names) > 0 {
			msg += " (it has " + strings.Join(quoteAll(names), ", ") + "; the name is the state machine's name)"
		}
		return nil, fmt.Errorf("%s: %w", msg, ErrNoTestCase)
	}
	tc, ok := tcs[testCase]
	if !ok {
		return nil, fmt.Errorf("the mock configuration has no test case %q for state machine %q (it has %s): %w",
			testCase, stateMachine, strings.Join(quoteAll(sortedKeys(tcs)), ", "), ErrNoTestCase)
	}
	m := &Mocks{TestCase: testCase, states: map[string]*Response{}, count: map[string]int{}}
	for st, name := range tc {
		m.states[st] = c.Responses[name]
	}
	return m, nil
}

// Mocks are the mocked states of one execution of a test case; they count
// each state's invocations. Safe for concurrent use (Parallel branches,
// Map iterations).
type Mocks struct {
	// TestCase names the test case.
	TestCase string
	states   map[string]*Response
	mu       sync.Mutex
	count    map[string]int
}

// Has reports whether the test case mocks state.
func (m *Mocks) Has(state string) bool {
	if m == nil {
		return false
	}
	_, ok := m.states[state]
	return ok
}

// Response returns the mocked response of state (nil when not mocked).
func (m *Mocks) Response(state string) *Response {
	if m == nil {
		return nil
	}
	return m.states[state]
}

// Next counts an invocation of state and returns its number and outcome;
// ok is false when the response has no entry for that invocation.
func (m *Mocks) Next(state string) (n int, o Outcome, ok bool) {
	r := m.states[state]
	m.mu.Lock()
	n = m.count[state]
	m.count[state] = n + 1
	m.mu.Unlock()
	if r == nil {
		return n, Outcome{}, false
	}
	o, ok = r.At(n)
	return n, o, ok
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strconv.Quote(x)
	}
	return out
}

// SplitTestCase splits a StartExecution state machine ARN of the form
// stateMachineArn#TestCase, as Step Functions Local takes it.
func SplitTestCase(arn string) (stateMachineArn, testCase string) {
	a, tc, _ := strings.Cut(arn, "#")
	return a, tc
}
