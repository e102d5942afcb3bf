package query_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/placement/query"
)

// fakeInstance is a query.Instance for tests.
type fakeInstance struct {
	connected  bool
	version    string
	attrs      map[string]string
	ec2        string
	registered time.Time
	running    int
	groups     []string
}

func (f *fakeInstance) AgentConnected() bool { return f.connected }
func (f *fakeInstance) AgentVersion() string { return f.version }
func (f *fakeInstance) Attribute(name string) (string, bool) {
	v, ok := f.attrs[name]
	return v, ok
}
func (f *fakeInstance) EC2InstanceID() string   { return f.ec2 }
func (f *fakeInstance) RegisteredAt() time.Time { return f.registered }
func (f *fakeInstance) RunningTasksCount() int  { return f.running }
func (f *fakeInstance) AnyTaskGroup(m query.Matcher) bool {
	for _, g := range f.groups {
		if m.MatchString(g) {
			return true
		}
	}
	return false
}

var _ query.Instance = (*fakeInstance)(nil)

func testInstance() *fakeInstance {
	return &fakeInstance{
		connected: true,
		version:   "1.17.2",
		attrs: map[string]string{
			"ecs.instance-type":     "t2.micro",
			"ecs.availability-zone": "us-east-1a",
			"ecs.os-type":           "linux",
			"stack":                 "prod",
			"cores":                 "8",
			"flag":                  "",
		},
		ec2:        "i-0123456789abcdef0",
		registered: time.Date(2018, 6, 18, 22, 28, 28, 0, time.UTC),
		running:    3,
		groups:     []string{"family:web", "database"},
	}
}

func TestCompile_Eval(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		// attribute, every operator in both spellings
		{"attribute:ecs.instance-type == t2.micro", true},
		{"attribute:ecs.instance-type equals t2.micro", true},
		{"attribute:ecs.instance-type==t2.micro", true},
		{"attribute:ecs.instance-type != t2.micro", false},
		{"attribute:ecs.instance-type not_equals m5.large", true},
		{"attribute:ecs.instance-type =~ t2.*", true},
		{"attribute:ecs.instance-type matches t2.*", true},
		{"attribute:ecs.instance-type =~ t2", false}, // whole-value match, as Java's matches
		{"attribute:ecs.instance-type =~ (t2|t3)\\.micro", true},
		{"attribute:ecs.instance-type !~ m5.*", true},
		{"attribute:ecs.instance-type not_matches t2.*", false},
		{"attribute:ecs.instance-type =~ \"t2 ?\\.micro\"", true},
		{"attribute:ecs.instance-type =~ [st]2[.]micro", true},
		{"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", true},
		{"attribute:ecs.availability-zone in [us-east-1b,us-east-1c]", false},
		{"attribute:ecs.availability-zone !in [us-east-1b]", true},
		{"attribute:ecs.availability-zone not_in [us-east-1a]", false},
		{"attribute:stack exists", true},
		{"attribute:flag exists", true},
		{"attribute:nope exists", false},
		{"attribute:nope !exists", true},
		{"attribute:stack not_exists", false},
		{"attribute:nope == x", false},
		{"attribute:nope != x", true},
		{"attribute:nope =~ .*", false},
		{"attribute:nope !~ .*", true},
		{"attribute:nope !in [a]", true},
		{"attribute:cores > 10", false}, // numeric, not byte-wise ("8" > "10")
		{"attribute:cores greater_than 7", true},
		{"attribute:cores >= 8", true},
		{"attribute:cores greater_than_equal 9", false},
		{"attribute:cores < 10", true},
		{"attribute:cores less_than 8", false},
		{"attribute:cores <= 8", true},
		{"attribute:cores less_than_equal 7.5", false},
		{"attribute:stack > pre", true}, // byte-wise for words
		{"attribute:ecs.os-type == 'linux'", true},
		// agentConnected
		{"agentConnected == true", true},
		{"agentConnected != true", false},
		{"agentConnected in [false]", false},
		{"agentConnected exists", true},
		// agentVersion: dotted versions
		{"agentVersion == 1.17.2", true},
		{"agentVersion > 1.9.0", true},
		{"agentVersion < 1.17.10", true},
		{"agentVersion >= 1.17", true},
		{"agentVersion =~ 1\\.17\\..*", true},
		// ec2InstanceId
		{"ec2InstanceId == i-0123456789abcdef0", true},
		{"ec2InstanceId in [i-1, i-0123456789abcdef0]", true},
		{"ec2InstanceId =~ i-0.*", true},
		{"ec2InstanceId exists", true},
		// registeredAt: the three documented forms
		{"registeredAt == 2018-06-18T22:28:28+00:00", true},
		{"registeredAt == 2018-06-18T22:28:28Z", true},
		{"registeredAt == 2018-06-19T00:28:28+02:00", true},
		{"registeredAt > 2018-06-18", true},
		{"registeredAt < 2018-06-18", false},
		{"registeredAt less_than 2018-06-19", true},
		{"registeredAt >= 2018-06-18T22:28:28Z", true},
		{"registeredAt <= 2018-06-18T22:28:27Z", false},
		{"registeredAt in [2018-06-18T22:28:28Z, 2019-01-01]", true},
		// runningTasksCount
		{"runningTasksCount == 3", true},
		{"runningTasksCount == 0", false},
		{"runningTasksCount > 2", true},
		{"runningTasksCount < 3", false},
		{"runningTasksCount in [0, 1, 3]", true},
		{"runningTasksCount != 3", false},
		// task:group
		{"task:group == database", true},
		{"task:group != database", false},
		{"not(task:group == database)", false},
		{"task:group == cache", false},
		{"task:group != cache", true},
		{"task:group in [cache, family:web]", true},
		{"task:group =~ family:.*", true},
		{"task:group !~ family:.*", false},
		{"task:group exists", true},
		// combinators and precedence
		{"attribute:stack == prod && runningTasksCount == 3", true},
		{"attribute:stack == prod and runningTasksCount == 0", false},
		{"attribute:stack == dev || runningTasksCount == 3", true},
		{"attribute:stack == dev or runningTasksCount == 0", false},
		{"!attribute:stack == dev", true},
		{"! attribute:stack == prod", false},
		{"not attribute:stack == dev", true},
		{"not(attribute:stack == dev)", true},
		{"not not attribute:stack == prod", true},
		{"attribute:stack == dev || attribute:stack == prod && runningTasksCount == 0", false}, // && binds tighter
		{"(attribute:stack == dev || attribute:stack == prod) && runningTasksCount == 3", true},
		{"((attribute:stack == prod))", true},
		{"(attribute:ecs.instance-type =~ t2.*)and(task:group == database)", true},
		{"attribute:ecs.instance-type =~ (t2|m5).*&&agentConnected == true", true},
		{"  attribute:stack   ==   prod  ", true},
	}
	in := testInstance()
	for _, tt := range tests {
		e, err := query.Compile(tt.expr)
		if err != nil {
			t.Errorf("Compile(%q) = %v; want no error", tt.expr, err)
			continue
		}
		if got := e.Eval(in); got != tt.want {
			t.Errorf("Compile(%q).Eval() = %v; want %v", tt.expr, got, tt.want)
		}
		// The canonical form must compile to the same meaning.
		e2, err := query.Compile(e.String())
		if err != nil {
			t.Errorf("Compile(%q) (String of %q) = %v; want no error", e.String(), tt.expr, err)
			continue
		}
		if got := e2.Eval(in); got != tt.want {
			t.Errorf("Compile(%q).Eval() = %v; want %v", e.String(), got, tt.want)
		}
	}
}

func TestCompile_Errors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		kind error
		msg  string
	}{
		{"", 1, query.ErrSyntax, "empty expression"},
		{"   ", 4, query.ErrSyntax, "empty expression"},
		{"attribute:ecs.instance-type", 28, query.ErrSyntax, `expected an operator after "attribute:ecs.instance-type", found end of expression`},
		{"attribute:ecs.instance-type = t2.micro", 29, query.ErrSyntax, `found "="; operators are`},
		{"attribute:ecs.instance-type = t2.micro", 29, query.ErrSyntax, `did you mean "=="?`},
		{"attribute:ecs.instance-type === t2.micro", 29, query.ErrSyntax, `expected an operator after "attribute:ecs.instance-type", found "==="`},
		{"attribute:ecs.instance-type EQUALS t2.micro", 29, query.ErrSyntax, `operators are lowercase: "equals"`},
		{"attribute:ecs.instance-type is t2.micro", 29, query.ErrSyntax, `found "is"`},
		{"attribute:ecs.instance-type ==", 31, query.ErrSyntax, `expected a value after "==", found end of expression`},
		{"attribute:ecs.instance-type == )", 32, query.ErrSyntax, `expected a value after "==", found ")"`},
		{"attribute: == x", 11, query.ErrSyntax, `expected an attribute name after "attribute:"`},
		{"attributes:foo == x", 1, query.ErrSyntax, `unknown subject "attributes:foo"`},
		{"AgentConnected == true", 1, query.ErrSyntax, `did you mean "agentConnected"?`},
		{"foo == bar", 1, query.ErrSyntax, "unknown subject \"foo\"; expected agentConnected, agentVersion, attribute:<name>"},
		{"== bar", 1, query.ErrSyntax, `expected a condition (a subject such as attribute:<name>) or "(" after "the start", found "=="`},
		{"attribute:a == b and", 21, query.ErrSyntax, `after "and", found end of expression`},
		{"attribute:a == b &&", 20, query.ErrSyntax, `after "&&", found end of expression`},
		{"attribute:a == b AND attribute:c == d", 18, query.ErrSyntax, `combinators are lowercase: "and"`},
		{"attribute:a == b & attribute:c == d", 18, query.ErrSyntax, `did you mean "&&"?`},
		{"attribute:a == b | attribute:c == d", 18, query.ErrSyntax, `did you mean "||"?`},
		{"attribute:a == b c", 18, query.ErrSyntax, `unexpected "c" after "b"`},
		{"(attribute:a == b", 18, query.ErrSyntax, `expected ")" to close the "(" at position 1, found end of expression`},
		{"attribute:a == b)", 17, query.ErrSyntax, `unexpected ")" with no "(" to close`},
		{"()", 2, query.ErrSyntax, `found ")"`},
		{"attribute:a exists b", 20, query.ErrSyntax, `"exists" takes no value, found "b"`},
		{"attribute:a in a, b", 16, query.ErrSyntax, `expected "[" after "in" to start a list such as [a, b], found "a"`},
		{"attribute:a in []", 17, query.ErrSyntax, `empty list after "in"`},
		{"attribute:a in [x, ]", 20, query.ErrSyntax, `expected a value in the list, found "]"`},
		{"attribute:a in [x y]", 19, query.ErrSyntax, `expected "," or "]" in the list, found "y"`},
		{"attribute:a in [x, y", 21, query.ErrSyntax, `close the list with "]"`},
		{"attribute:a == \"b", 16, query.ErrSyntax, "unterminated quoted value"},
		{"agentConnected == yes", 19, query.ErrSyntax, `agentConnected is true or false, found "yes"`},
		{"agentConnected > true", 16, query.ErrSyntax, `operator ">" does not apply to agentConnected`},
		{"agentConnected =~ t.*", 16, query.ErrSyntax, `operator "=~" does not apply to agentConnected`},
		{"runningTasksCount > lots", 21, query.ErrSyntax, `runningTasksCount compares with a whole number such as 0 or 5, found "lots"`},
		{"runningTasksCount == -1", 22, query.ErrSyntax, "whole number"},
		{"runningTasksCount =~ 1.*", 19, query.ErrSyntax, `operator "=~" does not apply to runningTasksCount`},
		{"registeredAt > yesterday", 16, query.ErrSyntax, `registeredAt takes a date such as 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z or 2018-06-18, found "yesterday"`},
		{"registeredAt > 2018-13-01", 16, query.ErrSyntax, "registeredAt takes a date"},
		{"registeredAt in [2018-06-18, soon]", 30, query.ErrSyntax, `found "soon"`},
		{"task:group > a", 12, query.ErrSyntax, `operator ">" does not apply to task:group`},
		{"attribute:a =~ x(", 16, query.ErrSyntax, "invalid regular expression \"x(\": missing closing )"},
		{"attribute:a =~ *", 16, query.ErrSyntax, "invalid regular expression"},
		// Java-only regular-expression features
		{"attribute:a =~ foo(?=bar)", 19, query.ErrUnsupportedRegex, "a lookahead (?=...)"},
		{"attribute:a =~ foo(?!bar).*", 19, query.ErrUnsupportedRegex, "a negative lookahead (?!...)"},
		{"attribute:a =~ (?<=a)b", 16, query.ErrUnsupportedRegex, "a lookbehind (?<=...)"},
		{"attribute:a =~ (?<!a)b", 16, query.ErrUnsupportedRegex, "a negative lookbehind (?<!...)"},
		{"attribute:a =~ (a)\\1", 19, query.ErrUnsupportedRegex, "a backreference (\\1)"},
		{"attribute:a =~ (?<n>a)\\k<n>", 23, query.ErrUnsupportedRegex, "a named backreference"},
		{"attribute:a =~ a*+", 17, query.ErrUnsupportedRegex, "a possessive quantifier (*+)"},
		{"attribute:a =~ a++b", 17, query.ErrUnsupportedRegex, "a possessive quantifier (++)"},
		{"attribute:a =~ a?+", 17, query.ErrUnsupportedRegex, "a possessive quantifier (?+)"},
		{"attribute:a =~ a{2}+", 19, query.ErrUnsupportedRegex, "a possessive quantifier (}+)"},
		{`attribute:a =~ \p{L}++`, 21, query.ErrUnsupportedRegex, "a possessive quantifier (++)"},
		{"attribute:a =~ (?>a|ab)c", 16, query.ErrUnsupportedRegex, "an atomic group (?>...)"},
		{"attribute:a =~ [a-z&&[^aeiou]]", 20, query.ErrUnsupportedRegex, "a character class intersection (&&)"},
		{"attribute:a =~ 'x(?=y)'", 18, query.ErrUnsupportedRegex, "a lookahead"},
		{"attribute:a =~ 'x(?=y)'", 18, query.ErrUnsupportedRegex, "Java feature that RE2 (Go's regexp) does not support"},
		{strings.Repeat(" ", 2001), 2002, query.ErrSyntax, "expression is 2001 characters long; at most 2000 are allowed"},
		{"attribute:" + strings.Repeat("a", 129) + " exists", 11, query.ErrSyntax, "attribute name is 129 characters long; at most 128"},
	}
	for _, tt := range tests {
		_, err := query.Compile(tt.expr)
		var se *query.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v; want a *SyntaxError", tt.expr, err)
			continue
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("Compile(%q) = %v; want kind %v", tt.expr, err, tt.kind)
		}
		if se.Pos != tt.pos {
			t.Errorf("Compile(%q) position = %d; want %d (%v)", tt.expr, se.Pos, tt.pos, err)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Compile(%q) = %q; want it to contain %q", tt.expr, err.Error(), tt.msg)
		}
	}
}

func TestCompile_Accepted(t *testing.T) {
	// RE2-compatible constructs that merely look like Java-only ones.
	for _, expr := range []string{
		`attribute:a =~ a\*+`,           // escaped star, then +
		`attribute:a =~ [*+]`,           // literal class
		`attribute:a =~ (?i)T2.*`,       // flags
		`attribute:a =~ (?P<n>a)b`,      // named group
		`attribute:a =~ (?<n>a)b`,       // named group
		`attribute:a =~ a+?`,            // lazy
		`attribute:a =~ [\d]{2,3}`,      // counted
		`attribute:a =~ m5\.\p{L}+`,     // Unicode class, then +
		`attribute:a =~ a+\P{Lu}+`,      // after a quantifier
		`attribute:a =~ \x{61}+`,        // hex escape, then +
		`attribute:a =~ \Q(?=a}+\E.*`,   // quoted literally
		`attribute:a =~ "a b"`,          // quoted with a space
		`attribute:a == "x && y"`,       // quoted combinator
		`attribute:a in ["a, b", 'c]']`, // quoted list items
		`attribute:a/b.c_d-e exists`,    // attribute name characters
		`task:group == family:web`,      // colon in a value
		`attribute:a == 2018-06-18T22:28:28+00:00`,
		strings.Repeat("(", 500) + "attribute:a exists" + strings.Repeat(")", 500),
	} {
		if _, err := query.Compile(expr); err != nil {
			t.Errorf("Compile(%q) = %v; want no error", expr, err)
		}
	}
}

func TestSyntaxError_Caret(t *testing.T) {
	_, err := query.Compile("attribute:a = b")
	var se *query.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Compile = %v; want a *SyntaxError", err)
	}
	got, want := se.Caret(), "attribute:a = b\n            ^"
	if got != want {
		t.Errorf("Caret() = %q; want %q", got, want)
	}
}

func TestExpr_Dynamic(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{"attribute:a exists", false},
		{"agentConnected == true && registeredAt > 2018-01-01", false},
		{"runningTasksCount == 0", false}, // a placed task is PENDING: no change
		{"attribute:a exists || not(task:group == db)", true},
	}
	for _, tt := range tests {
		if got := query.MustCompile(tt.expr).Dynamic(); got != tt.want {
			t.Errorf("Compile(%q).Dynamic() = %v; want %v", tt.expr, got, tt.want)
		}
	}
}

func TestExpr_String(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"attribute:a equals b", "attribute:a == b"},
		{"not(task:group == database)", "!(task:group == database)"},
		{"a:b", ""},
		{"attribute:a == b and attribute:c not_in [d,e] or agentConnected exists", "(attribute:a == b && attribute:c !in [d, e]) || agentConnected exists"},
		{"attribute:a not_matches 'x y'", "attribute:a !~ 'x y'"},
	}
	for _, tt := range tests {
		e, err := query.Compile(tt.expr)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Compile(%q) = nil error; want an error", tt.expr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Compile(%q) = %v", tt.expr, err)
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Compile(%q).String() = %q; want %q", tt.expr, got, tt.want)
		}
	}
}

func TestExpr_EvalAllocs(t *testing.T) {
	e := query.MustCompile(`(attribute:ecs.instance-type =~ t2.* && attribute:ecs.availability-zone in [us-east-1a, us-east-1b])` +
		` || (agentVersion >= 1.9 && registeredAt > 2018-01-01 && runningTasksCount < 10 && not(task:group =~ data.*)) || attribute:cores > 4`)
	in := testInstance()
	var sink bool
	got := testing.AllocsPerRun(1000, func() { sink = e.Eval(in) != sink })
	if got != 0 {
		t.Errorf("Eval allocations = %v; want 0", got)
	}
}

func TestExpr_EvalNil(t *testing.T) {
	var e *query.Expr
	if !e.Eval(testInstance()) {
		t.Errorf("(*Expr)(nil).Eval() = false; want true")
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"attribute:ecs.instance-type =~ t2.*",
		"attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
		"not(task:group == database)",
		"runningTasksCount == 0",
		"registeredAt >= 2018-06-18T22:28:28+00:00 && agentVersion > 1.2",
		"(agentConnected == true or ec2InstanceId exists) and !attribute:x !~ 'a(b|c)'",
		"attribute:a =~ (?=x)",
	} {
		f.Add(s)
	}
	in := testInstance()
	f.Fuzz(func(t *testing.T, src string) {
		e, err := query.Compile(src)
		if err != nil {
			var se *query.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) = %v; want a *SyntaxError", src, err)
			}
			if se.Offset < 0 || se.Offset > len(src) {
				t.Fatalf("Compile(%q) offset = %d; want within [0, %d]", src, se.Offset, len(src))
			}
			return
		}
		got := e.Eval(in)
		canon := e.String()
		e2, err := query.Compile(canon)
		if err != nil {
			t.Fatalf("Compile(%q) (canonical form of %q) = %v; want no error", canon, src, err)
		}
		if e2.String() != canon {
			t.Fatalf("canonical form of %q = %q; want a fixed point, got %q", src, canon, e2.String())
		}
		if e2.Eval(in) != got {
			t.Fatalf("Eval of %q = %v; canonical %q gives %v", src, got, canon, !got)
		}
	})
}
