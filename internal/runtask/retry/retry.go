package retry

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Error classes an attempt can end with (the names --retry-on takes).
const (
	// All matches every error, like States.ALL in a Retry field.
	All = "States.ALL"
	// TaskFailed: the task ran and an essential container (or the
	// success container) exited non-zero.
	TaskFailed = "States.TaskFailed"
	// Timeout: the attempt was stopped because --start-timeout or
	// --attempt-timeout expired.
	Timeout = "States.Timeout"
	// FailedToStart: the task never started: RunTask failures (RESOURCE:*,
	// AGENT, ATTRIBUTE, ...), image pull or resource initialisation errors,
	// stopCode TaskFailedToStart.
	FailedToStart = "TaskFailedToStart"
)

// Classes are the four error classes, in the order the help lists them.
var Classes = []string{FailedToStart, TaskFailed, Timeout, All}

// Names are the finer error names an attempt can carry besides its class;
// --retry-on accepts them too (for example RESOURCE:MEMORY retries only
// placement failures for memory).
var Names = []string{
	"RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS", "RESOURCE:ENI", "RESOURCE:GPU",
	"AGENT", "ATTRIBUTE", "MISSING",
	"CannotPullContainerError", "ResourceInitializationError",
	"CannotCreateContainerError", "CannotStartContainerError",
	"SpotInterruption", "TerminationNotice", "InfrastructureHealth",
	"ThrottlingException", "ServerException",
}

// Jitter is the jitter strategy.
type Jitter string

// Jitter strategies.
const (
	// JitterNone waits the computed delay.
	JitterNone Jitter = "none"
	// JitterFull waits a uniformly random time between 0 and the computed
	// delay.
	JitterFull Jitter = "full"
)

// Policy is a retry policy.
type Policy struct {
	// MaxAttempts is the number of retries after the first attempt (Step
	// Functions' MaxAttempts); 0 never retries.
	MaxAttempts int
	// Interval is the delay before the first retry (IntervalSeconds).
	Interval time.Duration
	// BackoffRate multiplies the delay at every further retry (>= 1).
	BackoffRate float64
	// MaxDelay caps the delay (MaxDelaySeconds); 0 means no cap.
	MaxDelay time.Duration
	// Jitter is the jitter strategy.
	Jitter Jitter
	// RetryOn lists the error classes and names that are retried.
	RetryOn []string
}

// Default is the policy of a run without retry flags: no retries; when
// retries are asked for, 1 s before the first, doubling, no jitter, only for
// tasks that failed to start (the transient class).
func Default() Policy {
	return Policy{Interval: time.Second, BackoffRate: 2, Jitter: JitterNone, RetryOn: []string{FailedToStart}}
}

// Validate reports the first setting out of range, in words that name the
// flag to fix.
func (p Policy) Validate() error {
	switch {
	case p.MaxAttempts < 0:
		return fmt.Errorf("--max-attempts must be 0 or more, not %d", p.MaxAttempts)
	case p.Interval < 0:
		return fmt.Errorf("--retry-interval must not be negative, not %s", p.Interval)
	case p.BackoffRate < 1 || math.IsNaN(p.BackoffRate) || math.IsInf(p.BackoffRate, 0):
		return fmt.Errorf("--backoff-rate must be a number of 1.0 or more, not %v", p.BackoffRate)
	case p.MaxDelay < 0:
		return fmt.Errorf("--max-delay must not be negative, not %s", p.MaxDelay)
	case p.Jitter != JitterNone && p.Jitter != JitterFull:
		return fmt.Errorf("--jitter must be full or none, not %q", p.Jitter)
	}
	for _, n := range p.RetryOn {
		if err := checkName(n); err != nil {
			return err
		}
	}
	return nil
}

// ParseJitter reads a jitter strategy, accepting Step Functions' FULL and
// NONE spellings.
func ParseJitter(s string) (Jitter, error) {
	switch j := Jitter(strings.ToLower(strings.TrimSpace(s))); j {
	case JitterNone, JitterFull:
		return j, nil
	}
	return "", fmt.Errorf("--jitter must be full or none, not %q", s)
}

// ParseRetryOn splits a comma-separated list of error names and checks each.
func ParseRetryOn(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if err := checkName(f); err != nil {
			return nil, err
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--retry-on needs at least one error name: %s", strings.Join(Classes, ", "))
	}
	return out, nil
}

func checkName(n string) error {
	if slices.Contains(Classes, n) || slices.Contains(Names, n) {
		return nil
	}
	for _, k := range append(slices.Clone(Classes), Names...) {
		if strings.EqualFold(k, n) {
			return fmt.Errorf("--retry-on: unknown error name %q; did you mean %q? (names are case-sensitive)", n, k)
		}
	}
	return fmt.Errorf("--retry-on: unknown error name %q; use %s, or a finer name: %s",
		n, strings.Join(Classes, ", "), strings.Join(Names, ", "))
}

// Matches reports whether an attempt that failed with the error names errs
// (its class first, then finer names) is one the policy retries.
func (p Policy) Matches(errs []string) bool {
	if len(errs) == 0 {
		return false
	}
	for _, want := range p.RetryOn {
		if want == All || slices.Contains(errs, want) {
			return true
		}
	}
	return false
}

// maxDelay bounds every delay (about 292 years), so the arithmetic never
// overflows a time.Duration.
const maxDelay = time.Duration(math.MaxInt64 / 2)

// Delay is the computed delay before retry number n (1 for the first
// retry): Interval x BackoffRate^(n-1), capped by MaxDelay; with full jitter
// it is scaled by rnd, a number in [0, 1).
func (p Policy) Delay(n int, rnd float64) time.Duration {
	if n < 1 {
		n = 1
	}
	d := float64(p.Interval) * math.Pow(p.BackoffRate, float64(n-1))
	limit := float64(maxDelay)
	if p.MaxDelay > 0 {
		limit = float64(min(p.MaxDelay, maxDelay))
	}
	if d > limit || math.IsInf(d, 0) || math.IsNaN(d) {
		d = limit
	}
	if p.Jitter == JitterFull {
		d *= min(max(rnd, 0), 1)
	}
	return time.Duration(d)
}

// Next decides what follows an attempt that failed with errs after
// retriesDone retries: whether to retry, and after which delay.
func (p Policy) Next(retriesDone int, errs []string, rnd float64) (time.Duration, bool) {
	if retriesDone >= p.MaxAttempts || !p.Matches(errs) {
		return 0, false
	}
	return p.Delay(retriesDone+1, rnd), true
}
