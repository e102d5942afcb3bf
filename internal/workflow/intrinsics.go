package workflow

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Intrinsic is a parsed intrinsic function call such as
// `States.Format('Hello {}', $.name)`.
type Intrinsic struct {
	raw  string
	name string
	args []intrinsicArg
}

type intrinsicArg struct {
	lit  any        // literal value (string, json.Number, bool, nil)
	path *Path      // $... or $$...
	call *Intrinsic // nested call
}

// intrinsicArity is the accepted argument count per function: min, max
// (-1 = unbounded).
var intrinsicArity = map[string][2]int{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

// IsIntrinsic reports whether s looks like an intrinsic function call.
func IsIntrinsic(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "States.")
}

// ParseIntrinsic parses an intrinsic function call, nested calls included.
func ParseIntrinsic(s string) (*Intrinsic, error) {
	p := &intrinsicParser{s: s}
	call, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("invalid intrinsic function %q: %v", s, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("invalid intrinsic function %q: unexpected %q", s, p.s[p.i:])
	}
	call.raw = s
	return call, nil
}

type intrinsicParser struct {
	s string
	i int
}

func (p *intrinsicParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *intrinsicParser) call() (*Intrinsic, error) {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '(' {
		p.i++
	}
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("missing '('")
	}
	name := strings.TrimSpace(p.s[start:p.i])
	ar, ok := intrinsicArity[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	p.i++ // (
	c := &Intrinsic{name: name}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	} else {
		for {
			arg, err := p.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, arg)
			p.skipSpace()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("missing ')'")
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			if p.s[p.i] != ',' {
				return nil, fmt.Errorf("expected ',' at %q", p.s[p.i:])
			}
			p.i++
		}
	}
	if len(c.args) < ar[0] || (ar[1] >= 0 && len(c.args) > ar[1]) {
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, arityText(ar), len(c.args))
	}
	return c, nil
}

func arityText(ar [2]int) string {
	switch {
	case ar[1] < 0:
		return fmt.Sprintf("at least %d", ar[0])
	case ar[0] == ar[1]:
		return strconv.Itoa(ar[0])
	}
	return fmt.Sprintf("%d to %d", ar[0], ar[1])
}

func (p *intrinsicParser) arg() (intrinsicArg, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return intrinsicArg{}, fmt.Errorf("missing argument")
	}
	rest := p.s[p.i:]
	switch {
	case rest[0] == '\'':
		var sb strings.Builder
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == '\\' && p.i+1 < len(p.s) {
				if n := p.s[p.i+1]; n == '{' || n == '}' {
					sb.WriteByte('\\') // kept for States.Format
				}
				sb.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			if c == '\'' {
				p.i++
				return intrinsicArg{lit: sb.String()}, nil
			}
			sb.WriteByte(c)
			p.i++
		}
		return intrinsicArg{}, fmt.Errorf("unterminated string literal")
	case strings.HasPrefix(rest, "States."):
		c, err := p.call()
		if err != nil {
			return intrinsicArg{}, err
		}
		return intrinsicArg{call: c}, nil
	case rest[0] == '$':
		end := p.scanPathEnd()
		path, err := ParsePath(strings.TrimSpace(p.s[p.i:end]))
		if err != nil {
			return intrinsicArg{}, err
		}
		p.i = end
		return intrinsicArg{path: path}, nil
	}
	end := p.i
	for end < len(p.s) && p.s[end] != ',' && p.s[end] != ')' {
		end++
	}
	tok := strings.TrimSpace(p.s[p.i:end])
	p.i = end
	switch tok {
	case "null":
		return intrinsicArg{lit: nil}, nil
	case "true":
		return intrinsicArg{lit: true}, nil
	case "false":
		return intrinsicArg{lit: false}, nil
	}
	if _, err := strconv.ParseFloat(tok, 64); err == nil {
		return intrinsicArg{lit: json.Number(tok)}, nil
	}
	return intrinsicArg{}, fmt.Errorf("bad argument %q", tok)
}

// scanPathEnd finds the end of a JSONPath argument: the first ',' or ')'
// outside brackets, parentheses and quotes.
func (p *intrinsicParser) scanPathEnd() int {
	depth := 0
	var q byte
	for j := p.i; j < len(p.s); j++ {
		c := p.s[j]
		if q != 0 {
			if c == q {
				q = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			q = c
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				return j
			}
			depth--
		case ',':
			if depth == 0 {
				return j
			}
		}
	}
	return len(p.s)
}

// intrinsicEnv is what an intrinsic call can read.
type intrinsicEnv struct {
	input   any
	context any
	random  func(lo, hi int64, seed *int64) int64
	uuid    func() string
	// lookupVar resolves the variable of a "$name" path argument.
	lookupVar func(name string) (any, error)
}

// errIntrinsic is raised for a failing intrinsic (States.IntrinsicFailure
// or States.Runtime for path problems).
type intrinsicError struct {
	err  *StatesError
	path *Path
}

func (e *intrinsicError) Error() string { return e.err.Cause }

func intrinsicFail(format string, a ...any) error {
	return &intrinsicError{err: &StatesError{Name: ErrIntrinsicFailure, Cause: fmt.Sprintf(format, a...)}}
}

// Eval evaluates the call.
func (c *Intrinsic) eval(env *intrinsicEnv) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch {
		case a.call != nil:
			v, err := a.call.eval(env)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.path != nil:
			root := env.input
			if a.path.context {
				root = env.context
			}
			if name := a.path.variable; name != "" {
				var err error
				if env.lookupVar == nil {
					return nil, &intrinsicError{path: a.path, err: &StatesError{Name: ErrRuntime, Cause: "no variables here"}}
				}
				if root, err = env.lookupVar(name); err != nil {
					return nil, &intrinsicError{path: a.path, err: &StatesError{Name: ErrRuntime, Cause: err.Error()}}
				}
			}
			v, err := a.path.Eval(root)
			if err != nil {
				return nil, &intrinsicError{path: a.path, err: &StatesError{Name: ErrRuntime, Cause: err.Error()}}
			}
			args[i] = v
		default:
			args[i] = a.lit
		}
	}
	return callIntrinsic(c.name, args, env)
}

func argString(name string, v any, i int) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", intrinsicFail("The %s argument of %s must be a string, but was %s", ordinal(i), name, typeName(v))
	}
	return s, nil
}

func argArray(name string, v any, i int) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, intrinsicFail("The %s argument of %s must be an array, but was %s", ordinal(i), name, typeName(v))
	}
	return a, nil
}

func argInt(name string, v any, i int) (int64, error) {
	n, ok := isInteger(v)
	if !ok {
		return 0, intrinsicFail("The %s argument of %s must be an integer, but was %s", ordinal(i), name, EncodeJSON(v))
	}
	return n, nil
}

func ordinal(i int) string {
	return [...]string{"first", "second", "third", "fourth"}[min(i, 3)]
}

// javaString renders v the way Java's toString prints Jackson-converted
// values, as States.Format does.
func javaString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, k+"="+javaString(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return EncodeJSON(v)
}

func callIntrinsic(name string, args []any, env *intrinsicEnv) (any, error) {
	switch name {
	case "States.Format":
		tmpl, err := argString(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		var sb strings.Builder
		n := 1
		for i := 0; i < len(tmpl); i++ {
			c := tmpl[i]
			if c == '\\' && i+1 < len(tmpl) {
				sb.WriteByte(tmpl[i+1])
				i++
				continue
			}
			if c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
				if n >= len(args) {
					return nil, intrinsicFail("States.Format has more placeholders than arguments")
				}
				sb.WriteString(javaString(args[n]))
				n++
				i++
				continue
			}
			sb.WriteByte(c)
		}
		if n != len(args) {
			return nil, intrinsicFail("States.Format has fewer placeholders than arguments")
		}
		return sb.String(), nil
	case "States.StringToJson":
		s, err := argString(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		v, err := DecodeJSON([]byte(s))
		if err != nil {
			return nil, intrinsicFail("States.StringToJson could not parse %q as JSON", s)
		}
		return v, nil
	case "States.JsonToString":
		return EncodeJSON(args[0]), nil
	case "States.Array":
		out := make([]any, len(args))
		copy(out, args)
		return out, nil
	case "States.ArrayPartition":
		a, err := argArray(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		size, err := argInt(name, args[1], 1)
		if err != nil {
			return nil, err
		}
		if size <= 0 {
			return nil, intrinsicFail("States.ArrayPartition chunk size must be greater than 0, but was %d", size)
		}
		out := []any{}
		for i := 0; i < len(a); i += int(size) {
			chunk := make([]any, 0, size)
			chunk = append(chunk, a[i:min(len(a), i+int(size))]...)
			out = append(out, chunk)
		}
		return out, nil
	case "States.ArrayContains":
		a, err := argArray(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		for _, e := range a {
			if jsonEqual(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	case "States.ArrayRange":
		var n [3]int64
		for i := range 3 {
			v, err := argInt(name, args[i], i)
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		if n[2] == 0 {
			return nil, intrinsicFail("States.ArrayRange step cannot be 0")
		}
		out := []any{}
		for v := n[0]; (n[2] > 0 && v <= n[1]) || (n[2] < 0 && v >= n[1]); v += n[2] {
			out = append(out, json.Number(strconv.FormatInt(v, 10)))
			if len(out) > 1000 {
				return nil, intrinsicFail("States.ArrayRange cannot produce more than 1000 elements")
			}
		}
		return out, nil
	case "States.ArrayGetItem":
		a, err := argArray(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		i, err := argInt(name, args[1], 1)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= int64(len(a)) {
			return nil, intrinsicFail("States.ArrayGetItem index %d is out of bounds for an array of length %d", i, len(a))
		}
		return a[i], nil
	case "States.ArrayLength":
		a, err := argArray(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		return json.Number(strconv.Itoa(len(a))), nil
	case "States.ArrayUnique":
		a, err := argArray(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		out := []any{}
	outer:
		for _, e := range a {
			for _, o := range out {
				if jsonEqual(e, o) {
					continue outer
				}
			}
			out = append(out, e)
		}
		return out, nil
	case "States.Base64Encode":
		s, err := argString(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		if len(s) > 10000 {
			return nil, intrinsicFail("States.Base64Encode input exceeds 10000 characters")
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "States.Base64Decode":
		s, err := argString(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, intrinsicFail("States.Base64Decode input is not valid base64")
		}
		return string(b), nil
	case "States.Hash":
		var data string
		if s, ok := args[0].(string); ok {
			data = s
		} else {
			data = EncodeJSON(args[0])
		}
		algo, err := argString(name, args[1], 1)
		if err != nil {
			return nil, err
		}
		h := newHash(algo)
		if h == nil {
			return nil, intrinsicFail("States.Hash algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", algo)
		}
		h.Write([]byte(data))
		return hex.EncodeToString(h.Sum(nil)), nil
	case "States.JsonMerge":
		a, ok1 := args[0].(map[string]any)
		b, ok2 := args[1].(map[string]any)
		if !ok1 || !ok2 {
			return nil, intrinsicFail("States.JsonMerge arguments must be objects")
		}
		if deep, _ := args[2].(bool); deep {
			return nil, intrinsicFail("States.JsonMerge supports only shallow merges (the third argument must be false)")
		}
		out := make(map[string]any, len(a)+len(b))
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out, nil
	case "States.MathRandom":
		lo, err := argInt(name, roundArg(args[0]), 0)
		if err != nil {
			return nil, err
		}
		hi, err := argInt(name, roundArg(args[1]), 1)
		if err != nil {
			return nil, err
		}
		if hi <= lo {
			return nil, intrinsicFail("States.MathRandom end must be greater than start")
		}
		var seed *int64
		if len(args) == 3 {
			s, err := argInt(name, args[2], 2)
			if err != nil {
				return nil, err
			}
			seed = &s
		}
		return json.Number(strconv.FormatInt(env.random(lo, hi, seed), 10)), nil
	case "States.MathAdd":
		var sum int64
		for i, a := range args {
			f, ok := toFloat(a)
			if !ok {
				return nil, intrinsicFail("The %s argument of States.MathAdd must be a number, but was %s", ordinal(i), typeName(a))
			}
			sum += int64(math.Floor(f + 0.5))
		}
		return json.Number(strconv.FormatInt(sum, 10)), nil
	case "States.StringSplit":
		s, err := argString(name, args[0], 0)
		if err != nil {
			return nil, err
		}
		d, err := argString(name, args[1], 1)
		if err != nil {
			return nil, err
		}
		parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) })
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "States.UUID":
		return env.uuid(), nil
	}
	return nil, intrinsicFail("unknown intrinsic function %s", name)
}

func roundArg(v any) any {
	if f, ok := toFloat(v); ok {
		return json.Number(strconv.FormatInt(int64(math.Floor(f+0.5)), 10))
	}
	return v
}

// javaRandom reproduces java.util.Random(seed).nextInt(bound), which
// Step Functions uses for a seeded States.MathRandom.
func javaRandom(seed int64, bound int64) int64 {
	const mult = 0x5DEECE66D
	const mask = (1 << 48) - 1
	s := (seed ^ mult) & mask
	next := func() int32 {
		s = (s*mult + 0xB) & mask
		return int32(s >> 17)
	}
	if bound <= 0 || bound > math.MaxInt32 {
		return int64(next())
	}
	b := int32(bound)
	if b&(-b) == b {
		return int64((int64(b) * int64(next())) >> 31)
	}
	for {
		bits := next()
		val := bits % b
		if bits-val+(b-1) >= 0 {
			return int64(val)
		}
	}
}
