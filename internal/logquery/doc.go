// Package logquery holds the CloudWatch Logs state that reads the log
// store rather than writes it: metric filters (with the filter pattern
// language of package logpattern), Logs Insights queries (run
// asynchronously with package insights over the store's events, results
// kept as long as CloudWatch Logs keeps them), saved query definitions,
// field index policies and scheduled queries (run on their schedule, their
// results written to the local S3 directory).
//
// Its state lives in SQLite beside the logs store's tables, under its own
// migrations. Errors are *Error values with a kind (ErrInvalid,
// ErrNotFound, ErrLimit, ErrMalformedQuery); internal/logsapi translates
// them to the service's error types.
//
// Metric filters are stored, validated and tested as CloudWatch Logs does,
// but ecsrun has no CloudWatch metrics service: no metric data is
// published.
package logquery
