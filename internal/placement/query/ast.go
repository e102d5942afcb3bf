package query

import (
	"regexp"
	"time"
)

// Subject is what a term tests on a container instance.
type Subject uint8

// Subjects of the cluster query language.
const (
	SubjectAgentConnected Subject = iota + 1
	SubjectAgentVersion
	SubjectAttribute
	SubjectEC2InstanceID
	SubjectRegisteredAt
	SubjectRunningTasksCount
	SubjectTaskGroup
)

// String returns the subject as written in an expression (attribute
// subjects without their name).
func (s Subject) String() string {
	switch s {
	case SubjectAgentConnected:
		return "agentConnected"
	case SubjectAgentVersion:
		return "agentVersion"
	case SubjectAttribute:
		return "attribute:"
	case SubjectEC2InstanceID:
		return "ec2InstanceId"
	case SubjectRegisteredAt:
		return "registeredAt"
	case SubjectRunningTasksCount:
		return "runningTasksCount"
	case SubjectTaskGroup:
		return "task:group"
	}
	return "Subject(?)"
}

// Operator is the comparison of a term.
type Operator uint8

// Operators of the cluster query language.
const (
	OpEqual Operator = iota + 1
	OpNotEqual
	OpGreater
	OpGreaterEqual
	OpLess
	OpLessEqual
	OpExists
	OpNotExists
	OpIn
	OpNotIn
	OpMatches
	OpNotMatches
)

// String returns the symbolic spelling of the operator.
func (o Operator) String() string {
	switch o {
	case OpEqual:
		return "=="
	case OpNotEqual:
		return "!="
	case OpGreater:
		return ">"
	case OpGreaterEqual:
		return ">="
	case OpLess:
		return "<"
	case OpLessEqual:
		return "<="
	case OpExists:
		return "exists"
	case OpNotExists:
		return "!exists"
	case OpIn:
		return "in"
	case OpNotIn:
		return "!in"
	case OpMatches:
		return "=~"
	case OpNotMatches:
		return "!~"
	}
	return "Operator(?)"
}

// negative reports whether o is the complement of a positive operator.
func (o Operator) negative() bool {
	switch o {
	case OpNotEqual, OpNotExists, OpNotIn, OpNotMatches:
		return true
	}
	return false
}

// positive returns the positive form of a negative operator (and o itself
// otherwise).
func (o Operator) positive() Operator {
	switch o {
	case OpNotEqual:
		return OpEqual
	case OpNotExists:
		return OpExists
	case OpNotIn:
		return OpIn
	case OpNotMatches:
		return OpMatches
	}
	return o
}

func (o Operator) ordering() bool {
	return o == OpGreater || o == OpGreaterEqual || o == OpLess || o == OpLessEqual
}

// lookupOperator maps every spelling of an operator to it.
func lookupOperator(word string) (Operator, bool) {
	switch word {
	case "==", "equals":
		return OpEqual, true
	case "!=", "not_equals":
		return OpNotEqual, true
	case ">", "greater_than":
		return OpGreater, true
	case ">=", "greater_than_equal":
		return OpGreaterEqual, true
	case "<", "less_than":
		return OpLess, true
	case "<=", "less_than_equal":
		return OpLessEqual, true
	case "exists":
		return OpExists, true
	case "!exists", "not_exists":
		return OpNotExists, true
	case "in":
		return OpIn, true
	case "!in", "not_in":
		return OpNotIn, true
	case "=~", "matches":
		return OpMatches, true
	case "!~", "not_matches":
		return OpNotMatches, true
	}
	return 0, false
}

type nodeKind uint8

const (
	nodeTerm nodeKind = iota
	nodeAnd
	nodeOr
	nodeNot
)

// node is one element of the compiled, flat expression tree. Arguments are
// parsed at compile time so that evaluation does not allocate.
type node struct {
	kind nodeKind
	l, r int32 // children (and/or: both; not: l)

	subj Subject
	op   Operator // always the positive form; neg says whether to invert
	neg  bool
	name string // attribute name

	raw  []string // argument(s) as written, for String
	strs []string // string arguments (one for scalar operators)
	nums []float64
	num  []bool // nums[i] is valid
	ints []int64
	vers [][]int64 // dotted versions of strs (agentVersion)
	tms  []time.Time
	boo  []bool
	re   *regexp.Regexp
	m    Matcher // task:group
}

// Matcher reports whether a string satisfies a condition. *regexp.Regexp
// implements it.
type Matcher interface {
	MatchString(s string) bool
}

type anyMatcher struct{}

func (*anyMatcher) MatchString(string) bool { return true }

type setMatcher struct{ set []string }

func (m *setMatcher) MatchString(s string) bool {
	for _, v := range m.set {
		if v == s {
			return true
		}
	}
	return false
}

var (
	_ Matcher = (*anyMatcher)(nil)
	_ Matcher = (*setMatcher)(nil)
	_ Matcher = (*regexp.Regexp)(nil)
)
