// Package logsres keeps the CloudWatch Logs resources that hang off log
// groups and the account besides the events themselves: log group settings
// (KMS key, class, deletion protection, bearer token flag), tags,
// subscription filters, destinations, resource, account and data
// protection policies, transformers, export tasks (which write to the local
// S3 directory), deliveries with their sources and destinations, lookup
// tables and the storage tier policy. Its tables live in the
// same SQLite database as internal/logs and change in the same write
// transactions (logs.Store.Write), so a log group's resources are created
// and deleted with it.
//
// Errors are *logs.Error values whose kinds are the logs package's
// (ErrNotFound, ErrExists, ErrInvalid) or this package's (ErrLimit,
// ErrTooManyTags, ErrValidation, ErrAborted); internal/logsapi translates
// them to the service's error types.
package logsres
