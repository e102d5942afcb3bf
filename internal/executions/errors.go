package executions

import (
	"errors"
	"fmt"
)

// Error kinds; the API layer maps each to the Step Functions error type of
// the same name.
var (
	ErrInvalidArn               = errors.New("InvalidArn")
	ErrInvalidName              = errors.New("InvalidName")
	ErrInvalidDefinition        = errors.New("InvalidDefinition")
	ErrInvalidExecutionInput    = errors.New("InvalidExecutionInput")
	ErrInvalidOutput            = errors.New("InvalidOutput")
	ErrInvalidToken             = errors.New("InvalidToken")
	ErrMissingRequiredParameter = errors.New("MissingRequiredParameter")
	ErrStateMachineExists       = errors.New("StateMachineAlreadyExists")
	ErrStateMachineDoesNotExist = errors.New("StateMachineDoesNotExist")
	ErrStateMachineType         = errors.New("StateMachineTypeNotSupported")
	ErrExecutionExists          = errors.New("ExecutionAlreadyExists")
	ErrExecutionDoesNotExist    = errors.New("ExecutionDoesNotExist")
	ErrTaskDoesNotExist         = errors.New("TaskDoesNotExist")
	ErrTaskTimedOut             = errors.New("TaskTimedOut")
	ErrValidation               = errors.New("ValidationException")
)

// Error is a failure of a given kind with the message Step Functions gives.
type Error struct {
	Kind error
	Msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind, for errors.Is.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, a ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, a...)}
}
