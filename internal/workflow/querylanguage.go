package workflow

import (
	"fmt"
	"slices"
)

// Query languages.
const (
	QueryLanguageJSONPath = "JSONPath"
	QueryLanguageJSONata  = "JSONata"
)

// jsonataFields are the fields of a JSONata state that take expressions
// (nil: absent or, for the numeric ones, a literal held in the State's
// usual field).
type jsonataFields struct {
	Arguments, Output, Items, ItemSelector *jvalue
	TimeoutSeconds, HeartbeatSeconds       *jvalue
	Seconds, Timestamp                     *jvalue
	MaxConcurrency                         *jvalue
	ToleratedFailureCount                  *jvalue
	ToleratedFailurePercentage             *jvalue
	Error, Cause                           *jvalue
}

// Fields of JSONata states: no InputPath, Parameters, ResultSelector,
// ResultPath, OutputPath or ...Path fields; Arguments, Output and Assign
// instead.
var jsonataStateFields = map[string][]string{
	TypePass:     {"Next", "End", "Output", "Assign"},
	TypeTask:     {"Next", "End", "Arguments", "Output", "Assign", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "Retry", "Catch", "Credentials"},
	TypeChoice:   {"Choices", "Default", "Output", "Assign"},
	TypeWait:     {"Next", "End", "Seconds", "Timestamp", "Output", "Assign"},
	TypeSucceed:  {"Output"},
	TypeFail:     {"Error", "Cause"},
	TypeParallel: {"Next", "End", "Arguments", "Output", "Assign", "Branches", "Retry", "Catch"},
	TypeMap:      {"Next", "End", "Output", "Assign", "Retry", "Catch", "Items", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "Label", "ToleratedFailureCount", "ToleratedFailurePercentage", "ItemReader", "ItemBatcher", "ResultWriter"},
}

// jsonPathFieldsOnly are the JSONPath fields AWS refuses in a JSONata
// state, with what to use instead.
var jsonPathFieldsOnly = map[string]string{
	"InputPath":      "use $states.input in Arguments or Output",
	"Parameters":     "use Arguments",
	"ResultSelector": "use Output",
	"ResultPath":     "use Output (and Assign)",
	"OutputPath":     "use Output",
	"Result":         "use Output",
}

// stateIsJSONata decides a state's query language: its own QueryLanguage
// or the state machine's. A JSONata state machine cannot have JSONPath
// states.
func (p *parser) stateIsJSONata(obj map[string]any, at string) bool {
	ql, ok := obj["QueryLanguage"]
	if !ok {
		return p.jsonataDefault
	}
	switch ql {
	case QueryLanguageJSONata:
		return true
	case QueryLanguageJSONPath:
		if p.jsonataDefault {
			p.probs.add(at+"/QueryLanguage", "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
		}
		return false
	}
	p.probs.add(at+"/QueryLanguage", "must be \"JSONPath\" or \"JSONata\"")
	return p.jsonataDefault
}

// jsonataOrInt parses a numeric field of a JSONata state: an integer
// literal (into *n) or a "{% %}" expression.
func (p *parser) jsonataOrInt(obj map[string]any, key, at string, lo, hi int64, n *int64) *jvalue {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	if s, isStr := v.(string); isStr {
		if _, isExpr := jsonataExpr(s); isExpr {
			return p.jvalue(s, at+"/"+key)
		}
		p.probs.add(at+"/"+key, "must be an integer or a JSONata expression \"{%% ... %%}\"")
		return nil
	}
	*n = p.posInt(obj, key, at, lo, hi)
	return nil
}

// jsonataState parses the type-specific fields of a JSONata state (the
// common ones, transitions, Retry and Branches are parsed by state).
func (p *parser) jsonataState(st *State, obj map[string]any, at string) {
	for _, k := range sortedKeys(obj) {
		if hint, ok := jsonPathFieldsOnly[k]; ok {
			p.probs.add(at+"/"+k, "a JSONata state cannot have %s: %s", k, hint)
		}
	}
	jx := &st.jx
	if v, ok := obj["Arguments"]; ok {
		jx.Arguments = p.jvalue(v, at+"/Arguments")
	}
	if v, ok := obj["Output"]; ok {
		jx.Output = p.jvalue(v, at+"/Output")
	}
	st.Assign = p.assignment(obj, at, true)
	switch st.Type {
	case TypeTask:
		st.Resource = p.str(obj, "Resource", at, true)
		if st.Resource != "" && !p.opts.Resources.Supports(st.Resource) {
			if ex, ok := p.opts.Resources.(ResourceExplainer); ok {
				p.probs.add(at+"/Resource", "%s", ex.Unsupported(st.Resource))
			} else {
				p.probs.add(at+"/Resource", "resource %q is not supported", st.Resource)
			}
		}
		jx.TimeoutSeconds = p.jsonataOrInt(obj, "TimeoutSeconds", at, 1, 99999999, &st.TimeoutSeconds)
		jx.HeartbeatSeconds = p.jsonataOrInt(obj, "HeartbeatSeconds", at, 1, 99999999, &st.HeartbeatSeconds)
		if st.TimeoutSeconds > 0 && st.HeartbeatSeconds >= st.TimeoutSeconds {
			p.probs.add(at+"/HeartbeatSeconds", "must be smaller than TimeoutSeconds")
		}
		if c, ok := obj["Credentials"]; ok {
			st.Credentials = c
		}
	case TypeChoice:
		p.jsonataChoice(st, obj, at)
	case TypeWait:
		n := 0
		if v, ok := obj["Seconds"]; ok {
			n++
			var secs int64
			jx.Seconds = p.jsonataOrInt(obj, "Seconds", at, 0, 0, &secs)
			if _, isStr := v.(string); !isStr {
				st.Seconds = &secs
			}
		}
		if v, ok := obj["Timestamp"]; ok {
			n++
			s, _ := v.(string)
			if _, isExpr := jsonataExpr(s); isExpr {
				jx.Timestamp = p.jvalue(s, at+"/Timestamp")
			} else if ts, err := parseTimestamp(s); err != nil {
				p.probs.add(at+"/Timestamp", "must be an ISO-8601 extended offset date-time string such as 2016-03-14T01:59:00Z, or a JSONata expression")
			} else {
				st.Timestamp = &ts
			}
		}
		if n != 1 {
			p.probs.add(at, "must have exactly one of \"Seconds\" and \"Timestamp\"")
		}
	case TypeFail:
		for _, k := range []string{"Error", "Cause"} {
			v, ok := obj[k]
			if !ok {
				continue
			}
			s, isStr := v.(string)
			if !isStr {
				p.probs.add(at+"/"+k, "must be a string")
				continue
			}
			j := p.jvalue(s, at+"/"+k)
			if k == "Error" {
				st.Error, jx.Error = s, j
			} else {
				st.Cause, jx.Cause = s, j
			}
		}
	case TypeMap:
		p.jsonataMap(st, obj, at)
	}
}

func (p *parser) jsonataMap(st *State, obj map[string]any, at string) {
	jx := &st.jx
	if v, ok := obj["Items"]; ok {
		switch x := v.(type) {
		case []any:
			jx.Items = p.jvalue(x, at+"/Items")
		case string:
			if _, isExpr := jsonataExpr(x); isExpr {
				jx.Items = p.jvalue(x, at+"/Items")
			} else {
				p.probs.add(at+"/Items", "must be an array or a JSONata expression")
			}
		default:
			p.probs.add(at+"/Items", "must be an array or a JSONata expression")
		}
	}
	if v, ok := obj["ItemSelector"]; ok {
		jx.ItemSelector = p.jvalue(v, at+"/ItemSelector")
	}
	jx.MaxConcurrency = p.jsonataOrInt(obj, "MaxConcurrency", at, 0, 0, &st.MaxConcurrency)
	if _, ok := obj["ToleratedFailureCount"]; ok {
		var n int64
		jx.ToleratedFailureCount = p.jsonataOrInt(obj, "ToleratedFailureCount", at, 0, 0, &n)
		if jx.ToleratedFailureCount == nil {
			st.ToleratedFailureCount = &n
		}
	}
	if v, ok := obj["ToleratedFailurePercentage"]; ok {
		if s, isStr := v.(string); isStr {
			jx.ToleratedFailurePercentage = p.jvalue(s, at+"/ToleratedFailurePercentage")
			if jx.ToleratedFailurePercentage.kind != jExpr {
				p.probs.add(at+"/ToleratedFailurePercentage", "must be a number between 0 and 100 or a JSONata expression")
			}
		} else {
			f, isNum := toFloat(v)
			if !isNum || f < 0 || f > 100 {
				p.probs.add(at+"/ToleratedFailurePercentage", "must be a number between 0 and 100")
			}
			st.ToleratedFailurePercentage = &f
		}
	}
	p.distributedMap(st, obj, at)
	p.mapLabelAndProcessor(st, obj, at)
}

// jsonataChoice parses Choices whose rules are JSONata Conditions.
func (p *parser) jsonataChoice(st *State, obj map[string]any, at string) {
	cv, ok := obj["Choices"]
	arr, isArr := cv.([]any)
	switch {
	case !ok:
		p.probs.add(at, "missing required field \"Choices\"")
	case !isArr || len(arr) == 0:
		p.probs.add(at+"/Choices", "must be a non-empty array")
	default:
		for i, c := range arr {
			rat := fmt.Sprintf("%s/Choices/%d", at, i)
			co, isObj := c.(map[string]any)
			if !isObj {
				p.probs.add(rat, "must be an object")
				continue
			}
			for _, k := range sortedKeys(co) {
				if !slices.Contains([]string{"Condition", "Next", "Comment", "Assign", "Output"}, k) {
					p.probs.add(rat+"/"+k, "field is not allowed in a JSONata choice rule (use \"Condition\")")
				}
			}
			r := &ChoiceRule{Next: p.str(co, "Next", rat, true)}
			cond, hasCond := co["Condition"]
			switch s, isStr := cond.(string); {
			case !hasCond:
				p.probs.add(rat, "missing required field \"Condition\"")
			case isStr:
				if _, isExpr := jsonataExpr(s); !isExpr {
					p.probs.add(rat+"/Condition", "must be a JSONata expression \"{%% ... %%}\" or a boolean")
				}
				r.Condition = p.jvalue(s, rat+"/Condition")
			default:
				if _, isBool := cond.(bool); !isBool {
					p.probs.add(rat+"/Condition", "must be a JSONata expression \"{%% ... %%}\" or a boolean")
				}
				r.Condition = &jvalue{kind: jLit, lit: cond}
			}
			r.Assign = p.assignment(co, rat, true)
			if v, ok := co["Output"]; ok {
				r.Output = p.jvalue(v, rat+"/Output")
			}
			st.Choices = append(st.Choices, r)
		}
	}
	if _, ok := obj["Default"]; ok {
		st.Default = p.str(obj, "Default", at, true)
	}
}

// jsonataCatcher parses the Output and Assign of a catcher of a JSONata
// state (a JSONPath one has ResultPath and Assign).
func (p *parser) catcherExtras(c *Catcher, co map[string]any, cat string, jsonataMode bool) {
	c.Assign = p.assignment(co, cat, jsonataMode)
	if v, ok := co["Output"]; ok && jsonataMode {
		c.Output = p.jvalue(v, cat+"/Output")
	}
}

// branches parses the Branches of a Parallel state, JSONPath or JSONata:
// an empty array gets AWS's "Value cannot be empty".
func (p *parser) branches(st *State, obj map[string]any, at string) {
	if arr, ok := obj["Branches"].([]any); ok && len(arr) == 0 {
		p.probs.add(at+"/Branches", "Value cannot be empty")
		return
	}
	for i, b := range p.nonEmptyArray(obj, "Branches", at) {
		st.Branches = append(st.Branches, p.machine(b, fmt.Sprintf("%s/Branches/%d", at, i), false))
	}
}

// nonEmptyArray returns obj[key] when it is a non-empty array; otherwise
// it reports the field missing or not a non-empty array, and returns nil.
func (p *parser) nonEmptyArray(obj map[string]any, key, at string) []any {
	v, ok := obj[key]
	arr, isArr := v.([]any)
	switch {
	case !ok:
		p.probs.add(at, "missing required field %q", key)
	case !isArr || len(arr) == 0:
		p.probs.add(at+"/"+key, "must be a non-empty array")
	default:
		return arr
	}
	return nil
}
