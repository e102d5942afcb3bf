package insights

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLimit is the most rows a query returns (and the most limit accepts).
const MaxLimit = 10000

// DefaultLimit is the number of rows a query without limit returns.
const DefaultLimit = 1000

// Query is a parsed Logs Insights query.
type Query struct {
	src  string
	cmds []command
}

// String returns the query as written.
func (q *Query) String() string { return q.src }

// HasLimit reports whether the query holds a limit command.
func (q *Query) HasLimit() bool {
	for _, c := range q.cmds {
		if _, ok := c.(*limitCmd); ok {
			return true
		}
	}
	return false
}

type command interface{ isCommand() }

type projItem struct {
	expr expr
	name string
}

type fieldsCmd struct{ items []projItem }
type displayCmd struct{ names []string }
type filterCmd struct{ cond expr }
type statsCmd struct {
	aggs []aggItem
	by   []projItem
}
type sortKey struct {
	expr expr
	name string // the key as written: a stats column may bear it
	desc bool
}
type sortCmd struct{ keys []sortKey }
type limitCmd struct{ n int }
type parseCmd struct {
	src   expr
	re    *regexp.Regexp
	names []string // capture group i+1 sets names[i]
}
type dedupCmd struct{ exprs []expr }

func (*fieldsCmd) isCommand()  {}
func (*displayCmd) isCommand() {}
func (*filterCmd) isCommand()  {}
func (*statsCmd) isCommand()   {}
func (*sortCmd) isCommand()    {}
func (*limitCmd) isCommand()   {}
func (*parseCmd) isCommand()   {}
func (*dedupCmd) isCommand()   {}

type aggItem struct {
	fn   string
	args []expr
	star bool
	name string
}

// Expressions.
type expr interface{}

type (
	fieldRef struct{ name string }
	literal  struct{ v Value }
	durLit   struct{ ms int64 }
	regexLit struct{ re *regexp.Regexp }
	unaryOp  struct {
		op string
		x  expr
	}
	binaryOp struct {
		op   string
		l, r expr
	}
	inList struct {
		x    expr
		list []expr
		not  bool
	}
	call struct {
		fn   string
		args []expr
	}
)

type parser struct {
	src  string
	toks []token
	pos  int
}

// Parse parses a Logs Insights query.
func Parse(src string) (*Query, error) {
	if !utf8.ValidString(src) {
		return nil, newSyntaxError(src, 0, 0, "the query is not valid UTF-8")
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	q := &Query{src: src}
	if p.peek().kind == tEOF {
		return nil, newSyntaxError(src, 0, 0, "the query is empty")
	}
	for {
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		q.cmds = append(q.cmds, c)
		if p.peek().kind == tEOF {
			break
		}
		if !p.op("|") {
			return nil, p.errHere("unexpected symbol found %s; commands are separated by |", p.peek().text)
		}
	}
	return q, nil
}

func (p *parser) peek() token { return p.toks[min(p.pos, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.peek()
	p.pos++
	return t
}

func (p *parser) errHere(format string, args ...any) *SyntaxError {
	t := p.peek()
	if t.kind == tEOF {
		return newSyntaxError(p.src, t.start, t.end, "unexpected end of query: "+format, args...)
	}
	return newSyntaxError(p.src, t.start, t.end, format, args...)
}

func (p *parser) op(o string) bool {
	if t := p.peek(); t.kind == tOp && t.text == o {
		p.pos++
		return true
	}
	return false
}

func (p *parser) kw(k string) bool {
	if t := p.peek(); t.kind == tIdent && strings.EqualFold(t.text, k) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) isKw(k string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, k)
}

func (p *parser) command() (command, error) {
	t := p.next()
	if t.kind != tIdent {
		p.pos--
		return nil, p.errHere("unexpected symbol found %s; a command (fields, filter, stats, sort, limit, parse, display, dedup) is expected", t.text)
	}
	switch strings.ToLower(t.text) {
	case "fields":
		items, err := p.projList()
		return &fieldsCmd{items}, err
	case "display":
		var names []string
		for {
			n := p.next()
			if n.kind != tIdent {
				p.pos--
				return nil, p.errHere("a field name is expected")
			}
			names = append(names, n.text)
			if !p.op(",") {
				return &displayCmd{names}, nil
			}
		}
	case "filter":
		e, err := p.expr()
		return &filterCmd{e}, err
	case "stats":
		return p.stats()
	case "sort":
		var keys []sortKey
		for {
			start := p.peek().start
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			k := sortKey{expr: e, name: p.text(start), desc: true} // Logs Insights sorts descending by default
			if p.kw("asc") {
				k.desc = false
			} else {
				p.kw("desc")
			}
			keys = append(keys, k)
			if !p.op(",") {
				return &sortCmd{keys}, nil
			}
		}
	case "limit":
		n := p.next()
		v, err := strconv.Atoi(n.text)
		if n.kind != tNumber || err != nil || v < 1 || v > MaxLimit {
			p.pos--
			return nil, p.errHere("limit takes a whole number from 1 to %d", MaxLimit)
		}
		return &limitCmd{v}, nil
	case "parse":
		return p.parse()
	case "dedup":
		var es []expr
		for {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			es = append(es, e)
			if !p.op(",") {
				return &dedupCmd{es}, nil
			}
		}
	}
	p.pos--
	return nil, p.errHere("unexpected symbol found %s; a command (fields, filter, stats, sort, limit, parse, display, dedup) is expected", t.text)
}

func (p *parser) projList() ([]projItem, error) {
	var items []projItem
	for {
		start := p.peek().start
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		it := projItem{expr: e, name: p.text(start)}
		if f, ok := e.(fieldRef); ok {
			it.name = f.name
		}
		if p.kw("as") {
			n := p.next()
			if n.kind != tIdent {
				p.pos--
				return nil, p.errHere("a name is expected after as")
			}
			it.name = n.text
		}
		items = append(items, it)
		if !p.op(",") {
			return items, nil
		}
	}
}

// text is the query text from start to the end of the last token read.
func (p *parser) text(start int) string {
	return strings.TrimSpace(p.src[start:p.toks[min(p.pos, len(p.toks))-1].end])
}

var aggregates = map[string]int{ // name -> args (-1: 0 or 1)
	"count": -1, "count_distinct": 1, "sum": 1, "avg": 1, "min": 1, "max": 1,
	"pct": 2, "stddev": 1, "earliest": 1, "latest": 1, "sortsfirst": 1, "sortslast": 1,
}

func (p *parser) stats() (command, error) {
	s := &statsCmd{}
	for {
		start := p.peek().start
		t := p.next()
		fn := strings.ToLower(t.text)
		want, ok := aggregates[fn]
		if t.kind != tIdent || !ok {
			p.pos--
			return nil, p.errHere("stats takes aggregation functions (count, count_distinct, sum, avg, min, max, pct, stddev, earliest, latest); found %s", t.text)
		}
		if !p.op("(") {
			return nil, p.errHere("expected ( after %s", t.text)
		}
		a := aggItem{fn: fn}
		if p.op("*") {
			a.star = true
		} else if p.peek().kind != tOp || p.peek().text != ")" {
			for {
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				a.args = append(a.args, e)
				if !p.op(",") {
					break
				}
			}
		}
		if !p.op(")") {
			return nil, p.errHere("expected ) to close %s(", t.text)
		}
		switch {
		case a.star && fn != "count":
			return nil, newSyntaxError(p.src, start, p.toks[p.pos-1].end, "only count takes *")
		case want == -1 && len(a.args) > 1, want >= 0 && !a.star && len(a.args) != want:
			return nil, newSyntaxError(p.src, start, p.toks[p.pos-1].end, "%s takes %d argument(s)", fn, max(want, 1))
		}
		a.name = p.text(start)
		if p.kw("as") {
			n := p.next()
			if n.kind != tIdent {
				p.pos--
				return nil, p.errHere("a name is expected after as")
			}
			a.name = n.text
		}
		s.aggs = append(s.aggs, a)
		if !p.op(",") {
			break
		}
	}
	if p.kw("by") {
		by, err := p.projList()
		if err != nil {
			return nil, err
		}
		s.by = by
	}
	return s, nil
}

func (p *parser) parse() (command, error) {
	src, err := p.primary()
	if err != nil {
		return nil, err
	}
	t := p.next()
	switch t.kind {
	case tRegex:
		re, err := regexp.Compile(t.text)
		if err != nil {
			return nil, newSyntaxError(p.src, t.start, t.end, "invalid regular expression: %v", err)
		}
		c := &parseCmd{src: src, re: re}
		for i, n := range re.SubexpNames() {
			if i == 0 {
				continue
			}
			c.names = append(c.names, n)
		}
		if slicesAllEmpty(c.names) {
			return nil, newSyntaxError(p.src, t.start, t.end, "a parse regular expression needs named groups such as (?<name>...)")
		}
		return c, nil
	case tString:
		parts := strings.Split(t.text, "*")
		if len(parts) < 2 {
			return nil, newSyntaxError(p.src, t.start, t.end, "a parse pattern needs at least one * to capture")
		}
		var b strings.Builder
		for i, part := range parts {
			b.WriteString(regexp.QuoteMeta(part))
			if i < len(parts)-1 {
				if i == len(parts)-2 && parts[len(parts)-1] == "" {
					b.WriteString("(.*)")
				} else {
					b.WriteString("(.*?)")
				}
			}
		}
		c := &parseCmd{src: src, re: regexp.MustCompile("(?s)" + b.String())}
		if !p.kw("as") {
			return nil, p.errHere("expected as and %d field names after the parse pattern", len(parts)-1)
		}
		for {
			n := p.next()
			if n.kind != tIdent {
				p.pos--
				return nil, p.errHere("a field name is expected")
			}
			c.names = append(c.names, n.text)
			if !p.op(",") {
				break
			}
		}
		if len(c.names) != len(parts)-1 {
			return nil, p.errHere("the parse pattern captures %d values but %d names follow as", len(parts)-1, len(c.names))
		}
		return c, nil
	}
	p.pos--
	return nil, p.errHere("parse takes a \"glob * pattern\" as names, or a /regular expression/ with named groups")
}

func slicesAllEmpty(s []string) bool {
	for _, x := range s {
		if x != "" {
			return false
		}
	}
	return true
}

// Expression grammar, loosest first: or, and, not, comparison, additive,
// multiplicative, power, unary, primary.
func (p *parser) expr() (expr, error) {
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.kw("or") || p.op("||") {
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		l = binaryOp{"or", l, r}
	}
	return l, nil
}

func (p *parser) andExpr() (expr, error) {
	l, err := p.notExpr()
	if err != nil {
		return nil, err
	}
	for p.kw("and") || p.op("&&") {
		r, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		l = binaryOp{"and", l, r}
	}
	return l, nil
}

func (p *parser) notExpr() (expr, error) {
	if p.kw("not") || p.op("!") {
		x, err := p.notExpr()
		return unaryOp{"not", x}, err
	}
	return p.cmpExpr()
}

func (p *parser) cmpExpr() (expr, error) {
	l, err := p.addExpr()
	if err != nil {
		return nil, err
	}
	not := false
	if p.isKw("not") {
		save := p.pos
		p.pos++
		if p.isKw("like") || p.isKw("in") {
			not = true
		} else {
			p.pos = save
		}
	}
	switch {
	case p.kw("like"):
		t := p.next()
		var r expr
		switch t.kind {
		case tString:
			r = literal{t.text}
		case tRegex:
			re, err := regexp.Compile(t.text)
			if err != nil {
				return nil, newSyntaxError(p.src, t.start, t.end, "invalid regular expression: %v", err)
			}
			r = regexLit{re}
		default:
			p.pos--
			return nil, p.errHere("like takes a \"string\" or a /regular expression/")
		}
		var e expr = binaryOp{"like", l, r}
		if not {
			e = unaryOp{"not", e}
		}
		return e, nil
	case p.kw("in"):
		if !p.op("[") {
			return nil, p.errHere("in takes a list such as [\"a\", \"b\"]")
		}
		in := inList{x: l, not: not}
		for !p.op("]") {
			e, err := p.addExpr()
			if err != nil {
				return nil, err
			}
			in.list = append(in.list, e)
			if !p.op(",") && !(p.peek().kind == tOp && p.peek().text == "]") {
				return nil, p.errHere("expected , or ] in the list")
			}
		}
		return in, nil
	}
	for _, op := range []string{"=~", "==", "!=", "<=", ">=", "=", "<", ">"} {
		if p.op(op) {
			if op == "=~" {
				t := p.next()
				if t.kind != tRegex {
					p.pos--
					return nil, p.errHere("=~ takes a /regular expression/")
				}
				re, err := regexp.Compile(t.text)
				if err != nil {
					return nil, newSyntaxError(p.src, t.start, t.end, "invalid regular expression: %v", err)
				}
				return binaryOp{"like", l, regexLit{re}}, nil
			}
			r, err := p.addExpr()
			if err != nil {
				return nil, err
			}
			if op == "==" {
				op = "="
			}
			return binaryOp{op, l, r}, nil
		}
	}
	return l, nil
}

func (p *parser) addExpr() (expr, error) {
	l, err := p.mulExpr()
	if err != nil {
		return nil, err
	}
	for {
		var op string
		switch {
		case p.op("+"):
			op = "+"
		case p.op("-"):
			op = "-"
		default:
			return l, nil
		}
		r, err := p.mulExpr()
		if err != nil {
			return nil, err
		}
		l = binaryOp{op, l, r}
	}
}

func (p *parser) mulExpr() (expr, error) {
	l, err := p.powExpr()
	if err != nil {
		return nil, err
	}
	for {
		var op string
		switch {
		case p.op("*"):
			op = "*"
		case p.op("/"):
			op = "/"
		case p.op("%"):
			op = "%"
		default:
			return l, nil
		}
		r, err := p.powExpr()
		if err != nil {
			return nil, err
		}
		l = binaryOp{op, l, r}
	}
}

func (p *parser) powExpr() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	if p.op("^") {
		r, err := p.powExpr()
		if err != nil {
			return nil, err
		}
		return binaryOp{"^", l, r}, nil
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	if p.op("-") {
		x, err := p.unary()
		return unaryOp{"-", x}, err
	}
	return p.primary()
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		if d, ok := parseDuration(t.text); ok {
			return durLit{d}, nil
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			p.pos--
			return nil, p.errHere("invalid number %s", t.text)
		}
		return literal{f}, nil
	case tString:
		return literal{t.text}, nil
	case tRegex:
		re, err := regexp.Compile(t.text)
		if err != nil {
			return nil, newSyntaxError(p.src, t.start, t.end, "invalid regular expression: %v", err)
		}
		return regexLit{re}, nil
	case tOp:
		if t.text == "(" {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if !p.op(")") {
				return nil, p.errHere("expected )")
			}
			return e, nil
		}
	case tIdent:
		if p.op("(") {
			name := strings.ToLower(t.text)
			if _, ok := functions[name]; !ok {
				return nil, newSyntaxError(p.src, t.start, t.end, "unknown function %s", t.text)
			}
			c := call{fn: name}
			if !p.op(")") {
				for {
					e, err := p.expr()
					if err != nil {
						return nil, err
					}
					c.args = append(c.args, e)
					if p.op(")") {
						break
					}
					if !p.op(",") {
						return nil, p.errHere("expected , or ) in the arguments of %s", t.text)
					}
				}
			}
			f := functions[name]
			if len(c.args) < f.min || f.max >= 0 && len(c.args) > f.max {
				return nil, newSyntaxError(p.src, t.start, p.toks[p.pos-1].end, "%s takes %s", t.text, f.arity())
			}
			return c, nil
		}
		switch strings.ToLower(t.text) {
		case "true":
			return literal{true}, nil
		case "false":
			return literal{false}, nil
		case "null":
			return literal{nil}, nil
		}
		return fieldRef{t.text}, nil
	}
	p.pos--
	return nil, p.errHere("unexpected symbol found %s", t.text)
}

var durUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

func parseDuration(s string) (int64, bool) {
	i := strings.IndexFunc(s, func(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' })
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	u, ok := durUnits[strings.ToLower(s[i:])]
	if err != nil || !ok || n <= 0 {
		return 0, false
	}
	return int64(n * float64(u/time.Millisecond)), true
}
