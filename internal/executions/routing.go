package executions

import (
	"fmt"
	"strconv"
	"strings"
)

// A state machine ARN is qualified by a version number
// (stateMachine:NAME:3) or an alias name (stateMachine:NAME:PROD); alias
// names always hold a character other than a digit.

// qualified is a parsed state machine ARN.
type qualified struct {
	base    string // the unqualified state machine ARN
	name    string // the state machine's name
	version int    // the version number, 0 when none
	alias   string // the alias name, "" when none
}

// parseQualified splits a state machine ARN into the state machine's ARN
// and its version or alias qualifier.
func parseQualified(arn string) (qualified, error) {
	rest, err := parseArn(arn, arnStateMachine)
	if err != nil {
		return qualified{}, err
	}
	parts := strings.Split(rest, ":")
	q := qualified{base: arn, name: parts[0]}
	switch {
	case len(parts) == 1:
		return q, nil
	case len(parts) > 2 || parts[0] == "" || parts[1] == "":
		return qualified{}, errorf(ErrInvalidArn, "Invalid Arn: 'Invalid ARN: %s'", arn)
	}
	q.base = strings.TrimSuffix(arn, ":"+parts[1])
	if allDigits(parts[1]) {
		n, err := strconv.Atoi(parts[1])
		if err != nil || n < 1 {
			return qualified{}, errorf(ErrInvalidArn, "Invalid Arn: 'Invalid version number in ARN: %s'", arn)
		}
		q.version = n
		return q, nil
	}
	q.alias = parts[1]
	return q, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// versionArn is the ARN of version n of the state machine base.
func versionArn(base string, n int) string { return base + ":" + strconv.Itoa(n) }

// Route is one entry of an alias's routing configuration: the share of
// executions (a percentage) a version runs.
type Route struct {
	VersionArn string
	Weight     int
}

// checkRoutes validates a routing configuration as Step Functions does
// before it looks the versions up: distinct ARNs, each a version ARN, of
// one state machine, weights summing to 100 (the model already bounds the
// number of routes and each weight). It returns the parsed ARNs.
func checkRoutes(routes []Route) ([]qualified, error) {
	arns := make([]string, len(routes))
	for i, r := range routes {
		arns[i] = r.VersionArn
	}
	list := "[" + strings.Join(arns, ", ") + "]"
	if len(routes) == 0 || len(routes) > 2 {
		return nil, errorf(ErrValidation, "An alias routes executions to one or two versions; received %d: %s", len(routes), list)
	}
	if len(routes) == 2 && arns[0] == arns[1] {
		return nil, errorf(ErrValidation, "Routing configuration must contain distinct state machine version ARNs. Received: %s", list)
	}
	qs := make([]qualified, len(routes))
	for i, a := range arns {
		q, err := parseQualified(a)
		if err != nil || q.version == 0 {
			return nil, errorf(ErrValidation, "Routing configuration must contain state machine version ARNs. Received: %s", list)
		}
		qs[i] = q
	}
	if len(qs) == 2 && qs[0].base != qs[1].base {
		return nil, errorf(ErrValidation, "Routing configuration must contain versions of one state machine. Received: %s", list)
	}
	sum := 0
	weights := make([]string, len(routes))
	for i, r := range routes {
		if r.Weight < 0 || r.Weight > 100 {
			return nil, errorf(ErrValidation, "1 validation error detected: Value '%d' at 'routingConfiguration.%d.member.weight' failed to satisfy constraint: Member must have value between 0 and 100", r.Weight, i+1)
		}
		sum += r.Weight
		weights[i] = strconv.Itoa(r.Weight)
	}
	if sum != 100 {
		return nil, errorf(ErrValidation, "Sum of routing configuration weights must equal 100. Received: [%s]", strings.Join(weights, ", "))
	}
	return qs, nil
}

// pickRoute chooses the route of an execution from n, a number in
// [0, 100): the first route takes n below its weight, the second the rest.
func pickRoute(routes []Route, n int) Route {
	for _, r := range routes {
		if n < r.Weight {
			return r
		}
		n -= r.Weight
	}
	return routes[len(routes)-1]
}

// sameRoutes reports whether two routing configurations are equal.
func sameRoutes(a, b []Route) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// describeRoutes formats routes for a message.
func describeRoutes(routes []Route) string {
	parts := make([]string, len(routes))
	for i, r := range routes {
		parts[i] = fmt.Sprintf("%s (%d%%)", r.VersionArn, r.Weight)
	}
	return strings.Join(parts, ", ")
}

// aliasNamePattern is the model's pattern of alias names, which Go's
// regexp cannot compile (it looks ahead): letters, digits, '_', '-' and
// '.', not digits only (so that an alias ARN never reads as a version ARN).
const aliasNamePattern = `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`

// checkAliasName validates an alias name as the model's pattern does.
func checkAliasName(name string) error {
	ok := name != "" && !allDigits(name)
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			ok = false
		}
	}
	if !ok {
		return errorf(ErrValidation, "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, aliasNamePattern)
	}
	return nil
}
