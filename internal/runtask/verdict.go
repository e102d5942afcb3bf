package runtask

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

// Exit codes of a run beyond the application's own.
const (
	// ExitTimeout: --timeout, --start-timeout or --attempt-timeout expired
	// (the tasks were stopped first).
	ExitTimeout = 124
	// ExitNeverStarted: a task never started (RunTask errors and failures,
	// image pull or resource initialisation errors, stopCode
	// TaskFailedToStart).
	ExitNeverStarted = 125
	// ExitLost: ecsrun could not tell how a task ended.
	ExitLost = 1
)

// verdict judges one attempt.
type verdict struct {
	outcome Outcome
	code    int
	errors  []string // class first, then finer names
	reason  string
	// permanent marks a failure no retry can fix (a rejected request).
	permanent bool
}

func (v verdict) apply(a *Attempt) {
	a.Outcome, a.ExitCode, a.Reason = v.outcome, v.code, v.reason
	a.ErrorNames = v.errors
	a.Error = ""
	if len(v.errors) > 0 {
		a.Error = v.errors[0]
	}
}

// startErrors are the container errors that mean the container never ran.
var startErrors = []string{
	"CannotPullContainerError", "ResourceInitializationError",
	"CannotCreateContainerError", "CannotStartContainerError",
}

// interruptionCodes are the stop codes that mean the infrastructure ended
// the task; they are added to the error names so --retry-on can name them.
var interruptionCodes = []string{"SpotInterruption", "TerminationNotice", "InfrastructureHealth"}

// errorName returns the "<ErrorName>" of a container reason of the form
// "<ErrorName>: <message>", or "".
func errorName(reason string) string {
	name, _, ok := strings.Cut(reason, ":")
	if !ok || strings.ContainsAny(name, " \t") {
		return ""
	}
	return name
}

// judgeStopped judges a STOPPED task: it succeeded when every deciding
// container (the success container, or else every essential one) exited
// 0. Otherwise the first failing deciding container, in definition order,
// decides, preferring codes other than 137 and 143 (those of containers ECS
// stopped because another essential container exited).
func judgeStopped(stopCode, stoppedReason string, cs []Container, successContainer string) verdict {
	var startErr string
	for _, c := range cs {
		if n := errorName(c.Reason); slices.Contains(startErrors, n) && c.ExitCode == nil {
			startErr = n
			break
		}
	}
	if stopCode == "TaskFailedToStart" || startErr != "" {
		names := []string{retry.FailedToStart}
		if startErr != "" {
			names = append(names, startErr)
		}
		return verdict{outcome: OutcomeNeverStarted, code: ExitNeverStarted, errors: names, reason: "never started: " + stopDetail(stopCode, stoppedReason, cs)}
	}
	// The container that failed first caused the others to be stopped (exit
	// codes 143 or 137 after SIGTERM or SIGKILL): look for a failure that is
	// not a stop signal first, then any non-zero code, then missing codes.
	deciding := func(c Container) bool {
		if successContainer != "" {
			return c.Name == successContainer
		}
		return c.Essential
	}
	for pass := 0; pass < 3; pass++ {
		for _, c := range cs {
			if !deciding(c) {
				continue
			}
			switch {
			case pass == 2 && c.ExitCode == nil:
				r := fmt.Sprintf("container %s has no exit code: it never ran", c.Name)
				if c.Reason != "" {
					r += " (" + c.Reason + ")"
				} else if stoppedReason != "" {
					r += " (" + stopCode + ": " + stoppedReason + ")"
				}
				return verdict{outcome: OutcomeNeverStarted, code: ExitNeverStarted, errors: []string{retry.FailedToStart}, reason: r}
			case c.ExitCode == nil || *c.ExitCode == 0:
				continue
			case pass == 0 && (*c.ExitCode == 137 || *c.ExitCode == 143):
				continue
			case pass <= 1:
				code := int(*c.ExitCode)
				names := []string{retry.TaskFailed}
				if slices.Contains(interruptionCodes, stopCode) {
					names = append(names, stopCode)
				}
				r := fmt.Sprintf("container %s exited with code %d", c.Name, code)
				if c.Reason != "" {
					r += " (" + c.Reason + ")"
				}
				return verdict{outcome: OutcomeFailed, code: processExitCode(code), errors: names, reason: r}
			}
		}
	}
	if successContainer != "" {
		return verdict{outcome: OutcomeSucceeded, reason: "container " + successContainer + " exited with code 0"}
	}
	return verdict{outcome: OutcomeSucceeded, reason: "every essential container exited with code 0"}
}

func stopDetail(stopCode, stoppedReason string, cs []Container) string {
	for _, c := range cs {
		if c.Reason != "" && c.ExitCode == nil {
			return fmt.Sprintf("container %s: %s", c.Name, c.Reason)
		}
	}
	if stoppedReason != "" {
		return stopCode + ": " + stoppedReason
	}
	return stopCode
}

// processExitCode maps a container exit code to a process exit code (1 to
// 255): codes outside that range become 1.
func processExitCode(code int) int {
	if code < 1 || code > 255 {
		return 1
	}
	return code
}

// permanentErrors are RunTask error codes that retrying cannot fix.
var permanentErrors = []string{
	"ClientException", "InvalidParameterException", "ClusterNotFoundException",
	"UnsupportedFeatureException", "AccessDeniedException", "AccessDeniedExceptionException",
	"PlatformUnknownException", "PlatformTaskDefinitionIncompatibilityException",
	"ConflictException", "UnrecognizedClientException", "InvalidSignatureException",
	"MissingAuthenticationTokenException", "IncompleteSignatureException",
	"ValidationException", "SerializationException", "UnknownOperationException",
}

// judgeRunTaskFailure judges a task RunTask did not start: an entry of its
// failures, or its error (code, message).
func judgeRunTaskFailure(f Failure, apiError bool) verdict {
	names := []string{retry.FailedToStart}
	if f.Reason != "" {
		names = append(names, f.Reason)
	}
	r := "RunTask failure: " + f.Reason
	if apiError {
		r = "RunTask error: " + f.Reason
	}
	if f.Detail != "" {
		r += ": " + f.Detail
	}
	if f.Arn != "" && !apiError {
		r += " (" + f.Arn + ")"
	}
	return verdict{outcome: OutcomeNeverStarted, code: ExitNeverStarted, errors: names, reason: r,
		permanent: apiError && slices.Contains(permanentErrors, f.Reason)}
}
