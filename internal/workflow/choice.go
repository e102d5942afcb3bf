package workflow

import (
	"strings"
)

// choose evaluates the Choice rules in order and returns the next state.
func (r *stateRun) choose(input any) (string, *StatesError) {
	for _, c := range r.st.Choices {
		ok, err := r.evalRule(c, input)
		if err != nil {
			return "", err
		}
		if ok {
			r.matched = c
			return c.Next, nil
		}
	}
	if r.st.Default != "" {
		return r.st.Default, nil
	}
	return "", &StatesError{Name: ErrNoChoiceMatched, Cause: "No Matches!"}
}

func (r *stateRun) evalRule(c *ChoiceRule, input any) (bool, *StatesError) {
	switch {
	case c.And != nil:
		for _, s := range c.And {
			ok, err := r.evalRule(s, input)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case c.Or != nil:
		for _, s := range c.Or {
			ok, err := r.evalRule(s, input)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case c.Not != nil:
		ok, err := r.evalRule(c.Not, input)
		return !ok, err
	}
	if c.Variable == nil {
		return false, nil
	}
	v, perr := r.evalPath(c.Variable, input)
	present := perr == nil
	if c.Operator == "IsPresent" {
		want, _ := c.Value.(bool)
		return present == want, nil
	}
	if !present {
		return false, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", c.Variable.raw, perr)
	}
	operand := c.Value
	op := c.Operator
	if c.ValuePath != nil {
		var err error
		operand, err = r.evalPath(c.ValuePath, input)
		if err != nil {
			return false, r.runtimeError(ErrRuntime, "Invalid path '%s' : %v", c.ValuePath.raw, err)
		}
		op = strings.TrimSuffix(op, "Path")
	}
	return Compare(op, v, operand), nil
}

// Compare applies a Choice comparison operator (without the Path suffix)
// to a variable value and an operand. Values of the wrong type compare
// false.
func Compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		want, _ := operand.(bool)
		return (v == nil) == want
	case "IsNumeric":
		_, isNum := toFloat(v)
		want, _ := operand.(bool)
		return isNum == want
	case "IsString":
		_, isStr := v.(string)
		want, _ := operand.(bool)
		return isStr == want
	case "IsBoolean":
		_, isBool := v.(bool)
		want, _ := operand.(bool)
		return isBool == want
	case "IsTimestamp":
		s, isStr := v.(string)
		ok := false
		if isStr {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		want, _ := operand.(bool)
		return ok == want
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(a, b)
	}
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return cmpResult(op[len("String"):], strings.Compare(a, b))
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := toFloat(v)
		b, ok2 := toFloat(operand)
		if !ok1 || !ok2 {
			return false
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return cmpResult(op[len("Numeric"):], c)
	case strings.HasPrefix(op, "Timestamp"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		ta, err1 := parseTimestamp(a)
		tb, err2 := parseTimestamp(b)
		if err1 != nil || err2 != nil {
			return false
		}
		return cmpResult(op[len("Timestamp"):], ta.Compare(tb))
	}
	return false
}

func cmpResult(kind string, c int) bool {
	switch kind {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// stringMatches matches s against a pattern where '*' matches any run of
// characters and "\*" / "\\" are literal.
func stringMatches(s, pattern string) bool {
	type tok struct {
		star bool
		ch   rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			toks = append(toks, tok{ch: rs[i+1]})
			i++
			continue
		}
		toks = append(toks, tok{star: rs[i] == '*', ch: rs[i]})
	}
	in := []rune(s)
	// dp over positions
	var match func(ti, si int) bool
	memo := map[[2]int]bool{}
	match = func(ti, si int) bool {
		key := [2]int{ti, si}
		if v, ok := memo[key]; ok {
			return v
		}
		var res bool
		switch {
		case ti == len(toks):
			res = si == len(in)
		case toks[ti].star:
			res = match(ti+1, si) || (si < len(in) && match(ti, si+1))
		default:
			res = si < len(in) && in[si] == toks[ti].ch && match(ti+1, si+1)
		}
		memo[key] = res
		return res
	}
	return match(0, 0)
}

// String renders the rule compactly, for pictures and messages:
// `$.n > 3`, `$.s == "ok"`, `$.x present`, `not (...)`, `(a and b)`.
func (c *ChoiceRule) String() string {
	join := func(rules []*ChoiceRule, sep string) string {
		parts := make([]string, len(rules))
		for i, r := range rules {
			parts[i] = r.String()
		}
		return "(" + strings.Join(parts, sep) + ")"
	}
	switch {
	case c.And != nil:
		return join(c.And, " and ")
	case c.Or != nil:
		return join(c.Or, " or ")
	case c.Not != nil:
		return "not " + c.Not.String()
	case c.Variable == nil:
		return "?"
	}
	op := c.Operator
	operand := ""
	if c.ValuePath != nil {
		op = strings.TrimSuffix(op, "Path")
		operand = c.ValuePath.raw
	} else {
		operand = EncodeJSON(c.Value)
	}
	if strings.HasPrefix(op, "Is") {
		what := strings.ToLower(strings.TrimPrefix(op, "Is"))
		if b, ok := c.Value.(bool); ok && !b {
			return c.Variable.raw + " not " + what
		}
		return c.Variable.raw + " " + what
	}
	symbols := []struct{ suffix, sym string }{
		{"GreaterThanEquals", ">="}, {"LessThanEquals", "<="}, {"GreaterThan", ">"}, {"LessThan", "<"}, {"Equals", "=="}, {"Matches", "matches"},
	}
	for _, s := range symbols {
		if strings.HasSuffix(op, s.suffix) {
			return c.Variable.raw + " " + s.sym + " " + operand
		}
	}
	return c.Variable.raw + " " + op + " " + operand
}
