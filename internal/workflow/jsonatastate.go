package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// The life of a JSONata state:
//
//	entered ──► Arguments ($states.input) ──► (Task/Map/Parallel work) ──►
//	Assign and Output ($states.result) ──► exited ──► Next | End
//	                         │ error
//	                         ▼
//	                Retry ──► again
//	                         │ exhausted / no match
//	                         ▼
//	                Catch: Assign and Output ($states.errorOutput) ──► Next
//
// Assign and Output see the variables as the state found them; the new
// values take effect when it exits.

// jenv is the expression environment of the state with input.
func (r *stateRun) jenv(input any) *jenv {
	return &jenv{
		states: map[string]any{"input": input, "context": r.context()},
		vars:   r.varSnapshot(),
	}
}

// fieldFailed records an EvaluationFailed event for a field whose value
// (not its expression) is wrong, linked to the state's entry.
func (r *stateRun) fieldFailed(at, format string, a ...any) *StatesError {
	se := r.runtimeError(ErrQueryEvaluationError, format, a...)
	r.ex.rec.emit(r.lane, sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventTypeEvaluationFailed,
		EvaluationFailedEventDetails: &sfnmodel.EvaluationFailedEventDetails{
			Error: se.Name, Cause: se.Cause, Location: at, State: r.st.Name,
		},
	})
	return se
}

// outputJ evaluates Output (def when absent).
func (r *stateRun) outputJ(j *jvalue, env *jenv, def any) (any, *StatesError) {
	if j == nil {
		return def, nil
	}
	return r.evalJ(j, env, "Output")
}

// visitJSONata runs a JSONata state (after StateEntered).
func (r *stateRun) visitJSONata(ctx context.Context, input any) (string, any, *StatesError) {
	st := r.st
	jx := &st.jx
	env := r.jenv(input)
	switch st.Type {
	case TypeFail:
		se := &StatesError{Name: st.Error, Cause: st.Cause}
		for _, f := range []struct {
			j   *jvalue
			dst *string
			at  string
		}{{jx.Error, &se.Name, "Error"}, {jx.Cause, &se.Cause, "Cause"}} {
			if f.j == nil || f.j.kind != jExpr {
				continue
			}
			v, err := r.evalJ(f.j, env, f.at)
			if err != nil {
				return "", nil, err
			}
			s, ok := v.(string)
			if !ok {
				return "", nil, r.fieldFailed(f.at, "The %s field must evaluate to a string, but was %s", f.at, typeName(v))
			}
			*f.dst = s
		}
		return "", nil, se
	case TypeSucceed:
		out, err := r.outputJ(jx.Output, env, input)
		if err != nil {
			return "", nil, err
		}
		r.exited(out)
		return "", out, nil
	case TypeChoice:
		next, assign, output := st.Default, st.Assign, jx.Output
		matched := false
		for i, c := range st.Choices {
			v, err := r.evalJ(c.Condition, env, fmt.Sprintf("Choices/%d/Condition", i))
			if err != nil {
				return "", nil, err
			}
			b, ok := v.(bool)
			if !ok {
				return "", nil, r.fieldFailed("Condition", "The Condition field must evaluate to a boolean, but was %s: %s", typeName(v), EncodeJSON(v))
			}
			if b {
				next, assign, output, matched = c.Next, c.Assign, c.Output, true
				break
			}
		}
		if !matched && st.Default == "" {
			return "", nil, &StatesError{Name: ErrNoChoiceMatched, Cause: "No Matches!"}
		}
		if err := r.evalAssign(assign, nil, env); err != nil {
			return "", nil, err
		}
		out, err := r.outputJ(output, env, input)
		if err != nil {
			return "", nil, err
		}
		r.exited(out)
		return next, out, nil
	case TypeWait:
		d, err := r.waitJSONata(env)
		if err != nil {
			return "", nil, err
		}
		if !r.delayAfter(ctx, d) {
			return "", nil, &StatesError{Name: "States.Aborted", Cause: "cancelled"}
		}
		return r.finishJSONata(st.Assign, jx.Output, env, input, st.Next)
	case TypePass:
		return r.finishJSONata(st.Assign, jx.Output, env, input, st.Next)
	}
	return r.visitWithRetry(ctx, input)
}

// finishJSONata evaluates Assign and Output (def when absent) and exits
// to next.
func (r *stateRun) finishJSONata(assign *Assignment, output *jvalue, env *jenv, def any, next string) (string, any, *StatesError) {
	if err := r.evalAssign(assign, nil, env); err != nil {
		return "", nil, err
	}
	out, err := r.outputJ(output, env, def)
	if err != nil {
		return "", nil, err
	}
	r.exited(out)
	return next, out, nil
}

func (r *stateRun) waitJSONata(env *jenv) (time.Duration, *StatesError) {
	st := r.st
	now := r.ex.opts.Clock.Now()
	switch {
	case st.jx.Seconds != nil:
		v, err := r.evalJ(st.jx.Seconds, env, "Seconds")
		if err != nil {
			return 0, err
		}
		n, ok := isInteger(v)
		if !ok || n < 0 {
			return 0, r.fieldFailed("Seconds", "The Seconds field must evaluate to a non-negative integer, but was: %s", EncodeJSON(v))
		}
		return seconds(float64(n)), nil
	case st.jx.Timestamp != nil:
		v, err := r.evalJ(st.jx.Timestamp, env, "Timestamp")
		if err != nil {
			return 0, err
		}
		s, _ := v.(string)
		ts, perr := parseTimestamp(s)
		if perr != nil {
			return 0, r.fieldFailed("Timestamp", "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", stringOf(v))
		}
		return ts.Sub(now), nil
	}
	return r.waitDuration(nil)
}

// caughtJSONata evaluates the Assign and Output of catcher c of a JSONata
// state, with the error output errOut as $states.errorOutput (Output
// absent: errOut).
func (r *stateRun) caughtJSONata(c *Catcher, input, errOut any) (any, *StatesError) {
	env := r.jenv(input)
	env.states["errorOutput"] = errOut
	if err := r.evalAssign(c.Assign, nil, env); err != nil {
		return nil, err
	}
	return r.outputJ(c.Output, env, errOut)
}

// workJSONata does one attempt of a JSONata Task, Parallel or Map state,
// up to and including Output.
func (r *stateRun) workJSONata(ctx context.Context, input any) (any, *StatesError) {
	st := r.st
	jx := &st.jx
	env := r.jenv(input)
	var result any
	var err *StatesError
	switch st.Type {
	case TypeTask:
		r.token = r.newToken()
		env.states["context"] = r.context() // with the task token
		args := input
		if jx.Arguments != nil {
			if args, err = r.evalJ(jx.Arguments, env, "Arguments"); err != nil {
				return nil, err
			}
		}
		if r.jTimeout, err = r.positiveJ(jx.TimeoutSeconds, env, "TimeoutSeconds"); err != nil {
			return nil, err
		}
		if r.jHeartbeat, err = r.positiveJ(jx.HeartbeatSeconds, env, "HeartbeatSeconds"); err != nil {
			return nil, err
		}
		result, err = r.task(ctx, input, args)
	case TypeParallel:
		args := input
		if jx.Arguments != nil {
			if args, err = r.evalJ(jx.Arguments, env, "Arguments"); err != nil {
				return nil, err
			}
		}
		result, err = r.parallel(ctx, args)
	case TypeMap:
		result, err = r.mapState(ctx, input)
	}
	if err == nil {
		err = r.checkSize(result)
	}
	if err != nil {
		return nil, err
	}
	env.states["result"] = result
	if err := r.evalAssign(st.Assign, nil, env); err != nil {
		return nil, err
	}
	out, err := r.outputJ(jx.Output, env, result)
	if err != nil {
		return nil, err
	}
	return out, r.checkSize(out)
}

// positiveJ evaluates a positive integer field (0 when absent).
func (r *stateRun) positiveJ(j *jvalue, env *jenv, field string) (int64, *StatesError) {
	if j == nil {
		return 0, nil
	}
	v, err := r.evalJ(j, env, field)
	if err != nil {
		return 0, err
	}
	n, ok := isInteger(v)
	if !ok || n <= 0 {
		return 0, r.fieldFailed(field, "The %s field must evaluate to a positive integer, but was: %s", field, EncodeJSON(v))
	}
	return n, nil
}

// nonNegativeJ evaluates a non-negative integer field of a Map state.
func (r *stateRun) nonNegativeJ(j *jvalue, env *jenv, field string) (int64, *StatesError) {
	v, err := r.evalJ(j, env, field)
	if err != nil {
		return 0, err
	}
	n, ok := isInteger(v)
	if !ok || n < 0 {
		return 0, r.fieldFailed(field, "The %s field must evaluate to a non-negative integer, but was: %s", field, EncodeJSON(v))
	}
	return n, nil
}

// mapItemsJSONata is the array a JSONata Map state iterates: Items (an
// array of values and expressions, or one expression) or the input.
func (r *stateRun) mapItemsJSONata(input any) (any, *StatesError) {
	j := r.st.jx.Items
	if j == nil {
		if _, ok := input.([]any); !ok {
			return nil, r.evaluationFailed("", "Map state input must be an array but was: "+EncodeJSON(input))
		}
		return input, nil
	}
	v, err := r.evalJ(j, r.jenv(input), "Items")
	if err != nil {
		return nil, err
	}
	if _, ok := v.([]any); !ok && j.kind == jExpr {
		return nil, r.evaluationFailed("Items", fmt.Sprintf("The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s", j.expr, jsonTypeName(v), EncodeJSON(v)))
	}
	return v, nil
}

// mapItemSelectorJSONata is the input of item i of a JSONata Map state.
func (r *stateRun) mapItemSelectorJSONata(input any, i int, item any) (any, *StatesError) {
	saved := r.item
	r.item = &mapItem{index: i, value: item}
	defer func() { r.item = saved }()
	return r.evalJ(r.st.jx.ItemSelector, r.jenv(input), "ItemSelector")
}

// jsonTypeName names a value's JSON type as AWS's messages do.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	if _, ok := toFloat(v); ok {
		return "number"
	}
	return "unknown"
}
