package query

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error kinds returned (wrapped in a *SyntaxError) by Compile.
var (
	// ErrSyntax is the kind of every malformed expression.
	ErrSyntax = errors.New("query: syntax error")
	// ErrUnsupportedRegex is the kind of a regular expression that uses a
	// Java feature RE2 does not implement.
	ErrUnsupportedRegex = errors.New("query: unsupported regular expression feature")
)

// SyntaxError describes a mistake in an expression and where it is.
type SyntaxError struct {
	// Expr is the whole expression.
	Expr string
	// Offset is the byte offset of the mistake in Expr.
	Offset int
	// Pos is the 1-based character position of the mistake in Expr.
	Pos int
	// Msg says what is wrong and what was expected.
	Msg string
	// Kind is ErrSyntax or ErrUnsupportedRegex.
	Kind error
}

// Error returns "position N: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("position %d: %s", e.Pos, e.Msg)
}

// Unwrap returns the error kind, so errors.Is(err, ErrSyntax) works.
func (e *SyntaxError) Unwrap() error { return e.Kind }

// Caret returns the expression on one line and a caret under the mistake
// on the next, for terminals.
func (e *SyntaxError) Caret() string {
	line := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, e.Expr)
	return line + "\n" + strings.Repeat(" ", max(e.Pos-1, 0)) + "^"
}

func newError(src string, off int, kind error, format string, args ...any) *SyntaxError {
	off = min(max(off, 0), len(src))
	return &SyntaxError{
		Expr:   src,
		Offset: off,
		Pos:    utf8.RuneCountInString(src[:off]) + 1,
		Msg:    fmt.Sprintf(format, args...),
		Kind:   kind,
	}
}
