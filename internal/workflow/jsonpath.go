package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Path is a parsed JSONPath expression of the subset Step Functions accepts:
// `$` (or `$$` for the context object) followed by `.name`, `['name']`,
// `[n]`, `[*]`, `.*`, `[a:b]`, `[a,b]`, `..name` and filters such as
// `[?(@.year <= 1999)]`. A path without wildcards, slices, unions, filters or
// recursive descent is definite and selects a single value (a reference path).
type Path struct {
	raw      string
	context  bool
	variable string // "$name...": the path applies to the variable name
	segs     []segment
	definite bool
}

type segKind int

const (
	segField segKind = iota
	segIndex
	segWildcard
	segSlice
	segUnion
	segFilter
	segRecursive
	segLength
)

type segment struct {
	kind    segKind
	name    string
	index   int
	indices []int
	slice   [3]*int
	filter  filterExpr
	sub     *segment // for segRecursive: the segment applied at each level
}

// String returns the path as written.
func (p *Path) String() string { return p.raw }

// IsContext reports whether the path addresses the context object ($$).
func (p *Path) IsContext() bool { return p.context }

// Definite reports whether the path selects at most one value.
func (p *Path) Definite() bool { return p.definite }

// ParsePath parses a JSONPath expression.
func ParsePath(s string) (*Path, error) {
	p := &Path{raw: s, definite: true}
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("path %q must start with '$'", s)
	}
	rest := s[1:]
	if strings.HasPrefix(rest, "$") {
		p.context = true
		rest = rest[1:]
	} else if n := variableNameLen(rest); n > 0 {
		p.variable, rest = rest[:n], rest[n:]
	}
	for len(rest) > 0 {
		var seg segment
		var err error
		seg, rest, err = parseSegment(rest)
		if err != nil {
			return nil, fmt.Errorf("invalid path %q: %v", s, err)
		}
		if seg.kind != segField && seg.kind != segIndex {
			p.definite = false
		}
		p.segs = append(p.segs, seg)
	}
	return p, nil
}

// variableNameLen is the length of the variable name s starts with (0:
// none).
func variableNameLen(s string) int {
	n := 0
	for i, r := range s {
		if r == '_' || unicode.IsLetter(r) || n > 0 && unicode.IsDigit(r) {
			n = i + utf8.RuneLen(r)
			continue
		}
		break
	}
	return n
}

// Variable is the variable name a "$name..." path starts from ("" when
// the path starts from the input or the context object).
func (p *Path) Variable() string { return p.variable }

// ParseReferencePath parses a reference path: a JSONPath that selects a
// single node (no wildcards, slices, unions, filters or recursive descent).
func ParseReferencePath(s string) (*Path, error) {
	p, err := ParsePath(s)
	if err != nil {
		return nil, err
	}
	if !p.definite {
		return nil, fmt.Errorf("%q is not a valid reference path: it selects more than one node", s)
	}
	return p, nil
}

func isIdentChar(c byte) bool {
	return c != '.' && c != '[' && c != ']' && c != ' ' && c != '(' && c != ')' && c != ',' &&
		c != '=' && c != '<' && c != '>' && c != '!' && c != '&' && c != '|' && c != '\'' && c != '"'
}

func parseSegment(rest string) (segment, string, error) {
	switch {
	case strings.HasPrefix(rest, ".."):
		rest = rest[2:]
		var sub segment
		var err error
		if strings.HasPrefix(rest, "[") {
			sub, rest, err = parseBracket(rest)
		} else if strings.HasPrefix(rest, "*") {
			sub, rest = segment{kind: segWildcard}, rest[1:]
		} else {
			sub, rest, err = parseName(rest)
		}
		if err != nil {
			return segment{}, "", err
		}
		return segment{kind: segRecursive, sub: &sub}, rest, nil
	case strings.HasPrefix(rest, ".["):
		return parseBracket(rest[1:])
	case strings.HasPrefix(rest, ".*"):
		return segment{kind: segWildcard}, rest[2:], nil
	case strings.HasPrefix(rest, ".length()"):
		return segment{kind: segLength}, rest[len(".length()"):], nil
	case strings.HasPrefix(rest, "."):
		return parseName(rest[1:])
	case strings.HasPrefix(rest, "["):
		return parseBracket(rest)
	}
	return segment{}, "", fmt.Errorf("unexpected %q", rest)
}

func parseName(rest string) (segment, string, error) {
	i := 0
	for i < len(rest) && isIdentChar(rest[i]) {
		i++
	}
	if i == 0 {
		return segment{}, "", errors.New("empty property name")
	}
	return segment{kind: segField, name: rest[:i]}, rest[i:], nil
}

func parseBracket(rest string) (segment, string, error) {
	// rest starts with '['
	body := rest[1:]
	if strings.HasPrefix(body, "?(") {
		depth := 0
		inStr := byte(0)
		for i := 1; i < len(body); i++ {
			c := body[i]
			if inStr != 0 {
				if c == inStr {
					inStr = 0
				}
				continue
			}
			switch c {
			case '\'', '"':
				inStr = c
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					if i+1 >= len(body) || body[i+1] != ']' {
						return segment{}, "", errors.New("filter must end with ')]'")
					}
					f, err := parseFilter(body[2:i])
					if err != nil {
						return segment{}, "", err
					}
					return segment{kind: segFilter, filter: f}, body[i+2:], nil
				}
			}
		}
		return segment{}, "", errors.New("unterminated filter")
	}
	if len(body) > 0 && (body[0] == '\'' || body[0] == '"') {
		q := body[0]
		var sb strings.Builder
		i := 1
		for ; i < len(body) && body[i] != q; i++ {
			// Only the quote itself is escaped; any other backslash is
			// part of the name (as Step Functions' JSONPath reads it).
			if body[i] == '\\' && i+1 < len(body) && body[i+1] == q {
				i++
			}
			sb.WriteByte(body[i])
		}
		if i >= len(body) || i+1 >= len(body) || body[i+1] != ']' {
			return segment{}, "", errors.New("unterminated quoted name")
		}
		return segment{kind: segField, name: sb.String()}, body[i+2:], nil
	}
	end := strings.IndexByte(body, ']')
	if end < 0 {
		return segment{}, "", errors.New("missing ']'")
	}
	in := strings.TrimSpace(body[:end])
	after := body[end+1:]
	switch {
	case in == "*":
		return segment{kind: segWildcard}, after, nil
	case strings.Contains(in, ":"):
		parts := strings.Split(in, ":")
		if len(parts) > 3 {
			return segment{}, "", fmt.Errorf("bad slice %q", in)
		}
		var s segment
		s.kind = segSlice
		for i, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return segment{}, "", fmt.Errorf("bad slice %q", in)
			}
			s.slice[i] = &n
		}
		return s, after, nil
	case strings.Contains(in, ","):
		var s segment
		s.kind = segUnion
		for part := range strings.SplitSeq(in, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return segment{}, "", fmt.Errorf("bad index list %q", in)
			}
			s.indices = append(s.indices, n)
		}
		return s, after, nil
	}
	n, err := strconv.Atoi(in)
	if err != nil {
		return segment{}, "", fmt.Errorf("bad index %q", in)
	}
	return segment{kind: segIndex, index: n}, after, nil
}

// errPathNotFound marks a path that selected nothing.
var errPathNotFound = errors.New("path not found")

// PathError reports a definite path that did not match the input, with the
// message Step Functions (Jayway JsonPath) gives.
type PathError struct {
	Msg string
}

// Error returns the Jayway-style message.
func (e *PathError) Error() string { return e.Msg }

// Unwrap makes errors.Is(err, errPathNotFound) work.
func (e *PathError) Unwrap() error { return errPathNotFound }

func jaywayName(prefix string, s segment) string {
	switch s.kind {
	case segField:
		return prefix + "['" + s.name + "']"
	case segIndex:
		return prefix + "[" + strconv.Itoa(s.index) + "]"
	}
	return prefix
}

// Eval applies the path to root. A definite path returns the single value
// it selects or a *PathError; an indefinite path returns the []any of all
// matches (possibly empty).
func (p *Path) Eval(root any) (any, error) {
	if p.definite {
		cur := root
		name := "$"
		for i, s := range p.segs {
			next, ok := step(cur, s)
			name = jaywayName(name, s)
			if !ok {
				if i == len(p.segs)-1 {
					return nil, &PathError{Msg: "No results for path: " + name}
				}
				return nil, &PathError{Msg: "Missing property in path " + name}
			}
			cur = next
		}
		return cur, nil
	}
	nodes := []any{root}
	for _, s := range p.segs {
		var out []any
		for _, n := range nodes {
			out = append(out, expand(n, s)...)
		}
		nodes = out
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, nil
}

func step(cur any, s segment) (any, bool) {
	switch s.kind {
	case segField:
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[s.name]
		return v, ok
	case segIndex:
		a, ok := cur.([]any)
		if !ok {
			return nil, false
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		return a[i], true
	case segLength:
		switch x := cur.(type) {
		case []any:
			return json.Number(strconv.Itoa(len(x))), true
		case map[string]any:
			return json.Number(strconv.Itoa(len(x))), true
		case string:
			return json.Number(strconv.Itoa(len(x))), true
		}
	}
	return nil, false
}

func children(n any) []any {
	switch x := n.(type) {
	case []any:
		return x
	case map[string]any:
		out := make([]any, 0, len(x))
		for _, k := range sortedKeys(x) {
			out = append(out, x[k])
		}
		return out
	}
	return nil
}

func expand(n any, s segment) []any {
	switch s.kind {
	case segField, segIndex, segLength:
		if v, ok := step(n, s); ok {
			return []any{v}
		}
		return nil
	case segWildcard:
		return children(n)
	case segSlice:
		a, ok := n.([]any)
		if !ok {
			return nil
		}
		l := len(a)
		norm := func(p *int, def int) int {
			if p == nil {
				return def
			}
			v := *p
			if v < 0 {
				v += l
			}
			return max(0, min(v, l))
		}
		start, end := norm(s.slice[0], 0), norm(s.slice[1], l)
		stepN := 1
		if s.slice[2] != nil && *s.slice[2] > 0 {
			stepN = *s.slice[2]
		}
		var out []any
		for i := start; i < end; i += stepN {
			out = append(out, a[i])
		}
		return out
	case segUnion:
		a, ok := n.([]any)
		if !ok {
			return nil
		}
		var out []any
		for _, i := range s.indices {
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				out = append(out, a[i])
			}
		}
		return out
	case segFilter:
		var out []any
		for _, c := range children(n) {
			if s.filter.match(c) {
				out = append(out, c)
			}
		}
		return out
	case segRecursive:
		var out []any
		var walk func(v any)
		walk = func(v any) {
			out = append(out, expand(v, *s.sub)...)
			for _, c := range children(v) {
				walk(c)
			}
		}
		walk(n)
		return out
	}
	return nil
}

// Set writes value at the definite path inside root, creating objects for
// missing fields, and returns the new root. The root is modified in place.
func (p *Path) Set(root, value any) (any, error) {
	if len(p.segs) == 0 {
		return value, nil
	}
	var set func(cur any, i int) (any, error)
	set = func(cur any, i int) (any, error) {
		s := p.segs[i]
		switch s.kind {
		case segField:
			m, ok := cur.(map[string]any)
			if !ok {
				if cur != nil {
					return nil, fmt.Errorf("cannot set field %q on a %s", s.name, typeName(cur))
				}
				m = map[string]any{}
			}
			if i == len(p.segs)-1 {
				m[s.name] = value
				return m, nil
			}
			v, err := set(m[s.name], i+1)
			if err != nil {
				return nil, err
			}
			m[s.name] = v
			return m, nil
		case segIndex:
			a, ok := cur.([]any)
			idx := s.index
			if ok && idx < 0 {
				idx += len(a)
			}
			if !ok || idx < 0 || idx >= len(a) {
				return nil, fmt.Errorf("index %d out of range", s.index)
			}
			if i == len(p.segs)-1 {
				a[idx] = value
				return a, nil
			}
			v, err := set(a[idx], i+1)
			if err != nil {
				return nil, err
			}
			a[idx] = v
			return a, nil
		}
		return nil, errors.New("not a reference path")
	}
	return set(root, 0)
}

// filterExpr is a parsed filter predicate `@.a.b op literal`, combined
// with && and ||.
type filterExpr struct {
	or [][]filterCmp // disjunction of conjunctions
}

type filterCmp struct {
	path *Path // relative to @ (stored as $)
	op   string
	lit  any
	has  bool
}

func parseFilter(s string) (filterExpr, error) {
	var f filterExpr
	for orPart := range strings.SplitSeq(s, "||") {
		var and []filterCmp
		for andPart := range strings.SplitSeq(orPart, "&&") {
			c, err := parseCmp(strings.TrimSpace(andPart))
			if err != nil {
				return f, err
			}
			and = append(and, c)
		}
		f.or = append(f.or, and)
	}
	return f, nil
}

func parseCmp(s string) (filterCmp, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "("), ")"))
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		i := strings.Index(s, op)
		if i < 0 {
			continue
		}
		lhs, rhs := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(op):])
		if !strings.HasPrefix(lhs, "@") {
			return filterCmp{}, fmt.Errorf("filter operand %q must start with '@'", lhs)
		}
		p, err := ParsePath("$" + lhs[1:])
		if err != nil {
			return filterCmp{}, err
		}
		var lit any
		if strings.HasPrefix(rhs, "'") && strings.HasSuffix(rhs, "'") && len(rhs) >= 2 {
			lit = rhs[1 : len(rhs)-1]
		} else {
			lit, err = DecodeJSON([]byte(rhs))
			if err != nil {
				return filterCmp{}, fmt.Errorf("bad filter literal %q", rhs)
			}
		}
		return filterCmp{path: p, op: op, lit: lit}, nil
	}
	if strings.HasPrefix(s, "@") {
		p, err := ParsePath("$" + s[1:])
		if err != nil {
			return filterCmp{}, err
		}
		return filterCmp{path: p, has: true}, nil
	}
	return filterCmp{}, fmt.Errorf("bad filter %q", s)
}

func (f filterExpr) match(v any) bool {
	for _, and := range f.or {
		ok := true
		for _, c := range and {
			if !c.match(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c filterCmp) match(v any) bool {
	got, err := c.path.Eval(v)
	if err != nil {
		return false
	}
	if c.has {
		return true
	}
	if fa, ok := toFloat(got); ok {
		fb, ok := toFloat(c.lit)
		if !ok {
			return c.op == "!="
		}
		switch c.op {
		case "==":
			return fa == fb
		case "!=":
			return fa != fb
		case "<":
			return fa < fb
		case "<=":
			return fa <= fb
		case ">":
			return fa > fb
		case ">=":
			return fa >= fb
		}
	}
	if sa, ok := got.(string); ok {
		sb, ok := c.lit.(string)
		if !ok {
			return c.op == "!="
		}
		switch c.op {
		case "==":
			return sa == sb
		case "!=":
			return sa != sb
		case "<":
			return sa < sb
		case "<=":
			return sa <= sb
		case ">":
			return sa > sb
		case ">=":
			return sa >= sb
		}
	}
	switch c.op {
	case "==":
		return jsonEqual(got, c.lit)
	case "!=":
		return !jsonEqual(got, c.lit)
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
