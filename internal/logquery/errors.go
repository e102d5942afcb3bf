package logquery

import (
	"errors"
	"fmt"
)

// Error kinds; test them with errors.Is.
var (
	// ErrInvalid: a parameter is wrong.
	ErrInvalid = errors.New("invalid parameter")
	// ErrNotFound: the log group, metric filter, query or query
	// definition does not exist.
	ErrNotFound = errors.New("not found")
	// ErrLimit: a quota would be exceeded.
	ErrLimit = errors.New("limit exceeded")
	// ErrValidation: a parameter of a scheduled query operation is wrong
	// (those operations answer ValidationException).
	ErrValidation = errors.New("validation")
	// ErrConflict: a scheduled query of that name exists.
	ErrConflict = errors.New("conflict")
	// ErrMalformedQuery: the query string does not compile; the *Error
	// carries the location.
	ErrMalformedQuery = errors.New("malformed query")
)

// Error is a caller's mistake: Kind is an error kind, Msg the message the
// service gives. For ErrMalformedQuery, Start and End are the offending
// characters of the query.
type Error struct {
	Kind       error
	Msg        string
	Start, End int
}

// Error returns the message prefixed by the package name.
func (e *Error) Error() string { return "logquery: " + e.Msg }

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Kind }

func errf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
