package activities

import (
	"errors"
	"fmt"
)

// Error kinds; the API layer maps each to the Step Functions error type of
// the same name.
var (
	ErrActivityDoesNotExist        = errors.New("ActivityDoesNotExist")
	ErrActivityLimitExceeded       = errors.New("ActivityLimitExceeded")
	ErrActivityWorkerLimitExceeded = errors.New("ActivityWorkerLimitExceeded")
	ErrInvalidArn                  = errors.New("InvalidArn")
	ErrInvalidName                 = errors.New("InvalidName")
	ErrInvalidToken                = errors.New("InvalidToken")
	ErrTooManyTags                 = errors.New("TooManyTags")
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
