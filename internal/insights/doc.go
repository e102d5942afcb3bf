// Package insights is a CloudWatch Logs Insights query engine: a lexer and
// parser for the Logs Insights query language (CWLI) and an evaluator that
// runs a parsed query over log events.
//
// Supported commands: fields, display, filter, stats (count, count_distinct,
// sum, avg, min, max, pct, stddev, earliest, latest; by fields and bin()),
// sort, limit, parse (glob and regular expression forms) and dedup. Events
// have the built-in fields @timestamp, @message, @logStream, @log,
// @ingestionTime and @ptr, and the fields of JSON messages, flattened with
// dots (a.b, list.0), as Logs Insights discovers them.
//
// The package is pure: it holds no state and does no I/O. Parse errors are
// *SyntaxError values with the offsets of the offending text, which the API
// layer sends as MalformedQueryException.
package insights
