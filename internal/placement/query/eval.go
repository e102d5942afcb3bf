package query

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Instance is the read-only view of a container instance that expressions
// are evaluated against. Implementations must not allocate in these
// methods if evaluation is to stay allocation-free.
type Instance interface {
	// AgentConnected reports whether the instance's agent is connected.
	AgentConnected() bool
	// AgentVersion returns the agent version ("" when unknown).
	AgentVersion() string
	// Attribute returns the value of the named attribute and whether it is
	// set (an attribute set without a value reports "", true).
	Attribute(name string) (value string, ok bool)
	// EC2InstanceID returns the EC2 instance id ("" when unknown).
	EC2InstanceID() string
	// RegisteredAt returns when the instance registered.
	RegisteredAt() time.Time
	// RunningTasksCount returns the number of tasks on the instance.
	RunningTasksCount() int
	// AnyTaskGroup reports whether the group of any task on the instance
	// satisfies m.
	AnyTaskGroup(m Matcher) bool
}

// Eval reports whether the instance satisfies the expression. It does not
// allocate. A nil *Expr is satisfied by every instance.
func (e *Expr) Eval(in Instance) bool {
	if e == nil {
		return true
	}
	return e.eval(e.root, in)
}

func (e *Expr) eval(i int32, in Instance) bool {
	n := &e.nodes[i]
	switch n.kind {
	case nodeAnd:
		return e.eval(n.l, in) && e.eval(n.r, in)
	case nodeOr:
		return e.eval(n.l, in) || e.eval(n.r, in)
	case nodeNot:
		return !e.eval(n.l, in)
	}
	return n.term(in) != n.neg
}

// cmpHolds reports whether comparison result c (-1, 0, 1) satisfies op.
func cmpHolds(op Operator, c int) bool {
	switch op {
	case OpEqual:
		return c == 0
	case OpGreater:
		return c > 0
	case OpGreaterEqual:
		return c >= 0
	case OpLess:
		return c < 0
	case OpLessEqual:
		return c <= 0
	}
	return false
}

// term evaluates the positive form of a term.
func (n *node) term(in Instance) bool {
	switch n.subj {
	case SubjectAgentConnected:
		v := in.AgentConnected()
		if n.op == OpExists {
			return true
		}
		return slices.Contains(n.boo, v)
	case SubjectRunningTasksCount:
		v := int64(in.RunningTasksCount())
		switch n.op {
		case OpExists:
			return true
		case OpIn, OpEqual:
			return slices.Contains(n.ints, v)
		}
		return cmpHolds(n.op, cmp.Compare(v, n.ints[0]))
	case SubjectRegisteredAt:
		t := in.RegisteredAt()
		switch n.op {
		case OpExists:
			return !t.IsZero()
		case OpIn, OpEqual:
			return slices.ContainsFunc(n.tms, t.Equal)
		}
		return cmpHolds(n.op, t.Compare(n.tms[0]))
	case SubjectTaskGroup:
		return in.AnyTaskGroup(n.m)
	}
	var v string
	var ok bool
	switch n.subj {
	case SubjectAttribute:
		v, ok = in.Attribute(n.name)
	case SubjectAgentVersion:
		v = in.AgentVersion()
		ok = v != ""
	case SubjectEC2InstanceID:
		v = in.EC2InstanceID()
		ok = v != ""
	}
	if !ok {
		return false
	}
	switch n.op {
	case OpExists:
		return true
	case OpIn, OpEqual:
		return slices.Contains(n.strs, v)
	case OpMatches:
		return n.re.MatchString(v)
	}
	return cmpHolds(n.op, n.compare(v))
}

// compare orders an instance value against the term's single argument.
func (n *node) compare(v string) int {
	if n.subj == SubjectAgentVersion {
		return compareVersion(v, n.strs[0])
	}
	if n.num[0] {
		if f, ok := parseNumber(v); ok {
			return cmp.Compare(f, n.nums[0])
		}
	}
	return strings.Compare(v, n.strs[0])
}

// parseNumber parses a plain decimal number (no exponent) without
// allocating on failure.
func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 40 {
		return 0, false
	}
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// compareVersion compares dotted versions component by component,
// numerically where both components are numbers.
func compareVersion(a, b string) int {
	for a != "" || b != "" {
		var ca, cb string
		ca, a, _ = strings.Cut(a, ".")
		cb, b, _ = strings.Cut(b, ".")
		if c := compareComponent(ca, cb); c != 0 {
			return c
		}
	}
	return 0
}

func compareComponent(a, b string) int {
	if isDigits(a) && isDigits(b) {
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			return cmp.Compare(int64(len(a)), int64(len(b)))
		}
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the expression in canonical form: symbolic operators and
// combinators, full parentheses, and arguments as written. Compiling the
// result gives an equivalent expression.
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b, e.root, true)
	return b.String()
}

func (e *Expr) write(b *strings.Builder, i int32, top bool) {
	n := &e.nodes[i]
	switch n.kind {
	case nodeAnd, nodeOr:
		if !top {
			b.WriteByte('(')
		}
		e.write(b, n.l, false)
		if n.kind == nodeAnd {
			b.WriteString(" && ")
		} else {
			b.WriteString(" || ")
		}
		e.write(b, n.r, false)
		if !top {
			b.WriteByte(')')
		}
		return
	case nodeNot:
		b.WriteString("!(")
		e.write(b, n.l, true)
		b.WriteByte(')')
		return
	}
	b.WriteString(n.subj.String())
	b.WriteString(n.name)
	op := n.op
	if n.neg {
		switch op {
		case OpEqual:
			op = OpNotEqual
		case OpExists:
			op = OpNotExists
		case OpIn:
			op = OpNotIn
		case OpMatches:
			op = OpNotMatches
		}
	}
	b.WriteByte(' ')
	b.WriteString(op.String())
	switch n.op {
	case OpExists:
	case OpIn:
		b.WriteString(" [")
		b.WriteString(strings.Join(n.raw, ", "))
		b.WriteByte(']')
	default:
		b.WriteByte(' ')
		b.WriteString(n.raw[0])
	}
}
