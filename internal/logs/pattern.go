package logs

import (
	"regexp"
	"strings"
)

// Pattern is a compiled filter pattern for unstructured log events.
type Pattern struct {
	all  []string // every one must appear
	any  []string // when not empty, at least one must appear
	none []string // none may appear
	re   *regexp.Regexp
}

// CompilePattern parses a CloudWatch Logs filter pattern for unstructured
// events. Matching is case-sensitive and by substring:
//
//	""                   every event
//	ERROR Exception      events containing both terms
//	"Connection refused" the phrase, spaces included (\" and \\ escape)
//	?ERROR ?WARN         events containing at least one of the ?-terms
//	ERROR -Exiting       events containing ERROR but not Exiting
//	%timeout after \d+%  a regular expression (RE2 syntax)
//
// Plain, ?- and --terms may be mixed: all plain terms, one ?-term (if any) and
// no --term. JSON patterns ({ $.field = ... }) and space-delimited patterns
// ([ip, user, ...]) are refused with ErrInvalid: ecsrun does not support
// them yet.
func CompilePattern(p string) (*Pattern, error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return &Pattern{}, nil
	case p[0] == '{':
		return nil, errf(ErrInvalid, "Invalid filter pattern %q: JSON filter patterns ({ ... }) are not supported yet by ecsrun; use terms, quoted phrases, ?alternatives, -exclusions or a %%regex%%.", clip(p))
	case p[0] == '[':
		return nil, errf(ErrInvalid, "Invalid filter pattern %q: space-delimited filter patterns ([ ... ]) are not supported yet by ecsrun; use terms, quoted phrases, ?alternatives, -exclusions or a %%regex%%.", clip(p))
	case len(p) >= 2 && p[0] == '%' && p[len(p)-1] == '%':
		re, err := regexp.Compile(p[1 : len(p)-1])
		if err != nil {
			return nil, errf(ErrInvalid, "Invalid filter pattern %q: bad regular expression: %v", clip(p), err)
		}
		return &Pattern{re: re}, nil
	}
	var pat Pattern
	for i := 0; i < len(p); {
		if p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' {
			i++
			continue
		}
		list := &pat.all
		if (p[i] == '?' || p[i] == '-') && i+1 < len(p) && p[i+1] != ' ' && p[i+1] != '\t' {
			if p[i] == '?' {
				list = &pat.any
			} else {
				list = &pat.none
			}
			i++
		}
		var term string
		if p[i] == '"' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(p) {
				c := p[j]
				if c == '\\' && j+1 < len(p) && (p[j+1] == '"' || p[j+1] == '\\') {
					b.WriteByte(p[j+1])
					j += 2
					continue
				}
				j++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, errf(ErrInvalid, "Invalid filter pattern %q: a quoted phrase is not closed.", clip(p))
			}
			term, i = b.String(), j
		} else {
			j := i
			for j < len(p) && p[j] != ' ' && p[j] != '\t' && p[j] != '\n' && p[j] != '\r' {
				j++
			}
			term, i = p[i:j], j
		}
		*list = append(*list, term)
	}
	return &pat, nil
}

// MatchAll reports whether the pattern accepts every event.
func (p *Pattern) MatchAll() bool {
	return p.re == nil && len(p.all) == 0 && len(p.any) == 0 && len(p.none) == 0
}

// Match reports whether the message matches the pattern.
func (p *Pattern) Match(msg string) bool {
	if p.re != nil {
		return p.re.MatchString(msg)
	}
	for _, t := range p.all {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	for _, t := range p.none {
		if strings.Contains(msg, t) {
			return false
		}
	}
	if len(p.any) == 0 {
		return true
	}
	for _, t := range p.any {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}
