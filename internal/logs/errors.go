package logs

import (
	"errors"
	"fmt"
)

// Error kinds. Test them with errors.Is; every error the Store returns for a
// caller's mistake wraps one of them inside an [*Error].
var (
	// ErrNotFound: the log group or log stream does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: the log group or log stream already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a parameter is wrong (bad name, token, pattern, limit, or
	// a combination the service refuses).
	ErrInvalid = errors.New("invalid parameter")
)

// Error is a caller's mistake: Kind is one of the error kinds above and Msg
// the message CloudWatch Logs would give for it.
type Error struct {
	Kind error
	Msg  string
}

// Error returns the message prefixed by the package name.
func (e *Error) Error() string { return "logs: " + e.Msg }

// Unwrap returns the kind, so errors.Is(err, ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Kind }

func errf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// The service's own messages.
const (
	msgGroupNotFound  = "The specified log group does not exist."
	msgStreamNotFound = "The specified log stream does not exist."
	msgGroupExists    = "The specified log group already exists"
	msgStreamExists   = "The specified log stream already exists"
	msgBadToken       = "The specified nextToken is invalid."
)

var (
	errGroupNotFound  = &Error{Kind: ErrNotFound, Msg: msgGroupNotFound}
	errStreamNotFound = &Error{Kind: ErrNotFound, Msg: msgStreamNotFound}
	errGroupExists    = &Error{Kind: ErrExists, Msg: msgGroupExists}
	errStreamExists   = &Error{Kind: ErrExists, Msg: msgStreamExists}
	errBadToken       = &Error{Kind: ErrInvalid, Msg: msgBadToken}
)
