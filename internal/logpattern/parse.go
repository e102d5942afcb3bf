package logpattern

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the form of a pattern.
type Kind int

// The forms of a pattern.
const (
	// Unstructured: terms, quoted phrases, ?alternatives and -exclusions
	// (the empty pattern, which matches every event, is one).
	Unstructured Kind = iota
	// Regex: a whole pattern %...%.
	Regex
	// JSON: { selector op value && ... }.
	JSON
	// Delimited: [field, field=value, ..., field>n].
	Delimited
)

// MaxRegexes is how many %regex% values a JSON or space-delimited pattern
// may hold (an AWS quota).
const MaxRegexes = 2

// SyntaxError is a pattern CloudWatch Logs would refuse; Msg says why.
type SyntaxError struct {
	Msg string
}

// Error returns the reason.
func (e *SyntaxError) Error() string { return e.Msg }

func syntaxf(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// Pattern is a parsed filter pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	src  string
	kind Kind

	// Unstructured.
	all, any, none []string
	// Regex.
	re *regexp.Regexp
	// JSON.
	expr node
	// Delimited.
	slots []slot
	conds []node
	names map[string]bool

	selectors []string // JSON selectors in pattern order, for Extract
	regexes   int
}

// UsesRegex reports whether the pattern holds a %regular expression%
// (CloudWatch Logs limits how many metric and subscription filters of a
// log group may).
func (p *Pattern) UsesRegex() bool { return p.kind == Regex || p.regexes > 0 }

// slot is one field of a space-delimited pattern.
type slot struct {
	name     string
	ellipsis bool
}

// Kind returns the pattern's form.
func (p *Pattern) Kind() Kind { return p.kind }

// String returns the pattern as written.
func (p *Pattern) String() string { return p.src }

// MatchAll reports whether the pattern accepts every event (the empty
// pattern, or one of empty phrases only).
func (p *Pattern) MatchAll() bool {
	if p.kind != Unstructured || len(p.any) > 0 || len(p.none) > 0 {
		return false
	}
	for _, t := range p.all {
		if t != "" {
			return false
		}
	}
	return true
}

// Parse parses a filter pattern.
func Parse(src string) (*Pattern, error) {
	p := &Pattern{src: src}
	if !utf8.ValidString(src) {
		return nil, syntaxf("Invalid filter pattern: it is not valid UTF-8.")
	}
	s := strings.TrimSpace(src)
	switch {
	case s == "":
		return p, nil
	case s[0] == '{':
		p.kind = JSON
		return p, p.parseJSON(s)
	case s[0] == '[':
		p.kind = Delimited
		return p, p.parseDelimited(s)
	case len(s) >= 2 && s[0] == '%' && s[len(s)-1] == '%':
		re, err := compileRegex(s[1 : len(s)-1])
		if err != nil {
			return nil, err
		}
		p.kind, p.re = Regex, re
		return p, nil
	}
	return p, p.parseTerms(s)
}

// badTermChars are characters CloudWatch Logs refuses in an unquoted term
// ("Invalid character(s) in term").
const badTermChars = "[](){}:,*\\`\""

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *Pattern) parseTerms(s string) error {
	for i := 0; i < len(s); {
		if isSpace(s[i]) {
			i++
			continue
		}
		list := &p.all
		if (s[i] == '?' || s[i] == '-') && i+1 < len(s) && !isSpace(s[i+1]) {
			if s[i] == '?' {
				list = &p.any
			} else {
				list = &p.none
			}
			i++
		}
		var term string
		if s[i] == '"' {
			t, n, err := quoted(s[i:])
			if err != nil {
				return err
			}
			term, i = t, i+n
		} else {
			j := i
			for j < len(s) && !isSpace(s[j]) {
				j++
			}
			term, i = s[i:j], j
			if k := strings.IndexAny(term, badTermChars); k >= 0 {
				return syntaxf("Invalid character(s) in term '%c': quote terms that hold characters other than letters, digits, '_', '-' and '.' (\"%s\").", term[k], term)
			}
		}
		*list = append(*list, term)
	}
	return nil
}

// quoted reads a "..." phrase at the start of s (\" and \\ escape) and
// returns its text and length.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for j := 1; j < len(s); {
		c := s[j]
		if c == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
			b.WriteByte(s[j+1])
			j += 2
			continue
		}
		if c == '"' {
			return b.String(), j + 1, nil
		}
		b.WriteByte(c)
		j++
	}
	return "", 0, syntaxf("Invalid filter pattern: the quoted term %s is not closed with a '\"'.", s)
}

// regexChars are the characters AWS's filter pattern regular expressions
// may hold besides letters and digits (no parentheses, no multi-byte
// characters).
const regexChars = " _#=@/;,:-^$?[]{}|\\*+."

func compileRegex(expr string) (*regexp.Regexp, error) {
	for i := 0; i < len(expr); {
		r, n := utf8.DecodeRuneInString(expr[i:])
		switch {
		case r >= utf8.RuneSelf:
			return nil, syntaxf("Invalid regex %%%s%%: multi-byte characters are not supported in filter pattern regular expressions.", expr)
		case r == '(' || r == ')':
			return nil, syntaxf("Invalid regex %%%s%%: parentheses (subpatterns) are not supported in filter pattern regular expressions.", expr)
		case !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(regexChars, r)):
			return nil, syntaxf("Invalid regex %%%s%%: the character '%c' is not supported in filter pattern regular expressions.", expr, r)
		}
		i += n
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, syntaxf("Invalid regex %%%s%%: %v", expr, err)
	}
	return re, nil
}

// scanner reads the inside of JSON and space-delimited patterns.
type scanner struct {
	s       string
	i       int
	regexes int
}

func (sc *scanner) skip() {
	for sc.i < len(sc.s) && isSpace(sc.s[sc.i]) {
		sc.i++
	}
}

func (sc *scanner) peek(tok string) bool {
	sc.skip()
	return strings.HasPrefix(sc.s[sc.i:], tok)
}

func (sc *scanner) eat(tok string) bool {
	if sc.peek(tok) {
		sc.i += len(tok)
		return true
	}
	return false
}

// word reads a case-insensitive keyword followed by a non-letter.
func (sc *scanner) keyword(kw string) bool {
	sc.skip()
	rest := sc.s[sc.i:]
	if len(rest) < len(kw) || !strings.EqualFold(rest[:len(kw)], kw) {
		return false
	}
	if len(rest) > len(kw) && isWordChar(rest[len(kw)]) {
		return false
	}
	sc.i += len(kw)
	return true
}

func isWordChar(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (sc *scanner) errf(format string, args ...any) error {
	at := sc.s[sc.i:]
	if at == "" {
		at = "end of pattern"
	} else {
		at = "'" + at + "'"
	}
	return syntaxf("Invalid filter pattern: %s (at %s).", fmt.Sprintf(format, args...), at)
}

// ops in the order they must be tried (longest first).
var ops = []string{"!=", "<=", ">=", "=", "<", ">"}

func (sc *scanner) op() string {
	sc.skip()
	for _, o := range ops {
		if strings.HasPrefix(sc.s[sc.i:], o) {
			sc.i += len(o)
			return o
		}
	}
	return ""
}

// value reads a comparison's right side: "quoted", %regex%, a number or a
// bare word; a '*' in a string is a wildcard.
func (sc *scanner) value(op string, stop string) (value, error) {
	sc.skip()
	if sc.i >= len(sc.s) {
		return value{}, sc.errf("a value is missing after '%s'", op)
	}
	var v value
	switch c := sc.s[sc.i]; {
	case c == '"':
		t, n, err := quoted(sc.s[sc.i:])
		if err != nil {
			return value{}, err
		}
		sc.i += n
		v = stringValue(t, true)
	case c == '%':
		end := strings.IndexByte(sc.s[sc.i+1:], '%')
		if end < 0 {
			return value{}, sc.errf("a regular expression is not closed with '%%'")
		}
		re, err := compileRegex(sc.s[sc.i+1 : sc.i+1+end])
		if err != nil {
			return value{}, err
		}
		sc.i += end + 2
		sc.regexes++
		if sc.regexes > MaxRegexes {
			return value{}, syntaxf("Invalid filter pattern: a JSON or space-delimited pattern may hold at most %d regular expressions.", MaxRegexes)
		}
		v = value{kind: vRegex, re: re, text: re.String()}
	default:
		j := sc.i
		for j < len(sc.s) && !isSpace(sc.s[j]) && !strings.ContainsRune(stop, rune(sc.s[j])) &&
			!strings.HasPrefix(sc.s[j:], "&&") && !strings.HasPrefix(sc.s[j:], "||") {
			j++
		}
		w := sc.s[sc.i:j]
		if w == "" {
			return value{}, sc.errf("a value is missing after '%s'", op)
		}
		sc.i = j
		if n, err := strconv.ParseFloat(w, 64); err == nil && !strings.ContainsAny(w, "xXnN_") {
			v = value{kind: vNumber, num: n, text: w}
		} else {
			v = stringValue(w, false)
		}
	}
	if op != "=" && op != "!=" && v.kind != vNumber {
		return value{}, syntaxf("Invalid filter pattern: '%s' compares numbers, and %q is not a number.", op, v.text)
	}
	return v, nil
}

func stringValue(s string, quotedForm bool) value {
	if !strings.Contains(s, "*") {
		if !quotedForm {
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				return value{kind: vNumber, num: n, text: s}
			}
		}
		return value{kind: vString, text: s}
	}
	parts := strings.Split(s, "*")
	for i, part := range parts {
		parts[i] = regexp.QuoteMeta(part)
	}
	return value{kind: vGlob, text: s, re: regexp.MustCompile("^(?s:" + strings.Join(parts, ".*") + ")$")}
}

// parseJSON parses { expr }.
func (p *Pattern) parseJSON(s string) error {
	if s[len(s)-1] != '}' {
		return syntaxf("Invalid filter pattern: a JSON pattern must end with '}' (%s).", s)
	}
	sc := &scanner{s: s[1 : len(s)-1]}
	e, err := p.orExpr(sc, p.jsonCond)
	p.regexes = sc.regexes
	if err != nil {
		return err
	}
	if sc.skip(); sc.i < len(sc.s) {
		return sc.errf("unexpected text; join conditions with && or ||")
	}
	p.expr = e
	return nil
}

type condParser func(sc *scanner) (node, error)

func (p *Pattern) orExpr(sc *scanner, cond condParser) (node, error) {
	l, err := p.andExpr(sc, cond)
	if err != nil {
		return nil, err
	}
	for sc.eat("||") {
		r, err := p.andExpr(sc, cond)
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *Pattern) andExpr(sc *scanner, cond condParser) (node, error) {
	l, err := p.unary(sc, cond)
	if err != nil {
		return nil, err
	}
	for sc.eat("&&") {
		r, err := p.unary(sc, cond)
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *Pattern) unary(sc *scanner, cond condParser) (node, error) {
	if sc.eat("(") {
		e, err := p.orExpr(sc, cond)
		if err != nil {
			return nil, err
		}
		if !sc.eat(")") {
			return nil, sc.errf("a '(' is not closed with ')'")
		}
		return e, nil
	}
	return cond(sc)
}

func (p *Pattern) jsonCond(sc *scanner) (node, error) {
	sel, err := sc.selector()
	if err != nil {
		return nil, err
	}
	p.selectors = append(p.selectors, sel.text)
	c := &jsonCmp{sel: sel}
	switch {
	case sc.keyword("IS"):
		switch {
		case sc.keyword("TRUE"):
			c.op = "IS TRUE"
		case sc.keyword("FALSE"):
			c.op = "IS FALSE"
		case sc.keyword("NULL"):
			c.op = "IS NULL"
		default:
			return nil, sc.errf("IS takes TRUE, FALSE or NULL")
		}
		return c, nil
	case sc.keyword("NOT"):
		if !sc.keyword("EXISTS") {
			return nil, sc.errf("NOT must be followed by EXISTS")
		}
		c.op = "NOT EXISTS"
		return c, nil
	}
	c.op = sc.op()
	if c.op == "" {
		return nil, sc.errf("%s must be followed by =, !=, <, <=, >, >=, IS TRUE, IS FALSE, IS NULL or NOT EXISTS", sel.text)
	}
	if c.val, err = sc.value(c.op, "()"); err != nil {
		return nil, err
	}
	return c, nil
}

// selector reads $.a.b[0].*.
func (sc *scanner) selector() (selector, error) {
	sc.skip()
	start := sc.i
	if !strings.HasPrefix(sc.s[sc.i:], "$") {
		return selector{}, sc.errf("a JSON condition starts with a selector such as $.field")
	}
	sc.i++
	var sel selector
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case '.':
			sc.i++
			j := sc.i
			for j < len(sc.s) && !isSpace(sc.s[j]) && !strings.ContainsRune(".[]=!<>&|()\"", rune(sc.s[j])) {
				j++
			}
			name := sc.s[sc.i:j]
			if name == "" {
				return selector{}, sc.errf("a property name is missing after '.'")
			}
			if strings.ContainsAny(name, "%'`\\") {
				return selector{}, syntaxf("Invalid character(s) in term '%s'", name)
			}
			sc.i = j
			sel.steps = append(sel.steps, step{key: name, wild: name == "*"})
		case '[':
			end := strings.IndexByte(sc.s[sc.i:], ']')
			if end < 0 {
				return selector{}, sc.errf("a '[' is not closed with ']'")
			}
			in := strings.TrimSpace(sc.s[sc.i+1 : sc.i+end])
			sc.i += end + 1
			if in == "*" {
				sel.steps = append(sel.steps, step{index: -1, wild: true, isIndex: true})
				continue
			}
			n, err := strconv.Atoi(in)
			if err != nil || n < 0 {
				return selector{}, syntaxf("Invalid filter pattern: an array index must be a number or * (got [%s]).", in)
			}
			sel.steps = append(sel.steps, step{index: n, isIndex: true})
		default:
			goto done
		}
	}
done:
	if len(sel.steps) == 0 {
		return selector{}, sc.errf("a selector needs a property after '$', as in $.field")
	}
	wild := 0
	for _, s := range sel.steps {
		if s.wild {
			wild++
		}
	}
	if wild > 1 {
		return selector{}, syntaxf("Invalid filter pattern: a property selector may hold at most one wildcard (%s).", sc.s[start:sc.i])
	}
	sel.text = sc.s[start:sc.i]
	return sel, nil
}

// parseDelimited parses [field, field=value && ..., ...].
func (p *Pattern) parseDelimited(s string) error {
	if s[len(s)-1] != ']' {
		return syntaxf("Invalid filter pattern: a space-delimited pattern must end with ']' (%s).", s)
	}
	p.names = map[string]bool{}
	body := s[1 : len(s)-1]
	sc := &scanner{s: body}
	if strings.TrimSpace(body) == "" {
		return syntaxf("Invalid filter pattern: a space-delimited pattern needs at least one field, as in [ip, user, ...].")
	}
	for {
		sc.skip()
		if sc.eat("...") {
			if n := len(p.slots); n > 0 && p.slots[n-1].ellipsis {
				return syntaxf("Invalid filter pattern: two '...' in a row; one already takes any number of fields.")
			}
			p.slots = append(p.slots, slot{ellipsis: true})
		} else {
			name := sc.name()
			if name == "" {
				return sc.errf("a field name (letters, digits, '_') or '...' is expected")
			}
			if p.names[name] {
				return syntaxf("Invalid filter pattern: the field name %q is used twice.", name)
			}
			p.names[name] = true
			p.slots = append(p.slots, slot{name: name})
			sc.skip()
			if sc.i < len(sc.s) && sc.s[sc.i] != ',' {
				// field op value [&&|| name op value ...]
				first := true
				e, err := p.orExpr(sc, func(sc *scanner) (node, error) {
					fname := name
					if !first {
						if fname = sc.name(); fname == "" {
							return nil, sc.errf("a field name is expected")
						}
					}
					first = false
					op := sc.op()
					if op == "" {
						return nil, sc.errf("field %s must be followed by =, !=, <, <=, > or >=", fname)
					}
					v, err := sc.value(op, ",()")
					if err != nil {
						return nil, err
					}
					return &fieldCmp{field: fname, op: op, val: v}, nil
				})
				if err != nil {
					return err
				}
				p.conds = append(p.conds, e)
			}
		}
		sc.skip()
		if sc.i >= len(sc.s) {
			break
		}
		if !sc.eat(",") {
			return sc.errf("fields are separated by ','")
		}
	}
	p.regexes = sc.regexes
	for _, c := range p.conds {
		for _, f := range fieldsOf(c) {
			if !p.names[f] {
				return syntaxf("Invalid filter pattern: the condition names field %q, which the pattern does not declare.", f)
			}
		}
	}
	return nil
}

func (sc *scanner) name() string {
	sc.skip()
	j := sc.i
	for j < len(sc.s) && (isWordChar(sc.s[j]) || sc.s[j] == '-' || sc.s[j] == '.') && !strings.HasPrefix(sc.s[j:], "...") {
		j++
	}
	n := sc.s[sc.i:j]
	sc.i = j
	return n
}

func fieldsOf(n node) []string {
	switch n := n.(type) {
	case andNode:
		return append(fieldsOf(n.l), fieldsOf(n.r)...)
	case orNode:
		return append(fieldsOf(n.l), fieldsOf(n.r)...)
	case *fieldCmp:
		return []string{n.field}
	}
	return nil
}
