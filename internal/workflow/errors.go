package workflow

import (
	"errors"
	"fmt"
	"strings"
)

// Predefined Step Functions error names.
const (
	ErrALL                             = "States.ALL"
	ErrDataLimitExceeded               = "States.DataLimitExceeded"
	ErrHeartbeatTimeout                = "States.HeartbeatTimeout"
	ErrTimeout                         = "States.Timeout"
	ErrTaskFailed                      = "States.TaskFailed"
	ErrPermissions                     = "States.Permissions"
	ErrResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ErrParameterPathFailure            = "States.ParameterPathFailure"
	ErrBranchFailed                    = "States.BranchFailed"
	ErrNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrIntrinsicFailure                = "States.IntrinsicFailure"
	ErrExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed                = "States.ItemReaderFailed"
	ErrResultWriterFailed              = "States.ResultWriterFailed"
	ErrRuntime                         = "States.Runtime"
	ErrQueryEvaluationError            = "States.QueryEvaluationError"
)

// StatesError is an error as states see it: a name matched by Retry and
// Catch ErrorEquals and a human-readable cause.
type StatesError struct {
	Name  string
	Cause string
	// NullName and NullCause: the error or the cause was not given at all
	// (SendTaskFailure without them); a Catch then shows null, not "".
	NullName, NullCause bool
	// heartbeat: a States.Timeout from a missed heartbeat, which
	// States.HeartbeatTimeout also matches.
	heartbeat bool
}

// Error renders "Name: Cause".
func (e *StatesError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// NewStatesError returns a StatesError with the given name and cause.
func NewStatesError(name, cause string) *StatesError {
	return &StatesError{Name: name, Cause: cause}
}

// ErrInvalidDefinition is the kind of every error Parse returns for a
// definition that does not validate; test with errors.Is.
var ErrInvalidDefinition = errors.New("invalid state machine definition")

// Problem is one validation failure: the JSON pointer-like path of the
// offending field (e.g. "/States/Retry Step/Retry/0/BackoffRate") and what
// is wrong with it.
type Problem struct {
	Path    string
	Message string
	// Code is the ValidateStateMachineDefinition diagnostic code (see
	// DiagnosticCode); empty for SCHEMA_VALIDATION_FAILED.
	Code string
}

// String renders "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem found in a definition.
type ValidationError struct {
	Problems []Problem
}

// Error lists every problem, one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("workflow: invalid state machine definition")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidDefinition) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalidDefinition }

type problems struct {
	list []Problem
}

func (p *problems) add(path, format string, a ...any) {
	p.list = append(p.list, Problem{Path: path, Message: fmt.Sprintf(format, a...)})
}

// output is the error output a Catch receives: {"Error", "Cause"}, each
// null when it was not given at all.
func (e *StatesError) output() map[string]any {
	out := map[string]any{"Error": e.Name, "Cause": e.Cause}
	if e.NullName {
		out["Error"] = nil
	}
	if e.NullCause {
		out["Cause"] = nil
	}
	return out
}
