package workflow

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"unicode"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// Variables: a state's Assign sets workflow variables that later states
// read as $name (in JSONPath paths and intrinsic arguments, and in JSONata
// expressions). Each run of a state machine (the execution, a Parallel
// branch, a Map iteration) has its own scope: it reads the variables of
// the scopes around it but assigns only its own, so an iteration's
// variables vanish when it ends and results come back only as output.
//
// Every expression of an Assign is evaluated against the same snapshot
// (the variables as the state found them), and the new values take effect
// when the state exits: a state's Output/OutputPath still sees the old
// values.

// Variable limits as Step Functions documents them.
const (
	// MaxVariableSize is the largest serialized value of one variable.
	MaxVariableSize = 256 * 1024
	// MaxAssignSize is the largest serialized size of the variables one
	// Assign sets.
	MaxAssignSize = 256 * 1024
	// MaxVariablesSize is the largest serialized size of all the variables
	// of an execution.
	MaxVariablesSize = 10 * 1024 * 1024
	// maxVariableName is the longest variable name.
	maxVariableName = 80
)

// varScope holds the variables of one run of a state machine.
type varScope struct {
	parent *varScope
	mu     sync.Mutex
	vars   map[string]any
}

type scopeKey struct{}

// newScope returns ctx with a new variable scope inside the one ctx has.
func newScope(ctx context.Context) (context.Context, *varScope) {
	parent, _ := ctx.Value(scopeKey{}).(*varScope)
	s := &varScope{parent: parent, vars: map[string]any{}}
	return context.WithValue(ctx, scopeKey{}, s), s
}

// scopeOf is the innermost variable scope of ctx (nil when none).
func scopeOf(ctx context.Context) *varScope {
	s, _ := ctx.Value(scopeKey{}).(*varScope)
	return s
}

// lookup finds a variable, in this scope or the ones around it.
func (s *varScope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		s.mu.Lock()
		v, ok := s.vars[name]
		s.mu.Unlock()
		if ok {
			return v, true
		}
	}
	return nil, false
}

// snapshot is every visible variable (inner scopes hide outer ones).
func (s *varScope) snapshot() map[string]any {
	var chain []*varScope
	for ; s != nil; s = s.parent {
		chain = append(chain, s)
	}
	out := map[string]any{}
	for i := len(chain) - 1; i >= 0; i-- {
		chain[i].mu.Lock()
		maps.Copy(out, chain[i].vars)
		chain[i].mu.Unlock()
	}
	return out
}

// size is the serialized size of the variables of this scope and those
// around it.
func (s *varScope) size() int {
	n := 0
	for ; s != nil; s = s.parent {
		s.mu.Lock()
		for _, v := range s.vars {
			n += len(EncodeJSON(v))
		}
		s.mu.Unlock()
	}
	return n
}

func (s *varScope) set(vals map[string]any) {
	s.mu.Lock()
	maps.Copy(s.vars, vals)
	s.mu.Unlock()
}

// Assignment is a compiled Assign field: a JSONPath payload template
// (keys ending in ".$" take a path, a variable or an intrinsic) or, in a
// JSONata state, JSON with "{% %}" expressions.
type Assignment struct {
	names []string
	path  *Template // JSONPath states
	j     *jvalue   // JSONata states
}

// validVariableName reports whether name can be a variable: a letter or
// underscore first, then letters, digits or underscores, at most 80
// characters, and not the reserved "states".
func validVariableName(name string) string {
	if name == "" {
		return "a variable name must not be empty"
	}
	if name == "states" {
		return "\"states\" is reserved ($states holds the state's input, result and context)"
	}
	if len(name) > maxVariableName {
		return fmt.Sprintf("a variable name must be at most %d characters", maxVariableName)
	}
	for i, r := range name {
		if r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r) {
			continue
		}
		return fmt.Sprintf("%q is not a valid variable name: use letters, digits and underscores, not starting with a digit", name)
	}
	return ""
}

// assignment compiles an Assign field of a state, choice rule or catcher.
func (p *parser) assignment(obj map[string]any, at string, jsonataMode bool) *Assignment {
	v, ok := obj["Assign"]
	if !ok {
		return nil
	}
	at += "/Assign"
	m, isObj := v.(map[string]any)
	if !isObj {
		p.probs.add(at, "must be an object of variable names and values")
		return nil
	}
	a := &Assignment{}
	for _, k := range sortedKeys(m) {
		name := k
		if !jsonataMode {
			if base, ok := cutSuffix(k, ".$"); ok {
				name = base
			}
		}
		if msg := validVariableName(name); msg != "" {
			p.probs.add(at+"/"+k, "%s", msg)
		}
		a.names = append(a.names, name)
	}
	if jsonataMode {
		a.j = p.jvalue(m, at)
	} else {
		a.path = p.template(m, at)
	}
	return a
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// evalAssign evaluates an Assign: in a JSONPath state against root (the
// state's result, or its input where there is none), in a JSONata state
// with env. The values are staged and take effect when the state exits.
func (r *stateRun) evalAssign(a *Assignment, root any, env *jenv) *StatesError {
	if a == nil {
		return nil
	}
	var v any
	var err *StatesError
	if a.j != nil {
		v, err = r.evalJ(a.j, env, "Assign")
	} else {
		v, err = r.applyTemplate(a.path, root, "Assign")
	}
	if err != nil {
		return err
	}
	vals, _ := v.(map[string]any)
	total := 0
	for _, name := range a.names {
		n := len(EncodeJSON(vals[name]))
		if n > MaxVariableSize {
			return r.runtimeError(ErrRuntime, "The variable '%s' is %d bytes, more than the %d bytes a variable may hold.", name, n, MaxVariableSize)
		}
		total += n
	}
	if total > MaxAssignSize {
		return r.runtimeError(ErrRuntime, "The variables assigned by this state are %d bytes, more than the %d bytes one Assign may set.", total, MaxAssignSize)
	}
	if r.vars != nil && r.vars.size()+total > MaxVariablesSize {
		return r.runtimeError(ErrRuntime, "The variables of this execution would be more than %d bytes.", MaxVariablesSize)
	}
	if r.assigned == nil {
		r.assigned = map[string]any{}
	}
	maps.Copy(r.assigned, vals)
	r.hasAssign = true
	return nil
}

// varSnapshot is the variables the state sees (a copy).
func (r *stateRun) varSnapshot() map[string]any {
	if r.vars == nil {
		return map[string]any{}
	}
	return r.vars.snapshot()
}

// exited commits the staged variables and records the state's exit.
func (r *stateRun) exited(out any) {
	ev := stateExited(r.st.Type, r.st.Name, out)
	if r.hasAssign && len(r.assigned) > 0 {
		if r.vars != nil {
			r.vars.set(r.assigned)
		}
		av := make(map[string]string, len(r.assigned))
		for k, v := range r.assigned {
			av[k] = EncodeJSON(v)
		}
		f := false
		ev.StateExitedEventDetails.AssignedVariables = av
		ev.StateExitedEventDetails.AssignedVariablesDetails = &sfnmodel.AssignedVariablesDetails{Truncated: &f}
	}
	r.ex.rec.emit(r.lane, ev)
}

// lookupVar resolves $name for a JSONPath path.
func (r *stateRun) lookupVar(name string) (any, error) {
	if r.vars != nil {
		if v, ok := r.vars.lookup(name); ok {
			return v, nil
		}
	}
	return nil, &PathError{Msg: fmt.Sprintf("The variable '$%s' is not defined", name)}
}
