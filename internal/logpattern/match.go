package logpattern

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

type valueKind int

const (
	vString valueKind = iota
	vGlob
	vNumber
	vRegex
)

// value is the right side of a comparison.
type value struct {
	kind valueKind
	text string
	num  float64
	re   *regexp.Regexp
}

// eqString compares the value with a string field.
func (v value) eqString(s string) bool {
	switch v.kind {
	case vGlob, vRegex:
		return v.re.MatchString(s)
	case vNumber:
		if n, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return n == v.num
		}
	}
	return s == v.text
}

// compare applies op to a field's text (numeric ops need a number).
func (v value) compare(op, s string, isNumber bool) bool {
	switch op {
	case "=":
		return v.eqString(s)
	case "!=":
		return !v.eqString(s)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !isNumber && s == "" {
		return false
	}
	switch op {
	case "<":
		return n < v.num
	case "<=":
		return n <= v.num
	case ">":
		return n > v.num
	case ">=":
		return n >= v.num
	}
	return false
}

// env is what a condition is evaluated against: a decoded JSON event or
// the fields of a space-delimited one.
type env struct {
	doc    any
	fields map[string]string
}

type node interface{ eval(e *env) bool }

type andNode struct{ l, r node }
type orNode struct{ l, r node }

func (n andNode) eval(e *env) bool { return n.l.eval(e) && n.r.eval(e) }
func (n orNode) eval(e *env) bool  { return n.l.eval(e) || n.r.eval(e) }

// selector is a JSON property selector.
type selector struct {
	text  string
	steps []step
}

type step struct {
	key     string
	index   int
	isIndex bool
	wild    bool
}

// resolve returns the values the selector reaches in doc.
func (s selector) resolve(doc any) []any {
	cur := []any{doc}
	for _, st := range s.steps {
		var next []any
		for _, v := range cur {
			switch {
			case st.wild:
				switch c := v.(type) {
				case map[string]any:
					for _, x := range c {
						next = append(next, x)
					}
				case []any:
					next = append(next, c...)
				}
			case st.isIndex:
				if a, ok := v.([]any); ok && st.index < len(a) {
					next = append(next, a[st.index])
				}
			default:
				if m, ok := v.(map[string]any); ok {
					if x, ok := m[st.key]; ok {
						next = append(next, x)
					}
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil
		}
	}
	return cur
}

// jsonCmp is one condition of a JSON pattern.
type jsonCmp struct {
	sel selector
	op  string
	val value
}

func (c *jsonCmp) eval(e *env) bool {
	vals := c.sel.resolve(e.doc)
	if c.op == "NOT EXISTS" {
		return len(vals) == 0
	}
	for _, v := range vals {
		if c.one(v) {
			return true
		}
	}
	return false
}

func (c *jsonCmp) one(v any) bool {
	switch c.op {
	case "IS TRUE":
		return v == true
	case "IS FALSE":
		return v == false
	case "IS NULL":
		return v == nil
	}
	switch x := v.(type) {
	case string:
		if c.val.kind == vNumber && c.op != "=" && c.op != "!=" {
			return false // numeric comparisons need a JSON number
		}
		return c.val.compare(c.op, x, false)
	case json.Number:
		return c.val.compare(c.op, x.String(), true)
	case bool:
		return (c.op == "=" || c.op == "!=") && c.val.compare(c.op, strconv.FormatBool(x), false)
	case nil:
		return (c.op == "=" || c.op == "!=") && c.val.compare(c.op, "null", false)
	}
	return false // objects and arrays compare with nothing
}

// fieldCmp is one condition of a space-delimited pattern.
type fieldCmp struct {
	field string
	op    string
	val   value
}

func (c *fieldCmp) eval(e *env) bool {
	s, ok := e.fields[c.field]
	return ok && c.val.compare(c.op, s, false)
}

// Match reports whether the event message matches the pattern.
func (p *Pattern) Match(msg string) bool {
	ok, _ := p.match(msg)
	return ok
}

// match reports whether msg matches and returns what a match bound: the
// decoded JSON document or the delimited fields.
func (p *Pattern) match(msg string) (bool, *env) {
	switch p.kind {
	case Regex:
		return p.re.MatchString(msg), nil
	case JSON:
		doc, ok := decodeJSON(msg)
		if !ok {
			return false, nil
		}
		e := &env{doc: doc}
		return p.expr.eval(e), e
	case Delimited:
		toks := Tokenize(msg)
		var found *env
		budget := maxBindSteps
		p.bind(toks, 0, 0, map[string]string{}, &budget, func(f map[string]string) bool {
			e := &env{fields: f}
			for _, c := range p.conds {
				if !c.eval(e) {
					return false
				}
			}
			found = &env{fields: clone(f)}
			return true
		})
		return found != nil, found
	}
	for _, t := range p.all {
		if !strings.Contains(msg, t) {
			return false, nil
		}
	}
	for _, t := range p.none {
		if strings.Contains(msg, t) {
			return false, nil
		}
	}
	if len(p.any) == 0 {
		return true, nil
	}
	for _, t := range p.any {
		if strings.Contains(msg, t) {
			return true, nil
		}
	}
	return false, nil
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// maxBindSteps bounds the work of matching one event against a
// space-delimited pattern with several '...': an event that needs more is
// not matched (a pattern such as [a, ..., b, ..., c] over an event of
// thousands of fields would otherwise take cubic time).
const maxBindSteps = 1 << 20

// bind assigns tokens to slots from slot i and token j on; '...' takes any
// number of tokens. ok is called with each complete binding until it
// accepts one, or until the budget of steps runs out.
func (p *Pattern) bind(toks []string, i, j int, f map[string]string, budget *int, ok func(map[string]string) bool) bool {
	if *budget--; *budget < 0 {
		return false
	}
	if i == len(p.slots) {
		return j == len(toks) && ok(f)
	}
	s := p.slots[i]
	if s.ellipsis {
		for k := j; k <= len(toks); k++ {
			if p.bind(toks, i+1, k, f, budget, ok) {
				return true
			}
		}
		return false
	}
	if j == len(toks) {
		return false
	}
	f[s.name] = toks[j]
	done := p.bind(toks, i+1, j+1, f, budget, ok)
	delete(f, s.name)
	return done
}

// Tokenize splits a space-delimited event into fields as CloudWatch Logs
// does: runs of characters between spaces, where "..." and [...] are one
// field each (without their quotes or brackets).
func Tokenize(msg string) []string {
	var out []string
	for i := 0; i < len(msg); {
		if isSpace(msg[i]) {
			i++
			continue
		}
		var closer byte
		switch msg[i] {
		case '"':
			closer = '"'
		case '[':
			closer = ']'
		}
		if closer != 0 {
			if end := strings.IndexByte(msg[i+1:], closer); end >= 0 {
				out = append(out, msg[i+1:i+1+end])
				i += end + 2
				continue
			}
		}
		j := i
		for j < len(msg) && !isSpace(msg[j]) {
			j++
		}
		out = append(out, msg[i:j])
		i = j
	}
	return out
}

func decodeJSON(msg string) (any, bool) {
	t := strings.TrimSpace(msg)
	if t == "" || t[0] != '{' {
		return nil, false
	}
	d := json.NewDecoder(strings.NewReader(t))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, false
	}
	return doc, true
}

// Result is the outcome of matching one event, with the values the
// pattern extracted.
type Result struct {
	Matched bool
	// Values are the values the pattern names: "$field" for the fields of
	// a space-delimited pattern, the selector ("$.a.b") for the properties
	// of a JSON pattern, as TestMetricFilter returns them.
	Values map[string]string
	env    *env
}

// Test matches msg and returns the values the pattern extracted.
func (p *Pattern) Test(msg string) Result {
	ok, e := p.match(msg)
	r := Result{Matched: ok, Values: map[string]string{}, env: e}
	if !ok || e == nil {
		return r
	}
	switch p.kind {
	case JSON:
		for _, s := range p.selectors {
			if v, ok := r.Value(s); ok {
				r.Values[s] = v
			}
		}
	case Delimited:
		for k, v := range e.fields {
			r.Values["$"+k] = v
		}
	}
	return r
}

// Value returns what a metric value or dimension selector names in a
// matched event: "$.a.b" for a JSON pattern, "$field" for a space-delimited
// one. ok is false when the event has no such value.
func (r Result) Value(sel string) (string, bool) {
	if r.env == nil {
		return "", false
	}
	if r.env.fields != nil {
		v, ok := r.env.fields[strings.TrimPrefix(sel, "$")]
		return v, ok && strings.HasPrefix(sel, "$")
	}
	sc := &scanner{s: sel}
	s, err := sc.selector()
	if err != nil || sc.i != len(sel) {
		return "", false
	}
	vals := s.resolve(r.env.doc)
	if len(vals) == 0 {
		return "", false
	}
	switch x := vals[0].(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case nil:
		return "null", true
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "", false
		}
		return string(bytes.TrimSpace(b)), true
	}
}

// CheckSelector reports whether sel can name a value of this pattern's
// events: "$.a.b" for JSON patterns, "$field" (a declared field) for
// space-delimited ones. Unstructured patterns have no values.
func (p *Pattern) CheckSelector(sel string) bool {
	switch p.kind {
	case JSON:
		sc := &scanner{s: sel}
		_, err := sc.selector()
		return err == nil && sc.i == len(sel)
	case Delimited:
		return strings.HasPrefix(sel, "$") && p.names[sel[1:]]
	}
	return false
}
