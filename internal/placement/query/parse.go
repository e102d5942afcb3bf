package query

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLength is the longest expression ECS accepts, in characters.
const MaxLength = 2000

// maxAttributeName is the longest attribute name ECS accepts.
const maxAttributeName = 128

// Expr is a compiled cluster query language expression. It is immutable and
// safe for concurrent use.
type Expr struct {
	src     string
	nodes   []node
	root    int32
	dynamic bool
}

// Compile parses src into an evaluable expression. Errors are
// *SyntaxError values whose kind is ErrSyntax or ErrUnsupportedRegex.
func Compile(src string) (*Expr, error) {
	if n := utf8.RuneCountInString(src); n > MaxLength {
		return nil, newError(src, len(src), ErrSyntax,
			"expression is %d characters long; at most %d are allowed", n, MaxLength)
	}
	p := &parser{src: src}
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf(p.pos, "empty expression; expected a condition such as %s",
			"attribute:ecs.instance-type == t2.micro")
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.unexpected()
	}
	e := &Expr{src: src, nodes: p.nodes, root: root}
	for i := range e.nodes {
		n := &e.nodes[i]
		if n.kind == nodeTerm && n.subj == SubjectTaskGroup {
			e.dynamic = true
		}
	}
	return e, nil
}

// MustCompile is like Compile but panics on error. It is meant for
// expressions written in code and tests.
func MustCompile(src string) *Expr {
	e, err := Compile(src)
	if err != nil {
		panic(fmt.Sprintf("query.MustCompile(%q): %v", src, err))
	}
	return e
}

// Source returns the expression as it was given to Compile.
func (e *Expr) Source() string { return e.src }

// Dynamic reports whether the expression depends on the tasks placed on an
// instance (task:group), so that its value may change when a task is placed
// on the instance. runningTasksCount does not: a task just placed is
// PENDING, not RUNNING.
func (e *Expr) Dynamic() bool { return e.dynamic }

// parser is a recursive-descent parser over the source bytes; the scanner
// is folded into it because the language's tokens depend on the context
// (after a subject, "!" starts an operator; elsewhere it means "not").
type parser struct {
	src   string
	pos   int
	prev  string // text of the last consumed token, for messages
	nodes []node
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) errorf(off int, format string, args ...any) error {
	return newError(p.src, off, ErrSyntax, format, args...)
}

func (p *parser) add(n node) int32 {
	p.nodes = append(p.nodes, n)
	return int32(len(p.nodes) - 1)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isWordChar reports whether c may appear in a subject, attribute name or
// keyword.
func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-' || c == '/' || c == '\\' || c == '@'
}

func isOpChar(c byte) bool { return c == '=' || c == '!' || c == '<' || c == '>' || c == '~' }

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func (p *parser) wordAt(off int) string {
	end := off
	for end < len(p.src) && isWordChar(p.src[end]) {
		end++
	}
	return p.src[off:end]
}

// tokenAt describes the token starting at off, for messages.
func (p *parser) tokenAt(off int) string {
	if off >= len(p.src) {
		return "end of expression"
	}
	if w := p.wordAt(off); w != "" {
		return strconv.Quote(w)
	}
	end := off
	for end < len(p.src) && isOpChar(p.src[end]) {
		end++
	}
	if end > off {
		return strconv.Quote(p.src[off:end])
	}
	if c := p.src[off]; c == '&' || c == '|' {
		end = off
		for end < len(p.src) && p.src[end] == c {
			end++
		}
		return strconv.Quote(p.src[off:end])
	}
	_, size := utf8.DecodeRuneInString(p.src[off:])
	return strconv.Quote(p.src[off : off+size])
}

// acceptWord consumes keyword w if it is next and not the start of a
// longer word.
func (p *parser) acceptWord(w string) bool {
	if strings.HasPrefix(p.src[p.pos:], w) && (p.pos+len(w) == len(p.src) || !isWordChar(p.src[p.pos+len(w)])) {
		p.pos += len(w)
		p.prev = w
		return true
	}
	return false
}

func (p *parser) acceptSym(s string) bool {
	if strings.HasPrefix(p.src[p.pos:], s) {
		p.pos += len(s)
		p.prev = s
		return true
	}
	return false
}

// unexpected reports a token where a combinator, ")" or the end was due.
func (p *parser) unexpected() error {
	tok := p.tokenAt(p.pos)
	hint := ""
	switch w := p.wordAt(p.pos); {
	case strings.EqualFold(w, "and") || strings.EqualFold(w, "or"):
		hint = fmt.Sprintf(" (combinators are lowercase: %q)", strings.ToLower(w))
	case p.src[p.pos] == '&':
		hint = ` (did you mean "&&"?)`
	case p.src[p.pos] == '|':
		hint = ` (did you mean "||"?)`
	case p.src[p.pos] == ')':
		return p.errorf(p.pos, `unexpected ")" with no "(" to close`)
	}
	return p.errorf(p.pos, "unexpected %s after %q; expected \"and\", \"or\", \"&&\", \"||\", \")\" or the end of the expression%s",
		tok, p.prev, hint)
}

func (p *parser) parseOr() (int32, error) {
	l, err := p.parseAnd()
	if err != nil {
		return 0, err
	}
	for {
		p.skipSpace()
		if !p.acceptSym("||") && !p.acceptWord("or") {
			return l, nil
		}
		r, err := p.parseAnd()
		if err != nil {
			return 0, err
		}
		l = p.add(node{kind: nodeOr, l: l, r: r})
	}
}

func (p *parser) parseAnd() (int32, error) {
	l, err := p.parseUnary()
	if err != nil {
		return 0, err
	}
	for {
		p.skipSpace()
		if !p.acceptSym("&&") && !p.acceptWord("and") {
			return l, nil
		}
		r, err := p.parseUnary()
		if err != nil {
			return 0, err
		}
		l = p.add(node{kind: nodeAnd, l: l, r: r})
	}
}

func (p *parser) parseUnary() (int32, error) {
	p.skipSpace()
	if p.acceptWord("not") || (!strings.HasPrefix(p.src[p.pos:], "!=") && p.acceptSym("!")) {
		x, err := p.parseUnary()
		if err != nil {
			return 0, err
		}
		return p.add(node{kind: nodeNot, l: x}), nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (int32, error) {
	p.skipSpace()
	open := p.pos
	if p.acceptSym("(") {
		x, err := p.parseOr()
		if err != nil {
			return 0, err
		}
		p.skipSpace()
		if !p.acceptSym(")") {
			return 0, p.errorf(p.pos, `expected ")" to close the "(" at position %d, found %s`,
				utf8.RuneCountInString(p.src[:open])+1, p.tokenAt(p.pos))
		}
		return x, nil
	}
	return p.parseTerm()
}

// subject resolves the word at off to a subject.
func (p *parser) subject(word string, off int) (Subject, string, error) {
	switch word {
	case "agentConnected":
		return SubjectAgentConnected, "", nil
	case "agentVersion":
		return SubjectAgentVersion, "", nil
	case "ec2InstanceId":
		return SubjectEC2InstanceID, "", nil
	case "registeredAt":
		return SubjectRegisteredAt, "", nil
	case "runningTasksCount":
		return SubjectRunningTasksCount, "", nil
	case "task:group":
		return SubjectTaskGroup, "", nil
	}
	if name, ok := strings.CutPrefix(word, "attribute:"); ok {
		switch {
		case name == "":
			return 0, "", p.errorf(off+len(word), "expected an attribute name after \"attribute:\", such as attribute:ecs.instance-type")
		case len(name) > maxAttributeName:
			return 0, "", p.errorf(off+len("attribute:"), "attribute name is %d characters long; at most %d are allowed", len(name), maxAttributeName)
		}
		return SubjectAttribute, name, nil
	}
	hint := ""
	for _, s := range []string{"agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group"} {
		if strings.EqualFold(word, s) {
			hint = fmt.Sprintf(" (subjects are case-sensitive: did you mean %q?)", s)
		}
	}
	if hint == "" && strings.HasPrefix(strings.ToLower(word), "attribute:") {
		hint = fmt.Sprintf(" (did you mean %q?)", "attribute:"+word[len("attribute:"):])
	}
	if hint == "" && strings.HasPrefix(word, "attributes:") {
		hint = fmt.Sprintf(" (did you mean %q?)", "attribute:"+word[len("attributes:"):])
	}
	return 0, "", p.errorf(off, "unknown subject %q; expected agentConnected, agentVersion, attribute:<name>, ec2InstanceId, registeredAt, runningTasksCount or task:group%s", word, hint)
}

// scanOperator reads the operator at the current position.
func (p *parser) scanOperator(subjText string) (Operator, string, error) {
	start := p.pos
	if p.eof() {
		return 0, "", p.errorf(start, "expected an operator after %q, found end of expression", subjText)
	}
	var text string
	if isOpChar(p.src[start]) {
		end := start
		for end < len(p.src) && isOpChar(p.src[end]) {
			end++
		}
		text = p.src[start:end]
		if text == "!" {
			if w := p.wordAt(end); w == "exists" || w == "in" {
				text += w
			}
		}
	} else {
		text = p.wordAt(start)
	}
	op, ok := lookupOperator(text)
	if !ok {
		hint := ""
		switch {
		case text == "=":
			hint = ` (did you mean "=="?)`
		case text == "=>":
			hint = ` (did you mean ">="?)`
		case text == "=<":
			hint = ` (did you mean "<="?)`
		case text == "~=":
			hint = ` (did you mean "=~"?)`
		case text == "===":
			hint = ` (did you mean "=="?)`
		case text != "":
			if _, ok := lookupOperator(strings.ToLower(text)); ok {
				hint = fmt.Sprintf(" (operators are lowercase: %q)", strings.ToLower(text))
			}
		}
		return 0, "", p.errorf(start, "expected an operator after %q, found %s; operators are ==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~ or their word forms (equals, not_equals, ...)%s",
			subjText, p.tokenAt(start), hint)
	}
	p.pos += len(text)
	p.prev = text
	return op, text, nil
}

// allowed reports whether operator op (positive form) applies to subject s,
// and if not which operators do.
func allowed(s Subject, op Operator) (bool, string) {
	switch s {
	case SubjectAgentConnected:
		return !op.ordering() && op != OpMatches, "==, !=, in, !in, exists or !exists (agentConnected is true or false)"
	case SubjectRegisteredAt:
		return op != OpMatches, "==, !=, >, >=, <, <=, in, !in, exists or !exists (registeredAt is a date)"
	case SubjectRunningTasksCount:
		return op != OpMatches, "==, !=, >, >=, <, <=, in, !in, exists or !exists (runningTasksCount is a number)"
	case SubjectTaskGroup:
		return !op.ordering(), "==, !=, in, !in, =~, !~, exists or !exists (task:group is a name)"
	}
	return true, ""
}

func (p *parser) parseTerm() (int32, error) {
	start := p.pos
	word := p.wordAt(start)
	if word == "" {
		return 0, p.errorf(start, "expected a condition (a subject such as attribute:<name>) or \"(\" after %q, found %s",
			p.prevOrStart(), p.tokenAt(start))
	}
	subj, name, err := p.subject(word, start)
	if err != nil {
		return 0, err
	}
	p.pos += len(word)
	p.prev = word
	p.skipSpace()
	opStart := p.pos
	op, opText, err := p.scanOperator(word)
	if err != nil {
		return 0, err
	}
	n := node{kind: nodeTerm, subj: subj, name: name, op: op.positive(), neg: op.negative()}
	if ok, use := allowed(subj, n.op); !ok {
		return 0, p.errorf(opStart, "operator %q does not apply to %s; use %s", opText, word, use)
	}
	switch n.op {
	case OpExists:
		p.skipSpace()
		if !p.atTermEnd() {
			return 0, p.errorf(p.pos, "%q takes no value, found %s", opText, p.tokenAt(p.pos))
		}
	case OpIn:
		if err := p.parseList(&n, opText); err != nil {
			return 0, err
		}
	default:
		p.skipSpace()
		vstart := p.pos
		val, raw, err := p.scanValue(n.op == OpMatches, false)
		if err != nil {
			return 0, err
		}
		if raw == "" {
			return 0, p.errorf(vstart, "expected a value after %q, found %s", opText, p.tokenAt(vstart))
		}
		if err := p.addArg(&n, val, raw, vstart); err != nil {
			return 0, err
		}
	}
	if err := p.finishTerm(&n); err != nil {
		return 0, err
	}
	return p.add(n), nil
}

func (p *parser) prevOrStart() string {
	if p.prev == "" {
		return "the start"
	}
	return p.prev
}

// atTermEnd reports whether a term may end here.
func (p *parser) atTermEnd() bool {
	if p.eof() {
		return true
	}
	rest := p.src[p.pos:]
	if rest[0] == ')' || strings.HasPrefix(rest, "&&") || strings.HasPrefix(rest, "||") {
		return true
	}
	w := p.wordAt(p.pos)
	return w == "and" || w == "or"
}

func (p *parser) parseList(n *node, opText string) error {
	p.skipSpace()
	if !p.acceptSym("[") {
		return p.errorf(p.pos, "expected \"[\" after %q to start a list such as [a, b], found %s", opText, p.tokenAt(p.pos))
	}
	for {
		p.skipSpace()
		if !p.eof() && p.src[p.pos] == ']' && len(n.raw) == 0 {
			return p.errorf(p.pos, "empty list after %q; give at least one value, as in [a, b]", opText)
		}
		vstart := p.pos
		val, raw, err := p.scanValue(false, true)
		if err != nil {
			return err
		}
		if raw == "" {
			return p.errorf(vstart, "expected a value in the list, found %s", p.tokenAt(vstart))
		}
		if err := p.addArg(n, val, raw, vstart); err != nil {
			return err
		}
		p.skipSpace()
		if p.acceptSym(",") {
			continue
		}
		if p.acceptSym("]") {
			return nil
		}
		if p.eof() {
			return p.errorf(p.pos, "expected \",\" or \"]\" in the list, found end of expression; close the list with \"]\"")
		}
		return p.errorf(p.pos, "expected \",\" or \"]\" in the list, found %s", p.tokenAt(p.pos))
	}
}

// scanValue reads a quoted or bare value. Bare regular expressions may
// hold balanced parentheses and character classes.
func (p *parser) scanValue(regex, inList bool) (val, raw string, err error) {
	start := p.pos
	if p.eof() {
		return "", "", nil
	}
	if q := p.src[start]; q == '"' || q == '\'' {
		end := strings.IndexByte(p.src[start+1:], q)
		if end < 0 {
			return "", "", p.errorf(start, "unterminated quoted value; add the closing %c", q)
		}
		p.pos = start + 1 + end + 1
		p.prev = p.src[start:p.pos]
		return p.src[start+1 : start+1+end], p.prev, nil
	}
	depth, inClass, classBody := 0, false, 0
loop:
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isSpace(c) {
			break
		}
		if regex {
			if c == '\\' {
				p.pos = min(p.pos+2, len(p.src))
				continue
			}
			if inClass {
				if c == ']' && p.pos > classBody {
					inClass = false
				}
				p.pos++
				continue
			}
			switch c {
			case '(':
				depth++
			case ')':
				if depth == 0 {
					break loop
				}
				depth--
			case '[':
				inClass, classBody = true, p.pos+1
				if classBody < len(p.src) && p.src[classBody] == '^' {
					classBody++
				}
			case '&', '|':
				if depth == 0 && p.pos+1 < len(p.src) && p.src[p.pos+1] == c {
					break loop
				}
			}
			p.pos++
			continue
		}
		switch c {
		case '(', ')', '[', ']', ',':
			break loop
		case '&', '|':
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == c {
				break loop
			}
		}
		p.pos++
	}
	raw = p.src[start:p.pos]
	if raw != "" {
		p.prev = raw
	}
	return raw, raw, nil
}

// parseDate accepts the registeredAt forms of the ECS documentation.
func parseDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// addArg validates one argument for the term's subject and stores its
// pre-parsed form.
func (p *parser) addArg(n *node, val, raw string, off int) error {
	n.raw = append(n.raw, raw)
	n.strs = append(n.strs, val)
	switch n.subj {
	case SubjectAgentConnected:
		switch val {
		case "true":
			n.boo = append(n.boo, true)
		case "false":
			n.boo = append(n.boo, false)
		default:
			return p.errorf(off, "agentConnected is true or false, found %q", val)
		}
	case SubjectRunningTasksCount:
		v, err := strconv.ParseInt(val, 10, 64)
		if err != nil || v < 0 {
			return p.errorf(off, "runningTasksCount compares with a whole number such as 0 or 5, found %q", val)
		}
		n.ints = append(n.ints, v)
	case SubjectRegisteredAt:
		t, ok := parseDate(val)
		if !ok {
			return p.errorf(off, "registeredAt takes a date such as 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z or 2018-06-18, found %q", val)
		}
		n.tms = append(n.tms, t)
	default:
		f, ok := parseNumber(val)
		n.nums = append(n.nums, f)
		n.num = append(n.num, ok)
	}
	if n.op == OpMatches {
		if raw != val { // quoted: the pattern starts after the quote
			off++
		}
		if at, feature, bad := javaOnly(val); bad {
			return newError(p.src, off+at, ErrUnsupportedRegex,
				"regular expression %q uses %s, a Java feature that RE2 (Go's regexp) does not support; rewrite it without that construct", val, feature)
		}
		re, err := regexp.Compile(`^(?:` + val + `)$`)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
			return p.errorf(off, "invalid regular expression %q: %s", val, msg)
		}
		n.re = re
	}
	return nil
}

// finishTerm builds the task-group matcher once all arguments are known.
func (p *parser) finishTerm(n *node) error {
	if n.subj != SubjectTaskGroup {
		return nil
	}
	switch n.op {
	case OpExists:
		n.m = &anyMatcher{}
	case OpMatches:
		n.m = n.re
	default:
		n.m = &setMatcher{set: n.strs}
	}
	return nil
}

// javaOnly finds the first Java regular-expression feature RE2 lacks.
func javaOnly(pat string) (at int, feature string, found bool) {
	inClass := false
	prevQuant := false // the previous token was a quantifier
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		quant := false
		switch {
		case c == '\\':
			if i+1 < len(pat) {
				d := pat[i+1]
				switch {
				case d >= '1' && d <= '9' && !inClass:
					return i, fmt.Sprintf("a backreference (\\%c)", d), true
				case d == 'k' && i+2 < len(pat) && pat[i+2] == '<':
					return i, "a named backreference (\\k<name>)", true
				case (d == 'p' || d == 'P' || d == 'x') && i+2 < len(pat) && pat[i+2] == '{':
					// \p{L}, \P{Greek}, \x{263a}: the braces are the
					// escape's, not a counted repetition.
					if end := strings.IndexByte(pat[i+2:], '}'); end >= 0 {
						i += 2 + end
						prevQuant = false
						continue
					}
				case d == 'Q':
					// \Q...\E quotes everything up to \E literally.
					if end := strings.Index(pat[i+2:], `\E`); end >= 0 {
						i += 2 + end + 1
					} else {
						i = len(pat)
					}
					prevQuant = false
					continue
				}
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			} else if c == '&' && i+1 < len(pat) && pat[i+1] == '&' {
				return i, "a character class intersection (&&)", true
			} else if c == '[' {
				return i, "a nested character class ([...[...]])", true
			}
		case c == '[':
			inClass = true
			if i+1 < len(pat) && pat[i+1] == '^' {
				i++
			}
			if i+1 < len(pat) && pat[i+1] == ']' {
				i++ // a leading ] is literal
			}
		case c == '(' && strings.HasPrefix(pat[i:], "(?="):
			return i, "a lookahead (?=...)", true
		case c == '(' && strings.HasPrefix(pat[i:], "(?!"):
			return i, "a negative lookahead (?!...)", true
		case c == '(' && strings.HasPrefix(pat[i:], "(?<="):
			return i, "a lookbehind (?<=...)", true
		case c == '(' && strings.HasPrefix(pat[i:], "(?<!"):
			return i, "a negative lookbehind (?<!...)", true
		case c == '(' && strings.HasPrefix(pat[i:], "(?>"):
			return i, "an atomic group (?>...)", true
		case c == '(' && strings.HasPrefix(pat[i:], "(?"):
			i++ // group flags or a named group: the ? is not a quantifier
		case c == '+' && prevQuant:
			return i - 1, fmt.Sprintf("a possessive quantifier (%s)", pat[i-1:i+1]), true
		case c == '*' || c == '+' || c == '}':
			quant = true
		case c == '?':
			quant = !prevQuant // "a*?" is lazy, not a second quantifier
		}
		prevQuant = quant
	}
	return 0, "", false
}
