package workflow

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"sync"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jtypes"
	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// JSONata in Step Functions: a string field value of the form
// "{% <expression> %}" (nothing before "{%" or after "%}") is a JSONata
// expression; any other string is a literal. Expressions see the variables
// in scope and $states (input, result, errorOutput, context); `$` itself is
// bound to nothing. The evaluator is github.com/blues/jsonata-go (a port of
// jsonata-js 1.5.4; AWS runs 2.0.6): docs/states-language.md lists what differs.

// jvalue is a field of a JSONata state: JSON in which strings of the form
// "{% expr %}" are expressions, at any depth.
type jvalue struct {
	kind   int // jLit, jObj, jArr or jExpr
	lit    any
	keys   []string
	fields []*jvalue
	items  []*jvalue
	expr   string // the expression, without the {% %}
	raw    string // the string as written
}

const (
	jLit = iota
	jObj
	jArr
	jExpr
)

// jsonataExpr reports whether s is a JSONata expression string and
// returns the expression inside the {% %}.
func jsonataExpr(s string) (string, bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return strings.TrimSpace(s[2 : len(s)-2]), true
	}
	return "", false
}

// jvalue compiles a JSONata-mode field; expressions that do not parse are
// reported at at.
func (p *parser) jvalue(v any, at string) *jvalue {
	switch x := v.(type) {
	case string:
		expr, ok := jsonataExpr(x)
		if !ok {
			return &jvalue{kind: jLit, lit: x}
		}
		if err := checkJSONata(expr); err != nil {
			p.probs.add(at, "the JSONata expression %q is not valid: %v", x, err)
		}
		return &jvalue{kind: jExpr, expr: expr, raw: x}
	case map[string]any:
		j := &jvalue{kind: jObj}
		for _, k := range sortedKeys(x) {
			j.keys = append(j.keys, k)
			j.fields = append(j.fields, p.jvalue(x[k], at+"/"+k))
		}
		return j
	case []any:
		j := &jvalue{kind: jArr}
		for i, e := range x {
			j.items = append(j.items, p.jvalue(e, fmt.Sprintf("%s/%d", at, i)))
		}
		return j
	}
	return &jvalue{kind: jLit, lit: v}
}

// checkJSONata compiles expr (and refuses $eval, which Step Functions
// leaves out: $parse takes its place).
func checkJSONata(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return errors.New("the expression is empty")
	}
	if _, err := jsonata.Compile(expr); err != nil {
		return err
	}
	return nil
}

// jenv is what an expression can see: $states and the variables.
type jenv struct {
	states map[string]any
	vars   map[string]any
}

// jsonataError is an expression that failed: its text and why.
type jsonataError struct {
	expr      string
	undefined bool
	// unsupported: the result has no JSON form (a function).
	unsupported bool
	msg         string
}

// evalJ evaluates a JSONata-mode field; at names the field in errors
// ("Output/result").
func (r *stateRun) evalJ(j *jvalue, env *jenv, at string) (any, *StatesError) {
	switch j.kind {
	case jLit:
		return deepCopy(j.lit), nil
	case jObj:
		out := make(map[string]any, len(j.keys))
		for i, k := range j.keys {
			v, err := r.evalJ(j.fields[i], env, at+"/"+k)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case jArr:
		out := make([]any, len(j.items))
		for i, it := range j.items {
			v, err := r.evalJ(it, env, fmt.Sprintf("%s/%d", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	v, jerr := r.evalJSONata(j.expr, env)
	if jerr != nil {
		return nil, r.queryError(j, at, jerr)
	}
	return v, nil
}

// queryError is the States.QueryEvaluationError of a failed expression,
// with AWS's cause, recorded in an EvaluationFailed event.
func (r *stateRun) queryError(j *jvalue, at string, jerr *jsonataError) *StatesError {
	what := "threw an error during evaluation. " + jerr.msg
	switch {
	case jerr.undefined:
		what = "returned nothing (undefined)."
	case jerr.unsupported:
		what = "returned an unsupported result type."
	}
	return r.evaluationFailed(at, fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' %s", j.expr, at, what))
}

// evaluationFailed records an EvaluationFailed event for a failure in the
// field at and returns the States.QueryEvaluationError.
func (r *stateRun) evaluationFailed(at, detail string) *StatesError {
	se := r.runtimeError(ErrQueryEvaluationError, "%s", detail)
	// AWS links the event to the one before the state was entered.
	l := &lane{prev: r.enteredPrev}
	id := r.ex.rec.emit(l, sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeEvaluationFailed,
		EvaluationFailedEventDetails: &sfnmodel.EvaluationFailedEventDetails{
			Error: se.Name, Cause: se.Cause, Location: at, State: r.st.Name,
		},
	})
	r.lane.prev = id
	return se
}

// evalJSONata evaluates one expression of the state.
func (r *stateRun) evalJSONata(expr string, env *jenv) (any, *jsonataError) {
	e, err := jsonata.Compile(expr)
	if err != nil {
		return nil, &jsonataError{expr: expr, msg: err.Error()}
	}
	if err := e.RegisterExts(r.jsonataFunctions()); err != nil {
		return nil, &jsonataError{expr: expr, msg: err.Error()}
	}
	vars := make(map[string]any, len(env.vars)+1)
	for k, v := range env.vars {
		vars[k] = toJSONata(v)
	}
	vars["states"] = toJSONata(env.states)
	if err := e.RegisterVars(vars); err != nil {
		return nil, &jsonataError{expr: expr, msg: err.Error()}
	}
	jsonataEvalMu.Lock()
	out, err := e.Eval(nil)
	jsonataEvalMu.Unlock()
	if errors.Is(err, jsonata.ErrUndefined) {
		if r.emptyArrayAtPathEnd(expr, env) {
			return []any{}, nil
		}
		return nil, &jsonataError{expr: expr, undefined: true}
	}
	if err != nil {
		return nil, &jsonataError{expr: expr, msg: jsonataMessage(err)}
	}
	v, cerr := fromJSONata(out)
	if cerr != nil {
		return nil, &jsonataError{expr: expr, msg: cerr.Error(), unsupported: errors.Is(cerr, errNotJSON)}
	}
	return v, nil
}

// jsonataEvalMu serialises evaluations: jsonata-go's built-in functions
// are values shared by every expression, and each call writes to them
// (their name and context), so two evaluations at once (Parallel branches,
// Map iterations, child executions) would race.
var jsonataEvalMu sync.Mutex

// jsonataMessage renders an evaluator error the way jsonata-js words it
// where the two agree on the kind of error.
func jsonataMessage(err error) string {
	var ee *jsonata.EvalError
	if errors.As(err, &ee) {
		switch ee.Type {
		case jsonata.ErrNonCallable, jsonata.ErrNonCallableApply, jsonata.ErrNonCallablePartial:
			return "T1006: Attempted to invoke a non-function"
		case jsonata.ErrNonNumberLHS:
			return "T2001: The left side of the arithmetic expression is not a number"
		case jsonata.ErrNonNumberRHS:
			return "T2002: The right side of the arithmetic expression is not a number"
		}
	}
	return err.Error()
}

// toJSONata converts an interpreter value (json.Number numbers) into what
// the evaluator takes (float64 numbers).
func toJSONata(v any) any {
	switch x := v.(type) {
	case nil:
		return jsonataNull
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toJSONata(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSONata(e)
		}
		return out
	}
	return v
}

// jsonataNull is JSON null as the evaluator holds it (a nil Go value is
// "undefined" there).
var jsonataNull *any

// fromJSONata converts an evaluator result into an interpreter value.
func fromJSONata(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case *any:
		if x == nil {
			return nil, nil
		}
		return fromJSONata(*x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("D1001: Number out of range: %v", x)
		}
		return json.Number(jsNumber(x)), nil
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case json.Number:
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	// Anything else (a function, a regular expression) has no JSON form.
	return nil, fmt.Errorf("%w: the expression returned a %T", errNotJSON, v)
}

// errNotJSON is a result without a JSON form; AWS reports it as "an
// unsupported result type".
var errNotJSON = errors.New("not a JSON value")

// jsNumber formats f as JavaScript's Number.prototype.toString does.
func jsNumber(f float64) string {
	if f == 0 {
		return "0" // -0 too
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e-07, 1.5e+300
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + string(sign) + exp
}

// jsonataFunctions are the functions Step Functions adds to JSONata;
// $random and $uuid draw from the state's sources, as States.MathRandom
// and States.UUID do, so a replay draws the same values.
func (r *stateRun) jsonataFunctions() map[string]jsonata.Extension {
	return map[string]jsonata.Extension{
		"partition": {Func: jsonataPartition},
		"range":     {Func: jsonataRange},
		"hash":      {Func: jsonataHash},
		"random": {Func: func(seed jtypes.OptionalFloat64) float64 {
			if seed.IsSet() {
				return float64(javaRandom(int64(seed.Float64), 1<<31-1)) / float64(1<<31-1)
			}
			return r.randomFloat()
		}},
		"uuid": {Func: r.uuid},
		"parse": {Func: func(s string) (any, error) {
			v, err := DecodeJSON([]byte(s))
			if err != nil {
				return nil, fmt.Errorf("$parse: the argument is not valid JSON: %v", err)
			}
			return toJSONata(v), nil
		}},
	}
}

// jsonataPartition splits an array into chunks of size n.
func jsonataPartition(arr []any, n float64) ([]any, error) {
	size := int(n)
	if float64(size) != n || size <= 0 {
		return nil, fmt.Errorf("$partition: the chunk size must be a positive integer, got %v", n)
	}
	out := []any{}
	for i := 0; i < len(arr); i += size {
		out = append(out, append([]any(nil), arr[i:min(i+size, len(arr))]...))
	}
	return out, nil
}

// jsonataRange is start, start+step, ... up to end (inclusive); a single
// value is a singleton sequence, so it comes out unwrapped.
func jsonataRange(start, end, step float64) (any, error) {
	if step == 0 {
		return nil, errors.New("$range: the step must not be 0")
	}
	if start != math.Trunc(start) || end != math.Trunc(end) || step != math.Trunc(step) {
		return nil, errors.New("$range: the arguments must be integers")
	}
	var out []any
	for x := start; (step > 0 && x <= end) || (step < 0 && x >= end); x += step {
		out = append(out, x)
		if len(out) > 1000 {
			return nil, errors.New("$range: the result has more than 1000 items")
		}
	}
	switch len(out) {
	case 0:
		return []any{}, nil
	case 1:
		return out[0], nil
	}
	return out, nil
}

// jsonataHash is the hex digest of s with the named algorithm.
func jsonataHash(s, algorithm string) (string, error) {
	h := newHash(algorithm)
	if h == nil {
		return "", fmt.Errorf("$hash: the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, got %q", algorithm)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// newHash returns a hash of the named algorithm, one of those $hash and
// States.Hash take (MD5, SHA-1, SHA-256, SHA-384, SHA-512), or nil.
func newHash(algorithm string) hash.Hash {
	switch algorithm {
	case "MD5":
		return md5.New()
	case "SHA-1":
		return sha1.New()
	case "SHA-256":
		return sha256.New()
	case "SHA-384":
		return sha512.New384()
	case "SHA-512":
		return sha512.New()
	}
	return nil
}
