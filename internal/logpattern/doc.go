// Package logpattern is the CloudWatch Logs filter pattern language, the
// syntax of metric filters, subscription filters and FilterLogEvents: a
// parser (Parse) and a matcher (Pattern.Match), with the metric value and
// dimension extraction metric filters use (Pattern.Extract).
//
// Three forms exist, told apart by the pattern's first character:
//
//	ERROR ?WARN -debug "a phrase"   unstructured terms (substring, case-sensitive)
//	%time(out)? after%              a regular expression (AWS's subset of RE2)
//	{ $.level = "error" && $.ms > 500 }   a JSON pattern over JSON events
//	[ip, user, ..., status=4*, size>1000] a space-delimited pattern
//
// The package is pure: no I/O, no clock. Errors are *SyntaxError values
// whose Msg is the reason AWS would give.
package logpattern
