package workflow

import "github.com/blues/jsonata-go/jparse"

// emptyArrayAtPathEnd reports whether expr is a path whose last step is a
// field holding an empty array, such as $states.input.items with
// {"items": []}. jsonata-go (JSONata 1.5) makes any path that reaches an
// empty array undefined; JSONata 2, which AWS runs, returns the array when
// the last step yields exactly one value and that value is an array. The
// evaluator calls this only for a path that came out undefined, to tell
// that case from a path that reaches nothing.
func (r *stateRun) emptyArrayAtPathEnd(expr string, env *jenv) bool {
	root, err := jparse.Parse(expr)
	if err != nil {
		return false
	}
	p, ok := root.(*jparse.PathNode)
	if !ok || p.KeepArrays || len(p.Steps) < 2 {
		return false
	}
	last, ok := p.Steps[len(p.Steps)-1].(*jparse.NameNode)
	if !ok {
		return false
	}
	prefix := jparse.PathNode{Steps: p.Steps[:len(p.Steps)-1]}
	v, jerr := r.evalJSONata(prefix.String(), env)
	if jerr != nil {
		return false
	}
	// The last step over the value (or each value) the prefix reaches.
	var found []any
	step := func(x any) {
		if m, ok := x.(map[string]any); ok {
			if f, ok := m[last.Value]; ok {
				found = append(found, f)
			}
		}
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			step(e)
		}
	} else {
		step(v)
	}
	if len(found) != 1 {
		return false
	}
	arr, ok := found[0].([]any)
	return ok && len(arr) == 0
}
