// Package retry is the retry policy of `ecsrun run-task`, with the semantics
// of a Step Functions Retry field: MaxAttempts retries after the first
// attempt, a delay of IntervalSeconds x BackoffRate^(retry-1) capped by
// MaxDelaySeconds, FULL or NONE jitter, and a list of error names the policy
// retries. The workflow interpreter computes the delays of Retry fields
// with it too. It is pure: the caller passes the randomness in.
package retry
