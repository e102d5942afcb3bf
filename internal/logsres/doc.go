// Package logsres keeps the CloudWatch Logs resources that hang off log
// groups and the account besides the events themselves: log group settings
// (KMS key, class, deletion protection), tags, subscription filters,
// destinations, resource policies and export tasks. Its tables live in the
// same SQLite database as internal/logs and change in the same write
// transactions (logs.Store.Write), so a log group's resources are created
// and deleted with it.
//
// Errors are *logs.Error values whose kinds are the logs package's
// (ErrNotFound, ErrExists, ErrInvalid) or this package's (ErrLimit,
// ErrTooManyTags, ErrValidation, ErrAborted); internal/logsapi translates
// them to the service's error types.
package logsres
