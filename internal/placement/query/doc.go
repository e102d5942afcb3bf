// Package query implements the Amazon ECS cluster query language used by
// memberOf placement constraints: a hand-written scanner and
// recursive-descent parser that compile an expression once into a flat,
// evaluable form, and an evaluator that does not allocate.
//
// # Grammar
//
//	expr     = or
//	or       = and { ("||" | "or") and }
//	and      = unary { ("&&" | "and") unary }
//	unary    = ("!" | "not") unary | primary
//	primary  = "(" expr ")" | term
//	term     = subject operator [ argument ]
//	subject  = "agentConnected" | "agentVersion" | "attribute:" name
//	         | "ec2InstanceId" | "registeredAt" | "runningTasksCount"
//	         | "task:group"
//	operator = "==" | "equals"     | "!=" | "not_equals"
//	         | ">"  | "greater_than" | ">=" | "greater_than_equal"
//	         | "<"  | "less_than"    | "<=" | "less_than_equal"
//	         | "exists" | "!exists" | "not_exists"
//	         | "in" | "!in" | "not_in"
//	         | "=~" | "matches" | "!~" | "not_matches"
//	argument = value | "[" value { "," value } "]"
//	value    = bare word | "double-quoted" | 'single-quoted'
//
// Keywords are lowercase, as in the ECS documentation. A bare value ends at
// white space, a parenthesis, a bracket, a comma, "&&" or "||"; after a
// regular-expression operator it may contain balanced parentheses and
// character classes, so `attribute:ecs.instance-type =~ (t2|t3).*` works.
// Quoted values hold anything but their own quote character.
//
// # Pipeline
//
//	source ──scan/parse──▶ []node (flat tree, arguments pre-parsed:
//	  │                      numbers, dates, versions, anchored RE2
//	  │                      programs, task-group matchers)
//	  └─▶ *SyntaxError{Pos, Kind}    Kind: ErrSyntax | ErrUnsupportedRegex
//
//	Expr.Eval(Instance) ──▶ bool     (walks the nodes; no allocation)
//
// # Semantics
//
//   - attribute:<name>, agentVersion and ec2InstanceId are strings; a
//     missing attribute (or an empty agentVersion / ec2InstanceId) makes
//     every positive operator false and every negative one (!=, !exists,
//     !in, !~) true.
//   - Ordering operators compare numbers numerically when both sides are
//     numbers, agentVersion as dotted versions (1.10.0 > 1.9.2), and other
//     strings byte-wise.
//   - registeredAt compares instants; a date without a time is midnight UTC.
//   - runningTasksCount compares whole numbers.
//   - task:group holds for an instance when any task running on it (or
//     placed on it earlier in the same request) satisfies the condition;
//     the negative operators are the complement, so
//     `task:group != database` means "runs no task of group database".
//   - =~ and !~ take Java regular expressions matched against the whole
//     value (Java's String.matches). They run on RE2, so Java features RE2
//     lacks (lookaround, backreferences, possessive quantifiers, atomic
//     groups, class intersection) are rejected with ErrUnsupportedRegex
//     naming the feature instead of silently changing meaning.
package query
