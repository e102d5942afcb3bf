package logs

import (
	"errors"

	"github.com/ecsrun/ecsrun/internal/logpattern"
)

// Pattern is a compiled filter pattern (see package logpattern for the
// language: terms, quoted phrases, ?alternatives, -exclusions, %regex%,
// JSON patterns { $.field = ... } and space-delimited patterns [a, b, ...]).
type Pattern struct {
	p *logpattern.Pattern
}

// CompilePattern parses a CloudWatch Logs filter pattern; a pattern the
// service would refuse is an ErrInvalid error with the reason.
func CompilePattern(p string) (*Pattern, error) {
	lp, err := logpattern.Parse(p)
	var se *logpattern.SyntaxError
	if errors.As(err, &se) {
		return nil, errf(ErrInvalid, "%s", se.Msg)
	}
	if err != nil {
		return nil, err
	}
	return &Pattern{p: lp}, nil
}

// MatchAll reports whether the pattern accepts every event.
func (p *Pattern) MatchAll() bool { return p.p.MatchAll() }

// Match reports whether the message matches the pattern.
func (p *Pattern) Match(msg string) bool { return p.p.Match(msg) }
